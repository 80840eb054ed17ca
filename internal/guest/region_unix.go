//go:build unix

package guest

import (
	"fmt"
	"os"
	"unsafe"

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

// mapShared maps size bytes of f at off over the committed bytes at
// [at, at+size), which must be aligned to the system's pages.
func (r *region) mapShared(at, size uint32, f *os.File, off int64) error {
	if err := r.checkPages(at, size); err != nil {
		return err
	}
	_, err := unix.MmapPtr(int(f.Fd()), off, unsafe.Pointer(&r.bytes[at]), uintptr(size),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_FIXED)
	if err != nil {
		return fmt.Errorf("wasm: mapping the WAL index into the guest: %w", err)
	}
	return nil
}

// unmapShared puts private zero pages back at [at, at+size).
func (r *region) unmapShared(at, size uint32) error {
	if err := r.checkPages(at, size); err != nil {
		return err
	}
	_, err := unix.MmapPtr(-1, 0, unsafe.Pointer(&r.bytes[at]), uintptr(size),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_FIXED)
	return err
}

// checkPages checks that [at, at+size) is whole pages of committed memory.
func (r *region) checkPages(at, size uint32) error {
	page := uint64(os.Getpagesize())
	if uint64(at)%page != 0 || uint64(size)%page != 0 || size == 0 || uint64(at)+uint64(size) > r.size {
		return fmt.Errorf("wasm: [%d, %d) is not whole pages of the guest's memory", at, uint64(at)+uint64(size))
	}
	return nil
}
