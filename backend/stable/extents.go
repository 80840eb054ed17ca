package stable

// File data: each file's bytes are in extents of the memory, read through
// the overlay, written into it, and allocated from the free pages.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/stablesqlite/stablesqlite/backend"
)

// readBlock reads the current content of one block: the overlay's, or the
// memory's (zeros past the committed end).
func (b *Backend) readBlock(blk uint64, p []byte, from uint64) error {
	if o := b.overlay[blk]; o != nil {
		copy(p, o[from:])
		return nil
	}
	if blk >= b.size*blocksPerPage {
		clear(p)
		return nil
	}
	if err := b.meter.read(blk*BlockSize+from, uint64(len(p))); err != nil {
		return err
	}
	return b.mem.ReadAt(p, blk*BlockSize+from)
}

func (b *Backend) readFile(e *entry, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stable: negative offset")
	}
	n := 0
	for n < len(p) && off < e.size {
		mo, _, ok := e.memOffset(uint64(off))
		if !ok {
			return n, fmt.Errorf("%w: file %q has no extent at %d", ErrFormat, e.name, off)
		}
		blk, from := mo/BlockSize, mo%BlockSize
		k := int(min(int64(len(p)-n), BlockSize-int64(from), e.size-off))
		if err := b.readBlock(blk, p[n:n+k], from); err != nil {
			return n, err
		}
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (b *Backend) writeFile(e *entry, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("stable: negative offset")
	}
	end := uint64(off) + uint64(len(p))
	if err := b.reserve(e, end); err != nil {
		return 0, err
	}
	if off > e.size {
		if err := b.zeroGap(e, e.size, off); err != nil {
			return 0, err
		}
	}
	return b.put(e, p, off)
}

// zeroGap makes [from, to) of e read as zeros when the file grows over it:
// its pages may have belonged to a deleted or truncated file. Only blocks
// that can hold data are written: those of the committed memory and those
// in the overlay; the rest (new pages at the end) read as zeros already, so
// the work follows what is there, not the size of the gap.
func (b *Backend) zeroGap(e *entry, from, to int64) error {
	committedEnd := b.size * PageSize
	var zeros [BlockSize]byte
	zero := func(n, fileOff uint64) error { // n bytes within one block
		_, err := b.put(e, zeros[:n], int64(fileOff))
		return err
	}
	for off := uint64(from); off < uint64(to); {
		mo, run, ok := e.memOffset(off)
		if !ok {
			return fmt.Errorf("stable: file %q has no extent at %d", e.name, off)
		}
		end := mo + min(run, uint64(to)-off) // this segment is memory [mo, end)
		for at := mo; at < min(end, committedEnd); {
			n := min(BlockSize-at%BlockSize, end-at)
			if err := zero(n, off+(at-mo)); err != nil {
				return err
			}
			at += n
		}
		// Dirty blocks past the committed memory: walk the segment's blocks
		// or the overlay, whichever is shorter.
		if lo := max(mo, committedEnd); lo < end {
			first, last := lo/BlockSize, (end-1)/BlockSize
			visit := func(blk uint64) error {
				if b.overlay[blk] == nil || blk < first || blk > last {
					return nil
				}
				start, stop := max(blk*BlockSize, lo), min((blk+1)*BlockSize, end)
				return zero(stop-start, off+(start-mo))
			}
			if last-first < uint64(len(b.overlay)) {
				for blk := first; blk <= last; blk++ {
					if err := visit(blk); err != nil {
						return err
					}
				}
			} else {
				for blk := range b.overlay {
					if err := visit(blk); err != nil {
						return err
					}
				}
			}
		}
		off += end - mo
	}
	return nil
}

// put writes p at off through the overlay; the extents are reserved.
func (b *Backend) put(e *entry, p []byte, off int64) (int, error) {
	end := uint64(off) + uint64(len(p))
	for n := 0; n < len(p); {
		mo, _, _ := e.memOffset(uint64(off))
		blk, from := mo/BlockSize, mo%BlockSize
		o := b.overlay[blk]
		if b.sp != nil {
			if _, saved := b.sp.blocks[blk]; !saved {
				b.sp.blocks[blk] = bytes.Clone(o) // nil stays nil: not in the overlay
			}
		}
		if o == nil {
			if b.inBatch && (len(b.overlay)+1)*BlockSize > b.budget {
				return n, ErrBatchTooLarge
			}
			o = b.blocks.next()
			if err := b.readBlock(blk, o, 0); err != nil {
				return n, err
			}
			b.overlay[blk] = o
		}
		k := copy(o[from:], p[n:])
		n += k
		off += int64(k)
	}
	if int64(end) > e.size {
		e.size = int64(end)
		b.dirDirty = true
	}
	return len(p), nil
}

// maxFileSize is the largest file the backend keeps: SQLite's largest
// database (2^32 pages of 64 KiB).
const maxFileSize = 1 << 48

// reserve makes e's extents cover size bytes. A file grows in place when
// the pages after its last extent are free or at the end of the memory, and
// otherwise gets a new extent at least as large as what it has, so that a
// file has few extents (at most maxExtents).
func (b *Backend) reserve(e *entry, size uint64) error {
	if size > maxFileSize {
		return fmt.Errorf("%w: file %q cannot grow to %d bytes (at most %d)", backend.ErrFull, e.name, size, uint64(maxFileSize))
	}
	have := e.capacity() / PageSize
	need := (size + PageSize - 1) / PageSize
	if need <= have {
		return nil
	}
	more := need - have
	b.dirDirty = true
	if n := len(e.extents); n > 0 {
		last := &e.extents[n-1]
		after := last.start + last.count
		if after == b.workSize {
			last.count += more
			b.workSize += more
			return nil
		}
		if b.freeRun(after) >= more {
			last.count += more
			return nil
		}
	}
	if len(e.extents) == maxExtents {
		return fmt.Errorf("%w: file %q would need more than %d extents", backend.ErrFull, e.name, maxExtents)
	}
	want := max(more, have) // geometric growth keeps extents few
	start, ok := b.findFree(want)
	if !ok {
		if start, ok = b.findFree(more); !ok {
			start = b.workSize
			want = more
			b.workSize += more
		} else {
			want = more
		}
	}
	e.extents = append(e.extents, extent{start, want})
	return nil
}

// freeRun returns how many free pages start at page p (before the end).
func (b *Backend) freeRun(p uint64) uint64 {
	next := b.workSize
	for _, f := range b.work.files {
		for _, x := range f.extents {
			if x.start+x.count > p && x.start <= p {
				return 0
			}
			if x.start > p {
				next = min(next, x.start)
			}
		}
	}
	return next - p
}

// findFree finds a free run of n pages below the end of the memory.
func (b *Backend) findFree(n uint64) (uint64, bool) {
	var used []extent
	for _, f := range b.work.files {
		used = append(used, f.extents...)
	}
	slices.SortFunc(used, func(x, y extent) int { return int(x.start) - int(y.start) })
	at := uint64(firstPage)
	for _, x := range used {
		if x.start-at >= n {
			return at, true
		}
		at = max(at, x.start+x.count)
	}
	return 0, false
}
