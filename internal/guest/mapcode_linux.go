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
// The mapping is private and executable from the start: wazero only reads
// the code (for its checksum) before it makes the memory executable, and
// mapping it so at once has the kernel refuse it here, with p left as it
// was, where code from the file may not run (a file system mounted noexec,
// a security module) rather than at wazero's step, and it saves a change
// of protection, which costs every core's TLB a flush. Like a shared
// library's, the mapped file must not be changed in place: the cache only
// ever replaces files by renaming.
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
	if err := mmapFixed(p, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE, int(f.Fd())); err != nil {
		// Most refusals leave p as it was; put fresh memory there in case.
		mmapFixed(p, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1)
		return false
	}
	return true
}

// mmapFixed maps fd (or anonymous memory) with prot at p's address, in
// place of what is mapped there.
func mmapFixed(p []byte, prot, flags, fd int) error {
	_, _, errno := unix.Syscall6(unix.SYS_MMAP, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)),
		uintptr(prot), uintptr(flags|unix.MAP_FIXED), uintptr(fd), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
