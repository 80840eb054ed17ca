//go:build !unix

package shell

// cpu is the process's processor time, which .timer shows as 0 here.
type cpu struct{}

func cpuTime() cpu { return cpu{} }

func (c cpu) sub(cpu) (user, sys float64) { return 0, 0 }
