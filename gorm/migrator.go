package stablegorm

import (
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"
)

// Migrator is GORM's generic migrator with what SQLite does its own way:
// the schema is in sqlite_master and the pragma functions, there is no ALTER
// COLUMN, and constraints live in CREATE TABLE, so changing a column's type
// or adding or dropping a constraint creates the table again (in a
// transaction, as SQLite's documentation describes: create the new table,
// copy the rows, drop the old one, rename the new one, restore indexes and
// triggers).
type Migrator struct {
	migrator.Migrator
}

var _ gorm.Migrator = Migrator{}

// CurrentDatabase returns "main", the database SQLite opened.
func (m Migrator) CurrentDatabase() string { return "main" }

// HasTable reports whether the table of value (a model or a table name)
// exists.
func (m Migrator) HasTable(value any) bool {
	var count int64
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", stmt.Table).Row().Scan(&count)
	})
	return count > 0
}

// DropTable drops the tables of values (models or names), those that refer
// to others first. As GORM's own SQLite dialector does, it drops them with
// foreign keys off: with PRAGMA foreign_keys on, DROP TABLE deletes the rows
// first, which fails (or cascades) while other tables refer to them. Inside
// a transaction the pragma cannot change, and the tables are dropped as
// they are.
func (m Migrator) DropTable(values ...any) error {
	ran, err := m.withoutForeignKeys(func(pinned *gorm.DB, _ bool) error {
		inner := m
		inner.DB = pinned
		return inner.Migrator.DropTable(values...)
	})
	if !ran {
		return m.Migrator.DropTable(values...)
	}
	return err
}

// GetTables returns the names of the tables, without SQLite's own.
func (m Migrator) GetTables() (tables []string, err error) {
	err = m.DB.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`).Scan(&tables).Error
	return tables, err
}

// TableType returns what sqlite_master says the table of value is ("table"
// or "view").
func (m Migrator) TableType(value any) (gorm.TableType, error) {
	var tt migrator.TableType
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		row := m.DB.Raw("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE", stmt.Table).Row()
		if err := row.Scan(&tt.NameValue, &tt.TypeValue); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("stablegorm: no table %q", stmt.Table)
			}
			return err
		}
		tt.SchemaValue = "main"
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tt, nil
}

// columnName returns the column name of field (a field name or a column
// name) in stmt's schema.
func columnName(stmt *gorm.Statement, field string) string {
	if stmt.Schema != nil {
		if f := stmt.Schema.LookUpField(field); f != nil {
			return f.DBName
		}
	}
	return field
}

// HasColumn reports whether the table of value has the column of field.
func (m Migrator) HasColumn(value any, field string) bool {
	var count int64
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE AND hidden <> 1",
			stmt.Table, columnName(stmt, field)).Row().Scan(&count)
	})
	return count > 0
}

// tableSQL returns the CREATE TABLE statement of table.
func tableSQL(db *gorm.DB, table string) (string, error) {
	var ddl sql.NullString
	err := db.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", table).Row().Scan(&ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("stablegorm: no table %q", table)
	}
	if err == nil && !ddl.Valid {
		err = fmt.Errorf("stablegorm: table %q has no CREATE TABLE statement", table)
	}
	return ddl.String, err
}

var typeArgs = regexp.MustCompile(`^\s*([^(]*?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)`)

// ColumnTypes returns the columns of the table of value as SQLite declares
// them: declared type (DatabaseTypeName without, ColumnType with, its
// arguments), length or precision and scale from those arguments, nullable,
// primary key, auto-increment (the rowid alias), unique (a one-column
// UNIQUE constraint or primary key) and default (a string literal without
// its quotes).
func (m Migrator) ColumnTypes(value any) ([]gorm.ColumnType, error) {
	var out []gorm.ColumnType
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		ddl, err := tableSQL(m.DB, stmt.Table)
		if err != nil {
			return err
		}
		td, err := parseCreateTable(ddl)
		if err != nil {
			return err
		}
		withoutRowid := strings.Contains(strings.ToUpper(td.tail), "WITHOUT")

		// The driver's view of the columns, for ScanType.
		scanTypes := map[string]*sql.ColumnType{}
		if rows, err := m.DB.Session(&gorm.Session{}).Table(stmt.Table).Limit(1).Rows(); err == nil {
			cts, _ := rows.ColumnTypes()
			for _, ct := range cts {
				scanTypes[strings.ToLower(ct.Name())] = ct
			}
			rows.Close()
		}

		unique, err := m.uniqueColumns(stmt.Table)
		if err != nil {
			return err
		}

		type column struct {
			name, decl string
			notNull    bool
			dflt       sql.NullString
			pk         int
		}
		var cols []column
		rows, err := m.DB.Raw(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?) WHERE hidden <> 1 ORDER BY cid`, stmt.Table).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		pks := 0
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.name, &c.decl, &c.notNull, &c.dflt, &c.pk); err != nil {
				return err
			}
			if c.pk > 0 {
				pks++
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}

		for _, c := range cols {
			ct := migrator.ColumnType{
				SQLColumnType:      scanTypes[strings.ToLower(c.name)],
				NameValue:          sql.NullString{String: c.name, Valid: true},
				DataTypeValue:      sql.NullString{String: c.decl, Valid: true},
				ColumnTypeValue:    sql.NullString{String: c.decl, Valid: true},
				PrimaryKeyValue:    sql.NullBool{Bool: c.pk > 0, Valid: true},
				UniqueValue:        sql.NullBool{Bool: unique[strings.ToLower(c.name)] || c.pk > 0 && pks == 1, Valid: true},
				NullableValue:      sql.NullBool{Bool: !c.notNull, Valid: true},
				AutoIncrementValue: sql.NullBool{Valid: true},
			}
			if m := typeArgs.FindStringSubmatch(c.decl); m != nil {
				ct.DataTypeValue.String = m[1]
				n, _ := strconv.ParseInt(m[2], 10, 64)
				base := strings.ToLower(m[1])
				switch {
				case m[3] != "":
					s, _ := strconv.ParseInt(m[3], 10, 64)
					ct.DecimalSizeValue = sql.NullInt64{Int64: n, Valid: true}
					ct.ScaleValue = sql.NullInt64{Int64: s, Valid: true}
				case base == "decimal" || base == "numeric":
					ct.DecimalSizeValue = sql.NullInt64{Int64: n, Valid: true}
					ct.ScaleValue = sql.NullInt64{Valid: true}
				default:
					ct.LengthValue = sql.NullInt64{Int64: n, Valid: true}
				}
			}
			if c.pk > 0 && pks == 1 && !withoutRowid {
				// The rowid alias numbers rows by itself, AUTOINCREMENT or not.
				i := td.column(c.name)
				ct.AutoIncrementValue.Bool = strings.EqualFold(c.decl, "INTEGER") || i >= 0 && td.defs[i].hasWord("AUTOINCREMENT")
			}
			if c.dflt.Valid && !strings.EqualFold(c.dflt.String, "NULL") {
				ct.DefaultValueValue = sql.NullString{String: unquoteDefault(c.dflt.String), Valid: true}
			}
			out = append(out, ct)
		}
		return nil
	})
	return out, err
}

// unquoteDefault returns a column's default as GORM's tags write it: a
// string literal as the string, an expression (which SQLite reports without
// the parentheses CREATE TABLE needs around it) in parentheses, anything
// else (a number, CURRENT_TIMESTAMP, TRUE) as it is.
func unquoteDefault(s string) string {
	toks, err := tokenize(s)
	if err != nil {
		return s
	}
	switch {
	case len(toks) == 1 && toks[0].kind == tokString:
		return toks[0].name()
	case len(toks) == 1, len(toks) == 2 && (toks[0].text == "-" || toks[0].text == "+"):
		return s
	case len(toks) == 3 && toks[0].kind == tokWord && toks[1].text == "." && toks[2].kind == tokWord:
		return s // a decimal number
	case len(toks) == 4 && (toks[0].text == "-" || toks[0].text == "+") && toks[2].text == ".":
		return s
	case len(toks) == 2 && strings.EqualFold(toks[0].text, "x") && toks[1].kind == tokString:
		return s // a blob literal
	}
	return "(" + s + ")"
}

// uniqueColumns returns the (lower-cased) columns of table that have a
// one-column UNIQUE constraint (not a unique index made with CREATE INDEX,
// which GORM tracks as an index).
func (m Migrator) uniqueColumns(table string) (map[string]bool, error) {
	rows, err := m.DB.Raw(`SELECT il.name, ii.name FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii WHERE il."unique" = 1 AND il.origin = 'u'`, table).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string][]string{}
	for rows.Next() {
		var index string
		var col sql.NullString
		if err := rows.Scan(&index, &col); err != nil {
			return nil, err
		}
		cols[index] = append(cols[index], strings.ToLower(col.String))
	}
	unique := map[string]bool{}
	for _, c := range cols {
		if len(c) == 1 && c[0] != "" {
			unique[c[0]] = true
		}
	}
	return unique, rows.Err()
}

// typeAliases are declared types SQLite treats alike, so that a table made
// by other tools is not rebuilt just for a different spelling.
var typeAliases = map[string][]string{
	"int":               {"integer"},
	"bigint":            {"integer"},
	"smallint":          {"integer"},
	"tinyint":           {"integer"},
	"mediumint":         {"integer"},
	"int2":              {"integer"},
	"int8":              {"integer"},
	"unsigned big int":  {"integer"},
	"integer":           {"int", "bigint"},
	"varchar":           {"text"},
	"character":         {"text"},
	"varying character": {"text"},
	"nchar":             {"text"},
	"nvarchar":          {"text"},
	"clob":              {"text"},
	"text":              {"varchar", "char"},
	"double":            {"real"},
	"double precision":  {"real"},
	"float":             {"real"},
	"real":              {"double", "float"},
	"boolean":           {"numeric"},
	"bool":              {"numeric"},
	"timestamp":         {"datetime"},
	"datetime":          {"timestamp"},
}

// MigrateColumn is GORM's, except that a type the field declares with a
// type tag is compared by name with the column's declared type, without the
// aliases: the aliases keep a table made by other tools from being created
// again for a different spelling of GORM's own types, but a type asked for
// by name (type:text on a varchar column) is a change to make.
func (m Migrator) MigrateColumn(value any, field *schema.Field, columnType gorm.ColumnType) error {
	if field.TagSettings["TYPE"] != "" && !field.PrimaryKey {
		want := strings.ToLower(m.DataTypeOf(field))
		if i := strings.IndexByte(want, '('); i >= 0 {
			want = want[:i]
		}
		want = strings.TrimSpace(want)
		if have := strings.ToLower(columnType.DatabaseTypeName()); want != "" && have != "" && !strings.HasPrefix(want, have) {
			return m.AlterColumn(value, field.DBName)
		}
	}
	return m.Migrator.MigrateColumn(value, field, columnType)
}

// GetTypeAliases returns the types SQLite treats as databaseTypeName.
func (m Migrator) GetTypeAliases(databaseTypeName string) []string {
	return typeAliases[strings.ToLower(databaseTypeName)]
}

// AddColumn adds the column of field. SQLite cannot add a UNIQUE column, so
// a field tagged unique gets its unique constraint afterwards (GORM's
// AutoMigrate would add it only on its next run).
func (m Migrator) AddColumn(value any, field string) error {
	if err := m.Migrator.AddColumn(value, field); err != nil {
		return err
	}
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		if stmt.Schema == nil {
			return nil
		}
		f := stmt.Schema.LookUpField(field)
		if f == nil || !f.Unique || f.PrimaryKey || f.IgnoreMigration {
			return nil
		}
		return m.DB.Migrator().CreateConstraint(value, m.DB.NamingStrategy.UniqueName(stmt.Table, f.DBName))
	})
}

// AlterColumn gives the column of field the type, nullability and default
// its field declares now, by creating the table again.
func (m Migrator) AlterColumn(value any, field string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		if stmt.Schema == nil {
			return errors.New("stablegorm: AlterColumn needs a model")
		}
		f := stmt.Schema.LookUpField(field)
		if f == nil {
			return fmt.Errorf("stablegorm: failed to look up field with name: %s", field)
		}
		def := quoteIdent(f.DBName) + " " + m.DB.Migrator().FullDataTypeOf(f).SQL
		return m.rebuildTable(stmt.Table, func(td *tableDef) error {
			i := td.column(f.DBName)
			if i < 0 {
				return fmt.Errorf("stablegorm: table %q has no column %q", stmt.Table, f.DBName)
			}
			// Keep a UNIQUE the column declared itself; GORM writes its own
			// as a table constraint.
			if _, unique := td.defs[i].withoutUnique(); unique && !strings.Contains(strings.ToUpper(def), "UNIQUE") {
				def += " UNIQUE"
			}
			return td.set(i, def)
		})
	})
}

// DropColumn drops the column of field. SQLite's ALTER TABLE DROP COLUMN
// refuses a column that is indexed or in a constraint; then the table is
// created again without the column, the table constraints that name it and
// its indexes.
func (m Migrator) DropColumn(value any, field string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		name := columnName(stmt, field)
		err := m.DB.Exec("ALTER TABLE ? DROP COLUMN ?", m.CurrentTable(stmt), clause.Column{Name: name}).Error
		if err == nil || !m.HasColumn(stmt.Table, name) {
			return err
		}
		return m.rebuildTable(stmt.Table, func(td *tableDef) error {
			i := td.column(name)
			if i < 0 {
				return fmt.Errorf("stablegorm: table %q has no column %q", stmt.Table, name)
			}
			td.remove(i)
			for k := len(td.defs) - 1; k >= 0; k-- {
				if td.defs[k].column == "" && td.defs[k].mentions(name) {
					td.remove(k)
				}
			}
			return nil
		}, name)
	})
}

// renderConstraint writes constraint's SQL with its identifiers quoted.
func (m Migrator) renderConstraint(c schema.ConstraintInterface) string {
	sqlText, vars := c.Build()
	stmt := &gorm.Statement{DB: m.DB, Clauses: map[string]clause.Clause{}}
	clause.Expr{SQL: sqlText, Vars: vars}.Build(stmt)
	return m.Explain(stmt.SQL.String(), stmt.Vars...)
}

// HasConstraint reports whether the constraint name (a constraint of the
// model, or a field whose constraint is meant) is declared on its table.
func (m Migrator) HasConstraint(value any, name string) bool {
	found := false
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		constraint, table := m.GuessConstraintInterfaceAndTable(stmt, name)
		if constraint != nil {
			name = constraint.GetName()
		}
		ddl, err := tableSQL(m.DB, table)
		if err != nil {
			return err
		}
		td, err := parseCreateTable(ddl)
		if err != nil {
			return err
		}
		found = td.hasConstraint(name)
		return nil
	})
	return found
}

// CreateConstraint adds the model's constraint name (a foreign key, check
// or unique constraint) to its table, which is created again.
func (m Migrator) CreateConstraint(value any, name string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		constraint, table := m.GuessConstraintInterfaceAndTable(stmt, name)
		if constraint == nil {
			return fmt.Errorf("stablegorm: the model has no constraint %q", name)
		}
		def := m.renderConstraint(constraint)
		return m.rebuildTable(table, func(td *tableDef) error {
			if td.hasConstraint(constraint.GetName()) {
				return errSkip
			}
			td.defs = append(td.defs, tableItem{})
			return td.set(len(td.defs)-1, def)
		})
	})
}

// DropConstraint removes the constraint name from its table, which is
// created again. GORM's name for a column's unique constraint
// (uni_table_column) drops that column's one-column UNIQUE constraint
// however it was declared: on the column, or on the table with or without
// a name.
func (m Migrator) DropConstraint(value any, name string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		constraint, table := m.GuessConstraintInterfaceAndTable(stmt, name)
		if constraint != nil {
			name = constraint.GetName()
		}
		return m.rebuildTable(table, func(td *tableDef) error {
			if i := td.constraint(name); i >= 0 {
				td.remove(i)
				return nil
			}
			for i, it := range td.defs {
				if it.column == "" {
					continue
				}
				gormName := strings.EqualFold(m.DB.NamingStrategy.UniqueName(table, it.column), name)
				if !gormName && !it.hasConstraintNamed(name) {
					continue
				}
				if text, ok := it.withoutUnique(); ok {
					return td.set(i, text)
				}
				if !gormName {
					continue
				}
				for k, c := range td.defs {
					if col, ok := c.uniqueColumn(); ok && strings.EqualFold(col, it.column) {
						td.remove(k)
						return nil
					}
				}
			}
			return fmt.Errorf("stablegorm: table %q has no constraint %q", table, name)
		})
	})
}

// hasConstraintNamed reports whether the column definition it names a
// constraint name.
func (it tableItem) hasConstraintNamed(name string) bool {
	for k := 0; k+1 < len(it.toks); k++ {
		if it.toks[k].is("CONSTRAINT") && strings.EqualFold(it.toks[k+1].name(), name) {
			return true
		}
	}
	return false
}

// CreateIndex creates the model's index name. SQLite indexes have no type
// (USING) or comment; a "where" tag makes a partial index.
func (m Migrator) CreateIndex(value any, name string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		if stmt.Schema == nil {
			return errors.New("stablegorm: CreateIndex needs a model")
		}
		idx := stmt.Schema.LookIndex(name)
		if idx == nil {
			return fmt.Errorf("stablegorm: failed to create index with name %s", name)
		}
		opts := m.DB.Migrator().(migrator.BuildIndexOptionsInterface).BuildIndexOptions(idx.Fields, stmt)
		sqlText := "CREATE "
		if idx.Class != "" {
			sqlText += idx.Class + " "
		}
		sqlText += "INDEX ? ON ??"
		if idx.Where != "" {
			sqlText += " WHERE " + idx.Where
		}
		if idx.Option != "" {
			sqlText += " " + idx.Option
		}
		return m.DB.Exec(sqlText, clause.Column{Name: idx.Name}, m.CurrentTable(stmt), opts).Error
	})
}

// indexName returns the name of the model's index name (an index or field
// name), or name.
func indexName(stmt *gorm.Statement, name string) string {
	if stmt.Schema != nil {
		if idx := stmt.Schema.LookIndex(name); idx != nil {
			return idx.Name
		}
	}
	return name
}

// HasIndex reports whether the table of value has the index name.
func (m Migrator) HasIndex(value any, name string) bool {
	var count int64
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE AND name = ? COLLATE NOCASE",
			stmt.Table, indexName(stmt, name)).Row().Scan(&count)
	})
	return count > 0
}

// DropIndex drops the index name.
func (m Migrator) DropIndex(value any, name string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Exec("DROP INDEX ?", clause.Column{Name: indexName(stmt, name)}).Error
	})
}

// RenameIndex renames an index: SQLite has no ALTER INDEX, so the index is
// dropped and created again under the new name, in a transaction.
func (m Migrator) RenameIndex(value any, oldName, newName string) error {
	return m.RunWithValue(value, func(stmt *gorm.Statement) error {
		oldName = indexName(stmt, oldName)
		var ddl sql.NullString
		err := m.DB.Raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE AND name = ? COLLATE NOCASE",
			stmt.Table, oldName).Row().Scan(&ddl)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("stablegorm: table %q has no index %q", stmt.Table, oldName)
		}
		if err != nil {
			return err
		}
		if !ddl.Valid {
			return fmt.Errorf("stablegorm: index %q belongs to a constraint and cannot be renamed", oldName)
		}
		created, err := renameIndexSQL(ddl.String, newName)
		if err != nil {
			return err
		}
		return m.DB.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX ?", clause.Column{Name: oldName}).Error; err != nil {
				return err
			}
			return tx.Exec(created).Error
		})
	})
}

// GetIndexes returns the indexes of the table of value, including those
// SQLite makes for PRIMARY KEY and UNIQUE constraints.
func (m Migrator) GetIndexes(value any) ([]gorm.Index, error) {
	var out []gorm.Index
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		rows, err := m.DB.Raw(`SELECT il.name, il."unique", il.origin, il.partial, ii.name FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii ORDER BY il.seq, ii.seqno`, stmt.Table).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		byName := map[string]*migrator.Index{}
		var order []string
		for rows.Next() {
			var (
				name, origin    string
				unique, partial bool
				column          sql.NullString
			)
			if err := rows.Scan(&name, &unique, &origin, &partial, &column); err != nil {
				return err
			}
			idx := byName[name]
			if idx == nil {
				idx = &migrator.Index{
					TableName:       stmt.Table,
					NameValue:       name,
					PrimaryKeyValue: sql.NullBool{Bool: origin == "pk", Valid: true},
					UniqueValue:     sql.NullBool{Bool: unique, Valid: true},
				}
				if partial {
					idx.OptionValue = "partial"
				}
				byName[name] = idx
				order = append(order, name)
			}
			idx.ColumnList = append(idx.ColumnList, column.String) // "" for an expression
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range order {
			// Pointers, as GORM's own migrators return them.
			out = append(out, byName[name])
		}
		return nil
	})
	return out, err
}
