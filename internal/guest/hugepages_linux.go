package guest

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHugePages asks for transparent huge pages for b, a fresh mapping
// about to be filled: the kernel then fills each 2 MiB of it aligned
// inside b in one fault instead of 512. It matters where transparent huge
// pages are enabled as "madvise" (with "always" the kernel does it
// unasked); with "never", or when b does not start on a page, nothing
// changes. The memory is filled whole right after, so it costs no
// resident memory.
func adviseHugePages(b []byte) {
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(os.Getpagesize()) == 0 {
		unix.Madvise(b, unix.MADV_HUGEPAGE)
	}
}
