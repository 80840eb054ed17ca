package stable

import (
	"errors"
	"fmt"

	"github.com/stablesqlite/stablesqlite/backend"
)

// ErrInUse is returned when a database cannot be replaced because a
// connection has it open.
var ErrInUse = errors.New("stable: database is open")

// Export returns a copy of the SQLite database called name, an ordinary
// SQLite file image (see backend.Export): a consistent snapshot; it waits
// up to five seconds for a writer.
func (b *Backend) Export(name string) ([]byte, error) {
	image, err := backend.Export(b, name)
	if err != nil {
		return nil, fmt.Errorf("stable: export %q: %w", name, err)
	}
	return image, nil
}

// Import stores image, an ordinary SQLite database file, as the database
// called name, replacing any file of that name, in one atomic commit. An
// image in WAL mode is switched to rollback-journal mode. It fails while a
// connection has the database open.
func (b *Backend) Import(name string, image []byte) error {
	if err := backend.CheckImage(image); err != nil {
		return fmt.Errorf("stable: import %q: %w", name, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if of := b.open[name]; of != nil && of.opens > 0 {
		return fmt.Errorf("stable: import %q: %w", name, ErrInUse)
	}
	if b.msg != noMessage || b.inBatch {
		return fmt.Errorf("stable: import %q: %w", name, ErrMessage)
	}
	if err := b.commit(); err != nil {
		return err
	}
	for _, n := range []string{name, name + "-journal"} {
		if i := b.work.index(n); i >= 0 {
			b.work.files = append(b.work.files[:i], b.work.files[i+1:]...)
		}
	}
	if len(b.work.files) == maxFiles {
		b.revert()
		return fmt.Errorf("stable: import %q: %w: the directory holds at most %d files", name, backend.ErrFull, maxFiles)
	}
	e := &entry{name: name}
	b.work.files = append(b.work.files, e)
	b.dirDirty = true
	if _, err := b.writeFile(e, image, 0); err != nil {
		b.revert()
		return fmt.Errorf("stable: import %q: %w", name, err)
	}
	if len(image) > 19 && (image[18] == 2 || image[19] == 2) {
		b.put(e, []byte{1, 1}, 18)
	}
	return b.commit()
}
