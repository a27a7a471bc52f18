// Command dws-audit-logs lists the audit-log dump records of a DWS (Data Warehouse
// Service) cluster as a table.
//
// With no access key in the environment it runs against the built-in fake DWS server,
// seeded with a demo cluster, so it works without a cloud account:
//
//	go run ./examples/dws-audit-logs
//
// Against the real service:
//
//	export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=...
//	export HUAWEICLOUD_SDK_REGION=ap-southeast-1 HUAWEICLOUD_SDK_PROJECT_ID=...
//	go run ./examples/dws-audit-logs -cluster a07cb2f7-b17e-4d95-923b-a33d0c884d37
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/config"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes of run.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// demoCluster is the cluster the built-in fake is seeded with.
const demoCluster = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"

const usageText = `Usage: dws-audit-logs [flags]

Lists the audit-log dump records of a DWS cluster (when each dump ran, the interval
it covered, the OBS bucket and prefix it wrote to, and its result) as a table, with
times in UTC.

Environment:
  HUAWEICLOUD_SDK_AK              access key (AK)
  HUAWEICLOUD_SDK_SK              secret key (SK)
  HUAWEICLOUD_SDK_SECURITY_TOKEN  security token, for temporary credentials (optional)
  HUAWEICLOUD_SDK_REGION          region ID, e.g. ap-southeast-1
  HUAWEICLOUD_SDK_PROJECT_ID      project ID of that region
  CLOUD_SDK_AK, CLOUD_SDK_SK      used when HUAWEICLOUD_SDK_AK/SK are not set

When neither HUAWEICLOUD_SDK_AK nor CLOUD_SDK_AK is set, the program runs against a
built-in fake DWS server seeded with the demo cluster ` + demoCluster + `.

Flags:
`

// run is the program: it parses args, lists the records and prints them to stdout,
// errors to stderr, and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dws-audit-logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cluster := fs.String("cluster", "", "`ID` of the DWS cluster, a UUID (required with real credentials;\n"+
		"defaults to the demo cluster against the built-in fake)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long, retries included")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dws-audit-logs: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "dws-audit-logs: -timeout %v must be positive\n", *timeout)
		fs.Usage()
		return exitUsage
	}
	if *cluster != "" && !hcloud.ValidID(*cluster) {
		fmt.Fprintf(stderr, "dws-audit-logs: -cluster %q is not a cluster ID (hexadecimal digits in groups joined by '-', such as %s)\n", *cluster, demoCluster)
		return exitUsage
	}

	var cfg dws.Config
	if os.Getenv("HUAWEICLOUD_SDK_AK") == "" && os.Getenv("CLOUD_SDK_AK") == "" {
		srv := dwstest.NewServer()
		defer srv.Close()
		seed(srv, time.Now().UTC())
		if *cluster == "" {
			*cluster = demoCluster
		}
		fmt.Fprintf(stdout, "No HUAWEICLOUD_SDK_AK in the environment: running against the built-in fake DWS server at %s.\n", srv.URL)
		cfg = srv.Config()
	} else {
		if *cluster == "" {
			fmt.Fprintln(stderr, "dws-audit-logs: -cluster is required")
			fs.Usage()
			return exitUsage
		}
		var err error
		if cfg, err = config.Load(ctx); err != nil {
			fmt.Fprintf(stderr, "dws-audit-logs: %v\n", err)
			return exitUsage
		}
	}

	client, err := dws.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dws-audit-logs: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	resp, err := client.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: *cluster})
	if err != nil {
		report(stderr, err)
		return exitError
	}
	if err := printRecords(stdout, resp); err != nil {
		fmt.Fprintf(stderr, "dws-audit-logs: %v\n", err)
		return exitError
	}
	return exitOK
}

// report prints err, with the service's error code, message and request ID when the
// service answered.
func report(w io.Writer, err error) {
	var apiErr *dws.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.Code
		if code == "" {
			code = "(no error code)"
		}
		attempts := "1 attempt"
		if apiErr.Attempts != 1 {
			attempts = fmt.Sprintf("%d attempts", apiErr.Attempts)
		}
		fmt.Fprintf(w, "dws-audit-logs: the service answered HTTP %d %s: %s (request ID %s, %s)\n",
			apiErr.StatusCode, code, apiErr.Message, orNone(apiErr.RequestID), attempts)
		return
	}
	fmt.Fprintf(w, "dws-audit-logs: %v\n", err)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// timeLayout shows a time in UTC, to the second.
const timeLayout = "2006-01-02 15:04:05"

// printRecords writes the records as an aligned table, then their count.
func printRecords(w io.Writer, resp *dws.ListAuditLogRecordsResponse) error {
	fmt.Fprintf(w, "Audit-log dumps of cluster %s (times in UTC):\n", resp.ClusterID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXECUTED\tBEGIN\tEND\tRESULT\tBUCKET\tPREFIX\tFAILED REASON")
	for _, r := range resp.Records {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			formatTime(r.ExecutedAt), formatTime(r.BeginTime), formatTime(r.EndTime),
			orDash(string(r.Result)), orDash(r.BucketName), orDash(r.LocationPrefix), orDash(r.FailedReason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	reported := "none"
	if resp.Total != nil {
		reported = strconv.Itoa(*resp.Total)
	}
	_, err := fmt.Fprintf(w, "%d records (count reported by the service: %s)\n", len(resp.Records), reported)
	return err
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// seed gives the fake the demo cluster with five dumps of consecutive ten-minute
// intervals, the last one starting at the most recent ten-minute mark and still running.
// As in the documented example, a dump executes shortly after its interval begins. Only
// RUNNING is a documented result; SUCCESS and FAILED stand for the undocumented values
// a finished dump reports.
func seed(srv *dwstest.Server, now time.Time) {
	const interval = 10 * time.Minute
	mark := now.Truncate(interval)
	results := []dws.AuditResult{"SUCCESS", "SUCCESS", "FAILED", "SUCCESS", dws.AuditResultRunning}
	for i, result := range results {
		begin := mark.Add(-time.Duration(len(results)-1-i) * interval)
		executed := begin.Add(96 * time.Second)
		if executed.After(now) {
			executed = now
		}
		rec := dws.AuditLogRecord{
			ExecutedAt:     executed,
			BeginTime:      begin,
			EndTime:        begin.Add(interval),
			BucketName:     "dws-audit-logs",
			LocationPrefix: "audit",
			Result:         result,
		}
		if result == "FAILED" {
			rec.FailedReason = "OBS bucket dws-audit-logs is not writable by the DWS agency"
		}
		srv.AddAuditLogRecord(demoCluster, rec)
	}
}
