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

typedef struct ssSlot {
  int32_t type;
  int32_t len;
  int64_t value;
} ssSlot;

static int ssProgress(void *unused){
  return ss_host_interrupted();
}

/* Opens a connection (on VFS zVfs, or the default one when 0) with
** extended result codes and the interrupt check. *ppDb is set even on
** failure, so that the caller can read the message and close it. */
EXPORT(ss_open)
int ss_open(const char *zName, int flags, const char *zVfs, sqlite3 **ppDb){
  int rc = sqlite3_open_v2(zName, ppDb, flags, zVfs);
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

/* xDel is SQLITE_TRANSIENT (SQLite copies the bytes) or SQLITE_STATIC (it
** may point at them: only while the caller keeps them until the statement
** is reset and its bindings cleared). */
static int ssBind(sqlite3_stmt *pStmt, const ssSlot *a, int n, void (*xDel)(void*)){
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
                                 (sqlite3_uint64)s->len, xDel, SQLITE_UTF8);
        break;
      case SQLITE_BLOB:
        /* An empty blob is a blob, not NULL. */
        if( s->len==0 ){
          rc = sqlite3_bind_zeroblob(pStmt, i+1, 0);
        }else{
          rc = sqlite3_bind_blob64(pStmt, i+1, (const void*)(intptr_t)s->value,
                                   (sqlite3_uint64)s->len, xDel);
        }
        break;
      default:
        rc = sqlite3_bind_null(pStmt, i+1);
        break;
    }
  }
  return rc;
}

/* Binds nArg slots without running the statement. */
EXPORT(ss_bind)
int ss_bind(sqlite3_stmt *pStmt, const ssSlot *aArg, int nArg){
  return ssBind(pStmt, aArg, nArg, SQLITE_TRANSIENT);
}

/* Binds nArg slots (none when nArg<0), runs the statement to completion and
** resets it. out[0] receives the last insert rowid, out[1] the changes.
** The arguments are bound in place (no copy): the statement is done with
** them when this returns, and its bindings are cleared. */
EXPORT(ss_exec)
int ss_exec(sqlite3 *db, sqlite3_stmt *pStmt, const ssSlot *aArg, int nArg, int64_t *out){
  int rc = SQLITE_OK;
  if( nArg>=0 ) rc = ssBind(pStmt, aArg, nArg, SQLITE_STATIC);
  if( rc==SQLITE_OK ){
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    sqlite3_reset(pStmt);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  if( nArg>0 ) sqlite3_clear_bindings(pStmt);
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
  if( nArg>=0 ) rc = ssBind(pStmt, aArg, nArg, SQLITE_TRANSIENT);
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
** pointer pairs to out, and returns the number of columns; -1 if the
** statement is stale (its connection changed the schema since it was
** prepared), when its columns may be out of date: prepare it again. */
/* Whether the schema this statement was compiled against is no longer the
** connection's: the check OP_Transaction makes at the first step, made
** before the step (it reads only the connection's in-memory schema). */
static int ssStale(sqlite3_stmt *pStmt){
  Vdbe *v = (Vdbe*)pStmt;
  int i;
  if( v->expired ) return 1;
  for(i=0; i<v->nOp; i++){
    VdbeOp *op = &v->aOp[i];
    if( op->opcode==OP_Transaction && op->p5 && op->p1>=0 && op->p1<v->db->nDb ){
      Schema *pSchema = v->db->aDb[op->p1].pSchema;
      if( pSchema && (op->p3!=pSchema->schema_cookie || op->p4.i!=pSchema->iGeneration) ){
        return 1;
      }
    }
  }
  return 0;
}

EXPORT(ss_columns)
int ss_columns(sqlite3_stmt *pStmt, int32_t *out, int nCap){
  int i, n;
  if( ssStale(pStmt) ) return -1;
  n = sqlite3_column_count(pStmt);
  for(i=0; i<n && i<nCap; i++){
    out[2*i] = (int32_t)(intptr_t)sqlite3_column_name(pStmt, i);
    out[2*i+1] = (int32_t)(intptr_t)sqlite3_column_decltype(pStmt, i);
  }
  return n;
}

/*
** Callbacks into Go. Every user function, collation and hook goes through
** one host import, ss_host_callback(kind, id, aux, argc, argv, result):
** the arguments travel as slots, the result comes back as one slot (text
** and blob results in memory the host got from malloc, which SQLite frees
** with free). A result of type SS_ERROR carries an error message.
*/
#define SS_CB_FUNC      1   /* scalar function call */
#define SS_CB_STEP      2   /* aggregate or window step */
#define SS_CB_FINAL     3   /* aggregate or window final */
#define SS_CB_VALUE     4   /* window value */
#define SS_CB_INVERSE   5   /* window inverse */
#define SS_CB_DESTROY   6   /* the function or collation is gone */
#define SS_CB_COLLATE   7   /* collation compare */
#define SS_CB_COMMIT    8   /* commit hook */
#define SS_CB_ROLLBACK  9   /* rollback hook */
#define SS_CB_UPDATE    10  /* update hook */
#define SS_ERROR        6   /* slot type of an error result */

static void ssValueSlot(ssSlot *s, sqlite3_value *v){
  int t = sqlite3_value_type(v);
  s->type = t;
  s->len = 0;
  s->value = 0;
  switch( t ){
    case SQLITE_INTEGER: s->value = sqlite3_value_int64(v); break;
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(v);
      memcpy(&s->value, &d, sizeof d);
      break;
    }
    case SQLITE_TEXT:
      s->value = (int64_t)(intptr_t)sqlite3_value_text(v);
      s->len = sqlite3_value_bytes(v);
      break;
    case SQLITE_BLOB:
      s->value = (int64_t)(intptr_t)sqlite3_value_blob(v);
      s->len = sqlite3_value_bytes(v);
      break;
  }
}

static void ssResult(sqlite3_context *ctx, ssSlot *r){
  void *p = (void*)(intptr_t)r->value;
  switch( r->type ){
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, r->value); break;
    case SQLITE_FLOAT: {
      double d;
      memcpy(&d, &r->value, sizeof d);
      sqlite3_result_double(ctx, d);
      break;
    }
    case SQLITE_TEXT:
      if( p ) sqlite3_result_text64(ctx, p, (sqlite3_uint64)r->len, free, SQLITE_UTF8);
      else sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
      break;
    case SQLITE_BLOB:
      if( p ) sqlite3_result_blob64(ctx, p, (sqlite3_uint64)r->len, free);
      else sqlite3_result_zeroblob(ctx, 0);
      break;
    case SS_ERROR:
      sqlite3_result_error(ctx, p ? (const char*)p : "error in a Go function", r->len);
      free(p);
      break;
    default:
      sqlite3_result_null(ctx);
      break;
  }
}

static void ssCall(sqlite3_context *ctx, int kind, int argc, sqlite3_value **argv, void *aux){
  ssSlot small[8];
  ssSlot *a = small;
  ssSlot r = {SQLITE_NULL, 0, 0};
  int i;
  if( argc>8 ){
    a = malloc(argc*sizeof(ssSlot));
    if( !a ){ sqlite3_result_error_nomem(ctx); return; }
  }
  for(i=0; i<argc; i++) ssValueSlot(&a[i], argv[i]);
  ss_host_callback(kind, (int32_t)(intptr_t)sqlite3_user_data(ctx), aux, argc, a, &r);
  if( a!=small ) free(a);
  ssResult(ctx, &r);
}

/* The aggregate context holds the host's id for this aggregate instance. */
static void *ssAggCtx(sqlite3_context *ctx, int create){
  return sqlite3_aggregate_context(ctx, create ? (int)sizeof(int32_t) : 0);
}

static void ssFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  ssCall(ctx, SS_CB_FUNC, argc, argv, 0);
}

static void ssStep(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  void *agg = ssAggCtx(ctx, 1);
  if( !agg ){ sqlite3_result_error_nomem(ctx); return; }
  ssCall(ctx, SS_CB_STEP, argc, argv, agg);
}

static void ssInverse(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  ssCall(ctx, SS_CB_INVERSE, argc, argv, ssAggCtx(ctx, 1));
}

static void ssFinal(sqlite3_context *ctx){
  ssCall(ctx, SS_CB_FINAL, 0, 0, ssAggCtx(ctx, 0));
}

static void ssValue(sqlite3_context *ctx){
  ssCall(ctx, SS_CB_VALUE, 0, 0, ssAggCtx(ctx, 1));
}

static void ssDestroy(void *pApp){
  ssSlot r = {SQLITE_NULL, 0, 0};
  ss_host_callback(SS_CB_DESTROY, (int32_t)(intptr_t)pApp, 0, 0, 0, &r);
}

/* The kinds of function ss_create_function makes. */
#define SS_KIND_SCALAR     0
#define SS_KIND_AGGREGATE  1
#define SS_KIND_WINDOW     2

/* The host's id becomes the function's user data. */
EXPORT(ss_create_function)
int ss_create_function(sqlite3 *db, const char *zName, int nArg, int flags, int id, int kind){
  void *pApp = (void*)(intptr_t)id;
  switch( kind ){
    case SS_KIND_SCALAR:
      return sqlite3_create_function_v2(db, zName, nArg, flags|SQLITE_UTF8, pApp, ssFunc, 0, 0, ssDestroy);
    case SS_KIND_AGGREGATE:
      return sqlite3_create_function_v2(db, zName, nArg, flags|SQLITE_UTF8, pApp, 0, ssStep, ssFinal, ssDestroy);
    default:
      return sqlite3_create_window_function(db, zName, nArg, flags|SQLITE_UTF8, pApp, ssStep, ssFinal, ssValue, ssInverse, ssDestroy);
  }
}

static int ssCollate(void *pArg, int n1, const void *p1, int n2, const void *p2){
  ssSlot a[2] = {{SQLITE_TEXT, n1, (int64_t)(intptr_t)p1}, {SQLITE_TEXT, n2, (int64_t)(intptr_t)p2}};
  ssSlot r = {SQLITE_INTEGER, 0, 0};
  ss_host_callback(SS_CB_COLLATE, (int32_t)(intptr_t)pArg, 0, 2, a, &r);
  return (int)r.value;
}

EXPORT(ss_create_collation)
int ss_create_collation(sqlite3 *db, const char *zName, int id){
  return sqlite3_create_collation_v2(db, zName, SQLITE_UTF8, (void*)(intptr_t)id, ssCollate, ssDestroy);
}

static int ssCommitHook(void *pArg){
  ssSlot r = {SQLITE_INTEGER, 0, 0};
  ss_host_callback(SS_CB_COMMIT, 0, 0, 0, 0, &r);
  return (int)r.value;
}

static void ssRollbackHook(void *pArg){
  ssSlot r = {SQLITE_NULL, 0, 0};
  ss_host_callback(SS_CB_ROLLBACK, 0, 0, 0, 0, &r);
}

static void ssUpdateHook(void *pArg, int op, const char *zDb, const char *zTbl, sqlite3_int64 rowid){
  ssSlot a[4] = {
    {SQLITE_INTEGER, 0, op},
    {SQLITE_TEXT, (int32_t)strlen(zDb), (int64_t)(intptr_t)zDb},
    {SQLITE_TEXT, (int32_t)strlen(zTbl), (int64_t)(intptr_t)zTbl},
    {SQLITE_INTEGER, 0, rowid},
  };
  ssSlot r = {SQLITE_NULL, 0, 0};
  ss_host_callback(SS_CB_UPDATE, 0, 0, 4, a, &r);
}

/* The hooks ss_hooks turns on, as bits of its mask. */
#define SS_HOOK_COMMIT    1
#define SS_HOOK_ROLLBACK  2
#define SS_HOOK_UPDATE    4

EXPORT(ss_hooks)
void ss_hooks(sqlite3 *db, int mask){
  sqlite3_commit_hook(db, (mask&SS_HOOK_COMMIT) ? ssCommitHook : 0, 0);
  sqlite3_rollback_hook(db, (mask&SS_HOOK_ROLLBACK) ? ssRollbackHook : 0, 0);
  sqlite3_update_hook(db, (mask&SS_HOOK_UPDATE) ? ssUpdateHook : 0, 0);
}

/* Serializes schema zSchema into memory from malloc; writes its size at
** pSize. 0 on failure. */
EXPORT(ss_serialize)
unsigned char *ss_serialize(sqlite3 *db, const char *zSchema, int64_t *pSize){
  sqlite3_int64 n = 0;
  unsigned char *p = sqlite3_serialize(db, zSchema, &n, 0);
  *pSize = n;
  return p;
}
