/* ctk_acd_stream: see ctk_acd_stream.h. */
#include "acd/ctk_acd_stream.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#define ACD_STREAM_CHUNK 16384

int ctk_acd_stream_read(int fd, ctk_buf *in, size_t most)
{
  char chunk[ACD_STREAM_CHUNK];
  size_t want = most < sizeof(chunk) ? most : sizeof(chunk);
  for(;;) {
    ssize_t r = recv(fd, chunk, want, 0);
    if(r == 0)
      return -1;
    if(r < 0) {
      if(errno == EINTR)
        continue;
      return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
    return ctk_buf_add(in, chunk, (size_t)r) ? -1 : 1;
  }
}

void ctk_acd_stream_consume(ctk_buf *in, size_t used)
{
  if(!used)
    return;
  memmove(in->data, in->data + used, in->len - used);
  in->len -= used;
  in->data[in->len] = '\0';
}
