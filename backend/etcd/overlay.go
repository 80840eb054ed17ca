package etcd

import (
	"io"
	"slices"
)

// overlay holds a file's writes until they commit, as whole blocks over a
// committed state (base). Nothing reaches etcd before the commit, which
// puts all of them at once (commit.go); a rolled-back batch just drops the
// overlay. Its fields are guarded by the file's mu.
type overlay struct {
	base   view
	blocks map[uint64][]byte // changed blocks, whole
	size   int64
	// cut is the least size the file had since base: committed blocks from
	// ceil(cut/BlockSize) on were cut off and read as zeros.
	cut int64
}

func newOverlay(base view) *overlay {
	return &overlay{base: base, blocks: map[uint64][]byte{}, size: base.head.size, cut: base.head.size}
}

func blocksFor(size int64) uint64 { return uint64((size + BlockSize - 1) / BlockSize) }

// committedBlock reports whether block blk still reads from the base state
// (and not as zeros) when it is not in the overlay.
func (o *overlay) committedBlock(blk uint64) bool {
	return blk < blocksFor(o.cut) && blk < blocksFor(o.base.head.size)
}

// ensureOverlay returns f's overlay, creating it over base.
func (f *file) ensureOverlay(base func() (view, error)) (*overlay, error) {
	f.mu.Lock()
	ov := f.ov
	f.mu.Unlock()
	if ov != nil {
		return ov, nil
	}
	b, err := base()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ov == nil {
		f.ov = newOverlay(b)
	}
	return f.ov, nil
}

// overlayBlock returns the overlay's copy of block blk, reading it from the
// base state first unless whole is set (the caller overwrites all of it).
func (f *file) overlayBlock(ov *overlay, blk uint64, whole bool) ([]byte, error) {
	f.mu.Lock()
	buf, committed := ov.blocks[blk], ov.committedBlock(blk)
	f.mu.Unlock()
	if buf != nil {
		return buf, nil
	}
	buf = make([]byte, BlockSize)
	if !whole && committed {
		if err := f.block(ov.base, blk, buf); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if have := ov.blocks[blk]; have != nil {
		return have, nil
	}
	ov.blocks[blk] = buf
	return buf, nil
}

// writeOverlay writes p at off into the overlay.
func (f *file) writeOverlay(ov *overlay, p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		at := off + int64(n)
		blk, from := uint64(at/BlockSize), int(at%BlockSize)
		k := min(len(p)-n, BlockSize-from)
		buf, err := f.overlayBlock(ov, blk, from == 0 && k == BlockSize)
		if err != nil {
			return n, err
		}
		f.mu.Lock()
		copy(buf[from:], p[n:n+k])
		f.mu.Unlock()
		n += k
	}
	f.mu.Lock()
	ov.size = max(ov.size, off+int64(len(p)))
	f.mu.Unlock()
	return n, nil
}

// truncateOverlay sets the overlay's size: blocks past it are dropped, and
// the bytes of the last block past it zeroed, so that growing again reads
// zeros.
func (f *file) truncateOverlay(ov *overlay, size int64) error {
	f.mu.Lock()
	shrink := size < ov.size
	f.mu.Unlock()
	if shrink && size%BlockSize != 0 {
		if _, err := f.overlayBlock(ov, uint64(size/BlockSize), false); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if shrink {
		keep := blocksFor(size)
		for blk := range ov.blocks {
			if blk >= keep {
				delete(ov.blocks, blk)
			}
		}
		if size%BlockSize != 0 {
			clear(ov.blocks[uint64(size/BlockSize)][size%BlockSize:])
		}
		ov.cut = min(ov.cut, size)
	}
	ov.size = size
	return nil
}

// readOverlay reads p at off through the overlay.
func (f *file) readOverlay(ov *overlay, p []byte, off int64) (int, error) {
	f.mu.Lock()
	size := ov.size
	f.mu.Unlock()
	return readBlocks(p, off, size, func(blk uint64, buf []byte) error {
		f.mu.Lock()
		data, committed := ov.blocks[blk], ov.committedBlock(blk)
		if data != nil {
			copy(buf, data)
		}
		f.mu.Unlock()
		switch {
		case data != nil:
			return nil
		case committed:
			return f.block(ov.base, blk, buf)
		}
		clear(buf)
		return nil
	})
}

// readBlocks fills p from offset off of a file of the given size, one
// block at a time through read, with io.ReaderAt's end-of-file rules.
func readBlocks(p []byte, off, size int64, read func(blk uint64, buf []byte) error) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	var buf [BlockSize]byte
	n := 0
	for n < len(p) && off+int64(n) < size {
		at := off + int64(n)
		blk, from := uint64(at/BlockSize), int(at%BlockSize)
		k := int(min(int64(len(p)-n), int64(BlockSize-from), size-at))
		if err := read(blk, buf[:]); err != nil {
			return n, err
		}
		copy(p[n:n+k], buf[from:])
		n += k
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// sortedBlocks lists the overlay's blocks in order.
func (o *overlay) sortedBlocks() []uint64 {
	blks := make([]uint64, 0, len(o.blocks))
	for blk := range o.blocks {
		blks = append(blks, blk)
	}
	slices.Sort(blks)
	return blks
}
