package stablegorm

import (
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// errSkip, returned by a rebuildTable edit, means the table needs no change.
var errSkip = errors.New("stablegorm: nothing to change")

// rebuildTable creates table again from its CREATE TABLE statement as edit
// leaves it, keeping its rows, indexes and triggers (less the indexes on
// the columns in dropped), following SQLite's procedure for schema changes
// ALTER TABLE cannot make.
//
// With PRAGMA foreign_keys on, dropping the old table would delete (or
// cascade to) the rows that refer to it, so foreign keys are switched off
// around the transaction on a connection of its own, and checked before
// it commits. Inside a transaction that cannot be done; there the table is
// rebuilt only if no other table refers to it.
func (m Migrator) rebuildTable(table string, edit func(*tableDef) error, dropped ...string) error {
	ran, err := m.withoutForeignKeys(func(pinned *gorm.DB, fk bool) error {
		return pinned.Transaction(func(tx *gorm.DB) error {
			return m.rebuild(tx, table, edit, dropped, fk)
		})
	})
	if !ran {
		err = m.DB.Transaction(func(tx *gorm.DB) error {
			var fk bool
			if err := tx.Raw("PRAGMA foreign_keys").Row().Scan(&fk); err != nil {
				return err
			}
			if fk {
				children, err := referringTables(tx, table)
				if err != nil {
					return err
				}
				if len(children) > 0 {
					return fmt.Errorf("stablegorm: cannot create table %q again inside a transaction with PRAGMA foreign_keys on: tables %s refer to it; migrate outside the transaction", table, strings.Join(children, ", "))
				}
			}
			return m.rebuild(tx, table, edit, dropped, false)
		})
	}
	if errors.Is(err, errSkip) {
		err = nil
	}
	return err
}

// withoutForeignKeys runs fn on a connection held for the purpose, with
// PRAGMA foreign_keys switched off if it was on (fk tells fn whether it
// was) and switched on again afterwards; a connection whose foreign keys
// cannot be restored is discarded rather than returned to the pool. Inside
// a transaction (where SQLite ignores the pragma), or without a pool to
// take a connection from, fn is not run and ran is false.
func (m Migrator) withoutForeignKeys(fn func(pinned *gorm.DB, fk bool) error) (ran bool, err error) {
	db := m.DB
	ctx := db.Statement.Context
	pool := db.Statement.ConnPool
	if _, inTx := pool.(gorm.TxCommitter); inTx {
		return false, nil
	}
	var conn *sql.Conn
	if c, ok := pool.(*sql.Conn); ok {
		conn = c
	} else if sqlDB, err := db.DB(); err == nil {
		if conn, err = sqlDB.Conn(ctx); err != nil {
			return true, err
		}
		defer conn.Close()
	}
	if conn == nil {
		return false, nil
	}
	pinned := db.Session(&gorm.Session{Context: ctx})
	pinned.Statement.ConnPool = conn
	var fk bool
	if err := pinned.Raw("PRAGMA foreign_keys").Row().Scan(&fk); err != nil {
		return true, err
	}
	if fk {
		if err := pinned.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
			return true, err
		}
	}
	err = fn(pinned, fk)
	if fk {
		if rerr := pinned.Exec("PRAGMA foreign_keys = ON").Error; rerr != nil {
			// Do not let the connection go back to the pool without its
			// foreign keys.
			conn.Raw(func(any) error { return sqldriver.ErrBadConn })
			return true, errors.Join(err, rerr)
		}
	}
	return true, err
}

// referringTables returns the tables, other than table, with a foreign key
// to table.
func referringTables(tx *gorm.DB, table string) ([]string, error) {
	var names []string
	err := tx.Raw(`SELECT DISTINCT m.name FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f
		WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE AND m.name <> ? COLLATE NOCASE ORDER BY m.name`, table, table).Scan(&names).Error
	return names, err
}

// rebuild does rebuildTable's work in the transaction tx; checkFK asks for
// the foreign keys of and to table to be checked at the end.
func (m Migrator) rebuild(tx *gorm.DB, table string, edit func(*tableDef) error, dropped []string, checkFK bool) error {
	ddl, err := tableSQL(tx, table)
	if err != nil {
		return err
	}
	td, err := parseCreateTable(ddl)
	if err != nil {
		return err
	}
	if err := edit(td); err != nil {
		return err
	}

	// The indexes and triggers to make again (those SQLite makes for
	// constraints have no SQL and come back with the table).
	type object struct{ name, typ, sql string }
	var objects []object
	rows, err := tx.Raw("SELECT name, type, sql FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid", table).Rows()
	if err != nil {
		return err
	}
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.name, &o.typ, &o.sql); err != nil {
			rows.Close()
			return err
		}
		objects = append(objects, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(dropped) > 0 {
		kept := objects[:0]
		for _, o := range objects {
			if o.typ == "index" && indexUses(o.sql, dropped) {
				continue
			}
			kept = append(kept, o)
		}
		objects = kept
	}

	var seq sql.NullInt64
	var hasSequence int64
	if err := tx.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").Row().Scan(&hasSequence); err != nil {
		return err
	}
	if hasSequence > 0 {
		err := tx.Raw("SELECT seq FROM sqlite_sequence WHERE name = ? COLLATE NOCASE", table).Row().Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}

	oldCols, err := copyableColumns(tx, table)
	if err != nil {
		return err
	}
	tmp := table + "__stablegorm_new"
	if err := tx.Exec(td.sql(tmp)).Error; err != nil {
		return fmt.Errorf("stablegorm: creating table %q again: %w", table, err)
	}
	newCols, err := copyableColumns(tx, tmp)
	if err != nil {
		return err
	}
	var cols []string
	for _, c := range oldCols {
		for _, n := range newCols {
			if strings.EqualFold(c, n) {
				cols = append(cols, quoteIdent(c))
				break
			}
		}
	}
	if len(cols) > 0 {
		list := strings.Join(cols, ", ")
		if err := tx.Exec("INSERT INTO " + quoteIdent(tmp) + " (" + list + ") SELECT " + list + " FROM " + quoteIdent(table)).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec("DROP TABLE " + quoteIdent(table)).Error; err != nil {
		return err
	}
	// legacy_alter_table keeps RENAME from rewriting (and, with the old
	// table gone, failing on) views and triggers that name the table.
	var legacy bool
	if err := tx.Raw("PRAGMA legacy_alter_table").Row().Scan(&legacy); err != nil {
		return err
	}
	if !legacy {
		if err := tx.Exec("PRAGMA legacy_alter_table = ON").Error; err != nil {
			return err
		}
	}
	err = tx.Exec("ALTER TABLE " + quoteIdent(tmp) + " RENAME TO " + quoteIdent(table)).Error
	if !legacy {
		if rerr := tx.Exec("PRAGMA legacy_alter_table = OFF").Error; err == nil {
			err = rerr
		}
	}
	if err != nil {
		return err
	}
	for _, o := range objects {
		if err := tx.Exec(o.sql).Error; err != nil {
			return fmt.Errorf("stablegorm: creating %s %q again: %w", o.typ, o.name, err)
		}
	}
	if seq.Valid {
		if err := tx.Exec("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", seq.Int64, table).Error; err != nil {
			return err
		}
	}
	if checkFK {
		return checkForeignKeys(tx, table)
	}
	return nil
}

// copyableColumns returns the columns of table that hold stored values (not
// generated ones).
func copyableColumns(tx *gorm.DB, table string) ([]string, error) {
	var cols []string
	err := tx.Raw("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid", table).Scan(&cols).Error
	return cols, err
}

// indexUses reports whether the CREATE INDEX statement sql names any of
// columns.
func indexUses(sql string, columns []string) bool {
	toks, err := tokenize(sql)
	if err != nil {
		return false
	}
	on := false
	for _, t := range toks {
		if t.is("ON") {
			on = true
			continue
		}
		if !on || t.kind != tokWord && t.kind != tokQuoted {
			continue
		}
		for _, c := range columns {
			if strings.EqualFold(t.name(), c) {
				return true
			}
		}
	}
	return false
}

// checkForeignKeys fails if a row of table, or of a table referring to it,
// breaks a foreign key.
func checkForeignKeys(tx *gorm.DB, table string) error {
	tables, err := referringTables(tx, table)
	if err != nil {
		return err
	}
	tables = append(tables, table)
	for _, t := range tables {
		var n int64
		q := "SELECT count(*) FROM pragma_foreign_key_check(?)"
		args := []any{t}
		if t != table {
			q += " WHERE parent = ? COLLATE NOCASE"
			args = append(args, table)
		}
		if err := tx.Raw(q, args...).Row().Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("stablegorm: creating table %q again would break %d foreign key(s) of table %q: %w", table, n, t, gorm.ErrForeignKeyViolated)
		}
	}
	return nil
}
