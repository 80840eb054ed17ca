package guest

import (
	"crypto/sha256"
	"errors"
	"github.com/stablesqlite/stablesqlite/wasm"
	"sync"
)

// A stub of the module is the module with every function body replaced by
// `unreachable`, and a custom section holding the SHA-256 of the whole
// module: the same imports, exports, types, tables, globals and data, so
// that compiled code of the whole module runs against it as it is, but
// almost nothing for wazero to decode and validate (see warmStart).

const (
	sectionCustom = 0
	sectionCode   = 10
	stubSection   = "stablesqlite.module-sha256"
)

// moduleBinary is one of the modules the engines run (the plain one, the
// metered one), with what is derived from it once.
type moduleBinary struct {
	bin     []byte
	shipped []byte // its compiled code shipped in the binary, if any (see shippedStart)

	sumOnce  sync.Once
	sum      [sha256.Size]byte
	stubOnce sync.Once
	stub     []byte
	stubErr  error
}

var (
	plainBinary   = &moduleBinary{bin: wasm.Binary, shipped: wasm.Compiled}
	meteredBinary = &moduleBinary{bin: wasm.Metered}
)

// hash returns the module's SHA-256.
func (b *moduleBinary) hash() [sha256.Size]byte {
	b.sumOnce.Do(func() { b.sum = wasm.Sum(b.bin) })
	return b.sum
}

// stubModule returns the module's stub.
func (b *moduleBinary) stubModule() ([]byte, error) {
	b.stubOnce.Do(func() { b.stub, b.stubErr = makeStub(b.bin, b.hash(), nil) })
	return b.stub, b.stubErr
}

var errBadModule = errors.New("wasm: malformed module")

// uleb reads an unsigned LEB128 number of up to 32 bits.
func uleb(b []byte) (v uint32, n int, err error) {
	for shift := 0; n < len(b) && shift < 35; shift += 7 {
		c := b[n]
		n++
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v, n, nil
		}
	}
	return 0, 0, errBadModule
}

func putUleb(out []byte, v uint32) []byte {
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// makeStub builds the stub of bin, whose SHA-256 is sum; the bodies that
// keep accepts, if it is not nil, stay as they are (see probeFingerprint).
func makeStub(bin []byte, sum [sha256.Size]byte, keep func(body []byte) bool) ([]byte, error) {
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" {
		return nil, errBadModule
	}
	out := make([]byte, 0, len(bin)/8)
	out = append(out, bin[:8]...)
	for p := 8; p < len(bin); {
		id, body, next, err := section(bin, p)
		if err != nil {
			return nil, err
		}
		p = next
		if id != sectionCode {
			out = append(out, id)
			out = putUleb(out, uint32(len(body)))
			out = append(out, body...)
			continue
		}
		count, n, err := uleb(body)
		if err != nil {
			return nil, err
		}
		code := putUleb(nil, count)
		for range count {
			if keep == nil { // no body read: the code section's pages stay untouched
				// Its size (3), no locals, unreachable, end.
				code = append(code, 3, 0, 0x00, 0x0b)
				continue
			}
			size, m, err := uleb(body[n:])
			if err != nil || uint64(n)+uint64(m)+uint64(size) > uint64(len(body)) {
				return nil, errBadModule
			}
			if fn := body[n+m : n+m+int(size)]; keep(fn) {
				code = append(putUleb(code, size), fn...)
			} else {
				code = append(code, 3, 0, 0x00, 0x0b)
			}
			n += m + int(size)
		}
		out = append(out, sectionCode)
		out = putUleb(out, uint32(len(code)))
		out = append(out, code...)
	}
	custom := putUleb(nil, uint32(len(stubSection)))
	custom = append(custom, stubSection...)
	custom = append(custom, sum[:]...)
	out = append(out, sectionCustom)
	out = putUleb(out, uint32(len(custom)))
	return append(out, custom...), nil
}

// section reads the section of bin at p: its id, its body, and where the
// next one starts.
func section(bin []byte, p int) (id byte, body []byte, next int, err error) {
	size, n, err := uleb(bin[p+1:])
	if err != nil || uint64(p)+1+uint64(n)+uint64(size) > uint64(len(bin)) {
		return 0, nil, 0, errBadModule
	}
	next = p + 1 + n + int(size)
	return bin[p], bin[p+1+n : next], next, nil
}
