package instrument

import "testing"

// TestPoints: where the splitter puts the metering of the test module's
// functions, and of a few edge cases, by hand.
func TestPoints(t *testing.T) {
	for _, c := range []struct {
		what string
		code []Instruction
		want []Point
	}{
		{"sum: entry, loop header, loop body, exit; the empty blocks after br and the outer end get nothing",
			sumCode, []Point{{0, ChargeAndCheck, sumEntry}, {2, ChargeAndCheck, sumHeader}, {6, Charge, sumBody}, {17, Charge, sumExit}}},
		{"switch: every br_table target starts a block",
			switchCode, []Point{{0, ChargeAndCheck, switchDispatch}, {6, Charge, 4}, {11, Charge, 2}, {14, Charge, 1}}},
		{"fillcopy: one block, two length charges",
			fillCopyCode, []Point{{0, ChargeAndCheck, fillCopyStatic}, {3, ChargeLength, 0}, {7, ChargeLength, 0}}},
		{"an empty function costs its entry",
			[]Instruction{{Op: OpEnd}}, []Point{{0, ChargeAndCheck, FunctionEntryCost}}},
		{"an empty loop still checks",
			[]Instruction{{Op: OpLoop, Imm: blockEmpty}, {Op: OpEnd}, {Op: OpEnd}}, []Point{{0, ChargeAndCheck, 1}, {1, ChargeAndCheck, 0}}},
		{"a bulk instruction first in a block: the block's charge comes first",
			[]Instruction{
				{Op: OpLocalGet}, {Op: OpLocalGet}, {Op: OpLocalGet}, {Op: OpBlock, Imm: blockEmpty}, {Op: OpEnd},
				{Op: OpMemoryFill}, {Op: OpEnd}},
			[]Point{{0, ChargeAndCheck, 4}, {5, Charge, 100}, {5, ChargeLength, 0}}},
		{"unreachable and return end blocks",
			[]Instruction{{Op: OpBlock, Imm: blockEmpty}, {Op: OpUnreachable}, {Op: OpEnd}, {Op: OpI32Const}, {Op: OpReturn}, {Op: OpEnd}},
			[]Point{{0, ChargeAndCheck, 2}, {3, Charge, 2}}},
	} {
		if got := Points(c.code); !equalPoints(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.what, got, c.want)
		}
	}
}

// TestInjectedCode: what a charge, a check and a length charge look like
// in the metered code.
func TestInjectedCode(t *testing.T) {
	m := meter{counter: 5, exhausted: 2, charge: 9}
	code := []Instruction{{Op: OpLocalGet}, {Op: OpLocalGet}, {Op: OpLocalGet}, {Op: OpMemoryCopy}, {Op: OpEnd}}
	got := m.inject(code, Points(code))
	want := []Instruction{
		{Op: OpGlobalGet, Imm: 5}, {Op: OpI64Const, Imm: 104}, {Op: OpI64Sub}, {Op: OpGlobalSet, Imm: 5},
		{Op: OpGlobalGet, Imm: 5}, {Op: OpI64Const}, {Op: OpI64LtS}, {Op: OpIf, Imm: blockEmpty}, {Op: OpCall, Imm: 2}, {Op: OpEnd},
		{Op: OpLocalGet}, {Op: OpLocalGet}, {Op: OpLocalGet},
		{Op: OpCall, Imm: 9}, {Op: OpMemoryCopy}, {Op: OpEnd},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i].Op != want[i].Op || got[i].Imm != want[i].Imm {
			t.Fatalf("instruction %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
