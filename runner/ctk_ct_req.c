/* ctk_ct_req: which requirement a failing check of a conformance test names. */
#include "ctk_ct_req.h"

#include <string.h>

#include "ctk_validate.h"

const char *ctk_ct_req(ctk_ct *t, size_t n)
{
  const char *p = t->def && t->def->requirements ? t->def->requirements : "";

  if(!t->n_declared) {
    while(*p && t->n_declared < CTK_CT_DECLARED_MAX) {
      size_t len = strcspn(p, ",");
      char *slot = t->declared[t->n_declared];
      if(len && len < CTK_ID_MAX) {
        memcpy(slot, p, len);
        slot[len] = '\0';
        t->n_declared++;
      }
      p += len + (p[len] == ',');
    }
  }
  if(!t->n_declared)
    return "";
  return t->declared[n < t->n_declared ? n : 0];
}

const char *ctk_ct_rule(const ctk_ct *t, const char *rule)
{
  return ctk_profile_rule(t->env->profile, rule);
}

const char *ctk_ct_iface_req(const ctk_ct *t, ctk_interface_role r)
{
  const ctk_interface *in = ctk_profile_iface(t->env->profile, r);
  return in && in->n_requirements ? in->requirements[0] : "";
}

const char *ctk_ct_step_req(const ctk_ct *t, ctk_interface_role r)
{
  const ctk_profile *p = t->env->profile;
  const char *code = ctk_profile_iface_code(p, r);
  size_t i;

  for(i = 0; *code && i < p->n_transitions; i++) {
    if(!strcmp(p->transitions[i].interface_code, code) && p->transitions[i].requirement[0])
      return p->transitions[i].requirement;
  }
  return ctk_ct_iface_req(t, r);
}

const char *ctk_ct_code_req(const ctk_ct *t, ctk_element_role r)
{
  const ctk_profile *p = t->env->profile;
  const ctk_codefield *cf = ctk_profile_codefield(p, ctk_el(p, r));
  return cf ? cf->requirement : "";
}

/* The format (formats.csv field) of one element, and that format's requirement. */
typedef struct ct_format_find {
  const char *element;
  const char *field;           /* the profile's own strings, valid while it is loaded */
  const char *requirement;
} ct_format_find;

static int ct_format_of_element(void *ctx, const char *field, const char *element, size_t line)
{
  ct_format_find *f = ctx;
  (void)line;
  if(strcmp(element, f->element))
    return 0;
  f->field = field;
  return 1;
}

static int ct_format_requirement(void *ctx, const char *field, const char *result,
                                 const char *requirement, size_t line)
{
  ct_format_find *f = ctx;
  (void)result;
  (void)line;
  if(strcmp(field, f->field))
    return 0;
  f->requirement = requirement;
  return 1;
}

static int ct_format_find_role(const ctk_profile *p, ctk_element_role r, ct_format_find *f)
{
  f->element = ctk_el(p, r);
  f->field = NULL;
  f->requirement = "";
  if(!p->formats || !ctk_formats_each_element(p->formats, ct_format_of_element, f))
    return 0;
  ctk_formats_each(p->formats, ct_format_requirement, f);
  return 1;
}

const char *ctk_ct_format_req(const ctk_ct *t, ctk_element_role r)
{
  ct_format_find f;

  if(!ct_format_find_role(t->env->profile, r, &f))
    return "";
  return f.requirement;
}

int ctk_ct_format_match(const ctk_ct *t, ctk_element_role r, const char *value)
{
  ct_format_find f;

  if(!ct_format_find_role(t->env->profile, r, &f))
    return -1;
  return ctk_format_match(t->env->profile, f.field, value);
}
