package wasm

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// Without SetCacheDir the cache is STABLESQLITE_CACHE_DIR's directory, or
// the stablesqlite directory in the user's cache directory; "off" keeps
// compiled code in memory only.
func TestCacheDirChoice(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "xdg"))
	t.Setenv("HOME", home)
	t.Setenv("LocalAppData", filepath.Join(home, "xdg"))
	os.Unsetenv(CacheDirEnv)
	base, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no user cache directory here:", err)
	}
	if got, want := chooseCacheDir(), filepath.Join(base, "stablesqlite"); got != want {
		t.Fatalf("default cache directory %q, want %q", got, want)
	}
	if st, err := os.Stat(filepath.Join(base, "stablesqlite")); err != nil || !st.IsDir() {
		t.Fatal("the default cache directory was not created")
	}
	t.Setenv(CacheDirEnv, filepath.Join(home, "mine"))
	if got := chooseCacheDir(); got != filepath.Join(home, "mine") {
		t.Fatalf("%s=%s chose %q", CacheDirEnv, filepath.Join(home, "mine"), got)
	}
	t.Setenv(CacheDirEnv, "off")
	if got := chooseCacheDir(); got != "" {
		t.Fatalf("%s=off chose %q", CacheDirEnv, got)
	}
	// A directory that cannot be created: compiled code stays in memory.
	t.Setenv(CacheDirEnv, filepath.Join(home, "file", "sub"))
	os.WriteFile(filepath.Join(home, "file"), nil, 0o644)
	if got := chooseCacheDir(); got != "" {
		t.Fatalf("an impossible directory was chosen: %q", got)
	}
}

// The sums written at build time are the embedded modules' own.
func TestSum(t *testing.T) {
	for _, m := range [][]byte{Binary, Metered} {
		if got, want := Sum(m), sha256.Sum256(m); got != want {
			t.Fatalf("SHA256SUMS says %x, the module's SHA-256 is %x: run sqlite-build/build.sh", got, want)
		}
	}
	other := append([]byte(nil), Binary...)
	if Sum(other) != sha256.Sum256(other) {
		t.Fatal("the sum of a copy")
	}
}
