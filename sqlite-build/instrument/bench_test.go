package instrument

import (
	"slices"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// BenchmarkOverhead measures the run-time overhead of metering: the same
// SQLite work on the plain and the metered module, one after the other in
// each iteration, so that the machine's load weighs on both alike. It
// reports the mean time of each and the median of the iterations' ratios.
// Run with
//
//	go test -run '^$' -bench Overhead -benchtime 10x ./instrument
//
// "driver" does what the driver does, a call from the host per row (1,000
// inserts in a transaction, 1,000 point reads), so the crossings, which
// metering does not slow, are part of the time; "guest" is a few calls
// that do much inside SQLite (2,000 rows inserted by one statement, an
// index built, a grouped scan, a join, a delete).
func BenchmarkOverhead(b *testing.B) {
	for _, e := range engines {
		for _, work := range []struct {
			name string
			run  func(*guest, *benchStatements)
		}{{"driver", driverWork}, {"guest", guestWork}} {
			b.Run(e.name+"/"+work.name, func(b *testing.B) {
				var gs [2]*guest
				var sts [2]*benchStatements
				for i, wasm := range [][]byte{plainModule(b), meteredModule(b)} {
					gs[i] = newGuest(b, e.cfg(), wasm, func(c api.MutableGlobal) { c.Set(uint64(InitialCounter)) })
					gs[i].mustExec("CREATE TABLE t(a INTEGER PRIMARY KEY, b INTEGER, c TEXT)")
					sts[i] = &benchStatements{
						ins: gs[i].prepare("INSERT INTO t(a, b, c) VALUES (?, ?, printf('row %d', ?1))"),
						get: gs[i].prepare("SELECT b FROM t WHERE a = ?"),
					}
				}
				var total [2]time.Duration
				var ratios []float64
				for b.Loop() {
					var d [2]time.Duration
					for i := range gs {
						start := time.Now()
						work.run(gs[i], sts[i])
						d[i] = time.Since(start)
						total[i] += d[i]
					}
					ratios = append(ratios, float64(d[1])/float64(d[0]))
				}
				slices.Sort(ratios)
				n := float64(len(ratios))
				b.ReportMetric(float64(total[0].Nanoseconds())/n, "plain-ns/op")
				b.ReportMetric(float64(total[1].Nanoseconds())/n, "metered-ns/op")
				b.ReportMetric(ratios[len(ratios)/2], "metered/plain")
			})
		}
	}
}

type benchStatements struct{ ins, get uint32 }

const benchRows = 1000

func driverWork(g *guest, st *benchStatements) {
	g.mustExec("BEGIN")
	g.insertRows(st.ins, 0, benchRows)
	g.mustExec("COMMIT")
	for i := int64(0); i < benchRows; i++ {
		g.queryInt(st.get, i)
	}
	g.mustExec("DELETE FROM t")
}

func guestWork(g *guest, _ *benchStatements) {
	g.mustExec("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000) " +
		"INSERT INTO t SELECT i, i * 7 % 1000, printf('row %d', i) FROM s")
	g.mustExec("CREATE INDEX tc ON t(c); SELECT sum(b), max(c) FROM t WHERE b < 500 GROUP BY b % 10; " +
		"SELECT count(*) FROM t AS x JOIN t AS y ON x.a = y.b; DROP INDEX tc; DELETE FROM t")
}
