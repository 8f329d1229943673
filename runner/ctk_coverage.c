/* ctk_coverage: requirement coverage of the conformance registry. */
#include "ctk_coverage.h"

#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_csv.h"
#include "ctk_ct.h"
#include "ctk_select.h"

static void cov_add_test(ctk_coverage_row *row, const char *id)
{
  size_t used = strlen(row->tests);
  snprintf(row->tests + used, sizeof(row->tests) - used, "%s%s", used ? "," : "", id);
}

/* Does the PICS item name an interface (interface.<role> or <code>, or the catalog's pics item of an
 * optional interface)? Then *present says whether p has it. */
static int cov_names_interface(const ctk_profile *p, const char *item, int *present)
{
  size_t i;
  int named = 0;
  *present = 0;
  if(!strncmp(item, "interface.", 10)) {
    size_t r;
    for(r = 0; r < CTK_IF__COUNT; r++) {
      if(!strcmp(item + 10, ctk_interface_role_name((ctk_interface_role)r))) {
        *present = ctk_profile_iface(p, (ctk_interface_role)r) != NULL;
        return 1;
      }
    }
    *present = ctk_profile_interface(p, item + 10) != NULL;
    return 1;
  }
  for(i = 0; i < p->n_interfaces; i++) {
    if(p->interfaces[i].pics[0] && !strcmp(p->interfaces[i].pics, item)) {
      named = 1;
      *present = 1;
    }
  }
  /* an item only an optional interface of another profile declares: a PICS-... name */
  if(!named && !strncmp(item, "PICS-", 5))
    return 1;
  return named;
}

int ctk_coverage_test_runs_under(const ctk_ct_def *d, const ctk_profile *p)
{
  char buf[256];
  char *save = NULL;
  char *tok;
  int names_interface = 0;
  int has_interface = 0;

  ctk_strlcpy(buf, d->requirements ? d->requirements : "", sizeof(buf));
  for(tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    if(!strchr(tok, '*') && !ctk_profile_requirement(p, tok))
      return 0;
  }
  /* a test of optional interfaces runs when the profile has one of those it names */
  ctk_strlcpy(buf, d->pics ? d->pics : "", sizeof(buf));
  save = NULL;
  for(tok = strtok_r(buf, " ()|&!", &save); tok; tok = strtok_r(NULL, " ()|&!", &save)) {
    int present;
    if(cov_names_interface(p, tok, &present)) {
      names_interface = 1;
      has_interface |= present;
    }
  }
  return !names_interface || has_interface;
}

static void cov_check_unknown(const ctk_profile *p, ctk_coverage *c)
{
  size_t i;
  for(i = 0; i < ctk_ct_count(); i++) {
    char reqs[256];
    char *save = NULL;
    char *tok;
    const ctk_ct_def *d = ctk_ct_at(i);
    ctk_strlcpy(reqs, d->requirements ? d->requirements : "", sizeof(reqs));
    for(tok = strtok_r(reqs, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
      if(!ctk_profile_requirement(p, tok) && !ctk_list_has_glob(c->unknown, tok)) {
        size_t used = strlen(c->unknown);
        snprintf(c->unknown + used, sizeof(c->unknown) - used, "%s%s", used ? "," : "", tok);
      }
    }
  }
}

static ctk_code cov_reasons(const char *path, ctk_coverage *c, char *err, size_t errlen)
{
  static const char *const wanted[] = { "id", "reason" };
  ctk_csv csv;
  int index[2];
  ctk_code result;
  FILE *probe;
  int more;

  if(!path)
    return CTK_E_OK;
  probe = fopen(path, "r");
  if(!probe)
    return CTK_E_OK;
  fclose(probe);
  result = ctk_csv_open(&csv, path);
  if(result) {
    snprintf(err, errlen, "%s:0: cannot read (%s)", path, ctk_strerror(result));
    return result;
  }
  result = ctk_csv_header(&csv, wanted, 2, index);
  if(result) {
    snprintf(err, errlen, "%s:1: %s", path, csv.error);
    ctk_csv_close(&csv);
    return result;
  }
  for(;;) {
    const char *id;
    const char *reason;
    size_t i;
    more = ctk_csv_next(&csv);
    if(more != 1)
      break;
    id = ctk_csv_field(&csv, index[0]);
    reason = ctk_csv_field(&csv, index[1]);
    if(!id || !reason || !*reason) {
      snprintf(err, errlen, "%s:%zu: a row needs an id and a reason", path, csv.record_line);
      result = CTK_E_PARSE;
      break;
    }
    for(i = 0; i < c->count; i++) {
      if(!strcmp(c->rows[i].req->id, id) && !c->rows[i].tests[0]) {
        ctk_strlcpy(c->rows[i].reason, reason, sizeof(c->rows[i].reason));
        c->rows[i].reason_from = "uncovered.csv";
      }
    }
  }
  if(more < 0 && !result) {
    snprintf(err, errlen, "%s:%zu: %s", path, csv.record_line, csv.error);
    result = CTK_E_PARSE;
  }
  ctk_csv_close(&csv);
  return result;
}

ctk_code ctk_coverage_build(const ctk_profile *p, const char *uncovered_csv, ctk_coverage *out,
                            char *err, size_t errlen)
{
  size_t i, k;
  ctk_code result;

  memset(out, 0, sizeof(*out));
  out->rows = calloc(p->n_requirements ? p->n_requirements : 1, sizeof(*out->rows));
  if(!out->rows)
    return CTK_E_NOMEM;
  out->count = p->n_requirements;
  for(i = 0; i < p->n_requirements; i++) {
    ctk_coverage_row *row = &out->rows[i];
    row->req = &p->requirements[i];
    for(k = 0; k < ctk_ct_count(); k++) {
      const ctk_ct_def *d = ctk_ct_at(k);
      if(!ctk_list_has_glob(d->requirements, row->req->id))
        continue;
      if(ctk_coverage_test_runs_under(d, p))
        cov_add_test(row, d->id);
      else
        out->not_runnable++;
    }
    /* A "how" that names something other than a conformance suite is the written reason. */
    if(!row->tests[0] && row->req->how[0] && !strstr(row->req->how, "jtt1019-")) {
      ctk_strlcpy(row->reason, row->req->how, sizeof(row->reason));
      row->reason_from = "profile";
    }
  }
  result = cov_reasons(uncovered_csv, out, err, errlen);
  if(result) {
    ctk_coverage_free(out);
    return result;
  }
  for(i = 0; i < out->count; i++) {
    if(out->rows[i].tests[0])
      out->by_tests++;
    else if(out->rows[i].reason_from)
      out->by_reason++;
    else
      out->missing++;
  }
  cov_check_unknown(p, out);
  return CTK_E_OK;
}

void ctk_coverage_free(ctk_coverage *c)
{
  free(c->rows);
  c->rows = NULL;
  c->count = 0;
}

void ctk_coverage_print(const ctk_coverage *c, int coverage_view, FILE *out)
{
  size_t i;
  for(i = 0; i < c->count; i++) {
    const ctk_coverage_row *row = &c->rows[i];
    if(!coverage_view) {
      fprintf(out, "%-12s part %d  %-6s %s\n", row->req->id, row->req->part,
              row->req->strength, row->req->text);
      fprintf(out, "             tests: %s\n", row->tests[0] ? row->tests : "(none)");
      continue;
    }
    if(row->tests[0])
      fprintf(out, "%-12s %-6s tested    %s\n", row->req->id, row->req->strength, row->tests);
    else if(row->reason_from)
      fprintf(out, "%-12s %-6s reason    %s (%s)\n", row->req->id, row->req->strength,
              row->reason, row->reason_from);
    else
      fprintf(out, "%-12s %-6s MISSING   no test and no written reason\n", row->req->id,
              row->req->strength);
  }
  fprintf(out, "%zu requirements: %zu checked by conformance tests, %zu with a written reason, "
          "%zu missing\n", c->count, c->by_tests, c->by_reason, c->missing);
  if(c->unknown[0])
    fprintf(out, "tests name requirements the profile does not have: %s\n", c->unknown);
  if(c->not_runnable)
    fprintf(out, "%zu test-requirement pairs not counted: the test cannot run under this profile "
            "(a requirement or an optional interface it needs is missing)\n", c->not_runnable);
}
