//go:build linux && (amd64 || arm64)

package guest

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// releaseCode drops the pages of code, a part of a code file's private
// mapping that nothing has written, from this process's memory. They stay
// in the page cache, and a later call into them maps them again (with the
// kernel's fault-around, 16 pages at a time); unlike MADV_PAGEOUT this
// does not evict them from the cache, where other processes share them.
// Only whole pages inside code are released.
func releaseCode(code []byte) {
	page := uintptr(os.Getpagesize())
	from := uintptr(unsafe.Pointer(unsafe.SliceData(code)))
	start, end := (from+page-1)&^(page-1), (from+uintptr(len(code)))&^(page-1)
	if end > start {
		unix.Madvise(code[start-from:end-from], unix.MADV_DONTNEED)
	}
}
