package conformance

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/stablesqlite/stablesqlite/conformance/sqlcdb"
	_ "github.com/stablesqlite/stablesqlite/driver"
	stablegorm "github.com/stablesqlite/stablesqlite/gorm"
)

// GORM: migrations, CRUD with associations, transactions, time columns and
// error translation, on the file and stable backends.
type Author struct {
	ID        uint
	Name      string `gorm:"uniqueIndex"`
	Books     []Book
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt gorm.DeletedAt `gorm:"index"`
}

type Book struct {
	ID       uint
	AuthorID uint
	Author   Author
	Title    string
	Price    float64
	Tags     []Tag `gorm:"many2many:book_tags"`
}

type Tag struct {
	ID   uint
	Name string
}

func TestGORM(t *testing.T) {
	for name, dsn := range map[string]string{
		"file":   "file:" + filepath.Join(t.TempDir(), "gorm.db") + "?_pragma=foreign_keys(1)",
		"stable": "file:main.db?vfs=stable&memory=" + uniqueName("gorm") + "&_pragma=foreign_keys(1)",
	} {
		t.Run(name, func(t *testing.T) {
			db, err := gorm.Open(stablegorm.Open(dsn), &gorm.Config{TranslateError: true, Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			sqlDB, _ := db.DB()
			defer sqlDB.Close()
			if err := db.AutoMigrate(&Author{}, &Book{}, &Tag{}); err != nil {
				t.Fatal(err)
			}
			go1 := Tag{Name: "go"}
			a := Author{Name: "Ada", Books: []Book{{Title: "Engines", Price: 12.5, Tags: []Tag{go1}}, {Title: "Notes", Price: 3}}}
			if err := db.Create(&a).Error; err != nil {
				t.Fatal(err)
			}
			var got Author
			if err := db.Preload("Books.Tags").First(&got, "name = ?", "Ada").Error; err != nil {
				t.Fatal(err)
			}
			if len(got.Books) != 2 || len(got.Books[0].Tags) != 1 || got.Books[0].Tags[0].Name != "go" {
				t.Fatalf("associations: %+v", got)
			}
			if !got.CreatedAt.Equal(a.CreatedAt) || got.CreatedAt.IsZero() {
				t.Fatalf("CreatedAt %v, want %v", got.CreatedAt, a.CreatedAt)
			}
			err = db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Model(&Book{}).Where("price < ?", 10).Update("price", 9.5).Error; err != nil {
					return err
				}
				return errors.New("roll back")
			})
			var cheap int64
			db.Model(&Book{}).Where("price = ?", 9.5).Count(&cheap)
			if err == nil || cheap != 0 {
				t.Fatalf("rolled-back transaction: %v, %d rows changed", err, cheap)
			}
			if err := db.Create(&Author{Name: "Ada"}).Error; !errors.Is(err, gorm.ErrDuplicatedKey) {
				t.Fatalf("duplicate: %v", err)
			}
			if err := db.Create(&Book{AuthorID: 999, Title: "orphan"}).Error; !errors.Is(err, gorm.ErrForeignKeyViolated) {
				t.Fatalf("foreign key: %v", err)
			}
			if err := db.Delete(&got).Error; err != nil {
				t.Fatal(err)
			}
			var n int64
			db.Model(&Author{}).Count(&n)
			var all int64
			db.Unscoped().Model(&Author{}).Count(&all)
			if n != 0 || all != 1 {
				t.Fatalf("soft delete: %d visible, %d in all", n, all)
			}
		})
	}
}

// sqlx: named queries and Select into structs.
func TestSqlx(t *testing.T) {
	db, err := sqlx.Open("stablesqlite", "file:/"+uniqueName("sqlx")+"?vfs=heap")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.MustExec("create table people(id integer primary key, name text, email text, born datetime)")
	type Person struct {
		ID    int64
		Name  string
		Email sql.NullString
		Born  time.Time
	}
	born := time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC)
	for _, p := range []Person{{Name: "Ada", Born: born}, {Name: "Grace", Email: sql.NullString{String: "g@example.com", Valid: true}, Born: born.AddDate(91, 0, 0)}} {
		if _, err := db.NamedExec("insert into people(name, email, born) values (:name, :email, :born)", p); err != nil {
			t.Fatal(err)
		}
	}
	var people []Person
	if err := db.Select(&people, "select * from people order by name"); err != nil {
		t.Fatal(err)
	}
	if len(people) != 2 || people[0].Name != "Ada" || people[0].Email.Valid || !people[0].Born.Equal(born) || people[1].Email.String != "g@example.com" {
		t.Fatalf("Select: %+v", people)
	}
	rows, err := db.NamedQuery("select name from people where name = :name", map[string]any{"name": "Grace"})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		names = append(names, s)
	}
	if len(names) != 1 || names[0] != "Grace" {
		t.Fatalf("NamedQuery: %v", names)
	}
	var p Person
	if err := db.Get(&p, "select * from people where id = ?", people[1].ID); err != nil || p.Name != "Grace" {
		t.Fatalf("Get: %+v, %v", p, err)
	}
}

// sqlc: the committed generated code, run against the driver.
func TestSqlc(t *testing.T) {
	ctx := context.Background()
	schema, err := os.ReadFile("sqlcdb/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("stablesqlite", "file:"+filepath.Join(t.TempDir(), "sqlc.db")+"?_fk=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(schema)); err != nil {
		t.Fatal(err)
	}
	q := sqlcdb.New(db)
	born := time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC)
	ada, err := q.CreateAuthor(ctx, sqlcdb.CreateAuthorParams{Name: "Ada", Born: sql.NullTime{Time: born, Valid: true}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if ada.ID == 0 || !ada.Born.Time.Equal(born) || !ada.Active || ada.Bio.Valid {
		t.Fatalf("CreateAuthor returned %+v", ada)
	}
	if err := q.UpdateAuthorBio(ctx, sqlcdb.UpdateAuthorBioParams{Bio: sql.NullString{String: "first programmer", Valid: true}, ID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	for i, title := range []string{"Notes", "Engines"} {
		id, err := q.CreateBook(ctx, sqlcdb.CreateBookParams{AuthorID: ada.ID, Title: title, Price: float64(10 * (i + 1)), Cover: []byte{byte(i)}})
		if err != nil || id == 0 {
			t.Fatalf("CreateBook: %d, %v", id, err)
		}
	}
	books, err := q.BooksByAuthor(ctx, "Ada")
	if err != nil || len(books) != 2 || books[0].Title != "Engines" || books[0].Author != "Ada" {
		t.Fatalf("BooksByAuthor: %+v, %v", books, err)
	}
	got, err := q.GetAuthor(ctx, ada.ID)
	if err != nil || got.Bio.String != "first programmer" {
		t.Fatalf("GetAuthor: %+v, %v", got, err)
	}
	if _, err := q.CreateBook(ctx, sqlcdb.CreateBookParams{AuthorID: 999, Title: "orphan"}); err == nil {
		t.Fatal("a book without an author was accepted (foreign keys on)")
	}
	if n, err := q.CountBooks(ctx); err != nil || n != 2 {
		t.Fatalf("CountBooks: %d, %v", n, err)
	}
	if n, err := q.DeleteAuthor(ctx, 12345); err != nil || n != 0 {
		t.Fatalf("DeleteAuthor of nobody: %d, %v", n, err)
	}
}
