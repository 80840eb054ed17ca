package guest

import (
	"os"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// linearMemory is one guest's linear memory: a region of address space
// reserved up to the instance's memory limit when the instance is created,
// of which the first len bytes are usable. Growing never moves or copies
// what is there (wazero's own allocator appends to a Go slice, so a guest
// growing to 1 GiB briefly needs 2), and the limit is enforced here:
// wazero's runtime has one maximum for every instance, the wasm32 4 GiB.
type linearMemory struct {
	mu     sync.Mutex
	region region // the reservation; region.size bytes are read-write
	limit  uint64 // bytes; the reservation's length
}

// allocator is the wazero memory allocator of one new instance: it
// reserves up to limit bytes and keeps the memory it made.
type allocator struct {
	limit uint64
	made  *linearMemory
}

// Allocate implements experimental.MemoryAllocator.
func (a *allocator) Allocate(_, max uint64) experimental.LinearMemory {
	a.made = &linearMemory{limit: min(a.limit, max), region: reserve(min(a.limit, max))}
	return a.made
}

// Reallocate implements experimental.LinearMemory: the memory becomes size
// bytes long; nil when that is past the limit, or the system refuses.
func (m *linearMemory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if size > m.limit || m.region.err != nil {
		return nil
	}
	if size > m.region.size {
		if err := m.region.commit(size); err != nil {
			return nil
		}
	}
	return m.region.bytes[:size:size]
}

// Free implements experimental.LinearMemory: the module instance is
// closing.
func (m *linearMemory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.region.release()
}

// mapShared maps size bytes of f at off into the guest's memory at at.
func (m *linearMemory) mapShared(at, size uint32, f *os.File, off int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.region.mapShared(at, size, f, off)
}

// unmapShared puts private zero pages back at [at, at+size).
func (m *linearMemory) unmapShared(at, size uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.region.unmapShared(at, size)
}
