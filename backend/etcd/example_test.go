package etcd_test

import (
	"database/sql"
	"fmt"
	"log"

	"github.com/stablesqlite/stablesqlite/backend/etcd" // registers vfs=etcd
	_ "github.com/stablesqlite/stablesqlite/driver"
)

func Example() {
	// endpoints is a running cluster's members, such as
	// "127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379".
	endpoints := etcd.ClusterEndpoints()
	db, err := sql.Open("stablesqlite", "file:example.db?vfs=etcd&prefix=/example/&endpoints="+endpoints)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("create table greeting(text); insert into greeting values ('hello from etcd')"); err != nil {
		log.Fatal(err)
	}
	var s string
	if err := db.QueryRow("select text from greeting").Scan(&s); err != nil {
		log.Fatal(err)
	}
	fmt.Println(s)
	// Output: hello from etcd
}
