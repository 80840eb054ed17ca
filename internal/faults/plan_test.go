package faults

import (
	"errors"
	"testing"
)

func TestPlan(t *testing.T) {
	var p Plan
	for range 3 {
		if err := p.call("x"); err != nil {
			t.Fatal(err)
		}
	}
	if p.Calls() != 3 {
		t.Fatalf("counted %d calls", p.Calls())
	}
	p.FailAt(2, false)
	got := []bool{p.call("a") != nil, p.call("b") != nil, p.call("c") != nil}
	if got[0] || !got[1] || got[2] || len(p.Failed()) != 1 || p.Failed()[0] != "b" {
		t.Fatalf("FailAt(2): %v, failed %v", got, p.Failed())
	}
	p.FailAt(2, true)
	got = []bool{p.call("a") != nil, p.call("b") != nil, p.call("c") != nil}
	if got[0] || !got[1] || !got[2] {
		t.Fatalf("FailAt(2, persist): %v", got)
	}
	if err := p.call("d"); !errors.Is(err, ErrInjected) {
		t.Fatalf("a failed call: %v", err)
	}
	p.FailNamed("apply")
	if p.call("read") != nil || p.call("apply") == nil || p.call("apply") == nil {
		t.Fatal("FailNamed(apply) failed the wrong calls")
	}
	p.PanicAt(1)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("PanicAt(1): no panic")
			}
		}()
		p.call("e")
	}()
}
