//go:build !linux

package file

import "github.com/stablesqlite/stablesqlite/backend/fsys"

// syncData makes f's content durable: fsync where there is no fdatasync.
func syncData(f fsys.File) error { return f.Sync() }
