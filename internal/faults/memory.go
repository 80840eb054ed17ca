package faults

import "github.com/stablesqlite/stablesqlite/backend/stable"

// Memory is a stable.Memory whose Grow, ReadAt, WriteAt and Apply count in
// Plan and may fail there, touching nothing. The memory underneath must be
// a stable.Atomic, as NewMemory's and an Image are.
type Memory struct {
	stable.Memory
	Plan *Plan
}

func (m *Memory) Grow(pages uint64) (uint64, error) {
	if err := m.Plan.call("grow"); err != nil {
		return m.Memory.Size(), err
	}
	return m.Memory.Grow(pages)
}

func (m *Memory) ReadAt(p []byte, off uint64) error {
	return passErr(m.Plan.call("memory-read"), func() error { return m.Memory.ReadAt(p, off) })
}

func (m *Memory) WriteAt(p []byte, off uint64) error {
	return passErr(m.Plan.call("memory-write"), func() error { return m.Memory.WriteAt(p, off) })
}

// Apply implements stable.Atomic.
func (m *Memory) Apply(size uint64, writes []stable.Write) error {
	a, ok := m.Memory.(stable.Atomic)
	if !ok {
		panic("faults: Memory over a memory without Apply")
	}
	if err := m.Plan.call("apply"); err != nil {
		return err
	}
	return a.Apply(size, writes)
}
