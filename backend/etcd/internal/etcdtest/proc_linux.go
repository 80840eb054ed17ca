package etcdtest

import "syscall"

// childAttr makes a member die with the process that started it, so that a
// test binary killed by its timeout leaves no server behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
