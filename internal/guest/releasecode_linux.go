//go:build linux && (amd64 || arm64)

package guest

import "golang.org/x/sys/unix"

// releaseCode drops the pages of code, a part of a code file's private
// mapping that nothing has written, from this process's memory. They stay
// in the page cache, and a later call into them maps them again (with the
// kernel's fault-around, 16 pages at a time); unlike MADV_PAGEOUT this
// does not evict them from the cache, where other processes share them.
// Only whole pages inside code are released.
func releaseCode(code []byte) { advise(code, unix.MADV_DONTNEED) }
