// Package shm implements SQLite's WAL-index shared memory for backends: the
// index lives in a file whose regions the host maps into every connection's
// guest memory (MAP_SHARED), so that every connection, in this process or
// another, reads and writes the same bytes, as native SQLite's connections
// do; and SQLite's eight shm locks, among the connections of the process
// and, through the storage's OS locks, of other processes.
//
// The file backend keeps the index in the database's -shm file, with the
// byte-range locks native SQLite takes on it; in-memory backends keep it
// in an anonymous file of the process (see Anonymous).
package shm

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
)

// NLocks is SQLITE_SHM_NLOCK.
const NLocks = 8

// MaxRegions bounds a region's index: 32,768 regions of SQLite's 32 KiB
// make a 1 GiB WAL index, enough for a WAL of 128 million frames. Mapping
// past it is an error rather than a file of that size.
const MaxRegions = 1 << 15

// Storage is where a File's regions live.
type Storage interface {
	// File is the file the regions are mapped from: region r of size s at
	// offset r*s.
	File() *os.File
	// Lock takes (or, with backend.ShmUnlock, releases) SQLite's shm lock
	// slots [offset, offset+n) for this process among processes, without
	// waiting: backend.ErrBusy on conflict. Storage that only this process
	// sees has nothing to do.
	Lock(offset, n int, flags backend.ShmFlags) error
	// Close releases the storage when the process's last connection
	// unmaps; delete asks for the index to be discarded.
	Close(delete bool) error
}

// File is the shared memory of one database file, for every volume of the
// process that has it open. The zero value is not usable: set Open.
type File struct {
	// Open makes the storage, when the first handle maps a region.
	Open func() (Storage, error)

	mu    sync.Mutex
	st    Storage
	size  int // region size, from the first map
	users int
	locks [NLocks]int // per slot: handles holding it shared, or -1 if one holds it exclusive

	// Slots no handle holds whose shared OS lock the process keeps for up
	// to linger, and the timer that releases them (see unlock).
	lingering uint8
	timer     *time.Timer
	armed     bool
}

// linger is how long the OS lock of a shared slot outlives its last
// handle's lock. A read transaction takes a read-mark slot shared and
// releases it at its end; a connection that runs one after another takes
// the same slot again microseconds later. Keeping the OS lock in between
// spares the two fcntl calls per transaction that native SQLite makes
// (they are a third of a cached point query's time). Holding a shared
// read-mark lock longer is always safe: another process sees one more
// reader, which only stops it from moving that slot's mark (its reader
// uses another slot, its writer restarts the log later) for at most
// linger; the timer is not pushed back, so that a connection reading
// without pause still lets go of the slot as often.
const linger = 2 * time.Millisecond

// Handle is one volume's view of a File; it implements the methods of
// backend.SharedMemory.
type Handle struct {
	f      *File
	mapped bool
	shared uint8 // lock slots held shared
	excl   uint8 // lock slots held exclusive
}

// NewHandle returns a handle on f for one volume.
func (f *File) NewHandle() *Handle { return &Handle{f: f} }

// ShmMap implements backend.SharedMemory: the file and offset of region,
// grown to hold it if extend. Growing writes a byte into each new page, so
// that a full file system is an error here and not a fault when the guest
// touches the page.
func (h *Handle) ShmMap(region, size int, extend bool) (*os.File, int64, bool, error) {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if region < 0 || region >= MaxRegions || size <= 0 || size > 1<<20 || size%os.Getpagesize() != 0 {
		return nil, 0, false, fmt.Errorf("shm: bad region %d of %d bytes", region, size)
	}
	if f.size != 0 && f.size != size {
		return nil, 0, false, fmt.Errorf("shm: region size %d, mapped before as %d", size, f.size)
	}
	if !h.mapped {
		if f.users == 0 {
			st, err := f.Open()
			if err != nil {
				return nil, 0, false, err
			}
			f.st, f.size = st, size
		}
		f.users++
		h.mapped = true
	}
	file := f.st.File()
	st, err := file.Stat()
	if err != nil {
		return nil, 0, false, err
	}
	off, end := int64(region)*int64(size), int64(region+1)*int64(size)
	if st.Size() < end {
		if !extend {
			return nil, 0, false, nil
		}
		page := int64(os.Getpagesize())
		for at := max(st.Size(), off) + page - 1; at < end; at += page {
			if _, err := file.WriteAt([]byte{0}, at); err != nil {
				return nil, 0, false, backend.OutOfSpace(err)
			}
		}
	}
	return file, off, true, nil
}

// ShmLock implements backend.SharedMemory, with the rules of os_unix.c's
// unixShmLock: the handles of the process share each slot's OS lock, taken
// when the first one locks it and released when the last one unlocks.
func (h *Handle) ShmLock(offset, n int, flags backend.ShmFlags) error {
	if offset < 0 || n < 1 || offset+n > NLocks {
		return fmt.Errorf("shm: bad lock range [%d, %d)", offset, offset+n)
	}
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if !h.mapped {
		return fmt.Errorf("shm: lock of an unmapped handle")
	}
	mask := uint8((1<<n - 1) << offset)
	switch {
	case flags&backend.ShmUnlock != 0:
		return h.unlock(offset, n, mask)
	case flags&backend.ShmShared != 0:
		// SQLite takes shared locks one slot at a time, never on a slot it
		// holds exclusive.
		for i := offset; i < offset+n; i++ {
			bit := uint8(1) << i
			if h.shared&bit != 0 {
				continue
			}
			if f.locks[i] < 0 {
				return backend.ErrBusy
			}
			if f.locks[i] == 0 && f.lingering&bit == 0 {
				if err := f.st.Lock(i, 1, backend.ShmLock|backend.ShmShared); err != nil {
					return err
				}
			}
			f.lingering &^= bit
			f.locks[i]++
			h.shared |= bit
		}
	default:
		if h.excl&mask == mask {
			return nil
		}
		// Any lock of another handle of the process blocks it, as does
		// any of another process (the OS lock).
		for i := offset; i < offset+n; i++ {
			if f.locks[i] != 0 {
				return backend.ErrBusy
			}
		}
		// The OS turns a lingering shared lock into the exclusive one, or
		// leaves it as it was.
		if err := f.st.Lock(offset, n, backend.ShmLock|backend.ShmExclusive); err != nil {
			return err
		}
		for i := offset; i < offset+n; i++ {
			f.locks[i] = -1
		}
		f.lingering &^= mask
		h.excl |= mask
	}
	return nil
}

// unlock releases h's locks on the slots of mask; f.mu is held. The OS
// lock of an exclusive slot goes at once, that of a shared slot lingers.
func (h *Handle) unlock(offset, n int, mask uint8) error {
	f := h.f
	var err error
	for i := offset; i < offset+n; i++ {
		bit := uint8(1) << i
		switch {
		case h.excl&bit != 0:
			f.locks[i] = 0
			if uerr := f.st.Lock(i, 1, backend.ShmUnlock); err == nil {
				err = uerr
			}
		case h.shared&bit != 0:
			if f.locks[i]--; f.locks[i] == 0 {
				f.lingering |= bit
				f.armLinger()
			}
		}
	}
	h.excl &^= mask
	h.shared &^= mask
	return err
}

// armLinger makes the timer release the lingering slots in linger, if it
// is not already going to; f.mu is held.
func (f *File) armLinger() {
	switch {
	case f.armed:
	case f.timer == nil:
		f.timer = time.AfterFunc(linger, f.releaseLingering)
	default:
		f.timer.Reset(linger)
	}
	f.armed = true
}

// releaseLingering releases the OS locks of the slots that linger.
func (f *File) releaseLingering() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = false
	f.dropLingering()
}

// dropLingering releases the lingering OS locks; f.mu is held.
func (f *File) dropLingering() error {
	var err error
	for i := range NLocks {
		if f.lingering&(1<<i) != 0 && f.st != nil {
			if uerr := f.st.Lock(i, 1, backend.ShmUnlock); err == nil {
				err = uerr
			}
		}
	}
	f.lingering = 0
	return err
}

// ShmUnmap implements backend.SharedMemory: the handle's locks go, and
// when the process's last handle unmaps, so does the storage.
func (h *Handle) ShmUnmap(delete bool) error {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if !h.mapped {
		return nil
	}
	err := h.unlock(0, NLocks, 0xff)
	h.mapped = false
	if f.users--; f.users == 0 {
		if lerr := f.dropLingering(); err == nil {
			err = lerr
		}
		if cerr := f.st.Close(delete); err == nil {
			err = cerr
		}
		f.st, f.size = nil, 0
	}
	return err
}

// Reset zeroes the index, as if no connection had ever built it: SQLite
// finds no valid header and rebuilds it from the WAL. A backend calls it
// when the WAL lost writes that the index may list. Locks are kept.
func (f *File) Reset() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.st == nil {
		return nil
	}
	file := f.st.File()
	st, err := file.Stat()
	if err != nil {
		return err
	}
	_, err = file.WriteAt(make([]byte, st.Size()), 0)
	return err
}
