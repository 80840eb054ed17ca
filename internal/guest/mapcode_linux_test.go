//go:build linux && (amd64 || arm64)

package guest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mapped reports whether path is mapped into this process.
func mapped(t *testing.T, path string) bool {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(maps), " "+path+"\n")
}

// The published entry of the stub's key has its code file, holding the
// entry's code; a warm start maps it (it appears in the process's maps)
// and runs SQLite, also after another process published the code again
// (a code file replaced by renaming) and after the cache was removed.
func TestWarmStartMapsTheCodeFile(t *testing.T) {
	entry := publishedCold(t, t.TempDir())
	code := entry + codeFileSuffix
	f, err := os.Open(entry)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := readCodeLength(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(code); err != nil || st.Size() != n || n < codeRead {
		t.Fatalf("code file: %v, want %d bytes", err, n)
	}
	m, ok := warmStart(filepath.Dir(filepath.Dir(entry)), plainBinary)
	if !ok {
		t.Fatal("no warm start")
	}
	defer m.runtime.Close(t.Context())
	if !mapped(t, code) {
		t.Fatal("the warm start did not map the code file")
	}
	sqliteWorks(t, engineOn(m))
	dir := filepath.Dir(filepath.Dir(entry))
	if again := publishedCold(t, dir); again != entry {
		t.Fatalf("published again under %s, not %s", again, entry)
	}
	sqliteWorks(t, engineOn(m))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	sqliteWorks(t, engineOn(m))
}

// A code file that is not the entry's is never run: of another length it
// is not mapped (the code is read, and SQLite runs); of the same length
// but other bytes, wazero's checksum of the code fails the warm start,
// whose marker goes, so the next process compiles and publishes again.
func TestWarmStartWithAWrongCodeFile(t *testing.T) {
	dir := t.TempDir()
	entry := publishedCold(t, dir)
	code := entry + codeFileSuffix
	good, err := os.ReadFile(code)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(code, good[:len(good)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	m, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start beside a short code file")
	}
	if mapped(t, code) {
		t.Fatal("a short code file was mapped")
	}
	sqliteWorks(t, engineOn(m))
	m.runtime.Close(t.Context())

	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	if err := os.WriteFile(code, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := warmStart(dir, plainBinary); ok {
		t.Fatal("a warm start from a code file that is not the entry's")
	}
	if cacheIsWarm(dir, plainBinary) {
		t.Fatal("the marker of a failed warm start was kept")
	}
}

// A cache on a file system mounted noexec still starts warm: mapCode
// finds that the code file's mapping may not be made executable before it
// gives up wazero's memory for it, and the code is read instead. Without
// that, wazero's own attempt would fail every warm start there, and every
// process would compile.
func TestWarmStartOnNoexecCache(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOEXEC, "size=64m"); err != nil {
		t.Skipf("cannot mount a noexec tmpfs here (%v): needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	entry := publishedCold(t, dir)
	m, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start from a noexec cache")
	}
	if mapped(t, entry+codeFileSuffix) {
		t.Fatal("the code file on a noexec file system was mapped")
	}
	sqliteWorks(t, engineOn(m))
	m.runtime.Close(t.Context())
}
