/* ctk_xml_safe: hostile-input-proof XML parsing on libxml2.
 *
 * Why the encoding is converted with iconv before libxml2 sees the bytes: libxml2 2.9 reports
 * input-conversion failures without a parser context, i.e. through the process-global error
 * channel (stderr) and then only as a truncated document. Converting first gives a precise
 * ENCODING answer with the byte offset and keeps every libxml2 error on the per-context
 * structured handler. libxml2 then parses UTF-8 with XML_PARSE_IGNORE_ENC. Input that is
 * already clean UTF-8 (the usual case) skips the conversion and is parsed where it lies. A NUL
 * byte ends it there: libxml2 would read NULs at the start as UTF-16 or UCS-4 on its own. */
#include "ctk_xml_safe.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "ctk_buf.h"

/* ---------- once ---------- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static pcre2_code *xml_decl_re;

/* The encoding pseudo-attribute of an XML declaration (optionally after a UTF-8 BOM). */
static const char XML_DECL_PATTERN[] =
  "^(?:\\xEF\\xBB\\xBF)?<\\?xml\\s+version\\s*=\\s*(?:\"[^\"]*\"|'[^']*')"
  "\\s+encoding\\s*=\\s*(?:\"([A-Za-z][A-Za-z0-9._-]*)\"|'([A-Za-z][A-Za-z0-9._-]*)')";

static void xml_init_once(void)
{
  int errcode;
  PCRE2_SIZE erroff;

  xmlInitParser();
  xml_decl_re = pcre2_compile((PCRE2_SPTR)XML_DECL_PATTERN, PCRE2_ZERO_TERMINATED, 0, &errcode,
                              &erroff, NULL);
  if(xml_decl_re)
    pcre2_jit_compile(xml_decl_re, PCRE2_JIT_COMPLETE); /* optional speed-up, as in ctk_validate */
}

void ctk_xml_init(void)
{
  pthread_once(&xml_once, xml_init_once);
}

static void fault_set(ctk_xml_fault *f, const char *result, const char *rule, int line,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fault_set(ctk_xml_fault *f, const char *result, const char *rule, int line,
                      const char *fmt, ...)
{
  va_list ap;
  f->result = result;
  f->rule = rule;
  f->line = line;
  va_start(ap, fmt);
  vsnprintf(f->text, sizeof(f->text), fmt, ap);
  va_end(ap);
}

/* ---------- declared encoding ---------- */

int ctk_xml_declared_encoding(const char *data, size_t len, char *out, size_t outlen)
{
  pcre2_match_data *md;
  PCRE2_SIZE *ov;
  size_t head = len < 512 ? len : 512;
  int rc;
  int group;

  ctk_xml_init();
  out[0] = '\0';
  if(!xml_decl_re)
    return -1;
  md = pcre2_match_data_create_from_pattern(xml_decl_re, NULL);
  if(!md)
    return -1;
  rc = pcre2_match(xml_decl_re, (PCRE2_SPTR)data, head, 0, 0, md, NULL);
  if(rc < 0) {
    pcre2_match_data_free(md);
    /* No encoding pseudo-attribute. A declaration with one we could not read is an error;
     * the word elsewhere in the document is not. */
    if(head >= 5 && !memcmp(data, "<?xml", 5)) {
      const char *end = memmem(data, head, "?>", 2);
      if(end && memmem(data, (size_t)(end - data), "encoding", 8))
        return -1;
    }
    return 0;
  }
  ov = pcre2_get_ovector_pointer(md);
  group = (rc > 1 && ov[2] != PCRE2_UNSET) ? 1 : 2;
  if(ov[2 * group] != PCRE2_UNSET) {
    size_t n = ov[2 * group + 1] - ov[2 * group];
    if(n >= outlen)
      n = outlen - 1;
    memcpy(out, data + ov[2 * group], n);
    out[n] = '\0';
  }
  pcre2_match_data_free(md);
  return 0;
}

/* ---------- encoding conversion ---------- */

static int transcode_to_utf8(const char *enc, const char *data, size_t len, ctk_buf *out,
                             ctk_xml_fault *f)
{
  iconv_t cd = iconv_open("UTF-8", enc);
  char *in = (char *)data;
  size_t inleft = len;

  if(cd == (iconv_t)-1) {
    fault_set(f, "ENCODING", "encoding", 0, "unsupported encoding \"%s\"", enc);
    return -1;
  }
  while(inleft > 0) {
    char chunk[4096];
    char *outp = chunk;
    size_t outleft = sizeof(chunk);
    size_t r = iconv(cd, &in, &inleft, &outp, &outleft);
    int saved = errno;

    if(ctk_buf_add(out, chunk, sizeof(chunk) - outleft)) {
      iconv_close(cd);
      fault_set(f, "TOO_LARGE", "size", 0, "message too large once converted to UTF-8");
      return -1;
    }
    if(r == (size_t)-1 && saved != E2BIG) {
      iconv_close(cd);
      if(saved == EINVAL)
        fault_set(f, "ENCODING", "encoding", 0, "incomplete %s sequence at byte %zu", enc,
                  (size_t)(in - data));
      else
        fault_set(f, "ENCODING", "encoding", 0, "byte %zu is not valid %s", (size_t)(in - data),
                  enc);
      return -1;
    }
  }
  iconv_close(cd);
  return 0;
}

/* ---------- the parser ---------- */

typedef struct parse_state {
  const ctk_xml_limits *lim;
  int depth;
  long elements;
  size_t text;
  int too_deep;
  const char *over;            /* the shape limit the document passed ("attributes"...), or NULL */
  long over_limit;
  int over_line;
  int forbidden;
  int err_code;                /* first libxml2 error */
  int err_line;
  char err_text[200];
} parse_state;

static parse_state *state_of(void *ctx)
{
  return (parse_state *)((xmlParserCtxtPtr)ctx)->_private;
}

static void on_error(void *ctx, xmlErrorPtr e)
{
  parse_state *st = state_of(ctx);
  size_t n;

  if(st->err_code || !e || e->level < XML_ERR_ERROR)
    return;
  st->err_code = e->code;
  st->err_line = e->line;
  ctk_strlcpy(st->err_text, e->message ? e->message : "parse error", sizeof(st->err_text));
  n = strlen(st->err_text);
  while(n > 0 && (st->err_text[n - 1] == '\n' || st->err_text[n - 1] == ' '))
    st->err_text[--n] = '\0';
}

/* Any DOCTYPE, internal or external, ends the parse: no DTD means no entity can be declared,
 * so no external entity can be fetched and no expansion bomb can be built. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
  (void)name;
  (void)external_id;
  (void)system_id;
  state_of(ctx)->forbidden = 1;
  xmlStopParser((xmlParserCtxtPtr)ctx);
}

/* The document passed a shape limit: stop here, before libxml2 builds more of it. */
static void stop_over(void *ctx, const char *what, long limit)
{
  parse_state *st = state_of(ctx);
  st->over = what;
  st->over_limit = limit;
  st->over_line = xmlSAX2GetLineNumber(ctx);
  xmlStopParser((xmlParserCtxtPtr)ctx);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
  parse_state *st = state_of(ctx);
  const ctk_xml_limits *lim = st->lim;

  st->depth++;
  if(lim->max_depth > 0 && st->depth > lim->max_depth) {
    st->too_deep = 1;
    xmlStopParser((xmlParserCtxtPtr)ctx);
    return;
  }
  if(lim->max_attributes > 0 && nb_attributes + nb_namespaces > lim->max_attributes) {
    stop_over(ctx, "attributes on one element", lim->max_attributes);
    return;
  }
  if(lim->max_elements > 0 && ++st->elements > lim->max_elements) {
    stop_over(ctx, "elements", lim->max_elements);
    return;
  }
  xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                        nb_defaulted, attributes);
}

/* Character data (CDATA sections arrive here too: XML_PARSE_NOCDATA). */
static void on_text(void *ctx, const xmlChar *ch, int len)
{
  parse_state *st = state_of(ctx);

  st->text += len > 0 ? (size_t)len : 0;
  if(st->lim->max_text && st->text > st->lim->max_text) {
    stop_over(ctx, "bytes of text", (long)st->lim->max_text);
    return;
  }
  xmlSAX2Characters(ctx, ch, len);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri)
{
  state_of(ctx)->depth--;
  xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static void classify(const parse_state *st, ctk_xml_fault *f)
{
  if(st->forbidden)
    fault_set(f, "FORBIDDEN", "forbidden", st->err_line, "a DOCTYPE (DTD) is not allowed");
  else if(st->too_deep)
    fault_set(f, "TOO_LARGE", "depth", 0, "elements nested deeper than %d", st->lim->max_depth);
  else if(st->over)
    fault_set(f, "TOO_LARGE", "size", st->over_line, "more than %ld %s", st->over_limit,
              st->over);
  else if(st->err_code == XML_ERR_UNDECLARED_ENTITY || st->err_code == XML_WAR_UNDECLARED_ENTITY)
    fault_set(f, "FORBIDDEN", "forbidden", st->err_line, "%s", st->err_text);
  else if(st->err_code)
    fault_set(f, "MALFORMED", "envelope", st->err_line, "%s", st->err_text);
  else
    fault_set(f, "MALFORMED", "envelope", 0, "no document element");
}

/* Where the text after from ends: the first end, or NULL. */
static const char *scan_past(const char *from, const char *end, const char *mark)
{
  const char *at = memmem(from, (size_t)(end - from), mark, strlen(mark));
  return at ? at + strlen(mark) : NULL;
}

/* The first pass over the bytes, before libxml2 sees them: no start tag may carry more than
 * max attributes. libxml2 reads all of a tag's attributes and compares every one with every
 * other (its duplicate check) before any callback could stop it: 90,000 of them took 13 s of
 * CPU. This pass only counts: each attribute (or namespace declaration) has one '=' outside
 * its quoted value; comments, CDATA sections and processing instructions are stepped over, and
 * at a DOCTYPE it stops (the parser refuses that at once). Returns -1 with f set when a tag has
 * too many, 0 otherwise (anything else wrong is the parser's to say). */
static int prescan_attributes(const char *data, size_t len, int max, ctk_xml_fault *f)
{
  const char *p = data;
  const char *end = data + len;

  if(max <= 0)
    return 0;
  while(p && p < end) {
    long attributes = 0;
    char quote = 0;
    const char *tag;

    p = memchr(p, '<', (size_t)(end - p));
    if(!p || end - p < 2)
      return 0;
    if(end - p >= 4 && !memcmp(p, "<!--", 4)) {
      p = scan_past(p + 4, end, "-->");
      continue;
    }
    if(end - p >= 9 && !memcmp(p, "<![CDATA[", 9)) {
      p = scan_past(p + 9, end, "]]>");
      continue;
    }
    if(p[1] == '!')
      return 0;
    if(p[1] == '?') {
      p = scan_past(p + 2, end, "?>");
      continue;
    }
    tag = p;
    for(p++; p < end; p++) {
      if(quote) {
        if(*p == quote)
          quote = 0;
      }
      else if(*p == '"' || *p == '\'')
        quote = *p;
      else if(*p == '>')
        break;
      else if(*p == '=' && ++attributes > max) {
        const char *q;
        int line = 1;
        for(q = memchr(data, '\n', (size_t)(tag - data)); q;
            q = memchr(q + 1, '\n', (size_t)(tag - q - 1)))
          line++;
        fault_set(f, "TOO_LARGE", "size", line, "more than %d attributes on one element", max);
        return -1;
      }
    }
  }
  return 0;
}

static xmlDocPtr parse_utf8(const char *data, size_t len, const ctk_xml_limits *lim,
                            ctk_xml_fault *f)
{
  parse_state st;
  xmlParserCtxtPtr ctxt;
  xmlDocPtr doc;

  memset(&st, 0, sizeof(st));
  st.lim = lim;
  if(len == 0) {
    fault_set(f, "MALFORMED", "envelope", 0, "empty document");
    return NULL;
  }
  if(len > INT_MAX) {
    fault_set(f, "TOO_LARGE", "size", 0, "message of %zu bytes", len);
    return NULL;
  }
  if(memchr(data, '\0', len)) {
    /* U+0000 is never XML text. Without this libxml2 would take the NULs of UTF-16 or UCS-4
     * without a byte-order mark for a sign of that encoding and read it, whatever was declared:
     * only the encodings the profile lists are read. */
    size_t at = (size_t)((const char *)memchr(data, '\0', len) - data);
    fault_set(f, "ENCODING", "encoding", 0, "byte %zu is NUL: not text in the declared encoding "
              "(UTF-16 or UCS-4 without a byte-order mark?)", at);
    return NULL;
  }
  if(prescan_attributes(data, len, lim->max_attributes, f))
    return NULL;
  ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
  if(!ctxt) {
    fault_set(f, "INTERNAL", "envelope", 0, "out of memory");
    return NULL;
  }
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA);
  ctxt->_private = &st;
  ctxt->sax->serror = on_error;
  ctxt->sax->internalSubset = on_doctype;
  ctxt->sax->externalSubset = on_doctype;
  ctxt->sax->startElementNs = on_start;
  ctxt->sax->endElementNs = on_end;
  ctxt->sax->characters = on_text;
  ctxt->sax->ignorableWhitespace = on_text;
  ctxt->sax->getEntity = NULL; /* only the five predefined entities exist */
  xmlParseDocument(ctxt);
  doc = ctxt->myDoc;
  ctxt->myDoc = NULL;
  if(st.forbidden || st.too_deep || st.over || !ctxt->wellFormed || !doc ||
     !xmlDocGetRootElement(doc)) {
    classify(&st, f);
    xmlFreeDoc(doc);
    doc = NULL;
  }
  xmlFreeParserCtxt(ctxt);
  return doc;
}

/* 1 when data is plain UTF-8 that iconv would pass through unchanged: then the parser reads
 * it where it is, without a conversion and a copy (most messages are UTF-8 and mostly ASCII).
 * Anything unusual (a bad sequence, a surrogate, beyond U+10FFFF) answers 0 and takes the iconv
 * path, which says exactly what is wrong and at which byte. */
static int utf8_clean(const char *data, size_t len)
{
  size_t i = 0;
  while(i < len) {
    int n;
    int c;
    if(!((unsigned char)data[i] & 0x80)) {
      i++;
      continue;
    }
    n = len - i > INT_MAX ? INT_MAX : (int)(len - i);
    c = xmlGetUTF8Char((const unsigned char *)data + i, &n);
    if(c < 0 || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF || n <= 0)
      return 0;
    i += (size_t)n;
  }
  return 1;
}

/* Parse data declared in encoding enc ("" = UTF-8): straight when it is clean UTF-8, else
 * through iconv into UTF-8 first. */
static xmlDocPtr parse_converted(const char *enc, const char *data, size_t len,
                                 const ctk_xml_limits *lim, ctk_xml_fault *fault)
{
  ctk_buf utf8;
  xmlDocPtr doc = NULL;

  if((!enc[0] || !strcasecmp(enc, "UTF-8") || !strcasecmp(enc, "UTF8")) &&
     utf8_clean(data, len))
    return parse_utf8(data, len, lim, fault);
  /* UTF-8 becomes at most 1x, GBK at most 1.5x as long in UTF-8. */
  ctk_buf_init(&utf8, len * 2 + 16);
  if(!transcode_to_utf8(enc[0] ? enc : "UTF-8", data, len, &utf8, fault))
    doc = parse_utf8(ctk_buf_str(&utf8), utf8.len, lim, fault);
  ctk_buf_free(&utf8);
  return doc;
}

xmlDocPtr ctk_xml_parse_utf8(const char *data, size_t len, const ctk_xml_limits *lim,
                             ctk_xml_fault *fault)
{
  ctk_xml_init();
  if(lim->max_bytes && len > lim->max_bytes) {
    fault_set(fault, "TOO_LARGE", "size", 0, "message of %zu bytes, over the limit of %zu", len,
              lim->max_bytes);
    return NULL;
  }
  /* Text from a parsed document is valid UTF-8 already, but callers may pass any bytes. */
  return parse_converted("", data, len, lim, fault);
}

xmlDocPtr ctk_xml_parse_bytes(const char *data, size_t len, const ctk_xml_limits *lim,
                              ctk_xml_fault *fault)
{
  char enc[64];

  ctk_xml_init();
  if(lim->max_bytes && len > lim->max_bytes) {
    fault_set(fault, "TOO_LARGE", "size", 0, "message of %zu bytes, over the limit of %zu", len,
              lim->max_bytes);
    return NULL;
  }
  if(ctk_xml_declared_encoding(data, len, enc, sizeof(enc))) {
    fault_set(fault, "MALFORMED", "envelope", 1, "unreadable XML declaration");
    return NULL;
  }
  return parse_converted(enc, data, len, lim, fault);
}

xmlDocPtr ctk_xml_parse_file(const char *path, size_t max_bytes, ctk_xml_fault *fault)
{
  FILE *fp = fopen(path, "rb");
  ctk_buf file;
  ctk_code read_rc;
  ctk_xml_limits lim;
  xmlDocPtr doc;

  if(!fp) {
    fault_set(fault, "INTERNAL", "envelope", 0, "cannot open: %s", strerror(errno));
    return NULL;
  }
  ctk_buf_init(&file, max_bytes);
  read_rc = ctk_buf_add_stream(&file, fp);
  fclose(fp);
  if(read_rc) {
    ctk_buf_free(&file);
    if(read_rc == CTK_E_TOOBIG)
      fault_set(fault, "TOO_LARGE", "size", 0, "file larger than %zu bytes", max_bytes);
    else
      fault_set(fault, "INTERNAL", "envelope", 0, "cannot read: %s", ctk_strerror(read_rc));
    return NULL;
  }
  memset(&lim, 0, sizeof(lim));
  lim.max_bytes = max_bytes;
  doc = ctk_xml_parse_bytes(ctk_buf_str(&file), file.len, &lim, fault);
  ctk_buf_free(&file);
  return doc;
}
