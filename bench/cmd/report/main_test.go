package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/stablesqlite/stablesqlite/bench/mattn
BenchmarkMattn/Join-2               	       1	  69854653 ns/op
BenchmarkMattn/FirstQuery/cold-2    	       3	   9669828 ns/op	         7.051 MB-peak	         0.7031 ms/first-query
BenchmarkOursFile/Join-2            	       1	 105161443 ns/op	      12 B/op
BenchmarkOursFile/Join-2            	       1	 100000000 ns/op
BenchmarkOursFile/Join-2            	       1	 110000000 ns/op
BenchmarkOursFile/FirstQuery/cold-2 	       1	1015008180 ns/op	        74.79 MB-peak	      1005 ms/first-query
--- FAIL: BenchmarkOursHeap/Blobs
PASS
`

func TestParseRender(t *testing.T) {
	r := newResults()
	if err := r.parse(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rw := range r.rows {
		got = append(got, rw.workload+" "+rw.unit)
	}
	want := []string{"Join ns/op", "FirstQuery/cold ms/first-query", "FirstQuery/cold MB-peak"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if s := r.byKey["Join\x00ns/op"].samples["OursFile"]; len(s) != 3 {
		t.Fatalf("OursFile Join samples %v", s)
	}
	m := &meta{vals: map[string][]string{"date": {"today"}, "rounds": {"3"}, "benchtime": {"1x"}}}
	out := render(m, r, "Mattn")
	for _, s := range []string{
		"| Join | time/op | 1.00× | 1.51× |", // 105.2 ms / 69.85 ms
		"| FirstQuery/cold | first query | 1.00× | 1429.38× |",
		"|  |  | ours (file) | 105 ms | 100–110 ms | 3 | 1.51× |",
		"| **geometric mean** | | **1.00×** (1) | **1.51×** (1) |",
		"| **geometric mean of time/op rows** | | **1.00×** (1) | **1.51×** (1) |",
		"**Fresh processes**",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestSig(t *testing.T) {
	for v, want := range map[float64]string{1234: "1234", 123.4: "123", 12.34: "12.3", 1.234: "1.23", 0.01234: "0.0123"} {
		if got := sig(v); got != want {
			t.Errorf("sig(%g) = %s, want %s", v, got, want)
		}
	}
}

func TestSplice(t *testing.T) {
	got, err := splice("a\n"+beginMarker+"\nold\n"+endMarker+"\nb\n", "new\n")
	if err != nil || got != "a\n"+beginMarker+"\nnew\n"+endMarker+"\nb\n" {
		t.Fatalf("%q, %v", got, err)
	}
	if _, err := splice("no markers", "x"); err == nil {
		t.Fatal("no error without markers")
	}
}
