package stable

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/locking"
	"github.com/stablesqlite/stablesqlite/backend/memstore"
	"github.com/stablesqlite/stablesqlite/backend/shm"
)

// DefaultBatchBudget is how many bytes of changed blocks one atomic batch
// may hold before SQLite is sent back to a rollback journal.
const DefaultBatchBudget = 256 << 20

// ErrBatchTooLarge makes SQLite fall back from an atomic batch to its
// rollback journal (it is an I/O error to SQLite, which is what triggers
// the fallback).
var ErrBatchTooLarge = errors.New("stable: atomic batch exceeds its budget")

// Backend stores SQLite's files in a Memory. Writes collect in an overlay
// of changed 4 KiB blocks and reach the memory together, atomically, at a
// commit point: the end of SQLite's atomic batch (a transaction's commit),
// a sync, or the release of a write lock. Nothing is ever half-written, so
// SQLite needs no rollback journal: the volumes declare batch-atomic writes.
//
// Messages: outside an explicit scope every commit point ends a message (as
// a plain SQLite transaction is one message on the platform). Inside
// BeginMessage ... CommitMessage the commit points are held back and the
// whole message lands at once; Trap drops it. BeginQuery opens a message
// whose writes are always dropped.
type Backend struct {
	mu     sync.Mutex
	mem    Memory // nil until a deferred backend is first used
	opener func() (Memory, error)
	budget int

	dir      directory // as committed in the memory
	work     directory // dir plus the uncommitted changes
	size     uint64    // committed memory size, pages
	workSize uint64    // size the next commit grows to
	overlay  map[uint64][]byte
	blocks   blockSlab // where overlay blocks come from
	dirDirty bool
	inBatch  bool
	batcher  *volume    // the volume whose batch is open
	sp       *savepoint // state at the start of SQLite's atomic batch
	msg      msgKind    // the explicit scope, if any
	meter    meter

	open map[string]*openFile // process-side state of each file, by name
}

// openFile is what the process keeps about one file besides its bytes:
// SQLite's locks, its WAL index, and how many volumes have it open.
type openFile struct {
	lock  locking.File
	shm   shm.File
	opens int
}

type msgKind int

const (
	noMessage msgKind = iota
	updateMessage
	queryMessage
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

// ErrMessage is returned for a message call out of order.
var ErrMessage = errors.New("stable: message scope misuse")

// New opens the stable backend on mem: an empty memory is formatted, and
// anything else must hold a valid layout, or New fails with an error
// wrapping ErrFormat.
func New(mem Memory) (*Backend, error) {
	b := newBackend(nil)
	if err := b.attach(mem); err != nil {
		return nil, err
	}
	return b, nil
}

// Deferred returns a stable backend that opens its memory with open when
// it is first used (SQLite opens a file, a message begins, ...), not now:
// what sql.Open makes from a DSN must only be checked, and the memory (an
// image file, say) is opened by the first connection. If open fails, the
// use that needed it fails, and the next use tries again.
func Deferred(open func() (Memory, error)) *Backend { return newBackend(open) }

func newBackend(open func() (Memory, error)) *Backend {
	return &Backend{opener: open, budget: DefaultBatchBudget, overlay: map[uint64][]byte{},
		open: map[string]*openFile{}, meter: newMeter()}
}

// attach formats mem if it is empty, or loads its layout.
func (b *Backend) attach(mem Memory) error {
	b.mem, b.size = mem, mem.Size()
	if b.size == 0 {
		b.workSize = firstPage
		b.dirDirty = true
		if err := b.commit(); err != nil {
			b.mem = nil
			return fmt.Errorf("stable: formatting the memory: %w", err)
		}
		b.meter.end(false) // formatting is a message of its own
		return nil
	}
	if err := b.load(); err != nil {
		b.mem = nil
		return err
	}
	return nil
}

// ready opens the memory of a deferred backend, if that has not been
// done; b.mu is held.
func (b *Backend) ready() error {
	if b.mem != nil {
		return nil
	}
	if b.opener == nil {
		return errors.New("stable: the backend has no memory")
	}
	mem, err := b.opener()
	if err != nil {
		return backend.OutOfSpace(err)
	}
	if err := b.attach(mem); err != nil {
		if c, ok := mem.(Closer); ok {
			c.Close()
		}
		return err
	}
	return nil
}

// load reads the committed directory from the memory: the superblock is
// the only read reopening needs.
func (b *Backend) load() error {
	b.size = b.mem.Size()
	buf := make([]byte, BlockSize)
	b.meter.read(0, BlockSize)
	if err := b.mem.ReadAt(buf, 0); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	d, err := decodeDirectory(buf, b.size)
	if err != nil {
		return err
	}
	b.dir = d
	b.work, b.workSize = b.dir.clone(), b.size
	return nil
}

// DefaultPragmas turns off SQLite's cache spill: a transaction's pages stay
// in SQLite's cache until it commits, as the platform holds a message's
// writes, so a transaction that is rolled back never touches the memory.
// A connection can turn it back on (PRAGMA cache_spill=ON) to bound its
// cache; large transactions then spill through a rollback journal.
func (b *Backend) DefaultPragmas() []string { return []string{"PRAGMA cache_spill=OFF"} }

// SetBatchBudget sets how many bytes one atomic batch may change before
// SQLite falls back to a journal.
func (b *Backend) SetBatchBudget(bytes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.budget = bytes
}

// Memory returns the backend's memory (nil for a deferred backend not used
// yet).
func (b *Backend) Memory() Memory {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mem
}

// FileInfo describes one file of the layout.
type FileInfo struct {
	Name    string
	Size    int64
	Extents [][2]uint64 // [first page, page count]
}

// Files lists the committed files of the layout.
func (b *Backend) Files() []FileInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ready() != nil {
		return nil
	}
	var out []FileInfo
	for _, e := range b.dir.files {
		fi := FileInfo{Name: e.name, Size: e.size}
		for _, x := range e.extents {
			fi.Extents = append(fi.Extents, [2]uint64{x.start, x.count})
		}
		out = append(out, fi)
	}
	return out
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

// BeginMessage opens an explicit message: the commit points of every
// connection of this backend are held back until CommitMessage or Trap.
func (b *Backend) BeginMessage() error { return b.begin(updateMessage) }

// BeginQuery opens a query message, whose writes Trap or EndQuery always
// drop.
func (b *Backend) BeginQuery() error { return b.begin(queryMessage) }

func (b *Backend) begin(kind msgKind) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return err
	}
	if b.msg != noMessage {
		return fmt.Errorf("%w: a message is already open", ErrMessage)
	}
	defer b.meter.begin()
	if b.inBatch {
		return fmt.Errorf("%w: a transaction is committing", ErrMessage)
	}
	// What an earlier implicit message left (it cannot, but a failed sync
	// might) is committed first, so the message holds only its own work.
	if err := b.commit(); err != nil {
		return err
	}
	b.msg = kind
	return nil
}

// CommitMessage lands the message's writes, all of them or none; on error
// the message has trapped.
func (b *Backend) CommitMessage() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.msg != updateMessage {
		return fmt.Errorf("%w: no update message is open", ErrMessage)
	}
	b.msg = noMessage
	if err := b.commit(); err != nil {
		return err
	}
	b.meter.end(false)
	return nil
}

// Trap drops everything written since the message began; the memory is
// exactly as the last commit left it. Connections must drop what they
// cached (the driver's Message helper does it).
func (b *Backend) Trap() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msg = noMessage
	b.revert()
}

// EndQuery ends a query message, dropping its writes.
func (b *Backend) EndQuery() { b.Trap() }

// SetCosts sets the charges the meter counts.
func (b *Backend) SetCosts(c Costs) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meter.costs = c
}

// EnforceLimits makes every message fail cleanly (SQLITE_FULL, wrapping
// ErrLimit) when it passes l; nil stops enforcing.
func (b *Backend) EnforceLimits(l *Limits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meter.limits = l
}

// AddInstructions implements backend.InstructionMeter: the guest's
// instructions count towards the message under way, and its limit.
func (b *Backend) AddInstructions(n uint64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meter.cur.Instructions += n
	return b.meter.instructionsLeft()
}

// Meter holds the counters of the message under way, of the last message
// that ended, and of all of them since the backend was opened.
type Meter struct {
	Current, Last, Total Stats
}

// Stats returns the counters.
func (b *Backend) Stats() Meter {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, last, total := b.meter.snapshot()
	return Meter{Current: cur, Last: last, Total: total}
}

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

// Open implements backend.Backend.
func (b *Backend) Open(name string, flags backend.OpenFlags) (backend.Volume, backend.OpenFlags, error) {
	if name == "" {
		// A temporary file lives only as long as its connection has it
		// open: it has no place in the memory, which outlives processes.
		return memstore.NewTemp(), flags, nil
	}
	if len(name) > maxName {
		return nil, 0, fmt.Errorf("stable: file name %q is longer than %d bytes", name, maxName)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return nil, 0, err
	}
	e := b.work.find(name)
	switch {
	case e == nil && flags&backend.OpenCreate == 0:
		return nil, 0, fmt.Errorf("stable: %q: %w", name, backend.ErrNotFound)
	case e != nil && flags&backend.OpenExclusive != 0:
		return nil, 0, fmt.Errorf("stable: %q already exists", name)
	case e == nil:
		if len(b.work.files) == maxFiles {
			return nil, 0, fmt.Errorf("%w: the directory holds at most %d files", backend.ErrFull, maxFiles)
		}
		b.work.files = append(b.work.files, &entry{name: name})
		b.dirDirty = true
		if err := b.commitPoint(); err != nil {
			return nil, 0, err
		}
	}
	of := b.open[name]
	if of == nil {
		of = &openFile{shm: shm.File{Open: shm.Anonymous}}
		b.open[name] = of
	}
	of.opens++
	return &volume{b: b, name: name, lock: of.lock.NewLock(), Handle: of.shm.NewHandle(), of: of,
		readOnly:      flags&backend.OpenReadOnly != 0,
		deleteOnClose: flags&backend.OpenDeleteOnClose != 0}, flags, nil
}

// Delete implements backend.Backend.
func (b *Backend) Delete(name string, syncDir bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return err
	}
	return b.delete(name)
}

func (b *Backend) delete(name string) error {
	i := b.work.index(name)
	if i < 0 {
		return fmt.Errorf("stable: %q: %w", name, backend.ErrNotFound)
	}
	// Blocks of the freed extents may still sit in the overlay; they are
	// harmless (written to pages no file owns) but dropping them saves work.
	b.work.files = slices.Delete(b.work.files, i, i+1)
	b.dirDirty = true
	return b.commitPoint()
}

// Access implements backend.Backend.
func (b *Backend) Access(name string, mode backend.AccessMode) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ready(); err != nil {
		return false, err
	}
	e := b.work.find(name)
	if e == nil {
		return false, nil
	}
	return mode != backend.AccessExists || e.size > 0, nil
}

type volume struct {
	*shm.Handle   // WAL index
	b             *Backend
	of            *openFile
	name          string
	lock          *locking.Lock
	readOnly      bool
	deleteOnClose bool
	closed        bool
}

// entry returns the file's working entry, which may have been deleted.
func (v *volume) entry() (*entry, error) {
	e := v.b.work.find(v.name)
	if e == nil {
		return nil, fmt.Errorf("stable: %q was deleted: %w", v.name, backend.ErrNotFound)
	}
	return e, nil
}

func (v *volume) ReadAt(p []byte, off int64) (int, error) {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return 0, err
	}
	return v.b.readFile(e, p, off)
}

func (v *volume) WriteAt(p []byte, off int64) (int, error) {
	if v.readOnly {
		return 0, backend.ErrReadOnly
	}
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return 0, err
	}
	return v.b.writeFile(e, p, off)
}

func (v *volume) Size() (int64, error) {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return 0, err
	}
	return e.size, nil
}

func (v *volume) Truncate(size int64) error {
	if v.readOnly {
		return backend.ErrReadOnly
	}
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	e, err := v.entry()
	if err != nil {
		return err
	}
	if size > e.size {
		if err := v.b.reserve(e, uint64(size)); err != nil {
			return err
		}
		if err := v.b.zeroGap(e, e.size, size); err != nil {
			return err
		}
	}
	e.size = size
	v.b.dirDirty = true
	return nil
}

// Sync is a commit point.
func (v *volume) Sync(backend.SyncFlags) error {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	if v.b.inBatch {
		return nil
	}
	return v.b.commitPoint()
}

// Lock starts a transaction when it takes the first lock: the message
// before it is over.
func (v *volume) Lock(level backend.LockLevel) error {
	if level == backend.LockShared {
		v.b.mu.Lock()
		if v.b.msg == noMessage {
			v.b.meter.begin()
		}
		v.b.mu.Unlock()
	}
	return v.lock.Lock(level)
}

// Unlock from a write lock is a commit point (for writes SQLite made
// without syncing, as with synchronous=OFF); the end of any transaction
// ends the implicit message. The lock is released even when the commit
// fails (its writes are dropped): SQLite counts it released either way,
// and a lock kept would shut every other connection out for good.
func (v *volume) Unlock(level backend.LockLevel) error {
	var err error
	if held := v.lock.Level(); held > backend.LockShared || held > level && level == backend.LockNone {
		v.b.mu.Lock()
		err = v.b.commitPoint()
		v.b.mu.Unlock()
	}
	if uerr := v.lock.Unlock(level); err == nil {
		err = uerr
	}
	return err
}

// CommitPhaseTwo is a commit point: SQLite has finished a transaction.
// Nothing else ends every transaction (with synchronous=OFF, or in WAL mode
// at NORMAL, SQLite does not sync, and in exclusive locking mode or WAL
// mode it does not unlock), so without it a COMMIT could return while its
// writes were still in the overlay, and an image lost them with the
// process.
func (v *volume) CommitPhaseTwo() error {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	return v.b.commitPoint()
}

func (v *volume) CheckReserved() (bool, error) { return v.lock.CheckReserved() }

func (v *volume) DeviceCharacteristics() backend.IOCap {
	return backend.IOCapBatchAtomic | backend.IOCapPowersafeOverwrite | backend.IOCapSafeAppend | backend.IOCapSequential
}

func (v *volume) SectorSize() int { return BlockSize }

// BeginAtomicWrite starts SQLite's batch: what was pending is committed
// first (outside a message), and a savepoint marks where a rollback of the
// batch returns to.
func (v *volume) BeginAtomicWrite() error {
	b := v.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.msg == noMessage {
		// What is pending lands first; the transaction, and its message,
		// go on.
		if err := b.commit(); err != nil {
			return err
		}
	}
	b.inBatch, b.batcher = true, v
	b.sp = &savepoint{work: b.work.clone(), workSize: b.workSize, dirDirty: b.dirDirty, blocks: map[uint64][]byte{}}
	return nil
}

// CommitAtomicWrite ends the batch at a commit point: all of it lands, or
// none (and then the batch is rolled back).
func (v *volume) CommitAtomicWrite() error {
	b := v.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inBatch, b.batcher, b.sp = false, nil, nil
	if b.msg != noMessage {
		return nil
	}
	// The transaction's data lands here; its message ends with the
	// transaction (CommitPhaseTwo, or the lock's release).
	return b.commit()
}

// RollbackAtomicWrite returns to the savepoint: inside a message, the
// message's earlier work stays.
func (v *volume) RollbackAtomicWrite() error {
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	v.b.rollbackBatch()
	return nil
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

// Close releases the volume. A batch it left open (its connection broke in
// the middle of a transaction: the Wasm instance trapped) is rolled back:
// it has no journal to be rolled back from, and left open it held back
// every later commit and then landed with them, half written.
func (v *volume) Close() error {
	if v.closed {
		return nil
	}
	v.closed = true
	v.b.mu.Lock()
	if v.b.inBatch && v.b.batcher == v {
		v.b.rollbackBatch()
	}
	v.b.mu.Unlock()
	err := v.Unlock(backend.LockNone)
	v.b.mu.Lock()
	defer v.b.mu.Unlock()
	v.of.opens--
	if v.deleteOnClose {
		if derr := v.b.delete(v.name); err == nil && !errors.Is(derr, backend.ErrNotFound) {
			err = derr
		}
	}
	return err
}
