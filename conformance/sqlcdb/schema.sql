CREATE TABLE authors (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  bio        TEXT,
  born       DATETIME,
  active     BOOLEAN NOT NULL DEFAULT 1
);

CREATE TABLE books (
  id        INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES authors(id),
  title     TEXT    NOT NULL,
  price     REAL    NOT NULL,
  cover     BLOB
);
