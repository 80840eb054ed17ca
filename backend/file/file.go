// Package file is a backend that keeps databases in ordinary files, byte
// for byte what every other SQLite reads and writes.
//
// Locking follows SQLite's unix VFS: handles of one process on one file
// share an in-process lock state (package locking), mirrored in POSIX
// advisory locks on the byte ranges SQLite uses, so that a native sqlite3
// in another process and this backend exclude each other correctly. In WAL
// mode the WAL index is the database's -shm file, mapped into every
// connection, with the locks and the dead-man switch of SQLite's unix VFS
// on its bytes: native SQLite in other processes shares it as it does with
// itself. Because POSIX locks belong to the process and are
// dropped when any descriptor of the file is closed, the descriptors of a
// file are kept until its last handle closes, as os_unix.c does.
//
// Durability follows os_unix.c too: every write reaches the operating
// system before WriteAt returns, Sync is fdatasync (fsync where there is
// none), and the first Sync of a journal or WAL the backend created also
// syncs its directory, so that the file's name survives a power cut with
// its content.
package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/fsys"
	"github.com/stablesqlite/stablesqlite/backend/locking"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// Backend opens files in the operating system's file system. Names are
// paths; relative paths are resolved against the working directory at open.
type Backend struct {
	fs     fsys.FS
	mu     sync.Mutex
	inodes map[fileID]*inode
}

// Default is the process-wide file backend.
var Default = New()

// New returns a file backend. Handles of the same file opened through two
// different Backend values do not see each other's locks within the process,
// so a program should use one (Default) for all of its connections.
func New() *Backend { return NewFS(fsys.OS) }

// NewFS returns a file backend whose files are in fs. Over a file system
// other than fsys.OS, locks exclude this process's connections only.
func NewFS(fs fsys.FS) *Backend {
	return &Backend{fs: fs, inodes: make(map[fileID]*inode)}
}

// inode is the state shared by every handle on one file.
type inode struct {
	shm      shm.File // WAL index, in the -shm file
	id       fileID
	lock     locking.File
	writable bool // lock.OS goes through a descriptor open for writing
	refs     int
	files    []fsys.File // every descriptor opened on it, closed with the last handle
}

// Open implements backend.Backend.
func (b *Backend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	if name == "" {
		return newTemp()
	}
	osFlags := os.O_RDONLY
	if flags&backend.OpenReadWrite != 0 {
		osFlags = os.O_RDWR
	}
	if flags&backend.OpenCreate != 0 {
		osFlags |= os.O_CREATE
	}
	if flags&backend.OpenExclusive != 0 {
		osFlags |= os.O_EXCL
	}
	f, err := b.fs.OpenFile(name, osFlags, 0o644)
	if err != nil && osFlags&os.O_RDWR != 0 && errors.Is(err, fs.ErrPermission) && flags&backend.OpenMainDB != 0 {
		// As SQLite does: a database that cannot be written opens read-only.
		osFlags = os.O_RDONLY
		f, err = b.fs.OpenFile(name, osFlags, 0)
		flags = flags&^(backend.OpenReadWrite|backend.OpenCreate) | backend.OpenReadOnly
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w: %w", backend.ErrNotFound, err)
		}
		return nil, 0, backend.OutOfSpace(err)
	}
	osf, isOS := f.(*os.File)
	id := fileID{path: name}
	if isOS {
		id, err = idOf(osf)
	} else if abs, aerr := filepath.Abs(name); aerr == nil {
		id.path = abs
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	b.mu.Lock()
	in := b.inodes[id]
	if in == nil {
		in = &inode{id: id}
		if isOS {
			in.lock.OS = newOSLock(osf)
			in.shm.Open = func() (shm.Storage, error) { return openShm(name + "-shm") }
		} else {
			// No other process sees this file system: the index is the
			// process's, as for the in-memory backends.
			in.shm.Open = shm.Anonymous
		}
		b.inodes[id] = in
	}
	if !in.writable && osFlags&os.O_RDWR != 0 {
		// fcntl write locks need a descriptor open for writing.
		if w, ok := in.lock.OS.(interface{ useWritable(*os.File) }); ok && isOS {
			w.useWritable(osf)
		}
		in.writable = true
	}
	in.refs++
	in.files = append(in.files, f)
	b.mu.Unlock()
	v := &volume{Handle: in.lock.NewHandle(&in.shm, name, flags), b: b, in: in, f: f,
		syncDir: flags&backend.OpenCreate != 0 && flags&(backend.OpenMainJournal|backend.OpenSuperJournal|backend.OpenWAL) != 0}
	if flags&backend.OpenWAL != 0 {
		v.wal = &gather{}
	}
	return v, flags, nil
}

// Delete implements backend.Backend.
func (b *Backend) Delete(name string, syncDir bool) error {
	if err := b.fs.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %w", backend.ErrNotFound, err)
		}
		return err
	}
	if syncDir {
		return b.fs.SyncDir(filepath.Dir(name))
	}
	return nil
}

// FullPath implements backend.FullPather: a relative path is made
// absolute, against the working directory of the moment.
func (b *Backend) FullPath(name string) (string, error) { return filepath.Abs(name) }

// Access implements backend.Backend.
func (b *Backend) Access(name string, mode backend.AccessMode) (bool, error) {
	st, err := b.fs.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch mode {
	case backend.AccessExists:
		// As SQLite's unix VFS: an empty regular file does not count, so an
		// empty leftover journal is not hot.
		return !st.Mode().IsRegular() || st.Size() > 0, nil
	case backend.AccessReadWrite:
		return b.canAccess(name, st, true), nil
	default:
		return b.canAccess(name, st, false), nil
	}
}

// canAccess asks the operating system (which knows the process's
// credentials) or, for another file system, the permission bits.
func (b *Backend) canAccess(name string, st fs.FileInfo, write bool) bool {
	if b.fs == fsys.OS {
		return canAccess(name, write)
	}
	return !write || st.Mode().Perm()&0o200 != 0
}

type volume struct {
	locking.Handle
	wal     *gather // the WAL's writes, gathered to the end of each commit; nil for any other file
	b       *Backend
	in      *inode
	f       fsys.File
	syncDir bool // the first Sync also syncs the directory (a journal or WAL opened to be created)
}

// A write goes to the operating system before WriteAt returns, as in
// SQLite's unix VFS (the WAL's, at the latest before its commit returns:
// see gather): once COMMIT has returned, the transaction survives the
// process whatever the synchronous setting (only an OS crash or power loss
// can take what was not synced), and a full disk is an error of a write of
// that transaction, which SQLite then handles. (Writes once gathered until
// a later sync or lock change failed in a call whose result SQLite
// ignores, losing commits it had acknowledged.)

// flush hands the WAL's gathered writes on.
func (v *volume) flush() error {
	if v.wal == nil {
		return nil
	}
	return v.wal.flush(v.f)
}

func (v *volume) ReadAt(p []byte, off int64) (int, error) {
	if err := v.flush(); err != nil {
		return 0, err
	}
	return v.f.ReadAt(p, off)
}

func (v *volume) WriteAt(p []byte, off int64) (int, error) {
	if v.ReadOnly {
		return 0, backend.ErrReadOnly
	}
	if v.wal != nil {
		return v.wal.write(v.f, p, off)
	}
	n, err := v.f.WriteAt(p, off)
	return n, backend.OutOfSpace(err)
}

func (v *volume) Size() (int64, error) {
	if err := v.flush(); err != nil {
		return 0, err
	}
	return sizeOf(v.f)
}

// sizeOf returns the size of f.
func sizeOf(f fsys.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (v *volume) Truncate(size int64) error {
	if v.ReadOnly {
		return backend.ErrReadOnly
	}
	if err := v.flush(); err != nil {
		return err
	}
	return backend.OutOfSpace(v.f.Truncate(size))
}

func (v *volume) Sync(backend.SyncFlags) error {
	if err := v.flush(); err != nil {
		return err
	}
	if err := syncData(v.f); err != nil {
		return backend.OutOfSpace(err)
	}
	if v.syncDir {
		// As os_unix.c: a journal's name is durable before the database is
		// changed under it, or a power cut could lose a hot journal.
		if err := v.b.fs.SyncDir(filepath.Dir(v.Name)); err != nil {
			return err
		}
		v.syncDir = false
	}
	return nil
}

func (v *volume) Lock(level backend.LockLevel) error {
	if err := v.flush(); err != nil {
		return err
	}
	return v.Handle.Lock(level)
}

func (v *volume) Unlock(level backend.LockLevel) error {
	if err := v.flush(); err != nil {
		return err
	}
	return v.Handle.Unlock(level)
}

func (v *volume) DeviceCharacteristics() backend.IOCap { return backend.IOCapPowersafeOverwrite }
func (v *volume) SectorSize() int                      { return 4096 }

// Close releases the handle's locks; the descriptors of the file are closed
// with its last handle, since closing any of them would drop the process's
// POSIX locks held through the others.
func (v *volume) Close() error {
	if !v.Closing() {
		return nil
	}
	err := v.flush()
	if uerr := v.Handle.Unlock(backend.LockNone); err == nil {
		err = uerr
	}
	if v.DeleteOnClose {
		v.b.fs.Remove(v.Name)
	}
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	v.in.refs--
	if v.in.refs == 0 {
		delete(v.b.inodes, v.in.id)
		for _, f := range v.in.files {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	return err
}

// newTemp opens a private temporary file that is gone when closed.
func newTemp() (backend.Volume, backend.OpenFlags, error) {
	f, err := os.CreateTemp("", "stablesqlite-*")
	if err != nil {
		return nil, 0, err
	}
	os.Remove(f.Name())
	return &tempVolume{f}, backend.OpenReadWrite | backend.OpenCreate, nil
}

type tempVolume struct{ f *os.File }

func (t *tempVolume) ReadAt(p []byte, off int64) (int, error)  { return t.f.ReadAt(p, off) }
func (t *tempVolume) WriteAt(p []byte, off int64) (int, error) { return t.f.WriteAt(p, off) }
func (t *tempVolume) Size() (int64, error)                     { return sizeOf(t.f) }
func (t *tempVolume) Truncate(size int64) error                { return t.f.Truncate(size) }
func (t *tempVolume) Sync(backend.SyncFlags) error             { return nil }
func (t *tempVolume) Lock(backend.LockLevel) error             { return nil }
func (t *tempVolume) Unlock(backend.LockLevel) error           { return nil }
func (t *tempVolume) CheckReserved() (bool, error)             { return false, nil }
func (t *tempVolume) Close() error                             { return t.f.Close() }

func init() { backend.Register("file", backend.Fixed{Backend: Default}) }
