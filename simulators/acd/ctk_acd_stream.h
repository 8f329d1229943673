/* ctk_acd_stream: reading a nonblocking TCP connection of the queue machine (SIP over TCP)
 * into its bounded input buffer, and dropping the frames already handled from the front. */
#ifndef CTK_ACD_STREAM_H
#define CTK_ACD_STREAM_H

#include <stddef.h>

#include "ctk_buf.h"

/* Reads at most `most` bytes (capped at 16 KiB) from fd and appends them to in.
 * Returns 1 when bytes were added, 0 when nothing is waiting (EAGAIN), -1 when the peer closed,
 * the read failed or in would grow past its maximum: the connection must then be dropped. */
int ctk_acd_stream_read(int fd, ctk_buf *in, size_t most);

/* Drops the first `used` bytes of in (frames already handled), keeping it NUL-terminated. */
void ctk_acd_stream_consume(ctk_buf *in, size_t used);

#endif
