package rc

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// Every code here has the value sqlite3.h gives it, in the amalgamation
// that sqlite-build/go.mod pins.
func TestCodesMatchSQLite(t *testing.T) {
	defs := sqliteDefines(t)
	for name, code := range map[string]Code{
		"OK": OK, "ERROR": Error, "INTERNAL": Internal, "PERM": Perm, "ABORT": Abort, "BUSY": Busy,
		"LOCKED": Locked, "NOMEM": NoMem, "READONLY": ReadOnly, "INTERRUPT": Interrupt, "IOERR": IOErr,
		"CORRUPT": Corrupt, "NOTFOUND": NotFound, "FULL": Full, "CANTOPEN": CantOpen, "PROTOCOL": Protocol,
		"EMPTY": Empty, "SCHEMA": Schema, "TOOBIG": TooBig, "CONSTRAINT": Constraint, "MISMATCH": Mismatch,
		"MISUSE": Misuse, "NOLFS": NoLFS, "AUTH": Auth, "FORMAT": Format, "RANGE": Range, "NOTADB": NotADB,
		"NOTICE": Notice, "WARNING": Warning, "ROW": Row, "DONE": Done,
		"IOERR_READ": IOErrRead, "IOERR_SHORT_READ": IOErrShortRead, "IOERR_WRITE": IOErrWrite,
		"IOERR_FSYNC": IOErrFsync, "IOERR_TRUNCATE": IOErrTruncate, "IOERR_FSTAT": IOErrFstat,
		"IOERR_UNLOCK": IOErrUnlock, "IOERR_DELETE": IOErrDelete, "IOERR_NOMEM": IOErrNoMem,
		"IOERR_ACCESS": IOErrAccess, "IOERR_CHECKRESERVEDLOCK": IOErrCheckReserved, "IOERR_LOCK": IOErrLock,
		"IOERR_CLOSE": IOErrClose, "IOERR_SHMOPEN": IOErrShmOpen, "IOERR_SHMSIZE": IOErrShmSize,
		"IOERR_SHMLOCK": IOErrShmLock, "IOERR_SHMMAP": IOErrShmMap, "IOERR_DELETE_NOENT": IOErrDeleteNoEnt,
		"IOERR_BEGIN_ATOMIC": IOErrBeginAtomic, "IOERR_COMMIT_ATOMIC": IOErrCommitAtomic,
		"IOERR_ROLLBACK_ATOMIC": IOErrRollbackAtomic, "BUSY_RECOVERY": BusyRecovery,
		"BUSY_SNAPSHOT": BusySnapshot, "BUSY_TIMEOUT": BusyTimeout, "READONLY_DBMOVED": ReadOnlyDBMoved,
		"CONSTRAINT_CHECK": ConstraintCheck, "CONSTRAINT_FOREIGNKEY": ConstraintForeignKey,
		"CONSTRAINT_NOTNULL": ConstraintNotNull, "CONSTRAINT_PRIMARYKEY": ConstraintPrimaryKey,
		"CONSTRAINT_UNIQUE": ConstraintUnique,
	} {
		want, ok := defs["SQLITE_"+name]
		if !ok {
			t.Errorf("sqlite3.h has no SQLITE_%s", name)
		} else if Code(want) != code {
			t.Errorf("SQLITE_%s is %d in sqlite3.h, %d here", name, want, code)
		}
	}
}

// sqliteDefines reads the integer #defines of the pinned amalgamation's
// sqlite3.h (from the Go module cache, as build.sh does).
func sqliteDefines(t *testing.T) map[string]int64 {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/mattn/go-sqlite3")
	cmd.Dir = "../../sqlite-build"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var mod struct{ Dir string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("the amalgamation's module cannot be had: %v", err)
		}
		t.Skipf("the amalgamation's module cannot be had: %v", err)
	}
	header, err := os.ReadFile(filepath.Join(mod.Dir, "sqlite3-binding.h"))
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]int64{}
	plain := regexp.MustCompile(`(?m)^#define (SQLITE_\w+)\s+(\d+)\b`)
	for _, m := range plain.FindAllStringSubmatch(string(header), -1) {
		defs[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
	}
	ext := regexp.MustCompile(`(?m)^#define (SQLITE_\w+)\s+\((SQLITE_\w+)\s*\|\s*\((\d+)<<8\)\)`)
	for _, m := range ext.FindAllStringSubmatch(string(header), -1) {
		n, _ := strconv.ParseInt(m[3], 10, 64)
		defs[m[1]] = defs[m[2]] | n<<8
	}
	return defs
}
