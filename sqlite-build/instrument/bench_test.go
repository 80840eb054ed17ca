package instrument

import (
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The run-time overhead of metering: the same SQLite work on the plain and
// the metered module, on wazero's compiler. Run with
//
//	go test -run '^$' -bench SQLite -benchtime 20x -count 3 ./instrument
//
// "driver" is what the driver does: a call from the host per row (insert,
// point read), so the crossings, which metering does not slow, are part of
// the time; "guest" is one call that does it all inside SQLite.

func benchGuest(b *testing.B, wasm []byte) *guest {
	g := newGuest(b, wazero.NewRuntimeConfigCompiler(), wasm, func(c api.MutableGlobal) { c.Set(uint64(InitialCounter)) })
	g.mustExec("CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER, c TEXT)")
	return g
}

func BenchmarkSQLite(b *testing.B) {
	for _, mod := range []struct {
		name string
		wasm func(testing.TB) []byte
	}{{"plain", plainModule}, {"metered", meteredModule}} {
		b.Run("driver/"+mod.name, func(b *testing.B) {
			g := benchGuest(b, mod.wasm(b))
			ins := g.prepare("INSERT INTO t(a, b, c) VALUES (?, ?, printf('row %d', ?1))")
			get := g.prepare("SELECT b FROM t WHERE a = ?")
			const rows = 1000
			for b.Loop() {
				g.mustExec("BEGIN")
				g.insertRows(ins, 0, rows)
				g.mustExec("COMMIT")
				for i := int64(0); i < rows; i++ {
					g.queryInt(get, i)
				}
				g.mustExec("DELETE FROM t")
			}
		})
		b.Run("guest/"+mod.name, func(b *testing.B) {
			g := benchGuest(b, mod.wasm(b))
			for b.Loop() {
				g.mustExec("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 5000) " +
					"INSERT INTO t SELECT i, i * 7 % 1000, printf('row %d', i) FROM s")
				g.mustExec("CREATE INDEX tc ON t(c); SELECT sum(b), max(c) FROM t WHERE b < 500 GROUP BY b % 10; " +
					"SELECT count(*) FROM t AS x JOIN t AS y ON x.a = y.b; DROP INDEX tc; DELETE FROM t")
			}
		})
	}
}
