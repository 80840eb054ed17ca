package instrument

import (
	"slices"
	"strings"
	"testing"
)

// blockI64 is the block type i64 (the byte 0x7E, the signed -2).
const blockI64 = ^uint64(1)

// sampleInstruction returns op with immediates of its kind, far from zero
// so that multi-byte encodings are exercised.
func sampleInstruction(op Opcode) Instruction {
	in := Instruction{Op: op}
	switch opcodeInfo[op].imm {
	case immBlock:
		in.Imm = uint64(1000) // a type index
		if op == OpLoop {
			in.Imm = blockEmpty
		}
		if op == OpIf {
			in.Imm = blockI64
		}
	case immIndex:
		in.Imm = 300
	case immBrTable:
		in.Vec, in.Imm = []uint32{0, 200, 70000}, 5
	case immCallInd, immIndex2:
		in.Imm, in.Imm2 = 129, 3
	case immMemarg:
		in.Imm, in.Imm2 = 3, 65536
	case immIndexMem:
		in.Imm = 9
	case immI32:
		in.Imm = uint64(0xFFFFFFFF_80000000) // math.MinInt32, sign-extended
	case immI64:
		in.Imm = 1 << 63
	case immF32:
		in.Imm = 0x3FC00000
	case immF64:
		in.Imm = 0x400921FB54442D18
	case immSelectT:
		in.Vec = []uint32{valF64}
	case immRefType:
		in.Imm = refExtern
	}
	return in
}

// TestEveryInstructionRoundTrips: every instruction the decoder knows, with
// immediates, encodes and decodes back to itself.
func TestEveryInstructionRoundTrips(t *testing.T) {
	var code []Instruction
	var ops []Opcode
	for op := range opcodeInfo {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		switch op {
		case OpElse, OpEnd:
			continue // placed below, where they are valid
		case OpIf:
			code = append(code, sampleInstruction(op), Instruction{Op: OpElse}, Instruction{Op: OpEnd})
		case OpBlock, OpLoop:
			code = append(code, sampleInstruction(op), Instruction{Op: OpEnd})
		default:
			code = append(code, sampleInstruction(op))
		}
	}
	code = append(code, Instruction{Op: OpEnd})
	enc := EncodeExpr(nil, code)
	got, err := DecodeExpr(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(code) {
		t.Fatalf("%d instructions decoded, %d encoded", len(got), len(code))
	}
	for i := range code {
		if got[i].Op != code[i].Op || got[i].Imm != code[i].Imm || got[i].Imm2 != code[i].Imm2 || !slices.Equal(got[i].Vec, code[i].Vec) {
			t.Errorf("%v: decoded %+v, encoded %+v", code[i].Op, got[i], code[i])
		}
	}
}

// TestDecodeRejects: what the decoder does not know, or what is malformed,
// is an error that names it, never skipped.
func TestDecodeRejects(t *testing.T) {
	for _, c := range []struct {
		what string
		code []byte
		want string
	}{
		{"SIMD", []byte{0xFD, 0x0C, 0x0B}, "unknown or unsupported instruction 0xfd"},
		{"atomics but fence.c's", []byte{0xFE, 0x03, 0x00, 0x0B}, "0xfe 3"},
		{"tail call", []byte{0x12, 0x00, 0x0B}, "0x12"},
		{"exceptions", []byte{0x06, 0x40, 0x0B, 0x0B}, "0x06"},
		{"prefixed, unknown", []byte{0xFC, 0x12, 0x0B}, "0xfc 18"},
		{"prefixed, huge", []byte{0xFC, 0x80, 0x80, 0x04, 0x0B}, "0xfc 65536"},
		{"a second memory", []byte{0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1A, 0x0B}, "multiple memories"},
		{"memory.copy from memory 1", []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 0x0A, 0x00, 0x01, 0x0B}, "memory.copy: memory 1"},
		{"memory.size of memory 2", []byte{0x3F, 0x02, 0x1A, 0x0B}, "memory 2"},
		{"v128 block", []byte{0x02, 0x7B, 0x0B, 0x0B}, "bad block type"},
		{"block type out of range", []byte{0x02, 0xBF, 0x7F, 0x0B, 0x0B}, "bad block type"},
		{"else outside if", []byte{0x02, 0x40, 0x05, 0x0B, 0x0B}, "else outside an if"},
		{"no end", []byte{0x01, 0x01}, "not closed by end"},
		{"bytes after the end", []byte{0x0B, 0x01}, "after the expression's end"},
		{"cut short", []byte{0x41}, "unexpected end"},
		{"select of two types", []byte{0x1C, 0x02, 0x7F, 0x7F, 0x0B}, "select with 2 types"},
		{"ref.null of i32", []byte{0xD0, 0x7F, 0x0B}, "bad reference type"},
	} {
		_, err := DecodeExpr(c.code)
		if err == nil {
			t.Errorf("%s: decoded", c.what)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to say %q", c.what, err, c.want)
		}
	}
}
