package shm

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
)

// osLocks records the OS locks a storage is asked for.
type osLocks struct {
	Storage
	held  [NLocks]string // "", "shared" or "exclusive"
	deny  bool           // another process holds everything
	calls int
}

func (o *osLocks) Lock(offset, n int, flags backend.ShmFlags) error {
	o.calls++
	for i := offset; i < offset+n; i++ {
		switch {
		case flags&backend.ShmUnlock != 0:
			o.held[i] = ""
		case o.deny:
			return backend.ErrBusy
		case flags&backend.ShmShared != 0:
			o.held[i] = "shared"
		default:
			o.held[i] = "exclusive"
		}
	}
	return nil
}

func newFile(t *testing.T) (*File, *osLocks) {
	t.Helper()
	o := &osLocks{}
	f := &File{Open: func() (Storage, error) {
		st, err := Anonymous()
		o.Storage = st
		return o, err
	}}
	return f, o
}

func mapped(t *testing.T, h *Handle) {
	t.Helper()
	if _, _, ok, err := h.ShmMap(0, 32768, true); !ok || err != nil {
		t.Fatal(ok, err)
	}
}

// Locks follow os_unix.c's rules among the handles of the process, and the
// process holds each slot's OS lock while any of its handles does.
func TestLocks(t *testing.T) {
	f, o := newFile(t)
	a, b := f.NewHandle(), f.NewHandle()
	mapped(t, a)
	mapped(t, b)
	lock := func(h *Handle, off, n int, flags backend.ShmFlags) error { return h.ShmLock(off, n, flags) }
	if err := lock(a, 3, 1, backend.ShmLock|backend.ShmShared); err != nil {
		t.Fatal(err)
	}
	if err := lock(b, 3, 1, backend.ShmLock|backend.ShmShared); err != nil {
		t.Fatal("two shared locks conflict:", err)
	}
	if o.held[3] != "shared" {
		t.Fatalf("OS lock of slot 3: %q", o.held[3])
	}
	lock(a, 3, 1, backend.ShmUnlock|backend.ShmShared)
	if o.held[3] != "shared" {
		t.Fatal("the OS lock went while a handle still held the slot")
	}
	if err := lock(a, 3, 1, backend.ShmLock|backend.ShmExclusive); !errors.Is(err, backend.ErrBusy) {
		t.Fatal("exclusive granted over another's shared lock:", err)
	}
	lock(b, 3, 1, backend.ShmUnlock|backend.ShmShared)
	// The OS lock lingers: taking the slot again costs no OS call.
	f.mu.Lock()
	held, calls := o.held[3], o.calls
	f.mu.Unlock()
	if held != "shared" {
		t.Fatalf("OS lock of slot 3 after the last unlock: %q, not lingering", held)
	}
	lock(b, 3, 1, backend.ShmLock|backend.ShmShared)
	lock(b, 3, 1, backend.ShmUnlock|backend.ShmShared)
	if o.calls != calls {
		t.Fatalf("%d OS calls to take a lingering slot again", o.calls-calls)
	}
	// Then it goes.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		f.mu.Lock()
		held = o.held[3]
		f.mu.Unlock()
		if held == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the OS lock stayed after the last handle unlocked")
		}
	}
	// A lingering slot is free to the process's handles.
	lock(a, 3, 1, backend.ShmLock|backend.ShmShared)
	lock(a, 3, 1, backend.ShmUnlock|backend.ShmShared)
	if err := lock(a, 3, 1, backend.ShmLock|backend.ShmExclusive); err != nil || o.held[3] != "exclusive" {
		t.Fatal("exclusive on a free slot:", err, o.held[3])
	}
	if err := lock(b, 0, 8, backend.ShmLock|backend.ShmExclusive); !errors.Is(err, backend.ErrBusy) {
		t.Fatal("a range overlapping an exclusive lock:", err)
	}
	if err := lock(b, 0, 3, backend.ShmLock|backend.ShmExclusive); err != nil {
		t.Fatal("a disjoint range:", err)
	}
	if err := a.ShmUnmap(false); err != nil {
		t.Fatal(err)
	}
	if err := lock(b, 3, 5, backend.ShmLock|backend.ShmExclusive); err != nil {
		t.Fatal("unmap did not release the locks:", err)
	}
	if err := lock(b, 7, 2, backend.ShmLock|backend.ShmShared); err == nil {
		t.Fatal("a range past the eight locks")
	}
	b.ShmUnmap(false)
	// Another process holding the slot: busy, and nothing left held here.
	c := f.NewHandle()
	mapped(t, c)
	o.deny = true
	if err := lock(c, 1, 1, backend.ShmLock|backend.ShmShared); !errors.Is(err, backend.ErrBusy) || f.locks[1] != 0 {
		t.Fatal("another process's lock:", err, f.locks[1])
	}
}

// Regions live in one file at offsets region*size, are made on extend
// only, and every handle of the file gets the same file: what one writes,
// the others read. The storage goes with the last handle.
func TestRegions(t *testing.T) {
	f, _ := newFile(t)
	a, b := f.NewHandle(), f.NewHandle()
	if _, _, ok, err := a.ShmMap(1, 32768, false); ok || err != nil {
		t.Fatalf("a missing region without extend: %v, %v", ok, err)
	}
	fa, off, ok, err := a.ShmMap(1, 32768, true)
	if !ok || err != nil || off != 32768 {
		t.Fatal(ok, err, off)
	}
	if st, _ := fa.Stat(); st.Size() != 65536 {
		t.Fatalf("file of %d bytes for two regions", st.Size())
	}
	fb, _, ok, err := b.ShmMap(1, 32768, false)
	if !ok || err != nil || fb != fa {
		t.Fatal("the other handle does not share the region:", ok, err)
	}
	fa.WriteAt([]byte("index"), off)
	got := make([]byte, 5)
	fb.ReadAt(got, off)
	if string(got) != "index" {
		t.Fatalf("the other handle reads %q", got)
	}
	if _, _, _, err := a.ShmMap(0, 16384, true); err == nil {
		t.Fatal("a region size other than the first was accepted")
	}
	if err := f.Reset(); err != nil {
		t.Fatal(err)
	}
	fb.ReadAt(got, off)
	if !bytes.Equal(got, make([]byte, 5)) {
		t.Fatalf("after Reset: %q", got)
	}
	a.ShmUnmap(false)
	if _, err := fa.Stat(); err != nil {
		t.Fatal("the storage closed while a handle had it mapped")
	}
	b.ShmUnmap(true)
	if _, err := fa.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Fatal("the storage was not closed with the last handle:", err)
	}
}
