-- name: GetAuthor :one
SELECT * FROM authors WHERE id = ? LIMIT 1;

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;

-- name: CreateAuthor :one
INSERT INTO authors (name, bio, born, active) VALUES (?, ?, ?, ?) RETURNING *;

-- name: UpdateAuthorBio :exec
UPDATE authors SET bio = ? WHERE id = ?;

-- name: DeleteAuthor :execrows
DELETE FROM authors WHERE id = ?;

-- name: CreateBook :execlastid
INSERT INTO books (author_id, title, price, cover) VALUES (?, ?, ?, ?);

-- name: BooksByAuthor :many
SELECT books.title, books.price, authors.name AS author
FROM books JOIN authors ON authors.id = books.author_id
WHERE authors.name = sqlc.arg(author_name)
ORDER BY books.price DESC;

-- name: CountBooks :one
SELECT count(*) FROM books;
