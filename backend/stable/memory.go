package stable

import (
	"errors"
	"fmt"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend/memstore"
)

// PageSize is the unit in which a Memory is sized and grown: 64 KiB, as
// Internet Computer stable memory.
const PageSize = 64 << 10

// DefaultMaxPages is the default maximum size of a memory: 500 GiB, the
// Internet Computer's current stable-memory limit.
const DefaultMaxPages = 500 << 30 / PageSize

// Errors of a Memory.
var (
	// ErrOutOfBounds is returned for a read or write past the end.
	ErrOutOfBounds = errors.New("stable: access past the end of memory")
	// ErrGrow is returned when growing would pass the maximum size.
	ErrGrow = errors.New("stable: memory cannot grow past its maximum size")
)

// Memory is a flat, 64-bit addressed region that only grows, shaped like
// Internet Computer stable memory (ic0.stable64_size, stable64_grow,
// stable64_read, stable64_write). A user can plug in their own region.
//
// Reading or writing past the end is an error, never a silent zero. A Memory
// is used by one goroutine at a time: the stable backend serialises access.
type Memory interface {
	// Size returns the size in pages.
	Size() uint64
	// Grow adds pages (zero-filled) and returns the old size in pages; it
	// fails with ErrGrow past the maximum, leaving the size unchanged.
	Grow(pages uint64) (uint64, error)
	// ReadAt reads len(p) bytes at off.
	ReadAt(p []byte, off uint64) error
	// WriteAt writes p at off.
	WriteAt(p []byte, off uint64) error
}

// Write is one write of a batch.
type Write struct {
	Off  uint64
	Data []byte
}

// Atomic is implemented by memories that can apply a batch all-or-nothing,
// whatever instant a crash strikes (the image file does, with a redo log).
// For a memory without it, the backend grows and writes directly: a process
// memory cannot be torn by a crash, since the crash takes it along.
type Atomic interface {
	// Apply grows the memory to size pages (if larger) and performs the
	// writes, atomically.
	Apply(size uint64, writes []Write) error
}

// Closer is implemented by memories that hold resources (the image file).
type Closer interface {
	Close() error
}

// sparse is the in-process Memory: its bytes in a memstore.Store, whose
// 64 KiB chunks are allocated on first write, so growing copies nothing and
// untouched pages cost no RAM.
type sparse struct {
	mu   sync.Mutex
	data memstore.Store // what was written; the rest reads as zeros
	size uint64         // pages
	max  uint64

	// trap, when set (by tests), is asked before each grow and write
	// inside Apply whether the platform traps there; Apply then undoes what
	// it did, as a trapped message leaves no trace.
	trap func(op string) bool
}

// errTrapped is returned by an Apply that a test made trap.
var errTrapped = errors.New("stable: message trapped")

// NewMemory returns an empty in-process memory that can grow to maxPages
// (0: DefaultMaxPages; at most memstore.MaxSize, 1 TiB).
func NewMemory(maxPages uint64) Memory {
	if maxPages == 0 {
		maxPages = DefaultMaxPages
	}
	return &sparse{max: min(maxPages, memstore.MaxSize/PageSize)}
}

func (m *sparse) Size() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.size
}

func (m *sparse) Grow(n uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.size
	if n > m.max || old > m.max-n {
		return old, fmt.Errorf("%w (%d + %d > %d pages)", ErrGrow, old, n, m.max)
	}
	m.size += n
	return old, nil
}

func (m *sparse) ReadAt(p []byte, off uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkRange(uint64(len(p)), off, m.size); err != nil {
		return err
	}
	n, _ := m.data.ReadAt(p, int64(off))
	clear(p[n:]) // past the last byte ever written
	return nil
}

func (m *sparse) WriteAt(p []byte, off uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkRange(uint64(len(p)), off, m.size); err != nil {
		return err
	}
	_, err := m.data.WriteAt(p, int64(off))
	return err
}

// Apply implements Atomic: bounds and the maximum are checked before
// anything changes, and the batch lands whole or not at all.
func (m *sparse) Apply(size uint64, writes []Write) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if size > m.max {
		return fmt.Errorf("%w (%d > %d pages)", ErrGrow, size, m.max)
	}
	newSize := max(size, m.size)
	for _, w := range writes {
		if err := checkRange(uint64(len(w.Data)), w.Off, newSize); err != nil {
			return err
		}
	}
	if m.trap == nil {
		m.size = newSize
		for _, w := range writes {
			m.data.WriteAt(w.Data, int64(w.Off)) // inside the maximum: cannot fail
		}
		return nil
	}
	// The undo path, for trap injection: remember what each write replaces.
	oldSize, oldEnd, undo := m.size, m.data.Size(), []Write(nil)
	rollback := func() error {
		for i := len(undo) - 1; i >= 0; i-- {
			m.data.WriteAt(undo[i].Data, int64(undo[i].Off))
		}
		m.data.Truncate(oldEnd)
		m.size = oldSize
		return errTrapped
	}
	if newSize > m.size {
		if m.trap("grow") {
			return rollback()
		}
		m.size = newSize
	}
	for _, w := range writes {
		old := make([]byte, len(w.Data))
		m.data.ReadAt(old, int64(w.Off))
		undo = append(undo, Write{w.Off, old})
		if m.trap("write") {
			return rollback()
		}
		m.data.WriteAt(w.Data, int64(w.Off))
	}
	return nil
}

// InjectTraps makes an in-process memory (from NewMemory) trap inside Apply
// whenever trap returns true for the grow or write it is about to do; the
// Apply is then undone, as the platform undoes a trapped message. It is for
// fault-injection tests; nil turns it off.
func InjectTraps(m Memory, trap func(op string) bool) error {
	s, ok := m.(*sparse)
	if !ok {
		return fmt.Errorf("stable: InjectTraps needs a memory from NewMemory, not %T", m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trap = trap
	return nil
}
