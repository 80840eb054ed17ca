package driver

import "github.com/stablesqlite/stablesqlite/internal/sqlite"

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
	ErrError      = sqlite.ErrError
	ErrInternal   = sqlite.ErrInternal
	ErrPerm       = sqlite.ErrPerm
	ErrAbort      = sqlite.ErrAbort
	ErrBusy       = sqlite.ErrBusy
	ErrLocked     = sqlite.ErrLocked
	ErrNoMem      = sqlite.ErrNoMem
	ErrReadOnly   = sqlite.ErrReadOnly
	ErrInterrupt  = sqlite.ErrInterrupt
	ErrIOErr      = sqlite.ErrIOErr
	ErrCorrupt    = sqlite.ErrCorrupt
	ErrNotFound   = sqlite.ErrNotFound
	ErrFull       = sqlite.ErrFull
	ErrCantOpen   = sqlite.ErrCantOpen
	ErrProtocol   = sqlite.ErrProtocol
	ErrSchema     = sqlite.ErrSchema
	ErrTooBig     = sqlite.ErrTooBig
	ErrConstraint = sqlite.ErrConstraint
	ErrMismatch   = sqlite.ErrMismatch
	ErrMisuse     = sqlite.ErrMisuse
	ErrRange      = sqlite.ErrRange
	ErrNotADB     = sqlite.ErrNotADB
)

// Extended result codes users commonly test for.
const (
	ErrConstraintCheck      = sqlite.ErrConstraintCheck
	ErrConstraintForeignKey = sqlite.ErrConstraintForeignKey
	ErrConstraintNotNull    = sqlite.ErrConstraintNotNull
	ErrConstraintPrimaryKey = sqlite.ErrConstraintPrimaryKey
	ErrConstraintUnique     = sqlite.ErrConstraintUnique
	ErrBusySnapshot         = sqlite.ErrBusySnapshot
	ErrReadOnlyDBMoved      = sqlite.ErrReadOnlyDBMoved
	ErrIOErrShortRead       = sqlite.ErrIOErrShortRead
)
