package wasm

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// ImportModule is the name of the module's only import module.
const ImportModule = "stablesqlite"

// SQLite result codes the host returns.
const (
	rcOK              = 0
	rcError           = 1
	rcBusy            = 5
	rcReadOnly        = 8
	rcIOErr           = 10
	rcFull            = 13
	rcCantOpen        = 14
	rcIOErrRead       = rcIOErr | 1<<8
	rcIOErrShortRead  = rcIOErr | 2<<8
	rcIOErrWrite      = rcIOErr | 3<<8
	rcIOErrFsync      = rcIOErr | 4<<8
	rcIOErrTruncate   = rcIOErr | 6<<8
	rcIOErrFstat      = rcIOErr | 7<<8
	rcIOErrUnlock     = rcIOErr | 8<<8
	rcIOErrDelete     = rcIOErr | 10<<8
	rcIOErrAccess     = rcIOErr | 13<<8
	rcIOErrCheckRes   = rcIOErr | 14<<8
	rcIOErrLock       = rcIOErr | 15<<8
	rcIOErrClose      = rcIOErr | 16<<8
	rcIOErrShmOpen    = rcIOErr | 18<<8
	rcIOErrShmLock    = rcIOErr | 20<<8
	rcIOErrShmMap     = rcIOErr | 21<<8
	rcIOErrDeleteNone = rcIOErr | 23<<8
	rcIOErrBeginAtom  = rcIOErr | 29<<8
	rcIOErrCommitAtom = rcIOErr | 30<<8
	rcIOErrRollAtom   = rcIOErr | 31<<8
)

// SQLite file-control opcodes that reach the host.
const (
	fcntlSizeHint            = 5
	fcntlCommitPhaseTwo      = 22
	fcntlBeginAtomicWrite    = 31
	fcntlCommitAtomicWrite   = 32
	fcntlRollbackAtomicWrite = 33
)

// rc maps a backend error to a SQLite result code (ioerr is the code for an
// I/O error of the operation at hand) and keeps the error, so that the
// driver can tell the user what the backend said.
func (e *env) rc(err error, ioerr int32) int32 {
	rc := rcFor(err, ioerr)
	if err != nil {
		e.lastErr, e.lastRC = err, rc
	}
	return rc
}

// rcFor maps a backend error to a SQLite result code.
func rcFor(err error, ioerr int32) int32 {
	switch {
	case err == nil:
		return rcOK
	case errors.Is(err, backend.ErrBusy):
		return rcBusy
	case errors.Is(err, backend.ErrFull):
		return rcFull
	case errors.Is(err, backend.ErrReadOnly):
		return rcReadOnly
	}
	return ioerr
}

type envKey struct{}

func envOf(ctx context.Context) *env { return ctx.Value(envKey{}).(*env) }

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// exportHost instantiates the host module in r. Each function finds its
// connection's state in the call's context (see Instance.ctx), and treats
// every pointer and length from the guest as untrusted.
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
		{"shm_barrier", shmBarrier, []api.ValueType{i32}, nil},
		{"shm_unmap", shmUnmap, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"vfs_delete", vfsDelete, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
		{"vfs_access", vfsAccess, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"callback", callback, []api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
		{"sys_time", sysTime, nil, []api.ValueType{i64}},
		{"sys_tz_offset", sysTZOffset, []api.ValueType{i64}, []api.ValueType{i32}},
		{"sys_random", sysRandom, []api.ValueType{i32, i32}, nil},
		{"sys_sleep", sysSleep, []api.ValueType{i32}, []api.ValueType{i32}},
		{"sys_interrupted", sysInterrupted, nil, []api.ValueType{i32}},
	}
}

func exportHost(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(ImportModule)
	for _, h := range hostFunctions() {
		b.NewFunctionBuilder().WithGoModuleFunction(h.fn, h.params, h.results).Export(h.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func ret(stack []uint64, rc int32) { stack[0] = api.EncodeI32(rc) }

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
	b := e.backendFor(stack[0])
	ptr, n, flags, out := uint32(stack[1]), uint32(stack[2]), backend.OpenFlags(uint32(stack[3])), uint32(stack[4])
	name, ok := guestName(mod, ptr, n)
	if !ok || b == nil {
		ret(stack, rcCantOpen)
		return
	}
	var v backend.Volume
	var granted backend.OpenFlags
	var err error
	if name == "" {
		v, granted = heap.NewTemp(), flags // unnamed temporary files live in memory
	} else {
		v, granted, err = b.Open(name, flags)
	}
	if err != nil {
		rc := int32(rcCantOpen)
		if errors.Is(err, backend.ErrFull) {
			rc = rcFull
		}
		e.lastErr, e.lastRC = err, rc
		ret(stack, rc)
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
		ret(stack, rcCantOpen)
		return
	}
	ret(stack, rcOK)
}

func volClose(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	if sm := shmOf(e, uint32(stack[0])); sm != nil && e.shm[uint32(stack[0])] != nil {
		sm.ShmUnmap(false) // SQLite unmaps first; this is for a guest that did not
		delete(e.shm, uint32(stack[0]))
	}
	v := e.remove(uint32(stack[0]))
	if v == nil {
		ret(stack, rcIOErrClose)
		return
	}
	ret(stack, e.rc(v.Close(), rcIOErrClose))
}

func volRead(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	off, ptr, n := int64(stack[1]), uint32(stack[2]), uint32(stack[3])
	buf, ok := mod.Memory().Read(ptr, n)
	if v == nil || !ok || off < 0 {
		ret(stack, rcIOErrRead)
		return
	}
	got, err := v.ReadAt(buf, off)
	if got < len(buf) {
		// SQLite requires the unread part zero-filled on a short read.
		clear(buf[max(got, 0):])
		if err == nil || errors.Is(err, io.EOF) {
			ret(stack, rcIOErrShortRead)
			return
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		ret(stack, e.rc(err, rcIOErrRead))
		return
	}
	ret(stack, rcOK)
}

func volWrite(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	off, ptr, n := int64(stack[1]), uint32(stack[2]), uint32(stack[3])
	buf, ok := mod.Memory().Read(ptr, n)
	if v == nil || !ok || off < 0 {
		ret(stack, rcIOErrWrite)
		return
	}
	wrote, err := v.WriteAt(buf, off)
	if err == nil && wrote < len(buf) {
		err = io.ErrShortWrite // io.WriterAt forbids it; a backend that does it lost bytes
	}
	ret(stack, e.rc(err, rcIOErrWrite))
}

func volSize(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rcIOErrFstat)
		return
	}
	size, err := v.Size()
	if err != nil {
		ret(stack, e.rc(err, rcIOErrFstat))
		return
	}
	if !mod.Memory().WriteUint64Le(uint32(stack[1]), uint64(size)) {
		ret(stack, rcIOErrFstat)
		return
	}
	ret(stack, rcOK)
}

func volTruncate(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	size := int64(stack[1])
	if v == nil || size < 0 {
		ret(stack, rcIOErrTruncate)
		return
	}
	ret(stack, e.rc(v.Truncate(size), rcIOErrTruncate))
}

func volSync(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rcIOErrFsync)
		return
	}
	ret(stack, e.rc(v.Sync(backend.SyncFlags(int32(stack[1]))), rcIOErrFsync))
}

func volLock(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rcIOErrLock)
		return
	}
	ret(stack, e.rc(v.Lock(backend.LockLevel(int32(stack[1]))), rcIOErrLock))
}

func volUnlock(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rcIOErrUnlock)
		return
	}
	ret(stack, e.rc(v.Unlock(backend.LockLevel(int32(stack[1]))), rcIOErrUnlock))
}

func volCheckReserved(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	if v == nil {
		ret(stack, rcIOErrCheckRes)
		return
	}
	held, err := v.CheckReserved()
	if err != nil {
		ret(stack, e.rc(err, rcIOErrCheckRes))
		return
	}
	var out uint32
	if held {
		out = 1
	}
	if !mod.Memory().WriteUint32Le(uint32(stack[1]), out) {
		ret(stack, rcIOErrCheckRes)
		return
	}
	ret(stack, rcOK)
}

const rcNotFoundCtl = 12 // SQLITE_NOTFOUND: this volume does not handle the control

func volControl(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	v := e.get(uint32(stack[0]))
	op, arg := int32(stack[1]), int64(stack[2])
	if v == nil {
		ret(stack, rcIOErr)
		return
	}
	switch op {
	case fcntlSizeHint:
		if h, ok := v.(backend.SizeHinter); ok {
			ret(stack, e.rc(h.SizeHint(arg), rcIOErrTruncate))
			return
		}
	case fcntlCommitPhaseTwo:
		if c, ok := v.(backend.Committer); ok {
			ret(stack, e.rc(c.CommitPhaseTwo(), rcIOErrCommitAtom))
			return
		}
	case fcntlBeginAtomicWrite, fcntlCommitAtomicWrite, fcntlRollbackAtomicWrite:
		if a, ok := v.(backend.AtomicBatcher); ok {
			switch op {
			case fcntlBeginAtomicWrite:
				ret(stack, e.rc(a.BeginAtomicWrite(), rcIOErrBeginAtom))
			case fcntlCommitAtomicWrite:
				ret(stack, e.rc(a.CommitAtomicWrite(), rcIOErrCommitAtom))
			default:
				ret(stack, e.rc(a.RollbackAtomicWrite(), rcIOErrRollAtom))
			}
			return
		}
	}
	ret(stack, rcNotFoundCtl)
}

// shmOf returns the volume's shared memory, if it has one.
func shmOf(e *env, h uint32) backend.SharedMemory {
	sm, _ := e.get(h).(backend.SharedMemory)
	return sm
}

// maxShmRegions bounds the index of a shared-memory region the guest maps
// (SQLite maps them one after the other; 32,768 of 32 KiB index a WAL of
// 128 million frames), so that a bad index is an error, not an allocation.
const maxShmRegions = 1 << 15

func shmMap(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	h := uint32(stack[0])
	region, size, extend, buf := int32(stack[1]), int32(stack[2]), int32(stack[3]) != 0, uint32(stack[4])
	sm := shmOf(e, h)
	if sm == nil {
		ret(stack, rcIOErrShmOpen)
		return
	}
	if region < 0 || region >= maxShmRegions || size <= 0 {
		ret(stack, rcIOErrShmMap)
		return
	}
	private, ok := mod.Memory().Read(buf, uint32(size))
	if !ok {
		ret(stack, rcIOErrShmMap)
		return
	}
	present, err := sm.ShmMap(int(region), int(size), extend)
	if err != nil {
		ret(stack, e.rc(err, rcIOErrShmMap))
		return
	}
	if !present {
		ret(stack, rcNotFoundCtl)
		return
	}
	m := e.shm[h]
	if m == nil {
		m = &shmMapping{}
		e.shm[h] = m
	}
	for len(m.ptrs) <= int(region) {
		m.ptrs = append(m.ptrs, 0)
	}
	m.ptrs[region], m.size = buf, uint32(size)
	sm.ShmSync(int(region), private, false, true)
	ret(stack, rcOK)
}

// shmSync reconciles every region the guest has mapped for handle h.
func shmSync(e *env, mod api.Module, h uint32, sm backend.SharedMemory, publish, receive bool) error {
	m := e.shm[h]
	if m == nil {
		return nil
	}
	for region, p := range m.ptrs {
		if p == 0 {
			continue
		}
		if private, ok := mod.Memory().Read(p, m.size); ok {
			sm.ShmSync(region, private, publish, receive)
		}
	}
	return nil
}

// shmLock publishes this connection's changes before it lets go of a lock,
// and takes in the others' after it gets one.
func shmLock(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	h := uint32(stack[0])
	offset, n, flags := int(int32(stack[1])), int(int32(stack[2])), backend.ShmFlags(int32(stack[3]))
	sm := shmOf(e, h)
	if sm == nil {
		ret(stack, rcIOErrShmLock)
		return
	}
	if flags&backend.ShmUnlock != 0 {
		if err := shmSync(e, mod, h, sm, true, false); err != nil {
			ret(stack, e.rc(err, rcIOErrShmLock))
			return
		}
	}
	if err := sm.ShmLock(offset, n, flags); err != nil {
		ret(stack, e.rc(err, rcIOErrShmLock))
		return
	}
	if flags&backend.ShmLock != 0 {
		shmSync(e, mod, h, sm, false, true)
	}
	ret(stack, rcOK)
}

func shmBarrier(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	h := uint32(stack[0])
	if sm := shmOf(e, h); sm != nil {
		shmSync(e, mod, h, sm, true, true)
	}
}

func shmUnmap(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	h := uint32(stack[0])
	sm := shmOf(e, h)
	delete(e.shm, h)
	if sm == nil {
		ret(stack, rcOK)
		return
	}
	ret(stack, e.rc(sm.ShmUnmap(int32(stack[1]) != 0), rcIOErrShmMap))
}

func vfsDelete(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	b := e.backendFor(stack[0])
	name, ok := guestName(mod, uint32(stack[1]), uint32(stack[2]))
	if !ok || name == "" || b == nil {
		ret(stack, rcIOErrDelete)
		return
	}
	err := b.Delete(name, int32(stack[3]) != 0)
	if errors.Is(err, backend.ErrNotFound) {
		ret(stack, rcIOErrDeleteNone)
		return
	}
	ret(stack, e.rc(err, rcIOErrDelete))
}

func vfsAccess(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	b := e.backendFor(stack[0])
	name, ok := guestName(mod, uint32(stack[1]), uint32(stack[2]))
	if !ok || b == nil {
		ret(stack, rcIOErrAccess)
		return
	}
	yes, err := b.Access(name, backend.AccessMode(int32(stack[3])))
	if err != nil {
		ret(stack, e.rc(err, rcIOErrAccess))
		return
	}
	var out uint32
	if yes {
		out = 1
	}
	if !mod.Memory().WriteUint32Le(uint32(stack[4]), out) {
		ret(stack, rcIOErrAccess)
		return
	}
	ret(stack, rcOK)
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
	var r int32
	if e.interrupted() {
		r = 1
	}
	ret(stack, r)
}
