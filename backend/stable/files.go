package stable

// SQLite's file namespace: open, delete and access by name.

import (
	"fmt"
	"slices"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/memstore"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// Open implements backend.Backend.
func (b *Backend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	if name == "" {
		// A temporary file lives only as long as its connection has it
		// open: it has no place in the memory, which outlives processes.
		return memstore.NewTemp(), flags, nil
	}
	if len(name) > maxName {
		return nil, 0, fmt.Errorf("stable: file name %q is longer than %d bytes", name, maxName)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return nil, 0, err
	}
	e := b.work.find(name)
	switch {
	case e == nil && flags&backend.OpenCreate == 0:
		return nil, 0, fmt.Errorf("stable: %q: %w", name, backend.ErrNotFound)
	case e != nil && flags&backend.OpenExclusive != 0:
		return nil, 0, fmt.Errorf("stable: %q already exists", name)
	case e == nil:
		if len(b.work.files) == maxFiles {
			return nil, 0, fmt.Errorf("%w: the directory holds at most %d files", backend.ErrFull, maxFiles)
		}
		b.work.files = append(b.work.files, &entry{name: name})
		b.dirDirty = true
		if err := b.commitPoint(); err != nil {
			return nil, 0, err
		}
	}
	of := b.open[name]
	if of == nil {
		of = &openFile{shm: shm.File{Open: shm.Anonymous}}
		b.open[name] = of
	}
	of.opens++
	return &volume{Handle: of.lock.NewHandle(&of.shm, name, flags), b: b, of: of}, flags, nil
}

// Delete implements backend.Backend.
func (b *Backend) Delete(name string, syncDir bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return err
	}
	return b.delete(name)
}

func (b *Backend) delete(name string) error {
	i := b.work.index(name)
	if i < 0 {
		return fmt.Errorf("stable: %q: %w", name, backend.ErrNotFound)
	}
	// Blocks of the freed extents may still sit in the overlay; they are
	// harmless (written to pages no file owns) but dropping them saves work.
	b.work.files = slices.Delete(b.work.files, i, i+1)
	b.dirDirty = true
	return b.commitPoint()
}

// Access implements backend.Backend.
func (b *Backend) Access(name string, mode backend.AccessMode) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return false, err
	}
	e := b.work.find(name)
	if e == nil {
		return false, nil
	}
	return mode != backend.AccessExists || e.size > 0, nil
}
