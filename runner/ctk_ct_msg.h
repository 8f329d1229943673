/* ctk_ct_msg: message helpers for conformance tests: build requests of any interface with
 * plausible content, send them to a peer as a given node, record evidence, check answers. */
#ifndef CTK_CT_MSG_H
#define CTK_CT_MSG_H

#include <stddef.h>

#include "ctk_ct.h"
#include "ctk_ct_runid.h"

/* Somebody the runner talks to. */
typedef struct ctk_ct_peer {
  const char *name;            /* "sut", "ministry", "city" (for evidence) */
  const char *base_url;        /* ".../exchange" and ".../soap" are below it */
  const char *ca_file;         /* https: CA to trust, NULL = system */
} ctk_ct_peer;

/* The node the runner speaks as, with its secret (HTTP Basic). */
typedef struct ctk_ct_as {
  ctk_node node;
  const char *secret;
} ctk_ct_as;

typedef struct ctk_ct_reply {
  ctk_code transport;          /* CTK_E_OK when an HTTP answer arrived */
  long http_status;
  ctk_msg *answer;             /* the decoded Answer, NULL when none could be read */
  ctk_outcome why;             /* why the answer could not be decoded */
  int answer_invalid;          /* the Answer decoded but breaks the profile (schema, formats,
                                  codes): invalid says how */
  ctk_outcome invalid;
  char rc_name[CTK_ID_MAX];    /* symbolic result ("OK", "STATE"); "" when none */
  char rc[CTK_ID_MAX];         /* wire result code; "" when none */
  double ms;
  ctk_buf raw;                 /* the answer bytes */
  char content_type[128];      /* the answer's Content-Type; "" when none */
  char req_msg_id[CTK_MSGID_MAX];  /* MsgId of the request, "" if it could not be read */
  char req_iface[CTK_ID_MAX];      /* its InterfaceCode */
} ctk_ct_reply;

void ctk_ct_reply_init(ctk_ct_reply *r);
void ctk_ct_reply_free(ctk_ct_reply *r);

/* Peers and identities of the current run (from the roles the runner started). */
ctk_ct_peer ctk_ct_sut(const ctk_ct *t);
ctk_ct_as ctk_ct_as_city(const ctk_ct *t, size_t city_index);
/* Whom the runner speaks as by default toward the SUT: city 0 for a province SUT, the
 * province above it (played by the runner) for a city SUT. */
ctk_ct_as ctk_ct_as_peer(const ctk_ct *t);
ctk_ct_as ctk_ct_as_ministry(const ctk_ct *t);
ctk_node ctk_ct_sut_node(const ctk_ct *t);
ctk_node ctk_ct_city_node(const ctk_ct *t, size_t city_index);
/* The reference ministry, and the SUT's identity there (so the runner can ask the ministry,
 * over the protocol, what it holds for the SUT). */
ctk_ct_peer ctk_ct_ministry(const ctk_ct *t);
ctk_ct_as ctk_ct_as_sut(const ctk_ct *t);
ctk_node ctk_ct_ministry_node(void);

/* Work-order ids (ctk_ct_order_id) come from ctk_ct_runid.h: scoped to the run. */

/* A request of the interface of role iface from `from` to `to`, composed from the profile
 * (ctk_compose: its schemas' element order, its sources for mandatory fields nobody gives),
 * every field filled with valid content about order_id: values by element role, codes from
 * the profile's value and state roles and code sets, times in its format. For a report or
 * transfer the work order is accepted by accept_region and handled by handle_region (NULL =
 * accept_region); instant makes it instant-answered. When it cannot be composed the test
 * ends in error, saying why. */
typedef struct ctk_ct_order_spec {
  const char *order_id;
  const char *accept_region;
  const char *handle_region;
  const char *business_type;   /* a business-type code; NULL = the profile's complaint */
  int instant;
  const char *target_region;   /* transfer */
  const char *deadline;        /* the work order's deadline (a profile time), NULL = none */
  const char *subject;         /* default: a fixed Chinese subject */
} ctk_ct_order_spec;

/* The text the runner's link checks carry for the peer to echo. */
#define CTK_CT_ECHO "ctk-linkcheck"

ctk_code ctk_ct_build(ctk_ct *t, ctk_interface_role iface, const ctk_node *from,
                      const ctk_node *to, const ctk_ct_order_spec *spec, ctk_msg **out);

/* The element reached from a message's body element (CTK_CT_BODY) or its document element
 * (CTK_CT_ROOT, for head fields) through the children of the element roles path[0..n); NULL
 * when absent. The message's profile names them. */
typedef enum { CTK_CT_BODY, CTK_CT_ROOT } ctk_ct_from;
xmlNodePtr ctk_ct_node_path(const ctk_msg *m, ctk_ct_from from, const ctk_element_role *path,
                            size_t n);
#define ctk_ct_node(m, from, ...)                                                        \
  ctk_ct_node_path((m), (from), (const ctk_element_role[]){ __VA_ARGS__ },             \
                   sizeof((ctk_element_role[]){ __VA_ARGS__ }) / sizeof(ctk_element_role))
/* Its text ("" when empty), NULL when absent: ctk_ct_get(m, CTK_EL_WORK_ORDER, CTK_EL_STATUS). */
const char *ctk_ct_get_path(const ctk_msg *m, ctk_ct_from from, const ctk_element_role *path,
                            size_t n);
#define ctk_ct_get(m, ...)                                                                \
  ctk_ct_get_path((m), CTK_CT_BODY, (const ctk_element_role[]){ __VA_ARGS__ },         \
                  sizeof((ctk_element_role[]){ __VA_ARGS__ }) / sizeof(ctk_element_role))

/* The first value of the code set the element of role r takes its values from (valid test
 * data); "" when the element is free text. */
const char *ctk_ct_first_code(const ctk_profile *p, ctk_element_role r);
/* A value that code set does not have (invalid test data); "" when none can be found. */
void ctk_ct_code_outside(const ctk_profile *p, ctk_element_role r, char *out, size_t outlen);

/* Encode req in binding b and encoding e, POST it to peer as `as`, record both directions as
 * evidence, decode the answer. Always fills r (r->transport says if an answer came). */
void ctk_ct_send(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as, const ctk_msg *req,
                 ctk_binding b, ctk_encoding e, ctk_ct_reply *r);
/* POST raw bytes (for hostile and invalid input); user/secret NULL = no authentication. */
void ctk_ct_send_raw(ctk_ct *t, const ctk_ct_peer *peer, const char *user, const char *secret,
                     const char *data, size_t len, ctk_binding b, const char *content_type,
                     ctk_ct_reply *r);

/* Check the answer's result against want (symbolic name). On mismatch the test fails on
 * requirement req (or fails with slow side "sut" when no answer came) and 0 is returned.
 * Every answer is also checked for its envelope: an answer at all (the envelope rule's
 * requirement, or the decoder's), its correlation id and interface code (the correlation
 * rule's). */
int ctk_ct_expect(ctk_ct *t, const ctk_ct_reply *r, const char *want, const char *req,
                  const char *what);

/* Build, send (XML, UTF-8) and expect in one call; 1 when the answer was want. */
int ctk_ct_step(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as,
                ctk_interface_role iface, const ctk_node *to, const ctk_ct_order_spec *spec,
                const char *want, const char *req, const char *what);

/* A complaint (the profile's complaint business type) about order_id, accepted by accept and
 * handled by handle; every other field of spec cleared. */
void ctk_ct_spec_order(ctk_ct_order_spec *spec, const char *order_id, const char *accept,
                       const char *handle);
/* ctk_ct_step from city city_index of the run to the SUT; 0 at once when the test is done. */
int ctk_ct_city_step(ctk_ct *t, size_t city_index, ctk_interface_role iface,
                     const ctk_ct_order_spec *spec, const char *want, const char *req,
                     const char *what);
/* The same with the runner speaking as the ministry, down to the SUT. */
int ctk_ct_ministry_step(ctk_ct *t, ctk_interface_role iface, const ctk_ct_order_spec *spec,
                         const char *want, const char *req, const char *what);

/* The SUT's answer to a query of order_id by the runner's first city (its own look at the
 * order, no verdict set); r is initialised here and the caller frees it. 0 when the query
 * could not be built. */
int ctk_ct_query_sut(ctk_ct *t, const char *order_id, ctk_ct_reply *r);
/* Query order_id (the query interface) at peer as `as`; status gets the order's state code
 * ("" if none). 1 on an OK answer that carries the order, 0 otherwise (no verdict set). */
int ctk_ct_query_status(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as,
                        const ctk_node *to, const char *order_id, char *status,
                        size_t statuslen);

/* Replace every occurrence of from by to in b, left to right (the replacement is not searched
 * again, so to may contain from). Used to adapt fixture files to the run's regions. */
void ctk_ct_replace_all(ctk_buf *b, const char *from, const char *to);

/* Poll the order's status at peer (every 100 ms, up to the PIXIT propagation timeout) until it
 * is want; 1 when it was, 0 otherwise with the last status seen in last ("" = none). */
int ctk_ct_wait_status(ctk_ct *t, const ctk_ct_peer *peer, const ctk_ct_as *as,
                       const ctk_node *to, const char *order_id, const char *want, char *last,
                       size_t lastlen);

/* When the counterpart behind relay ("ministry", "city") refused a message of iface ("" =
 * any) about order_id that the SUT sent (and never accepted a copy of it): fail with the
 * refusal's code, text, where and requirement, and return 1. 0 when nothing was refused. */
struct ctk_relay;
int ctk_ct_fail_refused(ctk_ct *t, struct ctk_relay *relay, const char *counterpart,
                        const char *iface, const char *order_id);
/* The same for messages that arrived after seq since_seq; order_id NULL = any. */
int ctk_ct_fail_refused_since(ctk_ct *t, struct ctk_relay *relay, const char *counterpart,
                              const char *iface, const char *order_id, long since_seq);
/* Remember where the SUT's links to the ministry and the cities stand (the frame calls it as
 * a test starts) ... */
void ctk_ct_mark_links(ctk_ct *t);
/* ... and, once the test would pass, fail it when the ministry or a city refused something
 * the SUT sent since about an order of this test (its id in the test's evidence): a pass must
 * not hide what the SUT's counterparts said no to. */
int ctk_ct_fail_refused_links(ctk_ct *t);

/* Check the SUT holds order_id in state want (one query); fails on req otherwise. */
int ctk_ct_expect_status(ctk_ct *t, const char *order_id, const char *want, const char *req);
/* Wait until the ministry holds order_id in state want; fails on req otherwise. */
int ctk_ct_expect_ministry_status(ctk_ct *t, const char *order_id, const char *want,
                                  const char *req);

#endif
