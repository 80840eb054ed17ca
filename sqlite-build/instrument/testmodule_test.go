package instrument

// A small module, assembled here from instructions, whose metered costs
// are worked out by hand in the tests:
//
//	(import "test" "note" (func $note))                         ;; 0
//	(func $sum (param $n i32) (result i32) (local $i i32) (local $acc i32)   ;; 1: 0+1+...+(n-1)
//	  block loop
//	    local.get $i  local.get $n  i32.ge_u  br_if 1
//	    local.get $acc  local.get $i  i32.add  local.set $acc
//	    local.get $i  i32.const 1  i32.add  local.set $i
//	    br 0
//	  end end
//	  local.get $acc)
//	(func $switch (param i32) (result i32)                      ;; 2: 0 → 11, 1 → 20, else 30
//	  block block block
//	    local.get 0  br_table 0 1 2
//	  end  i32.const 10  i32.const 1  i32.add  return
//	  end  i32.const 20  return
//	  end  i32.const 30)
//	(func $fillcopy (param $n i32)                              ;; 3: fill [0,n) with 7, copy it to [n,2n)
//	  i32.const 0  i32.const 7  local.get $n  memory.fill
//	  local.get $n  i32.const 0  local.get $n  memory.copy)
//	(func $calls (param $n i32) (result i32)                    ;; 4: note(); sum(n) + switch(2) through the table
//	  call $note  local.get $n  call $sum
//	  i32.const 2  i32.const 0  call_indirect (type $i32_i32)  i32.add)
//	(table 1 funcref) (elem (i32.const 0) $switch) (memory 1)
//	(export "sum" "switch" "fillcopy" "calls" "memory")

var (
	sumCode = []Instruction{
		{Op: OpBlock, Imm: blockEmpty}, {Op: OpLoop, Imm: blockEmpty},
		{Op: OpLocalGet, Imm: 1}, {Op: OpLocalGet, Imm: 0}, {Op: 0x4F /* i32.ge_u */}, {Op: OpBrIf, Imm: 1},
		{Op: OpLocalGet, Imm: 2}, {Op: OpLocalGet, Imm: 1}, {Op: 0x6A /* i32.add */}, {Op: 0x21 /* local.set */, Imm: 2},
		{Op: OpLocalGet, Imm: 1}, {Op: OpI32Const, Imm: 1}, {Op: 0x6A}, {Op: 0x21, Imm: 1},
		{Op: OpBr, Imm: 0},
		{Op: OpEnd}, {Op: OpEnd},
		{Op: OpLocalGet, Imm: 2},
		{Op: OpEnd},
	}
	switchCode = []Instruction{
		{Op: OpBlock, Imm: blockEmpty}, {Op: OpBlock, Imm: blockEmpty}, {Op: OpBlock, Imm: blockEmpty},
		{Op: OpLocalGet, Imm: 0}, {Op: OpBrTable, Vec: []uint32{0, 1}, Imm: 2},
		{Op: OpEnd}, {Op: OpI32Const, Imm: 10}, {Op: OpI32Const, Imm: 1}, {Op: 0x6A}, {Op: OpReturn},
		{Op: OpEnd}, {Op: OpI32Const, Imm: 20}, {Op: OpReturn},
		{Op: OpEnd}, {Op: OpI32Const, Imm: 30},
		{Op: OpEnd},
	}
	fillCopyCode = []Instruction{
		{Op: OpI32Const, Imm: 0}, {Op: OpI32Const, Imm: 7}, {Op: OpLocalGet, Imm: 0}, {Op: OpMemoryFill},
		{Op: OpLocalGet, Imm: 0}, {Op: OpI32Const, Imm: 0}, {Op: OpLocalGet, Imm: 0}, {Op: OpMemoryCopy},
		{Op: OpEnd},
	}
	callsCode = []Instruction{
		{Op: OpCall, Imm: 0}, {Op: OpLocalGet, Imm: 0}, {Op: OpCall, Imm: 1},
		{Op: OpI32Const, Imm: 2}, {Op: OpI32Const, Imm: 0}, {Op: OpCallIndirect, Imm: 1, Imm2: 0}, {Op: 0x6A},
		{Op: OpEnd},
	}
)

// The static costs of the test module's functions, by hand from the cost
// table: see the tests that use them.
const (
	sumEntry, sumHeader, sumBody, sumExit = 1, 5, 10, 1 // sum(n) = 15n + 7
	switchDispatch                        = 4           // 1 entry + local.get 1 + br_table 2
	fillCopyStatic                        = 207         // 1 entry + 3 + 100 + 3 + 100; plus 2n at run time
	callsStatic                           = 25          // 1 entry + 5 + 1 + 5 + 1 + 1 + 10 + 1
)

func sumCost(n int64) int64 { return sumEntry + (n+1)*sumHeader + n*sumBody + sumExit }

func switchCost(x int64) int64 {
	switch x {
	case 0:
		return switchDispatch + 4 // i32.const, i32.const, i32.add, return
	case 1:
		return switchDispatch + 2 // i32.const, return
	}
	return switchDispatch + 1 // i32.const
}

// testModule assembles the module above.
func testModule() []byte {
	types := []FuncType{
		{}, // 0: () -> ()
		{Params: []byte{valI32}, Results: []byte{valI32}}, // 1: (i32) -> i32
		{Params: []byte{valI32}},                          // 2: (i32) -> ()
	}
	body := func(locals []Locals, code []Instruction) []byte {
		return appendBody(nil, locals, EncodeExpr(nil, code))
	}
	code := appendU32(nil, 4)
	code = append(code, body([]Locals{{Count: 2, Type: valI32}}, sumCode)...)
	code = append(code, body(nil, switchCode)...)
	code = append(code, body(nil, fillCopyCode)...)
	code = append(code, body(nil, callsCode)...)
	return JoinSections([]Section{
		{secType, encodeTypes(types)},
		{secImport, encodeImports([]Import{{Module: "test", Name: "note", Kind: kindFunc, Type: 0}})},
		{secFunction, encodeIndices([]uint32{1, 1, 2, 1})},
		{secTable, []byte{1, refFunc, 0, 1}},
		{secMemory, []byte{1, 0, 1}},
		{secExport, encodeExports([]Export{
			{"sum", kindFunc, 1}, {"switch", kindFunc, 2}, {"fillcopy", kindFunc, 3}, {"calls", kindFunc, 4},
			{"memory", kindMemory, 0}})},
		{secElement, encodeElements([]Element{{Flags: 0, Offset: []Instruction{{Op: OpI32Const, Imm: 0}, {Op: OpEnd}}, Funcs: []uint32{2}}})},
		{secCode, code},
	})
}
