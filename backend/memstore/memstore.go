// Package memstore is a growable byte store in process memory, kept in
// fixed chunks so that growing never copies what exists and holes cost
// nothing until written.
package memstore

import "io"

// ChunkSize is the size of one chunk, in bytes.
const ChunkSize = 64 << 10

// Store is a sparse, growable byte array. It is not safe for concurrent use;
// callers hold their own lock.
type Store struct {
	chunks [][]byte // nil entries are holes that read as zeros
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
	if end := off + int64(len(p)); end > s.size {
		s.grow(end)
	}
	n := 0
	for n < len(p) {
		ci, co := off/ChunkSize, off%ChunkSize
		if s.chunks[ci] == nil {
			s.chunks[ci] = make([]byte, ChunkSize)
		}
		m := copy(s.chunks[ci][co:], p[n:])
		n += m
		off += int64(m)
	}
	return n, nil
}

func (s *Store) grow(size int64) {
	need := int((size + ChunkSize - 1) / ChunkSize)
	if need > len(s.chunks) {
		s.chunks = append(s.chunks, make([][]byte, need-len(s.chunks))...)
	}
	s.size = size
}

// Truncate sets the size; bytes past a shrink are dropped and read as zeros
// if the store grows again.
func (s *Store) Truncate(size int64) {
	if size >= s.size {
		s.grow(size)
		return
	}
	need := int((size + ChunkSize - 1) / ChunkSize)
	for i := need; i < len(s.chunks); i++ {
		s.chunks[i] = nil
	}
	s.chunks = s.chunks[:need]
	if co := size % ChunkSize; co != 0 && s.chunks[need-1] != nil {
		clear(s.chunks[need-1][co:])
	}
	s.size = size
}

// Bytes returns a copy of the whole contents.
func (s *Store) Bytes() []byte {
	b := make([]byte, s.size)
	s.ReadAt(b, 0)
	return b
}
