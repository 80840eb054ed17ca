// Package backendtest is a conformance kit for implementations of
// backend.Backend: the behaviour SQLite relies on when it reads, writes,
// deletes and locks files through a backend, checked one subtest at a time.
//
// A backend's own test calls Run with a factory:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
//			dir := t.TempDir()
//			return mybackend.New(), func(base string) string { return filepath.Join(dir, base) }
//		})
//	}
package backendtest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
)

// Factory returns a fresh, empty backend for one subtest, and a function
// that turns a base file name such as "test.db" into a valid name for that
// backend (a path in t.TempDir() for a file system, "/test.db" for an
// in-memory store). It is called once per subtest with the subtest's t, so
// it may use t.TempDir and t.Cleanup.
type Factory func(t *testing.T) (b backend.Backend, name func(base string) string)

// Run runs the conformance subtests against the backends newBackend makes.
//
// Every backend is expected to pass every subtest, among them private
// temporary files (Open("")), with one allowance for backends with limits:
// the subtest of offsets above 4 GiB is skipped if that write fails with an
// error wrapping backend.ErrFull.
func Run(t *testing.T, newBackend Factory) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, name := newBackend(t)
			tc.fn(t, &env{t: t, b: b, name: name})
		})
	}
}

var tests = []struct {
	name string
	fn   func(*testing.T, *env)
}{
	{"OpenMissing", testOpenMissing},
	{"WriteRead", testWriteRead},
	{"Reopen", testReopen},
	{"ShortRead", testShortRead},
	{"WriteBeyondEnd", testWriteBeyondEnd},
	{"Truncate", testTruncate},
	{"Sync", testSync},
	{"Delete", testDelete},
	{"DeleteMissing", testDeleteMissing},
	{"Access", testAccess},
	{"LargeOffset", testLargeOffset},
	{"SharedData", testSharedData},
	{"ReadOnly", testReadOnly},
	{"LockShared", testLockShared},
	{"LockReserved", testLockReserved},
	{"LockPending", testLockPending},
	{"UnlockSteps", testUnlockSteps},
	{"CloseReleasesLocks", testCloseReleasesLocks},
	{"ReadOnlyHandleFirst", testReadOnlyHandleFirst},
	{"DeleteOnClose", testDeleteOnClose},
	{"Temp", testTemp},
}

// rw are the flags SQLite opens a main database with.
const rw = backend.OpenReadWrite | backend.OpenCreate | backend.OpenMainDB

type env struct {
	t    *testing.T
	b    backend.Backend
	name func(string) string
}

// vol closes its Volume at most once: by the test or at cleanup.
type vol struct {
	backend.Volume
	closed bool
}

func (v *vol) Close() error {
	if v.closed {
		return nil
	}
	v.closed = true
	return v.Volume.Close()
}

// open opens name and fails the test on error; the volume is closed at
// cleanup unless the test closes it.
func (e *env) open(name string, flags backend.OpenFlags) *vol {
	e.t.Helper()
	v, granted, err := e.b.Open(name, flags)
	if err != nil {
		e.t.Fatalf("Open(%q, %#x): %v", name, flags, err)
	}
	if v == nil {
		e.t.Fatalf("Open(%q, %#x) returned a nil Volume and no error", name, flags)
	}
	if flags&backend.OpenReadWrite != 0 && granted&backend.OpenReadOnly != 0 {
		e.t.Fatalf("Open(%q, %#x) granted read-only (%#x) for a writable file", name, flags, granted)
	}
	h := &vol{Volume: v}
	e.t.Cleanup(func() { h.Close() })
	return h
}

func (e *env) close(v *vol) {
	e.t.Helper()
	if err := v.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
}

func (e *env) write(v backend.Volume, p []byte, off int64) {
	e.t.Helper()
	n, err := v.WriteAt(p, off)
	if err != nil || n != len(p) {
		e.t.Fatalf("WriteAt(%d bytes, %d) = %d, %v; want %d, nil", len(p), off, n, err, len(p))
	}
}

// read reads exactly n bytes at off, failing the test on any error.
func (e *env) read(v backend.Volume, n int, off int64) []byte {
	e.t.Helper()
	p := make([]byte, n)
	got, err := v.ReadAt(p, off)
	if err != nil || got != n {
		e.t.Fatalf("ReadAt(%d bytes, %d) = %d, %v; want %d, nil", n, off, got, err, n)
	}
	return p
}

func (e *env) size(v backend.Volume, want int64) {
	e.t.Helper()
	got, err := v.Size()
	if err != nil || got != want {
		e.t.Fatalf("Size() = %d, %v; want %d, nil", got, err, want)
	}
}

func (e *env) access(name string, mode backend.AccessMode, want bool) {
	e.t.Helper()
	got, err := e.b.Access(name, mode)
	if err != nil || got != want {
		e.t.Fatalf("Access(%q, %d) = %v, %v; want %v, nil", name, mode, got, err, want)
	}
}

func (e *env) lock(v backend.Volume, level backend.LockLevel) {
	e.t.Helper()
	if err := v.Lock(level); err != nil {
		e.t.Fatalf("Lock(%d): %v", level, err)
	}
}

func (e *env) busy(v backend.Volume, level backend.LockLevel) {
	e.t.Helper()
	if err := v.Lock(level); !errors.Is(err, backend.ErrBusy) {
		e.t.Fatalf("Lock(%d) = %v; want an error wrapping backend.ErrBusy", level, err)
	}
}

func (e *env) unlock(v backend.Volume, level backend.LockLevel) {
	e.t.Helper()
	if err := v.Unlock(level); err != nil {
		e.t.Fatalf("Unlock(%d): %v", level, err)
	}
}

func (e *env) reserved(v backend.Volume, want bool) {
	e.t.Helper()
	got, err := v.CheckReserved()
	if err != nil || got != want {
		e.t.Fatalf("CheckReserved() = %v, %v; want %v, nil", got, err, want)
	}
}

func (e *env) equal(what string, got, want []byte) {
	e.t.Helper()
	if !bytes.Equal(got, want) {
		e.t.Fatalf("%s = %q; want %q", what, got, want)
	}
}

func testOpenMissing(t *testing.T, e *env) {
	name := e.name("missing.db")
	for _, flags := range []backend.OpenFlags{
		backend.OpenReadWrite | backend.OpenMainDB,
		backend.OpenReadOnly | backend.OpenMainDB,
	} {
		v, _, err := e.b.Open(name, flags)
		if !errors.Is(err, backend.ErrNotFound) {
			if err == nil {
				v.Close()
			}
			t.Fatalf("Open(missing, %#x) = %v; want an error wrapping backend.ErrNotFound", flags, err)
		}
	}
	e.access(name, backend.AccessExists, false)
}

func testWriteRead(t *testing.T, e *env) {
	v := e.open(e.name("test.db"), rw)
	e.size(v, 0)
	e.write(v, []byte("hello, world"), 0)
	e.size(v, 12)
	e.equal("read at 0", e.read(v, 12, 0), []byte("hello, world"))
	e.equal("read at 7", e.read(v, 5, 7), []byte("world"))
	e.write(v, []byte("W"), 7)
	e.equal("read after overwrite", e.read(v, 12, 0), []byte("hello, World"))
	e.size(v, 12)
}

func testReopen(t *testing.T, e *env) {
	name := e.name("test.db")
	v := e.open(name, rw)
	e.write(v, []byte("kept"), 0)
	e.close(v)
	v = e.open(name, backend.OpenReadWrite|backend.OpenMainDB)
	e.size(v, 4)
	e.equal("read after reopen", e.read(v, 4, 0), []byte("kept"))
}

func testShortRead(t *testing.T, e *env) {
	v := e.open(e.name("test.db"), rw)
	e.write(v, []byte("0123456789"), 0)
	p := bytes.Repeat([]byte{0xAA}, 8)
	n, err := v.ReadAt(p, 6)
	if n != 4 || !errors.Is(err, io.EOF) {
		t.Fatalf("ReadAt(8 bytes, 6) of 10 = %d, %v; want 4, io.EOF", n, err)
	}
	e.equal("short read", p[:n], []byte("6789"))
	for _, off := range []int64{10, 11, 4096} {
		n, err = v.ReadAt(p, off)
		if n != 0 || !errors.Is(err, io.EOF) {
			t.Fatalf("ReadAt(8 bytes, %d) of 10 = %d, %v; want 0, io.EOF", off, n, err)
		}
	}
	// A read up to the end exactly is whole.
	e.equal("read to end", e.read(v, 4, 6), []byte("6789"))
}

func testWriteBeyondEnd(t *testing.T, e *env) {
	v := e.open(e.name("test.db"), rw)
	e.write(v, []byte("head"), 0)
	const off = 3*4096 + 100
	e.write(v, []byte("tail"), off)
	e.size(v, off+4)
	e.equal("hole", e.read(v, off-4, 4), make([]byte, off-4))
	e.equal("head", e.read(v, 4, 0), []byte("head"))
	e.equal("tail", e.read(v, 4, off), []byte("tail"))
}

func testTruncate(t *testing.T, e *env) {
	v := e.open(e.name("test.db"), rw)
	data := bytes.Repeat([]byte("abcdefgh"), 1024) // 8 KiB
	e.write(v, data, 0)
	if err := v.Truncate(1000); err != nil {
		t.Fatalf("Truncate(1000): %v", err)
	}
	e.size(v, 1000)
	e.equal("kept part", e.read(v, 1000, 0), data[:1000])
	if n, err := v.ReadAt(make([]byte, 1), 1000); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("ReadAt(1 byte, 1000) after Truncate(1000) = %d, %v; want 0, io.EOF", n, err)
	}
	// Growing again must not bring back the bytes cut off.
	if err := v.Truncate(20000); err != nil {
		t.Fatalf("Truncate(20000): %v", err)
	}
	e.size(v, 20000)
	e.equal("kept part after growing", e.read(v, 1000, 0), data[:1000])
	e.equal("grown part", e.read(v, 19000, 1000), make([]byte, 19000))
	if err := v.Truncate(0); err != nil {
		t.Fatalf("Truncate(0): %v", err)
	}
	e.size(v, 0)
}

func testSync(t *testing.T, e *env) {
	v := e.open(e.name("test.db"), rw)
	e.write(v, []byte("durable"), 0)
	for _, flags := range []backend.SyncFlags{backend.SyncNormal, backend.SyncFull, backend.SyncNormal | backend.SyncDataOnly} {
		if err := v.Sync(flags); err != nil {
			t.Fatalf("Sync(%#x): %v", flags, err)
		}
	}
	e.equal("read after sync", e.read(v, 7, 0), []byte("durable"))
}

func testDelete(t *testing.T, e *env) {
	name := e.name("test.db")
	v := e.open(name, rw)
	e.write(v, []byte("doomed"), 0)
	e.close(v)
	e.access(name, backend.AccessExists, true)
	if err := e.b.Delete(name, true); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	e.access(name, backend.AccessExists, false)
	if v, _, err := e.b.Open(name, backend.OpenReadWrite|backend.OpenMainDB); !errors.Is(err, backend.ErrNotFound) {
		if err == nil {
			v.Close()
		}
		t.Fatalf("Open after Delete = %v; want an error wrapping backend.ErrNotFound", err)
	}
	// Created again, it starts empty.
	v = e.open(name, rw)
	e.size(v, 0)
}

func testDeleteMissing(t *testing.T, e *env) {
	for _, syncDir := range []bool{false, true} {
		if err := e.b.Delete(e.name("missing.db"), syncDir); !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("Delete(missing, %v) = %v; want an error wrapping backend.ErrNotFound", syncDir, err)
		}
	}
}

func testAccess(t *testing.T, e *env) {
	name := e.name("test.db")
	for _, mode := range []backend.AccessMode{backend.AccessExists, backend.AccessReadWrite, backend.AccessRead} {
		e.access(name, mode, false)
	}
	v := e.open(name, rw)
	// An empty file does not exist for SQLite (an empty journal is not hot),
	// though it can be read and written.
	e.access(name, backend.AccessExists, false)
	e.access(name, backend.AccessReadWrite, true)
	e.access(name, backend.AccessRead, true)
	e.write(v, []byte{1}, 0)
	e.access(name, backend.AccessExists, true)
	if err := v.Truncate(0); err != nil {
		t.Fatalf("Truncate(0): %v", err)
	}
	e.access(name, backend.AccessExists, false)
	e.access(e.name("other.db"), backend.AccessExists, false)
}

func testLargeOffset(t *testing.T, e *env) {
	v := e.open(e.name("test.db"), rw)
	const off = 5 << 30
	data := []byte("beyond 4 GiB")
	n, err := v.WriteAt(data, off)
	if errors.Is(err, backend.ErrFull) {
		t.Skipf("backend cannot hold a file of 5 GiB: %v", err)
	}
	if err != nil || n != len(data) {
		t.Fatalf("WriteAt(%d bytes, 5 GiB) = %d, %v", len(data), n, err)
	}
	e.size(v, off+int64(len(data)))
	e.equal("read at 5 GiB", e.read(v, len(data), off), data)
	e.equal("read across the hole's end", e.read(v, 8, off-4), append(make([]byte, 4), data[:4]...))
	e.equal("read at 4 GiB", e.read(v, 8, 4<<30), make([]byte, 8))
	p := make([]byte, 2*len(data))
	if n, err := v.ReadAt(p, off); n != len(data) || !errors.Is(err, io.EOF) {
		t.Fatalf("ReadAt past the end at 5 GiB = %d, %v; want %d, io.EOF", n, err, len(data))
	}
	if err := v.Truncate(off + 4); err != nil {
		t.Fatalf("Truncate(5 GiB + 4): %v", err)
	}
	e.size(v, off+4)
	e.equal("read after truncate", e.read(v, 4, off), data[:4])
}

func testSharedData(t *testing.T, e *env) {
	name := e.name("test.db")
	a := e.open(name, rw)
	b := e.open(name, rw)
	e.write(a, []byte("from a"), 0)
	e.size(b, 6)
	e.equal("b reads a's write", e.read(b, 6, 0), []byte("from a"))
	e.write(b, []byte("B"), 5)
	e.equal("a reads b's write", e.read(a, 6, 0), []byte("from B"))
	// Gathered writes reach the other handles at an unlock, as SQLite needs.
	if err := a.Lock(backend.LockShared); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock(backend.LockReserved); err != nil {
		t.Fatal(err)
	}
	e.write(a, []byte("again!"), 0)
	if err := a.Unlock(backend.LockNone); err != nil {
		t.Fatal(err)
	}
	e.equal("b reads a's write after a's unlock", e.read(b, 6, 0), []byte("again!"))
	if err := b.Truncate(4); err != nil {
		t.Fatalf("Truncate: %v", err)
	}
	e.size(a, 4)
}

func testReadOnly(t *testing.T, e *env) {
	name := e.name("test.db")
	w := e.open(name, rw)
	e.write(w, []byte("original"), 0)
	r := e.open(name, backend.OpenReadOnly|backend.OpenMainDB)
	e.equal("read-only read", e.read(r, 8, 0), []byte("original"))
	if _, err := r.WriteAt([]byte("changed"), 0); err == nil {
		t.Fatal("WriteAt through a read-only volume succeeded")
	}
	if err := r.Truncate(0); err == nil {
		t.Fatal("Truncate through a read-only volume succeeded")
	}
	e.size(w, 8)
	e.equal("data after refused writes", e.read(w, 8, 0), []byte("original"))
	// The read-only volume sees writes through the other one.
	e.write(w, []byte("O"), 0)
	e.equal("read-only read after write", e.read(r, 8, 0), []byte("Original"))
}

func testLockShared(t *testing.T, e *env) {
	name := e.name("test.db")
	a, b := e.open(name, rw), e.open(name, rw)
	e.lock(a, backend.LockShared)
	e.lock(b, backend.LockShared)
	e.reserved(a, false)
	e.reserved(b, false)
	// Asking again for a level held (or a weaker one) is a no-op.
	e.lock(a, backend.LockShared)
	e.unlock(a, backend.LockNone)
	e.unlock(a, backend.LockNone)
	e.unlock(b, backend.LockNone)
	e.lock(a, backend.LockShared)
	e.lock(a, backend.LockReserved)
	e.lock(a, backend.LockShared)
	e.reserved(b, true)
}

func testLockReserved(t *testing.T, e *env) {
	name := e.name("test.db")
	a, b, c := e.open(name, rw), e.open(name, rw), e.open(name, rw)
	e.lock(a, backend.LockShared)
	e.lock(b, backend.LockShared)
	e.lock(a, backend.LockReserved)
	e.reserved(a, true)
	e.reserved(b, true)
	e.reserved(c, true)
	e.busy(b, backend.LockReserved)
	e.busy(b, backend.LockExclusive)
	// A reserved lock lets new readers in.
	e.lock(c, backend.LockShared)
	e.busy(c, backend.LockReserved)
	e.unlock(a, backend.LockShared)
	e.reserved(b, false)
	e.lock(b, backend.LockReserved)
	e.busy(a, backend.LockReserved)
	e.busy(c, backend.LockReserved)
}

func testLockPending(t *testing.T, e *env) {
	name := e.name("test.db")
	a, b, c := e.open(name, rw), e.open(name, rw), e.open(name, rw)
	e.lock(a, backend.LockShared)
	e.lock(b, backend.LockShared)
	e.lock(a, backend.LockReserved)
	// b still reads: a cannot write yet, but now holds PENDING, which keeps
	// new readers out so that b's read ends and a gets its turn.
	e.busy(a, backend.LockExclusive)
	e.busy(c, backend.LockShared)
	e.busy(b, backend.LockReserved)
	e.reserved(b, true)
	e.busy(a, backend.LockExclusive) // retried, still busy
	e.unlock(b, backend.LockNone)
	e.busy(c, backend.LockShared)
	e.lock(a, backend.LockExclusive)
	e.busy(b, backend.LockShared)
	e.busy(c, backend.LockShared)
	e.reserved(c, true)
	e.unlock(a, backend.LockNone)
	e.reserved(c, false)
	e.lock(c, backend.LockShared)
	e.lock(b, backend.LockShared)
}

func testUnlockSteps(t *testing.T, e *env) {
	name := e.name("test.db")
	a, b := e.open(name, rw), e.open(name, rw)
	e.lock(a, backend.LockShared)
	e.lock(a, backend.LockReserved)
	e.lock(a, backend.LockExclusive)
	e.busy(b, backend.LockShared)
	// Down to SHARED: b may read and reserve, but not write while a reads.
	e.unlock(a, backend.LockShared)
	e.reserved(b, false)
	e.lock(b, backend.LockShared)
	e.lock(b, backend.LockReserved)
	e.busy(b, backend.LockExclusive)
	e.busy(a, backend.LockReserved)
	e.unlock(b, backend.LockShared)
	// Down to NONE: b alone may write.
	e.unlock(a, backend.LockNone)
	e.lock(b, backend.LockReserved)
	e.lock(b, backend.LockExclusive)
	e.busy(a, backend.LockShared)
	e.unlock(b, backend.LockNone)
	e.lock(a, backend.LockShared)
}

func testCloseReleasesLocks(t *testing.T, e *env) {
	name := e.name("test.db")
	for _, held := range []backend.LockLevel{backend.LockShared, backend.LockReserved, backend.LockExclusive} {
		a, b := e.open(name, rw), e.open(name, rw)
		for l := backend.LockShared; l <= held; l++ {
			if l != backend.LockPending {
				e.lock(a, l)
			}
		}
		e.close(a)
		e.reserved(b, false)
		e.lock(b, backend.LockShared)
		e.lock(b, backend.LockReserved)
		e.lock(b, backend.LockExclusive)
		e.close(b)
	}
	// A handle closed while another handle of the file keeps its lock
	// leaves that lock in force.
	a, b, c := e.open(name, rw), e.open(name, rw), e.open(name, rw)
	e.lock(a, backend.LockShared)
	e.lock(a, backend.LockReserved)
	e.lock(b, backend.LockShared)
	e.close(b)
	e.reserved(c, true)
	e.lock(c, backend.LockShared)
	e.busy(c, backend.LockReserved)
	e.unlock(c, backend.LockNone)
	e.lock(a, backend.LockExclusive)
	e.busy(c, backend.LockShared)
}

// testReadOnlyHandleFirst opens a read-only handle before a read-write one:
// the writer must still get every lock (a pool may mix mode=ro and rw
// connections on one file).
func testReadOnlyHandleFirst(t *testing.T, e *env) {
	name := e.name("test.db")
	w := e.open(name, rw)
	e.write(w, []byte("data"), 0)
	e.close(w)
	r := e.open(name, backend.OpenReadOnly|backend.OpenMainDB)
	w = e.open(name, backend.OpenReadWrite|backend.OpenMainDB)
	e.lock(r, backend.LockShared)
	e.lock(w, backend.LockShared)
	e.lock(w, backend.LockReserved)
	e.busy(w, backend.LockExclusive)
	e.unlock(r, backend.LockNone)
	e.lock(w, backend.LockExclusive)
	e.write(w, []byte("DATA"), 0)
	e.unlock(w, backend.LockNone)
	e.lock(r, backend.LockShared)
	e.equal("read-only read", e.read(r, 4, 0), []byte("DATA"))
}

func testDeleteOnClose(t *testing.T, e *env) {
	name := e.name("test.db-journal")
	v := e.open(name, backend.OpenReadWrite|backend.OpenCreate|backend.OpenDeleteOnClose|backend.OpenMainJournal)
	e.write(v, []byte("journal"), 0)
	e.equal("read", e.read(v, 7, 0), []byte("journal"))
	e.close(v)
	e.access(name, backend.AccessExists, false)
	if v, _, err := e.b.Open(name, backend.OpenReadWrite|backend.OpenMainJournal); !errors.Is(err, backend.ErrNotFound) {
		if err == nil {
			v.Close()
		}
		t.Fatalf("Open after closing a delete-on-close volume = %v; want an error wrapping backend.ErrNotFound", err)
	}
}

func testTemp(t *testing.T, e *env) {
	const flags = backend.OpenReadWrite | backend.OpenCreate | backend.OpenExclusive | backend.OpenDeleteOnClose | backend.OpenTempJournal
	v1, _, err := e.b.Open("", flags)
	if err != nil {
		t.Fatalf(`Open(""): %v`, err)
	}
	a := &vol{Volume: v1}
	t.Cleanup(func() { a.Close() })
	b := e.open("", flags)
	e.write(a, []byte("temporary"), 0)
	e.write(a, []byte("!"), 9000)
	e.size(a, 9001)
	e.equal("temp read", e.read(a, 9, 0), []byte("temporary"))
	e.equal("temp hole", e.read(a, 100, 8900), make([]byte, 100))
	// Two unnamed files are two files.
	e.size(b, 0)
	e.write(b, []byte("other"), 0)
	e.equal("first temp after writing the second", e.read(a, 9, 0), []byte("temporary"))
	if err := a.Truncate(4); err != nil {
		t.Fatalf("Truncate: %v", err)
	}
	e.size(a, 4)
	if err := a.Sync(backend.SyncNormal); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	e.close(a)
	e.close(b)
}
