package instrument

import "fmt"

// The typed forms of the sections the pass reads or changes. Each decode
// function checks that it consumed its payload exactly; each encode
// function writes the shortest encoding, as the toolchain does.

// FuncType is a function signature: value types as their binary bytes.
type FuncType struct {
	Params, Results []byte
}

func (t FuncType) equal(u FuncType) bool {
	return string(t.Params) == string(u.Params) && string(t.Results) == string(u.Results)
}

func decodeTypes(payload []byte) ([]FuncType, error) {
	var out []FuncType
	err := decodeVec(payload, "type", func(r *reader, _ int) {
		if form := r.byte(); form != 0x60 && r.err == nil {
			r.fail("type form 0x%02x (only function types are supported)", form)
			return
		}
		var t FuncType
		t.Params = readValTypes(r)
		t.Results = readValTypes(r)
		out = append(out, t)
	})
	return out, err
}

func readValTypes(r *reader) []byte {
	n := r.u32()
	ts := r.bytes(n)
	for _, t := range ts {
		if !isValType(t) {
			r.fail("bad value type 0x%02x", t)
		}
	}
	return append([]byte(nil), ts...)
}

func encodeTypes(types []FuncType) []byte {
	b := appendU32(nil, uint32(len(types)))
	for _, t := range types {
		b = append(b, 0x60)
		b = appendU32(b, uint32(len(t.Params)))
		b = append(b, t.Params...)
		b = appendU32(b, uint32(len(t.Results)))
		b = append(b, t.Results...)
	}
	return b
}

// External kinds, of imports and exports.
const (
	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
)

// Import is one import. A function import's type index is in Type; the
// descriptors of the other kinds are kept as they were read, in Desc.
type Import struct {
	Module, Name string
	Kind         byte
	Type         uint32
	Desc         []byte
}

func decodeImports(payload []byte) ([]Import, error) {
	var out []Import
	err := decodeVec(payload, "import", func(r *reader, _ int) {
		im := Import{Module: r.name(), Name: r.name(), Kind: r.byte()}
		start := r.p
		switch im.Kind {
		case kindFunc:
			im.Type = r.u32()
		case kindTable:
			if t := r.byte(); t != refFunc && t != refExtern {
				r.fail("table of type 0x%02x", t)
			}
			readLimits(r, false)
		case kindMemory:
			readLimits(r, true)
		case kindGlobal:
			if t := r.byte(); !isValType(t) {
				r.fail("global of type 0x%02x", t)
			}
			if m := r.byte(); m > 1 {
				r.fail("global mutability %d", m)
			}
		default:
			r.fail("import kind %d", im.Kind)
		}
		if im.Kind != kindFunc && r.err == nil {
			im.Desc = append([]byte(nil), r.b[start:r.p]...)
		}
		out = append(out, im)
	})
	return out, err
}

// readLimits reads the limits of a table or memory; a memory's may be
// shared (threads), but 64-bit memories are refused.
func readLimits(r *reader, memory bool) {
	flags := r.byte()
	if flags > 1 && !(memory && flags <= 3) {
		r.fail("limits flags 0x%02x (64-bit memories are not supported)", flags)
		return
	}
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

func encodeImports(imports []Import) []byte {
	b := appendU32(nil, uint32(len(imports)))
	for _, im := range imports {
		b = appendName(b, im.Module)
		b = appendName(b, im.Name)
		b = append(b, im.Kind)
		if im.Kind == kindFunc {
			b = appendU32(b, im.Type)
		} else {
			b = append(b, im.Desc...)
		}
	}
	return b
}

// decodeIndices reads a vector of u32 (the function section).
func decodeIndices(payload []byte, what string) ([]uint32, error) {
	var out []uint32
	err := decodeVec(payload, what, func(r *reader, _ int) { out = append(out, r.u32()) })
	return out, err
}

func encodeIndices(v []uint32) []byte { return encodeIndicesTo(nil, v) }

// Global is a global the module defines.
type Global struct {
	Type    byte
	Mutable bool
	Init    []Instruction // a constant expression, with its end
}

func decodeGlobals(payload []byte) ([]Global, error) {
	var out []Global
	err := decodeVec(payload, "global", func(r *reader, _ int) {
		g := Global{Type: r.byte()}
		if !isValType(g.Type) {
			r.fail("global of type 0x%02x", g.Type)
		}
		switch m := r.byte(); m {
		case 0, 1:
			g.Mutable = m == 1
		default:
			r.fail("global mutability %d", m)
		}
		g.Init = readExpr(r, 2)
		out = append(out, g)
	})
	return out, err
}

func encodeGlobals(globals []Global) []byte {
	b := appendU32(nil, uint32(len(globals)))
	for _, g := range globals {
		b = append(b, g.Type)
		if g.Mutable {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = EncodeExpr(b, g.Init)
	}
	return b
}

// Export is one export.
type Export struct {
	Name  string
	Kind  byte
	Index uint32
}

func decodeExports(payload []byte) ([]Export, error) {
	var out []Export
	err := decodeVec(payload, "export", func(r *reader, _ int) {
		e := Export{Name: r.name(), Kind: r.byte(), Index: r.u32()}
		if e.Kind > kindGlobal {
			r.fail("export kind %d", e.Kind)
		}
		out = append(out, e)
	})
	return out, err
}

func encodeExports(exports []Export) []byte {
	b := appendU32(nil, uint32(len(exports)))
	for _, e := range exports {
		b = appendName(b, e.Name)
		b = append(b, e.Kind)
		b = appendU32(b, e.Index)
	}
	return b
}

func decodeStart(payload []byte) (uint32, error) {
	r := &reader{b: payload}
	f := r.u32()
	if r.err == nil && r.p != len(payload) {
		r.fail("%d bytes after the start function", len(payload)-r.p)
	}
	if r.err != nil {
		return 0, fmt.Errorf("start section: %w", r.err)
	}
	return f, nil
}
