//go:build !unix

package guest

import (
	"errors"
	"os"
)

// region is, where the system offers no way to reserve address space, a
// Go slice that grows by copying (as wazero's own allocator does).
type region struct {
	bytes []byte
	size  uint64
	err   error
}

func pageAlign(n uint64) uint64 { return (n + pageSize - 1) &^ (pageSize - 1) }

func reserve(uint64) region { return region{} }

func (r *region) commit(size uint64) error {
	size = pageAlign(size)
	b := make([]byte, size)
	copy(b, r.bytes)
	r.bytes, r.size = b, size
	return nil
}

func (r *region) release() { r.bytes, r.size = nil, 0 }

var errNoShm = errors.New("wasm: WAL mode needs shared memory, which this system does not map here; use PRAGMA locking_mode=EXCLUSIVE before journal_mode=WAL")

func (r *region) mapShared(uint32, uint32, *os.File, int64) error { return errNoShm }
func (r *region) unmapShared(uint32, uint32) error                { return nil }
