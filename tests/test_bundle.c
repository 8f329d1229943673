/* test_bundle: the signed evidence bundle: keys, building, verifying, every kind of tampering,
 * the ctk bundle / ctk verify commands, and the rollout view built on verified bundles. */
#include <CUnit/CUnit.h>
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctk_bundle.h"
#include "ctk_file.h"
#include "ctk_report.h"
#include "ctk_report_rollout.h"
#include "ctk_test.h"

#define PASS_FIXTURE "tests/data/results/province-360000-pass.json"
#define FAIL_FIXTURE "tests/data/results/province-360000-fail.json"

static char keydir[512];
static char priv[700], pub[700], other_pub[700];

/* One key pair per suite run, plus a second public key that did not sign anything. */
static void ensure_keys(void)
{
  char err[256], prefix[600];
  if(keydir[0])
    return;
  ctk_strlcpy(keydir, ctk_test_tmpdir("bundle-keys"), sizeof(keydir));
  snprintf(prefix, sizeof(prefix), "%s/signer", keydir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_keygen(prefix, err, sizeof(err)), CTK_E_OK);
  snprintf(priv, sizeof(priv), "%s.pem", prefix);
  snprintf(pub, sizeof(pub), "%s.pub.pem", prefix);
  snprintf(prefix, sizeof(prefix), "%s/other", keydir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_keygen(prefix, err, sizeof(err)), CTK_E_OK);
  snprintf(other_pub, sizeof(other_pub), "%s.pub.pem", prefix);
}

static void write_text(const char *dir, const char *name, const char *text)
{
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  CU_ASSERT_EQUAL_FATAL(ctk_file_write_atomic(path, text, strlen(text), 0644), CTK_E_OK);
}

/* A results directory from a fixture, with the region changed when region is not NULL. */
static void make_results_dir(const char *dir, const char *fixture, const char *region)
{
  ctk_run *run = NULL;
  ctk_buf b;
  char err[256], path[700];

  CU_ASSERT_EQUAL_FATAL(ctk_report_json_load(fixture, &run, err, sizeof(err)), CTK_E_OK);
  if(region)
    ctk_strlcpy(run->sut.region, region, sizeof(run->sut.region));
  ctk_buf_init(&b, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_report_json_write(run, &b), CTK_E_OK);
  snprintf(path, sizeof(path), "%s/results.json", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_file_write_atomic(path, b.data, b.len, 0644), CTK_E_OK);
  ctk_buf_free(&b);
  ctk_run_free(run);
  snprintf(path, sizeof(path), "%s/messages", dir);
  mkdir(path, 0700);
  write_text(dir, "messages/0001-out.xml", "<Message xmlns=\"urn:ctk12328:baseline:1\"/>\n");
  write_text(dir, "run.log", "ts=2026-11-20T09:00:00 level=info msg=\"run started\"\n");
  /* Neither of these may end up in a bundle. */
  write_text(dir, "signing.key.pem", "-----BEGIN PRIVATE KEY-----\n");
  write_text(dir, "core.bin", "\x7f" "ELF");
  write_text(dir, "messages/credentials.csv", "region,hash\n");
  write_text(dir, "DB_Password.txt", "x\n");
  write_text(dir, "api-token.log", "x\n");
  /* what a deny-list of words missed: only the kinds a bundle holds go in */
  write_text(dir, "id_ed25519.txt", "-----BEGIN OPENSSH PRIVATE KEY-----\n");
  write_text(dir, "creds.csv", "360100,secret\n");
  write_text(dir, "ctk.db", "SQLite format 3");
}

static ctk_code verify(const char *bundle, const char *key, ctk_bundle_check *c)
{
  char err[512];
  ctk_bundle_check_init(c);
  return ctk_bundle_verify(bundle, key, c, err, sizeof(err));
}

typedef enum { EDIT_FLIP, EDIT_REMOVE, EDIT_ADD, EDIT_UNSAFE, EDIT_DUPLICATE, EDIT_LINK,
               EDIT_REPLACE } edit_kind;

/* EDIT_REPLACE: the new bytes of the target member. */
static const char *replace_with;
static size_t replace_len;

/* Copy the archive src to dst, editing the member named target. */
static void rewrite(const char *src, const char *dst, const char *target, edit_kind kind)
{
  struct archive *in = archive_read_new();
  struct archive *out = archive_write_new();
  struct archive_entry *e;
  static char data[4 * 1024 * 1024];

  archive_read_support_filter_gzip(in);
  archive_read_support_format_tar(in);
  CU_ASSERT_EQUAL_FATAL(archive_read_open_filename(in, src, 16384), ARCHIVE_OK);
  archive_write_add_filter_gzip(out);
  archive_write_set_format_pax_restricted(out);
  CU_ASSERT_EQUAL_FATAL(archive_write_open_filename(out, dst), ARCHIVE_OK);
  while(archive_read_next_header(in, &e) == ARCHIVE_OK) {
    la_ssize_t n = archive_read_data(in, data, sizeof(data));
    int is_target = !strcmp(archive_entry_pathname(e), target);
    CU_ASSERT_FATAL(n >= 0);
    if(is_target && kind == EDIT_REMOVE)
      continue;
    if(is_target && kind == EDIT_FLIP)
      data[n / 2] ^= 0x01;
    if(is_target && kind == EDIT_REPLACE) {
      memcpy(data, replace_with, replace_len);
      n = (la_ssize_t)replace_len;
      archive_entry_set_size(e, n);
    }
    archive_write_header(out, e);
    archive_write_data(out, data, (size_t)n);
    if(is_target && kind == EDIT_DUPLICATE) {
      archive_write_header(out, e);
      archive_write_data(out, data, (size_t)n);
    }
  }
  if(kind == EDIT_LINK) {
    /* a hard link: tar -x makes the name another name of the target's file */
    struct archive_entry *x = archive_entry_new();
    archive_entry_set_pathname(x, "extra.log");
    archive_entry_set_hardlink(x, target);
    archive_entry_set_filetype(x, AE_IFREG);
    archive_entry_set_perm(x, 0644);
    archive_write_header(out, x);
    archive_entry_free(x);
  }
  if(kind == EDIT_ADD || kind == EDIT_UNSAFE) {
    struct archive_entry *x = archive_entry_new();
    archive_entry_set_pathname(x, kind == EDIT_ADD ? target : "../../etc/evil");
    archive_entry_set_size(x, 4);
    archive_entry_set_filetype(x, AE_IFREG);
    archive_entry_set_perm(x, 0644);
    archive_write_header(out, x);
    archive_write_data(out, "evil", 4);
    archive_entry_free(x);
  }
  archive_read_free(in);
  archive_write_close(out);
  archive_write_free(out);
}

static const char *members[] = { "manifest.json", "manifest.sig", "results.json", "junit.xml",
                                 "report.html", "messages/0001-out.xml", "run.log" };

static void build_bundle(const char *name, const char *fixture, const char *region, char *out,
                         size_t outlen)
{
  char dir[600], err[512] = "";
  ensure_keys();
  ctk_strlcpy(dir, ctk_test_tmpdir(name), sizeof(dir));
  make_results_dir(dir, fixture, region);
  snprintf(out, outlen, "%s/bundle.tar.gz", dir);
  CU_ASSERT_EQUAL_FATAL(ctk_bundle_create(dir, priv, out, err, sizeof(err)), CTK_E_OK);
}

static void test_keygen(void)
{
  char err[256], prefix[700], fp1[65], fp2[65];
  struct stat st;
  ensure_keys();
  CU_ASSERT_EQUAL(stat(priv, &st), 0);
  CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
  /* Never overwrite a key. */
  snprintf(prefix, sizeof(prefix), "%s/signer", keydir);
  CU_ASSERT_EQUAL(ctk_bundle_keygen(prefix, err, sizeof(err)), CTK_E_EXISTS);
  /* Private and public files name the same key; another key differs. */
  CU_ASSERT_EQUAL(ctk_bundle_key_fingerprint(priv, fp1, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_bundle_key_fingerprint(pub, fp2, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(fp1, fp2);
  CU_ASSERT_EQUAL(ctk_bundle_key_fingerprint(other_pub, fp2, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_NOT_EQUAL(fp1, fp2);
  CU_ASSERT_EQUAL(strlen(fp1), 64);
  CU_ASSERT_NOT_EQUAL(ctk_bundle_key_fingerprint("data/regions.csv", fp1, err, sizeof(err)),
                      CTK_E_OK);
}

static void test_build_and_verify(void)
{
  char bundle[700];
  ctk_bundle_check c;
  struct archive *a;
  struct archive_entry *e;
  static char manifest[1024 * 1024];
  la_ssize_t n = 0;
  size_t names = 0;

  build_bundle("bundle-ok", PASS_FIXTURE, NULL, bundle, sizeof(bundle));
  CU_ASSERT_EQUAL(verify(bundle, pub, &c), CTK_E_OK);
  CU_ASSERT_TRUE(c.signature_checked);
  CU_ASSERT_TRUE(c.signature_ok);
  CU_ASSERT_EQUAL(c.files_ok, 5);
  CU_ASSERT_EQUAL(c.n_problems, 0);
  CU_ASSERT_TRUE(c.certifiable);
  CU_ASSERT_EQUAL(c.exit_code, 0);
  CU_ASSERT_STRING_EQUAL(c.sut_region, "360000");
  CU_ASSERT_STRING_EQUAL(c.signer_fingerprint, c.key_fingerprint);
  ctk_bundle_check_free(&c);

  /* The members are exactly the expected ones, manifest first; no key, no binary. */
  a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  CU_ASSERT_EQUAL_FATAL(archive_read_open_filename(a, bundle, 16384), ARCHIVE_OK);
  while(archive_read_next_header(a, &e) == ARCHIVE_OK) {
    const char *p = archive_entry_pathname(e);
    size_t i;
    int known = 0;
    if(names == 0) {
      CU_ASSERT_STRING_EQUAL(p, "manifest.json");
      n = archive_read_data(a, manifest, sizeof(manifest) - 1);
      CU_ASSERT_FATAL(n > 0);
      manifest[n] = '\0';
    }
    for(i = 0; i < sizeof(members) / sizeof(members[0]); i++)
      known |= !strcmp(p, members[i]);
    CU_ASSERT_TRUE(known);
    names++;
  }
  archive_read_free(a);
  CU_ASSERT_EQUAL(names, 7);
  CU_ASSERT_PTR_NOT_NULL(strstr(manifest, "\"certifiable\": true"));
  CU_ASSERT_PTR_NOT_NULL(strstr(manifest, "\"sut.password\": \"****\""));
  CU_ASSERT_PTR_NULL(strstr(manifest, "do-not-leak"));
  CU_ASSERT_PTR_NOT_NULL(strstr(manifest, "\"path\": \"report.html\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(manifest, "\"key_sha256\""));
}

static void test_every_member_tampered(void)
{
  char bundle[700], bad[760];
  size_t i;

  build_bundle("bundle-tamper", PASS_FIXTURE, NULL, bundle, sizeof(bundle));
  snprintf(bad, sizeof(bad), "%s.bad.tar.gz", bundle);
  for(i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
    ctk_bundle_check c;
    char want[128];
    const char *problems;
    rewrite(bundle, bad, members[i], EDIT_FLIP);
    CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_INVALID);
    problems = ctk_buf_str(&c.problems);
    if(i < 2)
      snprintf(want, sizeof(want), "signature:");
    else
      snprintf(want, sizeof(want), "changed: %s", members[i]);
    CU_ASSERT_PTR_NOT_NULL(strstr(problems, want));
    if(!strstr(problems, want))
      fprintf(stderr, "flipping %s: problems were:\n%s\n", members[i], problems);
    ctk_bundle_check_free(&c);
  }
}

static void test_missing_extra_duplicate_unsafe(void)
{
  char bundle[700], bad[760];
  ctk_bundle_check c;

  build_bundle("bundle-shape", PASS_FIXTURE, NULL, bundle, sizeof(bundle));
  snprintf(bad, sizeof(bad), "%s.bad.tar.gz", bundle);

  rewrite(bundle, bad, "junit.xml", EDIT_REMOVE);
  CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), "missing: junit.xml"));
  ctk_bundle_check_free(&c);

  rewrite(bundle, bad, "manifest.sig", EDIT_REMOVE);
  CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), "missing: manifest.sig"));
  ctk_bundle_check_free(&c);

  rewrite(bundle, bad, "extra/run.sh", EDIT_ADD);
  CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), "extra: extra/run.sh"));
  ctk_bundle_check_free(&c);

  rewrite(bundle, bad, "", EDIT_UNSAFE);
  CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), "unsafe member name: ../../etc/evil"));
  ctk_bundle_check_free(&c);

  rewrite(bundle, bad, "report.html", EDIT_DUPLICATE);
  CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), "duplicate member: report.html"));
  ctk_bundle_check_free(&c);

  /* Not a tar.gz at all: a clear error, not a crash. */
  {
    char err[256] = "";
    ctk_bundle_check_init(&c);
    CU_ASSERT_NOT_EQUAL(ctk_bundle_verify("data/regions.csv", pub, &c, err, sizeof(err)),
                        CTK_E_OK);
    CU_ASSERT_TRUE(strlen(err) > 0);
    ctk_bundle_check_free(&c);
  }
}

/* A bundle cut at any length is refused with a reason, never read past its end. */
/* ---- canonical bundles only ---- */

/* The test signer's raw Ed25519 signature of text, into sig. */
static void sign_with_test_key(const char *text, size_t len, unsigned char sig[64])
{
  FILE *f = fopen(priv, "r");
  EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t siglen = 64;

  if(f)
    fclose(f);
  CU_ASSERT_FATAL(k && ctx);
  CU_ASSERT_EQUAL(EVP_DigestSignInit(ctx, NULL, NULL, NULL, k), 1);
  CU_ASSERT_EQUAL(EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)text, len), 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(k);
}

/* bundle with its manifest replaced by text, signed by the signer: out. */
static void resigned(const char *bundle, const char *text, const char *out)
{
  char mid[800];
  static unsigned char sig[64];
  snprintf(mid, sizeof(mid), "%s.mid.tar.gz", out);
  replace_with = text;
  replace_len = strlen(text);
  rewrite(bundle, mid, "manifest.json", EDIT_REPLACE);
  sign_with_test_key(text, strlen(text), sig);
  replace_with = (const char *)sig;
  replace_len = sizeof(sig);
  rewrite(mid, out, "manifest.sig", EDIT_REPLACE);
}

/* Problems of verifying path, which must be refused: the text of its problems (static). */
static const char *refused_for(const char *path)
{
  static char text[8192];
  ctk_bundle_check c;
  CU_ASSERT_EQUAL(verify(path, pub, &c), CTK_E_INVALID);
  ctk_strlcpy(text, ctk_buf_str(&c.problems), sizeof(text));
  ctk_bundle_check_free(&c);
  return text;
}

/* Everything another reader might take differently is refused, with a valid signature or
 * not: bytes after the gzip stream, a second archive after the first, a name that tar -x
 * writes onto another member, a link, a manifest that says one key twice or has more after
 * it. A name with a line break cannot print a line of its own. */
static void test_canonical_bundles_only(void)
{
  char bundle[700], bad[760];
  size_t len = 0;
  char *data;
  char *manifest;
  char *at;
  ctk_buf b;
  const char *problems;

  build_bundle("bundle-canon", PASS_FIXTURE, NULL, bundle, sizeof(bundle));
  snprintf(bad, sizeof(bad), "%s.bad.tar.gz", bundle);
  data = ctk_test_read_file(bundle, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  ctk_buf_init(&b, 2 * len + 64);

  ctk_buf_add(&b, data, len);
  ctk_buf_adds(&b, "appended after the bundle");
  CU_ASSERT_EQUAL(ctk_file_write_atomic(bad, b.data, b.len, 0644), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "after the end of the gzip stream"));

  ctk_buf_reset(&b);
  ctk_buf_add(&b, data, len);
  ctk_buf_add(&b, data, len);  /* a second gzip stream: gzip -d reads on */
  CU_ASSERT_EQUAL(ctk_file_write_atomic(bad, b.data, b.len, 0644), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "after the end of the tar archive"));

  rewrite(bundle, bad, "./report.html", EDIT_ADD);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "unsafe member name: ./report.html"));
  rewrite(bundle, bad, "messages//0001-out.xml", EDIT_ADD);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "unsafe member name"));
  rewrite(bundle, bad, "run.log", EDIT_LINK);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "not a regular file: extra.log"));
  rewrite(bundle, bad, "x\nVALID bundle.tar.gz: signature ok", EDIT_ADD);
  problems = refused_for(bad);
  CU_ASSERT_PTR_NULL(strstr(problems, "\nVALID"));
  CU_ASSERT_PTR_NOT_NULL(strstr(problems, "x\\nVALID"));

  /* the signer's own manifest, made ambiguous and signed again */
  free(data);
  data = NULL;
  {
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    static char text[1024 * 1024];
    la_ssize_t n = 0;
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    CU_ASSERT_EQUAL_FATAL(archive_read_open_filename(a, bundle, 16384), ARCHIVE_OK);
    CU_ASSERT_EQUAL_FATAL(archive_read_next_header(a, &e), ARCHIVE_OK);
    n = archive_read_data(a, text, sizeof(text) - 64);
    archive_read_free(a);
    CU_ASSERT_FATAL(n > 0);
    text[n] = '\0';
    manifest = text;
  }
  resigned(bundle, manifest, bad);  /* the control: re-signed as it was, it is valid */
  {
    ctk_bundle_check c;
    CU_ASSERT_EQUAL(verify(bad, pub, &c), CTK_E_OK);
    ctk_bundle_check_free(&c);
  }
  at = strstr(manifest, "\"certifiable\": true");
  CU_ASSERT_PTR_NOT_NULL_FATAL(at);
  ctk_buf_reset(&b);
  ctk_buf_add(&b, manifest, (size_t)(at - manifest));
  ctk_buf_adds(&b, "\"certifiable\": false,\n  ");
  ctk_buf_adds(&b, at);
  resigned(bundle, ctk_buf_str(&b), bad);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "a key given twice"));
  ctk_buf_reset(&b);
  ctk_buf_adds(&b, manifest);
  ctk_buf_adds(&b, "{\"certifiable\": false}\n");
  resigned(bundle, ctk_buf_str(&b), bad);
  CU_ASSERT_PTR_NOT_NULL(strstr(refused_for(bad), "bytes after the JSON document"));
  ctk_buf_free(&b);
}

/* A member that declares more than a bundle may hold is refused at its header, without being
 * read or skipped (which reads it too): a tar header patched to ~8 GiB over 4 bytes of data. */
static void test_oversized_member_costs_nothing(void)
{
  struct archive *w;
  struct archive_entry *e;
  static unsigned char tar[3 * 512 + 10240];
  size_t used = 0;
  unsigned sum = 0;
  size_t i;
  char path[700], err[512] = "";
  ctk_bundle_check c;
  clock_t cpu;

  /* a plain tar of one 4-byte member, written by libarchive into memory */
  w = archive_write_new();
  archive_write_set_format_ustar(w);
  archive_write_open_memory(w, tar, sizeof(tar), &used);
  e = archive_entry_new();
  archive_entry_set_pathname(e, "run.log");
  archive_entry_set_size(e, 4);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_write_header(w, e);
  archive_write_data(w, "evil", 4);
  archive_entry_free(e);
  archive_write_close(w);
  archive_write_free(w);
  CU_ASSERT_FATAL(used >= 1024);
  /* its size field says 8 GiB - 1 now, its checksum is made again */
  memcpy(tar + 124, "77777777777", 12);
  memset(tar + 148, ' ', 8);
  for(i = 0; i < 512; i++)
    sum += tar[i];
  snprintf((char *)tar + 148, 8, "%06o", sum);
  snprintf(path, sizeof(path), "%s/huge.tar.gz", ctk_test_tmpdir("bundle-huge"));
  w = archive_write_new();
  archive_write_add_filter_gzip(w);
  archive_write_set_format_raw(w);
  CU_ASSERT_EQUAL_FATAL(archive_write_open_filename(w, path), ARCHIVE_OK);
  e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_write_header(w, e);
  archive_write_data(w, tar, used);
  archive_entry_free(e);
  archive_write_close(w);
  archive_write_free(w);

  ensure_keys();
  ctk_bundle_check_init(&c);
  cpu = clock();
  CU_ASSERT_EQUAL(ctk_bundle_verify(path, pub, &c, err, sizeof(err)), CTK_E_TOOBIG);
  CU_ASSERT((double)(clock() - cpu) / CLOCKS_PER_SEC < 1.0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "run.log: declares 8589934591 bytes"));
  ctk_bundle_check_free(&c);
}

/* ctk bundle takes only the results folder's own regular files: not a hard link to a file
 * elsewhere (it might be anything), and only the kinds a bundle holds (build_and_verify). */
static void test_bundle_refuses_hard_links(void)
{
  char dir[600], outside[700], linked[700], out[700], err[512] = "";
  FILE *f;

  ensure_keys();
  ctk_strlcpy(dir, ctk_test_tmpdir("bundle-hardlink"), sizeof(dir));
  make_results_dir(dir, PASS_FIXTURE, NULL);
  snprintf(outside, sizeof(outside), "%s/outside-secret", ctk_test_tmpdir("bundle-outside"));
  f = fopen(outside, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("not the run's\n", f);
  fclose(f);
  snprintf(linked, sizeof(linked), "%s/stolen.log", dir);
  CU_ASSERT_EQUAL_FATAL(link(outside, linked), 0);
  snprintf(out, sizeof(out), "%s/bundle.tar.gz", dir);
  CU_ASSERT_NOT_EQUAL(ctk_bundle_create(dir, priv, out, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "stolen.log has 2 links"));
  CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
}

static void test_truncated(void)
{
  char bundle[700], cut[760];
  size_t len = 0, at;
  char *data;

  build_bundle("bundle-cut", PASS_FIXTURE, NULL, bundle, sizeof(bundle));
  data = ctk_test_read_file(bundle, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  snprintf(cut, sizeof(cut), "%s.cut.tar.gz", bundle);
  for(at = 0; at < len; at += len / 23 + 1) {
    ctk_bundle_check c;
    CU_ASSERT_EQUAL_FATAL(ctk_file_write_atomic(cut, data, at, 0644), CTK_E_OK);
    CU_ASSERT_NOT_EQUAL(verify(cut, pub, &c), CTK_E_OK);
    ctk_bundle_check_free(&c);
  }
  free(data);
}

static void test_wrong_key(void)
{
  char bundle[700];
  ctk_bundle_check c;
  build_bundle("bundle-wrongkey", PASS_FIXTURE, NULL, bundle, sizeof(bundle));
  CU_ASSERT_EQUAL(verify(bundle, other_pub, &c), CTK_E_INVALID);
  CU_ASSERT_FALSE(c.signature_ok);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), "does not verify"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.problems), c.signer_fingerprint));
  ctk_bundle_check_free(&c);
}

static void test_not_certifiable(void)
{
  char bundle[700];
  ctk_bundle_check c;
  build_bundle("bundle-fail", FAIL_FIXTURE, NULL, bundle, sizeof(bundle));
  /* A valid bundle of a failing run: authentic, and says it is not certifiable. */
  CU_ASSERT_EQUAL(verify(bundle, pub, &c), CTK_E_OK);
  CU_ASSERT_FALSE(c.certifiable);
  CU_ASSERT_EQUAL(c.exit_code, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.failing_requirements), "J1-FLOW-004"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&c.failing_requirements), "J3-IF-020"));
  ctk_bundle_check_free(&c);
}

static void test_cli(void)
{
  const char *dir = ctk_test_tmpdir("bundle-cli");
  const char *bin = ctk_test_ctk_bin();
  char cmd[4096], *out = NULL;
  int rc;

  make_results_dir(dir, PASS_FIXTURE, NULL);
  snprintf(cmd, sizeof(cmd),
           "cd %s && %s bundle keygen --out k >/dev/null && "
           "%s bundle --results . --key k.pem --out b.tar.gz >/dev/null && "
           "%s verify b.tar.gz --key k.pub.pem 2>&1",
           dir, bin, bin, bin);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "VALID") : NULL);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "certifiable") : NULL);
  free(out);

  {
    char src[700], bad[700];
    snprintf(src, sizeof(src), "%s/b.tar.gz", dir);
    snprintf(bad, sizeof(bad), "%s/bad.tar.gz", dir);
    rewrite(src, bad, "report.html", EDIT_FLIP);
  }
  snprintf(cmd, sizeof(cmd), "cd %s && %s verify bad.tar.gz --key k.pub.pem 2>&1", dir, bin);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 1);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "changed: report.html") : NULL);
  free(out);

  /* no key: usage (3); a key that is not there: nothing checked (2) */
  snprintf(cmd, sizeof(cmd), "cd %s && %s verify b.tar.gz 2>&1", dir, bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "cd %s && %s verify b.tar.gz --key nokey.pem 2>&1", dir, bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 2);
  snprintf(cmd, sizeof(cmd), "cd %s && %s bundle --results . --key k.pem 2>&1", dir, bin);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, NULL), 3);
  snprintf(cmd, sizeof(cmd), "cd %s && %s bundle --results nodir --key k.pem --out x.tgz 2>&1",
           dir, bin);
  rc = ctk_test_run(cmd, &out);
  CU_ASSERT_EQUAL(rc, 2);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "nodir/results.json") : NULL);
  free(out);
}

static void test_rollout(void)
{
  char ok360[700], fail110[700], tampered[760], src320[700];
  const char *bundles[3];
  ctk_rollout_options opt;
  ctk_buf html, text;
  char err[512];
  const char *t;

  build_bundle("rollout-360000", PASS_FIXTURE, NULL, ok360, sizeof(ok360));
  build_bundle("rollout-110000", FAIL_FIXTURE, "110000", fail110, sizeof(fail110));
  build_bundle("rollout-320000", PASS_FIXTURE, "320000", src320, sizeof(src320));
  snprintf(tampered, sizeof(tampered), "%s.bad.tar.gz", src320);
  rewrite(src320, tampered, "results.json", EDIT_FLIP);
  bundles[0] = ok360;
  bundles[1] = fail110;
  bundles[2] = tampered;

  memset(&opt, 0, sizeof(opt));
  opt.bundles = bundles;
  opt.n_bundles = 3;
  opt.pubkey_pem = pub;
  opt.units_csv = "data/rollout-2016.csv";
  opt.today = "2016-08-15";
  ctk_buf_init(&html, CTK_REPORT_MAX_BYTES);
  ctk_buf_init(&text, CTK_REPORT_MAX_BYTES);
  CU_ASSERT_EQUAL_FATAL(ctk_rollout_build(&opt, &html, &text, err, sizeof(err)), CTK_E_OK);
  t = ctk_buf_str(&text);
  /* 32 units plus the header line, then the rejected bundle. */
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "360000 2026-11-20   certifiable"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "110000 2026-11-20   not certifiable"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "J1-FLOW-004"));
  /* The tampered bundle is rejected, so its unit is missing; batch 3 is not yet due. */
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "320000 -            missing          overdue by 76 days"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "130000 -            missing          open"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "rejected bundles (1)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "changed: results.json"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&html), "<b>1 of 32</b>"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&html), "Batch 3, deadline 2016-09-30"));
  ctk_buf_free(&html);

  /* Without a key: hashes only, and the page says so. */
  ctk_buf_reset(&text);
  ctk_buf_init(&html, CTK_REPORT_MAX_BYTES);
  opt.pubkey_pem = NULL;
  CU_ASSERT_EQUAL(ctk_rollout_build(&opt, &html, &text, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&text), "signatures NOT checked"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctk_buf_str(&html), "Signatures were <b>not</b> checked"));
  ctk_buf_free(&html);
  ctk_buf_free(&text);

  /* A broken units file is named with its line. */
  {
    const char *dir = ctk_test_tmpdir("rollout-bad-units");
    char path[700];
    snprintf(path, sizeof(path), "%s/units.csv", dir);
    ctk_file_write_atomic(path, "batch,deadline,code,name\n1,2016-13-99,110000,x\n", 46, 0644);
    opt.units_csv = path;
    CU_ASSERT_EQUAL(ctk_rollout_build(&opt, NULL, NULL, err, sizeof(err)), CTK_E_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "units.csv:2"));
  }
}

void ctk_test_add_bundle(CU_pSuite s)
{
  CTK_TEST(s, test_keygen);
  CTK_TEST(s, test_build_and_verify);
  CTK_TEST(s, test_every_member_tampered);
  CTK_TEST(s, test_missing_extra_duplicate_unsafe);
  CTK_TEST(s, test_truncated);
  CTK_TEST(s, test_canonical_bundles_only);
  CTK_TEST(s, test_oversized_member_costs_nothing);
  CTK_TEST(s, test_bundle_refuses_hard_links);
  CTK_TEST(s, test_wrong_key);
  CTK_TEST(s, test_not_certifiable);
  CTK_TEST(s, test_cli);
  CTK_TEST(s, test_rollout);
}
