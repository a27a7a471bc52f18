package baremetal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// DownloadLogsRequest names the export whose archive to download.
type DownloadLogsRequest struct {
	// ServerID is the physical server ID. Required.
	ServerID string
	// ExportID is the ID of a completed export task. Required.
	ExportID string
}

// DownloadLogsResponse is the archive of a completed export, as an unread stream.
type DownloadLogsResponse struct {
	// Body streams the tar.gz archive. The caller must close it. Reading it fails with
	// an error wrapping io.ErrUnexpectedEOF when the reply ends before ContentLength
	// bytes, and with an error when it carries more.
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
// API: GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content
func (c *Client) DownloadLogs(ctx context.Context, req *DownloadLogsRequest, opts ...Option) (*DownloadLogsResponse, error) {
	const name = "DownloadLogs"
	if req == nil {
		return nil, c.c.Op(name).Invalid("request", "is nil")
	}
	resp, err := c.c.Stream(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodGet,
		Path:    contentPath,
		Params:  []string{req.ServerID, req.ExportID},
	})
	if err != nil {
		return nil, err
	}
	if err := checkArchiveType(resp.Header.Get("Content-Type")); err != nil {
		resp.Body.Close()
		return nil, &core.RequestError{Service: core.ServiceBareMetal, Operation: name,
			StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id"), Err: err}
	}
	length := resp.ContentLength
	if length < 0 {
		length = -1
	}
	requestID := resp.Header.Get("X-Request-Id")
	return &DownloadLogsResponse{
		Body: &checkedBody{rc: resp.Body, want: length, op: name,
			status: resp.StatusCode, requestID: requestID},
		Filename:         downloadFilename(resp.Header.Get("Content-Disposition"), req.ServerID),
		ContentType:      resp.Header.Get("Content-Type"),
		ContentLength:    length,
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

// checkedBody reads a download and turns a reply shorter or longer than its
// Content-Length, or a failed read, into a *RequestError naming the operation and the
// byte counts. After the first error every Read returns it again.
type checkedBody struct {
	rc        io.ReadCloser
	want      int64 // -1: unknown
	got       int64
	op        string
	status    int
	requestID string
	err       error
}

func (b *checkedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.want >= 0 {
		left := b.want - b.got
		if left == 0 {
			return 0, b.probeEnd()
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := b.rc.Read(p)
	b.got += int64(n)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF) && (b.want < 0 || b.got == b.want):
		b.err = io.EOF
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		b.err = b.fail(b.short())
	default:
		b.err = b.fail(fmt.Errorf("reading the body after %d bytes: %w", b.got, err))
	}
	if b.err != nil {
		return n, b.err
	}
	return n, nil
}

// probeEnd checks, once all declared bytes are read, that the reply ends there.
func (b *checkedBody) probeEnd() error {
	var one [1]byte
	n, err := b.rc.Read(one[:])
	switch {
	case n > 0:
		b.err = b.fail(fmt.Errorf("the body is longer than its Content-Length of %d bytes", b.want))
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		b.err = io.EOF
	default:
		b.err = b.fail(fmt.Errorf("reading the body after %d bytes: %w", b.got, err))
	}
	return b.err
}

// short describes a reply that ended early.
func (b *checkedBody) short() error {
	if b.want < 0 {
		return fmt.Errorf("the body ended early after %d bytes: %w", b.got, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("the body ended after %d of %d bytes: %w", b.got, b.want, io.ErrUnexpectedEOF)
}

func (b *checkedBody) fail(err error) error {
	return &RequestError{Service: core.ServiceBareMetal, Operation: b.op,
		StatusCode: b.status, RequestID: b.requestID, Err: err}
}

func (b *checkedBody) Close() error { return b.rc.Close() }

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
