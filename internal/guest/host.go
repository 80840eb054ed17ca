package guest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/internal/rc"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// ImportModule is the name of the module's only import module.
const ImportModule = "stablesqlite2"

// SQLite file-control opcodes that reach the host.
const (
	fcntlSizeHint            = 5
	fcntlCommitPhaseTwo      = 22
	fcntlBeginAtomicWrite    = 31
	fcntlCommitAtomicWrite   = 32
	fcntlRollbackAtomicWrite = 33
)

// code maps a backend error to a SQLite result code (ioerr is the code
// for an I/O error of the operation at hand) and keeps the error, so that
// the driver can tell the user what the backend said.
func (e *env) code(err error, ioerr rc.Code) rc.Code {
	code := ioerr
	switch {
	case err == nil:
		return rc.OK
	case errors.Is(err, backend.ErrBusy):
		code = rc.Busy
	case errors.Is(err, backend.ErrFull):
		code = rc.Full
	case errors.Is(err, backend.ErrReadOnly):
		code = rc.ReadOnly
	}
	e.lastErr, e.lastRC = err, code
	return code
}

type envKey struct{}

func envOf(ctx context.Context) *env { return ctx.Value(envKey{}).(*env) }

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// hostFunction is one import of the module, implemented in Go.
type hostFunction struct {
	name            string
	fn              api.GoModuleFunc
	params, results []api.ValueType
}

// hostFunctions returns the module's imports (see ABI.md). (A function, not
// a variable: the functions reach the compiler, which reaches this list.)
func hostFunctions() []hostFunction {
	return []hostFunction{
		{"vol_open", volOpen, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"vol_close", volClose, []api.ValueType{i32}, []api.ValueType{i32}},
		{"vol_read", volRead, []api.ValueType{i32, i64, i32, i32}, []api.ValueType{i32}},
		{"vol_write", volWrite, []api.ValueType{i32, i64, i32, i32}, []api.ValueType{i32}},
		{"vol_size", volSize, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vol_truncate", volTruncate, []api.ValueType{i32, i64}, []api.ValueType{i32}},
		{"vol_sync", volSync, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vol_lock", volLock, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vol_unlock", volUnlock, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vol_check_reserved", volCheckReserved, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vol_control", volControl, []api.ValueType{i32, i32, i64}, []api.ValueType{i32}},
		{"shm_map", shmMap, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"shm_lock", shmLock, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
		{"shm_unmap", shmUnmap, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vfs_delete", vfsDelete, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
		{"vfs_access", vfsAccess, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"vfs_fullpath", vfsFullPath, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"callback", callback, []api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"sys_time", sysTime, nil, []api.ValueType{i64}},
		{"sys_tz_offset", sysTZOffset, []api.ValueType{i64}, []api.ValueType{i32}},
		{"sys_random", sysRandom, []api.ValueType{i32, i32}, nil},
		{"sys_sleep", sysSleep, []api.ValueType{i32}, []api.ValueType{i32}},
		{"sys_interrupted", sysInterrupted, nil, []api.ValueType{i32}},
		{"meter_exhausted", meterExhausted, nil, nil}, // the metered module's only
	}
}

// exportHost instantiates the host module in r. Each function finds its
// connection's state in the call's context (see Instance.ctx), and treats
// every pointer and length from the guest as untrusted.
func exportHost(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(ImportModule)
	for _, h := range hostFunctions() {
		fn := h.fn
		if strings.HasPrefix(h.name, "vol_") || strings.HasPrefix(h.name, "vfs_") {
			fn = metered(fn)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(fn, h.params, h.results).Export(h.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func ret(stack []uint64, code rc.Code) { stack[0] = api.EncodeI32(int32(code)) }

// guestName reads a file name from guest memory.
func guestName(mod api.Module, ptr, n uint32) (string, bool) {
	if ptr == 0 {
		return "", true
	}
	b, ok := mod.Memory().Read(ptr, n)
	return string(b), ok
}

func volOpen(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	ptr, n, flags, out := uint32(stack[1]), uint32(stack[2]), backend.OpenFlags(uint32(stack[3])), uint32(stack[4])
	name, ok := guestName(mod, ptr, n)
	b := e.backendFor(uint32(stack[0]), name)
	if !ok || b == nil {
		ret(stack, rc.CantOpen)
		return
	}
	v, granted, err := b.Open(name, flags) // "": a private temporary file

	if err != nil {
		code := rc.CantOpen
		if errors.Is(err, backend.ErrFull) {
			code = rc.Full
		}
		e.lastErr, e.lastRC = err, code
		ret(stack, code)
		return
	}
	iocap, sector := uint32(0), uint32(4096)
	if c, ok := v.(backend.Characteristics); ok {
		iocap, sector = uint32(c.DeviceCharacteristics()), uint32(c.SectorSize())
	}
	h := e.add(v)
	var res [16]byte
	binary.LittleEndian.PutUint32(res[0:], h)
	binary.LittleEndian.PutUint32(res[4:], iocap)
	binary.LittleEndian.PutUint32(res[8:], uint32(granted))
	binary.LittleEndian.PutUint32(res[12:], sector)
	if !mod.Memory().Write(out, res[:]) {
		e.remove(h)
		v.Close()
		ret(stack, rc.CantOpen)
		return
	}
	ret(stack, rc.OK)
}

func volClose(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	e.unmapShm(uint32(stack[0]), false) // SQLite unmaps first; this is for a guest that did not
	v := e.remove(uint32(stack[0]))
	if v == nil {
		ret(stack, rc.IOErrClose)
		return
	}
	ret(stack, e.code(v.Close(), rc.IOErrClose))
}

func volRead(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	off, ptr, n := int64(stack[1]), uint32(stack[2]), uint32(stack[3])
	buf, ok := mod.Memory().Read(ptr, n)
	if v == nil || !ok || off < 0 {
		ret(stack, rc.IOErrRead)
		return
	}
	got, err := v.ReadAt(buf, off)
	if got < len(buf) {
		// SQLite requires the unread part zero-filled on a short read.
		clear(buf[max(got, 0):])
		if err == nil || errors.Is(err, io.EOF) {
			ret(stack, rc.IOErrShortRead)
			return
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		ret(stack, e.code(err, rc.IOErrRead))
		return
	}
	ret(stack, rc.OK)
}

func volWrite(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	off, ptr, n := int64(stack[1]), uint32(stack[2]), uint32(stack[3])
	buf, ok := mod.Memory().Read(ptr, n)
	if v == nil || !ok || off < 0 {
		ret(stack, rc.IOErrWrite)
		return
	}
	wrote, err := v.WriteAt(buf, off)
	if err == nil && wrote < len(buf) {
		err = io.ErrShortWrite // io.WriterAt forbids it; a backend that does it lost bytes
	}
	ret(stack, e.code(err, rc.IOErrWrite))
}

func volSize(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rc.IOErrFstat)
		return
	}
	size, err := v.Size()
	if err != nil {
		ret(stack, e.code(err, rc.IOErrFstat))
		return
	}
	if !mod.Memory().WriteUint64Le(uint32(stack[1]), uint64(size)) {
		ret(stack, rc.IOErrFstat)
		return
	}
	ret(stack, rc.OK)
}

func volTruncate(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	size := int64(stack[1])
	if v == nil || size < 0 {
		ret(stack, rc.IOErrTruncate)
		return
	}
	ret(stack, e.code(v.Truncate(size), rc.IOErrTruncate))
}

// volOp makes the host function of a volume call that takes one argument
// and returns only an error, ioerr when the handle is unknown or the
// backend fails without saying more.
func volOp(ioerr rc.Code, op func(v backend.Volume, arg uint64) error) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		e := envOf(ctx)
		v := e.get(uint32(stack[0]))
		if v == nil {
			ret(stack, ioerr)
			return
		}
		ret(stack, e.code(op(v, stack[1]), ioerr))
	}
}

var (
	volSync = volOp(rc.IOErrFsync, func(v backend.Volume, flags uint64) error {
		return v.Sync(backend.SyncFlags(int32(flags)))
	})
	volLock = volOp(rc.IOErrLock, func(v backend.Volume, level uint64) error {
		return v.Lock(backend.LockLevel(int32(level)))
	})
	volUnlock = volOp(rc.IOErrUnlock, func(v backend.Volume, level uint64) error {
		return v.Unlock(backend.LockLevel(int32(level)))
	})
)

func volCheckReserved(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rc.IOErrCheckReserved)
		return
	}
	held, err := v.CheckReserved()
	e.retBool(mod, stack, uint32(stack[1]), held, err, rc.IOErrCheckReserved)
}

// retBool answers a question of the guest: yes (1 or 0) at out, or the
// error's code; ioerr when out is out of bounds.
func (e *env) retBool(mod api.Module, stack []uint64, out uint32, yes bool, err error, ioerr rc.Code) {
	var v uint32
	if yes {
		v = 1
	}
	switch {
	case err != nil:
		ret(stack, e.code(err, ioerr))
	case !mod.Memory().WriteUint32Le(out, v):
		ret(stack, ioerr)
	default:
		ret(stack, rc.OK)
	}
}

func volControl(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	op, arg := int32(stack[1]), int64(stack[2])
	if v == nil {
		ret(stack, rc.IOErr)
		return
	}
	switch op {
	case fcntlSizeHint:
		if h, ok := v.(backend.SizeHinter); ok {
			ret(stack, e.code(h.SizeHint(arg), rc.IOErrTruncate))
			return
		}
	case fcntlCommitPhaseTwo:
		if c, ok := v.(backend.Committer); ok {
			ret(stack, e.code(c.CommitPhaseTwo(), rc.IOErrCommitAtomic))
			return
		}
	case fcntlBeginAtomicWrite, fcntlCommitAtomicWrite, fcntlRollbackAtomicWrite:
		if a, ok := v.(backend.AtomicBatcher); ok {
			switch op {
			case fcntlBeginAtomicWrite:
				ret(stack, e.code(a.BeginAtomicWrite(), rc.IOErrBeginAtomic))
			case fcntlCommitAtomicWrite:
				ret(stack, e.code(a.CommitAtomicWrite(), rc.IOErrCommitAtomic))
			default:
				ret(stack, e.code(a.RollbackAtomicWrite(), rc.IOErrRollbackAtomic))
			}
			return
		}
	}
	ret(stack, rc.NotFound)
}

func vfsDelete(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	name, ok := guestName(mod, uint32(stack[1]), uint32(stack[2]))
	b := e.backendFor(uint32(stack[0]), name)
	if !ok || name == "" || b == nil {
		ret(stack, rc.IOErrDelete)
		return
	}
	err := b.Delete(name, int32(stack[3]) != 0)
	if errors.Is(err, backend.ErrNotFound) {
		ret(stack, rc.IOErrDeleteNoEnt)
		return
	}
	ret(stack, e.code(err, rc.IOErrDelete))
}

func vfsAccess(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	name, ok := guestName(mod, uint32(stack[1]), uint32(stack[2]))
	b := e.backendFor(uint32(stack[0]), name)
	if !ok || b == nil {
		ret(stack, rc.IOErrAccess)
		return
	}
	yes, err := b.Access(name, backend.AccessMode(int32(stack[3])))
	e.retBool(mod, stack, uint32(stack[4]), yes, err, rc.IOErrAccess)
}

func vfsFullPath(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	name, ok := guestName(mod, uint32(stack[1]), uint32(stack[2]))
	b := e.backendFor(uint32(stack[0]), name)
	out, capacity := uint32(stack[3]), uint32(stack[4])
	if !ok || b == nil {
		ret(stack, rc.CantOpen)
		return
	}
	full := name
	if fp, ok := b.(backend.FullPather); ok {
		var err error
		if full, err = fp.FullPath(name); err != nil {
			ret(stack, e.code(err, rc.CantOpen))
			return
		}
	}
	if uint64(len(full))+1 > uint64(capacity) || !mod.Memory().WriteString(out, full) || !mod.Memory().WriteByte(out+uint32(len(full)), 0) {
		ret(stack, rc.CantOpen)
		return
	}
	ret(stack, rc.OK)
}

func sysTime(ctx context.Context, mod api.Module, stack []uint64) {
	stack[0] = uint64(time.Now().UnixMilli())
}

// sysTZOffset gives SQLite's 'localtime' the process's local time zone.
func sysTZOffset(ctx context.Context, mod api.Module, stack []uint64) {
	_, offset := time.Unix(int64(stack[0]), 0).Zone()
	stack[0] = api.EncodeI32(int32(offset))
}

func sysRandom(ctx context.Context, mod api.Module, stack []uint64) {
	if buf, ok := mod.Memory().Read(uint32(stack[0]), uint32(stack[1])); ok {
		rand.Read(buf)
	}
}

// sysSleep sleeps for the busy handler, waking early when the statement is
// interrupted so that a cancelled context does not wait out a busy timeout.
func sysSleep(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	d := time.Duration(max(int32(stack[0]), 0)) * time.Microsecond
	start := time.Now()
	for left := d; left > 0 && !e.interrupted(); left = d - time.Since(start) {
		time.Sleep(min(left, 2*time.Millisecond))
	}
	stack[0] = api.EncodeI32(int32(time.Since(start) / time.Microsecond))
}

func sysInterrupted(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	var r rc.Code
	if e.interrupted() || e.inst != nil && e.inst.meter.over {
		r = 1
	}
	ret(stack, r)
}
