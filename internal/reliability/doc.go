// Package reliability holds the cross-service reliability and security tests of
// issue 5: every service client against its fake under injected faults (error
// statuses, resets, slow, truncated, malformed, mistyped, oversized and redirected
// replies), many goroutines sharing one client, long Retry-After waits on a fake
// clock, secrets kept out of logs, errors and printed values, HTTPS and TLS
// verification, path parameters that stay in their segment, and size-capped bodies.
//
// The package has no code of its own: only tests, which run with
// go test -race ./internal/reliability/ and end with a goroutine leak check.
package reliability
