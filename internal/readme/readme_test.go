package readme

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A block is one ```go fence of the README.
type block struct {
	line int // of the opening fence
	code string
}

// goBlocks returns the ```go blocks of the markdown file at path.
func goBlocks(t *testing.T, path string) []block {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var blocks []block
	var cur *strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur, start = &strings.Builder{}, n
		case cur != nil && trimmed == "```":
			blocks = append(blocks, block{line: start, code: cur.String()})
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "%s: the fence opened at line %d is never closed", path, start)
	return blocks
}

// inputs are the names a snippet may use without declaring them ("obviously named
// inputs"), with the declaration a user would add. A statement block gets them as
// parameters of the function it is wrapped in; a block of declarations gets the
// constants among them.
var inputs = []struct{ name, param, decl string }{
	{"ctx", "ctx context.Context", ""},
	{"t", "t *testing.T", ""},
	{"cfg", "cfg hcloud.Config", ""},
	{"obs", "obs hcloud.Observer", ""},
	{"client", "client *css.Client", ""},
	{"srv", "srv *csstest.Server", ""},
	{"clusterID", "clusterID string", `const clusterID = "4213d908-f5dc-4633-8401-cfd7175fca0c"`},
	{"serverID", "serverID string", `const serverID = "5f6c3b9e-2d1a-4c8b-9e7f-0a1b2c3d4e5f"`},
	{"jobID", "jobID string", `const jobID = "ff8080817a1bb8ed017a1bc4d3b60045"`},
}

// imports maps the package names snippets use to their import paths; a file imports
// those it names.
var imports = map[string]string{
	"context":   "context",
	"errors":    "errors",
	"fmt":       "fmt",
	"io":        "io",
	"log":       "log",
	"os":        "os",
	"testing":   "testing",
	"time":      "time",
	"http":      "net/http",
	"baremetal": "github.com/hcloudlogs/hcloudlogs-go/baremetal",
	"config":    "github.com/hcloudlogs/hcloudlogs-go/config",
	"css":       "github.com/hcloudlogs/hcloudlogs-go/css",
	"csstest":   "github.com/hcloudlogs/hcloudlogs-go/css/csstest",
	"dws":       "github.com/hcloudlogs/hcloudlogs-go/dws",
	"hcloud":    "github.com/hcloudlogs/hcloudlogs-go/hcloud",
	"hss":       "github.com/hcloudlogs/hcloudlogs-go/hss",
	"recorder":  "github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder",
	"signer":    "github.com/hcloudlogs/hcloudlogs-go/signer",
	"assert":    "github.com/stretchr/testify/assert",
	"require":   "github.com/stretchr/testify/require",
}

var (
	topLevelDecl = regexp.MustCompile(`(?m)^(func|type|var|const) `)
	// discarded matches an assignment that throws a value away, e.g. "f, _ := ...";
	// a snippet handles every error, so one without err on its left is refused.
	discarded = regexp.MustCompile(`(?m)^\s*(\w+\s*,\s*)*_\s*(,\s*\w+\s*)*:?=`)
	opens     = regexp.MustCompile(`os\.(Create|Open|OpenFile)\(`)
)

// wrap returns the Go file for b: a block of declarations as it is, a block of
// statements as the body of a function whose parameters are the inputs it uses.
func wrap(b block) string {
	uses := func(name string) bool {
		return regexp.MustCompile(`\b` + name + `\b`).MatchString(b.code)
	}
	var body strings.Builder
	if topLevelDecl.MatchString(b.code) {
		for _, in := range inputs {
			if in.decl != "" && uses(in.name) && !regexp.MustCompile(`\b(const|var)\s+`+in.name+`\b`).MatchString(b.code) {
				body.WriteString(in.decl + "\n")
			}
		}
		body.WriteString(b.code)
	} else {
		var params []string
		for _, in := range inputs {
			declared := regexp.MustCompile(`(?m)^\s*(\w+\s*,\s*)*` + in.name + `\s*(,\s*\w+\s*)*:=`).MatchString(b.code)
			if uses(in.name) && !declared {
				params = append(params, in.param)
			}
		}
		fmt.Fprintf(&body, "func snippet(%s) error {\n%s\treturn nil\n}\n", strings.Join(params, ", "), b.code)
	}
	code := body.String()
	var file strings.Builder
	file.WriteString("package snippet\n\nimport (\n")
	for name, path := range imports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(code) {
			fmt.Fprintf(&file, "\t%q\n", path)
		}
	}
	file.WriteString(")\n\n")
	file.WriteString(code)
	return file.String()
}

// TestReadmeGoBlocks builds and vets every ```go block of README.md in a fresh module
// that uses this checkout, as a user pasting it would, with only imports and the
// inputs above added. Blocks handle every error and close what they open.
func TestReadmeGoBlocks(t *testing.T) {
	_, self, _, ok := runtime.Caller(0)
	require.True(t, ok)
	repo := filepath.Join(filepath.Dir(self), "..", "..")
	readme := filepath.Join(repo, "README.md")
	blocks := goBlocks(t, readme)
	require.NotEmpty(t, blocks)

	mod := t.TempDir()
	goMod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	require.NoError(t, err)
	goSum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	// The checkout's own requirements, so that the build needs no download.
	requires := strings.SplitN(string(goMod), "\n", 2)[1]
	writeFile(t, filepath.Join(mod, "go.mod"), "module readmesnippets\n"+requires+
		"\nrequire github.com/hcloudlogs/hcloudlogs-go v0.0.0\n\nreplace github.com/hcloudlogs/hcloudlogs-go => "+repo+"\n")
	writeFile(t, filepath.Join(mod, "go.sum"), string(goSum))

	for i, b := range blocks {
		where := fmt.Sprintf("README.md:%d", b.line)
		for _, m := range discarded.FindAllString(b.code, -1) {
			if !regexp.MustCompile(`\berr\b`).MatchString(m) {
				t.Errorf("%s: %q discards a value; handle every error", where, strings.TrimSpace(m))
			}
		}
		if opens.MatchString(b.code) {
			assert.Contains(t, b.code, ".Close()", "%s: close what the snippet opens", where)
		}
		dir := filepath.Join(mod, fmt.Sprintf("snippet%02d", i+1))
		require.NoError(t, os.Mkdir(dir, 0o755))
		name := "snippet.go"
		if strings.Contains(b.code, "*testing.T") || regexp.MustCompile(`\bt\b`).MatchString(b.code) {
			name = "snippet_test.go"
			writeFile(t, filepath.Join(dir, "doc.go"), "package snippet\n")
		}
		writeFile(t, filepath.Join(dir, name), fmt.Sprintf("// Code from %s.\n\n", where)+wrap(b))
	}

	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the README's Go blocks do not build (snippetNN is the NNth block):\n%s", out)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}
