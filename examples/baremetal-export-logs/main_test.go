package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noCredentials makes run use the built-in fake.
func noCredentials(t *testing.T) {
	t.Setenv("HUAWEICLOUD_SDK_AK", "")
	t.Setenv("CLOUD_SDK_AK", "")
}

// assertTarGz checks that path is a tar.gz holding the fake's log file.
func assertTarGz(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	require.NoError(t, err)
	assert.Equal(t, "dump/server.log", hdr.Name)
	_, err = io.Copy(io.Discard, tr)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, zr)
	require.NoError(t, err)
}

// dirEntries lists the names in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestRunFakeWithOut(t *testing.T) {
	noCredentials(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "logs.tar.gz")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-server", "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800042", "-out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 2, "stdout: %s", stdout.String())
	assert.Regexp(t, `^No HUAWEICLOUD_SDK_AK in the environment: running against the built-in fake CloudDC service at http://127\.0\.0\.1:\d+$`, lines[0])
	assert.Equal(t, "Wrote "+out+" (1048576 bytes)", lines[1])

	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, int64(1<<20), fi.Size())
	assertTarGz(t, out)
	assert.Equal(t, []string{"logs.tar.gz"}, dirEntries(t, dir), "no temporary file left")

	progress := stderr.String()
	assert.Contains(t, progress, "exporting   [..............................]   0%\n")
	assert.Contains(t, progress, "exporting   [##############################] 100%\n")
	assert.Contains(t, progress, "downloading [..............................]   0%  0 B / 1.0 MiB\n")
	assert.Contains(t, progress, "downloading [##############################] 100%  1.0 MiB / 1.0 MiB\n")
	assert.NotContains(t, progress, "\r", "no carriage returns when stderr is not a terminal")
	assert.Less(t, strings.Index(progress, "exporting"), strings.Index(progress, "downloading"))
}

func TestRunFakeDefaultOut(t *testing.T) {
	noCredentials(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), nil, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	m := regexp.MustCompile(`(?m)^Wrote (.+) \(1048576 bytes\)$`).FindStringSubmatch(stdout.String())
	require.Len(t, m, 2, "stdout: %s", stdout.String())
	path := m[1]
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
	assert.Regexp(t, `^2102[0-9A-F]{16}-dump\.tar\.gz$`, filepath.Base(path), "the serial the service suggests")
	assert.True(t, strings.HasPrefix(filepath.Base(filepath.Dir(path)), "baremetal-export-logs-"), "in a new temporary directory")
	assertTarGz(t, path)
	assert.Len(t, dirEntries(t, filepath.Dir(path)), 1)
}

func TestRunFakeOutDirectory(t *testing.T) {
	noCredentials(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-out", dir}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	entries := dirEntries(t, dir)
	require.Len(t, entries, 1, "the archive, under the name the service suggests, and no temporary file")
	assert.Regexp(t, `^2102[0-9A-F]{16}-dump\.tar\.gz$`, entries[0])
	assert.Contains(t, stdout.String(), "Wrote "+filepath.Join(dir, entries[0])+" (1048576 bytes)")
	assertTarGz(t, filepath.Join(dir, entries[0]))
}

func TestRunFailureLeavesNoFile(t *testing.T) {
	noCredentials(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-out", filepath.Join(dir, "x.tar.gz"), "-timeout", "300ms"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "context deadline exceeded")
	assert.NotContains(t, stdout.String(), "Wrote")
	assert.Empty(t, dirEntries(t, dir), "no partial or temporary file")
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  []string
	}{
		{name: "help", args: []string{"-h"}, wantCode: 0, wantErr: []string{
			"Usage: baremetal-export-logs", "-server", "-out", "-timeout",
			"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
			"HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_SDK_PROJECT_ID", "CLOUD_SDK_AK", "CLOUD_SDK_SK",
		}},
		{name: "unknown flag", args: []string{"-bogus"}, wantCode: 2, wantErr: []string{"flag provided but not defined: -bogus"}},
		{name: "extra argument", args: []string{"srv-1"}, wantCode: 2, wantErr: []string{`unexpected argument "srv-1"`}},
		{name: "bad timeout", args: []string{"-timeout", "0s"}, wantCode: 2, wantErr: []string{"-timeout 0s must be positive"}},
		{name: "real credentials without a server", wantCode: 2,
			env:     map[string]string{"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK", "HUAWEICLOUD_SDK_REGION": "cn-east-3", "HUAWEICLOUD_SDK_PROJECT_ID": "p1"},
			wantErr: []string{"-server is required"}},
		{name: "server not an ID", args: []string{"-server", "srv-1"}, wantCode: 2,
			wantErr: []string{`-server "srv-1" is not a server ID`}},
		{name: "out in a missing directory", args: []string{"-out", filepath.Join("no", "such", "dir", "logs.tar.gz")}, wantCode: 2,
			wantErr: []string{"-out " + filepath.Join("no", "such", "dir", "logs.tar.gz") + ": directory " + filepath.Join("no", "such", "dir") + " does not exist"}},
		{name: "out a missing directory", args: []string{"-out", "no-such-dir" + string(filepath.Separator)}, wantCode: 2,
			wantErr: []string{"does not exist"}},
		{name: "real credentials without a region", args: []string{"-server", "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"}, wantCode: 2,
			env:     map[string]string{"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK", "HUAWEICLOUD_SDK_REGION": "", "HUAWEICLOUD_SDK_PROJECT_ID": "p1"},
			wantErr: []string{"HUAWEICLOUD_SDK_REGION"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noCredentials(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code)
			for _, want := range tt.wantErr {
				assert.Contains(t, stderr.String(), want)
			}
			assert.Empty(t, stdout.String())
		})
	}
}

func TestPrintError(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	printError(&b, &baremetal.APIError{Service: "clouddc", Operation: "ExportLogs", StatusCode: 401,
		Code: "APIG.0301", Message: "Incorrect IAM authentication information", RequestID: "abc123", Attempts: 1})
	assert.Equal(t, "baremetal-export-logs: ExportLogs failed with HTTP 401\n"+
		"  error code: APIG.0301\n  message:    Incorrect IAM authentication information\n  request ID: abc123\n", b.String())

	b.Reset()
	printError(&b, errors.New("disk full"))
	assert.Equal(t, "baremetal-export-logs: disk full\n", b.String())
}

func TestProgressBarTerminal(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	bar := &progressBar{w: &b, tty: true}
	bar.update(hcloud.Progress{Phase: hcloud.PhaseWaiting, Percent: 50})
	bar.update(hcloud.Progress{Phase: hcloud.PhaseDownloading, Written: 3 << 30, Total: 4 << 30})
	bar.update(hcloud.Progress{Phase: hcloud.PhaseDownloading, Written: 1536, Total: -1})
	bar.finish()
	bar.finish()
	want := "\rexporting   [###############...............]  50%" +
		"\rdownloading [######################........]  75%  3.00 GiB / 4.00 GiB" +
		"\rdownloading 1.5 KiB" + strings.Repeat(" ", 51) + "\n"
	assert.Equal(t, want, b.String())
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 29: "1.50 GiB"} {
		assert.Equal(t, want, byteSize(n))
	}
}

// TestDefaultOutputIgnoredByGit checks that the files the program writes by default,
// and the README's -out logs.tar.gz, are ignored by git.
func TestDefaultOutputIgnoredByGit(t *testing.T) {
	gitignore, err := os.ReadFile(filepath.Join("..", "..", ".gitignore"))
	require.NoError(t, err)
	var patterns []string
	for _, line := range strings.Split(string(gitignore), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimPrefix(line, "/"))
		}
	}
	ignored := func(name string) bool {
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	for _, name := range []string{"2102311VKUN0M1000123-dump.tar.gz", "logs.tar.gz", ".baremetal-export-1234.part"} {
		assert.True(t, ignored(name), "%s is not ignored by .gitignore", name)
	}
}
