package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	ms := time.Date(2022, 6, 24, 3, 53, 57, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{`1656042837000`, ms},
		{`"1656042837000"`, ms},
		{`"2022-06-24T03:53:57Z"`, ms},
		{`"2022-06-24T11:53:57+08:00"`, ms},
		{`"2025-03-20T02:48:06+00:00"`, time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)},
		{`"2022-10-31T09:11:31"`, time.Date(2022, 10, 31, 9, 11, 31, 0, time.UTC)},
		{`"2022-10-31 09:11:31"`, time.Date(2022, 10, 31, 9, 11, 31, 0, time.UTC)},
		{`"2022-10-31T09:11:31.250"`, time.Date(2022, 10, 31, 9, 11, 31, 250e6, time.UTC)},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseTime([]byte(c.in))
			require.NoError(t, err)
			assert.True(t, c.want.Equal(got), "got %v want %v", got, c.want)
		})
	}
	for _, bad := range []string{`"yesterday"`, `true`, `{}`, `1.5e3`, `"2022-13-01T00:00:00"`} {
		_, err := ParseTime([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestTimeInStruct(t *testing.T) {
	t.Parallel()
	var v struct {
		A Time `json:"a"`
		B Time `json:"b"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":1656042837000}`), &v))
	assert.Equal(t, int64(1656042837000), v.A.UnixMilli())
	assert.True(t, v.B.IsZero())
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"2022-06-24T03:53:57Z","b":null}`, string(out))
}

func TestParsePercent(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{`"30%"`: 30, `"30"`: 30, `30`: 30, `" 45 % "`: 45, `100`: 100, `"0%"`: 0, `null`: 0, `""`: 0, `"12.5%"`: 12} {
		got, err := ParsePercent([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{`"thirty"`, `true`, `"%%"`, `[]`, `"NaN"`, `101`, `"-1%"`, `1656042837000`} {
		_, err := ParsePercent([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Progress{
		`"30%"`: {Percent: 30}, `30`: {Percent: 30}, `null`: {}, `""`: {},
		`-1`: {Percent: -1, Text: "-1"}, `"N/A"`: {Percent: -1, Text: "N/A"}, `"130%"`: {Percent: -1, Text: "130%"},
		`true`: {Percent: -1, Text: "true"}, ` {"a": [1]} `: {Percent: -1, Text: `{"a": [1]}`},
	} {
		var got struct {
			P Progress `json:"p"`
		}
		require.NoError(t, json.Unmarshal([]byte(`{"p":`+in+`}`), &got), in)
		assert.Equal(t, want, got.P, in)
	}
	var absent struct {
		P Progress `json:"p"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{}`), &absent))
	assert.Equal(t, Progress{}, absent.P)
}

func FuzzDecoders(f *testing.F) {
	for _, s := range []string{`1656042837000`, `"30%"`, `"2022-10-31T09:11:31"`, `null`, `"x"`, `-1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if tm, err := ParseTime(b); err == nil {
			_ = tm.String()
		}
		if p, err := ParsePercent(b); err == nil && (p < 0 || p > 100) {
			t.Fatalf("percent %d out of bounds for %q", p, b)
		}
		var pr Progress
		if json.Valid(b) {
			if err := pr.UnmarshalJSON(b); err != nil || pr.Percent < -1 || pr.Percent > 100 {
				t.Fatalf("progress %+v, %v for %q", pr, err, b)
			}
		}
	})
}
