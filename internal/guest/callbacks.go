package guest

import (
	"context"
	"fmt"
	"github.com/stablesqlite/stablesqlite/internal/rc"
	"math"

	"github.com/tetratelabs/wazero/api"
)

// CallbackKind says which callback SQLite is making (see glue.c).
type CallbackKind int32

// The callback kinds.
const (
	CallFunc     CallbackKind = 1  // scalar function
	CallStep     CallbackKind = 2  // aggregate or window step
	CallFinal    CallbackKind = 3  // aggregate or window final
	CallValue    CallbackKind = 4  // window value
	CallInverse  CallbackKind = 5  // window inverse
	CallDestroy  CallbackKind = 6  // the function or collation was dropped
	CallCollate  CallbackKind = 7  // collation compare: Args are the two strings, return an int
	CallCommit   CallbackKind = 8  // commit hook: return true to turn the commit into a rollback
	CallRollback CallbackKind = 9  // rollback hook
	CallUpdate   CallbackKind = 10 // update hook: Args are op, database, table, rowid
)

// Callback is one call from SQLite into Go.
type Callback struct {
	Kind CallbackKind
	ID   int32 // the id given when the function or collation was created
	// Agg identifies the aggregate instance of a step, final, value or
	// inverse call: 0 the first time, when the handler sets it.
	Agg  int32
	Args []any // int64, float64, string, []byte or nil
}

// CallbackHandler answers callbacks: the result is nil, an integer, a
// float, a string, a []byte or a bool; an error becomes the SQL error of the
// statement. A panic is caught and becomes an error too.
type CallbackHandler func(cb *Callback) (any, error)

// SetCallbackHandler sets the instance's callback handler.
func (i *Instance) SetCallbackHandler(h CallbackHandler) { i.env.handler = h }

// maxCallbackArgs is SQLite's own bound on a function's arguments
// (SQLITE_MAX_FUNCTION_ARG cannot exceed it).
const maxCallbackArgs = 32767

func readSlots(mem api.Memory, p uint32, n int) ([]any, bool) {
	// Check the count before allocating for it: SQLite passes at most
	// 32,767 arguments, and their slots must lie in guest memory.
	if n > maxCallbackArgs || uint64(p)+uint64(n)*SlotSize > uint64(mem.Size()) {
		return nil, false
	}
	slots := ReadSlots(mem, p, n)
	args := make([]any, n)
	for k := range args {
		switch typ := slots.Type(k); typ {
		case TypeInteger:
			args[k] = slots.Int(k)
		case TypeFloat:
			args[k] = slots.Float(k)
		case TypeText, TypeBlob:
			b, ok := slots.bytes(k)
			if !ok {
				return nil, false
			}
			if typ == TypeText {
				args[k] = string(b)
			} else {
				args[k] = append([]byte{}, b...)
			}
		}
	}
	return args, true
}

// callback is the host side of the callback import: it decodes the slots,
// runs the handler (catching panics) and writes the result slot.
func callback(ctx context.Context, mod api.Module, stack []uint64) {
	e := envOf(ctx)
	kind, id, aux, argc, argv, result := CallbackKind(int32(stack[0])), int32(stack[1]), uint32(stack[2]), int32(stack[3]), uint32(stack[4]), uint32(stack[5])
	mem := mod.Memory()
	cb := &Callback{Kind: kind, ID: id}
	if aux != 0 {
		v, ok := mem.ReadUint32Le(aux)
		if !ok {
			ret(stack, rc.Error)
			return
		}
		cb.Agg = int32(v)
	}
	args, ok := readSlots(mem, argv, max(int(argc), 0))
	if !ok || e.handler == nil {
		e.writeResult(mem, result, nil, fmt.Errorf("stablesqlite: bad callback"))
		ret(stack, rc.Error)
		return
	}
	cb.Args = args
	v, err := safeCall(e.handler, cb)
	if aux != 0 {
		mem.WriteUint32Le(aux, uint32(cb.Agg))
	}
	e.writeResult(mem, result, v, err)
	ret(stack, rc.OK)
}

func safeCall(h CallbackHandler, cb *Callback) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("panic in a Go function: %v", r)
		}
	}()
	return h(cb)
}

// writeResult writes a result slot; text and blob bytes go to guest memory
// from malloc, which SQLite frees.
func (e *env) writeResult(mem api.Memory, at uint32, v any, err error) {
	var typ int32 = TypeNull
	var length uint32
	var value uint64
	bytesResult := func(b []byte, t int32) {
		p, ok := e.guestMalloc(uint32(len(b)) + 1)
		if !ok {
			typ = TypeNull
			return
		}
		mem.Write(p, b)
		mem.WriteByte(p+uint32(len(b)), 0)
		typ, length, value = t, uint32(len(b)), uint64(p)
	}
	if err != nil {
		bytesResult([]byte(err.Error()), TypeError)
	} else {
		switch v := v.(type) {
		case nil:
		case int64:
			typ, value = TypeInteger, uint64(v)
		case int:
			typ, value = TypeInteger, uint64(v)
		case int32:
			typ, value = TypeInteger, uint64(int64(v))
		case bool:
			typ = TypeInteger
			if v {
				value = 1
			}
		case float64:
			typ, value = TypeFloat, math.Float64bits(v)
		case float32:
			typ, value = TypeFloat, math.Float64bits(float64(v))
		case string:
			bytesResult([]byte(v), TypeText)
		case []byte:
			if v == nil {
				break
			}
			bytesResult(v, TypeBlob)
		default:
			bytesResult([]byte(fmt.Sprintf("stablesqlite: a Go function returned an unsupported %T", v)), TypeError)
		}
	}
	PutSlot(mem, at, typ, length, value)
}

// guestMalloc allocates guest memory from inside a host function (a call
// back into the guest, on its own stack).
func (e *env) guestMalloc(n uint32) (uint32, bool) {
	i := e.inst
	i.cbStack[0] = uint64(n)
	fn, err := i.fn(FnMalloc)
	if err != nil || fn.CallWithStack(i.ctx, i.cbStack[:]) != nil || i.cbStack[0] == 0 {
		return 0, false
	}
	return uint32(i.cbStack[0]), true
}
