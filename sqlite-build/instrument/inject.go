package instrument

// meter holds the indices of what the pass adds to a module.
type meter struct {
	counter   uint32 // the counter global
	exhausted uint32 // the imported function called when the counter is negative
	charge    uint32 // the function that charges a bulk instruction's length
}

// inject returns code with the metering of points inserted. Function
// indices in code must already be those of the metered module.
func (m meter) inject(code []Instruction, points []Point) []Instruction {
	out := make([]Instruction, 0, len(code)+len(points)*10)
	last := 0
	for _, p := range points {
		out = append(out, code[last:p.Pos]...)
		last = p.Pos
		switch p.Kind {
		case ChargeAndCheck:
			out = m.appendCharge(out, p.Cost)
			out = m.appendCheck(out)
		case Charge:
			out = m.appendCharge(out, p.Cost)
		case ChargeLength:
			out = append(out, Instruction{Op: OpCall, Imm: uint64(m.charge)})
		}
	}
	return append(out, code[last:]...)
}

// appendCharge subtracts cost from the counter.
func (m meter) appendCharge(out []Instruction, cost uint64) []Instruction {
	return append(out,
		Instruction{Op: OpGlobalGet, Imm: uint64(m.counter)},
		Instruction{Op: OpI64Const, Imm: cost},
		Instruction{Op: OpI64Sub},
		Instruction{Op: OpGlobalSet, Imm: uint64(m.counter)})
}

// appendCheck calls the exhausted import if the counter is negative.
func (m meter) appendCheck(out []Instruction) []Instruction {
	return append(out,
		Instruction{Op: OpGlobalGet, Imm: uint64(m.counter)},
		Instruction{Op: OpI64Const, Imm: 0},
		Instruction{Op: OpI64LtS},
		Instruction{Op: OpIf, Imm: blockEmpty},
		Instruction{Op: OpCall, Imm: uint64(m.exhausted)},
		Instruction{Op: OpEnd})
}

// chargeType is the charging function's type: (i32) -> i32.
var chargeType = FuncType{Params: []byte{valI32}, Results: []byte{valI32}}

// chargeBody is the charging function: it subtracts its argument, a bulk
// instruction's length taken as unsigned, from the counter, saturating at
// the most negative value rather than wrapping, calls the exhausted import
// if the counter is then negative, and returns its argument, so that a
// call to it before the instruction leaves the stack as it was. It has one
// local (the new counter value) besides its parameter, and no metering of
// its own.
func (m meter) chargeBody() ([]Locals, []Instruction) {
	code := []Instruction{
		{Op: OpI64Const, Imm: 1 << 63}, // math.MinInt64
		{Op: OpGlobalGet, Imm: uint64(m.counter)},
		{Op: OpLocalGet, Imm: 0},
		{Op: OpI64ExtendI32U},
		{Op: OpI64Sub},
		{Op: OpLocalTee, Imm: 1},
		{Op: OpLocalGet, Imm: 1},
		{Op: OpGlobalGet, Imm: uint64(m.counter)},
		{Op: OpI64GtS}, // the subtraction wrapped around
		{Op: OpSelect}, // then the most negative value, else the difference
		{Op: OpGlobalSet, Imm: uint64(m.counter)},
	}
	code = m.appendCheck(code)
	code = append(code, Instruction{Op: OpLocalGet, Imm: 0}, Instruction{Op: OpEnd})
	return []Locals{{Count: 1, Type: valI64}}, code
}
