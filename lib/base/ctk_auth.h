/* ctk_auth: node credentials for HTTP Basic between 12328 nodes (user = region code,
 * password = the node's secret), kept as salted SHA-256 in credentials.csv. */
#ifndef CTK_AUTH_H
#define CTK_AUTH_H

#include <stddef.h>

#include "ctk_error.h"

/*
 * File format, one node a line after the header:
 *
 *   region,level,salt_hex,hash_hex
 *   360100,3,<32 hex digits>,<64 hex digits>
 *
 * hash = SHA-256(salt || secret), salt 16 random bytes, secret the text the node sends.
 *
 * Why a fast hash is enough here: these secrets are not passwords people choose and reuse.
 * They are machine tokens of 256 random bits (ctk_auth_generate_secret: RAND_bytes, hex), so
 * nobody can guess or brute-force one from a stolen file whatever the hash speed; a slow
 * password hash (scrypt, Argon2) would only add work to every request. The salt keeps equal
 * secrets from showing as equal hashes. Secrets supplied by hand (--secret) should be made the
 * same way; ctk passwd refuses ones shorter than CTK_AUTH_SECRET_MIN characters.
 *
 * Nothing here logs a secret, and verification takes the same time whether the region is
 * known or not and wherever the secrets differ.
 */

#define CTK_AUTH_SALT_BYTES 16
#define CTK_AUTH_SECRET_BYTES 32                         /* random bytes of a generated secret */
#define CTK_AUTH_SECRET_HEX (2 * CTK_AUTH_SECRET_BYTES)  /* its length as text */
#define CTK_AUTH_SECRET_MIN 16
#define CTK_AUTH_SECRET_MAX 256
#define CTK_AUTH_MAX_NODES 4096
/* region(6) , level(1) , salt(32) , hash(64) and NUL */
#define CTK_AUTH_LINE_MAX 128

typedef struct ctk_auth ctk_auth;  /* read-only after loading: share across threads */

/* Loads credentials.csv. Any malformed line refuses the whole file: err says
 * "FILE:LINE: reason" (never a secret). */
ctk_code ctk_auth_load(const char *path, ctk_auth **out, char *err, size_t errsize);
/* An empty set, to fill with ctk_auth_add (simulators and tests that make their own nodes). */
ctk_auth *ctk_auth_new(void);
/* Adds a node with a fresh salt. CTK_E_EXISTS if the region is there already. */
ctk_code ctk_auth_add(ctk_auth *a, const char *region, int level, const char *secret);
void ctk_auth_free(ctk_auth *a);

/* CTK_E_OK when secret is region's secret (and *level, if given, is its level: 1 ministry,
 * 2 province, 3 city); CTK_E_AUTH for an unknown region, a wrong or empty secret. */
ctk_code ctk_auth_verify(const ctk_auth *a, const char *region, const char *secret, int *level);

/* A new secret: CTK_AUTH_SECRET_HEX lowercase hex digits from the OpenSSL CSPRNG. */
ctk_code ctk_auth_generate_secret(char *out, size_t size);
/* A credentials.csv line (no newline) for this node, with a fresh salt. */
ctk_code ctk_auth_make_line(const char *region, int level, const char *secret, char *out,
                            size_t size);

#endif
