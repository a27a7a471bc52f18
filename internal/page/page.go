// Package page walks an offset/limit listing page by page, lazily, without ever
// dropping a record on a service that caps its pages and without ever looping on one
// that ignores the position it is asked for.
//
// The rule, the same for every listing: keep fetching while a known total says more
// records remain, and stop on an empty page or when the total is reached. A page
// shorter than asked is not the end while the total says more remain (services cap
// their pages). A total that is absent or 0 is unknown: then only an empty page ends
// the listing. A page that repeats the page before it ends the walk with an error
// wrapping ErrPaginationStalled, after one refetch when the listing knows another way
// to ask for it.
package page

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// ErrPaginationStalled is wrapped by the error a walk yields when a page repeats the
// page before it: the service ignored the position.
var ErrPaginationStalled = hcloud.ErrPaginationStalled

// Pager describes how to walk one listing whose pages are of type R and whose records
// are of type T.
type Pager[R, T any] struct {
	// Base is the position of the first record of the listing, 0 or 1 as the API counts;
	// a total counts the records from there.
	Base int
	// Start is the position of the first record to fetch, Base or more.
	Start int
	// Limit is the page size asked for.
	Limit int
	// Fetch gets the page of at most limit records at position offset.
	Fetch func(ctx context.Context, offset, limit int) (R, error)
	// Refetch, when not nil, gets the page at offset again another way after it
	// repeated the page before it (a service that ignores the parameter Fetch sends).
	// keep is called when the refetched page is new, so that the listing can stay with
	// the way that worked. A refetched page that repeats too stalls the walk.
	Refetch func(ctx context.Context, offset, limit int) (page R, keep func(), err error)
	// Records returns the records of a page.
	Records func(R) []T
	// Total returns the number of records of the listing the page reports, nil when it
	// reports none.
	Total func(R) *int
	// Key identifies a record, to recognise a repeated page.
	Key func(T) string
	// Prefix names the operation in errors, e.g. "css: ListLogBackups".
	Prefix string
	// Observe, when set, starts the operation an Observer sees for the whole walk when
	// the walk starts; the pages are fetched with the context it returns, and the
	// function it returns ends the operation with the error yielded, if any.
	Observe func(ctx context.Context) (context.Context, func(error))
}

// Pages yields the pages lazily: one page in memory at a time, the next fetched only
// when the caller asks for more. Every page yielded has at least one record. An error
// is yielded once and ends the walk; a break ends it with no further request.
func (p Pager[R, T]) Pages(ctx context.Context) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		ctx := ctx // each walk observes its own operation
		if p.Observe != nil {
			var end func(error)
			ctx, end = p.Observe(ctx)
			var walkErr error
			defer func() { end(walkErr) }()
			next := yield
			yield = func(r R, err error) bool {
				if err != nil {
					walkErr = err
				}
				return next(r, err)
			}
		}
		var zero R
		offset := p.Start
		var prev []string
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			resp, err := p.Fetch(ctx, offset, p.Limit)
			if err != nil {
				yield(zero, err)
				return
			}
			keys := p.keys(resp)
			if prev != nil && slices.Equal(keys, prev) {
				if p.Refetch == nil {
					yield(zero, p.stalled(offset))
					return
				}
				again, keep, err := p.Refetch(ctx, offset, p.Limit)
				if err != nil {
					yield(zero, err)
					return
				}
				if keys = p.keys(again); slices.Equal(keys, prev) {
					yield(zero, p.stalled(offset))
					return
				}
				keep()
				resp = again
			}
			if len(keys) == 0 {
				return
			}
			if !yield(resp, nil) {
				return
			}
			offset += len(keys)
			if total := p.Total(resp); total != nil && *total > 0 && offset-p.Base >= *total {
				return
			}
			prev = keys
		}
	}
}

// All yields the records of every page, built on Pages, with the same laziness and
// error behaviour.
func (p Pager[R, T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for resp, err := range p.Pages(ctx) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, r := range p.Records(resp) {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// keys returns the keys of the records of a page, in order.
func (p Pager[R, T]) keys(resp R) []string {
	records := p.Records(resp)
	keys := make([]string, len(records))
	for i, r := range records {
		keys[i] = p.Key(r)
	}
	return keys
}

// stalled is the error of a page that repeats the page before it.
func (p Pager[R, T]) stalled(offset int) error {
	return fmt.Errorf("%s: %w (position %d)", p.Prefix, ErrPaginationStalled, offset)
}
