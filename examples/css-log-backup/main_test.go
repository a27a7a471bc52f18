package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// noAccessKey clears the access keys so that run uses the built-in fake.
func noAccessKey(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_AK", "")
	t.Setenv("CLOUD_SDK_AK", "")
}

func TestRunAgainstBuiltInFake(t *testing.T) {
	noAccessKey(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), nil, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())

	out := stdout.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	assert.Regexp(t, `^No HUAWEICLOUD_SDK_AK in the environment: running against the built-in fake CSS service at http://127\.0\.0\.1:\d+\.$`, lines[0])
	assert.Equal(t, 1, strings.Count(out, "built-in fake"), "one line says it runs against the fake")
	assert.Contains(t, out, "Log backup of cluster "+demoCluster+" is enabled (bucket css-backup-")
	assert.Contains(t, out, "The log backup job succeeded in 1.5s.\n")
	assert.Regexp(t, `(?m)^  Record ID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, out)
	assert.Regexp(t, `(?m)^  Job ID:    [0-9a-f]{32}$`, out)
	assert.Regexp(t, `(?m)^  Created:   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`, out)
	assert.Regexp(t, `(?m)^  Log path:  css-backup-\d+/css/log$`, out)
	assert.Contains(t, out, "Last 10 log backup jobs (of 13):")

	table := out[strings.Index(out, "CREATED (UTC)"):]
	rows := strings.Split(strings.TrimRight(table, "\n"), "\n")
	require.Len(t, rows, 11, "header and 10 jobs")
	assert.Regexp(t, `^CREATED \(UTC\)\s+TYPE\s+STATUS\s+DURATION\s+ID\s+MESSAGE$`, rows[0])
	row := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  (Manual|Auto)\s+(SUCCESS|FAIL)\s+\S+\s+[0-9a-f-]{36}(  .+)?$`)
	for _, r := range rows[1:] {
		assert.Regexp(t, row, r)
		assert.Equal(t, strings.TrimRight(r, " "), r, "no trailing spaces")
	}
	assert.Regexp(t, `^\S+ \S+  Manual  SUCCESS  1\.5s `, rows[1], "the new job is the newest")
	assert.Regexp(t, `FAIL .+ OBS bucket css-backup-\d+ is not reachable$`, rows[4], "a seeded failure shows its message")
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitOK, run(context.Background(), []string{"-h"}, &stdout, &stderr))
	assert.Empty(t, stdout.String())
	help := stderr.String()
	for _, want := range []string{
		"Usage: css-log-backup [flags]", "-cluster", "-timeout", "-bucket", "-agency", "-base-path",
		"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_REGION",
		"HUAWEICLOUD_SDK_PROJECT_ID", "CLOUD_SDK_AK", "built-in fake",
	} {
		assert.Contains(t, help, want)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
		{"timeout", []string{"-timeout", "0s"}, "-timeout 0s must be positive"},
		{"cluster not an ID", []string{"-cluster", "nope"}, `-cluster "nope" is not a cluster ID`},
		{"cluster with a space", []string{"-cluster", " " + demoCluster}, "is not a cluster ID"},
		{"bucket without agency", []string{"-bucket", "b"}, "-bucket and -agency go together"},
		{"agency without bucket", []string{"-agency", "a"}, "-bucket and -agency go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noAccessKey(t)
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitUsage, run(context.Background(), tc.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.want)
			assert.Empty(t, stdout.String())
		})
	}
}

func TestRunWithCredentialsNeedsClusterAndRegion(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_AK", "HPUATESTACCESSKEY001")
	t.Setenv("HUAWEICLOUD_SDK_SK", "test-secret-key-never-used-for-a-request")
	t.Setenv("HUAWEICLOUD_SDK_REGION", "")
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitUsage, run(context.Background(), nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "-cluster is required with real credentials")

	stderr.Reset()
	assert.Equal(t, exitUsage, run(context.Background(), []string{"-cluster", demoCluster}, &stdout, &stderr), "a config error is a usage error")
	assert.Contains(t, stderr.String(), "HUAWEICLOUD_SDK_REGION")

	stderr.Reset()
	t.Setenv("HUAWEICLOUD_SDK_REGION", "ap-southeast1")
	assert.Equal(t, exitUsage, run(context.Background(), []string{"-cluster", demoCluster}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "did you mean ap-southeast-1?")
	assert.NotContains(t, stderr.String(), "test-secret-key-never-used-for-a-request")
	assert.Empty(t, stdout.String(), "nothing ran")
}

// fakeClient starts a fake with the demo cluster and returns a client for it.
func fakeClient(t *testing.T, opts ...csstest.Option) (*csstest.Server, *css.Client) {
	t.Helper()
	srv := csstest.NewServer(append([]csstest.Option{csstest.WithJobDuration(0)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddCluster(demoCluster)
	client, err := css.New(srv.Config())
	require.NoError(t, err)
	return srv, client
}

func TestBackupEnablesLogBackup(t *testing.T) {
	srv, client := fakeClient(t)
	require.NoError(t, srv.SetLogBackupEnabled(demoCluster, false))
	o := options{cluster: demoCluster, bucket: "my-bucket", agency: "css_obs_agency", basePath: "logs/css"}
	var out bytes.Buffer
	require.NoError(t, backup(context.Background(), client, o, &out))
	assert.Contains(t, out.String(), "Enabled log backup of cluster "+demoCluster+" (bucket my-bucket, path logs/css).")
	assert.Contains(t, out.String(), "Last 1 log backup jobs (of 1):")
	s, ok := srv.LogSettings(demoCluster)
	require.True(t, ok)
	assert.True(t, s.Enabled)
	assert.Equal(t, "my-bucket", s.Bucket)
	assert.Equal(t, "logs/css", s.BasePath)
}

func TestBackupDisabledWithoutBucket(t *testing.T) {
	srv, client := fakeClient(t)
	require.NoError(t, srv.SetLogBackupEnabled(demoCluster, false))
	var out, errOut bytes.Buffer
	err := backup(context.Background(), client, options{cluster: demoCluster}, &out)
	require.Error(t, err)
	report(&errOut, err)
	assert.Equal(t, "css-log-backup: log backup of cluster "+demoCluster+" is disabled; pass -bucket and -agency to enable it\n", errOut.String())
	assert.Empty(t, srv.LogBackups(demoCluster), "no backup started")
}

func TestBackupJobFails(t *testing.T) {
	_, client := fakeClient(t, csstest.WithJobFailure("OBS bucket my-bucket does not exist"))
	var out, errOut bytes.Buffer
	err := backup(context.Background(), client, options{cluster: demoCluster}, &out)
	require.Error(t, err)
	report(&errOut, err)
	assert.Regexp(t, `^css-log-backup: log backup job [0-9a-f-]{36} failed: OBS bucket my-bucket does not exist\n$`, errOut.String())
}

func TestReportAPIError(t *testing.T) {
	_, client := fakeClient(t)
	var out, errOut bytes.Buffer
	err := backup(context.Background(), client, options{cluster: "5c77b71c-5b35-4f50-8984-76387e42451a"}, &out)
	require.Error(t, err)
	report(&errOut, err)
	assert.Regexp(t, "^css-log-backup: GetLogSettings failed with HTTP 404\n"+
		"  error code: CSS\\.0004\n"+
		`  message:    The cluster "5c77b71c-5b35-4f50-8984-76387e42451a" does not exist\.`+"\n"+
		"  request ID: [0-9a-f]{32}\n$", errOut.String())
}

func TestReportTimeout(t *testing.T) {
	_, client := fakeClient(t, csstest.WithJobDuration(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var out, errOut bytes.Buffer
	err := backup(ctx, client, options{cluster: demoCluster}, &out, hcloud.WithMinDelay(50*time.Millisecond))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	report(&errOut, err)
	assert.Contains(t, errOut.String(), "context deadline exceeded")
	assert.Contains(t, errOut.String(), "raise -timeout to wait longer")
	assert.Regexp(t, `job id [0-9a-f]{32}, RUNNING when last listed`, errOut.String(), "the job id to wait for again")
	assert.Contains(t, errOut.String(), "css.WaitForLogBackup with the job id above")
}
