/* ctk_console_auth: PBKDF2 passwords, random tokens and the rights of each role. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "ctk_buf.h"
#include "ctk_console_auth.h"

static const char *const role_names[] = { "admin", "tester", "province" };

const char *ctk_console_role_name(ctk_console_role role)
{
  return role < CTK_CONSOLE_ROLE_NONE ? role_names[role] : "none";
}

ctk_console_role ctk_console_role_parse(const char *name)
{
  int i;

  for(i = 0; name && i < CTK_CONSOLE_ROLE_NONE; i++)
    if(!strcmp(name, role_names[i]))
      return (ctk_console_role)i;
  return CTK_CONSOLE_ROLE_NONE;
}

const char *ctk_console_password_problem(const char *password)
{
  size_t len = password ? strlen(password) : 0, i;

  if(len < CTK_CONSOLE_PASSWORD_MIN)
    return "err.password_short";
  if(len > CTK_CONSOLE_PASSWORD_MAX)
    return "err.password_long";
  for(i = 0; i < len; i++)
    if((unsigned char)password[i] < 0x20 || password[i] == 0x7f)
      return "err.password_control";
  return NULL;
}

static int unhex(const char *hex, unsigned char *out, size_t n)
{
  size_t i;

  if(!hex || strlen(hex) != 2 * n)
    return -1;
  for(i = 0; i < 2 * n; i++) {
    char c = hex[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if(v < 0)
      return -1;
    if(i % 2)
      out[i / 2] = (unsigned char)(out[i / 2] | v);
    else
      out[i / 2] = (unsigned char)(v << 4);
  }
  return 0;
}

static ctk_code kdf(const char *password, const unsigned char *salt, size_t salt_len,
                    long iterations, unsigned char out[32])
{
  if(iterations < 1 || iterations > 100000000L)
    return CTK_E_INVAL;
  if(PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, (int)iterations,
                       EVP_sha256(), 32, out) != 1)
    return CTK_E_CRYPTO;
  return CTK_E_OK;
}

ctk_code ctk_console_kdf_new(const char *password, long iterations,
                             char salt_hex[CTK_CONSOLE_SALT_HEX],
                             char hash_hex[CTK_CONSOLE_HASH_HEX])
{
  unsigned char salt[16], hash[32];
  ctk_code result;

  if(RAND_bytes(salt, sizeof(salt)) != 1)
    return CTK_E_CRYPTO;
  result = kdf(password, salt, sizeof(salt), iterations, hash);
  if(result)
    return result;
  ctk_hex(salt, sizeof(salt), salt_hex);
  ctk_hex(hash, sizeof(hash), hash_hex);
  OPENSSL_cleanse(hash, sizeof(hash));
  return CTK_E_OK;
}

int ctk_console_kdf_check(const char *password, const char *salt_hex, long iterations,
                          const char *hash_hex)
{
  unsigned char salt[16], want[32], got[32];
  int same;

  if(!password || unhex(salt_hex, salt, sizeof(salt)) || unhex(hash_hex, want, sizeof(want)))
    return 0;
  if(kdf(password, salt, sizeof(salt), iterations, got))
    return 0;
  same = CRYPTO_memcmp(want, got, sizeof(got)) == 0;
  OPENSSL_cleanse(got, sizeof(got));
  return same;
}

ctk_code ctk_console_token(char out[CTK_CONSOLE_TOKEN_HEX])
{
  unsigned char raw[32];

  if(RAND_bytes(raw, sizeof(raw)) != 1)
    return CTK_E_CRYPTO;
  ctk_hex(raw, sizeof(raw), out);
  return CTK_E_OK;
}

void ctk_console_sha256_hex(const void *data, size_t len, char out[CTK_CONSOLE_HASH_HEX])
{
  unsigned char md[SHA256_DIGEST_LENGTH];

  SHA256((const unsigned char *)data, len, md);
  ctk_hex(md, sizeof(md), out);
}

int ctk_console_same(const char *a, const char *b)
{
  size_t la, lb;

  if(!a || !b)
    return 0;
  la = strlen(a);
  lb = strlen(b);
  if(la != lb || !la)
    return 0;
  return CRYPTO_memcmp(a, b, la) == 0;
}

static int centre(ctk_console_role role)
{
  return role == CTK_CONSOLE_ADMIN || role == CTK_CONSOLE_TESTER;
}

static int own(ctk_console_role role, const char *region, const char *target_region)
{
  return role == CTK_CONSOLE_PROVINCE && region && target_region && region[0] &&
         !strcmp(region, target_region);
}

int ctk_console_may_see(ctk_console_role role, const char *region, const char *target_region)
{
  return centre(role) || own(role, region, target_region);
}

int ctk_console_may_upload(ctk_console_role role, const char *region, const char *target_region)
{
  return role == CTK_CONSOLE_ADMIN || own(role, region, target_region);
}

int ctk_console_may_decide(ctk_console_role role)
{
  return centre(role);
}

int ctk_console_may_admin(ctk_console_role role)
{
  return role == CTK_CONSOLE_ADMIN;
}

int ctk_console_may_run(ctk_console_role role, const char *region, const char *target_region)
{
  return centre(role) || own(role, region, target_region);
}
