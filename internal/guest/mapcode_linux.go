//go:build linux && (amd64 || arm64)

package guest

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapsCode says that warm starts here map code files (see mapCode).
const mapsCode = true

// mapCode maps the code file at path over p, wazero's fresh memory for the
// code, if the file holds exactly len(p) bytes, and reports whether it
// did. The kernel then serves the code from the page cache, shared with
// every process that runs it, without the copy and the zero-filled pages
// wazero's read into anonymous memory costs (2-3 ms of a warm start here).
//
// The mapping is private, writable like the memory it replaces until
// wazero makes it executable; that this will be allowed (a cache on a file
// system mounted noexec, a security module) is tried before p is given
// up to it. Like a shared library's, the mapped file must not be changed
// in place: the cache only ever replaces files by renaming.
func mapCode(path string, p []byte) bool {
	if len(p) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(p)))%uintptr(os.Getpagesize()) != 0 {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != int64(len(p)) {
		return false
	}
	if mmapFixed(p, unix.MAP_PRIVATE, int(f.Fd())) != nil {
		restoreAnonymous(p)
		return false
	}
	if unix.Mprotect(p, unix.PROT_READ|unix.PROT_EXEC) != nil || unix.Mprotect(p, unix.PROT_READ|unix.PROT_WRITE) != nil {
		restoreAnonymous(p)
		return false
	}
	return true
}

// restoreAnonymous puts fresh anonymous memory back under p, as wazero
// mapped it, after a failed mapping of a file there.
func restoreAnonymous(p []byte) {
	mmapFixed(p, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1)
}

// mmapFixed maps fd (or anonymous memory) readable and writable at p's
// address, in place of what is mapped there.
func mmapFixed(p []byte, flags, fd int) error {
	_, _, errno := unix.Syscall6(unix.SYS_MMAP, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)),
		unix.PROT_READ|unix.PROT_WRITE, uintptr(flags|unix.MAP_FIXED), uintptr(fd), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
