package stable

import (
	"errors"
	"fmt"
	"math"
)

// Stats counts what a message (or all of them) did to the memory, as the
// Internet Computer would see and charge it.
type Stats struct {
	ReadCalls    uint64 // memory read calls
	WriteCalls   uint64 // memory write calls
	GrowCalls    uint64 // memory grow calls
	BytesRead    uint64
	BytesWritten uint64
	// Distinct pages touched, at 4 KiB and at 64 KiB granularity (per
	// message; the total sums the messages).
	PagesRead4K     uint64
	PagesRead64K    uint64
	PagesDirtied4K  uint64
	PagesDirtied64K uint64
	PagesGrown      uint64 // 64 KiB pages added
	Commits         uint64 // messages that changed the memory
	Traps           uint64 // messages rolled back
	// APIInstructions is what the platform charges for the calls on the
	// memory, in instructions (per Costs).
	APIInstructions uint64
	// Instructions are the instructions the guest executed, counted by
	// connections that run the metered module (driver.WithMetering).
	Instructions uint64
}

// Charge is all the message costs, in the platform's instructions: the
// guest's own and those the calls on the memory are charged.
func (s Stats) Charge() uint64 { return s.Instructions + s.APIInstructions }

func (s *Stats) add(o Stats) {
	s.ReadCalls += o.ReadCalls
	s.WriteCalls += o.WriteCalls
	s.GrowCalls += o.GrowCalls
	s.BytesRead += o.BytesRead
	s.BytesWritten += o.BytesWritten
	s.PagesRead4K += o.PagesRead4K
	s.PagesRead64K += o.PagesRead64K
	s.PagesDirtied4K += o.PagesDirtied4K
	s.PagesDirtied64K += o.PagesDirtied64K
	s.PagesGrown += o.PagesGrown
	s.Commits += o.Commits
	s.Traps += o.Traps
	s.APIInstructions += o.APIInstructions
	s.Instructions += o.Instructions
}

// Costs are the platform's charges.
type Costs struct {
	PerCall    uint64 // per read or write call
	PerByte    uint64 // per byte read or written
	PerDirtied uint64 // per newly dirtied 4 KiB page
	PerGrow    uint64 // per grow call
}

// DefaultCosts are the Internet Computer's, in instructions: 20 + length
// per read or write call (its stable64_read and stable64_write), 1,000 per
// newly dirtied 4 KiB page, 100 per grow.
var DefaultCosts = Costs{PerCall: 20, PerByte: 1, PerDirtied: 1000, PerGrow: 100}

// Limits caps what one message may do: touch distinct 4 KiB pages (in
// bytes) and execute instructions (the guest's and the charge of its calls
// on the memory, for connections that run the metered module); 0 means no
// limit.
type Limits struct {
	MaxDirtied      uint64
	MaxRead         uint64
	MaxInstructions uint64
}

// The Internet Computer's per-message limits: 40 billion instructions for
// an update message, 5 billion for a query.
var (
	UpdateLimits = Limits{MaxDirtied: 2 << 30, MaxRead: 2 << 30, MaxInstructions: 40e9}
	QueryLimits  = Limits{MaxDirtied: 1 << 30, MaxRead: 1 << 30, MaxInstructions: 5e9}
)

// ErrLimit is returned when a message passes an enforced limit.
var ErrLimit = errors.New("stable: message limit exceeded")

// meter keeps the current message's counters and the distinct pages it has
// touched.
type meter struct {
	costs   Costs
	limits  *Limits // nil: not enforced
	cur     Stats
	last    Stats
	total   Stats
	ended   bool // cur has ended, and is closed when the next one begins
	read4K  map[uint64]struct{}
	read64K map[uint64]struct{}
	dirty4K map[uint64]struct{}
	dirty64 map[uint64]struct{}
}

func newMeter() meter {
	return meter{costs: DefaultCosts, read4K: map[uint64]struct{}{}, read64K: map[uint64]struct{}{},
		dirty4K: map[uint64]struct{}{}, dirty64: map[uint64]struct{}{}}
}

// read records a read of n bytes at off, and fails if the message passes
// its read limit.
func (m *meter) read(off, n uint64) error {
	m.begin()
	m.cur.ReadCalls++
	m.cur.BytesRead += n
	m.cur.APIInstructions += m.costs.PerCall + m.costs.PerByte*n
	for b := off / BlockSize; b*BlockSize < off+n; b++ {
		if _, ok := m.read4K[b]; !ok {
			m.read4K[b] = struct{}{}
			m.cur.PagesRead4K++
		}
		if _, ok := m.read64K[b/blocksPerPage]; !ok {
			m.read64K[b/blocksPerPage] = struct{}{}
			m.cur.PagesRead64K++
		}
	}
	if m.limits != nil && m.limits.MaxRead > 0 && m.cur.PagesRead4K*BlockSize > m.limits.MaxRead {
		return fmt.Errorf("%w: read %d bytes of distinct pages, limit %d", ErrLimit, m.cur.PagesRead4K*BlockSize, m.limits.MaxRead)
	}
	return nil
}

// checkWrites fails if writing the blocks would pass the dirtied limit.
func (m *meter) checkWrites(writes []Write) error {
	if m.limits == nil || m.limits.MaxDirtied == 0 {
		return nil
	}
	n := m.cur.PagesDirtied4K
	for _, w := range writes {
		for b := w.Off / BlockSize; b*BlockSize < w.Off+uint64(len(w.Data)); b++ {
			if _, ok := m.dirty4K[b]; !ok {
				n++
			}
		}
	}
	if n*BlockSize > m.limits.MaxDirtied {
		return fmt.Errorf("%w: would dirty %d bytes, limit %d", ErrLimit, n*BlockSize, m.limits.MaxDirtied)
	}
	return nil
}

// write records the writes of one commit.
func (m *meter) write(writes []Write) {
	m.begin()
	for _, w := range writes {
		n := uint64(len(w.Data))
		m.cur.WriteCalls++
		m.cur.BytesWritten += n
		m.cur.APIInstructions += m.costs.PerCall + m.costs.PerByte*n
		for b := w.Off / BlockSize; b*BlockSize < w.Off+n; b++ {
			if _, ok := m.dirty4K[b]; !ok {
				m.dirty4K[b] = struct{}{}
				m.cur.PagesDirtied4K++
				m.cur.APIInstructions += m.costs.PerDirtied
			}
			if _, ok := m.dirty64[b/blocksPerPage]; !ok {
				m.dirty64[b/blocksPerPage] = struct{}{}
				m.cur.PagesDirtied64K++
			}
		}
	}
}

func (m *meter) grow(pages uint64) {
	m.begin()
	m.cur.GrowCalls++
	m.cur.PagesGrown += pages
	m.cur.APIInstructions += m.costs.PerGrow
}

// instructionsLeft is how many instructions the message may still execute.
func (m *meter) instructionsLeft() int64 {
	if m.limits == nil || m.limits.MaxInstructions == 0 {
		return math.MaxInt64
	}
	spent := m.cur.Charge()
	if spent >= m.limits.MaxInstructions {
		return 0
	}
	return int64(min(m.limits.MaxInstructions-spent, math.MaxInt64))
}

// end closes the current message, once the next one starts (begin): what
// runs between (the guest's instructions after a commit, to the release of
// its locks) is still the message's. A message that did nothing (the end of
// a transaction already counted) leaves the counters alone.
func (m *meter) end(trapped bool) {
	if !trapped && m.cur == (Stats{}) {
		return
	}
	if trapped {
		m.cur.Traps++
		m.finish() // a trap is over at once
		return
	}
	m.ended = true
}

// begin starts a message, if the last one has ended: at the first call on
// the memory after it, or the first lock of a transaction.
func (m *meter) begin() {
	if m.ended {
		m.finish()
	}
}

func (m *meter) finish() {
	m.ended = false
	m.total.add(m.cur)
	m.last = m.cur
	m.cur = Stats{}
	clear(m.read4K)
	clear(m.read64K)
	clear(m.dirty4K)
	clear(m.dirty64)
}

// snapshot returns the counters: a message that has ended but is not
// closed yet is the last one.
func (m *meter) snapshot() (cur, last, total Stats) {
	if m.ended {
		total = m.total
		total.add(m.cur)
		return Stats{}, m.cur, total
	}
	return m.cur, m.last, m.total
}

// SetCosts sets the charges the meter counts.
func (b *Backend) SetCosts(c Costs) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meter.costs = c
}

// EnforceLimits makes every message fail cleanly (SQLITE_FULL, wrapping
// ErrLimit) when it passes l; nil stops enforcing.
func (b *Backend) EnforceLimits(l *Limits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meter.limits = l
}

// AddInstructions implements backend.InstructionMeter: the guest's
// instructions count towards the message under way, and its limit.
func (b *Backend) AddInstructions(n uint64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.meter.cur.Instructions += n
	return b.meter.instructionsLeft()
}

// Meter holds the counters of the message under way, of the last message
// that ended, and of all of them since the backend was opened.
type Meter struct {
	Current, Last, Total Stats
}

// Stats returns the counters.
func (b *Backend) Stats() Meter {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, last, total := b.meter.snapshot()
	return Meter{Current: cur, Last: last, Total: total}
}
