/* ctk_bundle: the signed evidence bundle (libarchive tar.gz, json-c manifest, OpenSSL Ed25519). */
#include "ctk_bundle.h"
#include "ctk_file.h"
#include "ctk_json.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctk_log.h"
#include "ctk_report.h"

#define ED25519_SIG_LEN 64
#define PATH_MAX_LEN 1024

/* ================= keys ================= */

/* Never prompt for a pass phrase: the tool runs unattended in CI. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return 0;
}

static ctk_code load_key(const char *path, int want_private, EVP_PKEY **out, char *err,
                         size_t errlen)
{
  FILE *f = fopen(path, "r");
  EVP_PKEY *k;

  *out = NULL;
  if(!f) {
    ctk_report_set_err(err, errlen, "%s: cannot open key: %s", path, strerror(errno));
    return CTK_E_NOTFOUND;
  }
  if(want_private)
    k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
  else
    k = PEM_read_PUBKEY(f, NULL, no_passphrase, NULL);
  fclose(f);
  if(!k) {
    ctk_report_set_err(err, errlen, "%s: not a PEM %s key (or it is encrypted)", path,
                       want_private ? "private" : "public");
    return CTK_E_CRYPTO;
  }
  if(EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    ctk_report_set_err(err, errlen, "%s: not an Ed25519 key", path);
    return CTK_E_CRYPTO;
  }
  *out = k;
  return CTK_E_OK;
}

static ctk_code fingerprint_of(EVP_PKEY *k, char out[65])
{
  unsigned char *der = NULL;
  unsigned char md[32];
  unsigned int mdlen = 0;
  int n = i2d_PUBKEY(k, &der);
  int ok;
  if(n <= 0)
    return CTK_E_CRYPTO;
  ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
  OPENSSL_free(der);
  if(!ok || mdlen != sizeof(md))
    return CTK_E_CRYPTO;
  ctk_hex(md, sizeof(md), out);
  return CTK_E_OK;
}

ctk_code ctk_bundle_key_fingerprint(const char *pem_path, char out[65], char *err,
                                    size_t errlen)
{
  EVP_PKEY *k = NULL;
  ctk_code rc = load_key(pem_path, 0, &k, err, errlen);
  if(rc) {
    /* A private key file names the same key pair. */
    rc = load_key(pem_path, 1, &k, err, errlen);
    if(rc)
      return rc;
  }
  rc = fingerprint_of(k, out);
  EVP_PKEY_free(k);
  if(rc)
    ctk_report_set_err(err, errlen, "%s: cannot compute the key fingerprint", pem_path);
  return rc;
}

/* Create path exclusively with the given mode, write the PEM with writer. */
static ctk_code write_pem(const char *path, mode_t mode, EVP_PKEY *k, int private_key,
                          char *err, size_t errlen)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
  FILE *f;
  int ok;
  if(fd < 0) {
    ctk_report_set_err(err, errlen, "%s: %s", path,
                       errno == EEXIST ? "exists; not overwriting a key" : strerror(errno));
    return errno == EEXIST ? CTK_E_EXISTS : CTK_E_IO;
  }
  f = fdopen(fd, "w");
  if(!f) {
    close(fd);
    ctk_report_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return CTK_E_IO;
  }
  if(private_key)
    ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
  else
    ok = PEM_write_PUBKEY(f, k);
  if(fclose(f) != 0)
    ok = 0;
  if(!ok) {
    ctk_report_set_err(err, errlen, "%s: cannot write the key", path);
    return CTK_E_IO;
  }
  return CTK_E_OK;
}

ctk_code ctk_bundle_keygen(const char *prefix, char *err, size_t errlen)
{
  char priv[PATH_MAX_LEN], pub[PATH_MAX_LEN];
  EVP_PKEY *k;
  ctk_code rc;
  int n1 = snprintf(priv, sizeof(priv), "%s.pem", prefix);
  int n2 = snprintf(pub, sizeof(pub), "%s.pub.pem", prefix);

  if(n1 < 0 || n2 < 0 || (size_t)n2 >= sizeof(pub) || (size_t)n1 >= sizeof(priv)) {
    ctk_report_set_err(err, errlen, "key prefix too long");
    return CTK_E_TOOBIG;
  }
  k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  if(!k) {
    ctk_report_set_err(err, errlen, "Ed25519 key generation failed");
    return CTK_E_CRYPTO;
  }
  rc = write_pem(priv, 0600, k, 1, err, errlen);
  if(!rc) {
    rc = write_pem(pub, 0644, k, 0, err, errlen);
    if(rc)
      remove(priv); /* half a key pair is worse than none */
  }
  EVP_PKEY_free(k);
  return rc;
}

/* ================= hashing ================= */

typedef struct sha_ctx {
  EVP_MD_CTX *md;
  size_t size;
} sha_ctx;

static ctk_code sha_begin(sha_ctx *s)
{
  s->size = 0;
  s->md = EVP_MD_CTX_new();
  if(!s->md || !EVP_DigestInit_ex(s->md, EVP_sha256(), NULL)) {
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
    return CTK_E_CRYPTO;
  }
  return CTK_E_OK;
}

static ctk_code sha_update(sha_ctx *s, const void *d, size_t n)
{
  s->size += n;
  return EVP_DigestUpdate(s->md, d, n) ? CTK_E_OK : CTK_E_CRYPTO;
}

static ctk_code sha_end(sha_ctx *s, char out[65])
{
  unsigned char md[32];
  unsigned int len = 0;
  int ok = EVP_DigestFinal_ex(s->md, md, &len);
  EVP_MD_CTX_free(s->md);
  s->md = NULL;
  if(!ok || len != sizeof(md))
    return CTK_E_CRYPTO;
  ctk_hex(md, sizeof(md), out);
  return CTK_E_OK;
}

static ctk_code sha_of(const char *d, size_t n, char out[65])
{
  sha_ctx s;
  ctk_code rc = sha_begin(&s);
  if(rc)
    return rc;
  rc = sha_update(&s, d, n);
  if(rc) {
    EVP_MD_CTX_free(s.md);
    return rc;
  }
  return sha_end(&s, out);
}

/* ================= building ================= */

typedef struct member {
  char path[512];              /* name inside the bundle */
  char *file;                  /* file on disk, or NULL when the bytes are in mem */
  ctk_buf mem;
  char sha256[65];
  size_t size;
  dev_t dev;                   /* of file, when it was found: it is read only if it is still */
  ino_t ino;                   /* the same regular file with one link */
} member;

typedef struct member_list {
  member *items;
  size_t count;
  size_t cap;
  size_t total;                /* bytes of all members */
} member_list;

static void members_free(member_list *l)
{
  size_t i;
  for(i = 0; i < l->count; i++) {
    free(l->items[i].file);
    ctk_buf_free(&l->items[i].mem);
  }
  free(l->items);
  memset(l, 0, sizeof(*l));
}

static member *member_add(member_list *l, const char *path)
{
  member *m;
  if(l->count >= CTK_BUNDLE_FILES_MAX)
    return NULL;
  if(l->count == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 16;
    member *n = realloc(l->items, ncap * sizeof(*n));
    if(!n)
      return NULL;
    l->items = n;
    l->cap = ncap;
  }
  m = &l->items[l->count];
  memset(m, 0, sizeof(*m));
  if(ctk_strlcpy(m->path, path, sizeof(m->path)))
    return NULL;
  ctk_buf_init(&m->mem, CTK_BUNDLE_FILE_MAX);
  l->count++;
  return m;
}

/* Open a member's file for reading: only the regular file with one link it was when the folder
 * was walked (no symbolic link, no hard link to a file outside, nothing swapped in since). */
static FILE *member_open(const member *m)
{
  int fd = open(m->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  FILE *f;

  if(fd < 0)
    return NULL;
  if(fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_dev != m->dev ||
     st.st_ino != m->ino) {
    close(fd);
    errno = EPERM;
    return NULL;
  }
  f = fdopen(fd, "rb");
  if(!f)
    close(fd);
  return f;
}

static ctk_code hash_file(const member *m, char out[65], size_t *size)
{
  FILE *f = member_open(m);
  unsigned char chunk[65536];
  sha_ctx s;
  ctk_code rc;

  if(!f)
    return CTK_E_IO;
  rc = sha_begin(&s);
  while(!rc) {
    size_t n = fread(chunk, 1, sizeof(chunk), f);
    if(n == 0)
      break;
    rc = sha_update(&s, chunk, n);
    if(!rc && s.size > CTK_BUNDLE_FILE_MAX)
      rc = CTK_E_TOOBIG;
  }
  if(!rc && ferror(f))
    rc = CTK_E_IO;
  fclose(f);
  if(rc) {
    EVP_MD_CTX_free(s.md);
    return rc;
  }
  *size = s.size;
  return sha_end(&s, out);
}

/* What a bundle holds besides the reports, by kind: the logs a run writes (daemons' logfmt
 * lines, message logs as JSON lines, packet captures) and raw messages (XML). Everything else
 * stays out, whatever its name: a bundle is handed to others, and the results folder also
 * holds credentials, secrets, keys, stores and peers' lists (.csv, .txt, .secret, .pem, .db).
 * Names that speak of secrets stay out even of an allowed kind. */
static int is_log_name(const char *name)
{
  static const char *const kinds[] = { ".log", ".jsonl", ".pcap", ".xml" };
  static const char *const sensitive[] = { "key", "secret", "credential", "passw", "token",
                                           ".pem" };
  size_t n = strlen(name), i;
  if(name[0] == '.')
    return 0;
  for(i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++) {
    if(strcasestr(name, sensitive[i]))
      return 0;
  }
  for(i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    size_t e = strlen(kinds[i]);
    if(n > e && !strcmp(name + n - e, kinds[i]))
      return 1;
  }
  return 0;
}

static int is_report_name(const char *name)
{
  return !strcmp(name, "results.json") || !strcmp(name, "junit.xml") ||
         !strcmp(name, "report.html");
}

static int cmp_member(const void *a, const void *b)
{
  return strcmp(((const member *)a)->path, ((const member *)b)->path);
}

/* Walk dir (relative name rel inside the bundle), adding message logs. Symbolic links are
 * not followed and a file with more than one link refuses the bundle: it holds what the run
 * wrote, nothing it points at. */
static ctk_code collect_logs(member_list *l, const char *dir, const char *rel, int depth,
                             char *err, size_t errlen)
{
  DIR *d;
  ctk_code rc = CTK_E_OK;

  if(depth > CTK_BUNDLE_DEPTH_MAX)
    return CTK_E_OK;
  d = opendir(dir);
  if(!d) {
    ctk_report_set_err(err, errlen, "%s: %s", dir, strerror(errno));
    return CTK_E_IO;
  }
  while(!rc) {
    struct dirent *e = readdir(d);
    char full[PATH_MAX_LEN], inner[512];
    struct stat st;
    int n1, n2;

    if(!e)
      break;
    if(e->d_name[0] == '.')
      continue;
    n1 = snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
    n2 = snprintf(inner, sizeof(inner), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
    if(n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(full) || (size_t)n2 >= sizeof(inner))
      continue;
    if(lstat(full, &st) != 0)
      continue;
    if(S_ISDIR(st.st_mode)) {
      rc = collect_logs(l, full, inner, depth + 1, err, errlen);
    }
    else if(S_ISREG(st.st_mode) && is_log_name(e->d_name) &&
            !(depth == 0 && is_report_name(e->d_name))) {
      member *m;
      if(st.st_nlink != 1) {
        /* a hard link may be a file from anywhere, made to look like the run's own */
        ctk_report_set_err(err, errlen, "%s has %lu links: a bundle takes only files that are "
                           "the results folder's own", full, (unsigned long)st.st_nlink);
        rc = CTK_E_INVALID;
        break;
      }
      m = member_add(l, inner);
      if(!m) {
        ctk_report_set_err(err, errlen, "%s: too many files (at most %d) or path too long", dir,
                           CTK_BUNDLE_FILES_MAX);
        rc = CTK_E_TOOBIG;
        break;
      }
      m->file = strdup(full);
      if(!m->file) {
        rc = CTK_E_NOMEM;
        break;
      }
      m->dev = st.st_dev;
      m->ino = st.st_ino;
      rc = hash_file(m, m->sha256, &m->size);
      if(rc)
        ctk_report_set_err(err, errlen, "%s: %s", full, ctk_strerror(rc));
      l->total += m->size;
      if(!rc && l->total > CTK_BUNDLE_TOTAL_MAX) {
        ctk_report_set_err(err, errlen, "%s: the logs exceed %zu bytes in all", dir,
                           CTK_BUNDLE_TOTAL_MAX);
        rc = CTK_E_TOOBIG;
      }
    }
  }
  closedir(d);
  return rc;
}

/* A report member: the file from DIR when present, else generated from the run. */
static ctk_code add_report(member_list *l, const char *dir, const char *name, const ctk_run *run,
                           ctk_code (*writer)(const ctk_run *, ctk_buf *), char *err,
                           size_t errlen)
{
  char full[PATH_MAX_LEN];
  member *m = member_add(l, name);
  ctk_code rc;
  int n;

  if(!m)
    return CTK_E_NOMEM;
  n = snprintf(full, sizeof(full), "%s/%s", dir, name);
  if(n < 0 || (size_t)n >= sizeof(full))
    return CTK_E_TOOBIG;
  rc = ctk_file_read(full, CTK_BUNDLE_FILE_MAX, &m->mem);
  if(rc == CTK_E_NOTFOUND && writer)
    rc = writer(run, &m->mem);
  if(rc) {
    ctk_report_set_err(err, errlen, "%s: %s", full, ctk_strerror(rc));
    return rc;
  }
  m->size = m->mem.len;
  l->total += m->size;
  return sha_of(ctk_buf_str(&m->mem), m->mem.len, m->sha256);
}

static void jput(json_object *o, const char *k, json_object *v, int *failed)
{
  if(!v || json_object_object_add(o, k, v) != 0) {
    json_object_put(v);
    *failed = 1;
  }
}

static json_object *kv_json(const ctk_kvlist *l, int *failed)
{
  json_object *o = json_object_new_object();
  size_t i;
  if(!o) {
    *failed = 1;
    return NULL;
  }
  for(i = 0; i < l->count; i++)
    jput(o, l->items[i].key, json_object_new_string(l->items[i].value), failed);
  return o;
}

static ctk_code build_manifest(const ctk_run *run, const member_list *l, const char *signer_fp,
                               ctk_buf *out)
{
  json_object *root = json_object_new_object();
  json_object *tool = json_object_new_object();
  json_object *prof = json_object_new_object();
  json_object *sut = json_object_new_object();
  json_object *sum = json_object_new_object();
  json_object *signer = json_object_new_object();
  json_object *files = json_object_new_array();
  json_object *fails = json_object_new_array();
  ctk_summary s;
  ctk_buf freq;
  char created[CTK_RESULT_TIME_LEN];
  size_t i;
  int failed = 0, v;
  ctk_code rc;

  if(!root || !tool || !prof || !sut || !sum || !signer || !files || !fails) {
    json_object_put(root);
    json_object_put(tool);
    json_object_put(prof);
    json_object_put(sut);
    json_object_put(sum);
    json_object_put(signer);
    json_object_put(files);
    json_object_put(fails);
    return CTK_E_NOMEM;
  }
  ctk_run_summary(run, &s);
  ctk_result_now(created);
  jput(root, "format", json_object_new_string(CTK_BUNDLE_FORMAT), &failed);
  jput(root, "created", json_object_new_string(created), &failed);
  jput(tool, "version", json_object_new_string(run->tool_version), &failed);
  jput(tool, "commit", json_object_new_string(run->tool_commit), &failed);
  jput(root, "tool", tool, &failed);
  jput(prof, "name", json_object_new_string(run->profile_name), &failed);
  jput(prof, "version", json_object_new_string(run->profile_version), &failed);
  jput(prof, "provenance", json_object_new_string(run->profile_provenance), &failed);
  jput(prof, "sha256", json_object_new_string(run->profile_sha256), &failed);
  jput(root, "profile", prof, &failed);
  jput(sut, "kind", json_object_new_string(ctk_sut_kind_name(run->sut.kind)), &failed);
  jput(sut, "region", json_object_new_string(run->sut.region), &failed);
  jput(sut, "name", json_object_new_string(run->sut.name), &failed);
  jput(sut, "endpoint", json_object_new_string(run->sut.endpoint), &failed);
  jput(root, "sut", sut, &failed);
  jput(root, "pics", kv_json(&run->pics, &failed), &failed);
  /* Already masked in the model: secrets never reach a results file or a bundle. */
  jput(root, "pixit", kv_json(&run->pixit, &failed), &failed);
  jput(root, "started", json_object_new_string(run->started), &failed);
  jput(root, "finished", json_object_new_string(run->finished), &failed);
  jput(root, "host", json_object_new_string(run->host), &failed);
  jput(sum, "total", json_object_new_int64((int64_t)s.all.total), &failed);
  for(v = 0; v < CTK_VERDICT__COUNT; v++)
    jput(sum, ctk_verdict_name((ctk_verdict)v), json_object_new_int64((int64_t)s.all.by_verdict[v]),
         &failed);
  jput(sum, "mandatory", json_object_new_int64((int64_t)s.by_class[CTK_CLASS_MANDATORY].total),
       &failed);
  jput(sum, "mandatory_passed",
       json_object_new_int64((int64_t)s.by_class[CTK_CLASS_MANDATORY].by_verdict[CTK_VERDICT_PASS]),
       &failed);
  jput(root, "summary", sum, &failed);
  jput(root, "certifiable", json_object_new_boolean(ctk_run_certifiable(run)), &failed);
  jput(root, "exit_code", json_object_new_int(ctk_run_exit_code(run)), &failed);

  ctk_buf_init(&freq, 1024 * 1024);
  rc = ctk_report_failing_requirements(run, &freq);
  if(!rc && freq.len) {
    char *save = NULL;
    char *tok;
    for(tok = strtok_r(freq.data, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
      json_object *str = json_object_new_string(tok);
      if(!str || json_object_array_add(fails, str) != 0) {
        json_object_put(str);
        failed = 1;
      }
    }
  }
  ctk_buf_free(&freq);
  jput(root, "failing_requirements", fails, &failed);

  jput(signer, "alg", json_object_new_string("ed25519"), &failed);
  jput(signer, "key_sha256", json_object_new_string(signer_fp), &failed);
  jput(root, "signer", signer, &failed);
  for(i = 0; i < l->count; i++) {
    json_object *f = json_object_new_object();
    if(!f) {
      failed = 1;
      break;
    }
    jput(f, "path", json_object_new_string(l->items[i].path), &failed);
    jput(f, "sha256", json_object_new_string(l->items[i].sha256), &failed);
    jput(f, "size", json_object_new_int64((int64_t)l->items[i].size), &failed);
    if(json_object_array_add(files, f) != 0) {
      json_object_put(f);
      failed = 1;
    }
  }
  jput(root, "files", files, &failed);

  if(rc || failed) {
    json_object_put(root);
    return rc ? rc : CTK_E_NOMEM;
  }
  return ctk_json_write_document(root, out);
}

static ctk_code sign(EVP_PKEY *k, const ctk_buf *msg, unsigned char sig[ED25519_SIG_LEN])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t siglen = ED25519_SIG_LEN;
  int ok;
  if(!ctx)
    return CTK_E_NOMEM;
  /* Ed25519 hashes internally: no digest is named, and the message is signed in one call. */
  ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
       EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)ctk_buf_str(msg), msg->len) == 1 &&
       siglen == ED25519_SIG_LEN;
  EVP_MD_CTX_free(ctx);
  return ok ? CTK_E_OK : CTK_E_CRYPTO;
}

static ctk_code write_entry_header(struct archive *a, const char *path, size_t size,
                                   time_t mtime)
{
  struct archive_entry *e = archive_entry_new();
  int r;
  if(!e)
    return CTK_E_NOMEM;
  archive_entry_set_pathname(e, path);
  archive_entry_set_size(e, (la_int64_t)size);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_mtime(e, mtime, 0);
  archive_entry_set_uname(e, "ctk");
  archive_entry_set_gname(e, "ctk");
  r = archive_write_header(a, e);
  archive_entry_free(e);
  return r == ARCHIVE_OK ? CTK_E_OK : CTK_E_IO;
}

static ctk_code write_mem_entry(struct archive *a, const char *path, const void *data,
                                size_t len, time_t mtime)
{
  ctk_code rc = write_entry_header(a, path, len, mtime);
  if(rc)
    return rc;
  if(len && archive_write_data(a, data, len) != (la_ssize_t)len)
    return CTK_E_IO;
  return CTK_E_OK;
}

/* Copy a log file into the archive, hashing again: a file that changed since the manifest
 * was made would make a bundle that never verifies, so it is refused here. */
static ctk_code write_file_entry(struct archive *a, const member *m, time_t mtime, char *err,
                                 size_t errlen)
{
  FILE *f = member_open(m);
  unsigned char chunk[65536];
  char again[65];
  sha_ctx s;
  ctk_code rc;

  if(!f) {
    ctk_report_set_err(err, errlen, "%s: %s", m->file, strerror(errno));
    return CTK_E_IO;
  }
  rc = write_entry_header(a, m->path, m->size, mtime);
  if(!rc)
    rc = sha_begin(&s);
  else
    s.md = NULL;
  while(!rc) {
    size_t n = fread(chunk, 1, sizeof(chunk), f);
    if(n == 0)
      break;
    if(s.size + n > m->size) {
      rc = CTK_E_CONFLICT;
      break;
    }
    rc = sha_update(&s, chunk, n);
    if(!rc && archive_write_data(a, chunk, n) != (la_ssize_t)n)
      rc = CTK_E_IO;
  }
  fclose(f);
  if(!rc) {
    rc = sha_end(&s, again);
    if(!rc && strcmp(again, m->sha256))
      rc = CTK_E_CONFLICT;
  }
  else
    EVP_MD_CTX_free(s.md);
  if(rc == CTK_E_CONFLICT)
    ctk_report_set_err(err, errlen, "%s changed while the bundle was being made", m->file);
  else if(rc)
    ctk_report_set_err(err, errlen, "%s: %s", m->file, ctk_strerror(rc));
  return rc;
}

ctk_code ctk_bundle_create(const char *results_dir, const char *privkey_pem, const char *out_path,
                           char *err, size_t errlen)
{
  member_list l;
  EVP_PKEY *k = NULL;
  ctk_run *run = NULL;
  ctk_buf manifest;
  unsigned char sig[ED25519_SIG_LEN];
  char path[PATH_MAX_LEN], tmp[PATH_MAX_LEN], fp[65], jerr[512];
  struct archive *a = NULL;
  time_t now = time(NULL);
  size_t i;
  ctk_code rc;
  int n;

  memset(&l, 0, sizeof(l));
  ctk_buf_init(&manifest, CTK_BUNDLE_MANIFEST_MAX);
  rc = load_key(privkey_pem, 1, &k, err, errlen);
  if(rc)
    return rc;
  rc = fingerprint_of(k, fp);
  if(rc) {
    ctk_report_set_err(err, errlen, "%s: cannot compute the key fingerprint", privkey_pem);
    goto out;
  }
  n = snprintf(path, sizeof(path), "%s/results.json", results_dir);
  if(n < 0 || (size_t)n >= sizeof(path)) {
    rc = CTK_E_TOOBIG;
    ctk_report_set_err(err, errlen, "results directory path too long");
    goto out;
  }
  rc = ctk_report_json_load(path, &run, jerr, sizeof(jerr));
  if(rc) {
    ctk_report_set_err(err, errlen, "%s", jerr);
    goto out;
  }
  rc = add_report(&l, results_dir, "results.json", run, NULL, err, errlen);
  if(!rc)
    rc = add_report(&l, results_dir, "junit.xml", run, ctk_report_junit_write, err, errlen);
  if(!rc)
    rc = add_report(&l, results_dir, "report.html", run, ctk_report_html_write, err, errlen);
  if(!rc)
    rc = collect_logs(&l, results_dir, "", 0, err, errlen);
  if(rc)
    goto out;
  qsort(l.items, l.count, sizeof(l.items[0]), cmp_member);
  rc = build_manifest(run, &l, fp, &manifest);
  if(!rc)
    rc = sign(k, &manifest, sig);
  if(rc) {
    ctk_report_set_err(err, errlen, "building or signing the manifest: %s", ctk_strerror(rc));
    goto out;
  }

  rc = ctk_file_temp_name(out_path, tmp, sizeof(tmp));
  if(rc) {
    ctk_report_set_err(err, errlen, "output path too long");
    goto out;
  }
  a = archive_write_new();
  if(!a || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
     archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
     archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
    rc = CTK_E_IO;
    ctk_report_set_err(err, errlen, "%s: %s", tmp, a ? archive_error_string(a) : "out of memory");
    goto out;
  }
  /* Manifest and signature first: a reader can check them before anything else. */
  rc = write_mem_entry(a, CTK_BUNDLE_MANIFEST, ctk_buf_str(&manifest), manifest.len, now);
  if(!rc)
    rc = write_mem_entry(a, CTK_BUNDLE_SIGNATURE, sig, sizeof(sig), now);
  for(i = 0; i < l.count && !rc; i++) {
    const member *m = &l.items[i];
    if(m->file)
      rc = write_file_entry(a, m, now, err, errlen);
    else
      rc = write_mem_entry(a, m->path, ctk_buf_str(&m->mem), m->mem.len, now);
  }
  if(!rc && archive_write_close(a) != ARCHIVE_OK)
    rc = CTK_E_IO;
  if(rc && err && !err[0])
    ctk_report_set_err(err, errlen, "%s: %s", tmp, archive_error_string(a));
  if(!rc) {
    rc = ctk_file_commit(tmp, out_path);
    if(rc)
      ctk_report_set_err(err, errlen, "%s: %s", out_path, strerror(errno));
  }
  else
    remove(tmp);

out:
  if(a)
    archive_write_free(a);
  EVP_PKEY_free(k);
  ctk_run_free(run);
  members_free(&l);
  ctk_buf_free(&manifest);
  return rc;
}

/* ================= verifying ================= */

typedef struct found {
  char *path;
  char sha256[65];
  size_t size;
  int listed;                  /* named by the manifest */
} found;

typedef struct found_list {
  found *items;
  size_t count;
  size_t cap;
} found_list;

static void found_free(found_list *l)
{
  size_t i;
  for(i = 0; i < l->count; i++)
    free(l->items[i].path);
  free(l->items);
}

static int cmp_found(const void *a, const void *b)
{
  return strcmp(((const found *)a)->path, ((const found *)b)->path);
}

static found *found_lookup(found_list *l, const char *path)
{
  found key;
  key.path = (char *)path;
  return l->count ? bsearch(&key, l->items, l->count, sizeof(found), cmp_found) : NULL;
}

void ctk_bundle_check_init(ctk_bundle_check *c)
{
  memset(c, 0, sizeof(*c));
  ctk_buf_init(&c->problems, 1024 * 1024);
  ctk_buf_init(&c->failing_requirements, 1024 * 1024);
  ctk_buf_init(&c->results, CTK_BUNDLE_FILE_MAX);
  c->exit_code = -1;
}

void ctk_bundle_check_free(ctk_bundle_check *c)
{
  ctk_buf_free(&c->problems);
  ctk_buf_free(&c->failing_requirements);
  ctk_buf_free(&c->results);
}

static void problem(ctk_bundle_check *c, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void problem(ctk_bundle_check *c, const char *fmt, ...)
{
  char line[2048];
  char shown[4096];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  /* names come from the bundle: escaped, a name cannot print a line of its own ("VALID ...") */
  if(n >= 0) {
    ctk_log_escape(shown, sizeof(shown), line, (size_t)n < sizeof(line) ? (size_t)n
                                                                         : sizeof(line) - 1);
    /* A full problem list still counts; the first lines are the ones people read. */
    if(!ctk_buf_adds(&c->problems, shown))
      ctk_buf_addc(&c->problems, '\n');
  }
  c->n_problems++;
}

/* Names a tar may carry but a bundle never does, because tar -x would write them somewhere
 * else or onto another member: empty, absolute, with an empty, "." or ".." segment ("./a" and
 * "a" are one file), a trailing or doubled slash, a backslash or a control character. */
static int unsafe_name(const char *p)
{
  const char *seg;

  if(!p || !*p || p[0] == '/')
    return 1;
  for(seg = p; *seg; seg++) {
    if((unsigned char)*seg < 0x20 || *seg == 0x7f || *seg == '\\')
      return 1;
  }
  for(seg = p;;) {
    const char *slash = strchr(seg, '/');
    size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
    if(n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
      return 1;
    if(!slash)
      return 0;
    seg = slash + 1;
  }
}

/* Read every member: manifest and signature into memory, the rest hashed. */
static ctk_code read_members(struct archive *a, found_list *fl, ctk_buf *manifest, ctk_buf *sig,
                             ctk_bundle_check *c, char *err, size_t errlen)
{
  size_t total = 0;
  uint64_t declared = 0;
  unsigned char chunk[65536];

  for(;;) {
    struct archive_entry *e;
    const char *name;
    ctk_buf *keep = NULL;
    sha_ctx s;
    found *f;
    ctk_code rc;
    int r = archive_read_next_header(a, &e);

    if(r == ARCHIVE_EOF)
      return CTK_E_OK;
    if(r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      ctk_report_set_err(err, errlen, "not a readable tar.gz: %s", archive_error_string(a));
      return CTK_E_PARSE;
    }
    name = archive_entry_pathname(e);
    /* sizes first, as declared: a member is never read (or skipped, which reads it too) past
     * the limits, so a bundle claiming 8 GiB costs nothing */
    declared += archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
    if(archive_entry_size(e) > (la_int64_t)CTK_BUNDLE_FILE_MAX ||
       declared > CTK_BUNDLE_TOTAL_MAX) {
      char shown[600];
      ctk_log_escape(shown, sizeof(shown), name ? name : "", name ? strlen(name) : 0);
      ctk_report_set_err(err, errlen, "%s: declares %lld bytes: over the limit of %zu for a "
                         "member or %zu in all", shown, (long long)archive_entry_size(e),
                         CTK_BUNDLE_FILE_MAX, CTK_BUNDLE_TOTAL_MAX);
      return CTK_E_TOOBIG;
    }
    if(unsafe_name(name)) {
      problem(c, "unsafe member name: %s", name ? name : "(none)");
      continue;
    }
    if(archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
       archive_entry_symlink(e)) {
      problem(c, "not a regular file: %s", name);
      continue;
    }
    if(fl->count >= CTK_BUNDLE_FILES_MAX) {
      ctk_report_set_err(err, errlen, "more than %d members", CTK_BUNDLE_FILES_MAX);
      return CTK_E_TOOBIG;
    }
    if(!strcmp(name, CTK_BUNDLE_MANIFEST))
      keep = manifest;
    else if(!strcmp(name, CTK_BUNDLE_SIGNATURE))
      keep = sig;
    else if(!strcmp(name, "results.json"))
      keep = &c->results;
    if(fl->count == fl->cap) {
      size_t ncap = fl->cap ? fl->cap * 2 : 32;
      found *nf = realloc(fl->items, ncap * sizeof(*nf));
      if(!nf)
        return CTK_E_NOMEM;
      fl->items = nf;
      fl->cap = ncap;
    }
    f = &fl->items[fl->count];
    memset(f, 0, sizeof(*f));
    f->path = strdup(name);
    if(!f->path)
      return CTK_E_NOMEM;
    fl->count++;
    if(keep)
      ctk_buf_reset(keep);
    rc = sha_begin(&s);
    while(!rc) {
      la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
      if(n == 0)
        break;
      if(n < 0) {
        ctk_report_set_err(err, errlen, "%s: %s", name, archive_error_string(a));
        rc = CTK_E_PARSE;
        break;
      }
      total += (size_t)n;
      if(s.size + (size_t)n > CTK_BUNDLE_FILE_MAX || total > CTK_BUNDLE_TOTAL_MAX) {
        ctk_report_set_err(err, errlen, "%s: member or bundle larger than the limit", name);
        rc = CTK_E_TOOBIG;
        break;
      }
      rc = sha_update(&s, chunk, (size_t)n);
      if(!rc && keep) {
        rc = ctk_buf_add(keep, chunk, (size_t)n);
        if(rc)
          ctk_report_set_err(err, errlen, "%s: larger than %zu bytes", name, keep->max);
      }
    }
    if(rc) {
      EVP_MD_CTX_free(s.md);
      return rc;
    }
    f->size = s.size;
    rc = sha_end(&s, f->sha256);
    if(rc)
      return rc;
  }
}

static void check_signature(const char *pubkey_pem, EVP_PKEY *k, const ctk_buf *manifest,
                            const ctk_buf *sig, ctk_bundle_check *c)
{
  EVP_MD_CTX *ctx;
  int ok;

  c->signature_checked = 1;
  if(sig->len != ED25519_SIG_LEN) {
    problem(c, "signature: %s is %zu bytes, not a %d-byte Ed25519 signature",
            CTK_BUNDLE_SIGNATURE, sig->len, ED25519_SIG_LEN);
    return;
  }
  ctx = EVP_MD_CTX_new();
  ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
       EVP_DigestVerify(ctx, (const unsigned char *)sig->data, sig->len,
                        (const unsigned char *)ctk_buf_str(manifest), manifest->len) == 1;
  EVP_MD_CTX_free(ctx);
  c->signature_ok = ok;
  if(ok)
    return;
  if(c->signer_fingerprint[0] && strcmp(c->signer_fingerprint, c->key_fingerprint))
    problem(c, "signature: does not verify with %s (key %s); the manifest says it was signed "
               "by key %s",
            pubkey_pem, c->key_fingerprint, c->signer_fingerprint);
  else
    problem(c, "signature: %s or %s was changed after signing (key %s)", CTK_BUNDLE_MANIFEST,
            CTK_BUNDLE_SIGNATURE, c->key_fingerprint);
}

static const char *jget_str(json_object *o, const char *key)
{
  json_object *v;
  if(!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
    return "";
  return json_object_get_string(v);
}

/* The identity fields a rollout view needs, from the manifest. */
static void read_identity(json_object *root, ctk_bundle_check *c)
{
  json_object *sut = NULL, *prof = NULL, *v, *arr;
  size_t i, n;

  json_object_object_get_ex(root, "sut", &sut);
  json_object_object_get_ex(root, "profile", &prof);
  ctk_strlcpy(c->sut_kind, jget_str(sut, "kind"), sizeof(c->sut_kind));
  ctk_strlcpy(c->sut_region, jget_str(sut, "region"), sizeof(c->sut_region));
  ctk_strlcpy(c->sut_name, jget_str(sut, "name"), sizeof(c->sut_name));
  ctk_strlcpy(c->started, jget_str(root, "started"), sizeof(c->started));
  ctk_strlcpy(c->finished, jget_str(root, "finished"), sizeof(c->finished));
  ctk_strlcpy(c->profile_provenance, jget_str(prof, "provenance"),
              sizeof(c->profile_provenance));
  c->certifiable = json_object_object_get_ex(root, "certifiable", &v) &&
                   json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
  if(json_object_object_get_ex(root, "exit_code", &v) && json_object_is_type(v, json_type_int))
    c->exit_code = json_object_get_int(v);
  if(json_object_object_get_ex(root, "signer", &v))
    ctk_strlcpy(c->signer_fingerprint, jget_str(v, "key_sha256"),
                sizeof(c->signer_fingerprint));
  if(json_object_object_get_ex(root, "failing_requirements", &arr) &&
     json_object_is_type(arr, json_type_array)) {
    n = json_object_array_length(arr);
    for(i = 0; i < n; i++) {
      json_object *s = json_object_array_get_idx(arr, i);
      if(!json_object_is_type(s, json_type_string))
        continue;
      if(c->failing_requirements.len)
        ctk_buf_adds(&c->failing_requirements, ", ");
      ctk_buf_adds(&c->failing_requirements, json_object_get_string(s));
    }
  }
}

/* Compare members with the manifest's file list. */
static void check_files(json_object *root, found_list *fl, ctk_bundle_check *c)
{
  json_object *files;
  size_t i, n;

  if(!json_object_object_get_ex(root, "files", &files) ||
     !json_object_is_type(files, json_type_array)) {
    problem(c, "manifest: no file list");
    return;
  }
  n = json_object_array_length(files);
  for(i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(files, i);
    json_object *sz;
    const char *path = jget_str(e, "path");
    const char *sha = jget_str(e, "sha256");
    int64_t size = -1;
    found *f;

    if(json_object_object_get_ex(e, "size", &sz) && json_object_is_type(sz, json_type_int))
      size = json_object_get_int64(sz);
    if(!path[0] || !strcmp(path, CTK_BUNDLE_MANIFEST) || !strcmp(path, CTK_BUNDLE_SIGNATURE)) {
      problem(c, "manifest: bad file entry %zu", i);
      continue;
    }
    f = found_lookup(fl, path);
    if(!f) {
      problem(c, "missing: %s", path);
      continue;
    }
    f->listed = 1;
    if(strcmp(f->sha256, sha) || size < 0 || (size_t)size != f->size)
      problem(c, "changed: %s (sha256 %s, manifest says %s)", path, f->sha256, sha);
    else
      c->files_ok++;
  }
  for(i = 0; i < fl->count; i++) {
    const char *p = fl->items[i].path;
    if(!fl->items[i].listed && strcmp(p, CTK_BUNDLE_MANIFEST) && strcmp(p, CTK_BUNDLE_SIGNATURE))
      problem(c, "extra: %s (not in the manifest)", p);
  }
}

/* A bundle is one gzip stream holding one tar archive, and nothing after either: bytes there
 * are not checked here but another reader may take them (gzip readers go on to a second
 * stream, some tar readers past the end marker). tar_end is where the tar reader stopped in
 * the decompressed bytes; after it only the zeros that fill the archive's last 10 KiB record
 * may follow. Read again decompressed and raw, bounded by that record. */
#define TAR_RECORD 10240

static void check_stream_end(const char *path, int64_t tar_end, ctk_bundle_check *c)
{
  struct archive *a = archive_read_new();
  struct archive_entry *e;
  unsigned char chunk[65536];
  int64_t at = 0;
  int64_t consumed;
  int after_end = 0;
  struct stat st;

  if(!a)
    return;
  archive_read_support_filter_gzip(a);
  archive_read_support_format_raw(a);
  if(archive_read_open_filename(a, path, 65536) != ARCHIVE_OK ||
     archive_read_next_header(a, &e) != ARCHIVE_OK) {
    problem(c, "not one gzip stream: %s", archive_error_string(a));
    archive_read_free(a);
    return;
  }
  while(!after_end) {
    la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
    la_ssize_t i;
    if(n <= 0)
      break;
    for(i = 0; i < n && !after_end; i++)
      after_end = at + i >= tar_end && (chunk[i] || at + i >= tar_end + TAR_RECORD);
    at += n;
  }
  consumed = archive_filter_bytes(a, 1);
  archive_read_free(a);
  if(after_end)
    problem(c, "data after the end of the tar archive (a second archive?)");
  else if(stat(path, &st) == 0 && (int64_t)st.st_size != consumed)
    problem(c, "%lld bytes after the end of the gzip stream",
            (long long)st.st_size - (long long)consumed);
}

/* The manifest exactly as ctk writes it (ctk_json_write_document): a JSON parser that kept the
 * first of two "certifiable" keys, or read past the document, would see another manifest than
 * the one checked here, under the same signature. */
static void check_manifest_canonical(json_tokener *tok, json_object *root, const ctk_buf *text,
                                     ctk_bundle_check *c)
{
  size_t end = json_tokener_get_parse_end(tok);
  ctk_buf again;

  if(end != text->len) {       /* the tokener stops after the document and its white space */
    problem(c, "manifest: %zu bytes after the JSON document", text->len - end);
    return;
  }
  ctk_buf_init(&again, CTK_BUNDLE_MANIFEST_MAX);
  if(ctk_json_write_document(json_object_get(root), &again) || again.len != text->len ||
     memcmp(again.data, text->data, text->len))
    problem(c, "manifest: not in the form ctk writes it (a key given twice?)");
  ctk_buf_free(&again);
}

ctk_code ctk_bundle_verify(const char *bundle_path, const char *pubkey_pem,
                           ctk_bundle_check *c, char *err, size_t errlen)
{
  struct archive *a = NULL;
  found_list fl;
  ctk_buf manifest, sig;
  EVP_PKEY *k = NULL;
  json_tokener *tok = NULL;
  json_object *root = NULL;
  size_t i;
  ctk_code rc;

  memset(&fl, 0, sizeof(fl));
  ctk_buf_init(&manifest, CTK_BUNDLE_MANIFEST_MAX);
  ctk_buf_init(&sig, 4096);
  if(err && errlen)
    err[0] = '\0';
  if(pubkey_pem) {
    rc = load_key(pubkey_pem, 0, &k, err, errlen);
    if(!rc)
      rc = fingerprint_of(k, c->key_fingerprint);
    if(rc)
      goto out;
  }
  a = archive_read_new();
  if(!a) {
    rc = CTK_E_NOMEM;
    goto out;
  }
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  if(archive_read_open_filename(a, bundle_path, 65536) != ARCHIVE_OK) {
    ctk_report_set_err(err, errlen, "%s: %s", bundle_path, archive_error_string(a));
    rc = CTK_E_IO;
    goto out;
  }
  rc = read_members(a, &fl, &manifest, &sig, c, err, errlen);
  if(rc)
    goto out;
  check_stream_end(bundle_path, archive_filter_bytes(a, 0), c);
  /* Duplicate names would let one copy be checked and another extracted. */
  qsort(fl.items, fl.count, sizeof(fl.items[0]), cmp_found);
  for(i = 1; i < fl.count; i++) {
    if(!strcmp(fl.items[i - 1].path, fl.items[i].path))
      problem(c, "duplicate member: %s", fl.items[i].path);
  }
  if(!found_lookup(&fl, CTK_BUNDLE_MANIFEST)) {
    problem(c, "missing: %s", CTK_BUNDLE_MANIFEST);
    rc = CTK_E_INVALID;
    goto out;
  }
  tok = json_tokener_new_ex(16);
  if(!tok) {
    rc = CTK_E_NOMEM;
    goto out;
  }
  root = json_tokener_parse_ex(tok, ctk_buf_str(&manifest), (int)manifest.len);
  if(!root || !json_object_is_type(root, json_type_object) ||
     strcmp(jget_str(root, "format"), CTK_BUNDLE_FORMAT)) {
    problem(c, "manifest: not a %s manifest", CTK_BUNDLE_FORMAT);
    if(k && found_lookup(&fl, CTK_BUNDLE_SIGNATURE))
      check_signature(pubkey_pem, k, &manifest, &sig, c);
    rc = CTK_E_INVALID;
    goto out;
  }
  check_manifest_canonical(tok, root, &manifest, c);
  read_identity(root, c);
  if(k) {
    if(!found_lookup(&fl, CTK_BUNDLE_SIGNATURE)) {
      c->signature_checked = 1;
      problem(c, "missing: %s", CTK_BUNDLE_SIGNATURE);
    }
    else
      check_signature(pubkey_pem, k, &manifest, &sig, c);
  }
  check_files(root, &fl, c);
  rc = c->n_problems ? CTK_E_INVALID : CTK_E_OK;

out:
  json_object_put(root);
  if(tok)
    json_tokener_free(tok);
  if(a)
    archive_read_free(a);
  EVP_PKEY_free(k);
  found_free(&fl);
  ctk_buf_free(&manifest);
  ctk_buf_free(&sig);
  return rc;
}
