package recorder_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder"
)

// smallCSS is a workflow of three requests: a path, a query and a body to change.
type smallCSS struct {
	cluster string
	limit   int
	keyword string
}

func (w smallCSS) run(t testing.TB, cfg css.Config) error {
	ctx := t.Context()
	c, err := css.New(cfg)
	require.NoError(t, err)
	if _, err := c.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: w.cluster}); err != nil {
		return err
	}
	if _, err := c.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: cssCluster, Limit: w.limit}); err != nil {
		return err
	}
	_, err = c.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: cssCluster, InstanceName: csstest.NodeName(cssCluster),
		LogType: css.LogTypeInstance, Keyword: w.keyword, Level: css.LogLevelInfo})
	return err
}

var recordedCSS = smallCSS{cluster: cssCluster, limit: 10, keyword: "started"}

// recordSmall records recordedCSS into a new cassette and returns its path.
func recordSmall(t *testing.T, opts ...recorder.Option) (path string, srv *csstest.Server) {
	t.Helper()
	srv = csstest.NewServer(csstest.WithClock(fakeclock.New(recordStart)))
	t.Cleanup(srv.Close)
	srv.AddCluster(cssCluster)
	srv.AddCluster("other-cluster")
	path = filepath.Join(t.TempDir(), "small.json")
	require.True(t, t.Run("record", func(t *testing.T) {
		cfg := recorder.Config(t, path, append([]recorder.Option{recorder.WithMode(recorder.Record), fromFake(srv.Config())}, opts...)...)
		require.NoError(t, recordedCSS.run(t, cfg))
	}))
	return path, srv
}

// A changed path, query value or body value fails the test with the nearest recorded
// request, a diff, and how to re-record; the client gets the same message as an error.
func TestChangedRequestFails(t *testing.T) {
	t.Parallel()
	path, _ := recordSmall(t)
	for _, tc := range []struct {
		name     string
		workflow smallCSS
		want     []string
	}{
		{"path", smallCSS{cluster: "0fe2c1a5-0000-4000-8000-000000000001", limit: 10, keyword: "started"}, []string{
			"has no interaction for the request\n    GET /v1.0/PROJECT_ID/clusters/0fe2c1a5-0000-4000-8000-000000000001/logs/settings",
			"nearest recorded request: interaction 1 of 3 (not used yet)",
			"  path:\n    - /v1.0/PROJECT_ID/clusters/" + cssCluster + "/logs/settings\n    + /v1.0/PROJECT_ID/clusters/0fe2c1a5-0000-4000-8000-000000000001/logs/settings\n",
		}},
		{"query", smallCSS{cluster: cssCluster, limit: 20, keyword: "started"}, []string{
			"nearest recorded request: interaction 2 of 3 (not used yet)",
			"  query:\n    - limit=10\n    + limit=20\n",
		}},
		{"body", smallCSS{cluster: cssCluster, limit: 10, keyword: "stopped"}, []string{
			"nearest recorded request: interaction 3 of 3 (not used yet)",
			"  body:\n",
			`    -   "keyword": "started",` + "\n" + `    +   "keyword": "stopped",` + "\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFakeT(t)
			var err error
			ft.run(func() {
				cfg := recorder.Config(ft, path, recorder.WithMode(recorder.Replay))
				err = tc.workflow.run(ft, cfg)
			})
			require.Error(t, err)
			require.Len(t, ft.errs, 1, "one failure, however often the client retried")
			for _, w := range tc.want {
				assert.Contains(t, ft.errs[0], w)
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, ft.errs[0], "re-record the cassette against the cloud: HCLOUDLOGS_RECORD=1 go test -run '^TestChangedRequestFails$/^"+tc.name+"$' .")
		})
	}
}

// The same requests in the same order replay without a failure, and a request sent more
// often than recorded says so.
func TestRepeatedRequestBeyondTheRecording(t *testing.T) {
	t.Parallel()
	path, _ := recordSmall(t)
	ft := newFakeT(t)
	var second error
	ft.run(func() {
		cfg := recorder.Config(ft, path, recorder.WithMode(recorder.Replay))
		require.NoError(t, recordedCSS.run(ft, cfg))
		c, err := css.New(cfg)
		require.NoError(t, err)
		_, second = c.GetLogSettings(t.Context(), &css.GetLogSettingsRequest{ClusterID: cssCluster})
	})
	require.Error(t, second)
	require.Len(t, ft.errs, 1)
	assert.Contains(t, ft.errs[0], "it was recorded 1 time(s), and all those answers were used")
}

// Key order and white space of a JSON body do not matter; a redacted query parameter,
// body field or header matches whatever value the replaying client sends.
func TestMatchingIgnoresFormattingAndRedactedValues(t *testing.T) {
	t.Parallel()
	redact := []recorder.Option{recorder.WithRedactQuery("limit"), recorder.WithRedactBodyFields("keyword"),
		recorder.WithRedactHeaders("X-Request-Id")}
	path, srv := recordSmall(t, redact...)
	data := readFile(t, path)
	assert.NotContains(t, data, `"started"`)
	assert.Contains(t, data, `"keyword": "REDACTED"`)
	assert.Contains(t, data, `"limit": [`+"\n"+`            "REDACTED"`)
	assert.NotRegexp(t, `"X-Request-Id": \[\s+"[0-9a-f]{32}"`, data)
	assertNoSecrets(t, path, srv.Credentials.AccessKey, srv.Credentials.SecretKey, srv.ProjectID)

	// Reformat the recorded search body: keys reversed, on one line.
	reordered := strings.Replace(data, `"body": {
          "instance_name": "`+csstest.NodeName(cssCluster)+`",
          "keyword": "REDACTED",
          "level": "INFO",
          "limit": 100,
          "log_type": "instance"
        }`, `"body": {"log_type":"instance",   "limit":100,"level":"INFO","keyword":"REDACTED","instance_name":"`+csstest.NodeName(cssCluster)+`"}`, 1)
	require.NotEqual(t, data, reordered, "the search body is where the test expects it")
	require.NoError(t, os.WriteFile(path, []byte(reordered), 0o644))

	ft := newFakeT(t)
	ft.run(func() {
		cfg := recorder.Config(ft, path, append([]recorder.Option{recorder.WithMode(recorder.Replay), recorder.WithFailOnUnused()}, redact...)...)
		require.NoError(t, smallCSS{cluster: cssCluster, limit: 50, keyword: "anything"}.run(ft, cfg))
	})
	assert.Empty(t, ft.errs)
}

// Replay maps the project placeholder back to the project the client sends.
func TestReplayWithAnotherProject(t *testing.T) {
	t.Parallel()
	path, _ := recordSmall(t)
	ft := newFakeT(t)
	ft.run(func() {
		cfg := recorder.Config(ft, path, recorder.WithMode(recorder.Replay))
		assert.Equal(t, recorder.ProjectIDPlaceholder, cfg.ProjectID)
		cfg.ProjectID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
		require.NoError(t, recordedCSS.run(ft, cfg))
	})
	assert.Empty(t, ft.errs)
}

func TestMissingCassette(t *testing.T) {
	t.Parallel()
	ft := newFakeT(t)
	ft.run(func() {
		recorder.Config(ft, filepath.Join(t.TempDir(), "none.json"), recorder.WithMode(recorder.Replay))
		t.Error("Config returned without a cassette")
	})
	assert.Contains(t, ft.fatal, "none.json does not exist: record it by running the test against the cloud with "+
		"HCLOUDLOGS_RECORD=1 go test -run '^TestMissingCassette$' .")
}

func TestUnknownCassetteVersion(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "v2.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"version": 2, "interactions": []}`), 0o644))
	ft := newFakeT(t)
	ft.run(func() { recorder.Config(ft, path, recorder.WithMode(recorder.Replay)) })
	assert.Contains(t, ft.fatal, "v2.json has version 2; this recorder reads version 1 only")
}

// A record run of a failing test writes nothing and leaves an existing cassette alone.
func TestRecordRunOfAFailingTest(t *testing.T) {
	t.Parallel()
	srv := csstest.NewServer()
	defer srv.Close()
	srv.AddCluster(cssCluster)
	path := filepath.Join(t.TempDir(), "failing.json")
	for _, existing := range []bool{false, true} {
		if existing {
			require.NoError(t, os.WriteFile(path, []byte("the old cassette"), 0o644))
		}
		ft := newFakeT(t)
		ft.run(func() {
			cfg := recorder.Config(ft, path, recorder.WithMode(recorder.Record), fromFake(srv.Config()))
			require.NoError(t, recordedCSS.run(ft, cfg))
			ft.Errorf("the code under test is wrong")
		})
		if existing {
			assert.Equal(t, "the old cassette", readFile(t, path))
		} else {
			assert.NoFileExists(t, path)
		}
		require.Len(t, ft.logs, 1)
		assert.Contains(t, ft.logs[0], "the test failed, so cassette "+path+" was not written")
	}
	assert.Positive(t, srv.RequestsTotal(), "the record runs reached the server")
}

// Interactions never requested are logged, or fail the test with WithFailOnUnused.
func TestUnusedInteractions(t *testing.T) {
	t.Parallel()
	path, _ := recordSmall(t)
	for _, fail := range []bool{false, true} {
		ft := newFakeT(t)
		ft.run(func() {
			opts := []recorder.Option{recorder.WithMode(recorder.Replay)}
			if fail {
				opts = append(opts, recorder.WithFailOnUnused())
			}
			cfg := recorder.Config(ft, path, opts...)
			c, err := css.New(cfg)
			require.NoError(t, err)
			_, err = c.GetLogSettings(t.Context(), &css.GetLogSettingsRequest{ClusterID: cssCluster})
			require.NoError(t, err)
		})
		msgs := ft.logs
		if fail {
			msgs = ft.errs
			assert.Empty(t, ft.logs)
		} else {
			assert.Empty(t, ft.errs)
		}
		require.Len(t, msgs, 1)
		assert.Contains(t, msgs[0], "2 interaction(s) of cassette "+path+" were recorded but never requested")
		assert.Contains(t, msgs[0], "interaction 2: GET /v1.0/PROJECT_ID/clusters/"+cssCluster+"/logs/records?limit=10&offset=1")
		assert.Contains(t, msgs[0], "interaction 3: POST /v1.0/PROJECT_ID/clusters/"+cssCluster+"/logs/search")
	}
}

// HCLOUDLOGS_RECORD switches recording on from outside the test.
func TestRecordModeFromTheEnvironment(t *testing.T) {
	srv := csstest.NewServer()
	defer srv.Close()
	srv.AddCluster(cssCluster)
	path := filepath.Join(t.TempDir(), "env.json")

	t.Setenv(recorder.EnvRecord, "1")
	require.True(t, t.Run("record", func(t *testing.T) {
		cfg := recorder.Config(t, path, fromFake(srv.Config()))
		require.NoError(t, recordedCSS.run(t, cfg))
	}))
	require.FileExists(t, path)

	t.Setenv(recorder.EnvRecord, "0")
	n := srv.RequestsTotal()
	require.True(t, t.Run("replay", func(t *testing.T) {
		cfg := recorder.Config(t, path, fromFake(srv.Config()))
		require.NoError(t, recordedCSS.run(t, cfg))
	}))
	assert.Equal(t, n, srv.RequestsTotal())

	t.Setenv(recorder.EnvRecord, "sometimes")
	ft := newFakeT(t)
	ft.run(func() { recorder.Config(ft, path) })
	assert.Contains(t, ft.fatal, `recorder: HCLOUDLOGS_RECORD="sometimes" is not a boolean`)
}

// Every cassette in the repository is free of credential-shaped strings, and the scan
// finds them when they are there.
func TestCassettesContainNoCredentials(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	var scanned int
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || filepath.Ext(p) != ".json" || !strings.Contains(filepath.ToSlash(p), "/testdata/") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(data), `"interactions"`) {
			return err
		}
		scanned++
		assert.Empty(t, credentialFindings(t, data), "cassette %s", p)
		return nil
	})
	require.NoError(t, err)
	assert.Positive(t, scanned, "no cassette found under %s", root)

	planted := `{"version": 1, "interactions": [{"request": {"method": "GET", "path": "/v1/x",
		"header": {"X-Sdk-Date": ["20250602T083000Z"]}},
		"response": {"status": 200, "body": {"note": "key HPUAXRCVD6T2NLUTEIGG", "sk": "Zq1AOkAycUfeBqWNtvXbnQOZ2t0nMEcHa5W6xT8R",
		"auth": "SDK-HMAC-SHA256 Access=HPUAXRCVD6T2NLUTEIGG"}}}]}`
	found := credentialFindings(t, []byte(planted))
	assert.Len(t, found, 5, "%q", found)
}
