package instrument

// DecodeExpr decodes the instructions of an expression: a function body's
// code after its locals, or a constant expression. It reads to the end
// that closes the expression, which must be code's last byte, and returns
// every instruction including that end. An opcode it does not know, a
// malformed immediate, an else outside an if or an end too many is an
// error: nothing is skipped.
func DecodeExpr(code []byte) ([]Instruction, error) {
	r := &reader{b: code}
	out := readExpr(r, len(code)/2+1) // instructions average under two bytes
	if r.err == nil && r.p != len(code) {
		r.fail("%d bytes after the expression's end", len(code)-r.p)
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// readExpr reads instructions up to and including the end that closes the
// expression; errors are left in r.
func readExpr(r *reader, sizeHint int) []Instruction {
	out := make([]Instruction, 0, sizeHint)
	kinds := make([]Opcode, 0, 16) // the open blocks
	for {
		start := r.p
		in := decodeInstruction(r)
		if r.err != nil {
			return nil
		}
		out = append(out, in)
		switch in.Op {
		case OpBlock, OpLoop, OpIf:
			kinds = append(kinds, in.Op)
		case OpElse:
			if len(kinds) == 0 || kinds[len(kinds)-1] != OpIf {
				r.p = start
				r.fail("else outside an if")
				return nil
			}
			kinds[len(kinds)-1] = OpElse
		case OpEnd:
			if len(kinds) == 0 {
				return out
			}
			kinds = kinds[:len(kinds)-1]
		}
		if r.p == len(r.b) {
			r.fail("expression not closed by end")
			return nil
		}
	}
}

// decodeInstruction reads one instruction; errors are left in r.
func decodeInstruction(r *reader) Instruction {
	start := r.p
	op := Opcode(r.byte())
	if op == 0xFC || op == 0xFE {
		sub := r.u32()
		if sub > 0xFF {
			r.p = start
			r.fail("unknown instruction 0x%x %d", uint32(op), sub)
			return Instruction{}
		}
		op = op<<8 | Opcode(sub)
	}
	if r.err != nil {
		return Instruction{}
	}
	info, ok := opcodeInfo[op]
	if !ok {
		r.p = start
		r.fail("unknown or unsupported instruction %v", op)
		return Instruction{}
	}
	in := Instruction{Op: op}
	switch info.imm {
	case immNone:
	case immBlock:
		bt := r.sleb(33)
		if bt < 0 && bt != -64 && (bt < -64 || !isValType(byte(bt&0x7f))) {
			r.fail("%v: bad block type %d", op, bt)
		}
		in.Imm = uint64(bt)
	case immIndex:
		in.Imm = uint64(r.u32())
	case immBrTable:
		n := r.u32()
		if uint64(n) > uint64(len(r.b)-r.p) { // each label takes a byte at least
			r.fail("br_table with %d labels", n)
			return in
		}
		in.Vec = make([]uint32, n)
		for i := range in.Vec {
			in.Vec[i] = r.u32()
		}
		in.Imm = uint64(r.u32())
	case immCallInd:
		in.Imm = uint64(r.u32())
		in.Imm2 = r.u32()
	case immMemarg:
		align := r.u32()
		if align >= 0x40 {
			r.fail("%v: memory index flag in alignment %d (multiple memories are not supported)", op, align)
		}
		in.Imm = uint64(align)
		in.Imm2 = r.u32()
	case immMemory:
		mustBeMemory0(r, op)
	case immMemory2:
		mustBeMemory0(r, op)
		mustBeMemory0(r, op)
	case immIndexMem:
		in.Imm = uint64(r.u32())
		mustBeMemory0(r, op)
	case immIndex2:
		in.Imm = uint64(r.u32())
		in.Imm2 = r.u32()
	case immI32:
		in.Imm = uint64(r.sleb(32))
	case immI64:
		in.Imm = uint64(r.sleb(64))
	case immF32:
		b := r.bytes(4)
		if b != nil {
			in.Imm = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
		}
	case immF64:
		b := r.bytes(8)
		for i, c := range b {
			in.Imm |= uint64(c) << (8 * i)
		}
	case immSelectT:
		n := r.u32()
		if n != 1 {
			r.fail("select with %d types", n)
			return in
		}
		t := r.byte()
		if !isValType(t) {
			r.fail("select: bad value type 0x%02x", t)
		}
		in.Vec = []uint32{uint32(t)}
	case immRefType:
		t := r.byte()
		if t != refFunc && t != refExtern {
			r.fail("ref.null: bad reference type 0x%02x", t)
		}
		in.Imm = uint64(t)
	default:
		panic("instrument: no decoder for immediate kind of " + info.name)
	}
	return in
}

func mustBeMemory0(r *reader, op Opcode) {
	if m := r.u32(); m != 0 && r.err == nil {
		r.fail("%v: memory %d (multiple memories are not supported)", op, m)
	}
}

// Value types and reference types.
const (
	valI32    = 0x7F
	valI64    = 0x7E
	valF32    = 0x7D
	valF64    = 0x7C
	valV128   = 0x7B
	refFunc   = 0x70
	refExtern = 0x6F
)

func isValType(t byte) bool {
	switch t {
	case valI32, valI64, valF32, valF64, refFunc, refExtern:
		return true
	}
	return false // v128 included: SIMD is not supported
}
