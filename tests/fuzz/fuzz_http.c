/* fuzz_http: the reference province's request handler (ctk_node_handle_exchange) called
 * directly with a request built from the input, in the format of the .http files of fixtures/hostile
 * ("METHOD PATH", header lines, an empty line, the body; X-Ctk-Auth: city adds the city's
 * credentials). Every input must get an answer and leave the node working. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctk_auth.h"
#include "ctk_buf.h"
#include "ctk_fuzz.h"
#include "ctk_http.h"
#include "ctk_log.h"
#include "ctk_node.h"
#include "ctk_node_internal.h"

#define FUZZ_HTTP_CITY "360100"

static ctk_node_engine *fuzz_http_node;
static char fuzz_http_dir[256];

static void city_secret(const char *region, char *out, size_t outlen)
{
  snprintf(out, outlen, "test-secret-of-%s-0123456789", region);
}

static int write_text(const char *dir, const char *name, const char *text, char *path,
                      size_t pathlen)
{
  FILE *f;
  int rc;

  snprintf(path, pathlen, "%s/%s", dir, name);
  f = fopen(path, "w");
  if(!f)
    return -1;
  rc = fputs(text, f) < 0 ? -1 : 0;
  if(fclose(f) != 0)
    rc = -1;
  return rc;
}

/* One province for the whole run, on tmpfs when there is one (SQLite syncs every commit). */
static ctk_node_engine *node(void)
{
  ctk_node_config cfg;
  char err[512];
  char secret[96];
  char line[CTK_AUTH_LINE_MAX];
  ctk_buf creds;
  char tmpl[64];

  if(fuzz_http_node)
    return fuzz_http_node;
  snprintf(tmpl, sizeof(tmpl), "%s/ctk-fuzz-http-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if(!mkdtemp(tmpl))
    abort();
  ctk_strlcpy(fuzz_http_dir, tmpl, sizeof(fuzz_http_dir));
  ctk_node_config_init(&cfg, CTK_LEVEL_PROVINCE);
  ctk_strlcpy(cfg.region, "360000", sizeof(cfg.region));
  ctk_strlcpy(cfg.data_dir, fuzz_http_dir, sizeof(cfg.data_dir));
  ctk_strlcpy(cfg.log_level, "error", sizeof(cfg.log_level));
  cfg.port = 0;
  ctk_buf_init(&creds, 0);
  ctk_buf_adds(&creds, "region,level,salt_hex,hash_hex\n");
  city_secret(FUZZ_HTTP_CITY, secret, sizeof(secret));
  if(ctk_auth_make_line(FUZZ_HTTP_CITY, 3, secret, line, sizeof(line)) == CTK_E_OK)
    ctk_buf_printf(&creds, "%s\n", line);
  if(write_text(fuzz_http_dir, "credentials.csv", ctk_buf_str(&creds), cfg.credentials_file,
                sizeof(cfg.credentials_file)) ||
     write_text(fuzz_http_dir, "secret.txt", "test-secret-of-360000-0123456789\n",
                cfg.secret_file, sizeof(cfg.secret_file)) ||
     /* a ministry nobody listens at: forwarded orders stay in the outbox */
     write_text(fuzz_http_dir, "peers.csv", "region,level,url\n100000,1,http://127.0.0.1:9\n",
                cfg.peers_file, sizeof(cfg.peers_file)))
    abort();
  ctk_buf_free(&creds);
  ctk_log_set_level(CTK_LOG_ERROR);
  if(ctk_node_start(&cfg, &fuzz_http_node, err, sizeof(err)) != CTK_E_OK) {
    fprintf(stderr, "fuzz_http: cannot start the province: %s\n", err);
    abort();
  }
#ifndef CTK_FUZZ_NO_MAIN
  /* libFuzzer ends with exit(): stop the node and remove its data dir then */
  atexit(ctk_fuzz_http_cleanup);
#endif
  return fuzz_http_node;
}

/* Split "user:pass" out of a Basic header value into the two buffers. */
static void basic_credentials(const char *value, char *user, size_t ulen, char *pass,
                              size_t plen)
{
  unsigned char plain[512];
  size_t n = strlen(value);
  int got;
  char *colon;

  user[0] = pass[0] = '\0';
  if(strncasecmp(value, "Basic ", 6) || n - 6 > 600)
    return;
  got = EVP_DecodeBlock(plain, (const unsigned char *)value + 6, (int)(n - 6));
  if(got <= 0)
    return;
  plain[got] = '\0';
  colon = strchr((char *)plain, ':');
  if(!colon)
    return;
  *colon = '\0';
  ctk_strlcpy(user, (const char *)plain, ulen);
  ctk_strlcpy(pass, colon + 1, plen);
}

int ctk_fuzz_http(const uint8_t *data, size_t size)
{
  ctk_node_engine *n = node();
  ctk_http_request req;
  ctk_http_response resp;
  char *copy = malloc(size + 1);
  char *sep;
  char *line;
  char *save = NULL;
  char method[16] = "POST";
  char path[256] = "/exchange";
  char content_type[128] = "";
  char soap_action[128] = "";
  char user[64] = "";
  char pass[128] = "";
  char *body;
  size_t body_len;
  int first = 1;

  if(!copy)
    return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  sep = memmem(copy, size, "\n\n", 2);
  if(sep) {
    *sep = '\0';
    body = sep + 2;
    body_len = size - (size_t)(body - copy);
    for(line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      char *colon;
      char *value;
      if(line[0] == '#')
        continue;
      if(first) {
        first = 0;
        if(sscanf(line, "%15s %255s", method, path) == 2)
          continue;
      }
      colon = strchr(line, ':');
      if(!colon)
        continue;
      *colon = '\0';
      value = colon + 1;
      while(*value == ' ')
        value++;
      if(!strcasecmp(line, "Content-Type"))
        ctk_strlcpy(content_type, value, sizeof(content_type));
      else if(!strcasecmp(line, "SOAPAction"))
        ctk_strlcpy(soap_action, value, sizeof(soap_action));
      else if(!strcasecmp(line, "Authorization"))
        basic_credentials(value, user, sizeof(user), pass, sizeof(pass));
      else if(!strcasecmp(line, "X-Ctk-Auth") && !strcmp(value, "city")) {
        ctk_strlcpy(user, FUZZ_HTTP_CITY, sizeof(user));
        city_secret(FUZZ_HTTP_CITY, pass, sizeof(pass));
      }
    }
  }
  else {
    /* no header block: the whole input is an XML body from the city */
    body = copy;
    body_len = size;
    ctk_strlcpy(content_type, "application/xml; charset=UTF-8", sizeof(content_type));
    ctk_strlcpy(user, FUZZ_HTTP_CITY, sizeof(user));
    city_secret(FUZZ_HTTP_CITY, pass, sizeof(pass));
  }

  memset(&req, 0, sizeof(req));
  req.method = method;
  req.path = path;
  req.query = "";
  req.content_type = content_type;
  req.soap_action = soap_action;
  req.body = body;
  req.body_len = body_len;
  req.auth_user = user[0] ? user : NULL;
  req.auth_pass = user[0] ? pass : NULL;
  ctk_strlcpy(req.peer, "127.0.0.1:40000", sizeof(req.peer));
  memset(&resp, 0, sizeof(resp));
  resp.status = 200;
  ctk_strlcpy(resp.content_type, "application/xml; charset=UTF-8", sizeof(resp.content_type));
  ctk_buf_init(&resp.body, 0);
  if(ctk_node_handle_exchange(n, &req, &resp) == 0) {
    /* every request that reaches the business layer gets an answer body */
    if(resp.status == 200 && resp.body.len == 0)
      abort();
  }
  ctk_buf_free(&resp.body);
  free(copy);
  return 0;
}

void ctk_fuzz_http_cleanup(void)
{
  char cmd[400];

  ctk_node_stop(fuzz_http_node);
  fuzz_http_node = NULL;
  if(fuzz_http_dir[0]) {
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_http_dir);
    if(system(cmd) != 0)
      fprintf(stderr, "fuzz_http: could not remove %s\n", fuzz_http_dir);
    fuzz_http_dir[0] = '\0';
  }
}

#ifndef CTK_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return ctk_fuzz_http(data, size);
}
#endif
