package wasm

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// documentedImports parses the import table of ABI.md: name → "params|results".
func documentedImports(t *testing.T) map[string]string {
	t.Helper()
	doc, err := os.ReadFile("ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Imports")
	if !ok {
		t.Fatal("ABI.md has no Imports section")
	}
	rest, _, _ = strings.Cut(rest, "## Exports")
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|([^|]*)\\|([^|]*)\\|")
	out := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(rest, -1) {
		out[m[1]] = strings.Join(strings.Fields(m[2]), " ") + "|" + strings.Join(strings.Fields(m[3]), " ")
	}
	if len(out) == 0 {
		t.Fatal("no imports parsed from ABI.md")
	}
	return out
}

func typeNames(ts []api.ValueType) string {
	names := make([]string, len(ts))
	for i, vt := range ts {
		names[i] = api.ValueTypeName(vt)
	}
	return strings.Join(names, " ")
}

// TestImportsAreDocumented: the module imports exactly what ABI.md lists,
// with the documented signatures, from the one import module.
func TestImportsAreDocumented(t *testing.T) {
	compiled, err := Compiled()
	if err != nil {
		t.Fatal(err)
	}
	documented := documentedImports(t)
	var seen []string
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != ImportModule {
			t.Errorf("import %s.%s: only module %q is allowed (no WASI, no env)", mod, name, ImportModule)
			continue
		}
		want, ok := documented[name]
		if !ok {
			t.Errorf("import %s is not documented in ABI.md", name)
			continue
		}
		if got := typeNames(f.ParamTypes()) + "|" + typeNames(f.ResultTypes()); got != want {
			t.Errorf("import %s has signature %q, ABI.md says %q", name, got, want)
		}
		seen = append(seen, name)
	}
	for name := range documented {
		if !slices.Contains(seen, name) {
			t.Errorf("ABI.md documents %s, which the module does not import", name)
		}
	}
	for _, m := range compiled.ImportedMemories() {
		mod, name, _ := m.Import()
		t.Errorf("module imports memory %s.%s", mod, name)
	}
}
