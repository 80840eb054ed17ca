package driver_test

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stablesqlite/stablesqlite/internal/sqlite3cli"

	"github.com/stablesqlite/stablesqlite/backend/heap"
)

// A file name means a file, from any connection, as in any SQLite: ATTACH
// 'x.db' and VACUUM INTO 'x.db' from a :memory:, heap or stable database
// write the file x.db (they once wrote into the connection's own memory
// and said nothing); a URI with vfs= names another backend.
func TestPathsMeanFiles(t *testing.T) {
	cli := sqlite3cli.Path(t)
	for name, dsn := range map[string]string{
		"memory": ":memory:",
		"heap":   "file:" + heapName(t) + "?vfs=heap",
		"stable": "file:main.db?vfs=stable&memory=" + uniqueName(t),
		"image":  "file:main.db?vfs=stable&image=" + filepath.Join(t.TempDir(), "paths.img"),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			attached, vacuumed := filepath.Join(dir, "att.db"), filepath.Join(dir, "vac.db")
			db := open(t, dsn)
			db.SetMaxOpenConns(1)
			mustExec(t, db, "create table main.m(x); insert into m values ('main')")
			mustExec(t, db, fmt.Sprintf("attach '%s' as a", attached))
			mustExec(t, db, "create table a.t(x); insert into a.t values ('attached')")
			mustExec(t, db, fmt.Sprintf("vacuum into '%s'", vacuumed))
			mem := "/paths-" + name + "-" + uniqueName(t)
			mustExec(t, db, fmt.Sprintf("attach 'file:%s?vfs=heap' as h", mem))
			mustExec(t, db, "create table h.t(x); insert into h.t values ('heap')")
			mustExec(t, db, "detach a; detach h")
			for path, want := range map[string]string{
				attached: "ok\nattached",
				vacuumed: "ok\nmain",
			} {
				if _, err := os.Stat(path); err != nil {
					t.Fatalf("no file %s: %v", filepath.Base(path), err)
				}
				table := "t"
				if path == vacuumed {
					table = "m"
				}
				out, err := osexec.Command(cli, path, "pragma integrity_check; select x from "+table).CombinedOutput()
				if err != nil || strings.TrimSpace(string(out)) != want {
					t.Fatalf("native sqlite3 on %s: %v %q", filepath.Base(path), err, out)
				}
			}
			if image, err := heap.Default.Export(mem); err != nil || len(image) == 0 {
				t.Fatalf("vfs=heap did not reach the heap backend: %d bytes, %v", len(image), err)
			}
		})
	}
}
