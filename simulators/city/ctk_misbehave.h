/* ctk_misbehave: the misbehaviour rules a test sets on the city simulator (which action, for
 * which city, for the next N messages or a time window); consulted once per message. */
#ifndef CTK_MISBEHAVE_H
#define CTK_MISBEHAVE_H

#include <stddef.h>

#include "ctk_error.h"
#include "ctk_profile.h"

typedef enum {
  CTK_MB_DELAY = 0,            /* send: hold the request delay_ms; answer: answer delay_ms late */
  CTK_MB_DROP,                 /* send: the request is never sent */
  CTK_MB_INVALID_FIELD,        /* send: field gets a value that is not valid for it */
  CTK_MB_DUPLICATE,            /* send: the same bytes (same message id) sent twice */
  CTK_MB_REORDER,              /* send: held back and sent after the city's next request */
  CTK_MB_ERROR_ANSWER,         /* answer: result_code instead of the real outcome, no effect */
  CTK_MB_SILENT,               /* answer: none; the request is held delay_ms, then cut */
  CTK_MB_DROP_ORDER,           /* cti: an answered call makes no order */
  CTK_MB_DOUBLE_ORDER,         /* cti: an answered call makes two orders */
  CTK_MB_WRONG_CALL,           /* cti: the order is linked to the previous call's id */
  CTK_MB__COUNT
} ctk_mb_action;

/* Where a rule applies. */
#define CTK_MB_ON_SEND 1u      /* requests the simulated cities send up */
#define CTK_MB_ON_ANSWER 2u    /* answers to requests the province sends down */
#define CTK_MB_ON_CTI 4u       /* answered calls the queue machine reports (webhook, docking) */

#define CTK_MB_RULES_MAX 64
#define CTK_MB_SILENT_MAX_MS 120000L
#define CTK_MB_DELAY_MAX_MS 600000L

typedef struct ctk_mb_rule {
  unsigned long id;            /* given by ctk_mb_add, for the control API's answer */
  char city[8];                /* six-digit region, or "*" for every city */
  ctk_mb_action action;
  unsigned on;                 /* CTK_MB_ON_SEND or CTK_MB_ON_ANSWER */
  long remaining;              /* messages still to affect; -1 for a time window */
  long long until_ms;          /* end of the window (ms since the epoch); 0 for a count */
  long delay_ms;               /* delay and silent */
  char field[CTK_NAME_MAX];     /* invalid-field: the profile's element name */
  char result_code[CTK_ID_MAX]; /* error-answer: the profile's wire code to answer with */
  char interface_code[CTK_ID_MAX]; /* only messages of this interface code; "" for any */
  unsigned long applied;       /* how many messages it has affected so far */
} ctk_mb_rule;

typedef struct ctk_mb_set {
  ctk_mb_rule rules[CTK_MB_RULES_MAX];
  size_t count;
  unsigned long next_id;
} ctk_mb_set;

const char *ctk_mb_action_name(ctk_mb_action action);  /* "delay", "drop", "invalid-field"... */
int ctk_mb_action_parse(const char *s);                /* -1 if unknown */
/* The places an action can apply (CTK_MB_ON_* bits). */
unsigned ctk_mb_action_places(ctk_mb_action action);

/* Parse one rule from the control API's JSON object:
 *   {"city":"360100"|"*", "action":"...", "count":N | "seconds":S, "delay_ms":D,
 *    "field":F, "result_code":R, "interface":I, "on":"send"|"answer"}
 * in the terms of profile p: F an element name or element role ("channel"), R a result code
 * or its symbolic name ("BUSY", the default), I an interface code or interface role
 * ("report"); the rule keeps the profile's element name and codes. now_ms turns "seconds"
 * into an end time. On error err names the member and the problem. */
ctk_code ctk_mb_rule_parse(const ctk_profile *p, const char *json, size_t len, long long now_ms,
                           ctk_mb_rule *out, char *err, size_t errlen);

void ctk_mb_init(ctk_mb_set *set);
/* Add a rule; CTK_E_TOOBIG when the set is full. Sets rule->id. */
ctk_code ctk_mb_add(ctk_mb_set *set, ctk_mb_rule *rule);
void ctk_mb_clear(ctk_mb_set *set);

/* Tells whether a message has the element a rule names (invalid-field only affects messages
 * that carry it, so "invalid-field channel 1" always spoils exactly one channel element). */
typedef int (*ctk_mb_has_field)(void *ctx, const char *field);

/* The first live rule for this city, place and interface: consumes one of its count, copies
 * it into *out and returns 1; 0 when none applies. Spent and expired rules are removed. */
int ctk_mb_take(ctk_mb_set *set, const char *city, unsigned place, const char *interface_code,
                long long now_ms, ctk_mb_has_field has_field, void *ctx, ctk_mb_rule *out);

#endif
