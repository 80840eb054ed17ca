package guest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"testing"

	"github.com/tetratelabs/wazero"
)

// The pinned wazero still keeps its file cache where readEntriesBuffered
// looks for it: when this fails after an upgrade of wazero, warm starts
// still work, only slower (about 1 ms here), so look again.
func TestEntryCacheInstalled(t *testing.T) {
	dir := t.TempDir()
	cc, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !readEntriesBuffered(cc, dir, nil) {
		t.Fatal("wazero's compilation cache has no file cache field of the interface entryCache implements")
	}
}

// A warm start reads its entry through entryCache, and runs SQLite.
func TestWarmStartReadsThroughEntryCache(t *testing.T) {
	dir := t.TempDir()
	publishedCold(t, dir)
	before := entriesOpened.Load()
	m, ok := warmStart(dir, plainBinary)
	if !ok {
		t.Fatal("no warm start from the entry the cold start published")
	}
	if entriesOpened.Load() == before {
		t.Fatal("the warm start did not read its entry through entryCache")
	}
	sqliteWorks(t, engineOn(m))
}

// entryCache keeps what it is given, under its key, and reads it back as
// it was, in small reads and in reads of the code's size (without a code
// file beside it); Delete removes the entry and its code file.
func TestEntryCacheRoundTrip(t *testing.T) {
	c := entryCache{dir: t.TempDir()}
	key := sha256.Sum256([]byte("entry"))
	if _, ok, err := c.Get(key); ok || err != nil {
		t.Fatalf("Get of a missing entry: ok %v, err %v", ok, err)
	}
	content := make([]byte, 3*codeRead+12345)
	for i := range content {
		content[i] = byte(i * 7 / 5)
	}
	if err := c.Add(key, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	r, ok, err := c.Get(key)
	if !ok || err != nil {
		t.Fatalf("Get after Add: ok %v, err %v", ok, err)
	}
	var got []byte
	small := make([]byte, 8)
	for range 100 {
		if _, err := io.ReadFull(r, small); err != nil {
			t.Fatal(err)
		}
		got = append(got, small...)
	}
	big := make([]byte, 2*codeRead)
	if _, err := io.ReadFull(r, big); err != nil {
		t.Fatal(err)
	}
	got = append(got, big...)
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, rest...)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Fatal("the entry read back differs from what was added")
	}
	code := c.path(key) + codeFileSuffix
	if err := os.WriteFile(code, content[:codeRead], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(key); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Get(key); ok {
		t.Fatal("the entry is still there after Delete")
	}
	if _, err := os.Stat(code); !os.IsNotExist(err) {
		t.Fatalf("the entry's code file is still there after Delete: %v", err)
	}
	if err := c.Delete(key); err != nil {
		t.Fatalf("Delete of a missing entry: %v", err)
	}
}
