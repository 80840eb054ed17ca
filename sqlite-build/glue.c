/*
** Export glue: the calls the Go driver makes, shaped so that a statement
** costs few guest/host crossings. Values travel in 16-byte slots:
**
**   int32 type   SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL
**   int32 len    bytes of text or blob
**   int64 value  the integer, the double's bits, or a pointer to the bytes
**
** so binding every argument is one call, and stepping to a row and reading
** all of its columns is one call.
*/

#define EXPORT(name) __attribute__((export_name(#name)))

typedef struct ssSlot {
  int32_t type;
  int32_t len;
  int64_t value;
} ssSlot;

static int ssProgress(void *unused){
  return ss_host_interrupted();
}

/* Opens a connection with extended result codes and the interrupt check.
** *ppDb is set even on failure, so that the caller can read the message and
** close it. */
EXPORT(ss_open)
int ss_open(const char *zName, int flags, sqlite3 **ppDb){
  int rc = sqlite3_open_v2(zName, ppDb, flags, 0);
  if( *ppDb ){
    sqlite3_extended_result_codes(*ppDb, 1);
    sqlite3_progress_handler(*ppDb, 1000, ssProgress, 0);
  }
  return rc;
}

/* Prepares the first statement of zSql[0..nSql). out[0] receives the
** statement (0 for only whitespace or comments) and out[1] the offset of the
** rest of the text. */
EXPORT(ss_prepare)
int ss_prepare(sqlite3 *db, const char *zSql, int nSql, int prepFlags, int32_t *out){
  sqlite3_stmt *pStmt = 0;
  const char *zTail = 0;
  int rc = sqlite3_prepare_v3(db, zSql, nSql, (unsigned)prepFlags, &pStmt, &zTail);
  out[0] = (int32_t)(intptr_t)pStmt;
  out[1] = zTail ? (int32_t)(zTail - zSql) : nSql;
  return rc;
}

static int ssBind(sqlite3_stmt *pStmt, const ssSlot *a, int n){
  int i, rc = SQLITE_OK;
  for(i=0; i<n && rc==SQLITE_OK; i++){
    const ssSlot *s = &a[i];
    switch( s->type ){
      case SQLITE_INTEGER:
        rc = sqlite3_bind_int64(pStmt, i+1, s->value);
        break;
      case SQLITE_FLOAT: {
        double d;
        memcpy(&d, &s->value, sizeof d);
        rc = sqlite3_bind_double(pStmt, i+1, d);
        break;
      }
      case SQLITE_TEXT:
        rc = sqlite3_bind_text64(pStmt, i+1, (const char*)(intptr_t)s->value,
                                 (sqlite3_uint64)s->len, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      case SQLITE_BLOB:
        /* An empty blob is a blob, not NULL. */
        if( s->len==0 ){
          rc = sqlite3_bind_zeroblob(pStmt, i+1, 0);
        }else{
          rc = sqlite3_bind_blob64(pStmt, i+1, (const void*)(intptr_t)s->value,
                                   (sqlite3_uint64)s->len, SQLITE_TRANSIENT);
        }
        break;
      default:
        rc = sqlite3_bind_null(pStmt, i+1);
        break;
    }
  }
  return rc;
}

/* Binds nArg slots (none when nArg<0), runs the statement to completion and
** resets it. out[0] receives the last insert rowid, out[1] the changes. */
EXPORT(ss_exec)
int ss_exec(sqlite3 *db, sqlite3_stmt *pStmt, const ssSlot *aArg, int nArg, int64_t *out){
  int rc = SQLITE_OK;
  if( nArg>=0 ) rc = ssBind(pStmt, aArg, nArg);
  if( rc==SQLITE_OK ){
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    sqlite3_reset(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  out[0] = sqlite3_last_insert_rowid(db);
  out[1] = sqlite3_changes64(db);
  return rc;
}

/* Binds nArg slots (none when nArg<0) and steps. On SQLITE_ROW the first
** nCol columns are written to aRow; text and blob slots point into SQLite's
** memory and stay valid until the next call on this statement. On anything
** else the statement is reset, which releases its locks at once. */
EXPORT(ss_step)
int ss_step(sqlite3_stmt *pStmt, const ssSlot *aArg, int nArg, ssSlot *aRow, int nCol){
  int i, rc = SQLITE_OK;
  if( nArg>=0 ) rc = ssBind(pStmt, aArg, nArg);
  if( rc==SQLITE_OK ) rc = sqlite3_step(pStmt);
  if( rc!=SQLITE_ROW ){
    sqlite3_reset(pStmt);
    return rc;
  }
  for(i=0; i<nCol; i++){
    ssSlot *s = &aRow[i];
    int t = sqlite3_column_type(pStmt, i);
    s->type = t;
    s->len = 0;
    switch( t ){
      case SQLITE_INTEGER:
        s->value = sqlite3_column_int64(pStmt, i);
        break;
      case SQLITE_FLOAT: {
        double d = sqlite3_column_double(pStmt, i);
        memcpy(&s->value, &d, sizeof d);
        break;
      }
      case SQLITE_TEXT:
        s->value = (int64_t)(intptr_t)sqlite3_column_text(pStmt, i);
        s->len = sqlite3_column_bytes(pStmt, i);
        break;
      case SQLITE_BLOB:
        s->value = (int64_t)(intptr_t)sqlite3_column_blob(pStmt, i);
        s->len = sqlite3_column_bytes(pStmt, i);
        break;
      default:
        s->value = 0;
        break;
    }
  }
  return rc;
}

/* Writes the name and declared type (0 when none) of up to nCap columns as
** pointer pairs to out, and returns the number of columns. */
EXPORT(ss_columns)
int ss_columns(sqlite3_stmt *pStmt, int32_t *out, int nCap){
  int i, n = sqlite3_column_count(pStmt);
  for(i=0; i<n && i<nCap; i++){
    out[2*i] = (int32_t)(intptr_t)sqlite3_column_name(pStmt, i);
    out[2*i+1] = (int32_t)(intptr_t)sqlite3_column_decltype(pStmt, i);
  }
  return n;
}
