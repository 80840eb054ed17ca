package instrument

import (
	"bytes"
	"testing"
)

// TestElementEncodings: the eight encodings of element segments decode
// and encode back to their bytes.
func TestElementEncodings(t *testing.T) {
	offset := []byte{0x41, 0x02, 0x0B} // i32.const 2
	refFunc3 := []byte{0xD2, 0x03, 0x0B}
	segments := [][]byte{
		append(append([]byte{0}, offset...), 2, 1, 0x81, 0x01), // active, table 0, funcs 1 and 129
		{1, 0x00, 1, 4}, // passive, funcs
		append(append([]byte{2, 0}, offset...), 0x00, 1, 5), // active, table index, funcs
		{3, 0x00, 1, 6}, // declarative, funcs
		append(append(append([]byte{4}, offset...), 1), refFunc3...),    // active, table 0, exprs
		append([]byte{5, refFunc, 2, 0xD0, refFunc, 0x0B}, refFunc3...), // passive, exprs (ref.null, ref.func)
		append(append(append([]byte{6, 0}, offset...), refFunc, 1), refFunc3...),
		append([]byte{7, refFunc, 1}, refFunc3...), // declarative, exprs
	}
	payload := []byte{byte(len(segments))}
	for _, s := range segments {
		payload = append(payload, s...)
	}
	elems, err := decodeElements(payload)
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeElements(elems); !bytes.Equal(got, payload) {
		t.Fatalf("re-encoded\n% x\nwas\n% x", got, payload)
	}
	if elems[0].Funcs[1] != 129 || elems[5].Exprs[1][0].Imm != 3 {
		t.Fatalf("decoded %+v", elems)
	}
	if _, err := decodeElements([]byte{1, 8, 0}); err == nil {
		t.Error("element flags 8 decoded")
	}
}
