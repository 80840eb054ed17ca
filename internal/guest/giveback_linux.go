package guest

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// giveBack asks the kernel to take the pages of b out of this process's
// memory. It is for embedded data read once at start-up (the shipped code,
// the module a probe compiled): their pages are clean pages of the
// executable's file, which the kernel reads again should they ever be
// touched, so this changes no content; it only keeps a short-lived read
// from counting in the process's resident memory for the rest of its life.
// Only whole pages inside b are given back; a kernel without MADV_PAGEOUT
// (before Linux 5.4) keeps them.
func giveBack(b []byte) { advise(b, unix.MADV_PAGEOUT) }

// advise gives the kernel advice about the whole pages inside b.
func advise(b []byte, advice int) {
	page := uintptr(os.Getpagesize())
	from := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start, end := (from+page-1)&^(page-1), (from+uintptr(len(b)))&^(page-1)
	if end > start {
		unix.Madvise(b[start-from:end-from], advice)
	}
}
