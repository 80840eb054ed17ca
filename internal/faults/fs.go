package faults

import (
	"io/fs"

	"github.com/stablesqlite/stablesqlite/backend/fsys"
)

// FS is an fsys.FS whose every call, and every call of its files but
// Close, counts in Plan and may fail there, touching nothing.
type FS struct {
	fsys.FS
	Plan *Plan
}

func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (fsys.File, error) {
	if err := f.Plan.call("open " + name); err != nil {
		return nil, err
	}
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultyFile{File: file, p: f.Plan, name: name}, nil
}

func (f *FS) Remove(name string) error {
	if err := f.Plan.call("remove " + name); err != nil {
		return err
	}
	return f.FS.Remove(name)
}

func (f *FS) Stat(name string) (fs.FileInfo, error) {
	if err := f.Plan.call("stat " + name); err != nil {
		return nil, err
	}
	return f.FS.Stat(name)
}

func (f *FS) SyncDir(dir string) error {
	if err := f.Plan.call("syncdir " + dir); err != nil {
		return err
	}
	return f.FS.SyncDir(dir)
}

type faultyFile struct {
	fsys.File
	p    *Plan
	name string
}

func (f *faultyFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.p.call("read " + f.name); err != nil {
		return 0, err
	}
	return f.File.ReadAt(p, off)
}

func (f *faultyFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.p.call("write " + f.name); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

func (f *faultyFile) Stat() (fs.FileInfo, error) {
	if err := f.p.call("fstat " + f.name); err != nil {
		return nil, err
	}
	return f.File.Stat()
}

func (f *faultyFile) Truncate(size int64) error {
	if err := f.p.call("truncate " + f.name); err != nil {
		return err
	}
	return f.File.Truncate(size)
}

func (f *faultyFile) Sync() error {
	if err := f.p.call("fsync " + f.name); err != nil {
		return err
	}
	return f.File.Sync()
}
