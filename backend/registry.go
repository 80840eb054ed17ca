package backend

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Factory makes a Backend from the DSN parameters it owns, so that a
// backend registered under a name is reachable as vfs=NAME with its own
// parameters (vfs=stable&image=PATH, vfs=etcd&endpoints=...). The driver
// knows nothing of them: it hands each backend the parameters it named.
type Factory interface {
	// Params names the DSN parameters the backend takes (beyond vfs).
	Params() []string
	// New checks params (each one of Params, with its last value) and
	// returns the backend they describe. It must not open files, connect
	// or allocate storage: database/sql's Open only validates, and the
	// backend opens its resources when SQLite first opens a file. Two calls
	// with the same parameters should return backends that see each
	// other's locks (usually the same one).
	New(params map[string]string) (Backend, error)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes f reachable as vfs=name. It panics if the name is taken
// or f is nil, as database/sql's Register does.
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup || f == nil || name == "" {
		panic("backend: Register called twice, or with nil, for " + name)
	}
	registry[name] = f
}

// Lookup returns the factory registered as name.
func Lookup(name string) (Factory, error) {
	registryMu.RLock()
	f, ok := registry[name]
	registryMu.RUnlock()
	if ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown backend vfs=%q (have %s)", name, strings.Join(Names(), ", "))
}

// Owns reports whether some registered backend takes the DSN parameter
// key, and which ones.
func Owns(key string) []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var owners []string
	for name, f := range registry {
		if slices.Contains(f.Params(), key) {
			owners = append(owners, name)
		}
	}
	sort.Strings(owners)
	return owners
}

// Fixed is the Factory of one ready Backend that takes no parameters.
type Fixed struct{ Backend Backend }

// Params implements Factory.
func (Fixed) Params() []string { return nil }

// New implements Factory.
func (f Fixed) New(map[string]string) (Backend, error) { return f.Backend, nil }

// Names returns the names of the registered backends, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
