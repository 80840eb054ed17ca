package instrument

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// plainModule is the committed, unmetered module.
func plainModule(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "wasm", "sqlite3.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRoundTripEveryFunction: every function body of sqlite3.wasm decodes
// into instructions that encode back to its exact bytes, and so does the
// whole code section, locals and sizes included.
func TestRoundTripEveryFunction(t *testing.T) {
	sections, err := SplitSections(plainModule(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := JoinSections(sections); !bytes.Equal(got, plainModule(t)) {
		t.Fatal("sections do not join back to the module")
	}
	var code []byte
	for _, s := range sections {
		if s.ID == secCode {
			code = s.Payload
		}
	}
	bodies, err := decodeCode(code)
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) < 1000 {
		t.Fatalf("only %d function bodies", len(bodies))
	}
	out := appendU32(nil, uint32(len(bodies)))
	seen := map[Opcode]int{}
	instructions := 0
	for i, b := range bodies {
		instrs, err := DecodeExpr(b.Code)
		if err != nil {
			t.Fatalf("function body %d: %v", i, err)
		}
		for _, in := range instrs {
			seen[in.Op]++
		}
		instructions += len(instrs)
		enc := EncodeExpr(nil, instrs)
		if !bytes.Equal(enc, b.Code) {
			t.Fatalf("function body %d: %d bytes re-encode to %d, first difference at %d", i, len(b.Code), len(enc), firstDiff(enc, b.Code))
		}
		out = appendBody(out, b.Locals, enc)
	}
	if !bytes.Equal(out, code) {
		t.Fatalf("code section re-encodes differently (%d bytes, was %d), first difference at %d", len(out), len(code), firstDiff(out, code))
	}
	t.Logf("%d functions, %d instructions, %d distinct opcodes", len(bodies), instructions, len(seen))
	for _, op := range []Opcode{OpMemoryCopy, OpMemoryFill, OpBrTable, OpCallIndirect, 0xC0, 0xFC02} {
		if seen[op] == 0 {
			t.Errorf("sqlite3.wasm has no %v: the build flags changed?", op)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
