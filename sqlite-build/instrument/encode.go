package instrument

// AppendInstruction appends the binary encoding of in to b: the opcode,
// then the immediates in the shortest LEB128 form (which is the form
// compilers and wasm-opt write, so that decoding and encoding a module's
// code gives back its bytes).
func AppendInstruction(b []byte, in Instruction) []byte {
	if in.Op > 0xFF { // prefix, then the sub-opcode
		b = append(b, byte(in.Op>>8))
		b = appendU32(b, uint32(in.Op&0xFF))
	} else {
		b = append(b, byte(in.Op))
	}
	info, ok := opcodeInfo[in.Op]
	if !ok {
		panic("instrument: encoding unknown instruction " + in.Op.String())
	}
	switch info.imm {
	case immNone:
	case immBlock:
		b = appendSLEB(b, int64(in.Imm))
	case immIndex:
		b = appendU32(b, uint32(in.Imm))
	case immBrTable:
		b = appendU32(b, uint32(len(in.Vec)))
		for _, l := range in.Vec {
			b = appendU32(b, l)
		}
		b = appendU32(b, uint32(in.Imm))
	case immCallInd, immMemarg, immIndex2:
		b = appendU32(b, uint32(in.Imm))
		b = appendU32(b, in.Imm2)
	case immMemory:
		b = append(b, 0)
	case immMemory2:
		b = append(b, 0, 0)
	case immIndexMem:
		b = appendU32(b, uint32(in.Imm))
		b = append(b, 0)
	case immI32:
		b = appendSLEB(b, int64(int32(in.Imm)))
	case immI64:
		b = appendSLEB(b, int64(in.Imm))
	case immF32:
		b = append(b, byte(in.Imm), byte(in.Imm>>8), byte(in.Imm>>16), byte(in.Imm>>24))
	case immF64:
		for i := 0; i < 8; i++ {
			b = append(b, byte(in.Imm>>(8*i)))
		}
	case immSelectT:
		b = appendU32(b, uint32(len(in.Vec)))
		for _, t := range in.Vec {
			b = append(b, byte(t))
		}
	case immRefType:
		b = append(b, byte(in.Imm))
	default:
		panic("instrument: no encoder for immediate kind of " + info.name)
	}
	return b
}

// EncodeExpr appends the encoding of every instruction of code to b.
func EncodeExpr(b []byte, code []Instruction) []byte {
	for _, in := range code {
		b = AppendInstruction(b, in)
	}
	return b
}
