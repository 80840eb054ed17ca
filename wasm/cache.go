package wasm

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// CacheDirEnv names the environment variable that sets where compiled code
// is kept between processes: a directory, or "off" for none.
const CacheDirEnv = "STABLESQLITE_CACHE_DIR"

// The compilation cache: wazero's on-disk cache of the module's compiled
// code, in the user's cache directory unless told otherwise, so that only
// the first process on a machine compiles, or installs the code shipped in
// the binary (see Compiled). wazero names each entry after
// the module's SHA-256 and the CPU's features, inside a directory named
// after its own version, and writes entries to a temporary file it then
// renames: another module or another wazero never reads them, and any
// number of processes may fill and read one directory at once.
//
// To fill it ahead of time where no compiled code is shipped (a container
// image with a read-only file system), run any program that opens a database once with the directory
// set, for example the shell:
//
//	STABLESQLITE_CACHE_DIR=/app/wasm-cache stablesqlite :memory: 'select 1'
//
// and set the same directory when the image runs: a cache directory that
// cannot be written is only read.
var (
	cacheMu     sync.Mutex
	cacheChosen bool   // the directory has been decided (at the first instance)
	cacheSet    bool   // SetCacheDir was called
	cacheSetDir string // its argument
	cacheDir    string // the directory in use; "" for the in-memory cache
)

// ErrCacheInUse is returned by SetCacheDir once compiled code is in use.
var ErrCacheInUse = errors.New("wasm: SetCacheDir called after the first connection")

// SetCacheDir sets the directory of the compilation cache, overriding
// STABLESQLITE_CACHE_DIR and the default (the stablesqlite directory in
// os.UserCacheDir); "" keeps compiled code in process memory only. Call it
// before the first connection.
func SetCacheDir(dir string) error {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if cacheChosen {
		return ErrCacheInUse
	}
	cacheSet, cacheSetDir = true, dir
	return nil
}

// CacheDir returns the directory compiled code is kept in, or "" when it
// is kept in process memory only (turned off, or no writable directory).
// It decides on the directory, if that has not happened yet.
func CacheDir() string {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if !cacheChosen {
		cacheChosen = true
		cacheDir = chooseCacheDir()
	}
	return cacheDir
}

// chooseCacheDir picks the directory: SetCacheDir's, the environment's, or
// the default, if it can be created. A directory that exists but cannot be
// written is still used for reading (a cache filled ahead of time on a
// read-only file system); see newCache.
func chooseCacheDir() string {
	dir := cacheSetDir
	if !cacheSet {
		env, set := os.LookupEnv(CacheDirEnv)
		switch {
		case env == "off":
			return ""
		case set && env != "":
			dir = env
		default:
			base, err := os.UserCacheDir()
			if err != nil {
				return ""
			}
			dir = filepath.Join(base, "stablesqlite")
		}
	}
	if dir == "" {
		return ""
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if st, serr := os.Stat(dir); serr != nil || !st.IsDir() {
			return ""
		}
	}
	return dir
}
