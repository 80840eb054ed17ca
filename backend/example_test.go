package backend_test

import (
	"database/sql"
	"fmt"
	"log"
	"strings"
	"sync"

	"github.com/stablesqlite/stablesqlite/backend"
	"github.com/stablesqlite/stablesqlite/backend/heap"
	_ "github.com/stablesqlite/stablesqlite/driver" // also registers file, heap and stable
)

// The driver comes with three backends.
func ExampleNames() {
	fmt.Println(backend.Names())
	// Output: [file heap stable]
}

// Register with Fixed makes one ready backend reachable from DSNs.
func ExampleRegister() {
	mem := heap.New()
	backend.Register("scratch", backend.Fixed{Backend: mem})

	db, err := sql.Open("stablesqlite", "file:/notes.db?vfs=scratch")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("create table note(text)"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(mem.Names())
	// Output: [/notes.db]
}

// spaces is a Factory that takes a DSN parameter: space=NAME picks one of
// several in-memory backends, made on first use.
type spaces struct {
	mu sync.Mutex
	m  map[string]*heap.Backend
}

func (*spaces) Params() []string { return []string{"space"} }

func (s *spaces) New(params map[string]string) (backend.Backend, error) {
	name := params["space"]
	if name == "" {
		return nil, fmt.Errorf("spaces: give space=NAME")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] == nil {
		s.m[name] = heap.New() // no storage yet: a heap allocates on first write
	}
	return s.m[name], nil
}

// A Factory gets the DSN parameters it names, and sql.Open reports what
// it refuses.
func ExampleFactory() {
	backend.Register("spaces", &spaces{m: map[string]*heap.Backend{}})
	fmt.Println(backend.Owns("space"))

	_, err := sql.Open("stablesqlite", "file:/app.db?vfs=spaces")
	fmt.Println(err)

	for _, space := range []string{"blue", "green"} {
		db, err := sql.Open("stablesqlite", "file:/app.db?vfs=spaces&space="+space)
		if err != nil {
			log.Fatal(err)
		}
		defer db.Close()
		if space == "blue" {
			if _, err := db.Exec("create table t(x)"); err != nil {
				log.Fatal(err)
			}
		}
		var tables int
		if err := db.QueryRow("select count(*) from sqlite_schema").Scan(&tables); err != nil {
			log.Fatal(err)
		}
		fmt.Println(space, tables)
	}
	// Output:
	// [spaces]
	// stablesqlite: vfs=spaces: spaces: give space=NAME
	// blue 1
	// green 0
}

func ExampleLookup() {
	f, err := backend.Lookup("stable")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Params())
	_, err = backend.Lookup("nosuch")
	fmt.Println(strings.HasPrefix(err.Error(), `unknown backend vfs="nosuch"`))
	// Output:
	// [memory image]
	// true
}

func ExampleCheckImage() {
	db, err := sql.Open("stablesqlite", "file:/check.db?vfs=heap")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("create table t(x)"); err != nil {
		log.Fatal(err)
	}
	image, err := heap.Default.Export("/check.db")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(backend.CheckImage(image))
	fmt.Println(backend.CheckImage(image[:1000]))
	fmt.Println(backend.CheckImage([]byte("not a database")))
	// Output:
	// <nil>
	// database image is 1000 bytes, not a whole number of 4096-byte pages (truncated?)
	// not an SQLite database image
}
