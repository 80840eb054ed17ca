package heap_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/backendtest"
	"github.com/stablesqlite/stablesqlite/backend/heap"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		return heap.New(), func(base string) string { return "/" + base }
	})
}

const rw = backend.OpenReadWrite | backend.OpenCreate | backend.OpenMainDB

// image returns a minimal database image of pages 4096-byte pages: the
// header fields the heap package checks, and a recognisable fill.
func image(pages int) []byte {
	img := make([]byte, pages*4096)
	for i := range img {
		img[i] = byte(i * 7)
	}
	copy(img, "SQLite format 3\x00")
	binary.BigEndian.PutUint16(img[16:], 4096)
	img[18], img[19] = 1, 1
	return img
}

func open(t *testing.T, b *heap.Backend, name string) backend.Volume {
	t.Helper()
	v, _, err := b.Open(name, rw)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	return v
}

func export(t *testing.T, b *heap.Backend, name string) []byte {
	t.Helper()
	got, err := b.Export(name)
	if err != nil {
		t.Fatalf("Export(%q): %v", name, err)
	}
	return got
}

func TestImportExport(t *testing.T) {
	b := heap.New()
	img := image(3)
	if err := b.Import("main.db", img); err != nil {
		t.Fatalf("Import: %v", err)
	}
	img[100] ^= 0xFF // Import copied the image
	got := export(t, b, "main.db")
	img[100] ^= 0xFF
	if !bytes.Equal(got, img) {
		t.Fatal("Export differs from the imported image")
	}
	got[200] ^= 0xFF // and Export returned a copy
	if again := export(t, b, "main.db"); !bytes.Equal(again, img) {
		t.Fatal("changing an exported image changed the database")
	}
	v := open(t, b, "main.db")
	defer v.Close()
	p := make([]byte, len(img))
	if n, err := v.ReadAt(p, 0); n != len(img) || err != nil || !bytes.Equal(p, img) {
		t.Fatalf("reading the imported database = %d, %v, equal %v", n, err, bytes.Equal(p, img))
	}
}

func TestExportWritten(t *testing.T) {
	b := heap.New()
	img := image(2)
	v := open(t, b, "w.db")
	if _, err := v.WriteAt(img[4096:], 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := v.WriteAt(img[:4096], 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if got := export(t, b, "w.db"); !bytes.Equal(got, img) {
		t.Fatalf("Export returned %d bytes differing from the %d written", len(got), len(img))
	}
}

func TestImportRejects(t *testing.T) {
	wrongMagic := image(1)
	copy(wrongMagic, "SQLite format 4\x00")
	badPageSize := image(1)
	binary.BigEndian.PutUint16(badPageSize[16:], 1000)
	for _, tc := range []struct {
		name  string
		image []byte
		want  string
	}{
		{"garbage", []byte("this is not a database at all"), "not an SQLite database"},
		{"garbage page", bytes.Repeat([]byte{0xA5}, 4096), "not an SQLite database"},
		{"wrong magic", wrongMagic, "not an SQLite database"},
		{"truncated", image(2)[:4096+1000], "not a whole number"},
		{"header only", image(1)[:100], "not a whole number"},
		{"bad page size", badPageSize, "invalid page size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := heap.New()
			err := b.Import("x.db", tc.image)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Import = %v; want an error saying %q", err, tc.want)
			}
			if ok, _ := b.Access("x.db", backend.AccessExists); ok {
				t.Fatal("a rejected image was stored")
			}
			if err := backend.CheckImage(tc.image); err == nil {
				t.Fatal("CheckImage accepted it")
			}
		})
	}
	// A rejected image leaves the database it would have replaced alone.
	b := heap.New()
	good := image(1)
	if err := b.Import("x.db", good); err != nil {
		t.Fatal(err)
	}
	if err := b.Import("x.db", wrongMagic); err == nil {
		t.Fatal("Import accepted a wrong magic")
	}
	if got := export(t, b, "x.db"); !bytes.Equal(got, good) {
		t.Fatal("a rejected Import changed the database")
	}
}

func TestImportEmpty(t *testing.T) {
	b := heap.New()
	if err := b.Import("e.db", nil); err != nil {
		t.Fatalf("Import(empty): %v", err)
	}
	if got := export(t, b, "e.db"); len(got) != 0 {
		t.Fatalf("Export of an empty import = %d bytes", len(got))
	}
}

func TestImportWAL(t *testing.T) {
	b := heap.New()
	img := image(1)
	img[18], img[19] = 2, 2
	if err := b.Import("wal.db", img); err != nil {
		t.Fatalf("Import: %v", err)
	}
	got := export(t, b, "wal.db")
	if got[18] != 1 || got[19] != 1 {
		t.Fatalf("header bytes 18, 19 = %d, %d; want 1, 1", got[18], got[19])
	}
	got[18], got[19] = 2, 2
	if !bytes.Equal(got, img) {
		t.Fatal("Import changed more than the header's WAL bytes")
	}
}

func TestImportInUse(t *testing.T) {
	b := heap.New()
	old := image(1)
	if err := b.Import("u.db", old); err != nil {
		t.Fatal(err)
	}
	v := open(t, b, "u.db")
	if err := b.Import("u.db", image(2)); !errors.Is(err, heap.ErrInUse) {
		t.Fatalf("Import while open = %v; want ErrInUse", err)
	}
	if got := export(t, b, "u.db"); !bytes.Equal(got, old) {
		t.Fatal("a refused Import changed the database")
	}
	v.Close()
	if err := b.Import("u.db", image(2)); err != nil {
		t.Fatalf("Import after close: %v", err)
	}
	if got := export(t, b, "u.db"); len(got) != 2*4096 {
		t.Fatalf("Export after re-import = %d bytes; want %d", len(got), 2*4096)
	}
}

func TestImportDropsJournal(t *testing.T) {
	b := heap.New()
	j := open(t, b, "j.db-journal")
	j.WriteAt([]byte("stale journal"), 0)
	j.Close()
	if err := b.Import("j.db", image(1)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.Access("j.db-journal", backend.AccessExists); ok {
		t.Fatal("the old journal survived Import and would be played back onto the new image")
	}
}

func TestDrop(t *testing.T) {
	b := heap.New()
	if err := b.Import("d.db", image(1)); err != nil {
		t.Fatal(err)
	}
	j := open(t, b, "d.db-journal")
	j.WriteAt([]byte("journal"), 0)
	j.Close()
	v := open(t, b, "d.db")
	if err := b.Drop("d.db"); !errors.Is(err, heap.ErrInUse) {
		t.Fatalf("Drop while open = %v; want ErrInUse", err)
	}
	if ok, _ := b.Access("d.db", backend.AccessExists); !ok {
		t.Fatal("a refused Drop removed the database")
	}
	v.Close()
	if err := b.Drop("d.db"); err != nil {
		t.Fatalf("Drop: %v", err)
	}
	for _, name := range []string{"d.db", "d.db-journal"} {
		if ok, _ := b.Access(name, backend.AccessExists); ok {
			t.Fatalf("%s exists after Drop", name)
		}
	}
	if len(b.Names()) != 0 {
		t.Fatalf("Names after Drop = %q", b.Names())
	}
	if _, _, err := b.Open("d.db", backend.OpenReadWrite|backend.OpenMainDB); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Open after Drop = %v; want ErrNotFound", err)
	}
	if err := b.Drop("d.db"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Drop of a missing name = %v; want ErrNotFound", err)
	}
}

func TestExportMissing(t *testing.T) {
	b := heap.New()
	_, err := b.Export("nope.db")
	if !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("Export of a missing name = %v; want ErrNotFound", err)
	}
	if want := `heap: export "nope.db": backend: no such file`; err.Error() != want {
		t.Fatalf("Export of a missing name: %q; want %q", err, want)
	}
}

func TestExportWaitsForWriter(t *testing.T) {
	b := heap.New()
	before, after := image(1), image(2)
	v := open(t, b, "x.db")
	defer v.Close()
	if _, err := v.WriteAt(before, 0); err != nil {
		t.Fatal(err)
	}
	for _, l := range []backend.LockLevel{backend.LockShared, backend.LockReserved, backend.LockExclusive} {
		if err := v.Lock(l); err != nil {
			t.Fatalf("Lock(%d): %v", l, err)
		}
	}
	type result struct {
		image []byte
		err   error
	}
	done := make(chan result, 1)
	go func() {
		img, err := b.Export("x.db")
		done <- result{img, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Export returned while a writer held EXCLUSIVE: %d bytes, %v", len(r.image), r.err)
	case <-time.After(100 * time.Millisecond):
	}
	// The writer finishes its transaction, then lets go.
	if _, err := v.WriteAt(after, 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Unlock(backend.LockNone); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Export after the writer unlocked: %v", r.err)
		}
		if !bytes.Equal(r.image, after) {
			t.Fatalf("Export returned %d bytes, not the %d-byte committed image", len(r.image), len(after))
		}
	case <-time.After(4 * time.Second):
		t.Fatal("Export still waiting after the writer unlocked")
	}
}

func TestExportRefusesHotJournal(t *testing.T) {
	b := heap.New()
	if err := b.Import("h.db", image(1)); err != nil {
		t.Fatal(err)
	}
	j := open(t, b, "h.db-journal")
	j.WriteAt([]byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}, 0) // a journal header
	j.Close()
	if _, err := b.Export("h.db"); err == nil || !strings.Contains(err.Error(), "journal") {
		t.Fatalf("Export with a hot journal = %v; want an error about the journal", err)
	}
	// A journal zeroed at commit (journal_mode=PERSIST) is not hot.
	j = open(t, b, "h.db-journal")
	j.WriteAt(make([]byte, 8), 0)
	j.Close()
	if _, err := b.Export("h.db"); err != nil {
		t.Fatalf("Export with a zeroed journal: %v", err)
	}
}

func TestDeleteWhileOpen(t *testing.T) {
	b := heap.New()
	v := open(t, b, "o.db")
	v.WriteAt([]byte("still here"), 0)
	if err := b.Delete("o.db", false); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 10)
	if n, err := v.ReadAt(p, 0); n != 10 || err != nil || string(p) != "still here" {
		t.Fatalf("read after Delete through an open volume = %d, %v, %q", n, err, p)
	}
	// A new file of that name is another file, and closing the old volume
	// does not touch it.
	w := open(t, b, "o.db")
	defer w.Close()
	if size, _ := w.Size(); size != 0 {
		t.Fatalf("re-created file has size %d", size)
	}
	v.Close()
	if _, err := b.Export("o.db"); err != nil {
		t.Fatalf("Export of the re-created file: %v", err)
	}
}
