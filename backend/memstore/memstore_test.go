package memstore

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
)

// Far offsets cost one chunk, sizes past MaxSize are ErrFull (never a huge
// allocation or a panic), and shrinking drops what lies past the new end.
func TestBoundsAndHoles(t *testing.T) {
	var s Store
	if _, err := s.WriteAt([]byte("end"), MaxSize-3); err != nil {
		t.Fatal(err)
	}
	if s.Size() != MaxSize || len(s.chunks) != 1 {
		t.Fatalf("size %d with %d chunks after a write at the limit", s.Size(), len(s.chunks))
	}
	for _, off := range []int64{MaxSize - 2, MaxSize + 1, math.MaxInt64 - 1} {
		if _, err := s.WriteAt([]byte("xyz"), off); !errors.Is(err, backend.ErrFull) {
			t.Errorf("write at %d: %v, want ErrFull", off, err)
		}
	}
	if err := s.Truncate(math.MaxInt64); !errors.Is(err, backend.ErrFull) {
		t.Errorf("truncate to MaxInt64: %v, want ErrFull", err)
	}
	if err := s.Truncate(-1); err == nil {
		t.Error("truncate to -1: no error")
	}
	s.WriteAt(bytes.Repeat([]byte{7}, 3*ChunkSize), 0)
	if err := s.Truncate(ChunkSize + 10); err != nil {
		t.Fatal(err)
	}
	if len(s.chunks) != 2 {
		t.Fatalf("%d chunks after shrinking to 1 chunk and 10 bytes", len(s.chunks))
	}
	s.Truncate(3 * ChunkSize)
	got := make([]byte, 3*ChunkSize)
	if n, err := s.ReadAt(got, 0); n != len(got) || err != nil {
		t.Fatal(n, err)
	}
	want := append(bytes.Repeat([]byte{7}, ChunkSize+10), make([]byte, 2*ChunkSize-10)...)
	if !bytes.Equal(got, want) {
		t.Fatal("bytes past a shrink came back after growing again")
	}
	if n, err := s.ReadAt(make([]byte, 10), 3*ChunkSize-4); n != 4 || err != io.EOF {
		t.Fatalf("read across the end: %d, %v", n, err)
	}
}
