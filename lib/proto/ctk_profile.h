/* ctk_profile: loads a profile directory (the standard as data) into memory.
 * The engine never hard-codes a layout, code value or result code: it asks the profile. */
#ifndef CTK_PROFILE_H
#define CTK_PROFILE_H

#include <stddef.h>

#include "ctk_error.h"
#include "ctk_profile_roles.h"

/* Node levels. Numeric values are the baseline's level codes (codes/levels.csv). */
typedef enum {
  CTK_LEVEL_NONE = 0,
  CTK_LEVEL_MINISTRY = 1,
  CTK_LEVEL_PROVINCE = 2,
  CTK_LEVEL_CITY = 3
} ctk_level;

/* "ministry", "province", "city", "none". */
const char *ctk_level_name(ctk_level level);
struct ctk_profile;
/* The profile's code of a level (its value roles ministry, province, city); "" for none. */
const char *ctk_profile_level_code(const struct ctk_profile *p, ctk_level level);
/* The level of a code of the profile; CTK_LEVEL_NONE when it is none of them. */
ctk_level ctk_profile_level_parse(const struct ctk_profile *p, const char *code);
/* Accepts the code ("1".."3") or the name; CTK_LEVEL_NONE if neither. */
ctk_level ctk_level_parse(const char *s);

/* Direction of a message relative to the two levels it joins. */
#define CTK_DIR_UP 1u   /* lower level -> upper level (city->province, province->ministry) */
#define CTK_DIR_DOWN 2u /* upper level -> lower level */

#define CTK_ID_MAX 32
#define CTK_NAME_MAX 96
#define CTK_IFACE_REQS_MAX 8
#define CTK_TRANS_FROM_MAX 12

typedef struct ctk_interface {
  char code[CTK_ID_MAX];             /* "1001" */
  char name[CTK_NAME_MAX];           /* "WorkOrderReport" */
  char name_zh[CTK_NAME_MAX];        /* "上报工单" */
  char request_element[CTK_NAME_MAX]; /* body element of the request */
  char answer_element[CTK_NAME_MAX];  /* body element of a success answer, "" if none */
  unsigned directions;               /* CTK_DIR_UP | CTK_DIR_DOWN allowed */
  int optional;                      /* 1 if a PICS item decides whether it applies */
  char pics[CTK_ID_MAX];             /* PICS item name when optional */
  char requirements[CTK_IFACE_REQS_MAX][CTK_ID_MAX];
  size_t n_requirements;
  ctk_interface_role role;           /* what the engine uses it for; CTK_IF__COUNT if nothing */
  int stateless;                     /* 1: declared to change no order (no transitions) */
  long line;                         /* in catalog.xml, for lint's messages */
} ctk_interface;

typedef struct ctk_code_entry {
  char value[CTK_ID_MAX];
  char name[CTK_NAME_MAX];     /* symbolic, e.g. "complaint" */
  char name_zh[CTK_NAME_MAX];
  long line;                   /* in codes/<set>.csv */
} ctk_code_entry;

typedef struct ctk_codeset {
  char name[CTK_ID_MAX];       /* file stem: "business-types", "channels", ... */
  ctk_code_entry *entries;
  size_t count;
} ctk_codeset;

/* A result code of the protocol. The engine refers to it by symbolic name (STATE, AUTH...). */
typedef struct ctk_result_code {
  char code[CTK_ID_MAX];       /* on the wire, e.g. "3001" */
  char name[CTK_ID_MAX];       /* symbolic, e.g. "STATE" */
  char text[CTK_NAME_MAX * 2];
} ctk_result_code;

typedef struct ctk_state {
  char name[CTK_ID_MAX];       /* "accepted" */
  char code[CTK_ID_MAX];       /* "01" */
  char name_zh[CTK_NAME_MAX];
  int open;                    /* 1 while the order still needs handling (for urge, overdue) */
  long line;                   /* in process.xml */
} ctk_state;

typedef struct ctk_transition {
  char interface_code[CTK_ID_MAX];
  char from[CTK_TRANS_FROM_MAX][CTK_ID_MAX]; /* state codes; "" entry = creation (no order yet) */
  size_t n_from;
  char to[CTK_ID_MAX];         /* state code after; "" = unchanged, or on a creating
                                  transition (from "") the state the message carries
                                  (WorkOrder/Status of a 1001 report: 01 or 02) */
  unsigned directions;         /* who may make it: CTK_DIR_UP and/or CTK_DIR_DOWN */
  char requirement[CTK_ID_MAX];
} ctk_transition;

typedef struct ctk_requirement {
  char id[CTK_ID_MAX];         /* "J3-IF-001" */
  int part;                    /* 1, 2 or 3 */
  char clause[CTK_ID_MAX];     /* clause number, or "baseline" */
  char strength[8];            /* SHALL, SHOULD, MAY */
  char text[512];
  char how[256];               /* how it is tested, or why it is not */
} ctk_requirement;

typedef struct ctk_deadline {
  char business_type[CTK_ID_MAX];
  int working_days;            /* to complete, counted with the working-day calendar */
} ctk_deadline;

/* Which element takes its value from which code set (catalog.xml <codefields>). */
typedef struct ctk_codefield {
  char element[CTK_NAME_MAX];  /* local name, matched anywhere in the message */
  char codeset[CTK_ID_MAX];
  char requirement[CTK_ID_MAX];
  long line;                   /* in catalog.xml */
} ctk_codefield;

/* Requirement behind one of the engine's generic checks (catalog.xml <rules>): "schema",
 * "envelope", "interface", "route", "version", "correlation", "body", "encoding",
 * "forbidden", "size", "depth". */
typedef struct ctk_rule {
  char name[CTK_ID_MAX];
  char requirement[CTK_ID_MAX];
} ctk_rule;

/* Where a mandatory element's value comes from when whoever composes a message gives none
 * (roles.xml <source>): a constant, the time now, a generated id, or a value of a code set. */
typedef enum {
  CTK_SOURCE_CONSTANT,
  CTK_SOURCE_NOW,              /* now, Beijing time, in the profile's datetime format */
  CTK_SOURCE_GENERATED,        /* a fresh value from a template (ctk_compose.h) */
  CTK_SOURCE_CODE              /* a value of a code set: a named one, or its first */
} ctk_source_kind;

typedef struct ctk_source {
  char element[CTK_NAME_MAX];  /* local name of the element */
  char parent[CTK_NAME_MAX];   /* only inside this parent; "" wherever it stands */
  ctk_source_kind kind;
  char value[256];             /* constant: the text; code: the code value; generated: the
                                  template */
  char codeset[CTK_ID_MAX];    /* code: the code set the value is from */
  long line;                   /* in roles.xml */
} ctk_source;

/* A generated source without template: Beijing time, a counter and randomness (28 of
 * [0-9a-f]), unique in practice. */
#define CTK_SOURCE_DEFAULT_TEMPLATE "{now:%Y%m%d%H%M%S}{seq:6}{rand:8}"

struct ctk_formats;            /* compiled PCRE2 field formats, see ctk_validate.h */
struct ctk_schema;             /* compiled XSD, see ctk_validate.h */
struct ctk_schema_model;       /* the schemas' content model, see ctk_schema_model.h */

typedef struct ctk_profile {
  char dir[512];
  char name[CTK_NAME_MAX];
  char version[CTK_ID_MAX];
  char provenance[CTK_ID_MAX]; /* "baseline" (ours), "official", or "synthetic" (a made-up
                                  variant that tests the kit's genericity) */
  char statement[1024];        /* what the provenance means, shown in every report */
  char ns[256];                /* XML namespace of messages */
  char soap_ns[256];           /* namespace of the SOAP operation wrapper */
  char sha256[65];             /* hash over every file of the profile, for evidence */
  size_t max_message_bytes;    /* refuse bigger messages */
  int max_depth;               /* refuse deeper XML */
  int max_attributes;          /* attributes (and namespace declarations) of one element */
  long max_elements;           /* elements of one document */
  size_t max_text;             /* characters (bytes of UTF-8 text) of one document */

  ctk_interface *interfaces;
  size_t n_interfaces;
  ctk_codeset *codesets;
  size_t n_codesets;
  ctk_result_code *results;
  size_t n_results;
  ctk_state *states;
  size_t n_states;
  ctk_transition *transitions;
  size_t n_transitions;
  ctk_requirement *requirements;
  size_t n_requirements;
  ctk_deadline *deadlines;
  size_t n_deadlines;

  struct ctk_formats *formats;
  struct ctk_schema *schema;
  struct ctk_schema_model *model; /* element order and occurrences, for composing messages */

  ctk_codefield *codefields;
  size_t n_codefields;
  ctk_rule *rules;
  size_t n_rules;
  char xml_path[64];           /* plain XML binding: POST path, "/exchange" */
  char soap_path[64];          /* SOAP binding: POST path, "/soap" */
  char soap_action[128];       /* SOAPAction value, without quotes */
  char soap_action_header[132]; /* the same quoted, as a client sends the header */
  char schema_entry[256];      /* entry XSD, relative to dir */
  char wsdl[256];              /* WSDL of the SOAP binding, relative to dir; "" if none */
  unsigned encodings;          /* encodings allowed on the wire: bit (1u << ctk_encoding) */

  /* roles.xml, resolved at load (ctk_profile_roles): the engine names roles, never spellings. */
  char el[CTK_EL__COUNT][CTK_NAME_MAX];     /* local name of each element role */
  size_t if_index[CTK_IF__COUNT];           /* index in interfaces; SIZE_MAX when unmapped */
  char state_code[CTK_ST__COUNT][CTK_ID_MAX];
  char value[CTK_V__COUNT][CTK_ID_MAX];     /* code value of each value role */
  char datetime_format[64];                 /* strftime format of times written (Beijing) */
  long datetime_line;                       /* of <datetime> in roles.xml, for lint */
  ctk_source *sources;                      /* roles.xml <source>: values nobody gives */
  size_t n_sources;
} ctk_profile;

/* The profile's local name of an element role ("MsgId" in the baseline for CTK_EL_MSG_ID). */
static inline const char *ctk_el(const ctk_profile *p, ctk_element_role r)
{
  return p->el[r];
}
/* The state code of a state role ("04" in the baseline for CTK_ST_SIGNED). */
static inline const char *ctk_st(const ctk_profile *p, ctk_state_role r)
{
  return p->state_code[r];
}
/* The code value of a value role ("1" in the baseline for CTK_V_BT_COMPLAINT). */
static inline const char *ctk_val(const ctk_profile *p, ctk_value_role r)
{
  return p->value[r];
}
/* The source of element's value inside parent: one declared for that parent, else one for
 * the element wherever it stands; NULL when roles.xml declares none. */
const ctk_source *ctk_profile_source(const ctk_profile *p, const char *element,
                                     const char *parent);
/* The interface that plays a role; NULL when the profile has none (optional interfaces). */
const ctk_interface *ctk_profile_iface(const ctk_profile *p, ctk_interface_role r);
/* Its code, "" when the profile has none. */
const char *ctk_profile_iface_code(const ctk_profile *p, ctk_interface_role r);
/* The role of the interface with this code; CTK_IF__COUNT when none (or no such interface). */
ctk_interface_role ctk_profile_interface_role(const ctk_profile *p, const char *code);

/* Load and check a profile directory (ctk_profile_check included: a profile that fails lint
 * does not load). On failure *out is NULL and err holds "FILE:LINE: problem" (LINE 0 when the
 * problem is not on one line). */
ctk_code ctk_profile_load(const char *dir, ctk_profile **out, char *err, size_t errlen);
/* The same without ctk_profile_check, for `ctk profile lint`, which lists every problem. */
ctk_code ctk_profile_load_unchecked(const char *dir, ctk_profile **out, char *err,
                                    size_t errlen);
void ctk_profile_free(ctk_profile *p);

/* Default profile directory: env CTK_PROFILE, else profiles/jtt1019-baseline inside ctk's data
 * folder (ctk_datadir: $CTK_DATA_DIR, a checkout, beside the program, the installed one). */
const char *ctk_profile_default_dir(void);
/* The default profile in the folder `make install` fills, the last place ctk_profile_default_dir
 * looks (for help texts). */
const char *ctk_profile_installed_dir(void);

const ctk_interface *ctk_profile_interface(const ctk_profile *p, const char *code);
const ctk_interface *ctk_profile_interface_by_name(const ctk_profile *p, const char *name);
const ctk_codeset *ctk_profile_codeset(const ctk_profile *p, const char *set);
const ctk_code_entry *ctk_profile_code(const ctk_profile *p, const char *set, const char *value);
/* Result code by symbolic name ("OK", "STATE", ...); NULL if the profile lacks it. */
const ctk_result_code *ctk_profile_result(const ctk_profile *p, const char *name);
/* Result code by wire code ("3001"); NULL if the profile lacks it. */
const ctk_result_code *ctk_profile_result_by_code(const ctk_profile *p, const char *code);
/* Wire code of a symbolic result, "9999" if missing (a loaded profile has all required names). */
const char *ctk_profile_rc(const ctk_profile *p, const char *name);
const ctk_state *ctk_profile_state(const ctk_profile *p, const char *name_or_code);
/* The transition interface_code may make from state from_code ("" = no order yet) in
 * direction dir; NULL when none (the caller answers STATE). */
const ctk_transition *ctk_profile_transition(const ctk_profile *p, const char *interface_code,
                                             const char *from_code, unsigned dir);
const ctk_requirement *ctk_profile_requirement(const ctk_profile *p, const char *id);
/* Code set an element's value must come from; NULL when the element is free text. */
const ctk_codefield *ctk_profile_codefield(const ctk_profile *p, const char *element);
/* Requirement ID behind a generic check (see ctk_rule); "" when the profile names none. */
const char *ctk_profile_rule(const ctk_profile *p, const char *rule);
/* A value that codes/<set>.csv does not have (for deliberate faults and invalid test data);
 * "" when every short candidate is taken. */
void ctk_profile_code_outside(const ctk_profile *p, const char *set, char *out, size_t outlen);
/* An interface code in the format of the profile's interface-code element that is no
 * interface of it (for an unknown-interface test); "" when none is found. */
void ctk_profile_interface_outside(const ctk_profile *p, char *out, size_t outlen);
/* Working days to complete an order of this business type; -1 if the profile sets none. */
int ctk_profile_deadline_days(const ctk_profile *p, const char *business_type);

#endif
