//go:build !linux

package shm

import "os"

func anonymousFile() (*os.File, error) { return anonymousTemp() }
