package stable

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/fsys"
)

func openImageT(t *testing.T, path string, maxPages uint64) *Image {
	t.Helper()
	im, err := OpenImage(path, maxPages)
	if err != nil {
		t.Fatalf("OpenImage(%s): %v", path, err)
	}
	return im
}

func closeImageT(t *testing.T, im *Image) {
	t.Helper()
	if err := im.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// readAllT returns the whole contents of a memory.
func readAllT(t *testing.T, m Memory) []byte {
	t.Helper()
	b := make([]byte, m.Size()*PageSize)
	if err := m.ReadAt(b, 0); err != nil {
		t.Fatalf("ReadAt whole memory: %v", err)
	}
	return b
}

// wantContents checks an image's size and bytes against a model.
func wantContents(t *testing.T, im *Image, want []byte, what string) {
	t.Helper()
	if got := im.Size() * PageSize; got != uint64(len(want)) {
		t.Fatalf("%s: size %d bytes, want %d", what, got, len(want))
	}
	if got := readAllT(t, im); !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: contents differ from byte %d", what, i)
	}
}

func fileLen(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func TestImageFresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	im := openImageT(t, path, 0)
	if im.Size() != 0 {
		t.Fatalf("fresh image size %d, want 0", im.Size())
	}
	if im.max != DefaultMaxPages {
		t.Fatalf("max %d, want DefaultMaxPages", im.max)
	}
	if err := im.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrOutOfBounds) {
		t.Fatalf("read of empty image: %v, want ErrOutOfBounds", err)
	}
	if err := im.ReadAt(nil, 0); err != nil {
		t.Fatalf("empty read at 0: %v", err)
	}
	closeImageT(t, im)
	if n := fileLen(t, path); n != 0 {
		t.Fatalf("fresh image file length %d, want 0", n)
	}
	if err := im.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second Close: %v, want os.ErrClosed", err)
	}
	if err := im.ReadAt(nil, 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("ReadAt after Close: %v, want os.ErrClosed", err)
	}
}

func TestImageRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	im := openImageT(t, path, 0)
	if old, err := im.Grow(2); err != nil || old != 0 {
		t.Fatalf("Grow(2) = %d, %v", old, err)
	}
	if old, err := im.Grow(1); err != nil || old != 2 {
		t.Fatalf("Grow(1) = %d, %v", old, err)
	}
	if old, err := im.Grow(0); err != nil || old != 3 {
		t.Fatalf("Grow(0) = %d, %v", old, err)
	}
	model := make([]byte, 3*PageSize)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range []struct{ off, n int }{{0, 10}, {PageSize - 5, 20}, {PageSize + 100, PageSize}, {3*PageSize - 7, 7}} {
		p := make([]byte, w.n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		if err := im.WriteAt(p, uint64(w.off)); err != nil {
			t.Fatalf("WriteAt(%d, %d bytes): %v", w.off, w.n, err)
		}
		copy(model[w.off:], p)
	}
	p := make([]byte, 30)
	if err := im.ReadAt(p, PageSize-10); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p, model[PageSize-10:PageSize+20]) {
		t.Fatalf("ReadAt across a page boundary: got %x, want %x", p, model[PageSize-10:PageSize+20])
	}
	wantContents(t, im, model, "before close")
	closeImageT(t, im)
	if n := fileLen(t, path); n != 3*PageSize {
		t.Fatalf("image file length %d, want %d", n, 3*PageSize)
	}

	im = openImageT(t, path, 0)
	wantContents(t, im, model, "after reopen")
	closeImageT(t, im)
}

func TestImageOutOfBounds(t *testing.T) {
	im := openImageT(t, filepath.Join(t.TempDir(), "img"), 0)
	defer im.Close()
	if _, err := im.Grow(1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		off uint64
		n   int
	}{
		{PageSize - 1, 2},
		{PageSize, 1},
		{PageSize + 1, 0},
		{math.MaxUint64, 1},
		{math.MaxUint64 - 2, 8},
		{1 << 40, 16},
	} {
		if err := im.ReadAt(make([]byte, c.n), c.off); !errors.Is(err, ErrOutOfBounds) {
			t.Errorf("ReadAt(%d bytes at %d): %v, want ErrOutOfBounds", c.n, c.off, err)
		}
		if err := im.WriteAt(make([]byte, c.n), c.off); !errors.Is(err, ErrOutOfBounds) {
			t.Errorf("WriteAt(%d bytes at %d): %v, want ErrOutOfBounds", c.n, c.off, err)
		}
	}
	// The last byte is in bounds.
	if err := im.WriteAt([]byte{7}, PageSize-1); err != nil {
		t.Fatalf("WriteAt last byte: %v", err)
	}
	b := []byte{0}
	if err := im.ReadAt(b, PageSize-1); err != nil || b[0] != 7 {
		t.Fatalf("ReadAt last byte = %d, %v", b[0], err)
	}
	if im.Size() != 1 {
		t.Fatalf("size %d after failed accesses, want 1", im.Size())
	}
}

func TestImageGrowPastMax(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	im := openImageT(t, path, 4)
	if _, err := im.Grow(3); err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{2, 5, math.MaxUint64, math.MaxUint64 - 1} {
		old, err := im.Grow(n)
		if !errors.Is(err, ErrGrow) {
			t.Fatalf("Grow(%d) past max: %v, want ErrGrow", n, err)
		}
		if old != 3 || im.Size() != 3 {
			t.Fatalf("Grow(%d) past max: old %d, size %d, want 3", n, old, im.Size())
		}
	}
	if n := fileLen(t, path); n != 3*PageSize {
		t.Fatalf("file length %d after failed Grow, want %d", n, 3*PageSize)
	}
	if old, err := im.Grow(1); err != nil || old != 3 {
		t.Fatalf("Grow(1) to max = %d, %v", old, err)
	}
	if _, err := im.Grow(1); !errors.Is(err, ErrGrow) {
		t.Fatalf("Grow(1) at max: %v, want ErrGrow", err)
	}

	// Apply past max fails before touching anything.
	if err := im.Apply(5, []Write{{Off: 0, Data: []byte("x")}}); !errors.Is(err, ErrGrow) {
		t.Fatalf("Apply(5) past max 4: %v, want ErrGrow", err)
	}
	if im.Size() != 4 {
		t.Fatalf("size %d after failed Apply, want 4", im.Size())
	}
	b := []byte{1}
	if err := im.ReadAt(b, 0); err != nil || b[0] != 0 {
		t.Fatalf("byte 0 after failed Apply = %d, %v; want 0", b[0], err)
	}
	closeImageT(t, im)
	if n := fileLen(t, path+"-redo"); n != 0 {
		t.Fatalf("redo log length %d after failed Apply, want 0", n)
	}
	if n := fileLen(t, path); n != 4*PageSize {
		t.Fatalf("file length %d, want %d", n, 4*PageSize)
	}
}

func TestImageApply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	im := openImageT(t, path, 0)
	model := make([]byte, 3*PageSize)
	writes := []Write{
		{Off: 5, Data: []byte("hello")},
		{Off: PageSize - 2, Data: []byte("across")},
		{Off: 3*PageSize - 3, Data: []byte("end")},
		{Off: 7, Data: []byte("LL")}, // later writes win
		{Off: 100, Data: nil},
	}
	for _, w := range writes {
		copy(model[w.Off:], w.Data)
	}
	if err := im.Apply(3, writes); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	wantContents(t, im, model, "after Apply")

	// Bounds are checked against the new size, before anything happens.
	if err := im.Apply(4, []Write{{Off: 4*PageSize - 1, Data: []byte("ab")}}); !errors.Is(err, ErrOutOfBounds) {
		t.Fatalf("Apply with a write past the new size: %v, want ErrOutOfBounds", err)
	}
	if err := im.Apply(0, []Write{{Off: 0, Data: []byte("ok")}, {Off: math.MaxUint64, Data: []byte("x")}}); !errors.Is(err, ErrOutOfBounds) {
		t.Fatalf("Apply with an overflowing write: %v, want ErrOutOfBounds", err)
	}
	wantContents(t, im, model, "after failed Apply")

	// A smaller size does not shrink.
	if err := im.Apply(1, []Write{{Off: 2 * PageSize, Data: []byte("p2")}}); err != nil {
		t.Fatalf("Apply with a smaller size: %v", err)
	}
	copy(model[2*PageSize:], "p2")
	wantContents(t, im, model, "after second Apply")
	closeImageT(t, im)
	if n := fileLen(t, path+"-redo"); n != 0 {
		t.Fatalf("redo log length %d after Apply, want 0", n)
	}

	im = openImageT(t, path, 0)
	wantContents(t, im, model, "after reopen")
	closeImageT(t, im)
}

func TestImageCrashHookSteps(t *testing.T) {
	var steps []string
	imageCrashAfter = func(step string) bool { steps = append(steps, step); return false }
	defer func() { imageCrashAfter = nil }()
	im := openImageT(t, filepath.Join(t.TempDir(), "img"), 0)
	defer im.Close()
	if err := im.Apply(1, []Write{{Off: 1, Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"log-written", "log-synced", "image-written", "image-synced"}
	if !slices.Equal(steps, want) {
		t.Fatalf("hook steps %q, want %q", steps, want)
	}
}

// crashFixture builds an image in an old state, then crashes an Apply (to
// the new state) at step. It returns the image path and both states.
func crashFixture(t *testing.T, step string) (path string, oldState, newState []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "img")
	im := openImageT(t, path, 0)
	oldState = make([]byte, 2*PageSize)
	for i := range oldState {
		oldState[i] = byte(i*7 + 3)
	}
	if err := im.Apply(2, []Write{{Off: 0, Data: oldState}}); err != nil {
		t.Fatal(err)
	}
	writes := []Write{
		{Off: 1, Data: []byte("first")},
		{Off: PageSize - 4, Data: []byte("over the page boundary")},
		{Off: 3*PageSize + 10, Data: []byte("in a new page")},
		{Off: 4*PageSize - 2, Data: []byte("zz")},
	}
	newState = make([]byte, 4*PageSize)
	copy(newState, oldState)
	for _, w := range writes {
		copy(newState[w.Off:], w.Data)
	}

	imageCrashAfter = func(s string) bool { return s == step }
	err := im.Apply(4, writes)
	imageCrashAfter = nil
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("Apply crashing at %s: %v, want errSimulatedCrash", step, err)
	}
	// The crashed Image refuses use; closing it only releases the files.
	if err := im.ReadAt(make([]byte, 1), 0); err == nil {
		t.Fatalf("ReadAt after a crashed Apply succeeded")
	}
	if err := im.Close(); err != nil {
		t.Fatalf("Close after a crashed Apply: %v", err)
	}
	return path, oldState, newState
}

// reopenWant reopens an image and checks its state and that its log is
// empty.
func reopenWant(t *testing.T, path string, want []byte, what string) {
	t.Helper()
	im := openImageT(t, path, 0)
	wantContents(t, im, want, what)
	closeImageT(t, im)
	if n := fileLen(t, path+"-redo"); n != 0 {
		t.Fatalf("%s: redo log length %d after open, want 0", what, n)
	}
}

func writeFileT(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o666); err != nil {
		t.Fatal(err)
	}
}

func readFileT(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A crash before the log is synced may lose any part of the log: every
// prefix of it, or a corrupted byte, must give the old state. If the whole
// log reached the disk anyway, the Apply is replayed.
func TestImageCrashLogWritten(t *testing.T) {
	path, oldState, newState := crashFixture(t, "log-written")
	if n := fileLen(t, path); n != int64(len(oldState)) {
		t.Fatalf("image touched before the log was synced: length %d", n)
	}
	logPath := path + "-redo"
	full := readFileT(t, logPath)
	if len(full) < redoHeaderLen+redoTrailer || string(full[:8]) != redoMagic {
		t.Fatalf("redo log not written: %d bytes", len(full))
	}
	for k := 0; k < len(full); k++ {
		writeFileT(t, logPath, full[:k])
		reopenWant(t, path, oldState, "log torn at byte "+strconv.Itoa(k))
	}
	for i := 0; i < len(full); i++ {
		bad := slices.Clone(full)
		bad[i] ^= 0x40
		writeFileT(t, logPath, bad)
		reopenWant(t, path, oldState, "log with byte "+strconv.Itoa(i)+" flipped")
	}
	// Trailing garbage after a complete log does not change it.
	writeFileT(t, logPath, append(slices.Clone(full), "garbage"...))
	reopenWant(t, path, newState, "complete log with trailing bytes")
}

func TestImageCrashLogWrittenComplete(t *testing.T) {
	path, _, newState := crashFixture(t, "log-written")
	reopenWant(t, path, newState, "complete unsynced log")
}

// From the moment the log is durable, reopening finishes the Apply, even
// if the image writes were torn, and replaying twice is harmless.
func TestImageCrashAfterLogSynced(t *testing.T) {
	for _, step := range []string{"log-synced", "image-written", "image-synced"} {
		t.Run(step, func(t *testing.T) {
			path, _, newState := crashFixture(t, step)
			logPath := path + "-redo"
			log := readFileT(t, logPath)

			// Tear the image writes: scribble over the written
			// ranges that exist in the file.
			n := fileLen(t, path)
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range []int64{1, PageSize - 4, 3*PageSize + 10, 4*PageSize - 2} {
				if off+2 <= n {
					if _, err := f.WriteAt([]byte{0xEE, 0xEE}, off); err != nil {
						t.Fatal(err)
					}
				}
			}
			f.Close()

			reopenWant(t, path, newState, "after crash at "+step)
			// A crash during recovery, before the log was emptied.
			writeFileT(t, logPath, log)
			reopenWant(t, path, newState, "after replaying twice")
		})
	}
}

// resign recomputes a redo log's checksum trailer.
func resign(b []byte) []byte {
	n := len(b) - redoTrailer
	binary.LittleEndian.PutUint32(b[n:], crc32.Checksum(b[:n], castagnoli))
	return b
}

// Logs whose checksum matches but whose structure is wrong are discarded,
// without panicking.
func TestImageBadLogStructure(t *testing.T) {
	path, oldState, _ := crashFixture(t, "log-written")
	logPath := path + "-redo"
	full := readFileT(t, logPath)
	firstRec := redoHeaderLen
	cases := map[string]func(b []byte) []byte{
		"count+1": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[8:], binary.LittleEndian.Uint64(b[8:])+1)
			return resign(b)
		},
		"count-1": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[8:], binary.LittleEndian.Uint64(b[8:])-1)
			return resign(b)
		},
		"count max": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[8:], math.MaxUint64)
			return resign(b)
		},
		"size max": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[16:], math.MaxUint64)
			return resign(b)
		},
		"size too small for the writes": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[16:], 1)
			return resign(b)
		},
		"total too large": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[24:], uint64(len(b))+1)
			return resign(b)
		},
		"total max": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[24:], math.MaxUint64)
			return resign(b)
		},
		"total tiny": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[24:], 3)
			return resign(b)
		},
		"record length max": func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[firstRec+8:], math.MaxUint32)
			return resign(b)
		},
		"record offset max": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[firstRec:], math.MaxUint64-1)
			return resign(b)
		},
		"record past the size": func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[firstRec:], 4*PageSize)
			return resign(b)
		},
		"wrong magic": func(b []byte) []byte {
			copy(b, "SSREDO02")
			return resign(b)
		},
		"header only": func(b []byte) []byte {
			return b[:redoHeaderLen]
		},
	}
	for name, mutate := range cases {
		writeFileT(t, logPath, mutate(slices.Clone(full)))
		reopenWant(t, path, oldState, name)
	}
	// Random garbage, with and without a valid magic.
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		b := make([]byte, rng.IntN(300))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if i%2 == 0 && len(b) >= 8 {
			copy(b, redoMagic)
		}
		if i%4 == 0 && len(b) >= redoHeaderLen+redoTrailer {
			resign(b)
		}
		writeFileT(t, logPath, b)
		reopenWant(t, path, oldState, "random log "+strconv.Itoa(i))
	}
}

func TestImageGarbageFile(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 1000, PageSize - 1, PageSize + 1, 3*PageSize + 17} {
		path := filepath.Join(dir, "garbage"+strconv.Itoa(n))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		writeFileT(t, path, b)
		im, err := OpenImage(path, 0)
		if err == nil {
			im.Close()
			t.Fatalf("OpenImage of %d garbage bytes succeeded", n)
		}
		if !strings.Contains(err.Error(), "truncated or not a stable image") {
			t.Fatalf("OpenImage of %d garbage bytes: unclear error %q", n, err)
		}
		if got := readFileT(t, path); !bytes.Equal(got, b) {
			t.Fatalf("OpenImage modified a refused file")
		}
	}
	if _, err := OpenImage(dir, 0); err == nil {
		t.Fatalf("OpenImage of a directory succeeded")
	}
}

func TestImageAbove4GiB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	im := openImageT(t, path, 0)
	pages := uint64(5<<30/PageSize + 1)
	if _, err := im.Grow(pages); err != nil {
		t.Fatalf("Grow(%d): %v", pages, err)
	}
	const off = 5 << 30
	want := []byte("sixteen bytes!!!")
	if err := im.WriteAt(want, off); err != nil {
		t.Fatalf("WriteAt(5 GiB): %v", err)
	}
	want2 := []byte("applied above 4G")
	if err := im.Apply(pages, []Write{{Off: off + 100, Data: want2}}); err != nil {
		t.Fatalf("Apply at 5 GiB: %v", err)
	}
	got := make([]byte, 16)
	if err := im.ReadAt(got, off); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadAt(5 GiB) = %q, %v; want %q", got, err, want)
	}
	closeImageT(t, im)
	if n := fileLen(t, path); n != int64(pages*PageSize) {
		t.Fatalf("file length %d, want %d", n, pages*PageSize)
	}

	im = openImageT(t, path, 0)
	defer im.Close()
	if im.Size() != pages {
		t.Fatalf("size after reopen %d, want %d", im.Size(), pages)
	}
	for _, c := range []struct {
		off  uint64
		want []byte
	}{{off, want}, {off + 100, want2}, {off - 16, make([]byte, 16)}, {1 << 32, make([]byte, 16)}} {
		got := make([]byte, len(c.want))
		if err := im.ReadAt(got, c.off); err != nil || !bytes.Equal(got, c.want) {
			t.Fatalf("ReadAt(%d) after reopen = %q, %v; want %q", c.off, got, err, c.want)
		}
	}
	if err := im.ReadAt(make([]byte, 1), pages*PageSize); !errors.Is(err, ErrOutOfBounds) {
		t.Fatalf("ReadAt past 5 GiB end: %v, want ErrOutOfBounds", err)
	}
}

// FuzzImageRedoLog opens an image beside an arbitrary redo log: it must
// never panic, open must succeed, and the log must be emptied.
func FuzzImageRedoLog(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte(redoMagic))
	f.Add(append([]byte(redoMagic), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, log []byte) {
		path := filepath.Join(t.TempDir(), "img")
		writeFileT(t, path, make([]byte, PageSize))
		writeFileT(t, path+"-redo", log)
		im := openImageT(t, path, 8)
		if im.Size() < 1 || im.Size() > math.MaxInt64/PageSize {
			t.Fatalf("size %d", im.Size())
		}
		closeImageT(t, im)
		if n := fileLen(t, path+"-redo"); n != 0 {
			t.Fatalf("redo log length %d after open, want 0", n)
		}
	})
}

// A power cut in an Apply that grows the image can leave its length torn
// (writes past the old end landed, the growth did not): the image opens,
// and replaying the log mends it. (It was refused for its length before
// the log was looked at: the committed Apply could never be opened.)
func TestImageTornLengthReplayed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "torn.img")
	im := openImageT(t, path, 0)
	if _, err := im.Grow(1); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("grow"), PageSize/4)
	imageCrashAfter = func(step string) bool { return step == "log-synced" }
	err := im.Apply(3, []Write{{Off: PageSize, Data: data}, {Off: 2 * PageSize, Data: data[:100]}})
	imageCrashAfter = nil
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("Apply: %v", err)
	}
	im.Close()
	// The first write landed past the old end; the growth to 3 pages did not.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(data[:5000], PageSize)
	f.Close()
	if n := fileLen(t, path); n != PageSize+5000 {
		t.Fatalf("torn length %d", n)
	}
	im = openImageT(t, path, 0)
	defer closeImageT(t, im)
	if im.Size() != 3 {
		t.Fatalf("size after recovery: %d pages, want 3", im.Size())
	}
	got := make([]byte, len(data))
	if err := im.ReadAt(got, PageSize); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the Apply after recovery: %v, intact %v", err, bytes.Equal(got, data))
	}
}

// flakyFS fails the next fail writes to files whose name ends in suffix.
type flakyFS struct {
	fsys.FS
	suffix string
	fail   *int
}

func (f flakyFS) OpenFile(name string, flag int, perm fs.FileMode) (fsys.File, error) {
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil || !strings.HasSuffix(name, f.suffix) {
		return file, err
	}
	return flakyFile{file, f.fail}, nil
}

type flakyFile struct {
	fsys.File
	fail *int
}

func (f flakyFile) WriteAt(p []byte, off int64) (int, error) {
	if *f.fail > 0 {
		*f.fail--
		return 0, errors.New("test: write failed")
	}
	return f.File.WriteAt(p, off)
}

// A write to the image that fails once its redo log is durable is done
// again from the log, and the Apply succeeds; one that fails again leaves
// the image refusing use (ErrReopen) until reopening finishes the Apply.
// (The image refused use after any such failure, and a transient one made
// the database unusable until the process reopened it.)
func TestImageWriteRetriedFromLog(t *testing.T) {
	for _, failures := range []int{1, 2} {
		path := filepath.Join(t.TempDir(), "flaky.img")
		fail := 0
		im, err := OpenImageFS(flakyFS{fsys.OS, ".img", &fail}, path, 0)
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte("redo"), 1000)
		fail = failures
		err = im.Apply(1, []Write{{Off: 100, Data: data}})
		switch {
		case failures == 1 && err != nil:
			t.Fatalf("one failed write: %v", err)
		case failures == 2 && !errors.Is(err, ErrReopen):
			t.Fatalf("a write that fails twice: %v, want ErrReopen", err)
		case failures == 2 && !errors.Is(im.ReadAt(make([]byte, 1), 0), ErrReopen):
			t.Fatal("the image is still in use after an Apply of unknown outcome")
		}
		im.Close()
		im = openImageT(t, path, 0)
		got := make([]byte, len(data))
		if err := im.ReadAt(got, 100); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d failed writes: after reopening %v, intact %v", failures, err, bytes.Equal(got, data))
		}
		closeImageT(t, im)
	}
}
