package css_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
)

func TestSearchLogs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		fixture   string
		req       css.SearchLogsRequest
		body      string
		want      []css.LogEntry
		typ       css.LogType
		completed bool
	}{
		{
			name: "illustrative example, defaults", fixture: "SearchLogs_example.json",
			req:  css.SearchLogsRequest{ClusterID: testCluster, InstanceName: "css-4213d908-ess-esn-1-1", LogType: css.LogTypeInstance},
			body: `{"instance_name":"css-4213d908-ess-esn-1-1","log_type":"instance","limit":100}`,
			want: []css.LogEntry{{Content: "[node-1] started", Date: time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC), DateText: "2024-07-01 11:32:49", Level: css.LogLevelInfo}},
			typ:  css.LogTypeInstance, completed: true,
		},
		{
			name: "every field, RFC 3339 and unknown dates, unknown level kept", fixture: "SearchLogs_incomplete.json",
			req: css.SearchLogsRequest{
				ClusterID: testCluster, InstanceName: "node-1", LogType: css.LogTypeSearchSlow, Level: css.LogLevelWarn,
				Limit: 10000, TimeIndex: "2024-07-01 12:00:00", Keyword: "took",
			},
			body: `{"instance_name":"node-1","log_type":"searchSlow","level":"WARN","limit":10000,"time_index":"2024-07-01 12:00:00","keyword":"took"}`,
			want: []css.LogEntry{
				{Content: "[node-1] [logs][0] took[5.2s]", Date: time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC), DateText: "2024-07-01T11:32:49Z", Level: css.LogLevelWarn},
				{Content: "[node-1] slow", DateText: "about noon", Level: "TRACE"},
			},
			typ: css.LogTypeSearchSlow,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, fixture(t, tc.fixture)))
			req := tc.req
			resp, err := c.SearchLogs(context.Background(), &req)
			require.NoError(t, err)
			assert.Equal(t, tc.req, req, "request not modified")
			assert.Equal(t, tc.want, resp.Logs)
			assert.Equal(t, tc.typ, resp.Type)
			assert.Equal(t, tc.completed, resp.Completed)
			assert.Equal(t, "req-OK", resp.RequestID)
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			got := m.only(t)
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, clusterPath+"/logs/search", got.RawPath)
			assert.Empty(t, got.Query)
			assert.JSONEq(t, tc.body, string(got.Body))
		})
	}
}
