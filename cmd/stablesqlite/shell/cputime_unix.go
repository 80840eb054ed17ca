//go:build unix

package shell

import "syscall"

// cpu is the process's processor time so far, for .timer.
type cpu struct{ user, sys float64 }

func cpuTime() cpu {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return cpu{}
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return cpu{sec(ru.Utime), sec(ru.Stime)}
}

// sub returns the user and system seconds since c0.
func (c cpu) sub(c0 cpu) (user, sys float64) { return c.user - c0.user, c.sys - c0.sys }
