/*
** The host ABI: every function the module imports. All of them come from the
** one import module "stablesqlite2"; wasm/ABI.md documents each, and a test in
** wasm/ fails when the compiled module imports anything not documented there.
**
** Conventions: pointers and lengths are offsets into this module's linear
** memory; file offsets and sizes are 64-bit; every storage call returns a
** SQLite result code (SQLITE_OK on success). `vfs` names the backend: 0 is
** the connection's own, others are added by ss_register_vfs (for backups
** from another backend).
*/
#ifndef STABLESQLITE_HOST_H
#define STABLESQLITE_HOST_H

#include <stdint.h>

#define HOST(name) __attribute__((import_module("stablesqlite2"), import_name(#name)))

/* Result of a successful volume open, written by vol_open at `out`. */
typedef struct {
  int32_t handle;   /* host handle, > 0 */
  int32_t iocap;    /* SQLITE_IOCAP_* bits */
  int32_t flags;    /* the SQLITE_OPEN_* flags actually granted */
  int32_t sector;   /* sector size in bytes */
} ssOpenResult;

HOST(vol_open)     int32_t ss_host_open(int32_t vfs, const char *zName, int32_t nName, int32_t flags, ssOpenResult *out);
HOST(vol_close)    int32_t ss_host_close(int32_t h);
HOST(vol_read)     int32_t ss_host_read(int32_t h, int64_t off, void *p, int32_t n);
HOST(vol_write)    int32_t ss_host_write(int32_t h, int64_t off, const void *p, int32_t n);
HOST(vol_size)     int32_t ss_host_size(int32_t h, int64_t *out);
HOST(vol_truncate) int32_t ss_host_truncate(int32_t h, int64_t size);
HOST(vol_sync)     int32_t ss_host_sync(int32_t h, int32_t flags);
HOST(vol_lock)     int32_t ss_host_lock(int32_t h, int32_t level);
HOST(vol_unlock)   int32_t ss_host_unlock(int32_t h, int32_t level);
HOST(vol_check_reserved) int32_t ss_host_check_reserved(int32_t h, int32_t *out);
HOST(vol_control)  int32_t ss_host_control(int32_t h, int32_t op, int64_t arg);
HOST(shm_map)      int32_t ss_host_shm_map(int32_t h, int32_t region, int32_t size, int32_t extend, void *buf);
HOST(shm_lock)     int32_t ss_host_shm_lock(int32_t h, int32_t offset, int32_t n, int32_t flags);
HOST(shm_unmap)    int32_t ss_host_shm_unmap(int32_t h, int32_t deleteFlag);
HOST(vfs_delete)   int32_t ss_host_delete(int32_t vfs, const char *zName, int32_t nName, int32_t syncDir);
HOST(vfs_access)   int32_t ss_host_access(int32_t vfs, const char *zName, int32_t nName, int32_t flags, int32_t *out);
HOST(vfs_fullpath) int32_t ss_host_fullpath(int32_t vfs, const char *zName, int32_t nName, char *zOut, int32_t nOut);

/* One dispatch for every callback into Go: user functions, collations and
** hooks. argv points to argc slots (see glue.c), result to one slot the
** host fills; aux is the aggregate context, or 0. */
HOST(callback)     int32_t ss_host_callback(int32_t kind, int32_t id, void *aux, int32_t argc, void *argv, void *result);

HOST(sys_time)        int64_t ss_host_time(void);          /* Unix time in milliseconds */
HOST(sys_tz_offset)   int32_t ss_host_tz_offset(int64_t t); /* seconds east of UTC at Unix time t, in the host's zone */
HOST(sys_random)      void    ss_host_random(void *p, int32_t n);
HOST(sys_sleep)       int32_t ss_host_sleep(int32_t micros); /* returns microseconds slept */
HOST(sys_interrupted) int32_t ss_host_interrupted(void);     /* nonzero: abandon the statement */

#endif
