package instrument

import "testing"

// TestEveryInstructionHasACost: the cost table names every instruction the
// decoder accepts, and nothing else.
func TestEveryInstructionHasACost(t *testing.T) {
	for op := range opcodeInfo {
		if _, ok := costs[op]; !ok {
			t.Errorf("%v has no cost", op)
		}
	}
	for op := range costs {
		if _, ok := opcodeInfo[op]; !ok {
			t.Errorf("cost for %v, which the decoder does not accept", op)
		}
	}
}

// TestCosts: a few weights, as the IC's instruction_to_cost gives them.
func TestCosts(t *testing.T) {
	for _, c := range []struct {
		name string
		cost uint64
	}{
		{"block", 0}, {"loop", 0}, {"end", 0}, {"else", 0},
		{"i32.const", 1}, {"i32.add", 1}, {"i64.rotr", 1}, {"i32.popcnt", 1},
		{"i32.div_u", 10}, {"i64.rem_s", 10},
		{"f64.add", 2}, {"f32.div", 3}, {"f64.div", 5}, {"f64.min", 18}, {"f64.sqrt", 8},
		{"f64.lt", 3}, {"f64.convert_i64_u", 16}, {"f64.convert_i32_s", 3},
		{"i64.trunc_f64_s", 20}, {"i64.trunc_sat_f64_u", 20}, {"i32.extend8_s", 1},
		{"i64.load32_u", 1}, {"f64.store", 1}, {"global.get", 2}, {"local.tee", 1},
		{"memory.size", 20}, {"memory.grow", 300},
		{"memory.copy", 100}, {"memory.fill", 100}, {"data.drop", 300},
		{"call", 5}, {"call_indirect", 10}, {"br_table", 2}, {"if", 2}, {"return", 1},
		{"ref.func", 130},
	} {
		found := false
		for op, info := range opcodeInfo {
			if info.name == c.name {
				found = true
				if got := Cost(op); got != c.cost {
					t.Errorf("%s costs %d, want %d", c.name, got, c.cost)
				}
			}
		}
		if !found {
			t.Errorf("no instruction %s", c.name)
		}
	}
}

// TestBlockCosts: the static costs the splitter gives a few blocks, worked
// out by hand from the table.
func TestBlockCosts(t *testing.T) {
	// A function with an if/else, a load and a division:
	//	local.get 0  i32.load offset=4  local.tee 1  if (result i32)   ;; entry: 1 + 1 + 1 + 1 + 2 = 6
	//	  local.get 1  i32.const 3  i32.div_u                          ;; then: 1 + 1 + 10 + else 0 = 12
	//	else
	//	  global.get 0  i32.const 1  i32.shl                           ;; else: 2 + 1 + 1 + end 0 = 4
	//	end
	//	call 0  drop                                                   ;; after: 5 + 1 + end 0 = 6
	code := []Instruction{
		{Op: OpLocalGet}, {Op: 0x28, Imm: 2, Imm2: 4}, {Op: OpLocalTee, Imm: 1}, {Op: OpIf, Imm: blockI32},
		{Op: OpLocalGet, Imm: 1}, {Op: OpI32Const, Imm: 3}, {Op: 0x6E},
		{Op: OpElse},
		{Op: OpGlobalGet}, {Op: OpI32Const, Imm: 1}, {Op: 0x74},
		{Op: OpEnd},
		{Op: OpCall}, {Op: 0x1A},
		{Op: OpEnd},
	}
	want := []Point{{0, ChargeAndCheck, 6}, {4, Charge, 12}, {8, Charge, 4}, {12, Charge, 6}}
	if got := Points(code); !equalPoints(got, want) {
		t.Errorf("points %v, want %v", got, want)
	}
}

// blockI32 is the block type i32 (the byte 0x7F, the signed -1).
const blockI32 = ^uint64(0)

func equalPoints(a, b []Point) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
