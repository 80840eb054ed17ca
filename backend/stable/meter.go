package stable

import (
	"errors"
	"fmt"
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
	Cycles          uint64 // the charge, per Costs
}

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
	s.Cycles += o.Cycles
}

// Costs are the platform's charges.
type Costs struct {
	PerCall    uint64 // per read or write call
	PerByte    uint64 // per byte read or written
	PerDirtied uint64 // per newly dirtied 4 KiB page
	PerGrow    uint64 // per grow call
}

// DefaultCosts are the Internet Computer's: 20 + length per read or write
// call, 1,000 per newly dirtied 4 KiB page, 100 per grow.
var DefaultCosts = Costs{PerCall: 20, PerByte: 1, PerDirtied: 1000, PerGrow: 100}

// Limits caps what one message may touch, in bytes of distinct 4 KiB pages;
// 0 means no limit.
type Limits struct {
	MaxDirtied uint64
	MaxRead    uint64
}

// The Internet Computer's per-message limits.
var (
	UpdateLimits = Limits{MaxDirtied: 2 << 30, MaxRead: 2 << 30}
	QueryLimits  = Limits{MaxDirtied: 1 << 30, MaxRead: 1 << 30}
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
	m.cur.ReadCalls++
	m.cur.BytesRead += n
	m.cur.Cycles += m.costs.PerCall + m.costs.PerByte*n
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
	for _, w := range writes {
		n := uint64(len(w.Data))
		m.cur.WriteCalls++
		m.cur.BytesWritten += n
		m.cur.Cycles += m.costs.PerCall + m.costs.PerByte*n
		for b := w.Off / BlockSize; b*BlockSize < w.Off+n; b++ {
			if _, ok := m.dirty4K[b]; !ok {
				m.dirty4K[b] = struct{}{}
				m.cur.PagesDirtied4K++
				m.cur.Cycles += m.costs.PerDirtied
			}
			if _, ok := m.dirty64[b/blocksPerPage]; !ok {
				m.dirty64[b/blocksPerPage] = struct{}{}
				m.cur.PagesDirtied64K++
			}
		}
	}
}

func (m *meter) grow(pages uint64) {
	m.cur.GrowCalls++
	m.cur.PagesGrown += pages
	m.cur.Cycles += m.costs.PerGrow
}

// end closes the current message; a message that did nothing (the end of a
// transaction already counted) leaves the counters alone.
func (m *meter) end(committed, trapped bool) {
	if !committed && !trapped && m.cur == (Stats{}) {
		return
	}
	if committed {
		m.cur.Commits++
	}
	if trapped {
		m.cur.Traps++
	}
	m.total.add(m.cur)
	m.last = m.cur
	m.cur = Stats{}
	clear(m.read4K)
	clear(m.read64K)
	clear(m.dirty4K)
	clear(m.dirty64)
}
