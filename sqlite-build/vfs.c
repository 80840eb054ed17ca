/*
** The "stablesqlite" VFS: SQLite's OS layer, reduced to calls over the host
** ABI (host.h). It keeps no state of its own beyond a host handle per open
** file, so every decision about storage, locking and durability is made by
** the Go backend on the other side.
**
** Shape borrowed from SQLite's test_demovfs.c: one sqlite3_file subclass,
** one io_methods table, one sqlite3_vfs.
**
** Shared memory for WAL: the guest sets aside page-aligned memory for each
** region of the WAL index, and the host maps the index's region there
** (MAP_SHARED), so that every connection, in this process or another, works
** on the same bytes, as native SQLite's connections do.
*/

/* Regions are mapped at addresses aligned to this: a multiple of every
** system's page size. */
#define SS_SHM_ALIGN 65536

typedef struct ssFile {
  sqlite3_file base;
  int32_t h;       /* host handle */
  int32_t iocap;   /* SQLITE_IOCAP_* from the host */
  int32_t sector;  /* sector size from the host */
  int nShm;        /* entries in apShm */
  void **apShm;    /* the shm regions, mapped by the host into this memory */
} ssFile;

/* Frees the memory of the regions, once the host has unmapped them (and
** put private pages back). */
static void ssShmFree(ssFile *p){
  int i;
  for(i=0; i<p->nShm; i++) free(p->apShm[i]);
  sqlite3_free(p->apShm);
  p->apShm = 0;
  p->nShm = 0;
}

static int ssClose(sqlite3_file *f){
  ssFile *p = (ssFile*)f;
  if( p->nShm ){
    ss_host_shm_unmap(p->h, 0);  /* SQLite unmaps first; this is in case */
    ssShmFree(p);
  }
  return ss_host_close(p->h);
}

static int ssRead(sqlite3_file *f, void *p, int n, sqlite3_int64 off){
  return ss_host_read(((ssFile*)f)->h, off, p, n);
}

static int ssWrite(sqlite3_file *f, const void *p, int n, sqlite3_int64 off){
  return ss_host_write(((ssFile*)f)->h, off, p, n);
}

static int ssTruncate(sqlite3_file *f, sqlite3_int64 size){
  return ss_host_truncate(((ssFile*)f)->h, size);
}

static int ssSync(sqlite3_file *f, int flags){
  return ss_host_sync(((ssFile*)f)->h, flags);
}

static int ssFileSize(sqlite3_file *f, sqlite3_int64 *pSize){
  int64_t size = 0;
  int rc = ss_host_size(((ssFile*)f)->h, &size);
  *pSize = size;
  return rc;
}

static int ssLock(sqlite3_file *f, int level){
  return ss_host_lock(((ssFile*)f)->h, level);
}

static int ssUnlock(sqlite3_file *f, int level){
  return ss_host_unlock(((ssFile*)f)->h, level);
}

static int ssCheckReservedLock(sqlite3_file *f, int *pOut){
  int32_t out = 0;
  int rc = ss_host_check_reserved(((ssFile*)f)->h, &out);
  *pOut = out;
  return rc;
}

/* Only the controls a backend can act on cross to the host; the rest are
** answered here so that ordinary statements cost no extra crossing. */
static int ssFileControl(sqlite3_file *f, int op, void *pArg){
  switch( op ){
    case SQLITE_FCNTL_SIZE_HINT:
      return ss_host_control(((ssFile*)f)->h, op, *(sqlite3_int64*)pArg);
    case SQLITE_FCNTL_BEGIN_ATOMIC_WRITE:
    case SQLITE_FCNTL_COMMIT_ATOMIC_WRITE:
    case SQLITE_FCNTL_ROLLBACK_ATOMIC_WRITE:
    /* Sent to the main database once a transaction's writes are done, in
    ** every journal mode and synchronous setting (its error is COMMIT's):
    ** a backend that holds writes back lands them here. */
    case SQLITE_FCNTL_COMMIT_PHASETWO:
      return ss_host_control(((ssFile*)f)->h, op, 0);
  }
  return SQLITE_NOTFOUND;
}

static int ssSectorSize(sqlite3_file *f){
  return ((ssFile*)f)->sector;
}

static int ssDeviceCharacteristics(sqlite3_file *f){
  return ((ssFile*)f)->iocap;
}

/* The host answers SQLITE_NOTFOUND when the region does not exist and
** bExtend is false. */
static int ssShmMap(sqlite3_file *f, int iRegion, int szRegion, int bExtend,
                    void volatile **pp){
  ssFile *p = (ssFile*)f;
  int rc;
  *pp = 0;
  if( iRegion>=p->nShm ){
    void **a = sqlite3_realloc64(p->apShm, (iRegion+1)*sizeof(void*));
    if( !a ) return SQLITE_IOERR_NOMEM;
    memset(&a[p->nShm], 0, (iRegion+1-p->nShm)*sizeof(void*));
    p->apShm = a;
    p->nShm = iRegion+1;
  }
  if( p->apShm[iRegion]==0 ){
    void *buf = aligned_alloc(SS_SHM_ALIGN, szRegion);
    if( !buf ) return SQLITE_IOERR_NOMEM;
    rc = ss_host_shm_map(p->h, iRegion, szRegion, bExtend, buf);
    if( rc==SQLITE_NOTFOUND ){
      free(buf);
      return SQLITE_OK;
    }
    if( rc!=SQLITE_OK ){
      free(buf);
      return rc;
    }
    p->apShm[iRegion] = buf;
  }
  *pp = p->apShm[iRegion];
  return SQLITE_OK;
}

static int ssShmLock(sqlite3_file *f, int offset, int n, int flags){
  return ss_host_shm_lock(((ssFile*)f)->h, offset, n, flags);
}

void ss_fence(void); /* fence.c */

static void ssShmBarrier(sqlite3_file *f){
  (void)f;
  ss_fence();
}

static int ssShmUnmap(sqlite3_file *f, int deleteFlag){
  ssFile *p = (ssFile*)f;
  int rc = ss_host_shm_unmap(p->h, deleteFlag);
  ssShmFree(p);
  return rc;
}

static const sqlite3_io_methods ssIoMethods = {
  2,                        /* iVersion: shared memory, no mmap */
  ssClose,
  ssRead,
  ssWrite,
  ssTruncate,
  ssSync,
  ssFileSize,
  ssLock,
  ssUnlock,
  ssCheckReservedLock,
  ssFileControl,
  ssSectorSize,
  ssDeviceCharacteristics,
  ssShmMap,
  ssShmLock,
  ssShmBarrier,
  ssShmUnmap,
};

/* The host's backend number of a VFS: 0 for the default one. */
static int32_t ssVfsId(sqlite3_vfs *vfs){
  return (int32_t)(intptr_t)vfs->pAppData;
}

static int ssOpen(sqlite3_vfs *vfs, sqlite3_filename zName, sqlite3_file *f,
                  int flags, int *pOutFlags){
  ssFile *p = (ssFile*)f;
  ssOpenResult res = {0, 0, 0, 0};
  int rc = ss_host_open(ssVfsId(vfs), zName, zName ? (int32_t)strlen(zName) : 0, flags, &res);
  p->base.pMethods = 0;   /* SQLite must not call xClose after a failed open */
  if( rc!=SQLITE_OK ) return rc;
  memset(p, 0, sizeof(*p));
  p->h = res.handle;
  p->iocap = res.iocap;
  p->sector = res.sector>0 ? res.sector : 4096;
  p->base.pMethods = &ssIoMethods;
  if( pOutFlags ) *pOutFlags = res.flags;
  return SQLITE_OK;
}

static int ssDelete(sqlite3_vfs *vfs, const char *zName, int syncDir){
  return ss_host_delete(ssVfsId(vfs), zName, (int32_t)strlen(zName), syncDir);
}

static int ssAccess(sqlite3_vfs *vfs, const char *zName, int flags, int *pOut){
  int32_t out = 0;
  int rc = ss_host_access(ssVfsId(vfs), zName, (int32_t)strlen(zName), flags, &out);
  *pOut = out;
  return rc;
}

/* The backend says what a name means (a relative path is made absolute,
** so that a journal is named after its database wherever the process
** goes). */
static int ssFullPathname(sqlite3_vfs *vfs, const char *zName, int nOut, char *zOut){
  return ss_host_fullpath(ssVfsId(vfs), zName, (int32_t)strlen(zName), zOut, nOut);
}

static int ssRandomness(sqlite3_vfs *vfs, int n, char *p){
  ss_host_random(p, n);
  return n;
}

static int ssSleep(sqlite3_vfs *vfs, int micros){
  return ss_host_sleep(micros);
}

static int ssCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *pNow){
  /* Julian day number in milliseconds at the Unix epoch. */
  *pNow = (sqlite3_int64)210866760000000LL + ss_host_time();
  return SQLITE_OK;
}

static int ssCurrentTime(sqlite3_vfs *vfs, double *pNow){
  sqlite3_int64 ms;
  ssCurrentTimeInt64(vfs, &ms);
  *pNow = ms/86400000.0;
  return SQLITE_OK;
}

static int ssGetLastError(sqlite3_vfs *vfs, int n, char *z){
  return 0;
}

static sqlite3_vfs ssVfs = {
  2,                  /* iVersion */
  sizeof(ssFile),     /* szOsFile */
  512,                /* mxPathname */
  0,                  /* pNext */
  "stablesqlite",     /* zName */
  0,                  /* pAppData */
  ssOpen,
  ssDelete,
  ssAccess,
  ssFullPathname,
  0, 0, 0, 0,         /* no loadable extensions */
  ssRandomness,
  ssSleep,
  ssCurrentTime,
  ssGetLastError,
  ssCurrentTimeInt64,
};

/* Registers the VFS zName, the same VFS over the host's backend number id
** (see wasm/ABI.md): one per registered backend, by its name, so that a URI
** can name one (vfs=heap), and one for each other backend a connection
** reaches (its own, a backup's source). */
EXPORT(ss_register_vfs)
int ss_register_vfs(int id, const char *zName){
  sqlite3_vfs *p;
  int n = (int)strlen(zName);
  if( sqlite3_vfs_find(zName) ) return SQLITE_OK;
  p = sqlite3_malloc(sizeof(*p) + n + 1);
  if( !p ) return SQLITE_NOMEM;
  *p = ssVfs;
  p->zName = (char*)&p[1];
  memcpy((char*)&p[1], zName, n + 1);
  p->pAppData = (void*)(intptr_t)id;
  return sqlite3_vfs_register(p, 0);
}

/* SQLite's 'localtime' and 'utc' date modifiers call localtime_r; there is
** no time zone data in the sandbox, so the host says the offset. */
struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm){
  time_t local = *t + ss_host_tz_offset((int64_t)*t);
  struct tm *r = gmtime_r(&local, tm);
  if( r ) r->tm_gmtoff = (long)(local - *t);
  return r;
}

/* With SQLITE_OS_OTHER the application supplies the OS layer. */
int sqlite3_os_init(void){
  return sqlite3_vfs_register(&ssVfs, 1);
}

int sqlite3_os_end(void){
  return SQLITE_OK;
}
