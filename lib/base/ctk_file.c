/* ctk_file: bounded whole-file reads and atomic writes (temporary file, then rename). */
#include "ctk_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

ctk_code ctk_file_read(const char *path, size_t max, ctk_buf *buf)
{
  FILE *f = fopen(path, "rb");
  size_t buf_max = buf->max;
  ctk_code rc;

  if(!f)
    return errno == ENOENT ? CTK_E_NOTFOUND : CTK_E_IO;
  ctk_buf_reset(buf);
  /* The caller's limit for this file, within the buffer's own. */
  if(max < buf->max)
    buf->max = max;
  rc = ctk_buf_add_stream(buf, f);
  buf->max = buf_max;
  fclose(f);
  return rc;
}

ctk_code ctk_file_temp_name(const char *path, char *out, size_t outlen)
{
  /* The process id keeps two writers of one path from sharing a temporary file. */
  int n = snprintf(out, outlen, "%s.tmp.%ld", path, (long)getpid());
  if(n < 0 || (size_t)n >= outlen)
    return CTK_E_TOOBIG;
  return CTK_E_OK;
}

ctk_code ctk_file_commit(const char *tmp, const char *path)
{
  if(rename(tmp, path) != 0) {
    int saved = errno;
    remove(tmp);
    errno = saved;
    return CTK_E_IO;
  }
  return CTK_E_OK;
}

ctk_code ctk_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
  char tmp[4096];
  const char *p = data;
  ctk_code rc;
  int fd;

  rc = ctk_file_temp_name(path, tmp, sizeof(tmp));
  if(rc)
    return rc;
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if(fd < 0)
    return CTK_E_IO;
  while(len > 0) {
    ssize_t n = write(fd, p, len);
    if(n < 0 && errno == EINTR)
      continue;
    if(n <= 0) {
      int saved = errno;
      close(fd);
      remove(tmp);
      errno = saved;
      return CTK_E_IO;
    }
    p += n;
    len -= (size_t)n;
  }
  if(close(fd) != 0) {
    remove(tmp);
    return CTK_E_IO;
  }
  return ctk_file_commit(tmp, path);
}

ctk_code ctk_file_private(const char *path)
{
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  int failed;

  if(fd < 0)
    return CTK_E_IO;
  failed = fchmod(fd, 0600) != 0;
  close(fd);
  return failed ? CTK_E_IO : CTK_E_OK;
}

ctk_code ctk_file_write_port(const char *path, int port)
{
  char text[32];
  int n = snprintf(text, sizeof(text), "%d\n", port);
  return ctk_file_write_atomic(path, text, (size_t)n, 0644);
}
