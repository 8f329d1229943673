/* test_translate: material written in one profile, translated into another (lib/proto/
 * ctk_translate), means there what it meant here: every valid sample message of the baseline
 * validates clean under the synthetic variant, every invalid one is refused for the same reason
 * (but for the listed differences of layout), the variant's own set translates back, and
 * `ctk profile fixtures` writes the hostile catalogue in the variant's words, which the runner
 * then sends as it is. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_file.h"
#include "ctk_test.h"
#include "ctk_translate.h"
#include "ctk_validate.h"

#define BASELINE "profiles/jtt1019-baseline"
#define VARIANT "profiles/synthetic-variant"
#define DIFFERS "tests/data/translate-differs.txt"
#define TR_MAX ((size_t)4 * 1024 * 1024)

/* Translate file path with t and validate the result under to. The result name of the first
 * problem into got ("OK" when clean). */
static void translated_result(const ctk_translate *t, const ctk_profile *to, const char *path,
                              char *got, size_t gotlen)
{
  ctk_buf in, out;
  ctk_problems problems;
  ctk_code result;
  const ctk_result_code *rc;

  ctk_buf_init(&in, TR_MAX);
  ctk_buf_init(&out, TR_MAX * 2);
  memset(&problems, 0, sizeof(problems));
  CU_ASSERT_FATAL(ctk_file_read(path, TR_MAX, &in) == CTK_E_OK);
  CU_ASSERT_FATAL(ctk_translate_text(t, in.data, in.len, &out) == CTK_E_OK);
  result = ctk_validate_bytes(to, out.data ? out.data : "", out.len,
                              strstr(path, ".soap.") ? CTK_BIND_SOAP : CTK_BIND_XML, NULL,
                              &problems);
  rc = result && problems.count ? ctk_profile_result_by_code(to, problems.items[0].code) : NULL;
  snprintf(got, gotlen, "%s", !result ? "OK" : rc ? rc->name : "?");
  if(result && getenv("CTK_TRANSLATE_VERBOSE"))
    fprintf(stderr, "test_translate: %s: %s %s %s\n", path, problems.items[0].code,
            problems.items[0].where, problems.items[0].text);
  ctk_buf_free(&in);
  ctk_buf_free(&out);
}

typedef void (*each_fn)(const char *dir, const char *name, void *ctx);

static size_t each_file(const char *dir, const char *suffix, each_fn fn, void *ctx)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t n = 0, sl = strlen(suffix);

  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  while((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if(len > sl && !strcmp(e->d_name + len - sl, suffix)) {
      fn(dir, e->d_name, ctx);
      n++;
    }
  }
  closedir(d);
  return n;
}

typedef struct tr_ctx {
  const ctk_translate *t;
  const ctk_profile *from;
  const ctk_profile *to;
  const char *differs;         /* the file of expected differences */
  size_t bad;
} tr_ctx;

static void valid_stays_valid(const char *dir, const char *name, void *ctx)
{
  tr_ctx *c = ctx;
  char path[1024], got[CTK_ID_MAX];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  translated_result(c->t, c->to, path, got, sizeof(got));
  if(strcmp(got, "OK")) {
    fprintf(stderr, "test_translate: %s translated is refused: %s\n", path, got);
    c->bad++;
  }
}

/* An invalid sample keeps its reason: the result its NAME.expect names ("code=1003 ..."). */
static void invalid_stays_invalid(const char *dir, const char *name, void *ctx)
{
  tr_ctx *c = ctx;
  char path[1024], expect_path[1024], got[CTK_ID_MAX], code[CTK_ID_MAX] = "", line[256];
  const ctk_result_code *want;
  char *expect;
  size_t stem = strlen(name) - 4;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  snprintf(expect_path, sizeof(expect_path), "%s/%.*s.expect", dir, (int)stem, name);
  expect = ctk_test_read_file(expect_path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(expect);
  sscanf(expect, "code=%31s", code);
  free(expect);
  want = ctk_profile_result_by_code(c->from, code);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  translated_result(c->t, c->to, path, got, sizeof(got));
  snprintf(line, sizeof(line), "\n%.*s %s", (int)stem, name, got);
  if(strcmp(got, want->name) && !strstr(c->differs, line)) {
    fprintf(stderr, "test_translate: %s translated gives %s, not %s\n", path, got, want->name);
    c->bad++;
  }
}

static void test_baseline_samples_into_variant(void)
{
  ctk_profile *variant = ctk_test_load_profile(VARIANT);
  ctk_translate *t = NULL;
  tr_ctx c;
  size_t n;

  CU_ASSERT_PTR_NOT_NULL_FATAL(variant);
  CU_ASSERT_FATAL(ctk_translate_new(ctk_test_profile(), variant, &t) == CTK_E_OK);
  memset(&c, 0, sizeof(c));
  c.t = t;
  c.from = ctk_test_profile();
  c.to = variant;
  c.differs = ctk_test_read_file(DIFFERS, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c.differs);
  n = each_file("fixtures/messages/valid", ".xml", valid_stays_valid, &c);
  CU_ASSERT(n >= 30);
  n = each_file("fixtures/messages/invalid", ".xml", invalid_stays_invalid, &c);
  CU_ASSERT(n >= 40);
  CU_ASSERT_EQUAL(c.bad, 0);
  free((char *)c.differs);
  ctk_translate_free(t);
  ctk_profile_free(variant);
}

/* The other way round: the variant's own composed set, into the baseline. */
static void test_variant_set_into_baseline(void)
{
  ctk_profile *variant = ctk_test_load_profile(VARIANT);
  const char *dir = ctk_test_tmpdir("translate-variant-set");
  ctk_translate *t = NULL;
  char cmd[1024], valid[1024];
  tr_ctx c;

  CU_ASSERT_PTR_NOT_NULL_FATAL(variant);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "'%s' profile fixtures %s '%s' 2>/dev/null", ctk_test_ctk_bin(),
           VARIANT, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  CU_ASSERT_FATAL(ctk_translate_new(variant, ctk_test_profile(), &t) == CTK_E_OK);
  memset(&c, 0, sizeof(c));
  c.t = t;
  c.from = variant;
  c.to = ctk_test_profile();
  snprintf(valid, sizeof(valid), "%s/valid", dir);
  CU_ASSERT(each_file(valid, ".xml", valid_stays_valid, &c) >= 30);
  CU_ASSERT_EQUAL(c.bad, 0);
  ctk_translate_free(t);
  ctk_profile_free(variant);
}

/* Under its own profile nothing changes, byte for byte (NUL bytes included). */
static void test_identity(void)
{
  static const char text[] = "<Message xmlns=\"urn:x\"><Head>\0<MsgId>a-b</MsgId></Head>";
  ctk_translate *t = NULL;
  ctk_buf out;

  CU_ASSERT_FATAL(ctk_translate_new(ctk_test_profile(), ctk_test_profile(), &t) == CTK_E_OK);
  CU_ASSERT(ctk_translate_is_identity(t));
  ctk_buf_init(&out, 4096);
  CU_ASSERT(ctk_translate_text(t, text, sizeof(text) - 1, &out) == CTK_E_OK);
  CU_ASSERT_EQUAL(out.len, sizeof(text) - 1);
  CU_ASSERT(out.data && !memcmp(out.data, text, sizeof(text) - 1));
  ctk_buf_free(&out);
  ctk_translate_free(t);
}

/* A folder written in the profile in use needs no translator (and no second load of that
 * profile); one written in another profile gets one. */
static void test_for_dir(void)
{
  ctk_profile *variant = NULL, *from = NULL;
  ctk_translate *t = NULL;
  char err[512];

  CU_ASSERT_FATAL(ctk_translate_for_dir("fixtures/hostile", ctk_test_profile(), &from, &t, err,
                                        sizeof(err)) == CTK_E_OK);
  CU_ASSERT_PTR_NULL(t);
  CU_ASSERT_PTR_NULL(from);
  CU_ASSERT_FATAL(ctk_profile_load(VARIANT, &variant, err, sizeof(err)) == CTK_E_OK);
  CU_ASSERT_FATAL(ctk_translate_for_dir("fixtures/hostile", variant, &from, &t, err,
                                        sizeof(err)) == CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(t);
  CU_ASSERT_PTR_NOT_NULL(from);
  CU_ASSERT_FALSE(t && ctk_translate_is_identity(t));
  ctk_translate_free(t);
  ctk_profile_free(from);
  ctk_profile_free(variant);
}

/* Broken text translates too (names renamed where they stand), and a value already wrong in
 * the baseline stays wrong; SOAP's own Body is never the profile's body. */
static void test_broken_text(void)
{
  static const char broken[] =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
    "<Message xmlns=\"urn:ctk12328:baseline:1\"><Head><MsgId>x</MsgId><InterfaceCode>9999"
    "</InterfaceCode><Body><WorkOrderReport><Channel>01</Channel><Chan";
  ctk_profile *variant = ctk_test_load_profile(VARIANT);
  ctk_translate *t = NULL;
  ctk_buf out;
  const char *s;

  CU_ASSERT_PTR_NOT_NULL_FATAL(variant);
  CU_ASSERT_FATAL(ctk_translate_new(ctk_test_profile(), variant, &t) == CTK_E_OK);
  ctk_buf_init(&out, 4096);
  CU_ASSERT_FATAL(ctk_translate_text(t, broken, sizeof(broken) - 1, &out) == CTK_E_OK);
  s = ctk_buf_str(&out);
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "<soap:Body><Request xmlns=\"urn:ctk12328:synthetic-variant:2\">"
                                   "<Header><MessageNo>x</MessageNo>"));
  CU_ASSERT_PTR_NULL(strstr(s, "9999"));  /* no interface here: none there either */
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "<Payload><TicketReport><SourceChannel>TEL</SourceChannel>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s, "<Chan"));
  CU_ASSERT_PTR_NULL(strstr(s, "baseline"));
  ctk_buf_free(&out);
  ctk_translate_free(t);
  ctk_profile_free(variant);
}

/* `ctk profile fixtures` writes the whole hostile catalogue in the variant's words. */
static void hostile_file(const char *dir, const char *name, void *ctx)
{
  tr_ctx *c = ctx;
  char path[1024];
  size_t len = 0;
  char *text, *body;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  text = ctk_test_read_file(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  body = strstr(text, "\n\n");
  if(body)
    *body = '\0';             /* the request line and headers; a body may quote anything */
  if(memmem(text, len, "urn:ctk12328:baseline", 21) || strstr(text, "\nPOST /exchange") ||
     memmem(text, len, "<MsgId>", 7) || memmem(text, len, "X-Ctk-Expect-Translated", 23)) {
    fprintf(stderr, "test_translate: %s still speaks the baseline\n", path);
    c->bad++;
  }
  free(text);
}

static void test_hostile_catalogue_translated(void)
{
  const char *dir = ctk_test_tmpdir("translate-hostile");
  char cmd[4096], hostile[1024];
  size_t written;
  tr_ctx c;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "'%s' profile fixtures %s '%s' 2>/dev/null", ctk_test_ctk_bin(),
           VARIANT, dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  memset(&c, 0, sizeof(c));
  snprintf(hostile, sizeof(hostile), "%s/hostile", dir);
  written = each_file(hostile, ".http", hostile_file, &c);
  CU_ASSERT(written >= 100);
  CU_ASSERT_EQUAL(c.bad, 0);
  /* the written set, sent as it is by J2.hostile-input against a variant province */
  snprintf(cmd, sizeof(cmd), "CTK_HOSTILE_DIR='%s' '%s' run --sut province --profile %s "
           "--pics fixtures/pics/reference-province.pics "
           "--pixit fixtures/pixit/reference-province.pixit --select id:J2.hostile-input "
           "--out '%s/run' --quiet > '%s/run.log' 2>&1", hostile, ctk_test_ctk_bin(), VARIANT,
           dir, dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 0);
}

/* Any prefix of any hostile request translates without a fault (under ASan in make asan):
 * tags cut anywhere, CDATA and escapes left open, NUL bytes. */
static void truncations(const char *dir, const char *name, void *ctx)
{
  tr_ctx *c = ctx;
  char path[1024];
  size_t len = 0, cut, step;
  char *text;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  text = ctk_test_read_file(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  step = len / 29 + 1;
  for(cut = 0; cut <= len; cut += step) {
    ctk_buf out;
    ctk_buf_init(&out, TR_MAX);
    if(ctk_translate_http(c->t, text, cut, &out) != CTK_E_OK)
      c->bad++;
    ctk_buf_free(&out);
  }
  free(text);
}

static void test_truncated_input(void)
{
  ctk_profile *variant = ctk_test_load_profile(VARIANT);
  ctk_translate *t = NULL;
  tr_ctx c;

  CU_ASSERT_PTR_NOT_NULL_FATAL(variant);
  CU_ASSERT_FATAL(ctk_translate_new(ctk_test_profile(), variant, &t) == CTK_E_OK);
  memset(&c, 0, sizeof(c));
  c.t = t;
  CU_ASSERT(each_file("fixtures/hostile", ".http", truncations, &c) >= 100);
  CU_ASSERT_EQUAL(c.bad, 0);
  ctk_translate_free(t);
  ctk_profile_free(variant);
}

void ctk_test_add_translate(CU_pSuite suite)
{
  CTK_TEST(suite, test_truncated_input);
  CTK_TEST(suite, test_identity);
  CTK_TEST(suite, test_for_dir);
  CTK_TEST(suite, test_broken_text);
  CTK_TEST(suite, test_baseline_samples_into_variant);
  CTK_TEST(suite, test_variant_set_into_baseline);
  CTK_TEST(suite, test_hostile_catalogue_translated);
}
