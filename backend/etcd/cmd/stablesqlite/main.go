// Command stablesqlite is the stablesqlite SQL shell (the core module's
// cmd/stablesqlite) with vfs=etcd linked in:
//
//	cd backend/etcd
//	go run ./cmd/stablesqlite "file:app.db?vfs=etcd&endpoints=127.0.0.1:2379" "select count(*) from t"
//
// It takes the same arguments, statements and dot commands.
package main

import (
	_ "github.com/stablesqlite/stablesqlite/backend/etcd"
	"github.com/stablesqlite/stablesqlite/cmd/stablesqlite/shell"
)

func main() { shell.Main() }
