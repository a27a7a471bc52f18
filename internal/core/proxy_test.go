package core

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxyChildEnv makes the test binary run proxyChild instead of the tests: Go reads
// the proxy variables once per process, so the proxy test runs in a fresh one.
const proxyChildEnv = "HCLOUDLOGS_TEST_PROXY_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(proxyChildEnv) == "1" {
		os.Exit(proxyChild())
	}
	os.Exit(m.Run())
}

// proxyChild sends one call through a client with the default transport and reports
// what the default transport's Proxy function says for a proxied and an exempt host.
func proxyChild() int {
	c, err := NewClient(ServiceCSS, Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds,
		Retry: RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		fmt.Println("NewClient:", err)
		return 1
	}
	_, err = c.Do(context.Background(), &listCall, nil)
	fmt.Printf("call error: %v\n", err)
	tr, ok := defaultTransport().(*http.Transport)
	if !ok {
		fmt.Println("the default transport is not an *http.Transport")
		return 1
	}
	for _, target := range []string{"https://css.ap-southeast-1.myhuaweicloud.com/x", "https://hss.ap-southeast-1.myhuaweicloud.com/x"} {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		proxy, err := tr.Proxy(req)
		fmt.Printf("proxy for %s: %v (error %v)\n", req.URL.Host, proxy, err)
	}
	return 0
}

func TestDefaultTransportHonoursProxyEnvironment(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var connects []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		connects = append(connects, r.Method+" "+r.Host)
		mu.Unlock()
		http.Error(w, "proxy says no", http.StatusForbidden)
	}))
	defer proxy.Close()

	var childEnv []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "REQUEST_METHOD", "GORACE", proxyChildEnv:
			continue
		}
		childEnv = append(childEnv, kv)
	}
	// GORACE: a race-enabled child would otherwise sleep a second before exiting.
	childEnv = append(childEnv, "GORACE=atexit_sleep_ms=0", proxyChildEnv+"=1", "HTTPS_PROXY="+proxy.URL, "HTTP_PROXY="+proxy.URL,
		"NO_PROXY=hss.ap-southeast-1.myhuaweicloud.com,localhost")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = childEnv
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child output:\n%s", out)
	output := string(out)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"CONNECT css.ap-southeast-1.myhuaweicloud.com:443"}, connects,
		"the call went to the proxy from HTTPS_PROXY, never to the real host")
	assert.Contains(t, output, "call error: css: ListLogBackups: ")
	assert.Contains(t, output, "Forbidden")
	assert.Contains(t, output, "proxy for css.ap-southeast-1.myhuaweicloud.com: "+proxy.URL+" (error <nil>)")
	assert.Contains(t, output, "proxy for hss.ap-southeast-1.myhuaweicloud.com: <nil> (error <nil>)", "NO_PROXY exempts the host")
}
