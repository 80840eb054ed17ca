//go:build linux && (amd64 || arm64)

package guest

import (
	"bufio"
	"fmt"
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

// rssOf returns the resident size, in bytes, of path's mapping in this
// process (the Rss of its line in /proc/self/smaps), or -1 if path is not
// mapped.
func rssOf(t *testing.T, path string) int64 {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for line := range strings.Lines(string(smaps)) {
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") {
			in = len(fields) == 6 && fields[5] == path
			continue
		}
		var kb int64
		if in && strings.HasPrefix(line, "Rss:") {
			if _, err := fmt.Sscanf(line, "Rss: %d kB", &kb); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return kb << 10
		}
	}
	return -1
}

// The module says how many functions at the head of its code a start
// calls (build.sh orders them so); after wazero's checksum has read all of
// the mapped code, a warm start keeps only the pages of those resident,
// and SQLite then runs code from past them, which the kernel maps again
// from the code file.
func TestWarmStartReleasesTheCodePastTheStart(t *testing.T) {
	k := StartFunctions(plainBinary.bin)
	if k == 0 || k != StartFunctions(meteredBinary.bin) {
		t.Fatalf("start functions: %d in the module, %d in the metered one", k, StartFunctions(meteredBinary.bin))
	}
	dir := t.TempDir()
	entry := publishedCold(t, dir)
	f, err := os.Open(entry)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start, err := functionOffset(f, k)
	if err != nil {
		t.Fatal(err)
	}
	code := entry + codeFileSuffix
	st, err := os.Stat(code)
	if err != nil {
		t.Fatal(err)
	}
	if start <= 0 || start > st.Size()/2 {
		t.Fatalf("the start's %d functions take %d of the code's %d bytes", k, start, st.Size())
	}
	m, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start")
	}
	defer m.runtime.Close(t.Context())
	page := int64(os.Getpagesize())
	resident := rssOf(t, code)
	if resident < 0 || resident > (start+page-1)/page*page+64<<10 {
		t.Fatalf("after the warm start %d bytes of the code are resident, want the start's %d at most", resident, start)
	}
	sqliteWorks(t, engineOn(m))
	if after := rssOf(t, code); after <= resident {
		t.Errorf("SQLite ran with %d bytes of code resident, %d before: no code past the start's ran?", after, resident)
	}
	t.Logf("resident code: %d KiB after the warm start, %d KiB after some SQL, of %d KiB", resident>>10, rssOf(t, code)>>10, st.Size()>>10)
}
