// Package hcloudtest holds what the fake servers of the four services share: Fault, a
// misbehaviour a test injects into a fake with its InjectFault method; Injected, the
// handle InjectFault returns; ResetMode and its constants; the limits MinOversize and
// MaxRequestBody; and the error codes of the replies the fakes' API Gateway makes
// itself (unknown route, bad signature or token, another project).
//
// The fakes live next to their service packages: css/csstest, hss/hsstest, dws/dwstest
// and baremetal/baremetaltest. Each re-exports every name of this package as an alias
// (csstest.Fault is hcloudtest.Fault, csstest.CodeBadSignature is
// hcloudtest.CodeBadSignature), so a test that uses one fake need not import this
// package. The other test helpers are package hcloudtest/recorder, which records a
// test's traffic with the cloud once and replays it offline from then on, and package
// hcloudtest/fakeclock, a manual clock to share between a client and a fake.
//
// Every fake answers a request in these steps, in order:
//
//  1. An X-Request-Id header (32 random hex digits) is set on the reply.
//  2. A request that matches none of the fake's Route constants (unknown path, wrong
//     method, or a path not in canonical form) answers 404 CodeAPINotFound. A request
//     that matches one is counted by the fake's Requests method.
//  3. A body longer than MaxRequestBody answers 413 CodeBadRequestBody.
//  4. Authentication: with the fake's WithAuthToken option, X-Auth-Token must equal
//     the token, else 401 CodeBadToken; otherwise the SDK-HMAC-SHA256 signature must
//     be valid for the fake's Credentials and clock, else 401 CodeBadSignature.
//  5. The project in the path, and the X-Project-Id header when present, must be the
//     fake's ProjectID, else 403 CodeForbidden.
//  6. Faults: the first injected fault that matches the request acts (see Fault).
//  7. The fake serves the request as the service would.
package hcloudtest
