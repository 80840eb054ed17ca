package locking

import (
	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// Handle is what every volume of a backend keeps of its file besides the
// bytes: its lock, its view of the WAL index, its name and how it was
// opened. Embedded in a volume, it provides Lock, Unlock, CheckReserved and
// backend.SharedMemory.
type Handle struct {
	*shm.Handle   // WAL index
	lock          *Lock
	Name          string
	ReadOnly      bool // not opened for writing
	DeleteOnClose bool
	closed        bool
}

// NewHandle returns a handle, at LockNone, on the file whose lock state is
// f and whose WAL index is index, opened as name with flags.
func (f *File) NewHandle(index *shm.File, name string, flags backend.OpenFlags) Handle {
	return Handle{Handle: index.NewHandle(), lock: f.NewLock(), Name: name,
		ReadOnly: flags&backend.OpenReadWrite == 0, DeleteOnClose: flags&backend.OpenDeleteOnClose != 0}
}

// Lock implements backend.Volume.
func (h *Handle) Lock(level backend.LockLevel) error { return h.lock.Lock(level) }

// Unlock implements backend.Volume.
func (h *Handle) Unlock(level backend.LockLevel) error { return h.lock.Unlock(level) }

// CheckReserved implements backend.Volume.
func (h *Handle) CheckReserved() (bool, error) { return h.lock.CheckReserved() }

// Level returns the level the handle holds.
func (h *Handle) Level() backend.LockLevel { return h.lock.Level() }

// Closing marks the handle closed and reports whether it was open, so that
// a volume's Close does its work once.
func (h *Handle) Closing() bool {
	if h.closed {
		return false
	}
	h.closed = true
	return true
}
