/* ctk_ct_registry: the registry table built from ctk_ct_list.h. */
#include "ctk_ct.h"
#include "ctk_ct_list.h"

const ctk_ct_def ctk_ct_defs[] = {
#define CTK_CT_ENTRY(fn, id, name, part, area, cls, pics, reqs, needs, sut) \
  { id, name, part, area, cls, pics, reqs, needs, sut, fn },
  CTK_CT_LIST(CTK_CT_ENTRY)
#undef CTK_CT_ENTRY
};

const size_t ctk_ct_count = sizeof(ctk_ct_defs) / sizeof(ctk_ct_defs[0]);
