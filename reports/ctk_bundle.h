/* ctk_bundle: the signed evidence bundle for the networked-debugging application (a tar.gz
 * with a manifest of SHA-256 hashes signed with Ed25519), its key pair, and its verifier. */
#ifndef CTK_BUNDLE_H
#define CTK_BUNDLE_H

#include <stddef.h>

#include "ctk_buf.h"
#include "ctk_error.h"
#include "ctk_result.h"

#define CTK_BUNDLE_FORMAT "ctk12328-bundle/1"
#define CTK_BUNDLE_MANIFEST "manifest.json"
#define CTK_BUNDLE_SIGNATURE "manifest.sig" /* raw 64-byte Ed25519 signature of manifest.json */

#define CTK_BUNDLE_FILES_MAX 10000
#define CTK_BUNDLE_FILE_MAX ((size_t)256 * 1024 * 1024)  /* one member */
#define CTK_BUNDLE_TOTAL_MAX ((size_t)2048 * 1024 * 1024) /* all members, uncompressed */
#define CTK_BUNDLE_MANIFEST_MAX ((size_t)16 * 1024 * 1024)
#define CTK_BUNDLE_DEPTH_MAX 8                             /* folder depth searched in DIR */

/* Write PREFIX.pem (private key, mode 0600) and PREFIX.pub.pem (public key). Refuses to
 * overwrite an existing file. */
ctk_code ctk_bundle_keygen(const char *prefix, char *err, size_t errlen);

/* SHA-256 of the DER SubjectPublicKeyInfo of the key in a PEM file (public or private), hex. */
ctk_code ctk_bundle_key_fingerprint(const char *pem_path, char out[65], char *err,
                                    size_t errlen);

/* Build the bundle from a results directory: DIR/results.json (required), DIR/junit.xml and
 * DIR/report.html (generated from results.json when absent), and the kinds of file a bundle
 * holds found in DIR: logs and raw messages (*.log, *.jsonl, *.pcap, *.xml). Nothing else
 * (.csv, .txt, .secret, .pem, .db stay out whatever their names), never hidden files or
 * symbolic links, nor names containing key, secret, credential, passw, token or .pem in any
 * case; a regular file with more than one link refuses the bundle (CTK_E_INVALID).
 * The bundle is written to a temporary file and renamed, so out_path is never half-written. */
ctk_code ctk_bundle_create(const char *results_dir, const char *privkey_pem, const char *out_path,
                           char *err, size_t errlen);

/* What verification found. */
typedef struct ctk_bundle_check {
  int signature_checked;       /* 0 when no public key was given */
  int signature_ok;
  char key_fingerprint[65];    /* of the key used to check, "" without one */
  char signer_fingerprint[65]; /* the key the manifest says signed it */
  size_t files_ok;             /* members whose hash and size match the manifest */
  ctk_buf problems;            /* one line each: "changed: report.html (sha256 ...)" */
  size_t n_problems;

  /* From the manifest (trustworthy only when the bundle is valid). */
  char sut_kind[16];
  char sut_region[8];
  char sut_name[128];
  char started[CTK_RESULT_TIME_LEN];
  char finished[CTK_RESULT_TIME_LEN];
  char profile_provenance[32];
  int certifiable;
  int exit_code;
  ctk_buf failing_requirements; /* separated by ", " */

  /* results.json's bytes as read from the bundle, so a reader of its verdicts needs no second
   * pass over the archive (trustworthy only when the bundle is valid: its hash was checked). */
  ctk_buf results;
} ctk_bundle_check;

void ctk_bundle_check_init(ctk_bundle_check *c);
void ctk_bundle_check_free(ctk_bundle_check *c);

/* Verify a bundle: the signature over manifest.json (when pubkey_pem is not NULL), then every
 * member against its hash; missing, extra and changed members are all listed. Only a
 * canonical bundle is valid: one gzip stream of one tar archive with nothing after either,
 * regular members only, names without "."/".." or empty segments, a manifest exactly as ctk
 * writes it (no key twice, nothing after it). A member declaring more than
 * CTK_BUNDLE_FILE_MAX (or all more than CTK_BUNDLE_TOTAL_MAX) ends the check at its header
 * (CTK_E_TOOBIG). Problem lines escape what they quote from the bundle. Returns
 * CTK_E_OK when valid, CTK_E_INVALID when not (check->problems says why), or another code
 * when it could not be checked at all (err says why: unreadable key, not a tar.gz...). */
ctk_code ctk_bundle_verify(const char *bundle_path, const char *pubkey_pem,
                           ctk_bundle_check *check, char *err, size_t errlen);

#endif
