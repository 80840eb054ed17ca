package sqlite

import (
	"github.com/stablesqlite/stablesqlite/internal/guest"
)

// FuncKind says what a function created with CreateFunction is.
type FuncKind int

// The kinds of functions (glue.c's ss_create_function).
const (
	Scalar    FuncKind = 0
	Aggregate FuncKind = 1
	Window    FuncKind = 2
)

// Hooks are the hooks SetHooks turns on (glue.c's ss_hooks).
type Hooks int

// The hooks.
const (
	HookCommit   Hooks = 1
	HookRollback Hooks = 2
	HookUpdate   Hooks = 4
)

// SetCallbackHandler sets what answers the connection's callbacks: calls
// of its functions and collations, and its hooks.
func (c *Conn) SetCallbackHandler(h guest.CallbackHandler) { c.inst.SetCallbackHandler(h) }

// CreateFunction registers a function whose calls reach the callback
// handler with id; flags are SQLite's function flags (deterministic, ...).
func (c *Conn) CreateFunction(name string, nArg int, flags int, id int32, kind FuncKind) error {
	p, err := c.inst.CString(name, 0)
	if err != nil {
		return hostError(err)
	}
	return c.result(c.inst.Call32(guest.FnCreateFunction, uint64(c.db), uint64(p), uint64(uint32(int32(nArg))),
		uint64(uint32(flags)), uint64(uint32(id)), uint64(kind)))
}

// CreateCollation registers a collation whose comparisons reach the
// callback handler with id.
func (c *Conn) CreateCollation(name string, id int32) error {
	p, err := c.inst.CString(name, 0)
	if err != nil {
		return hostError(err)
	}
	return c.result(c.inst.Call32(guest.FnCreateCollation, uint64(c.db), uint64(p), uint64(uint32(id))))
}

// SetHooks turns the commit, rollback and update hooks on or off.
func (c *Conn) SetHooks(h Hooks) error {
	_, err := c.inst.Call(guest.FnHooks, uint64(c.db), uint64(h))
	return hostError(err)
}
