// Command hss-backup-tasks lists the ransomware backup and restoration tasks of Huawei
// Cloud Host Security Service (HSS) as a table, paging through them with the client's
// iterator.
//
// With no access key in the environment it starts the built-in fake HSS server
// (package hsstest), seeds it with 25 tasks and lists those, so that
//
//	go run ./examples/hss-backup-tasks -status failed
//
// works without a cloud account. Run it with -h for the flags and environment variables.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/config"

	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

const usage = `Usage: hss-backup-tasks [flags]

Lists the HSS ransomware backup and restoration tasks as a table, newest first.

Flags:
%s
Environment:
  HUAWEICLOUD_SDK_AK              access key (fallback: CLOUD_SDK_AK)
  HUAWEICLOUD_SDK_SK              secret key (fallback: CLOUD_SDK_SK)
  HUAWEICLOUD_SDK_SECURITY_TOKEN  security token of temporary credentials (optional)
  HUAWEICLOUD_SDK_REGION          region ID, e.g. ap-southeast-1
  HUAWEICLOUD_SDK_PROJECT_ID      project ID of that region

With neither HUAWEICLOUD_SDK_AK nor CLOUD_SDK_AK set, the program runs against a
built-in fake HSS server seeded with 25 tasks.
`

// fakePageSize is the default page size against the fake: small, so that paging shows.
const fakePageSize = 10

// run is the program; it returns the exit code: 0 on success, 1 when the listing
// fails, 2 for bad flags or configuration. When it runs against the built-in fake,
// prepare (if not nil) is called with the seeded server before the listing: tests
// inject faults with it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, prepare func(*hsstest.Server)) int {
	fs := flag.NewFlagSet("hss-backup-tasks", flag.ContinueOnError)
	fs.SetOutput(stderr)
	status := fs.String("status", "", "only tasks in this `state`: success, skipped, failed, running, timeout or waiting")
	host := fs.String("host", "", "only tasks of the server with this `name` (the API's resource_name)")
	lastDays := fs.Int("last-days", 0, "only tasks of the last `n` days, 1..30 (0: no limit)")
	pageSize := fs.Int("page-size", 0, "tasks fetched per request, 10..200 (0: 200 against the cloud, 10 against the built-in fake)")
	project := fs.String("enterprise-project-id", "", "enterprise project `ID` (all_granted_eps: every project; empty: the default project)")
	fs.Usage = func() {
		var flags stringWriter
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, usage, flags)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hss-backup-tasks: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if err := checkFlags(hss.TaskStatus(*status), *lastDays, *pageSize); err != nil {
		fmt.Fprintln(stderr, "hss-backup-tasks:", err)
		return 2
	}

	var cfg hss.Config
	if os.Getenv("HUAWEICLOUD_SDK_AK") == "" && os.Getenv("CLOUD_SDK_AK") == "" {
		srv := hsstest.NewServer()
		defer srv.Close()
		seed(srv)
		if prepare != nil {
			prepare(srv)
		}
		cfg = srv.Config()
		if *pageSize == 0 {
			*pageSize = fakePageSize
		}
		fmt.Fprintln(stdout, "No HUAWEICLOUD_SDK_AK or CLOUD_SDK_AK in the environment: running against the built-in HSS fake.")
	} else {
		var err error
		if cfg, err = config.Load(ctx); err != nil {
			fmt.Fprintln(stderr, "hss-backup-tasks:", err)
			return 2
		}
	}
	client, err := hss.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hss-backup-tasks:", err)
		return 2
	}
	req := &hss.ListBackupTasksRequest{
		EnterpriseProjectID: *project,
		Status:              hss.TaskStatus(*status),
		ResourceName:        *host,
		LastDays:            *lastDays,
		Limit:               *pageSize,
	}
	if err := printTasks(ctx, client, req, stdout); err != nil {
		printError(stderr, err)
		return 1
	}
	return 0
}

// statuses are the task states -status accepts.
var statuses = []hss.TaskStatus{hss.TaskStatusSuccess, hss.TaskStatusSkipped, hss.TaskStatusFailed,
	hss.TaskStatusRunning, hss.TaskStatusTimeout, hss.TaskStatusWaiting}

// checkFlags checks the filter flags, so that a typo is reported before anything
// starts.
func checkFlags(status hss.TaskStatus, lastDays, pageSize int) error {
	if status != "" && !slices.Contains(statuses, status) {
		names := make([]string, len(statuses))
		for i, s := range statuses {
			names[i] = string(s)
		}
		return fmt.Errorf("-status %q is not one of %s", status, strings.Join(names, ", "))
	}
	if lastDays < 0 || lastDays > hss.MaxLastDays {
		return fmt.Errorf("-last-days %d out of range 1..%d (or 0 for no limit)", lastDays, hss.MaxLastDays)
	}
	if pageSize != 0 && (pageSize < hss.MinLimit || pageSize > hss.MaxLimit) {
		return fmt.Errorf("-page-size %d out of range %d..%d (or 0 for the default)", pageSize, hss.MinLimit, hss.MaxLimit)
	}
	return nil
}

// stringWriter collects the flag defaults for the usage text.
type stringWriter []byte

func (w *stringWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

func (w stringWriter) String() string { return string(w) }

// printTasks writes every task matching req as a table, then a count by status. The
// tasks already received are printed when the listing fails midway.
func printTasks(ctx context.Context, client *hss.Client, req *hss.ListBackupTasksRequest, out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	total, byStatus := 0, map[hss.TaskStatus]int{}
	for task, err := range client.BackupTasks(ctx, req) {
		if err != nil {
			tw.Flush()
			return err
		}
		if total == 0 {
			fmt.Fprintln(tw, "HOST\tHOST ID\tBACKUP\tSTATUS\tPROGRESS\tSTARTED (UTC)\tENDED (UTC)\tERROR")
		}
		total++
		byStatus[task.Status]++
		errText := "-"
		if task.ErrorCode != "" || task.ErrorMessage != "" {
			errText = task.ErrorCode + " " + task.ErrorMessage
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d%%\t%s\t%s\t%s\n", task.HostName, task.HostID, task.BackupName,
			task.Status, task.Progress, formatTime(task.StartedAt), formatTime(task.EndedAt), errText)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	known := 0
	for _, s := range []hss.TaskStatus{hss.TaskStatusSuccess, hss.TaskStatusSkipped, hss.TaskStatusFailed,
		hss.TaskStatusTimeout, hss.TaskStatusRunning, hss.TaskStatusWaiting} {
		if n := byStatus[s]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+string(s))
			known += n
		}
	}
	if other := total - known; other > 0 {
		parts = append(parts, strconv.Itoa(other)+" other")
	}
	summary := strconv.Itoa(total) + " tasks"
	if total == 1 {
		summary = "1 task"
	}
	if len(parts) > 0 {
		summary += ": " + strings.Join(parts, ", ")
	}
	_, err := fmt.Fprintln(out, summary)
	return err
}

// formatTime writes a time for the table, "-" when unset.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// printError reports err, with the API's error code, message and request ID when the
// service answered.
func printError(w io.Writer, err error) {
	var apiErr *hss.APIError
	if errors.As(err, &apiErr) {
		fmt.Fprintf(w, "hss-backup-tasks: the service answered HTTP %d\n  error code: %s\n  message:    %s\n  request ID: %s\n",
			apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID)
		return
	}
	fmt.Fprintln(w, "hss-backup-tasks:", err)
}

// seed fills the fake with 25 tasks of five servers over the last 20 days, of every
// status, so that filters and paging have something to show.
func seed(srv *hsstest.Server) {
	hosts := []struct{ id, name string }{
		{"3f2b8c1e-9a4d-4c6e-8f10-2b7d9e5a1c34", "ecs-web-01"},
		{"7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "ecs-web-02"},
		{"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "ecs-db-01"},
		{"0f9e8d7c-6b5a-4c3d-9e1f-2a3b4c5d6e7f", "ecs-cache-01"},
		{"5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b", "ecs-batch-01"},
	}
	statuses := []hss.TaskStatus{hss.TaskStatusSuccess, hss.TaskStatusSuccess, hss.TaskStatusFailed, hss.TaskStatusSuccess,
		hss.TaskStatusSkipped, hss.TaskStatusTimeout, hss.TaskStatusSuccess, hss.TaskStatusRunning}
	now := srv.Now().UTC().Truncate(time.Minute)
	for i := range 25 {
		h := hosts[i%len(hosts)]
		t := hss.BackupTask{
			HostID:     h.id,
			HostName:   h.name,
			BackupName: "autobk_" + strconv.Itoa(100-i),
			Status:     statuses[i%len(statuses)],
			StartedAt:  now.Add(-time.Duration(i) * 19 * time.Hour).Add(-7 * time.Minute),
		}
		switch {
		case i == 0:
			t.Status, t.Progress = hss.TaskStatusWaiting, 0
		case t.Status == hss.TaskStatusRunning:
			t.Progress = 40 + i
		default:
			t.Progress = 100
			t.EndedAt = t.StartedAt.Add(time.Duration(2+i%5) * time.Minute)
		}
		switch t.Status {
		case hss.TaskStatusFailed:
			t.ErrorCode, t.ErrorMessage = "HSS.1041", "the backup vault is full"
		case hss.TaskStatusTimeout:
			t.ErrorCode, t.ErrorMessage = "HSS.1052", "the agent did not answer in time"
		}
		srv.AddBackupTask(t)
	}
}
