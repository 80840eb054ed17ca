package guest

import (
	"fmt"
	"strings"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// The backends an instance reaches, as SQLite's VFSes. VFS 0 (the default,
// "stablesqlite") is the connection's own: its database, and the files
// named after it (journal, WAL) or unnamed (temporary files), are its
// backend's, and any other name is a file of the file backend, as in any
// SQLite (ATTACH 'x.db', VACUUM INTO 'x.db'). Every registered backend is a
// VFS under its name, with its default parameters (a URI's vfs=heap), and a
// backend a connection reaches otherwise (a backup's source) is added as
// "stablesqlite<n>".

// vfsBackend is one VFS of the instance.
type vfsBackend struct {
	name    string
	backend backend.Backend // nil until first used, for a registered one
	factory backend.Factory
}

// route returns the backend of VFS 0 for the file name: the connection's
// own for its database and the files named after it, the file backend for
// any other.
func (e *env) route(name string) backend.Backend {
	if name == "" || e.own == "" || name == e.own || strings.HasPrefix(name, e.own+"-") {
		return e.backend
	}
	return e.vfs[0].backend
}

// backendFor returns the backend of VFS number id for the file name, nil
// if there is none.
func (e *env) backendFor(id uint32, name string) backend.Backend {
	if id == 0 {
		return e.route(name)
	}
	if id >= uint32(len(e.vfs)) {
		return nil
	}
	v := &e.vfs[id]
	if v.backend == nil && v.factory != nil {
		b, err := v.factory.New(nil)
		if err != nil {
			e.lastErr, e.lastRC = err, rc.CantOpen // what volOpen reports
			return nil
		}
		v.backend = b
	}
	return v.backend
}

// registerVFSes sets up the instance's VFSes: its own and the file
// backend behind the default one, then the registered ones. name is the
// connection's database on its own backend.
func (i *Instance) registerVFSes(own backend.Backend, name string) error {
	files := own
	if f, err := backend.Lookup("file"); err == nil {
		if b, err := f.New(nil); err == nil {
			files = b
		}
	}
	i.env.vfs = []vfsBackend{{name: "stablesqlite", backend: files}}
	if files != own && name != "" {
		full := name
		if fp, ok := own.(backend.FullPather); ok {
			if f, err := fp.FullPath(name); err == nil {
				full = f
			}
		}
		i.env.own = full
	}
	for _, name := range backend.Names() {
		f, _ := backend.Lookup(name)
		if err := i.addVFS(vfsBackend{name: name, factory: f}); err != nil {
			return err
		}
	}
	return nil
}

// addVFS registers v with SQLite as VFS number len(vfs).
func (i *Instance) addVFS(v vfsBackend) error {
	id := len(i.env.vfs)
	p, err := i.CString(v.name, 0)
	if err != nil {
		return err
	}
	rc, err := i.Call32(FnRegisterVFS, uint64(id), uint64(p))
	if err != nil {
		return err
	}
	if rc != 0 {
		return fmt.Errorf("wasm: registering the VFS %q: result code %d", v.name, rc)
	}
	i.env.vfs = append(i.env.vfs, v)
	return nil
}

// VFS returns the name of the VFS that reaches b (registering one if
// none does): "" for the default one, which reaches the instance's own.
func (i *Instance) VFS(b backend.Backend) (string, error) {
	if b == i.env.backend {
		return "", nil
	}
	for id := range i.env.vfs {
		if i.env.vfs[id].backend == b || i.env.vfs[id].factory != nil && i.env.backendFor(uint32(id), "") == b {
			if id == 0 {
				return "", nil
			}
			return i.env.vfs[id].name, nil
		}
	}
	name := fmt.Sprintf("stablesqlite%d", len(i.env.vfs))
	if err := i.addVFS(vfsBackend{name: name, backend: b}); err != nil {
		return "", err
	}
	return name, nil
}
