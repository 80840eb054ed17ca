package conformance

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/file"
	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
	"github.com/stablesqlite/stablesqlite/internal/crashfs"
)

// promise is what SQLite documents for a mode after a power cut (its pages
// on PRAGMA synchronous and on atomic commit): each promises a database
// that passes integrity_check and is in the state after some transaction,
// none half applied; they differ in how many acknowledged commits it must
// hold.
type promise int

const (
	// durable: every acknowledged commit (FULL and EXTRA in TRUNCATE and
	// PERSIST mode, EXTRA in DELETE mode, WAL at FULL; the stable image,
	// which syncs every commit whatever the setting).
	durable promise = iota
	// allButLast: every acknowledged commit but the last, which may roll
	// back (DELETE mode below EXTRA does not sync the journal's removal:
	// the journal may come back and roll the last transaction back).
	allButLast
	// beforeWALSync: every commit acknowledged before the last sync of the
	// WAL (WAL at NORMAL syncs at checkpoints only).
	beforeWALSync
)

func (p promise) String() string {
	return [...]string{"every acknowledged commit", "all but the last acknowledged", "all acknowledged before the last WAL sync"}[p]
}

// storage says where a power-loss run keeps its database.
type storage int

const (
	onFile  storage = iota // backend/file
	onImage                // a stable image
)

// powerMode is one row of the power-loss suite.
type powerMode struct {
	name    string
	on      storage
	pragmas []string
	promise promise
	budget  int // stable: the batch budget (0: the default), small to make SQLite journal
}

// powerModes are the modes whose guarantee after a power cut SQLite
// documents, with locking_mode=EXCLUSIVE, which changes how journals end,
// on a few. synchronous=OFF promises nothing after a power cut (the SIGKILL
// suite covers it), and NORMAL with a rollback journal leaves "a very small
// chance" of corruption "on an older filesystem": with one sync where FULL
// has two, a file system that reorders and tears the unsynced writes
// (crashfs does) can leave a journal that rolls back more than it should.
// The long form found it (README.md): TRUNCATE at NORMAL (the truncation
// lost, the next transaction's journal partly written) and PERSIST at
// NORMAL (1 cut in 12,894: the byte that hides an older journal segment
// lost), as the native SQLite would do on such a file system.
func powerModes() []powerMode {
	pm := func(name string, on storage, p promise, pragmas ...string) powerMode {
		return powerMode{name: name, on: on, promise: p, pragmas: pragmas}
	}
	modes := []powerMode{
		pm("file DELETE FULL", onFile, allButLast, "journal_mode=DELETE", "synchronous=FULL"),
		pm("file DELETE EXTRA", onFile, durable, "journal_mode=DELETE", "synchronous=EXTRA"),
		pm("file TRUNCATE FULL", onFile, durable, "journal_mode=TRUNCATE", "synchronous=FULL"),
		pm("file PERSIST FULL", onFile, durable, "journal_mode=PERSIST", "synchronous=FULL"),
		pm("file DELETE FULL EXCLUSIVE", onFile, durable, "locking_mode=EXCLUSIVE", "journal_mode=DELETE", "synchronous=FULL"),
		pm("file WAL FULL", onFile, durable, "journal_mode=WAL", "synchronous=FULL"),
		pm("file WAL NORMAL", onFile, beforeWALSync, "journal_mode=WAL", "synchronous=NORMAL"),
		pm("file WAL NORMAL EXCLUSIVE", onFile, beforeWALSync, "locking_mode=EXCLUSIVE", "journal_mode=WAL", "synchronous=NORMAL"),
		pm("image batch NORMAL", onImage, durable, "synchronous=NORMAL"),
		pm("image batch OFF", onImage, durable, "synchronous=OFF"),
		pm("image WAL NORMAL", onImage, durable, "journal_mode=WAL", "synchronous=NORMAL"),
		pm("image WAL OFF EXCLUSIVE", onImage, durable, "locking_mode=EXCLUSIVE", "journal_mode=WAL", "synchronous=OFF"),
	}
	journaled := pm("image journal FULL", onImage, durable, "synchronous=FULL", "cache_spill=ON")
	journaled.budget = 64 << 10 // the large transactions do not fit a batch
	return append(modes, journaled)
}

// powerDB is a database of a power-loss run on a crashfs file system.
type powerDB struct {
	db    *sql.DB
	image *stable.Image
}

const (
	powerDBPath    = "/db/x.db"
	powerImagePath = "/db/x.img"
)

// openPower opens the mode's database on fs.
func openPower(m powerMode, fs *crashfs.FS) (*powerDB, error) {
	var b backend.Backend
	name := powerDBPath
	p := &powerDB{}
	if m.on == onFile {
		b = file.NewFS(fs)
	} else {
		img, err := stable.OpenImageFS(fs, powerImagePath, 0)
		if err != nil {
			return nil, err
		}
		sb, err := stable.New(img)
		if err != nil {
			img.Close()
			return nil, err
		}
		if m.budget > 0 {
			sb.SetBatchBudget(m.budget)
		}
		b, name, p.image = sb, "main.db", img
	}
	opts := []driver.Option{driver.WithBackend(b, name), driver.WithPragma("cache_size=16")}
	for _, q := range m.pragmas {
		opts = append(opts, driver.WithPragma(q))
	}
	c, err := driver.NewConnector(":memory:", opts...)
	if err != nil {
		p.close()
		return nil, err
	}
	p.db = sql.OpenDB(c)
	p.db.SetMaxOpenConns(1)
	return p, nil
}

func (p *powerDB) close() error {
	var err error
	if p.db != nil {
		err = p.db.Close()
	}
	if p.image != nil {
		if cerr := p.image.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// powerCase is one simulated power cut: the file system it left, and what
// had been acknowledged then.
type powerCase struct {
	point  int
	mode   crashfs.Mode
	fs     *crashfs.FS
	acked  int // transactions whose COMMIT had returned
	floor  int // the fewest the mode promises to keep
	during string
}

// powerTally counts the cases of one mode.
type powerTally struct {
	points, cases, torn, lost, corrupt int
	failures                           []string
}

// runWorkloadOn runs the workload on the mode's database on fs, calling
// hook (if not nil) before every write, sync, truncate and name change
// with the number of transactions acknowledged so far.
func runWorkloadOn(ctx context.Context, m powerMode, w *workload, fs *crashfs.FS, hook func(op, name string, acked int)) error {
	acked := 0
	if hook != nil {
		fs.Before = func(op, name string) { hook(op, name, acked) }
	}
	p, err := openPower(m, fs)
	if err != nil {
		return err
	}
	if err := w.setup(ctx, p.db); err != nil {
		p.close()
		return err
	}
	for i := 1; i <= w.n(); i++ {
		if err := w.run(ctx, p.db, i); err != nil {
			p.close()
			return fmt.Errorf("transaction %d: %w", i, err)
		}
		acked = i
	}
	return p.close()
}

// powerLoss runs the mode's workload once to count its crash points, then
// again, cutting the power (on a copy) at about cuts of them (every one if
// cuts is 0), and checks each database the cuts leave.
func powerLoss(t *testing.T, m powerMode, w *workload, cuts int, seed uint64) powerTally {
	ctx := context.Background()
	var tally powerTally
	points := 0
	if err := runWorkloadOn(ctx, m, w, crashfs.New(), func(string, string, int) { points++ }); err != nil {
		t.Fatalf("%s: the workload without a crash: %v", m.name, err)
	}
	stride := 1
	if cuts > 0 {
		stride = max(points/cuts, 1)
	}

	rng := rand.New(rand.NewPCG(seed, uint64(len(m.name))))
	first := rng.IntN(stride)
	cases := make(chan powerCase, 4)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 2 { // one checker per core
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range cases {
				lost, err := checkPowerCase(ctx, m, w, c)
				mu.Lock()
				tally.cases++
				if c.mode == crashfs.TearUnsynced {
					tally.torn++
				}
				switch {
				case err != nil:
					tally.corrupt++
				case lost != "":
					tally.lost++
					err = fmt.Errorf("%s", lost)
				}
				if err != nil && len(tally.failures) < 5 {
					tally.failures = append(tally.failures, fmt.Sprintf("cut at point %d (%s, %v, %d acknowledged): %v", c.point, c.during, c.mode, c.acked, err))
				}
				mu.Unlock()
			}
		}()
	}

	fs := crashfs.New()
	if m.on == onFile {
		fs.SectorSize = 4096 // what the file backend declares
	} else {
		fs.SectorSize = 512 // the image assumes nothing
	}
	point, walFloor, walSyncing := 0, 0, -1
	err := runWorkloadOn(ctx, m, w, fs, func(op, name string, acked int) {
		point++
		tally.points = point
		if walSyncing >= 0 { // the WAL's sync has returned
			walFloor, walSyncing = walSyncing, -1
		}
		if op == "sync" && strings.HasSuffix(name, "-wal") {
			walSyncing = acked
		}
		if (point-first)%stride != 0 {
			return
		}
		floor := acked
		switch m.promise {
		case allButLast:
			floor = max(acked-1, 0)
		case beforeWALSync:
			floor = walFloor
		}
		modes := []crashfs.Mode{crashfs.Mode(rng.IntN(2))}
		if long() {
			modes = []crashfs.Mode{crashfs.DropUnsynced, crashfs.TearUnsynced}
		}
		for _, mode := range modes {
			cases <- powerCase{point: point, mode: mode, fs: fs.Crash(mode, rng), acked: acked, floor: floor, during: op + " " + name}
		}
	})
	close(cases)
	wg.Wait()
	if err != nil {
		t.Fatalf("%s: the workload: %v", m.name, err)
	}
	return tally
}

// checkPowerCase opens the database a power cut left and says what is
// wrong with it: an error for damage (integrity, a state that is none of
// the workload's), lost for acknowledged commits missing.
func checkPowerCase(ctx context.Context, m powerMode, w *workload, c powerCase) (lost string, err error) {
	p, err := openPower(m, c.fs)
	if err != nil {
		return "", fmt.Errorf("reopening: %w", err)
	}
	defer p.close()
	j, err := w.state(ctx, p.db)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") && c.floor == 0 {
			return "", nil // cut before the schema was durable
		}
		return "", err
	}
	switch {
	case j < c.floor:
		return fmt.Sprintf("state after transaction %d; %d were acknowledged and the mode keeps %d (%v)", j, c.acked, c.floor, m.promise), nil
	case j > c.acked+1:
		return "", fmt.Errorf("state after transaction %d, when %d were acknowledged", j, c.acked)
	}
	return "", nil
}

// TestPowerLoss cuts the power at write and sync points of a workload of
// 200 transactions in every mode whose promise
// SQLite documents, on the file backend and on stable images, and checks
// after each cut that the database reopens intact in a state the mode
// allows. The short form cuts at about 60 points per mode (15 under the
// race detector), each dropping
// what was not synced or keeping a random part of it torn at sector size;
// the long form at every point, both ways.
func TestPowerLoss(t *testing.T) {
	txns, cuts := 200, 60
	switch {
	case long():
		cuts = 0
	case raceDetector:
		cuts = 15
	}
	w := newWorkload(txns, 1)
	for _, m := range powerModes() {
		t.Run(strings.ReplaceAll(m.name, " ", "_"), func(t *testing.T) {
			tally := powerLoss(t, m, w, cuts, 1)
			t.Logf("power loss, %s (keeps %v): %d cuts (%d torn) of %d crash points, %d transactions: %d lost, %d corrupt",
				m.name, m.promise, tally.cases, tally.torn, tally.points, txns, tally.lost, tally.corrupt)
			for _, f := range tally.failures {
				t.Error(f)
			}
			if tally.cases == 0 {
				t.Error("no crash point was checked")
			}
		})
	}
}
