/* ctk_profile_fixtures: the sample message set of any profile, composed from its schemas and
 * sample values: valid requests and answers, and invalid ones each with its expected result. */
#ifndef CTK_PROFILE_FIXTURES_H
#define CTK_PROFILE_FIXTURES_H

#include <stddef.h>

#include "ctk_error.h"
#include "ctk_profile.h"

typedef struct ctk_fixture_counts {
  size_t valid;                /* files written to DIR/valid */
  size_t invalid;              /* files written to DIR/invalid (each with NAME.expect) */
  size_t failed;               /* messages that failed their own check, not written */
} ctk_fixture_counts;

/* What went wrong with one message (its file name), or a remark on it. */
typedef void (*ctk_fixture_note_fn)(void *ctx, const char *file, const char *text);

/* Write p's message set into dir/valid and dir/invalid (made when missing):
 *   valid/CODE-NAME[-gbk][.soap].xml    a request of every interface, in both bindings and in
 *                                       every encoding the profile allows
 *   valid/CODE-answer-{ok,result,state}[-gbk][.soap].xml   answers
 *   invalid/CODE-WHAT.xml + .expect     one fault each: a code value, a field format, a missing
 *                                       mandatory element, an unknown interface, another profile
 *                                       version, a forbidden route, another interface's body, and
 *                                       (for the report interface) a DOCTYPE, too deep nesting,
 *                                       and broken XML
 * Every message is checked before it is written: a valid one must validate clean, an invalid
 * one must give exactly the problem its .expect names (code and requirement; the location too
 * when validation reports one). Returns CTK_E_OK, CTK_E_INVALID when some message failed its
 * check (fn was told why), or the error that stopped it. */
ctk_code ctk_profile_fixtures(const ctk_profile *p, const char *dir, ctk_fixture_counts *counts,
                              ctk_fixture_note_fn fn, void *ctx);

#endif
