package guest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/rc"
	"github.com/tetratelabs/wazero/api"
)

// Config configures an Instance.
type Config struct {
	// Backend stores the files the instance's SQLite opens. Required.
	Backend backend.Backend
	// Name is the connection's database on Backend: it and the files named
	// after it are Backend's, and any other name SQLite opens is a file
	// (see backends.go). Empty: every name is Backend's.
	Name string
	// Metered runs the metered module, which counts the instructions the
	// guest executes (see meter.go).
	Metered bool
	// MemoryLimit caps the instance's linear memory, in bytes (rounded up to
	// 64 KiB pages); 0 means DefaultMemoryLimit, which is also the most.
	MemoryLimit int64
}

// env is the per-instance state the host functions reach through the call
// context: the open volumes and the interrupt state.
type env struct {
	backend backend.Backend // the connection's own
	own     string          // its database's full name there (see route); "" if all is its
	vfs     []vfsBackend    // by VFS number (see backends.go)
	inst    *Instance
	handler CallbackHandler
	vols    []backend.Volume // handle h is vols[h-1]; nil slots are free
	free    []uint32
	shm     map[uint32][]shmRegion // the WAL-index regions mapped into guest memory, by handle

	call      atomic.Uint64 // sequence number of the guest call under way
	interrupt atomic.Uint64 // the call that has been asked to stop
	lastErr   error         // the last error a backend returned
	lastRC    rc.Code       // the result code it was reported to SQLite as
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

// Instance is one instance of the module: one connection's worth of guest
// memory, and the host state of its calls (open volumes, the callback
// handler, the interrupt). It is not safe for concurrent use, except for
// Watch's interrupt.
type Instance struct {
	memory *linearMemory // the guest's memory
	meter  meter         // the instructions the guest executes (metered module)

	ctx     context.Context // carries env to the host functions
	env     *env
	mod     api.Module
	mem     api.Memory
	fns     [numFuncs]api.Function // looked up at their first call
	stack   [8]uint64
	cbStack [4]uint64 // for calls made from inside a callback
	scratch buffer    // names, SQL text, small results
	err     error     // the trap that broke the instance, if any
}

// buffer is a region of guest memory owned by the host side.
type buffer struct{ ptr, cap uint32 }

// ErrBroken is returned by every call on an instance after a trap.
var ErrBroken = errors.New("wasm: the SQLite instance trapped and cannot be used")

// ErrNoMem is returned when the guest's memory cannot take what the host
// stages there (arguments, SQL text): SQLite's SQLITE_NOMEM, after which
// the instance goes on as before.
var ErrNoMem = errors.New("wasm: out of memory in the SQLite instance")

// ErrTooBig is returned for a value or text too large to hand the guest
// (2 GiB or more): SQLite's SQLITE_TOOBIG.
var ErrTooBig = errors.New("wasm: value too large for the SQLite instance")

// New creates an instance.
func New(cfg Config) (*Instance, error) {
	if cfg.Metered {
		return meteredEngine.newInstance(cfg)
	}
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
	ev := &env{backend: cfg.Backend, shm: map[uint32][]shmRegion{}}
	ev.call.Store(1) // no call has been asked to stop (interrupt is 0)
	ctx := context.WithValue(context.Background(), envKey{}, ev)
	i := &Instance{ctx: ctx, env: ev}
	var mod api.Module
	alloc := &allocator{limit: limit}
	if s := m.takeSpare(limit); s != nil {
		mod, alloc = s.mod, s.alloc
	} else if mod, err = m.instantiate(ctx, alloc); err != nil {
		return nil, fmt.Errorf("wasm: instantiating sqlite3.wasm: %w", err)
	}
	i.mod, i.mem, i.memory = mod, mod.Memory(), alloc.made
	ev.inst = i
	i.meter.msgLeft = math.MaxInt64
	if g, ok := mod.ExportedGlobal("meter_counter").(api.MutableGlobal); ok {
		i.meter.counter = g
	}
	err = i.reserve(&i.scratch, 4096)
	if err == nil {
		err = i.registerVFSes(cfg.Backend, cfg.Name)
	}
	if err != nil {
		i.Close()
		return nil, err
	}
	return i, nil
}

// broken records a failure that leaves the instance unusable.
func (i *Instance) broken(err error) error {
	i.err = fmt.Errorf("%w: %w", ErrBroken, err)
	return i.err
}

// errClosed is returned by the calls on a closed instance: its memory is
// unmapped, so nothing may touch it any more.
var errClosed = errors.New("wasm: the SQLite instance is closed")

// Close releases the instance and closes any volume SQLite left open.
func (i *Instance) Close() error {
	if errors.Is(i.err, errClosed) {
		return nil
	}
	i.err = errClosed
	for h := range i.env.vols {
		i.env.unmapShm(uint32(h+1), false)
		if v := i.env.remove(uint32(h + 1)); v != nil {
			v.Close()
		}
	}
	return i.mod.Close(context.Background())
}

// BackendError returns the last error a backend returned to SQLite since
// the last Watch, which says more than SQLite's result code code, if it
// was reported to SQLite with code's primary code: an error SQLite got
// past (a busy lock its busy handler waited out) is not the cause of
// another.
func (i *Instance) BackendError(code rc.Code) error {
	if i.env.lastErr == nil || i.env.lastRC&0xff != code&0xff {
		return nil
	}
	return i.env.lastErr
}

// Backend returns the instance's backend.
func (i *Instance) Backend() backend.Backend { return i.env.backend }

// Err returns the trap that broke the instance, or nil.
func (i *Instance) Err() error { return i.err }

// Memory returns the guest's linear memory.
func (i *Instance) Memory() api.Memory { return i.mem }

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

// Interrupted reports whether the calls under way have been asked to stop.
func (i *Instance) Interrupted() bool { return i.env.interrupted() }

// Call runs the guest function f with up to 8 arguments and returns its
// first result. A trap breaks the instance: this and every later call
// return an error wrapping ErrBroken.
func (i *Instance) Call(f Func, args ...uint64) (uint64, error) {
	if i.err != nil {
		return 0, i.err
	}
	copy(i.stack[:], args)
	if i.meter.counter != nil {
		i.meter.begin()
		defer i.meter.sync(i.env.backend)
	}
	fn, err := i.fn(f)
	if err != nil {
		return 0, err
	}
	if err := fn.CallWithStack(i.ctx, i.stack[:]); err != nil {
		return 0, i.broken(err)
	}
	return i.stack[0], nil
}

// fn returns the export f, looked up at its first call: wazero gives every
// function it hands out a call stack of its own, 10 KiB at least, and a
// connection calls a third of them.
func (i *Instance) fn(f Func) (api.Function, error) {
	if i.fns[f] == nil {
		if i.fns[f] = i.mod.ExportedFunction(funcNames[f]); i.fns[f] == nil {
			return nil, fmt.Errorf("wasm: sqlite3.wasm does not export %s", funcNames[f])
		}
	}
	return i.fns[f], nil
}

// Call32 is Call for a function whose result is an i32.
func (i *Instance) Call32(f Func, args ...uint64) (int32, error) {
	r, err := i.Call(f, args...)
	return int32(r), err
}

// Malloc allocates n bytes of guest memory; ErrNoMem if the guest has no
// room.
func (i *Instance) Malloc(n uint32) (uint32, error) {
	p, err := i.Call(FnMalloc, uint64(n))
	if err != nil {
		return 0, err
	}
	if p == 0 {
		return 0, ErrNoMem
	}
	return uint32(p), nil
}

// Free frees guest memory from Malloc.
func (i *Instance) Free(p uint32) {
	if p != 0 {
		i.Call(FnFree, uint64(p))
	}
}

// reserve makes b hold at least n bytes, reallocating it (its old contents
// are not kept).
func (i *Instance) reserve(b *buffer, n uint32) error {
	if n <= b.cap && b.ptr != 0 {
		return nil
	}
	c := max(n, 2*b.cap, 1024)
	p, err := i.Malloc(c)
	if err != nil {
		return err
	}
	i.Free(b.ptr)
	b.ptr, b.cap = p, c
	return nil
}

// Scratch returns the address of the instance's scratch buffer, made at
// least n bytes long: names, SQL text and small results pass through it.
// Its content lasts until the next call of Scratch or CString.
func (i *Instance) Scratch(n uint32) (uint32, error) {
	if err := i.reserve(&i.scratch, n); err != nil {
		return 0, err
	}
	return i.scratch.ptr, nil
}

// CString copies s and a NUL into the scratch buffer at offset at and
// returns its guest address.
func (i *Instance) CString(s string, at uint32) (uint32, error) {
	if uint64(len(s))+uint64(at) >= 1<<31 {
		return 0, ErrTooBig
	}
	if _, err := i.Scratch(at + uint32(len(s)) + 1); err != nil {
		return 0, err
	}
	p := i.scratch.ptr + at
	i.mem.WriteString(p, s)
	i.mem.WriteByte(p+uint32(len(s)), 0)
	return p, nil
}

// ReadCString reads a NUL-terminated string at p ("" for p == 0 or a
// pointer out of bounds).
func (i *Instance) ReadCString(p uint32) string {
	size := i.mem.Size()
	if p == 0 || p >= size {
		return ""
	}
	buf, _ := i.mem.Read(p, size-p)
	if end := bytes.IndexByte(buf, 0); end >= 0 {
		return string(buf[:end])
	}
	return ""
}
