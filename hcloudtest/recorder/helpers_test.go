package recorder_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder"
)

// recordStart is when the fakes' clocks start in every recording.
var recordStart = time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC)

// fromFake returns a WithRecordConfig option recording against a fake server's Config,
// with a region set as config.Load would.
func fromFake(cfg css.Config) recorder.Option {
	return recorder.WithRecordConfig(func(context.Context) (css.Config, error) {
		cfg.Region = "ap-southeast-1"
		return cfg, nil
	})
}

// recordThenReplay runs workflow in a subtest that records the cassette at path with
// record, then in a subtest that replays it, and returns both results.
func recordThenReplay[R any](t *testing.T, path string, record recorder.Option, workflow func(t testing.TB, cfg css.Config) R,
	between func(), opts ...recorder.Option) (recorded, replayed R) {
	t.Helper()
	require.True(t, t.Run("record", func(t *testing.T) {
		cfg := recorder.Config(t, path, append([]recorder.Option{recorder.WithMode(recorder.Record), record}, opts...)...)
		recorded = workflow(t, cfg)
	}), "the record run failed")
	require.FileExists(t, path)
	between()
	require.True(t, t.Run("replay", func(t *testing.T) {
		cfg := recorder.Config(t, path, append([]recorder.Option{recorder.WithMode(recorder.Replay), recorder.WithFailOnUnused()}, opts...)...)
		replayed = workflow(t, cfg)
	}), "the replay run failed")
	return recorded, replayed
}

// fakeT is a testing.TB that captures failures, logs and cleanups instead of acting on
// the real test, which it embeds for everything else (Name, Context, Helper...).
type fakeT struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	fatal    string
	logs     []string
	failed   bool
	cleanups []func()
}

func newFakeT(t *testing.T) *fakeT { return &fakeT{TB: t} }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
	f.failed = true
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.failed = true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) Log(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprint(args...))
}

func (f *fakeT) Logf(format string, args ...any) { f.Log(fmt.Sprintf(format, args...)) }

func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// run calls fn in a goroutine of its own, as the testing package runs a test, so that
// Fatalf can end it, then runs the cleanups, last registered first.
func (f *fakeT) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// Credential-shaped strings: an access key (20 upper-case letters and digits), a secret
// key (40 letters and digits), and the traces of a signature.
var (
	accessKeyShape = regexp.MustCompile(`(^|[^A-Za-z0-9])[A-Z0-9]{20}([^A-Za-z0-9]|$)`)
	secretKeyShape = regexp.MustCompile(`(^|[^A-Za-z0-9])[A-Za-z0-9]{40}([^A-Za-z0-9]|$)`)
	signatureShape = regexp.MustCompile(`(?i)SDK-HMAC-SHA256|Signature=|Access=|SignedHeaders=`)
	secretHeaders  = regexp.MustCompile(`(?i)"(Authorization|X-Sdk-Date|X-Security-Token|X-Auth-Token)"`)
)

// credentialFindings returns what looks like a credential in the cassette data: in any
// string of the JSON document (base64 bodies decoded) and in header names; also any of
// the known secrets.
func credentialFindings(t testing.TB, data []byte, known ...string) []string {
	t.Helper()
	var found []string
	if m := secretHeaders.Find(data); m != nil {
		found = append(found, "secret header "+string(m))
	}
	for _, k := range known {
		if k != "" && strings.Contains(string(data), k) {
			found = append(found, "known secret "+k[:4]+"...")
		}
	}
	var doc any
	require.NoError(t, json.Unmarshal(data, &doc))
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(key, c)
			}
		case string:
			s := x
			if key == "body_base64" {
				b, err := base64.StdEncoding.DecodeString(x)
				require.NoError(t, err)
				s = string(b)
			}
			for _, re := range []*regexp.Regexp{accessKeyShape, secretKeyShape, signatureShape} {
				if m := re.FindString(s); m != "" {
					found = append(found, fmt.Sprintf("%q in %s", strings.TrimSpace(m), key))
				}
			}
		}
	}
	walk("", doc)
	return found
}

// assertNoSecrets checks the cassette at path for credentials, the known ones included.
func assertNoSecrets(t testing.TB, path string, known ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, credentialFindings(t, data, known...), "cassette %s", path)
}

// readFile returns the content of the file at path.
func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
