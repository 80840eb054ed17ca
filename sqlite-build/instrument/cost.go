package instrument

// The static cost of each instruction, in the Internet Computer's
// instructions: the weights of instruction_to_cost in dfinity/ic's
// rs/embedders/src/wasm_utils/instrumentation.rs (read at commit 002d5530),
// for 32-bit memories. The IC falls back to 1 for an instruction its table
// does not name (typed select is the only one here); this table names every
// instruction the decoder accepts, and a test checks that it does.
//
// The bulk instructions' weights are their fixed part: each also costs its
// length at run time (see dynamicCost).

type costClass struct {
	what string
	cost uint64
	ops  []Opcode
}

func opRange(from, to Opcode) []Opcode {
	var ops []Opcode
	for op := from; op <= to; op++ {
		ops = append(ops, op)
	}
	return ops
}

func ops(list ...Opcode) []Opcode { return list }

func cat(lists ...[]Opcode) []Opcode {
	var out []Opcode
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// costClasses is the table, by class, in the IC's order.
var costClasses = []costClass{
	{"block, loop, else, end (structure only)", 0, ops(0x02, 0x03, 0x05, 0x0B)},
	{"constants", 1, opRange(0x41, 0x44)},
	{"integer add, sub, mul, and, or, xor, shifts, rotations, clz, ctz, popcnt", 1,
		cat(opRange(0x67, 0x6C), opRange(0x71, 0x7E), opRange(0x83, 0x8A))},
	{"integer div and rem", 10, cat(opRange(0x6D, 0x70), opRange(0x7F, 0x82))},
	{"integer comparisons", 1, opRange(0x45, 0x5A)},
	{"float abs, neg", 1, ops(0x8B, 0x8C, 0x99, 0x9A)},
	{"float add, sub, mul, ceil, floor, trunc, nearest", 2,
		ops(0x92, 0x93, 0x94, 0x8D, 0x8E, 0x8F, 0x90, 0xA0, 0xA1, 0xA2, 0x9B, 0x9C, 0x9D, 0x9E)},
	{"f32.div", 3, ops(0x95)},
	{"f64.div", 5, ops(0xA3)},
	{"float min, max", 18, ops(0x96, 0x97, 0xA4, 0xA5)},
	{"f32.copysign", 2, ops(0x98)},
	{"f64.copysign", 3, ops(0xA6)},
	{"f32.sqrt", 5, ops(0x91)},
	{"f64.sqrt", 8, ops(0x9F)},
	{"float comparisons", 3, opRange(0x5B, 0x66)},
	{"wrap, extend, sign extension, reinterpret", 1, cat(ops(0xA7, 0xAC, 0xAD), opRange(0xBC, 0xBF), opRange(0xC0, 0xC4))},
	{"signed int-to-float conversions", 3, ops(0xB2, 0xB4, 0xB7, 0xB9)},
	{"unsigned int-to-float conversions", 16, ops(0xB3, 0xB5, 0xB8, 0xBA)},
	{"saturating float-to-int truncations", 20, opRange(0xFC00, 0xFC07)},
	{"demote, promote", 1, ops(0xB6, 0xBB)},
	{"trapping float-to-int truncations", 20, cat(opRange(0xA8, 0xAB), opRange(0xAE, 0xB1))},
	{"loads and stores", 1, opRange(0x28, 0x3E)},
	{"i32.atomic.rmw.add (not in the IC's table, which has no threads: its fallback)", 1, ops(0xFE1E)},
	{"global.get, global.set", 2, ops(0x23, 0x24)},
	{"table.get, table.set", 5, ops(0x25, 0x26)},
	{"local.get, local.set, local.tee, select", 1, ops(0x20, 0x21, 0x22, 0x1B, 0x1C)},
	{"memory.grow, table.grow", 300, ops(0x40, 0xFC0F)},
	{"memory.size", 20, ops(0x3F)},
	{"table.size", 100, ops(0xFC10)},
	{"bulk memory and table: memory.fill, memory.copy, memory.init, table.fill, table.copy, table.init (plus their length)", 100,
		ops(OpMemoryFill, OpMemoryCopy, OpMemoryInit, OpTableFill, OpTableCopy, OpTableInit)},
	{"data.drop, elem.drop", 300, ops(0xFC09, 0xFC0D)},
	{"call", 5, ops(OpCall)},
	{"call_indirect", 10, ops(OpCallIndirect)},
	{"return, drop, unreachable, nop", 1, ops(0x0F, 0x1A, 0x00, 0x01)},
	{"if, br, br_if, br_table", 2, ops(OpIf, OpBr, OpBrIf, OpBrTable)},
	{"ref.null", 1, ops(0xD0)},
	{"ref.is_null", 5, ops(0xD1)},
	{"ref.func", 130, ops(OpRefFunc)},
}

var costs = func() map[Opcode]uint64 {
	m := map[Opcode]uint64{}
	for _, c := range costClasses {
		for _, op := range c.ops {
			if _, dup := m[op]; dup {
				panic("instrument: " + op.String() + " is in two cost classes")
			}
			m[op] = c.cost
		}
	}
	return m
}()

// Cost returns the static cost of an instruction. It panics on an
// instruction the decoder does not accept.
func Cost(op Opcode) uint64 {
	c, ok := costs[op]
	if !ok {
		panic("instrument: no cost for " + op.String())
	}
	return c
}

// FunctionEntryCost is charged at every function's entry on top of its first
// block, as the IC does, so that even an empty function costs something.
const FunctionEntryCost = 1

// dynamicCost reports whether an instruction also costs its length at run
// time, and so is preceded by a call to the charging function: the bulk
// memory and table instructions, whose length (bytes or table elements) is
// the i32 on top of the stack when they run.
func dynamicCost(op Opcode) bool {
	switch op {
	case OpMemoryFill, OpMemoryCopy, OpMemoryInit, OpTableFill, OpTableCopy, OpTableInit:
		return true
	}
	return false
}
