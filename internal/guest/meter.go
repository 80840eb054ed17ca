package guest

import (
	"context"
	"math"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/tetratelabs/wazero/api"
)

// Metering: an instance of the metered module (Config.Metered) counts the
// instructions the guest executes, as the Internet Computer counts a
// canister's, in its exported global meter_counter, which holds the
// instructions left and counts down (wasm/ABI.md). Before each call into
// the guest the host sets it to the budget left: the statement's and, on a
// backend that meters messages (backend.InstructionMeter), the message's;
// after, it reads what the call used. When the counter runs out the guest
// calls meter_exhausted: the host notes that the budget is spent, so that
// SQLite's progress check (sys_interrupted, every 1,000 virtual-machine
// steps) stops the statement cleanly, and refills a grace amount, so that
// the guest gets there. The count is the module's own, instruction by
// instruction: the same work counts the same in every run, on every
// engine.

// grace is what the counter is refilled with when a budget is spent:
// enough for SQLite to reach its next progress check.
const grace = 10_000_000

type meter struct {
	counter api.MutableGlobal // nil for the plain module
	set     int64             // what the counter was set to for the call under way
	refills int64             // what meter_exhausted added during it
	total   uint64            // instructions executed by the instance so far
	budget  uint64            // total at which the statement budget is spent
	msgLeft int64             // the message's budget left, from the backend
	over    bool              // a budget is spent: the statement stops at the next check
}

// begin sets the counter to the budget left before a call.
func (m *meter) begin() {
	left := int64(math.MaxInt64)
	if m.budget > m.total {
		left = int64(min(m.budget-m.total, math.MaxInt64))
	} else if m.budget != 0 {
		left = 0
	}
	left = min(left, m.msgLeft)
	m.set, m.refills = left, 0
	m.counter.Set(uint64(left))
}

// sync counts what the call under way has used so far and reports it to
// the backend (which may end a message now: a transaction's end is a host
// call), then lowers the counter to the message's budget left.
func (m *meter) sync(b backend.Backend) {
	now := int64(m.counter.Get())
	used := m.set + m.refills - now
	if used < 0 {
		used = 0
	}
	m.total += uint64(used)
	if im, ok := b.(backend.InstructionMeter); ok {
		m.msgLeft = im.AddInstructions(uint64(used))
		if now > m.msgLeft {
			now = m.msgLeft
			m.counter.Set(uint64(now))
		}
	}
	m.set, m.refills = now, 0
}

// metered wraps a host function so that a metered instance's count is
// brought up to date before the host does the function's work (a storage
// call may end a message).
func metered(fn api.GoModuleFunc) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		if i := envOf(ctx).inst; i != nil && i.meter.counter != nil {
			i.meter.sync(i.env.backend)
		}
		fn(ctx, mod, stack)
	}
}

// exhausted answers meter_exhausted.
func (m *meter) exhausted() {
	m.over = true
	m.refills += grace - int64(m.counter.Get())
	m.counter.Set(grace)
}

func meterExhausted(ctx context.Context, mod api.Module, stack []uint64) {
	if i := envOf(ctx).inst; i != nil && i.meter.counter != nil {
		i.meter.exhausted()
	}
}

// Instructions returns the instructions the instance's guest has executed
// (always 0 for the plain module).
func (i *Instance) Instructions() uint64 { return i.meter.total }

// SetBudget lets the calls from now on execute n more instructions in all
// (0: no budget but the message's), and clears a spent budget.
func (i *Instance) SetBudget(n uint64) {
	i.meter.over = false
	if n == 0 {
		i.meter.budget = 0
		return
	}
	i.meter.budget = i.meter.total + n
}

// OverBudget reports whether a budget ran out since the last SetBudget:
// the statement that was running stopped with SQLITE_INTERRUPT for it.
func (i *Instance) OverBudget() bool { return i.meter.over }
