package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// projectCache holds the project IDs looked up through IAM, per IAM endpoint, region
// and access key. Concurrent first lookups of one key share one IAM request; a failed
// lookup is not kept, so the next call tries again.
type projectCache struct {
	mu      sync.Mutex
	entries map[projectKey]*projectLookup
	waiting int
}

type projectKey struct{ iam, region, identity string }

// projectLookup is one IAM lookup; id and err are set before done is closed.
type projectLookup struct {
	done chan struct{}
	id   string
	err  error
}

func newProjectCache() *projectCache {
	return &projectCache{entries: map[projectKey]*projectLookup{}}
}

// waitingCount returns how many callers wait for a lookup in flight, for tests.
func (c *projectCache) waitingCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiting
}

// get returns the project ID of key, running lookup once for concurrent callers.
func (c *projectCache) get(ctx context.Context, key projectKey, lookup func(context.Context) (string, error)) (string, error) {
	for {
		c.mu.Lock()
		e := c.entries[key]
		if e == nil {
			e = &projectLookup{done: make(chan struct{})}
			c.entries[key] = e
			c.mu.Unlock()
			id, err := lookup(ctx)
			c.mu.Lock()
			e.id, e.err = id, err
			if err != nil {
				delete(c.entries, key)
			}
			c.mu.Unlock()
			close(e.done)
			return id, err
		}
		c.waiting++
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
		}
		c.mu.Lock()
		c.waiting--
		c.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if e.err != nil && (errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) {
			// The caller that led the lookup gave up; this one has time left.
			continue
		}
		return e.id, e.err
	}
}

// projectResolver finds the project ID of a client whose Config has none.
type projectResolver struct {
	region   string
	iamURL   string
	iam      *Client
	cache    *projectCache
	identity func(ctx context.Context) (string, error)
	logger   *slog.Logger
}

// newProjectResolver builds the IAM pipeline for cfg, which has a Region and no
// ProjectID. The IAM client shares cfg's base transport, credentials and retry policy.
func newProjectResolver(cfg *Config, base http.RoundTripper) (*projectResolver, error) {
	iamURL := strings.TrimRight(iamEndpoint(cfg), "/")
	u, err := url.Parse(iamURL)
	if err != nil {
		return nil, err
	}
	cache := newProjectCache()
	r := &projectResolver{
		region: cfg.Region,
		iamURL: iamURL,
		iam:    buildClient("iam", cfg, []*url.URL{u}, base, staticProject("")),
		cache:  cache,
		logger: cfg.Logger,
	}
	switch {
	case cfg.CredentialsProvider != nil && cfg.AuthToken == "" && cfg.AuthTokenProvider == nil:
		p := cfg.CredentialsProvider
		r.identity = func(ctx context.Context) (string, error) {
			c, err := p.Retrieve(ctx)
			if err != nil {
				return "", fmt.Errorf("credentials: %w", err)
			}
			return c.AccessKey, nil
		}
	default:
		ak := cfg.Credentials.AccessKey
		r.identity = func(context.Context) (string, error) { return ak, nil }
	}
	return r, nil
}

// projectID returns the cached project ID, looking it up on first use.
func (r *projectResolver) projectID(ctx context.Context) (string, error) {
	id, err := r.identity(ctx)
	if err != nil {
		return "", err
	}
	return r.cache.get(ctx, projectKey{iam: r.iamURL, region: r.region, identity: id}, r.lookup)
}

// iamProjects is the reply of IAM KeystoneListProjects.
type iamProjects struct {
	Projects []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"projects"`
}

// lookup asks IAM for the project named after the region.
func (r *projectResolver) lookup(ctx context.Context) (string, error) {
	var out iamProjects
	_, err := r.iam.Do(ctx, &Call{Op: "KeystoneListProjects", Method: http.MethodGet, Path: "/v3/projects",
		Query: url.Values{"name": {r.region}}}, &out)
	if err != nil {
		return "", err
	}
	var ids []string
	for _, p := range out.Projects {
		if p.Name == r.region {
			ids = append(ids, p.ID)
		}
	}
	switch {
	case len(ids) == 0:
		return "", fmt.Errorf("IAM %s lists no project named %q; set ProjectID (HUAWEICLOUD_SDK_PROJECT_ID)", r.iamURL, r.region)
	case len(ids) > 1:
		return "", fmt.Errorf("IAM %s lists %d projects named %q (%s); set ProjectID (HUAWEICLOUD_SDK_PROJECT_ID) to the one to use",
			r.iamURL, len(ids), r.region, strings.Join(ids, ", "))
	case ids[0] == "" || strings.ContainsAny(ids[0], "/?#% \t\r\n"):
		return "", fmt.Errorf("IAM %s returned the invalid project ID %q for %q", r.iamURL, ids[0], r.region)
	}
	if r.logger != nil {
		r.logger.LogAttrs(ctx, slog.LevelDebug, "hcloudlogs: discovered the project ID",
			slog.String("region", r.region), slog.String("project_id", ids[0]), slog.String("iam", r.iamURL))
	}
	return ids[0], nil
}

// staticProject is the project source of a Config with a ProjectID (or, empty, of the
// IAM client, which sends none).
type staticProject string

func (p staticProject) projectID(context.Context) (string, error) { return string(p), nil }

// projectSource yields the project ID for a call.
type projectSource interface {
	projectID(ctx context.Context) (string, error)
}
