// Package signer signs and verifies Huawei Cloud API requests with SDK-HMAC-SHA256, the
// AK/SK signature of the official Huawei Cloud Go SDK (huaweicloud-sdk-go-v3 v0.1.207),
// quirks included.
//
// Sign signs one request in place, Transport signs every request an http.Client sends,
// and Verify checks a signature as a server would (for fakes and tests).
//
// The canonical request is "Method\nURI\nQuery\nHeaders\n\nSignedHeaders\nPayloadHash".
// URI is the decoded path with every byte but A-Z a-z 0-9 - _ . ~ and '/'
// percent-encoded, and a '/' appended unless it ends with one. Query is sorted by
// decoded key and value before each is encoded the same way; a bare key signs as "k=".
// Headers are all request headers, lower-cased and sorted, except those whose names
// start with "content-type" or contain '_', with their values trimmed. PayloadHash is
// the hex SHA-256 of the body, or UNSIGNED-PAYLOAD for a non-JSON Content-Type. The
// signature is hex(HMAC-SHA256(SK, "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" +
// hex(SHA-256(canonical request)))); no key is derived from the date or region.
//
// Signing allocates only the header values it sets: the canonical request is built in
// pooled buffers and the HMAC is computed without hmac.New.
package signer
