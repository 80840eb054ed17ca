package stable

// The overlay and its commit: writes collect in an overlay of changed
// blocks and reach the memory together at a commit point; a batch
// savepoint and revert undo what has not landed.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/stablesqlite/stablesqlite/backend"
)

// savepoint is what a batch rollback restores: the directory, the size,
// and the prior content of every overlay block the batch changed (nil: the
// block was not in the overlay).
type savepoint struct {
	work     directory
	workSize uint64
	dirDirty bool
	blocks   map[uint64][]byte
}

// commitPoint is where SQLite wants its writes durable. Outside an
// explicit message it commits and ends the implicit message; inside one it
// waits for the message to end.
func (b *Backend) commitPoint() error {
	if b.msg != noMessage || b.inBatch {
		return nil
	}
	err := b.commit()
	if err == nil {
		b.meter.end(false)
	}
	return err
}

// commit writes the overlay and the directory to the memory, atomically,
// and makes the working state the committed one (the message goes on: it
// ends where the caller says); on failure the working state is dropped
// (the message traps).
func (b *Backend) commit() error {
	if len(b.overlay) == 0 && !b.dirDirty {
		return nil
	}
	if b.dirDirty {
		b.work.generation++
	}
	writes := b.pendingWrites()
	err := b.meter.checkWrites(writes)
	if err == nil {
		err = b.apply(writes)
	}
	if err != nil {
		b.revert()
		if errors.Is(err, ErrGrow) || errors.Is(err, ErrLimit) {
			return fmt.Errorf("%w: %w", backend.ErrFull, err)
		}
		return backend.OutOfSpace(err)
	}
	b.meter.write(writes)
	if b.workSize > b.size {
		b.meter.grow(b.workSize - b.size)
	}
	b.dir, b.size = b.work.clone(), b.workSize
	clear(b.overlay)
	b.dirDirty = false
	b.meter.cur.Commits++
	return nil
}

// pendingWrites lists the superblock (if the directory changed) and the
// overlay's blocks; adjacent blocks that also lie next to each other in
// memory (see blockSlab) go out as one write, without a copy.
func (b *Backend) pendingWrites() []Write {
	var writes []Write
	if b.dirDirty {
		writes = append(writes, Write{0, b.work.encode()})
	}
	blocks := make([]uint64, 0, len(b.overlay))
	for blk := range b.overlay {
		blocks = append(blocks, blk)
	}
	slices.Sort(blocks)
	for i, blk := range blocks {
		o := b.overlay[blk]
		if last := len(writes) - 1; i > 0 && blk == blocks[i-1]+1 && follows(writes[last].Data, o) {
			writes[last].Data = writes[last].Data[:len(writes[last].Data)+BlockSize]
			continue
		}
		writes = append(writes, Write{blk * BlockSize, o})
	}
	return writes
}

// follows reports whether next starts in memory where data ends, within
// data's capacity.
func follows(data, next []byte) bool {
	return cap(data) > len(data) && &data[:len(data)+1][len(data)] == &next[0]
}

// blockSlab hands out overlay blocks carved in turn from 64 KiB chunks, so
// that blocks dirtied one after the other (a file growing, a run of pages)
// lie next to each other in memory and reach the memory in one write,
// without being copied into one buffer first. A block's capacity runs to its
// chunk's end, for follows; the overlay only ever copies into a block's
// length.
type blockSlab struct{ chunk []byte }

const slabChunk = 16 * BlockSize

func (s *blockSlab) next() []byte {
	if len(s.chunk) == 0 {
		s.chunk = make([]byte, slabChunk)
	}
	b := s.chunk[:BlockSize]
	s.chunk = s.chunk[BlockSize:]
	return b
}

func (b *Backend) apply(writes []Write) error {
	if a, ok := b.mem.(Atomic); ok {
		return a.Apply(b.workSize, writes)
	}
	if b.workSize > b.size {
		if _, err := b.mem.Grow(b.workSize - b.size); err != nil {
			return err
		}
	}
	for _, w := range writes {
		if err := b.mem.WriteAt(w.Data, w.Off); err != nil {
			return err
		}
	}
	return nil
}

// revert drops every uncommitted change and ends the message as trapped.
// The WAL indexes are reset too: one may already list frames of a WAL
// write that is now dropped (in WAL mode at synchronous=NORMAL a
// transaction reaches the memory only after SQLite has indexed its
// frames), and every connection then rebuilds it from the WAL as it is.
func (b *Backend) revert() {
	b.work, b.workSize = b.dir.clone(), b.size
	clear(b.overlay)
	b.dirDirty = false
	b.sp = nil
	b.meter.end(true)
	for _, of := range b.open {
		of.shm.Reset()
	}
}

// rollbackBatch drops the open batch's writes.
func (b *Backend) rollbackBatch() {
	b.inBatch, b.batcher = false, nil
	if sp := b.sp; sp != nil {
		b.work, b.workSize, b.dirDirty = sp.work, sp.workSize, sp.dirDirty
		for blk, old := range sp.blocks {
			if old == nil {
				delete(b.overlay, blk)
			} else {
				b.overlay[blk] = old
			}
		}
		b.sp = nil
	}
}
