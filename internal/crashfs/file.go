package crashfs

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// file is an open file of an FS.
type file struct {
	c      *FS
	in     *inode
	name   string
	write  bool
	closed bool
}

var errClosed = fs.ErrClosed

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	if f.closed {
		return 0, errClosed
	}
	if off < 0 {
		return 0, fmt.Errorf("crashfs: negative offset")
	}
	return f.in.data.ReadAt(p, off)
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	if !f.write {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: fs.ErrPermission}
	}
	f.c.before("write", f.name)
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	if f.closed {
		return 0, errClosed
	}
	if _, err := f.in.data.WriteAt(p, off); err != nil {
		return 0, err
	}
	f.in.changes = append(f.in.changes, change{off: off, data: append([]byte(nil), p...)})
	return len(p), nil
}

func (f *file) Truncate(size int64) error {
	if !f.write {
		return &fs.PathError{Op: "truncate", Path: f.name, Err: fs.ErrPermission}
	}
	f.c.before("truncate", f.name)
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	if f.closed {
		return errClosed
	}
	if err := f.in.data.Truncate(size); err != nil {
		return err
	}
	f.in.changes = append(f.in.changes, change{off: size, truncate: true})
	return nil
}

func (f *file) Sync() error {
	f.c.before("sync", f.name)
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	if f.closed {
		return errClosed
	}
	for _, ch := range f.in.changes {
		if ch.truncate {
			f.in.synced.Truncate(ch.off)
		} else {
			f.in.synced.WriteAt(ch.data, ch.off)
		}
	}
	f.in.changes = nil
	return nil
}

func (f *file) Stat() (fs.FileInfo, error) {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	return info{filepath.Base(f.name), f.in.data.Size()}, nil
}

func (f *file) Close() error {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	f.closed = true
	return nil
}

// info is a file's fs.FileInfo.
type info struct {
	name string
	size int64
}

func (i info) Name() string       { return i.name }
func (i info) Size() int64        { return i.size }
func (i info) Mode() fs.FileMode  { return 0o644 }
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return false }
func (i info) Sys() any           { return nil }
