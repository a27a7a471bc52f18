package baremetal_test

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// The proofs of resumable downloads (issue 13): an archive from the fake, broken off
// at three chosen bytes, downloaded by ExportAndDownload, at 8 MiB and at 1 GiB.

const proofServerID = "9f0e8d7c-6b5a-4c3d-8e1f-00000000f00f"

// proofStart is the time of the fakes' clocks: every export starts then, so every
// archive of one size is the same, byte for byte, whatever server sends it.
var proofStart = time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)

// proofBreaks are the three bytes the archive of size bytes is broken off at.
func proofBreaks(size int64) []int64 {
	return []int64{size/4 + 12_345, size / 2, size*3/4 + 777}
}

// newProofServer starts a fake on a fake clock, so that every export's archive is
// the same, with exports that complete at once.
func newProofServer(t *testing.T, size int64, opts ...baremetaltest.Option) (*baremetaltest.Server, *baremetal.Client) {
	t.Helper()
	clock := fakeclock.New(proofStart)
	opts = append(opts, baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(0),
		baremetaltest.WithArchiveSize(size))
	srv := baremetaltest.NewServer(opts...)
	t.Cleanup(srv.Close)
	client, err := baremetal.New(srv.Config())
	require.NoError(t, err)
	return srv, client
}

// unbrokenSHA256 downloads an archive without fault and returns its SHA-256.
func unbrokenSHA256(t *testing.T, client *baremetal.Client, size int64) []byte {
	t.Helper()
	h := sha256.New()
	_, n, err := exportTo(client, h)
	require.NoError(t, err)
	require.Equal(t, size, n)
	return h.Sum(nil)
}

// fileSHA256 returns the SHA-256 of a file.
func fileSHA256(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	require.NoError(t, err)
	return h.Sum(nil)
}

// proveResumes runs the proofs for an archive of size bytes, against the SHA-256 of an
// unbroken download.
func proveResumes(t *testing.T, size int64) {
	srv, client := newProofServer(t, size)
	want := unbrokenSHA256(t, client, size)
	t.Run("ranges", func(t *testing.T) { proveResume(t, srv, client, size, want) })
	t.Run("ranges ignored", func(t *testing.T) { proveRestart(t, size, want) })
}

// proveResume downloads an archive of size bytes, broken off three times, into a file:
// it must equal an unbroken download, and no byte may be served twice but for 1%.
func proveResume(t *testing.T, srv *baremetaltest.Server, client *baremetal.Client, size int64, want []byte) {
	before, requests := srv.BytesServed(), srv.Requests(baremetaltest.RouteDownloadLogs)

	inj, err := srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, BreakAt: proofBreaks(size)})
	require.NoError(t, err)
	name := filepath.Join(t.TempDir(), "logs.tar.gz")
	f, err := os.Create(name)
	require.NoError(t, err)
	defer f.Close()
	var last hcloud.Progress
	_, n, err := exportTo(client, f,
		hcloud.WithProgress(func(p hcloud.Progress) { last = p }))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.Equal(t, size, n)
	assert.Equal(t, size, last.Written, "progress counted on across the breaks")
	assert.Equal(t, 3, inj.Hits(), "three replies broken off")
	assert.Equal(t, 4, srv.Requests(baremetaltest.RouteDownloadLogs)-requests, "three resumes")
	assert.Equal(t, want, fileSHA256(t, name), "the same archive as an unbroken download")
	served := srv.BytesServed() - before
	t.Logf("bytes served: %d for a %d-byte archive (%.4fx)", served, size, float64(served)/float64(size))
	assert.LessOrEqual(t, float64(served), 1.01*float64(size))
}

// proveRestart downloads an archive of size bytes, broken off three times, from a
// server that ignores ranges: into a file it restarts and succeeds; into a plain
// writer it fails, saying how many bytes were written.
func proveRestart(t *testing.T, size int64, want []byte) {
	srv, client := newProofServer(t, size, baremetaltest.WithoutRanges())
	breaks := proofBreaks(size)

	_, err := srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, BreakAt: breaks})
	require.NoError(t, err)
	name := filepath.Join(t.TempDir(), "logs.tar.gz")
	f, err := os.Create(name)
	require.NoError(t, err)
	defer f.Close()
	_, n, err := exportTo(client, f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.Equal(t, size, n)
	assert.Equal(t, want, fileSHA256(t, name))

	srv.ClearFaults()
	_, err = srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, BreakAt: breaks})
	require.NoError(t, err)
	var out writeOnly
	_, n, err = exportTo(client, &out)
	require.Error(t, err)
	assert.Equal(t, breaks[0], n)
	assert.Equal(t, breaks[0], out.n)
	assert.ErrorContains(t, err, "the service ignored the range and sent the whole archive again (status 200)")
	assert.ErrorContains(t, err, "the "+strconv.FormatInt(breaks[0], 10)+" bytes already delivered")
}

func TestExportAndDownloadResumes(t *testing.T) {
	t.Parallel()
	proveResumes(t, 8<<20)
}

// TestExportAndDownloadResumes1GiB takes about 30 s under the race detector on a
// 2-core machine (more while other packages test alongside), about 20 s without.
func TestExportAndDownloadResumes1GiB(t *testing.T) {
	proveResumes(t, 1<<30)
}

// exportTo runs ExportAndDownload of the proof server into w and returns the bytes
// written, also on error.
func exportTo(client *baremetal.Client, w io.Writer, opts ...baremetal.Option) (*baremetal.ExportAndDownloadResponse, int64, error) {
	resp, err := client.ExportAndDownload(context.Background(), &baremetal.ExportAndDownloadRequest{ServerID: proofServerID, Destination: w}, opts...)
	if resp == nil {
		return nil, 0, err
	}
	return resp, resp.Written, err
}
