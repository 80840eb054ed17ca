package shm

import (
	"errors"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
)

func TestLocks(t *testing.T) {
	var f File
	a, b := f.NewHandle(), f.NewHandle()
	lock := func(h *Handle, off, n int, flags backend.ShmFlags) error { return h.ShmLock(off, n, flags) }
	if err := lock(a, 3, 1, backend.ShmLock|backend.ShmShared); err != nil {
		t.Fatal(err)
	}
	if err := lock(b, 3, 1, backend.ShmLock|backend.ShmShared); err != nil {
		t.Fatal("two shared locks conflict:", err)
	}
	if err := lock(a, 3, 1, backend.ShmLock|backend.ShmExclusive); !errors.Is(err, backend.ErrBusy) {
		t.Fatal("exclusive granted over another's shared lock:", err)
	}
	lock(b, 3, 1, backend.ShmUnlock|backend.ShmShared)
	if err := lock(a, 3, 1, backend.ShmLock|backend.ShmExclusive); err != nil {
		t.Fatal("exclusive over one's own shared lock:", err)
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
	if err := lock(a, 7, 2, backend.ShmLock|backend.ShmShared); err == nil {
		t.Fatal("a range past the eight locks")
	}
}

// Each handle's private copy sees the others' changes only when it syncs.
func TestSync(t *testing.T) {
	const size = 32768
	var f File
	attached, detached := 0, 0
	f.Attach = func() error { attached++; return nil }
	f.Detach = func(bool) { detached++ }
	a, b := f.NewHandle(), f.NewHandle()
	if ok, err := a.ShmMap(0, size, false); ok || err != nil {
		t.Fatalf("missing region without extend: %v, %v", ok, err)
	}
	for _, h := range []*Handle{a, b} {
		if ok, err := h.ShmMap(0, size, true); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	pa, pb := make([]byte, size), make([]byte, size)
	for i := range pb {
		pb[i] = 0xee // uninitialised guest memory
	}
	a.ShmSync(0, pa, false, true)
	b.ShmSync(0, pb, false, true)
	if pb[100] != 0 {
		t.Fatal("a new mapping was not filled from the shared region")
	}
	// SQLite writes to the index only under an exclusive lock.
	if err := a.ShmLock(0, 1, backend.ShmLock|backend.ShmExclusive); err != nil {
		t.Fatal(err)
	}
	pa[10], pa[20000] = 1, 2
	b.ShmSync(0, pb, true, true)
	if pb[10] != 0 {
		t.Fatal("b saw a's change before a published it")
	}
	a.ShmSync(0, pa, true, false)
	a.ShmLock(0, 1, backend.ShmUnlock|backend.ShmExclusive)
	pb[500] = 9 // b's own unpublished change survives receiving
	b.ShmSync(0, pb, false, true)
	if pb[10] != 1 || pb[20000] != 2 || pb[500] != 9 {
		t.Fatalf("b after receiving: %d %d %d", pb[10], pb[20000], pb[500])
	}
	// b held no exclusive lock: its stray change is not published.
	b.ShmSync(0, pb, true, false)
	a.ShmSync(0, pa, false, true)
	if pa[500] != 0 {
		t.Fatal("a change made without an exclusive lock was published")
	}
	if _, err := a.ShmMap(1, 1024, true); err == nil {
		t.Fatal("a region of another size was mapped")
	}
	a.ShmUnmap(false)
	b.ShmUnmap(true)
	if attached != 1 || detached != 1 {
		t.Fatalf("attach %d, detach %d", attached, detached)
	}
	c := f.NewHandle()
	if ok, _ := c.ShmMap(0, size, false); ok {
		t.Fatal("the regions outlived their last user")
	}
}

// After Reset every handle's next sync gives it zeros, the state of an
// index no connection has built, whatever it had synced or changed before.
func TestReset(t *testing.T) {
	const size = 32768
	var f File
	a, b := f.NewHandle(), f.NewHandle()
	pa, pb := make([]byte, size), make([]byte, size)
	for _, h := range []*Handle{a, b} {
		if ok, err := h.ShmMap(0, size, true); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	a.ShmSync(0, pa, false, true)
	b.ShmSync(0, pb, false, true)
	if err := a.ShmLock(0, 1, backend.ShmLock|backend.ShmExclusive); err != nil {
		t.Fatal(err)
	}
	pa[10] = 1
	a.ShmSync(0, pa, true, true) // published
	b.ShmSync(0, pb, false, true)
	pa[20] = 2 // not yet published
	f.Reset()
	a.ShmSync(0, pa, true, true)
	b.ShmSync(0, pb, false, true)
	if pa[10] != 0 || pa[20] != 0 || pb[10] != 0 {
		t.Fatalf("after Reset: a %d %d, b %d", pa[10], pa[20], pb[10])
	}
	// Publishing works as before.
	pa[30] = 3
	a.ShmSync(0, pa, true, false)
	b.ShmSync(0, pb, false, true)
	if pb[30] != 3 {
		t.Fatal("a change published after Reset did not reach b")
	}
}
