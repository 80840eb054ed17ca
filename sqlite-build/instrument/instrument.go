package instrument

import (
	"fmt"
	"math"
	"strings"
)

// What the pass adds to a module: one import and one exported global.
const (
	// ImportModule is the module of the import the pass adds: the host ABI's
	// module (wasm/ABI.md).
	ImportModule = "stablesqlite2"
	// ExhaustedImport is the added import, of type () -> (). The metered
	// code calls it at a function entry, a loop header or a bulk instruction
	// when the counter is negative. The host answers by setting the counter
	// to a non-negative value and returning (the guest goes on), or by
	// stopping the guest (a host function that panics unwinds the guest's
	// stack; the call returns the panic's error). It is called again at the
	// next check while the counter stays negative.
	ExhaustedImport = "meter_exhausted"
	// CounterExport is the exported mutable i64 global that counts down:
	// every block subtracts its cost when it starts. The host sets it to
	// the budget before a call and reads what is left after:
	// instructions used = budget - counter.
	CounterExport = "meter_counter"
)

// InitialCounter is the counter's value in a new instance: no budget
// (the most a counter can hold), so that a module instantiates, and runs
// its start function, with no host action. A host that counts without a
// budget can read it before and after a call and take the difference.
const InitialCounter = math.MaxInt64

// Stats describes what Instrument did.
type Stats struct {
	Functions     int // function bodies metered (the charging function not included)
	Checks        int // ChargeAndCheck points: function entries and loop headers
	Charges       int // Charge points: other blocks of nonzero cost
	LengthCharges int // ChargeLength points: bulk instructions
	CodeBefore    int // code section payload, in bytes, before
	CodeAfter     int // and after
}

// Instrument returns the metered form of a WebAssembly module: every
// function of it charges each block's static cost (see Cost and Points) to
// an exported counter global (CounterExport), bulk instructions charge
// their length besides, and function entries, loop headers and bulk
// instructions call one added import (ExhaustedImport) when the counter is
// negative. Everything else in the module is kept as it was; the added
// import comes after the module's imports, so the existing imports keep
// their indices, and defined functions move up by one.
//
// It decodes every instruction of the module and fails on one it does not
// know (see DecodeExpr), on a module that already has the import or the
// export, and on custom sections that refer to code offsets or relocations
// (debug information, linking), which the pass would make wrong.
func Instrument(wasm []byte) ([]byte, Stats, error) {
	var st Stats
	p, err := decodeParts(wasm)
	if err != nil {
		return nil, st, err
	}
	for _, im := range p.imports {
		if im.Module == ImportModule && im.Name == ExhaustedImport {
			return nil, st, fmt.Errorf("the module already imports %s.%s: is it metered already?", ImportModule, ExhaustedImport)
		}
	}
	for _, e := range p.exports {
		if e.Name == CounterExport {
			return nil, st, fmt.Errorf("the module already exports %s: is it metered already?", CounterExport)
		}
	}

	// The added import takes function index importedFuncs: every defined
	// function moves up by one.
	renumber := func(f uint32) uint32 {
		if f >= p.importedFuncs {
			return f + 1
		}
		return f
	}
	m := meter{
		exhausted: p.importedFuncs,
		counter:   p.importedGlobals + uint32(len(p.globals)),
		charge:    p.importedFuncs + 1 + uint32(len(p.functions)),
	}
	p.renumberRefs(renumber)
	var exhaustedType, chargeFuncType uint32
	p.types, exhaustedType = addType(p.types, FuncType{})
	p.types, chargeFuncType = addType(p.types, chargeType)
	p.imports = append(p.imports, Import{Module: ImportModule, Name: ExhaustedImport, Kind: kindFunc, Type: exhaustedType})
	p.globals = append(p.globals, Global{Type: valI64, Mutable: true, Init: []Instruction{
		{Op: OpI64Const, Imm: uint64(InitialCounter)}, {Op: OpEnd}}})
	p.functions = append(p.functions, chargeFuncType)
	p.exports = append(p.exports, Export{Name: CounterExport, Kind: kindGlobal, Index: m.counter})

	for _, s := range p.sections {
		if s.ID == secCode {
			st.CodeBefore = len(s.Payload)
		}
	}
	code := appendU32(nil, uint32(len(p.bodies)+1))
	var buf []byte
	for i, b := range p.bodies {
		instrs, err := DecodeExpr(b.Code)
		if err != nil {
			return nil, st, fmt.Errorf("function %d: %w", p.importedFuncs+uint32(i), err)
		}
		renumberExpr(instrs, renumber)
		points := Points(instrs)
		for _, p := range points {
			switch p.Kind {
			case ChargeAndCheck:
				st.Checks++
			case Charge:
				st.Charges++
			case ChargeLength:
				st.LengthCharges++
			}
		}
		buf = EncodeExpr(buf[:0], m.inject(instrs, points))
		code = appendBody(code, b.Locals, buf)
	}
	st.Functions = len(p.bodies)
	locals, charge := m.chargeBody()
	code = appendBody(code, locals, EncodeExpr(nil, charge))
	st.CodeAfter = len(code)

	for i, s := range p.sections {
		if s.ID != secCustom {
			continue
		}
		if name, content, _ := customName(s.Payload); name == "name" {
			content, err := renumberNames(content, renumber)
			if err != nil {
				return nil, st, err
			}
			p.sections[i].Payload = append(appendName(nil, name), content...)
		}
	}
	return p.encode(code), st, nil
}

// refersToCode reports whether a custom section holds code offsets or
// relocations: DWARF, source maps' companions and object files' linking
// data.
func refersToCode(name string) bool {
	return strings.HasPrefix(name, ".debug_") || strings.HasPrefix(name, "reloc.") || name == "linking"
}

// addType returns the index of t in types, appending it if missing.
func addType(types []FuncType, t FuncType) ([]FuncType, uint32) {
	for i, u := range types {
		if u.equal(t) {
			return types, uint32(i)
		}
	}
	return append(types, t), uint32(len(types))
}

// setSection replaces the payload of the section id, or inserts the
// section where the order of sections puts it.
func setSection(sections []Section, id byte, payload []byte) []Section {
	at := len(sections)
	for i, s := range sections {
		if s.ID == id {
			sections[i].Payload = payload
			return sections
		}
		if s.ID != secCustom && order(s.ID) > order(id) && at == len(sections) {
			at = i
		}
	}
	// Custom sections right before the insertion point stay before it.
	return append(sections[:at], append([]Section{{id, payload}}, sections[at:]...)...)
}
