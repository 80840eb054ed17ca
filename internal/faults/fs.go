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
	return passErr(f.Plan.call("remove "+name), func() error { return f.FS.Remove(name) })
}

func (f *FS) Stat(name string) (fs.FileInfo, error) {
	return pass(f.Plan.call("stat "+name), func() (fs.FileInfo, error) { return f.FS.Stat(name) })
}

func (f *FS) SyncDir(dir string) error {
	return passErr(f.Plan.call("syncdir "+dir), func() error { return f.FS.SyncDir(dir) })
}

type faultyFile struct {
	fsys.File
	p    *Plan
	name string
}

func (f *faultyFile) ReadAt(p []byte, off int64) (int, error) {
	return pass(f.p.call("read "+f.name), func() (int, error) { return f.File.ReadAt(p, off) })
}

func (f *faultyFile) WriteAt(p []byte, off int64) (int, error) {
	return pass(f.p.call("write "+f.name), func() (int, error) { return f.File.WriteAt(p, off) })
}

func (f *faultyFile) Stat() (fs.FileInfo, error) {
	return pass(f.p.call("fstat "+f.name), func() (fs.FileInfo, error) { return f.File.Stat() })
}

func (f *faultyFile) Truncate(size int64) error {
	return passErr(f.p.call("truncate "+f.name), func() error { return f.File.Truncate(size) })
}

func (f *faultyFile) Sync() error {
	return passErr(f.p.call("fsync "+f.name), func() error { return f.File.Sync() })
}
