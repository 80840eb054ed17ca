package instrument

import "fmt"

// Opcode identifies an instruction: its opcode byte, or for the
// instructions behind a prefix, the prefix times 256 plus the sub-opcode:
// 0xFC00 and up behind 0xFC (saturating truncations, bulk memory, table
// operations), 0xFE1E for i32.atomic.rmw.add behind 0xFE.
type Opcode uint32

// The opcodes the pass treats specially; opcodeInfo below lists every one
// it decodes.
const (
	OpUnreachable   Opcode = 0x00
	OpBlock         Opcode = 0x02
	OpLoop          Opcode = 0x03
	OpIf            Opcode = 0x04
	OpElse          Opcode = 0x05
	OpEnd           Opcode = 0x0B
	OpBr            Opcode = 0x0C
	OpBrIf          Opcode = 0x0D
	OpBrTable       Opcode = 0x0E
	OpReturn        Opcode = 0x0F
	OpCall          Opcode = 0x10
	OpCallIndirect  Opcode = 0x11
	OpLocalGet      Opcode = 0x20
	OpLocalTee      Opcode = 0x22
	OpGlobalGet     Opcode = 0x23
	OpGlobalSet     Opcode = 0x24
	OpI32Const      Opcode = 0x41
	OpI64Const      Opcode = 0x42
	OpI64LtS        Opcode = 0x53
	OpI64GtS        Opcode = 0x55
	OpI64Sub        Opcode = 0x7D
	OpI64ExtendI32U Opcode = 0xAD
	OpSelect        Opcode = 0x1B
	OpRefFunc       Opcode = 0xD2
	OpMemoryInit    Opcode = 0xFC08
	OpMemoryCopy    Opcode = 0xFC0A
	OpMemoryFill    Opcode = 0xFC0B
	OpTableInit     Opcode = 0xFC0C
	OpTableCopy     Opcode = 0xFC0E
	OpTableFill     Opcode = 0xFC11
)

// Instruction is one decoded instruction. Which fields it uses depends on
// its immediates (see the imm* kinds):
//
//	block, loop, if        Imm: the block type (a signed 33-bit number: -64 none, -1..-32 a value type, ≥ 0 a type index)
//	br, br_if              Imm: the label
//	br_table               Vec: the labels; Imm: the default label
//	call, ref.func         Imm: the function index
//	call_indirect          Imm: the type index; Imm2: the table
//	local.*, global.*      Imm: the index
//	table.get/set/size/grow/fill   Imm: the table
//	loads and stores       Imm: the alignment exponent; Imm2: the offset
//	i32.const, i64.const   Imm: the value, sign-extended to 64 bits
//	f32.const, f64.const   Imm: the value's bits
//	select t               Vec: the value types
//	ref.null               Imm: the reference type
//	memory.init            Imm: the data segment
//	data.drop              Imm: the data segment
//	table.init             Imm: the element segment; Imm2: the table
//	elem.drop              Imm: the element segment
//	table.copy             Imm: the destination table; Imm2: the source
//
// memory.size, memory.grow, memory.copy, memory.fill and memory.init name
// memory 0, the only one a module has without multi-memory; the decoder
// refuses any other.
type Instruction struct {
	Op   Opcode
	Imm  uint64
	Imm2 uint32
	Vec  []uint32
}

// blockEmpty is the block type of a block without params or results (-64,
// the byte 0x40), as an Instruction's Imm.
const blockEmpty = ^uint64(63)

// immKind says which immediates follow an opcode.
type immKind uint8

const (
	immNone     immKind = iota
	immBlock            // block type
	immIndex            // one u32 index (label, function, local, global, table, segment)
	immBrTable          // vec(label) label
	immCallInd          // type index, table index
	immMemarg           // alignment, offset
	immMemory           // memory index, which must be 0
	immMemory2          // two memory indices (memory.copy), both 0
	immIndexMem         // data index, memory index 0 (memory.init)
	immIndex2           // two u32 indices (table.init, table.copy)
	immI32              // signed 32-bit LEB128
	immI64              // signed 64-bit LEB128
	immF32              // 4 bytes
	immF64              // 8 bytes
	immSelectT          // vec(valtype)
	immRefType          // one reference type byte
)

type opInfo struct {
	name string
	imm  immKind
}

// opcodeInfo lists every instruction the decoder accepts: WebAssembly 1.0,
// sign extension, non-trapping float-to-int conversions, bulk memory, and
// reference types (whose table and ref instructions bulk memory's table
// operations come with), and of threads the one atomic instruction fence.c
// makes. SIMD, the other atomic instructions, tail calls, exceptions,
// multiple memories, 64-bit memories and GC are refused: the build uses
// none of them, and a pass that met one would have to learn its costs
// first.
var opcodeInfo = map[Opcode]opInfo{
	0x00: {"unreachable", immNone}, 0x01: {"nop", immNone},
	0x02: {"block", immBlock}, 0x03: {"loop", immBlock}, 0x04: {"if", immBlock},
	0x05: {"else", immNone}, 0x0B: {"end", immNone},
	0x0C: {"br", immIndex}, 0x0D: {"br_if", immIndex}, 0x0E: {"br_table", immBrTable},
	0x0F: {"return", immNone}, 0x10: {"call", immIndex}, 0x11: {"call_indirect", immCallInd},

	0x1A: {"drop", immNone}, 0x1B: {"select", immNone}, 0x1C: {"select", immSelectT},

	0x20: {"local.get", immIndex}, 0x21: {"local.set", immIndex}, 0x22: {"local.tee", immIndex},
	0x23: {"global.get", immIndex}, 0x24: {"global.set", immIndex},
	0x25: {"table.get", immIndex}, 0x26: {"table.set", immIndex},

	0x28: {"i32.load", immMemarg}, 0x29: {"i64.load", immMemarg},
	0x2A: {"f32.load", immMemarg}, 0x2B: {"f64.load", immMemarg},
	0x2C: {"i32.load8_s", immMemarg}, 0x2D: {"i32.load8_u", immMemarg},
	0x2E: {"i32.load16_s", immMemarg}, 0x2F: {"i32.load16_u", immMemarg},
	0x30: {"i64.load8_s", immMemarg}, 0x31: {"i64.load8_u", immMemarg},
	0x32: {"i64.load16_s", immMemarg}, 0x33: {"i64.load16_u", immMemarg},
	0x34: {"i64.load32_s", immMemarg}, 0x35: {"i64.load32_u", immMemarg},
	0x36: {"i32.store", immMemarg}, 0x37: {"i64.store", immMemarg},
	0x38: {"f32.store", immMemarg}, 0x39: {"f64.store", immMemarg},
	0x3A: {"i32.store8", immMemarg}, 0x3B: {"i32.store16", immMemarg},
	0x3C: {"i64.store8", immMemarg}, 0x3D: {"i64.store16", immMemarg}, 0x3E: {"i64.store32", immMemarg},
	0x3F: {"memory.size", immMemory}, 0x40: {"memory.grow", immMemory},

	0x41: {"i32.const", immI32}, 0x42: {"i64.const", immI64},
	0x43: {"f32.const", immF32}, 0x44: {"f64.const", immF64},

	0x45: {"i32.eqz", immNone}, 0x46: {"i32.eq", immNone}, 0x47: {"i32.ne", immNone},
	0x48: {"i32.lt_s", immNone}, 0x49: {"i32.lt_u", immNone}, 0x4A: {"i32.gt_s", immNone},
	0x4B: {"i32.gt_u", immNone}, 0x4C: {"i32.le_s", immNone}, 0x4D: {"i32.le_u", immNone},
	0x4E: {"i32.ge_s", immNone}, 0x4F: {"i32.ge_u", immNone},
	0x50: {"i64.eqz", immNone}, 0x51: {"i64.eq", immNone}, 0x52: {"i64.ne", immNone},
	0x53: {"i64.lt_s", immNone}, 0x54: {"i64.lt_u", immNone}, 0x55: {"i64.gt_s", immNone},
	0x56: {"i64.gt_u", immNone}, 0x57: {"i64.le_s", immNone}, 0x58: {"i64.le_u", immNone},
	0x59: {"i64.ge_s", immNone}, 0x5A: {"i64.ge_u", immNone},
	0x5B: {"f32.eq", immNone}, 0x5C: {"f32.ne", immNone}, 0x5D: {"f32.lt", immNone},
	0x5E: {"f32.gt", immNone}, 0x5F: {"f32.le", immNone}, 0x60: {"f32.ge", immNone},
	0x61: {"f64.eq", immNone}, 0x62: {"f64.ne", immNone}, 0x63: {"f64.lt", immNone},
	0x64: {"f64.gt", immNone}, 0x65: {"f64.le", immNone}, 0x66: {"f64.ge", immNone},

	0x67: {"i32.clz", immNone}, 0x68: {"i32.ctz", immNone}, 0x69: {"i32.popcnt", immNone},
	0x6A: {"i32.add", immNone}, 0x6B: {"i32.sub", immNone}, 0x6C: {"i32.mul", immNone},
	0x6D: {"i32.div_s", immNone}, 0x6E: {"i32.div_u", immNone},
	0x6F: {"i32.rem_s", immNone}, 0x70: {"i32.rem_u", immNone},
	0x71: {"i32.and", immNone}, 0x72: {"i32.or", immNone}, 0x73: {"i32.xor", immNone},
	0x74: {"i32.shl", immNone}, 0x75: {"i32.shr_s", immNone}, 0x76: {"i32.shr_u", immNone},
	0x77: {"i32.rotl", immNone}, 0x78: {"i32.rotr", immNone},
	0x79: {"i64.clz", immNone}, 0x7A: {"i64.ctz", immNone}, 0x7B: {"i64.popcnt", immNone},
	0x7C: {"i64.add", immNone}, 0x7D: {"i64.sub", immNone}, 0x7E: {"i64.mul", immNone},
	0x7F: {"i64.div_s", immNone}, 0x80: {"i64.div_u", immNone},
	0x81: {"i64.rem_s", immNone}, 0x82: {"i64.rem_u", immNone},
	0x83: {"i64.and", immNone}, 0x84: {"i64.or", immNone}, 0x85: {"i64.xor", immNone},
	0x86: {"i64.shl", immNone}, 0x87: {"i64.shr_s", immNone}, 0x88: {"i64.shr_u", immNone},
	0x89: {"i64.rotl", immNone}, 0x8A: {"i64.rotr", immNone},

	0x8B: {"f32.abs", immNone}, 0x8C: {"f32.neg", immNone}, 0x8D: {"f32.ceil", immNone},
	0x8E: {"f32.floor", immNone}, 0x8F: {"f32.trunc", immNone}, 0x90: {"f32.nearest", immNone},
	0x91: {"f32.sqrt", immNone}, 0x92: {"f32.add", immNone}, 0x93: {"f32.sub", immNone},
	0x94: {"f32.mul", immNone}, 0x95: {"f32.div", immNone}, 0x96: {"f32.min", immNone},
	0x97: {"f32.max", immNone}, 0x98: {"f32.copysign", immNone},
	0x99: {"f64.abs", immNone}, 0x9A: {"f64.neg", immNone}, 0x9B: {"f64.ceil", immNone},
	0x9C: {"f64.floor", immNone}, 0x9D: {"f64.trunc", immNone}, 0x9E: {"f64.nearest", immNone},
	0x9F: {"f64.sqrt", immNone}, 0xA0: {"f64.add", immNone}, 0xA1: {"f64.sub", immNone},
	0xA2: {"f64.mul", immNone}, 0xA3: {"f64.div", immNone}, 0xA4: {"f64.min", immNone},
	0xA5: {"f64.max", immNone}, 0xA6: {"f64.copysign", immNone},

	0xA7: {"i32.wrap_i64", immNone},
	0xA8: {"i32.trunc_f32_s", immNone}, 0xA9: {"i32.trunc_f32_u", immNone},
	0xAA: {"i32.trunc_f64_s", immNone}, 0xAB: {"i32.trunc_f64_u", immNone},
	0xAC: {"i64.extend_i32_s", immNone}, 0xAD: {"i64.extend_i32_u", immNone},
	0xAE: {"i64.trunc_f32_s", immNone}, 0xAF: {"i64.trunc_f32_u", immNone},
	0xB0: {"i64.trunc_f64_s", immNone}, 0xB1: {"i64.trunc_f64_u", immNone},
	0xB2: {"f32.convert_i32_s", immNone}, 0xB3: {"f32.convert_i32_u", immNone},
	0xB4: {"f32.convert_i64_s", immNone}, 0xB5: {"f32.convert_i64_u", immNone},
	0xB6: {"f32.demote_f64", immNone},
	0xB7: {"f64.convert_i32_s", immNone}, 0xB8: {"f64.convert_i32_u", immNone},
	0xB9: {"f64.convert_i64_s", immNone}, 0xBA: {"f64.convert_i64_u", immNone},
	0xBB: {"f64.promote_f32", immNone},
	0xBC: {"i32.reinterpret_f32", immNone}, 0xBD: {"i64.reinterpret_f64", immNone},
	0xBE: {"f32.reinterpret_i32", immNone}, 0xBF: {"f64.reinterpret_i64", immNone},

	// Sign extension.
	0xC0: {"i32.extend8_s", immNone}, 0xC1: {"i32.extend16_s", immNone},
	0xC2: {"i64.extend8_s", immNone}, 0xC3: {"i64.extend16_s", immNone}, 0xC4: {"i64.extend32_s", immNone},

	// Reference types.
	0xD0: {"ref.null", immRefType}, 0xD1: {"ref.is_null", immNone}, 0xD2: {"ref.func", immIndex},

	// Non-trapping float-to-int conversions.
	0xFC00: {"i32.trunc_sat_f32_s", immNone}, 0xFC01: {"i32.trunc_sat_f32_u", immNone},
	0xFC02: {"i32.trunc_sat_f64_s", immNone}, 0xFC03: {"i32.trunc_sat_f64_u", immNone},
	0xFC04: {"i64.trunc_sat_f32_s", immNone}, 0xFC05: {"i64.trunc_sat_f32_u", immNone},
	0xFC06: {"i64.trunc_sat_f64_s", immNone}, 0xFC07: {"i64.trunc_sat_f64_u", immNone},

	// Bulk memory, and the table operations of reference types.
	0xFC08: {"memory.init", immIndexMem}, 0xFC09: {"data.drop", immIndex},
	0xFC0A: {"memory.copy", immMemory2}, 0xFC0B: {"memory.fill", immMemory},
	0xFC0C: {"table.init", immIndex2}, 0xFC0D: {"elem.drop", immIndex},
	0xFC0E: {"table.copy", immIndex2}, 0xFC0F: {"table.grow", immIndex},
	0xFC10: {"table.size", immIndex}, 0xFC11: {"table.fill", immIndex},

	// Of the threads proposal, only what fence.c uses (vfs.c's xShmBarrier).
	0xFE1E: {"i32.atomic.rmw.add", immMemarg},
}

// String returns the instruction's name in the text format.
func (op Opcode) String() string {
	if info, ok := opcodeInfo[op]; ok {
		return info.name
	}
	if op > 0xFF {
		return fmt.Sprintf("0x%x %d", uint32(op>>8), uint32(op&0xFF))
	}
	return fmt.Sprintf("0x%02x", uint32(op))
}
