package guest

import (
	"context"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/shm"
	"github.com/stablesqlite/stablesqlite/internal/rc"
	"github.com/tetratelabs/wazero/api"
)

// The WAL index: the guest asks for each region at a page-aligned address
// of its own memory, and the host maps the region of the backend's index
// file there (MAP_SHARED), so that SQLite's reads and writes of the index,
// lock-free ones included, are those of every other connection, of this
// process or another. Unmapping puts private zero pages back, before the
// guest frees the memory.

// shmRegion is one region mapped into the guest's memory.
type shmRegion struct{ at, size uint32 }

// shmOf returns the volume's shared memory, if it has one.
func shmOf(e *env, h uint32) backend.SharedMemory {
	sm, _ := e.get(h).(backend.SharedMemory)
	return sm
}

func shmMap(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	h := uint32(stack[0])
	region, size, extend, at := int32(stack[1]), int32(stack[2]), int32(stack[3]) != 0, uint32(stack[4])
	sm := shmOf(e, h)
	if sm == nil {
		ret(stack, rc.IOErrShmOpen)
		return
	}
	if region < 0 || region >= shm.MaxRegions || size <= 0 || uint64(at)+uint64(size) > uint64(mod.Memory().Size()) {
		ret(stack, rc.IOErrShmMap)
		return
	}
	f, off, ok, err := sm.ShmMap(int(region), int(size), extend)
	if err != nil {
		ret(stack, e.code(err, rc.IOErrShmMap))
		return
	}
	if !ok {
		ret(stack, rc.NotFound)
		return
	}
	if err := e.inst.memory.mapShared(at, uint32(size), f, off); err != nil {
		ret(stack, e.code(err, rc.IOErrShmMap))
		return
	}
	e.shm[h] = append(e.shm[h], shmRegion{at, uint32(size)})
	ret(stack, rc.OK)
}

func shmLock(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	h := uint32(stack[0])
	offset, n, flags := int(int32(stack[1])), int(int32(stack[2])), backend.ShmFlags(int32(stack[3]))
	sm := shmOf(e, h)
	if sm == nil {
		ret(stack, rc.IOErrShmLock)
		return
	}
	ret(stack, e.code(sm.ShmLock(offset, n, flags), rc.IOErrShmLock))
}

func shmUnmap(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	ret(stack, e.code(e.unmapShm(uint32(stack[0]), int32(stack[1]) != 0), rc.IOErrShmMap))
}

// unmapShm takes the regions of handle h out of the guest's memory and
// releases its shm locks.
func (e *env) unmapShm(h uint32, discard bool) error {
	var err error
	for _, r := range e.shm[h] {
		if uerr := e.inst.memory.unmapShared(r.at, r.size); err == nil {
			err = uerr
		}
	}
	delete(e.shm, h)
	if sm := shmOf(e, h); sm != nil {
		if uerr := sm.ShmUnmap(discard); err == nil {
			err = uerr
		}
	}
	return err
}
