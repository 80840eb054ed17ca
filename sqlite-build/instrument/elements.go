package instrument

// Element is one element segment, in any of the eight encodings of
// WebAssembly 2.0 (Flags 0 to 7), kept in the encoding it was read in:
//
//	bit 0: passive or declarative (set) rather than active
//	bit 1: with bit 0 clear, an explicit table index; with bit 0 set, declarative
//	bit 2: the items are constant expressions rather than function indices
type Element struct {
	Flags  byte
	Table  uint32          // active segments with Flags&3 == 2
	Offset []Instruction   // active segments
	Kind   byte            // element kind (0x00, funcref) or reference type; not written for flags 0 and 4
	Funcs  []uint32        // Flags&4 == 0
	Exprs  [][]Instruction // Flags&4 != 0
}

func decodeElements(payload []byte) ([]Element, error) {
	var out []Element
	err := decodeVec(payload, "element", func(r *reader, _ int) {
		e := Element{Flags: byte(r.u32())}
		if e.Flags > 7 {
			r.fail("element segment flags %d", e.Flags)
			return
		}
		active := e.Flags&1 == 0
		if active && e.Flags&2 != 0 {
			e.Table = r.u32()
		}
		if active {
			e.Offset = readExpr(r, 2)
		}
		if e.Flags&3 != 0 { // an element kind or reference type is written
			e.Kind = r.byte()
			if e.Flags&4 == 0 && e.Kind != 0 && r.err == nil {
				r.fail("element kind 0x%02x", e.Kind)
			}
			if e.Flags&4 != 0 && e.Kind != refFunc && e.Kind != refExtern && r.err == nil {
				r.fail("element reference type 0x%02x", e.Kind)
			}
		}
		n := r.u32()
		if uint64(n) > uint64(len(r.b)-r.p) {
			r.fail("element segment with %d items", n)
			return
		}
		for i := uint32(0); i < n && r.err == nil; i++ {
			if e.Flags&4 == 0 {
				e.Funcs = append(e.Funcs, r.u32())
			} else {
				e.Exprs = append(e.Exprs, readExpr(r, 2))
			}
		}
		out = append(out, e)
	})
	return out, err
}

func encodeElements(elements []Element) []byte {
	b := appendU32(nil, uint32(len(elements)))
	for _, e := range elements {
		b = appendU32(b, uint32(e.Flags))
		active := e.Flags&1 == 0
		if active && e.Flags&2 != 0 {
			b = appendU32(b, e.Table)
		}
		if active {
			b = EncodeExpr(b, e.Offset)
		}
		if e.Flags&3 != 0 {
			b = append(b, e.Kind)
		}
		if e.Flags&4 == 0 {
			b = encodeIndicesTo(b, e.Funcs)
		} else {
			b = appendU32(b, uint32(len(e.Exprs)))
			for _, x := range e.Exprs {
				b = EncodeExpr(b, x)
			}
		}
	}
	return b
}

func encodeIndicesTo(b []byte, v []uint32) []byte {
	b = appendU32(b, uint32(len(v)))
	for _, x := range v {
		b = appendU32(b, x)
	}
	return b
}
