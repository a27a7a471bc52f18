package signer

import "errors"

// Errors returned by this package. Each is wrapped with the detail of the case, so test
// for them with errors.Is. No error of this package contains a secret key, a security
// token or an expected signature.
var (
	// ErrInvalidCredentials means the credentials lack an access key or a secret key.
	ErrInvalidCredentials = errors.New("signer: invalid credentials")
	// ErrInvalidRequest means the request cannot be signed or verified at all: it is
	// nil, has no URL, has a malformed query, or would give an oversized canonical request.
	ErrInvalidRequest = errors.New("signer: invalid request")
	// ErrBodyNotReplayable means Transport got a request body it could not read
	// without consuming the caller's copy, because the request has no GetBody.
	ErrBodyNotReplayable = errors.New("signer: request body is not replayable")

	// ErrMissingAuthorization means the request carries no Authorization header.
	ErrMissingAuthorization = errors.New("signer: missing Authorization header")
	// ErrMalformedAuthorization means the Authorization header does not have the form
	// "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...".
	ErrMalformedAuthorization = errors.New("signer: malformed Authorization header")
	// ErrUnsupportedAlgorithm means the Authorization header names an algorithm other
	// than SDK-HMAC-SHA256.
	ErrUnsupportedAlgorithm = errors.New("signer: unsupported signing algorithm")
	// ErrAccessKeyMismatch means the request was signed with another access key.
	ErrAccessKeyMismatch = errors.New("signer: access key mismatch")
	// ErrMissingDate means the request carries no X-Sdk-Date header.
	ErrMissingDate = errors.New("signer: missing X-Sdk-Date header")
	// ErrInvalidDate means X-Sdk-Date is not of the form 20060102T150405Z.
	ErrInvalidDate = errors.New("signer: invalid X-Sdk-Date header")
	// ErrDateSkew means X-Sdk-Date is further from the verifier's clock than allowed.
	ErrDateSkew = errors.New("signer: X-Sdk-Date outside the allowed clock skew")
	// ErrDateNotSigned means SignedHeaders does not list x-sdk-date.
	ErrDateNotSigned = errors.New("signer: x-sdk-date is not signed")
	// ErrMissingSignedHeader means SignedHeaders lists a header the request lacks.
	ErrMissingSignedHeader = errors.New("signer: signed header missing from request")
	// ErrUnsignedHeader means the request carries X-Project-Id, X-Security-Token or
	// X-Sdk-Content-Sha256 without signing it.
	ErrUnsignedHeader = errors.New("signer: security-relevant header is not signed")
	// ErrPayloadHashMismatch means X-Sdk-Content-Sha256 is neither UNSIGNED-PAYLOAD nor
	// the SHA-256 of the body.
	ErrPayloadHashMismatch = errors.New("signer: X-Sdk-Content-Sha256 does not match the body")
	// ErrSignatureMismatch means the signature does not match the request.
	ErrSignatureMismatch = errors.New("signer: signature mismatch")
)
