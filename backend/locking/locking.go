// Package locking implements SQLite's file locking protocol (the five levels
// of os_unix.c) for the handles of one process, with an optional hook to
// mirror it in operating-system byte-range locks so that other processes
// take part too.
//
// One File stands for one underlying file (one inode); each open handle on
// it has its own Lock, which a volume holds in a Handle (with its view of
// the WAL index, package shm). The rules are those of os_unix.c's unixLock
// and posixUnlock, so the behaviour seen by SQLite is the one it was tested
// with.
package locking

import (
	"fmt"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
)

// The byte ranges SQLite locks in the database file (os_unix.c), so that a
// native sqlite3 in another process sees our locks.
const (
	PendingByte  = 0x40000000
	ReservedByte = PendingByte + 1
	SharedFirst  = PendingByte + 2
	SharedSize   = 510
)

// Kind is the kind of an OS byte-range lock request.
type Kind int

// The kinds of OS lock requests.
const (
	Unlock Kind = iota
	ReadLock
	WriteLock
)

// OS mirrors the protocol in operating-system locks. Set tries to take (or
// release) a lock on [start, start+n) without waiting (n == 0: to the end of
// the file) and returns backend.ErrBusy on conflict. Test reports whether
// another process holds a lock that conflicts with a write lock on the range.
type OS interface {
	Set(kind Kind, start, n int64) error
	Test(start, n int64) (bool, error)
}

// File is the shared lock state of one file. Its zero value is ready to use
// and has no OS part.
type File struct {
	OS OS // optional

	mu      sync.Mutex
	level   backend.LockLevel // the strongest lock any handle holds
	nShared int               // handles holding at least LockShared
}

// Lock is one handle's lock on a File.
type Lock struct {
	file  *File
	level backend.LockLevel
}

// NewLock returns a handle's lock on f, at LockNone.
func (f *File) NewLock() *Lock { return &Lock{file: f} }

// Level returns the level this handle holds.
func (l *Lock) Level() backend.LockLevel {
	l.file.mu.Lock()
	defer l.file.mu.Unlock()
	return l.level
}

func (f *File) set(kind Kind, start, n int64) error {
	if f.OS == nil {
		return nil
	}
	return f.OS.Set(kind, start, n)
}

// Lock raises the handle's lock to level, or returns backend.ErrBusy.
func (l *Lock) Lock(level backend.LockLevel) error {
	f := l.file
	f.mu.Lock()
	defer f.mu.Unlock()
	if l.level >= level {
		return nil
	}
	if level != backend.LockShared && level != backend.LockReserved && level != backend.LockExclusive {
		return fmt.Errorf("locking: cannot request level %d", level)
	}
	if level > backend.LockShared && l.level == backend.LockNone {
		return fmt.Errorf("locking: level %d requested without a shared lock", level)
	}
	// Another handle is writing, or about to: nobody else moves up.
	if l.level != f.level && (f.level >= backend.LockPending || level > backend.LockShared) {
		return backend.ErrBusy
	}
	// Another handle of this process already holds the OS shared lock.
	if level == backend.LockShared && (f.level == backend.LockShared || f.level == backend.LockReserved) {
		l.level = backend.LockShared
		f.nShared++
		return nil
	}
	// The pending byte keeps new readers out while this one goes for
	// exclusive, and makes a new reader's shared lock atomic.
	if level == backend.LockShared || (level == backend.LockExclusive && l.level < backend.LockPending) {
		kind := WriteLock
		if level == backend.LockShared {
			kind = ReadLock
		}
		if err := f.set(kind, PendingByte, 1); err != nil {
			return err
		}
		if level == backend.LockExclusive {
			l.level, f.level = backend.LockPending, backend.LockPending
		}
	}
	var err error
	switch {
	case level == backend.LockShared:
		err = f.set(ReadLock, SharedFirst, SharedSize)
		if uerr := f.set(Unlock, PendingByte, 1); err == nil && uerr != nil {
			err = uerr
		}
		if err == nil {
			f.nShared = 1
		}
	case level == backend.LockExclusive && f.nShared > 1:
		err = backend.ErrBusy // readers in this process
	case level == backend.LockReserved:
		err = f.set(WriteLock, ReservedByte, 1)
	default:
		err = f.set(WriteLock, SharedFirst, SharedSize)
	}
	if err != nil {
		return err
	}
	l.level, f.level = level, level
	return nil
}

// Unlock lowers the handle's lock to level (LockShared or LockNone).
func (l *Lock) Unlock(level backend.LockLevel) error {
	f := l.file
	f.mu.Lock()
	defer f.mu.Unlock()
	if l.level <= level {
		return nil
	}
	var err error
	if l.level > backend.LockShared {
		if level == backend.LockShared {
			err = f.set(ReadLock, SharedFirst, SharedSize)
		}
		if uerr := f.set(Unlock, PendingByte, 2); err == nil {
			err = uerr
		}
		f.level = backend.LockShared
	}
	if level == backend.LockNone {
		f.nShared--
		if f.nShared == 0 {
			if uerr := f.set(Unlock, 0, 0); err == nil {
				err = uerr
			}
			f.level = backend.LockNone
		}
	}
	l.level = level
	return err
}

// CheckReserved reports whether any handle, here or in another process,
// holds a lock above LockShared.
func (l *Lock) CheckReserved() (bool, error) {
	f := l.file
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.level > backend.LockShared {
		return true, nil
	}
	if f.OS == nil {
		return false, nil
	}
	return f.OS.Test(ReservedByte, 1)
}
