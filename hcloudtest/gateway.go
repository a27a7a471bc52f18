package hcloudtest

// MaxRequestBody is the largest request body a fake accepts, in bytes (1 MiB); a
// longer one answers 413 CodeBadRequestBody.
const MaxRequestBody = 1 << 20

// Error codes of the replies the fakes' API Gateway makes itself, before a request
// reaches the service, as the real API Gateway answers them; and the default code of an
// injected fault.
const (
	// CodeAPINotFound (404) answers a request that matches none of the fake's routes:
	// an unknown path, a wrong method, or a path not in canonical form.
	CodeAPINotFound = "APIG.0101"
	// CodeBadRequestBody answers a request whose body the gateway refuses to pass on:
	// 413 for a body longer than MaxRequestBody, 400 for a body that cannot be read.
	CodeBadRequestBody = "APIG.0201"
	// CodeBadSignature (401) answers a missing or invalid AK/SK signature.
	CodeBadSignature = "APIG.0301"
	// CodeForbidden (403) answers a request for another project than the fake's
	// ProjectID: API Gateway's "The IAM user is not authorized to access the API".
	CodeForbidden = "APIG.0302"
	// CodeBadToken (401) answers a missing or wrong X-Auth-Token when the fake was
	// started with WithAuthToken.
	CodeBadToken = "APIG.0307"
	// CodeFault is the error code of an injected Status fault whose Code is empty, and
	// of the replies that report a malfunction of the fake itself.
	CodeFault = "FAKE.FAULT"
)
