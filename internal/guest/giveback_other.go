//go:build !linux

package guest

// giveBack is a no-op where MADV_PAGEOUT does not exist (see the Linux one).
func giveBack([]byte) {}
