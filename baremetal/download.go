package baremetal

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// DefaultStallTimeout is how long an archive download may receive nothing, while its
// body is read or its headers are awaited, before it counts as broken and is resumed.
const DefaultStallTimeout = time.Minute

// DownloadLogsRequest names the export whose archive to download.
type DownloadLogsRequest struct {
	// ServerID is the physical server ID. Required.
	ServerID string
	// ExportID is the ID of a completed export task. Required.
	ExportID string
	// StallTimeout is how long the download may receive no byte, while Body is read
	// or the headers of a request are awaited, before it counts as broken and is
	// resumed. A slow body that keeps moving is never cut, and time spent outside
	// Read (the caller busy writing) does not count. Zero means DefaultStallTimeout;
	// a negative value turns stall detection off.
	StallTimeout time.Duration
}

// DownloadLogsResponse is the archive of a completed export, as an unread stream.
type DownloadLogsResponse struct {
	// Body streams the tar.gz archive, resuming it when the connection breaks (see
	// DownloadLogs). The caller must close it. Reading it fails with an error wrapping
	// io.ErrUnexpectedEOF when the archive ends before ContentLength bytes and cannot
	// be resumed, and with an error when it carries more.
	Body io.ReadCloser
	// Filename is the file name the service suggests (Content-Disposition), reduced to a
	// safe base name: no directory, no "..", no control characters. When the service
	// suggests none, it is "<ServerID>-dump.tar.gz".
	Filename string
	// ContentType is the Content-Type header, e.g. "application/octet-stream;charset=UTF-8".
	ContentType string
	// ContentLength is the archive size in bytes, or -1 when the service did not say.
	ContentLength int64
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// DownloadLogs opens the archive of a completed log export. The archive is never
// buffered: read it from Body, then close Body.
//
// When the body breaks off (a connection reset, a reply that ends early, or a stall:
// see StallTimeout), reading it goes on from the byte it reached, with a request for
// the rest (Range: bytes=N-, and If-Range with the ETag, else the Last-Modified date,
// of the first reply), so that the reader gets every byte once and in order. The
// first request and the resumed ones share the attempts of the client's RetryPolicy
// (MaxAttempts 4 allows three resumes), and the resumed ones wait its backoff first;
// each request is also retried as any GET is. A resumed reply must be a 206 whose
// Content-Range continues the archive where it broke off, with the same total size;
// anything else fails the read rather than be appended. A service that ignores the
// range and sends the whole archive again (200) fails it too, since the bytes already
// read cannot be taken back (ExportAndDownload restarts such a download into a file).
//
// Config.HTTPClient.Timeout bounds the wait for the headers of each request, not the
// reading of the archive; ctx bounds the whole download, Body included.
//
// API: GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content
func (c *Client) DownloadLogs(ctx context.Context, req *DownloadLogsRequest, opts ...Option) (*DownloadLogsResponse, error) {
	const name = "DownloadLogs"
	if req == nil {
		return nil, c.c.Op(name).NilRequest()
	}
	d := newArchiveBody(ctx, c, name, req, hcloud.Apply(opts))
	resp, err := d.connect()
	if err != nil {
		return nil, err
	}
	if err := checkArchiveType(resp.Header.Get("Content-Type")); err != nil {
		d.abandon(resp)
		return nil, &core.RequestError{Service: core.ServiceBareMetal, Operation: name, Attempts: d.attempts,
			StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id"), Err: err}
	}
	d.start(resp)
	d.body = resp.Body
	return &DownloadLogsResponse{
		Body:             d,
		Filename:         downloadFilename(resp.Header.Get("Content-Disposition"), req.ServerID),
		ContentType:      resp.Header.Get("Content-Type"),
		ContentLength:    d.want,
		ResponseMetadata: core.MetaOf(resp),
	}, nil
}

// checkArchiveType refuses a reply that is a document rather than an archive: JSON,
// HTML or any text, as a gateway or a misrouted request may send with status 200. An
// absent or binary type (application/octet-stream, as documented, application/gzip, ...)
// is accepted.
func checkArchiveType(contentType string) error {
	if contentType == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	if strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml") {
		return fmt.Errorf("the reply is %s, not an archive", mt)
	}
	return nil
}

// maxFilenameBytes bounds a suggested file name, the usual file system limit.
const maxFilenameBytes = 255

// downloadFilename is the file name for the archive of serverID: the one the
// Content-Disposition header suggests, made safe, else "<serverID>-dump.tar.gz" made
// safe. It is never empty and never contains a path separator or "..".
func downloadFilename(disposition, serverID string) string {
	if name := dispositionFilename(disposition); name != "" {
		return name
	}
	id := strings.NewReplacer("/", "_", `\`, "_").Replace(serverID)
	return safeBaseName(id + "-dump.tar.gz")
}

// dispositionFilename returns the file name a Content-Disposition header suggests
// (filename*= per RFC 5987 preferred over filename=), reduced by safeBaseName, or ""
// when it suggests none. A header that mime.ParseMediaType refuses, such as an unquoted
// name with spaces, is read leniently.
func dispositionFilename(header string) string {
	if strings.TrimSpace(header) == "" {
		return ""
	}
	var name string
	if _, params, err := mime.ParseMediaType(header); err == nil {
		name = params["filename"]
	} else {
		name = lenientFilename(header)
	}
	return safeBaseName(name)
}

// lenientFilename finds filename=value in a malformed header: a quoted value up to
// its closing quote, else up to the next ';'.
func lenientFilename(header string) string {
	lower := asciiLower(header)
	i := 0
	for {
		j := strings.Index(lower[i:], "filename=")
		if j < 0 {
			return ""
		}
		i += j
		if i == 0 || strings.ContainsRune("; \t", rune(lower[i-1])) {
			break
		}
		i += len("filename=")
	}
	v := strings.TrimSpace(header[i+len("filename="):])
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		if end := strings.IndexByte(v, '"'); end >= 0 {
			v = v[:end]
		}
		return v
	}
	if end := strings.IndexByte(v, ';'); end >= 0 {
		v = v[:end]
	}
	return strings.TrimSpace(v)
}

// asciiLower lower-cases the ASCII letters of s and keeps every other byte, so that
// indices into the result are indices into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// safeBaseName reduces a suggested file name to one that is safe to create in the
// current directory: the last path element (after '/' or '\'), with control
// characters and the characters Windows forbids replaced by '_', runs of dots
// collapsed, leading and trailing dots and spaces removed, and at most 255 bytes.
// It returns "" when nothing is left.
func safeBaseName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`<>:"|?*`, r) {
			return '_'
		}
		return r
	}, name)
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	name = strings.Trim(name, ". ")
	if len(name) > maxFilenameBytes {
		cut := maxFilenameBytes
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = strings.TrimRight(name[:cut], ". ")
	}
	return name
}
