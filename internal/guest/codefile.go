package guest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// A code file holds the compiled code of a cache entry alone, from its
// first byte, beside the entry (the entry's name and codeFileSuffix), so
// that a warm start can map it where wazero would copy the code in (see
// entryReader). In wazero's entries the code starts wherever the table
// before it ends, never on a page, so the entry itself cannot be mapped.
// It is written before the marker that makes warm starts read the entry.
// A code file that does not hold the entry's code fails wazero's checksum
// of the code, and the warm start falls back to a cold one.

// codeFileSuffix names an entry's code file.
const codeFileSuffix = ".code"

// writeCodeFile writes the code of the entry at path into its code file,
// streaming it (an entry is some 5 MB), where warm starts map code files.
func writeCodeFile(path string) error {
	if !mapsCode {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, entryBuffer)
	n, err := readCodeLength(r)
	if err != nil {
		return err
	}
	return writeAtomic(path+codeFileSuffix, io.LimitReader(r, n))
}

// readCodeLength reads the head of an entry, in wazero's layout (its
// version, the number of functions, each function's offset in the code,
// the code's length), and returns the length of the code that follows.
func readCodeLength(r io.Reader) (int64, error) {
	if _, err := readEntryVersion(r); err != nil {
		return 0, err
	}
	var funcs [4]byte
	if _, err := io.ReadFull(r, funcs[:]); err != nil {
		return 0, err
	}
	if _, err := io.CopyN(io.Discard, r, 8*int64(binary.LittleEndian.Uint32(funcs[:]))); err != nil {
		return 0, err
	}
	var n [8]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return 0, err
	}
	length := int64(binary.LittleEndian.Uint64(n[:]))
	if length < 0 {
		return 0, errors.New("wasm: not a compiled entry")
	}
	return length, nil
}

// functionOffset reads, from the head of the entry in f, where in the code
// the entry's function k (counting the module's defined functions from 0)
// starts.
func functionOffset(f *os.File, k uint32) (int64, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<20), 256)
	if _, err := readEntryVersion(r); err != nil {
		return 0, err
	}
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, err
	}
	if k >= binary.LittleEndian.Uint32(head[:]) {
		return 0, errors.New("wasm: no such function in the entry")
	}
	if _, err := r.Discard(8 * int(k)); err != nil {
		return 0, err
	}
	var off [8]byte
	if _, err := io.ReadFull(r, off[:]); err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(off[:])), nil
}
