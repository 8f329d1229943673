/* ctk_auth: salted SHA-256 node credentials, checked in constant time. */
#include "ctk_auth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ctk_csv.h"
#include "ctk_region.h"

#define HASH_BYTES 32

typedef struct auth_node {
  char region[7];
  int level;
  unsigned char salt[CTK_AUTH_SALT_BYTES];
  unsigned char hash[HASH_BYTES];
} auth_node;

struct ctk_auth {
  auth_node *nodes;
  size_t n;
  /* compared against when the region is unknown, so that case costs the same work */
  auth_node dummy;
};

static int is_six_digits(const char *s)
{
  int i;
  if(!s)
    return 0;
  for(i = 0; i < 6; i++) {
    if(s[i] < '0' || s[i] > '9')
      return 0;
  }
  return s[6] == '\0';
}

/* The level a GB/T 2260 code implies: the ministry, a provincial unit (xx0000), or a city. */
static int level_of_code(const char *region)
{
  if(!strcmp(region, CTK_REGION_MINISTRY))
    return 1;
  if(!strcmp(region + 2, "0000")) /* not the profile's: a GB/T 2260 province code */
    return 2;
  return 3;
}

static ctk_code hash_secret(const unsigned char *salt, const char *secret, size_t len,
                            unsigned char *out)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok;

  if(!ctx)
    return CTK_E_NOMEM;
  ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
       EVP_DigestUpdate(ctx, salt, CTK_AUTH_SALT_BYTES) &&
       EVP_DigestUpdate(ctx, secret, len) &&
       EVP_DigestFinal_ex(ctx, out, &n);
  EVP_MD_CTX_free(ctx);
  return ok && n == HASH_BYTES ? CTK_E_OK : CTK_E_CRYPTO;
}

/* Exactly 2 * bytes hex digits into out. */
static int decode_hex(const char *hex, unsigned char *out, size_t bytes)
{
  size_t len = 0;
  size_t i;

  if(strlen(hex) != 2 * bytes)
    return -1;
  for(i = 0; i < 2 * bytes; i++) {
    if(!isxdigit((unsigned char)hex[i]))
      return -1;
  }
  if(OPENSSL_hexstr2buf_ex(out, bytes, &len, hex, '\0') != 1 || len != bytes)
    return -1;
  return 0;
}

/* Lowercase hex of bytes; size must hold 2 * n + 1. */
static ctk_code encode_hex(const unsigned char *bytes, size_t n, char *out, size_t size)
{
  if(size < 2 * n + 1)
    return CTK_E_TOOBIG;
  ctk_hex(bytes, n, out);
  return CTK_E_OK;
}

ctk_auth *ctk_auth_new(void)
{
  ctk_auth *a = calloc(1, sizeof(*a));
  if(!a)
    return NULL;
  a->nodes = calloc(CTK_AUTH_MAX_NODES, sizeof(*a->nodes));
  if(!a->nodes ||
     RAND_bytes(a->dummy.salt, sizeof(a->dummy.salt)) != 1 ||
     RAND_bytes(a->dummy.hash, sizeof(a->dummy.hash)) != 1) {
    ctk_auth_free(a);
    return NULL;
  }
  return a;
}

void ctk_auth_free(ctk_auth *a)
{
  if(!a)
    return;
  if(a->nodes)
    OPENSSL_cleanse(a->nodes, CTK_AUTH_MAX_NODES * sizeof(*a->nodes));
  free(a->nodes);
  free(a);
}

static const auth_node *find_node(const ctk_auth *a, const char *region)
{
  size_t i;
  for(i = 0; i < a->n; i++) {
    if(!strcmp(a->nodes[i].region, region))
      return &a->nodes[i];
  }
  return NULL;
}

/* Why region and level cannot go together, or NULL when they can. */
static const char *check_node(const char *region, int level)
{
  if(!is_six_digits(region))
    return "region is not six digits";
  if(level < 1 || level > 3)
    return "level is not 1, 2 or 3";
  if(level != level_of_code(region))
    return "level does not match the region code";
  return NULL;
}

ctk_code ctk_auth_add(ctk_auth *a, const char *region, int level, const char *secret)
{
  auth_node *node;
  size_t len;
  ctk_code result;

  if(!a || !secret || check_node(region, level))
    return CTK_E_INVAL;
  len = strnlen(secret, CTK_AUTH_SECRET_MAX + 1);
  if(len < CTK_AUTH_SECRET_MIN || len > CTK_AUTH_SECRET_MAX)
    return CTK_E_INVAL;
  if(find_node(a, region))
    return CTK_E_EXISTS;
  if(a->n >= CTK_AUTH_MAX_NODES)
    return CTK_E_TOOBIG;
  node = &a->nodes[a->n];
  memset(node, 0, sizeof(*node));
  ctk_strlcpy(node->region, region, sizeof(node->region));
  node->level = level;
  if(RAND_bytes(node->salt, sizeof(node->salt)) != 1)
    return CTK_E_CRYPTO;
  result = hash_secret(node->salt, secret, len, node->hash);
  if(result)
    return result;
  a->n++;
  return CTK_E_OK;
}

/* One record of the file into the next node slot. */
static ctk_code load_node(void *ctx, const ctk_csv *csv, const int *col, const char *path,
                          char *err, size_t errsize)
{
  ctk_auth *a = ctx;
  const char *region = ctk_csv_field(csv, col[0]);
  const char *level = ctk_csv_field(csv, col[1]);
  const char *salt = ctk_csv_field(csv, col[2]);
  const char *hash = ctk_csv_field(csv, col[3]);
  size_t line = csv->record_line;
  auth_node *node;
  const char *why;

  if(!region || !level || !salt || !hash)
    return ctk_csv_error(err, errsize, path, line, "too few fields", NULL);
  if(!strcmp(region, "region"))
    return ctk_csv_error(err, errsize, path, line, "a second header line (append further "
                         "lines with ctk passwd --no-header)", NULL);
  if(a->n >= CTK_AUTH_MAX_NODES)
    return ctk_csv_error(err, errsize, path, line, "too many nodes", NULL);
  if(strlen(level) != 1)
    return ctk_csv_error(err, errsize, path, line, "level is not 1, 2 or 3", NULL);
  why = check_node(region, level[0] - '0');
  if(why)
    return ctk_csv_error(err, errsize, path, line, why, NULL);
  if(find_node(a, region))
    return ctk_csv_error(err, errsize, path, line, "region listed twice", NULL);
  node = &a->nodes[a->n];
  memset(node, 0, sizeof(*node));
  if(decode_hex(salt, node->salt, sizeof(node->salt)))
    return ctk_csv_error(err, errsize, path, line, "salt_hex is not 32 hex digits", NULL);
  if(decode_hex(hash, node->hash, sizeof(node->hash)))
    return ctk_csv_error(err, errsize, path, line, "hash_hex is not 64 hex digits", NULL);
  ctk_strlcpy(node->region, region, sizeof(node->region));
  node->level = level[0] - '0';
  a->n++;
  return CTK_E_OK;
}

ctk_code ctk_auth_load(const char *path, ctk_auth **out, char *err, size_t errsize)
{
  static const char *const columns[] = { "region", "level", "salt_hex", "hash_hex" };
  ctk_auth *a;
  ctk_code result;

  if(err && errsize)
    err[0] = '\0';
  if(!path || !out)
    return CTK_E_INVAL;
  *out = NULL;
  a = ctk_auth_new();
  if(!a)
    return CTK_E_NOMEM;
  /* the file holds salts and hashes: the reader's copy is wiped */
  result = ctk_csv_load(path, columns, 4, load_node, a, 1, err, errsize);
  if(result) {
    ctk_auth_free(a);
    return result;
  }
  *out = a;
  return CTK_E_OK;
}

ctk_code ctk_auth_verify(const ctk_auth *a, const char *region, const char *secret, int *level)
{
  const auth_node *node;
  const auth_node *against;
  unsigned char digest[HASH_BYTES];
  size_t len;
  int same;

  if(level)
    *level = 0;
  if(!a)
    return CTK_E_AUTH;
  node = region ? find_node(a, region) : NULL;
  against = node ? node : &a->dummy;
  len = secret ? strnlen(secret, CTK_AUTH_SECRET_MAX + 1) : 0;
  /* always hash and compare, so an unknown region answers as slowly as a wrong secret */
  if(hash_secret(against->salt, secret ? secret : "", len, digest))
    return CTK_E_AUTH;
  same = CRYPTO_memcmp(digest, against->hash, sizeof(digest)) == 0;
  OPENSSL_cleanse(digest, sizeof(digest));
  if(!node || !same || len == 0 || len > CTK_AUTH_SECRET_MAX)
    return CTK_E_AUTH;
  if(level)
    *level = node->level;
  return CTK_E_OK;
}

ctk_code ctk_auth_generate_secret(char *out, size_t size)
{
  unsigned char raw[CTK_AUTH_SECRET_BYTES];
  ctk_code result;

  if(!out || size < CTK_AUTH_SECRET_HEX + 1)
    return CTK_E_INVAL;
  if(RAND_bytes(raw, sizeof(raw)) != 1)
    return CTK_E_CRYPTO;
  result = encode_hex(raw, sizeof(raw), out, size);
  OPENSSL_cleanse(raw, sizeof(raw));
  return result;
}

ctk_code ctk_auth_make_line(const char *region, int level, const char *secret, char *out,
                            size_t size)
{
  unsigned char salt[CTK_AUTH_SALT_BYTES];
  unsigned char digest[HASH_BYTES];
  char salt_hex[2 * CTK_AUTH_SALT_BYTES + 1];
  char hash_hex[2 * HASH_BYTES + 1];
  size_t len;
  ctk_code result;
  int n;

  if(!out || !size || !secret || check_node(region, level))
    return CTK_E_INVAL;
  out[0] = '\0';
  len = strnlen(secret, CTK_AUTH_SECRET_MAX + 1);
  if(len < CTK_AUTH_SECRET_MIN || len > CTK_AUTH_SECRET_MAX)
    return CTK_E_INVAL;
  if(RAND_bytes(salt, sizeof(salt)) != 1)
    return CTK_E_CRYPTO;
  result = hash_secret(salt, secret, len, digest);
  if(!result)
    result = encode_hex(salt, sizeof(salt), salt_hex, sizeof(salt_hex));
  if(!result)
    result = encode_hex(digest, sizeof(digest), hash_hex, sizeof(hash_hex));
  if(result)
    return result;
  n = snprintf(out, size, "%s,%d,%s,%s", region, level, salt_hex, hash_hex);
  if(n < 0 || (size_t)n >= size) {
    out[0] = '\0';
    return CTK_E_TOOBIG;
  }
  return CTK_E_OK;
}
