package signer

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Environment variables read by CredentialsFromEnv.
const (
	envAK            = "HUAWEICLOUD_SDK_AK"
	envSK            = "HUAWEICLOUD_SDK_SK"
	envSecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	envFallbackAK    = "CLOUD_SDK_AK"
	envFallbackSK    = "CLOUD_SDK_SK"
)

// Credentials are the access key (AK), secret key (SK) and, for temporary credentials,
// the security token that sign requests.
//
// Printing Credentials with any fmt verb never shows SecretKey or SecurityToken, only
// whether they are set, and shows just the first 4 characters of AccessKey. This holds
// for a Credentials value, a pointer to one, an exported field of type Credentials and
// an embedded Credentials; it cannot hold for an unexported field, which fmt prints
// without calling methods.
type Credentials struct {
	// AccessKey is the AK, sent in clear in every Authorization header.
	AccessKey string
	// SecretKey is the SK, the HMAC key. It never leaves the process.
	SecretKey string
	// SecurityToken is the token of temporary credentials, sent and signed as
	// X-Security-Token. Empty for permanent credentials.
	SecurityToken string
}

// Validate reports whether c can sign: it returns an error wrapping
// ErrInvalidCredentials that names the empty field(s) when AccessKey or SecretKey is
// empty.
func (c Credentials) Validate() error {
	switch {
	case c.AccessKey == "" && c.SecretKey == "":
		return fmt.Errorf("%w: AccessKey and SecretKey are empty", ErrInvalidCredentials)
	case c.AccessKey == "":
		return fmt.Errorf("%w: AccessKey is empty", ErrInvalidCredentials)
	case c.SecretKey == "":
		return fmt.Errorf("%w: SecretKey is empty", ErrInvalidCredentials)
	}
	return nil
}

// String returns c with the secrets redacted, e.g.
// "{AccessKey:HPUA****, SecretKey:<redacted>, SecurityToken:<empty>}".
func (c Credentials) String() string {
	return "{AccessKey:" + maskAccessKey(c.AccessKey) +
		", SecretKey:" + redact(c.SecretKey) +
		", SecurityToken:" + redact(c.SecurityToken) + "}"
}

// GoString returns c as a Go literal with the secrets redacted, for %#v.
func (c Credentials) GoString() string {
	return "signer.Credentials{AccessKey:" + strconv.Quote(maskAccessKey(c.AccessKey)) +
		", SecretKey:" + strconv.Quote(redact(c.SecretKey)) +
		", SecurityToken:" + strconv.Quote(redact(c.SecurityToken)) + "}"
}

// Format implements fmt.Formatter so that every verb prints the redacted form: %v, %+v
// and %s print String, %#v prints GoString, %q prints String quoted. Other verbs print
// an error marker around String.
func (c Credentials) Format(f fmt.State, verb rune) {
	var s string
	switch {
	case verb == 'v' && f.Flag('#'):
		s = c.GoString()
	case verb == 'v' || verb == 's':
		s = c.String()
	case verb == 'q':
		s = strconv.Quote(c.String())
	default:
		s = "%!" + string(verb) + "(signer.Credentials=" + c.String() + ")"
	}
	_, _ = f.Write([]byte(s))
}

// maskAccessKey keeps the first 4 characters of an access key and masks the rest with
// a fixed-length mask that hides the key's length.
func maskAccessKey(ak string) string {
	if ak == "" {
		return "<empty>"
	}
	if utf8.RuneCountInString(ak) <= 4 {
		return "****"
	}
	i, n := 0, 0
	for n < 4 {
		_, size := utf8.DecodeRuneInString(ak[i:])
		i += size
		n++
	}
	return ak[:i] + "****"
}

// redact tells whether a secret is set without showing it.
func redact(secret string) string {
	if secret == "" {
		return "<empty>"
	}
	return "<redacted>"
}

// CredentialsFromEnv reads credentials from the environment variables the official SDK
// uses: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and, optionally,
// HUAWEICLOUD_SDK_SECURITY_TOKEN. When HUAWEICLOUD_SDK_AK or HUAWEICLOUD_SDK_SK is unset
// or empty, it uses CLOUD_SDK_AK and CLOUD_SDK_SK (the names of the SDK's sample
// programs) if both are set; the security token is only taken together with the
// HUAWEICLOUD_SDK_ pair. Otherwise it returns an error wrapping ErrInvalidCredentials
// that names the variables to set.
func CredentialsFromEnv() (Credentials, error) {
	ak, sk := os.Getenv(envAK), os.Getenv(envSK)
	if ak != "" && sk != "" {
		return Credentials{AccessKey: ak, SecretKey: sk, SecurityToken: os.Getenv(envSecurityToken)}, nil
	}
	fak, fsk := os.Getenv(envFallbackAK), os.Getenv(envFallbackSK)
	if fak != "" && fsk != "" {
		return Credentials{AccessKey: fak, SecretKey: fsk}, nil
	}
	var missing []string
	for _, v := range []struct{ name, value string }{{envAK, ak}, {envSK, sk}} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	return Credentials{}, fmt.Errorf("%w: CredentialsFromEnv: %s not set; set %s and %s (or %s and %s)",
		ErrInvalidCredentials, strings.Join(missing, " and "), envAK, envSK, envFallbackAK, envFallbackSK)
}
