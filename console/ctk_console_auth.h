/* ctk_console_auth: the console's secrets: slow salted password hashes (PBKDF2-HMAC-SHA256 from
 * libcrypto), session and CSRF tokens, constant-time comparison, and the roles' rights. */
#ifndef CTK_CONSOLE_AUTH_H
#define CTK_CONSOLE_AUTH_H

#include <stddef.h>

#include "ctk_error.h"

#define CTK_CONSOLE_KDF_ITERATIONS 200000
#define CTK_CONSOLE_SALT_HEX 33          /* 16 bytes */
#define CTK_CONSOLE_HASH_HEX 65          /* 32 bytes */
#define CTK_CONSOLE_TOKEN_HEX 65         /* 32 random bytes */
#define CTK_CONSOLE_PASSWORD_MIN 10
#define CTK_CONSOLE_PASSWORD_MAX 256

typedef enum ctk_console_role {
  CTK_CONSOLE_ADMIN,             /* centre administrator: everything, accounts and keys */
  CTK_CONSOLE_TESTER,            /* centre tester: every province's view, decisions, runs */
  CTK_CONSOLE_PROVINCE,          /* province operator: its own province only */
  CTK_CONSOLE_ROLE_NONE
} ctk_console_role;

/* "admin", "tester", "province" and back; CTK_CONSOLE_ROLE_NONE for anything else. */
const char *ctk_console_role_name(ctk_console_role role);
ctk_console_role ctk_console_role_parse(const char *name);

/* A password people may choose: CTK_CONSOLE_PASSWORD_MIN to _MAX bytes, no control
 * characters. NULL when fine, else why not (a catalogue key). */
const char *ctk_console_password_problem(const char *password);

/* A fresh random salt and the PBKDF2-HMAC-SHA256 of password with it, both hex. */
ctk_code ctk_console_kdf_new(const char *password, long iterations,
                             char salt_hex[CTK_CONSOLE_SALT_HEX],
                             char hash_hex[CTK_CONSOLE_HASH_HEX]);
/* 1 when password hashes to hash_hex with salt_hex and iterations (constant-time compare). */
int ctk_console_kdf_check(const char *password, const char *salt_hex, long iterations,
                          const char *hash_hex);

/* 32 random bytes as hex (session ids, CSRF tokens). */
ctk_code ctk_console_token(char out[CTK_CONSOLE_TOKEN_HEX]);
/* SHA-256 of len bytes as hex: what the store keeps of a session id; an upload's name. */
void ctk_console_sha256_hex(const void *data, size_t len, char out[CTK_CONSOLE_HASH_HEX]);
/* 1 when a and b are equal strings, in time independent of where they differ. */
int ctk_console_same(const char *a, const char *b);

/* What a signed-in account may do where. region is the account's province ("" for the
 * centre); target_region the province a page or change is about. */
int ctk_console_may_see(ctk_console_role role, const char *region, const char *target_region);
int ctk_console_may_upload(ctk_console_role role, const char *region, const char *target_region);
int ctk_console_may_decide(ctk_console_role role);
int ctk_console_may_admin(ctk_console_role role);
int ctk_console_may_run(ctk_console_role role, const char *region, const char *target_region);

#endif
