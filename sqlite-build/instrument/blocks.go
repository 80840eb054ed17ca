package instrument

import "sort"

// PointKind says what the pass injects at a point.
type PointKind uint8

const (
	// ChargeAndCheck starts a block that can be entered again (a function
	// body or a loop body): subtract the block's cost from the counter, and
	// call the exhausted import if the counter is then negative.
	ChargeAndCheck PointKind = iota
	// Charge starts any other block: subtract its cost.
	Charge
	// ChargeLength comes just before a bulk instruction: call the charging
	// function, which subtracts the length on top of the stack (and checks).
	ChargeLength
)

// Point is a place in a function's code where the pass injects metering:
// before the instruction at index Pos.
type Point struct {
	Pos  int
	Kind PointKind
	Cost uint64 // the block's static cost (ChargeAndCheck and Charge)
}

// Points splits a function's code into the blocks the Internet Computer
// charges, following injections() in its instrumentation.rs: a block runs
// from a point to the next instruction that ends one (if, else, end, br,
// br_if, br_table, return, unreachable) or starts one (loop), that
// instruction included, and costs the sum of its instructions' costs. The
// function's first block costs FunctionEntryCost more. Every branch target
// (after a loop, after an end) and every arm (after if, after else) starts
// a block, so each block runs whole, once each time it is entered, unless
// something in it traps.
//
// Blocks of cost 0 need no charge and get no point, except that every
// function entry and loop header gets a ChargeAndCheck even at cost 0:
// those are where a running function can be stopped. Bulk instructions get
// a ChargeLength point of their own. Points come in order of Pos; at one
// Pos, a block's charge comes before a bulk instruction's.
func Points(code []Instruction) []Point {
	var out []Point
	curr := Point{Pos: 0, Kind: ChargeAndCheck, Cost: FunctionEntryCost}
	next := func(pos int, kind PointKind) {
		if curr.Kind == ChargeAndCheck || curr.Cost > 0 {
			out = append(out, curr)
		}
		curr = Point{Pos: pos, Kind: kind}
	}
	for i, in := range code {
		curr.Cost += Cost(in.Op)
		switch in.Op {
		case OpLoop:
			next(i+1, ChargeAndCheck)
		case OpIf, OpElse, OpEnd, OpBr, OpBrIf, OpBrTable, OpReturn, OpUnreachable:
			next(i+1, Charge)
		default:
			if dynamicCost(in.Op) {
				out = append(out, Point{Pos: i, Kind: ChargeLength})
			}
		}
	}
	// curr is now the block after the function's final end: empty, and it
	// never runs.
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Pos != out[b].Pos {
			return out[a].Pos < out[b].Pos
		}
		return out[a].Kind != ChargeLength && out[b].Kind == ChargeLength
	})
	return out
}
