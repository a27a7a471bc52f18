package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// barWidth is the number of cells of the bar.
const barWidth = 30

// progressBar draws ExportAndDownload's progress. On a terminal it redraws one line
// with carriage returns; elsewhere (a file, a pipe, CI logs) it prints a line for each
// new export percentage and for every tenth of the download.
type progressBar struct {
	w       io.Writer
	tty     bool
	drawn   bool   // a terminal line is pending its newline
	lastKey string // what the last non-terminal line showed
	width   int    // length of the last terminal line, to blank what it leaves over
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update is the WithProgress callback.
func (b *progressBar) update(p hcloud.Progress) {
	var line, key string
	switch p.Phase {
	case hcloud.PhaseWaiting:
		line = fmt.Sprintf("exporting   %s %3d%%", bar(p.Percent), p.Percent)
		key = fmt.Sprintf("e%d", p.Percent)
	case hcloud.PhaseDownloading:
		if p.Total > 0 {
			pct := int(p.Written * 100 / p.Total)
			line = fmt.Sprintf("downloading %s %3d%%  %s / %s", bar(pct), pct, byteSize(p.Written), byteSize(p.Total))
			key = fmt.Sprintf("d%d", pct/10)
		} else {
			line = "downloading " + byteSize(p.Written)
			key = fmt.Sprintf("d%d", p.Written>>23) // every 8 MiB
		}
	default:
		return
	}
	if b.tty {
		pad := max(b.width-len(line), 0)
		fmt.Fprintf(b.w, "\r%s%s", line, strings.Repeat(" ", pad))
		b.width = len(line)
		b.drawn = true
		return
	}
	if key != b.lastKey {
		fmt.Fprintln(b.w, line)
		b.lastKey = key
	}
}

// finish ends the terminal line, if one is drawn.
func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// bar draws pct (0..100) as [#####.....].
func bar(pct int) string {
	n := min(max(pct, 0), 100) * barWidth / 100
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", barWidth-n) + "]"
}

// byteSize formats n bytes for people: 512 B, 1.5 KiB, 20.0 MiB, 1.00 GiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
