package baremetal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const contentURLPath = exportsURLPath + "/1/content"

func TestDownloadLogs(t *testing.T) {
	t.Parallel()
	archive := bytes.Repeat([]byte("tar.gz bytes "), 1000)
	tests := []struct {
		name        string
		disposition string
		want        string
	}{
		{name: "documented unquoted", disposition: "attachment; filename=2102311XYZ-dump.tar.gz", want: "2102311XYZ-dump.tar.gz"},
		{name: "quoted", disposition: `attachment; filename="2102311XYZ-dump.tar.gz"`, want: "2102311XYZ-dump.tar.gz"},
		{name: "quoted with spaces", disposition: `attachment; filename="server logs.tar.gz"`, want: "server logs.tar.gz"},
		{name: "RFC 5987 filename*", disposition: `attachment; filename*=UTF-8''na%C3%AFve%20dump.tar.gz`, want: "naïve dump.tar.gz"},
		{name: "filename* preferred", disposition: `attachment; filename="fallback.tar.gz"; filename*=UTF-8''pr%C3%A9f%C3%A9r%C3%A9.tar.gz`, want: "préféré.tar.gz"},
		{name: "upper-case parameter", disposition: `Attachment; FILENAME=SN1-dump.tar.gz`, want: "SN1-dump.tar.gz"},
		{name: "unquoted with spaces (malformed)", disposition: `attachment; filename=my dump.tar.gz`, want: "my dump.tar.gz"},
		{name: "traversal quoted", disposition: `attachment; filename="../../etc/passwd"`, want: "passwd"},
		{name: "traversal unquoted", disposition: `attachment; filename=../../../root/.ssh/authorized_keys`, want: "authorized_keys"},
		{name: "absolute", disposition: `attachment; filename="/etc/cron.d/job"`, want: "job"},
		{name: "windows traversal", disposition: `attachment; filename="..\\..\\Windows\\win.ini"`, want: "win.ini"},
		{name: "encoded traversal", disposition: `attachment; filename*=UTF-8''..%2F..%2Fetc%2Fshadow`, want: "shadow"},
		{name: "only dots", disposition: `attachment; filename=".."`, want: testServerID + "-dump.tar.gz"},
		{name: "trailing slash", disposition: `attachment; filename="logs/"`, want: testServerID + "-dump.tar.gz"},
		{name: "hidden file", disposition: `attachment; filename=".bashrc"`, want: "bashrc"},
		{name: "control characters", disposition: "attachment; filename*=UTF-8''a%0Ab%00c.tar.gz", want: "a_b_c.tar.gz"},
		{name: "no filename", disposition: "attachment", want: testServerID + "-dump.tar.gz"},
		{name: "no header", disposition: "", want: testServerID + "-dump.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
				h := []string{
					"Content-Type", "application/octet-stream;charset=UTF-8",
					"Content-Transfer-Encoding", "binary",
				}
				if tt.disposition != "" {
					h = append(h, "Content-Disposition", tt.disposition)
				}
				return reply(http.StatusOK, archive, h...)
			})
			resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
			require.NoError(t, err)
			defer resp.Body.Close()

			seen := m.Seen()
			require.Len(t, seen, 1)
			assert.Equal(t, http.MethodGet, seen[0].Method)
			assert.Equal(t, contentURLPath, seen[0].Path)
			assert.Empty(t, seen[0].Query)
			assert.Empty(t, seen[0].Body)
			assertSigned(t, seen[0])
			assert.Equal(t, "identity", seen[0].Header.Get("Accept-Encoding"), "never un-gzipped in transit")
			assert.Empty(t, seen[0].Header.Values("Accept"), "the archive is not JSON")
			assert.Empty(t, seen[0].Header.Values("Range"))

			assert.Equal(t, tt.want, resp.Filename)
			assert.Equal(t, "application/octet-stream;charset=UTF-8", resp.ContentType)
			assert.Equal(t, int64(len(archive)), resp.ContentLength)
			assert.Equal(t, "req-200", resp.RequestID)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, archive, got)
		})
	}
}

func TestDownloadLogsUnknownLength(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t, func(int, *seenRequest) *http.Response {
		r := reply(http.StatusOK, []byte("chunked archive"), "Content-Type", "application/octet-stream")
		r.ContentLength = -1
		return r
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, int64(-1), resp.ContentLength)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "chunked archive", string(got))
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestDownloadLogsBodyChecks checks the body of one reply, with retries off so that
// no break is resumed.
func TestDownloadLogsBodyChecks(t *testing.T) {
	t.Parallel()
	errReset := errors.New("connection reset by peer")
	tests := []struct {
		name     string
		body     io.Reader
		declared int64
		wantRead int
		wantErr  string
		wantIs   error
	}{
		{name: "short", body: strings.NewReader(strings.Repeat("x", 40)), declared: 100, wantRead: 40,
			wantErr: "baremetal: DownloadLogs: the body ended after 40 of 100 bytes: unexpected EOF (request id req-200)", wantIs: io.ErrUnexpectedEOF},
		{name: "short, transport reports it", body: &failingReader{data: []byte("xyz"), err: io.ErrUnexpectedEOF}, declared: 10, wantRead: 3,
			wantErr: "baremetal: DownloadLogs: the body ended after 3 of 10 bytes: unexpected EOF (request id req-200)", wantIs: io.ErrUnexpectedEOF},
		{name: "short, unknown length", body: &failingReader{data: []byte("xyz"), err: io.ErrUnexpectedEOF}, declared: -1, wantRead: 3,
			wantErr: "baremetal: DownloadLogs: the body ended early after 3 bytes: unexpected EOF (request id req-200)", wantIs: io.ErrUnexpectedEOF},
		{name: "long", body: strings.NewReader(strings.Repeat("x", 100)), declared: 40, wantRead: 40,
			wantErr: "baremetal: DownloadLogs: the body is longer than its Content-Length of 40 bytes (request id req-200)"},
		{name: "reset", body: &failingReader{data: []byte("abcd"), err: errReset}, declared: 10, wantRead: 4,
			wantErr: "baremetal: DownloadLogs: reading the body after 4 bytes: connection reset by peer (request id req-200)", wantIs: errReset},
		{name: "empty but declared", body: strings.NewReader(""), declared: 5, wantRead: 0,
			wantErr: "baremetal: DownloadLogs: the body ended after 0 of 5 bytes: unexpected EOF (request id req-200)", wantIs: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newMockClientAttempts(t, 1, func(int, *seenRequest) *http.Response {
				r := reply(http.StatusOK, nil, "Content-Type", "application/octet-stream")
				r.Body = io.NopCloser(tt.body)
				r.ContentLength = tt.declared
				return r
			})
			resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			assert.Len(t, got, tt.wantRead)
			require.Error(t, err)
			assert.EqualError(t, err, tt.wantErr)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "DownloadLogs", re.Operation)
			assert.Equal(t, http.StatusOK, re.StatusCode)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			n, again := resp.Body.Read(make([]byte, 8))
			assert.Zero(t, n)
			assert.Equal(t, err, again, "the error is sticky")
		})
	}
}

func TestDownloadLogsNotFound(t *testing.T) {
	t.Parallel()
	c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
		return reply(http.StatusNotFound, fixture(t, "downloadlogs_notfound.json"))
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "42"})
	assert.Nil(t, resp)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "DownloadLogs", ae.Operation)
	assert.Equal(t, "CLOUDDC.0404", ae.Code)
	assert.Equal(t, `export task "42" of physical server does not exist`, ae.Message)
	assert.Equal(t, 1, ae.Attempts)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Len(t, m.Seen(), 1)
}

func TestDownloadFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) + ".tar.gz"
	tests := []struct {
		name, disposition, serverID, want string
	}{
		{"fallback", "", "srv-1", "srv-1-dump.tar.gz"},
		{"fallback escapes slashes", "", "a/b\\c", "a_b_c-dump.tar.gz"},
		{"fallback of a dotted ID", "", "..", "-dump.tar.gz"},
		{"fallback with control characters", "", "s\x01rv", "s_rv-dump.tar.gz"},
		{"dot runs collapse", `attachment; filename="a....tar.gz"`, "s", "a.tar.gz"},
		{"windows reserved characters", `attachment; filename="a:b*c?.tar.gz"`, "s", "a_b_c_.tar.gz"},
		{"trailing dots and spaces", `attachment; filename="dump.tar.gz. . "`, "s", "dump.tar.gz"},
		{"invalid UTF-8", "attachment; filename=\"a\xffb.tar.gz\"", "s", "a_b.tar.gz"},
		{"too long, cut on a rune", "attachment; filename*=UTF-8''" + strings.Repeat("%C3%A9", 200) + ".tar.gz", "s", long[:254]},
		{"unterminated quote", `attachment; filename="dump.tar.gz`, "s", "dump.tar.gz"},
		{"inline", `inline; filename=report.tgz`, "s", "report.tgz"},
		{"lenient skips other parameters", `attachment; xfilename=bad; filename=good name.tgz`, "s", "good name.tgz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, downloadFilename(tt.disposition, tt.serverID))
		})
	}
}

// FuzzContentDisposition checks that no header and no server ID make the file name
// empty, a path, "." or "..", or make the parser panic.
func FuzzContentDisposition(f *testing.F) {
	for _, seed := range []string{
		"attachment; filename=2102311XYZ-dump.tar.gz",
		`attachment; filename="../../etc/passwd"`,
		`attachment; filename*=UTF-8''..%2F..%2Fx`,
		`attachment; filename="..\\..\\x"`,
		`attachment; filename=".."`,
		`attachment; filename*0="a"; filename*1="/b"`,
		"attachment; filename=\"\x00\"",
		"",
	} {
		f.Add(seed, testServerID)
	}
	f.Add("attachment", "../..")
	f.Fuzz(func(t *testing.T, header, serverID string) {
		for _, name := range []string{dispositionFilename(header), downloadFilename(header, serverID)} {
			if strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") || name == "." {
				t.Fatalf("header %q, server %q: unsafe name %q", header, serverID, name)
			}
			if len(name) > maxFilenameBytes {
				t.Fatalf("header %q: name of %d bytes", header, len(name))
			}
		}
		if downloadFilename(header, serverID) == "" {
			t.Fatalf("header %q, server %q: empty name", header, serverID)
		}
	})
}

func TestDownloadLogsRefusesDocuments(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"text/html; charset=utf-8", "application/json", "application/problem+json", "TEXT/PLAIN"} {
		t.Run(ct, func(t *testing.T) {
			t.Parallel()
			c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(http.StatusOK, []byte(`<html><body>502 Bad Gateway</body></html>`), "Content-Type", ct)
			})
			resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "42"})
			assert.Nil(t, resp)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "DownloadLogs", re.Operation)
			assert.Equal(t, http.StatusOK, re.StatusCode)
			assert.ErrorContains(t, err, "not an archive")
			assert.Len(t, m.Seen(), 1)
		})
	}
	for _, ct := range []string{"", "application/octet-stream;charset=UTF-8", "application/gzip", "application/x-tar"} {
		assert.NoError(t, checkArchiveType(ct), ct)
	}
}
