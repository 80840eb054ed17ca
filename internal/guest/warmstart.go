package guest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
)

// A warm start loads the compiled code from the cache without wazero
// decoding and validating the whole module first, which is most of what
// loading costs (some 13 of 20 ms). wazero keys a cache entry by the
// module's SHA-256 and reads it back for any module with the same key, so
// the cold start publishes the compiled code of the whole module under the
// key of its stub as well (see stub.go); a warm start then compiles the
// stub, which wazero finds in the cache, and gets the whole module's code
// for it. The stub carries the whole module's hash, so no other module's
// code is ever found under its key.
//
// A marker file beside the entries (warmMarker) says that the entry was
// published; it names the entry's file. Instantiating runs the module's
// _initialize, which in the stub's own code is `unreachable`: if the cache
// held the stub's own code instead of the module's (a cache directory
// shared by machines with other CPU features, say), that first
// instantiation fails, and the process falls back to a cold start.

// warmMarker is the marker's path in dir: in the directory of the
// entries of this process's wazero, named after the module.
func warmMarker(dir string, b *moduleBinary) string {
	sum := b.hash()
	return filepath.Join(entriesDir(dir), "stablesqlite-"+hex.EncodeToString(sum[:8])+".warm")
}

// entriesDir is where wazero keeps the entries of its version in dir.
func entriesDir(dir string) string {
	return filepath.Join(dir, entriesName(wazeroVersion()))
}

// entriesName is the name of the directory of wazero version's entries.
func entriesName(version string) string {
	return "wazero-" + version + "-" + runtime.GOARCH + "-" + runtime.GOOS
}

// wazeroVersion is the version wazero names its entries' directory after:
// its module's version in the build information, "dev" if there is none.
func wazeroVersion() string {
	v := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.Contains(dep.Path, "github.com/tetratelabs/wazero") {
				v = dep.Version
			}
		}
		if v == "" || v == "(devel)" {
			v = info.Main.Version
		}
	}
	if v == "" || v == "(devel)" {
		return "dev"
	}
	return v
}

// cacheIsWarm reports whether dir has the published entry of this module.
func cacheIsWarm(dir string, b *moduleBinary) bool {
	if dir == "" {
		return false
	}
	entry, err := os.ReadFile(warmMarker(dir, b))
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(entriesDir(dir), strings.TrimSpace(string(entry))))
	return err == nil
}

// warmStart loads the compiled module for the stub from dir, if its entry
// was published there, and checks it by instantiating it once.
func warmStart(dir string, b *moduleBinary) (*module, bool) {
	if !cacheIsWarm(dir, b) {
		return nil, false
	}
	st, err := b.stubModule()
	if err != nil {
		return nil, false
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, false
	}
	start := &startCode{functions: StartFunctions(b.bin)}
	readEntriesBuffered(cache, dir, start)
	m, err := newModule(wazero.NewRuntimeConfig().WithCompilationCache(cache), st, 1)
	if err == nil {
		start.release() // wazero has read all the code for its checksum
		err = m.check()
	}
	if err != nil {
		if m != nil {
			m.runtime.Close(context.Background())
		}
		os.Remove(warmMarker(dir, b)) // the next process starts cold and publishes again
		return nil, false
	}
	return m, true
}

// check instantiates the module once: _initialize runs the C constructors,
// which only the whole module's code can do. The instance is the first
// connection's (see takeSpare): instantiating is some 0.2 ms of a start.
func (m *module) check() error {
	alloc := &allocator{limit: DefaultMemoryLimit}
	mod, err := m.instantiate(context.Background(), alloc)
	if err != nil {
		return err
	}
	m.spare.Store(&spareInstance{mod: mod, alloc: alloc})
	return nil
}

// compileCold compiles the whole module. With a writable cache directory
// it compiles into a directory of its own inside it, so that the entry's
// file is the only one there, and then publishes it, in the background
// (this process has its code already), closing kept when that is done.
func compileCold(dir string, b *moduleBinary, kept chan struct{}) (*module, error) {
	cfg := wazero.NewRuntimeConfig()
	own := ""
	if dir != "" && writable(dir) {
		removeAbandoned(dir)
		own, _ = os.MkdirTemp(dir, ".compile-")
	}
	if own == "" {
		close(kept)
		return newModule(cfg.WithCompilationCache(wazero.NewCompilationCache()), b.bin, runtime.NumCPU())
	}
	m, err := newModule(cfg.WithCompilationCache(newCache(own)), b.bin, runtime.NumCPU())
	if err != nil {
		os.RemoveAll(own)
		close(kept)
		return nil, err
	}
	go func() {
		defer close(kept)
		defer os.RemoveAll(own)
		publish(dir, own, b)
	}()
	return m, nil
}

// publish copies the entry compiled into own into dir, under its own name
// and under the stub's, with the code file of the stub's (see
// codefile.go), and then writes the marker. Every file appears at
// once (written aside, then renamed), so processes that read dir meanwhile
// see either nothing or the whole entry.
func publish(dir, own string, b *moduleBinary) error {
	entry, err := onlyEntry(own)
	if err != nil {
		return err
	}
	code, err := os.ReadFile(filepath.Join(own, entry))
	if err != nil {
		return err
	}
	stubEntry, err := stubEntryName(dir, b)
	if err != nil {
		return err
	}
	for _, name := range []string{entry, stubEntry} {
		if err := writeAtomic(filepath.Join(entriesDir(dir), filepath.Base(name)), bytes.NewReader(code)); err != nil {
			return err
		}
	}
	writeCodeFile(filepath.Join(entriesDir(dir), filepath.Base(stubEntry))) // without it warm starts read the code
	return writeAtomic(warmMarker(dir, b), strings.NewReader(filepath.Base(stubEntry)+"\n"))
}

// stubEntryName compiles the stub (a few milliseconds: it has no code) to
// learn the name wazero gives its entry.
func stubEntryName(dir string, b *moduleBinary) (string, error) {
	st, err := b.stubModule()
	if err != nil {
		return "", err
	}
	name, _, err := compiledEntry(dir, st)
	return name, err
}

// compiledEntry compiles bin into a cache directory of its own, made in
// parent and removed after, and returns the name and the content of the
// entry wazero writes for it. It is for small modules (a stub, a probe),
// compiled on one goroutine: less memory, and the other core free for what
// runs beside it.
func compiledEntry(parent string, bin []byte) (string, []byte, error) {
	own, err := os.MkdirTemp(parent, ".stub-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(own)
	m, err := newModule(wazero.NewRuntimeConfig().WithCompilationCache(newCache(own)), bin, 1)
	if err != nil {
		return "", nil, err
	}
	m.runtime.Close(context.Background())
	name, err := onlyEntry(own)
	if err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(filepath.Join(own, name))
	return name, data, err
}

// onlyEntry returns the path, relative to dir, of the one cache entry in
// dir (wazero keeps entries in a directory named after its version).
func onlyEntry(dir string) (string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(path, ".tmp") {
			rel, _ := filepath.Rel(dir, path)
			found = append(found, rel)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if len(found) != 1 {
		return "", errors.New("wasm: expected one compiled entry, found " + strings.Join(found, ", "))
	}
	return found[0], nil
}

// abandonedAge is how old a directory of a cold start's own must be to be
// taken for one whose process exited before publishing (a compile takes
// about a second).
const abandonedAge = 10 * time.Minute

// removeAbandoned removes what cold starts of processes that exited early
// left in dir.
func removeAbandoned(dir string) {
	for _, pattern := range []string{".compile-*", ".stub-*"} {
		found, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, path := range found {
			if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > abandonedAge {
				os.RemoveAll(path)
			}
		}
	}
}

// writeAtomic writes what r reads to path through a temporary file and a
// rename.
func writeAtomic(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// writable reports whether new entries can be created in dir.
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// newCache returns wazero's compilation cache over dir, or one in memory
// if dir cannot hold one.
func newCache(dir string) wazero.CompilationCache {
	if c, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
		return c
	}
	return wazero.NewCompilationCache()
}
