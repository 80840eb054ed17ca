package shell

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
)

// lineSource yields input lines, without their line ends.
type lineSource interface {
	// readLine returns the next line; continued says a statement is
	// under way (a terminal shows the continuation prompt).
	readLine(continued bool) (string, error)
}

// errInterrupted is returned by a terminal's readLine on Ctrl-C: what was
// typed of the statement is dropped.
var errInterrupted = errors.New("interrupted")

// errBail stops the input at the first error (-bail, .bail on).
var errBail = errors.New("bail")

// readerSource reads lines from a file or a pipe.
type readerSource struct{ r *bufio.Reader }

func newReaderSource(r io.Reader) *readerSource { return &readerSource{bufio.NewReaderSize(r, 64<<10)} }

func (s *readerSource) readLine(bool) (string, error) {
	line, err := s.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// processInput reads and runs src to its end, as sqlite3 does: a line
// that starts with a dot, outside a statement, is a dot command; other
// lines gather until SQLite says the statement is complete. It returns
// how many commands failed (each already reported), and errQuit,
// exitError or errBail when one of those ended the input early.
func (sh *shell) processInput(ctx context.Context, src lineSource, from origin) (int, error) {
	var pending strings.Builder
	failed, lineNo, startLine := 0, 0, 0
	// fail counts an error and tells whether to stop.
	fail := func(err error) error {
		failed++
		if sh.bail && from != fromInteractive {
			return errBail
		}
		return nil
	}
	for {
		line, err := src.readLine(pending.Len() > 0)
		if errors.Is(err, errInterrupted) {
			pending.Reset()
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return failed, err
		}
		lineNo++
		if pending.Len() == 0 {
			if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, ".") {
				if sh.echo {
					io.WriteString(sh.out, line+"\n")
				}
				err := sh.dotCommand(ctx, t, from, lineNo)
				sh.flush()
				switch {
				case err == nil:
				case errors.Is(err, errQuit) || errors.As(err, new(exitError)):
					return failed, err
				case errors.Is(err, errBail): // from a .read
					return failed + 1, err
				default:
					sh.reportDot(err)
					if err := fail(err); err != nil {
						return failed, err
					}
				}
				continue
			}
			if skipTrivia(line) == len(line) {
				continue // blank lines and comments between statements
			}
			startLine = lineNo
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		if !strings.Contains(line, ";") {
			continue
		}
		ok, err := sh.complete(pending.String())
		if err != nil {
			return failed, err
		}
		if ok {
			text := pending.String()
			pending.Reset()
			err := sh.runSQL(ctx, text, from, startLine)
			sh.flush()
			if err != nil {
				if err := fail(err); err != nil {
					return failed, err
				}
			}
		}
	}
	if text := pending.String(); skipTrivia(text) < len(text) {
		// What is left runs as if a semicolon ended it (an unfinished
		// statement then fails as "incomplete input").
		if err := sh.runSQL(ctx, text, from, startLine); err != nil {
			failed++
		}
		sh.flush()
	}
	return failed, nil
}

// reportDot prints the error of a dot command, unless it was reported.
func (sh *shell) reportDot(err error) {
	var se *sqlError
	var ue usageError
	switch {
	case errors.As(err, &se):
	case errors.As(err, &ue):
		sh.errorf("%s\n", ue.msg)
	default:
		sh.errorf("Error: %v\n", err)
	}
}

// usageError is a dot command's usage message, printed as it is.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
