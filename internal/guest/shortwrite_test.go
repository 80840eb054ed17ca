package guest

import (
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/internal/rc"
)

// shortWriter's WriteAt writes all but the last byte and says nothing.
type shortWriter struct{ backend.Volume }

func (s shortWriter) WriteAt(p []byte, off int64) (int, error) {
	return s.Volume.WriteAt(p[:len(p)-1], off)
}

// A write a backend did not finish, even one it does not report, is the
// write's I/O error, not a success with a byte missing.
func TestShortWriteIsAnError(t *testing.T) {
	inst, err := New(Config{Backend: heap.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	v, _, err := inst.env.backend.Open("/short", backend.OpenCreate|backend.OpenReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	h := inst.env.add(shortWriter{v})
	inst.mem.Write(inst.scratch.ptr, []byte("12345678"))
	stack := []uint64{uint64(h), 0, uint64(inst.scratch.ptr), 8}
	volWrite(inst.ctx, inst.mod, stack)
	if code := rc.Code(stack[0]); code != rc.IOErrWrite {
		t.Fatalf("a short write: rc %d, want SQLITE_IOERR_WRITE", code)
	}
}
