package conformance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
)

// long reports whether the long forms of the reliability suites run
// (STABLESQLITE_LONG=1); CI runs the short ones.
func long() bool { return os.Getenv("STABLESQLITE_LONG") != "" }

// workload is a deterministic sequence of write transactions whose every
// prefix has a known state, so that a database found after a crash can be
// told apart from every state it may be in: the state after transaction j
// for some j, and nothing else (a transaction half applied, or one from
// outside the sequence, matches none). Transaction 0 creates the schema.
//
// The rows of table t have payloads from a few bytes to several pages
// (overflow chains), updated and deleted as the sequence goes on; every
// 40th transaction (by default) inserts enough to overflow a small page
// cache, so that SQLite writes to the database before COMMIT. Table meta holds the number
// of the last transaction applied.
type workload struct {
	txns   [][]wop     // txns[i-1] is transaction i
	states [][2]uint64 // states[j]: the hash of t after transaction j
}

// wop is one statement of a transaction: the insert, update (size > 0) or
// delete (size 0, update false) of row id.
type wop struct {
	id      int64
	version uint32 // payload version: the payload is payload(id, version, size)
	size    int
	update  bool
}

// newWorkload makes n transactions from seed, every 40th a large one.
func newWorkload(n int, seed uint64) *workload { return newWorkloadBig(n, seed, 40) }

// newWorkloadBig makes n transactions from seed, every big-th a large one.
func newWorkloadBig(n int, seed uint64, big int) *workload {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := &workload{states: make([][2]uint64, 1, n+1)}
	rows := map[int64]wop{} // the model: id → the op that wrote it
	var ids []int64         // ids present, in no order
	var next int64 = 1
	var state [2]uint64
	apply := func(o wop, sign int) {
		h := rowHash(o.id, payload(o.id, o.version, o.size))
		if sign > 0 {
			state[0], state[1] = state[0]+h[0], state[1]+h[1]
		} else {
			state[0], state[1] = state[0]-h[0], state[1]-h[1]
		}
	}
	size := func() int {
		switch r := rng.IntN(100); {
		case r < 70:
			return 20 + rng.IntN(280)
		case r < 95:
			return 300 + rng.IntN(1700)
		default:
			return 2000 + rng.IntN(7000) // overflow pages
		}
	}
	for i := 1; i <= n; i++ {
		var tx []wop
		inserts := 1 + rng.IntN(4)
		if i%big == 0 {
			inserts = 60
		}
		for range inserts {
			o := wop{id: next, size: size()}
			next++
			tx = append(tx, o)
			rows[o.id] = o
			ids = append(ids, o.id)
			apply(o, 1)
		}
		for range rng.IntN(3) {
			id := ids[rng.IntN(len(ids))]
			old := rows[id]
			o := wop{id: id, version: old.version + 1, size: size(), update: true}
			tx = append(tx, o)
			apply(old, -1)
			apply(o, 1)
			rows[id] = o
		}
		if rng.IntN(3) == 0 && len(ids) > 1 {
			k := rng.IntN(len(ids))
			id := ids[k]
			ids[k] = ids[len(ids)-1]
			ids = ids[:len(ids)-1]
			tx = append(tx, wop{id: id})
			apply(rows[id], -1)
			delete(rows, id)
		}
		w.txns = append(w.txns, tx)
		w.states = append(w.states, state)
	}
	return w
}

// payload is the deterministic content of a row version.
func payload(id int64, version uint32, size int) []byte {
	r := rand.New(rand.NewPCG(uint64(id), uint64(version)))
	p := make([]byte, size)
	for i := 0; i < len(p); i += 8 {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], r.Uint64())
		copy(p[i:], b[:])
	}
	return p
}

// rowHash is one row's share of a state's hash; a state's hash is the sum
// of its rows', so that it does not depend on their order.
func rowHash(id int64, p []byte) [2]uint64 {
	h := sha256.New()
	binary.Write(h, binary.LittleEndian, id)
	h.Write(p)
	sum := h.Sum(nil)
	return [2]uint64{binary.LittleEndian.Uint64(sum), binary.LittleEndian.Uint64(sum[8:])}
}

// n is the number of transactions after the schema.
func (w *workload) n() int { return len(w.txns) }

// execer is what runs the statements: a *sql.DB, *sql.Conn or *sql.Tx.
type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

// setup runs transaction 0, the schema, in one transaction.
func (w *workload) setup(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, q := range []string{
		"create table if not exists t(id integer primary key, v blob not null)",
		"create index if not exists t_len on t(length(v))",
		"create table if not exists meta(k integer primary key, n integer not null)",
		"insert or ignore into meta values (1, 0)",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return tx.Commit()
}

// run runs transaction i (1-based) in one transaction of db.
func (w *workload) run(ctx context.Context, db *sql.DB, i int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := w.statements(ctx, tx, i); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// statements runs the statements of transaction i on db.
func (w *workload) statements(ctx context.Context, db execer, i int) error {
	for _, o := range w.txns[i-1] {
		var err error
		switch {
		case o.update:
			_, err = db.ExecContext(ctx, "update t set v = ? where id = ?", payload(o.id, o.version, o.size), o.id)
		case o.size > 0:
			_, err = db.ExecContext(ctx, "insert into t(id, v) values (?, ?)", o.id, payload(o.id, o.version, o.size))
		default:
			_, err = db.ExecContext(ctx, "delete from t where id = ?", o.id)
		}
		if err != nil {
			return err
		}
	}
	_, err := db.ExecContext(ctx, "update meta set n = ? where k = 1", i)
	return err
}

// state checks the database db holds and returns which state it is: the
// state after transaction j. It fails if integrity_check finds damage, or
// the rows are not exactly those of the state meta names.
func (w *workload) state(ctx context.Context, db *sql.DB) (int, error) {
	if err := integrity(ctx, db); err != nil {
		return 0, err
	}
	var j int
	if err := db.QueryRowContext(ctx, "select n from meta where k = 1").Scan(&j); err != nil {
		return 0, fmt.Errorf("reading meta: %w", err)
	}
	if j < 0 || j > w.n() {
		return j, fmt.Errorf("meta says transaction %d, of %d", j, w.n())
	}
	rows, err := db.QueryContext(ctx, "select id, v from t")
	if err != nil {
		return j, err
	}
	defer rows.Close()
	var got [2]uint64
	for rows.Next() {
		var id int64
		var v []byte
		if err := rows.Scan(&id, &v); err != nil {
			return j, err
		}
		h := rowHash(id, v)
		got[0], got[1] = got[0]+h[0], got[1]+h[1]
	}
	if err := rows.Err(); err != nil {
		return j, err
	}
	if got != w.states[j] {
		return j, fmt.Errorf("the rows are not the state after transaction %d, which meta names (half applied?)", j)
	}
	return j, nil
}

// integrity runs PRAGMA integrity_check.
func integrity(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "pragma integrity_check")
	if err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	if !slices.Equal(msgs, []string{"ok"}) {
		return fmt.Errorf("integrity_check: %q", msgs)
	}
	return nil
}
