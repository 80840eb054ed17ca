// Package stablegorm is a GORM dialector for the stablesqlite driver: SQLite
// compiled to WebAssembly and run by wazero, so neither it nor the driver
// needs cgo.
//
//	import (
//		"gorm.io/gorm"
//		stablegorm "github.com/stablesqlite/stablesqlite/gorm"
//	)
//
//	db, err := gorm.Open(stablegorm.Open("file:app.db?_pragma=foreign_keys(1)"), &gorm.Config{TranslateError: true})
//
// The SQL it writes follows the conventions of GORM's own SQLite dialector
// (backquoted identifiers, "integer PRIMARY KEY AUTOINCREMENT" keys,
// datetime and numeric columns), so a database made by one can be migrated
// by the other.
package stablegorm

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"

	"github.com/stablesqlite/stablesqlite/driver"
)

// DriverName is the database/sql driver the dialector opens by default.
const DriverName = driver.DriverName

// Config configures a Dialector.
type Config struct {
	// DriverName is the database/sql driver to open DSN with; empty means
	// "stablesqlite".
	DriverName string
	// DSN is the driver's data source name, as for sql.Open (see the
	// driver's documentation: "file:app.db?_pragma=foreign_keys(1)",
	// "file:/name?vfs=heap", ":memory:" ...).
	DSN string
	// Conn, when not nil, is used instead of opening DSN: typically a
	// *sql.DB made with sql.Open or sql.OpenDB(driver.NewConnector(...)).
	Conn gorm.ConnPool
}

// Dialector implements gorm.Dialector, gorm.ErrorTranslator and GORM's
// savepoint interface for SQLite through the stablesqlite driver.
type Dialector struct {
	Config
}

var (
	_ gorm.Dialector                     = Dialector{}
	_ gorm.ErrorTranslator               = Dialector{}
	_ gorm.SavePointerDialectorInterface = Dialector{}
)

// Open returns a dialector for dsn, opened with the stablesqlite driver.
func Open(dsn string) gorm.Dialector {
	return &Dialector{Config: Config{DSN: dsn}}
}

// New returns a dialector for cfg.
func New(cfg Config) gorm.Dialector {
	return &Dialector{Config: cfg}
}

// Name implements gorm.Dialector; it is "sqlite", as for GORM's own SQLite
// dialector, so that code testing the dialect name keeps working.
func (d Dialector) Name() string { return "sqlite" }

// Clauses the callbacks build, in order. SQLite has RETURNING since 3.35
// and UPDATE ... FROM since 3.33.
var (
	createClauses = []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"}
	queryClauses  = []string{"SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "FOR"}
	updateClauses = []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"}
	deleteClauses = []string{"DELETE", "FROM", "WHERE", "RETURNING"}
)

// Initialize implements gorm.Dialector.
func (d Dialector) Initialize(db *gorm.DB) error {
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		// For a multi-row INSERT without RETURNING, SQLite's last insert
		// rowid is that of the last row.
		LastInsertIDReversed: true,
		CreateClauses:        createClauses,
		QueryClauses:         queryClauses,
		UpdateClauses:        updateClauses,
		DeleteClauses:        deleteClauses,
	})
	if d.Conn != nil {
		db.ConnPool = d.Conn
	} else {
		name := d.DriverName
		if name == "" {
			name = DriverName
		}
		sqlDB, err := sql.Open(name, d.DSN)
		if err != nil {
			return err
		}
		db.ConnPool = sqlDB
	}
	for name, build := range d.ClauseBuilders() {
		db.ClauseBuilders[name] = build
	}
	return nil
}

// ClauseBuilders returns the builders of the clauses SQLite writes
// differently from GORM's defaults.
func (d Dialector) ClauseBuilders() map[string]clause.ClauseBuilder {
	return map[string]clause.ClauseBuilder{
		"INSERT":      buildInsert,
		"ON CONFLICT": buildOnConflict,
		"LIMIT":       buildLimit,
		"FOR":         buildLocking,
	}
}

// conflictResolutions are the words that follow "INSERT OR" in SQLite.
var conflictResolutions = map[string]bool{
	"ABORT": true, "FAIL": true, "IGNORE": true, "REPLACE": true, "ROLLBACK": true,
}

// buildInsert writes "INSERT [OR modifier] INTO table": a modifier written
// for MySQL ("IGNORE") becomes SQLite's "OR IGNORE".
func buildInsert(c clause.Clause, builder clause.Builder) {
	insert, ok := c.Expression.(clause.Insert)
	if !ok {
		c.Build(builder)
		return
	}
	builder.WriteString("INSERT ")
	if m := strings.TrimSpace(insert.Modifier); m != "" {
		if conflictResolutions[strings.ToUpper(m)] {
			builder.WriteString("OR ")
		}
		builder.WriteString(m)
		builder.WriteByte(' ')
	}
	builder.WriteString("INTO ")
	if insert.Table.Name == "" {
		builder.WriteQuoted(clause.Table{Name: clause.CurrentTable})
	} else {
		builder.WriteQuoted(insert.Table)
	}
}

// buildOnConflict writes SQLite's upsert clause. SQLite cannot name a
// constraint as the conflict target; an update with nothing to set becomes
// DO NOTHING.
func buildOnConflict(c clause.Clause, builder clause.Builder) {
	oc, ok := c.Expression.(clause.OnConflict)
	if !ok {
		c.Build(builder)
		return
	}
	if oc.OnConstraint != "" {
		builder.AddError(fmt.Errorf("stablegorm: SQLite has no ON CONFLICT ON CONSTRAINT (%s); name the conflict columns instead", oc.OnConstraint))
		return
	}
	builder.WriteString("ON CONFLICT")
	if len(oc.Columns) > 0 {
		builder.WriteString(" (")
		for i, col := range oc.Columns {
			if i > 0 {
				builder.WriteByte(',')
			}
			builder.WriteQuoted(col)
		}
		builder.WriteByte(')')
		if len(oc.TargetWhere.Exprs) > 0 {
			builder.WriteString(" WHERE ")
			oc.TargetWhere.Build(builder)
		}
	}
	if oc.DoNothing || len(oc.DoUpdates) == 0 {
		builder.WriteString(" DO NOTHING")
		return
	}
	builder.WriteString(" DO UPDATE SET ")
	oc.DoUpdates.Build(builder)
	if len(oc.Where.Exprs) > 0 {
		builder.WriteString(" WHERE ")
		oc.Where.Build(builder)
	}
}

// buildLimit writes LIMIT and OFFSET; SQLite needs a LIMIT before an
// OFFSET, and -1 means no limit.
func buildLimit(c clause.Clause, builder clause.Builder) {
	limit, ok := c.Expression.(clause.Limit)
	if !ok {
		c.Build(builder)
		return
	}
	hasLimit := limit.Limit != nil && *limit.Limit >= 0
	if !hasLimit && limit.Offset <= 0 {
		return
	}
	builder.WriteString("LIMIT ")
	if hasLimit {
		builder.AddVar(builder, *limit.Limit)
	} else {
		builder.WriteString("-1")
	}
	if limit.Offset > 0 {
		builder.WriteString(" OFFSET ")
		builder.AddVar(builder, limit.Offset)
	}
}

// buildLocking drops FOR UPDATE / FOR SHARE: SQLite locks the whole
// database, and a write transaction already excludes other writers.
func buildLocking(c clause.Clause, builder clause.Builder) {
	if _, ok := c.Expression.(clause.Locking); ok {
		return
	}
	c.Build(builder)
}

// Migrator implements gorm.Dialector.
func (d Dialector) Migrator(db *gorm.DB) gorm.Migrator {
	return Migrator{migrator.Migrator{Config: migrator.Config{
		DB:                          db,
		Dialector:                   d,
		CreateIndexAfterCreateTable: true,
	}}}
}

// DataTypeOf implements gorm.Dialector: the column type of field.
func (d Dialector) DataTypeOf(field *schema.Field) string {
	switch field.DataType {
	case schema.Bool:
		return "numeric"
	case schema.Int, schema.Uint:
		if field.AutoIncrement && field.PrimaryKey && soleKey(field) {
			// The rowid alias; AUTOINCREMENT keeps SQLite from reusing the
			// keys of deleted rows, as every other GORM dialect does.
			return "integer PRIMARY KEY AUTOINCREMENT"
		}
		return "integer"
	case schema.Float:
		return "real"
	case schema.String:
		return "text"
	case schema.Time:
		return "datetime"
	case schema.Bytes:
		return "blob"
	}
	return string(field.DataType)
}

// soleKey reports whether field is the only primary key of its schema:
// SQLite can auto-increment nothing else.
func soleKey(field *schema.Field) bool {
	if field.Schema == nil {
		return true
	}
	for _, f := range field.Schema.PrimaryFields {
		if f != field {
			return false
		}
	}
	return true
}

// DefaultValueOf implements gorm.Dialector: what a multi-row INSERT writes
// for a row that leaves a column with a database default unset, when other
// rows set it. SQLite has no DEFAULT keyword in VALUES, so the default
// expression itself is written.
func (d Dialector) DefaultValueOf(field *schema.Field) clause.Expression {
	switch {
	case field.AutoIncrement:
		return clause.Expr{SQL: "NULL"} // NULL into the rowid alias assigns the next key
	case field.DefaultValueInterface != nil:
		return clause.Expr{SQL: "?", Vars: []any{field.DefaultValueInterface}}
	case field.DefaultValue != "" && field.DefaultValue != "(-)" && !strings.EqualFold(field.DefaultValue, "NULL"):
		return clause.Expr{SQL: "(" + field.DefaultValue + ")"}
	}
	return clause.Expr{SQL: "NULL"}
}

// BindVarTo implements gorm.Dialector.
func (d Dialector) BindVarTo(writer clause.Writer, stmt *gorm.Statement, v any) {
	writer.WriteByte('?')
}

// QuoteTo implements gorm.Dialector: identifiers are backquoted (SQLite
// reads `x` as MySQL does), a backquote inside is doubled, a dot separates
// a schema, table or column, and a part already in backquotes is kept.
func (d Dialector) QuoteTo(writer clause.Writer, str string) {
	for {
		if n := quotedPrefix(str); n > 0 {
			writer.WriteString(str[:n])
			str = str[n:]
		} else {
			part := str
			if i := strings.IndexByte(str, '.'); i >= 0 {
				part = str[:i]
			}
			str = str[len(part):]
			writer.WriteByte('`')
			writer.WriteString(strings.ReplaceAll(part, "`", "``"))
			writer.WriteByte('`')
		}
		if str == "" {
			return
		}
		writer.WriteByte('.') // str starts with the dot
		str = str[1:]
	}
}

// quotedPrefix returns the length of the backquoted identifier that s starts
// with, if it ends s or a dot follows it; otherwise 0.
func quotedPrefix(s string) int {
	if len(s) < 2 || s[0] != '`' {
		return 0
	}
	for j := 1; j < len(s); j++ {
		if s[j] != '`' {
			continue
		}
		if j+1 < len(s) && s[j+1] == '`' {
			j++ // a doubled backquote
			continue
		}
		if j+1 == len(s) || s[j+1] == '.' {
			return j + 1
		}
		return 0
	}
	return 0
}

// quoteIdent returns name quoted as QuoteTo writes a single part.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// Explain implements gorm.Dialector: sql with vars written in as SQL
// literals (strings in single quotes: this SQLite is built without
// double-quoted string literals).
func (d Dialector) Explain(sql string, vars ...any) string {
	return logger.ExplainSQL(sql, nil, `'`, vars...)
}

// SavePoint implements gorm.SavePointerDialectorInterface, for nested
// transactions.
func (d Dialector) SavePoint(tx *gorm.DB, name string) error {
	return tx.Exec("SAVEPOINT " + quoteIdent(name)).Error
}

// RollbackTo implements gorm.SavePointerDialectorInterface.
func (d Dialector) RollbackTo(tx *gorm.DB, name string) error {
	return tx.Exec("ROLLBACK TO SAVEPOINT " + quoteIdent(name)).Error
}

// Translate implements gorm.ErrorTranslator (used with
// gorm.Config.TranslateError): a UNIQUE or PRIMARY KEY violation becomes
// gorm.ErrDuplicatedKey, a FOREIGN KEY violation gorm.ErrForeignKeyViolated
// and a CHECK violation gorm.ErrCheckConstraintViolated. The result wraps
// both, so errors.Is matches the GORM sentinel and errors.As still finds the
// *driver.Error.
func (d Dialector) Translate(err error) error {
	var e *driver.Error
	if !errors.As(err, &e) {
		return err
	}
	var sentinel error
	switch e.ExtendedCode {
	case driver.ErrConstraintUnique, driver.ErrConstraintPrimaryKey:
		sentinel = gorm.ErrDuplicatedKey
	case driver.ErrConstraintForeignKey:
		sentinel = gorm.ErrForeignKeyViolated
	case driver.ErrConstraintCheck:
		sentinel = gorm.ErrCheckConstraintViolated
	default:
		return err
	}
	return &translatedError{sentinel: sentinel, err: err}
}

// translatedError is a driver error with the GORM sentinel it means.
type translatedError struct {
	sentinel error
	err      error
}

func (e *translatedError) Error() string   { return e.sentinel.Error() + ": " + e.err.Error() }
func (e *translatedError) Unwrap() []error { return []error{e.sentinel, e.err} }
