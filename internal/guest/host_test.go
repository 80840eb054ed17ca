package guest

import (
	"bytes"
	"context"
	"encoding/binary"
	"github.com/stablesqlite/stablesqlite/internal/rc"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/tetratelabs/wazero/api"
)

// The host functions carry 64-bit file offsets whole, and answer bad guest
// pointers with an error code, never a panic.
func TestHostOffsetsAndBounds(t *testing.T) {
	inst, err := New(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	ctx := inst.ctx
	v, _, err := inst.env.backend.Open("/big", backend.OpenCreate|backend.OpenReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	h := inst.env.add(v)
	buf := inst.scratch.ptr
	inst.mem.Write(buf, []byte("far away"))
	const off = 5<<30 + 123
	stack := []uint64{uint64(h), off, uint64(buf), 8}
	volWrite(ctx, inst.mod, stack)
	if code := rc.Code(stack[0]); code != rc.OK {
		t.Fatalf("vol_write at 5 GiB: rc %d", code)
	}
	got := make([]byte, 8)
	if _, err := v.ReadAt(got, off); err != nil || string(got) != "far away" {
		t.Fatalf("backend has %q at 5 GiB, %v", got, err)
	}
	inst.mem.Write(buf, make([]byte, 8))
	stack = []uint64{uint64(h), off, uint64(buf), 8}
	volRead(ctx, inst.mod, stack)
	if back, _ := inst.mem.Read(buf, 8); rc.Code(stack[0]) != rc.OK || !bytes.Equal(back, []byte("far away")) {
		t.Fatalf("vol_read at 5 GiB: rc %d, %q", int32(stack[0]), back)
	}
	// A short read zero-fills and says so.
	inst.mem.Write(buf, []byte("xxxxxxxxxxxxxxxx"))
	stack = []uint64{uint64(h), off + 4, uint64(buf), 16}
	volRead(ctx, inst.mod, stack)
	if back, _ := inst.mem.Read(buf, 16); rc.Code(stack[0]) != rc.IOErrShortRead || !bytes.Equal(back, append([]byte("away"), make([]byte, 12)...)) {
		t.Fatalf("short read: rc %d, %q", int32(stack[0]), back)
	}
	// Pointers past the guest's memory, unknown handles and negative offsets.
	size := inst.mem.Size()
	for name, call := range map[string]func() int32{
		"read past memory": func() int32 {
			s := []uint64{uint64(h), 0, uint64(size - 4), 8}
			volRead(ctx, inst.mod, s)
			return int32(s[0])
		},
		"write past memory": func() int32 {
			s := []uint64{uint64(h), 0, uint64(size), 1}
			volWrite(ctx, inst.mod, s)
			return int32(s[0])
		},
		"unknown handle": func() int32 { s := []uint64{999, 0, uint64(buf), 1}; volRead(ctx, inst.mod, s); return int32(s[0]) },
		"negative offset": func() int32 {
			s := []uint64{uint64(h), api.EncodeI64(-1), uint64(buf), 1}
			volWrite(ctx, inst.mod, s)
			return int32(s[0])
		},
		"size out pointer": func() int32 { s := []uint64{uint64(h), uint64(size)}; volSize(ctx, inst.mod, s); return int32(s[0]) },
		"open name pointer": func() int32 {
			s := []uint64{0, uint64(size), 10, 6, uint64(buf)}
			volOpen(ctx, inst.mod, s)
			return int32(s[0])
		},
		"open unknown vfs": func() int32 {
			inst.mem.WriteString(buf, "/x")
			s := []uint64{7, uint64(buf), 2, 6, uint64(buf + 64)}
			volOpen(ctx, inst.mod, s)
			return int32(s[0])
		},
		"open out pointer": func() int32 {
			inst.mem.WriteString(buf, "/x")
			s := []uint64{0, uint64(buf), 2, 6, uint64(size - 2)}
			volOpen(ctx, inst.mod, s)
			return int32(s[0])
		},
	} {
		if code := call(); code == int32(rc.OK) {
			t.Errorf("%s: rc OK", name)
		}
	}
}

// FuzzHostFunctions calls a host function with arguments a guest could
// pass (small numbers, handles of open volumes, guest pointers near the end
// of memory, and anything else) on an instance with an open WAL database on
// the heap, stable or file backend,
// then closes the instance: neither may panic or allocate without bound (it
// found both: a callback's argument count and a shared-memory region index
// were trusted). No SQL runs after the call: calls such as sys_random write
// where they are told, and a guest that points them at its own data may
// break itself, or loop.
func FuzzHostFunctions(f *testing.F) {
	f.Add(uint8(2), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add(uint8(5), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0xff, 0x0f})
	f.Add(uint8(11), []byte{})
	f.Add(uint8(11+23), []byte{1, 0, 0, 0, 0, 0, 0, 0, 3})
	f.Add(uint8(5+46), []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0xff, 0x0f})
	funcs := hostFunctions()
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		// which picks the function, and the backend: heap, stable, file.
		var be backend.Backend = heap.New()
		name := "/fuzz.db"
		switch int(which) / len(funcs) % 3 {
		case 1:
			sb, err := stable.New(stable.NewMemory(0))
			if err != nil {
				t.Fatal(err)
			}
			be = sb
		case 2:
			be, name = file.New(), filepath.Join(t.TempDir(), "fuzz.db")
		}
		inst, err := New(Config{Backend: be, MemoryLimit: 32 << 20}) // small: a call may make the guest allocate
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		defer inst.Watch(context.Background())()
		db := open(t, inst, name)
		execOK(t, inst, db, "pragma journal_mode=wal; create table t(x); insert into t values (1)")
		h := funcs[int(which)%len(funcs)]
		stack := make([]uint64, max(len(h.params), len(h.results)))
		for k := range h.params {
			var v uint64
			if len(raw) >= 8*(k+1) {
				v = binary.LittleEndian.Uint64(raw[8*k:])
			}
			switch {
			case h.name == "sys_sleep":
				v %= 1000 // microseconds: a long sleep is allowed, just slow
			case h.params[k] == api.ValueTypeI32:
				v = uint64(uint32(v))
			}
			stack[k] = v
		}
		h.fn(inst.ctx, inst.mod, stack)
	})
}
