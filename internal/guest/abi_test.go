package guest

import (
	"context"
	"github.com/stablesqlite/stablesqlite/wasm"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// documentedImports parses the import table of ABI.md: name → "params|results".
func documentedImports(t *testing.T) map[string]string {
	return documentedTable(t, "## Imports", "## Exports")
}

// documentedTable parses the rows `name` | params | results | of ABI.md's
// section from start to end.
func documentedTable(t *testing.T, start, end string) map[string]string {
	t.Helper()
	doc, err := os.ReadFile("../../wasm/ABI.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), start)
	if !ok {
		t.Fatalf("ABI.md has no section %q", start)
	}
	rest, _, _ = strings.Cut(rest, end)
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|([^|]*)\\|([^|]*)\\|")
	out := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(rest, -1) {
		out[m[1]] = strings.Join(strings.Fields(m[2]), " ") + "|" + strings.Join(strings.Fields(m[3]), " ")
	}
	if len(out) == 0 {
		t.Fatalf("no imports parsed from ABI.md's %q", start)
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
	m, err := defaultEngine.pick()
	if err != nil {
		t.Fatal(err)
	}
	compiled := m.compiled
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

// TestMeteredImportsAreDocumented: the metered module (sqlite3.metered.wasm,
// built beside sqlite3.wasm, not embedded) imports exactly what ABI.md
// lists for the plain module plus its metered imports, with the documented
// signatures, the plain module's imports first and in their order; and it
// exports the functions the plain module exports.
func TestMeteredImportsAreDocumented(t *testing.T) {
	metered, err := os.ReadFile("../../wasm/sqlite3.metered.wasm")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(features))
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, metered)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := r.CompileModule(ctx, wasm.Binary)
	if err != nil {
		t.Fatal(err)
	}
	documented := documentedImports(t)
	extra := documentedTable(t, "| metered import |", "| metered export |")
	for name, sig := range extra {
		if _, dup := documented[name]; dup {
			t.Errorf("ABI.md documents %s for both modules", name)
		}
		documented[name] = sig
	}
	imports := compiled.ImportedFunctions()
	plainImports := plain.ImportedFunctions()
	if len(imports) != len(plainImports)+len(extra) {
		t.Errorf("the metered module has %d imports, the plain one %d, ABI.md adds %d", len(imports), len(plainImports), len(extra))
	}
	seen := map[string]bool{}
	for i, f := range imports {
		mod, name, _ := f.Import()
		if i < len(plainImports) {
			if _, plainName, _ := plainImports[i].Import(); plainName != name {
				t.Errorf("metered import %d is %s, the plain module's is %s", i, name, plainName)
			}
		}
		if mod != ImportModule {
			t.Errorf("import %s.%s: only module %q is allowed", mod, name, ImportModule)
			continue
		}
		want, ok := documented[name]
		if !ok {
			t.Errorf("metered import %s is not documented in ABI.md", name)
			continue
		}
		if got := typeNames(f.ParamTypes()) + "|" + typeNames(f.ResultTypes()); got != want {
			t.Errorf("metered import %s has signature %q, ABI.md says %q", name, got, want)
		}
		seen[name] = true
	}
	for name := range documented {
		if !seen[name] {
			t.Errorf("ABI.md documents %s, which the metered module does not import", name)
		}
	}
	for name := range plain.ExportedFunctions() {
		if _, ok := compiled.ExportedFunctions()[name]; !ok {
			t.Errorf("the metered module does not export %s", name)
		}
	}
}

// TestModulesExportEveryFunc: both modules export every function the host
// calls (instances look each up only at its first call).
func TestModulesExportEveryFunc(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(features))
	defer r.Close(ctx)
	for _, b := range []*moduleBinary{plainBinary, meteredBinary} {
		compiled, err := r.CompileModule(ctx, b.bin)
		if err != nil {
			t.Fatal(err)
		}
		exports := compiled.ExportedFunctions()
		for _, name := range funcNames {
			if exports[name] == nil {
				t.Errorf("module %x does not export %s", b.hash(), name)
			}
		}
	}
}

// A function the module does not export is an error at its call, which
// leaves the instance as it was.
func TestCallOfAMissingExport(t *testing.T) {
	inst, err := New(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	name := funcNames[FnComplete]
	funcNames[FnComplete] = "no_such_export"
	_, err = inst.Call(FnComplete, 0)
	funcNames[FnComplete] = name
	if err == nil || !strings.Contains(err.Error(), "does not export no_such_export") || inst.Err() != nil {
		t.Fatalf("call of a missing export: %v, instance %v", err, inst.Err())
	}
	p, err := inst.CString("select 1;", 0)
	if err != nil {
		t.Fatal(err)
	}
	if complete, err := inst.Call32(FnComplete, uint64(p)); err != nil || complete != 1 {
		t.Fatalf("sqlite3_complete after: %d, %v", complete, err)
	}
}
