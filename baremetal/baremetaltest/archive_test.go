package baremetaltest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var archiveTime = time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)

// readArchive checks that r is a tar.gz holding exactly one log file made of pattern,
// and returns that file's header.
func readArchive(t *testing.T, r io.Reader, pattern []byte) *tar.Header {
	t.Helper()
	zr, err := gzip.NewReader(r)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	require.NoError(t, err)
	content := &patternChecker{pattern: pattern}
	n, err := io.Copy(content, tr)
	require.NoError(t, err)
	assert.Equal(t, hdr.Size, n)
	assert.False(t, content.mismatch, "the log file repeats the pattern")
	_, err = tr.Next()
	assert.ErrorIs(t, err, io.EOF, "one file only")
	_, err = io.Copy(io.Discard, zr)
	require.NoError(t, err, "gzip trailer (CRC-32, size) checks out")
	require.NoError(t, zr.Close())
	return hdr
}

// patternChecker checks that what it is given is pattern repeated.
type patternChecker struct {
	pattern  []byte
	off      int
	mismatch bool
}

func (w *patternChecker) Write(p []byte) (int, error) {
	for _, c := range p {
		if c != w.pattern[w.off] {
			w.mismatch = true
		}
		w.off = (w.off + 1) % len(w.pattern)
	}
	return len(p), nil
}

func TestArchiveExactSizes(t *testing.T) {
	t.Parallel()
	pattern := newPattern()
	sizes := []int64{
		MinArchiveSize, MinArchiveSize + 1, MinArchiveSize + 5, MinArchiveSize + 6,
		MinArchiveSize + 511, MinArchiveSize + 512, MinArchiveSize + 513,
		4096, 65535, 65536, 65540, 65541, 65535 + 1600, 131072, 131082,
		DefaultArchiveSize, DefaultArchiveSize + 1, 3<<20 + 7,
	}
	for _, size := range sizes {
		var buf bytes.Buffer
		require.NoError(t, writeArchive(&buf, size, archiveTime, pattern), "size %d", size)
		require.Equal(t, size, int64(buf.Len()), "exact size")
		hdr := readArchive(t, &buf, pattern)
		assert.Equal(t, archiveEntry, hdr.Name)
		assert.Equal(t, byte(tar.TypeReg), hdr.Typeflag)
		assert.True(t, archiveTime.Equal(hdr.ModTime), "ModTime %v", hdr.ModTime)
		tarSize, pad := archiveLayout(size)
		assert.Equal(t, tarSize-tarOverhead, hdr.Size)
		assert.Less(t, pad, int64(tarBlock+storedBlockHead+1), "padding stays small")
	}
}

func TestArchiveLayoutEveryByte(t *testing.T) {
	t.Parallel()
	// Every size over a range crossing stored-block boundaries is reachable.
	for size := int64(MinArchiveSize); size < 3*storedBlockMax; size += 7 {
		tarSize, pad := archiveLayout(size)
		require.Zero(t, tarSize%tarBlock, "size %d", size)
		require.GreaterOrEqual(t, tarSize, int64(tarOverhead))
		require.GreaterOrEqual(t, pad, int64(0))
		require.LessOrEqual(t, pad, int64(65531))
		require.Equal(t, size, gzipSize(tarSize, pad))
	}
}

// TestArchiveWithTools checks that the system's tar and gzip read the archive, as a
// user's would. Every Debian-based CI machine has both.
func TestArchiveWithTools(t *testing.T) {
	t.Parallel()
	tarPath, err := exec.LookPath("tar")
	require.NoError(t, err, "tar is part of every Debian system")
	gzipPath, err := exec.LookPath("gzip")
	require.NoError(t, err, "gzip is part of every Debian system")

	dir := t.TempDir()
	for _, size := range []int64{MinArchiveSize, 200_003} {
		path := filepath.Join(dir, "dump.tar.gz")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, writeArchive(f, size, archiveTime, newPattern()))
		require.NoError(t, f.Close())

		out, err := exec.Command(gzipPath, "-t", path).CombinedOutput()
		require.NoError(t, err, "gzip -t: %s", out)
		out, err = exec.Command(tarPath, "-tzf", path).CombinedOutput()
		require.NoError(t, err, "tar -tzf: %s", out)
		assert.Equal(t, archiveEntry+"\n", string(out))
	}
}

// TestArchiveConstantMemory streams a 256 MiB archive and checks that it allocates
// almost nothing: the generator holds no more than its buffers.
func TestArchiveConstantMemory(t *testing.T) {
	pattern := newPattern()
	const size = 256 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cw := &countWriter{}
	require.NoError(t, writeArchive(cw, size, archiveTime, pattern))
	runtime.ReadMemStats(&after)
	assert.Equal(t, int64(size), cw.n)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated while streaming 256 MiB")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

func BenchmarkWriteArchive(b *testing.B) {
	pattern := newPattern()
	const size = 64 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := writeArchive(io.Discard, size, archiveTime, pattern); err != nil {
			b.Fatal(err)
		}
	}
}
