package stable

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/tmpfs"
)

// On a full file system, an image whose redo log cannot be replayed does
// not open (with SQLITE_FULL's backend.ErrFull), and keeps its log: once
// there is room again, it opens with the whole Apply. (It once opened
// half-written, and the next write emptied the log: the damage was
// permanent.)
func TestImageReplayOnFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 6<<20)
	path := filepath.Join(dir, "full.img")
	im := openImageT(t, path, 0)
	if _, err := im.Grow(1); err != nil {
		t.Fatal(err)
	}
	// An Apply of 2 MiB into new pages, stopped once its log is durable:
	// replaying it needs 2 MiB of new blocks in the image.
	data := bytes.Repeat([]byte("redo"), 512<<10)
	imageCrashAfter = func(step string) bool { return step == "log-synced" }
	err := im.Apply(1+uint64(len(data))/PageSize+1, []Write{{Off: PageSize, Data: data}})
	imageCrashAfter = nil
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("Apply: %v", err)
	}
	im.Close()
	// The image's new blocks were allocated before the log was written, but
	// a power cut can lose an allocation not yet synced: drop them.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, PageSize); err != nil {
		t.Fatal(err)
	}
	filler := tmpfs.Fill(t, dir)

	if im, err := OpenImage(path, 0); err == nil {
		im.Close()
		t.Fatal("an image whose redo log could not be replayed opened")
	} else if !errors.Is(err, backend.ErrFull) {
		t.Fatalf("replay on a full disk: %v, want backend.ErrFull", err)
	}
	if n := fileLen(t, path+"-redo"); n == 0 {
		t.Fatal("the redo log was emptied by a replay that failed")
	}

	os.Remove(filler)
	im = openImageT(t, path, 0)
	defer closeImageT(t, im)
	got := make([]byte, len(data))
	if err := im.ReadAt(got, PageSize); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after room was made: %v, data intact %v", err, bytes.Equal(got, data))
	}
}

// An Apply that the disk has no room for fails before its log is durable,
// and the image goes on: the space its writes need in the image is taken
// before the log is written. (The log used to fit and the image's new
// blocks not: the Apply failed after its log was durable, the Image refused
// every later call, and reopening could not replay the log until there was
// room.)
func TestImageApplyOnFullDisk(t *testing.T) {
	dir := tmpfs.Mount(t, 8<<20)
	path := filepath.Join(dir, "full.img")
	im := openImageT(t, path, 0)
	defer closeImageT(t, im)
	if _, err := im.Grow(1); err != nil {
		t.Fatal(err)
	}
	// Room for the 2 MiB log, not for the log and 2 MiB of new image blocks.
	filler := tmpfs.Leave(t, dir, 3<<20)
	data := bytes.Repeat([]byte("full"), 512<<10)
	err := im.Apply(1+uint64(len(data))/PageSize, []Write{{Off: PageSize, Data: data}})
	if !errors.Is(backend.OutOfSpace(err), backend.ErrFull) {
		t.Fatalf("Apply on a full disk: %v, want ENOSPC", err)
	}
	if err := im.usable(); err != nil {
		t.Fatalf("the image refuses use after a failed Apply: %v", err)
	}
	if n := fileLen(t, path+"-redo"); n != 0 {
		t.Fatalf("the failed Apply left a %d-byte redo log", n)
	}
	if err := im.Apply(1, []Write{{Off: 0, Data: []byte("small")}}); err != nil {
		t.Fatalf("a small Apply after it: %v", err)
	}
	os.Remove(filler)
	if err := im.Apply(1+uint64(len(data))/PageSize, []Write{{Off: PageSize, Data: data}}); err != nil {
		t.Fatalf("once there is room: %v", err)
	}
	got := make([]byte, len(data))
	if err := im.ReadAt(got, PageSize); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v, intact %v", err, bytes.Equal(got, data))
	}
}
