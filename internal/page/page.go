// Package page turns an offset/limit listing operation into a lazy iterator that can
// never loop forever.
package page

import (
	"context"
	"fmt"
	"iter"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// ErrPaginationStalled is wrapped by the error an iterator yields when a page starts
// with the same record as the page before it: the service ignored the offset.
var ErrPaginationStalled = hcloud.ErrPaginationStalled

// Fetch returns the page of at most limit records starting at offset, and the total
// number of records when the service reports one (a negative total means unknown).
type Fetch[T any] func(ctx context.Context, offset, limit int) (records []T, total int, err error)

// Pager describes how to walk one listing.
type Pager[T any] struct {
	// Start is the offset of the first record (0 or 1, as the API counts).
	Start int
	// Limit is the page size.
	Limit int
	// Key identifies a record, to detect a service that ignores the offset.
	Key func(T) string
	// Fetch gets one page.
	Fetch Fetch[T]
	// Prefix names the operation in errors, e.g. "css: ListLogBackups".
	Prefix string
	// Observe, when set, starts the operation an Observer sees for the whole walk when
	// the walk starts; the pages are fetched with the context it returns, and the
	// function it returns ends the operation with the error yielded, if any.
	Observe func(ctx context.Context) (context.Context, func(error))
}

// All pages lazily through the listing: one page in memory at a time, the next fetched
// only when the caller asks for more. It stops after a short or empty page or when the
// reported total is reached; it yields an error once and stops; a break stops it with
// no further request.
func (p Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		ctx := ctx // each walk observes its own operation
		if p.Observe != nil {
			var end func(error)
			ctx, end = p.Observe(ctx)
			var walkErr error
			defer func() { end(walkErr) }()
			next := yield
			yield = func(r T, err error) bool {
				if err != nil {
					walkErr = err
				}
				return next(r, err)
			}
		}
		offset, seen := p.Start, 0
		prevFirst, havePrev := "", false
		for {
			if err := ctx.Err(); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			records, total, err := p.Fetch(ctx, offset, p.Limit)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			if len(records) == 0 {
				return
			}
			first := p.Key(records[0])
			if havePrev && first == prevFirst {
				var zero T
				yield(zero, fmt.Errorf("%s: %w (offset %d)", p.Prefix, ErrPaginationStalled, offset))
				return
			}
			prevFirst, havePrev = first, true
			for _, r := range records {
				if !yield(r, nil) {
					return
				}
			}
			seen += len(records)
			offset += len(records)
			if len(records) < p.Limit || (total >= 0 && seen >= total) {
				return
			}
		}
	}
}
