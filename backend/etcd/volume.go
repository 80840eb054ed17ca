package etcd

import (
	"errors"
	"fmt"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
)

// volume is one open handle on a file in etcd.
//
// Locks: among the process's own volumes SQLite's protocol runs as with
// any file (package locking). Across processes, SHARED takes a view
// (snapshot.go) that the transaction reads at, RESERVED takes the cluster's
// write lock (lock.go), and EXCLUSIVE waits for no one outside the process:
// readers elsewhere read their own snapshots.
type volume struct {
	f             *file
	lock          *locking.Lock
	snap          *view   // while SHARED or above
	pin           *reader // the snapshot's pin
	writing       bool    // this volume counts as a user of the write lock
	readOnly      bool
	deleteOnClose bool
	closed        bool
}

// view returns the state the volume reads: its snapshot, or, without a
// lock, a fresh one (SQLite reads the header at open without a lock).
func (v *volume) view() (view, error) {
	if v.snap != nil {
		return *v.snap, nil
	}
	r, err := v.f.b.pinReader()
	if err != nil {
		return view{}, err
	}
	defer v.f.b.unpin(r)
	return v.f.readView()
}

func (v *volume) exists(vw view) error {
	if !vw.exists {
		return fmt.Errorf("etcd: %s was deleted: %w", v.f.name, backend.ErrNotFound)
	}
	return nil
}

// ReadAt reads through the file's pending writes, if any, else at the
// volume's snapshot.
func (v *volume) ReadAt(p []byte, off int64) (int, error) {
	f := v.f
	f.mu.Lock()
	ov := f.ov
	f.mu.Unlock()
	if ov != nil {
		return f.readOverlay(ov, p, off)
	}
	vw, err := v.view()
	if err != nil {
		return 0, err
	}
	if err := v.exists(vw); err != nil {
		return 0, err
	}
	return readBlocks(p, off, vw.head.size, func(blk uint64, buf []byte) error { return f.block(vw, blk, buf) })
}

// base is the state a first write builds on.
func (v *volume) base() (*overlay, error) {
	ov, err := v.f.ensureOverlay(v.view)
	if err != nil {
		return nil, err
	}
	return ov, v.exists(ov.base)
}

// WriteAt writes into the pending writes; nothing reaches etcd before a
// commit.
func (v *volume) WriteAt(p []byte, off int64) (int, error) {
	if v.readOnly {
		return 0, backend.ErrReadOnly
	}
	if off < 0 {
		return 0, errors.New("etcd: negative offset")
	}
	ov, err := v.base()
	if err != nil {
		return 0, err
	}
	return v.f.writeOverlay(ov, p, off)
}

// Size is the pending size, or the snapshot's.
func (v *volume) Size() (int64, error) {
	f := v.f
	f.mu.Lock()
	ov := f.ov
	f.mu.Unlock()
	if ov != nil {
		f.mu.Lock()
		defer f.mu.Unlock()
		return ov.size, nil
	}
	vw, err := v.view()
	if err != nil {
		return 0, err
	}
	if err := v.exists(vw); err != nil {
		return 0, err
	}
	return vw.head.size, nil
}

// Truncate sets the pending size.
func (v *volume) Truncate(size int64) error {
	if v.readOnly {
		return backend.ErrReadOnly
	}
	if size < 0 {
		return errors.New("etcd: negative size")
	}
	ov, err := v.base()
	if err != nil {
		return err
	}
	return v.f.truncateOverlay(ov, size)
}

// Sync is a commit point outside SQLite's batch.
func (v *volume) Sync(backend.SyncFlags) error { return v.commitPoint() }

// Flush is a commit point too (backend.Flusher).
func (v *volume) Flush() error { return v.commitPoint() }

// commitPoint commits the file's pending writes when they are this
// volume's to commit: it holds a write lock, or no volume does (writes
// made without locks, as the conformance kit makes them), and no batch is
// open.
func (v *volume) commitPoint() error {
	f := v.f
	f.mu.Lock()
	pending, inBatch := f.ov != nil, f.inBatch
	f.mu.Unlock()
	if !pending || inBatch {
		return nil
	}
	holding := v.writing
	if !holding {
		if other, _ := v.lock.CheckReserved(); other {
			return nil // another volume's transaction
		}
	}
	return v.commit(holding)
}

func (v *volume) commit(holding bool) error {
	nv, ok, err := v.f.commit(holding)
	if err != nil || !ok {
		return err
	}
	if v.snap != nil {
		*v.snap = nv // what the transaction reads on with, if it goes on reading
		v.f.b.setBound(v.pin, nv.readRev)
	}
	return nil
}

// Lock takes SQLite's lock among the process's volumes, then a snapshot
// (SHARED) or the cluster's write lock (RESERVED and up).
func (v *volume) Lock(level backend.LockLevel) error {
	if level == backend.LockShared && v.lock.Level() == backend.LockNone {
		if err := v.lock.Lock(level); err != nil {
			return err
		}
		if err := v.snapshot(); err != nil {
			v.lock.Unlock(backend.LockNone)
			return err
		}
		return nil
	}
	if err := v.lock.Lock(level); err != nil {
		return err
	}
	if level > backend.LockShared && !v.writing {
		if v.snap == nil {
			v.lock.Unlock(backend.LockNone)
			return errors.New("etcd: a write lock needs a shared lock first")
		}
		f := v.f
		f.wmu.Lock()
		err := f.acquire(*v.snap)
		f.wmu.Unlock()
		if err != nil {
			v.lock.Unlock(backend.LockShared)
			return err
		}
		v.writing = true
	}
	return nil
}

// snapshot takes the view a read transaction reads at, pinned first so
// that no compaction can pass it.
func (v *volume) snapshot() error {
	r, err := v.f.b.pinReader()
	if err != nil {
		return err
	}
	vw, err := v.f.readView()
	if err != nil {
		v.f.b.unpin(r)
		return err
	}
	v.f.b.setBound(r, vw.readRev)
	v.snap, v.pin = &vw, r
	return nil
}

// Unlock from a write lock is a commit point (for writes SQLite made
// without syncing, as with synchronous=OFF), and lets go of the cluster's
// write lock; down to NONE it also ends the snapshot.
func (v *volume) Unlock(level backend.LockLevel) error {
	var err error
	if held := v.lock.Level(); held > backend.LockShared || (held > level && level == backend.LockNone) {
		err = v.commitPoint()
	}
	if v.writing && level <= backend.LockShared {
		v.f.wmu.Lock()
		v.f.done()
		v.f.wmu.Unlock()
		v.writing = false
	}
	if level == backend.LockNone {
		v.f.b.unpin(v.pin)
		v.snap, v.pin = nil, nil
	}
	if uerr := v.lock.Unlock(level); err == nil {
		err = uerr
	}
	return err
}

// CheckReserved reports whether a volume of this process holds a lock
// above SHARED. SQLite asks only to tell whether a journal is hot, and
// journals are per process.
func (v *volume) CheckReserved() (bool, error) { return v.lock.CheckReserved() }

// DeviceCharacteristics declares batch-atomic writes: SQLite needs no
// journal.
func (v *volume) DeviceCharacteristics() backend.IOCap {
	return backend.IOCapBatchAtomic | backend.IOCapPowersafeOverwrite | backend.IOCapSafeAppend | backend.IOCapSequential
}

// SectorSize is a page key's size.
func (v *volume) SectorSize() int { return BlockSize }

// BeginAtomicWrite opens SQLite's batch: writes pending from before it
// commit first.
func (v *volume) BeginAtomicWrite() error {
	if err := v.commitPoint(); err != nil {
		return err
	}
	v.f.mu.Lock()
	v.f.inBatch = true
	v.f.mu.Unlock()
	return nil
}

// CommitAtomicWrite commits the batch as one commit: all of it or none. A
// conflict or a lost lock is SQLITE_BUSY.
func (v *volume) CommitAtomicWrite() error {
	v.f.mu.Lock()
	v.f.inBatch = false
	v.f.mu.Unlock()
	return v.commit(v.writing)
}

// RollbackAtomicWrite drops the batch's writes: nothing reached etcd.
func (v *volume) RollbackAtomicWrite() error {
	v.f.mu.Lock()
	v.f.inBatch, v.f.ov = false, nil
	v.f.mu.Unlock()
	return nil
}

// Close commits writes made without a lock, releases the volume's locks
// and, with the file's last volume, the cluster's write lock.
func (v *volume) Close() error {
	if v.closed {
		return nil
	}
	v.closed = true
	err := v.Unlock(backend.LockNone)
	if cerr := v.commitPoint(); err == nil {
		err = cerr
	}
	f := v.f
	f.mu.Lock()
	f.opens--
	last := f.opens == 0
	f.mu.Unlock()
	if last {
		f.wmu.Lock()
		if f.w.users == 0 {
			f.release() // no lingering once nothing is open
		}
		f.wmu.Unlock()
	}
	if v.deleteOnClose {
		if derr := f.b.Delete(f.name, false); err == nil && !errors.Is(derr, backend.ErrNotFound) {
			err = derr
		}
	}
	return err
}
