package credentials

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// writeFile writes content to a new file of mode perm in a temporary directory.
func writeFile(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	require.NoError(t, os.Chmod(path, perm))
	return path
}

func TestReadFileFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content string
		want          FileCredentials
	}{
		{
			name:    "official layout",
			content: "[basic]\nak = AKFILE\nsk = skfile\nproject_id = proj-file\nsecurity_token = tokfile\n",
			want: FileCredentials{Credentials: signer.Credentials{AccessKey: "AKFILE", SecretKey: "skfile", SecurityToken: "tokfile"},
				ProjectID: "proj-file"},
		},
		{
			name: "comments, other sections, quotes, colon, case, CRLF, BOM",
			content: "\xef\xbb\xbf# leading comment\r\nak = ignored-outside-basic\r\n[global]\r\nak = ignored\r\n" +
				"[ Basic ] ; trailing comment\r\n; comment\r\nAK: AKFILE\r\nsk = \"sk with = and # inside\" # comment\r\n" +
				"project_id = proj ; inline comment\r\nunknown_key = whatever\r\n\r\n[other]\r\nsk = ignored\r\n",
			want: FileCredentials{Credentials: signer.Credentials{AccessKey: "AKFILE", SecretKey: "sk with = and # inside"}, ProjectID: "proj"},
		},
		{
			name:    "iam_endpoint, as the official SDK reads it",
			content: "[basic]\nak = AKFILE\nsk = skfile\niam_endpoint = https://iam.example.com:8443 ; a comment\n[global]\niam_endpoint = https://ignored\n",
			want: FileCredentials{Credentials: signer.Credentials{AccessKey: "AKFILE", SecretKey: "skfile"},
				IAMEndpoint: "https://iam.example.com:8443"},
		},
		{
			name:    "no keys at all",
			content: "[basic]\nproject_id = only-project\n",
			want:    FileCredentials{ProjectID: "only-project"},
		},
		{
			name:    "empty file",
			content: "",
			want:    FileCredentials{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadFile(writeFile(t, tc.content, 0o600))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestReadFileMalformed(t *testing.T) {
	t.Parallel()
	const secret = "Sup3rSecretValueNeverQuoted"
	for _, tc := range []struct {
		name, content, want string
	}{
		{"unclosed section", "[basic]\nak = a\n[basic\n", "line 3: section header has no closing ']'"},
		{"empty section", "\n[ ]\n", "line 2: empty section name"},
		{"text after section", "[basic] x\n", "line 1: unexpected text after the section header"},
		{"no separator", "[basic]\nak = a\n" + secret + "\n", `line 3: expected "key = value" or "[section]"`},
		{"no key", "[basic]\n= " + secret + "\n", "line 2: missing key before '='"},
		{"unterminated quote", "[basic]\nak = a\nsk = \"" + secret + "\n", "line 3: sk: unterminated quoted value"},
		{"text after quote", "[basic]\nsk = '" + secret + "' x\n", "line 2: sk: unexpected text after the quoted value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tc.content, 0o600)
			_, err := ReadFile(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "credentials file "+path)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestReadFileIncompletePairs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ content, want string }{
		{"[basic]\nak = a\n", "[basic] has ak but no sk"},
		{"[basic]\nsk = s\n", "[basic] has sk but no ak"},
		{"[basic]\nsecurity_token = t\n", "[basic] has security_token but no ak and sk"},
	} {
		path := writeFile(t, tc.content, 0o600)
		_, err := ReadFile(path)
		assert.EqualError(t, err, "credentials file "+path+": "+tc.want)
	}
}

func TestReadFilePermissions(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not express group or other access on Windows")
	}
	const withSecret = "[basic]\nak = a\nsk = s\n"
	for _, tc := range []struct {
		name    string
		content string
		perm    os.FileMode
		refused bool
	}{
		{"0600 with secret", withSecret, 0o600, false},
		{"0400 with secret", withSecret, 0o400, false},
		{"0640 with secret", withSecret, 0o640, true},
		{"0604 with secret", withSecret, 0o604, true},
		{"0644 with secret", withSecret, 0o644, true},
		{"0644 with only a token", "[basic]\nak = a\nsk = s\nsecurity_token = t\n", 0o644, true},
		{"0644 without secret", "[basic]\nproject_id = p\n", 0o644, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tc.content, tc.perm)
			_, err := ReadFile(path)
			if !tc.refused {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "credentials file "+path+" holds a secret but is readable by group or others")
			assert.Contains(t, err.Error(), "chmod 600 "+path)
		})
	}
}

func TestReadFileMissingOrNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := ReadFile(filepath.Join(dir, "nope"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "credentials file "+filepath.Join(dir, "nope"))

	_, err = ReadFile(dir)
	assert.EqualError(t, err, "credentials file "+dir+": not a regular file")
}
