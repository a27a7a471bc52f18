// Package hss is a client for the ransomware backup and restoration APIs of Huawei
// Cloud Host Security Service (HSS, API v5): the backup/restore task log, the backups
// of a host, and restoring a backup.
//
// Every operation has the shape
//
//	func (c *Client) Op(ctx context.Context, req *OpRequest, opts ...Option) (*OpResponse, error)
//
// and the listing operations also have lazy iterators, over records (BackupTasks,
// HostBackups) and over pages, with the offset to resume from (BackupTaskPages,
// HostBackupPages).
// Requests are signed with AK/SK or, when Config.AuthToken or Config.AuthTokenProvider
// is set, authenticated with an IAM token sent as X-Auth-Token. The package hsstest
// provides an in-memory fake of the service for tests.
package hss

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// Client calls the HSS API. It is safe for concurrent use.
type Client struct {
	c *core.Client
}

// New returns a Client for cfg. The endpoint is https://hss.{region}.myhuaweicloud.com
// unless cfg.Endpoint overrides it.
func New(cfg Config) (*Client, error) {
	c, err := core.NewClient(core.ServiceHSS, cfg)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// Paging bounds shared by the listing operations.
const (
	// DefaultLimit is the page size sent when a request's Limit is 0.
	DefaultLimit = 10
	// MinLimit and MaxLimit bound a request's Limit.
	MinLimit = 10
	MaxLimit = 200
	// MaxLastDays bounds a request's LastDays (1..MaxLastDays when set).
	MaxLastDays = 30
)

// Field length limits documented by the API.
const (
	maxEnterpriseProjectID = 256
	maxRegion              = 128
	maxBackupID            = 64
)

// checkPaging validates the fields every listing shares.
func checkPaging(op core.Op, offset, limit, lastDays int) error {
	if err := op.Min("Offset", offset, 0); err != nil {
		return err
	}
	if limit != 0 {
		if err := op.Range("Limit", limit, MinLimit, MaxLimit); err != nil {
			return err
		}
	}
	if lastDays != 0 {
		return op.Range("LastDays", lastDays, 1, MaxLastDays)
	}
	return nil
}

// pagingQuery is the query every listing sends: offset and limit always (the API
// requires them; a zero limit sends DefaultLimit), the optional filters they share
// only when set. The request was validated before.
func pagingQuery(offset, limit int, enterpriseProjectID, status string, lastDays int) url.Values {
	if limit == 0 {
		limit = DefaultLimit
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	if enterpriseProjectID != "" {
		q.Set("enterprise_project_id", enterpriseProjectID)
	}
	if status != "" {
		q.Set("status", status)
	}
	if lastDays != 0 {
		q.Set("last_days", strconv.Itoa(lastDays))
	}
	return q
}

// checkText refuses a value longer than max characters or holding a control
// character; an empty value passes.
func checkText(op core.Op, field, v string, maxLen int) error {
	if n := utf8.RuneCountInString(v); n > maxLen {
		return op.Invalid(field, "is %d characters long, at most %d allowed", n, maxLen)
	}
	if strings.ContainsFunc(v, isControl) {
		return op.Invalid(field, "%q contains a control character", v)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// pageSize is the iterator's page size for a request Limit: the Limit itself, or the
// largest page the API allows when it is unset.
func pageSize(limit int) int {
	if limit == 0 {
		return MaxLimit
	}
	return limit
}
