package instrument

import "fmt"

// parts are the sections of a module that the passes rewrite, decoded, and
// the sections as they were read (the others are written back unchanged).
type parts struct {
	sections        []Section
	types           []FuncType
	imports         []Import
	functions       []uint32 // the type of each defined function
	globals         []Global
	exports         []Export
	elements        []Element
	bodies          []Body // the code of each defined function
	start           *uint32
	importedFuncs   uint32 // defined functions' indices start here
	importedGlobals uint32
}

// decodeParts decodes what the passes rewrite. It fails on custom sections
// that refer to code offsets or relocations (debug information, linking),
// which any rewriting of the code would make wrong.
func decodeParts(wasm []byte) (*parts, error) {
	sections, err := SplitSections(wasm)
	if err != nil {
		return nil, err
	}
	p := &parts{sections: sections}
	for _, s := range sections {
		switch s.ID {
		case secType:
			p.types, err = decodeTypes(s.Payload)
		case secImport:
			p.imports, err = decodeImports(s.Payload)
		case secFunction:
			p.functions, err = decodeIndices(s.Payload, "function")
		case secGlobal:
			p.globals, err = decodeGlobals(s.Payload)
		case secExport:
			p.exports, err = decodeExports(s.Payload)
		case secStart:
			var f uint32
			f, err = decodeStart(s.Payload)
			p.start = &f
		case secElement:
			p.elements, err = decodeElements(s.Payload)
		case secCode:
			p.bodies, err = decodeCode(s.Payload)
		case secCustom:
			var name string
			if name, _, err = customName(s.Payload); err == nil && refersToCode(name) {
				err = fmt.Errorf("custom section %q refers to code offsets or indices the pass changes; strip it first", name)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if len(p.functions) != len(p.bodies) {
		return nil, fmt.Errorf("%d functions but %d bodies", len(p.functions), len(p.bodies))
	}
	for _, im := range p.imports {
		switch im.Kind {
		case kindFunc:
			p.importedFuncs++
		case kindGlobal:
			p.importedGlobals++
		}
	}
	return p, nil
}

// renumberRefs rewrites, through f, the function indices outside the code
// section: global initialisers, function exports, the start function and
// element segments.
func (p *parts) renumberRefs(f func(uint32) uint32) {
	for i := range p.globals {
		renumberExpr(p.globals[i].Init, f)
	}
	for i := range p.exports {
		if p.exports[i].Kind == kindFunc {
			p.exports[i].Index = f(p.exports[i].Index)
		}
	}
	if p.start != nil {
		*p.start = f(*p.start)
	}
	for i := range p.elements {
		e := &p.elements[i]
		renumberExpr(e.Offset, f)
		for j := range e.Funcs {
			e.Funcs[j] = f(e.Funcs[j])
		}
		for _, x := range e.Exprs {
			renumberExpr(x, f)
		}
	}
}

// encode writes the module back with the decoded sections as they are now
// and code as the code section's payload; custom sections are as they were
// read (a pass changes them in p.sections first).
func (p *parts) encode(code []byte) []byte {
	sections := p.sections
	sections = setSection(sections, secType, encodeTypes(p.types))
	sections = setSection(sections, secImport, encodeImports(p.imports))
	sections = setSection(sections, secFunction, encodeIndices(p.functions))
	sections = setSection(sections, secGlobal, encodeGlobals(p.globals))
	sections = setSection(sections, secExport, encodeExports(p.exports))
	if p.start != nil {
		sections = setSection(sections, secStart, appendU32(nil, *p.start))
	}
	if p.elements != nil {
		sections = setSection(sections, secElement, encodeElements(p.elements))
	}
	sections = setSection(sections, secCode, code)
	return JoinSections(sections)
}

// renumberExpr rewrites the function indices of call and ref.func.
func renumberExpr(code []Instruction, f func(uint32) uint32) {
	for i := range code {
		if code[i].Op == OpCall || code[i].Op == OpRefFunc {
			code[i].Imm = uint64(f(uint32(code[i].Imm)))
		}
	}
}
