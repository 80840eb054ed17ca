package driver

import (
	"fmt"
	"strconv"
)

// ErrorCode is a primary SQLite result code. It is an error, so that
// errors.Is(err, driver.ErrConstraint) asks whether err has that primary
// code.
type ErrorCode int

// ExtendedErrorCode is an extended SQLite result code, as errors.Is
// target: errors.Is(err, driver.ErrConstraintUnique).
type ExtendedErrorCode int

// Primary result codes.
const (
	ErrError      ErrorCode = 1
	ErrInternal   ErrorCode = 2
	ErrPerm       ErrorCode = 3
	ErrAbort      ErrorCode = 4
	ErrBusy       ErrorCode = 5
	ErrLocked     ErrorCode = 6
	ErrNoMem      ErrorCode = 7
	ErrReadOnly   ErrorCode = 8
	ErrInterrupt  ErrorCode = 9
	ErrIOErr      ErrorCode = 10
	ErrCorrupt    ErrorCode = 11
	ErrNotFound   ErrorCode = 12
	ErrFull       ErrorCode = 13
	ErrCantOpen   ErrorCode = 14
	ErrProtocol   ErrorCode = 15
	ErrSchema     ErrorCode = 17
	ErrTooBig     ErrorCode = 18
	ErrConstraint ErrorCode = 19
	ErrMismatch   ErrorCode = 20
	ErrMisuse     ErrorCode = 21
	ErrRange      ErrorCode = 25
	ErrNotADB     ErrorCode = 26
)

// Extended result codes users commonly test for.
const (
	ErrConstraintCheck      ExtendedErrorCode = 275
	ErrConstraintForeignKey ExtendedErrorCode = 787
	ErrConstraintNotNull    ExtendedErrorCode = 1299
	ErrConstraintPrimaryKey ExtendedErrorCode = 1555
	ErrConstraintUnique     ExtendedErrorCode = 2067
	ErrBusySnapshot         ExtendedErrorCode = 517
	ErrReadOnlyDBMoved      ExtendedErrorCode = 1032
	ErrIOErrShortRead       ExtendedErrorCode = 522
)

func (c ErrorCode) Error() string { return "sqlite: result code " + strconv.Itoa(int(c)) }
func (c ExtendedErrorCode) Error() string {
	return "sqlite: extended result code " + strconv.Itoa(int(c))
}

// Code returns the primary code of an extended code.
func (c ExtendedErrorCode) Code() ErrorCode { return ErrorCode(c & 0xff) }

// Error is an error reported by SQLite.
type Error struct {
	Code         ErrorCode         // primary result code
	ExtendedCode ExtendedErrorCode // extended result code
	Message      string            // SQLite's message
	// Offset is the byte offset, in the SQL text of the statement that
	// failed, of what SQLite blames (a syntax error's token, an unknown
	// column), or -1 when it names none.
	Offset int
	// Cause is what the storage backend reported, for I/O, full-storage
	// and cannot-open errors; errors.Is and errors.As look into it.
	Cause error
}

func newError(code int32, msg string) *Error {
	return &Error{Code: ErrorCode(code & 0xff), ExtendedCode: ExtendedErrorCode(code), Message: msg, Offset: -1}
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("sqlite: %s (%d): %v", e.Message, e.ExtendedCode, e.Cause)
	}
	return fmt.Sprintf("sqlite: %s (%d)", e.Message, e.ExtendedCode)
}

// Unwrap returns the backend's error, if any.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is e's primary or extended code.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case ErrorCode:
		return e.Code == t
	case ExtendedErrorCode:
		return e.ExtendedCode == t
	}
	return false
}
