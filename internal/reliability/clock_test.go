package reliability

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// sdkDateLayout is the layout of X-Sdk-Date.
const sdkDateLayout = "20060102T150405Z"

// firstGet returns the service's first GET operation with a JSON reply.
func firstGet(t *testing.T, ops []operation) operation {
	t.Helper()
	for _, op := range ops {
		if op.kind == kindGet {
			return op
		}
	}
	require.FailNow(t, "no GET operation")
	return operation{}
}

// TestLongRetryAfterIsResigned makes each service's GET wait out a 20-minute
// Retry-After on a fake clock shared by client and fake: the retry carries an
// X-Sdk-Date 20 minutes after the first attempt's, which the fake (15 minutes of skew
// allowed) accepts.
func TestLongRetryAfterIsResigned(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, svc, envOptions{fakeClock: true, tweak: func(cfg *core.Config) {
				cfg.Retry.MaxRetryAfter = 30 * time.Minute
			}})
			op := firstGet(t, env.ops)
			inj, err := env.srv.InjectFault(fake.Fault{Route: op.route, Times: 1,
				Status: http.StatusTooManyRequests, RetryAfter: "1200"})
			require.NoError(t, err)
			start := env.clock.Now()

			got, err := op.call(context.Background())
			require.NoError(t, err)
			assert.Equal(t, op.want, got)
			assert.Equal(t, 2, env.srv.Requests(op.route))
			assert.Equal(t, 1, inj.Hits())
			assert.Equal(t, []time.Duration{20 * time.Minute}, env.clock.Sleeps())
			assert.Equal(t, start.Add(20*time.Minute), env.clock.Now())

			sent := env.rec.Sent()
			require.Len(t, sent, 2)
			var dates [2]time.Time
			for i, s := range sent {
				dates[i], err = time.Parse(sdkDateLayout, s.header.Get("X-Sdk-Date"))
				require.NoError(t, err, "X-Sdk-Date of attempt %d", i+1)
			}
			assert.Equal(t, 20*time.Minute, dates[1].Sub(dates[0]), "X-Sdk-Date of the retry after the first")
			assert.NotEqual(t, sent[0].header.Get("Authorization"), sent[1].header.Get("Authorization"),
				"the retry is signed afresh")
		})
	}
}

// TestStaleSignatureRefused proves the contrary: a request signed at T is refused by
// a fake whose clock reads T+16min (401 APIG.0301, not retried), and accepted at
// T+14min; the signature sent at T also fails signer.Verify at T+16min.
func TestStaleSignatureRefused(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				skew time.Duration
				ok   bool
			}{{14 * time.Minute, true}, {16 * time.Minute, false}} {
				t.Run(tc.skew.String(), func(t *testing.T) {
					t.Parallel()
					signedAt := time.Now().UTC().Truncate(time.Second)
					clientClock := fakeclock.New(signedAt)
					env := newEnv(t, svc, envOptions{fakeClock: true, tweak: func(cfg *core.Config) {
						cfg.Clock = clientClock
					}})
					// The fake's seeding is done: move its clock ahead of the client's.
					env.clock.Set(signedAt.Add(tc.skew))
					op := firstGet(t, env.ops)

					_, err := op.call(context.Background())
					if tc.ok {
						require.NoError(t, err)
						return
					}
					var ae *core.APIError
					require.ErrorAs(t, err, &ae)
					assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
					assert.Equal(t, fake.CodeBadSignature, ae.Code)
					assert.Equal(t, 1, ae.Attempts)
					assert.Contains(t, ae.Message, "behind")
					assert.Equal(t, 1, env.srv.Requests(op.route))

					sent := env.rec.Sent()
					require.Len(t, sent, 1)
					assert.Equal(t, signedAt.Format(sdkDateLayout), sent[0].header.Get("X-Sdk-Date"))
					req, err := http.NewRequest(sent[0].method, sent[0].url, nil)
					require.NoError(t, err)
					req.Header = sent[0].header
					creds := env.cfg.Credentials
					require.NoError(t, signer.Verify(req, nil, creds, signedAt.Add(14*time.Minute), 0))
					assert.ErrorIs(t, signer.Verify(req, nil, creds, signedAt.Add(tc.skew), 0), signer.ErrDateSkew)
				})
			}
		})
	}
}
