package stablegorm_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// migrated opens a new file database with the test models.
func migrated(t *testing.T) *gorm.DB {
	t.Helper()
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(allModels...))
	return db
}

func names(users []User) []string {
	var s []string
	for _, u := range users {
		s = append(s, u.Name)
	}
	return s
}

func TestCRUD(t *testing.T) {
	db := migrated(t)

	u := User{Name: "ann", Email: "ann@example.com", Age: 30}
	must(t, db.Create(&u).Error)
	if u.ID != 1 || !u.Active {
		t.Fatalf("created %+v", u)
	}
	batch := []User{}
	for i := range 10 {
		batch = append(batch, User{Name: fmt.Sprintf("u%02d", i), Email: fmt.Sprintf("u%d@example.com", i), Age: 20 + i})
	}
	must(t, db.CreateInBatches(&batch, 4).Error)
	for i, b := range batch {
		if b.ID != uint(i+2) {
			t.Fatalf("batch[%d].ID = %d", i, b.ID)
		}
	}
	// A batch where some rows set a column with a database default.
	mixed := []User{{Name: "m1", Email: "m1@x", Active: false}, {Name: "m2", Email: "m2@x"}}
	must(t, db.Select("*").Omit("id", "created_at", "updated_at", "deleted_at").Create(&mixed).Error)

	var first User
	must(t, db.First(&first).Error)
	if first.Name != "ann" {
		t.Errorf("First: %+v", first)
	}
	var last User
	must(t, db.Last(&last).Error)
	if last.Name != "m2" {
		t.Errorf("Last: %+v", last)
	}
	var byEmail User
	must(t, db.Where("email = ?", "u3@example.com").Take(&byEmail).Error)
	if byEmail.Age != 23 {
		t.Errorf("Where: %+v", byEmail)
	}
	var page []User
	must(t, db.Where("age >= ?", 20).Order("age desc").Limit(3).Offset(2).Find(&page).Error)
	if got := names(page); !slices.Equal(got, []string{"u08", "u07", "u06"}) { // after ann (30) and u09
		t.Errorf("Order/Limit/Offset: %v", got)
	}
	var tail []User
	must(t, db.Where("name LIKE ?", "u%").Order("id").Offset(8).Find(&tail).Error) // OFFSET without LIMIT
	if got := names(tail); !slices.Equal(got, []string{"u08", "u09"}) {
		t.Errorf("Offset alone: %v", got)
	}
	var none []User
	must(t, db.Limit(0).Find(&none).Error)
	var count int64
	must(t, db.Model(&User{}).Where("age BETWEEN ? AND ?", 22, 25).Count(&count).Error)
	if count != 4 {
		t.Errorf("Count = %d", count)
	}
	_, err := db.Model(&User{}).Where("id = ?", 999).Rows()
	must(t, err)
	if err := db.First(&User{}, 999).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
		t.Errorf("First of nothing: %v", err)
	}
	var locked []User
	must(t, db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("age > ?", 28).Find(&locked).Error) // FOR UPDATE is dropped
	if len(locked) != 1+1 {
		t.Errorf("FOR UPDATE query: %v", names(locked))
	}

	// Updates.
	must(t, db.Model(&first).Updates(map[string]any{"age": 31, "active": false}).Error)
	must(t, db.Model(&User{}).Where("name = ?", "u00").Updates(User{Name: "zed", Age: 99}).Error)
	must(t, db.Model(&User{}).Where("name = ?", "u01").Update("age", gorm.Expr("age + ?", 100)).Error)
	var got, zed, u01 User
	must(t, db.First(&got, first.ID).Error)
	if got.Age != 31 || got.Active {
		t.Errorf("after map Updates: %+v", got)
	}
	must(t, db.Where("name = ?", "zed").First(&zed).Error)
	if zed.Age != 99 {
		t.Errorf("after struct Updates: %+v", zed)
	}
	must(t, db.Where("name = ?", "u01").First(&u01).Error)
	if u01.Age != 121 {
		t.Errorf("after expression Update: %+v", u01)
	}
	u01.Age = 5
	must(t, db.Save(&u01).Error)
	var saved User
	must(t, db.First(&saved, u01.ID).Error)
	if saved.Age != 5 {
		t.Errorf("after Save: %+v", saved)
	}

	// Soft delete, Unscoped, hard delete.
	must(t, db.Delete(&User{}, first.ID).Error)
	if err := db.First(&User{}, first.ID).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
		t.Errorf("soft-deleted row found: %v", err)
	}
	var deleted User
	must(t, db.Unscoped().First(&deleted, first.ID).Error)
	if !deleted.DeletedAt.Valid || deleted.DeletedAt.Time.IsZero() {
		t.Errorf("DeletedAt: %+v", deleted.DeletedAt)
	}
	must(t, db.Model(&User{}).Count(&count).Error)
	if count != 12 {
		t.Errorf("Count without the deleted row = %d", count)
	}
	must(t, db.Unscoped().Model(&User{}).Count(&count).Error)
	if count != 13 {
		t.Errorf("Unscoped Count = %d", count)
	}
	must(t, db.Unscoped().Delete(&User{}, first.ID).Error)
	must(t, db.Unscoped().Model(&User{}).Count(&count).Error)
	if count != 12 {
		t.Errorf("Count after the hard delete = %d", count)
	}
	if err := db.Delete(&User{}).Error; !errors.Is(err, gorm.ErrMissingWhereClause) {
		t.Errorf("Delete without WHERE: %v", err)
	}
}

func TestPreloadAndAssociations(t *testing.T) {
	db := migrated(t)
	langs := []Language{{Code: "en"}, {Code: "fr"}, {Code: "de"}}
	must(t, db.Create(&langs).Error)
	u := User{
		Name:      "ann",
		Email:     "ann@example.com",
		Company:   Company{Name: "acme"},
		Profile:   Profile{Bio: "hello"},
		Orders:    []Order{{Amount: 1.5, Note: "a"}, {Amount: 2.25, Note: "b"}},
		Languages: langs[:2],
	}
	must(t, db.Create(&u).Error)
	must(t, db.Create(&User{Name: "bob", Email: "bob@example.com", Orders: []Order{{Amount: 9}}}).Error)

	var got User
	must(t, db.Preload("Company").Preload("Profile").Preload("Orders", func(tx *gorm.DB) *gorm.DB {
		return tx.Order("amount desc")
	}).Preload("Languages").First(&got, u.ID).Error)
	if got.Company.Name != "acme" || got.Profile.Bio != "hello" || len(got.Orders) != 2 || got.Orders[0].Amount != 2.25 || len(got.Languages) != 2 {
		t.Fatalf("Preload: %+v", got)
	}
	var all []User
	must(t, db.Preload(clause.Associations).Order("id").Find(&all).Error)
	if len(all) != 2 || len(all[1].Orders) != 1 || all[1].Orders[0].Amount != 9 {
		t.Fatalf("Preload all: %+v", all)
	}
	var joined []User
	must(t, db.Joins("Company").Where("Company.name = ?", "acme").Find(&joined).Error)
	if len(joined) != 1 || joined[0].Company.Name != "acme" {
		t.Errorf("Joins: %+v", joined)
	}

	assoc := func() *gorm.Association { return db.Model(&got).Association("Languages") }
	if n := assoc().Count(); n != 2 {
		t.Errorf("Count = %d", n)
	}
	must(t, assoc().Append(&langs[2]))
	if n := assoc().Count(); n != 3 {
		t.Errorf("Count after Append = %d", n)
	}
	must(t, assoc().Delete(&langs[0]))
	if n := assoc().Count(); n != 2 {
		t.Errorf("Count after Delete = %d", n)
	}
	must(t, assoc().Replace([]Language{langs[0]}))
	var now []Language
	must(t, assoc().Find(&now))
	if len(now) != 1 || now[0].Code != "en" {
		t.Errorf("after Replace: %+v", now)
	}
	orders := func() *gorm.Association { return db.Model(&got).Association("Orders") }
	must(t, orders().Append(&Order{Amount: 3}))
	if n := orders().Count(); n != 3 {
		t.Errorf("orders Count = %d", n)
	}
	must(t, orders().Replace(&Order{Amount: 4}))
	if n := orders().Count(); n != 1 {
		t.Errorf("orders Count after Replace = %d", n)
	}
	must(t, db.Model(&got).Association("Languages").Clear())
	if n := db.Model(&got).Association("Languages").Count(); n != 0 {
		t.Errorf("Count after Clear = %d", n)
	}
}

func TestTransactions(t *testing.T) {
	db := migrated(t)
	count := func() int64 {
		var n int64
		must(t, db.Model(&Company{}).Count(&n).Error)
		return n
	}

	must(t, db.Transaction(func(tx *gorm.DB) error {
		return tx.Create(&Company{Name: "committed"}).Error
	}))
	boom := errors.New("boom")
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&Company{Name: "rolled back"}).Error; err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != 1 {
		t.Fatalf("rollback: %v, %d rows", err, count())
	}

	// Nested transactions are savepoints.
	must(t, db.Transaction(func(tx *gorm.DB) error {
		must(t, tx.Create(&Company{Name: "outer"}).Error)
		if err := tx.Transaction(func(tx2 *gorm.DB) error {
			must(t, tx2.Create(&Company{Name: "inner, rolled back"}).Error)
			return boom
		}); !errors.Is(err, boom) {
			t.Errorf("inner: %v", err)
		}
		return tx.Transaction(func(tx2 *gorm.DB) error {
			return tx2.Create(&Company{Name: "inner, kept"}).Error
		})
	}))
	var got []string
	must(t, db.Model(&Company{}).Order("id").Pluck("name", &got).Error)
	if !slices.Equal(got, []string{"committed", "outer", "inner, kept"}) {
		t.Errorf("after nested transactions: %v", got)
	}

	// Manual transaction with SavePoint and RollbackTo.
	tx := db.Begin()
	must(t, tx.Error)
	must(t, tx.Create(&Company{Name: "before savepoint"}).Error)
	must(t, tx.SavePoint("sp1").Error)
	must(t, tx.Create(&Company{Name: "after savepoint"}).Error)
	must(t, tx.RollbackTo("sp1").Error)
	must(t, tx.Commit().Error)
	got = nil
	must(t, db.Model(&Company{}).Order("id").Pluck("name", &got).Error)
	if !slices.Equal(got, []string{"committed", "outer", "inner, kept", "before savepoint"}) {
		t.Errorf("after SavePoint/RollbackTo: %v", got)
	}

	tx = db.Begin()
	must(t, tx.Create(&Company{Name: "rolled back too"}).Error)
	must(t, tx.Rollback().Error)
	if count() != 4 {
		t.Errorf("%d rows after Rollback", count())
	}
}

type Event struct {
	ID        uint
	At        time.Time
	Maybe     *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	Stamp     int64 `gorm:"autoCreateTime"`
}

func TestTimes(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(&Event{}))

	ist := time.FixedZone("IST", 5*3600+1800)
	at := time.Date(2024, 2, 29, 23, 59, 58, 123456789, ist)
	before := time.Now()
	e := Event{At: at}
	must(t, db.Create(&e).Error)

	var got Event
	must(t, db.First(&got, e.ID).Error)
	if !got.At.Equal(at) {
		t.Errorf("At = %v, want the instant %v", got.At, at)
	}
	if _, off := got.At.Zone(); off != 5*3600+1800 {
		t.Errorf("At came back with offset %d", off)
	}
	if got.Maybe != nil {
		t.Errorf("Maybe = %v", got.Maybe)
	}
	if !got.CreatedAt.Equal(e.CreatedAt) || !got.UpdatedAt.Equal(e.UpdatedAt) {
		t.Errorf("CreatedAt/UpdatedAt = %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, e.CreatedAt, e.UpdatedAt)
	}
	if got.CreatedAt.Before(before.Add(-time.Second)) || got.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("CreatedAt = %v", got.CreatedAt)
	}
	if got.Stamp < before.Unix()-1 {
		t.Errorf("Stamp = %d", got.Stamp)
	}

	// Queries by time, in another location.
	var n int64
	must(t, db.Model(&Event{}).Where("at = ?", at).Count(&n).Error)
	if n != 1 {
		t.Errorf("Where at = %v found %d", at, n)
	}
	maybe := at.Add(time.Hour).UTC()
	time.Sleep(2 * time.Millisecond)
	must(t, db.Model(&got).Update("maybe", maybe).Error)
	var again Event
	must(t, db.First(&again, e.ID).Error)
	if again.Maybe == nil || !again.Maybe.Equal(maybe) {
		t.Errorf("Maybe = %v, want %v", again.Maybe, maybe)
	}
	if !again.UpdatedAt.After(e.UpdatedAt) || !again.CreatedAt.Equal(e.CreatedAt) {
		t.Errorf("UpdatedAt %v not after %v", again.UpdatedAt, e.UpdatedAt)
	}
	// SQLite's date functions read what the driver writes.
	var day string
	must(t, db.Raw("SELECT date(at) FROM events WHERE id = ?", e.ID).Row().Scan(&day))
	if day != "2024-02-29" {
		t.Errorf("date(at) = %q", day)
	}
}

func TestUpsertAndReturning(t *testing.T) {
	db := migrated(t)
	must(t, db.Create(&[]Language{{Code: "en"}, {Code: "fr"}}).Error)

	// DO NOTHING on the unique code.
	dup := Language{Code: "en"}
	res := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, DoNothing: true}).Create(&dup)
	must(t, res.Error)
	if res.RowsAffected != 0 {
		t.Errorf("DO NOTHING affected %d rows", res.RowsAffected)
	}
	res = db.Clauses(clause.OnConflict{DoNothing: true}).Create(&Language{Code: "fr"}) // no conflict target
	must(t, res.Error)
	if res.RowsAffected != 0 {
		t.Errorf("DO NOTHING without a target affected %d rows", res.RowsAffected)
	}

	// DO UPDATE on the primary key.
	must(t, db.Create(&Company{ID: 7, Name: "old"}).Error)
	must(t, db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name"}),
	}).Create(&Company{ID: 7, Name: "new"}).Error)
	var c Company
	must(t, db.First(&c, 7).Error)
	if c.Name != "new" {
		t.Errorf("DO UPDATE: %+v", c)
	}
	must(t, db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&[]Company{{ID: 7, Name: "newer"}, {ID: 8, Name: "eight"}}).Error)
	var cs []Company
	must(t, db.Order("id").Find(&cs).Error)
	if len(cs) != 2 || cs[0].Name != "newer" || cs[1].Name != "eight" {
		t.Errorf("UpdateAll: %+v", cs)
	}
	must(t, db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.Assignments(map[string]any{"name": gorm.Expr("name || '!'")}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Neq{Column: clause.Column{Table: "excluded", Name: "name"}, Value: "skip"}}},
	}).Create(&Company{ID: 8, Name: "x"}).Error)
	var c8 Company
	must(t, db.First(&c8, 8).Error)
	if c8.Name != "eight!" {
		t.Errorf("DO UPDATE ... WHERE: %+v", c8)
	}
	if err := db.Clauses(clause.OnConflict{OnConstraint: "pk", DoNothing: true}).Create(&Company{ID: 8}).Error; err == nil {
		t.Error("ON CONSTRAINT was accepted")
	}
	must(t, db.Clauses(clause.Insert{Modifier: "IGNORE"}).Create(&Company{ID: 8, Name: "ignored"}).Error)
	c8 = Company{}
	must(t, db.First(&c8, 8).Error)
	if c8.Name != "eight!" {
		t.Errorf("INSERT OR IGNORE replaced: %+v", c8)
	}

	// RETURNING on insert (the id and the database default), update and
	// delete.
	users := []User{{Name: "a", Email: "a@x", Age: 1}, {Name: "b", Email: "b@x", Age: 2}}
	must(t, db.Clauses(clause.Returning{}).Create(&users).Error)
	if users[0].ID == 0 || users[1].ID != users[0].ID+1 || !users[0].Active {
		t.Errorf("Create RETURNING: %+v", users)
	}
	var updated []User
	res = db.Model(&updated).Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}, {Name: "age"}}}).
		Where("age < ?", 10).Update("age", gorm.Expr("age * 10"))
	must(t, res.Error)
	if len(updated) != 2 || updated[0].Age+updated[1].Age != 30 {
		t.Errorf("Update RETURNING: %+v", updated)
	}
	var gone []Company
	must(t, db.Clauses(clause.Returning{}).Where("id = ?", 7).Delete(&gone).Error)
	if len(gone) != 1 || gone[0].Name != "newer" {
		t.Errorf("Delete RETURNING: %+v", gone)
	}
}

type Ticket struct {
	ID      uint
	Code    string    `gorm:"default:(lower(hex(randomblob(4))))"`
	Opened  time.Time `gorm:"default:CURRENT_TIMESTAMP"`
	Counter int       `gorm:"default:7"`
}

func TestDatabaseDefaults(t *testing.T) {
	db := open(t, fileDSN(t))
	must(t, db.AutoMigrate(&Ticket{}))
	before := time.Now().Add(-2 * time.Second)
	// One row sets the code and one leaves it to the database: the INSERT
	// writes the default expression for the second.
	tickets := []Ticket{{Code: "mine"}, {}}
	must(t, db.Create(&tickets).Error)
	if tickets[0].Code != "mine" || len(tickets[1].Code) != 8 || tickets[1].Counter != 7 {
		t.Errorf("created %+v", tickets)
	}
	var got []Ticket
	must(t, db.Order("id").Find(&got).Error)
	if len(got) != 2 || got[1].Code != tickets[1].Code || got[0].Opened.Before(before) || got[1].Opened.After(time.Now().Add(2*time.Second)) {
		t.Errorf("read %+v", got)
	}
	before2 := schemaSnapshot(t, db)
	must(t, db.AutoMigrate(&Ticket{}))
	if after := schemaSnapshot(t, db); !slices.Equal(before2, after) {
		t.Errorf("AutoMigrate changed the schema:\n%v\n%v", before2, after)
	}
}
