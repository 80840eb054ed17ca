// Package fsys is the file-system seam of the backends that keep their
// bytes in ordinary files, backend/file and the stable backend's Image: the
// few file operations they use, behind an interface, with the operating
// system's (OS) as the default. It exists so that tests run the real
// backend code over file systems that fail on demand or lose what was not
// synced, as a power cut does (the project's internal/faults and
// internal/crashfs).
//
// A backend given another FS does without what only an operating-system
// file offers: locks that other processes see (it keeps the locks among its
// own connections), and an inode number to tell two names of one file apart
// (it goes by the cleaned absolute path).
package fsys

import (
	"io"
	"io/fs"
	"os"
	"runtime"
)

// FS is a file system.
type FS interface {
	// OpenFile opens the file called name as os.OpenFile does; the backends
	// use the flags os.O_RDONLY, os.O_RDWR, os.O_CREATE and os.O_EXCL.
	// Errors wrap fs.ErrNotExist, fs.ErrExist and fs.ErrPermission where
	// they apply.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Remove removes the file called name.
	Remove(name string) error
	// Stat describes the file called name.
	Stat(name string) (fs.FileInfo, error)
	// SyncDir makes the creations and removals of names in the directory
	// dir durable.
	SyncDir(dir string) error
}

// File is an open file: the methods of *os.File the backends use. What
// WriteAt and Truncate did is durable once Sync returns.
type File interface {
	io.ReaderAt
	io.WriterAt
	Stat() (fs.FileInfo, error)
	Truncate(size int64) error
	Sync() error
	Close() error
}

// OS is the operating system's file system; its files are *os.File.
var OS FS = osFS{}

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err // not a nil *os.File in a non-nil File
	}
	return f, nil
}

func (osFS) Remove(name string) error { return os.Remove(name) }

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (osFS) SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
