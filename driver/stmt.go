package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/sqlite"
)

// Stmt is a prepared statement.
type Stmt struct {
	c           *Conn
	text        string // the SQL, to prepare it again after a schema change
	st          *sqlite.Stmt
	names       []string // parameter names without their prefix, by index-1; loaded on first use
	ownedByRows bool     // finalized when its rows close
	cached      bool     // kept in the connection's statement cache
	rows        *Rows    // the open result set, if any
	closed      bool
}

var (
	_ driver.Stmt             = (*Stmt)(nil)
	_ driver.StmtExecContext  = (*Stmt)(nil)
	_ driver.StmtQueryContext = (*Stmt)(nil)
)

// NumInput returns the number of parameters, so database/sql checks the
// argument count of every call.
func (s *Stmt) NumInput() int { return s.st.ParamCount() }

// Close finalizes the statement.
func (s *Stmt) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.rows != nil {
		s.rows.detach()
	}
	if s.c.closed {
		return nil
	}
	return s.st.Close()
}

// Exec implements driver.Stmt.
func (s *Stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// Query implements driver.Stmt.
func (s *Stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nv
}

// ExecContext implements driver.StmtExecContext.
func (s *Stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	stop := s.c.sc.Watch(ctx)
	defer stop()
	s.c.beginStatement()
	defer s.c.endStatement()
	if err := s.bindAll(args); err != nil {
		return nil, err
	}
	return s.exec(ctx)
}

// QueryContext implements driver.StmtQueryContext.
func (s *Stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	stop := s.c.sc.Watch(ctx)
	defer stop()
	s.c.beginStatement() // it ends when its rows close
	return s.query(ctx, args)
}

// ready checks the connection and ends any result set still reading this
// statement, since a statement runs once at a time.
func (s *Stmt) ready(ctx context.Context) error {
	if s.closed {
		return errors.New("stablesqlite: statement is closed")
	}
	if err := s.c.check(ctx); err != nil {
		return err
	}
	if s.rows != nil {
		s.rows.Close()
	}
	return nil
}

func (s *Stmt) bindAll(args []driver.NamedValue) error {
	named := namedSet(args)
	n, err := s.bind(args, 0, named)
	if err == nil {
		err = checkAllUsed(args, n, named)
	}
	return err
}

func (s *Stmt) exec(ctx context.Context) (result, error) {
	r, err := s.st.Exec()
	return result{r.LastInsertID, r.Changes}, fail(ctx, err)
}

// query stages the arguments and returns the rows of the statement. It
// does not step: the statement starts at the first Next (in the same call
// that binds the arguments), so a result set that is never read takes no
// lock and blocks no writer.
func (s *Stmt) query(ctx context.Context, args []driver.NamedValue) (*Rows, error) {
	names, decl, err := s.st.Columns()
	if errors.Is(err, sqlite.ErrExpired) {
		// The connection changed the schema since the statement was
		// prepared: SQLite would prepare it again at its first step, after
		// its columns were handed out. Do it now.
		if err = s.reprepare(ctx); err == nil {
			names, decl, err = s.st.Columns()
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.bindAll(args); err != nil {
		if s.ownedByRows {
			s.release()
		}
		return nil, err
	}
	kinds := make([]kind, len(decl))
	if !s.c.cfg.rawValues {
		for k, d := range decl {
			kinds[k] = affinity(d)
		}
	}
	r := &Rows{s: s, ctx: ctx, names: names, decl: decl, kinds: kinds}
	s.rows = r
	return r, nil
}

// namedSet returns the set bind records named arguments in: nil when there
// are none, so that the common case allocates nothing.
func namedSet(args []driver.NamedValue) map[string]bool {
	for _, a := range args {
		if a.Name != "" {
			return make(map[string]bool)
		}
	}
	return nil
}

// reprepare replaces the statement's handle with a fresh one from its text.
func (s *Stmt) reprepare(ctx context.Context) error {
	fresh, _, err := s.c.prepare(ctx, s.text, true)
	if err != nil {
		return err
	}
	if fresh == nil {
		return errors.New("stablesqlite: statement vanished on preparing it again")
	}
	s.st.Close()
	s.st, s.names = fresh.st, nil
	return nil
}

// bind stages the arguments for the statement's next run. Its positional
// parameters take args[first:first+n] by position (so ?NNN is the NNNth
// argument), skipping named ones, and every named argument goes to the
// parameters with its name, which is recorded in named. It returns how many
// argument positions it consumed.
func (s *Stmt) bind(args []driver.NamedValue, first int, named map[string]bool) (int, error) {
	nParams := s.st.ParamCount()
	if err := s.st.ClearArgs(nParams); err != nil {
		return 0, err
	}
	if nParams == 0 {
		return 0, nil
	}
	var small [64]bool
	bound := small[:0]
	if nParams <= len(small) {
		bound = small[:nParams]
	} else {
		bound = make([]bool, nParams)
	}
	window := args[min(first, len(args)):min(first+nParams, len(args))]
	for k, a := range window {
		if a.Name != "" {
			continue
		}
		if err := s.setArg(k, a.Value); err != nil {
			return 0, err
		}
		bound[k] = true
	}
	for _, a := range args {
		if a.Name == "" {
			continue
		}
		if s.names == nil {
			if err := s.loadNames(); err != nil {
				return 0, err
			}
		}
		for k, name := range s.names {
			if name == a.Name {
				if err := s.setArg(k, a.Value); err != nil {
					return 0, err
				}
				bound[k] = true
				named[a.Name] = true
			}
		}
	}
	for k, ok := range bound {
		if !ok {
			if s.names == nil {
				s.loadNames()
			}
			return 0, fmt.Errorf("stablesqlite: missing argument for parameter %d%s", k+1, paramLabel(s.names, k))
		}
	}
	return len(window), nil
}

func paramLabel(names []string, k int) string {
	if k < len(names) && names[k] != "" {
		return " (" + names[k] + ")"
	}
	return ""
}

// loadNames reads the parameter names, without their :, @ or $ prefix;
// ?NNN parameters keep no name, since they are positional.
func (s *Stmt) loadNames() error {
	s.names = make([]string, s.st.ParamCount())
	for k := range s.names {
		n, err := s.st.ParamName(k + 1)
		if err != nil {
			return err
		}
		if n != "" && strings.ContainsRune(":@$", rune(n[0])) {
			s.names[k] = n[1:]
		}
	}
	return nil
}

// checkAllUsed fails when some argument went to no parameter: a named one
// that no statement named, or a positional one past the consumed positions.
func checkAllUsed(args []driver.NamedValue, consumed int, named map[string]bool) error {
	extra := 0
	for j, a := range args {
		switch {
		case a.Name != "" && !named[a.Name]:
			return fmt.Errorf("stablesqlite: argument %q matches no parameter", a.Name)
		case a.Name == "" && j >= consumed:
			extra++
		}
	}
	if extra > 0 {
		return fmt.Errorf("stablesqlite: %d more argument(s) than parameters", extra)
	}
	return nil
}

// setArg stages one argument value.
func (s *Stmt) setArg(k int, v driver.Value) error {
	st := s.st
	switch v := v.(type) {
	case nil:
		st.BindNull(k)
	case int64:
		st.BindInt(k, v)
	case int:
		st.BindInt(k, int64(v))
	case int8, int16, int32:
		st.BindInt(k, reflect.ValueOf(v).Int())
	case uint, uint8, uint16, uint32, uint64: // CheckNamedValue let through only those that fit
		st.BindInt(k, int64(reflect.ValueOf(v).Uint()))
	case float64:
		st.BindFloat(k, v)
	case bool:
		if v {
			st.BindInt(k, 1)
		} else {
			st.BindInt(k, 0)
		}
	case string:
		return st.BindText(k, v)
	case []byte:
		if v == nil {
			st.BindNull(k)
			return nil
		}
		return st.BindBlob(k, v)
	case time.Time:
		switch e := s.c.cfg.time.encode(v).(type) {
		case int64:
			st.BindInt(k, e)
		case string:
			return st.BindText(k, e)
		}
	default:
		return fmt.Errorf("stablesqlite: cannot bind a %T", v)
	}
	return nil
}

// CheckNamedValue implements driver.NamedValueChecker: the types SQLite
// stores and Go's integer types pass as they are (converting an int to an
// int64 in an interface would allocate on every call; an unsigned value
// beyond int64 is an error, where the default conversion would wrap a uint
// around); everything else goes through database/sql's default conversion.
func (c *Conn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time,
		int, int32, int16, int8, uint32, uint16, uint8:
		return nil
	case uint:
		return fitsInt64(uint64(v))
	case uint64:
		return fitsInt64(v)
	}
	return driver.ErrSkip
}

func fitsInt64(v uint64) error {
	if v > math.MaxInt64 {
		return fmt.Errorf("stablesqlite: %d does not fit in SQLite's 64-bit signed integer", v)
	}
	return nil
}
