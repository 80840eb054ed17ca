package instrument

import (
	"bytes"
	"strings"
	"testing"
)

// TestInstrumentRejects: modules the pass cannot meter faithfully.
func TestInstrumentRejects(t *testing.T) {
	withCustom := func(name string) []byte {
		s, _ := SplitSections(testModule())
		return JoinSections(append(s, Section{secCustom, appendName(nil, name)}))
	}
	for _, c := range []struct {
		what string
		wasm []byte
		want string
	}{
		{"not wasm", []byte("\x00asm\x02\x00\x00\x00"), "not a WebAssembly 1.0"},
		{"DWARF", withCustom(".debug_info"), "strip it first"},
		{"object file", withCustom("linking"), "strip it first"},
		{"sections out of order", JoinSections([]Section{{secFunction, []byte{0}}, {secType, []byte{0}}}), "out of order"},
		{"SIMD in a body", JoinSections([]Section{
			{secType, encodeTypes([]FuncType{{}})}, {secFunction, []byte{1, 0}},
			{secCode, appendBody([]byte{1}, nil, []byte{0xFD, 0x0F, 0x0B})}}), "function 0: at byte 0: unknown or unsupported instruction 0xfd"},
	} {
		_, _, err := Instrument(c.wasm)
		if err == nil {
			t.Errorf("%s: metered", c.what)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to say %q", c.what, err, c.want)
		}
	}
}

// TestRenumbering: a module whose function indices appear in every place
// they can (calls, ref.func in code, global initialisers and element
// expressions, element function lists, exports, the start function, the
// name section) is metered with every one of them moved past the added
// import, and runs: its start function, a call through the table, a call
// through a ref.func.
func TestRenumbering(t *testing.T) {
	out, _, err := Instrument(indexedModule(true))
	if err != nil {
		t.Fatal(err)
	}
	sections, err := SplitSections(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sections {
		switch s.ID {
		case secStart:
			if f, _ := decodeStart(s.Payload); f != 2 {
				t.Errorf("start function %d, want 2", f)
			}
		case secGlobal:
			g, _ := decodeGlobals(s.Payload)
			if g[0].Init[0].Imm != 3 {
				t.Errorf("global initialiser %+v, want ref.func 3", g[0].Init[0])
			}
		case secElement:
			e, _ := decodeElements(s.Payload)
			if e[0].Funcs[0] != 3 || e[1].Exprs[0][0].Imm != 5 {
				t.Errorf("elements %+v", e)
			}
		case secCustom:
			name, content, _ := customName(s.Payload)
			want := []byte{nameFunctions}
			fn := []byte{3, 2}
			fn = appendName(fn, "start")
			fn = append(fn, 3)
			fn = appendName(fn, "seven")
			fn = append(fn, 4)
			fn = appendName(fn, "via_table")
			want = appendU32(want, uint32(len(fn)))
			want = append(want, fn...)
			if name != "name" || !bytes.Equal(content, want) {
				t.Errorf("name section %q: % x, want % x", name, content, want)
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
			c := counter(t, m)
			// The start function cost 1 entry + call 5.
			if used := InitialCounter - int64(c.Get()); used != 6 {
				t.Errorf("the start function cost %d, want 6", used)
			}
			for _, f := range []struct {
				name string
				cost int64
			}{{"via_table", 1 + 1 + 10 + (1 + 1)}, {"via_ref", 1 + 130 + 1 + 5 + (1 + 1)}} {
				c.Set(1000)
				if got := call(t, m, f.name); got != 7 {
					t.Errorf("%s() = %d", f.name, got)
				}
				if used := 1000 - int64(c.Get()); used != f.cost {
					t.Errorf("%s cost %d, want %d", f.name, used, f.cost)
				}
			}
		})
	}
}

// indexedModule is a module whose function indices appear in every place
// they can: calls, ref.func in code, global initialisers and element
// expressions, element function lists, exports, the start function and,
// withNames, the name section.
func indexedModule(withNames bool) []byte {
	// (import "test" "note" (func))                              ;; 0
	// (func $start (global.set $g (i32.const 0)) call $note)    ;; 1, the start function
	// (func $seven (result i32) (i32.const 7))                   ;; 2
	// (func $via_table (result i32) (call_indirect (type 1) (i32.const 0)))   ;; 3
	// (func $via_ref (result i32) (ref.func $seven) drop (call $seven))        ;; 4
	// (global $f funcref (ref.func $seven))
	// (table 2 funcref) (elem (i32.const 0) func $seven) (elem declare funcref (ref.func $via_ref))
	code := appendU32(nil, 4)
	code = appendBody(code, nil, EncodeExpr(nil, []Instruction{{Op: OpCall, Imm: 0}, {Op: OpEnd}}))
	code = appendBody(code, nil, EncodeExpr(nil, []Instruction{{Op: OpI32Const, Imm: 7}, {Op: OpEnd}}))
	code = appendBody(code, nil, EncodeExpr(nil, []Instruction{{Op: OpI32Const, Imm: 0}, {Op: OpCallIndirect, Imm: 1}, {Op: OpEnd}}))
	code = appendBody(code, nil, EncodeExpr(nil, []Instruction{{Op: OpRefFunc, Imm: 2}, {Op: 0x1A}, {Op: OpCall, Imm: 2}, {Op: OpEnd}}))
	names := []byte{nameFunctions}
	fnames := []byte{3, 1}
	fnames = appendName(fnames, "start")
	fnames = append(fnames, 2)
	fnames = appendName(fnames, "seven")
	fnames = append(fnames, 3)
	fnames = appendName(fnames, "via_table")
	names = appendU32(names, uint32(len(fnames)))
	names = append(names, fnames...)
	sections := []Section{
		{secType, encodeTypes([]FuncType{{}, {Results: []byte{valI32}}})},
		{secImport, encodeImports([]Import{{Module: "test", Name: "note", Kind: kindFunc}})},
		{secFunction, encodeIndices([]uint32{0, 1, 1, 1})},
		{secTable, []byte{1, refFunc, 0, 2}},
		{secGlobal, encodeGlobals([]Global{{Type: refFunc, Init: []Instruction{{Op: OpRefFunc, Imm: 2}, {Op: OpEnd}}}})},
		{secExport, encodeExports([]Export{{"via_table", kindFunc, 3}, {"via_ref", kindFunc, 4}})},
		{secStart, appendU32(nil, 1)},
		{secElement, encodeElements([]Element{
			{Flags: 0, Offset: []Instruction{{Op: OpI32Const, Imm: 0}, {Op: OpEnd}}, Funcs: []uint32{2}},
			{Flags: 7, Kind: refFunc, Exprs: [][]Instruction{{{Op: OpRefFunc, Imm: 4}, {Op: OpEnd}}}},
		})},
		{secCode, code},
	}
	if withNames {
		sections = append(sections, Section{secCustom, append(appendName(nil, "name"), names...)})
	}
	return JoinSections(sections)
}
