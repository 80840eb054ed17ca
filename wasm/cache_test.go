package wasm

import (
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
