/* ctk_schema_model: the content model of a profile's message schemas (which children each
 * element has, in which order, how often, which are leaves), read from its XSD files as XML. */
#ifndef CTK_SCHEMA_MODEL_H
#define CTK_SCHEMA_MODEL_H

#include <limits.h>
#include <stddef.h>

#include "ctk_error.h"

#define CTK_SM_NAME_MAX 96
#define CTK_SM_UNBOUNDED UINT_MAX

typedef struct ctk_sm_content ctk_sm_content;

/* One element declaration: a global element, or a child within its parent's content. A choice
 * (xs:choice, or a ref to the head of a substitution group such as the baseline's BodyContent)
 * is one child whose alternatives say which elements may stand in its place. */
typedef struct ctk_sm_child {
  char name[CTK_SM_NAME_MAX];  /* local name; a choice: its group head's name, or "" */
  unsigned min_occurs;
  unsigned max_occurs;         /* CTK_SM_UNBOUNDED for "unbounded" */
  const ctk_sm_content *content; /* its children; NULL for a leaf (a simple type) */
  char base[32];               /* a leaf: the XSD built-in type at the root of its type
                                  ("string", "boolean", "decimal", ...) */
  const struct ctk_sm_child *const *alternatives; /* a choice: one of these stands here */
  size_t n_alternatives;       /* 0: an element, not a choice */
  int abstract;                /* a global element declared abstract="true" */
  const char *file;            /* the .xsd that declares it, as opened */
  long line;
} ctk_sm_child;

/* The children of an element, in schema order. */
struct ctk_sm_content {
  const ctk_sm_child *children;
  size_t count;
};

typedef struct ctk_schema_model ctk_schema_model;

/* Read the entry XSD and every xs:include. Understood: global elements, named complex and
 * simple types, xs:sequence (nested ones flattened), xs:choice of elements, xs:all (written in
 * declaration order), substitution groups, complexContent extension, optional attributes.
 * Anything else is refused with "FILE:LINE: problem" (xs:any, xs:group, xs:import, required
 * attributes, mixed content, unqualified local elements...). */
ctk_code ctk_schema_model_load(const char *entry_path, ctk_schema_model **out, char *err,
                               size_t errlen);
void ctk_schema_model_free(ctk_schema_model *m);

/* The global element of that name; NULL when there is none. */
const ctk_sm_child *ctk_schema_model_global(const ctk_schema_model *m, const char *name);
/* Global elements in declaration order (files in include order): i < count. */
size_t ctk_schema_model_count(const ctk_schema_model *m);
const ctk_sm_child *ctk_schema_model_at(const ctk_schema_model *m, size_t i);
/* The first declaration of an element of that name: the global one, else the first local one
 * met walking the globals depth first. NULL when no schema declares it. */
const ctk_sm_child *ctk_schema_model_find(const ctk_schema_model *m, const char *name);

/* The child of content called name: an element child, or an alternative of a choice child
 * (then *choice, when not NULL, is that choice; else NULL). NULL when it has none. */
const ctk_sm_child *ctk_sm_child_named(const ctk_sm_content *c, const char *name,
                                       const ctk_sm_child **choice);
/* 1 when the declaration is a leaf (text only). */
static inline int ctk_sm_is_leaf(const ctk_sm_child *c)
{
  return c->content == NULL && c->n_alternatives == 0;
}

#endif
