//go:build !unix

package file

import (
	"os"
	"path/filepath"

	"github.com/stablesqlite/stablesqlite/backend/locking"
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

// shmGuard: without POSIX locks, WAL is safe among this process's
// connections only.
func shmGuard(string) (func() error, func(bool)) { return nil, nil }
