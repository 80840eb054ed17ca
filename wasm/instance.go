package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Config configures an Instance.
type Config struct {
	// Backend stores the files the instance's SQLite opens. Required.
	Backend backend.Backend
	// MemoryLimit caps the instance's linear memory, in bytes (rounded up to
	// 64 KiB pages); 0 means DefaultMemoryLimit, which is also the most.
	MemoryLimit int64
}

// env is the per-instance state the host functions reach through the call
// context: the open volumes and the interrupt state.
type env struct {
	backend  backend.Backend
	backends []backend.Backend // VFS n > 0 is backends[n-1] (see RegisterBackend)
	inst     *Instance
	handler  CallbackHandler
	vols     []backend.Volume // handle h is vols[h-1]; nil slots are free
	free     []uint32
	shm      map[uint32]*shmMapping // the guest's shm region copies, by handle

	call      atomic.Uint64 // sequence number of the guest call under way
	interrupt atomic.Uint64 // the call that has been asked to stop
	lastErr   error         // the last error a backend returned
	lastRC    int32         // the result code it was reported to SQLite as
}

// shmMapping is where a guest keeps its copies of the shm regions of one
// volume.
type shmMapping struct {
	ptrs []uint32 // guest address of each region's copy (0: not mapped)
	size uint32   // region size
}

// backendFor returns the backend of VFS number id.
func (e *env) backendFor(id uint64) backend.Backend {
	switch n := uint32(id); {
	case n == 0:
		return e.backend
	case n <= uint32(len(e.backends)):
		return e.backends[n-1]
	}
	return nil
}

func (e *env) add(v backend.Volume) uint32 {
	if n := len(e.free); n > 0 {
		h := e.free[n-1]
		e.free = e.free[:n-1]
		e.vols[h-1] = v
		return h
	}
	e.vols = append(e.vols, v)
	return uint32(len(e.vols))
}

func (e *env) get(h uint32) backend.Volume {
	if h == 0 || h > uint32(len(e.vols)) {
		return nil
	}
	return e.vols[h-1]
}

func (e *env) remove(h uint32) backend.Volume {
	v := e.get(h)
	if v != nil {
		e.vols[h-1] = nil
		e.free = append(e.free, h)
	}
	return v
}

func (e *env) interrupted() bool { return e.interrupt.Load() == e.call.Load() }

// Instance is one SQLite module instance: one connection's worth of guest
// memory. It is not safe for concurrent use, except for Watch's interrupt.
type Instance struct {
	memory *linearMemory // the guest's memory

	ctx   context.Context // carries env to the host functions
	env   *env
	mod   api.Module
	mem   api.Memory
	stack [8]uint64
	err   error // the trap that broke the instance, if any

	fOpen, fPrepare, fExec, fStep, fColumns                      export
	fMalloc, fFree, fCloseV2, fFinalize, fReset, fExecSQL        export
	fErrmsg, fErrcode, fErrOffset, fBusyTimeout, fAutocommit     export
	fComplete                                                    export
	fParamCount, fParamName                                      export
	fCreateFunc, fCreateColl, fHooks, fSerialize, fDeserialize   export
	fSqlMalloc, fSqlFree, fBlobOpen, fBlobClose, fBlobBytes      export
	fBlobRead, fBlobWrite, fBlobReopen, fBackupInit, fBackupStep export
	fBackupFinish, fRegisterVFS, fBind                           export
	cbStack                                                      [4]uint64 // for calls made from inside a callback

	args      buffer // staged arguments: slots, then their bytes
	nArgs     int    // staged slots; -1: none
	argsFor   uint32 // the statement they are staged for
	pendingRC map[uint32]int32
	row       buffer // row slots written by ss_step
	scratch   buffer // names, SQL text, small results
}

// export is a guest function the host calls, looked up in the module at its
// first call: wazero gives every function it hands out a call stack of its
// own (10 KiB at least, more once SQLite has recursed in it), and a
// connection calls a third of them.
type export struct {
	name string
	fn   api.Function // nil until the first call on the current module
}

// buffer is a region of guest memory owned by the host side.
type buffer struct{ ptr, cap, used uint32 }

const slotSize = 16

// SQLite fundamental types, as they appear in slots.
const (
	TypeInteger = 1
	TypeFloat   = 2
	TypeText    = 3
	TypeBlob    = 4
	TypeNull    = 5
)

// ErrBroken is returned by every call on an instance after a trap.
var ErrBroken = errors.New("wasm: the SQLite instance trapped and cannot be used")

// New creates an instance.
func New(cfg Config) (*Instance, error) {
	return defaultEngine.newInstance(cfg)
}

func (e *engine) newInstance(cfg Config) (*Instance, error) {
	if cfg.Backend == nil {
		return nil, errors.New("wasm: no backend")
	}
	limit := uint64(DefaultMemoryLimit)
	if cfg.MemoryLimit > 0 {
		limit = uint64(min(cfg.MemoryLimit, DefaultMemoryLimit))
	}
	m, err := e.pick()
	if err != nil {
		return nil, err
	}
	if least := m.initialMemory(); limit < least {
		// wazero would panic on a memory it cannot make as large as that.
		return nil, fmt.Errorf("wasm: memory limit of %d bytes is below the %d bytes the module starts with", limit, least)
	}
	ev := &env{backend: cfg.Backend, shm: map[uint32]*shmMapping{}}
	ev.call.Store(1) // no call has been asked to stop (interrupt is 0)
	ctx := context.WithValue(context.Background(), envKey{}, ev)
	i := &Instance{ctx: ctx, env: ev, nArgs: -1, pendingRC: map[uint32]int32{}}
	alloc := &allocator{limit: limit}
	mod, err := m.runtime.InstantiateModule(withMemory(ctx, alloc), m.compiled,
		wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		return nil, fmt.Errorf("wasm: instantiating sqlite3.wasm: %w", err)
	}
	i.mod, i.mem, i.memory = mod, mod.Memory(), alloc.made
	ev.inst = i
	if err := i.nameExports(); err != nil {
		i.Close()
		return nil, err
	}
	for _, b := range []*buffer{&i.scratch, &i.args, &i.row} {
		if err := i.reserve(b, 4096); err != nil {
			i.Close()
			return nil, err
		}
	}
	return i, nil
}

// exports maps the names of the guest functions the instance calls to the
// fields that hold them.
func (i *Instance) exports() map[string]*export {
	return map[string]*export{
		"ss_open": &i.fOpen, "ss_prepare": &i.fPrepare, "ss_exec": &i.fExec,
		"ss_step": &i.fStep, "ss_columns": &i.fColumns, "malloc": &i.fMalloc,
		"free": &i.fFree, "sqlite3_close_v2": &i.fCloseV2, "sqlite3_finalize": &i.fFinalize,
		"sqlite3_reset": &i.fReset, "sqlite3_exec": &i.fExecSQL, "sqlite3_errmsg": &i.fErrmsg,
		"sqlite3_extended_errcode": &i.fErrcode, "sqlite3_error_offset": &i.fErrOffset,
		"sqlite3_busy_timeout":   &i.fBusyTimeout,
		"sqlite3_get_autocommit": &i.fAutocommit, "sqlite3_complete": &i.fComplete,
		"sqlite3_bind_parameter_count": &i.fParamCount,
		"sqlite3_bind_parameter_name":  &i.fParamName,
		"ss_create_function":           &i.fCreateFunc,
		"ss_create_collation":          &i.fCreateColl, "ss_hooks": &i.fHooks, "ss_serialize": &i.fSerialize,
		"sqlite3_deserialize": &i.fDeserialize, "sqlite3_malloc64": &i.fSqlMalloc, "sqlite3_free": &i.fSqlFree,
		"sqlite3_blob_open": &i.fBlobOpen, "sqlite3_blob_close": &i.fBlobClose, "sqlite3_blob_bytes": &i.fBlobBytes,
		"sqlite3_blob_read": &i.fBlobRead, "sqlite3_blob_write": &i.fBlobWrite, "sqlite3_blob_reopen": &i.fBlobReopen,
		"sqlite3_backup_init": &i.fBackupInit, "sqlite3_backup_step": &i.fBackupStep,
		"sqlite3_backup_finish": &i.fBackupFinish, "ss_register_vfs": &i.fRegisterVFS, "ss_bind": &i.fBind,
	}
}

// nameExports names the guest functions the instance calls, after checking
// that the module exports them all.
func (i *Instance) nameExports() error {
	defs := i.mod.ExportedFunctionDefinitions()
	for name, f := range i.exports() {
		if defs[name] == nil {
			return fmt.Errorf("wasm: sqlite3.wasm does not export %s", name)
		}
		f.name = name
	}
	return nil
}

// fn returns f in the current module.
func (i *Instance) fn(f *export) api.Function {
	if f.fn == nil {
		f.fn = i.mod.ExportedFunction(f.name)
	}
	return f.fn
}

// broken records a failure that leaves the instance unusable.
func (i *Instance) broken(err error) error {
	i.err = fmt.Errorf("%w: %w", ErrBroken, err)
	return i.err
}

// Close releases the instance and closes any volume SQLite left open.
func (i *Instance) Close() error {
	for h := range i.env.vols {
		if v := i.env.remove(uint32(h + 1)); v != nil {
			if sm, ok := v.(backend.SharedMemory); ok && i.env.shm[uint32(h+1)] != nil {
				sm.ShmUnmap(false)
			}
			v.Close()
		}
	}
	var err error
	if i.mod != nil {
		err = i.mod.Close(context.Background())
	}
	return err
}

// BackendError returns the last error a backend returned to SQLite since
// the last Watch, which says more than SQLite's result code rc, if it was
// reported to SQLite with rc's primary code: an error SQLite got past (a
// busy lock its busy handler waited out) is not the cause of another.
func (i *Instance) BackendError(rc int32) error {
	if i.env.lastErr == nil || i.env.lastRC&0xff != rc&0xff {
		return nil
	}
	return i.env.lastErr
}

// Backend returns the instance's backend.
func (i *Instance) Backend() backend.Backend { return i.env.backend }

// Err returns the trap that broke the instance, or nil.
func (i *Instance) Err() error { return i.err }

// Watch makes a cancellation of ctx interrupt the guest calls made until
// stop is called: SQLite's progress check and busy sleeps see it and the
// statement ends with SQLITE_INTERRUPT. Calls after stop are not affected,
// even if ctx is cancelled later.
func (i *Instance) Watch(ctx context.Context) (stop func()) {
	i.env.lastErr = nil
	seq := i.env.call.Add(1)
	if ctx.Done() == nil {
		return func() {}
	}
	s := context.AfterFunc(ctx, func() { i.env.interrupt.Store(seq) })
	return func() {
		s()
		i.env.call.Add(1) // a late AfterFunc can no longer match
	}
}

// call runs a guest function with up to 8 arguments and returns its first
// result.
func (i *Instance) call(f *export, args ...uint64) (uint64, error) {
	if i.err != nil {
		return 0, i.err
	}
	return i.invoke(f, args)
}

func (i *Instance) invoke(f *export, args []uint64) (uint64, error) {
	copy(i.stack[:], args)
	if err := i.fn(f).CallWithStack(i.ctx, i.stack[:]); err != nil {
		return 0, i.broken(err)
	}
	return i.stack[0], nil
}

func (i *Instance) call32(f *export, args ...uint64) (int32, error) {
	r, err := i.call(f, args...)
	return int32(r), err
}

// reserve makes b hold at least n bytes, reallocating it (its old contents
// are not kept).
func (i *Instance) reserve(b *buffer, n uint32) error {
	if n <= b.cap && b.ptr != 0 {
		return nil
	}
	c := max(n, 2*b.cap, 1024)
	p, err := i.malloc(c)
	if err != nil {
		return err
	}
	if b.ptr != 0 {
		i.call(&i.fFree, uint64(b.ptr))
	}
	b.ptr, b.cap = p, c
	return nil
}

func (i *Instance) malloc(n uint32) (uint32, error) {
	p, err := i.call(&i.fMalloc, uint64(n))
	if err != nil {
		return 0, err
	}
	if p == 0 {
		return 0, ErrNoMem
	}
	return uint32(p), nil
}

// cstring copies s and a NUL into the scratch buffer at offset at and returns
// its guest address.
func (i *Instance) cstring(s string, at uint32) (uint32, error) {
	if err := i.reserve(&i.scratch, at+uint32(len(s))+1); err != nil {
		return 0, err
	}
	p := i.scratch.ptr + at
	i.mem.WriteString(p, s)
	i.mem.WriteByte(p+uint32(len(s)), 0)
	return p, nil
}

// readCString reads a NUL-terminated string at p (empty for p == 0).
func (i *Instance) readCString(p uint32) string {
	if p == 0 {
		return ""
	}
	size := i.mem.Size()
	if p >= size {
		return ""
	}
	buf, _ := i.mem.Read(p, size-p)
	if end := bytes.IndexByte(buf, 0); end >= 0 {
		return string(buf[:end])
	}
	return ""
}

// Open opens a database connection (sqlite3_open_v2 with extended result
// codes and the interrupt check). The connection is returned even on
// failure, so that its message can be read before CloseDB.
func (i *Instance) Open(name string, flags int32) (db uint32, rc int32, err error) {
	return i.OpenVFS(name, flags, "")
}

// OpenVFS opens a connection on the named VFS (see RegisterBackend); ""
// is the instance's own backend.
func (i *Instance) OpenVFS(name string, flags int32, vfs string) (db uint32, rc int32, err error) {
	p, err := i.cstring(name+"\x00"+vfs, 8)
	if err != nil {
		return 0, 0, err
	}
	vfsPtr := uint64(0)
	if vfs != "" {
		vfsPtr = uint64(p) + uint64(len(name)) + 1
	}
	rc, err = i.call32(&i.fOpen, uint64(p), uint64(uint32(flags)), vfsPtr, uint64(i.scratch.ptr))
	if err != nil {
		return 0, 0, err
	}
	out, _ := i.mem.ReadUint32Le(i.scratch.ptr)
	return out, rc, nil
}

// CloseDB closes a connection (sqlite3_close_v2).
func (i *Instance) CloseDB(db uint32) (int32, error) { return i.call32(&i.fCloseV2, uint64(db)) }

// Errmsg returns the connection's extended result code and message.
func (i *Instance) Errmsg(db uint32) (code int32, msg string) {
	code, err := i.call32(&i.fErrcode, uint64(db))
	if err != nil {
		return rcError, err.Error()
	}
	p, err := i.call(&i.fErrmsg, uint64(db))
	if err != nil {
		return code, err.Error()
	}
	return code, i.readCString(uint32(p))
}

// ErrorOffset returns the byte offset in the SQL text of the last error's
// cause (sqlite3_error_offset), or -1 when SQLite gives none.
func (i *Instance) ErrorOffset(db uint32) int {
	off, err := i.call32(&i.fErrOffset, uint64(db))
	if err != nil {
		return -1
	}
	return int(off)
}

// BusyTimeout sets sqlite3_busy_timeout.
func (i *Instance) BusyTimeout(db uint32, ms int32) (int32, error) {
	return i.call32(&i.fBusyTimeout, uint64(db), uint64(uint32(ms)))
}

// Autocommit reports sqlite3_get_autocommit.
func (i *Instance) Autocommit(db uint32) (bool, error) {
	r, err := i.call32(&i.fAutocommit, uint64(db))
	return r != 0, err
}

// Complete reports whether sql ends with a complete statement
// (sqlite3_complete).
func (i *Instance) Complete(sql string) (bool, error) {
	p, err := i.cstring(sql, 0)
	if err != nil {
		return false, err
	}
	r, err := i.call32(&i.fComplete, uint64(p))
	return r != 0, err
}

// ExecSQL runs sql with sqlite3_exec, discarding any rows.
func (i *Instance) ExecSQL(db uint32, sql string) (int32, error) {
	p, err := i.cstring(sql, 0)
	if err != nil {
		return 0, err
	}
	return i.call32(&i.fExecSQL, uint64(db), uint64(p), 0, 0, 0)
}

// Prepare compiles the first statement of sql. It returns the statement (0
// when sql holds only whitespace and comments) and the byte offset in sql
// where the rest begins.
func (i *Instance) Prepare(db uint32, sql string, persistent bool) (stmt uint32, tail int, rc int32, err error) {
	if len(sql) > math.MaxInt32-64 {
		return 0, 0, 0, ErrTooBig
	}
	if err := i.reserve(&i.scratch, uint32(len(sql))+8); err != nil {
		return 0, 0, 0, err
	}
	p := i.scratch.ptr
	i.mem.WriteString(p+8, sql)
	flags := uint64(0)
	if persistent {
		flags = 1 // SQLITE_PREPARE_PERSISTENT
	}
	rc, err = i.call32(&i.fPrepare, uint64(db), uint64(p+8), uint64(len(sql)), flags, uint64(p))
	if err != nil {
		return 0, 0, 0, err
	}
	s, _ := i.mem.ReadUint32Le(p)
	t, _ := i.mem.ReadUint32Le(p + 4)
	return s, int(min(t, uint32(len(sql)))), rc, nil
}

// Finalize destroys a statement.
func (i *Instance) Finalize(stmt uint32) (int32, error) {
	i.dropArgs(stmt)
	return i.call32(&i.fFinalize, uint64(stmt))
}

// Reset resets a statement.
func (i *Instance) Reset(stmt uint32) (int32, error) {
	i.dropArgs(stmt)
	return i.call32(&i.fReset, uint64(stmt))
}

// ParamCount returns sqlite3_bind_parameter_count.
func (i *Instance) ParamCount(stmt uint32) (int, error) {
	n, err := i.call32(&i.fParamCount, uint64(stmt))
	return int(n), err
}

// ParamName returns the name of parameter k (1-based), "" for a nameless one.
func (i *Instance) ParamName(stmt uint32, k int) (string, error) {
	p, err := i.call(&i.fParamName, uint64(stmt), uint64(k))
	if err != nil {
		return "", err
	}
	return i.readCString(uint32(p)), nil
}

// ErrExpired is returned by Columns for a statement whose connection has
// changed the schema since it was prepared: its columns may have changed,
// so it must be prepared again.
var ErrExpired = errors.New("wasm: statement expired")

// Columns returns the names and declared types of the statement's columns,
// in one call.
func (i *Instance) Columns(stmt uint32) (names, decltypes []string, err error) {
	for {
		capacity := i.scratch.cap / 8
		n, err := i.call32(&i.fColumns, uint64(stmt), uint64(i.scratch.ptr), uint64(capacity))
		if err != nil {
			return nil, nil, err
		}
		if n < 0 {
			return nil, nil, ErrExpired
		}
		if uint32(n) > capacity || i.scratch.ptr == 0 {
			if err := i.reserve(&i.scratch, uint32(n)*8+8); err != nil {
				return nil, nil, err
			}
			continue
		}
		names, decltypes = make([]string, n), make([]string, n)
		for k := range n {
			np, _ := i.mem.ReadUint32Le(i.scratch.ptr + uint32(8*k))
			dp, _ := i.mem.ReadUint32Le(i.scratch.ptr + uint32(8*k) + 4)
			names[k], decltypes[k] = i.readCString(np), i.readCString(dp)
		}
		return names, decltypes, nil
	}
}

// ErrNoMem is returned when the guest's memory cannot take what the host
// stages there (arguments, SQL text): SQLite's SQLITE_NOMEM, after which
// the instance goes on as before.
var ErrNoMem = errors.New("wasm: out of memory in the SQLite instance")

// ErrTooBig is returned for a value or text too large to hand the guest
// (2 GiB or more): SQLite's SQLITE_TOOBIG.
var ErrTooBig = errors.New("wasm: value too large for the SQLite instance")
