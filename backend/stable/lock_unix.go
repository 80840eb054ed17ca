//go:build unix

package stable

import (
	"errors"
	"os"
	"syscall"
)

// lockExclusive keeps other processes from opening the image while this one
// has it: two writers would corrupt it. The lock goes with the descriptor.
func lockExclusive(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errors.New("the image is open in another process")
	}
	return err
}
