package stable

// A volume is one open handle on a file: its I/O goes through the
// backend's overlay, its locks through the file's lock state, and its
// atomic batches are SQLite's transactions.

import (
	"errors"
	"fmt"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
)

type volume struct {
	locking.Handle
	b  *Backend
	of *openFile
}

// entry returns the file's working entry, which may have been deleted.
func (v *volume) entry() (*entry, error) {
	e := v.b.work.find(v.Name)
	if e == nil {
		return nil, fmt.Errorf("stable: %q was deleted: %w", v.Name, backend.ErrNotFound)
	}
	return e, nil
}

func (v *volume) ReadAt(p []byte, off int64) (int, error) {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return 0, err
	}
	return v.b.readFile(e, p, off)
}

func (v *volume) WriteAt(p []byte, off int64) (int, error) {
	if v.ReadOnly {
		return 0, backend.ErrReadOnly
	}
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return 0, err
	}
	return v.b.writeFile(e, p, off)
}

func (v *volume) Size() (int64, error) {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return 0, err
	}
	return e.size, nil
}

func (v *volume) Truncate(size int64) error {
	if v.ReadOnly {
		return backend.ErrReadOnly
	}
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return err
	}
	if size > e.size {
		if err := v.b.reserve(e, uint64(size)); err != nil {
			return err
		}
		if err := v.b.zeroGap(e, e.size, size); err != nil {
			return err
		}
	}
	e.size = size
	v.b.dirDirty = true
	return nil
}

// Sync is a commit point.
func (v *volume) Sync(backend.SyncFlags) error {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	if v.b.inBatch {
		return nil
	}
	return v.b.commitPoint()
}

// Lock starts a transaction when it takes the first lock: the message
// before it is over.
func (v *volume) Lock(level backend.LockLevel) error {
	if level == backend.LockShared {
		v.b.mu.Lock()
		if v.b.msg == noMessage {
			v.b.meter.begin()
		}
		v.b.mu.Unlock()
	}
	return v.Handle.Lock(level)
}

// Unlock from a write lock is a commit point (for writes SQLite made
// without syncing, as with synchronous=OFF); the end of any transaction
// ends the implicit message. The lock is released even when the commit
// fails (its writes are dropped): SQLite counts it released either way,
// and a lock kept would shut every other connection out for good.
func (v *volume) Unlock(level backend.LockLevel) error {
	var err error
	if held := v.Level(); held > backend.LockShared || held > level && level == backend.LockNone {
		v.b.mu.Lock()
		err = v.b.commitPoint()
		v.b.mu.Unlock()
	}
	if uerr := v.Handle.Unlock(level); err == nil {
		err = uerr
	}
	return err
}

// CommitPhaseTwo is a commit point: SQLite has finished a transaction.
// Nothing else ends every transaction (with synchronous=OFF, or in WAL mode
// at NORMAL, SQLite does not sync, and in exclusive locking mode or WAL
// mode it does not unlock), so without it a COMMIT could return while its
// writes were still in the overlay, and an image lost them with the
// process.
func (v *volume) CommitPhaseTwo() error {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	return v.b.commitPoint()
}

func (v *volume) DeviceCharacteristics() backend.IOCap {
	return backend.IOCapBatchAtomic | backend.IOCapPowersafeOverwrite | backend.IOCapSafeAppend | backend.IOCapSequential
}

func (v *volume) SectorSize() int { return BlockSize }

// BeginAtomicWrite starts SQLite's batch: what was pending is committed
// first (outside a message), and a savepoint marks where a rollback of the
// batch returns to.
func (v *volume) BeginAtomicWrite() error {
	b := v.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.msg == noMessage {
		// What is pending lands first; the transaction, and its message,
		// go on.
		if err := b.commit(); err != nil {
			return err
		}
	}
	b.inBatch, b.batcher = true, v
	b.sp = &savepoint{work: b.work.clone(), workSize: b.workSize, dirDirty: b.dirDirty, blocks: map[uint64][]byte{}}
	return nil
}

// CommitAtomicWrite ends the batch at a commit point: all of it lands, or
// none (and then the batch is rolled back).
func (v *volume) CommitAtomicWrite() error {
	b := v.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inBatch, b.batcher, b.sp = false, nil, nil
	if b.msg != noMessage {
		return nil
	}
	// The transaction's data lands here; its message ends with the
	// transaction (CommitPhaseTwo, or the lock's release).
	return b.commit()
}

// RollbackAtomicWrite returns to the savepoint: inside a message, the
// message's earlier work stays.
func (v *volume) RollbackAtomicWrite() error {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	v.b.rollbackBatch()
	return nil
}

// Close releases the volume. A batch it left open (its connection broke in
// the middle of a transaction: the Wasm instance trapped) is rolled back:
// it has no journal to be rolled back from, and left open it held back
// every later commit and then landed with them, half written.
func (v *volume) Close() error {
	if !v.Closing() {
		return nil
	}
	v.b.mu.Lock()
	if v.b.inBatch && v.b.batcher == v {
		v.b.rollbackBatch()
	}
	v.b.mu.Unlock()
	err := v.Unlock(backend.LockNone)
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	v.of.opens--
	if v.DeleteOnClose {
		if derr := v.b.delete(v.Name); err == nil && !errors.Is(derr, backend.ErrNotFound) {
			err = derr
		}
	}
	return err
}
