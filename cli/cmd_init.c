/* cmd_init: `ctk init province --region CODE DIR` writes a ready kit for running the suites
 * against a province's own system: secrets, credentials, peers, PICS, PIXIT and a README. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "ctk_auth.h"
#include "ctk_buf.h"
#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_file.h"
#include "ctk_msg.h"
#include "ctk_profile.h"
#include "ctk_region.h"

#define INIT_CMD "ctk init"
#define INIT_TEXT_MAX ((size_t)64 * 1024)

static void init_usage(FILE *out)
{
  fputs("usage: ctk init province --region CODE DIR [--ministry-port N] [--cities-port N]\n"
        "                         [--sut-port N] [--sut-url URL] [--profile DIR]\n"
        "                         [--regions FILE]\n"
        "\n"
        "Writes into DIR (new, or empty) a kit for running `ctk run` against the province\n"
        "system of region CODE, as its operator would (docs/RUNNER.md, ctk-init(1)):\n"
        "  README.md         what to configure on the province's side, and the commands\n"
        "  province.pics     what the system supports, every item explained\n"
        "  province.pixit    how to reach it and the run's limits (holds secrets: mode 0600)\n"
        "  secrets/          the province's, the ministry's and the cities' secrets (0600)\n"
        "  credentials.csv   salted hashes of the ministry's and cities' secrets (who may\n"
        "                    call the province), as `ctk passwd` makes them\n"
        "  peers.csv         where the province reaches the runner's ministry and cities\n"
        "  province.conf     `ctk serve province --config` for the reference province, to\n"
        "                    try the kit before pointing it at your own system\n"
        "\n"
        "  --region CODE        the province's GB/T 2260 code (a provincial unit)\n"
        "  --ministry-port N    where the runner's ministry listens [18328]\n"
        "  --cities-port N      where the runner's cities listen [18329]\n"
        "  --sut-port N         where the reference province of province.conf listens [18330]\n"
        "  --sut-url URL        the province system's base URL [http://127.0.0.1:SUT-PORT]\n"
        "  --profile DIR        the profile whose optional interfaces the PICS lists\n"
        "  --regions FILE       region table [data/regions.csv]\n"
        "\n"
        "Exit status: 0 written, 2 could not (no randomness, a file not written, the\n"
        "profile or region table not loaded), 3 usage (a region that is no province, DIR\n"
        "not empty, a bad port).\n", out);
}

typedef struct init_kit {
  const char *dir;
  const char *region;
  char cities[2][8];
  char peer[8];
  long ministry_port, cities_port, sut_port;
  char sut_url[512];
  char secret_sut[CTK_AUTH_SECRET_MAX + 1];
  char secret_ministry[CTK_AUTH_SECRET_MAX + 1];
  char secret_cities[CTK_AUTH_SECRET_MAX + 1];
  const ctk_profile *profile;
  const ctk_region_db *regions;
} init_kit;

static int init_write(const init_kit *k, const char *name, const ctk_buf *text, mode_t mode)
{
  char path[PATH_MAX];
  ctk_code result;
  snprintf(path, sizeof(path), "%s/%s", k->dir, name);
  result = ctk_file_write_atomic(path, text->data ? text->data : "", text->len, mode);
  if(result) {
    fprintf(stderr, INIT_CMD ": cannot write %s: %s\n", path, ctk_strerror(result));
    return -1;
  }
  return 0;
}

/* DIR must be new or empty: a kit never overwrites another's secrets. */
static int init_dir(const char *dir)
{
  char path[PATH_MAX];
  struct stat st;
  if(mkdir(dir, 0700) && errno != EEXIST) {
    fprintf(stderr, INIT_CMD ": cannot create %s: %s\n", dir, strerror(errno));
    return CTK_EXIT_ERROR;
  }
  snprintf(path, sizeof(path), "%s/province.pixit", dir);
  if(!stat(path, &st)) {
    fprintf(stderr, INIT_CMD ": %s already holds a kit (province.pixit); choose a new "
            "directory\n", dir);
    return CTK_EXIT_USAGE;
  }
  snprintf(path, sizeof(path), "%s/secrets", dir);
  if(mkdir(path, 0700) && errno != EEXIST) {
    fprintf(stderr, INIT_CMD ": cannot create %s: %s\n", path, strerror(errno));
    return CTK_EXIT_ERROR;
  }
  return CTK_EXIT_OK;
}

/* The province's first two cities, and another province for cross-province cases (its
 * capital NN0100 plays the other side). */
static int init_regions(init_kit *k)
{
  const ctk_region *cities[2];
  const ctk_region *provinces[64];
  size_t n, i;

  if(!ctk_region_is_province(k->regions, k->region)) {
    fprintf(stderr, INIT_CMD ": --region %s is not a provincial unit of the region table\n",
            k->region);
    return -1;
  }
  n = ctk_region_cities(k->regions, k->region, cities, 2);
  if(n < 2) {
    fprintf(stderr, INIT_CMD ": province %s has fewer than two cities in the region table; "
            "the suites need two\n", k->region);
    return -1;
  }
  ctk_strlcpy(k->cities[0], cities[0]->code, sizeof(k->cities[0]));
  ctk_strlcpy(k->cities[1], cities[1]->code, sizeof(k->cities[1]));
  n = ctk_region_provinces(k->regions, provinces, sizeof(provinces) / sizeof(provinces[0]));
  for(i = 0; i < n && i < sizeof(provinces) / sizeof(provinces[0]) && !k->peer[0]; i++) {
    char capital[8];
    snprintf(capital, sizeof(capital), "%.2s0100", provinces[i]->code);
    if(strcmp(provinces[i]->code, k->region) && ctk_region_is_city(k->regions, capital))
      ctk_strlcpy(k->peer, provinces[i]->code, sizeof(k->peer));
  }
  return 0;
}

static int init_secrets(init_kit *k)
{
  static const char *const names[] = { "secrets/sut.secret", "secrets/ministry.secret",
                                       "secrets/cities.secret" };
  char *secrets[3];
  ctk_buf b;
  size_t i;
  int rc = 0;

  secrets[0] = k->secret_sut;
  secrets[1] = k->secret_ministry;
  secrets[2] = k->secret_cities;
  ctk_buf_init(&b, 1024);
  for(i = 0; i < 3 && !rc; i++) {
    if(ctk_auth_generate_secret(secrets[i], CTK_AUTH_SECRET_MAX + 1)) {
      fprintf(stderr, INIT_CMD ": no random bytes for a secret\n");
      rc = -1;
      break;
    }
    ctk_buf_reset(&b);
    ctk_buf_printf(&b, "%s\n", secrets[i]);
    rc = init_write(k, names[i], &b, 0600);
  }
  if(b.data)
    OPENSSL_cleanse(b.data, b.cap);
  ctk_buf_free(&b);
  return rc;
}

/* Who may call the province: the ministry and its cities, hashed as `ctk passwd` does. */
static int init_credentials(const init_kit *k)
{
  char line[256];
  ctk_buf b;
  size_t i;
  int rc;
  ctk_buf_init(&b, 4096);
  ctk_buf_adds(&b, "region,level,salt_hex,hash_hex\n");
  if(ctk_auth_make_line(CTK_REGION_MINISTRY, 1, k->secret_ministry, line, sizeof(line))) {
    ctk_buf_free(&b);
    return -1;
  }
  ctk_buf_printf(&b, "%s\n", line);
  for(i = 0; i < 2; i++) {
    if(ctk_auth_make_line(k->cities[i], 3, k->secret_cities, line, sizeof(line))) {
      ctk_buf_free(&b);
      return -1;
    }
    ctk_buf_printf(&b, "%s\n", line);
  }
  rc = init_write(k, "credentials.csv", &b, 0600);
  ctk_buf_free(&b);
  return rc;
}

static int init_peers(const init_kit *k)
{
  ctk_buf b;
  int rc;
  ctk_buf_init(&b, 4096);
  ctk_buf_printf(&b, "region,level,url\n%s,1,http://127.0.0.1:%ld\n", CTK_REGION_MINISTRY,
                 k->ministry_port);
  ctk_buf_printf(&b, "%s,3,http://127.0.0.1:%ld/city/%s\n", k->cities[0], k->cities_port,
                 k->cities[0]);
  ctk_buf_printf(&b, "%s,3,http://127.0.0.1:%ld/city/%s\n", k->cities[1], k->cities_port,
                 k->cities[1]);
  rc = init_write(k, "peers.csv", &b, 0644);
  ctk_buf_free(&b);
  return rc;
}

/* The reference province as the system under test: what the operator of a real one sets in
 * its own configuration instead. */
static int init_province_conf(const init_kit *k, const char *absdir)
{
  char profile[PATH_MAX];
  ctk_buf b;
  int rc;
  if(!realpath(k->profile->dir, profile))
    ctk_strlcpy(profile, k->profile->dir, sizeof(profile));
  ctk_buf_init(&b, 8192);
  ctk_buf_printf(&b,
    "# ctk serve province --config %s/province.conf\n"
    "# The reference province as the system under test, to try this kit before pointing it at\n"
    "# your own system (README.md). Same names as the options of `ctk serve --help`.\n"
    "region = %s\n"
    "listen = 127.0.0.1:%ld\n"
    "data = %s/province-data          # its store: kept from run to run, as yours is\n"
    "port-file = %s/province.port\n"
    "credentials = %s/credentials.csv # who may call it: the ministry and the two cities\n"
    "secret-file = %s/secrets/sut.secret\n"
    "peers = %s/peers.csv             # where it reaches the runner's ministry and cities\n"
    "urge-interval = 1                # overdue scan every second (PIXIT limits.overdue_urge_ms)\n"
    "retry-initial-ms = 100           # first retry of a delivery the ministry did not take\n"
    "profile = %s   # the profile of the kit (ctk run --profile the same)\n",
    absdir, k->region, k->sut_port, absdir, absdir, absdir, absdir, absdir, profile);
  rc = init_write(k, "province.conf", &b, 0644);
  ctk_buf_free(&b);
  return rc;
}

static int init_pics(const init_kit *k)
{
  const ctk_profile *p = k->profile;
  ctk_buf b;
  size_t i;
  int rc;
  ctk_buf_init(&b, INIT_TEXT_MAX);
  ctk_buf_printf(&b,
    "# PICS of province %s: what its system supports. Every item is yes or no; an absent item\n"
    "# is no. A capability declared yes is checked first (part pics) and the tests that need\n"
    "# it run; one declared no is skipped with the reason. docs/RUNNER.md lists every item.\n"
    "\n# Optional interfaces of profile %s %s (top level, before any section): yes when the\n"
    "# system offers them.\n",
    k->region, p->name, p->version);
  for(i = 0; i < p->n_interfaces; i++) {
    const ctk_interface *f = &p->interfaces[i];
    if(f->optional && f->pics[0])
      ctk_buf_printf(&b, "%-19s = yes   # %s %s (%s)\n", f->pics, f->code, f->name, f->name_zh);
  }
  ctk_buf_printf(&b,
    "\n[sut]\nrole = province     # a provincial 12328 system (ctk run --sut province)\n"
    "\n[binding]\n"
    "xml = yes           # messages as plain XML over HTTP POST {base}%s (mandatory)\n"
    "soap = yes          # SOAP 1.1 at {base}%s; say no if the system has no SOAP endpoint\n"
    "\n[encoding]\n"
    "utf8 = yes          # messages and answers in UTF-8 (mandatory)\n"
    "gbk = yes           # also in GBK; say no if the system speaks UTF-8 only\n"
    "\n[security]\n"
    "tls = no            # yes when sut.url is https:// (set sut.tls_ca in the PIXIT)\n",
    ctk_binding_path(p, CTK_BIND_XML), ctk_binding_path(p, CTK_BIND_SOAP));
  rc = init_write(k, "province.pics", &b, 0644);
  ctk_buf_free(&b);
  return rc;
}

static int init_pixit(const init_kit *k)
{
  ctk_buf b;
  int rc;
  ctk_buf_init(&b, INIT_TEXT_MAX);
  ctk_buf_printf(&b,
    "# PIXIT of province %s: how the runner reaches its system, and the run's limits. It holds\n"
    "# the secrets of the run (mode 0600). docs/RUNNER.md explains every key.\n"
    "\n[sut]\n"
    "role = province          # a provincial system (ctk run --sut province)\n"
    "region = %s          # the province's GB/T 2260 code\n"
    "start = external         # the system runs on its own; the runner does not start it\n"
    "url = %s   # its base URL: the runner posts to {url}%s (and {url}%s)\n"
    "secret = %s   # its HTTP Basic password at the ministry (secrets/sut.secret)\n"
    "# The URL the runner POSTs to make the system report its statistics now ({from} and {to}\n"
    "# become YYYY-MM-DD): this is the reference province's; point it at yours, or remove it\n"
    "# and J2.statistics waits for the system's own report.\n"
    "stats_trigger = %s/ctk/report-stats?from={from}&to={to}   # see above\n"
    "# tls_ca = ca.pem        # the CA that signs an https:// system's certificate\n"
    "\n[ministry]\n"
    "port = %ld             # the runner's ministry listens here: the system reports to\n"
    "                         # http://RUNNER-HOST:%ld%s\n"
    "secret = %s   # the ministry's password at the system (user %s)\n"
    "\n[cities]\n"
    "regions = %s, %s   # two cities of the province the runner plays\n"
    "port = %ld               # the runner's cities listen here: the system reaches city C at\n"
    "                         # http://RUNNER-HOST:%ld/city/C%s\n"
    "secret = %s   # the cities' password at the system (user: the city's code)\n"
    "simulator = ctk          # ctk: city simulators answer; runner: the runner answers OK itself\n"
    "\n[peer]\n"
    "region = %s          # another province for cross-province cases (its capital %.2s0100),\n"
    "                         # reached through the ministry; remove it to skip J1.cross-province\n"
    "\n[limits]\n"
    "answer_timeout_ms = 5000      # one request to its answer\n"
    "propagate_timeout_ms = 8000   # an event reaches the next level\n"
    "start_timeout_ms = 15000      # a role the runner starts publishes its port\n"
    "outage_ms = 1500              # how long the ministry is down in J2.recovery\n"
    "overdue_urge_ms = 5000        # an overdue order is urged within this: the system's scan\n"
    "                              # period (the reference's province.conf scans every second)\n"
    "\n[load]\n"
    "rate = 25                     # work orders per second in J2.load\n"
    "duration_ms = 2000            # length of J2.load\n",
    k->region, k->region, k->sut_url, ctk_binding_path(k->profile, CTK_BIND_XML),
    ctk_binding_path(k->profile, CTK_BIND_SOAP), k->secret_sut, k->sut_url, k->ministry_port,
    k->ministry_port, ctk_binding_path(k->profile, CTK_BIND_XML), k->secret_ministry,
    CTK_REGION_MINISTRY, k->cities[0], k->cities[1], k->cities_port, k->cities_port,
    ctk_binding_path(k->profile, CTK_BIND_XML), k->secret_cities, k->peer[0] ? k->peer : "",
    k->peer);
  rc = init_write(k, "province.pixit", &b, 0600);
  if(b.data)
    OPENSSL_cleanse(b.data, b.cap);
  ctk_buf_free(&b);
  return rc;
}

static int init_readme(const init_kit *k, const char *absdir)
{
  ctk_buf b;
  int rc;
  ctk_buf_init(&b, INIT_TEXT_MAX);
  ctk_buf_printf(&b,
    "# Conformance kit for province %s\n\n"
    "Written by `ctk init province`. With it `ctk run` tests your province's 12328 system\n"
    "as it runs: a staging system that keeps its data and may serve other traffic. Run it as\n"
    "often as you like: each run has its own run id, and every order id and message id it\n"
    "makes carries it (docs/RUNNER.md, \"Run ids\"), so runs never collide.\n\n"
    "## What the runner plays\n\n"
    "- the **ministry** above your system, listening on port %ld of the runner's host;\n"
    "- your cities **%s** and **%s**, listening on port %ld (`/city/<code>` each);\n"
    "- another province, **%s**, behind the ministry, for cross-province orders.\n\n"
    "## What to configure on your system\n\n"
    "1. **Its own identity.** Region `%s`, level 2. It calls the ministry with HTTP Basic\n"
    "   user `%s` and the password in `secrets/sut.secret`.\n"
    "2. **Where the ministry is.** `http://RUNNER-HOST:%ld` (messages to `%s`; SOAP at `%s`).\n"
    "3. **Where its cities are.** `%s` at `http://RUNNER-HOST:%ld/city/%s`, `%s` at\n"
    "   `http://RUNNER-HOST:%ld/city/%s`, both with the password in `secrets/cities.secret`\n"
    "   for them to call you.\n"
    "4. **Whom it accepts.** The ministry (user `%s`, password `secrets/ministry.secret`) and\n"
    "   both cities (user = the city's code, password `secrets/cities.secret`).\n"
    "   `credentials.csv` holds their salted hashes, as `ctk passwd` makes them, if your system\n"
    "   can read that file.\n"
    "5. **Its overdue scan.** Orders past their deadline must be urged within\n"
    "   `limits.overdue_urge_ms` of the PIXIT; set it to your scan period.\n"
    "6. **Statistics on demand.** Set `sut.stats_trigger` to a URL that makes your system send\n"
    "   its statistics report now, or remove the line (the test then waits for your own).\n"
    "7. **Its address.** Set `sut.url` in `province.pixit` to your system's base URL (now\n"
    "   `%s`). Keep `province.pixit` and `secrets/` private: they hold the secrets.\n\n"
    "Fill `province.pics` with what your system supports (every item is explained there).\n\n"
    "## Try it against the reference province first\n\n"
    "```sh\n"
    "ctk serve province --config %s/province.conf &\n"
    "ctk run --sut province --pics %s/province.pics --pixit %s/province.pixit --out out/\n"
    "```\n\n"
    "Exit 0: every mandatory test passed; 1: a test failed (its reason starts with the\n"
    "requirement ID); 2: inconclusive or a tool error; 3: a configuration error. The reports\n"
    "are `out/report.html`, `out/junit.xml` and `out/results.json`.\n",
    k->region, k->ministry_port, k->cities[0], k->cities[1], k->cities_port,
    k->peer[0] ? k->peer : "(none)", k->region, k->region, k->ministry_port,
    ctk_binding_path(k->profile, CTK_BIND_XML), ctk_binding_path(k->profile, CTK_BIND_SOAP),
    k->cities[0], k->cities_port, k->cities[0], k->cities[1], k->cities_port, k->cities[1],
    CTK_REGION_MINISTRY, k->sut_url, absdir, absdir, absdir);
  rc = init_write(k, "README.md", &b, 0644);
  ctk_buf_free(&b);
  return rc;
}

static int init_port(const char *opt, const char *text, long *out)
{
  return ctk_cli_long(INIT_CMD, opt, text, 1, 65535, out);
}

static int init_province(int argc, char **argv)
{
  init_kit k;
  const char *profile_dir = NULL, *regions_file = CTK_REGION_DEFAULT_FILE, *url = NULL;
  char absdir[PATH_MAX], err[512];
  ctk_profile *profile = NULL;
  ctk_region_db *regions = NULL;
  int i, rc = CTK_EXIT_ERROR;

  memset(&k, 0, sizeof(k));
  k.ministry_port = 18328;
  k.cities_port = 18329;
  k.sut_port = 18330;
  for(i = 1; i < argc; i++) {
    const char *v;
    if(strncmp(argv[i], "--", 2)) {
      if(k.dir)
        return ctk_cli_usage_error(INIT_CMD, init_usage, "one DIR only ('%s')", argv[i]);
      k.dir = argv[i];
      continue;
    }
    if(strcmp(argv[i], "--region") && strcmp(argv[i], "--ministry-port") &&
       strcmp(argv[i], "--cities-port") && strcmp(argv[i], "--sut-port") &&
       strcmp(argv[i], "--sut-url") && strcmp(argv[i], "--profile") &&
       strcmp(argv[i], "--regions"))
      return ctk_cli_usage_error(INIT_CMD, init_usage, "unknown option '%s'", argv[i]);
    v = ctk_cli_value(INIT_CMD, argc, argv, &i);
    if(!v)
      return CTK_EXIT_USAGE;
    if(!strcmp(argv[i - 1], "--region"))
      k.region = v;
    else if(!strcmp(argv[i - 1], "--ministry-port") && init_port(argv[i - 1], v, &k.ministry_port))
      return CTK_EXIT_USAGE;
    else if(!strcmp(argv[i - 1], "--cities-port") && init_port(argv[i - 1], v, &k.cities_port))
      return CTK_EXIT_USAGE;
    else if(!strcmp(argv[i - 1], "--sut-port") && init_port(argv[i - 1], v, &k.sut_port))
      return CTK_EXIT_USAGE;
    else if(!strcmp(argv[i - 1], "--sut-url"))
      url = v;
    else if(!strcmp(argv[i - 1], "--profile"))
      profile_dir = v;
    else if(!strcmp(argv[i - 1], "--regions"))
      regions_file = v;
  }
  if(!k.region || !k.dir)
    return ctk_cli_usage_error(INIT_CMD, init_usage, "--region CODE and DIR are required");
  if(k.ministry_port == k.cities_port || k.ministry_port == k.sut_port ||
     k.cities_port == k.sut_port)
    return ctk_cli_usage_error(INIT_CMD, NULL, "the ministry, cities and SUT ports must differ");
  if(url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
    return ctk_cli_usage_error(INIT_CMD, NULL, "--sut-url must be an http:// or https:// URL");
  if(url)
    ctk_strlcpy(k.sut_url, url, sizeof(k.sut_url));
  else
    snprintf(k.sut_url, sizeof(k.sut_url), "http://127.0.0.1:%ld", k.sut_port);
  if(ctk_region_load(regions_file, &regions, err, sizeof(err))) {
    fprintf(stderr, INIT_CMD ": region table: %s\n", err);
    return CTK_EXIT_ERROR;
  }
  k.regions = regions;
  if(init_regions(&k)) {
    ctk_region_free(regions);
    return CTK_EXIT_USAGE;
  }
  if(ctk_profile_load(profile_dir ? profile_dir : ctk_profile_default_dir(), &profile, err,
                      sizeof(err))) {
    fprintf(stderr, INIT_CMD ": profile: %s\n", err);
    ctk_region_free(regions);
    return CTK_EXIT_ERROR;
  }
  k.profile = profile;
  rc = init_dir(k.dir);
  if(rc == CTK_EXIT_OK && !realpath(k.dir, absdir)) {
    fprintf(stderr, INIT_CMD ": %s: %s\n", k.dir, strerror(errno));
    rc = CTK_EXIT_ERROR;
  }
  if(rc == CTK_EXIT_OK) {
    rc = CTK_EXIT_ERROR;
    if(!init_secrets(&k) && !init_credentials(&k) && !init_peers(&k) &&
       !init_province_conf(&k, absdir) && !init_pics(&k) && !init_pixit(&k) &&
       !init_readme(&k, absdir)) {
      printf("ctk init: kit for province %s in %s (cities %s, %s; ministry port %ld, cities "
             "port %ld); read %s/README.md\n", k.region, absdir, k.cities[0], k.cities[1],
             k.ministry_port, k.cities_port, absdir);
      rc = CTK_EXIT_OK;
    }
  }
  OPENSSL_cleanse(k.secret_sut, sizeof(k.secret_sut));
  OPENSSL_cleanse(k.secret_ministry, sizeof(k.secret_ministry));
  OPENSSL_cleanse(k.secret_cities, sizeof(k.secret_cities));
  ctk_profile_free(profile);
  ctk_region_free(regions);
  return rc;
}

int ctk_cmd_init(int argc, char **argv)
{
  if(argc < 2 || ctk_cli_is_help(argv[1])) {
    init_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? CTK_EXIT_USAGE : CTK_EXIT_OK;
  }
  if(ctk_cli_wants_help(argc, argv)) {
    init_usage(stdout);
    return CTK_EXIT_OK;
  }
  if(strcmp(argv[1], "province"))
    return ctk_cli_usage_error(INIT_CMD, init_usage, "unknown kit '%s' (only: province)",
                               argv[1]);
  return init_province(argc - 1, argv + 1);
}
