package guest

import (
	"bufio"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/tetratelabs/wazero"
)

// wazero's own file cache hands its loader the entry's *os.File, and the
// loader reads the entry's table of function offsets 8 bytes at a time
// (1,789 read system calls for our module, about 1 ms), then reads the
// 4.7 MiB of code into fresh anonymous memory, which the kernel zero-fills
// a page fault at a time (2-3 ms here). entryCache serves the same
// entries, in the same files, through a buffer, and maps the entry's code
// file (codefile.go) over the memory wazero made for the code instead of
// reading into it (see mapCode). With this and the check instance kept
// for the first connection (warmstart.go), a warm start's first query went
// from 5.7 to 4.1 ms here (bench/README.md). wazero has no option for
// this, so readEntriesBuffered puts entryCache in place of the file cache
// inside wazero's compilation cache (an unexported field, found by
// reflection; the version of wazero is pinned and TestEntryCacheInstalled
// fails when it no longer finds the field, in which case the start is
// only slower).

// entryCache is wazero's file-cache interface (internal/filecache.Cache in
// wazero) over dir, the directory of this wazero version's entries.
type entryCache struct {
	dir   string
	start *startCode // where a mapped entry's start code is noted, if not nil
}

// entriesOpened counts the entries entryCache has handed out, for tests.
var entriesOpened atomic.Int64

// entryBuffer is the buffer an entry is read through: it holds the table
// of function offsets (8 bytes each) in one read.
const entryBuffer = 32 << 10

func (c entryCache) path(key [32]byte) string {
	return filepath.Join(c.dir, hex.EncodeToString(key[:]))
}

// Get opens the entry of key, if there is one.
func (c entryCache) Get(key [32]byte) (io.ReadCloser, bool, error) {
	f, err := os.Open(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	entriesOpened.Add(1)
	return &entryReader{f: f, r: bufio.NewReaderSize(f, entryBuffer), code: c.path(key) + codeFileSuffix, start: c.start}, true, nil
}

// Add writes the entry of key, all at once for its readers.
func (c entryCache) Add(key [32]byte, content io.Reader) error {
	return writeAtomic(c.path(key), content)
}

// Delete removes the entry of key (wazero calls it for an entry written by
// another version of itself).
func (c entryCache) Delete(key [32]byte) error {
	os.Remove(c.path(key) + codeFileSuffix)
	err := os.Remove(c.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// entryReader reads an entry through a buffer, and gives the read of the
// code its code file's mapping if it can.
type entryReader struct {
	f     *os.File
	r     *bufio.Reader
	code  string     // the entry's code file
	start *startCode // where the mapping is noted, if not nil
}

// codeRead is the size from which a read is taken for the read of the
// code: nothing else in an entry comes near it.
const codeRead = 2 << 20

func (e *entryReader) Read(p []byte) (int, error) {
	if len(p) >= codeRead && mapCode(e.code, p) {
		e.noteStart(p)
		// The buffer may hold the code's first bytes: go on from the
		// code's end in the file (the file's offset, less what the
		// buffer holds, is where the code starts).
		at, err := e.f.Seek(0, io.SeekCurrent)
		if err == nil {
			_, err = e.f.Seek(at-int64(e.r.Buffered())+int64(len(p)), io.SeekStart)
		}
		if err != nil {
			return 0, err
		}
		e.r.Reset(e.f)
		return len(p), nil
	}
	return e.r.Read(p)
}

func (e *entryReader) Close() error { return e.f.Close() }

// noteStart notes code, the mapped code, and the start's share of it in
// e.start, for the warm start to release the rest (startCode.release).
func (e *entryReader) noteStart(code []byte) {
	if e.start == nil || e.start.functions == 0 {
		return
	}
	if off, err := functionOffset(e.f, e.start.functions); err == nil && off > 0 && off < int64(len(code)) {
		e.start.code, e.start.start = code, off
	}
}

// readEntriesBuffered makes cc, a compilation cache from
// wazero.NewCompilationCacheWithDir(dir) that no runtime has used yet, read
// its entries through entryCache. It reports whether it could: false leaves
// cc as it was.
func readEntriesBuffered(cc wazero.CompilationCache, dir string, start *startCode) bool {
	v := reflect.ValueOf(cc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	field := v.Elem().FieldByName("fileCache")
	ours := reflect.ValueOf(entryCache{dir: entriesDir(dir), start: start})
	if !field.IsValid() || field.Kind() != reflect.Interface || !ours.Type().Implements(field.Type()) {
		return false
	}
	reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Set(ours)
	return true
}
