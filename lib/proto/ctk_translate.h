/* ctk_translate: rewrites a request written in one profile's vocabulary into another's, by roles:
 * element names, namespaces, interface/state/code values, formats of ids and times, paths. */
#ifndef CTK_TRANSLATE_H
#define CTK_TRANSLATE_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_profile.h"

/* Why: hand-written test material (the hostile catalogue) cannot be composed from a schema: it
 * is broken on purpose, byte by byte. It is written once, in one profile, and translated into
 * the profile in use. The rewrite is lexical, so text that is not well-formed XML translates
 * too: tag names (also inside CDATA and as &lt;escaped&gt; text), namespace URIs and the SOAP
 * action everywhere, and the text of elements whose role carries a code or a format:
 *   - interface, state, level and result codes map role to role (an interface code that is no
 *     interface of `from` becomes one that is no interface of `to`, in to's format);
 *   - a value of a code set maps by symbolic name, else by position in the set;
 *   - a value valid under from's format but not to's: a time is rewritten in to's time format,
 *     an id keeps its letters and digits, padded with zeros to fit;
 *   - the profile version maps from's to to's.
 * A value that is already wrong under `from` is left as it is: it stays wrong. */
typedef struct ctk_translate ctk_translate;

/* A translation from `from` to `to` (both kept by reference: they must outlive it). */
ctk_code ctk_translate_new(const ctk_profile *from, const ctk_profile *to, ctk_translate **out);
void ctk_translate_free(ctk_translate *t);
/* 1 when from and to are the same layout (same namespace): nothing to translate. */
int ctk_translate_is_identity(const ctk_translate *t);

/* Test material in a folder names the profile it is written in: a file SOURCE_FILE holding that
 * profile's directory, relative to the folder. ctk_translate_for_dir loads it and makes the
 * translation into `to` (*out NULL and CTK_E_OK when the folder has no such file, or names
 * `to`'s own directory: its material is taken as written in `to`). *from must be freed after *out. err: "DIR/source-profile: why". */
#define CTK_TRANSLATE_SOURCE_FILE "source-profile"
ctk_code ctk_translate_for_dir(const char *dir, const ctk_profile *to, ctk_profile **from,
                               ctk_translate **out, char *err, size_t errlen);

/* Rewrite text (any bytes; NUL bytes and invalid UTF-8 pass unchanged) into out. */
ctk_code ctk_translate_text(const ctk_translate *t, const char *in, size_t len, ctk_buf *out);
/* The same in place on a buffer. */
ctk_code ctk_translate_buf(const ctk_translate *t, ctk_buf *b);
/* A request path of from's bindings as to's ("/exchange?x" keeps "?x"); other paths as given. */
void ctk_translate_path(const ctk_translate *t, const char *path, char *out, size_t outlen);
/* A whole request file of the hostile catalogue (fixtures/hostile/README.md): its request
 * line's path, its SOAPAction and X-Ctk-Echo headers, its X-Ctk-Expect-Translated in place of
 * X-Ctk-Expect-Result, and its body. Placeholders (@NOW@...) stay for the sender to fill. */
ctk_code ctk_translate_http(const ctk_translate *t, const char *in, size_t len, ctk_buf *out);
/* An element name of from as to names it (the same text when from has no such role). */
const char *ctk_translate_element(const ctk_translate *t, const char *name);

#endif
