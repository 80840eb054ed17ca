package driver

import (
	"github.com/stablesqlite/stablesqlite/internal/rc"
	"github.com/stablesqlite/stablesqlite/internal/sqlite"
)

// ErrorCode is a primary SQLite result code. It is an error, so that
// errors.Is(err, driver.ErrConstraint) asks whether err has that primary
// code.
type ErrorCode = sqlite.ErrorCode

// ExtendedErrorCode is an extended SQLite result code, as errors.Is
// target: errors.Is(err, driver.ErrConstraintUnique).
type ExtendedErrorCode = sqlite.ExtendedErrorCode

// Error is an error reported by SQLite, a struct with the fields Code
// (the primary result code), ExtendedCode, Message (SQLite's), Offset (the
// byte offset in the SQL text of what SQLite blames, -1 for none) and
// Cause (for I/O, full-storage and cannot-open errors, what the backend
// said; errors.Is and errors.As look into it).
type Error = sqlite.Error

// Primary result codes.
const (
	ErrError      = ErrorCode(rc.Error)
	ErrInternal   = ErrorCode(rc.Internal)
	ErrPerm       = ErrorCode(rc.Perm)
	ErrAbort      = ErrorCode(rc.Abort)
	ErrBusy       = ErrorCode(rc.Busy)
	ErrLocked     = ErrorCode(rc.Locked)
	ErrNoMem      = ErrorCode(rc.NoMem)
	ErrReadOnly   = ErrorCode(rc.ReadOnly)
	ErrInterrupt  = ErrorCode(rc.Interrupt)
	ErrIOErr      = ErrorCode(rc.IOErr)
	ErrCorrupt    = ErrorCode(rc.Corrupt)
	ErrNotFound   = ErrorCode(rc.NotFound)
	ErrFull       = ErrorCode(rc.Full)
	ErrCantOpen   = ErrorCode(rc.CantOpen)
	ErrProtocol   = ErrorCode(rc.Protocol)
	ErrSchema     = ErrorCode(rc.Schema)
	ErrTooBig     = ErrorCode(rc.TooBig)
	ErrConstraint = ErrorCode(rc.Constraint)
	ErrMismatch   = ErrorCode(rc.Mismatch)
	ErrMisuse     = ErrorCode(rc.Misuse)
	ErrRange      = ErrorCode(rc.Range)
	ErrNotADB     = ErrorCode(rc.NotADB)
)

// Extended result codes users commonly test for.
const (
	ErrConstraintCheck      = ExtendedErrorCode(rc.ConstraintCheck)
	ErrConstraintForeignKey = ExtendedErrorCode(rc.ConstraintForeignKey)
	ErrConstraintNotNull    = ExtendedErrorCode(rc.ConstraintNotNull)
	ErrConstraintPrimaryKey = ExtendedErrorCode(rc.ConstraintPrimaryKey)
	ErrConstraintUnique     = ExtendedErrorCode(rc.ConstraintUnique)
	ErrBusySnapshot         = ExtendedErrorCode(rc.BusySnapshot)
	ErrReadOnlyDBMoved      = ExtendedErrorCode(rc.ReadOnlyDBMoved)
	ErrIOErrShortRead       = ExtendedErrorCode(rc.IOErrShortRead)
)
