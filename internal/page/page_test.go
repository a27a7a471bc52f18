package page

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeList serves n records "0".."n-1" at a 1-based or 0-based offset.
type fakeList struct {
	n, start     int
	ignoreOffset bool
	failAtCall   int
	reportTotal  bool
	offsets      []int
}

func (f *fakeList) fetch(_ context.Context, offset, limit int) ([]string, int, error) {
	f.offsets = append(f.offsets, offset)
	if f.failAtCall == len(f.offsets) {
		return nil, 0, errors.New("boom")
	}
	if f.ignoreOffset {
		offset = f.start
	}
	var out []string
	for i := offset - f.start; i < f.n && len(out) < limit; i++ {
		out = append(out, strconv.Itoa(i))
	}
	total := -1
	if f.reportTotal {
		total = f.n
	}
	return out, total, nil
}

func pager(f *fakeList, limit int) Pager[string] {
	return Pager[string]{Start: f.start, Limit: limit, Key: func(s string) string { return s }, Fetch: f.fetch, Prefix: "svc: List"}
}

func collect(p Pager[string], ctx context.Context) ([]string, []error) {
	var got []string
	var errs []error
	for r, err := range p.All(ctx) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, r)
	}
	return got, errs
}

func TestAllPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		n, limit    int
		start       int
		reportTotal bool
		wantCalls   int
	}{
		{"2345 over 100, 1-based, short last page", 2345, 100, 1, false, 24},
		{"exact multiple needs an empty page without total", 300, 100, 0, false, 4},
		{"exact multiple stops at the total", 300, 100, 0, true, 3},
		{"empty listing", 0, 10, 1, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeList{n: tc.n, start: tc.start, reportTotal: tc.reportTotal}
			got, errs := collect(pager(f, tc.limit), context.Background())
			require.Empty(t, errs)
			require.Len(t, got, tc.n)
			for i, r := range got {
				require.Equal(t, strconv.Itoa(i), r)
			}
			require.Len(t, f.offsets, tc.wantCalls)
			for i, o := range f.offsets {
				assert.Equal(t, tc.start+i*tc.limit, o, "offset of page %d", i)
			}
		})
	}
}

func TestStalledPagination(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 500, start: 1, ignoreOffset: true}
	got, errs := collect(pager(f, 100), context.Background())
	assert.Len(t, got, 100, "the first page is yielded")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrPaginationStalled)
	assert.Contains(t, errs[0].Error(), "svc: List")
	assert.Len(t, f.offsets, 2)
}

func TestErrorYieldedOnceThenStops(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 1000, failAtCall: 3}
	got, errs := collect(pager(f, 100), context.Background())
	assert.Len(t, got, 200)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "boom")
	assert.Len(t, f.offsets, 3)
}

func TestBreakStopsWithoutFurtherRequest(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 1000}
	n := 0
	for _, err := range pager(f, 3).All(context.Background()) {
		require.NoError(t, err)
		n++
		if n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	assert.Len(t, f.offsets, 2)
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeList{n: 10}
	got, errs := collect(pager(f, 3), ctx)
	assert.Empty(t, got)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Empty(t, f.offsets)
}

// walkKey marks the context of an observed walk.
type walkKey struct{}

func TestObserveWrapsEachWalk(t *testing.T) {
	t.Parallel()
	var ended []error
	walks := 0
	p := pager(&fakeList{n: 5, failAtCall: 5}, 2)
	fetch := p.Fetch
	p.Fetch = func(ctx context.Context, offset, limit int) ([]string, int, error) {
		// Pages see the walk's own context, never one of an earlier walk.
		assert.Equal(t, walks, ctx.Value(walkKey{}))
		return fetch(ctx, offset, limit)
	}
	p.Observe = func(ctx context.Context) (context.Context, func(error)) {
		assert.Nil(t, ctx.Value(walkKey{}))
		walks++
		return context.WithValue(ctx, walkKey{}, walks), func(err error) { ended = append(ended, err) }
	}
	seq := p.All(context.Background())

	n := 0
	for _, err := range seq {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 5, n)
	for range seq {
		break
	}
	// The fifth fetch fails.
	_, errs := collect(p, context.Background())
	require.Len(t, errs, 1)

	require.Len(t, ended, 3)
	assert.NoError(t, ended[0])
	assert.NoError(t, ended[1])
	assert.EqualError(t, ended[2], "boom")
}
