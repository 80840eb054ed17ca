package file

import (
	"os"
	"syscall"

	"github.com/stablesqlite/stablesqlite/backend/fsys"
)

// syncData makes f's content durable. On an operating-system file it is
// fdatasync, as os_unix.c's on Linux: the data and what reading it needs
// (the size), not the modification time, which fsync would also write.
func syncData(f fsys.File) error {
	osf, ok := f.(*os.File)
	if !ok {
		return f.Sync()
	}
	for {
		err := syscall.Fdatasync(int(osf.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: osf.Name(), Err: err}
			}
			return nil
		}
	}
}
