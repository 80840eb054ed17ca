package stablegorm_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// schemaSnapshot returns every CREATE statement in the database, in order.
func schemaSnapshot(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var s []string
	must(t, db.Raw("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name").Scan(&s).Error)
	return s
}

func TestAutoMigrateRelations(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(allModels...))
	m := db.Migrator()

	tables, err := m.GetTables()
	must(t, err)
	want := []string{"companies", "languages", "orders", "profiles", "user_languages", "users"}
	if !slices.Equal(tables, want) {
		t.Fatalf("GetTables = %v, want %v", tables, want)
	}
	for _, model := range allModels {
		if !m.HasTable(model) {
			t.Errorf("HasTable(%T) = false", model)
		}
	}
	if !m.HasTable("user_languages") || m.HasTable("nothing") {
		t.Error("HasTable by name is wrong")
	}
	if m.CurrentDatabase() != "main" {
		t.Errorf("CurrentDatabase = %q", m.CurrentDatabase())
	}
	if !m.HasColumn(&User{}, "Email") || !m.HasColumn(&User{}, "company_id") || m.HasColumn(&User{}, "nothing") {
		t.Error("HasColumn is wrong")
	}
	if !m.HasIndex(&User{}, "Email") || !m.HasIndex(&User{}, "idx_users_deleted_at") || m.HasIndex(&User{}, "idx_nothing") {
		t.Error("HasIndex is wrong")
	}
	// Foreign keys of belongs to, has one, has many and many to many.
	for _, c := range []struct {
		model any
		name  string
	}{
		{&User{}, "Company"}, {&User{}, "Profile"}, {&User{}, "Orders"}, {&User{}, "fk_users_orders"},
		{"user_languages", "fk_user_languages_user"}, {"user_languages", "fk_user_languages_language"},
		{&Language{}, "uni_languages_code"},
	} {
		if !m.HasConstraint(c.model, c.name) {
			t.Errorf("HasConstraint(%v, %q) = false", c.model, c.name)
		}
	}
	if m.HasConstraint(&User{}, "fk_nothing") {
		t.Error("HasConstraint of a missing constraint is true")
	}
	if ddl := tableSQL(t, db, "users"); !strings.Contains(ddl, "`id` integer PRIMARY KEY AUTOINCREMENT") {
		t.Errorf("users: %s", ddl)
	}
	if ddl := tableSQL(t, db, "user_languages"); !strings.Contains(ddl, "PRIMARY KEY (`user_id`,`language_id`)") {
		t.Errorf("user_languages: %s", ddl)
	}

	cols, err := m.ColumnTypes(&User{})
	must(t, err)
	byName := map[string]gorm.ColumnType{}
	for _, c := range cols {
		byName[c.Name()] = c
	}
	check := func(col, typ string, nullable, pk, unique bool, dflt string, hasDefault bool) {
		t.Helper()
		c := byName[col]
		if c == nil {
			t.Fatalf("no column %s", col)
		}
		if got := strings.ToLower(c.DatabaseTypeName()); got != typ {
			t.Errorf("%s: type %q, want %q", col, got, typ)
		}
		if got, ok := c.Nullable(); !ok || got != nullable {
			t.Errorf("%s: nullable %v", col, got)
		}
		if got, ok := c.PrimaryKey(); !ok || got != pk {
			t.Errorf("%s: primary key %v", col, got)
		}
		if got, ok := c.Unique(); !ok || got != unique {
			t.Errorf("%s: unique %v", col, got)
		}
		if got, ok := c.DefaultValue(); ok != hasDefault || got != dflt {
			t.Errorf("%s: default %q %v", col, got, ok)
		}
	}
	check("id", "integer", true, true, true, "", false)
	check("name", "text", false, false, false, "", false)
	check("email", "text", true, false, false, "", false) // a unique index, not a unique constraint
	check("active", "numeric", true, false, false, "true", true)
	check("created_at", "datetime", true, false, false, "", false)
	if ai, ok := byName["id"].AutoIncrement(); !ok || !ai {
		t.Error("id is not auto-increment")
	}
	langCols, err := m.ColumnTypes(&Language{})
	must(t, err)
	if u, _ := langCols[1].Unique(); langCols[1].Name() != "code" || !u {
		t.Errorf("languages.code is not unique")
	}

	// Migrating again changes nothing.
	before := schemaSnapshot(t, db)
	must(t, db.AutoMigrate(allModels...))
	if after := schemaSnapshot(t, db); !slices.Equal(before, after) {
		t.Errorf("second AutoMigrate changed the schema:\n%v\n%v", before, after)
	}
}

// Two versions of one table, to migrate from the first to the second.
type ItemV1 struct {
	ID    uint
	Name  string `gorm:"index"`
	Score string
}

func (ItemV1) TableName() string { return "items" }

type ItemV2 struct {
	ID    uint
	Name  string    `gorm:"index"`
	Score int       `gorm:"not null;default:0"`
	Extra string    `gorm:"default:'x'"`
	Tags  []ItemTag `gorm:"foreignKey:ItemID;constraint:OnDelete:CASCADE"`
}

func (ItemV2) TableName() string { return "items" }

type ItemTag struct {
	ID     uint
	ItemID uint
	Tag    string
}

func TestAutoMigrateAddFieldAndChangeType(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(&ItemV1{}))
	must(t, db.Create(&[]ItemV1{{Name: "a", Score: "42"}, {Name: "b", Score: "7"}}).Error)
	must(t, db.Delete(&ItemV1{}, 2).Error) // AUTOINCREMENT must not hand out 2 again

	// ItemV2 makes item_tags refer to items with ON DELETE CASCADE: creating
	// items again must not take the tags with it.
	must(t, db.AutoMigrate(&ItemV2{}, &ItemTag{}))
	must(t, db.Create(&ItemTag{ItemID: 1, Tag: "t"}).Error)
	// Change Score back to text, then to integer again, with the tag in
	// place.
	must(t, db.Migrator().AlterColumn(&ItemV1{}, "Score"))
	if ddl := tableSQL(t, db, "items"); !strings.Contains(ddl, "`score` text") {
		t.Fatalf("items after AlterColumn: %s", ddl)
	}
	must(t, db.AutoMigrate(&ItemV2{}, &ItemTag{}))

	ddl := tableSQL(t, db, "items")
	if !strings.Contains(ddl, "`score` integer NOT NULL DEFAULT 0") || !strings.Contains(ddl, "`extra` text DEFAULT 'x'") {
		t.Fatalf("items: %s", ddl)
	}
	var items []ItemV2
	must(t, db.Order("id").Find(&items).Error)
	if len(items) != 1 || items[0].Score != 42 || items[0].Extra != "x" || items[0].Name != "a" {
		t.Fatalf("items: %+v", items)
	}
	var typ string
	must(t, db.Raw("SELECT typeof(score) FROM items").Row().Scan(&typ))
	if typ != "integer" {
		t.Errorf("score is stored as %s", typ)
	}
	if !db.Migrator().HasIndex(&ItemV2{}, "Name") {
		t.Error("the index on name did not survive")
	}
	var tags int64
	must(t, db.Model(&ItemTag{}).Count(&tags).Error)
	if tags != 1 {
		t.Errorf("%d tags left", tags)
	}
	var fk bool
	must(t, db.Raw("PRAGMA foreign_keys").Row().Scan(&fk))
	if !fk {
		t.Error("foreign keys are off after the migration")
	}
	next := ItemV2{Name: "c"}
	must(t, db.Create(&next).Error)
	if next.ID != 3 {
		t.Errorf("new item has id %d, want 3", next.ID)
	}

	// Nothing is left to change.
	before := schemaSnapshot(t, db)
	must(t, db.AutoMigrate(&ItemV2{}, &ItemTag{}))
	if after := schemaSnapshot(t, db); !slices.Equal(before, after) {
		t.Errorf("third AutoMigrate changed the schema:\n%v\n%v", before, after)
	}

	// A change the rows break is rolled back whole, and foreign keys are on
	// again.
	must(t, db.Exec("INSERT INTO items (name, score) VALUES (NULL, 5)").Error)
	type ItemV3 struct {
		ID    uint
		Name  string `gorm:"index;not null"`
		Score int    `gorm:"not null;default:0"`
		Extra string `gorm:"default:'x'"`
	}
	before = schemaSnapshot(t, db)
	// (AutoMigrate makes columns nullable but never NOT NULL, so ask.)
	err := db.Table("items").Migrator().AlterColumn(&ItemV3{}, "Name")
	if err == nil || !strings.Contains(err.Error(), "NOT NULL") {
		t.Fatalf("making name NOT NULL over a NULL name: %v", err)
	}
	if after := schemaSnapshot(t, db); !slices.Equal(before, after) {
		t.Errorf("a failed migration changed the schema:\n%v\n%v", before, after)
	}
	must(t, db.Raw("PRAGMA foreign_keys").Row().Scan(&fk))
	if !fk {
		t.Error("foreign keys are off after a failed migration")
	}
	must(t, db.Exec("UPDATE items SET name = '' WHERE name IS NULL").Error)
	must(t, db.Table("items").Migrator().AlterColumn(&ItemV3{}, "Name"))
	if ddl := tableSQL(t, db, "items"); !strings.Contains(ddl, "`name` text NOT NULL") {
		t.Errorf("items: %s", ddl)
	}
}

func TestAlterColumnInTransaction(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(&ItemV2{}, &ItemTag{}))
	must(t, db.Create(&ItemV2{Name: "a", Score: 1, Tags: []ItemTag{{Tag: "t"}}}).Error)

	// Inside a transaction foreign keys cannot be switched off: a table
	// others refer to is refused, one nobody refers to is rebuilt.
	err := db.Transaction(func(tx *gorm.DB) error {
		return tx.Migrator().AlterColumn(&ItemV1{}, "Score")
	})
	if err == nil || !strings.Contains(err.Error(), "item_tags") {
		t.Fatalf("AlterColumn in a transaction: %v", err)
	}
	type ItemTagV2 struct {
		ID     uint
		ItemID uint
		Tag    []byte
	}
	must(t, db.Transaction(func(tx *gorm.DB) error {
		return tx.Table("item_tags").Migrator().AlterColumn(&ItemTagV2{}, "Tag")
	}))
	if ddl := tableSQL(t, db, "item_tags"); !strings.Contains(ddl, "`tag` blob") || !strings.Contains(ddl, "ON DELETE CASCADE") {
		t.Errorf("item_tags: %s", ddl)
	}
	var n int64
	must(t, db.Table("item_tags").Count(&n).Error)
	if n != 1 {
		t.Errorf("%d tags", n)
	}
}

type Gadget struct {
	ID     uint
	Name   string `gorm:"index:idx_gadget_name"`
	Code   string `gorm:"index"`
	Weight int    `gorm:"check:chk_weight,weight >= 0"`
	Serial string
}

func TestMigratorOperations(t *testing.T) {
	db := open(t, fileDSN(t))
	m := db.Migrator()
	must(t, m.AutoMigrate(&Gadget{}))
	must(t, db.Create(&Gadget{Name: "g", Code: "c", Weight: 3, Serial: "s1"}).Error)

	if !m.HasConstraint(&Gadget{}, "chk_weight") {
		t.Error("no check constraint")
	}
	err := db.Create(&Gadget{Weight: -1}).Error
	if !errors.Is(err, gorm.ErrCheckConstraintViolated) {
		t.Errorf("negative weight: %v", err)
	}
	must(t, m.DropConstraint(&Gadget{}, "chk_weight"))
	if m.HasConstraint(&Gadget{}, "chk_weight") {
		t.Error("check constraint still there")
	}
	must(t, db.Create(&Gadget{Name: "neg", Weight: -1}).Error)
	must(t, db.Delete(&Gadget{}, "name = ?", "neg").Error)
	must(t, m.CreateConstraint(&Gadget{}, "chk_weight"))
	if !m.HasConstraint(&Gadget{}, "chk_weight") {
		t.Error("check constraint not created again")
	}
	must(t, m.CreateConstraint(&Gadget{}, "chk_weight")) // already there: nothing to do

	// Indexes.
	idx, err := m.GetIndexes(&Gadget{})
	must(t, err)
	names := map[string][]string{}
	for _, i := range idx {
		names[i.Name()] = i.Columns()
	}
	if !slices.Equal(names["idx_gadget_name"], []string{"name"}) || !slices.Equal(names["idx_gadgets_code"], []string{"code"}) {
		t.Errorf("GetIndexes: %v", names)
	}
	must(t, m.RenameIndex(&Gadget{}, "idx_gadget_name", "idx_gadget_name2"))
	if m.HasIndex(&Gadget{}, "idx_gadget_name") || !m.HasIndex(&Gadget{}, "idx_gadget_name2") {
		t.Error("RenameIndex did not rename")
	}
	must(t, m.DropIndex(&Gadget{}, "idx_gadget_name2"))
	if m.HasIndex(&Gadget{}, "idx_gadget_name2") {
		t.Error("DropIndex did not drop")
	}
	must(t, m.CreateIndex(&Gadget{}, "Name"))
	if !m.HasIndex(&Gadget{}, "idx_gadget_name") {
		t.Error("CreateIndex did not create")
	}

	// Columns: rename, drop (plain, and indexed, which SQLite's DROP COLUMN
	// refuses), add.
	must(t, m.RenameColumn(&Gadget{}, "serial", "serial_no"))
	if !m.HasColumn(&Gadget{}, "serial_no") || m.HasColumn(&Gadget{}, "serial") {
		t.Error("RenameColumn did not rename")
	}
	must(t, m.DropColumn(&Gadget{}, "serial_no"))
	must(t, m.DropColumn(&Gadget{}, "Code"))
	if m.HasColumn(&Gadget{}, "code") || m.HasIndex(&Gadget{}, "idx_gadgets_code") {
		t.Error("DropColumn left code or its index")
	}
	if !m.HasIndex(&Gadget{}, "idx_gadget_name") {
		t.Error("DropColumn lost another index")
	}
	must(t, m.AddColumn(&Gadget{}, "Code"))
	var g Gadget
	must(t, db.First(&g).Error)
	if g.Name != "g" || g.Weight != 3 || g.Code != "" {
		t.Errorf("gadget: %+v", g)
	}

	// Unique constraints follow the unique tag.
	type GadgetU struct {
		ID     uint
		Name   string `gorm:"unique"`
		Weight int
	}
	must(t, db.Table("gadgets").AutoMigrate(&GadgetU{}))
	if !db.Table("gadgets").Migrator().HasConstraint(&GadgetU{}, "uni_gadgets_name") {
		t.Fatalf("no unique constraint: %s", tableSQL(t, db, "gadgets"))
	}
	err = db.Table("gadgets").Create(&GadgetU{Name: "g"}).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate name: %v", err)
	}
	must(t, db.Table("gadgets").AutoMigrate(&Gadget{}))
	if m.HasConstraint(&Gadget{}, "uni_gadgets_name") {
		t.Errorf("unique constraint not dropped: %s", tableSQL(t, db, "gadgets"))
	}

	// A new unique field gets its constraint at once.
	type GadgetS struct {
		ID     uint
		Name   string
		Weight int
		Serial string `gorm:"unique"`
	}
	must(t, db.Table("gadgets").AutoMigrate(&GadgetS{}))
	if !m.HasConstraint("gadgets", "uni_gadgets_serial") {
		t.Errorf("no unique constraint on the new column: %s", tableSQL(t, db, "gadgets"))
	}
	before := schemaSnapshot(t, db)
	must(t, db.Table("gadgets").AutoMigrate(&GadgetS{}))
	if after := schemaSnapshot(t, db); !slices.Equal(before, after) {
		t.Errorf("second AutoMigrate changed the schema:\n%v\n%v", before, after)
	}

	// Tables and views.
	tt, err := m.TableType(&Gadget{})
	must(t, err)
	if tt.Type() != "table" || tt.Name() != "gadgets" || tt.Schema() != "main" {
		t.Errorf("TableType: %v %v %v", tt.Schema(), tt.Name(), tt.Type())
	}
	must(t, m.CreateView("heavy_gadgets", gorm.ViewOption{Query: db.Model(&Gadget{}).Where("weight > ?", 1)}))
	var heavy []Gadget
	must(t, db.Table("heavy_gadgets").Find(&heavy).Error)
	if len(heavy) != 1 {
		t.Errorf("view: %v", heavy)
	}
	// A rebuild with a view on the table keeps the view working.
	must(t, m.AlterColumn(&Gadget{}, "Weight"))
	must(t, db.Table("heavy_gadgets").Find(&heavy).Error)
	must(t, m.DropView("heavy_gadgets"))
	must(t, m.RenameTable(&Gadget{}, "widgets"))
	if m.HasTable(&Gadget{}) || !m.HasTable("widgets") {
		t.Error("RenameTable did not rename")
	}
	must(t, m.DropTable("widgets"))
	if m.HasTable("widgets") {
		t.Error("DropTable did not drop")
	}
}

type Everything struct {
	ID       uint
	B        bool    `gorm:"default:false"`
	I        int8    `gorm:"default:-3"`
	U        uint64  `gorm:"not null"`
	F        float32 `gorm:"default:1.5"`
	S        string  `gorm:"size:20;default:hello"`
	Quoted   string  `gorm:"default:'it''s'"`
	Custom   string  `gorm:"type:varchar(20)"`
	Decimal  float64 `gorm:"type:decimal(10,2)"`
	Bytes    []byte
	At       *time.Time
	Deleted  gorm.DeletedAt
	Checked  int    `gorm:"check:checked >= 0"`
	Ignored  string `gorm:"-"`
	ReadOnly string `gorm:"->"`
}

func TestAutoMigrateIsStable(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(&Everything{}))
	before := schemaSnapshot(t, db)
	must(t, db.AutoMigrate(&Everything{}))
	if after := schemaSnapshot(t, db); !slices.Equal(before, after) {
		t.Errorf("second AutoMigrate changed the schema:\n%v\n%v", before, after)
	}
	e := Everything{U: 1}
	must(t, db.Create(&e).Error)
	var got Everything
	must(t, db.First(&got, e.ID).Error)
	if got.B || got.I != -3 || got.F != 1.5 || got.S != "hello" {
		t.Errorf("defaults: %+v", got)
	}
}

// TestForeignTables migrates tables GORM did not make.
func TestForeignTables(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.Exec(`CREATE TABLE things (
		id INTEGER PRIMARY KEY,
		a VARCHAR(10) UNIQUE,
		b TEXT, c BOOLEAN, d BIGINT,
		UNIQUE (b),
		CONSTRAINT named UNIQUE (d)
	)`).Error)
	must(t, db.Exec("INSERT INTO things (a, b, c, d) VALUES ('a', 'b', 1, 2)").Error)
	type Thing struct {
		ID int64
		A  string `gorm:"type:varchar(10)"`
		B  string
		C  bool
		D  int64 `gorm:"unique"`
	}
	must(t, db.AutoMigrate(&Thing{}))
	ddl := tableSQL(t, db, "things")
	for _, want := range []string{"a VARCHAR(10),", "c BOOLEAN,", "CONSTRAINT named UNIQUE (d)"} {
		if !strings.Contains(ddl, want) {
			t.Errorf("things lacks %q: %s", want, ddl)
		}
	}
	if strings.Contains(ddl, "UNIQUE (b)") {
		t.Errorf("things keeps UNIQUE (b): %s", ddl)
	}
	var th Thing
	must(t, db.First(&th).Error)
	if th.A != "a" || th.B != "b" || !th.C || th.D != 2 {
		t.Errorf("thing: %+v", th)
	}
	before := schemaSnapshot(t, db)
	must(t, db.AutoMigrate(&Thing{}))
	if after := schemaSnapshot(t, db); !slices.Equal(before, after) {
		t.Errorf("second AutoMigrate changed the schema:\n%v\n%v", before, after)
	}
}
