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
	"github.com/stablesqlite/stablesqlite/backend/shm"
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

// fcntlTypes are the fcntl lock types of the kinds of lock requests.
var fcntlTypes = [...]int16{locking.Unlock: syscall.F_UNLCK, locking.ReadLock: syscall.F_RDLCK, locking.WriteLock: syscall.F_WRLCK}

func (p *posixLock) Set(kind locking.Kind, start, n int64) error {
	return setLock(p.f.Load(), &syscall.Flock_t{Type: fcntlTypes[kind], Start: start, Len: n})
}

// setLock takes or releases the lock lk on f without waiting: ErrBusy
// when another process holds a conflicting one.
func setLock(f *os.File, lk *syscall.Flock_t) error {
	for {
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, lk)
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
	held, err := heldLock(p.f.Load(), start, n)
	return held != syscall.F_UNLCK, err
}

// heldLock returns the type of a lock another process holds that conflicts
// with a write lock on [start, start+n) of f, F_UNLCK for none.
func heldLock(f *os.File, start, n int64) (int16, error) {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Start: start, Len: n}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return syscall.F_UNLCK, &os.PathError{Op: "fcntl", Path: f.Name(), Err: err}
	}
	return lk.Type, nil
}

func canAccess(name string, write bool) bool {
	mode := uint32(4) // R_OK
	if write {
		mode |= 2 // W_OK
	}
	return syscall.Access(name, mode) == nil
}

// The bytes of the -shm file SQLite's unix VFS locks: the eight WAL locks
// from shmBase, and the "dead-man switch" that every process using the
// index holds shared.
const (
	shmBase = 120
	shmDMS  = shmBase + shm.NLocks
)

// shmFile is the WAL index of a database in its -shm file, with the locks
// native SQLite takes on it.
type shmFile struct{ f *os.File }

// openShm opens the -shm file at path as SQLite's unix VFS does: a process
// that finds no other holding the dead-man switch is the first to use the
// index, and truncates the file, whatever a process that crashed left
// there; every process then holds the switch shared while it has the index
// open (the kernel releases it when a process dies).
func openShm(path string) (shm.Storage, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	s := &shmFile{f}
	held, err := heldLock(f, shmDMS, 1)
	switch {
	case err != nil:
	case held == syscall.F_UNLCK:
		err = s.set(syscall.F_WRLCK, shmDMS, 1)
		if err == nil {
			// Three bytes, as SQLite leaves it: less than a header.
			err = f.Truncate(3)
		}
	case held == syscall.F_WRLCK:
		err = fmt.Errorf("%w: another process is initialising the WAL index", backend.ErrBusy)
	}
	if err == nil {
		err = s.set(syscall.F_RDLCK, shmDMS, 1)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *shmFile) File() *os.File { return s.f }

// set takes a lock of kind on [start, start+n) without waiting.
func (s *shmFile) set(kind int16, start, n int64) error {
	return setLock(s.f, &syscall.Flock_t{Type: kind, Start: start, Len: n})
}

// Lock implements shm.Storage with fcntl locks on the slots' bytes.
func (s *shmFile) Lock(offset, n int, flags backend.ShmFlags) error {
	kind := int16(syscall.F_WRLCK)
	switch {
	case flags&backend.ShmUnlock != 0:
		kind = syscall.F_UNLCK
	case flags&backend.ShmShared != 0:
		kind = syscall.F_RDLCK
	}
	return s.set(kind, shmBase+int64(offset), int64(n))
}

// Close implements shm.Storage: closing the descriptor releases the
// process's locks on the file, the dead-man switch among them.
func (s *shmFile) Close(delete bool) error {
	if delete {
		os.Remove(s.f.Name())
	}
	return s.f.Close()
}
