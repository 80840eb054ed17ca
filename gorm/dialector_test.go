package stablegorm_test

import (
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	stablegorm "github.com/stablesqlite/stablesqlite/gorm"
)

func TestQuoteTo(t *testing.T) {
	d := stablegorm.Dialector{}
	for in, want := range map[string]string{
		"users":          "`users`",
		"users.id":       "`users`.`id`",
		"main.users.id":  "`main`.`users`.`id`",
		"we`ird":         "`we``ird`",
		"`users`":        "`users`",
		"`a.b`.c":        "`a.b`.`c`",
		"`a``b`":         "`a``b`",
		"`half":          "```half`",
		"Company__Name":  "`Company__Name`",
		"excluded.name":  "`excluded`.`name`",
		"with space":     "`with space`",
		"":               "``",
		"trailing.":      "`trailing`.``",
		"unicode_naïve":  "`unicode_naïve`",
		"mixed.`quoted`": "`mixed`.`quoted`",
	} {
		var b strings.Builder
		d.QuoteTo(&b, in)
		if b.String() != want {
			t.Errorf("QuoteTo(%q) = %s, want %s", in, b.String(), want)
		}
	}
}

func TestDataTypeOf(t *testing.T) {
	type Types struct {
		ID      uint
		B       bool
		I       int8
		U       uint64
		F       float32
		S       string
		Sized   string `gorm:"size:20"`
		Custom  string `gorm:"type:varchar(20)"`
		Bytes   []byte
		Time    gorm.DeletedAt
		Decimal float64 `gorm:"type:decimal(10,2)"`
	}
	type Composite struct {
		ID    uint `gorm:"primaryKey"`
		Other uint `gorm:"primaryKey;autoIncrement:false"`
	}
	d := stablegorm.Dialector{}
	s, err := schema.Parse(&Types{}, &cacheMap, schema.NamingStrategy{})
	must(t, err)
	want := map[string]string{
		"id": "integer PRIMARY KEY AUTOINCREMENT", "b": "numeric", "i": "integer", "u": "integer", "f": "real",
		"s": "text", "sized": "text", "custom": "varchar(20)", "bytes": "blob", "time": "datetime", "decimal": "decimal(10,2)",
	}
	for col, typ := range want {
		if got := d.DataTypeOf(s.FieldsByDBName[col]); got != typ {
			t.Errorf("DataTypeOf(%s) = %q, want %q", col, got, typ)
		}
	}
	c, err := schema.Parse(&Composite{}, &cacheMap, schema.NamingStrategy{})
	must(t, err)
	if got := d.DataTypeOf(c.FieldsByDBName["id"]); got != "integer" {
		t.Errorf("composite key id: %q", got)
	}
}

// TestBuiltSQL checks the SQL of the clauses SQLite writes its own way.
func TestBuiltSQL(t *testing.T) {
	db := open(t, fileDSN(t))
	dry := db.Session(&gorm.Session{DryRun: true, Logger: logger.Discard})
	for _, c := range []struct {
		tx   *gorm.DB
		want string
	}{
		{dry.Offset(5).Find(&[]Company{}), "SELECT * FROM `companies` LIMIT -1 OFFSET ?"},
		{dry.Limit(3).Offset(5).Find(&[]Company{}), "SELECT * FROM `companies` LIMIT ? OFFSET ?"},
		{dry.Limit(3).Find(&[]Company{}), "SELECT * FROM `companies` LIMIT ?"},
		{dry.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", 1).Find(&[]Company{}), "SELECT * FROM `companies` WHERE id = ?"},
		{dry.Clauses(clause.Insert{Modifier: "OR REPLACE"}).Create(&Company{Name: "x"}), "INSERT OR REPLACE INTO `companies` (`name`) VALUES (?) RETURNING `id`"},
		{dry.Clauses(clause.Insert{Modifier: "ignore"}).Create(&Company{Name: "x"}), "INSERT OR ignore INTO `companies` (`name`) VALUES (?) RETURNING `id`"},
		{dry.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "id > 0"}}}, DoNothing: true}).Create(&Company{Name: "x"}),
			"INSERT INTO `companies` (`name`) VALUES (?) ON CONFLICT (`name`) WHERE id > 0 DO NOTHING RETURNING `id`"},
		{dry.Clauses(clause.OnConflict{UpdateAll: true}).Create(&Company{ID: 1, Name: "x"}),
			"INSERT INTO `companies` (`name`,`id`) VALUES (?,?) ON CONFLICT (`id`) DO UPDATE SET `name`=`excluded`.`name` RETURNING `id`"},
	} {
		// (a dropped clause leaves the space before it)
		if got := strings.TrimSpace(c.tx.Statement.SQL.String()); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if got := db.Dialector.Explain("SELECT ? , ?, ?", "it's", 3, true); got != "SELECT 'it''s' , 3, true" {
		t.Errorf("Explain: %s", got)
	}
}

var cacheMap sync.Map
