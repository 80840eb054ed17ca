package crashfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"testing"
)

func read(t *testing.T, c *FS, name string) []byte {
	t.Helper()
	f, err := c.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	buf := make([]byte, st.Size())
	f.ReadAt(buf, 0)
	return buf
}

func TestPowerCut(t *testing.T) {
	c := New()
	c.SectorSize = 4
	f, err := c.OpenFile("/d/a", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("synced.."), 0)
	f.Sync()
	// Not in the directory yet: the file is gone after a power cut.
	if _, err := c.Crash(DropUnsynced, nil).Stat("/d/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a name not synced survived: %v", err)
	}
	c.SyncDir("/d")
	f.WriteAt([]byte("LOSTLOST"), 0)
	f.Truncate(20)
	if got := read(t, c.Crash(DropUnsynced, nil), "/d/a"); string(got) != "synced.." {
		t.Fatalf("after a cut: %q", got)
	}
	if got := read(t, c, "/d/a"); !bytes.HasPrefix(got, []byte("LOSTLOST")) || len(got) != 20 {
		t.Fatalf("the running file system: %q", got)
	}
	// Torn: each 4-byte sector old, new or garbage.
	seen := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		got := read(t, c.Crash(TearUnsynced, rng), "/d/a")
		for _, s := range [][]byte{got[0:4], got[4:8]} {
			switch string(s) {
			case "sync", "ed..", "LOST":
				seen[string(s)] = true
			default:
				seen["garbage"] = true
			}
		}
		if len(got) != 8 && len(got) != 20 {
			t.Fatalf("torn length %d", len(got))
		}
	}
	if len(seen) != 4 {
		t.Fatalf("tearing produced only %v", seen)
	}
	// A removal is durable once the directory is synced.
	c.Remove("/d/a")
	if _, err := c.Crash(DropUnsynced, nil).Stat("/d/a"); err != nil {
		t.Fatalf("an unsynced removal took effect: %v", err)
	}
	c.SyncDir("/d")
	if _, err := c.Crash(DropUnsynced, nil).Stat("/d/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a synced removal did not: %v", err)
	}
}

func TestCrashPoints(t *testing.T) {
	c := New()
	var ops []string
	c.Before = func(op, name string) { ops = append(ops, op) }
	f, _ := c.OpenFile("x", os.O_RDWR|os.O_CREATE, 0o644)
	f.WriteAt([]byte("a"), 0)
	f.Sync()
	f.Truncate(0)
	c.SyncDir(".")
	c.Remove("x")
	if want := "[create write sync truncate syncdir remove]"; fmt.Sprint(ops) != want {
		t.Fatalf("crash points %v, want %s", ops, want)
	}
}
