package stablegorm_test

// Regression tests for what GORM's own test suite (the tests/ directory of
// the gorm repository) found in the dialector.

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/migrator"
)

// DropTable of a table other tables refer to, with rows referring to it,
// must work with PRAGMA foreign_keys on (DROP TABLE would otherwise delete
// the rows first and fail on the foreign keys), and must leave every
// connection with foreign keys on.
func TestDropTableReferredTo(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(allModels...))
	c := Company{Name: "c"}
	must(t, db.Create(&c).Error)
	must(t, db.Create(&User{Name: "u", Email: "u@x", CompanyID: &c.ID}).Error)

	must(t, db.Migrator().DropTable(&Company{}))
	if db.Migrator().HasTable(&Company{}) {
		t.Fatal("companies still exists")
	}
	// Parent and child in one call, in either order.
	must(t, db.AutoMigrate(allModels...))
	must(t, db.Create(&Company{ID: c.ID, Name: "c"}).Error)
	must(t, db.Migrator().DropTable(&Company{}, &User{}, "user_languages"))

	sqlDB, err := db.DB()
	must(t, err)
	sqlDB.SetMaxIdleConns(4)
	conns := make([]interface{ Close() error }, 0, 4)
	for i := 0; i < 4; i++ {
		conn, err := sqlDB.Conn(t.Context())
		must(t, err)
		conns = append(conns, conn)
		var fk bool
		must(t, conn.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk))
		if !fk {
			t.Errorf("connection %d has foreign keys off after DropTable", i)
		}
	}
	for _, c := range conns {
		c.Close()
	}

	// Inside a transaction the tables are dropped as they are.
	must(t, db.AutoMigrate(allModels...))
	must(t, db.Transaction(func(tx *gorm.DB) error {
		return tx.Migrator().DropTable(&Order{})
	}))
	if db.Migrator().HasTable(&Order{}) {
		t.Fatal("orders still exists")
	}
}

// GetIndexes returns *migrator.Index values, as GORM's own migrators do, so
// that they compare equal to the indexes callers build.
func TestGetIndexesPointers(t *testing.T) {
	db := open(t, fileDSN(t))
	type Indexed struct {
		ID   uint
		Name string `gorm:"size:50;uniqueIndex"`
	}
	must(t, db.AutoMigrate(&Indexed{}))
	indexes, err := db.Migrator().GetIndexes(&Indexed{})
	must(t, err)
	want := &migrator.Index{
		TableName:       "indexeds",
		NameValue:       "idx_indexeds_name",
		ColumnList:      []string{"name"},
		PrimaryKeyValue: sql.NullBool{Bool: false, Valid: true},
		UniqueValue:     sql.NullBool{Bool: true, Valid: true},
	}
	if len(indexes) != 1 || !reflect.DeepEqual(indexes[0], gorm.Index(want)) {
		t.Fatalf("GetIndexes = %#v, want [%#v]", indexes, want)
	}
}

// A type asked for with a type tag is migrated to even when SQLite would
// read both types alike (type:text on a varchar(20) column); a column whose
// type only spells GORM's default differently is left alone.
func TestMigrateExplicitType(t *testing.T) {
	db := open(t, fileDSN(t))
	type DiffType struct {
		ID   uint
		Name string `gorm:"type:varchar(20)"`
	}
	type DiffType1 struct {
		ID   uint
		Name string `gorm:"type:text"`
	}
	must(t, db.AutoMigrate(&DiffType{}))
	must(t, db.Table("diff_types").AutoMigrate(&DiffType1{}))
	cts, err := db.Migrator().ColumnTypes("diff_types")
	must(t, err)
	if got := strings.ToLower(cts[1].DatabaseTypeName()); got != "text" {
		t.Fatalf("name is %q after migrating to type:text", got)
	}

	// A string field without a type tag on a varchar column: no rebuild.
	must(t, db.Exec("CREATE TABLE plains (id integer PRIMARY KEY AUTOINCREMENT, name varchar(100))").Error)
	type Plain struct {
		ID   uint
		Name string
	}
	before := tableSQL(t, db, "plains")
	must(t, db.AutoMigrate(&Plain{}))
	if after := tableSQL(t, db, "plains"); after != before {
		t.Fatalf("plains was created again:\n%s\n%s", before, after)
	}
}
