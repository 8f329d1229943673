/* cmd_bundle: `ctk bundle` (make a signed evidence bundle), `ctk bundle keygen` (its key pair)
 * and `ctk verify` (check a bundle's signature and every file's hash). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctk_bundle.h"
#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_log.h"

static void bundle_usage(FILE *out)
{
  fputs("usage: ctk bundle --results DIR --key PRIVATE.pem --out FILE.tar.gz\n"
        "       ctk bundle keygen --out PREFIX\n"
        "\n"
        "  Packs DIR/results.json, junit.xml and report.html (generated when absent) and the\n"
        "  message logs in DIR with manifest.json (hashes, summary, certifiable flag) and\n"
        "  manifest.sig (Ed25519 signature of manifest.json).\n"
        "  keygen writes PREFIX.pem (private, mode 0600) and PREFIX.pub.pem (public).\n"
        "Exit status: 0 written, 2 could not (reason on stderr), 3 usage.\n"
        "See ctk-bundle(1).\n",
        out);
}

static void verify_usage(FILE *out)
{
  fputs("usage: ctk verify BUNDLE.tar.gz --key PUBLIC.pem\n"
        "\n"
        "  Checks the Ed25519 signature of manifest.json, then every member against its\n"
        "  SHA-256; lists missing, extra and changed files.\n"
        "Exit status: 0 valid, 1 invalid (reasons on stdout), 2 the bundle or the key cannot\n"
        "be read, 3 usage.\n"
        "See ctk-verify(1).\n",
        out);
}

/* Parse "--name value" pairs into the given slots; 0 on success, else usage already told. */
static int parse_pairs(const char *cmd, int argc, char **argv, int first, const char *const *names,
                       const char **values, size_t n)
{
  int i;
  for(i = first; i < argc; i++) {
    size_t k;
    for(k = 0; k < n; k++) {
      if(!strcmp(argv[i], names[k]))
        break;
    }
    if(k == n) {
      fprintf(stderr, "%s: unknown argument '%s'\n", cmd, argv[i]);
      return -1;
    }
    values[k] = ctk_cli_value(cmd, argc, argv, &i);
    if(!values[k])
      return -1;
  }
  return 0;
}

static int keygen(int argc, char **argv)
{
  static const char *const names[] = { "--out" };
  const char *values[1] = { NULL };
  char err[1024];
  ctk_code rc;

  if(parse_pairs("ctk bundle keygen", argc, argv, 2, names, values, 1) || !values[0]) {
    bundle_usage(stderr);
    return CTK_EXIT_USAGE;
  }
  rc = ctk_bundle_keygen(values[0], err, sizeof(err));
  if(rc) {
    fprintf(stderr, "ctk bundle keygen: %s\n", err);
    return CTK_EXIT_ERROR;
  }
  printf("wrote %s.pem (private, keep it secret) and %s.pub.pem (public)\n", values[0],
         values[0]);
  return CTK_EXIT_OK;
}

int ctk_cmd_bundle(int argc, char **argv)
{
  static const char *const names[] = { "--results", "--key", "--out" };
  const char *values[3] = { NULL, NULL, NULL };
  char err[1024] = "";
  ctk_code rc;

  if(ctk_cli_wants_help(argc, argv)) {
    bundle_usage(stdout);
    return CTK_EXIT_OK;
  }
  if(argc >= 2 && !strcmp(argv[1], "keygen"))
    return keygen(argc, argv);
  if(parse_pairs("ctk bundle", argc, argv, 1, names, values, 3) || !values[0] || !values[1] ||
     !values[2]) {
    if(!values[0] || !values[1] || !values[2])
      fputs("ctk bundle: --results, --key and --out are required\n", stderr);
    bundle_usage(stderr);
    return CTK_EXIT_USAGE;
  }
  rc = ctk_bundle_create(values[0], values[1], values[2], err, sizeof(err));
  if(rc) {
    fprintf(stderr, "ctk bundle: %s\n", err[0] ? err : ctk_strerror(rc));
    return CTK_EXIT_ERROR;
  }
  printf("wrote %s\n", values[2]);
  return CTK_EXIT_OK;
}

int ctk_cmd_verify(int argc, char **argv)
{
  const char *key = NULL;
  const char *bundle = NULL;
  char err[1024] = "";
  char shown[4096];
  ctk_bundle_check check;
  ctk_code rc;
  FILE *f;
  int i;

  if(ctk_cli_wants_help(argc, argv)) {
    verify_usage(stdout);
    return CTK_EXIT_OK;
  }
  /* The bundle is the one argument that is not an option; it may come first or last. */
  for(i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--key") && i + 1 < argc) {
      key = argv[++i];
    }
    else if(!strncmp(argv[i], "--", 2))
      return ctk_cli_usage_error("ctk verify", NULL, "unknown argument or missing value '%s'",
                                 argv[i]);
    else if(bundle)
      return ctk_cli_usage_error("ctk verify", NULL, "one bundle at a time ('%s' and '%s')",
                                 bundle, argv[i]);
    else
      bundle = argv[i];
  }
  if(!bundle || !key)
    return ctk_cli_usage_error("ctk verify", verify_usage,
                               "a BUNDLE and --key PUBLIC.pem are required");
  /* A bundle that is not there was not checked; one that is there but broken is invalid. */
  f = fopen(bundle, "rb");
  if(!f) {
    fprintf(stderr, "ctk verify: cannot read %s: %s\n", bundle, strerror(errno));
    return CTK_EXIT_ERROR;
  }
  fclose(f);

  ctk_bundle_check_init(&check);
  rc = ctk_bundle_verify(bundle, key, &check, err, sizeof(err));
  /* what the bundle says is printed escaped: it cannot print a line of its own */
  ctk_log_escape(shown, sizeof(shown), err, strlen(err));
  if(rc == CTK_E_OK) {
    char kind[64];
    char region[32];
    ctk_log_escape(kind, sizeof(kind), check.sut_kind, strlen(check.sut_kind));
    ctk_log_escape(region, sizeof(region), check.sut_region, strlen(check.sut_region));
    printf("VALID %s: signature ok (key %s), %zu files ok; SUT %s %s, %s\n", bundle,
           check.key_fingerprint, check.files_ok, kind, region,
           check.certifiable ? "certifiable" : "NOT certifiable");
  }
  else if(rc == CTK_E_INVALID) {
    printf("INVALID %s: %zu problem%s\n%s", bundle, check.n_problems,
           check.n_problems == 1 ? "" : "s", ctk_buf_str(&check.problems));
  }
  else {
    /* An unusable key means nothing was checked; a bundle that cannot be read is invalid. */
    fprintf(stderr, "ctk verify: %s\n", err[0] ? shown : ctk_strerror(rc));
    if(rc == CTK_E_NOTFOUND || rc == CTK_E_CRYPTO) {
      ctk_bundle_check_free(&check);
      return strstr(err, key) ? CTK_EXIT_ERROR : CTK_EXIT_FAIL;
    }
    printf("INVALID %s: %s\n", bundle, err[0] ? shown : ctk_strerror(rc));
  }
  ctk_bundle_check_free(&check);
  return rc == CTK_E_OK ? CTK_EXIT_OK : CTK_EXIT_FAIL;
}
