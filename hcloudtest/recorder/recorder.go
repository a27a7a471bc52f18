// Package recorder records what Huawei Cloud answers to a test once and replays it
// afterwards, so that tests of code built on the css, hss, dws and baremetal clients run
// offline, fast and the same every time: unit tests with recorded fixtures.
//
//	func TestNightlyBackup(t *testing.T) {
//		cfg := recorder.Config(t, "testdata/nightly_backup.json")
//		client, err := css.New(cfg)
//		if err != nil {
//			t.Fatal(err)
//		}
//		// ... the code under test, with client ...
//	}
//
// One Config serves clients of all four services in one test. Each test has its own
// cassette, a JSON file; tests running in parallel with their own cassettes are safe.
//
// # Replay
//
// Replay is the default. Every request is answered from the cassette and nothing goes
// to the network. Only the wire is replaced: validation, signing, retries, decoding,
// waiters and downloads run as in production. The Config has fixed fake credentials,
// the project ID ProjectIDPlaceholder, the region of the recording and a manual clock
// (package fakeclock) that starts at the time the recording started, so waiters,
// backoff and Retry-After waits never sleep and the client sees recording-era times: a
// BackupLogs that took three minutes to record replays in milliseconds.
//
// A request matches a recorded one when the method, the path, the query (parameter
// order aside) and the body (for JSON: key order and white space aside) are the same.
// Identical requests, such as a waiter's polls, are answered in recorded order. A
// request that matches none fails the test: the client gets an error, and the test an
// error, naming the nearest recorded request with a diff and the command that
// re-records the cassette. A missing cassette fails the test with the command that
// records it. Interactions recorded but never requested are logged when the test ends;
// WithFailOnUnused makes them fail it.
//
// # Record
//
// Set the environment variable HCLOUDLOGS_RECORD=1 (EnvRecord) to record:
//
//	HCLOUDLOGS_RECORD=1 go test -run '^TestNightlyBackup$' .
//
// The test then runs against the cloud, with the configuration config.Load reads
// (credentials, region, project ID, endpoints), and the cassette is written when the
// test ends, only if it passed. The recording sits under the signer, as the base
// transport of Config.HTTPClient, so it sees each request as sent.
//
// Secrets never reach a cassette: Authorization, X-Sdk-Date, X-Security-Token,
// X-Auth-Token, cookies and the User-Agent are not written; the access key, secret key
// and tokens are replaced by REDACTED wherever else they appear; IAM project look-ups
// and instance metadata traffic are not recorded at all. The project ID (and a domain
// ID sent as X-Domain-Id) become ProjectIDPlaceholder (DomainIDPlaceholder), which
// replay maps back to the project of the replaying Config, so a cassette works with any
// project. WithRedactBodyFields, WithRedactHeaders and WithRedactQuery hide more; they
// are applied the same way when recording and when matching, so a redacted value still
// matches.
//
// # Cassettes
//
// A cassette is pretty-printed JSON with a stable key order, versioned (CassetteVersion;
// other versions are refused). JSON bodies are written as JSON values with sorted keys,
// other text as a string, and binary bodies (a log archive) in base64 up to a size cap
// (DefaultMaxBinaryBody, WithMaxBinaryBody); a larger one is not written: the cassette
// notes its length, and replay serves a deterministic stand-in of that length with the
// recorded Content-Type.
//
// # Why a plain RoundTripper rather than httpmock
//
// The replay is an http.RoundTripper of its own, set as the Transport of
// Config.HTTPClient, rather than an httpmock responder table. Recording needs a
// RoundTripper under the signer anyway; matching needs the canonical body and the
// recorded order of identical requests; and a failed match needs every recorded request
// at hand to find the nearest one and show the diff. httpmock's registry is keyed by
// method and URL and its unmatched-request hook sees no candidates, so all of that would
// be built beside it; a RoundTripper per Config also keeps no global state, which
// parallel tests need.
package recorder

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// EnvRecord is the environment variable that switches recording on: a true value for
// strconv.ParseBool ("1", "true") records, a false one or none replays.
const EnvRecord = "HCLOUDLOGS_RECORD"

// DefaultMaxBinaryBody is the largest binary body a cassette keeps when
// WithMaxBinaryBody is not given: 1 MiB.
const DefaultMaxBinaryBody = 1 << 20

// Placeholders written into cassettes instead of the identifiers of the recording
// account. Replay maps them back to the identifiers the replaying client sends.
const (
	// ProjectIDPlaceholder stands for the project ID, and is the ProjectID of a replay
	// Config.
	ProjectIDPlaceholder = "PROJECT_ID"
	// DomainIDPlaceholder stands for the domain (account) ID sent as X-Domain-Id.
	DomainIDPlaceholder = "DOMAIN_ID"
)

// Redacted is the value written in place of every secret and of every value a
// redaction option hides.
const Redacted = "REDACTED"

// Mode says whether a Recorder records or replays.
type Mode int

// The modes. The zero Mode, as with no WithMode option, means: read EnvRecord.
const (
	// Replay answers every request from the cassette and never touches the network.
	Replay Mode = iota + 1
	// Record sends the requests to the cloud and writes the cassette when the test
	// passes.
	Record
)

// String returns "replay" or "record".
func (m Mode) String() string {
	switch m {
	case Replay:
		return "replay"
	case Record:
		return "record"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Option adjusts a Recorder.
type Option func(*options)

type options struct {
	mode         Mode
	recordConfig func(ctx context.Context) (hcloud.Config, error)
	bodyFields   [][]string
	headers      []string
	query        []string
	maxBinary    int64
	failUnused   bool
}

// WithMode sets the mode instead of reading EnvRecord.
func WithMode(m Mode) Option { return func(o *options) { o.mode = m } }

// WithRecordConfig makes Record mode send the requests with the Config load returns
// instead of the one config.Load reads from the environment; load is called once, with
// the test's context. It suits recording against a fake server (csstest and the
// others) or an account set up in the test.
func WithRecordConfig(load func(ctx context.Context) (hcloud.Config, error)) Option {
	return func(o *options) { o.recordConfig = load }
}

// WithRedactBodyFields replaces the values of JSON body fields by Redacted in recorded
// requests and responses, and in requests before they are matched. A path names a field
// by its keys from the top-level object, separated by dots ("log_bucket",
// "records.logPath"); arrays on the way apply it to each of their elements.
func WithRedactBodyFields(paths ...string) Option {
	return func(o *options) {
		for _, p := range paths {
			o.bodyFields = append(o.bodyFields, strings.Split(p, "."))
		}
	}
}

// WithRedactHeaders replaces the values of the named request and response headers by
// Redacted in the cassette. Headers are never matched, so replay is unaffected.
func WithRedactHeaders(names ...string) Option {
	return func(o *options) {
		for _, n := range names {
			o.headers = append(o.headers, http.CanonicalHeaderKey(n))
		}
	}
}

// WithRedactQuery replaces the values of the named query parameters by Redacted in
// recorded requests, and in requests before they are matched.
func WithRedactQuery(names ...string) Option {
	return func(o *options) { o.query = append(o.query, names...) }
}

// WithMaxBinaryBody sets the largest binary body (neither JSON nor text) a cassette
// keeps, in bytes; a larger one is replaced by a stand-in of the same length when
// replayed. Zero or negative keeps none.
func WithMaxBinaryBody(n int64) Option { return func(o *options) { o.maxBinary = max(n, 0) } }

// WithFailOnUnused makes interactions that were recorded but never requested fail the
// test (Finish returns an error) instead of being logged.
func WithFailOnUnused() Option { return func(o *options) { o.failUnused = true } }

// Config returns the Config for the test t to build its clients with, recording or
// replaying the cassette at path (relative to the test's package directory), and
// registers with t.Cleanup what ends the recording: writing the cassette in Record
// mode if t passed, reporting unused interactions in Replay mode. It stops t with
// t.Fatalf when the cassette cannot be read, or the record configuration loaded. A
// request that matches no interaction fails t with t.Errorf, from whatever goroutine
// sent it.
func Config(t testing.TB, path string, opts ...Option) hcloud.Config {
	t.Helper()
	r, err := newRecorder(t.Context(), path, runHint(t.Name()), func(err error) { t.Errorf("%v", err) }, opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		passed := !t.Failed()
		notes, err := r.finish(passed)
		for _, n := range notes {
			t.Log(n)
		}
		if err != nil {
			t.Errorf("%v", err)
		}
	})
	return r.cfg
}

// Recorder records or replays one cassette. Config wraps it for tests; use it directly
// where there is no testing.TB (an example, another test framework). Its Config may be
// used from many goroutines.
type Recorder struct {
	path   string
	hint   string // the command that records the cassette
	mode   Mode
	opts   options
	cfg    hcloud.Config
	report func(error) // called with each failed match; nil collects them for Finish

	play *player   // Replay mode
	rec  *recorder // Record mode
}

// New returns a Recorder of the cassette at path, in the mode of WithMode or EnvRecord.
// In Replay mode it reads the cassette; in Record mode it loads the configuration to
// record with (config.Load, or WithRecordConfig's function) using ctx. Call Finish when
// the code under test is done.
func New(ctx context.Context, path string, opts ...Option) (*Recorder, error) {
	return newRecorder(ctx, path, "go test -run <the test's name>", nil, opts)
}

// newRecorder is New with the command that re-runs the test and the failure reporter.
func newRecorder(ctx context.Context, path, test string, report func(error), opts []Option) (*Recorder, error) {
	o := options{maxBinary: DefaultMaxBinaryBody}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	r := &Recorder{path: path, opts: o, mode: o.mode, report: report,
		hint: EnvRecord + "=1 " + test}
	if r.mode == 0 {
		m, err := modeFromEnv()
		if err != nil {
			return nil, err
		}
		r.mode = m
	}
	switch r.mode {
	case Replay:
		return r, r.startReplay()
	case Record:
		return r, r.startRecord(ctx)
	}
	return nil, fmt.Errorf("recorder: unknown mode %d", int(r.mode))
}

// modeFromEnv reads EnvRecord.
func modeFromEnv() (Mode, error) {
	v, ok := os.LookupEnv(EnvRecord)
	if !ok || v == "" {
		return Replay, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return 0, fmt.Errorf("recorder: %s=%q is not a boolean: set it to 1 to record, 0 to replay", EnvRecord, v)
	}
	if on {
		return Record, nil
	}
	return Replay, nil
}

// runHint returns the go test command that runs only the test named name.
func runHint(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return "go test -run '" + strings.Join(parts, "/") + "' ."
}

// Config returns the Config to build clients with: in Replay mode one answered from the
// cassette, in Record mode the loaded one with the recording transport.
func (r *Recorder) Config() hcloud.Config { return r.cfg }

// Mode returns the mode the Recorder runs in.
func (r *Recorder) Mode() Mode { return r.mode }

// Finish ends the recording. In Record mode it writes the cassette if passed is true
// and leaves any existing file alone otherwise. In Replay mode it returns an error for
// the requests that matched nothing and, with WithFailOnUnused, for the interactions
// never requested.
func (r *Recorder) Finish(passed bool) error {
	_, err := r.finish(passed)
	return err
}

// finish is Finish, also returning notes for the test log.
func (r *Recorder) finish(passed bool) ([]string, error) {
	if r.mode == Record {
		if !passed {
			return []string{fmt.Sprintf("recorder: the test failed, so cassette %s was not written", r.path)}, nil
		}
		return nil, r.rec.save(r.path)
	}
	unused, mismatches := r.play.results()
	var errs []error
	if r.report == nil {
		errs = append(errs, mismatches...)
	}
	var notes []string
	if len(unused) > 0 {
		msg := fmt.Sprintf("recorder: %d interaction(s) of cassette %s were recorded but never requested:\n  %s",
			len(unused), r.path, strings.Join(unused, "\n  "))
		if r.opts.failUnused {
			errs = append(errs, errors.New(msg))
		} else {
			notes = append(notes, msg)
		}
	}
	return notes, errors.Join(errs...)
}
