package stable

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
)

var (
	sharedMu sync.Mutex
	named    = map[string]*Backend{} // in-process memories by name
	images   = map[string]*Backend{} // image files by absolute path
)

// Shared returns the in-process stable memory called name, shared by every
// connection of the process that names it; it is created empty (with
// DefaultMaxPages) on first use.
func Shared(name string) (*Backend, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if b := named[name]; b != nil {
		return b, nil
	}
	b, err := New(NewMemory(0))
	if err != nil {
		return nil, err
	}
	named[name] = b
	return b, nil
}

// SharedImage returns the backend over the image file at path, one per
// file per process. The file is opened (and created if missing) when the
// backend is first used, and kept open for the life of the process.
func SharedImage(path string) (*Backend, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if b := images[abs]; b != nil {
		return b, nil
	}
	b := Deferred(func() (Memory, error) {
		img, err := OpenImage(abs, 0)
		if err != nil {
			return nil, fmt.Errorf("stable: image %s: %w", abs, err)
		}
		return img, nil
	})
	images[abs] = b
	return b, nil
}

// factory makes the backends of vfs=stable: memory=NAME names an
// in-process memory (the default one when empty), image=PATH an image file.
type factory struct{}

func init() { backend.Register("stable", factory{}) }

func (factory) Params() []string { return []string{"memory", "image"} }

func (factory) New(params map[string]string) (backend.Backend, error) {
	memory, image := params["memory"], params["image"]
	switch {
	case image != "" && memory != "":
		return nil, fmt.Errorf("give either memory=NAME or image=PATH, not both")
	case image != "":
		return SharedImage(image)
	}
	return Shared(memory)
}
