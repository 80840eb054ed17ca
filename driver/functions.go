package driver

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stablesqlite/stablesqlite/internal/guest"
	"github.com/stablesqlite/stablesqlite/internal/sqlite"
)

// FuncFlag qualifies a function written in Go.
type FuncFlag int

// Function flags, with SQLite's values.
const (
	// Deterministic functions give the same result for the same arguments,
	// so SQLite can use them in indexes and factor them out of loops.
	Deterministic FuncFlag = 0x000000800
	// DirectOnly functions cannot be used from triggers, views or schema.
	DirectOnly FuncFlag = 0x000080000
	// Innocuous functions are safe anywhere, even in an untrusted schema.
	Innocuous FuncFlag = 0x000200000
)

// ScalarFunc is a Go function callable from SQL. Its arguments are int64,
// float64, string, []byte or nil; it returns one of those (or int, bool,
// float32, time.Time), or an error that becomes the statement's error. A
// panic becomes an error too: it never crashes the process.
type ScalarFunc func(args []any) (any, error)

// AggregateFunc is one running aggregate (one group): SQLite calls Step for
// each row and Value at the end.
type AggregateFunc interface {
	Step(args []any) error
	Value() (any, error)
}

// WindowFunc is an aggregate that can also be used as a window function:
// Inverse removes a row that left the window, and Value may be called at
// any time.
type WindowFunc interface {
	AggregateFunc
	Inverse(args []any) error
}

// UpdateOp is the operation an update hook reports, with SQLite's values.
type UpdateOp int

// The update hook operations.
const (
	OpDelete UpdateOp = 9
	OpInsert UpdateOp = 18
	OpUpdate UpdateOp = 23
)

// callbacks is a connection's Go side of SQL: functions, collations and
// hooks, by id.
type callbacks struct {
	funcs    map[int32]any // ScalarFunc, func() AggregateFunc, or a collation
	aggs     map[int32]AggregateFunc
	nextID   int32
	onCommit func() bool
	onRoll   func()
	onUpdate func(UpdateOp, string, string, int64)
}

func (cb *callbacks) add(f any) int32 {
	if cb.funcs == nil {
		cb.funcs, cb.aggs = map[int32]any{}, map[int32]AggregateFunc{}
	}
	cb.nextID++
	cb.funcs[cb.nextID] = f
	return cb.nextID
}

type collation func(a, b string) int

// handle answers one callback from SQLite.
func (c *Conn) handle(call *guest.Callback) (any, error) {
	cb := &c.cb
	switch call.Kind {
	case guest.CallFunc:
		f, _ := cb.funcs[call.ID].(ScalarFunc)
		if f == nil {
			return nil, errors.New("stablesqlite: no such function")
		}
		return c.goResult(f(call.Args))
	case guest.CallStep, guest.CallInverse, guest.CallValue, guest.CallFinal:
		agg, err := cb.aggregate(call)
		if err != nil {
			return nil, err
		}
		switch call.Kind {
		case guest.CallStep:
			return nil, agg.Step(call.Args)
		case guest.CallInverse:
			w, ok := agg.(WindowFunc)
			if !ok {
				return nil, errors.New("stablesqlite: not a window function")
			}
			return nil, w.Inverse(call.Args)
		case guest.CallFinal:
			delete(cb.aggs, call.Agg)
		}
		return c.goResult(agg.Value())
	case guest.CallDestroy:
		delete(cb.funcs, call.ID)
	case guest.CallCollate:
		f, _ := cb.funcs[call.ID].(collation)
		if f == nil || len(call.Args) != 2 {
			return 0, nil
		}
		a, _ := call.Args[0].(string)
		b, _ := call.Args[1].(string)
		return int64(f(a, b)), nil
	case guest.CallCommit:
		if cb.onCommit != nil && cb.onCommit() {
			return int64(1), nil // turns the commit into a rollback
		}
		return int64(0), nil
	case guest.CallRollback:
		if cb.onRoll != nil {
			cb.onRoll()
		}
	case guest.CallUpdate:
		if cb.onUpdate != nil && len(call.Args) == 4 {
			op, _ := call.Args[0].(int64)
			db, _ := call.Args[1].(string)
			table, _ := call.Args[2].(string)
			rowid, _ := call.Args[3].(int64)
			cb.onUpdate(UpdateOp(op), db, table, rowid)
		}
	}
	return nil, nil
}

// aggregate returns the aggregate instance of a call, making one for the
// first step (or for the final of a group with no rows).
func (cb *callbacks) aggregate(call *guest.Callback) (AggregateFunc, error) {
	if agg := cb.aggs[call.Agg]; call.Agg != 0 && agg != nil {
		return agg, nil
	}
	newAgg, _ := cb.funcs[call.ID].(func() AggregateFunc)
	if newAgg == nil {
		return nil, errors.New("stablesqlite: no such aggregate")
	}
	agg := newAgg()
	if agg == nil {
		return nil, errors.New("stablesqlite: the aggregate constructor returned nil")
	}
	if call.Kind != guest.CallFinal {
		cb.nextID++
		call.Agg = cb.nextID
		cb.aggs[call.Agg] = agg
	}
	return agg, nil
}

// goResult converts what a Go function returned for SQLite.
func (c *Conn) goResult(v any, err error) (any, error) {
	if t, ok := v.(time.Time); ok {
		return c.cfg.time.encode(t), err
	}
	return v, err
}

func (c *Conn) createFunction(name string, nArgs int, flags FuncFlag, f any, kind sqlite.FuncKind) error {
	if nArgs < -1 || nArgs > 127 {
		return fmt.Errorf("stablesqlite: %s: %d arguments (want -1 for any, or 0 to 127)", name, nArgs)
	}
	return c.register(f, func(id int32) error {
		return c.sc.CreateFunction(name, nArgs, int(flags), id, kind)
	})
}

// register gives f an id among the connection's callbacks and has create
// declare it to SQLite; if SQLite refuses, the id is dropped again.
func (c *Conn) register(f any, create func(id int32) error) error {
	id := c.cb.add(f)
	if err := create(id); err != nil {
		delete(c.cb.funcs, id)
		return err
	}
	return nil
}

// CreateFunction adds a scalar function to this connection; nArgs -1 takes
// any number of arguments.
func (c *Conn) CreateFunction(name string, nArgs int, flags FuncFlag, fn ScalarFunc) error {
	return c.createFunction(name, nArgs, flags, fn, sqlite.Scalar)
}

// CreateAggregate adds an aggregate function; newAgg makes the state of one
// group.
func (c *Conn) CreateAggregate(name string, nArgs int, flags FuncFlag, newAgg func() AggregateFunc) error {
	return c.createFunction(name, nArgs, flags, newAgg, sqlite.Aggregate)
}

// CreateWindow adds an aggregate that also works as a window function.
func (c *Conn) CreateWindow(name string, nArgs int, flags FuncFlag, newWin func() WindowFunc) error {
	newAgg := func() AggregateFunc { return newWin() }
	return c.createFunction(name, nArgs, flags, newAgg, sqlite.Window)
}

// CreateCollation adds a collation: cmp returns a negative number, zero or a
// positive number as a sorts before, with or after b.
func (c *Conn) CreateCollation(name string, cmp func(a, b string) int) error {
	return c.register(collation(cmp), func(id int32) error {
		return c.sc.CreateCollation(name, id)
	})
}

func (c *Conn) setHooks() error {
	var hooks sqlite.Hooks
	if c.cb.onCommit != nil {
		hooks |= sqlite.HookCommit
	}
	if c.cb.onRoll != nil {
		hooks |= sqlite.HookRollback
	}
	if c.cb.onUpdate != nil {
		hooks |= sqlite.HookUpdate
	}
	return c.sc.SetHooks(hooks)
}

// SetCommitHook calls fn before every commit; if it returns true the commit
// becomes a rollback. nil removes the hook.
func (c *Conn) SetCommitHook(fn func() (rollback bool)) error {
	c.cb.onCommit = fn
	return c.setHooks()
}

// SetRollbackHook calls fn after every rollback. nil removes the hook.
func (c *Conn) SetRollbackHook(fn func()) error {
	c.cb.onRoll = fn
	return c.setHooks()
}

// SetUpdateHook calls fn for every row inserted, updated or deleted in a
// rowid table. nil removes the hook.
func (c *Conn) SetUpdateHook(fn func(op UpdateOp, db, table string, rowid int64)) error {
	c.cb.onUpdate = fn
	return c.setHooks()
}

var (
	hooksMu      sync.Mutex
	connectHooks []func(*Conn) error
)

// OnConnect runs hook on every connection opened from now on, by any pool
// of this driver (to add functions and collations to all of them).
func OnConnect(hook func(*Conn) error) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	connectHooks = append(connectHooks, hook)
}

// RegisterFunction adds a scalar function to every connection opened from
// now on.
func RegisterFunction(name string, nArgs int, flags FuncFlag, fn ScalarFunc) {
	OnConnect(func(c *Conn) error { return c.CreateFunction(name, nArgs, flags, fn) })
}

// RegisterAggregate adds an aggregate function to every connection opened
// from now on.
func RegisterAggregate(name string, nArgs int, flags FuncFlag, newAgg func() AggregateFunc) {
	OnConnect(func(c *Conn) error { return c.CreateAggregate(name, nArgs, flags, newAgg) })
}

// RegisterWindow adds a window function to every connection opened from
// now on.
func RegisterWindow(name string, nArgs int, flags FuncFlag, newWin func() WindowFunc) {
	OnConnect(func(c *Conn) error { return c.CreateWindow(name, nArgs, flags, newWin) })
}

// RegisterCollation adds a collation to every connection opened from now
// on.
func RegisterCollation(name string, cmp func(a, b string) int) {
	OnConnect(func(c *Conn) error { return c.CreateCollation(name, cmp) })
}

// runConnectHooks applies the driver-wide hooks, then the Connector's.
func (c *Conn) runConnectHooks() error {
	hooksMu.Lock()
	hooks := append([]func(*Conn) error(nil), connectHooks...)
	hooksMu.Unlock()
	for _, h := range append(hooks, c.cfg.connectHooks...) {
		if err := h(c); err != nil {
			return err
		}
	}
	return nil
}
