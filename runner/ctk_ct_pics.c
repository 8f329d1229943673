/* ctk_ct_pics: the PICS self-check that runs before every suite: each declared binding,
 * encoding and TLS must work for a LinkCheck; what does not is marked broken in the env. */
#include <stdio.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_ct.h"
#include "ctk_ct_msg.h"
#include "ctk_ct_req.h"
#include "ctk_ct_suites.h"
#include "ctk_roles.h"

static void pics_mark_broken(ctk_ct *t, const char *item)
{
  size_t used = strlen(t->env->broken);
  snprintf(t->env->broken + used, sizeof(t->env->broken) - used, "%s%s", used ? "," : "", item);
}

/* LinkCheck in binding b and encoding e; marks item broken when it fails. Fails on the
 * test's first requirement: the binding, encoding or TLS it is about. */
static void pics_linkcheck(ctk_ct *t, ctk_binding b, ctk_encoding e, const char *item)
{
  const char *req = ctk_ct_req(t, 0);
  ctk_ct_peer sut = ctk_ct_sut(t);
  ctk_ct_as as = ctk_ct_as_peer(t);
  ctk_node to = ctk_ct_sut_node(t);
  ctk_msg *m = NULL;
  ctk_ct_reply r;
  char what[96];

  snprintf(what, sizeof(what), "link check over %s in %s (declared in the PICS)",
           ctk_binding_name(b), ctk_encoding_name(e));
  if(ctk_ct_build(t, CTK_IF_LINK_CHECK, &as.node, &to, NULL, &m)) {
    ctk_ct_error(t, 0, "could not build a link check");
    return;
  }
  ctk_ct_reply_init(&r);
  ctk_ct_send(t, &sut, &as, m, b, e, &r);
  if(ctk_ct_expect(t, &r, "OK", req, what))
    ctk_ct_pass(t, "%s works", what);
  else if(item)
    pics_mark_broken(t, item);
  ctk_ct_reply_free(&r);
  ctk_msg_free(m);
}

static void ctk_ct_pics_xml(ctk_ct *t)
{
  pics_linkcheck(t, CTK_BIND_XML, CTK_ENC_UTF8, NULL);
}

static void ctk_ct_pics_soap(ctk_ct *t)
{
  pics_linkcheck(t, CTK_BIND_SOAP, CTK_ENC_UTF8, "binding.soap");
}

static void ctk_ct_pics_gbk(ctk_ct *t)
{
  pics_linkcheck(t, CTK_BIND_XML, CTK_ENC_GBK, "encoding.gbk");
}

static void ctk_ct_pics_tls(ctk_ct *t)
{
  if(strncmp(t->env->roles->sut_url, "https://", 8)) {
    ctk_ct_fail(t, ctk_ct_req(t, 0), "TLS is declared but the SUT is reached at %s (PIXIT sut.url "
                "must be https://)", t->env->roles->sut_url);
    pics_mark_broken(t, "security.tls");
    return;
  }
  pics_linkcheck(t, CTK_BIND_XML, CTK_ENC_UTF8, "security.tls");
}

/* The tests of this file, in run order; the runner lists this table in ctk_ct_registry.c. */
const ctk_ct_def ctk_ct_pics_tests[] = {
  { .id = "PICS.xml-utf8",
    .name = "LinkCheck over the plain XML binding in UTF-8",
    .part = "pics", .area = "pics-check",
    .conf_class = CTK_CLASS_MANDATORY, .pics = NULL,
    .requirements = "J3-BIND-001,J3-IF-013",
    .needs = "", .sut = "any", .fn = ctk_ct_pics_xml },
  { .id = "PICS.soap",
    .name = "Declared SOAP binding: a SOAP LinkCheck works",
    .part = "pics", .area = "pics-check",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "binding.soap",
    .requirements = "J3-BIND-002",
    .needs = "", .sut = "any", .fn = ctk_ct_pics_soap },
  { .id = "PICS.gbk",
    .name = "Declared GBK encoding: a GBK LinkCheck works",
    .part = "pics", .area = "pics-check",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "encoding.gbk",
    .requirements = "J3-ENC-002",
    .needs = "", .sut = "any", .fn = ctk_ct_pics_gbk },
  { .id = "PICS.tls",
    .name = "Declared TLS: the SUT answers over HTTPS",
    .part = "pics", .area = "pics-check",
    .conf_class = CTK_CLASS_OPTIONAL, .pics = "security.tls",
    .requirements = "J3-SEC-006,J2-SEC-002",
    .needs = "tls", .sut = "any", .fn = ctk_ct_pics_tls },
};

const size_t ctk_ct_pics_count =
  sizeof(ctk_ct_pics_tests) / sizeof(ctk_ct_pics_tests[0]);
