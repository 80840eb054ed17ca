/*
** The whole module is one translation unit: the SQLite amalgamation (fetched
** at build time, see build.sh), then a faster memcmp than the libc's, our
** VFS and export glue, so that the compiler can inline across all of it.
*/
#include "sqlite3-binding.c"
#include "memcmp.c"
#include "host.h"
#define EXPORT(name) __attribute__((export_name(#name)))
#include "vfs.c"
#include "glue.c"
