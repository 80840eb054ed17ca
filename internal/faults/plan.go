// Package faults fails calls of the storage layers on demand, for I/O-error
// tests of the real code above them: a wrapper of any backend.Backend
// (Backend), of a stable.Memory (Memory) and of an fsys.FS (FS). A Plan
// counts the calls that go through them and fails the one it is told to,
// or that one and every later one.
package faults

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ErrInjected is what a failed call returns (wrapped with the call's name).
var ErrInjected = errors.New("faults: injected I/O error")

// Plan counts calls and fails some. The zero value counts and fails none.
type Plan struct {
	mu      sync.Mutex
	calls   int
	failAt  int  // the call to fail, 1-based; 0: none
	persist bool // fail every call from failAt on
	failed  []string
	panics  bool   // a failed call panics instead of returning an error
	named   string // fail every call of this name (FailNamed)
}

// Count makes the plan count calls from 0 again, failing none.
func (p *Plan) Count() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.failAt, p.persist, p.failed, p.panics, p.named = 0, 0, false, nil, false, ""
}

// FailNamed counts calls from 0 again and fails every call whose name
// begins with name ("apply", "write /path/x.db-wal").
func (p *Plan) FailNamed(name string) {
	p.Count()
	p.mu.Lock()
	p.named = name
	p.mu.Unlock()
}

// FailAt counts calls from 0 again and fails call n (1-based), and every
// later one if persist is set.
func (p *Plan) FailAt(n int, persist bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.failAt, p.persist, p.failed, p.panics, p.named = 0, n, persist, nil, false, ""
}

// PanicAt counts calls from 0 again and makes call n panic, as a broken
// backend might.
func (p *Plan) PanicAt(n int) {
	p.FailAt(n, false)
	p.mu.Lock()
	p.panics = true
	p.mu.Unlock()
}

// Calls returns the calls counted.
func (p *Plan) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// Failed lists the calls that failed, by name.
func (p *Plan) Failed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.failed...)
}

// call counts a call named op and returns the error it is to fail with.
func (p *Plan) call(op string) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	p.calls++
	fail := p.failAt > 0 && (p.calls == p.failAt || p.persist && p.calls > p.failAt) ||
		p.named != "" && strings.HasPrefix(op, p.named)
	if fail {
		p.failed = append(p.failed, op)
	}
	panics := fail && p.panics
	p.mu.Unlock()
	if panics {
		panic(fmt.Sprintf("faults: injected panic in %s", op))
	}
	if fail {
		return fmt.Errorf("%s: %w", op, ErrInjected)
	}
	return nil
}

// pass returns err, the plan's failure of a call, or else what the call
// returns: a failed call does not reach the layer underneath.
func pass[T any](err error, call func() (T, error)) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return call()
}

// passErr is pass for a call that returns only an error.
func passErr(err error, call func() error) error {
	if err != nil {
		return err
	}
	return call()
}
