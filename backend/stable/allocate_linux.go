package stable

import (
	"errors"
	"os"

	"github.com/stablesqlite/stablesqlite/backend/fsys"
	"golang.org/x/sys/unix"
)

// allocate gives f the disk blocks of [off, off+n) without changing its
// size or content, so that writing there later cannot find the disk full.
// A file system that cannot allocate ahead is left to allocate on write.
func allocate(f fsys.File, off, n int64) error {
	osf, ok := f.(*os.File)
	if !ok || n == 0 {
		return nil
	}
	for {
		err := unix.Fallocate(int(osf.Fd()), unix.FALLOC_FL_KEEP_SIZE, off, n)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
			return nil
		case err != nil:
			return &os.PathError{Op: "fallocate", Path: osf.Name(), Err: err}
		}
		return nil
	}
}
