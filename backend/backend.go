// Package backend defines the storage interface under stablesqlite: the
// host side of the module's block ABI calls a Backend to open, delete and
// probe files, and a Volume for every byte read, written, synced or locked.
//
// A Backend knows nothing of SQL. It stores the files SQLite asks for (the
// main database, its rollback journal, temporary files) by name, and
// implements SQLite's five-level file locking so that every connection of
// the process (each a Wasm instance with its own memory) sees the others.
// The package locking does that part for any backend.
//
// Errors: return (or wrap) the sentinel errors below where they apply; any
// other error becomes the SQLite I/O error for the operation that failed.
package backend

import (
	"errors"
	"fmt"
	"io"
	"syscall"
)

// OpenFlags are SQLite's SQLITE_OPEN_* bits, with the same values, as they
// reach xOpen.
type OpenFlags uint32

// The open flags a backend may look at.
const (
	OpenReadOnly      OpenFlags = 0x00000001
	OpenReadWrite     OpenFlags = 0x00000002
	OpenCreate        OpenFlags = 0x00000004
	OpenDeleteOnClose OpenFlags = 0x00000008
	OpenExclusive     OpenFlags = 0x00000010
	OpenMainDB        OpenFlags = 0x00000100
	OpenTempDB        OpenFlags = 0x00000200
	OpenTransientDB   OpenFlags = 0x00000400
	OpenMainJournal   OpenFlags = 0x00000800
	OpenTempJournal   OpenFlags = 0x00001000
	OpenSubJournal    OpenFlags = 0x00002000
	OpenSuperJournal  OpenFlags = 0x00004000
	OpenWAL           OpenFlags = 0x00080000
)

// AccessMode is the question xAccess asks.
type AccessMode int

// The xAccess questions.
const (
	AccessExists    AccessMode = 0 // the file exists (a regular file must be non-empty)
	AccessReadWrite AccessMode = 1 // the file can be read and written
	AccessRead      AccessMode = 2 // the file can be read
)

// LockLevel is one of SQLite's file lock levels, in increasing strength.
type LockLevel int

// SQLite's lock levels, with the values of SQLITE_LOCK_*.
const (
	LockNone      LockLevel = 0
	LockShared    LockLevel = 1
	LockReserved  LockLevel = 2
	LockPending   LockLevel = 3
	LockExclusive LockLevel = 4
)

// SyncFlags are the SQLITE_SYNC_* bits.
type SyncFlags int

// The sync flags.
const (
	SyncNormal   SyncFlags = 0x02
	SyncFull     SyncFlags = 0x03
	SyncDataOnly SyncFlags = 0x10
)

// IOCap are SQLite's SQLITE_IOCAP_* device characteristics.
type IOCap uint32

// The device characteristics a backend may declare.
const (
	IOCapAtomic              IOCap = 0x00000001
	IOCapSafeAppend          IOCap = 0x00000200
	IOCapSequential          IOCap = 0x00000400
	IOCapUndeletableWhenOpen IOCap = 0x00000800
	IOCapPowersafeOverwrite  IOCap = 0x00001000
	IOCapImmutable           IOCap = 0x00002000
	IOCapBatchAtomic         IOCap = 0x00004000
)

// Errors a backend returns (or wraps) so that SQLite gets the right code.
var (
	ErrBusy     = errors.New("backend: locked by another connection") // SQLITE_BUSY
	ErrFull     = errors.New("backend: storage is full")              // SQLITE_FULL
	ErrNotFound = errors.New("backend: no such file")                 // SQLITE_CANTOPEN, or DELETE_NOENT
	ErrReadOnly = errors.New("backend: read-only")                    // SQLITE_READONLY / CANTOPEN
)

// Backend stores named files.
type Backend interface {
	// Open opens or creates the file called name. An empty name asks for a
	// private temporary file that disappears when closed. It returns the
	// flags actually granted: a backend may open read-only a file that
	// cannot be written, and says so by returning OpenReadOnly.
	Open(name string, flags OpenFlags) (Volume, OpenFlags, error)
	// Delete removes the file; syncDir asks for the removal to be durable.
	// Deleting a missing file returns ErrNotFound.
	Delete(name string, syncDir bool) error
	// Access answers an xAccess question.
	Access(name string, mode AccessMode) (bool, error)
}

// Volume is one open file.
//
// ReadAt follows io.ReaderAt: a read that reaches the end of the file
// returns the bytes there are and io.EOF. WriteAt past the end extends the
// file. What WriteAt wrote is visible to every other Volume of the file
// when it returns (connections in WAL mode read each other's frames
// without a lock), and a write that cannot be done fails there and then:
// SQLite handles the error of the write that failed, and no other. A Volume is used by one connection at a time, but several Volumes
// of one file are used concurrently.
type Volume interface {
	io.ReaderAt
	io.WriterAt
	// Size returns the file's size in bytes.
	Size() (int64, error)
	// Truncate sets the file's size.
	Truncate(size int64) error
	// Sync makes what was written durable.
	Sync(flags SyncFlags) error
	// Lock raises this volume's lock to level (SQLite never asks for
	// LockPending directly); it returns ErrBusy on conflict.
	Lock(level LockLevel) error
	// Unlock lowers this volume's lock to LockShared or LockNone.
	Unlock(level LockLevel) error
	// CheckReserved reports whether any connection holds a lock above
	// LockShared on the file.
	CheckReserved() (bool, error)
	// Close releases the volume and its locks.
	Close() error
}

// Characteristics is implemented by volumes that declare SQLite device
// characteristics or a sector size other than 4096.
type Characteristics interface {
	DeviceCharacteristics() IOCap
	SectorSize() int
}

// AtomicBatcher is implemented by volumes that declare IOCapBatchAtomic:
// SQLite then writes a transaction's pages between BeginAtomicWrite and
// CommitAtomicWrite (or RollbackAtomicWrite) instead of journaling them.
type AtomicBatcher interface {
	BeginAtomicWrite() error
	CommitAtomicWrite() error
	RollbackAtomicWrite() error
}

// Committer is implemented by volumes that hold writes back: SQLite calls
// CommitPhaseTwo on the main database once a transaction's writes are all
// done, in every journal mode, synchronous setting and locking mode (it is
// the only call that ends every transaction: with synchronous=OFF, or WAL
// at NORMAL, no sync does), and before COMMIT returns, which then fails
// with CommitPhaseTwo's error.
type Committer interface {
	CommitPhaseTwo() error
}

// PragmaDefaulter is implemented by backends that want every connection on
// them to start with some pragmas (run before the user's own).
type PragmaDefaulter interface {
	DefaultPragmas() []string
}

// ShmFlags are SQLite's SQLITE_SHM_* lock flags.
type ShmFlags int

// The shm lock flags.
const (
	ShmUnlock    ShmFlags = 1
	ShmLock      ShmFlags = 2
	ShmShared    ShmFlags = 4
	ShmExclusive ShmFlags = 8
)

// SharedMemory is implemented by volumes of database files that support WAL
// mode: the WAL index, shared by every connection of the file. Package shm
// implements it for any backend.
//
// Every connection is its own Wasm instance and keeps a private copy of each
// region; ShmSync reconciles that copy with the shared regions.
type SharedMemory interface {
	// ShmMap maps region (of size bytes) for this volume; it reports false
	// when the region does not exist and extend is false.
	ShmMap(region, size int, extend bool) (bool, error)
	// ShmLock takes or releases SQLite's shm locks [offset, offset+n);
	// ErrBusy on conflict.
	ShmLock(offset, n int, flags ShmFlags) error
	// ShmSync publishes what changed in private (this connection's copy of
	// region) since the last sync, then copies in what others published.
	ShmSync(region int, private []byte, publish, receive bool)
	// ShmUnmap releases the volume's shm locks and mappings; delete asks
	// for the shared memory to be discarded.
	ShmUnmap(delete bool) error
}

// SizeHinter is implemented by volumes that want to hear how large SQLite
// expects the file to grow.
type SizeHinter interface {
	SizeHint(size int64) error
}

// OutOfSpace returns err wrapped in ErrFull when it says that the file
// system is full (ENOSPC) or the user's quota is spent (EDQUOT), so that
// SQLite reports SQLITE_FULL; any other error as it is.
func OutOfSpace(err error) error {
	if err != nil && !errors.Is(err, ErrFull) && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		return fmt.Errorf("%w: %w", ErrFull, err)
	}
	return err
}
