//go:build !unix

package file

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/stablesqlite/stablesqlite/backend/locking"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// fileID identifies a file by its cleaned absolute path where the system
// offers no inode numbers.
type fileID struct{ path string }

func idOf(f *os.File) (fileID, error) {
	abs, err := filepath.Abs(f.Name())
	return fileID{abs}, err
}

// Without POSIX locks only the handles of this process exclude each other.
func newOSLock(*os.File) locking.OS { return nil }

func canAccess(name string, write bool) bool {
	st, err := os.Stat(name)
	if err != nil {
		return false
	}
	return !write || st.Mode().Perm()&0o200 != 0
}

// openShm: the WAL index is mapped into guest memory, which needs mmap.
func openShm(string) (shm.Storage, error) {
	return nil, errors.New("file: WAL mode needs shared memory, which this system does not map here; use PRAGMA locking_mode=EXCLUSIVE before journal_mode=WAL")
}
