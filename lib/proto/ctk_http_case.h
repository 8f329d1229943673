/* ctk_http_case: one request file of the hostile catalogue (fixtures/hostile/README.md): its
 * request line, headers, X-Ctk- directives and body, read the same way by the runner and tests. */
#ifndef CTK_HTTP_CASE_H
#define CTK_HTTP_CASE_H

#include <stddef.h>

#include "ctk_error.h"

/* The directives of one file; an absent directive is "". */
typedef struct ctk_http_case {
  char method[16];
  char path[512];
  char auth[32];              /* X-Ctk-Auth: city, other-city, wrong-password, none */
  char before[128];           /* X-Ctk-Before: a file to send first */
  char generate[128];         /* X-Ctk-Generate: body|attributes|header ... */
  char expect_status[64];     /* X-Ctk-Expect-Status: 200, 200|413, 0 ... */
  char expect_result[128];    /* X-Ctk-Expect-Result: result names, FAULT, !OK, - */
  char expect_translated[128]; /* X-Ctk-Expect-Translated: the above, once translated */
  char expect_where[8];       /* X-Ctk-Expect-Where: yes, any */
  char stores[16];            /* X-Ctk-Stores: no, nothing, yes */
  char echo[64];              /* X-Ctk-Echo: an element whose text must come back */
  char framing[16];           /* X-Ctk-Framing: as-written */
  size_t body_offset;         /* where the body starts in the text (after the empty line) */
  int has_body;               /* 0: the file has no empty line, so no body */
} ctk_http_case;

/* Called for each header line that is not a directive, in file order; name and value are
 * not NUL-ended (the value may be megabytes long: the catalogue's long-header cases). A
 * non-zero return stops the reading with that code. */
typedef ctk_code (*ctk_http_case_header_fn)(void *ctx, const char *name, size_t name_len,
                                            const char *value, size_t value_len);

/* Reads the header block of text (LF or CRLF lines; '#' lines are comments) into c and calls
 * on_header (may be NULL) for every real header. CTK_E_PARSE, with the line and why in err,
 * for a missing or malformed request line, a line without a colon, a directive this reader
 * does not know or a value longer than its field. */
ctk_code ctk_http_case_read(const char *text, size_t len, ctk_http_case *c,
                            ctk_http_case_header_fn on_header, void *ctx, char *err,
                            size_t errlen);

/* The checks every catalogue file must pass beyond its syntax: the expectations a sender
 * needs (status, result, credentials). CTK_E_INVALID with the missing directive in err. */
ctk_code ctk_http_case_complete(const ctk_http_case *c, char *err, size_t errlen);

#endif
