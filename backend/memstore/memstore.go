// Package memstore is a growable byte store in process memory, kept in
// fixed chunks so that growing never copies what exists and holes cost
// nothing until written.
package memstore

import (
	"bytes"
	"fmt"
	"io"

	"github.com/stablesqlite/stablesqlite/backend"
)

// ChunkSize is the size of one chunk, in bytes.
const ChunkSize = 64 << 10

// MaxSize is the largest size a store takes (1 TiB); writing or growing
// past it fails with backend.ErrFull. A far offset costs nothing by itself
// (holes are free), but nothing that large fits in a process's memory.
const MaxSize = 1 << 40

// Store is a sparse, growable byte array. It is not safe for concurrent use;
// callers hold their own lock.
type Store struct {
	chunks map[int64][]byte // by index; missing chunks are holes that read as zeros
	size   int64
}

// Size returns the size in bytes.
func (s *Store) Size() int64 { return s.size }

// ReadAt reads len(p) bytes at off; reading past the end returns what there
// is and io.EOF.
func (s *Store) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := 0
	for n < len(p) && off < s.size {
		ci, co := off/ChunkSize, off%ChunkSize
		m := int(min(int64(len(p)-n), ChunkSize-co, s.size-off))
		if c := s.chunks[ci]; c != nil {
			copy(p[n:n+m], c[co:])
		} else {
			clear(p[n : n+m])
		}
		n += m
		off += int64(m)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt writes p at off, growing the store as needed.
func (s *Store) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrShortWrite
	}
	end := off + int64(len(p))
	if off > MaxSize || end > MaxSize {
		return 0, fmt.Errorf("%w: %d bytes at %d would pass the in-memory limit of %d bytes", backend.ErrFull, len(p), off, int64(MaxSize))
	}
	if s.chunks == nil {
		s.chunks = map[int64][]byte{}
	}
	s.size = max(s.size, end)
	n := 0
	for n < len(p) {
		ci, co := off/ChunkSize, off%ChunkSize
		c := s.chunks[ci]
		if c == nil {
			c = make([]byte, ChunkSize)
			s.chunks[ci] = c
		}
		m := copy(c[co:], p[n:])
		n += m
		off += int64(m)
	}
	return n, nil
}

// Truncate sets the size; bytes past a shrink are dropped and read as zeros
// if the store grows again.
func (s *Store) Truncate(size int64) error {
	if size < 0 || size > MaxSize {
		return fmt.Errorf("%w: size %d is past the in-memory limit of %d bytes", backend.ErrFull, size, int64(MaxSize))
	}
	if size < s.size {
		last := size / ChunkSize // the chunk that holds the new end, if any
		for ci := range s.chunks {
			if ci > last || ci == last && size%ChunkSize == 0 {
				delete(s.chunks, ci)
			}
		}
		if c := s.chunks[last]; c != nil {
			clear(c[size%ChunkSize:])
		}
	}
	s.size = size
	return nil
}

// Bytes returns a copy of the whole contents.
func (s *Store) Bytes() []byte {
	b := make([]byte, s.size)
	s.ReadAt(b, 0)
	return b
}

// Clone returns a copy of s that shares no bytes with it (holes stay
// holes).
func (s *Store) Clone() Store {
	c := Store{size: s.size, chunks: make(map[int64][]byte, len(s.chunks))}
	for ci, ch := range s.chunks {
		c.chunks[ci] = bytes.Clone(ch)
	}
	return c
}
