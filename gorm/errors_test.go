package stablegorm_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/stablesqlite/stablesqlite/driver"
	stablegorm "github.com/stablesqlite/stablesqlite/gorm"
)

func TestErrorTranslation(t *testing.T) {
	db := migrated(t)
	must(t, db.Create(&User{Name: "ann", Email: "ann@example.com"}).Error)

	// A unique index.
	err := db.Create(&User{Name: "ann2", Email: "ann@example.com"}).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Fatalf("duplicate email: %v", err)
	}
	var se *driver.Error
	if !errors.As(err, &se) || !errors.Is(err, driver.ErrConstraintUnique) || !strings.Contains(err.Error(), "users.email") {
		t.Errorf("the driver's error is lost: %v", err)
	}
	// A unique constraint, and the primary key.
	must(t, db.Create(&Language{Code: "en"}).Error)
	if err := db.Create(&Language{Code: "en"}).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate code: %v", err)
	}
	if err := db.Create(&Language{ID: 1, Code: "fr"}).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate primary key: %v", err)
	}
	if err := db.Create(&struct {
		gorm.Model
	}{}).Error; err == nil {
		t.Error("insert into a missing table succeeded")
	}
	// Foreign keys (on through the DSN's _pragma).
	err = db.Create(&Order{UserID: 42, Amount: 1}).Error
	if !errors.Is(err, gorm.ErrForeignKeyViolated) || !errors.Is(err, driver.ErrConstraintForeignKey) {
		t.Errorf("order of a missing user: %v", err)
	}
	must(t, db.Create(&Order{UserID: 1, Amount: 1}).Error)
	if err := db.Unscoped().Delete(&User{}, 1).Error; !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("deleting a user with orders: %v", err)
	}
	// Other errors are left alone.
	err = db.Exec("SELECT * FROM nothing").Error
	if err == nil || errors.Is(err, gorm.ErrDuplicatedKey) || !errors.Is(err, driver.ErrError) {
		t.Errorf("missing table: %v", err)
	}
	// NOT NULL is no GORM sentinel.
	err = db.Exec("INSERT INTO users (name) VALUES (NULL)").Error
	if !errors.Is(err, driver.ErrConstraintNotNull) || errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("NULL name: %v", err)
	}

	// Without TranslateError the driver's error comes through as it is.
	plain, err := gorm.Open(stablegorm.New(stablegorm.Config{Conn: mustDB(t, db)}), &gorm.Config{Logger: logger.Discard})
	must(t, err)
	err = plain.Create(&Language{Code: "en"}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) || !errors.Is(err, driver.ErrConstraintUnique) {
		t.Errorf("untranslated: %v", err)
	}
}

func mustDB(t *testing.T, db *gorm.DB) *sql.DB {
	t.Helper()
	sqlDB, err := db.DB()
	must(t, err)
	return sqlDB
}

// TestHeap runs on the heap backend, whose named database every connection
// of the process shares, and on a *sql.DB given as Config.Conn.
func TestHeap(t *testing.T) {
	const dsn = "file:/gormheap?vfs=heap"
	db := open(t, dsn+"&_pragma=foreign_keys(1)")
	must(t, db.Migrator().DropTable(allModels...))
	must(t, db.Migrator().DropTable("user_languages"))
	must(t, db.AutoMigrate(allModels...))
	must(t, db.Create(&User{Name: "heap", Email: "h@x", Orders: []Order{{Amount: 1}, {Amount: 2}}}).Error)

	sqlDB, err := sql.Open(stablegorm.DriverName, dsn)
	must(t, err)
	defer sqlDB.Close()
	other, err := gorm.Open(stablegorm.New(stablegorm.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	must(t, err)
	if other.Dialector.Name() != "sqlite" {
		t.Errorf("Name = %q", other.Dialector.Name())
	}
	var u User
	must(t, other.Preload("Orders").First(&u).Error)
	if u.Name != "heap" || len(u.Orders) != 2 {
		t.Fatalf("read through another connection pool: %+v", u)
	}
	// Rebuilding a table on the heap backend too.
	must(t, other.Migrator().AlterColumn(&User{}, "Age"))
	var n int64
	must(t, db.Model(&Order{}).Count(&n).Error)
	if n != 2 {
		t.Errorf("%d orders after the rebuild", n)
	}
	must(t, db.Migrator().DropTable(allModels...))
	must(t, db.Migrator().DropTable("user_languages"))
}

func TestPreparedStatementsAndMemory(t *testing.T) {
	dir := t.TempDir()
	db, err := gorm.Open(stablegorm.Open("file:"+filepath.Join(dir, "p.db")), &gorm.Config{PrepareStmt: true, Logger: logger.Discard})
	must(t, err)
	defer mustDB(t, db).Close()
	must(t, db.AutoMigrate(&ItemV1{}))
	for i := range 5 {
		must(t, db.Create(&ItemV1{Name: "n", Score: string(rune('a' + i))}).Error)
	}
	must(t, db.AutoMigrate(&ItemV2{}, &ItemTag{})) // a rebuild through the prepared-statement pool
	var n int64
	must(t, db.Model(&ItemV2{}).Where("name = ?", "n").Count(&n).Error)
	if n != 5 {
		t.Errorf("count %d", n)
	}

	mem, err := gorm.Open(stablegorm.Open(":memory:"), &gorm.Config{Logger: logger.Discard})
	must(t, err)
	sqlDB := mustDB(t, mem)
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(1) // a private in-memory database per connection
	must(t, mem.AutoMigrate(&Company{}))
	must(t, mem.Create(&Company{Name: "m"}).Error)
	var c Company
	must(t, mem.First(&c).Error)
	if c.Name != "m" {
		t.Errorf("memory: %+v", c)
	}
	// A rebuild with the only connection of the pool.
	type CompanyBlob struct {
		ID   uint
		Name []byte
	}
	done := make(chan error, 1)
	go func() { done <- mem.Table("companies").AutoMigrate(&CompanyBlob{}) }()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("AutoMigrate with one connection hangs")
	}
	if ddl := tableSQL(t, mem, "companies"); !strings.Contains(ddl, "`name` blob") {
		t.Errorf("companies: %s", ddl)
	}
	var cb CompanyBlob
	must(t, mem.Table("companies").First(&cb).Error)
	if string(cb.Name) != "m" {
		t.Errorf("memory after rebuild: %+v", cb)
	}
}
