// Package regions reads the regions file of the official Huawei Cloud SDK
// (regions.yaml): per service, a list of region IDs with their endpoints. It also
// knows the IAM endpoint the official SDK picks for each region, and which region IDs
// exist, to suggest the right one for a misspelt one.
package regions

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFileBytes caps what is read of a regions file.
const maxFileBytes = 1 << 20

// File is a parsed regions file.
type File struct {
	// services maps an upper-cased service name to lower-cased region IDs to endpoints.
	services map[string]map[string][]string
}

// Endpoints returns the endpoints the file lists for service in region, matching both
// names case-insensitively; nil when it lists none. A nil *File lists none.
func (f *File) Endpoints(service, region string) []string {
	if f == nil {
		return nil
	}
	return f.services[strings.ToUpper(service)][strings.ToLower(region)]
}

// ReadFile reads and checks the regions file at path. Its format:
//
//	CSS:
//	  - id: ap-southeast-1
//	    endpoint: https://css.ap-southeast-1.example.com
//	  - id: cn-north-4
//	    endpoints:
//	      - https://a.example.com
//	      - https://b.example.com
//
// Unknown keys are ignored; an entry with both endpoint and endpoints lists endpoint
// first. A missing file gives an error wrapping fs.ErrNotExist. Errors name the file
// and, for a malformed file, the line.
func ReadFile(path string) (*File, error) {
	data, err := readSmallFile(path)
	if err != nil {
		return nil, fmt.Errorf("regions file %s: %w", path, err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("regions file %s: %w", path, err)
	}
	return f, nil
}

// Parse reads a regions file's content. Errors start with "line N: ", N being the
// line of the fault (lines counted by '\n').
func Parse(data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(data, err)
	}
	f := &File{services: map[string]map[string][]string{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, lineErr(root, "expected a map of service names to lists of regions")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, list := deref(root.Content[i]), deref(root.Content[i+1])
		if key.Kind != yaml.ScalarNode || strings.TrimSpace(key.Value) == "" {
			return nil, lineErr(key, "expected a service name")
		}
		svc := strings.ToUpper(strings.TrimSpace(key.Value))
		if _, dup := f.services[svc]; dup {
			return nil, lineErr(key, "service %s is listed twice", key.Value)
		}
		byRegion, err := parseRegions(key.Value, list)
		if err != nil {
			return nil, err
		}
		f.services[svc] = byRegion
	}
	return f, nil
}

// syntaxError is err, the YAML library's error for data, at the line of the fault.
// The library names the line where the enclosing block or flow collection starts, and
// for most faults counts it from 0: a '[' left open on line 4 is reported at line 3,
// and so is a bad entry on line 40 of a block that starts on line 4. Some faults get
// no line at all. The fault is on the first line by which the document fails the
// same way: the fewest whole lines from the start whose parse gives the same error,
// found by a binary search.
func syntaxError(data []byte, err error) error {
	msg := err.Error()
	problem := strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(problem, "line "); ok {
		if _, after, found := strings.Cut(rest, ": "); found {
			problem = after
		}
	}
	// ends[i] is the end of line i+1, its '\n' included.
	var ends []int
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	failsAlike := func(lines int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(data[:ends[lines-1]], &doc)
		return err != nil && err.Error() == msg
	}
	lo, hi := 1, len(ends) // the whole document fails alike
	for lo < hi {
		if mid := (lo + hi) / 2; failsAlike(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return fmt.Errorf("line %d: %s", hi, problem)
}

// parseRegions reads the list of one service.
func parseRegions(svc string, list *yaml.Node) (map[string][]string, error) {
	byRegion := map[string][]string{}
	if isNull(list) {
		return byRegion, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, lineErr(list, "service %s: expected a list of {id, endpoint} or {id, endpoints}", svc)
	}
	firstLine := map[string]int{}
	for _, item := range list.Content {
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			return nil, lineErr(item, "service %s: expected an entry with id and endpoint or endpoints", svc)
		}
		var id string
		var endpoints []string
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := deref(item.Content[j]), deref(item.Content[j+1])
			switch k.Value {
			case "id":
				if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
					return nil, lineErr(v, "service %s: id must be a region ID", svc)
				}
				id = strings.TrimSpace(v.Value)
			case "endpoint":
				if isNull(v) {
					continue
				}
				if v.Kind != yaml.ScalarNode {
					return nil, lineErr(v, "service %s: endpoint must be a URL", svc)
				}
				if e := strings.TrimSpace(v.Value); e != "" {
					endpoints = append([]string{e}, endpoints...)
				}
			case "endpoints":
				if isNull(v) {
					continue
				}
				if v.Kind != yaml.SequenceNode {
					return nil, lineErr(v, "service %s: endpoints must be a list of URLs", svc)
				}
				for _, e := range v.Content {
					e = deref(e)
					if e.Kind != yaml.ScalarNode || strings.TrimSpace(e.Value) == "" {
						return nil, lineErr(e, "service %s: endpoints must be a list of URLs", svc)
					}
					endpoints = append(endpoints, strings.TrimSpace(e.Value))
				}
			}
		}
		if id == "" {
			return nil, lineErr(item, "service %s: entry has no id", svc)
		}
		if len(endpoints) == 0 {
			return nil, lineErr(item, "service %s: region %s has no endpoint or endpoints", svc, id)
		}
		key := strings.ToLower(id)
		if line, dup := firstLine[key]; dup {
			return nil, lineErr(item, "service %s: region %s is listed twice (first at line %d)", svc, id, line)
		}
		firstLine[key] = item.Line
		byRegion[key] = endpoints
	}
	return byRegion, nil
}

// deref follows YAML aliases.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func lineErr(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", n.Line, fmt.Sprintf(format, args...))
}

// readSmallFile reads at most maxFileBytes of the regular file at path.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxFileBytes)
	}
	return data, nil
}

// unwrapPathError drops the *fs.PathError around err, whose text repeats the path;
// errors.Is(err, fs.ErrNotExist) still holds.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// Regions returns the region IDs the file lists for service (matched
// case-insensitively), sorted; nil for a nil *File.
func (f *File) Regions(service string) []string {
	if f == nil {
		return nil
	}
	m := f.services[strings.ToUpper(service)]
	out := make([]string, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}
