/* ctk_j3_interfaces: conformance tests of JT/T 1019.3 (interfaces) against a province: every
 * interface with valid messages, invalid messages and their result codes, idempotency,
 * bindings and encodings, and the validity of what the province itself sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctk_buf.h"
#include "ctk_file.h"
#include "ctk_ct.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_req.h"
#include "ctk_ct_suites.h"
#include "ctk_datadir.h"
#include "ctk_proc.h"
#include "ctk_profile_fixtures.h"
#include "ctk_region_check.h"
#include "ctk_report.h"
#include "ctk_roles.h"
#include "ctk_validate.h"

#define J3_BYTES_MAX ((size_t)4 * 1024 * 1024)

/* Encode a request of city `city` (XML, UTF-8) into out. */
static int j3_encode(ctk_ct *t, ctk_interface_role iface, size_t city,
                     const ctk_ct_order_spec *spec, ctk_buf *out)
{
  ctk_node from = ctk_ct_city_node(t, city);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_msg *m = NULL;
  ctk_code result = ctk_ct_build(t, iface, &from, &to, spec, &m);
  if(!result)
    result = ctk_msg_encode(t->env->profile, m, CTK_BIND_XML, CTK_ENC_UTF8, out);
  ctk_msg_free(m);
  if(result)
    ctk_ct_error(t, 0, "the runner could not build or encode its %s message: %s",
                 ctk_interface_role_name(iface), ctk_strerror(result));
  return !result;
}

/* Replace the first occurrence of from by to in b; 0 (and a tool error) when absent. */
static int j3_replace(ctk_ct *t, ctk_buf *b, const char *from, const char *to)
{
  const char *s = ctk_buf_str(b);
  const char *hit = strstr(s, from);
  ctk_buf n;
  ctk_code result;
  if(!hit) {
    ctk_ct_error(t, 0, "mutation target \"%s\" not found in the runner's own message", from);
    return 0;
  }
  ctk_buf_init(&n, J3_BYTES_MAX);
  result = ctk_buf_add(&n, s, (size_t)(hit - s));
  if(!result)
    result = ctk_buf_adds(&n, to);
  if(!result)
    result = ctk_buf_adds(&n, hit + strlen(from));
  if(!result) {
    ctk_buf_reset(b);
    result = ctk_buf_add(b, ctk_buf_str(&n), n.len);
  }
  ctk_buf_free(&n);
  if(result)
    ctk_ct_error(t, 0, "mutation of the runner's own message failed");
  return !result;
}

/* Set the text of element e (the old text and children go). */
static void j3_set_text(xmlNodePtr e, const char *text)
{
  xmlNodeSetContent(e, NULL);
  xmlNodeAddContent(e, BAD_CAST text);
}

/* Is name one of the '|'-separated alternatives? */
static int j3_one_of(const char *alts, const char *name)
{
  size_t n = strlen(name);
  const char *p = alts;
  if(!n)
    return 0;
  while(p && *p) {
    if(!strncmp(p, name, n) && (p[n] == '|' || p[n] == '\0'))
      return 1;
    p = strchr(p, '|');
    if(p)
      p++;
  }
  return 0;
}

/* Send bytes as city `city`, expect one of alts (first = the precise one, whose requirement and
 * where must also be right). */
static int j3_expect_raw(ctk_ct *t, size_t city, const ctk_buf *bytes, const char *ctype,
                         const char *alts, const char *req, int need_where, const char *what)
{
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, city);
  ctk_ct_reply r;
  char first[CTK_ID_MAX];
  const char *bar = strchr(alts, '|');
  int ok = 0;

  if(ctk_ct_done(t))
    return 0;
  snprintf(first, sizeof(first), "%.*s", bar ? (int)(bar - alts) : (int)strlen(alts), alts);
  ctk_ct_reply_init(&r);
  ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(bytes), bytes->len,
                  CTK_BIND_XML, ctype ? ctype : "application/xml; charset=UTF-8", &r);
  if(r.answer && j3_one_of(alts, r.rc_name)) {
    ok = 1;
    if(r.http_status != 200) {
      ctk_ct_fail(t, ctk_ct_rule(t, "http-status"), "%s: answered %s with HTTP %ld instead of "
                  "200", what, r.rc_name, r.http_status);
      ok = 0;
    }
    else if(!r.answer->outcome.text[0]) {
      ctk_ct_fail(t, req, "%s: %s without a reason text", what, r.rc_name);
      ok = 0;
    }
    else if(need_where && !strcmp(r.rc_name, first) && !r.answer->outcome.where[0]) {
      ctk_ct_fail(t, req, "%s: %s without Where (the field or XPath)", what, r.rc_name);
      ok = 0;
    }
    else if(!strcmp(r.rc_name, first) && r.answer->outcome.requirement[0] &&
            strcmp(r.answer->outcome.requirement, req)) {
      ctk_ct_fail(t, req, "%s: %s names requirement %s, expected %s", what, r.rc_name,
                  r.answer->outcome.requirement, req);
      ok = 0;
    }
  }
  else if(r.answer) {
    ctk_ct_fail(t, req, "%s: expected %s, got %s %s \"%s\"", what, alts, r.rc,
                r.rc_name[0] ? r.rc_name : "(unknown)", r.answer->outcome.text);
  }
  else
    ctk_ct_expect(t, &r, first, req, what);
  ctk_ct_reply_free(&r);
  return ok;
}

/* How a valid message of the runner is made invalid. */
typedef enum {
  J3_SET,                      /* the element's text becomes value */
  J3_PREPEND,                  /* value goes in front of the element's text */
  J3_REMOVE                    /* the element goes */
} j3_how;

typedef struct j3_spoil {
  ctk_interface_role iface;    /* city 0's request of this interface... */
  ctk_ct_from from;            /* ...whose element reached from here... */
  ctk_element_role path[4];    /* ...through these children (depth of them)... */
  size_t depth;
  j3_how how;                  /* ...is changed so */
  const char *value;
  int format;                  /* the new text must be one the element's format excludes */
} j3_spoil;

/* City 0's request, spoiled as sp says, must get alts (the first the precise answer, whose
 * requirement must be req). */
static int j3_spoiled(ctk_ct *t, const j3_spoil *sp, const char *alts, const char *req,
                      int need_where, const char *what)
{
  const char *city = t->env->pixit->cities[0];
  ctk_element_role leaf = sp->path[sp->depth - 1];
  ctk_node from = ctk_ct_city_node(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  char order[24];
  ctk_ct_order_spec spec;
  ctk_msg *m = NULL;
  xmlNodePtr e;
  ctk_buf text, b;
  int ok = 0;

  if(ctk_ct_done(t))
    return 0;
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  ctk_buf_init(&text, J3_BYTES_MAX);
  ctk_buf_init(&b, J3_BYTES_MAX);
  if(ctk_ct_build(t, sp->iface, &from, &to, &spec, &m)) {
    ctk_ct_error(t, 0, "%s: the runner could not build its %s message", what,
                 ctk_interface_role_name(sp->iface));
    goto out;
  }
  e = ctk_ct_node_path(m, sp->from, sp->path, sp->depth);
  if(!e) {
    ctk_ct_error(t, 0, "%s: the runner's %s message has no %s", what,
                 ctk_interface_role_name(sp->iface), ctk_element_role_name(leaf));
    goto out;
  }
  if(sp->how == J3_REMOVE) {
    xmlUnlinkNode(e);
    xmlFreeNode(e);
  }
  else {
    xmlChar *old = sp->how == J3_PREPEND ? xmlNodeGetContent(e) : NULL;
    ctk_buf_printf(&text, "%s%s", sp->value, old ? (const char *)old : "");
    xmlFree(old);
    if(sp->format && ctk_ct_format_match(t, leaf, ctk_buf_str(&text)) != 0) {
      ctk_ct_error(t, 0, "%s: the profile's format of %s does not exclude \"%s\"", what,
                   ctk_el(t->env->profile, leaf), ctk_buf_str(&text));
      goto out;
    }
    j3_set_text(e, ctk_buf_str(&text));
  }
  if(ctk_msg_encode(t->env->profile, m, CTK_BIND_XML, CTK_ENC_UTF8, &b)) {
    ctk_ct_error(t, 0, "%s: the runner could not encode its message", what);
    goto out;
  }
  ok = j3_expect_raw(t, 0, &b, NULL, alts, req, need_where, what);
out:
  ctk_msg_free(m);
  ctk_buf_free(&text);
  ctk_buf_free(&b);
  return ok;
}

/* ---------- valid messages of every interface ---------- */

static void ctk_ct_j3_linkcheck(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  const ctk_interface *in = ctk_profile_iface(p, CTK_IF_LINK_CHECK);
  const char *req = ctk_ct_iface_req(t, CTK_IF_LINK_CHECK);
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_peer(t);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  const char *echo;
  const char *st;
  if(ctk_ct_build(t, CTK_IF_LINK_CHECK, &as.node, &to, NULL, &m)) {
    ctk_ct_error(t, 0, "could not build a link check");
    return;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  if(ctk_ct_expect(t, &r, "OK", req, "link check")) {
    echo = ctk_ct_get(r.answer, CTK_EL_ECHO);
    st = ctk_ct_get(r.answer, CTK_EL_SERVER_TIME);
    if(!r.answer->body || strcmp((const char *)r.answer->body->name, in->answer_element))
      ctk_ct_fail(t, req, "the answer carries no %s body", in->answer_element);
    else if(!echo || strcmp(echo, CTK_CT_ECHO))
      ctk_ct_fail(t, req, "the echo came back as \"%s\", sent \"%s\"", echo ? echo : "(none)",
                  CTK_CT_ECHO);
    else if(!st || ctk_ct_format_match(t, CTK_EL_SERVER_TIME, st) != 1)
      ctk_ct_fail(t, ctk_ct_format_req(t, CTK_EL_SERVER_TIME), "the server time \"%s\" is not "
                  "a time in the profile's format", st ? st : "(none)");
    else
      ctk_ct_pass(t, "%s with the echo and server time %s; the correlation id matches",
                  in->answer_element, st);
  }
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
}

static void ctk_ct_j3_report(ctk_ct *t)
{
  const char *city = t->env->pixit->cities[0];
  const char *accepted = ctk_st(t->env->profile, CTK_ST_ACCEPTED);
  char order[24];
  ctk_ct_order_spec spec;
  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  if(ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "OK", ctk_ct_iface_req(t, CTK_IF_REPORT),
                      "report") &&
     ctk_ct_expect_status(t, order, accepted, ctk_ct_iface_req(t, CTK_IF_REPORT)))
    ctk_ct_pass(t, "report of %s accepted; the SUT holds it as %s", order, accepted);
}

/* Every field of the order as reported comes back in the answer to a query: each leaf of the
 * report's WorkOrder with the same text (Status: the state the report puts it in); and the
 * history's first event is that report, with its state, its sender and a readable time.
 * "" when all agree; else what differs, in why. */
static int j3_query_same_order(ctk_ct *t, const ctk_msg *sent, const ctk_msg *ans,
                               const char *sender, char *why, size_t whylen)
{
  const ctk_profile *p = t->env->profile;
  const char *status = ctk_el(p, CTK_EL_STATUS);
  const char *accepted = ctk_st(p, CTK_ST_ACCEPTED);
  xmlNodePtr mine = ctk_ct_node(sent, CTK_CT_BODY, CTK_EL_WORK_ORDER);
  xmlNodePtr theirs = ctk_ct_node(ans, CTK_CT_BODY, CTK_EL_WORK_ORDER);
  xmlNodePtr c;
  const char *ev_status, *ev_region, *ev_time;
  time_t when;

  why[0] = '\0';
  if(!mine || !theirs) {
    snprintf(why, whylen, "the answer has no %s", ctk_el(p, CTK_EL_WORK_ORDER));
    return 0;
  }
  for(c = mine->children; c; c = c->next) {
    xmlNodePtr o;
    xmlChar *want, *got;
    int differs;
    if(c->type != XML_ELEMENT_NODE || (c->children && c->children->type == XML_ELEMENT_NODE))
      continue;
    o = ctk_xml_child(theirs, (const char *)c->name);
    want = xmlNodeGetContent(c);
    got = o ? xmlNodeGetContent(o) : NULL;
    differs = !got || strcmp((const char *)got,
                             strcmp((const char *)c->name, status) ? (const char *)want
                                                                   : accepted);
    if(differs)
      snprintf(why, whylen, "%s came back as \"%s\", reported \"%s\"", (const char *)c->name,
               got ? (const char *)got : "(absent)", want ? (const char *)want : "");
    xmlFree(want);
    xmlFree(got);
    if(differs)
      return 0;
  }
  ev_status = ctk_ct_get(ans, CTK_EL_HISTORY, CTK_EL_EVENT, CTK_EL_EVENT_STATUS);
  ev_region = ctk_ct_get(ans, CTK_EL_HISTORY, CTK_EL_EVENT, CTK_EL_EVENT_REGION);
  ev_time = ctk_ct_get(ans, CTK_EL_HISTORY, CTK_EL_EVENT, CTK_EL_EVENT_TIME);
  if(!ev_status || strcmp(ev_status, accepted))
    snprintf(why, whylen, "the report's history event has state \"%s\", expected %s",
             ev_status ? ev_status : "(absent)", accepted);
  else if(!ev_region || strcmp(ev_region, sender))
    snprintf(why, whylen, "the report's history event names region \"%s\", not its sender %s",
             ev_region ? ev_region : "(absent)", sender);
  else if(!ev_time || ctk_profile_time_parse(p, ev_time, &when))
    snprintf(why, whylen, "the report's history event has no readable time (\"%s\")",
             ev_time ? ev_time : "(absent)");
  return !why[0];
}

static void ctk_ct_j3_query(ctk_ct *t)
{
  static const char subject[] = "高速公路收费站排队过长";
  const ctk_profile *p = t->env->profile;
  const ctk_interface *query = ctk_profile_iface(p, CTK_IF_QUERY);
  const char *report = ctk_profile_iface_code(p, CTK_IF_REPORT);
  const char *answers = ctk_ct_step_req(t, CTK_IF_QUERY);
  const char *city = t->env->pixit->cities[0];
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  char order[24];
  ctk_ct_order_spec spec;
  ctk_msg *m = NULL, *sent = NULL;
  ctk_ct_reply r;
  char why[300];
  int reported;

  ctk_ct_order_id(city, order);
  ctk_ct_spec_order(&spec, order, city, city);
  spec.subject = subject;
  /* the report is kept: the answer to the query is compared with it field by field */
  if(ctk_ct_build(t, CTK_IF_REPORT, &as.node, &to, &spec, &sent)) {
    ctk_ct_error(t, 0, "could not build a report");
    return;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &as, sent, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  reported = ctk_ct_expect(t, &r, "OK", ctk_ct_iface_req(t, CTK_IF_REPORT), "report");
  ctk_ct_reply_free(&r);
  if(!reported || ctk_ct_build(t, CTK_IF_QUERY, &as.node, &to, &spec, &m)) {
    if(reported)
      ctk_ct_error(t, 0, "could not build a query");
    ctk_msg_free(sent);
    return;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &as, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  if(ctk_ct_expect(t, &r, "OK", ctk_ct_iface_req(t, CTK_IF_QUERY), "query")) {
    const char *oid = ctk_ct_get(r.answer, CTK_EL_WORK_ORDER, CTK_EL_ORDER_ID);
    const char *got = ctk_ct_get(r.answer, CTK_EL_WORK_ORDER, CTK_EL_SUBJECT);
    const char *ev = ctk_ct_get(r.answer, CTK_EL_HISTORY, CTK_EL_EVENT, CTK_EL_EVENT_INTERFACE);
    if(!r.answer->body || strcmp((const char *)r.answer->body->name, query->answer_element))
      ctk_ct_fail(t, ctk_ct_iface_req(t, CTK_IF_QUERY), "the answer carries no %s",
                  query->answer_element);
    else if(!oid || strcmp(oid, order))
      ctk_ct_fail(t, answers, "the answer is about order \"%s\", asked %s",
                  oid ? oid : "(none)", order);
    else if(!got || strcmp(got, subject))
      ctk_ct_fail(t, answers, "the subject came back as \"%s\"", got ? got : "");
    else if(!ev || strcmp(ev, report))
      ctk_ct_fail(t, answers, "the history does not start with the report (%s)", report);
    else if(!j3_query_same_order(t, sent, r.answer, city, why, sizeof(why)))
      ctk_ct_fail(t, answers, "order %s: %s", order, why);
    else
      ctk_ct_pass(t, "query of %s answered the order, every field as reported, and its history",
                  order);
  }
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
  ctk_msg_free(sent);
}

/* Validate the messages the SUT sent about order over a relay link; 1 when all valid. */
static int j3_validate_relay(ctk_ct *t, ctk_relay *relay, const char *iface, const char *order,
                             const char *what)
{
  size_t i, n = ctk_relay_count(relay, NULL);
  int ok = 1;
  for(i = 0; i < n && ok; i++) {
    ctk_relay_msg m;
    ctk_problems pr;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    if((!iface || !strcmp(m.iface, iface)) && (!order || !strcmp(m.order_id, order))) {
      memset(&pr, 0, sizeof(pr));
      if(ctk_validate_bytes(t->env->profile, m.raw, m.raw_len,
                            m.soap ? CTK_BIND_SOAP : CTK_BIND_XML, NULL, &pr)) {
        const ctk_outcome *o = pr.count ? &pr.items[0] : NULL;
        ctk_ct_fail(t, o && o->requirement[0] ? o->requirement : ctk_ct_rule(t, "schema"),
                    "%s: message %s (%s) sent by the SUT is invalid: %s %s at %s", what,
                    m.msg_id, m.iface, o ? o->code : "?", o ? o->text : "", o ? o->where : "");
        ok = 0;
      }
    }
    free(m.raw);
  }
  return ok;
}

/* City 0 reports an order handled by city 1; the SUT transfers it down. */
static int j3_cross_city(ctk_ct *t, char order[24], ctk_ct_order_spec *spec)
{
  const ctk_pixit *px = t->env->pixit;
  const char *transfer = ctk_profile_iface_code(t->env->profile, CTK_IF_TRANSFER);
  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(spec, order, px->cities[0], px->cities[0]);
  spec->target_region = px->cities[1];
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, spec, "OK", ctk_ct_iface_req(t, CTK_IF_REPORT),
                       "report") ||
     !ctk_ct_city_step(t, 0, CTK_IF_TRANSFER, spec, "OK", ctk_ct_iface_req(t, CTK_IF_TRANSFER),
                       "transfer to another city"))
    return 0;
  if(!ctk_relay_wait(t->env->roles->city_relay, transfer, order, px->cities[1], 1,
                     px->propagate_timeout_ms)) {
    ctk_ct_fail_timeout(t, ctk_ct_iface_req(t, CTK_IF_TRANSFER), "no transfer (%s) of %s "
                        "reached %s within %ld ms", transfer, order, px->cities[1],
                        px->propagate_timeout_ms);
    return 0;
  }
  return j3_validate_relay(t, t->env->roles->city_relay, transfer, order, "transfer");
}

/* City city_index sends interface iface of spec's order; the SUT must accept it. */
static void j3_accepted(ctk_ct *t, size_t city_index, ctk_interface_role iface,
                        const ctk_ct_order_spec *spec)
{
  ctk_ct_city_step(t, city_index, iface, spec, "OK", ctk_ct_iface_req(t, iface),
                   ctk_interface_role_name(iface));
}

static void ctk_ct_j3_handling(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  char order[24];
  ctk_ct_order_spec spec;
  if(!j3_cross_city(t, order, &spec))
    return;
  j3_accepted(t, 1, CTK_IF_SIGN, &spec);
  j3_accepted(t, 1, CTK_IF_FEEDBACK, &spec);
  j3_accepted(t, 1, CTK_IF_COMPLETE, &spec);
  j3_accepted(t, 0, CTK_IF_REVISIT, &spec);
  j3_accepted(t, 0, CTK_IF_ARCHIVE, &spec);
  if(ctk_ct_expect_status(t, order, ctk_st(p, CTK_ST_ARCHIVED),
                          ctk_ct_iface_req(t, CTK_IF_ARCHIVE)))
    ctk_ct_pass(t, "valid %s received; %s, %s, %s, %s, %s accepted for %s",
                ctk_profile_iface_code(p, CTK_IF_TRANSFER), ctk_profile_iface_code(p, CTK_IF_SIGN),
                ctk_profile_iface_code(p, CTK_IF_FEEDBACK),
                ctk_profile_iface_code(p, CTK_IF_COMPLETE),
                ctk_profile_iface_code(p, CTK_IF_REVISIT),
                ctk_profile_iface_code(p, CTK_IF_ARCHIVE), order);
}

static void ctk_ct_j3_return(ctk_ct *t)
{
  char order[24];
  ctk_ct_order_spec spec;
  if(!j3_cross_city(t, order, &spec))
    return;
  if(ctk_ct_city_step(t, 1, CTK_IF_RETURN, &spec, "OK", ctk_ct_iface_req(t, CTK_IF_RETURN),
                      "return"))
    ctk_ct_pass(t, "return of transferred order %s accepted", order);
}

/* A city's report is accepted; one it makes for another city's region is refused DENIED: a
 * node reports only its own region's statistics. */
static void ctk_ct_j3_stats(ctk_ct *t)
{
  const ctk_profile *p = t->env->profile;
  ctk_ct_order_spec spec;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as0 = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_node other = ctk_ct_city_node(t, 1);
  ctk_msg *m = NULL;
  xmlNodePtr region;
  ctk_ct_reply r;
  int denied;

  memset(&spec, 0, sizeof(spec));
  if(!ctk_ct_city_step(t, 0, CTK_IF_STATISTICS, &spec, "OK",
                       ctk_ct_iface_req(t, CTK_IF_STATISTICS), "statistics report"))
    return;
  if(t->env->pixit->n_cities < 2 || !strcmp(other.region, as0.node.region)) {
    ctk_ct_pass(t, "a city's statistics report was accepted (one city only: its report for "
                "another city's region not tried)");
    return;
  }
  if(ctk_ct_build(t, CTK_IF_STATISTICS, &as0.node, &to, &spec, &m)) {
    ctk_ct_error(t, 0, "could not build a statistics report");
    return;
  }
  region = ctk_xml_child(m->body, ctk_el(p, CTK_EL_STATS_REGION));
  if(!region) {
    ctk_msg_free(m);
    ctk_ct_error(t, 0, "the runner's statistics report has no region element");
    return;
  }
  j3_set_text(region, other.region);
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &as0, m, CTK_BIND_XML, CTK_ENC_UTF8, &r);
  denied = ctk_ct_expect(t, &r, "DENIED", ctk_ct_rule(t, "ownership"),
                         "statistics report of city 0 for city 1's region");
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
  if(denied)
    ctk_ct_pass(t, "a city's statistics report was accepted; its report for another city's "
                "region was refused (DENIED)");
}

static void ctk_ct_j3_knowledge(ctk_ct *t)
{
  char item[24];
  ctk_ct_order_spec spec;
  memset(&spec, 0, sizeof(spec));
  ctk_ct_order_id(t->env->pixit->cities[0], item);
  spec.order_id = item;
  if(ctk_ct_city_step(t, 0, CTK_IF_KNOWLEDGE, &spec, "OK",
                      ctk_ct_iface_req(t, CTK_IF_KNOWLEDGE), "knowledge sync"))
    ctk_ct_pass(t, "a knowledge item was accepted");
}

/* ---------- invalid messages ---------- */

/* An interface code the profile does not have, made from the report's code by changing its
 * last two characters ("" when all 100 are taken). */
static void j3_unknown_iface(const ctk_profile *p, char *out, size_t outlen)
{
  const char *report = ctk_profile_iface_code(p, CTK_IF_REPORT);
  size_t keep = strlen(report) > 2 ? strlen(report) - 2 : 0;
  int n;
  for(n = 99; n >= 0; n--) {
    snprintf(out, outlen, "%.*s%02d", (int)keep, report, n);
    if(!ctk_profile_interface(p, out))
      return;
  }
  ctk_strlcpy(out, "", outlen);
}

static void ctk_ct_j3_invalid(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const ctk_profile *p = t->env->profile;
  const char *other = strcmp(px->sut_region, "110000") ? "110000" : "120000";
  const char *version = strcmp(p->version, "99.9") ? "99.9" : "98.9";
  char unknown[CTK_ID_MAX];
  ctk_buf b;
  ctk_ct_order_spec spec;
  char order[24];

  /* Not XML at all. */
  ctk_buf_init(&b, J3_BYTES_MAX);
  ctk_buf_printf(&b, "this is not XML <%s", ctk_el(p, CTK_EL_MESSAGE));
  j3_expect_raw(t, 0, &b, NULL, "MALFORMED", ctk_ct_rule(t, "envelope"), 0,
                "a body that is not XML");
  ctk_buf_free(&b);

  j3_unknown_iface(p, unknown, sizeof(unknown));
  if(!unknown[0])
    ctk_ct_error(t, 0, "every interface code like the report's is taken: no unknown one to send");
  {
    j3_spoil sp = { CTK_IF_REPORT, CTK_CT_ROOT, { CTK_EL_HEAD, CTK_EL_INTERFACE_CODE }, 2,
                    J3_SET, unknown, 0 };
    j3_spoiled(t, &sp, "UNKNOWN_INTERFACE|SCHEMA", ctk_ct_rule(t, "interface"), 1,
               "an unknown interface code");
  }
  {
    j3_spoil sp = { CTK_IF_REPORT, CTK_CT_ROOT,
                    { CTK_EL_HEAD, CTK_EL_RECEIVER, CTK_EL_NODE_REGION }, 3, J3_SET, other, 0 };
    j3_spoiled(t, &sp, "ROUTE", ctk_ct_rule(t, "receiver"), 1,
               "a receiver that is another province");
  }

  /* Urge is down-only: a city must not send it up. */
  memset(&spec, 0, sizeof(spec));
  ctk_ct_order_id(px->cities[0], order);
  spec.order_id = order;
  ctk_buf_init(&b, J3_BYTES_MAX);
  if(j3_encode(t, CTK_IF_URGE, 0, &spec, &b))
    j3_expect_raw(t, 0, &b, NULL, "ROUTE|DENIED", ctk_ct_rule(t, "route"), 1,
                  "an urge sent upward");
  ctk_buf_free(&b);

  {
    j3_spoil sp = { CTK_IF_REPORT, CTK_CT_ROOT, { CTK_EL_HEAD, CTK_EL_PROFILE_VERSION }, 2,
                    J3_SET, version, 0 };
    j3_spoiled(t, &sp, "VERSION", ctk_ct_rule(t, "version"), 1,
               "an unsupported profile version");
  }
  {
    j3_spoil sp = { CTK_IF_QUERY, CTK_CT_ROOT, { CTK_EL_HEAD, CTK_EL_INTERFACE_CODE }, 2,
                    J3_SET, ctk_profile_iface_code(p, CTK_IF_REPORT), 0 };
    j3_spoiled(t, &sp, "SCHEMA|MALFORMED", ctk_ct_rule(t, "body"), 1,
               "the report's interface code with the body of a query");
  }

  /* UTF-8 bytes declared GBK: "南" followed by '<' is not valid GBK. */
  ctk_buf_init(&b, J3_BYTES_MAX);
  ctk_ct_order_id(px->cities[0], order);
  memset(&spec, 0, sizeof(spec));
  ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
  spec.subject = "南";
  if(j3_encode(t, CTK_IF_REPORT, 0, &spec, &b) &&
     j3_replace(t, &b, "encoding=\"UTF-8\"", "encoding=\"GBK\""))
    j3_expect_raw(t, 0, &b, "application/xml; charset=GBK", "ENCODING|MALFORMED",
                  ctk_ct_rule(t, "encoding"), 0, "UTF-8 bytes declared as GBK");
  ctk_buf_free(&b);

  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "not XML, unknown interface, wrong receiver, wrong direction, wrong "
                "version, wrong body and wrong encoding each got their result code");
}

/* A work-order field of city 0's report set to a value outside its code set: CODE_VALUE. */
static void j3_bad_code(ctk_ct *t, ctk_interface_role iface, ctk_element_role parent,
                        ctk_element_role leaf, const char *what)
{
  char outside[CTK_ID_MAX];
  j3_spoil sp = { iface, CTK_CT_BODY, { parent, leaf }, 2, J3_SET, outside, 0 };
  ctk_ct_code_outside(t->env->profile, leaf, outside, sizeof(outside));
  if(parent == CTK_EL__COUNT) {
    sp.path[0] = leaf;
    sp.depth = 1;
  }
  j3_spoiled(t, &sp, "CODE_VALUE", ctk_ct_code_req(t, leaf), 1, what);
}

static void ctk_ct_j3_invalid_fields(ctk_ct *t)
{
  /* values each field's format excludes (checked against the profile when sent) */
  static const struct { j3_spoil sp; const char *alts; const char *what; } formats[] = {
    { { CTK_IF_REPORT, CTK_CT_BODY, { CTK_EL_WORK_ORDER, CTK_EL_ORDER_ID }, 2, J3_SET,
        "AB12345", 1 }, "FORMAT", "an order id outside the profile's format" },
    { { CTK_IF_REPORT, CTK_CT_BODY, { CTK_EL_WORK_ORDER, CTK_EL_ACCEPT_REGION }, 2, J3_PREPEND,
        "3A", 1 }, "FORMAT", "an accepting region outside the profile's format" },
    { { CTK_IF_REPORT, CTK_CT_BODY, { CTK_EL_WORK_ORDER, CTK_EL_CALLER, CTK_EL_PHONE }, 3,
        J3_SET, "12", 1 }, "FORMAT", "a phone that is no phone number" },
    { { CTK_IF_REPORT, CTK_CT_BODY, { CTK_EL_WORK_ORDER, CTK_EL_ACCEPT_TIME }, 2, J3_PREPEND,
        "yesterday", 1 }, "FORMAT|SCHEMA", "an accept time that is not a time" },
    { { CTK_IF_REPORT, CTK_CT_ROOT, { CTK_EL_HEAD, CTK_EL_MSG_ID }, 2, J3_PREPEND, "bad id!", 1 },
      "FORMAT|SCHEMA", "a message id with characters its format excludes" },
  };
  char outside[CTK_ID_MAX];
  size_t i;

  /* Order matters for the fault self-test: schema first, then formats, then code values. */
  {
    j3_spoil sp = { CTK_IF_REPORT, CTK_CT_BODY, { CTK_EL_WORK_ORDER, CTK_EL_SUBJECT }, 2,
                    J3_REMOVE, NULL, 0 };
    j3_spoiled(t, &sp, "SCHEMA", ctk_ct_rule(t, "schema"), 1, "a report without subject");
  }
  for(i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
    const j3_spoil *sp = &formats[i].sp;
    j3_spoiled(t, sp, formats[i].alts, ctk_ct_format_req(t, sp->path[sp->depth - 1]), 1,
               formats[i].what);
  }
  j3_bad_code(t, CTK_IF_REPORT, CTK_EL_WORK_ORDER, CTK_EL_DOMAIN, "an unknown domain");
  j3_bad_code(t, CTK_IF_REPORT, CTK_EL_WORK_ORDER, CTK_EL_CHANNEL, "an unknown channel");
  j3_bad_code(t, CTK_IF_REPORT, CTK_EL_WORK_ORDER, CTK_EL_STATUS, "an unknown status");
  j3_bad_code(t, CTK_IF_REVISIT, CTK_EL__COUNT, CTK_EL_SATISFACTION, "an unknown satisfaction");
  ctk_ct_code_outside(t->env->profile, CTK_EL_NODE_LEVEL, outside, sizeof(outside));
  {
    j3_spoil sp = { CTK_IF_REPORT, CTK_CT_ROOT, { CTK_EL_HEAD, CTK_EL_SENDER, CTK_EL_NODE_LEVEL },
                    3, J3_SET, outside, 0 };
    j3_spoiled(t, &sp, "CODE_VALUE|ROUTE|DENIED", ctk_ct_code_req(t, CTK_EL_NODE_LEVEL), 1,
               "an unknown level");
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "schema, format and code-value violations each got their result code, "
                "where and requirement");
}

static void ctk_ct_j3_http(ctk_ct *t)
{
  const char *path = ctk_binding_path(t->env->profile, CTK_BIND_XML);
  const char *req = ctk_ct_rule(t, "http-status");
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_http_call call;
  ctk_http_reply hr;
  char url[CTK_ROLES_URL_MAX + 64], peer[112], get[96];
  ctk_ct_as as = ctk_ct_as_peer(t);
  ctk_code result;

  memset(&call, 0, sizeof(call));
  memset(&hr, 0, sizeof(hr));
  ctk_buf_init(&hr.body, J3_BYTES_MAX);
  snprintf(url, sizeof(url), "%s%s", sut.base_url, path);
  snprintf(get, sizeof(get), "GET %s", path);
  snprintf(peer, sizeof(peer), "sut %s", get);
  call.url = url;
  call.user = as.node.region;
  call.password = as.secret;
  call.timeout_ms = t->env->pixit->answer_timeout_ms;
  call.ca_file = sut.ca_file;
  result = ctk_http_get(t->env->http, &call, &hr);
  ctk_ct_record(t, CTK_XCHG_OUT, peer, "", 0, 0, NULL, get, strlen(get));
  ctk_ct_record(t, CTK_XCHG_IN, peer, "", hr.total_ms, (int)hr.status, NULL,
                ctk_buf_str(&hr.body), hr.body.len);
  if(result)
    ctk_ct_fail_timeout(t, req, "%s: no answer (%s)", get, hr.error);
  else if(hr.status != 405)
    ctk_ct_fail(t, req, "%s answered HTTP %ld, expected 405", get, hr.status);
  ctk_buf_reset(&hr.body);
  if(!ctk_ct_done(t)) {
    snprintf(url, sizeof(url), "%s/no-such-path", sut.base_url);
    call.body = "<x/>";
    call.body_len = 4;
    call.content_type = "application/xml; charset=UTF-8";
    result = ctk_http_post(t->env->http, &call, &hr);
    ctk_ct_record(t, CTK_XCHG_IN, "sut POST /no-such-path", "", hr.total_ms, (int)hr.status,
                  NULL, ctk_buf_str(&hr.body), hr.body.len);
    if(result)
      ctk_ct_fail_timeout(t, req, "POST /no-such-path: no answer (%s)", hr.error);
    else if(hr.status != 404)
      ctk_ct_fail(t, req, "POST /no-such-path answered HTTP %ld, expected 404", hr.status);
  }
  ctk_buf_free(&hr.body);
  /* A business refusal is HTTP 200 with an Answer. */
  if(!ctk_ct_done(t) && !strcmp(t->env->pixit->sut_role, "province")) {
    char order[24];
    ctk_ct_order_spec spec;
    ctk_buf b;
    ctk_ct_order_id(t->env->pixit->cities[0], order);
    ctk_ct_spec_order(&spec, order, t->env->pixit->cities[0], NULL);
    ctk_buf_init(&b, J3_BYTES_MAX);
    if(j3_encode(t, CTK_IF_COMPLETE, 0, &spec, &b))
      j3_expect_raw(t, 0, &b, NULL, "UNKNOWN_ORDER", ctk_ct_rule(t, "unknown-order"), 0,
                    "complete of an unknown order");
    ctk_buf_free(&b);
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "405 for GET, 404 for an unknown path, 200 with an Answer for a refusal");
}

static void ctk_ct_j3_soap_fault(ctk_ct *t)
{
  const char *fault = ctk_ct_rule(t, "soap-fault");
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_peer(t);
  ctk_ct_reply r;
  ctk_buf broken;

  /* an envelope cut off inside the operation element */
  ctk_buf_init(&broken, 4096);
  ctk_buf_printf(&broken, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                 "<soap:Body><ex:%s", ctk_el(t->env->profile, CTK_EL_SOAP_REQUEST));
  ctk_ct_reply_init(&r);
  ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(&broken), broken.len,
                  CTK_BIND_SOAP, "text/xml; charset=UTF-8", &r);
  ctk_buf_free(&broken);
  /* The baseline answers an unreadable envelope with a SOAP Fault; a MALFORMED Answer is
   * accepted too (fixtures/hostile allows both readings), anything else is not. */
  if(r.transport)
    ctk_ct_fail_timeout(t, fault, "a broken SOAP envelope got no answer: %s", r.why.text);
  else if(!strstr(ctk_buf_str(&r.raw), "Fault") &&
          !(r.answer && !strcmp(r.rc_name, "MALFORMED")))
    ctk_ct_fail(t, fault, "a broken SOAP envelope got HTTP %ld with neither a SOAP Fault nor a "
                "MALFORMED Answer", r.http_status);
  ctk_ct_reply_free(&r);
  if(ctk_ct_done(t))
    return;
  /* A readable envelope with a business refusal is an Answer, never a Fault. */
  {
    const char *city = t->env->pixit->cities[0];
    ctk_node from = as.node;
    ctk_node to = ctk_ct_sut_node(t);
    char order[24];
    ctk_ct_order_spec spec;
    ctk_msg *m = NULL;
    ctk_ct_order_id(city, order);
    ctk_ct_spec_order(&spec, order, city, NULL);
    if(ctk_ct_build(t, CTK_IF_COMPLETE, &from, &to, &spec, &m)) {
      ctk_ct_error(t, 0, "could not build a completion");
      return;
    }
    ctk_ct_reply_init(&r);
    ctk_ct_send(t, &sut, &as, m, CTK_BIND_SOAP, CTK_ENC_UTF8, &r);
    if(strstr(ctk_buf_str(&r.raw), "Fault>"))
      ctk_ct_fail(t, fault, "a readable SOAP envelope with a business refusal got a SOAP Fault");
    else
      /* the SOAP binding itself: the test's second requirement */
      ctk_ct_expect(t, &r, "UNKNOWN_ORDER", ctk_ct_req(t, 1),
                    "SOAP completion of an unknown order");
    ctk_ct_reply_free(&r);
    ctk_msg_free(m);
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "the unreadable envelope refused; a business refusal in SOAP is an Answer, "
                "not a Fault");
}

/* ---------- idempotency ---------- */

static int j3_history_len(ctk_ct *t, const char *order)
{
  ctk_ct_reply r;
  int n = -1;
  if(!ctk_ct_query_sut(t, order, &r))
    return -1;
  if(r.answer && !strcmp(r.rc_name, "OK") && r.answer->body) {
    xmlNodePtr h = ctk_ct_node(r.answer, CTK_CT_BODY, CTK_EL_HISTORY);
    xmlNodePtr e;
    n = 0;
    for(e = h ? h->children : NULL; e; e = e->next)
      n += e->type == XML_ELEMENT_NODE;
  }
  ctk_ct_reply_free(&r);
  return n;
}

static void ctk_ct_j3_idem_repeat(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *report = ctk_profile_iface_code(t->env->profile, CTK_IF_REPORT);
  /* a repeat changes nothing: the test's first requirement */
  const char *idempotent = ctk_ct_req(t, 0);
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  char order[24];
  ctk_ct_order_spec spec;
  ctk_buf b;
  ctk_ct_reply r1, r2;
  int h1, h2;
  size_t ups;

  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
  ctk_buf_init(&b, J3_BYTES_MAX);
  if(!j3_encode(t, CTK_IF_REPORT, 0, &spec, &b)) {
    ctk_buf_free(&b);
    return;
  }
  ctk_ct_reply_init(&r1);
  ctk_ct_reply_init(&r2);
  ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(&b), b.len, CTK_BIND_XML,
                  "application/xml; charset=UTF-8", &r1);
  if(ctk_ct_expect(t, &r1, "OK", ctk_ct_iface_req(t, CTK_IF_REPORT), "first report")) {
    h1 = j3_history_len(t, order);
    ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(&b), b.len, CTK_BIND_XML,
                    "application/xml; charset=UTF-8", &r2);
    if(ctk_ct_expect(t, &r2, "OK", idempotent, "the identical report again")) {
      h2 = j3_history_len(t, order);
      if(h1 < 1 || h1 != h2)
        ctk_ct_fail(t, idempotent, "the repeat changed the order's history (%d events, "
                    "then %d)", h1, h2);
    }
  }
  /* The repeat must not be forwarded again: exactly one report reaches the ministry. */
  if(!ctk_ct_done(t)) {
    ups = ctk_relay_wait(t->env->roles->ministry_relay, report, order, NULL, 1,
                         px->propagate_timeout_ms);
    if(!ups)
      ctk_ct_fail_timeout(t, ctk_ct_step_req(t, CTK_IF_REPORT), "the report of %s never "
                          "reached the ministry", order);
    else {
      ctk_sleep_ms(500);
      ups = ctk_relay_find(t->env->roles->ministry_relay, report, order, NULL);
      if(ups != 1)
        ctk_ct_fail(t, idempotent, "the ministry got %zu reports of %s for one report sent "
                    "twice", ups, order);
    }
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "same message id, same bytes: same answer, history unchanged, forwarded "
                "once");
  ctk_ct_reply_free(&r1);
  ctk_ct_reply_free(&r2);
  ctk_buf_free(&b);
}

static void ctk_ct_j3_idem_dup(ctk_ct *t)
{
  const ctk_pixit *px = t->env->pixit;
  const char *duplicate = ctk_ct_rule(t, "duplicate");
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  char order1[24], order2[24];
  ctk_ct_order_spec spec;
  ctk_msg *m1 = NULL, *m2 = NULL;
  xmlNodePtr id2 = NULL;
  ctk_buf b1, b2;
  ctk_ct_reply r;

  ctk_ct_order_id(px->cities[0], order1);
  ctk_ct_order_id(px->cities[0], order2);
  ctk_buf_init(&b1, J3_BYTES_MAX);
  ctk_buf_init(&b2, J3_BYTES_MAX);
  ctk_ct_spec_order(&spec, order1, px->cities[0], px->cities[0]);
  if(!ctk_ct_build(t, CTK_IF_REPORT, &as.node, &to, &spec, &m1)) {
    ctk_ct_spec_order(&spec, order2, px->cities[0], px->cities[0]);
    if(!ctk_ct_build(t, CTK_IF_REPORT, &as.node, &to, &spec, &m2))
      id2 = ctk_ct_node(m2, CTK_CT_ROOT, CTK_EL_HEAD, CTK_EL_MSG_ID);
  }
  /* Give the second message the first one's message id. */
  if(id2)
    j3_set_text(id2, m1->head.msg_id);
  if(!id2 ||
     ctk_msg_encode(t->env->profile, m1, CTK_BIND_XML, CTK_ENC_UTF8, &b1) ||
     ctk_msg_encode(t->env->profile, m2, CTK_BIND_XML, CTK_ENC_UTF8, &b2)) {
    ctk_ct_error(t, 0, "the runner could not build its two reports with one message id");
    goto out;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(&b1), b1.len, CTK_BIND_XML,
                  "application/xml; charset=UTF-8", &r);
  ctk_ct_expect(t, &r, "OK", ctk_ct_iface_req(t, CTK_IF_REPORT), "first report");
  ctk_ct_reply_free(&r);
  if(!ctk_ct_done(t) && j3_expect_raw(t, 0, &b2, NULL, "DUPLICATE", duplicate, 0,
                                      "another report with the same message id")) {
    ctk_ct_order_spec q;
    ctk_ct_spec_order(&q, order2, px->cities[0], NULL);
    if(ctk_ct_city_step(t, 0, CTK_IF_QUERY, &q, "UNKNOWN_ORDER", duplicate,
                        "query of the order carried by the refused duplicate"))
      ctk_ct_pass(t, "same message id, other content: DUPLICATE, and nothing was stored");
  }
out:
  ctk_msg_free(m1);
  ctk_msg_free(m2);
  ctk_buf_free(&b1);
  ctk_buf_free(&b2);
}

/* ---------- bindings and encodings ---------- */

/* Is the media type of content_type (before any parameter) want? */
static int j3_media_type_is(const char *content_type, const char *want)
{
  size_t n = strcspn(content_type, ";");
  while(n && content_type[n - 1] == ' ')
    n--;
  return n == strlen(want) && !strncasecmp(content_type, want, n);
}

/* The encoding an answer declares: its Content-Type's charset parameter, else (RFC 7303
 * section 3.2: an XML media type without one) the encoding of its XML declaration. -1 when
 * neither names one the profile knows. */
static int j3_answer_encoding(const ctk_ct_reply *r)
{
  const char *cs = strcasestr(r->content_type, "charset=");
  const char *decl = ctk_buf_str(&r->raw);
  const char *end = decl && !strncmp(decl, "<?xml", 5) ? strstr(decl, "?>") : NULL;
  const char *enc = end ? strstr(decl, "encoding=") : NULL;
  char name[32];
  size_t n;

  if(cs) {
    cs += strlen("charset=");
    cs += *cs == '"';
    n = strcspn(cs, "\"; ");
  }
  else if(enc && enc < end) {
    cs = enc + strlen("encoding=") + 1;
    n = strcspn(cs, "\"'");
  }
  else
    return -1;
  snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), cs);
  return ctk_encoding_parse(name);
}

/* A GBK request is answered in GBK (J3-ENC-002: a node answers GBK-encoded messages): 0 when
 * it is; else the test has failed. */
static int j3_answered_in(ctk_ct *t, const ctk_ct_reply *r, ctk_encoding enc, const char *req,
                          const char *what)
{
  if(enc != CTK_ENC_GBK || j3_answer_encoding(r) == (int)CTK_ENC_GBK)
    return 0;
  ctk_ct_fail(t, req, "the answer to a %s declares \"%s\"%s, not GBK",
              what, r->content_type, j3_answer_encoding(r) < 0 ? " and no XML encoding" : "");
  return -1;
}

static void j3_report_over(ctk_ct *t, ctk_binding bnd, ctk_encoding enc, const char *req)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_city(t, 0);
  ctk_node to = ctk_ct_sut_node(t);
  char order[24];
  ctk_ct_order_spec spec;
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  char what[96];
  static const char subject[] = "出租车绕路多收费（测试：汉字、全角标点）";

  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
  spec.subject = subject;
  snprintf(what, sizeof(what), "report over %s in %s", ctk_binding_name(bnd),
           ctk_encoding_name(enc));
  if(ctk_ct_build(t, CTK_IF_REPORT, &as.node, &to, &spec, &m)) {
    ctk_ct_error(t, 0, "could not build a report");
    return;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &as, m, bnd, enc, &r);
  if(!ctk_ct_expect(t, &r, "OK", req, what))
    ; /* the expectation said what went wrong */
  else if(bnd == CTK_BIND_SOAP && !j3_media_type_is(r.content_type, "text/xml"))
    /* SOAP 1.1 section 6.1: a SOAP message over HTTP is text/xml, answers too; the binding
     * tests' first requirement is the SOAP binding */
    ctk_ct_fail(t, ctk_ct_req(t, 0), "the SOAP answer to a %s came as \"%s\", not text/xml",
                what, r.content_type);
  else if(j3_answered_in(t, &r, enc, req, what))
    ; /* said why */
  else {
    ctk_msg *q = NULL;
    ctk_ct_reply qr;
    ctk_buf bytes;
    ctk_ct_reply_init(&qr);
    ctk_buf_init(&bytes, 1024 * 1024);
    /* A GBK query names its media type only: without a charset parameter the XML declaration
     * says the encoding (RFC 7303 section 3.2), which a GBK-capable node must read too. */
    if(!ctk_ct_build(t, CTK_IF_QUERY, &as.node, &to, &spec, &q) &&
       !ctk_msg_encode(t->env->profile, q, bnd, enc, &bytes)) {
      ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(&bytes), bytes.len, bnd,
                      enc != CTK_ENC_GBK ? (bnd == CTK_BIND_SOAP ? "text/xml; charset=UTF-8"
                                                                 : "application/xml; charset=UTF-8")
                      : bnd == CTK_BIND_SOAP ? "text/xml" : "application/xml", &qr);
      if(ctk_ct_expect(t, &qr, "OK", req, "query over the same binding and encoding") &&
         !j3_answered_in(t, &qr, enc, req, "query with its encoding in the XML declaration only")) {
        const char *got = ctk_ct_get(qr.answer, CTK_EL_WORK_ORDER, CTK_EL_SUBJECT);
        if(!got || strcmp(got, subject))
          ctk_ct_fail(t, ctk_ct_rule(t, "encoding"), "the Chinese subject came back as \"%s\"",
                      got ? got : "(none)");
        else
          ctk_ct_pass(t, "%s accepted; the Chinese text came back unchanged", what);
      }
    }
    else if(!ctk_ct_done(t))
      ctk_ct_error(t, 0, "could not build or encode a query");
    ctk_buf_free(&bytes);
    ctk_ct_reply_free(&qr);
    ctk_msg_free(q);
  }
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
}

/* Each fails on the binding or encoding it is about, as its registry entry lists it. */
static void ctk_ct_j3_soap_report(ctk_ct *t)
{
  j3_report_over(t, CTK_BIND_SOAP, CTK_ENC_UTF8, ctk_ct_req(t, 0));
}

static void ctk_ct_j3_gbk_report(ctk_ct *t)
{
  j3_report_over(t, CTK_BIND_XML, CTK_ENC_GBK, ctk_ct_req(t, 0));
}

static void ctk_ct_j3_soap_gbk(ctk_ct *t)
{
  j3_report_over(t, CTK_BIND_SOAP, CTK_ENC_GBK, ctk_ct_req(t, 1));
}

/* ---------- what the SUT sends ---------- */

/* Each message on the link: valid against the profile, its region codes in the region table
 * (regions), authenticated as the SUT and addressed right. */
static int j3_check_link(ctk_ct *t, ctk_relay *relay, const ctk_region_db *regions,
                         const char *link, int to_ministry, size_t *count)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_node ministry = ctk_ct_ministry_node();
  size_t i, n = ctk_relay_count(relay, NULL);
  for(i = 0; i < n && !ctk_ct_done(t); i++) {
    ctk_relay_msg m;
    ctk_problems pr;
    ctk_msg *msg = NULL;
    if(!ctk_relay_get(relay, i, &m))
      continue;
    memset(&pr, 0, sizeof(pr));
    (*count)++;
    if(ctk_validate_bytes(t->env->profile, m.raw, m.raw_len,
                          m.soap ? CTK_BIND_SOAP : CTK_BIND_XML, &msg, &pr) ||
       ctk_region_check_msg(t->env->profile, regions, msg, &pr)) {
      const ctk_outcome *o = pr.count ? &pr.items[0] : NULL;
      ctk_ct_fail(t, o && o->requirement[0] ? o->requirement : ctk_ct_rule(t, "schema"),
                  "message %s (interface %s) the SUT sent to the %s is invalid: %s %s at %s",
                  m.msg_id[0] ? m.msg_id : "?", m.iface[0] ? m.iface : "?", link,
                  o ? o->code : "?", o ? o->text : "", o ? o->where : "");
    }
    else if(msg && strcmp(m.user, msg->head.sender.region))
      ctk_ct_fail(t, ctk_ct_rule(t, "auth"), "message %s to the %s authenticated as \"%s\" "
                  "but its sender is %s", m.msg_id, link, m.user, msg->head.sender.region);
    else if(msg && strcmp(msg->head.sender.region, px->sut_region))
      ctk_ct_fail(t, ctk_ct_rule(t, "route"), "message %s to the %s names sender %s, not the "
                  "SUT %s", m.msg_id, link, msg->head.sender.region, px->sut_region);
    else if(msg && to_ministry && strcmp(msg->head.receiver.region, ministry.region))
      ctk_ct_fail(t, ctk_ct_rule(t, "route"), "message %s to the ministry names receiver %s",
                  m.msg_id, msg->head.receiver.region);
    ctk_msg_free(msg);
    free(m.raw);
  }
  return !ctk_ct_done(t);
}

static void j3_check_outgoing(ctk_ct *t, const ctk_region_db *regions)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_roles *roles = t->env->roles;
  char order[24];
  ctk_ct_order_spec spec;
  size_t count = 0;
  size_t arrived;

  /* Make sure there is traffic to look at even when this test runs alone. */
  ctk_ct_order_id(px->cities[0], order);
  ctk_ct_spec_order(&spec, order, px->cities[0], px->cities[0]);
  if(!ctk_ct_city_step(t, 0, CTK_IF_REPORT, &spec, "OK", ctk_ct_iface_req(t, CTK_IF_REPORT),
                       "report") ||
     !ctk_ct_city_step(t, 0, CTK_IF_COMPLETE, &spec, "OK",
                       ctk_ct_iface_req(t, CTK_IF_COMPLETE), "complete"))
    return;
  /* Validate what came even if the completion never does: a broken message is the better
   * diagnosis than a missing one. */
  arrived = ctk_relay_wait(roles->ministry_relay,
                           ctk_profile_iface_code(t->env->profile, CTK_IF_COMPLETE), order, NULL,
                           1, px->propagate_timeout_ms);
  if(!j3_check_link(t, roles->ministry_relay, regions, "ministry", 1, &count) ||
     !j3_check_link(t, roles->city_relay, regions, "cities", 0, &count))
    return;
  if(!arrived) {
    ctk_ct_fail_timeout(t, ctk_ct_step_req(t, CTK_IF_COMPLETE), "the completion of %s never "
                        "reached the ministry",
                        order);
    return;
  }
  ctk_ct_pass(t, "all %zu messages the SUT sent to the ministry and the cities in this run are "
              "valid, with known region codes, authenticated as the SUT and correctly addressed", count);
}

static void ctk_ct_j3_outgoing(ctk_ct *t)
{
  ctk_region_db *regions = NULL;
  char err[600];

  if(ctk_region_check_load(t->env->profile, &regions, err, sizeof(err))) {
    ctk_ct_error(t, 0, "the region table of the profile: %s", err);
    return;
  }
  j3_check_outgoing(t, regions);
  ctk_region_free(regions);
}

/* ---------- the codec's invalid fixtures ---------- */

/* Value of key in an .expect line ("code=1003 requirement=J3-FMT-001 where=/..."). */
static void j3_expect_field(const char *line, const char *key, char *out, size_t outlen)
{
  char pat[32];
  const char *p;
  size_t n = 0;
  snprintf(pat, sizeof(pat), "%s=", key);
  out[0] = '\0';
  for(p = strstr(line, pat); p; p = strstr(p + 1, pat)) {
    if(p == line || p[-1] == ' ')
      break;
  }
  if(!p)
    return;
  p += strlen(pat);
  while(p[n] && p[n] != ' ' && p[n] != '\n' && n + 1 < outlen)
    n++;
  memcpy(out, p, n);
  out[n] = '\0';
}

/* The Jiangxi nodes of the fixtures, mapped onto this run's SUT and cities. */
static void j3_adapt(ctk_ct *t, ctk_buf *b)
{
  const ctk_pixit *px = t->env->pixit;
  static const char *const from[] = { "360100", "360200", "360000", "@C0@", "@C1@" };
  const char *to[5];
  size_t i;
  to[0] = "@C0@";
  to[1] = "@C1@";
  to[2] = px->sut_region;
  to[3] = px->cities[0];
  to[4] = px->cities[1];
  for(i = 0; i < 5; i++)
    ctk_ct_replace_all(b, from[i], to[i]);
}

/* The text of the node-region element inside the (first) sender element of text; NULL when
 * there is none. Lexical: a fixture may be broken on purpose. */
static const char *j3_sender_region(const ctk_profile *p, const char *text)
{
  char open[CTK_NAME_MAX + 3], close[CTK_NAME_MAX + 4], region[CTK_NAME_MAX + 3];
  const char *start, *end, *at;

  snprintf(open, sizeof(open), "<%s>", ctk_el(p, CTK_EL_SENDER));
  snprintf(close, sizeof(close), "</%s>", ctk_el(p, CTK_EL_SENDER));
  snprintf(region, sizeof(region), "<%s>", ctk_el(p, CTK_EL_NODE_REGION));
  start = strstr(text, open);
  end = start ? strstr(start, close) : NULL;
  at = start ? strstr(start, region) : NULL;
  if(!at || (end && at > end))
    return NULL;
  return at + strlen(region);
}

/* Send one fixture; 1 sent and checked, 0 skipped. */
static int j3_fixture(ctk_ct *t, const char *dir, const char *name)
{
  const ctk_pixit *px = t->env->pixit;
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as;
  char path[700], expect[512], code[16], req[CTK_ID_MAX], where[256], what[160];
  ctk_buf body, line;
  ctk_ct_reply r;
  int soap = strstr(name, ".soap.") != NULL;
  int gbk = strstr(name, "-gbk") != NULL;
  const char *sender;

  if(strstr(name, "-answer-") || (soap && !ctk_pics_has(t->env->pics, "binding.soap")) ||
     (gbk && !ctk_pics_has(t->env->pics, "encoding.gbk")))
    return 0;
  ctk_buf_init(&body, J3_BYTES_MAX);
  ctk_buf_init(&line, 4096);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if(ctk_file_read(path, J3_BYTES_MAX, &body)) {
    ctk_ct_error(t, 0, "cannot read fixture %s", path);
    goto out0;
  }
  snprintf(path, sizeof(path), "%s/%.*s.expect", dir, (int)(strlen(name) - 4), name);
  if(ctk_file_read(path, 4096, &line)) {
    ctk_ct_error(t, 0, "fixture %s has no .expect", name);
    goto out0;
  }
  ctk_strlcpy(expect, ctk_buf_str(&line), sizeof(expect));
  j3_expect_field(expect, "code", code, sizeof(code));
  j3_expect_field(expect, "requirement", req, sizeof(req));
  j3_expect_field(expect, "where", where, sizeof(where));
  /* Who sends it: a city of the SUT, or the ministry; messages "from" the SUT itself or from
   * another province cannot be sent to it meaningfully. The sender's region is read within
   * the sender element, wherever the profile puts it there. */
  sender = j3_sender_region(t->env->profile, ctk_buf_str(&body));
  if(!sender)
    as = ctk_ct_as_city(t, 0);
  else if(!strncmp(sender, "360100", 6))
    as = ctk_ct_as_city(t, 0);
  else if(!strncmp(sender, ctk_ct_ministry_node().region, 6))
    as = ctk_ct_as_ministry(t);
  else {
    ctk_buf_free(&body);
    ctk_buf_free(&line);
    return 0;
  }
  j3_adapt(t, &body);
  ctk_ct_reply_init(&r);
  snprintf(what, sizeof(what), "fixture %s (expects %s %s)", name, code, req);
  ctk_ct_send_raw(t, &sut, as.node.region, as.secret, ctk_buf_str(&body), body.len,
                  soap ? CTK_BIND_SOAP : CTK_BIND_XML,
                  soap ? (gbk ? "text/xml; charset=GBK" : "text/xml; charset=UTF-8")
                       : (gbk ? "application/xml; charset=GBK" : "application/xml; charset=UTF-8"),
                  &r);
  if(r.transport)
    ctk_ct_fail_timeout(t, req, "%s: no answer: %s", what, r.why.text);
  else if(soap && !r.answer && strstr(ctk_buf_str(&r.raw), "Fault") &&
          !strcmp(code, ctk_profile_rc(t->env->profile, "MALFORMED")))
    ; /* an unreadable SOAP envelope may get a SOAP Fault instead (docs/BASELINE.md) */
  else if(!r.answer)
    ctk_ct_fail(t, req, "%s: HTTP %ld without a readable Answer", what, r.http_status);
  else if(!strcmp(req, ctk_ct_code_req(t, CTK_EL_NODE_LEVEL)) && !strcmp(r.rc_name, "DENIED"))
    ; /* an endpoint checks the sender's level against its credentials before the schema */
  else if(strcmp(r.rc, code))
    ctk_ct_fail(t, req, "%s: answered %s %s \"%s\"", what, r.rc, r.rc_name,
                r.answer->outcome.text);
  else if(r.answer->outcome.requirement[0] && strcmp(r.answer->outcome.requirement, req))
    ctk_ct_fail(t, req, "%s: the answer names requirement %s", what,
                r.answer->outcome.requirement);
  else if(where[0] && !r.answer->outcome.where[0])
    ctk_ct_fail(t, req, "%s: the answer does not say where", what);
  ctk_ct_reply_free(&r);
  (void)px;
out0:
  ctk_buf_free(&body);
  ctk_buf_free(&line);
  return 1;
}

/* Is one of the messages of dir written in the profile in use (in its namespace)? */
static int j3_dir_speaks(const ctk_profile *p, const char *dir, char **names, size_t n)
{
  char path[1024];
  ctk_buf b;
  size_t i;
  int speaks = 0;

  ctk_buf_init(&b, J3_BYTES_MAX);
  for(i = 0; i < n && !speaks; i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    ctk_buf_reset(&b);
    speaks = !ctk_file_read(path, J3_BYTES_MAX, &b) && strstr(ctk_buf_str(&b), p->ns);
  }
  ctk_buf_free(&b);
  return speaks;
}

static void j3_fixture_note(void *ctx, const char *file, const char *text)
{
  ctk_ct *t = ctx;
  ctk_ct_record(t, CTK_XCHG_IN, "ctk profile fixtures", "", 0, 0, NULL, text, strlen(text));
  (void)file;
}

/* The invalid messages to send: CTK_FIXTURES_DIR's; else fixtures/messages/invalid of ctk's data
 * folder when they are written in the profile in use; else the profile's own set, composed into
 * the run's work directory (what `ctk profile fixtures` writes). dir gets the folder, names its
 * files. */
static long j3_invalid_set(ctk_ct *t, char *dir, size_t dirlen, char **names, size_t max)
{
  const char *env = getenv("CTK_FIXTURES_DIR");
  ctk_fixture_counts counts;
  char out[560];
  ctk_code result;
  long found, i;

  if(env && *env)
    snprintf(dir, dirlen, "%s/messages/invalid", env);
  else
    ctk_datadir_path("fixtures/messages/invalid", dir, dirlen);
  found = ctk_ct_list_files(dir, ".xml", names, max);
  if((env && *env) || (found > 0 && j3_dir_speaks(t->env->profile, dir, names, (size_t)found)))
    return found;
  for(i = 0; i < found; i++)
    free(names[i]);
  snprintf(out, sizeof(out), "%s/profile-fixtures", t->env->workdir);
  result = ctk_profile_fixtures(t->env->profile, out, &counts, j3_fixture_note, t);
  if(result && result != CTK_E_INVALID) {
    ctk_ct_error(t, 0, "the profile's invalid messages could not be composed into %s: %s", out,
                 ctk_strerror(result));
    return -1;
  }
  snprintf(dir, dirlen, "%s/invalid", out);
  return ctk_ct_list_files(dir, ".xml", names, max);
}

static void ctk_ct_j3_fixtures_invalid(ctk_ct *t)
{
  char dir[600];
  char *names[256];
  long found;
  size_t n, i, sent = 0;

  found = j3_invalid_set(t, dir, sizeof(dir), names, sizeof(names) / sizeof(names[0]));
  if(found < 0) {
    ctk_ct_error(t, 0, "the invalid messages %s are missing (set CTK_DATA_DIR to ctk's data folder "
                 "or CTK_FIXTURES_DIR)", dir);
    return;
  }
  n = (size_t)found;
  for(i = 0; i < n; i++) {
    if(names[i] && !ctk_ct_done(t) && !ctk_proc_interrupted())
      sent += (size_t)j3_fixture(t, dir, names[i]);
    free(names[i]);
  }
  if(!ctk_ct_done(t))
    ctk_ct_pass(t, "%zu invalid messages of %s answered with the result code and requirement "
                "their .expect names (%zu not sendable to this SUT)", sent, dir, n - sent);
}

/* The tests of this file, in run order; the runner lists this table in ctk_ct_registry.c. */
const ctk_ct_def ctk_j3_interfaces_tests[] = {
  { .id = "J3.if-1013-linkcheck",
    .name = "LinkCheck answers LinkCheckResult with the echo; the answer head correlates",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IF-013,J3-ENV-007",
    .needs = "", .sut = "any", .fn = ctk_ct_j3_linkcheck },
  { .id = "J3.if-1001-report",
    .name = "WorkOrderReport from a city is accepted and stored",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IF-001,J3-ENV-007",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_report },
  { .id = "J3.if-1010-query",
    .name = "WorkOrderQuery answers the order and its history",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IF-010,J1-FLOW-015",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_query },
  { .id = "J3.if-handling",
    .name = "Sign, feedback, complete, revisit and archive messages of a handling city are "
            "accepted",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IF-002,J3-IF-003,J3-IF-005,J3-IF-006,J3-IF-007,J3-IF-014",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_handling },
  { .id = "J3.if-1004-return",
    .name = "WorkOrderReturn of a transferred order is accepted",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IF-004",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_return },
  { .id = "J3.if-statistics",
    .name = "StatisticsReport from a city is accepted; one for another city's region is DENIED",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "interface.statistics",
    .requirements = "J3-IF-011,J3-SEC-005",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_stats },
  { .id = "J3.if-knowledge",
    .name = "KnowledgeSync from a city is accepted",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "interface.knowledge",
    .requirements = "J3-IF-012",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_knowledge },
  { .id = "J3.invalid-envelope",
    .name = "Invalid envelopes get the profile's result code and requirement",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-ENV-001,J3-ENV-003,J3-ENV-004,J3-ENV-005,J3-ENV-006,J3-ENV-008,J3-ENC-001",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_invalid },
  { .id = "J3.invalid-fields",
    .name = "Invalid fields get SCHEMA, FORMAT or CODE_VALUE with where and requirement",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-SCH-001,J3-FMT-001,J3-FMT-002,J3-FMT-003,J3-FMT-004,J3-FMT-005,"
                    "J3-CODE-002,J3-CODE-003,J3-CODE-004,J3-CODE-005,J3-CODE-009",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_invalid_fields },
  { .id = "J3.fixtures-invalid",
    .name = "Every invalid message of fixtures/messages gets the result code and requirement its "
            ".expect names",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-SCH-001,J3-FMT-001,J3-FMT-006,J3-CODE-001,J3-CODE-006,J3-CODE-007,"
                    "J3-CODE-008,J3-ENV-003,J3-ENV-005,J3-ENC-001,J3-SEC-001",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_fixtures_invalid },
  { .id = "J3.http-errors",
    .name = "HTTP errors only for wrong path (404) and method (405); business errors are 200",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-BIND-004",
    .needs = "", .sut = "any", .fn = ctk_ct_j3_http },
  { .id = "J3.soap-fault",
    .name = "An unreadable SOAP envelope gets a SOAP Fault; a readable one never does",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "binding.soap",
    .requirements = "J3-BIND-003,J3-BIND-002",
    .needs = "", .sut = "any", .fn = ctk_ct_j3_soap_fault },
  { .id = "J3.idempotent-repeat",
    .name = "The same message twice gets the same answer and changes nothing",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IDEM-001,J3-ENV-002,J2-REL-003",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_idem_repeat },
  { .id = "J3.idempotent-duplicate",
    .name = "A repeated MsgId with other content gets DUPLICATE",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-IDEM-002",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_idem_dup },
  { .id = "J3.binding-soap",
    .name = "A report over the SOAP binding is accepted and answered in SOAP",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "binding.soap",
    .requirements = "J3-BIND-002",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_soap_report },
  { .id = "J3.encoding-gbk",
    .name = "A GBK-encoded report is accepted and its Chinese text kept",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "encoding.gbk",
    .requirements = "J3-ENC-002,J3-ENC-001",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_gbk_report },
  { .id = "J3.binding-soap-gbk",
    .name = "A GBK report over SOAP is accepted",
    .part = "jtt1019-3", .area = "interfaces",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "binding.soap && encoding.gbk",
    .requirements = "J3-BIND-002,J3-ENC-002",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_soap_gbk },
  { .id = "J3.outgoing-valid",
    .name = "Every message the SUT sent to the ministry and the cities in this run is valid",
    .part = "jtt1019-3", .area = "outgoing",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-ENV-001,J3-ENV-004,J3-SCH-001,J3-FMT-002,J3-FMT-004,J3-FMT-005,"
                    "J3-CODE-001,J3-CODE-002,J3-CODE-003,J3-CODE-004,J3-SEC-004",
    .needs = "", .sut = "province", .fn = ctk_ct_j3_outgoing },
};

const size_t ctk_j3_interfaces_count =
  sizeof(ctk_j3_interfaces_tests) / sizeof(ctk_j3_interfaces_tests[0]);
