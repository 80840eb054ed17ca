package stable

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// The on-memory layout (FORMAT.md has the full description).
const (
	BlockSize     = 4096 // SQLite pages sit on aligned 4 KiB blocks
	blocksPerPage = PageSize / BlockSize
	magic         = "STABLESQLITE\x00\x00\x00\x01"
	FormatVersion = 1 // the only version this build reads and writes

	firstPage = 1 // memory page where file data starts; page 0 holds the superblock

	headerSize = 64 // superblock fields before the directory entries
	maxName    = 63
	maxExtents = 30
	entrySize  = 64 + 8 + 4 + 4 + maxExtents*16
	maxFiles   = (BlockSize - headerSize - 4) / entrySize
	checksumAt = BlockSize - 4
)

// castagnoli is the CRC-32C table of every checksum in the format.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrFormat is wrapped by every error about a memory that does not hold a
// valid layout.
var ErrFormat = errors.New("stable: not a valid stable-memory image")

// extent is a run of whole memory pages.
type extent struct{ start, count uint64 }

// entry is one file in the directory.
type entry struct {
	name    string
	size    int64
	extents []extent
}

func (e *entry) capacity() uint64 {
	var n uint64
	for _, x := range e.extents {
		n += x.count
	}
	return n * PageSize
}

// memOffset maps a file offset to a memory offset and how many bytes are
// contiguous from there (within the extent).
func (e *entry) memOffset(off uint64) (uint64, uint64, bool) {
	for _, x := range e.extents {
		n := x.count * PageSize
		if off < n {
			return x.start*PageSize + off, n - off, true
		}
		off -= n
	}
	return 0, 0, false
}

// directory is the set of files and the generation of the last commit.
type directory struct {
	generation uint64
	files      []*entry
}

func (d *directory) clone() directory {
	c := directory{generation: d.generation, files: make([]*entry, len(d.files))}
	for i, e := range d.files {
		ce := *e
		ce.extents = slices.Clone(e.extents)
		c.files[i] = &ce
	}
	return c
}

func (d *directory) find(name string) *entry {
	if i := d.index(name); i >= 0 {
		return d.files[i]
	}
	return nil
}

func (d *directory) index(name string) int {
	return slices.IndexFunc(d.files, func(e *entry) bool { return e.name == name })
}

// encode returns the superblock: the header, the directory, and a CRC-32C
// of both in the last 4 bytes.
func (d *directory) encode() []byte {
	b := make([]byte, BlockSize)
	copy(b, magic)
	binary.LittleEndian.PutUint32(b[16:], FormatVersion)
	binary.LittleEndian.PutUint32(b[20:], BlockSize)
	binary.LittleEndian.PutUint32(b[24:], PageSize)
	binary.LittleEndian.PutUint32(b[28:], uint32(len(d.files)))
	binary.LittleEndian.PutUint64(b[32:], d.generation)
	for i, e := range d.files {
		p := b[headerSize+i*entrySize:]
		copy(p[:maxName], e.name)
		binary.LittleEndian.PutUint64(p[64:], uint64(e.size))
		binary.LittleEndian.PutUint32(p[72:], uint32(len(e.extents)))
		for k, x := range e.extents {
			binary.LittleEndian.PutUint64(p[80+16*k:], x.start)
			binary.LittleEndian.PutUint64(p[88+16*k:], x.count)
		}
	}
	binary.LittleEndian.PutUint32(b[checksumAt:], crc32.Checksum(b[:checksumAt], castagnoli))
	return b
}

// decodeDirectory parses and validates the superblock of a memory of
// memPages pages.
func decodeDirectory(b []byte, memPages uint64) (directory, error) {
	if string(b[:12]) != magic[:12] {
		return directory{}, fmt.Errorf("%w: no superblock (bad magic)", ErrFormat)
	}
	if v := binary.LittleEndian.Uint32(b[16:]); v != FormatVersion {
		return directory{}, fmt.Errorf("%w: format version %d; this build reads version %d only", ErrFormat, v, FormatVersion)
	}
	if crc32.Checksum(b[:checksumAt], castagnoli) != binary.LittleEndian.Uint32(b[checksumAt:]) {
		return directory{}, fmt.Errorf("%w: superblock checksum mismatch", ErrFormat)
	}
	if binary.LittleEndian.Uint32(b[20:]) != BlockSize || binary.LittleEndian.Uint32(b[24:]) != PageSize {
		return directory{}, fmt.Errorf("%w: unexpected block or page size", ErrFormat)
	}
	d := directory{generation: binary.LittleEndian.Uint64(b[32:])}
	n := int(binary.LittleEndian.Uint32(b[28:]))
	if n > maxFiles {
		return directory{}, fmt.Errorf("%w: %d files in the directory (at most %d)", ErrFormat, n, maxFiles)
	}
	var used []extent
	for i := range n {
		p := b[headerSize+i*entrySize:]
		name := string(p[:maxName])
		if k := slices.Index(p[:maxName], 0); k >= 0 {
			name = string(p[:k])
		}
		e := &entry{name: name, size: int64(binary.LittleEndian.Uint64(p[64:]))}
		nx := int(binary.LittleEndian.Uint32(p[72:]))
		if name == "" || nx > maxExtents || e.size < 0 {
			return directory{}, fmt.Errorf("%w: bad directory entry %d", ErrFormat, i)
		}
		if d.find(name) != nil {
			return directory{}, fmt.Errorf("%w: file %q twice in the directory", ErrFormat, name)
		}
		for k := range nx {
			x := extent{binary.LittleEndian.Uint64(p[80+16*k:]), binary.LittleEndian.Uint64(p[88+16*k:])}
			if x.start < firstPage || x.count == 0 || x.start+x.count < x.start || x.start+x.count > memPages {
				return directory{}, fmt.Errorf("%w: file %q has an extent outside the memory", ErrFormat, name)
			}
			for _, u := range used {
				if x.start < u.start+u.count && u.start < x.start+x.count {
					return directory{}, fmt.Errorf("%w: file %q overlaps another file", ErrFormat, name)
				}
			}
			used = append(used, x)
			e.extents = append(e.extents, x)
		}
		if uint64(e.size) > e.capacity() {
			return directory{}, fmt.Errorf("%w: file %q is larger than its extents", ErrFormat, name)
		}
		d.files = append(d.files, e)
	}
	return d, nil
}
