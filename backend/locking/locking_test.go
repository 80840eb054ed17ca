package locking_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
)

const (
	none      = backend.LockNone
	shared    = backend.LockShared
	reserved  = backend.LockReserved
	pending   = backend.LockPending
	exclusive = backend.LockExclusive
)

func lock(t *testing.T, l *locking.Lock, level backend.LockLevel) {
	t.Helper()
	if err := l.Lock(level); err != nil {
		t.Fatalf("Lock(%d) from %d: %v", level, l.Level(), err)
	}
	if l.Level() != level {
		t.Fatalf("Lock(%d) succeeded at level %d", level, l.Level())
	}
}

func busy(t *testing.T, l *locking.Lock, level backend.LockLevel) {
	t.Helper()
	if err := l.Lock(level); !errors.Is(err, backend.ErrBusy) {
		t.Fatalf("Lock(%d) from %d = %v; want ErrBusy", level, l.Level(), err)
	}
}

func unlock(t *testing.T, l *locking.Lock, level backend.LockLevel) {
	t.Helper()
	if err := l.Unlock(level); err != nil {
		t.Fatalf("Unlock(%d): %v", level, err)
	}
	if l.Level() != level {
		t.Fatalf("Unlock(%d) left level %d", level, l.Level())
	}
}

func level(t *testing.T, l *locking.Lock, want backend.LockLevel) {
	t.Helper()
	if got := l.Level(); got != want {
		t.Fatalf("Level() = %d; want %d", got, want)
	}
}

func reservedBy(t *testing.T, l *locking.Lock, want bool) {
	t.Helper()
	if got, err := l.CheckReserved(); got != want || err != nil {
		t.Fatalf("CheckReserved() = %v, %v; want %v", got, err, want)
	}
}

func held(t *testing.T, f *locking.File, want bool) {
	t.Helper()
	if got := f.Held(); got != want {
		t.Fatalf("Held() = %v; want %v", got, want)
	}
}

func TestZeroFile(t *testing.T) {
	var f locking.File
	a := f.NewLock()
	level(t, a, none)
	held(t, &f, false)
	reservedBy(t, a, false)
	lock(t, a, shared)
	held(t, &f, true)
	lock(t, a, reserved)
	lock(t, a, exclusive)
	reservedBy(t, a, true)
	unlock(t, a, none)
	held(t, &f, false)
	reservedBy(t, a, false)
}

func TestManyReaders(t *testing.T) {
	var f locking.File
	ls := []*locking.Lock{f.NewLock(), f.NewLock(), f.NewLock()}
	for _, l := range ls {
		lock(t, l, shared)
	}
	reservedBy(t, ls[0], false)
	for _, l := range ls[:2] {
		unlock(t, l, none)
		held(t, &f, true)
	}
	// The last reader alone may write.
	lock(t, ls[2], reserved)
	lock(t, ls[2], exclusive)
	unlock(t, ls[2], none)
	held(t, &f, false)
}

func TestReserved(t *testing.T) {
	var f locking.File
	a, b, c := f.NewLock(), f.NewLock(), f.NewLock()
	lock(t, a, shared)
	lock(t, b, shared)
	lock(t, a, reserved)
	reservedBy(t, b, true)
	reservedBy(t, c, true) // a handle with no lock asks too
	busy(t, b, reserved)
	busy(t, b, exclusive)
	level(t, b, shared)
	// New readers are still let in.
	lock(t, c, shared)
	busy(t, c, reserved)
	// Releasing RESERVED (back to SHARED) lets the next writer in.
	unlock(t, a, shared)
	reservedBy(t, b, false)
	lock(t, b, reserved)
	busy(t, a, reserved)
}

func TestPendingBlocksNewReaders(t *testing.T) {
	var f locking.File
	a, b, c := f.NewLock(), f.NewLock(), f.NewLock()
	lock(t, a, shared)
	lock(t, b, shared)
	lock(t, a, reserved)
	busy(t, a, exclusive)
	level(t, a, pending) // a failed EXCLUSIVE holds PENDING
	reservedBy(t, c, true)
	busy(t, c, shared)
	level(t, c, none)
	busy(t, b, reserved)
	busy(t, a, exclusive) // still a reader
	unlock(t, b, none)
	busy(t, b, shared) // the reader that left cannot come back either
	lock(t, a, exclusive)
	busy(t, b, shared)
	busy(t, c, shared)
	unlock(t, a, none)
	lock(t, c, shared)
	lock(t, b, shared)
}

func TestPendingGivesUp(t *testing.T) {
	for _, to := range []backend.LockLevel{shared, none} {
		t.Run(fmt.Sprint("to ", to), func(t *testing.T) {
			var f locking.File
			a, b, c := f.NewLock(), f.NewLock(), f.NewLock()
			lock(t, a, shared)
			lock(t, b, shared)
			lock(t, a, reserved)
			busy(t, a, exclusive)
			busy(t, c, shared)
			// The writer gives up (its busy handler expired): readers are
			// let in again and nobody is reserved.
			unlock(t, a, to)
			reservedBy(t, c, false)
			lock(t, c, shared)
			lock(t, b, reserved)
		})
	}
}

func TestUnlockToShared(t *testing.T) {
	var f locking.File
	a, b := f.NewLock(), f.NewLock()
	lock(t, a, shared)
	lock(t, a, reserved)
	lock(t, a, exclusive)
	busy(t, b, shared)
	unlock(t, a, shared)
	reservedBy(t, b, false)
	held(t, &f, true)
	lock(t, b, shared)
	lock(t, b, reserved)
	busy(t, b, exclusive) // a still reads
	level(t, b, pending)
	busy(t, a, reserved)
	unlock(t, a, none)
	lock(t, b, exclusive)
	// Down from RESERVED to SHARED, then NONE.
	unlock(t, b, shared)
	lock(t, a, shared)
	unlock(t, b, none)
	unlock(t, a, none)
	held(t, &f, false)
}

func TestNoOps(t *testing.T) {
	var f locking.File
	a, b := f.NewLock(), f.NewLock()
	unlock(t, a, none) // nothing held
	lock(t, a, shared)
	lock(t, a, reserved)
	if err := a.Lock(shared); err != nil { // weaker than held
		t.Fatal(err)
	}
	level(t, a, reserved)
	if err := a.Unlock(exclusive); err != nil { // not a lowering
		t.Fatal(err)
	}
	level(t, a, reserved)
	unlock(t, a, none)
	unlock(t, a, none)
	held(t, &f, false)
	// A handle unlocking twice must not release another's lock.
	lock(t, a, shared)
	lock(t, b, shared)
	unlock(t, a, none)
	unlock(t, a, none)
	held(t, &f, true)
	lock(t, a, shared)
	lock(t, a, reserved)
	busy(t, a, exclusive) // b reads
}

func TestBadRequests(t *testing.T) {
	var f locking.File
	a := f.NewLock()
	for _, l := range []backend.LockLevel{reserved, pending, exclusive} {
		if err := a.Lock(l); err == nil || errors.Is(err, backend.ErrBusy) {
			t.Errorf("Lock(%d) with no lock = %v; want a protocol error", l, err)
		}
	}
	lock(t, a, shared)
	if err := a.Lock(pending); err == nil || errors.Is(err, backend.ErrBusy) {
		t.Errorf("Lock(PENDING) = %v; want a protocol error", err)
	}
	level(t, a, shared)
	held(t, &f, true)
}

// fakeOS records the OS lock calls and plays another process that holds
// the ranges in other (by start byte) with the given kind.
type fakeOS struct {
	calls []string
	other map[int64]locking.Kind
}

func rangeName(start, n int64) string {
	switch {
	case start == locking.PendingByte && n == 1:
		return "pending"
	case start == locking.PendingByte && n == 2:
		return "pending+reserved"
	case start == locking.ReservedByte && n == 1:
		return "reserved"
	case start == locking.SharedFirst && n == locking.SharedSize:
		return "shared"
	case start == 0 && n == 0:
		return "all"
	}
	return fmt.Sprintf("%d+%d", start, n)
}

func (o *fakeOS) Set(kind locking.Kind, start, n int64) error {
	name := [...]string{"unlock", "read", "write"}[kind]
	o.calls = append(o.calls, name+" "+rangeName(start, n))
	if kind == locking.Unlock {
		return nil
	}
	for s, k := range o.other {
		if s >= start && (n == 0 || s < start+n) && (kind == locking.WriteLock || k == locking.WriteLock) {
			return backend.ErrBusy
		}
	}
	return nil
}

func (o *fakeOS) Test(start, n int64) (bool, error) {
	_, ok := o.other[start]
	return ok, nil
}

func (o *fakeOS) expect(t *testing.T, want ...string) {
	t.Helper()
	if !slices.Equal(o.calls, want) {
		t.Fatalf("OS calls = %q; want %q", o.calls, want)
	}
	o.calls = nil
}

// TestOSRanges checks that the OS locks are taken on the bytes and in the
// order of os_unix.c, which a native sqlite3 in another process relies on.
func TestOSRanges(t *testing.T) {
	o := &fakeOS{}
	f := &locking.File{OS: o}
	a, b := f.NewLock(), f.NewLock()
	lock(t, a, shared)
	o.expect(t, "read pending", "read shared", "unlock pending")
	lock(t, b, shared) // this process already holds the OS read lock
	o.expect(t)
	lock(t, a, reserved)
	o.expect(t, "write reserved")
	busy(t, a, exclusive) // b reads: decided in process, after taking PENDING
	o.expect(t, "write pending")
	unlock(t, b, none)
	o.expect(t)
	lock(t, a, exclusive)
	o.expect(t, "write shared")
	unlock(t, a, shared)
	o.expect(t, "read shared", "unlock pending+reserved")
	unlock(t, a, none)
	o.expect(t, "unlock all")
}

func TestOSOtherReader(t *testing.T) {
	o := &fakeOS{other: map[int64]locking.Kind{locking.SharedFirst + 100: locking.ReadLock}}
	f := &locking.File{OS: o}
	a, b := f.NewLock(), f.NewLock()
	lock(t, a, shared)
	lock(t, a, reserved)
	busy(t, a, exclusive)
	level(t, a, pending)
	busy(t, b, shared) // the in-process PENDING keeps this process's readers out too
	o.calls = nil
	delete(o.other, locking.SharedFirst+100)
	lock(t, a, exclusive)
	o.expect(t, "write shared") // PENDING is not taken twice
	unlock(t, a, none)
	held(t, f, false)
}

func TestOSOtherWriter(t *testing.T) {
	// Another process holds PENDING (it is going for EXCLUSIVE): no new
	// reader, and nothing is left held after the refusal.
	o := &fakeOS{other: map[int64]locking.Kind{locking.PendingByte: locking.WriteLock}}
	f := &locking.File{OS: o}
	a := f.NewLock()
	busy(t, a, shared)
	level(t, a, none)
	held(t, f, false)
	o.expect(t, "read pending")

	// Another process holds RESERVED: we may read, not reserve, and see it.
	o.other = map[int64]locking.Kind{locking.ReservedByte: locking.WriteLock}
	lock(t, a, shared)
	reservedBy(t, a, true)
	busy(t, a, reserved)
	level(t, a, shared)
	o.calls = nil
	delete(o.other, locking.ReservedByte)
	reservedBy(t, a, false)
	lock(t, a, reserved)
	o.expect(t, "write reserved")
}
