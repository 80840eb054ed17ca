package stable

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/backendtest"
)

func TestConformanceInProcess(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		b, err := New(NewMemory(0))
		if err != nil {
			t.Fatal(err)
		}
		return b, func(base string) string { return base }
	})
}

func TestReopenReadsTwoBlocks(t *testing.T) {
	mem := &countingMemory{Memory: NewMemory(0)}
	b, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := b.Open("main.db", backend.OpenCreate|backend.OpenReadWrite|backend.OpenMainDB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.WriteAt(make([]byte, 10<<20), 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Sync(backend.SyncNormal); err != nil {
		t.Fatal(err)
	}
	mem.reads, mem.bytes = 0, 0
	b2, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	if mem.reads != 1 || mem.bytes != BlockSize {
		t.Fatalf("reopening read %d times, %d bytes; want one read of one block", mem.reads, mem.bytes)
	}
	if fs := b2.Files(); len(fs) != 1 || fs[0].Size != 10<<20 {
		t.Fatalf("files after reopen: %+v", fs)
	}
}

type countingMemory struct {
	Memory
	reads, bytes int
}

func (m *countingMemory) ReadAt(p []byte, off uint64) error {
	m.reads++
	m.bytes += len(p)
	return m.Memory.ReadAt(p, off)
}

func TestCorruptLayout(t *testing.T) {
	fresh := func() Memory {
		m := NewMemory(0)
		if _, err := New(m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for name, damage := range map[string]func(Memory){
		"magic":     func(m Memory) { m.WriteAt([]byte("X"), 0) },
		"super crc": func(m Memory) { m.WriteAt([]byte{9}, 100) },
		"dir crc":   func(m Memory) { m.WriteAt([]byte{9}, 1000) },
		"version": func(m Memory) {
			d := directory{}
			b := d.encode()
			b[16] = 2
			m.WriteAt(b, 0)
		},
	} {
		m := fresh()
		damage(m)
		if _, err := New(m); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v, want ErrFormat", name, err)
		}
	}
	m := NewMemory(0)
	m.Grow(1)
	m.WriteAt([]byte("random junk that is no superblock"), 0)
	if _, err := New(m); !errors.Is(err, ErrFormat) {
		t.Errorf("random memory: %v", err)
	}
}

func TestFullMemory(t *testing.T) {
	b, err := New(NewMemory(4))
	if err != nil {
		t.Fatal(err)
	}
	v, _, _ := b.Open("f", backend.OpenCreate|backend.OpenReadWrite)
	if _, err := v.WriteAt(make([]byte, 3*PageSize), 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Sync(0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.WriteAt([]byte{1}, 3*PageSize); err != nil {
		t.Fatal(err) // reserved in the working state
	}
	if err := v.Sync(0); !errors.Is(err, backend.ErrFull) {
		t.Fatalf("growing past the maximum: %v", err)
	}
	if size, _ := v.Size(); size != 3*PageSize {
		t.Fatalf("size after the failed commit: %d", size)
	}
}

func TestConformanceImage(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) (backend.Backend, func(string) string) {
		img, err := OpenImage(t.TempDir()+"/mem.img", 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { img.Close() })
		b, err := New(img)
		if err != nil {
			t.Fatal(err)
		}
		return b, func(base string) string { return base }
	})
}

func TestImageOneProcessAtATime(t *testing.T) {
	path := t.TempDir() + "/mem.img"
	img, err := OpenImage(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if second, err := OpenImage(path, 0); err == nil {
		second.Close()
		t.Fatal("an image open elsewhere opened again")
	}
}

func TestLimitsAndCosts(t *testing.T) {
	b, err := New(NewMemory(0))
	if err != nil {
		t.Fatal(err)
	}
	v, _, _ := b.Open("f", backend.OpenCreate|backend.OpenReadWrite)
	b.SetCosts(Costs{PerCall: 1, PerByte: 0, PerDirtied: 10, PerGrow: 1000})
	if _, err := v.WriteAt(make([]byte, 3*BlockSize), 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Sync(0); err != nil {
		t.Fatal(err)
	}
	last := b.Stats().Last
	// The superblock and the three blocks, in two writes (adjacent blocks
	// merge): 2 calls, 4 dirtied pages, one grow of one page.
	if last.WriteCalls != 2 || last.PagesDirtied4K != 4 || last.PagesDirtied64K != 2 || last.GrowCalls != 1 || last.PagesGrown != 1 || last.Commits != 1 {
		t.Fatalf("counters %+v", last)
	}
	if want := uint64(2*1 + 4*10 + 1000); last.APIInstructions != want {
		t.Fatalf("cycles %d, want %d", last.APIInstructions, want)
	}
	b.EnforceLimits(&Limits{MaxDirtied: 2 * BlockSize})
	if _, err := v.WriteAt(make([]byte, 3*BlockSize), 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Sync(0); !errors.Is(err, ErrLimit) || !errors.Is(err, backend.ErrFull) {
		t.Fatalf("over the dirtied limit: %v", err)
	}
	if b.Stats().Total.Traps != 1 {
		t.Fatalf("the failed message is not counted as a trap: %+v", b.Stats().Total)
	}
}

// A file written block after block reaches the memory in writes of up to
// 64 KiB (the overlay's blocks lie next to each other, see blockSlab), and
// the bytes are the ones written.
func TestAdjacentBlocksInFewWrites(t *testing.T) {
	mem := NewMemory(0)
	b, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	v, _, _ := b.Open("f", backend.OpenCreate|backend.OpenReadWrite)
	data := make([]byte, 40*BlockSize)
	for i := range data {
		data[i] = byte(i / BlockSize)
	}
	for off := 0; off < len(data); off += BlockSize {
		if _, err := v.WriteAt(data[off:off+BlockSize], int64(off)); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Sync(0); err != nil {
		t.Fatal(err)
	}
	// The superblock, then 40 blocks as 16 + 16 + 8.
	if last := b.Stats().Last; last.WriteCalls != 4 || last.BytesWritten < uint64(len(data)) {
		t.Fatalf("%d write calls of %d bytes, want 4 calls", last.WriteCalls, last.BytesWritten)
	}
	v.Close()
	again, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := again.Open("f", backend.OpenReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(data))
	if _, err := w.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != data[i] {
			t.Fatalf("byte %d reads %d, wrote %d", i, got[i], data[i])
		}
	}
}

// FuzzDecodeDirectory decodes arbitrary superblocks (with a valid header
// and checksum, so that the directory itself is what varies): it must
// never panic, and what it accepts must be a directory the backend can
// trust: extents inside the memory and apart, sizes within the extents,
// names unique, and the same directory after encoding it again.
func FuzzDecodeDirectory(f *testing.F) {
	d := directory{generation: 3, files: []*entry{
		{name: "main.db", size: 3 * PageSize, extents: []extent{{1, 2}, {5, 1}}},
		{name: "main.db-journal", size: 10, extents: []extent{{3, 1}}},
	}}
	f.Add(uint8(2), d.encode()[headerSize:checksumAt], uint32(8))
	f.Add(uint8(0), []byte{}, uint32(0))
	twice := directory{files: []*entry{{name: "x", extents: []extent{{1, 1}}}, {name: "x", extents: []extent{{2, 1}}}}}
	f.Add(uint8(2), twice.encode()[headerSize:checksumAt], uint32(8))
	f.Fuzz(func(t *testing.T, files uint8, body []byte, memPages uint32) {
		b := (&directory{}).encode()
		binary.LittleEndian.PutUint32(b[28:], uint32(files)%(maxFiles+2))
		copy(b[headerSize:checksumAt], body)
		binary.LittleEndian.PutUint32(b[checksumAt:], crc32.Checksum(b[:checksumAt], castagnoli))
		got, err := decodeDirectory(b, uint64(memPages))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		names := map[string]bool{}
		var used []extent
		for _, e := range got.files {
			if names[e.name] {
				t.Fatalf("file %q twice", e.name)
			}
			names[e.name] = true
			for _, x := range e.extents {
				if x.start < firstPage || x.start+x.count > uint64(memPages) {
					t.Fatalf("extent %+v outside %d pages", x, memPages)
				}
				for _, u := range used {
					if x.start < u.start+u.count && u.start < x.start+x.count {
						t.Fatalf("extents %+v and %+v overlap", x, u)
					}
				}
				used = append(used, x)
			}
			if uint64(e.size) > e.capacity() {
				t.Fatalf("file %q: size %d beyond its extents", e.name, e.size)
			}
		}
		again, err := decodeDirectory(got.encode(), uint64(memPages))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("encoding it again: %v, %+v against %+v", err, again, got)
		}
	})
}

// A file that grows over pages another file left reads zeros there, whether
// they were committed or only in the overlay; a far truncate costs what is
// written, not the size of the gap; and sizes past SQLite's largest
// database are ErrFull.
func TestGrowOverFreedPages(t *testing.T) {
	b, err := New(NewMemory(0))
	if err != nil {
		t.Fatal(err)
	}
	open := func(name string) backend.Volume {
		v, _, err := b.Open(name, backend.OpenCreate|backend.OpenReadWrite)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ones := bytes.Repeat([]byte{1}, 3*PageSize)
	a := open("a")
	a.WriteAt(ones, 0)
	if err := a.Sync(0); err != nil { // committed
		t.Fatal(err)
	}
	c := open("c")
	c.WriteAt(ones[:PageSize], 0) // only in the overlay
	a.Close()
	c.Close()
	if err := b.Delete("a", false); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete("c", false); err != nil {
		t.Fatal(err)
	}
	g := open("g")
	if err := g.Truncate(6 * PageSize); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6*PageSize)
	if _, err := g.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, make([]byte, len(got))) {
		t.Fatal("a grown file shows bytes of the deleted ones")
	}
	// 16 TiB of holes: visiting them block by block would take minutes.
	start := time.Now()
	if err := g.Truncate(1 << 44); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("growing a file over 16 TiB of holes took %v: it walks the gap", d)
	}
	if err := g.Truncate(1<<48 + 1); !errors.Is(err, backend.ErrFull) {
		t.Fatalf("truncate past 2^48: %v, want ErrFull", err)
	}
	if _, err := g.WriteAt([]byte("x"), 1<<50); !errors.Is(err, backend.ErrFull) {
		t.Fatalf("write at 2^50: %v, want ErrFull", err)
	}
}

// FuzzFiles runs a sequence of writes, truncates, syncs and deletes on three
// files of one memory (in process, or an image file) and checks every file
// against a plain in-memory model after each step: extents, the overlay,
// commits and zeroing of reused pages must never show other bytes than the
// ones written.
func FuzzFiles(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 3, 1, 0, 9, 9, 2, 0, 0, 0, 4, 1, 0, 0, 0})
	f.Add([]byte{0, 1, 200, 50, 7, 4, 1, 0, 0, 0, 2, 2, 30, 30, 1, 1, 2, 5, 5})
	names := []string{"a", "b", "c"}
	f.Fuzz(func(t *testing.T, ops []byte) {
		// An odd length runs on an image file, an even one in process.
		var mem Memory = NewMemory(0)
		if len(ops)%2 == 1 {
			im := openImageT(t, filepath.Join(t.TempDir(), "img"), 0)
			defer closeImageT(t, im)
			mem = im
		}
		b, err := New(mem)
		if err != nil {
			t.Fatal(err)
		}
		vols := map[string]backend.Volume{}
		model := map[string][]byte{}
		vol := func(name string) backend.Volume {
			if vols[name] == nil {
				v, _, err := b.Open(name, backend.OpenCreate|backend.OpenReadWrite)
				if err != nil {
					t.Fatal(err)
				}
				vols[name] = v
				if model[name] == nil {
					model[name] = []byte{}
				}
			}
			return vols[name]
		}
		for len(ops) >= 5 {
			op, name := ops[0]%5, names[int(ops[1])%len(names)]
			// Offsets up to 64 pages, lengths up to 3 pages: files cross
			// pages and blocks, and grow over pages others left.
			off := (int64(ops[2])<<8 | int64(ops[3])) * 1021 % (64 * PageSize)
			n := int(ops[4]) * 3 * PageSize / 256
			ops = ops[5:]
			switch op {
			case 0: // write
				p := bytes.Repeat([]byte{byte(off) | 1}, n)
				if _, err := vol(name).WriteAt(p, off); err != nil {
					t.Fatal(err)
				}
				m := model[name]
				if need := int(off) + n; need > len(m) {
					m = append(m, make([]byte, need-len(m))...)
				}
				copy(m[off:], p)
				model[name] = m
			case 1: // truncate
				if err := vol(name).Truncate(off); err != nil {
					t.Fatal(err)
				}
				m := model[name]
				if int(off) > len(m) {
					m = append(m, make([]byte, int(off)-len(m))...)
				}
				model[name] = m[:off]
			case 2: // commit
				if err := vol(name).Sync(0); err != nil {
					t.Fatal(err)
				}
			case 3: // delete
				if v := vols[name]; v != nil {
					v.Close()
					delete(vols, name)
				}
				if err := b.Delete(name, false); err != nil && !errors.Is(err, backend.ErrNotFound) {
					t.Fatal(err)
				}
				delete(model, name)
			case 4: // close and open again
				if v := vols[name]; v != nil {
					v.Close()
					delete(vols, name)
				}
			}
			for name, want := range model {
				v := vol(name)
				if size, err := v.Size(); err != nil || size != int64(len(want)) {
					t.Fatalf("%s: size %d (%v), want %d", name, size, err, len(want))
				}
				got := make([]byte, len(want))
				if _, err := v.ReadAt(got, 0); err != nil && len(got) > 0 {
					t.Fatalf("%s: read: %v", name, err)
				}
				if !bytes.Equal(got, want) {
					i := 0
					for got[i] == want[i] {
						i++
					}
					t.Fatalf("%s: byte %d reads %d, want %d", name, i, got[i], want[i])
				}
			}
		}
	})
}

// failingMemory fails every Apply while fail is set.
type failingMemory struct {
	Memory
	fail bool
}

var errApply = errors.New("test: apply failed")

func (m *failingMemory) Apply(size uint64, writes []Write) error {
	if m.fail {
		return errApply
	}
	return m.Memory.(Atomic).Apply(size, writes)
}

// A commit that fails when a write lock is released drops the writes, and
// the lock is released all the same: SQLite counts it as released, and a
// lock kept shut every other connection out for good.
func TestUnlockReleasesAfterFailedCommit(t *testing.T) {
	mem := &failingMemory{Memory: NewMemory(0)}
	b, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	flags := backend.OpenCreate | backend.OpenReadWrite | backend.OpenMainDB
	v1, _, _ := b.Open("main.db", flags)
	v2, _, _ := b.Open("main.db", flags)
	for _, l := range []backend.LockLevel{backend.LockShared, backend.LockReserved, backend.LockExclusive} {
		if err := v1.Lock(l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v1.WriteAt([]byte("lost"), 0); err != nil {
		t.Fatal(err)
	}
	mem.fail = true
	if err := v1.Unlock(backend.LockShared); !errors.Is(err, errApply) {
		t.Fatalf("Unlock with a failing commit: %v", err)
	}
	mem.fail = false
	if held, _ := v2.CheckReserved(); held {
		t.Fatal("the write lock is still held after its Unlock failed")
	}
	if err := v2.Lock(backend.LockShared); err != nil {
		t.Fatal(err)
	}
	if err := v2.Lock(backend.LockReserved); err != nil {
		t.Fatalf("another volume cannot write: %v", err)
	}
	if size, _ := v2.Size(); size != 0 {
		t.Fatalf("the failed commit's write is there: size %d", size)
	}
}

// A batch whose volume closes before it ends (its connection's Wasm
// instance trapped in the middle of a transaction) is rolled back: it was
// left open, held back every later commit, and then landed with the next
// one, half written.
func TestBatchOfClosedVolumeRolledBack(t *testing.T) {
	mem := NewMemory(0)
	b, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	flags := backend.OpenCreate | backend.OpenReadWrite | backend.OpenMainDB
	v1, _, _ := b.Open("main.db", flags)
	v2, _, _ := b.Open("main.db", flags)
	a1 := v1.(backend.AtomicBatcher)
	if err := a1.BeginAtomicWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := v1.WriteAt([]byte("half"), 0); err != nil {
		t.Fatal(err)
	}
	v1.Close() // no commit, no rollback
	a2 := v2.(backend.AtomicBatcher)
	if err := a2.BeginAtomicWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.WriteAt([]byte("whole"), 100); err != nil {
		t.Fatal(err)
	}
	if err := a2.CommitAtomicWrite(); err != nil {
		t.Fatal(err)
	}
	// What a restart finds.
	b2, err := New(mem)
	if err != nil {
		t.Fatal(err)
	}
	v3, _, _ := b2.Open("main.db", backend.OpenReadWrite|backend.OpenMainDB)
	got := make([]byte, 105)
	if _, err := v3.ReadAt(got, 0); err != nil {
		t.Fatalf("the second batch did not land: %v", err)
	}
	if string(got[:4]) == "half" || string(got[100:]) != "whole" {
		t.Fatalf("after a restart: %q ... %q", got[:4], got[100:])
	}
}
