package regions

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "regions.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `
# the official SDK's layout, other services included
ECS:
  - id: cn-north-4
    endpoint: https://ecs.cn-north-4.example.com
CSS:
  - id: ap-southeast-1
    endpoint: https://css.ap-southeast-1.example.com
  - id: CN-North-4
    endpoints:
      - https://css-a.example.com
      - https://css-b.example.com
    endpoint: https://css-first.example.com
    unknown: ignored
hss:
  - id: ap-southeast-1
    endpoints: [https://hss.example.com]
DWS: &dws
  - id: ap-southeast-1
    endpoint: https://dws.example.com
CLOUDDC: *dws
Empty:
`)
	f, err := ReadFile(path)
	require.NoError(t, err)
	for _, tc := range []struct {
		svc, region string
		want        []string
	}{
		{"css", "ap-southeast-1", []string{"https://css.ap-southeast-1.example.com"}},
		{"CSS", "cn-north-4", []string{"https://css-first.example.com", "https://css-a.example.com", "https://css-b.example.com"}},
		{"hss", "AP-SOUTHEAST-1", []string{"https://hss.example.com"}},
		{"dws", "ap-southeast-1", []string{"https://dws.example.com"}},
		{"clouddc", "ap-southeast-1", []string{"https://dws.example.com"}},
		{"css", "eu-west-101", nil},
		{"empty", "ap-southeast-1", nil},
		{"nosuch", "ap-southeast-1", nil},
	} {
		assert.Equal(t, tc.want, f.Endpoints(tc.svc, tc.region), "%s %s", tc.svc, tc.region)
	}
	var none *File
	assert.Nil(t, none.Endpoints("css", "ap-southeast-1"))
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"", "# only a comment\n", "~\n", "---\n"} {
		f, err := Parse([]byte(content))
		require.NoError(t, err, "%q", content)
		assert.Nil(t, f.Endpoints("css", "ap-southeast-1"))
	}
}

// TestReadFileMalformed checks that a fault is reported at its own line, not at the
// line where the enclosing block starts.
func TestReadFileMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, content, want string }{
		{"syntax", "CSS:\n  - id: a\n    endpoint: x\n    endpoint: y: z\n", "line 4: mapping values are not allowed in this context"},
		{"missing colon", "CSS:\n  - id: a\n    endpoint: x\n  bad\n", "line 4: could not find expected ':'"},
		{"tab indentation", "CSS:\n\t- id: a\n", "line 2: found character that cannot start any token"},
		{"[ left open, more entries after", "CSS:\n  - id: a\n    endpoints:\n      [https://x, https://y\n  - id: b\n    endpoint: z\n",
			"line 4: did not find expected ',' or ']'"},
		{"[ left open at the end", "CSS:\n  - id: a\n    endpoint: x\n    endpoints: [https://x, https://y\n",
			"line 4: did not find expected ',' or ']'"},
		{"[ left open after a comma", "CSS:\n  - id: a\n    endpoints: [https://x,\n  - id: b\n    endpoint: z\n",
			"line 3: did not find expected node content"},
		{"[ left open, CRLF", "CSS:\r\n  - id: a\r\n    endpoint: x\r\n    endpoints: [https://x\r\n", "line 4: did not find expected ',' or ']'"},
		{"[ left open on the first line", "CSS: [a\n", "line 1: did not find expected ',' or ']'"},
		{"{ left open", "CSS:\n  - id: a\n    endpoint: {x: y\n    z: w\n", "line 3: did not find expected ',' or '}'"},
		{"entry indented too far", "CSS:\n  - id: a\n    endpoint: x\n   - id: b\n    endpoint: y\n", "line 4: did not find expected '-' indicator"},
		{"list item inside an entry", "CSS:\n  - id: a\n    endpoint: x\n    - y\n", "line 4: did not find expected key"},
		{"second service indented", "CSS:\n  - id: a\n    endpoint: x\n HSS:\n  - id: b\n", "line 4: did not find expected key"},
		{"quote left open", "CSS:\n  - id: a\n    endpoint: \"https://x\n  - id: b\n", "line 3: found unexpected end of stream"},
		{"unknown anchor", "CSS:\n  - id: a\n    endpoint: *nope\n", "line 3: unknown anchor 'nope' referenced"},
		{"root is a list", "- CSS\n", "line 1: expected a map of service names to lists of regions"},
		{"service not a list", "CSS:\n  id: a\n", "line 2: service CSS: expected a list of {id, endpoint} or {id, endpoints}"},
		{"entry not a map", "CSS:\n  - https://x\n", "line 2: service CSS: expected an entry with id and endpoint or endpoints"},
		{"no id", "CSS:\n  - endpoint: https://x\n", "line 2: service CSS: entry has no id"},
		{"empty id", "CSS:\n  - id: ''\n    endpoint: https://x\n", "line 2: service CSS: id must be a region ID"},
		{"no endpoint", "CSS:\n  - id: a\n", "line 2: service CSS: region a has no endpoint or endpoints"},
		{"endpoint is a list", "CSS:\n  - id: a\n    endpoint: [x]\n", "line 3: service CSS: endpoint must be a URL"},
		{"endpoints is a string", "CSS:\n  - id: a\n    endpoints: x\n", "line 3: service CSS: endpoints must be a list of URLs"},
		{"endpoints holds a map", "CSS:\n  - id: a\n    endpoints:\n      - {u: x}\n", "line 4: service CSS: endpoints must be a list of URLs"},
		{"duplicate region", "CSS:\n  - id: a\n    endpoint: x\n  - id: A\n    endpoint: y\n", "line 4: service CSS: region A is listed twice (first at line 2)"},
		{"duplicate service", "CSS:\n  - id: a\n    endpoint: x\ncss:\n  - id: b\n    endpoint: y\n", "line 4: service css is listed twice"},
		{"empty service name", "'':\n  - id: a\n    endpoint: x\n", "line 1: expected a service name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tc.content)
			_, err := ReadFile(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "regions file "+path+": "+tc.want)
			assert.NotContains(t, err.Error(), ": yaml: ", "the library prefix is dropped")
		})
	}
}

func TestReadFileMissingOrNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := ReadFile(filepath.Join(dir, "nope.yaml"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "regions file "+filepath.Join(dir, "nope.yaml"))
	_, err = ReadFile(dir)
	assert.EqualError(t, err, "regions file "+dir+": not a regular file")
}
