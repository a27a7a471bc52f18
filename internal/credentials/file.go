// Package credentials holds the credential sources of the configuration chain that
// need more than an environment lookup: the INI credentials file of the official
// Huawei Cloud SDK and the ECS/BMS instance metadata service.
package credentials

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// maxFileBytes caps what is read of a credentials or regions file.
const maxFileBytes = 1 << 20

// FileCredentials is what the [basic] section of a credentials file holds.
type FileCredentials struct {
	// Credentials are ak, sk and security_token.
	Credentials signer.Credentials
	// ProjectID is project_id.
	ProjectID string
	// IAMEndpoint is iam_endpoint, the IAM endpoint to look the project ID up at, as
	// the file gives it.
	IAMEndpoint string
}

// ReadFile reads the credentials file at path, in the INI format of the official SDK:
//
//	[basic]
//	ak = ...
//	sk = ...
//	project_id = ...
//	security_token = ...
//	iam_endpoint = ...
//
// Keys are case-insensitive, "=" or ":" separates a key from its value, lines starting
// with '#' or ';' are comments, a value may be quoted, and other sections and keys are
// ignored. A missing file gives an error wrapping fs.ErrNotExist. A malformed line
// gives an error naming the file and the line (never its content, which may be a
// secret). A file that holds a secret key or security token and is readable by group
// or others is refused, as ssh refuses such a key file. When ak is set, sk must be
// set too, and the other way round.
func ReadFile(path string) (FileCredentials, error) {
	data, mode, err := readSmallFile(path)
	if err != nil {
		return FileCredentials{}, fmt.Errorf("credentials file %s: %w", path, err)
	}
	fc, err := parse(data)
	if err != nil {
		return FileCredentials{}, fmt.Errorf("credentials file %s, %w", path, err)
	}
	c := fc.Credentials
	hasSecret := c.SecretKey != "" || c.SecurityToken != ""
	if hasSecret && runtime.GOOS != "windows" && mode&0o044 != 0 {
		return FileCredentials{}, fmt.Errorf("credentials file %s holds a secret but is readable by group or others (mode %04o); run: chmod 600 %s",
			path, mode, path)
	}
	switch {
	case c.AccessKey != "" && c.SecretKey == "":
		return FileCredentials{}, fmt.Errorf("credentials file %s: [basic] has ak but no sk", path)
	case c.AccessKey == "" && c.SecretKey != "":
		return FileCredentials{}, fmt.Errorf("credentials file %s: [basic] has sk but no ak", path)
	case c.AccessKey == "" && c.SecurityToken != "":
		return FileCredentials{}, fmt.Errorf("credentials file %s: [basic] has security_token but no ak and sk", path)
	}
	return fc, nil
}

// readSmallFile reads at most maxFileBytes of the regular file at path and returns its
// permission bits.
func readSmallFile(path string) ([]byte, os.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, unwrapPathError(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, unwrapPathError(err)
	}
	if !info.Mode().IsRegular() {
		return nil, 0, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, 0, unwrapPathError(err)
	}
	if len(data) > maxFileBytes {
		return nil, 0, fmt.Errorf("larger than %d bytes", maxFileBytes)
	}
	return data, info.Mode().Perm(), nil
}

// unwrapPathError drops the *fs.PathError around err, whose text repeats the path the
// caller already names; errors.Is(err, fs.ErrNotExist) still holds.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// parse reads the [basic] section of an INI text. Errors start with "line N: ".
func parse(data []byte) (FileCredentials, error) {
	var fc FileCredentials
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxFileBytes)
	section := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return FileCredentials{}, fmt.Errorf("line %d: section header has no closing ']'", n)
			}
			if rest := strings.TrimSpace(line[end+1:]); rest != "" && rest[0] != '#' && rest[0] != ';' {
				return FileCredentials{}, fmt.Errorf("line %d: unexpected text after the section header", n)
			}
			section = strings.ToLower(strings.TrimSpace(line[1:end]))
			if section == "" {
				return FileCredentials{}, fmt.Errorf("line %d: empty section name", n)
			}
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			return FileCredentials{}, fmt.Errorf(`line %d: expected "key = value" or "[section]"`, n)
		}
		key := strings.ToLower(strings.TrimSpace(line[:i]))
		if key == "" {
			return FileCredentials{}, fmt.Errorf("line %d: missing key before %q", n, line[i])
		}
		if section != "basic" {
			continue
		}
		value, err := iniValue(strings.TrimSpace(line[i+1:]))
		if err != nil {
			return FileCredentials{}, fmt.Errorf("line %d: %s: %w", n, key, err)
		}
		switch key {
		case "ak":
			fc.Credentials.AccessKey = value
		case "sk":
			fc.Credentials.SecretKey = value
		case "security_token":
			fc.Credentials.SecurityToken = value
		case "project_id":
			fc.ProjectID = value
		case "iam_endpoint":
			fc.IAMEndpoint = value
		}
	}
	if err := sc.Err(); err != nil {
		return FileCredentials{}, fmt.Errorf("line too long: %w", err)
	}
	return fc, nil
}

// iniValue unquotes a quoted value, or cuts an unquoted one at an inline comment
// (" #" or " ;").
func iniValue(v string) (string, error) {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		end := strings.IndexByte(v[1:], v[0])
		if end < 0 {
			return "", errors.New("unterminated quoted value")
		}
		rest := strings.TrimSpace(v[end+2:])
		if rest != "" && rest[0] != '#' && rest[0] != ';' {
			return "", errors.New("unexpected text after the quoted value")
		}
		return v[1 : end+1], nil
	}
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i]), nil
		}
	}
	return v, nil
}
