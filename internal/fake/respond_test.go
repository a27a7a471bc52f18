package fake

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusAccepted, map[string]int{"a": 1})
	assert.Equal(t, http.StatusAccepted, rec.Code)
	assert.Equal(t, ContentTypeJSON, rec.Header().Get("Content-Type"))
	assert.Equal(t, "7", rec.Header().Get("Content-Length"))
	assert.Equal(t, `{"a":1}`, rec.Body.String())

	rec = httptest.NewRecorder()
	WriteJSON(rec, http.StatusOK, map[string]any{"c": make(chan int)})
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), `"error_code":"FAKE.FAULT"`)
	assert.Contains(t, rec.Body.String(), "cannot encode the response")
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteError(rec, http.StatusConflict, "CSS.0001", `cluster "c1" is busy`)
	assert.Equal(t, http.StatusConflict, rec.Code)
	assert.Equal(t, ContentTypeJSON, rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error_code":"CSS.0001","error_msg":"cluster \"c1\" is busy"}`, rec.Body.String())
}

func TestQueryInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  int
		err   string
	}{
		{"", 10, ""},
		{"limit=", 10, ""},
		{"limit=1", 1, ""},
		{"limit=1000", 1000, ""},
		{"limit=7&limit=9", 7, ""},
		{"limit=0", 0, "query parameter limit: 0 out of range 1..1000"},
		{"limit=1001", 0, "query parameter limit: 1001 out of range 1..1000"},
		{"limit=-5", 0, "query parameter limit: -5 out of range 1..1000"},
		{"limit=ten", 0, `query parameter limit: "ten" is not an integer`},
		{"limit=1.5", 0, `query parameter limit: "1.5" is not an integer`},
		{"limit=99999999999999999999", 0, `query parameter limit: "99999999999999999999" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/x?"+tt.query, nil)
			got, err := QueryInt(r, "limit", 10, 1, 1000)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	type req struct {
		Period string `json:"period"`
	}
	tests := []struct {
		body string
		want req
		err  string
	}{
		{`{"period":"00:00 GMT+08:00"}` + "\n", req{Period: "00:00 GMT+08:00"}, ""},
		{`{}`, req{}, ""},
		{``, req{}, "request body: empty, want a JSON value"},
		{" \n", req{}, "request body: empty, want a JSON value"},
		{`{"perod":"x"}`, req{}, `request body: json: unknown field "perod"`},
		{`{"period":1}`, req{}, "request body: json: cannot unmarshal"},
		{`{"period":"x"} {}`, req{}, "request body: unexpected data after the JSON value"},
		{`{"period":`, req{}, "request body: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			var got req
			err := DecodeJSON([]byte(tt.body), &got)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
