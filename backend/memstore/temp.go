package memstore

import "github.com/stablesqlite/stablesqlite/backend"

// NewTemp returns a private, unnamed in-memory volume, for the temporary
// files SQLite opens without a name (Backend.Open("")): it needs no locks,
// since nobody else sees it, and its bytes go when it is closed.
func NewTemp() backend.Volume { return &temp{} }

type temp struct{ data Store }

func (t *temp) ReadAt(p []byte, off int64) (int, error)  { return t.data.ReadAt(p, off) }
func (t *temp) WriteAt(p []byte, off int64) (int, error) { return t.data.WriteAt(p, off) }
func (t *temp) Size() (int64, error)                     { return t.data.Size(), nil }
func (t *temp) Truncate(size int64) error                { return t.data.Truncate(size) }
func (t *temp) Sync(backend.SyncFlags) error             { return nil }
func (t *temp) Lock(backend.LockLevel) error             { return nil }
func (t *temp) Unlock(backend.LockLevel) error           { return nil }
func (t *temp) CheckReserved() (bool, error)             { return false, nil }
func (t *temp) Close() error                             { t.data.Truncate(0); return nil }
