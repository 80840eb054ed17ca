// Package etcdtest starts etcd clusters on loopback for the backend's tests
// and figures: real etcd server processes, each member with its own ports
// and data directory, that a test can SIGKILL, restart and stop.
//
// The server is the one pinned in the module's go.mod (a tool
// dependency), built once with the go command into the test cache
// directory; STABLESQLITE_ETCD_SERVER names another binary instead.
package etcdtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// ServerEnv names an etcd binary to use instead of building one.
const ServerEnv = "STABLESQLITE_ETCD_SERVER"

// serverPackage is the etcd server's main package, a tool dependency of
// this module.
const serverPackage = "go.etcd.io/etcd/server/v3"

var (
	serverOnce sync.Once
	serverPath string
	serverErr  error
)

// Server returns the path of an etcd server binary: $STABLESQLITE_ETCD_SERVER
// if set, else the module's pinned server, built on first use (about 40 s
// on two cores the first time, a second or two from the build cache) and
// kept in the cache directory under its version.
func Server() (string, error) {
	serverOnce.Do(func() { serverPath, serverErr = findServer() })
	return serverPath, serverErr
}

func findServer() (string, error) {
	if p := os.Getenv(ServerEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", ServerEnv, p, err)
		}
		return p, nil
	}
	gocmd := GoCommand()
	version, err := output(gocmd, "list", "-m", "-f", "{{.Version}}", serverPackage)
	if err != nil {
		return "", fmt.Errorf("finding the pinned etcd server version: %w", err)
	}
	dir := cacheDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "etcd-"+version)
	if have, err := output(bin, "--version"); err == nil && strings.Contains(have, strings.TrimPrefix(version, "v")) {
		return bin, nil
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.Command(gocmd, "build", "-o", tmp, serverPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("building the etcd server (%s@%s) with the go command: %w\n%s", serverPackage, version, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// cacheDir is where the built server is kept: the directory the tests use
// for wazero's compiled code.
func cacheDir() string {
	if d := os.Getenv("STABLESQLITE_CACHE_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "stablesqlite-test-cache")
}

// GoCommand returns the go command of the toolchain running the tests.
func GoCommand() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); runtime.GOROOT() != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

func output(name string, args ...string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return strings.TrimSpace(out.String()), nil
}
