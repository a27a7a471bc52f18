// Command css-log-backup backs up the logs of a CSS (Cloud Search Service) cluster to
// OBS and waits for the job: it makes sure log backup is enabled, starts a backup,
// prints the finished job, then lists the cluster's last 10 log backup jobs.
//
// A job has two IDs, and the program prints both: the record ID (LogBackup.ID, a UUID,
// the ID column of the table) identifies the job's record in the list; the job ID
// (LogBackup.JobID, 32 hex digits) is the one css.WaitForLogBackup takes to wait for a
// job again, for example after -timeout cut a wait short.
//
// With no access key in the environment it runs against the built-in fake CSS
// service, seeded with a demo cluster, so it works without a cloud account:
//
//	go run ./examples/css-log-backup
//
// Against the real service:
//
//	export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=...
//	export HUAWEICLOUD_SDK_REGION=ap-southeast-1 HUAWEICLOUD_SDK_PROJECT_ID=...
//	go run ./examples/css-log-backup -cluster 4213d908-f5dc-4633-8401-cfd7175fca0c
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
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/config"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
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
const demoCluster = "4213d908-f5dc-4633-8401-cfd7175fca0c"

// The built-in fake's job duration and the poll delays used against it, short so that
// the demo finishes in about two seconds.
const (
	fakeJobDuration = 1500 * time.Millisecond
	fakeMinDelay    = 250 * time.Millisecond
	fakeMaxDelay    = time.Second
	fakeHistory     = 12 // finished jobs seeded before the demo's own
)

// listed is how many jobs the final table shows.
const listed = 10

const usageText = `Usage: css-log-backup [flags]

Backs up the logs of a CSS cluster to OBS and waits for the job to finish:
  1. reads the cluster's log settings and enables log backup if it is off
     (that needs -bucket and -agency);
  2. starts a log backup and polls the job list until the new job succeeds or fails;
  3. prints the finished job and a table of the cluster's last 10 log backup jobs.
Times are printed in UTC.

A CSS log backup job has two IDs. The record ID (a UUID, "id" on the wire) names the
job's entry in the cluster's job list: the ID column of the table. The job ID (32
hexadecimal digits, "jobId") names the service's task that ran the backup: quote it
to Huawei Cloud support. The service's reply to starting a backup carries neither;
the program finds the new job in the job list. css.WaitForLogBackup waits for a job
by its job ID.

Exit status: 0 on success, 2 on a usage or configuration error (nothing is started),
1 when the service or the job fails.

Environment:
  HUAWEICLOUD_SDK_AK              access key (AK)
  HUAWEICLOUD_SDK_SK              secret key (SK)
  HUAWEICLOUD_SDK_SECURITY_TOKEN  security token, for temporary credentials (optional)
  HUAWEICLOUD_SDK_REGION          region ID, e.g. ap-southeast-1
  HUAWEICLOUD_SDK_PROJECT_ID      project ID of that region (looked up through IAM when unset)
  CLOUD_SDK_AK, CLOUD_SDK_SK      used when HUAWEICLOUD_SDK_AK/SK are not set

When neither HUAWEICLOUD_SDK_AK nor CLOUD_SDK_AK is set, the program runs against a
built-in fake CSS service seeded with the demo cluster ` + demoCluster + `.

Flags:
`

// options are the parsed flags.
type options struct {
	cluster  string
	bucket   string
	agency   string
	basePath string
	timeout  time.Duration
}

// run is the program: it parses args, runs the workflow and prints to stdout, errors
// to stderr, and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("css-log-backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.cluster, "cluster", "", "`ID` of the CSS cluster (required with real credentials;\n"+
		"defaults to the demo cluster against the built-in fake)")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up waiting for the backup after this long")
	fs.StringVar(&o.bucket, "bucket", "", "OBS `bucket` for the logs, needed only to enable log backup")
	fs.StringVar(&o.agency, "agency", "", "IAM `agency` that lets CSS write to the bucket, needed only to enable log backup")
	fs.StringVar(&o.basePath, "base-path", "css/log", "`path` in the bucket, used when enabling log backup")
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
		fmt.Fprintf(stderr, "css-log-backup: unexpected argument %q (flags only; see -h)\n", fs.Arg(0))
		return exitUsage
	}
	if o.timeout <= 0 {
		fmt.Fprintf(stderr, "css-log-backup: -timeout %v must be positive\n", o.timeout)
		return exitUsage
	}
	if o.cluster != "" && !hcloud.ValidID(o.cluster) {
		fmt.Fprintf(stderr, "css-log-backup: -cluster %q is not a cluster ID (a UUID such as %s)\n", o.cluster, demoCluster)
		return exitUsage
	}
	if (o.bucket == "") != (o.agency == "") {
		fmt.Fprintln(stderr, "css-log-backup: -bucket and -agency go together: give both to enable log backup, or neither")
		return exitUsage
	}

	var cfg css.Config
	var waitOpts []css.Option
	if hasAccessKey() {
		if o.cluster == "" {
			fmt.Fprintln(stderr, "css-log-backup: -cluster is required with real credentials (see -h)")
			return exitUsage
		}
		var err error
		if cfg, err = config.Load(ctx); err != nil {
			fmt.Fprintf(stderr, "css-log-backup: %v\n", err)
			return exitUsage
		}
	} else {
		if o.cluster == "" {
			o.cluster = demoCluster
		}
		srv, err := startFake(o.cluster)
		if err != nil {
			fmt.Fprintf(stderr, "css-log-backup: %v\n", err)
			return exitError
		}
		defer srv.Close()
		fmt.Fprintf(stdout, "No HUAWEICLOUD_SDK_AK in the environment: running against the built-in fake CSS service at %s.\n\n", srv.URL)
		cfg = srv.Config()
		waitOpts = []css.Option{hcloud.WithMinDelay(fakeMinDelay), hcloud.WithMaxDelay(fakeMaxDelay)}
	}

	client, err := css.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "css-log-backup: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := backup(ctx, client, o, stdout, waitOpts...); err != nil {
		report(stderr, err)
		return exitError
	}
	return exitOK
}

// hasAccessKey reports whether the environment holds an access key.
func hasAccessKey() bool {
	return os.Getenv("HUAWEICLOUD_SDK_AK") != "" || os.Getenv("CLOUD_SDK_AK") != ""
}

// startFake starts the built-in fake with the cluster and some finished jobs.
func startFake(cluster string) (*csstest.Server, error) {
	srv := csstest.NewServer(csstest.WithJobDuration(fakeJobDuration))
	srv.AddCluster(cluster)
	if err := srv.AddLogBackups(cluster, fakeHistory); err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

// backup is the workflow: ensure log backup is on, back up, print the job and the
// last jobs.
func backup(ctx context.Context, client *css.Client, o options, w io.Writer, waitOpts ...css.Option) error {
	if err := ensureEnabled(ctx, client, o, w); err != nil {
		return err
	}

	fmt.Fprintf(w, "Backing up the logs of cluster %s and waiting for the job...\n", o.cluster)
	job, err := client.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: o.cluster}, waitOpts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "The log backup job succeeded in %s.\n", duration(*job))
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "  Record ID:\t%s\n", job.ID)
	fmt.Fprintf(tw, "  Job ID:\t%s\n", job.JobID)
	fmt.Fprintf(tw, "  Created:\t%s\n", stamp(job.CreatedAt))
	fmt.Fprintf(tw, "  Finished:\t%s\n", stamp(job.FinishedAt))
	fmt.Fprintf(tw, "  Log path:\t%s\n", job.LogPath)
	if err := tw.Flush(); err != nil {
		return err
	}

	resp, err := client.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: o.cluster, Limit: listed})
	if err != nil {
		return err
	}
	of := "total not reported"
	if resp.Total != nil {
		of = "of " + strconv.Itoa(*resp.Total)
	}
	fmt.Fprintf(w, "\nLast %d log backup jobs (%s):\n", len(resp.Records), of)
	var table strings.Builder
	tw = tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED (UTC)\tTYPE\tSTATUS\tDURATION\tID\tMESSAGE")
	for _, b := range resp.Records {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
			b.CreatedAt.UTC().Format(time.DateTime), b.JobType, b.Status, duration(b), b.ID, b.FailedMessage)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Rows without a message would end in the padding of the ID column.
	for line := range strings.Lines(table.String()) {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// ensureEnabled turns log backup on when it is off, with the -bucket, -agency and
// -base-path flags.
func ensureEnabled(ctx context.Context, client *css.Client, o options, w io.Writer) error {
	settings, err := client.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: o.cluster})
	if err != nil {
		return err
	}
	if settings.Enabled {
		fmt.Fprintf(w, "Log backup of cluster %s is enabled (bucket %s, path %s).\n", o.cluster, settings.Bucket, settings.BasePath)
		return nil
	}
	if o.bucket == "" || o.agency == "" {
		return fmt.Errorf("log backup of cluster %s is disabled; pass -bucket and -agency to enable it", o.cluster)
	}
	_, err = client.EnableLogBackup(ctx, &css.EnableLogBackupRequest{
		ClusterID: o.cluster, LogBucket: o.bucket, Agency: o.agency, LogBasePath: o.basePath,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Enabled log backup of cluster %s (bucket %s, path %s).\n", o.cluster, o.bucket, o.basePath)
	return nil
}

// stamp formats t in UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateTime) + " UTC"
}

// duration is how long the job ran, or "-" while it runs.
func duration(b css.LogBackup) string {
	if b.FinishedAt.IsZero() || b.CreatedAt.IsZero() {
		return "-"
	}
	return b.FinishedAt.Sub(b.CreatedAt).Round(100 * time.Millisecond).String()
}

// report prints err for a person: the job failure, or the API error's code, message
// and request ID.
func report(w io.Writer, err error) {
	var failed *css.JobFailedError
	var apiErr *css.APIError
	switch {
	case errors.As(err, &failed):
		fmt.Fprintf(w, "css-log-backup: log backup job %s failed: %s\n", failed.Job.ID, failed.Message)
	case errors.As(err, &apiErr):
		fmt.Fprintf(w, "css-log-backup: %s failed with HTTP %d\n", apiErr.Operation, apiErr.StatusCode)
		if apiErr.Code != "" {
			fmt.Fprintf(w, "  error code: %s\n", apiErr.Code)
		}
		fmt.Fprintf(w, "  message:    %s\n", strings.TrimSpace(apiErr.Message))
		fmt.Fprintf(w, "  request ID: %s\n", apiErr.RequestID)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(w, "css-log-backup: %v\n  (raise -timeout to wait longer; the job may still finish,\n"+
			"  and css.WaitForLogBackup with the job id above waits for it again)\n", err)
	default:
		fmt.Fprintf(w, "css-log-backup: %v\n", err)
	}
}
