/* ctk_html_out: sticky-error appenders used by the HTML report writers. Once `rc` is set the
 * later appends are skipped, so a writer checks rc once at the end. */
/* They expect `ctk_code rc` and `ctk_buf *html` in scope. */
#ifndef CTK_HTML_OUT_H
#define CTK_HTML_OUT_H

#include <string.h>

#include "ctk_buf.h"

#define H(s)                                                                                       \
  do {                                                                                             \
    if(!rc)                                                                                        \
      rc = ctk_buf_adds(html, (s));                                                                \
  } while(0)
#define HF(...)                                                                                    \
  do {                                                                                             \
    if(!rc)                                                                                        \
      rc = ctk_buf_printf(html, __VA_ARGS__);                                                      \
  } while(0)
#define HE(s)                                                                                      \
  do {                                                                                             \
    const char *hs_ = (s);                                                                         \
    if(!rc)                                                                                        \
      rc = ctk_buf_add_xml_escaped(html, hs_, strlen(hs_));                                        \
  } while(0)

#endif
