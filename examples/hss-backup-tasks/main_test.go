package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
)

const fakeLine = "No HUAWEICLOUD_SDK_AK or CLOUD_SDK_AK in the environment: running against the built-in HSS fake."

// fakeMode clears the access keys so that run starts the built-in fake.
func fakeMode(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_AK", "")
	t.Setenv("CLOUD_SDK_AK", "")
}

// runFake runs the program against the fake and returns its exit code, output lines
// and error output; srv is the fake it ran against.
func runFake(t *testing.T, prepare func(*hsstest.Server), args ...string) (code int, lines []string, stderr string, srv *hsstest.Server) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut, func(s *hsstest.Server) {
		srv = s
		if prepare != nil {
			prepare(s)
		}
	})
	return code, strings.Split(strings.TrimRight(out.String(), "\n"), "\n"), errOut.String(), srv
}

// rows returns the table rows of the output (between the header and the summary).
func rows(t *testing.T, lines []string) []string {
	t.Helper()
	require.GreaterOrEqual(t, len(lines), 2)
	if len(lines) == 2 {
		return nil
	}
	require.True(t, strings.HasPrefix(lines[1], "HOST "), "header: %q", lines[1])
	return lines[2 : len(lines)-1]
}

func TestRunListsEveryTaskAcrossPages(t *testing.T) {
	fakeMode(t)
	code, lines, stderr, srv := runFake(t, nil)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.Equal(t, fakeLine, lines[0])
	assert.Regexp(t, `^HOST\s+HOST ID\s+BACKUP\s+STATUS\s+PROGRESS\s+STARTED \(UTC\)\s+ENDED \(UTC\)\s+ERROR$`, lines[1])
	got := rows(t, lines)
	require.Len(t, got, 25)
	assert.Regexp(t, `^ecs-web-01\s+3f2b8c1e-9a4d-4c6e-8f10-2b7d9e5a1c34\s+autobk_100\s+waiting\s+0%\s+\d{4}-\d\d-\d\d \d\d:\d\d:00\s+-\s+-$`, got[0])
	assert.Regexp(t, `^ecs-db-01\s+\S+\s+autobk_98\s+failed\s+100%\s+\S+ \S+\s+\S+ \S+\s+HSS.1041 the backup vault is full$`, got[2])
	assert.Regexp(t, `^ecs-db-01\s+\S+\s+autobk_93\s+running\s+47%\s+\S+ \S+\s+-\s+-$`, got[7])
	assert.Regexp(t, `^ecs-batch-01\s+\S+\s+autobk_76\s+success\s+100%`, got[24])
	assert.Equal(t, "25 tasks: 12 success, 3 skipped, 3 failed, 3 timeout, 3 running, 1 waiting", lines[len(lines)-1])
	assert.Equal(t, 3, srv.Requests(hsstest.RouteListBackupTasks), "pages of 10, 10 and 5")
}

func TestRunFilters(t *testing.T) {
	fakeMode(t)
	for _, tc := range []struct {
		args    []string
		backups []string
		summary string
		pages   int
	}{
		{[]string{"-status", "failed"}, []string{"autobk_98", "autobk_90", "autobk_82"}, "3 tasks: 3 failed", 1},
		{[]string{"-host", "ecs-web-01"}, []string{"autobk_100", "autobk_95", "autobk_90", "autobk_85", "autobk_80"},
			"5 tasks: 1 skipped, 1 failed, 1 timeout, 1 running, 1 waiting", 1},
		{[]string{"-last-days", "2"}, []string{"autobk_100", "autobk_99", "autobk_98"}, "3 tasks: 1 success, 1 failed, 1 waiting", 1},
		{[]string{"-status", "running", "-last-days", "10", "-host", "db"}, []string{"autobk_93"}, "1 task: 1 running", 1},
		{[]string{"-page-size", "200"}, nil, "25 tasks: 12 success, 3 skipped, 3 failed, 3 timeout, 3 running, 1 waiting", 1},
		{[]string{"-page-size", "12", "-enterprise-project-id", "all_granted_eps"}, nil, "25 tasks: 12 success, 3 skipped, 3 failed, 3 timeout, 3 running, 1 waiting", 3},
		{[]string{"-host", "nope"}, []string{}, "0 tasks", 1},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, lines, stderr, srv := runFake(t, nil, tc.args...)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, fakeLine, lines[0])
			assert.Equal(t, tc.summary, lines[len(lines)-1])
			if tc.backups != nil {
				var backups []string
				for _, row := range rows(t, lines) {
					backups = append(backups, strings.Fields(row)[2])
				}
				if len(tc.backups) == 0 {
					assert.Empty(t, backups)
				} else {
					assert.Equal(t, tc.backups, backups)
				}
			}
			assert.Equal(t, tc.pages, srv.Requests(hsstest.RouteListBackupTasks))
		})
	}
}

func TestRunAPIError(t *testing.T) {
	fakeMode(t)
	code, lines, stderr, _ := runFake(t, func(srv *hsstest.Server) {
		_, err := srv.InjectFault(hsstest.Fault{Route: hsstest.RouteListBackupTasks, Status: 403, Code: "HSS.0403", Message: "no permission for ransomware"})
		require.NoError(t, err)
	})
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{fakeLine}, lines)
	assert.Contains(t, stderr, "HTTP 403")
	assert.Contains(t, stderr, "error code: HSS.0403")
	assert.Contains(t, stderr, "message:    no permission for ransomware")
	assert.Regexp(t, regexp.MustCompile(`request ID: [0-9a-f]{32}\n`), stderr)
}

func TestRunMalformedResponse(t *testing.T) {
	fakeMode(t)
	code, lines, stderr, srv := runFake(t, func(srv *hsstest.Server) {
		_, err := srv.InjectFault(hsstest.Fault{Route: hsstest.RouteListBackupTasks, Malformed: true})
		require.NoError(t, err)
	})
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{fakeLine}, lines)
	assert.Contains(t, stderr, "hss-backup-tasks: hss: ListBackupTasks: decode response")
	assert.Regexp(t, `request id [0-9a-f]{32}`, stderr)
	assert.Equal(t, 1, srv.Requests(hsstest.RouteListBackupTasks), "a 200 is not retried")
}

func TestRunValidationError(t *testing.T) {
	fakeMode(t)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-status", "done"}, `-status "done" is not one of success, skipped, failed, running, timeout, waiting`},
		{[]string{"-last-days", "31"}, "-last-days 31 out of range 1..30 (or 0 for no limit)"},
		{[]string{"-last-days", "-1"}, "-last-days -1 out of range 1..30 (or 0 for no limit)"},
		{[]string{"-page-size", "5"}, "-page-size 5 out of range 10..200 (or 0 for the default)"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			prepared := false
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut, func(*hsstest.Server) { prepared = true })
			assert.Equal(t, 2, code)
			assert.Empty(t, out.String(), "nothing started")
			assert.False(t, prepared, "no fake started")
			assert.Equal(t, "hss-backup-tasks: "+tc.msg+"\n", errOut.String())
		})
	}
}

func TestRunFlags(t *testing.T) {
	fakeMode(t)
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &out, &errOut, nil))
	assert.Empty(t, out.String())
	for _, want := range []string{"Usage: hss-backup-tasks", "-status state", "-host name", "-last-days n", "-page-size",
		"-enterprise-project-id", "HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK",
		"HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_SDK_PROJECT_ID", "built-in fake"} {
		assert.Contains(t, errOut.String(), want)
	}

	for _, args := range [][]string{{"-nope"}, {"-last-days", "x"}, {"extra"}} {
		out.Reset()
		errOut.Reset()
		assert.Equal(t, 2, run(context.Background(), args, &out, &errOut, nil), args)
		assert.Empty(t, out.String(), "the fake is not started for bad flags")
		assert.Contains(t, errOut.String(), "Usage: hss-backup-tasks")
	}
}

func TestRunWithCredentialsReadsTheEnvironment(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_AK", "HPUAEXAMPLEACCESSKEY")
	t.Setenv("HUAWEICLOUD_SDK_SK", "example-secret-key-value")
	t.Setenv("HUAWEICLOUD_SDK_REGION", "")
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "")
	var out, errOut bytes.Buffer
	prepared := false
	code := run(context.Background(), nil, &out, &errOut, func(*hsstest.Server) { prepared = true })
	assert.Equal(t, 2, code, "a configuration error is a usage error")
	assert.False(t, prepared, "no fake with credentials in the environment")
	assert.Empty(t, out.String())
	assert.Contains(t, errOut.String(), "HUAWEICLOUD_SDK_REGION")
	assert.NotContains(t, errOut.String(), "example-secret-key-value")
}
