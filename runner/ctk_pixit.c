/* ctk_pixit: PIXIT files: typed parameters of one run, checked with line numbers. */
#include "ctk_pixit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctk_auth.h"
#include "ctk_buf.h"

/* Every key a PIXIT may hold; anything else is a typo the user wants to hear about. */
#define T CTK_PIXIT_TEXT, NULL
#define N CTK_PIXIT_NUMBER, NULL
static const ctk_pixit_param pixit_keys[] = {
  { "sut.role", CTK_PIXIT_CHOICE, "province|city" }, { "sut.region", T }, { "sut.url", T },
  { "sut.secret", T }, { "sut.start", CTK_PIXIT_CHOICE, "external|reference" },
  { "sut.fault", T }, { "sut.tls_ca", T }, { "sut.stats_trigger", T }, { "sut.tls_cert", T },
  { "sut.tls_key", T },
  { "ministry.port", N }, { "ministry.secret", T },
  { "cities.regions", T }, { "cities.secret", T }, { "cities.port", N },
  { "cities.simulator", CTK_PIXIT_CHOICE, "ctk|runner" },
  { "province.secret", T }, { "province.port", N }, { "cti.webhook_url", T }, { "cti.calls", N },
  { "cti.csta_port", N }, { "cti.ami_port", N }, { "cti.esl_port", N },
  { "peer.region", T },
  { "limits.answer_timeout_ms", N }, { "limits.propagate_timeout_ms", N },
  { "limits.start_timeout_ms", N }, { "limits.outage_ms", N }, { "limits.handle_days", N },
  { "limits.overdue_urge_ms", N },
  { "load.rate", N }, { "load.duration_ms", N }, { "load.connections", N },
  { "load.min_rate", N }, { "load.p50_ms", N }, { "load.p95_ms", N }, { "load.p99_ms", N }
};
#undef T
#undef N

const ctk_pixit_param *ctk_pixit_params(size_t *n)
{
  *n = sizeof(pixit_keys) / sizeof(pixit_keys[0]);
  return pixit_keys;
}

static int pixit_fail(char *err, size_t errlen, const ctk_kvfile *kv, const char *key,
                      const char *why)
{
  const ctk_kvfile_entry *e = ctk_kvfile_find(kv, key);
  snprintf(err, errlen, "%s:%d: %s: %s", kv->path, e ? e->line : 0, key, why);
  return CTK_E_PARSE;
}

static int pixit_region_ok(const char *s)
{
  size_t i;
  if(strlen(s) != 6)
    return 0;
  for(i = 0; i < 6; i++) {
    if(!isdigit((unsigned char)s[i]))
      return 0;
  }
  return 1;
}

static ctk_code pixit_long(const ctk_kvfile *kv, const char *key, long def, long min, long max,
                           long *out, char *err, size_t errlen)
{
  const char *v = ctk_kvfile_get(kv, key);
  char *end;
  long n;
  if(!v || !*v) {
    *out = def;
    return CTK_E_OK;
  }
  errno = 0;
  n = strtol(v, &end, 10);
  if(errno || *end || n < min || n > max) {
    char why[96];
    snprintf(why, sizeof(why), "expected a whole number from %ld to %ld", min, max);
    return pixit_fail(err, errlen, kv, key, why);
  }
  *out = n;
  return CTK_E_OK;
}

/* A secret nobody else knows, for roles the runner starts itself (ctk_auth's generator). */
static void pixit_generate_secret(char *out, size_t outlen)
{
  if(ctk_auth_generate_secret(out, outlen))
    ctk_strlcpy(out, "", outlen);
}

static ctk_code pixit_secret(const ctk_kvfile *kv, const char *key, int self_test, char *out,
                             size_t outlen, char *err, size_t errlen)
{
  const char *v = ctk_kvfile_get(kv, key);
  if(!v || !*v || !strcmp(v, "generate")) {
    if(!self_test)
      return pixit_fail(err, errlen, kv, key,
                        "required for an external SUT (\"generate\" only in self-test)");
    pixit_generate_secret(out, outlen);
    if(!*out)
      return pixit_fail(err, errlen, kv, key, "no random bytes for a generated secret");
    return CTK_E_OK;
  }
  if(ctk_strlcpy(out, v, outlen))
    return pixit_fail(err, errlen, kv, key, "too long");
  return CTK_E_OK;
}

static ctk_code pixit_cities(ctk_pixit *px, char *err, size_t errlen)
{
  const char *v = ctk_kvfile_get(&px->kv, "cities.regions");
  const char *p;
  if(!v || !*v)
    return pixit_fail(err, errlen, &px->kv, "cities.regions", "at least one city is required");
  p = v;
  while(*p) {
    char code[16];
    size_t n = 0;
    while(*p == ',' || isspace((unsigned char)*p))
      p++;
    if(!*p)
      break;
    while(*p && *p != ',' && !isspace((unsigned char)*p) && n + 1 < sizeof(code))
      code[n++] = *p++;
    code[n] = '\0';
    if(!pixit_region_ok(code))
      return pixit_fail(err, errlen, &px->kv, "cities.regions", "each city is a 6-digit code");
    if(ctk_pixit_has_city(px, code))
      return pixit_fail(err, errlen, &px->kv, "cities.regions", "a city is listed twice");
    if(px->n_cities >= CTK_PIXIT_CITIES_MAX)
      return pixit_fail(err, errlen, &px->kv, "cities.regions", "too many cities");
    ctk_strlcpy(px->cities[px->n_cities++], code, sizeof(px->cities[0]));
  }
  if(px->n_cities < 2)
    return pixit_fail(err, errlen, &px->kv, "cities.regions",
                      "at least two cities are needed (cross-city cases)");
  return CTK_E_OK;
}

/* What J2.load may use and must reach: connections, the achieved rate and the latency
 * percentiles, by default derived from the rate and the answer timeout. */
static ctk_code pixit_load_limits(ctk_pixit *px, char *err, size_t errlen)
{
  const ctk_kvfile *kv = &px->kv;
  const char *v = ctk_kvfile_get(kv, "load.min_rate");
  long n;
  ctk_code result;

  result = pixit_long(kv, "load.connections", 8, 1, 1024, &n, err, errlen);
  px->load_connections = (int)n;
  if(!result)
    result = pixit_long(kv, "load.p99_ms", px->answer_timeout_ms, 1, 600000, &px->load_p99_ms,
                        err, errlen);
  if(!result)
    result = pixit_long(kv, "load.p95_ms", px->load_p99_ms / 2 > 0 ? px->load_p99_ms / 2 : 1,
                        1, px->load_p99_ms, &px->load_p95_ms, err, errlen);
  if(!result)
    result = pixit_long(kv, "load.p50_ms", px->load_p95_ms / 5 > 0 ? px->load_p95_ms / 5 : 1,
                        1, px->load_p95_ms, &px->load_p50_ms, err, errlen);
  if(result)
    return result;
  px->load_min_rate = px->load_rate * 0.9;
  if(v && *v) {
    char *end;
    errno = 0;
    px->load_min_rate = strtod(v, &end);
    if(errno || *end || px->load_min_rate <= 0.0 || px->load_min_rate > px->load_rate)
      return pixit_fail(err, errlen, kv, "load.min_rate",
                        "orders per second, above 0 up to load.rate");
  }
  return CTK_E_OK;
}

/* [limits] and [load]: the same for every SUT role. */
static ctk_code pixit_limits(ctk_pixit *px, char *err, size_t errlen)
{
  const ctk_kvfile *kv = &px->kv;
  const char *v;
  long n;
  ctk_code result;

  result = pixit_long(kv, "limits.answer_timeout_ms", 5000, 100, 600000, &px->answer_timeout_ms,
                      err, errlen);
  if(!result)
    result = pixit_long(kv, "limits.propagate_timeout_ms", 10000, 100, 600000,
                        &px->propagate_timeout_ms, err, errlen);
  if(!result)
    result = pixit_long(kv, "limits.start_timeout_ms", 10000, 100, 600000,
                        &px->start_timeout_ms, err, errlen);
  if(!result)
    result = pixit_long(kv, "limits.outage_ms", 2000, 100, 600000, &px->outage_ms, err, errlen);
  if(!result)
    result = pixit_long(kv, "limits.overdue_urge_ms", 90000, 100, 3600000, &px->overdue_urge_ms,
                        err, errlen);
  if(!result) {
    result = pixit_long(kv, "limits.handle_days", 0, 0, 365, &n, err, errlen);
    px->handle_days = (int)n;
  }
  if(!result)
    result = pixit_long(kv, "load.duration_ms", 3000, 100, 3600000, &px->load_duration_ms,
                        err, errlen);
  if(result)
    return result;
  v = ctk_kvfile_get(kv, "load.rate");
  px->load_rate = 20.0;
  if(v && *v) {
    char *end;
    errno = 0;
    px->load_rate = strtod(v, &end);
    if(errno || *end || px->load_rate <= 0.0 || px->load_rate > 10000.0)
      return pixit_fail(err, errlen, kv, "load.rate", "orders per second, above 0 up to 10000");
  }
  return pixit_load_limits(px, err, errlen);
}

/* A city SUT: the runner plays its province above it (the region's provincial code). */
static ctk_code pixit_check_city(ctk_pixit *px, char *err, size_t errlen)
{
  const ctk_kvfile *kv = &px->kv;
  const char *v;
  long n = 0;
  size_t i;
  ctk_code result;

  if(!strcmp(px->sut_region + 2, "0000")) /* not the profile's: GB/T 2260 province */
    return pixit_fail(err, errlen, kv, "sut.region", "a city code, not a province's");
  /* the reference city's faults are its docking misbehaviours (docs/CITY.md) */
  if(px->fault[0] && strcmp(px->fault, "drop-order") && strcmp(px->fault, "double-order") &&
     strcmp(px->fault, "wrong-call"))
    return pixit_fail(err, errlen, kv, "sut.fault", "a reference city's fault is drop-order, "
                      "double-order or wrong-call");
  result = pixit_secret(kv, "sut.secret", px->self_test, px->sut_secret,
                        sizeof(px->sut_secret), err, errlen);
  for(i = 0; !result && i < CTK_PIXIT_DOCK_FAMILIES; i++) {
    static const char *const keys[CTK_PIXIT_DOCK_FAMILIES] = {
      "cti.csta_port", "cti.ami_port", "cti.esl_port"
    };
    px->dock_port[i] = -1;
    if(!ctk_kvfile_find(kv, keys[i]))
      continue;
    result = pixit_long(kv, keys[i], 0, 0, 65535, &n, err, errlen);
    if(!result && !px->self_test && !n)
      return pixit_fail(err, errlen, kv, keys[i], "an external city docks to a fixed port");
    px->dock_port[i] = (int)n;
  }
  if(!result)
    result = pixit_secret(kv, "province.secret", px->self_test, px->province_secret,
                          sizeof(px->province_secret), err, errlen);
  if(!result)
    result = pixit_long(kv, "province.port", 0, 0, 65535, &n, err, errlen);
  if(result)
    return result;
  px->province_port = (int)n;
  if(!px->self_test && !px->province_port)
    return pixit_fail(err, errlen, kv, "province.port",
                      "an external SUT needs a fixed port to reach the runner's province");
  v = ctk_kvfile_get(kv, "cti.webhook_url");
  if(v && *v && px->self_test)
    return pixit_fail(err, errlen, kv, "cti.webhook_url",
                      "only for an external city (the reference city's intake is known)");
  if(v && *v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
    return pixit_fail(err, errlen, kv, "cti.webhook_url", "an http:// or https:// URL");
  ctk_strlcpy(px->cti_webhook_url, v ? v : "", sizeof(px->cti_webhook_url));
  result = pixit_long(kv, "cti.calls", 10, 1, 1000, &n, err, errlen);
  if(result)
    return result;
  px->cti_calls = (int)n;
  /* The city is both the SUT and the only city: tests address it as city 0. */
  ctk_strlcpy(px->cities[0], px->sut_region, sizeof(px->cities[0]));
  px->n_cities = 1;
  ctk_strlcpy(px->city_secret, px->sut_secret, sizeof(px->city_secret));
  /* In self-test the SUT is the city simulator, steerable through its control API. */
  px->city_simulator = px->self_test;
  return pixit_limits(px, err, errlen);
}

static ctk_code pixit_check(ctk_pixit *px, char *err, size_t errlen)
{
  const ctk_kvfile *kv = &px->kv;
  const char *v;
  size_t i, k;

  for(i = 0; i < CTK_PIXIT_DOCK_FAMILIES; i++)
    px->dock_port[i] = -1;
  long n;
  ctk_code result;

  for(i = 0; i < kv->count; i++) {
    int known = 0;
    for(k = 0; k < sizeof(pixit_keys) / sizeof(pixit_keys[0]); k++)
      known |= !strcmp(kv->entries[i].key, pixit_keys[k].key);
    if(!known)
      return pixit_fail(err, errlen, kv, kv->entries[i].key, "unknown PIXIT parameter");
  }

  v = ctk_kvfile_get(kv, "sut.role");
  ctk_strlcpy(px->sut_role, v ? v : "province", sizeof(px->sut_role));
  if(strcmp(px->sut_role, "province") && strcmp(px->sut_role, "city"))
    return pixit_fail(err, errlen, kv, "sut.role", "must be province or city");

  v = ctk_kvfile_get(kv, "sut.region");
  if(!v || !pixit_region_ok(v))
    return pixit_fail(err, errlen, kv, "sut.region", "a 6-digit region code is required");
  ctk_strlcpy(px->sut_region, v, sizeof(px->sut_region));

  v = ctk_kvfile_get(kv, "sut.start");
  if(!v || !strcmp(v, "external"))
    px->self_test = 0;
  else if(!strcmp(v, "reference"))
    px->self_test = 1;
  else
    return pixit_fail(err, errlen, kv, "sut.start", "must be reference or external");

  v = ctk_kvfile_get(kv, "sut.url");
  if(px->self_test) {
    if(v && *v)
      return pixit_fail(err, errlen, kv, "sut.url",
                        "not allowed with sut.start = reference (the runner picks the port)");
  }
  else {
    if(!v || (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)))
      return pixit_fail(err, errlen, kv, "sut.url", "an http:// or https:// URL is required");
    if(ctk_strlcpy(px->sut_url, v, sizeof(px->sut_url)))
      return pixit_fail(err, errlen, kv, "sut.url", "too long");
    n = (long)strlen(px->sut_url);
    while(n > 0 && px->sut_url[n - 1] == '/')
      px->sut_url[--n] = '\0';
  }
  v = ctk_kvfile_get(kv, "sut.fault");
  if(v && *v && !px->self_test)
    return pixit_fail(err, errlen, kv, "sut.fault", "only the reference province has faults");
  ctk_strlcpy(px->fault, v ? v : "", sizeof(px->fault));
  v = ctk_kvfile_get(kv, "sut.tls_ca");
  ctk_strlcpy(px->tls_ca, v ? v : "", sizeof(px->tls_ca));
  v = ctk_kvfile_get(kv, "sut.tls_cert");
  ctk_strlcpy(px->tls_cert, v ? v : "", sizeof(px->tls_cert));
  v = ctk_kvfile_get(kv, "sut.tls_key");
  ctk_strlcpy(px->tls_key, v ? v : "", sizeof(px->tls_key));
  if((px->tls_cert[0] || px->tls_key[0]) && !px->self_test)
    return pixit_fail(err, errlen, kv, px->tls_cert[0] ? "sut.tls_cert" : "sut.tls_key",
                      "only for the reference province (an external SUT has its own)");
  if(!px->tls_cert[0] != !px->tls_key[0])
    return pixit_fail(err, errlen, kv, px->tls_cert[0] ? "sut.tls_key" : "sut.tls_cert",
                      "give both sut.tls_cert and sut.tls_key");
  v = ctk_kvfile_get(kv, "sut.stats_trigger");
  if(v && *v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
    return pixit_fail(err, errlen, kv, "sut.stats_trigger", "an http:// or https:// URL");
  ctk_strlcpy(px->stats_trigger, v ? v : "", sizeof(px->stats_trigger));

  if(!strcmp(px->sut_role, "city"))
    return pixit_check_city(px, err, errlen);
  /* The queue machine stands beside a city; a province under test has none. */
  if(ctk_kvfile_find(kv, "cti.webhook_url"))
    return pixit_fail(err, errlen, kv, "cti.webhook_url", "only for a city under test");
  if(ctk_kvfile_find(kv, "cti.calls"))
    return pixit_fail(err, errlen, kv, "cti.calls", "only for a city under test");
  if(ctk_kvfile_find(kv, "cti.csta_port") || ctk_kvfile_find(kv, "cti.ami_port") ||
     ctk_kvfile_find(kv, "cti.esl_port"))
    return pixit_fail(err, errlen, kv, ctk_kvfile_find(kv, "cti.csta_port") ? "cti.csta_port" :
                      ctk_kvfile_find(kv, "cti.ami_port") ? "cti.ami_port" : "cti.esl_port",
                      "only for a city under test");

  result = pixit_secret(kv, "sut.secret", px->self_test, px->sut_secret,
                        sizeof(px->sut_secret), err, errlen);
  if(!result)
    result = pixit_secret(kv, "ministry.secret", px->self_test, px->ministry_secret,
                          sizeof(px->ministry_secret), err, errlen);
  if(!result)
    result = pixit_secret(kv, "cities.secret", px->self_test, px->city_secret,
                          sizeof(px->city_secret), err, errlen);
  if(result)
    return result;

  result = pixit_long(kv, "ministry.port", 0, 0, 65535, &n, err, errlen);
  if(result)
    return result;
  px->ministry_port = (int)n;
  result = pixit_long(kv, "cities.port", 0, 0, 65535, &n, err, errlen);
  if(result)
    return result;
  px->city_port = (int)n;
  if(!px->self_test && (!px->ministry_port || !px->city_port))
    return pixit_fail(err, errlen, kv, px->ministry_port ? "cities.port" : "ministry.port",
                      "an external SUT needs a fixed port to reach the runner's roles");

  v = ctk_kvfile_get(kv, "cities.simulator");
  if(!v || !strcmp(v, "ctk"))
    px->city_simulator = 1;
  else if(!strcmp(v, "runner"))
    px->city_simulator = 0;
  else
    return pixit_fail(err, errlen, kv, "cities.simulator", "must be ctk or runner");

  result = pixit_cities(px, err, errlen);
  if(result)
    return result;
  if(ctk_pixit_has_city(px, px->sut_region))
    return pixit_fail(err, errlen, kv, "cities.regions", "the SUT's own region is not a city");

  v = ctk_kvfile_get(kv, "peer.region");
  ctk_strlcpy(px->peer_region, v ? v : "", sizeof(px->peer_region));
  if(*px->peer_region && (!pixit_region_ok(px->peer_region) ||
                          !strcmp(px->peer_region, px->sut_region)))
    return pixit_fail(err, errlen, kv, "peer.region",
                      "a 6-digit code of another province is required");

  return pixit_limits(px, err, errlen);
}

ctk_code ctk_pixit_load(const char *path, ctk_pixit *px, char *err, size_t errlen)
{
  ctk_code result;
  memset(px, 0, sizeof(*px));
  result = ctk_kvfile_load(path, &px->kv, err, errlen);
  if(result)
    return result;
  return pixit_check(px, err, errlen);
}

ctk_code ctk_pixit_parse(const char *name, const char *text, ctk_pixit *px, char *err,
                         size_t errlen)
{
  ctk_code result;
  memset(px, 0, sizeof(*px));
  result = ctk_kvfile_parse(name, text, &px->kv, err, errlen);
  if(result)
    return result;
  return pixit_check(px, err, errlen);
}

int ctk_pixit_has_city(const ctk_pixit *px, const char *region)
{
  size_t i;
  for(i = 0; i < px->n_cities; i++) {
    if(!strcmp(px->cities[i], region))
      return 1;
  }
  return 0;
}
