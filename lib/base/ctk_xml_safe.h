/* ctk_xml_safe: parses untrusted XML without harm: no network, no DTD (a DOCTYPE is refused),
 * no entity expansion, size and depth limits, bytes checked against the declared encoding. */
#ifndef CTK_XML_SAFE_H
#define CTK_XML_SAFE_H

#include <libxml/tree.h>
#include <stddef.h>

/* Limits of one document; 0 in any field = none of ours. The shape limits (attributes,
 * elements, text, depth) are held while libxml2 parses, through its SAX callbacks, and the
 * attributes also before: libxml2 reads all of an element's attributes and compares each with
 * every other before it calls back, so a start tag with many is refused on a first pass over
 * the bytes that only counts. */
typedef struct ctk_xml_limits {
  size_t max_bytes;            /* refuse longer input */
  int max_depth;               /* refuse deeper element nesting (else libxml2's own limit) */
  int max_attributes;          /* attributes and namespace declarations of one element */
  long max_elements;           /* elements in the document */
  size_t max_text;             /* bytes of character data (UTF-8) in the document */
} ctk_xml_limits;

/* Why a parse failed, in the profile's vocabulary: result is a symbolic result name
 * ("MALFORMED", "ENCODING", "FORBIDDEN", "TOO_LARGE", "INTERNAL") and rule the profile rule
 * that names the requirement ("envelope", "encoding", "forbidden", "size", "depth"; the
 * shape limits are "size" too). */
typedef struct ctk_xml_fault {
  const char *result;
  const char *rule;
  int line;                    /* 0 when not tied to a line */
  char text[256];
} ctk_xml_fault;

/* Once per process, before threads (also called lazily by the functions below). */
void ctk_xml_init(void);

/* The encoding named in the XML declaration, as written ("" when there is none, which means
 * UTF-8). Returns 0, or -1 when the declaration is there but unreadable. */
int ctk_xml_declared_encoding(const char *data, size_t len, char *out, size_t outlen);

/* Parse wire bytes. They are first converted from the declared encoding to UTF-8 (ENCODING if
 * they are not valid in it), then parsed. Returns the document or NULL with fault filled. */
xmlDocPtr ctk_xml_parse_bytes(const char *data, size_t len, const ctk_xml_limits *lim,
                              ctk_xml_fault *fault);

/* Parse text that is already UTF-8 (e.g. the characters of a SOAP ex:message): any encoding
 * named in its own declaration is ignored. */
xmlDocPtr ctk_xml_parse_utf8(const char *data, size_t len, const ctk_xml_limits *lim,
                             ctk_xml_fault *fault);

/* Read and parse a file (profile files) with the same safety; fault->line is the file line. */
xmlDocPtr ctk_xml_parse_file(const char *path, size_t max_bytes, ctk_xml_fault *fault);

#endif
