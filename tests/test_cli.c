/* test_cli: every ctk command answers with the one exit-status scheme of lib/base/ctk_exit.h
 * (0 ok, 1 the check failed, 2 tool error, 3 usage), checked on the built program; and the
 * number parsers of cli/ctk_cli.h take exactly the numbers in range. */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_cli.h"
#include "ctk_commands.h"
#include "ctk_test.h"

/* One command line and what it must give. In args, @ stands for the test's scratch folder. */
typedef struct cli_case {
  const char *args;            /* after "ctk " (shell words) */
  int status;                  /* exit status */
  const char *says;            /* in stdout or stderr, or NULL */
} cli_case;

#define VALID_MSG "fixtures/messages/valid/1001-WorkOrderReport.xml"
#define INVALID_MSG "fixtures/messages/invalid/1001-bad-channel.xml"
#define UNKNOWN_REGION_MSG "tests/data/messages/1001-unknown-handle-region.xml"
#define PICS "--pics fixtures/pics/reference-province.pics"
#define PIXIT "--pixit fixtures/pixit/reference-province.pixit"
#define CITY "sim city --province 360000 --upper http://127.0.0.1:9"
#define LOAD "load calls --target 127.0.0.1:5060"

/* Nothing here listens or connects: a tool error is a file, folder, profile or address that
 * cannot be used, never a peer. */
static const cli_case cli_cases[] = {
  /* the program */
  { "", CTK_EXIT_USAGE, "usage: ctk COMMAND" },
  { "no-such-command", CTK_EXIT_USAGE, "unknown command 'no-such-command'" },
  { "--help", CTK_EXIT_OK, "usage: ctk COMMAND" },
  { "--version", CTK_EXIT_OK, "commit" },

  { "version", CTK_EXIT_OK, "commit" },
  { "version --help", CTK_EXIT_OK, "usage: ctk version" },
  { "version now", CTK_EXIT_USAGE, "unexpected argument 'now'" },

  { "sim", CTK_EXIT_USAGE, "usage: ctk sim" },
  { "sim --help", CTK_EXIT_OK, "usage: ctk sim" },
  { "sim town", CTK_EXIT_USAGE, "unknown simulator 'town'" },

  { "sim city --help", CTK_EXIT_OK, "usage: ctk sim city" },
  { "sim city --upper http://127.0.0.1:9", CTK_EXIT_USAGE, "--province and --upper" },
  { CITY " --rate fast", CTK_EXIT_USAGE, "--rate: 'fast' is not a number from 0 to 1000000" },
  { CITY " --workers 65", CTK_EXIT_USAGE, "--workers: '65' is not a whole number from 1 to 64" },
  { CITY " --orders 1.5", CTK_EXIT_USAGE, "--orders: '1.5' is not a whole number" },
  { CITY " --listen 127.0.0.1:70000", CTK_EXIT_USAGE,
    "--listen: '127.0.0.1:70000' has no port from 0 to 65535" },
  { CITY " --binding rest", CTK_EXIT_USAGE, "bad value 'rest' for --binding" },
  { CITY " --no-such-option", CTK_EXIT_USAGE, "'--no-such-option'" },
  { CITY " --profile @/no-profile", CTK_EXIT_ERROR, "no-profile" },

  { "sim acd --help", CTK_EXIT_OK, "usage: ctk sim acd" },
  { "sim acd --agents lots", CTK_EXIT_USAGE,
    "ctk sim acd: --agents: 'lots' is not a whole number from 0 to 10000" },
  { "sim acd --agents", CTK_EXIT_USAGE, "missing value: '--agents'" },
  { "sim acd --busy-code 490", CTK_EXIT_USAGE, "486 or 503" },
  { "sim acd --talk gaussian:5", CTK_EXIT_USAGE, "--talk" },
  { "sim acd extra", CTK_EXIT_USAGE, "unexpected argument 'extra'" },
  /* TEST-NET-1 is no address of this machine: nothing can be bound */
  { "sim acd --bind 192.0.2.1 --port 0 --log-level error", CTK_EXIT_ERROR, "cannot listen" },

  { "bundle --help", CTK_EXIT_OK, "usage: ctk bundle" },
  { "bundle --results @/res --key @/k.pem", CTK_EXIT_USAGE, "are required" },
  { "bundle --results @/res --key", CTK_EXIT_USAGE, "--key needs a value" },
  { "bundle --colour red", CTK_EXIT_USAGE, "unknown argument '--colour'" },
  { "bundle --results @/none --key @/k.pem --out @/x.tar.gz", CTK_EXIT_ERROR, "none" },
  { "bundle keygen", CTK_EXIT_USAGE, "usage: ctk bundle" },
  { "bundle keygen --help", CTK_EXIT_OK, "keygen writes PREFIX.pem" },
  { "bundle keygen --out @/no-such-folder/k", CTK_EXIT_ERROR, "no-such-folder" },

  { "console --help", CTK_EXIT_OK, "usage: ctk console" },
  { "console frob", CTK_EXIT_USAGE, "serve, user or key, not 'frob'" },
  { "console --lang fr", CTK_EXIT_USAGE, "--lang: 'fr' is not one of zh-CN, en" },
  { "console --listen 127.0.0.1:70000", CTK_EXIT_USAGE, "--listen" },
  { "console --tls-cert @/c.pem", CTK_EXIT_USAGE, "--tls-cert and --tls-key go together" },
  { "console --data @/no-such-folder/data --listen 127.0.0.1:0", CTK_EXIT_ERROR,
    "cannot create" },
  { "console user add x --role boss --data @/console", CTK_EXIT_USAGE, "admin, tester or province" },
  { "console user add x --role province --data @/console", CTK_EXIT_USAGE, "needs --region" },
  { "console user add x --role province --region 360100 --data @/console", CTK_EXIT_USAGE,
    "'360100' is not a provincial unit" },
  { "console user add x --role admin --password-file @/none --data @/console", CTK_EXIT_USAGE,
    "cannot read the password file" },
  { "console user add 'a b' --role admin --data @/console", CTK_EXIT_USAGE, "needs a NAME" },
  { "console user disable nobody --data @/console", CTK_EXIT_USAGE, "no user 'nobody'" },
  { "console user frob x --data @/console", CTK_EXIT_USAGE, "user add|passwd|disable|list" },
  { "console key 36 @/k.pub.pem", CTK_EXIT_USAGE, "REGION (6 digits)" },
  { "console key 360000 @/none.pem --data @/console", CTK_EXIT_USAGE, "none.pem" },

  { "verify --help", CTK_EXIT_OK, "usage: ctk verify" },
  { "verify @/b.tar.gz", CTK_EXIT_USAGE, "--key PUBLIC.pem are required" },
  { "verify @/b.tar.gz --key", CTK_EXIT_USAGE, "'--key'" },
  { "verify @/b.tar.gz @/bad.tar.gz --key @/k.pub.pem", CTK_EXIT_USAGE, "one bundle at a time" },
  { "verify @/b.tar.gz --key @/k.pub.pem", CTK_EXIT_OK, "VALID" },
  { "verify @/bad.tar.gz --key @/k.pub.pem", CTK_EXIT_FAIL, "changed: report.html" },
  { "verify @/b.tar.gz --key @/other.pub.pem", CTK_EXIT_FAIL, "INVALID" },
  { "verify @/none.tar.gz --key @/k.pub.pem", CTK_EXIT_ERROR, "none.tar.gz" },
  { "verify @/b.tar.gz --key @/none.pub.pem", CTK_EXIT_ERROR, "none.pub.pem" },

  { "report", CTK_EXIT_USAGE, "usage: ctk report" },
  { "report --help", CTK_EXIT_OK, "usage: ctk report" },
  { "report pdf", CTK_EXIT_USAGE, "unknown report 'pdf'" },
  { "report html --results @/res/results.json", CTK_EXIT_USAGE, "are required" },
  { "report html --results", CTK_EXIT_USAGE, "--results needs a value" },
  { "report monthly --help", CTK_EXIT_OK, "usage: ctk report" },
  { "report html --results @/none.json --out @/r.html", CTK_EXIT_ERROR, "none.json" },
  { "report html --results @/res/results.json --out @/r.html", CTK_EXIT_OK, "wrote" },
  { "report monthly --province 360000 --runs @/res", CTK_EXIT_USAGE, "--month" },
  { "report monthly --province 360000 --month 2026-13 --runs @/res", CTK_EXIT_USAGE,
    "--month must be YYYY-MM" },
  { "report monthly --province 360000 --month 2026-11 --runs @/none", CTK_EXIT_ERROR, "none" },
  { "report monthly --province 360000 --month 2026-11 --runs @/res --lang fr", CTK_EXIT_USAGE,
    "--lang" },
  { "report rollout --colour red", CTK_EXIT_USAGE, "unknown argument '--colour'" },

  { "passwd --help", CTK_EXIT_OK, "usage: ctk passwd" },
  { "passwd --region 360100", CTK_EXIT_USAGE, "--region and --level are required" },
  { "passwd --region 360100 --level 9", CTK_EXIT_USAGE,
    "--level: '9' is not a whole number from 1 to 3" },
  { "passwd --region 360100 --level", CTK_EXIT_USAGE, "--level needs a value" },
  { "passwd --region 360100 --level 2", CTK_EXIT_USAGE, "refused" },
  { "passwd --region 360100 --level 3 --secret short", CTK_EXIT_USAGE, "refused" },
  { "passwd --region 360100 --level 3 --secret-file @/no-such-folder/s", CTK_EXIT_ERROR,
    "no-such-folder" },
  { "passwd --region 360100 --level 3 --secret city-secret-0123456789", CTK_EXIT_OK,
    "360100,3," },

  { "load", CTK_EXIT_USAGE, "'calls'" },
  { "load --help", CTK_EXIT_OK, "usage: ctk load calls" },
  { "load calls --help", CTK_EXIT_OK, "usage: ctk load calls" },
  { "load calls", CTK_EXIT_USAGE, "--target HOST:PORT is required" },
  { LOAD " --rate 0", CTK_EXIT_USAGE, "--rate: '0' is not a number from 0.001 to 100000" },
  { LOAD " -m many", CTK_EXIT_USAGE, "--calls: 'many' is not a whole number" },
  { LOAD " --pause-ms", CTK_EXIT_USAGE, "'--pause-ms'" },
  { "load calls --target 192.0.2.1:5060 -m 1", CTK_EXIT_USAGE, "127.0.0.0/8" },
  { LOAD " -m 1 --sipp @/no-sipp", CTK_EXIT_ERROR, "sip-tester" },

  { "validate", CTK_EXIT_USAGE, "usage: ctk validate" },
  { "validate --help", CTK_EXIT_OK, "usage: ctk validate" },
  { "validate --binding rest " VALID_MSG, CTK_EXIT_USAGE, "unknown binding 'rest'" },
  { "validate --colour red " VALID_MSG, CTK_EXIT_USAGE, "'--colour'" },
  { "validate " VALID_MSG, CTK_EXIT_OK, NULL },
  { "validate " INVALID_MSG, CTK_EXIT_FAIL, "CODE_VALUE" },
  { "validate @/none.xml", CTK_EXIT_ERROR, "cannot read" },
  { "validate fixtures/messages", CTK_EXIT_ERROR, "cannot read" },
  { "validate --profile @/no-profile " VALID_MSG, CTK_EXIT_ERROR, "profile" },
  /* the shape of a region code, but no region of the GB/T 2260 table */
  { "validate " UNKNOWN_REGION_MSG, CTK_EXIT_FAIL, "999999 is not a region code" },
  { "validate " UNKNOWN_REGION_MSG, CTK_EXIT_FAIL, "[J3-FMT-002]" },
  { "validate --regions @/none.csv " VALID_MSG, CTK_EXIT_ERROR, "none.csv" },
  { "validate --regions data/regions.csv " VALID_MSG, CTK_EXIT_OK, NULL },
  /* an invalid message outweighs an unreadable one, as a failed test outweighs an inconc */
  { "validate @/none.xml " INVALID_MSG, CTK_EXIT_FAIL, "CODE_VALUE" },

  { "serve", CTK_EXIT_USAGE, "usage: ctk serve" },
  { "serve --help", CTK_EXIT_OK, "usage: ctk serve" },
  { "serve mayor", CTK_EXIT_USAGE, "ministry or province" },
  { "serve province --region", CTK_EXIT_USAGE, "expected --option VALUE" },
  { "serve province --urge-interval 0", CTK_EXIT_USAGE, "urge-interval" },
  { "serve ministry --fault late-reply", CTK_EXIT_USAGE, "belong to the province" },
  { "serve province --config @/none.conf", CTK_EXIT_USAGE, "none.conf" },
  { "serve ministry --profile @/no-profile --data @", CTK_EXIT_ERROR, "no-profile" },

  { "stats --help", CTK_EXIT_OK, "usage: ctk stats" },
  { "stats", CTK_EXIT_USAGE, "need --data" },
  { "stats --data @ --region 36", CTK_EXIT_USAGE, "region is 6 digits" },
  { "stats --data @ --format xml", CTK_EXIT_USAGE, "format is table, csv or json" },
  { "stats --data", CTK_EXIT_USAGE, "--data needs a value" },
  { "stats --colour red", CTK_EXIT_USAGE, "unknown option --colour" },
  { "stats --data @/none", CTK_EXIT_ERROR, "cannot open" },

  { "init", CTK_EXIT_USAGE, "usage: ctk init province" },
  { "init --help", CTK_EXIT_OK, "usage: ctk init province" },
  { "init city --region 360100 @/kit", CTK_EXIT_USAGE, "unknown kit 'city'" },
  { "init province @/kit", CTK_EXIT_USAGE, "--region CODE and DIR are required" },
  { "init province --region 360100 @/kit", CTK_EXIT_USAGE, "360100 is not a provincial unit" },
  { "init province --region 360000 @/kit --cities-port 70000", CTK_EXIT_USAGE,
    "--cities-port: '70000' is not a whole number from 1 to 65535" },
  { "init province --region 360000 @/kit --sut-port 18328", CTK_EXIT_USAGE, "must differ" },
  { "init province --region 360000 @/kit --sut-url ftp://x", CTK_EXIT_USAGE, "http://" },
  { "init province --region 360000 @/kit --colour red", CTK_EXIT_USAGE, "'--colour'" },
  { "init province --region 360000 @/kit --regions @/none.csv", CTK_EXIT_ERROR, "none.csv" },
  { "init province --region 360000 @/kit", CTK_EXIT_OK, "README.md" },
  /* a second kit never overwrites the first one's secrets */
  { "init province --region 360000 @/kit", CTK_EXIT_USAGE, "already holds a kit" },
  { "run --help", CTK_EXIT_OK, "usage: ctk run" },
  { "run --sut province", CTK_EXIT_USAGE, "are required" },
  { "run --sut mayor " PICS " " PIXIT, CTK_EXIT_USAGE, "province or city" },
  { "run --sut province " PICS " " PIXIT " --out", CTK_EXIT_USAGE, "--out needs a value" },
  { "run --colour red", CTK_EXIT_USAGE, "unknown argument '--colour'" },
  { "run --sut province --pics @/none.pics " PIXIT " --list", CTK_EXIT_USAGE, "none.pics" },
  { "run --sut province " PICS " " PIXIT " --select colour:red --list", CTK_EXIT_USAGE,
    "--select" },
  { "run --sut province " PICS " " PIXIT " --profile @/no-profile --list", CTK_EXIT_ERROR,
    "profile" },
  { "run --sut province " PICS " " PIXIT " --list", CTK_EXIT_OK, "J1.local-case" },

  { "profile --help", CTK_EXIT_OK, "usage: ctk profile" },
  { "profile lint --help", CTK_EXIT_OK, "usage: ctk profile" },
  { "profile", CTK_EXIT_USAGE, "a subcommand is needed" },
  { "profile colour", CTK_EXIT_USAGE, "unknown subcommand 'colour'" },
  { "profile lint a b", CTK_EXIT_USAGE, "one profile directory at most" },
  { "profile lint profiles/jtt1019-baseline", CTK_EXIT_OK, "clean" },
  { "profile lint @/no-profile", CTK_EXIT_ERROR, "not a profile directory" },

  { "requirements --help", CTK_EXIT_OK, "usage: ctk requirements" },
  { "requirements --colour red", CTK_EXIT_USAGE, "unknown argument '--colour'" },
  { "requirements --profile", CTK_EXIT_USAGE, "--profile needs a value" },
  { "requirements --profile @/no-profile", CTK_EXIT_ERROR, "no-profile" },
  { "requirements --coverage", CTK_EXIT_OK, "tested" },
  /* without the reasons of runner/uncovered.csv, requirements lack both test and reason */
  { "requirements --coverage --uncovered @/no-reasons.csv", CTK_EXIT_FAIL, "MISSING" },
  { "requirements --uncovered @/bad-reasons.csv", CTK_EXIT_ERROR, "bad-reasons.csv" },

  { "bench", CTK_EXIT_USAGE, "usage: ctk bench" },
  { "bench --help", CTK_EXIT_OK, "usage: ctk bench" },
  { "bench national --help", CTK_EXIT_OK, "usage: ctk bench" },
  { "bench marathon", CTK_EXIT_USAGE, "unknown benchmark 'marathon'" },
  { "bench ingest", CTK_EXIT_USAGE, "give --url URL or --bare" },
  { "bench ingest --bare --clients 0", CTK_EXIT_USAGE,
    "--clients: '0' is not a whole number from 1 to 2048" },
  { "bench ingest --bare --duration soon", CTK_EXIT_USAGE, "--duration: 'soon' is not a number" },
  { "bench ingest --bare --rate -1", CTK_EXIT_USAGE, "--rate: '-1'" },
  { "bench ingest --bare --sender 36:2", CTK_EXIT_USAGE, "REGION:LEVEL" },
  { "bench ingest --bare --colour red", CTK_EXIT_USAGE, "'--colour'" },
  { "bench ingest --bare --secret-file @/none.secret", CTK_EXIT_ERROR, "none.secret" },
  { "bench ingest --bare --profile @/no-profile", CTK_EXIT_ERROR, "no-profile" },
  { "bench bare --threads 0", CTK_EXIT_USAGE, "--threads: '0'" },
  { "bench national --plan @/none.csv", CTK_EXIT_USAGE, "--orders" },
  { "bench national --plan @/none.csv --orders 10", CTK_EXIT_ERROR, "none.csv" },
  { "bench national --plan @/bad-plan.csv --orders 10", CTK_EXIT_USAGE, "bad-plan.csv" },
  { "bench preload --data @ --orders 0", CTK_EXIT_USAGE, "--orders: '0'" },
  { "bench preload --data @ --orders 10 --batch x", CTK_EXIT_USAGE, "--batch: 'x'" },
  { "bench count", CTK_EXIT_USAGE, "give --data DIR" },
  { "bench count --data @/none", CTK_EXIT_ERROR, "none" },
};

#define N_CASES (sizeof(cli_cases) / sizeof(cli_cases[0]))

/* args with every @ replaced by dir. */
static void cli_expand(const char *args, const char *dir, ctk_buf *out)
{
  const char *at;
  while((at = strchr(args, '@')) != NULL) {
    ctk_buf_add(out, args, (size_t)(at - args));
    ctk_buf_adds(out, dir);
    args = at + 1;
  }
  ctk_buf_adds(out, args);
}

static void cli_write(const char *dir, const char *name, const char *text)
{
  char path[700];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

/* The scratch folder the table refers to: results, a key pair and a signed bundle, the same
 * bundle tampered with, a second key pair, and a few broken inputs. */
static const char *cli_prepare(void)
{
  const char *tmp = ctk_test_tmpdir("cli");
  static char dir[600];
  char cmd[4096];
  const char *bin = ctk_test_ctk_bin();

  CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
  snprintf(dir, sizeof(dir), "%s", tmp);
  snprintf(cmd, sizeof(cmd),
           "set -e; cd '%s'; mkdir res x; "
           "cp \"$OLDPWD/tests/data/results/province-360000-pass.json\" res/results.json; "
           "'%s' bundle keygen --out k; '%s' bundle keygen --out other; "
           "'%s' bundle --results res --key k.pem --out b.tar.gz; "
           "tar -xzf b.tar.gz -C x; echo tampered >> x/report.html; "
           "cd x; tar -czf ../bad.tar.gz *",
           dir, bin, bin, bin);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, NULL), 0);
  cli_write(dir, "no-reasons.csv", "id,reason\n");
  cli_write(dir, "bad-reasons.csv", "who,why\n");
  cli_write(dir, "bad-plan.csv", "url,sender,receiver\nhttp://127.0.0.1:9,36:2,100000:1\n");
  return dir;
}

static void test_cli_exit_status_table(void)
{
  const char *dir = cli_prepare();
  ctk_buf cmd;
  size_t i;

  for(i = 0; i < N_CASES; i++) {
    const cli_case *c = &cli_cases[i];
    char errpath[700];
    char *out = NULL, *err;
    int status;

    snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
    ctk_buf_init(&cmd, 8192);
    /* bounded: a command that stopped refusing a bad value may start serving for ever */
    ctk_buf_printf(&cmd, "timeout -k 5 30 '%s' ", ctk_test_ctk_bin());
    cli_expand(c->args, dir, &cmd);
    ctk_buf_printf(&cmd, " 2>'%s'", errpath);
    status = ctk_test_run(ctk_buf_str(&cmd), &out);
    err = ctk_test_read_file(errpath, NULL);
    if(status != c->status)
      fprintf(stderr, "test_cli: ctk %s: exit %d, want %d\n%s", c->args, status, c->status,
              err ? err : "");
    CU_ASSERT_EQUAL(status, c->status);
    if(c->says && !(out && strstr(out, c->says)) && !(err && strstr(err, c->says))) {
      fprintf(stderr, "test_cli: ctk %s: does not say \"%s\"\n", c->args, c->says);
      CU_FAIL("the output lacks what the case says");
    }
    /* --help goes to stdout and nothing to stderr; a usage error always says why there */
    if(strstr(c->args, "--help") && c->status == CTK_EXIT_OK) {
      CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "usage"));
      CU_ASSERT_STRING_EQUAL(err ? err : "?", "");
    }
    if(c->status == CTK_EXIT_USAGE)
      CU_ASSERT_TRUE(err && err[0]);
    free(out);
    free(err);
    ctk_buf_free(&cmd);
  }
}

/* The table covers every command: a --help that exits 0 and a usage error that exits 3. */
static int cli_covered(const char *name, int status, int help)
{
  size_t n = strlen(name);
  size_t i;
  for(i = 0; i < N_CASES; i++) {
    const char *a = cli_cases[i].args;
    if(strncmp(a, name, n) || (a[n] != ' ' && a[n] != '\0') || cli_cases[i].status != status)
      continue;
    if(!help || strstr(a, "--help"))
      return 1;
  }
  return 0;
}

static void test_cli_table_covers_every_command(void)
{
  static const char *const names[] = {
#define CLI_NAME(name, fn, summary) #name,
    CTK_COMMANDS(CLI_NAME)
#undef CLI_NAME
    "sim city", "sim acd", "bundle keygen", "load calls", "report monthly"
  };
  size_t i;
  for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    int help = cli_covered(names[i], CTK_EXIT_OK, 1);
    int usage = cli_covered(names[i], CTK_EXIT_USAGE, 0);
    if(!help || !usage)
      fprintf(stderr, "test_cli: no %s case for ctk %s\n", help ? "usage-error" : "--help",
              names[i]);
    CU_ASSERT_TRUE(help && usage);
  }
}

/* `ctk init province`: secrets and the PIXIT are the owner's alone, every item of the PICS and
 * PIXIT says what it is, and the kit is one `ctk run` accepts as it is. */
static void test_cli_init_kit(void)
{
  static const char *const private_files[] = { "province.pixit", "credentials.csv",
                                                "secrets/sut.secret", "secrets/ministry.secret",
                                                "secrets/cities.secret" };
  static const char *const commented[] = { "province.pics", "province.pixit" };
  const char *dir = ctk_test_tmpdir("cli-init");
  char cmd[2048], path[700];
  char *out = NULL;
  size_t i;
  struct stat st;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(cmd, sizeof(cmd), "'%s' init province --region 420000 '%s/kit' --ministry-port 1001 "
           "--cities-port 1002 --sut-url http://127.0.0.1:1003", ctk_test_ctk_bin(), dir);
  CU_ASSERT_EQUAL_FATAL(ctk_test_run(cmd, &out), 0);
  free(out);
  out = NULL;
  for(i = 0; i < sizeof(private_files) / sizeof(private_files[0]); i++) {
    snprintf(path, sizeof(path), "%s/kit/%s", dir, private_files[i]);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
  }
  for(i = 0; i < sizeof(commented) / sizeof(commented[0]); i++) {
    char *text, *line, *save = NULL;
    size_t items = 0;
    snprintf(path, sizeof(path), "%s/kit/%s", dir, commented[i]);
    text = ctk_test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for(line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      if(line[0] == '#' || line[0] == '[' || line[0] == ' ' || !strchr(line, '='))
        continue;
      items++;
      if(!strstr(line, " #")) {
        fprintf(stderr, "test_cli: %s: item without a comment: %s\n", commented[i], line);
        CU_FAIL("a kit item without a comment");
      }
    }
    CU_ASSERT_TRUE(items >= 8);
    free(text);
  }
  /* the cities of the province and its ports are in the PIXIT; the secrets are the files' */
  snprintf(path, sizeof(path), "%s/kit/province.pixit", dir);
  out = ctk_test_read_file(path, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "regions = 420100, 420200"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "port = 1001"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "url = http://127.0.0.1:1003"));
  {
    char *secret;
    snprintf(path, sizeof(path), "%s/kit/secrets/sut.secret", dir);
    secret = ctk_test_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(secret);
    secret[strcspn(secret, "\n")] = '\0';
    CU_ASSERT_TRUE(strlen(secret) >= 32);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, secret));
    free(secret);
  }
  free(out);
  out = NULL;
  /* ctk run takes the kit as written */
  snprintf(cmd, sizeof(cmd), "'%s' run --sut province --pics '%s/kit/province.pics' "
           "--pixit '%s/kit/province.pixit' --list", ctk_test_ctk_bin(), dir, dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "J1.local-case"));
  free(out);
}

/* The refusals below each print a line on stderr; they go to /dev/null while the test runs. */
static int cli_quiet(void)
{
  int saved = dup(STDERR_FILENO);
  int null = open("/dev/null", O_WRONLY);
  fflush(stderr);
  if(null >= 0) {
    dup2(null, STDERR_FILENO);
    close(null);
  }
  return saved;
}

static void cli_loud(int saved)
{
  fflush(stderr);
  if(saved >= 0) {
    dup2(saved, STDERR_FILENO);
    close(saved);
  }
}

static void test_cli_numbers(void)
{
  long l = 7;
  double d = 7;
  int saved = cli_quiet();

  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "0", 0, 10, &l), 0);
  CU_ASSERT_EQUAL(l, 0);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "10", 0, 10, &l), 0);
  CU_ASSERT_EQUAL(l, 10);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "-3", -5, 10, &l), 0);
  CU_ASSERT_EQUAL(l, -3);
  l = 7;
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "11", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "-1", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "5x", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "2.5", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "1e1", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "0x5", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(ctk_cli_long("t", "--n", "99999999999999999999", 0, 10, &l), -1);
  CU_ASSERT_EQUAL(l, 7); /* untouched by every refusal */

  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "0.001", 0.001, 5, &d), 0);
  CU_ASSERT_DOUBLE_EQUAL(d, 0.001, 1e-12);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "2e0", 0, 5, &d), 0);
  CU_ASSERT_DOUBLE_EQUAL(d, 2.0, 1e-12);
  d = 7;
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "0.0009", 0.001, 5, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "5.01", 0, 5, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "nan", 0, 5, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "inf", 0, 1e300, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "1e999", 0, 1e300, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "fast", 0, 5, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "", 0, 5, &d), -1);
  CU_ASSERT_EQUAL(ctk_cli_double("t", "--r", "1 ", 0, 5, &d), -1);
  CU_ASSERT_DOUBLE_EQUAL(d, 7, 1e-12);

  CU_ASSERT_TRUE(ctk_cli_is_help("--help"));
  CU_ASSERT_TRUE(ctk_cli_is_help("-h"));
  CU_ASSERT_FALSE(ctk_cli_is_help("--helpme"));
  CU_ASSERT_FALSE(ctk_cli_is_help(NULL));
  cli_loud(saved);
}

void ctk_test_add_cli(CU_pSuite suite)
{
  CTK_TEST(suite, test_cli_numbers);
  CTK_TEST(suite, test_cli_init_kit);
  CTK_TEST(suite, test_cli_table_covers_every_command);
  CTK_TEST(suite, test_cli_exit_status_table);
}
