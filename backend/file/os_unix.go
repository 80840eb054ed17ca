//go:build unix

package file

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
)

// fileID identifies a file: by device and inode, or for a file of another
// file system than the operating system's, by its cleaned absolute path.
type fileID struct {
	dev, ino uint64
	path     string
}

func idOf(f *os.File) (fileID, error) {
	st, err := f.Stat()
	if err != nil {
		return fileID{}, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, errors.New("file: no inode number")
	}
	return fileID{dev: uint64(sys.Dev), ino: uint64(sys.Ino)}, nil
}

// posixLock takes SQLite's byte-range locks with fcntl(F_SETLK) through one
// descriptor of the file. The locks belong to the process, whichever
// descriptor takes them, but a write lock needs one open for writing: the
// locks move to the first writable descriptor if the file was first opened
// read-only (useWritable).
type posixLock struct{ f atomic.Pointer[os.File] }

func newOSLock(f *os.File) locking.OS {
	p := &posixLock{}
	p.f.Store(f)
	return p
}

// useWritable makes the locks go through f, a descriptor open for writing.
func (p *posixLock) useWritable(f *os.File) { p.f.Store(f) }

func (p *posixLock) Set(kind locking.Kind, start, n int64) error {
	f := p.f.Load()
	lk := syscall.Flock_t{Whence: 0, Start: start, Len: n}
	switch kind {
	case locking.ReadLock:
		lk.Type = syscall.F_RDLCK
	case locking.WriteLock:
		lk.Type = syscall.F_WRLCK
	default:
		lk.Type = syscall.F_UNLCK
	}
	for {
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
		switch {
		case err == nil:
			return nil
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == syscall.EACCES:
			return backend.ErrBusy
		default:
			return &os.PathError{Op: "fcntl", Path: f.Name(), Err: err}
		}
	}
}

func (p *posixLock) Test(start, n int64) (bool, error) {
	f := p.f.Load()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: start, Len: n}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false, &os.PathError{Op: "fcntl", Path: f.Name(), Err: err}
	}
	return lk.Type != syscall.F_UNLCK, nil
}

func canAccess(name string, write bool) bool {
	mode := uint32(4) // R_OK
	if write {
		mode |= 2 // W_OK
	}
	return syscall.Access(name, mode) == nil
}

// shmDMS is the byte of the -shm file that SQLite's unix VFS locks while a
// process uses the shared memory (its "dead man switch").
const shmDMS = 128

// shmGuard returns the Attach and Detach hooks of a database's WAL index.
// The index lives in this process's memory, not in the -shm file, so while
// it is in use this process holds a write lock on the -shm file's DMS byte:
// a native SQLite in another process then cannot open the database in WAL
// mode (it gets SQLITE_BUSY) instead of using a stale index, and if one
// already has, Attach fails the same way.
func shmGuard(dbPath string) (attach func() error, detach func(bool)) {
	var f *os.File
	attach = func() error {
		var err error
		f, err = os.OpenFile(dbPath+"-shm", os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: shmDMS, Len: 1}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
			f.Close()
			f = nil
			return fmt.Errorf("%w: the database's WAL index is in use by another process", backend.ErrBusy)
		}
		return nil
	}
	detach = func(delete bool) {
		if f == nil {
			return
		}
		if delete {
			os.Remove(dbPath + "-shm")
		}
		f.Close() // releases the lock
		f = nil
	}
	return attach, detach
}
