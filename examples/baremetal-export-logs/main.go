// Command baremetal-export-logs exports the logs of a CloudDC physical server and
// downloads the archive to a file, with a progress bar on stderr.
//
// With no access key in the environment it runs against the built-in fake service
// (package baremetaltest), so it works without a cloud account:
//
//	go run ./examples/baremetal-export-logs
//
// Against the real service:
//
//	export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=... HUAWEICLOUD_SDK_REGION=cn-east-3 HUAWEICLOUD_SDK_PROJECT_ID=...
//	go run ./examples/baremetal-export-logs -server <physical server ID>
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/config"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// fakeServerID is the physical server the built-in fake is seeded with.
const fakeServerID = "8d2f6a4e-1c3b-4f5a-9e7d-6b0c2a1f3e58"

const usage = `Usage: baremetal-export-logs [flags]

Exports the logs of a CloudDC physical server, waits for the export to complete and
downloads the tar.gz archive to a file, showing progress on stderr. The archive is
written to a temporary file beside the target and renamed once complete, so a failed
download leaves no partial file. The file is readable by its owner only (mode 0600),
as server logs may hold sensitive data.

Flags:
  -server ID       physical server ID (required with real credentials; the built-in
                   fake is seeded with one when omitted)
  -out PATH        where to write the archive: a file, or an existing directory that
                   gets the file name the service suggests (default: that name in
                   the current directory; with the built-in fake, in a new
                   temporary directory). Its directory must exist.
  -timeout D       give up after this long, e.g. 10m (default 30m)
  -h               show this help

Environment:
  HUAWEICLOUD_SDK_AK              access key (fallback: CLOUD_SDK_AK)
  HUAWEICLOUD_SDK_SK              secret key (fallback: CLOUD_SDK_SK)
  HUAWEICLOUD_SDK_SECURITY_TOKEN  security token of temporary credentials (optional)
  HUAWEICLOUD_SDK_REGION          region ID, e.g. cn-east-3 (CloudDC serves cn-east-3,
                                  cn-southwest-2, cn-south-1, ap-southeast-3)
  HUAWEICLOUD_SDK_PROJECT_ID      project ID of that region

With neither HUAWEICLOUD_SDK_AK nor CLOUD_SDK_AK set, the program runs against the
built-in fake CloudDC service instead of the cloud.

Exit status: 0 on success, 2 on a usage or configuration error (nothing is started),
1 when the export or the download fails.
`

// run is the program: it parses args, exports and downloads, and returns the exit
// code (0 success, 1 failure, 2 bad usage).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baremetal-export-logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	serverID := fs.String("server", "", "physical server ID")
	out := fs.String("out", "", "archive path")
	timeout := fs.Duration("timeout", 30*time.Minute, "overall time limit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "baremetal-export-logs: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "baremetal-export-logs: -timeout %v must be positive\n", *timeout)
		return 2
	}
	if *serverID != "" && !hcloud.ValidID(*serverID) {
		fmt.Fprintf(stderr, "baremetal-export-logs: -server %q is not a server ID (a UUID such as %s)\n", *serverID, fakeServerID)
		return 2
	}
	outDir, outFile, err := splitOut(*out)
	if err != nil {
		fmt.Fprintf(stderr, "baremetal-export-logs: -out %s: %v\n", *out, err)
		return 2
	}

	fake := os.Getenv("HUAWEICLOUD_SDK_AK") == "" && os.Getenv("CLOUD_SDK_AK") == ""
	if !fake && *serverID == "" {
		fmt.Fprintln(stderr, "baremetal-export-logs: -server is required")
		fs.Usage()
		return 2
	}

	var cfg baremetal.Config
	var opts []baremetal.Option
	if fake {
		srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(1500 * time.Millisecond))
		defer srv.Close()
		if *serverID == "" {
			*serverID = fakeServerID
		}
		srv.AddServer(*serverID)
		cfg = srv.Config()
		opts = append(opts, hcloud.WithMinDelay(200*time.Millisecond), hcloud.WithMaxDelay(time.Second))
		fmt.Fprintf(stdout, "No HUAWEICLOUD_SDK_AK in the environment: running against the built-in fake CloudDC service at %s\n", srv.URL)
		if *out == "" {
			dir, err := os.MkdirTemp("", "baremetal-export-logs-")
			if err != nil {
				fmt.Fprintf(stderr, "baremetal-export-logs: %v\n", err)
				return 1
			}
			outDir = dir
		}
	} else {
		if cfg, err = config.Load(ctx); err != nil {
			fmt.Fprintf(stderr, "baremetal-export-logs: %v\n", err)
			return 2
		}
	}

	client, err := baremetal.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "baremetal-export-logs: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	bar := newProgressBar(stderr)
	path, size, err := download(ctx, client, *serverID, outDir, outFile, bar.update, opts...)
	bar.finish()
	if err != nil {
		printError(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "Wrote %s (%d bytes)\n", path, size)
	return 0
}

// splitOut returns the directory and the file name that -out names: for "" the
// current directory and no name (the service's suggestion), for an existing
// directory that directory and no name, else the file in its directory, which must
// exist.
func splitOut(out string) (dir, file string, err error) {
	if out == "" {
		return ".", "", nil
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return out, "", nil
	}
	if strings.HasSuffix(out, string(filepath.Separator)) || strings.HasSuffix(out, "/") {
		return "", "", fmt.Errorf("directory %s does not exist", filepath.Clean(out))
	}
	dir = filepath.Dir(out)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", "", fmt.Errorf("directory %s does not exist", dir)
	}
	return dir, out, nil
}

// download exports and downloads into a temporary file in dir, reporting progress,
// then renames the file to out, or to the name the service suggests in dir when out
// is empty. On failure it removes the temporary file.
func download(ctx context.Context, c *baremetal.Client, serverID, dir, out string,
	progress func(hcloud.Progress), opts ...baremetal.Option) (string, int64, error) {
	tmp, err := os.CreateTemp(dir, ".baremetal-export-*.part")
	if err != nil {
		return "", 0, err
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	opts = append(opts, hcloud.WithProgress(progress))
	resp, err := c.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: serverID, Destination: tmp}, opts...)
	if err != nil {
		return "", 0, err
	}
	filename, n := resp.Filename, resp.Written
	if err := tmp.Sync(); err != nil {
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	if out == "" {
		out = filepath.Join(dir, filename)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", 0, err
	}
	committed = true
	return out, n, nil
}

// printError prints err; for an error reply of the service, its code, message and
// request ID, which support asks for.
func printError(w io.Writer, err error) {
	var ae *baremetal.APIError
	if errors.As(err, &ae) {
		code := ae.Code
		if code == "" {
			code = "(none)"
		}
		requestID := ae.RequestID
		if requestID == "" {
			requestID = "(none)"
		}
		fmt.Fprintf(w, "baremetal-export-logs: %s failed with HTTP %d\n  error code: %s\n  message:    %s\n  request ID: %s\n",
			ae.Operation, ae.StatusCode, code, strings.TrimSpace(ae.Message), requestID)
		return
	}
	fmt.Fprintf(w, "baremetal-export-logs: %v\n", err)
}
