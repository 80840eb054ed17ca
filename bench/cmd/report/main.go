// Command report turns the raw outputs of run.sh into the results tables of
// bench/README.md.
//
//	go run ./cmd/report -dir RAWDIR [-readme README.md] [-baseline Mattn]
//
// RAWDIR holds meta.txt ("key: value" lines written by run.sh) and raw/*.txt,
// the standard output of each `go test -bench` run (one file per driver per
// round). Every "Benchmark..." line is parsed: the first element of its
// name (without "Benchmark") is the driver, the rest (without the
// "-GOMAXPROCS" suffix) the workload, and each "value unit" pair a sample.
// A benchmark that reports custom metrics (ms/first-query, MB-peak, KB/conn)
// is tabled by those alone: its ns/op is only the harness's own time.
//
// The tables go between the lines <!-- results:begin --> and
// <!-- results:end --> of the README, replacing what was there.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const (
	beginMarker = "<!-- results:begin -->"
	endMarker   = "<!-- results:end -->"
)

// drivers are the known drivers in column order, with their display names.
var drivers = []struct{ key, name string }{
	{"Mattn", "mattn"},
	{"Modernc", "modernc"},
	{"Ncruces032", "ncruces v0.32"},
	{"Ncruces035", "ncruces v0.35"},
	{"OursFile", "ours (file)"},
	{"OursHeap", "ours (heap)"},
	{"OursStable", "ours (stable)"},
	{"OursStableMetered", "ours (stable, metered)"},
}

func main() {
	dir := flag.String("dir", "", "directory with meta.txt and raw/*.txt (from run.sh)")
	readme := flag.String("readme", "README.md", "markdown file whose results section is replaced")
	baseline := flag.String("baseline", "Mattn", "driver the ratios are taken to")
	flag.Parse()
	if *dir == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir, *readme, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(dir, readme, baseline string) error {
	meta, err := readMeta(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "raw", "*.txt"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	res := newResults()
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return err
		}
		err = res.parse(fh)
		fh.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if len(res.rows) == 0 {
		return fmt.Errorf("no benchmark results in %s", filepath.Join(dir, "raw"))
	}
	text, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	out, err := splice(string(text), render(meta, res, baseline))
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	return os.WriteFile(readme, []byte(out), 0o644)
}

// meta is run.sh's description of the run, in file order.
type meta struct {
	keys []string
	vals map[string][]string
}

func (m *meta) get(k string) string { return strings.Join(m.vals[k], ", ") }

func readMeta(path string) (*meta, error) {
	m := &meta{vals: map[string][]string{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := m.vals[k]; !seen {
			m.keys = append(m.keys, k)
		}
		m.vals[k] = append(m.vals[k], v)
	}
	return m, nil
}

// row is one workload and metric; its samples are by driver.
type row struct {
	workload, unit string
	samples        map[string][]float64
}

type results struct {
	rows    []*row // in order of first appearance
	byKey   map[string]*row
	drivers map[string]bool
}

func newResults() *results {
	return &results{byKey: map[string]*row{}, drivers: map[string]bool{}}
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// harnessUnits are the standard units; any other is a custom metric.
var harnessUnits = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "MB/s": true}

// unitRank orders a benchmark's metrics into rows.
func unitRank(unit string) int {
	switch unit {
	case "ns/op":
		return 0
	case "ms/work":
		return 1
	case "ms/first-query":
		return 2
	case "KB/conn":
		return 3
	case "MB-peak":
		return 4
	}
	return 5
}

// parse reads standard `go test -bench` output.
func (r *results) parse(rd io.Reader) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		drv, work, ok := strings.Cut(name, "/")
		if !ok {
			work = "(all)"
		}
		type metric struct {
			v    float64
			unit string
		}
		var ms []metric
		custom := false
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("bad value %q in %q", f[i], sc.Text())
			}
			ms = append(ms, metric{v, f[i+1]})
			custom = custom || !harnessUnits[f[i+1]]
		}
		slices.SortStableFunc(ms, func(a, b metric) int { return unitRank(a.unit) - unitRank(b.unit) })
		for _, m := range ms {
			// Only time/op and custom metrics are tabled; time/op not
			// where the benchmark has custom ones.
			if m.unit != "ns/op" && harnessUnits[m.unit] || custom && m.unit == "ns/op" {
				continue
			}
			key := work + "\x00" + m.unit
			rw := r.byKey[key]
			if rw == nil {
				rw = &row{workload: work, unit: m.unit, samples: map[string][]float64{}}
				r.byKey[key] = rw
				r.rows = append(r.rows, rw)
			}
			rw.samples[drv] = append(rw.samples[drv], m.v)
			r.drivers[drv] = true
		}
	}
	return sc.Err()
}

// columns returns the drivers present, known ones first in their order.
func (r *results) columns() []string {
	var cols []string
	for _, d := range drivers {
		if r.drivers[d.key] {
			cols = append(cols, d.key)
		}
	}
	var other []string
	for d := range r.drivers {
		if !slices.ContainsFunc(drivers, func(k struct{ key, name string }) bool { return k.key == d }) {
			other = append(other, d)
		}
	}
	slices.Sort(other)
	return append(cols, other...)
}

func displayName(key string) string {
	for _, d := range drivers {
		if d.key == key {
			return d.name
		}
	}
	return key
}

type stats struct {
	median, min, max float64
	n                int
}

func summarize(xs []float64) (stats, bool) {
	if len(xs) == 0 {
		return stats{}, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return stats{med, s[0], s[n-1], n}, true
}

func metricName(unit string) string {
	switch unit {
	case "ns/op":
		return "time/op"
	case "ms/work":
		return "time"
	case "ms/first-query":
		return "first query"
	case "MB-peak":
		return "peak RSS"
	case "KB/conn":
		return "RSS per idle conn"
	}
	return unit
}

// scale picks how to print values of unit around v: a divisor and a suffix.
func scale(unit string, v float64) (float64, string) {
	switch unit {
	case "ns/op":
		switch {
		case v >= 1e9:
			return 1e9, " s"
		case v >= 1e6:
			return 1e6, " ms"
		case v >= 1e3:
			return 1e3, " µs"
		}
		return 1, " ns"
	case "ms/first-query", "ms/work":
		if v >= 1000 {
			return 1000, " s"
		}
		return 1, " ms"
	case "MB-peak":
		return 1, " MiB"
	case "KB/conn":
		return 1, " KiB"
	}
	return 1, " " + unit
}

// sig formats v with three significant digits (more for large integers
// parts, never in exponent form).
func sig(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	d := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return strconv.FormatFloat(v, 'f', d, 64)
}

func format(unit string, v float64) string {
	div, suffix := scale(unit, v)
	return sig(v/div) + suffix
}

func formatRange(unit string, s stats) string {
	div, suffix := scale(unit, s.median)
	return sig(s.min/div) + "–" + sig(s.max/div) + suffix
}

func ratioText(r float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "×"
}

func render(m *meta, res *results, baseline string) string {
	cols := res.columns()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("Run of %s: %s interleaved round(s), `-benchtime %s`", m.get("date"), m.get("rounds"), m.get("benchtime"))
	if bench := m.get("bench"); bench != "" && bench != "." {
		p(", workloads matching `%s`", bench)
	}
	p(".\n\n")
	p("- Machine: %s CPUs (nproc), %s; %s; %s.\n", m.get("nproc"), m.get("cpu"), m.get("kernel"), m.get("go"))
	if mods := m.vals["module"]; len(mods) > 0 {
		p("- Versions: %s; ours at %s.\n", strings.Join(mods, ", "), m.get("ours"))
	}
	if failed := m.get("failed"); failed != "" {
		p("- **Failed runs** (their results are missing or partial): %s.\n", failed)
	}
	p("- Lower is better everywhere. Ratio: the driver's median divided by %s's; each geometric mean is over the rows where both have a result (their number in parentheses).\n\n", displayName(baseline))

	var inProcess, fresh []*row
	for _, rw := range res.rows {
		if strings.HasPrefix(rw.workload, "Fresh/") || strings.HasPrefix(rw.workload, "FirstQuery/") {
			fresh = append(fresh, rw)
		} else {
			inProcess = append(inProcess, rw)
		}
	}
	isTime := func(rw *row) bool { return rw.unit == "ns/op" }
	if len(inProcess) > 0 {
		p("**In process**: each workload in the benchmark's own long-running process, after its setup (for ours, once compiled code is ready).\n\n")
		ratioTable(p, cols, inProcess, baseline, []mean{
			{"**geometric mean**", func(*row) bool { return true }},
			{"**geometric mean of time/op rows**", isTime},
		})
	}
	if len(fresh) > 0 {
		p("**Fresh processes**, as most programs meet a driver: each op a new process with the driver's default settings; cold is the first process on a machine (empty caches), warm every later one. time: the work, after the pool is open and has run one query; first query: from the process's start.\n\n")
		work := func(suffix string) func(*row) bool {
			return func(rw *row) bool {
				return rw.unit == "ms/work" && strings.HasSuffix(rw.workload, suffix)
			}
		}
		ratioTable(p, cols, fresh, baseline, []mean{
			{"**geometric mean of warm times**", work("/warm")},
			{"**geometric mean of cold times**", work("/cold")},
			{"**geometric mean of warm peak RSS**", func(rw *row) bool {
				return rw.unit == "MB-peak" && strings.HasPrefix(rw.workload, "Fresh/") && strings.HasSuffix(rw.workload, "/warm")
			}},
		})
	}

	// Medians and ranges.
	p("| workload | metric | driver | median | min–max | runs | ratio to %s |\n", displayName(baseline))
	p("|---|---|---|---:|---:|---:|---:|\n")
	for _, rw := range res.rows {
		base, baseOK := summarize(rw.samples[baseline])
		first := true
		for _, c := range cols {
			s, ok := summarize(rw.samples[c])
			if !ok {
				continue
			}
			w, u := "", ""
			if first {
				w, u = rw.workload, metricName(rw.unit)
				first = false
			}
			rOK := baseOK && base.median > 0
			r := 0.0
			if rOK {
				r = s.median / base.median
			}
			p("| %s | %s | %s | %s | %s | %d | %s |\n", w, u, displayName(c), format(rw.unit, s.median), formatRange(rw.unit, s), s.n, ratioText(r, rOK))
		}
	}
	return b.String()
}

// mean is a geometric mean of the ratios of the rows it takes.
type mean struct {
	label string
	takes func(*row) bool
}

// ratioTable prints, for rows, each driver's median as a ratio to the
// baseline's, then the means.
func ratioTable(p func(string, ...any), cols []string, rows []*row, baseline string, means []mean) {
	p("| workload | metric |")
	for _, c := range cols {
		p(" %s |", displayName(c))
	}
	p("\n|---|---|")
	for range cols {
		p("---:|")
	}
	p("\n")
	sums := make([]map[string]float64, len(means))
	ns := make([]map[string]int, len(means))
	for k := range means {
		sums[k], ns[k] = map[string]float64{}, map[string]int{}
	}
	for _, rw := range rows {
		base, baseOK := summarize(rw.samples[baseline])
		p("| %s | %s |", rw.workload, metricName(rw.unit))
		for _, c := range cols {
			s, ok := summarize(rw.samples[c])
			if !ok {
				p(" — |")
				continue
			}
			if !baseOK || base.median <= 0 || s.median <= 0 {
				p(" %s |", format(rw.unit, s.median))
				continue
			}
			r := s.median / base.median
			for k, m := range means {
				if m.takes(rw) {
					sums[k][c] += math.Log(r)
					ns[k][c]++
				}
			}
			p(" %s |", ratioText(r, true))
		}
		p("\n")
	}
	for k, m := range means {
		p("| %s | |", m.label)
		for _, c := range cols {
			if ns[k][c] == 0 {
				p(" — |")
				continue
			}
			p(" **%s** (%d) |", ratioText(math.Exp(sums[k][c]/float64(ns[k][c])), true), ns[k][c])
		}
		p("\n")
	}
	p("\n")
}

// splice puts body between the markers of text.
func splice(text, body string) (string, error) {
	i := strings.Index(text, beginMarker)
	j := strings.Index(text, endMarker)
	if i < 0 || j < 0 || j < i {
		return "", errors.New("no " + beginMarker + " … " + endMarker + " section")
	}
	return text[:i+len(beginMarker)] + "\n" + strings.TrimRight(body, "\n") + "\n" + text[j:], nil
}
