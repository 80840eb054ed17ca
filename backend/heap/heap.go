// Package heap is a backend that keeps databases in process memory.
//
// Files are named and live in a Backend until dropped, shared by every
// connection of the process that uses that Backend, so a pool of
// connections sees one database. Export and Import move a whole database
// image in and out, as sql.js's db.export() and new Database(bytes) do.
package heap

import (
	"errors"
	"fmt"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
	"github.com/stablesqlite/stablesqlite/backend/memstore"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// ErrInUse is returned when a database cannot be replaced or dropped
// because a connection has it open.
var ErrInUse = errors.New("heap: database is open")

// Default is the process-wide heap backend behind the DSN parameter
// vfs=heap.
var Default = New()

// Backend is a set of named in-memory files. The zero value is not usable;
// call New.
type Backend struct {
	mu    sync.Mutex
	files map[string]*file
}

type file struct {
	mu    sync.RWMutex // guards data
	data  memstore.Store
	lock  locking.File
	shm   shm.File
	opens int // open volumes; guarded by Backend.mu
}

// New returns an empty heap backend.
func New() *Backend {
	return &Backend{files: make(map[string]*file)}
}

// Open implements backend.Backend.
func (b *Backend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	if name == "" {
		return memstore.NewTemp(), flags, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.files[name]
	switch {
	case f == nil && flags&backend.OpenCreate == 0:
		return nil, 0, fmt.Errorf("heap: %q: %w", name, backend.ErrNotFound)
	case f != nil && flags&backend.OpenExclusive != 0:
		return nil, 0, fmt.Errorf("heap: %q already exists", name)
	case f == nil:
		f = &file{shm: shm.File{Open: shm.Anonymous}}
		b.files[name] = f
	}
	f.opens++
	return &volume{Handle: f.lock.NewHandle(&f.shm, name, flags), b: b, f: f}, flags, nil
}

// Delete implements backend.Backend. A file that is still open stays
// readable by the volumes that have it and disappears from the name space.
func (b *Backend) Delete(name string, syncDir bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.files[name]; !ok {
		return fmt.Errorf("heap: %q: %w", name, backend.ErrNotFound)
	}
	delete(b.files, name)
	return nil
}

// Access implements backend.Backend.
func (b *Backend) Access(name string, mode backend.AccessMode) (bool, error) {
	b.mu.Lock()
	f := b.files[name]
	b.mu.Unlock()
	if f == nil {
		return false, nil
	}
	if mode != backend.AccessExists {
		return true, nil
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.data.Size() > 0, nil
}

// Names returns the names of the files in the backend (databases and any
// journals), in no particular order.
func (b *Backend) Names() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.files))
	for n := range b.files {
		names = append(names, n)
	}
	return names
}

// Export returns a copy of the database image called name (see
// backend.Export): a consistent snapshot even while other connections
// write; it waits up to five seconds for a writer to finish and then fails
// with backend.ErrBusy.
func (b *Backend) Export(name string) ([]byte, error) {
	image, err := backend.Export(b, name)
	if err != nil {
		return nil, fmt.Errorf("heap: export %q: %w", name, err)
	}
	return image, nil
}

// Import replaces (or creates) the database called name with a copy of
// image, which must be a whole SQLite database. An image in WAL mode is
// switched to rollback-journal mode, since a heap database has no WAL
// beside it. Import fails with ErrInUse while a connection has the database
// open.
func (b *Backend) Import(name string, image []byte) error {
	if err := backend.CheckImage(image); err != nil {
		return fmt.Errorf("heap: import %q: %w", name, err)
	}
	f := &file{shm: shm.File{Open: shm.Anonymous}}
	f.data.WriteAt(image, 0)
	if len(image) > 0 && (image[18] == 2 || image[19] == 2) {
		f.data.WriteAt([]byte{1, 1}, 18)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if old := b.files[name]; old != nil && old.opens > 0 {
		return fmt.Errorf("heap: import %q: %w", name, ErrInUse)
	}
	b.files[name] = f
	delete(b.files, name+"-journal")
	return nil
}

// Drop removes the database called name and its journal. It fails with
// ErrInUse while a connection has the database open.
func (b *Backend) Drop(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.files[name]
	if f == nil {
		return fmt.Errorf("heap: drop %q: %w", name, backend.ErrNotFound)
	}
	if f.opens > 0 {
		return fmt.Errorf("heap: drop %q: %w", name, ErrInUse)
	}
	delete(b.files, name)
	delete(b.files, name+"-journal")
	return nil
}

type volume struct {
	locking.Handle
	b *Backend
	f *file
}

func (v *volume) ReadAt(p []byte, off int64) (int, error) {
	v.f.mu.RLock()
	defer v.f.mu.RUnlock()
	return v.f.data.ReadAt(p, off)
}

func (v *volume) WriteAt(p []byte, off int64) (int, error) {
	if v.ReadOnly {
		return 0, backend.ErrReadOnly
	}
	v.f.mu.Lock()
	defer v.f.mu.Unlock()
	return v.f.data.WriteAt(p, off)
}

func (v *volume) Size() (int64, error) {
	v.f.mu.RLock()
	defer v.f.mu.RUnlock()
	return v.f.data.Size(), nil
}

func (v *volume) Truncate(size int64) error {
	if v.ReadOnly {
		return backend.ErrReadOnly
	}
	v.f.mu.Lock()
	defer v.f.mu.Unlock()
	return v.f.data.Truncate(size)
}

func (v *volume) Sync(backend.SyncFlags) error { return nil }

func (v *volume) DeviceCharacteristics() backend.IOCap {
	return backend.IOCapSafeAppend | backend.IOCapSequential | backend.IOCapPowersafeOverwrite
}

func (v *volume) SectorSize() int { return 4096 }

func (v *volume) Close() error {
	if !v.Closing() {
		return nil
	}
	err := v.Unlock(backend.LockNone)
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	v.f.opens--
	if v.DeleteOnClose && v.b.files[v.Name] == v.f {
		delete(v.b.files, v.Name)
	}
	return err
}

func init() { backend.Register("heap", backend.Fixed{Backend: Default}) }
