// Package crashfs is a file system in memory that loses power on demand,
// for crash tests of the backends that keep their bytes in files (through
// backend/fsys). It keeps apart what was written and not yet synced, as an
// operating system's cache does, and Crash returns the file system a power
// cut would leave: everything synced, and of the rest nothing, or a random
// part torn at sector boundaries, each sector of an unsynced write either
// written, left as it was, or filled with garbage, as SQLite's own crash
// tests (test6.c) simulate it. Names are durable the same way: a file
// created or removed is so after a power cut only once its directory was
// synced.
package crashfs

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend/fsys"
	"github.com/stablesqlite/stablesqlite/backend/memstore"
)

// FS is the file system. Its methods are safe for concurrent use.
type FS struct {
	// SectorSize is the unit of tearing (default 512).
	SectorSize int
	// Before, if set, is called before every call that changes what a power
	// cut would leave (a write, truncate, sync, creation or removal), with
	// the operation's name and the file's: the crash points. It may call
	// Crash.
	Before func(op, name string)

	mu      sync.Mutex
	names   map[string]*inode // the name space as it is
	durable map[string]*inode // as a power cut would leave it, but for pending
	pending []dirChange       // creations and removals since their directory's last sync
}

// inode is one file's content: as it is, and as it was at its last sync,
// with the changes made since.
type inode struct {
	data    memstore.Store
	synced  memstore.Store
	changes []change
}

// change is one write (data at off) or truncate (to size) not yet synced.
type change struct {
	off      int64
	data     []byte
	truncate bool
}

// dirChange is a creation (in != nil) or removal of a name.
type dirChange struct {
	name string
	in   *inode
}

// New returns an empty file system.
func New() *FS { return &FS{names: map[string]*inode{}, durable: map[string]*inode{}} }

var _ fsys.FS = (*FS)(nil)

func clean(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return filepath.Clean(name)
}

func (c *FS) before(op, name string) {
	if c.Before != nil {
		c.Before(op, name)
	}
}

// OpenFile implements fsys.FS.
func (c *FS) OpenFile(name string, flag int, perm fs.FileMode) (fsys.File, error) {
	name = clean(name)
	c.mu.Lock()
	in := c.names[name]
	c.mu.Unlock()
	switch {
	case in != nil && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case in == nil && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case in == nil:
		c.before("create", name)
		in = &inode{}
		c.mu.Lock()
		c.names[name] = in
		c.pending = append(c.pending, dirChange{name, in})
		c.mu.Unlock()
	}
	return &file{c: c, in: in, name: name, write: flag&(os.O_RDWR|os.O_WRONLY) != 0}, nil
}

// Remove implements fsys.FS.
func (c *FS) Remove(name string) error {
	name = clean(name)
	c.mu.Lock()
	_, ok := c.names[name]
	c.mu.Unlock()
	if !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	c.before("remove", name)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.names, name)
	c.pending = append(c.pending, dirChange{name: name})
	return nil
}

// Stat implements fsys.FS.
func (c *FS) Stat(name string) (fs.FileInfo, error) {
	name = clean(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.names[name]
	if in == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return info{filepath.Base(name), in.data.Size()}, nil
}

// SyncDir implements fsys.FS.
func (c *FS) SyncDir(dir string) error {
	dir = clean(dir)
	c.before("syncdir", dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.pending[:0]
	for _, d := range c.pending {
		if filepath.Dir(d.name) != dir {
			kept = append(kept, d)
			continue
		}
		if d.in != nil {
			c.durable[d.name] = d.in
		} else {
			delete(c.durable, d.name)
		}
	}
	c.pending = kept
	return nil
}

// Mode says what a crash keeps of what was not synced.
type Mode int

const (
	// DropUnsynced keeps nothing that was not synced.
	DropUnsynced Mode = iota
	// TearUnsynced keeps a random part of it: each sector of each unsynced
	// write is written, left as it was, or filled with garbage; each
	// unsynced truncate and name change happens or not.
	TearUnsynced
)

// Crash returns the file system a power cut would leave now; c goes on
// unchanged. rng decides what TearUnsynced keeps.
func (c *FS) Crash(mode Mode, rng *rand.Rand) *FS {
	c.mu.Lock()
	defer c.mu.Unlock()
	sector := c.SectorSize
	if sector <= 0 {
		sector = 512
	}
	out := &FS{SectorSize: c.SectorSize, names: map[string]*inode{}, durable: map[string]*inode{}}
	names := map[string]*inode{}
	for n, in := range c.durable {
		names[n] = in
	}
	if mode == TearUnsynced {
		for _, d := range c.pending {
			if rng.IntN(2) == 0 {
				continue
			}
			if d.in != nil {
				names[d.name] = d.in
			} else {
				delete(names, d.name)
			}
		}
	}
	after := map[*inode]*inode{} // one copy of each file
	for n, in := range names {
		cp := after[in]
		if cp == nil {
			data := in.synced.Clone()
			if mode == TearUnsynced {
				tear(&data, in.changes, sector, rng)
			}
			cp = &inode{data: data, synced: data.Clone()}
			after[in] = cp
		}
		out.names[n] = cp
		out.durable[n] = cp
	}
	return out
}

// tear applies a random part of changes to data, sector by sector.
func tear(data *memstore.Store, changes []change, sector int, rng *rand.Rand) {
	for _, ch := range changes {
		if ch.truncate {
			if rng.IntN(2) == 0 {
				data.Truncate(ch.off)
			}
			continue
		}
		for at := ch.off; at < ch.off+int64(len(ch.data)); {
			end := min((at/int64(sector)+1)*int64(sector), ch.off+int64(len(ch.data)))
			part := ch.data[at-ch.off : end-ch.off]
			switch rng.IntN(3) {
			case 0: // not written
			case 1:
				data.WriteAt(part, at)
			case 2:
				junk := make([]byte, len(part))
				for i := range junk {
					junk[i] = byte(rng.UintN(256))
				}
				data.WriteAt(junk, at)
			}
			at = end
		}
	}
}
