package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeMode clears the access keys so that run uses the built-in fake.
func fakeMode(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_AK", "")
	t.Setenv("CLOUD_SDK_AK", "")
}

// runArgs runs the program with args and returns its exit code, stdout and stderr.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var rowRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  (\S+)\s+(\S+)\s+(\S+)\s+(.+)$`)

func TestRunAgainstFake(t *testing.T) {
	fakeMode(t)
	before := time.Now().UTC()
	code, out, errOut := runArgs(t)
	after := time.Now().UTC()
	require.Equal(t, exitOK, code, errOut)
	assert.Empty(t, errOut)

	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 9, out)
	assert.Regexp(t, `^No HUAWEICLOUD_SDK_AK in the environment: running against the built-in fake DWS server at http://127\.0\.0\.1:\d+\.$`, lines[0])
	assert.Equal(t, "Audit-log dumps of cluster "+demoCluster+" (times in UTC):", lines[1])
	assert.Regexp(t, `^EXECUTED {13}BEGIN {16}END {18}RESULT {3}BUCKET {10}PREFIX {2}FAILED REASON$`, lines[2])
	assert.Equal(t, "5 records (count reported by the service: 5)", lines[8])

	wantResults := []string{"SUCCESS", "SUCCESS", "FAILED", "SUCCESS", "RUNNING"}
	var prevBegin time.Time
	for i, line := range lines[3:8] {
		m := rowRE.FindStringSubmatch(line)
		require.NotNil(t, m, "row %d: %q", i, line)
		executed, err := time.Parse(timeLayout, m[1])
		require.NoError(t, err)
		begin, err := time.Parse(timeLayout, m[2])
		require.NoError(t, err)
		end, err := time.Parse(timeLayout, m[3])
		require.NoError(t, err)
		assert.Equal(t, 10*time.Minute, end.Sub(begin), "row %d", i)
		assert.False(t, executed.Before(begin), "row %d executed before its interval", i)
		if i > 0 {
			assert.Equal(t, 10*time.Minute, begin.Sub(prevBegin), "row %d follows row %d", i, i-1)
		}
		prevBegin = begin
		assert.Equal(t, wantResults[i], m[4], "row %d", i)
		assert.Equal(t, "dws-audit-logs", m[5], "row %d", i)
		assert.Equal(t, "audit", m[6], "row %d", i)
		if wantResults[i] == "FAILED" {
			assert.Equal(t, "OBS bucket dws-audit-logs is not writable by the DWS agency", m[7])
		} else {
			assert.Equal(t, "-", m[7], "row %d", i)
		}
		if i == 4 {
			assert.False(t, begin.After(after), "the running dump began before now")
			assert.True(t, begin.After(before.Add(-10*time.Minute-time.Second)), "the running dump began at the last ten-minute mark")
			assert.False(t, executed.After(after.Truncate(time.Second).Add(time.Second)), "the running dump did not execute in the future")
		}
	}
}

func TestRunAgainstFakeExplicitCluster(t *testing.T) {
	fakeMode(t)
	code, out, errOut := runArgs(t, "-cluster", strings.ToUpper(demoCluster))
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "5 records (count reported by the service: 5)")
}

// TestRunUnknownCluster checks the error report: the service's code, message and
// request ID, and a non-zero exit.
func TestRunUnknownCluster(t *testing.T) {
	fakeMode(t)
	const other = "5c77b71c-5b35-4f50-8984-76387e42451a"
	code, out, errOut := runArgs(t, "-cluster", other)
	assert.Equal(t, exitError, code)
	assert.NotContains(t, out, "records")
	assert.Regexp(t, `^dws-audit-logs: the service answered HTTP 404 DWS\.0001: The cluster `+other+` does not exist\. \(request ID [0-9a-f]{32}, 1 attempt\)\n$`, errOut)
}

func TestRunInvalidCluster(t *testing.T) {
	fakeMode(t)
	for _, id := range []string{"../etc", "nope", " " + demoCluster, demoCluster + "-"} {
		code, out, errOut := runArgs(t, "-cluster", id)
		assert.Equal(t, exitUsage, code, id)
		assert.Empty(t, out, "nothing started, not even the fake")
		assert.Contains(t, errOut, "dws-audit-logs: -cluster "+strconv.Quote(id)+" is not a cluster ID", id)
	}
}

func TestRunHelp(t *testing.T) {
	code, out, errOut := runArgs(t, "-h")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, out)
	for _, want := range []string{"-cluster", "-timeout", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK",
		"HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_SDK_PROJECT_ID", "CLOUD_SDK_AK", "CLOUD_SDK_SK", "built-in fake"} {
		assert.Contains(t, errOut, want)
	}
}

func TestRunBadUsage(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-timeout", "soon"}, {"-timeout", "0s"}} {
		code, out, errOut := runArgs(t, args...)
		assert.Equal(t, exitUsage, code, "%q", args)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "Usage: dws-audit-logs", "%q", args)
	}
}

// TestRunRealCredentials covers the real-credentials path up to the point where it
// would reach the network: -cluster is required, and the configuration errors of
// config.Load are reported, as usage errors.
func TestRunRealCredentials(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		wantErr string
	}{
		{name: "HUAWEICLOUD_SDK_AK needs -cluster", env: map[string]string{"HUAWEICLOUD_SDK_AK": "AK", "CLOUD_SDK_AK": ""},
			code: exitUsage, wantErr: "-cluster is required"},
		{name: "CLOUD_SDK_AK fallback needs -cluster", env: map[string]string{"HUAWEICLOUD_SDK_AK": "", "CLOUD_SDK_AK": "AK"},
			code: exitUsage, wantErr: "-cluster is required"},
		{name: "missing region", env: map[string]string{"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK", "HUAWEICLOUD_SDK_REGION": "", "HUAWEICLOUD_SDK_PROJECT_ID": "p"},
			args: []string{"-cluster", demoCluster}, code: exitUsage, wantErr: "HUAWEICLOUD_SDK_REGION"},
		{name: "misspelt region", env: map[string]string{"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK", "HUAWEICLOUD_SDK_REGION": "cn-nort-4", "HUAWEICLOUD_SDK_PROJECT_ID": "p"},
			args: []string{"-cluster", demoCluster}, code: exitUsage, wantErr: "did you mean cn-north-4?"},
		{name: "missing secret key", env: map[string]string{"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "", "CLOUD_SDK_AK": "", "CLOUD_SDK_SK": ""},
			args: []string{"-cluster", demoCluster}, code: exitUsage, wantErr: "HUAWEICLOUD_SDK_SK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errOut := runArgs(t, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.NotContains(t, out, "built-in fake")
			assert.Contains(t, errOut, tt.wantErr)
		})
	}
}
