//go:build unix

package guest

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// region is a reservation of address space, of which the first size bytes
// are committed (readable and writable). Pages past size cost nothing, and
// committed pages cost memory only once the guest touches them.
type region struct {
	bytes []byte // the whole reservation
	size  uint64 // committed bytes
	err   error  // the reservation failed
}

// pageAlign rounds n up to the host-independent 64 KiB, a multiple of every
// system page size and of the Wasm page.
func pageAlign(n uint64) uint64 { return (n + pageSize - 1) &^ (pageSize - 1) }

func reserve(n uint64) region {
	n = pageAlign(max(n, pageSize))
	b, err := unix.Mmap(-1, 0, int(n), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return region{err: fmt.Errorf("wasm: reserving %d bytes of address space: %w", n, err)}
	}
	return region{bytes: b}
}

func (r *region) commit(size uint64) error {
	size = pageAlign(size)
	if size > uint64(len(r.bytes)) {
		return fmt.Errorf("wasm: %d bytes past the reservation of %d", size, len(r.bytes))
	}
	if err := unix.Mprotect(r.bytes[r.size:size], unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return err
	}
	r.size = size
	return nil
}

func (r *region) release() {
	if r.bytes != nil {
		unix.Munmap(r.bytes)
		r.bytes, r.size = nil, 0
	}
}
