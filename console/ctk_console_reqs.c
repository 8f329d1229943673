/* ctk_console_reqs: the profile's requirements and their coverage, as the page shows them. */
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_console_reqs.h"
#include "ctk_coverage.h"
#include "ctk_json.h"
#include "ctk_profile.h"

struct ctk_console_reqs {
  ctk_profile *profile;
  ctk_buf json;
};

static void add_str(json_object *o, const char *key, const char *value)
{
  json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

ctk_code ctk_console_reqs_build(const char *profile_dir, const char *uncovered_csv,
                                ctk_console_reqs **out, char *err, size_t errlen)
{
  ctk_console_reqs *r = calloc(1, sizeof(*r));
  ctk_coverage cov;
  json_object *o, *list;
  size_t i;
  ctk_code result;

  *out = NULL;
  if(!r)
    return CTK_E_NOMEM;
  ctk_buf_init(&r->json, CTK_BUF_MAX_DEFAULT);
  result = ctk_profile_load(profile_dir ? profile_dir : ctk_profile_default_dir(), &r->profile,
                            err, errlen);
  if(!result)
    result = ctk_coverage_build(r->profile, uncovered_csv, &cov, err, errlen);
  if(result) {
    ctk_console_reqs_free(r);
    return result;
  }
  o = json_object_new_object();
  list = json_object_new_array();
  add_str(o, "profile", r->profile->name);
  add_str(o, "provenance", r->profile->provenance);
  json_object_object_add(o, "tested", json_object_new_int64((int64_t)cov.by_tests));
  json_object_object_add(o, "by_reason", json_object_new_int64((int64_t)cov.by_reason));
  json_object_object_add(o, "missing", json_object_new_int64((int64_t)cov.missing));
  for(i = 0; i < cov.count; i++) {
    const ctk_coverage_row *row = &cov.rows[i];
    json_object *q = json_object_new_object();
    add_str(q, "id", row->req->id);
    json_object_object_add(q, "part", json_object_new_int(row->req->part));
    add_str(q, "clause", row->req->clause);
    add_str(q, "strength", row->req->strength);
    add_str(q, "text", row->req->text);
    add_str(q, "tests", row->tests);
    add_str(q, "reason", row->reason);
    json_object_array_add(list, q);
  }
  json_object_object_add(o, "requirements", list);
  ctk_coverage_free(&cov);
  result = ctk_json_write(o, JSON_C_TO_STRING_PLAIN, &r->json);
  if(result) {
    ctk_console_reqs_free(r);
    return result;
  }
  *out = r;
  return CTK_E_OK;
}

void ctk_console_reqs_free(ctk_console_reqs *r)
{
  if(!r)
    return;
  ctk_profile_free(r->profile);
  ctk_buf_free(&r->json);
  free(r);
}

const char *ctk_console_reqs_json(const ctk_console_reqs *r)
{
  return ctk_buf_str(&r->json);
}

const char *ctk_console_reqs_text(const ctk_console_reqs *r, const char *id)
{
  const ctk_requirement *q = r ? ctk_profile_requirement(r->profile, id) : NULL;
  return q ? q->text : NULL;
}

size_t ctk_console_reqs_count(const ctk_console_reqs *r)
{
  return r ? r->profile->n_requirements : 0;
}

const char *ctk_console_reqs_id(const ctk_console_reqs *r, size_t i)
{
  return i < ctk_console_reqs_count(r) ? r->profile->requirements[i].id : NULL;
}
