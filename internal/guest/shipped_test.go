package guest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// needShipped skips where the build ships no compiled code.
func needShipped(t *testing.T) {
	t.Helper()
	if len(plainBinary.shipped) == 0 {
		t.Skip("no compiled code is shipped for this platform")
	}
}

// reship returns shipped code with the header given and the code of the
// shipped entry.
func reship(t *testing.T, header gzip.Header, code []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Header = header
	zw.Write(code)
	zw.Close()
	return out.Bytes()
}

// shippedEntry returns the shipped entry's gzip header and code.
func shippedEntry(t *testing.T) (gzip.Header, []byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(plainBinary.shipped))
	if err != nil {
		t.Fatal(err)
	}
	code, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return zr.Header, code
}

// The shipped code, installed in an empty cache directory, runs SQLite,
// and leaves the directory warm for the next process.
func TestShippedStart(t *testing.T) {
	needShipped(t)
	dir := t.TempDir()
	m, ok := shippedStart(dir, plainBinary)
	if !ok {
		t.Fatal("no start from the shipped code on the machine that built it")
	}
	sqliteWorks(t, engineOn(m))
	if !cacheIsWarm(dir, plainBinary) {
		t.Fatal("installing the shipped code did not publish it")
	}
	if _, err := os.Stat(markedEntry(t, dir) + codeFileSuffix); mapsCode && err != nil {
		t.Fatalf("installing the shipped code wrote no code file for warm starts to map: %v", err)
	}
	m2, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start after installing the shipped code")
	}
	sqliteWorks(t, engineOn(m2))
}

// With no cache directory the shipped code is installed in one of the
// process's own, which is gone once the code is loaded.
func TestShippedStartWithoutCache(t *testing.T) {
	needShipped(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	m, ok := shippedStart("", plainBinary)
	if !ok {
		t.Fatal("no start from the shipped code without a cache directory")
	}
	sqliteWorks(t, engineOn(m))
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("left behind in the temporary directory: %v", left)
	}
}

// Shipped code that is not for this process is never run: under a key
// wazero does not compute here (another CPU's features) the warm start's
// check fails and the marker goes; for another platform, or with a probe
// whose code this wazero does not make (another wazero's compiler, in a
// test binary, which does not know its wazero's version), it is not
// installed; a damaged one is not installed whole. A cold start then
// compiles and publishes as where nothing is shipped.
func TestShippedStartRefused(t *testing.T) {
	needShipped(t)
	header, code := shippedEntry(t)
	entries, key := path.Split(header.Name)
	otherKey := strings.Repeat("0", len(key))
	with := func(name, comment string) gzip.Header {
		h := header
		h.Name, h.Comment = name, comment
		return h
	}
	damaged := bytes.Clone(plainBinary.shipped)
	damaged[len(damaged)/2] ^= 0xff
	for _, c := range []struct {
		what    string
		shipped []byte
		file    string // what is installed, if anything
	}{
		{"another CPU's key", reship(t, with(entries+otherKey, header.Comment), code), otherKey},
		{"another platform", reship(t, with(strings.Replace(entries, runtime.GOARCH, "riscv64", 1)+key, header.Comment), code), ""},
		{"another probe", reship(t, with(header.Name, probeComment+strings.Repeat("0", 64)), code), ""},
		{"damaged", damaged, ""},
	} {
		t.Run(c.what, func(t *testing.T) {
			dir := t.TempDir()
			b := &moduleBinary{bin: plainBinary.bin, shipped: c.shipped}
			if _, ok := shippedStart(dir, b); ok {
				t.Fatal("started from shipped code that is not this process's")
			}
			if cacheIsWarm(dir, b) {
				t.Fatal("the cache is marked warm")
			}
			// (Under this process's key wazero may have written the stub's
			// own code, when it missed.)
			if got, err := os.ReadFile(filepath.Join(entriesDir(dir), key)); err == nil && len(got) == len(code) {
				t.Fatal("installed under the key of this process")
			}
			if c.file != "" {
				if _, err := os.Stat(filepath.Join(entriesDir(dir), c.file)); err != nil {
					t.Fatalf("not installed as %q: %v", c.file, err)
				}
			}
			kept := make(chan struct{})
			m, err := compileCold(dir, b, kept)
			if err != nil {
				t.Fatal(err)
			}
			sqliteWorks(t, engineOn(m))
			<-kept
			if !cacheIsWarm(dir, b) {
				t.Fatal("the cold start did not publish")
			}
		})
	}
}

// The probe holds code of each kind through which compiled code meets
// wazero's runtime: a memory.grow, a memory.copy and a memory.fill (calls
// into the runtime), a call_indirect (the table), a call of an import (a
// host function), an atomic instruction and a global (the stack pointer).
// Found by their encodings in the kept bodies: a byte pair may also be an
// immediate elsewhere, but a missing one is surely missing.
func TestProbeCoversTheRuntimeInterface(t *testing.T) {
	var kept [][]byte
	if _, err := makeStub(plainBinary.bin, plainBinary.hash(), func(body []byte) bool {
		if len(body) <= probeBodyLimit {
			kept = append(kept, body)
			return true
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		code []byte
	}{
		{"memory.grow", []byte{0x40, 0x00}},
		{"memory.copy", []byte{0xfc, 0x0a}},
		{"memory.fill", []byte{0xfc, 0x0b}},
		{"call_indirect", []byte{0x11}},
		{"call", []byte{0x10}},
		{"an atomic instruction", []byte{0xfe}},
		{"global.set", []byte{0x24}},
	} {
		if !slices.ContainsFunc(kept, func(body []byte) bool { return bytes.Contains(body, c.code) }) {
			t.Errorf("the probe has no %s", c.what)
		}
	}
}
