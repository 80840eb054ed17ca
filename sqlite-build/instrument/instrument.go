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
	sections, err := SplitSections(wasm)
	if err != nil {
		return nil, st, err
	}
	var (
		types     []FuncType
		imports   []Import
		functions []uint32
		globals   []Global
		exports   []Export
		elements  []Element
		bodies    []Body
		start     *uint32
	)
	for _, s := range sections {
		switch s.ID {
		case secType:
			types, err = decodeTypes(s.Payload)
		case secImport:
			imports, err = decodeImports(s.Payload)
		case secFunction:
			functions, err = decodeIndices(s.Payload, "function")
		case secGlobal:
			globals, err = decodeGlobals(s.Payload)
		case secExport:
			exports, err = decodeExports(s.Payload)
		case secStart:
			var f uint32
			f, err = decodeStart(s.Payload)
			start = &f
		case secElement:
			elements, err = decodeElements(s.Payload)
		case secCode:
			bodies, err = decodeCode(s.Payload)
			st.CodeBefore = len(s.Payload)
		case secCustom:
			var name string
			if name, _, err = customName(s.Payload); err == nil && refersToCode(name) {
				err = fmt.Errorf("custom section %q refers to code offsets or indices the pass changes; strip it first", name)
			}
		}
		if err != nil {
			return nil, st, err
		}
	}
	if len(functions) != len(bodies) {
		return nil, st, fmt.Errorf("%d functions but %d bodies", len(functions), len(bodies))
	}

	var importedFuncs, importedGlobals uint32
	for _, im := range imports {
		if im.Module == ImportModule && im.Name == ExhaustedImport {
			return nil, st, fmt.Errorf("the module already imports %s.%s: is it metered already?", ImportModule, ExhaustedImport)
		}
		switch im.Kind {
		case kindFunc:
			importedFuncs++
		case kindGlobal:
			importedGlobals++
		}
	}
	for _, e := range exports {
		if e.Name == CounterExport {
			return nil, st, fmt.Errorf("the module already exports %s: is it metered already?", CounterExport)
		}
	}

	// The added import takes function index importedFuncs: every defined
	// function moves up by one.
	renumber := func(f uint32) uint32 {
		if f >= importedFuncs {
			return f + 1
		}
		return f
	}
	m := meter{
		exhausted: importedFuncs,
		counter:   importedGlobals + uint32(len(globals)),
		charge:    importedFuncs + 1 + uint32(len(functions)),
	}
	types, exhaustedType := addType(types, FuncType{})
	types, chargeFuncType := addType(types, chargeType)
	imports = append(imports, Import{Module: ImportModule, Name: ExhaustedImport, Kind: kindFunc, Type: exhaustedType})
	for i := range globals {
		renumberExpr(globals[i].Init, renumber)
	}
	globals = append(globals, Global{Type: valI64, Mutable: true, Init: []Instruction{
		{Op: OpI64Const, Imm: uint64(InitialCounter)}, {Op: OpEnd}}})
	functions = append(functions, chargeFuncType)
	for i := range exports {
		if exports[i].Kind == kindFunc {
			exports[i].Index = renumber(exports[i].Index)
		}
	}
	exports = append(exports, Export{Name: CounterExport, Kind: kindGlobal, Index: m.counter})
	if start != nil {
		*start = renumber(*start)
	}
	for i := range elements {
		e := &elements[i]
		renumberExpr(e.Offset, renumber)
		for j := range e.Funcs {
			e.Funcs[j] = renumber(e.Funcs[j])
		}
		for _, x := range e.Exprs {
			renumberExpr(x, renumber)
		}
	}

	code := appendU32(nil, uint32(len(bodies)+1))
	var buf []byte
	for i, b := range bodies {
		instrs, err := DecodeExpr(b.Code)
		if err != nil {
			return nil, st, fmt.Errorf("function %d: %w", importedFuncs+uint32(i), err)
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
	st.Functions = len(bodies)
	locals, charge := m.chargeBody()
	code = appendBody(code, locals, EncodeExpr(nil, charge))
	st.CodeAfter = len(code)

	sections = setSection(sections, secType, encodeTypes(types))
	sections = setSection(sections, secImport, encodeImports(imports))
	sections = setSection(sections, secFunction, encodeIndices(functions))
	sections = setSection(sections, secGlobal, encodeGlobals(globals))
	sections = setSection(sections, secExport, encodeExports(exports))
	if start != nil {
		sections = setSection(sections, secStart, appendU32(nil, *start))
	}
	if elements != nil {
		sections = setSection(sections, secElement, encodeElements(elements))
	}
	sections = setSection(sections, secCode, code)
	for i, s := range sections {
		if s.ID != secCustom {
			continue
		}
		if name, content, _ := customName(s.Payload); name == "name" {
			content, err := renumberNames(content, renumber)
			if err != nil {
				return nil, st, err
			}
			sections[i].Payload = append(appendName(nil, name), content...)
		}
	}
	return JoinSections(sections), st, nil
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

// renumberExpr rewrites the function indices of call and ref.func.
func renumberExpr(code []Instruction, f func(uint32) uint32) {
	for i := range code {
		if code[i].Op == OpCall || code[i].Op == OpRefFunc {
			code[i].Imm = uint64(f(uint32(code[i].Imm)))
		}
	}
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
