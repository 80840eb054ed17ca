package conformance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/fsys"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
	"github.com/stablesqlite/stablesqlite/internal/faults"
)

// faultStore is the storage of one I/O-error case: a faulty view of it,
// whose calls go through the plan, and a clean one, as a new process finds
// it. Each store's database is new.
type faultStore interface {
	faulty(p *faults.Plan) (backend.Backend, func() error, error)
	clean() (backend.Backend, func() error, error)
	name() string // the database's name in the backend
}

// faultTarget is one row of the I/O-error suite: where the faults are
// injected, over which storage, in which mode.
type faultTarget struct {
	name    string
	pragmas []string
	store   func(t *testing.T) faultStore
}

func faultTargets() []faultTarget {
	wal := []string{"journal_mode=WAL", "synchronous=NORMAL"}
	full := []string{"journal_mode=DELETE", "synchronous=FULL"}
	return []faultTarget{
		{"backend wrapper, heap, DELETE", nil, newHeapStore},
		{"backend wrapper, heap, WAL", wal, newHeapStore},
		{"backend wrapper, file, DELETE FULL", full, newFileStore(false)},
		{"backend wrapper, file, TRUNCATE FULL", []string{"journal_mode=TRUNCATE", "synchronous=FULL"}, newFileStore(false)},
		{"backend wrapper, file, WAL NORMAL", wal, newFileStore(false)},
		{"backend wrapper, stable memory, batch", nil, newStableStore(false, 0)},
		{"backend wrapper, stable memory, WAL", wal, newStableStore(false, 0)},
		{"memory wrapper, stable memory, batch", nil, newStableStore(true, 0)},
		{"memory wrapper, stable memory, journal", []string{"cache_spill=ON"}, newStableStore(true, 64<<10)},
		{"memory wrapper, stable memory, WAL", wal, newStableStore(true, 0)},
		{"file-system wrapper, file, DELETE FULL", full, newFileStore(true)},
		{"file-system wrapper, file, WAL FULL", []string{"journal_mode=WAL", "synchronous=FULL"}, newFileStore(true)},
		{"file-system wrapper, image, batch", nil, newImageStore},
		{"file-system wrapper, image, WAL", wal, newImageStore},
	}
}

type heapStore struct{ b *heap.Backend }

func newHeapStore(*testing.T) faultStore { return &heapStore{heap.New()} }
func (s *heapStore) name() string        { return "/f.db" }
func (s *heapStore) faulty(p *faults.Plan) (backend.Backend, func() error, error) {
	return &faults.Backend{Backend: s.b, Plan: p}, nil, nil
}
func (s *heapStore) clean() (backend.Backend, func() error, error) { return s.b, nil, nil }

// fileStore is a database in files; the faults are in a backend wrapper or
// (fs) under the file backend.
type fileStore struct {
	path string
	fs   bool
}

func newFileStore(fs bool) func(*testing.T) faultStore {
	return func(t *testing.T) faultStore { return &fileStore{filepath.Join(t.TempDir(), "f.db"), fs} }
}
func (s *fileStore) name() string { return s.path }
func (s *fileStore) faulty(p *faults.Plan) (backend.Backend, func() error, error) {
	if s.fs {
		return file.NewFS(&faults.FS{FS: fsys.OS, Plan: p}), nil, nil
	}
	return &faults.Backend{Backend: file.New(), Plan: p}, nil, nil
}
func (s *fileStore) clean() (backend.Backend, func() error, error) { return file.New(), nil, nil }

// stableStore is a database in an in-process stable memory; the faults are
// in a backend wrapper or (memory) a memory wrapper. A new backend over the
// memory is what a restart finds.
type stableStore struct {
	mem    stable.Memory
	memory bool
	budget int
}

func newStableStore(memory bool, budget int) func(*testing.T) faultStore {
	return func(*testing.T) faultStore { return &stableStore{stable.NewMemory(0), memory, budget} }
}
func (s *stableStore) name() string { return "main.db" }
func (s *stableStore) faulty(p *faults.Plan) (backend.Backend, func() error, error) {
	var mem stable.Memory = s.mem
	if s.memory {
		mem = &faults.Memory{Memory: s.mem, Plan: p}
	}
	b, err := stable.New(mem)
	if err != nil {
		return nil, nil, err
	}
	if s.budget > 0 {
		b.SetBatchBudget(s.budget)
	}
	if s.memory {
		return b, nil, nil
	}
	return &faults.Backend{Backend: b, Plan: p}, nil, nil
}
func (s *stableStore) clean() (backend.Backend, func() error, error) {
	b, err := stable.New(s.mem)
	return b, nil, err
}

// imageStore is a database in a stable image, with the faults in its file
// system.
type imageStore struct{ path string }

func newImageStore(t *testing.T) faultStore { return &imageStore{filepath.Join(t.TempDir(), "f.img")} }
func (s *imageStore) name() string          { return "main.db" }
func (s *imageStore) open(fs fsys.FS) (backend.Backend, func() error, error) {
	img, err := stable.OpenImageFS(fs, s.path, 0)
	if err != nil {
		return nil, nil, err
	}
	b, err := stable.New(img)
	if err != nil {
		img.Close()
		return nil, nil, err
	}
	return b, img.Close, nil
}
func (s *imageStore) faulty(p *faults.Plan) (backend.Backend, func() error, error) {
	return s.open(&faults.FS{FS: fsys.OS, Plan: p})
}
func (s *imageStore) clean() (backend.Backend, func() error, error) { return s.open(fsys.OS) }

// faultOptions are the connector options of the target's database on b.
func faultOptions(tg faultTarget, b backend.Backend, name string) []driver.Option {
	opts := []driver.Option{driver.WithBackend(b, name), driver.WithPragma("cache_size=16")}
	for _, q := range tg.pragmas {
		opts = append(opts, driver.WithPragma(q))
	}
	return opts
}

// sqlOpenDB opens a pool of one connection.
func sqlOpenDB(c *driver.Connector) *sql.DB {
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db
}

// faultDB opens the target's database on b.
func faultDB(tg faultTarget, b backend.Backend, name string) (*sql.DB, error) {
	c, err := driver.NewConnector(":memory:", faultOptions(tg, b, name)...)
	if err != nil {
		return nil, err
	}
	return sqlOpenDB(c), nil
}

// faultWorkload: three small transactions before the one that meets the
// faults, a large one (60 rows) that overflows the page cache.
var faultWorkload = newWorkloadBig(4, 3, 4)

// faultBase writes the state before the faulty transaction, cleanly.
func faultBase(ctx context.Context, tg faultTarget, s faultStore) error {
	b, done, err := s.clean()
	if err != nil {
		return err
	}
	db, err := faultDB(tg, b, s.name())
	if err == nil {
		err = faultWorkload.setup(ctx, db)
		for i := 1; err == nil && i < faultWorkload.n(); i++ {
			err = faultWorkload.run(ctx, db, i)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if done != nil {
		if derr := done(); err == nil {
			err = derr
		}
	}
	return err
}

// faultResult is what a transaction through the plan came to.
type faultResult struct {
	txErr  error    // the transaction's error (or the open's)
	calls  int      // the calls the plan counted, the connection's close included
	failed []string // the calls that failed
	// The database the same process goes on with once the faults are over
	// (a new connection on the same backend): its state (-1: not opened),
	// or what is wrong with it.
	state int
	err   error
}

// faultRun opens the database through the plan, runs the last
// transaction and closes the connection, then checks the database the same
// process goes on with.
func faultRun(ctx context.Context, tg faultTarget, s faultStore, p *faults.Plan) (r faultResult) {
	r.state = -1
	b, done, err := s.faulty(p)
	if err == nil && done != nil {
		defer done()
	}
	if err == nil {
		var db *sql.DB
		if db, err = faultDB(tg, b, s.name()); err == nil {
			err = faultWorkload.run(ctx, db, faultWorkload.n())
			db.Close() // an error here (a checkpoint) is not the transaction's
		}
	}
	r.txErr, r.calls, r.failed = err, p.Calls(), p.Failed()
	p.Count()
	if b != nil {
		db, err := faultDB(tg, b, s.name())
		if err != nil {
			return r
		}
		defer db.Close()
		r.state, r.err = faultWorkload.state(ctx, db)
	}
	return r
}

// faultCheck reopens the store cleanly and returns the state it holds.
func faultCheck(ctx context.Context, tg faultTarget, s faultStore) (int, error) {
	b, done, err := s.clean()
	if err != nil {
		return 0, fmt.Errorf("reopening: %w", err)
	}
	if done != nil {
		defer done()
	}
	db, err := faultDB(tg, b, s.name())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return faultWorkload.state(ctx, db)
}

// faultTally counts the cases of one target.
type faultTally struct {
	calls, cases, errs, absorbed, lost, corrupt int
	failures                                    []string
}

// faultCases fails the calls of the last transaction in turn (each one
// alone, and in the long form also from it on), and checks each time that
// the failure was an error, or that the transaction is there in full, that
// the same process goes on with the database intact, before or after it,
// and that it reopens so.
func faultCases(t *testing.T, tg faultTarget, every int, rng *rand.Rand) faultTally {
	ctx := context.Background()
	var tally faultTally
	var p faults.Plan
	s := tg.store(t)
	if err := faultBase(ctx, tg, s); err != nil {
		t.Fatalf("the state before: %v", err)
	}
	p.Count()
	r := faultRun(ctx, tg, s, &p)
	if r.txErr != nil || r.err != nil {
		t.Fatalf("the transaction without faults: %v, then %v", r.txErr, r.err)
	}
	tally.calls = r.calls
	before, after := faultWorkload.n()-1, faultWorkload.n()
	first := rng.IntN(every)
	for n := 1; n <= tally.calls; n++ {
		if (n-first)%every != 0 {
			continue
		}
		persists := []bool{false}
		if long() {
			persists = []bool{false, true}
		}
		for _, persist := range persists {
			s := tg.store(t)
			if err := faultBase(ctx, tg, s); err != nil {
				t.Fatalf("the state before: %v", err)
			}
			p.FailAt(n, persist)
			r := faultRun(ctx, tg, s, &p)
			txErr, failed := r.txErr, r.failed
			j, err := faultCheck(ctx, tg, s)
			tally.cases++
			var bad string
			switch {
			case r.err != nil && !errors.Is(r.err, stable.ErrReopen):
				// An image whose Apply failed twice refuses use until it is
				// reopened; anything else must go on.
				tally.corrupt++
				bad = "in the same process, after the fault: " + r.err.Error()
			case r.err == nil && r.state >= 0 && (r.state != before && r.state != after || txErr == nil && r.state != after):
				tally.corrupt++
				bad = fmt.Sprintf("in the same process, after the fault: state after transaction %d", r.state)
			case err != nil:
				tally.corrupt++
				bad = err.Error()
			case j != before && j != after:
				tally.corrupt++
				bad = fmt.Sprintf("state after transaction %d", j)
			case txErr == nil && j != after:
				tally.lost++
				bad = "the transaction returned no error and is not there"
			case txErr == nil:
				tally.absorbed++ // recovered: SQLite retried (a batch through a journal) or did without (an unlock), or the image redid its writes from its log
			case !errors.Is(txErr, faults.ErrInjected) && !errors.As(txErr, new(*driver.Error)):
				tally.corrupt++
				bad = fmt.Sprintf("an error that is neither SQLite's nor the backend's: %v", txErr)
			default:
				tally.errs++
			}
			if bad != "" && len(tally.failures) < 5 {
				tally.failures = append(tally.failures, fmt.Sprintf("failing call %d (%s, persist %v): transaction error %v: %s",
					n, strings.Join(failed, ", "), persist, txErr, bad))
			}
		}
	}
	return tally
}

// TestIOFaults fails every I/O call of a transaction in turn, through a
// backend wrapper, a stable-memory wrapper and a file-system wrapper, on
// every backend and in rollback, WAL and batch-atomic modes: each failure
// is the transaction's error (or SQLite does without the call and the
// transaction is there), and the database reopens intact, before or after
// it. The short form fails about 40 calls of each target's (10 under the
// race detector); the long form every call, alone and from it on.
func TestIOFaults(t *testing.T) {
	for ti, tg := range faultTargets() {
		t.Run(strings.NewReplacer(" ", "_", ",", "").Replace(tg.name), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ti), 5))
			every := 0
			switch {
			case long():
				every = 1
			case raceDetector:
				every = -10
			default:
				every = -40
			}
			if every < 0 {
				// Spread the short form's cases over the calls there are.
				var p faults.Plan
				s := tg.store(t)
				if err := faultBase(context.Background(), tg, s); err != nil {
					t.Fatal(err)
				}
				p.Count()
				every = max(faultRun(context.Background(), tg, s, &p).calls/-every, 1)
			}
			tally := faultCases(t, tg, every, rng)
			t.Logf("I/O faults, %s: %d calls, %d cases: %d errors, %d recovered, %d lost, %d corrupt",
				tg.name, tally.calls, tally.cases, tally.errs, tally.absorbed, tally.lost, tally.corrupt)
			for _, f := range tally.failures {
				t.Error(f)
			}
		})
	}
}

// A WAL transaction whose commit to a stable memory fails after SQLite
// indexed its frames (WAL at NORMAL commits at the end of the transaction)
// leaves the other connections of the process a WAL index without those
// frames: each rebuilds it from the WAL as it is, and reads the state
// before. (The index kept listing frames the failed commit dropped: the
// next reader read past the WAL's end.)
func TestIOFaultWALIndexOfOtherConnections(t *testing.T) {
	ctx := context.Background()
	var p faults.Plan
	b, err := stable.New(&faults.Memory{Memory: stable.NewMemory(0), Plan: &p})
	if err != nil {
		t.Fatal(err)
	}
	c, err := driver.NewConnector(":memory:", driver.WithBackend(b, "main.db"),
		driver.WithPragma("journal_mode=WAL"), driver.WithPragma("synchronous=NORMAL"))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("create table t(x); insert into t values (1)"); err != nil {
		t.Fatal(err)
	}
	reader, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	writer, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	var n int
	if err := reader.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("before: %d, %v", n, err)
	}
	// Fail the commit (and any later one) until the insert is over.
	p.FailNamed("apply")
	_, err = writer.ExecContext(ctx, "insert into t select randomblob(5000) from t")
	p.Count()
	if err == nil {
		t.Fatal("an insert whose commit failed returned no error")
	}
	if err := reader.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the other connection after the failed commit: %d rows, %v", n, err)
	}
	if err := writer.QueryRowContext(ctx, "pragma integrity_check").Scan(new(string)); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.ExecContext(ctx, "insert into t values (2)"); err != nil {
		t.Fatalf("the next insert: %v", err)
	}
	if err := reader.QueryRowContext(ctx, "select count(*) from t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("the other connection after the next insert: %d rows, %v", n, err)
	}
}
