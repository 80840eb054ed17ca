//go:build !linux

package guest

// adviseHugePages is a no-op outside Linux (see the Linux one).
func adviseHugePages([]byte) {}
