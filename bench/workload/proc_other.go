//go:build !linux

package workload

import "errors"

// statusKB is only implemented on Linux (/proc/self/status).
func statusKB(field string) (int64, error) {
	return 0, errors.New("memory figures need Linux's /proc/self/status")
}
