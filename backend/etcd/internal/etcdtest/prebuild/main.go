// Command prebuild builds the etcd server the tests start (see package
// etcdtest) into the test cache directory, unless it is there already, and
// prints its path; the top-level Makefile's toolchain target runs it, so
// that the tests' first run does not spend its time compiling etcd.
package main

import (
	"fmt"
	"os"

	"github.com/stablesqlite/stablesqlite/backend/etcd/internal/etcdtest"
)

func main() {
	path, err := etcdtest.Server()
	if err != nil {
		fmt.Fprintln(os.Stderr, "prebuild:", err)
		os.Exit(1)
	}
	fmt.Println("etcd server for the tests:", path)
}
