/* fail_fdatasync: an LD_PRELOAD library for the durability test (tests/test_syncfail.c).
 * fdatasync() of a file whose name ends in "-wal" fails with EIO once CTK_FAIL_WAL_SYNC_AFTER
 * such syncs have succeeded, as a dying disk would; every other call is the real one. */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long wal_syncs;

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

int fdatasync(int fd)
{
  static int (*real_fdatasync)(int);
  const char *after = getenv("CTK_FAIL_WAL_SYNC_AFTER");

  if(after && is_wal(fd) && atomic_fetch_add(&wal_syncs, 1) >= atol(after)) {
    errno = EIO;
    return -1;
  }
  if(!real_fdatasync)
    *(void **)&real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  return real_fdatasync ? real_fdatasync(fd) : -1;
}
