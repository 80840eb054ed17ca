//go:build !linux

package stable

import "github.com/stablesqlite/stablesqlite/backend/fsys"

// allocate is a no-op where there is no fallocate: the image's blocks are
// allocated as they are written.
func allocate(fsys.File, int64, int64) error { return nil }
