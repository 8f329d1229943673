/* fail_wal: an LD_PRELOAD library for the durability tests (tests/test_syncfail.c): a disk that
 * fails under the store's WAL (a file whose name ends in "-wal"), as a dying disk would.
 *   CTK_FAIL_WAL_SYNC_AFTER=N   every fdatasync after the first N fails with EIO;
 *   CTK_FAIL_WAL_WRITE_AFTER=N  pwrite number N+1 and the next CTK_FAIL_WAL_WRITE_COUNT (1)
 *                               fail with EIO, then writes succeed again.
 * Every other call is the real one. */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_long wal_syncs;
static atomic_long wal_writes;

static int is_wal(int fd)
{
  char link[64];
  char path[4096];
  ssize_t n;

  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, path, sizeof(path) - 1);
  if(n < 4)
    return 0;
  path[n] = '\0';
  return !strcmp(path + n - 4, "-wal");
}

static void *real(const char *name)
{
  return dlsym(RTLD_NEXT, name);
}

int fdatasync(int fd)
{
  int (*real_fdatasync)(int);
  const char *after = getenv("CTK_FAIL_WAL_SYNC_AFTER");

  if(after && is_wal(fd) && atomic_fetch_add(&wal_syncs, 1) >= atol(after)) {
    errno = EIO;
    return -1;
  }
  *(void **)&real_fdatasync = real("fdatasync");
  return real_fdatasync ? real_fdatasync(fd) : -1;
}

/* 1 when this write to fd is one of those that must fail. */
static int write_fails(int fd)
{
  const char *after = getenv("CTK_FAIL_WAL_WRITE_AFTER");
  const char *count = getenv("CTK_FAIL_WAL_WRITE_COUNT");
  long first;
  long n;
  long k;

  if(!after || !is_wal(fd))
    return 0;
  first = atol(after);
  n = count ? atol(count) : 1;
  k = atomic_fetch_add(&wal_writes, 1);
  return k >= first && k < first + n;
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t at)
{
  ssize_t (*real_pwrite)(int, const void *, size_t, off_t);

  if(write_fails(fd)) {
    errno = EIO;
    return -1;
  }
  *(void **)&real_pwrite = real("pwrite64");
  return real_pwrite ? real_pwrite(fd, buf, len, at) : -1;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t at)
{
  return pwrite64(fd, buf, len, at);
}
