// Package shm implements SQLite's WAL-index shared memory for backends:
// regions shared by every handle of one database file, SQLite's eight shm
// locks, and the reconciliation of each handle's private copy (it lives in
// the handle's own Wasm memory) with the shared regions.
package shm

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
)

// NLocks is SQLITE_SHM_NLOCK.
const NLocks = 8

// File is the shared memory of one database file. The zero value is ready.
type File struct {
	// Attach, if set, is called when the first handle maps a region, and
	// Detach when the last one unmaps (the file backend uses them to keep
	// other processes out while the shared memory lives in this process).
	Attach func() error
	Detach func(delete bool)

	mu      sync.Mutex
	regions [][]byte
	gens    []uint64 // per region: bumped by every publish that changed it
	epoch   uint64   // bumped by Reset
	users   int
	shared  [NLocks]int
	excl    [NLocks]*Handle
}

// Handle is one volume's view of a File; it implements the methods of
// backend.SharedMemory.
type Handle struct {
	f        *File
	mapped   bool
	shadows  [][]byte // what this handle last synced, per region
	seen     []uint64 // the region generation the shadow reflects
	epoch    uint64   // the File's epoch the shadows belong to
	shared   uint8    // lock slots held shared
	excl     uint8    // lock slots held exclusive
	mayWrite bool     // an exclusive lock was held since the last publish
}

// NewHandle returns a handle on f for one volume.
func (f *File) NewHandle() *Handle { return &Handle{f: f} }

// MaxRegions bounds a region's index: 32,768 regions of SQLite's 32 KiB
// make a 1 GiB WAL index, enough for a WAL of 128 million frames. Mapping
// past it is an error rather than an allocation of every region before it.
const MaxRegions = 1 << 15

// ShmMap implements backend.SharedMemory.
func (h *Handle) ShmMap(region, size int, extend bool) (bool, error) {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if region < 0 || region >= MaxRegions || size <= 0 || size > 1<<20 {
		return false, fmt.Errorf("shm: bad region %d of %d bytes", region, size)
	}
	if len(f.regions) > 0 && len(f.regions[0]) != size {
		return false, fmt.Errorf("shm: region size %d, mapped before as %d", size, len(f.regions[0]))
	}
	if !h.mapped {
		if f.users == 0 && f.Attach != nil {
			if err := f.Attach(); err != nil {
				return false, err
			}
		}
		f.users++
		h.mapped = true
	}
	if region >= len(f.regions) {
		if !extend {
			return false, nil
		}
		for len(f.regions) <= region {
			f.regions = append(f.regions, make([]byte, size))
			f.gens = append(f.gens, 1)
		}
	}
	for len(h.shadows) <= region {
		h.shadows = append(h.shadows, nil)
		h.seen = append(h.seen, 0)
	}
	return true, nil
}

// ShmSync implements backend.SharedMemory. Two shortcuts keep it off the
// read path: SQLite writes to the WAL index only under an exclusive shm lock,
// so a handle that has held none since its last publish has nothing to
// publish; and a region whose generation has not moved since the handle last
// looked has nothing to receive.
func (h *Handle) ShmSync(region int, private []byte, publish, receive bool) {
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if region >= len(f.regions) || region >= len(h.shadows) || len(private) != len(f.regions[region]) {
		return
	}
	if h.epoch != f.epoch {
		// The File was reset: what this handle synced before is void.
		clear(h.shadows)
		h.epoch = f.epoch
	}
	shared := f.regions[region]
	shadow := h.shadows[region]
	if shadow == nil {
		// First sync of a new mapping: the private copy is uninitialised.
		copy(private, shared)
		h.shadows[region] = bytes.Clone(shared)
		h.seen[region] = f.gens[region]
		return
	}
	if publish && h.mayWrite {
		current := h.seen[region] == f.gens[region]
		if publishDiff(private, shadow, shared) {
			f.gens[region]++
			if current {
				h.seen[region] = f.gens[region]
			}
		}
	}
	if receive && h.seen[region] != f.gens[region] {
		publishDiff(shared, shadow, private)
		h.seen[region] = f.gens[region]
	}
}

// publishDiff copies to dst (and to shadow) every byte of src that differs
// from shadow, and reports whether there was any.
func publishDiff(src, shadow, dst []byte) bool {
	const chunk = 256
	changed := false
	for i := 0; i < len(src); i += chunk {
		j := min(i+chunk, len(src))
		if bytes.Equal(src[i:j], shadow[i:j]) {
			continue
		}
		for k := i; k < j; k++ {
			if src[k] != shadow[k] {
				dst[k] = src[k]
				shadow[k] = src[k]
				changed = true
			}
		}
	}
	return changed
}

// Reset zeroes the shared regions, as if no connection had ever built the
// index: each handle's next sync takes the zeros into its private copy
// (dropping what it had not published), and SQLite rebuilds the index from
// the WAL. A backend calls it when the WAL lost writes the index may list.
// Locks are kept.
func (f *File) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.regions) == 0 {
		return
	}
	for i := range f.regions {
		clear(f.regions[i])
		f.gens[i]++
	}
	f.epoch++
}

// ShmLock implements backend.SharedMemory, with the rules of os_unix.c's
// unixShmLock among the handles of the file.
func (h *Handle) ShmLock(offset, n int, flags backend.ShmFlags) error {
	if offset < 0 || n < 1 || offset+n > NLocks {
		return fmt.Errorf("shm: bad lock range [%d, %d)", offset, offset+n)
	}
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	mask := uint8((1<<n - 1) << offset)
	switch {
	case flags&backend.ShmUnlock != 0:
		for i := offset; i < offset+n; i++ {
			bit := uint8(1) << i
			if h.excl&bit != 0 {
				f.excl[i] = nil
			}
			if h.shared&bit != 0 {
				f.shared[i]--
			}
		}
		h.excl &^= mask
		h.shared &^= mask
		if h.excl == 0 {
			h.mayWrite = false // the host published before it unlocked
		}
	case flags&backend.ShmShared != 0:
		if h.shared&mask == mask {
			return nil
		}
		for i := offset; i < offset+n; i++ {
			if f.excl[i] != nil && f.excl[i] != h {
				return backend.ErrBusy
			}
		}
		for i := offset; i < offset+n; i++ {
			if h.shared&(1<<i) == 0 {
				f.shared[i]++
			}
		}
		h.shared |= mask
	default:
		for i := offset; i < offset+n; i++ {
			own := 0
			if h.shared&(1<<i) != 0 {
				own = 1
			}
			if f.excl[i] != nil && f.excl[i] != h || f.shared[i]-own > 0 {
				return backend.ErrBusy
			}
		}
		for i := offset; i < offset+n; i++ {
			f.excl[i] = h
		}
		h.excl |= mask
		h.mayWrite = true
	}
	return nil
}

// ShmUnmap implements backend.SharedMemory. When the last handle unmaps,
// the regions are dropped: the next connection rebuilds the index from the
// WAL, as SQLite does when it finds no shared memory.
func (h *Handle) ShmUnmap(delete bool) error {
	h.ShmLock(0, NLocks, backend.ShmUnlock)
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	h.shadows, h.seen = nil, nil
	if !h.mapped {
		return nil
	}
	h.mapped = false
	f.users--
	if f.users == 0 {
		f.regions, f.gens = nil, nil
		if f.Detach != nil {
			f.Detach(delete)
		}
	}
	return nil
}
