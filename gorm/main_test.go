package stablegorm_test

import (
	"os"
	"path/filepath"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	stablegorm "github.com/stablesqlite/stablesqlite/gorm"
	"github.com/stablesqlite/stablesqlite/wasm"
)

// TestMain keeps wazero's compiled code in a directory that outlives the
// test binary, so later runs (and -race runs) do not compile the module
// again.
func TestMain(m *testing.M) {
	if os.Getenv(wasm.CacheDirEnv) == "" {
		os.Setenv(wasm.CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	os.Exit(m.Run())
}

// fileDSN returns the DSN of a new database file with foreign keys on.
func fileDSN(t *testing.T) string {
	return "file:" + filepath.Join(t.TempDir(), "gorm.db") + "?_pragma=foreign_keys(1)"
}

// open opens dsn with error translation on and logging off (set
// STABLEGORM_LOG=1 to see the SQL).
func open(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	cfg := &gorm.Config{TranslateError: true, Logger: logger.Discard}
	if os.Getenv("STABLEGORM_LOG") != "" {
		cfg.Logger = logger.Default.LogMode(logger.Info)
	}
	db, err := gorm.Open(stablegorm.Open(dsn), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tableSQL returns the CREATE statement SQLite keeps for a table or index.
func tableSQL(t *testing.T, db *gorm.DB, name string) string {
	t.Helper()
	var s string
	must(t, db.Raw("SELECT sql FROM sqlite_master WHERE name = ?", name).Row().Scan(&s))
	return s
}
