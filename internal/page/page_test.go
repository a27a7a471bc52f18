package page

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeList serves n records "0".."n-1" from position base on.
type fakeList struct {
	n, base int
	// pageCap, when not 0, is the most records a page holds, whatever the limit.
	pageCap int
	// total is what a page reports: the number of records ("count"), nothing
	// ("absent") or 0 ("zero").
	total string
	// ignoreOffset serves every page from the first record; refetchWorks makes
	// Refetch honour the offset.
	ignoreOffset, refetchWorks bool
	failAtCall                 int
	offsets                    []int
	kept                       int
}

// list is one page as the fake serves it.
type list struct {
	records []string
	total   *int
}

func (f *fakeList) serve(offset, limit int, honour bool) (list, error) {
	f.offsets = append(f.offsets, offset)
	if f.failAtCall == len(f.offsets) {
		return list{}, errors.New("boom")
	}
	if !honour {
		offset = f.base
	}
	if f.pageCap > 0 {
		limit = min(limit, f.pageCap)
	}
	var l list
	for i := offset - f.base; i < f.n && len(l.records) < limit; i++ {
		l.records = append(l.records, strconv.Itoa(i))
	}
	switch f.total {
	case "count":
		l.total = &f.n
	case "zero":
		l.total = new(int)
	}
	return l, nil
}

func (f *fakeList) pager(start, limit int, refetch bool) Pager[list, string] {
	p := Pager[list, string]{
		Base:  f.base,
		Start: start,
		Limit: limit,
		Fetch: func(_ context.Context, offset, limit int) (list, error) {
			return f.serve(offset, limit, !f.ignoreOffset)
		},
		Records: func(l list) []string { return l.records },
		Total:   func(l list) *int { return l.total },
		Key:     func(s string) string { return s },
		Prefix:  "svc: List",
	}
	if refetch {
		p.Refetch = func(_ context.Context, offset, limit int) (list, func(), error) {
			l, err := f.serve(offset, limit, f.refetchWorks)
			return l, func() { f.kept++; f.ignoreOffset = false }, err
		}
	}
	return p
}

func collect(ctx context.Context, p Pager[list, string]) ([]string, []error) {
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
		name      string
		list      fakeList
		start     int
		limit     int
		want      int
		wantCalls int
	}{
		{"2345 over 100, 1-based, no total: a short page is not the end", fakeList{n: 2345, base: 1, total: "absent"}, 1, 100, 2345, 25},
		{"2345 over 100, 1-based, short last page reaches the total", fakeList{n: 2345, base: 1, total: "count"}, 1, 100, 2345, 24},
		{"exact multiple without total needs an empty page", fakeList{n: 300, total: "absent"}, 0, 100, 300, 4},
		{"exact multiple stops at the total", fakeList{n: 300, total: "count"}, 0, 100, 300, 3},
		{"empty listing", fakeList{n: 0, base: 1, total: "count"}, 1, 10, 0, 1},
		{"capped pages continue while the total says more remain", fakeList{n: 250, pageCap: 100, total: "count"}, 0, 200, 250, 3},
		{"capped pages without total continue to an empty page", fakeList{n: 250, pageCap: 100, total: "absent"}, 0, 200, 250, 4},
		{"a total of 0 is unknown", fakeList{n: 250, pageCap: 100, total: "zero"}, 0, 200, 250, 4},
		{"a later start counts the total from the base", fakeList{n: 250, base: 1, total: "count"}, 101, 50, 150, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.list
			got, errs := collect(context.Background(), f.pager(tc.start, tc.limit, false))
			require.Empty(t, errs)
			require.Len(t, got, tc.want)
			for i, r := range got {
				require.Equal(t, strconv.Itoa(tc.start-f.base+i), r)
			}
			require.Len(t, f.offsets, tc.wantCalls)
			step := tc.limit
			if f.pageCap > 0 {
				step = min(step, f.pageCap)
			}
			for i, o := range f.offsets {
				assert.Equal(t, min(tc.start+i*step, f.base+f.n), o, "offset of page %d", i)
			}
		})
	}
}

func TestPagesYieldsEachPage(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 250, pageCap: 100, total: "count"}
	var sizes []int
	for l, err := range f.pager(0, 200, false).Pages(context.Background()) {
		require.NoError(t, err)
		sizes = append(sizes, len(l.records))
	}
	assert.Equal(t, []int{100, 100, 50}, sizes)
}

func TestStalledPagination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		refetch   bool
		wantCalls int
	}{
		{"without a refetch", false, 2},
		{"the refetch repeats too", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeList{n: 500, base: 1, ignoreOffset: true, total: "count"}
			got, errs := collect(context.Background(), f.pager(1, 100, tc.refetch))
			assert.Len(t, got, 100, "the first page is yielded")
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], ErrPaginationStalled)
			assert.EqualError(t, errs[0], "svc: List: pagination stalled: the service returned the same page again (position 101)")
			assert.Len(t, f.offsets, tc.wantCalls)
			assert.Zero(t, f.kept)
		})
	}
}

func TestRefetchRecoversAndIsKept(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 250, base: 1, ignoreOffset: true, refetchWorks: true, total: "count"}
	got, errs := collect(context.Background(), f.pager(1, 100, true))
	require.Empty(t, errs)
	require.Len(t, got, 250)
	for i, r := range got {
		require.Equal(t, strconv.Itoa(i), r)
	}
	assert.Equal(t, 1, f.kept, "the way that worked is kept once")
	assert.Equal(t, []int{1, 101, 101, 201}, f.offsets)
}

func TestErrorYieldedOnceThenStops(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 1000, failAtCall: 3, total: "count"}
	got, errs := collect(context.Background(), f.pager(0, 100, false))
	assert.Len(t, got, 200)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "boom")
	assert.Len(t, f.offsets, 3)
}

func TestBreakStopsWithoutFurtherRequest(t *testing.T) {
	t.Parallel()
	f := &fakeList{n: 1000}
	n := 0
	for _, err := range f.pager(0, 3, false).All(context.Background()) {
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
	got, errs := collect(ctx, f.pager(0, 3, false))
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
	p := (&fakeList{n: 5, total: "count", failAtCall: 5}).pager(0, 2, false)
	fetch := p.Fetch
	p.Fetch = func(ctx context.Context, offset, limit int) (list, error) {
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
	// The fifth fetch, the first of the third walk, fails.
	_, errs := collect(context.Background(), p)
	require.Len(t, errs, 1)

	require.Len(t, ended, 3)
	assert.NoError(t, ended[0])
	assert.NoError(t, ended[1])
	assert.EqualError(t, ended[2], "boom")
}
