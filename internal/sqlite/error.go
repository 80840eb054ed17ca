package sqlite

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// ErrorCode is a primary SQLite result code. It is an error, so that
// errors.Is(err, ErrorCode(rc.Constraint)) asks whether err has that
// primary code (package driver names them).
type ErrorCode int

// ExtendedErrorCode is an extended SQLite result code, as errors.Is
// target.
type ExtendedErrorCode int

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
	// and cannot-open errors, or what stopped the host from staging a
	// value; errors.Is and errors.As look into it.
	Cause error
}

func newError(code rc.Code, msg string) *Error {
	return &Error{Code: ErrorCode(code.Primary()), ExtendedCode: ExtendedErrorCode(code), Message: msg, Offset: -1}
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

// ErrBroken is wrapped by every error of a connection whose instance
// trapped (a bug inside SQLite or the host, or the guest's stack
// exhausted): the connection cannot be used any more.
var ErrBroken = guest.ErrBroken

// hostError turns the error of staging something in the guest into SQLite's
// own: the guest's memory too small for it is NOMEM, a value too large
// TOOBIG (the connection goes on after either); anything else is a trap.
func hostError(err error) error {
	var e *Error
	switch {
	case err == nil, errors.As(err, &e):
		return err
	case errors.Is(err, guest.ErrNoMem):
		e := newError(rc.NoMem, "out of memory")
		e.Cause = err
		return e
	case errors.Is(err, guest.ErrTooBig):
		e := newError(rc.TooBig, "string or blob too big")
		e.Cause = err
		return e
	}
	return fmt.Errorf("sqlite: %w", err)
}
