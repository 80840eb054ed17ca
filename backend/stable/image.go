package stable

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/fsys"
)

// Image is a Memory persisted in an ordinary file, so that it survives
// process restarts. The file holds exactly the memory's bytes: its length is
// Size()*PageSize, and growing extends it sparsely, so untouched pages cost
// no disk.
//
// Image implements Atomic: Apply is all-or-nothing across a crash at any
// instant, thanks to a redo log kept in a sidecar file (the image path with
// "-redo" appended). Only Apply is crash-atomic: WriteAt writes straight to
// the image file, without the log, and is durable only after the next Sync,
// Apply or Close; a crash during a WriteAt may leave it partly done. Grow
// is durable when it returns.
//
// The log of an Apply holds a header (magic "SSREDO01", record count, new
// size in pages, total length of the log), then each record (offset u64,
// length u32, data), then a trailer holding the CRC-32C of everything
// before it; all integers are little-endian. It is fsynced before the image
// is touched, and emptied once the image is fsynced; OpenImage replays a
// complete log and discards a torn one.
//
// One process at a time has an image open: OpenImage takes an exclusive
// advisory lock (flock) on the file, where the system has one. An Image is meant for one goroutine at a time, but its methods are
// guarded by a mutex.
type Image struct {
	mu   sync.Mutex
	path string
	f    fsys.File // the image
	log  fsys.File // the redo log
	size uint64    // pages
	max  uint64    // pages
	// err, once set, makes every later call fail: an Apply was interrupted
	// after its log became durable (or a sync failed), and only reopening,
	// which replays the log, restores a known state.
	err    error
	closed bool
}

// Redo log layout.
const (
	redoMagic     = "SSREDO01"
	redoHeaderLen = 8 + 8 + 8 + 8 // magic, count, size, total
	redoRecordLen = 8 + 4         // offset, length
	redoTrailer   = 4             // CRC-32C
	// redoMaxData is the largest record; a larger write is split.
	redoMaxData = 1 << 30
)

// imageCrashAfter, when not nil, is consulted by Apply after each step
// ("log-written", "log-synced", "image-written", "image-synced"); if it
// returns true, Apply stops there and returns errSimulatedCrash, leaving
// the files as a crash would. It is a test hook.
var imageCrashAfter func(step string) bool

var errSimulatedCrash = errors.New("stable: simulated crash")

// ErrReopen is wrapped in the errors of an Image that an Apply left in an
// unknown state: its redo log is durable, but the image could not be
// written even on a second try. Every call fails until the image is opened
// again, which finishes the Apply.
var ErrReopen = errors.New("reopen to recover")

// errImageClosed is returned by the methods of a closed Image.
var errImageClosed = fmt.Errorf("stable: image: %w", os.ErrClosed)

// OpenImage opens the image file at path, creating it empty (size 0) if
// missing, as a memory that can grow to maxPages (0: DefaultMaxPages). If
// the redo log beside it holds a complete Apply, OpenImage finishes it; a
// torn log is discarded. A file whose length is not a whole number of
// pages is refused. An existing image larger than maxPages opens, but
// cannot grow.
func OpenImage(path string, maxPages uint64) (*Image, error) {
	return OpenImageFS(fsys.OS, path, maxPages)
}

// OpenImageFS is OpenImage on the file system fs. Over a file system other
// than fsys.OS, nothing keeps another process from opening the image too.
func OpenImageFS(fs fsys.FS, path string, maxPages uint64) (*Image, error) {
	if maxPages == 0 {
		maxPages = DefaultMaxPages
	}
	// Byte offsets must fit in an int64 (os.File's offsets).
	maxPages = min(maxPages, math.MaxInt64/PageSize)

	f, err := fs.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, backend.OutOfSpace(fmt.Errorf("stable: open image: %w", err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stable: open image: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("stable: open image %s: not a regular file", path)
	}
	if osf, ok := f.(*os.File); ok {
		if err := lockExclusive(osf); err != nil {
			f.Close()
			return nil, fmt.Errorf("stable: open image %s: %w", path, err)
		}
	}
	// A length that is not a whole number of pages is refused, unless a
	// redo log is there to mend it: a power cut in an Apply can leave the
	// writes past the old end without the growth.
	if n := st.Size(); n%PageSize != 0 {
		if rst, err := fs.Stat(path + "-redo"); err != nil || rst.Size() == 0 {
			f.Close()
			return nil, errLength(path, n)
		}
	}
	log, err := fs.OpenFile(path+"-redo", os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		f.Close()
		return nil, backend.OutOfSpace(fmt.Errorf("stable: open image redo log: %w", err))
	}
	im := &Image{path: path, f: f, log: log, size: uint64(st.Size()) / PageSize, max: maxPages}
	// Make the directory entries of both files durable (they may just
	// have been created): a log that vanished in a crash with its name
	// would lose a committed Apply.
	dir := filepath.Dir(path)
	if err = fs.SyncDir(dir); err != nil {
		err = fmt.Errorf("stable: sync directory %s: %w", dir, err)
	} else {
		// A redo log that cannot be replayed (a full disk, say) fails the
		// open and stays for the next one: opening the image half-written
		// would let the next write empty the log and make the damage
		// permanent.
		err = im.recover()
	}
	if err == nil {
		if st, err = f.Stat(); err == nil && st.Size()%PageSize != 0 {
			err = errLength(path, st.Size()) // the log did not mend it
		}
	}
	if err != nil {
		f.Close()
		log.Close()
		return nil, backend.OutOfSpace(err)
	}
	return im, nil
}

func errLength(path string, n int64) error {
	return fmt.Errorf("stable: open image %s: length %d is not a whole number of %d-byte pages: truncated or not a stable image",
		path, n, PageSize)
}

// usable reports why the image cannot be used, if it cannot.
func (im *Image) usable() error {
	if im.closed {
		return errImageClosed
	}
	return im.err
}

// Size returns the size in pages.
func (im *Image) Size() uint64 {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.size
}

// Grow adds n zero-filled pages and returns the old size in pages. It fails
// with ErrGrow past the maximum, leaving the size unchanged. The new size
// is durable when Grow returns.
func (im *Image) Grow(n uint64) (uint64, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	old := im.size
	if err := im.usable(); err != nil {
		return old, err
	}
	if n > im.max || old > im.max-n {
		return old, fmt.Errorf("%w (%d + %d > %d pages)", ErrGrow, old, n, im.max)
	}
	if n == 0 {
		return old, nil
	}
	if err := im.f.Truncate(int64(old+n) * PageSize); err != nil {
		// The length is uncertain: refuse further use.
		im.err = fmt.Errorf("stable: grow image %s: %w", im.path, err)
		return old, im.err
	}
	if err := im.f.Sync(); err != nil {
		im.err = fmt.Errorf("stable: sync image %s: %w", im.path, err)
		return old, im.err
	}
	im.size = old + n
	return old, nil
}

// checkRange bounds-checks an access of n bytes at off against a size in pages.
func checkRange(n uint64, off, size uint64) error {
	end := off + n
	if end < off || end > size*PageSize {
		return fmt.Errorf("%w: [%d, %d) of %d bytes", ErrOutOfBounds, off, end, size*PageSize)
	}
	return nil
}

// ReadAt reads len(p) bytes at off; reading past Size() fails with
// ErrOutOfBounds.
func (im *Image) ReadAt(p []byte, off uint64) error {
	im.mu.Lock()
	defer im.mu.Unlock()
	if err := im.usable(); err != nil {
		return err
	}
	if err := checkRange(uint64(len(p)), off, im.size); err != nil {
		return err
	}
	n, err := im.f.ReadAt(p, int64(off))
	if err == io.EOF && n == len(p) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("stable: read image %s: %w", im.path, err)
	}
	return nil
}

// WriteAt writes p at off; writing past Size() fails with ErrOutOfBounds.
// It writes straight to the image file: it is not crash-atomic (use Apply
// for that), and is durable only after the next Sync, Apply or Close.
func (im *Image) WriteAt(p []byte, off uint64) error {
	im.mu.Lock()
	defer im.mu.Unlock()
	if err := im.usable(); err != nil {
		return err
	}
	if err := checkRange(uint64(len(p)), off, im.size); err != nil {
		return err
	}
	if _, err := im.f.WriteAt(p, int64(off)); err != nil {
		return fmt.Errorf("stable: write image %s: %w", im.path, err)
	}
	return nil
}

// Sync makes the writes done by WriteAt durable.
func (im *Image) Sync() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	if err := im.usable(); err != nil {
		return err
	}
	if err := im.f.Sync(); err != nil {
		im.err = fmt.Errorf("stable: sync image %s: %w", im.path, err)
		return im.err
	}
	return nil
}

// Close syncs the image and closes its files. After a failed Apply it only
// closes them: the next OpenImage recovers.
func (im *Image) Close() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.closed {
		return errImageClosed
	}
	im.closed = true
	var err error
	if im.err == nil {
		if e := im.f.Sync(); e != nil {
			err = fmt.Errorf("stable: sync image %s: %w", im.path, e)
		}
	}
	if e := im.f.Close(); e != nil && err == nil {
		err = fmt.Errorf("stable: close image %s: %w", im.path, e)
	}
	if e := im.log.Close(); e != nil && err == nil {
		err = fmt.Errorf("stable: close image redo log %s: %w", im.path, e)
	}
	return err
}

// crashAfter consults the test hook.
func crashAfter(step string) bool {
	return imageCrashAfter != nil && imageCrashAfter(step)
}

// Apply grows the memory to size pages (if larger) and performs the
// writes, atomically: after a crash at any instant, OpenImage finds either
// none or all of it. It fails with ErrGrow if size passes the maximum and
// with ErrOutOfBounds if a write passes the new size, touching nothing.
//
// If writing the image fails once the log is durable, Apply does it again
// from the log; if that fails too, the Image refuses further use (errors
// wrap ErrReopen), and reopening it finishes the Apply.
func (im *Image) Apply(size uint64, writes []Write) error {
	im.mu.Lock()
	defer im.mu.Unlock()
	if err := im.usable(); err != nil {
		return err
	}
	newSize := max(size, im.size)
	if newSize > im.size && newSize > im.max {
		return fmt.Errorf("%w (%d > %d pages)", ErrGrow, newSize, im.max)
	}
	empty := true
	for _, w := range writes {
		if err := checkRange(uint64(len(w.Data)), w.Off, newSize); err != nil {
			return err
		}
		if len(w.Data) > 0 {
			empty = false
		}
	}
	if empty && newSize == im.size {
		return nil
	}

	// 0. Room in the image for every write, taken first: on a full disk
	// the Apply then fails here, touching nothing, instead of once its log
	// is durable (the image would refuse use until reopened, and could not
	// be reopened until there was room to replay the log).
	for _, w := range writes {
		if err := allocate(im.f, int64(w.Off), int64(len(w.Data))); err != nil {
			return fmt.Errorf("stable: reserve space in image %s: %w", im.path, err)
		}
	}

	// 1. The log, made durable.
	if err := im.writeLog(newSize, writes); err != nil {
		return im.abandonLog(fmt.Errorf("stable: write image redo log %s: %w", im.path, err))
	}
	if crashAfter("log-written") {
		im.err = errSimulatedCrash
		return errSimulatedCrash
	}
	if err := im.log.Sync(); err != nil {
		return im.abandonLog(fmt.Errorf("stable: sync image redo log %s: %w", im.path, err))
	}
	if crashAfter("log-synced") {
		im.err = errSimulatedCrash
		return errSimulatedCrash
	}

	// 2. The image. A failure is retried once from the durable log (the
	// data written again, not only the sync: after a failed fsync the
	// cache cannot be trusted); if that fails too, the Apply is left for
	// the next OpenImage to finish.
	if what, err := im.writeImage(newSize, writes); err != nil {
		if err == errSimulatedCrash {
			im.err = err
			return err
		}
		if rerr := im.redoFromLog(); rerr != nil {
			im.err = fmt.Errorf("stable: %s image %s: %w: %w (and replaying its redo log: %v)", what, im.path, ErrReopen, err, rerr)
			return im.err
		}
	}
	if crashAfter("image-synced") {
		im.err = errSimulatedCrash
		return errSimulatedCrash
	}
	im.size = newSize

	// 3. Empty the log. If that fails, the Apply is done all the same: the
	// log is complete and replaying it writes what the image holds, until
	// the next Apply starts by emptying it.
	im.emptyLog()
	return nil
}

// writeImage grows the image and performs the writes, then syncs it; it
// says which step failed.
func (im *Image) writeImage(newSize uint64, writes []Write) (string, error) {
	if newSize > im.size {
		if err := im.f.Truncate(int64(newSize) * PageSize); err != nil {
			return "grow", err
		}
	}
	for _, w := range writes {
		if _, err := im.f.WriteAt(w.Data, int64(w.Off)); err != nil {
			return "write", err
		}
	}
	if crashAfter("image-written") {
		return "", errSimulatedCrash
	}
	if err := im.f.Sync(); err != nil {
		return "sync", err
	}
	return "", nil
}

// redoFromLog performs the Apply in the durable log again.
func (im *Image) redoFromLog() error {
	st, err := im.log.Stat()
	if err != nil {
		return err
	}
	l, err := im.scanLog(st.Size())
	if err != nil {
		return err
	}
	return im.redo(l)
}

// abandonLog handles a failure before the log was known durable: the image
// is untouched, and emptying the log makes sure the Apply never happens, as
// its error reports. If the log cannot be emptied, the outcome is unknown
// until reopening.
func (im *Image) abandonLog(err error) error {
	if e := im.emptyLog(); e != nil {
		im.err = fmt.Errorf("%w (and emptying the log failed: %v): %w", err, e, ErrReopen)
		return im.err
	}
	return err
}

// emptyLog truncates the redo log to 0 and syncs it.
func (im *Image) emptyLog() error {
	if err := im.log.Truncate(0); err != nil {
		return err
	}
	return im.log.Sync()
}

// writeLog writes the redo log of an Apply (not synced).
func (im *Image) writeLog(size uint64, writes []Write) error {
	var count, total uint64 = 0, redoHeaderLen + redoTrailer
	for _, w := range writes {
		for n := uint64(len(w.Data)); n > 0; n -= min(n, redoMaxData) {
			count++
			total += redoRecordLen + min(n, redoMaxData)
		}
	}
	if total > math.MaxInt64 {
		return errors.New("batch too large")
	}
	// Start from an empty file: the log's length is then its total.
	if err := im.log.Truncate(0); err != nil {
		return err
	}
	out := bufio.NewWriterSize(io.NewOffsetWriter(im.log, 0), 1<<16)
	crc := crc32.New(castagnoli)
	w := io.MultiWriter(out, crc)

	var hdr [redoHeaderLen]byte
	copy(hdr[:8], redoMagic)
	binary.LittleEndian.PutUint64(hdr[8:], count)
	binary.LittleEndian.PutUint64(hdr[16:], size)
	binary.LittleEndian.PutUint64(hdr[24:], total)
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for _, wr := range writes {
		off, data := wr.Off, wr.Data
		for len(data) > 0 {
			chunk := data[:min(len(data), redoMaxData)]
			var rec [redoRecordLen]byte
			binary.LittleEndian.PutUint64(rec[:8], off)
			binary.LittleEndian.PutUint32(rec[8:], uint32(len(chunk)))
			if _, err := w.Write(rec[:]); err != nil {
				return err
			}
			if _, err := w.Write(chunk); err != nil {
				return err
			}
			off += uint64(len(chunk))
			data = data[len(chunk):]
		}
	}
	var trailer [redoTrailer]byte
	binary.LittleEndian.PutUint32(trailer[:], crc.Sum32())
	if _, err := out.Write(trailer[:]); err != nil {
		return err
	}
	return out.Flush()
}

// redoLog describes a complete, checked redo log.
type redoLog struct {
	count uint64
	size  uint64 // pages
	total int64  // bytes, trailer included
}

// errTornLog marks a redo log that is not complete and intact.
var errTornLog = errors.New("torn redo log")

// torn maps a short read to errTornLog, keeping other errors (I/O).
func torn(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTornLog
	}
	return err
}

// scanLog checks the redo log of length fileLen: errTornLog if it is torn,
// partial, corrupt or garbage, another error if it cannot be read. It never
// trusts a length it has not bounds-checked.
func (im *Image) scanLog(fileLen int64) (redoLog, error) {
	if fileLen < redoHeaderLen+redoTrailer {
		return redoLog{}, errTornLog
	}
	var hdr [redoHeaderLen]byte
	if _, err := im.log.ReadAt(hdr[:], 0); err != nil {
		return redoLog{}, torn(err)
	}
	if string(hdr[:8]) != redoMagic {
		return redoLog{}, errTornLog
	}
	l := redoLog{
		count: binary.LittleEndian.Uint64(hdr[8:]),
		size:  binary.LittleEndian.Uint64(hdr[16:]),
	}
	total := binary.LittleEndian.Uint64(hdr[24:])
	if total < redoHeaderLen+redoTrailer || total > uint64(fileLen) || l.size > math.MaxInt64/PageSize {
		return redoLog{}, errTornLog
	}
	l.total = int64(total)

	// Read everything before the trailer once, hashing it and checking
	// each record's bounds.
	body := l.total - redoTrailer
	crc := crc32.New(castagnoli)
	r := bufio.NewReaderSize(io.TeeReader(io.NewSectionReader(im.log, 0, body), crc), 1<<16)
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return redoLog{}, torn(err)
	}
	left := body - redoHeaderLen
	for i := uint64(0); i < l.count; i++ {
		var rec [redoRecordLen]byte
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return redoLog{}, torn(err)
		}
		left -= redoRecordLen
		off := binary.LittleEndian.Uint64(rec[:8])
		n := binary.LittleEndian.Uint32(rec[8:])
		if int64(n) > left || checkRange(uint64(n), off, l.size) != nil {
			return redoLog{}, errTornLog
		}
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return redoLog{}, torn(err)
		}
		left -= int64(n)
	}
	if left != 0 {
		return redoLog{}, errTornLog // bytes after the last record
	}
	var trailer [redoTrailer]byte
	if _, err := im.log.ReadAt(trailer[:], body); err != nil {
		return redoLog{}, torn(err)
	}
	if binary.LittleEndian.Uint32(trailer[:]) != crc.Sum32() {
		return redoLog{}, errTornLog
	}
	return l, nil
}

// recover finishes the Apply whose log is complete, or discards a torn log.
// Replaying is idempotent, so a crash during recovery is harmless.
func (im *Image) recover() error {
	st, err := im.log.Stat()
	if err != nil {
		return fmt.Errorf("stable: image redo log %s: %w", im.path, err)
	}
	if st.Size() == 0 {
		return nil
	}
	l, err := im.scanLog(st.Size())
	if err == errTornLog {
		// The image was not touched before the log was durable.
		if err := im.emptyLog(); err != nil {
			return fmt.Errorf("stable: discard image redo log %s: %w", im.path, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("stable: read image redo log %s: %w", im.path, err)
	}
	if err := im.redo(l); err != nil {
		return fmt.Errorf("stable: replay image redo log %s: %w", im.path, err)
	}
	if err := im.emptyLog(); err != nil {
		return fmt.Errorf("stable: empty image redo log %s: %w", im.path, err)
	}
	return nil
}

// redo performs a checked redo log on the image and syncs it.
func (im *Image) redo(l redoLog) error {
	if l.size >= im.size { // also mends a torn length (see OpenImageFS)
		if err := im.f.Truncate(int64(l.size) * PageSize); err != nil {
			return err
		}
		im.size = l.size
	}
	r := bufio.NewReaderSize(io.NewSectionReader(im.log, redoHeaderLen, l.total-redoHeaderLen-redoTrailer), 1<<16)
	for i := uint64(0); i < l.count; i++ {
		var rec [redoRecordLen]byte
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return err
		}
		off := binary.LittleEndian.Uint64(rec[:8])
		n := int64(binary.LittleEndian.Uint32(rec[8:]))
		if _, err := io.CopyN(io.NewOffsetWriter(im.f, int64(off)), r, n); err != nil {
			return err
		}
	}
	return im.f.Sync()
}

var (
	_ Memory = (*Image)(nil)
	_ Atomic = (*Image)(nil)
	_ Closer = (*Image)(nil)
)
