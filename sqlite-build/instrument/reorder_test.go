package instrument

import (
	"strings"
	"testing"
)

// TestReorder: the functions of start come first, then later's, then the
// others in their order; every index in the module follows its function,
// the module says how many functions start has, and it runs as before.
func TestReorder(t *testing.T) {
	// Old 1 $start, 2 $seven, 3 $via_table, 4 $via_ref; start [4, 4, 2],
	// later [2, 3]: new 1 $via_ref, 2 $seven, 3 $via_table, 4 $start.
	out, err := Reorder(indexedModule(false), []uint32{4, 4, 2}, []uint32{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	sections, err := SplitSections(out)
	if err != nil {
		t.Fatal(err)
	}
	if name, content, _ := customName(sections[0].Payload); sections[0].ID != secCustom || name != StartSection || string(content) != "\x02" {
		t.Errorf("first section %d %q % x, want %q holding 2", sections[0].ID, name, content, StartSection)
	}
	for _, s := range sections {
		switch s.ID {
		case secStart:
			if f, _ := decodeStart(s.Payload); f != 4 {
				t.Errorf("start function %d, want 4", f)
			}
		case secGlobal:
			if g, _ := decodeGlobals(s.Payload); g[0].Init[0].Imm != 2 {
				t.Errorf("global initialiser %+v, want ref.func 2", g[0].Init[0])
			}
		case secElement:
			if e, _ := decodeElements(s.Payload); e[0].Funcs[0] != 2 || e[1].Exprs[0][0].Imm != 1 {
				t.Errorf("elements %+v", e)
			}
		case secExport:
			e, _ := decodeExports(s.Payload)
			if e[0].Index != 3 || e[1].Index != 1 {
				t.Errorf("exports %+v, want via_table 3, via_ref 1", e)
			}
		case secFunction:
			if f, _ := decodeIndices(s.Payload, "function"); f[3] != 0 || f[0] != 1 {
				t.Errorf("function types %v, want $start's type 0 last", f)
			}
		case secCode:
			bodies, _ := decodeCode(s.Payload)
			via, _ := DecodeExpr(bodies[0].Code)
			if via[0].Op != OpRefFunc || via[0].Imm != 2 || via[2].Op != OpCall || via[2].Imm != 2 {
				t.Errorf("$via_ref's code %+v, want ref.func 2 and call 2", via)
			}
		}
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			notes := 0
			m := instantiate(t, e.cfg(), out, testStubs(&notes), mustNotRunOut(t), "")
			if notes != 1 {
				t.Errorf("the start function ran %d times", notes)
			}
			for _, f := range []string{"via_table", "via_ref"} {
				if got := call(t, m, f); got != 7 {
					t.Errorf("%s() = %d", f, got)
				}
			}
		})
	}
}

// TestReorderRejects: lists with functions the module does not define,
// and modules the pass would make wrong.
func TestReorderRejects(t *testing.T) {
	reordered, err := Reorder(indexedModule(false), []uint32{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what         string
		wasm         []byte
		start, later []uint32
		want         string
	}{
		{"an import", indexedModule(false), []uint32{0}, nil, "function 0 is not one the module defines (1 to 4)"},
		{"past the last", indexedModule(false), []uint32{1}, []uint32{5}, "function 5 is not one"},
		{"a name section", indexedModule(true), []uint32{1}, nil, "strip it first"},
		{"reordered already", reordered, []uint32{1}, nil, "reordered already"},
	} {
		if _, err := Reorder(c.wasm, c.start, c.later); err == nil {
			t.Errorf("%s: reordered", c.what)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to say %q", c.what, err, c.want)
		}
	}
}
