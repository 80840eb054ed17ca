// Package rc holds SQLite's result codes: the one copy that the host side
// of the module's ABI (which returns them to SQLite) and the typed layer
// (which reads them from SQLite) share. A test checks every one against
// the sqlite3.h of the amalgamation the module is built from.
package rc

// Code is an SQLite result code, primary (the low 8 bits) or extended.
type Code int32

// Primary returns the primary code of c.
func (c Code) Primary() Code { return c & 0xff }

// The primary result codes.
const (
	OK         Code = 0
	Error      Code = 1
	Internal   Code = 2
	Perm       Code = 3
	Abort      Code = 4
	Busy       Code = 5
	Locked     Code = 6
	NoMem      Code = 7
	ReadOnly   Code = 8
	Interrupt  Code = 9
	IOErr      Code = 10
	Corrupt    Code = 11
	NotFound   Code = 12
	Full       Code = 13
	CantOpen   Code = 14
	Protocol   Code = 15
	Empty      Code = 16
	Schema     Code = 17
	TooBig     Code = 18
	Constraint Code = 19
	Mismatch   Code = 20
	Misuse     Code = 21
	NoLFS      Code = 22
	Auth       Code = 23
	Format     Code = 24
	Range      Code = 25
	NotADB     Code = 26
	Notice     Code = 27
	Warning    Code = 28
	Row        Code = 100
	Done       Code = 101
)

// The extended result codes the host returns, and those users test for.
const (
	IOErrRead            = IOErr | 1<<8
	IOErrShortRead       = IOErr | 2<<8
	IOErrWrite           = IOErr | 3<<8
	IOErrFsync           = IOErr | 4<<8
	IOErrTruncate        = IOErr | 6<<8
	IOErrFstat           = IOErr | 7<<8
	IOErrUnlock          = IOErr | 8<<8
	IOErrDelete          = IOErr | 10<<8
	IOErrNoMem           = IOErr | 12<<8
	IOErrAccess          = IOErr | 13<<8
	IOErrCheckReserved   = IOErr | 14<<8
	IOErrLock            = IOErr | 15<<8
	IOErrClose           = IOErr | 16<<8
	IOErrShmOpen         = IOErr | 18<<8
	IOErrShmSize         = IOErr | 19<<8
	IOErrShmLock         = IOErr | 20<<8
	IOErrShmMap          = IOErr | 21<<8
	IOErrDeleteNoEnt     = IOErr | 23<<8
	IOErrBeginAtomic     = IOErr | 29<<8
	IOErrCommitAtomic    = IOErr | 30<<8
	IOErrRollbackAtomic  = IOErr | 31<<8
	BusyRecovery         = Busy | 1<<8
	BusySnapshot         = Busy | 2<<8
	BusyTimeout          = Busy | 3<<8
	ReadOnlyDBMoved      = ReadOnly | 4<<8
	ConstraintCheck      = Constraint | 1<<8
	ConstraintForeignKey = Constraint | 3<<8
	ConstraintNotNull    = Constraint | 5<<8
	ConstraintPrimaryKey = Constraint | 6<<8
	ConstraintUnique     = Constraint | 8<<8
)
