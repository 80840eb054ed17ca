package instrument

import "fmt"

// StartSection is the custom section Reorder writes, first in the module:
// the number of defined functions, as an unsigned LEB128, that the host
// needs to start (open a database, run a first query) and that Reorder put
// first. A host that loads compiled code can keep that code resident and
// give back the rest until it runs.
const StartSection = "stablesqlite.start-functions"

// Reorder returns the module with its defined functions in a new order:
// first the functions of start, then those of later, each list in its
// order and without the functions already placed, then all the others in
// the order they had. The lists hold function indices (imports are not
// moved, so no index below the first defined function may be in them).
// Every place an index lives is renumbered (calls, ref.func, exports,
// element segments, global initialisers, the start function), and the
// module gets a StartSection holding len(start).
//
// Code compiled from the module lays the functions out in this order, so
// that those a profile saw called (see build.sh) sit together in a few
// pages, apart from the ones it never saw. A module with a name section
// is refused: its maps must stay sorted by index, and build.sh strips it.
func Reorder(wasm []byte, start, later []uint32) ([]byte, error) {
	p, err := decodeParts(wasm)
	if err != nil {
		return nil, err
	}
	for _, s := range p.sections {
		if s.ID != secCustom {
			continue
		}
		switch name, _, _ := customName(s.Payload); name {
		case "name":
			return nil, fmt.Errorf("the module has a name section; strip it first")
		case StartSection:
			return nil, fmt.Errorf("the module has a %s section: is it reordered already?", StartSection)
		}
	}
	first, n := p.importedFuncs, uint32(len(p.bodies))
	order := make([]uint32, 0, n) // old indices, in their new order
	placed := make([]bool, n)
	placeAll := func(list []uint32) error {
		for _, f := range list {
			if f < first || f-first >= n {
				return fmt.Errorf("function %d is not one the module defines (%d to %d)", f, first, first+n-1)
			}
			if !placed[f-first] {
				placed[f-first] = true
				order = append(order, f)
			}
		}
		return nil
	}
	if err := placeAll(start); err != nil {
		return nil, err
	}
	startFunctions := uint32(len(order))
	if err := placeAll(later); err != nil {
		return nil, err
	}
	for i := range n {
		if !placed[i] {
			order = append(order, first+i)
		}
	}
	moved := make([]uint32, n) // new index of each old defined function
	for at, f := range order {
		moved[f-first] = first + uint32(at)
	}
	renumber := func(f uint32) uint32 {
		if f < first || f-first >= n {
			return f
		}
		return moved[f-first]
	}

	p.renumberRefs(renumber)
	functions := make([]uint32, n)
	code := appendU32(nil, n)
	var buf []byte
	for at, f := range order {
		functions[at] = p.functions[f-first]
		b := p.bodies[f-first]
		instrs, err := DecodeExpr(b.Code)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", f, err)
		}
		renumberExpr(instrs, renumber)
		buf = EncodeExpr(buf[:0], instrs)
		code = appendBody(code, b.Locals, buf)
	}
	p.functions = functions
	section := Section{ID: secCustom, Payload: appendU32(appendName(nil, StartSection), startFunctions)}
	p.sections = append([]Section{section}, p.sections...)
	return p.encode(code), nil
}
