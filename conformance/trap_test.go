package conformance

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stablesqlite/stablesqlite/driver"
	"github.com/stablesqlite/stablesqlite/internal/faults"
)

// TestTraps makes a backend panic at calls of a transaction in turn, the
// one way left to break an instance (SQLite's own limits keep the guest's
// stack within bounds): the statement's error says the instance trapped,
// and why; it is not driver.ErrBadConn, so database/sql does not run the
// statement again on another connection (none is opened for it); the next
// statement runs on a new connection, and the database reopens intact
// before or after the transaction. Every call panics in turn (8 at random
// under the race detector).
func TestTraps(t *testing.T) {
	ctx := context.Background()
	for ti, tg := range faultTargets() {
		if !strings.HasPrefix(tg.name, "backend wrapper") {
			continue
		}
		t.Run(strings.NewReplacer(" ", "_", ",", "").Replace(tg.name), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ti), 9))
			var p faults.Plan
			s := tg.store(t)
			if err := faultBase(ctx, tg, s); err != nil {
				t.Fatal(err)
			}
			calls, err := trapRun(ctx, tg, s, &p, 0)
			if err != nil {
				t.Fatal(err)
			}
			cases := calls
			if raceDetector {
				cases = 8
			}
			traps := 0
			for k := range cases {
				n := k + 1
				if raceDetector {
					n = 1 + rng.IntN(calls)
				}
				s := tg.store(t)
				if err := faultBase(ctx, tg, s); err != nil {
					t.Fatal(err)
				}
				_, err := trapRun(ctx, tg, s, &p, n)
				p.Count()
				if err != nil {
					t.Errorf("panic at call %d: %v", n, err)
					continue
				}
				traps++
				j, err := faultCheck(ctx, tg, s)
				if err != nil || j != faultWorkload.n()-1 && j != faultWorkload.n() {
					t.Errorf("panic at call %d: reopened in state %d: %v", n, j, err)
				}
			}
			t.Logf("traps, %s: %d panics of %d calls: each reported with its cause, none retried, 0 lost, 0 corrupt", tg.name, traps, calls)
		})
	}
}

// trapRun runs the last transaction with call n panicking and checks what
// the caller sees; with n 0 it only counts the transaction's calls.
func trapRun(ctx context.Context, tg faultTarget, s faultStore, p *faults.Plan, n int) (calls int, err error) {
	b, done, err := s.faulty(p)
	if err != nil {
		return 0, err
	}
	if done != nil {
		defer done()
	}
	var opens atomic.Int32
	c, err := driver.NewConnector(":memory:", append(faultOptions(tg, b, s.name()),
		driver.WithConnectHook(func(*driver.Conn) error { opens.Add(1); return nil }))...)
	if err != nil {
		return 0, err
	}
	db := sqlOpenDB(c)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return 0, err
	}
	if n == 0 {
		p.Count()
		err := faultWorkload.run(ctx, db, faultWorkload.n())
		return p.Calls(), err
	}
	p.PanicAt(n)
	txErr := faultWorkload.run(ctx, db, faultWorkload.n())
	failed := p.Failed()
	p.Count()
	switch {
	case len(failed) == 0:
		return 0, fmt.Errorf("call %d never came", n)
	case txErr == nil:
		return 0, fmt.Errorf("a panic in %s: no error", failed[0])
	case errors.Is(txErr, sqldriver.ErrBadConn):
		return 0, fmt.Errorf("a panic in %s: driver.ErrBadConn (%v)", failed[0], txErr)
	case !strings.Contains(txErr.Error(), "trapped") || !strings.Contains(txErr.Error(), "injected panic in "+failed[0]):
		return 0, fmt.Errorf("a panic in %s: the error does not say the instance trapped and why: %.300v", failed[0], txErr)
	case opens.Load() != 1:
		return 0, fmt.Errorf("a panic in %s: %d connections opened: the statement ran again", failed[0], opens.Load())
	}
	if v, err := queryInt(ctx, db, "select 40 + 2"); err != nil || v != 42 {
		return 0, fmt.Errorf("after a panic in %s the next statement: %d, %v", failed[0], v, err)
	}
	return 0, nil
}
