/* ctk_cti_wire: the CTI wire formats both ends share, the queue machine (server, simulators/acd)
 * and the city's docking (client, simulators/city): blank-line blocks, "Key: Value" headers,
 * URL encoding (AMI, ESL) and the CSTA frame header. No sockets, no state. */
#ifndef CTK_CTI_WIRE_H
#define CTK_CTI_WIRE_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"

/* What both ends assume unless told otherwise: the one queue's name (AMI; ESL adds "@default";
 * CSTA's queue device) and the families' usual credentials. */
#define CTK_CTI_QUEUE "12328"
#define CTK_CTI_AMI_USER "ctk"
#define CTK_CTI_AMI_SECRET "ctk12328"
#define CTK_CTI_ESL_PASSWORD "ClueCon"
#define CTK_CTI_AMI_PORT 5038
#define CTK_CTI_ESL_PORT 8021
#define CTK_CTI_CSTA_PORT 5071
/* AMI's header names both ends read (they happen to be element names of the baseline too) */
#define CTK_CTI_AMI_EVENT "Event"              /* not the profile's */
#define CTK_CTI_AMI_MESSAGE "Message"          /* not the profile's */

/* ---------- blocks of lines ended by a blank line (an AMI message, an ESL command or header) */

/* Where a block that starts at data ends, just past the blank line ("\n\n" or "\n\r\n"); 0 when
 * it has not ended yet. */
size_t ctk_cti_block_end(const char *data, size_t len);
/* The next such block: blank lines before it (which carry nothing) are counted into *skip;
 * returns the block's length from data + *skip, 0 when it has not ended yet. */
size_t ctk_cti_next_block(const char *data, size_t len, size_t *skip);

/* ---------- "Key: Value" header lines ---------- */

#define CTK_CTI_HEADERS_MAX 64

typedef struct ctk_cti_headers {
  const char *key[CTK_CTI_HEADERS_MAX];
  const char *val[CTK_CTI_HEADERS_MAX];
  size_t n;
  const char *problem;         /* why the block cannot be read (AMI's own wording); NULL if it can */
} ctk_cti_headers;

/* Splits text (NUL-terminated, modified in place; lines end in LF or CRLF) into headers. A line
 * without a colon or beyond CTK_CTI_HEADERS_MAX sets problem and stops. */
void ctk_cti_headers_parse(char *text, ctk_cti_headers *h);
/* The value of key (case-insensitive), or NULL. */
const char *ctk_cti_header(const ctk_cti_headers *h, const char *key);

/* ---------- URL encoding of ESL's plain events ---------- */

/* Percent-encodes everything but letters, digits and -_.~ (what FreeSWITCH's plain events do). */
void ctk_cti_urlencode(ctk_buf *b, const char *s);
/* Decodes %XX (and '+' as a space) in place; a malformed escape is kept as it is. */
void ctk_cti_urldecode(char *s);

/* ---------- CSTA XML over TCP: the frame header (docs/ACD.md) ---------- */

/* Edition 5's namespace (answers and events), and our private data's (times, recording). */
#define CTK_CSTA_NS "http://www.ecma-international.org/standards/ecma-323/csta/ed5"
#define CTK_CSTA_PRIVATE_NS "urn:ctk12328:acd:1"

/* 0x00 0x00, total length (header included, 2 bytes big-endian), invokeID as 4 ASCII digits.
 * Unsolicited events carry invokeID 9999. */
#define CTK_CSTA_HEADER_LEN 8
#define CTK_CSTA_EVENT_INVOKE_ID 9999u
#define CTK_CSTA_FRAME_MAX 65535u

/* Appends header + xml to out. CTK_E_TOOBIG beyond CTK_CSTA_FRAME_MAX. */
ctk_code ctk_cti_csta_frame(ctk_buf *out, unsigned invoke_id, const char *xml, size_t len);
/* Looks for one whole frame at the start of data. Returns 1 and sets *frame_len and *invoke_id
 * when there is one, 0 when more bytes are needed, -1 when the header is not ours. */
int ctk_cti_csta_frame_next(const unsigned char *data, size_t len, size_t *frame_len,
                            unsigned *invoke_id);

#endif
