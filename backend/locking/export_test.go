package locking

// Held reports whether any handle holds any lock on the file (for the
// tests).
func (f *File) Held() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nShared > 0
}
