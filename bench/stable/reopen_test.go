// Package stable measures the stable-memory backend: how long the first
// query takes after an "upgrade" (a restart with new code) when the database
// stays in its stable-memory image, against the export-then-import that
// sql.js users do today.
//
//	go test -bench . -benchtime 5x ./stable
package stable

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/backend/stable"
	"github.com/stablesqlite/stablesqlite/driver"
)

var sizes = []struct {
	name  string
	bytes int64
}{{"10MiB", 10 << 20}, {"1GiB", 1 << 30}}

// buildImage writes a stable image holding main.db of about size bytes:
// rows of 64 KiB blobs, committed 32 MiB at a time.
func buildImage(b *testing.B, path string, size int64) {
	img, err := stable.OpenImage(path, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	sb, err := stable.New(img)
	if err != nil {
		b.Fatal(err)
	}
	db := openOn(b, sb)
	defer db.Close()
	if _, err := db.Exec("create table t(id integer primary key, v blob)"); err != nil {
		b.Fatal(err)
	}
	rows := size / (64 << 10)
	for done := int64(0); done < rows; done += 512 {
		if _, err := db.Exec(`insert into t(v) with recursive c(x) as (select 1 union all select x+1 from c where x < ?)
			select randomblob(65000) from c`, min(512, rows-done)); err != nil {
			b.Fatal(err)
		}
	}
}

func openOn(b *testing.B, sb *stable.Backend) *sql.DB {
	c, err := driver.NewConnector(":memory:", driver.WithBackend(sb, "main.db"))
	if err != nil {
		b.Fatal(err)
	}
	return sql.OpenDB(c)
}

// firstQuery runs the query an upgraded application would run first.
func firstQuery(b *testing.B, sb *stable.Backend) {
	db := openOn(b, sb)
	defer db.Close()
	var n int
	if err := db.QueryRow("select length(v) from t where id = 7").Scan(&n); err != nil || n != 65000 {
		b.Fatalf("first query: %d, %v", n, err)
	}
}

func BenchmarkUpgrade(b *testing.B) {
	dir := b.TempDir()
	for _, s := range sizes {
		path := filepath.Join(dir, s.name+".img")
		buildImage(b, path, s.bytes)
		st, _ := os.Stat(path)

		// Keep the database where it is: reopen the image and query.
		b.Run(fmt.Sprintf("reopen/%s", s.name), func(b *testing.B) {
			for b.Loop() {
				img, err := stable.OpenImage(path, 0)
				if err != nil {
					b.Fatal(err)
				}
				sb, err := stable.New(img)
				if err != nil {
					b.Fatal(err)
				}
				firstQuery(b, sb)
				img.Close()
			}
			b.ReportMetric(float64(st.Size())/(1<<20), "image-MiB")
		})

		// What sql.js users do: export the whole database before the
		// upgrade and import it after, then query.
		b.Run(fmt.Sprintf("export+import/%s", s.name), func(b *testing.B) {
			img, err := stable.OpenImage(path, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer img.Close()
			src, err := stable.New(img)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				image, err := src.Export("main.db")
				if err != nil {
					b.Fatal(err)
				}
				dst, err := stable.New(stable.NewMemory(0))
				if err != nil {
					b.Fatal(err)
				}
				if err := dst.Import("main.db", image); err != nil {
					b.Fatal(err)
				}
				firstQuery(b, dst)
			}
		})
	}
}
