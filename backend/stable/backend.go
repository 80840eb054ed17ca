package stable

import (
	"errors"
	"fmt"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// DefaultBatchBudget is how many bytes of changed blocks one atomic batch
// may hold before SQLite is sent back to a rollback journal.
const DefaultBatchBudget = 256 << 20

// ErrBatchTooLarge makes SQLite fall back from an atomic batch to its
// rollback journal (it is an I/O error to SQLite, which is what triggers
// the fallback).
var ErrBatchTooLarge = errors.New("stable: atomic batch exceeds its budget")

// Backend stores SQLite's files in a Memory. Writes collect in an overlay
// of changed 4 KiB blocks and reach the memory together, atomically, at a
// commit point: the end of SQLite's atomic batch (a transaction's commit),
// a sync, or the release of a write lock. Nothing is ever half-written, so
// SQLite needs no rollback journal: the volumes declare batch-atomic writes.
//
// Messages: outside an explicit scope every commit point ends a message (as
// a plain SQLite transaction is one message on the platform). Inside
// BeginMessage ... CommitMessage the commit points are held back and the
// whole message lands at once; Trap drops it. BeginQuery opens a message
// whose writes are always dropped.
type Backend struct {
	mu     sync.Mutex
	mem    Memory // nil until a deferred backend is first used
	opener func() (Memory, error)
	budget int

	dir      directory // as committed in the memory
	work     directory // dir plus the uncommitted changes
	size     uint64    // committed memory size, pages
	workSize uint64    // size the next commit grows to
	overlay  map[uint64][]byte
	blocks   blockSlab // where overlay blocks come from
	dirDirty bool
	inBatch  bool
	batcher  *volume    // the volume whose batch is open
	sp       *savepoint // state at the start of SQLite's atomic batch
	msg      msgKind    // the explicit scope, if any
	meter    meter

	open map[string]*openFile // process-side state of each file, by name
}

// openFile is what the process keeps about one file besides its bytes:
// SQLite's locks, its WAL index, and how many volumes have it open.
type openFile struct {
	lock  locking.File
	shm   shm.File
	opens int
}

// New opens the stable backend on mem: an empty memory is formatted, and
// anything else must hold a valid layout, or New fails with an error
// wrapping ErrFormat.
func New(mem Memory) (*Backend, error) {
	b := newBackend(nil)
	if err := b.attach(mem); err != nil {
		return nil, err
	}
	return b, nil
}

// Deferred returns a stable backend that opens its memory with open when
// it is first used (SQLite opens a file, a message begins, ...), not now:
// what sql.Open makes from a DSN must only be checked, and the memory (an
// image file, say) is opened by the first connection. If open fails, the
// use that needed it fails, and the next use tries again.
func Deferred(open func() (Memory, error)) *Backend { return newBackend(open) }

func newBackend(open func() (Memory, error)) *Backend {
	return &Backend{opener: open, budget: DefaultBatchBudget, overlay: map[uint64][]byte{},
		open: map[string]*openFile{}, meter: newMeter()}
}

// attach formats mem if it is empty, or loads its layout.
func (b *Backend) attach(mem Memory) error {
	b.mem, b.size = mem, mem.Size()
	if b.size == 0 {
		b.workSize = firstPage
		b.dirDirty = true
		if err := b.commit(); err != nil {
			b.mem = nil
			return fmt.Errorf("stable: formatting the memory: %w", err)
		}
		b.meter.end(false) // formatting is a message of its own
		return nil
	}
	if err := b.load(); err != nil {
		b.mem = nil
		return err
	}
	return nil
}

// ready opens the memory of a deferred backend, if that has not been
// done; b.mu is held.
func (b *Backend) ready() error {
	if b.mem != nil {
		return nil
	}
	if b.opener == nil {
		return errors.New("stable: the backend has no memory")
	}
	mem, err := b.opener()
	if err != nil {
		return backend.OutOfSpace(err)
	}
	if err := b.attach(mem); err != nil {
		if c, ok := mem.(Closer); ok {
			c.Close()
		}
		return err
	}
	return nil
}

// load reads the committed directory from the memory: the superblock is
// the only read reopening needs.
func (b *Backend) load() error {
	b.size = b.mem.Size()
	buf := make([]byte, BlockSize)
	b.meter.read(0, BlockSize)
	if err := b.mem.ReadAt(buf, 0); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	d, err := decodeDirectory(buf, b.size)
	if err != nil {
		return err
	}
	b.dir = d
	b.work, b.workSize = b.dir.clone(), b.size
	return nil
}

// DefaultPragmas turns off SQLite's cache spill: a transaction's pages stay
// in SQLite's cache until it commits, as the platform holds a message's
// writes, so a transaction that is rolled back never touches the memory.
// A connection can turn it back on (PRAGMA cache_spill=ON) to bound its
// cache; large transactions then spill through a rollback journal.
func (b *Backend) DefaultPragmas() []string { return []string{"PRAGMA cache_spill=OFF"} }

// SetBatchBudget sets how many bytes one atomic batch may change before
// SQLite falls back to a journal.
func (b *Backend) SetBatchBudget(bytes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.budget = bytes
}

// Memory returns the backend's memory (nil for a deferred backend not used
// yet).
func (b *Backend) Memory() Memory {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mem
}

// FileInfo describes one file of the layout.
type FileInfo struct {
	Name    string
	Size    int64
	Extents [][2]uint64 // [first page, page count]
}

// Files lists the committed files of the layout.
func (b *Backend) Files() []FileInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ready() != nil {
		return nil
	}
	var out []FileInfo
	for _, e := range b.dir.files {
		fi := FileInfo{Name: e.name, Size: e.size}
		for _, x := range e.extents {
			fi.Extents = append(fi.Extents, [2]uint64{x.start, x.count})
		}
		out = append(out, fi)
	}
	return out
}
