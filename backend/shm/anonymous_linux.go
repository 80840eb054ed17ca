package shm

import (
	"os"

	"golang.org/x/sys/unix"
)

func anonymousFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("stablesqlite-shm", unix.MFD_CLOEXEC)
	if err != nil {
		return anonymousTemp()
	}
	return os.NewFile(uintptr(fd), "stablesqlite-shm"), nil
}
