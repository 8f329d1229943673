/* ctk_region_check: region codes looked up in the GB/T 2260 table, the elements found by role. */
#include "ctk_region_check.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"

/* The element roles whose values are region codes. */
static const ctk_element_role region_roles[] = {
  CTK_EL_NODE_REGION,   CTK_EL_ACCEPT_REGION, CTK_EL_HANDLE_REGION,
  CTK_EL_TARGET_REGION, CTK_EL_EVENT_REGION,  CTK_EL_STATS_REGION,
};
#define REGION_ROLES (sizeof(region_roles) / sizeof(region_roles[0]))

ctk_code ctk_region_check_load(const ctk_profile *p, ctk_region_db **out, char *err,
                               size_t errlen)
{
  char own[sizeof(p->dir) + 16];

  *out = NULL;
  snprintf(own, sizeof(own), "%s/regions.csv", p->dir);
  if(!access(own, R_OK))
    return ctk_region_load(own, out, err, errlen);
  if(!access(CTK_REGION_DEFAULT_FILE, R_OK))
    return ctk_region_load(CTK_REGION_DEFAULT_FILE, out, err, errlen);
  snprintf(err, errlen, "no region table: neither %s nor %s can be read", own,
           CTK_REGION_DEFAULT_FILE);
  return CTK_E_NOTFOUND;
}

static int region_element(const ctk_profile *p, const xmlChar *name)
{
  size_t i;
  for(i = 0; i < REGION_ROLES; i++) {
    const char *el = ctk_el(p, region_roles[i]);
    if(el && *el && !strcmp(el, (const char *)name))
      return 1;
  }
  return 0;
}

/* One element: a known code, another shape (not ours to say), or a problem. */
static void region_check_node(const ctk_profile *p, const ctk_region_db *db, xmlNodePtr node,
                              ctk_problems *out)
{
  const char *field = NULL, *result = NULL, *requirement = NULL;
  xmlChar *text;
  char where[256];

  if(!ctk_format_of_element(p, (const char *)node->name, &field, &result, &requirement))
    return;
  text = xmlNodeGetContent(node);
  if(text && ctk_format_match(p, field, (const char *)text) == 1 &&
     !ctk_region_level(db, (const char *)text)) {
    if(out->count >= CTK_PROBLEMS_MAX)
      out->dropped++;
    else {
      ctk_xml_path(node, where, sizeof(where));
      ctk_outcome_set(&out->items[out->count++], p, result, where, requirement,
                      "%s is not a region code of GB/T 2260 (nor the ministry's node code)",
                      (const char *)text);
    }
  }
  xmlFree(text);
}

static void region_walk(const ctk_profile *p, const ctk_region_db *db, xmlNodePtr node,
                        ctk_problems *out)
{
  for(; node; node = node->next) {
    if(node->type != XML_ELEMENT_NODE)
      continue;
    if(region_element(p, node->name))
      region_check_node(p, db, node, out);
    else
      region_walk(p, db, node->children, out);
  }
}

ctk_code ctk_region_check_msg(const ctk_profile *p, const ctk_region_db *db, const ctk_msg *m,
                              ctk_problems *out)
{
  size_t before = out->count + out->dropped;
  if(!m || !m->doc || !db)
    return CTK_E_OK;
  region_walk(p, db, xmlDocGetRootElement(m->doc), out);
  return out->count + out->dropped > before ? CTK_E_INVALID : CTK_E_OK;
}
