package faults

import (
	"errors"
	"os"

	"github.com/stablesqlite/stablesqlite/backend"
)

// Backend is a backend.Backend whose every call, and every call of its
// volumes but Close, counts in Plan and may fail there; a failed call does
// not reach the backend underneath. Volumes offer the optional interfaces
// of the backend's volumes, failing in the same way.
type Backend struct {
	backend.Backend
	Plan *Plan
}

// Open implements backend.Backend.
func (b *Backend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	if err := b.Plan.call("open " + name); err != nil {
		return nil, 0, err
	}
	v, granted, err := b.Backend.Open(name, flags)
	if err != nil {
		return nil, 0, err
	}
	return &volume{Volume: v, p: b.Plan, name: name}, granted, nil
}

// Delete implements backend.Backend.
func (b *Backend) Delete(name string, syncDir bool) error {
	return passErr(b.Plan.call("delete "+name), func() error { return b.Backend.Delete(name, syncDir) })
}

// Access implements backend.Backend.
func (b *Backend) Access(name string, mode backend.AccessMode) (bool, error) {
	return pass(b.Plan.call("access "+name), func() (bool, error) { return b.Backend.Access(name, mode) })
}

// DefaultPragmas passes on the backend's.
func (b *Backend) DefaultPragmas() []string {
	if d, ok := b.Backend.(backend.PragmaDefaulter); ok {
		return d.DefaultPragmas()
	}
	return nil
}

type volume struct {
	backend.Volume
	p    *Plan
	name string
}

var errUnsupported = errors.ErrUnsupported

func (v *volume) call(op string) error { return v.p.call(op + " " + v.name) }

func (v *volume) ReadAt(p []byte, off int64) (int, error) {
	return pass(v.call("read"), func() (int, error) { return v.Volume.ReadAt(p, off) })
}

func (v *volume) WriteAt(p []byte, off int64) (int, error) {
	return pass(v.call("write"), func() (int, error) { return v.Volume.WriteAt(p, off) })
}

func (v *volume) Size() (int64, error) {
	return pass(v.call("size"), func() (int64, error) { return v.Volume.Size() })
}

func (v *volume) Truncate(size int64) error {
	return passErr(v.call("truncate"), func() error { return v.Volume.Truncate(size) })
}

func (v *volume) Sync(flags backend.SyncFlags) error {
	return passErr(v.call("sync"), func() error { return v.Volume.Sync(flags) })
}

func (v *volume) Lock(level backend.LockLevel) error {
	return passErr(v.call("lock"), func() error { return v.Volume.Lock(level) })
}

func (v *volume) Unlock(level backend.LockLevel) error {
	return passErr(v.call("unlock"), func() error { return v.Volume.Unlock(level) })
}

func (v *volume) CheckReserved() (bool, error) {
	return pass(v.call("check-reserved"), func() (bool, error) { return v.Volume.CheckReserved() })
}

func (v *volume) DeviceCharacteristics() backend.IOCap {
	if c, ok := v.Volume.(backend.Characteristics); ok {
		return c.DeviceCharacteristics()
	}
	return 0
}

func (v *volume) SectorSize() int {
	if c, ok := v.Volume.(backend.Characteristics); ok {
		return c.SectorSize()
	}
	return 4096
}

// The atomic-write calls reach a volume only if its characteristics
// declare batch-atomic writes.

func (v *volume) BeginAtomicWrite() error {
	return optional(v, "begin-atomic", errUnsupported, backend.AtomicBatcher.BeginAtomicWrite)
}

func (v *volume) CommitAtomicWrite() error {
	return optional(v, "commit-atomic", errUnsupported, backend.AtomicBatcher.CommitAtomicWrite)
}

func (v *volume) RollbackAtomicWrite() error {
	return optional(v, "rollback-atomic", errUnsupported, backend.AtomicBatcher.RollbackAtomicWrite)
}

// CommitPhaseTwo of a volume without it answers nil, as that volume would:
// nothing to do.
func (v *volume) CommitPhaseTwo() error {
	return optional(v, "commit-phase-two", nil, backend.Committer.CommitPhaseTwo)
}

func (v *volume) SizeHint(size int64) error {
	return optional(v, "size-hint", nil, func(h backend.SizeHinter) error { return h.SizeHint(size) })
}

// optional makes the call op of the optional interface I on the volume
// underneath, unless the plan fails it; a volume without I answers none.
func optional[I any](v *volume, op string, none error, call func(I) error) error {
	i, ok := v.Volume.(I)
	if !ok {
		return none
	}
	if err := v.call(op); err != nil {
		return err
	}
	return call(i)
}

func (v *volume) ShmMap(region, size int, extend bool) (*os.File, int64, bool, error) {
	sm, ok := v.Volume.(backend.SharedMemory)
	if !ok {
		return nil, 0, false, errUnsupported
	}
	if err := v.call("shm-map"); err != nil {
		return nil, 0, false, err
	}
	return sm.ShmMap(region, size, extend)
}

func (v *volume) ShmLock(offset, n int, flags backend.ShmFlags) error {
	return optional(v, "shm-lock", errUnsupported, func(sm backend.SharedMemory) error { return sm.ShmLock(offset, n, flags) })
}

// ShmUnmap is not failed: like Close, it releases what the volume holds.
func (v *volume) ShmUnmap(delete bool) error {
	if sm, ok := v.Volume.(backend.SharedMemory); ok {
		return sm.ShmUnmap(delete)
	}
	return nil
}

var (
	_ backend.Characteristics = (*volume)(nil)
	_ backend.AtomicBatcher   = (*volume)(nil)
	_ backend.Committer       = (*volume)(nil)
	_ backend.SharedMemory    = (*volume)(nil)
	_ backend.SizeHinter      = (*volume)(nil)
)
