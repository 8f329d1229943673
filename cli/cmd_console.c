/* cmd_console: `ctk console`: serve the acceptance console (until SIGINT or SIGTERM), and its
 * offline administration: accounts (user add|passwd|disable|list) and provinces' keys (key). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_bundle.h"
#include "ctk_cli.h"
#include "ctk_datadir.h"
#include "ctk_commands.h"
#include "ctk_console.h"
#include "ctk_console_store.h"
#include "ctk_file.h"
#include "ctk_http.h"
#include "ctk_i18n.h"
#include "ctk_json.h"
#include "ctk_log.h"
#include "ctk_region.h"
#include "ctk_sock.h"

#define CMD "ctk console"

static void console_usage(FILE *out)
{
  fputs("usage: ctk console [serve] [OPTIONS]\n"
        "       ctk console user add NAME --role admin|tester|province [--region CODE]\n"
        "                            [--password-file FILE] [--data DIR]\n"
        "       ctk console user passwd NAME [--password-file FILE] [--data DIR]\n"
        "       ctk console user disable NAME [--data DIR]\n"
        "       ctk console user list [--data DIR]\n"
        "       ctk console key REGION PUBLIC_KEY.pem [--data DIR]\n"
        "\n"
        "The acceptance console (docs/CONSOLE.md, ctk-console(1)): rollout board, submissions\n"
        "of evidence bundles, runs, for the centre and the provinces, in a browser.\n"
        "\n"
        "  --data DIR           console.db, bundles, keys and runs (default ctk-console)\n"
        "  --listen ADDR:PORT   default 127.0.0.1:8328 (port 0 = any free port)\n"
        "  --port-file FILE     write the bound port here once ready\n"
        "  --tls-cert F --tls-key F   serve HTTPS (cookies are then Secure)\n"
        "  --lang LANG          the pages' default language: zh-CN (default) or en\n"
        "  --rollout FILE       the rollout plan (default data/rollout-2016.csv)\n"
        "  --calendar FILE      working-day calendar (default data/cn-calendar.csv)\n"
        "  --regions FILE       region table for accounts (default data/regions.csv)\n"
        "  --today YYYY-MM-DD   the day the board counts from (default: today, Beijing)\n"
        "  --pics F --pixit F   the self-test a browser run starts from (default\n"
        "                       fixtures/pics/reference-province.pics and\n"
        "                       fixtures/pixit/reference-province.pixit)\n"
        "  --profile DIR        the requirements page's profile, passed to ctk run too\n"
        "  --uncovered FILE     reasons for untested requirements (default\n"
        "                       runner/uncovered.csv)\n"
        "  --ctk PATH           the ctk program a run starts (default: this one)\n"
        "  --log-level L        error, warn, info (default), debug\n"
        "\n"
        "A password is read from --password-file or the first line of standard input; it has\n"
        "10 to 256 characters. Roles: admin (centre administrator), tester (centre tester),\n"
        "province (operator of the province --region, sees and acts for it only).\n"
        "\n"
        "Exit status: 0 ok, 2 the console cannot start or the store fails, 3 usage.\n",
        out);
}

typedef struct console_opts {
  const char *data;
  const char *listen;
  const char *port_file;
  const char *tls_cert;
  const char *tls_key;
  const char *lang;
  const char *rollout;
  const char *calendar;
  const char *regions;
  const char *today;
  const char *pics;
  const char *pixit;
  const char *profile;
  const char *uncovered;
  const char *ctk_bin;
  const char *log_level;
  const char *role;
  const char *region;
  const char *password_file;
  const char *args[4];         /* the words that are not options */
  int n_args;
} console_opts;

static int console_parse(int argc, char **argv, int first, console_opts *o)
{
  int i;

  memset(o, 0, sizeof(*o));
  o->data = "ctk-console";
  o->listen = "127.0.0.1:8328";
  for(i = first; i < argc; i++) {
    static const struct { const char *name; size_t off; } opts[] = {
      { "--data", offsetof(console_opts, data) },
      { "--listen", offsetof(console_opts, listen) },
      { "--port-file", offsetof(console_opts, port_file) },
      { "--tls-cert", offsetof(console_opts, tls_cert) },
      { "--tls-key", offsetof(console_opts, tls_key) },
      { "--lang", offsetof(console_opts, lang) },
      { "--rollout", offsetof(console_opts, rollout) },
      { "--calendar", offsetof(console_opts, calendar) },
      { "--regions", offsetof(console_opts, regions) },
      { "--today", offsetof(console_opts, today) },
      { "--pics", offsetof(console_opts, pics) },
      { "--pixit", offsetof(console_opts, pixit) },
      { "--profile", offsetof(console_opts, profile) },
      { "--uncovered", offsetof(console_opts, uncovered) },
      { "--ctk", offsetof(console_opts, ctk_bin) },
      { "--log-level", offsetof(console_opts, log_level) },
      { "--role", offsetof(console_opts, role) },
      { "--region", offsetof(console_opts, region) },
      { "--password-file", offsetof(console_opts, password_file) },
    };
    size_t k;
    int found = 0;
    for(k = 0; k < sizeof(opts) / sizeof(opts[0]) && !found; k++) {
      if(strcmp(argv[i], opts[k].name))
        continue;
      found = 1;
      *(const char **)((char *)o + opts[k].off) = ctk_cli_value(CMD, argc, argv, &i);
      if(!*(const char **)((char *)o + opts[k].off))
        return CTK_EXIT_USAGE;
    }
    if(found)
      continue;
    if(!strncmp(argv[i], "--", 2))
      return ctk_cli_usage_error(CMD, console_usage, "unknown option '%s'", argv[i]);
    if(o->n_args == 4)
      return ctk_cli_usage_error(CMD, console_usage, "too many words at '%s'", argv[i]);
    o->args[o->n_args++] = argv[i];
  }
  if(o->lang && !ctk_i18n_lang_ok(o->lang))
    return ctk_cli_usage_error(CMD, NULL, "--lang: '%s' is not one of %s", o->lang,
                               ctk_i18n_langs());
  if(!o->tls_cert != !o->tls_key)
    return ctk_cli_usage_error(CMD, NULL, "--tls-cert and --tls-key go together");
  return 0;
}

/* The password from --password-file or standard input's first line. */
static int read_password(const console_opts *o, char *out, size_t outlen)
{
  ctk_buf b;
  FILE *f = stdin;
  size_t len;

  out[0] = '\0';
  ctk_buf_init(&b, 4096);
  if(o->password_file) {
    f = fopen(o->password_file, "r");
    if(!f) {
      fprintf(stderr, CMD ": %s: cannot read the password file\n", o->password_file);
      return -1;
    }
  }
  else if(isatty(STDIN_FILENO))
    fputs("password: ", stderr);
  if(!fgets(out, (int)outlen, f))
    out[0] = '\0';
  if(f != stdin)
    fclose(f);
  ctk_buf_free(&b);
  len = strcspn(out, "\r\n");
  out[len] = '\0';
  return 0;
}

static int password_ok(const char *password)
{
  const char *problem = ctk_console_password_problem(password);

  if(!problem)
    return 1;
  fprintf(stderr, CMD ": the password must have %d to %d characters and no control characters"
                  " (%s)\n", CTK_CONSOLE_PASSWORD_MIN, CTK_CONSOLE_PASSWORD_MAX, problem);
  return 0;
}

static int open_store(const console_opts *o, ctk_console_store **s)
{
  char err[512];

  if(ctk_console_store_open(o->data, s, err, sizeof(err))) {
    fprintf(stderr, CMD ": %s\n", err);
    return -1;
  }
  return 0;
}

static int user_add(const console_opts *o, ctk_console_store *s, const char *name)
{
  ctk_console_role role = ctk_console_role_parse(o->role);
  char password[CTK_CONSOLE_PASSWORD_MAX + 2], err[512];
  ctk_region_db *regions = NULL;
  ctk_code result;

  if(role == CTK_CONSOLE_ROLE_NONE)
    return ctk_cli_usage_error(CMD, NULL, "--role is admin, tester or province");
  if(role == CTK_CONSOLE_PROVINCE) {
    if(!o->region)
      return ctk_cli_usage_error(CMD, NULL, "a province account needs --region CODE");
    if(ctk_region_load(o->regions ? o->regions : CTK_REGION_DEFAULT_FILE, &regions, err,
                       sizeof(err))) {
      fprintf(stderr, CMD ": %s\n", err);
      return CTK_EXIT_ERROR;
    }
    result = ctk_region_is_province(regions, o->region) ? CTK_E_OK : CTK_E_INVAL;
    ctk_region_free(regions);
    if(result)
      return ctk_cli_usage_error(CMD, NULL, "--region: '%s' is not a provincial unit",
                                 o->region);
  }
  else if(o->region)
    return ctk_cli_usage_error(CMD, NULL, "--region is for province accounts only");
  if(read_password(o, password, sizeof(password)) || !password_ok(password))
    return CTK_EXIT_USAGE;
  result = ctk_console_user_add(s, name, role, o->region ? o->region : "", password,
                                CTK_CONSOLE_KDF_ITERATIONS);
  memset(password, 0, sizeof(password));
  if(result == CTK_E_EXISTS) {
    fprintf(stderr, CMD ": user add: '%s' exists already (use user passwd)\n", name);
    return CTK_EXIT_USAGE;
  }
  if(result) {
    fprintf(stderr, CMD ": user add: %s\n", ctk_strerror(result));
    return CTK_EXIT_ERROR;
  }
  ctk_console_audit(s, "cli", o->region ? o->region : "", "user.add", name, o->role, NULL);
  printf("ctk console: user %s added (%s%s%s)\n", name, o->role, o->region ? " " : "",
         o->region ? o->region : "");
  return CTK_EXIT_OK;
}

static int user_cmd(const console_opts *o)
{
  ctk_console_store *s = NULL;
  const char *verb = o->n_args > 1 ? o->args[1] : "", *name = o->n_args > 2 ? o->args[2] : NULL;
  char password[CTK_CONSOLE_PASSWORD_MAX + 2];
  json_object *list = NULL;
  ctk_buf out;
  int rc = CTK_EXIT_OK;
  ctk_code result;

  if(strcmp(verb, "list") && !ctk_console_name_ok(name))
    return ctk_cli_usage_error(CMD, console_usage, "user %s needs a NAME (a-z A-Z 0-9 . _ -)",
                               verb);
  if(strcmp(verb, "add") && strcmp(verb, "passwd") && strcmp(verb, "disable") &&
     strcmp(verb, "list"))
    return ctk_cli_usage_error(CMD, console_usage, "user add|passwd|disable|list, not '%s'",
                               verb);
  if(open_store(o, &s))
    return CTK_EXIT_ERROR;
  if(!strcmp(verb, "add"))
    rc = user_add(o, s, name);
  else if(!strcmp(verb, "list")) {
    ctk_buf_init(&out, CTK_BUF_MAX_DEFAULT);
    if(ctk_console_user_list(s, &list) || ctk_json_write_document(list, &out))
      rc = CTK_EXIT_ERROR;
    else
      fputs(ctk_buf_str(&out), stdout);
    ctk_buf_free(&out);
  }
  else {
    if(!strcmp(verb, "passwd")) {
      if(read_password(o, password, sizeof(password)) || !password_ok(password)) {
        ctk_console_store_close(s);
        return CTK_EXIT_USAGE;
      }
      result = ctk_console_user_passwd(s, name, password, CTK_CONSOLE_KDF_ITERATIONS);
      memset(password, 0, sizeof(password));
    }
    else
      result = ctk_console_user_disable(s, name);
    if(result == CTK_E_NOTFOUND) {
      fprintf(stderr, CMD ": user %s: no user '%s'\n", verb, name);
      rc = CTK_EXIT_USAGE;
    }
    else if(result) {
      fprintf(stderr, CMD ": user %s: %s\n", verb, ctk_strerror(result));
      rc = CTK_EXIT_ERROR;
    }
    else {
      ctk_console_audit(s, "cli", "", !strcmp(verb, "passwd") ? "user.passwd" : "user.disable",
                        name, NULL, NULL);
      printf("ctk console: user %s: %s done (its sessions are ended)\n", name, verb);
    }
  }
  ctk_console_store_close(s);
  return rc;
}

static int key_cmd(const console_opts *o)
{
  const char *region = o->n_args > 1 ? o->args[1] : NULL, *pem_path = o->n_args > 2 ? o->args[2]
                                                                                     : NULL;
  char fp[65], err[512], dest[700];
  ctk_console_store *s = NULL;
  ctk_buf pem;
  ctk_code result;

  if(!region || !pem_path || strlen(region) != 6 || strspn(region, "0123456789") != 6)
    return ctk_cli_usage_error(CMD, console_usage, "key needs REGION (6 digits) and a PEM file");
  if(ctk_bundle_key_fingerprint(pem_path, fp, err, sizeof(err))) {
    fprintf(stderr, CMD ": key: %s\n", err);
    return CTK_EXIT_USAGE;
  }
  ctk_buf_init(&pem, 64 * 1024);
  result = ctk_file_read(pem_path, 64 * 1024, &pem);
  if(result || open_store(o, &s)) {
    ctk_buf_free(&pem);
    return CTK_EXIT_ERROR;
  }
  snprintf(dest, sizeof(dest), "%s/keys", o->data);
  if(mkdir(dest, 0700) != 0 && access(dest, W_OK) != 0) {
    fprintf(stderr, CMD ": key: %s: cannot create the folder\n", dest);
    result = CTK_E_IO;
  }
  snprintf(dest, sizeof(dest), "%s/keys/%s.pub.pem", o->data, region);
  if(!result)
    result = ctk_file_write_atomic(dest, pem.data, pem.len, 0644);
  if(!result)
    result = ctk_console_key_set(s, region, ctk_buf_str(&pem), fp);
  if(!result)
    ctk_console_audit(s, "cli", region, "key.register", region, fp, NULL);
  ctk_buf_free(&pem);
  ctk_console_store_close(s);
  if(result) {
    fprintf(stderr, CMD ": key: %s\n", ctk_strerror(result));
    return CTK_EXIT_ERROR;
  }
  printf("ctk console: key of %s registered (sha256 %s)\n", region, fp);
  return CTK_EXIT_OK;
}

static int serve(const console_opts *o)
{
  ctk_console_config cfg;
  ctk_console *c = NULL;
  char host[256], why[256], err[512], self[1024];
  char pics_path[1024], pixit_path[1024];
  sigset_t sigs;
  int port, sig = 0;
  ssize_t n;
  ctk_code result;

  if(ctk_sock_parse_hostport(o->listen, "127.0.0.1", 0, host, sizeof(host), &port, why,
                             sizeof(why)))
    return ctk_cli_usage_error(CMD, NULL, "--listen: %s", why);
  if(o->log_level)
    ctk_log_set_level((ctk_log_level)ctk_log_level_parse(o->log_level));
  ctk_log_set_ident("console");
  n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  self[n > 0 ? n : 0] = '\0';
  memset(&cfg, 0, sizeof(cfg));
  cfg.data_dir = o->data;
  cfg.bind_addr = host;
  cfg.port = port;
  cfg.tls_cert_file = o->tls_cert;
  cfg.tls_key_file = o->tls_key;
  cfg.lang = o->lang;
  cfg.rollout_csv = o->rollout;
  cfg.calendar_csv = o->calendar;
  cfg.today = o->today;
  cfg.ctk_bin = o->ctk_bin ? o->ctk_bin : self;
  cfg.pics = o->pics ? o->pics : ctk_datadir_path("fixtures/pics/reference-province.pics",
                                                   pics_path, sizeof(pics_path));
  cfg.pixit = o->pixit ? o->pixit : ctk_datadir_path("fixtures/pixit/reference-province.pixit",
                                                     pixit_path, sizeof(pixit_path));
  cfg.profile = o->profile;
  cfg.uncovered_csv = o->uncovered;
  ctk_http_global_init();
  ctk_cli_block_stop_signals(&sigs);
  result = ctk_console_start(&cfg, &c, err, sizeof(err));
  if(result) {
    fprintf(stderr, CMD ": %s\n", err);
    return CTK_EXIT_ERROR;
  }
  if(o->port_file && ctk_file_write_port(o->port_file, ctk_console_port(c))) {
    fprintf(stderr, CMD ": %s: cannot write the port\n", o->port_file);
    ctk_console_stop(c);
    return CTK_EXIT_ERROR;
  }
  CTK_INFO("console", "listening on %s://%s:%d", o->tls_cert ? "https" : "http", host,
           ctk_console_port(c));
  if(sigwait(&sigs, &sig) != 0)
    sig = 0;
  CTK_INFO("console", "signal %d: stopping", sig);
  ctk_console_stop(c);
  return CTK_EXIT_OK;
}

int ctk_cmd_console(int argc, char **argv)
{
  console_opts o;
  int rc;

  if(ctk_cli_wants_help(argc, argv)) {
    console_usage(stdout);
    return CTK_EXIT_OK;
  }
  rc = console_parse(argc, argv, 1, &o);
  if(rc)
    return rc;
  if(o.n_args == 0 || !strcmp(o.args[0], "serve"))
    return o.n_args > 1 ? ctk_cli_usage_error(CMD, console_usage, "serve takes no words")
                        : serve(&o);
  if(!strcmp(o.args[0], "user"))
    return user_cmd(&o);
  if(!strcmp(o.args[0], "key"))
    return key_cmd(&o);
  return ctk_cli_usage_error(CMD, console_usage, "serve, user or key, not '%s'", o.args[0]);
}
