/* test_node: the endpoint engine's configuration (options, --config files, fault names,
 * deadlines) and its refusals to start with a wrong identity or broken files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctk_node.h"
#include "ctk_test.h"
#include "ctk_province_faults.h"

static void test_node_config_options(void)
{
  ctk_node_config c;
  char err[256];

  ctk_node_config_init(&c, CTK_LEVEL_MINISTRY);
  CU_ASSERT_STRING_EQUAL(c.region, "100000");
  CU_ASSERT_STRING_EQUAL(c.listen_addr, "127.0.0.1");
  CU_ASSERT_EQUAL(c.port, 0);

  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "listen", "127.0.0.2:8443", err, sizeof(err)),
                  CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(c.listen_addr, "127.0.0.2");
  CU_ASSERT_EQUAL(c.port, 8443);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "listen", ":0", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.port, 0);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "listen", "1:99999", err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "listen"));

  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "deadline", "1=10", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "deadline", "2=0", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.n_deadlines, 2);
  CU_ASSERT_STRING_EQUAL(c.deadlines[0].business_type, "1");
  CU_ASSERT_EQUAL(c.deadlines[0].working_days, 10);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "deadline", "=3", err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "deadline", "1=x", err, sizeof(err)), CTK_E_INVAL);
  /* a business type fills its field but for the terminator; one byte more is refused, with
   * nothing stored */
  {
    char type[sizeof(c.deadlines[0].business_type) + 8];
    size_t max = sizeof(c.deadlines[0].business_type) - 1;
    memset(type, '7', max);
    memcpy(type + max, "=4", 3);
    CU_ASSERT_EQUAL(ctk_node_config_set(&c, "deadline", type, err, sizeof(err)), CTK_E_OK);
    CU_ASSERT_EQUAL(c.n_deadlines, 3);
    CU_ASSERT_EQUAL(strlen(c.deadlines[2].business_type), max);
    CU_ASSERT_EQUAL(c.deadlines[2].working_days, 4);
    memset(type, '7', max + 1);
    memcpy(type + max + 1, "=4", 3);
    CU_ASSERT_EQUAL(ctk_node_config_set(&c, "deadline", type, err, sizeof(err)), CTK_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected TYPE=DAYS"));
    CU_ASSERT_EQUAL(c.n_deadlines, 3);
  }

  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "urge-interval", "0", err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "urge-interval", "5", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.urge_interval_s, 5);
  CU_ASSERT_EQUAL(c.max_connections, 1024);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "max-connections", "0", err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "max-connections", "300", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.max_connections, 300);
  /* every number option keeps what it is given and refuses what is out of its range */
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "http-threads", "0", err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "http-threads"));
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "http-threads", "1", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.http_threads, 1);
  CU_ASSERT_EQUAL(c.late_reply_ms, 15000);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "late-reply-ms", "250", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.late_reply_ms, 250);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "late-reply-ms", "600001", err, sizeof(err)),
                  CTK_E_INVAL);
  CU_ASSERT_EQUAL(c.late_reply_ms, 250);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "log-level", "loud", err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "no-such-option", "1", err, sizeof(err)),
                  CTK_E_INVAL);
}

static void test_node_faults_table(void)
{
  ctk_node_config c;
  char err[256];
  int i;

  /* at least 16 faults, each with a description, names round-trip */
  CU_ASSERT(CTK_PF__COUNT >= 16);
  for(i = 0; i < CTK_PF__COUNT; i++) {
    const ctk_province_fault_info *f = ctk_province_fault_get((ctk_province_fault)i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(strlen(f->description) > 10);
    CU_ASSERT_PTR_NULL(strchr(f->name, '_'));
    CU_ASSERT_EQUAL(ctk_province_fault_parse(f->name), i);
  }
  CU_ASSERT_EQUAL(ctk_province_fault_parse("drop-report-up"), CTK_PF_drop_report_up);
  CU_ASSERT_EQUAL(ctk_province_fault_parse("drop_report_up"), CTK_PF_drop_report_up);
  CU_ASSERT_EQUAL(ctk_province_fault_parse("drop-report"), -1);
  CU_ASSERT_PTR_NULL(ctk_province_fault_get(CTK_PF__COUNT));

  ctk_node_config_init(&c, CTK_LEVEL_PROVINCE);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "fault", "late-reply", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "fault", "reorder", err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_EQUAL(c.faults, (1ul << CTK_PF_late_reply) | (1ul << CTK_PF_reorder));
  CU_ASSERT_EQUAL(ctk_node_config_set(&c, "fault", "be-evil", err, sizeof(err)), CTK_E_INVAL);
}

static void test_node_config_file(void)
{
  const char *dir = ctk_test_tmpdir("node-config");
  char path[600], err[512];
  FILE *f;
  ctk_node_config c;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(path, sizeof(path), "%s/province.conf", dir);
  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("# a province\nregion = 360000\n  listen = 127.0.0.1:0 \nfault = missing-urge\n"
        "deadline = 2=5\nfault = late-reply   # may repeat, as on the command line\n",
        f);
  fclose(f);
  ctk_node_config_init(&c, CTK_LEVEL_PROVINCE);
  CU_ASSERT_EQUAL(ctk_node_config_load(&c, path, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_STRING_EQUAL(c.region, "360000");
  CU_ASSERT_EQUAL(c.faults, (1ul << CTK_PF_missing_urge) | (1ul << CTK_PF_late_reply));
  CU_ASSERT_EQUAL(c.n_deadlines, 1);

  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("region = 360000\n\nurge-interval = soon\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(ctk_node_config_load(&c, path, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "province.conf:3: "));

  f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("region = 360000\nthis line has no equals sign\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(ctk_node_config_load(&c, path, err, sizeof(err)), CTK_E_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2:"));
}

/* A node refuses to start as something it cannot be, before it listens. */
static void test_node_refuses_bad_identity(void)
{
  const char *dir = ctk_test_tmpdir("node-identity");
  ctk_node_config c;
  ctk_node_engine *n = NULL;
  char err[512];

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  ctk_node_config_init(&c, CTK_LEVEL_PROVINCE);
  ctk_strlcpy(c.data_dir, dir, sizeof(c.data_dir));
  ctk_strlcpy(c.region, "360100", sizeof(c.region)); /* a city, not a province */
  CU_ASSERT_NOT_EQUAL(ctk_node_start(&c, &n, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NULL(n);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "provincial unit"));

  ctk_node_config_init(&c, CTK_LEVEL_MINISTRY);
  ctk_strlcpy(c.data_dir, dir, sizeof(c.data_dir));
  ctk_strlcpy(c.region, "360000", sizeof(c.region));
  CU_ASSERT_NOT_EQUAL(ctk_node_start(&c, &n, err, sizeof(err)), CTK_E_OK);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "100000"));

  /* peers files that are not ones: each refused at its line, before anything listens */
  {
    static const struct {
      const char *text;
      const char *why;
    } bad[] = {
      { "region,level,url\n360000,9,http://127.0.0.1:1\n", "peers.csv:2:" }, /* no level 9 */
      /* a row that stops before its url: refused at its line, not read past its end */
      { "region,level,url\n360000,2,http://127.0.0.1:1\n440000,2\n",
        "peers.csv:3: expected region,level,url" },
      /* a region that is not six digits, even with its level and url there */
      { "region,level,url\n36000,2,http://127.0.0.1:1\n", "peers.csv:2: expected region,level,url" },
    };
    char peers[600];
    size_t i;
    snprintf(peers, sizeof(peers), "%s/peers.csv", dir);
    ctk_node_config_init(&c, CTK_LEVEL_MINISTRY);
    ctk_strlcpy(c.data_dir, dir, sizeof(c.data_dir));
    ctk_strlcpy(c.peers_file, peers, sizeof(c.peers_file));
    for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      FILE *f = fopen(peers, "w");
      CU_ASSERT_PTR_NOT_NULL_FATAL(f);
      fputs(bad[i].text, f);
      fclose(f);
      CU_ASSERT_NOT_EQUAL(ctk_node_start(&c, &n, err, sizeof(err)), CTK_E_OK);
      CU_ASSERT_PTR_NULL(n);
      if(!strstr(err, bad[i].why))
        fprintf(stderr, "node: peers case %zu: \"%s\", expected \"%s\"\n", i, err, bad[i].why);
      CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].why));
    }
  }

  /* a certificate without its key (or the other way round) is refused before anything loads */
  ctk_node_config_init(&c, CTK_LEVEL_MINISTRY);
  ctk_strlcpy(c.data_dir, dir, sizeof(c.data_dir));
  ctk_strlcpy(c.tls_cert, "cert.pem", sizeof(c.tls_cert));
  CU_ASSERT_EQUAL(ctk_node_start(&c, &n, err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_PTR_NULL(n);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--tls-cert and --tls-key go together"));
  c.tls_cert[0] = '\0';
  ctk_strlcpy(c.tls_key, "key.pem", sizeof(c.tls_key));
  CU_ASSERT_EQUAL(ctk_node_start(&c, &n, err, sizeof(err)), CTK_E_INVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "--tls-cert and --tls-key go together"));
}

/* The process's virtual size in kB (VmSize of /proc/self/status), 0 if unknown. */
static unsigned long node_vm_kb(void)
{
  char line[256];
  unsigned long kb = 0;
  FILE *f = fopen("/proc/self/status", "r");

  if(!f)
    return 0;
  while(fgets(line, sizeof(line), f)) {
    if(!strncmp(line, "VmSize:", 7)) {
      kb = strtoul(line + 7, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}

/* ctk_node_stop ends every thread the engine started: the runner and the console start and
 * stop provinces in one process, so a thread left unjoined keeps its stack (megabytes of
 * address space) for good. Twenty start/stop rounds of a province (server, outbox workers,
 * urge timer) after one warm-up round must not grow the address space by a stack each. */
static void test_node_stop_ends_threads(void)
{
  const char *dir = ctk_test_tmpdir("node-lifecycle");
  ctk_node_config c;
  ctk_node_engine *n = NULL;
  char err[512];
  unsigned long before;
  unsigned long after;
  int i;

  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  /* NULL is no engine: no port, nothing to stop */
  CU_ASSERT_EQUAL(ctk_node_port(NULL), 0);
  ctk_node_stop(NULL);
  ctk_node_config_init(&c, CTK_LEVEL_PROVINCE);
  ctk_strlcpy(c.data_dir, dir, sizeof(c.data_dir));
  ctk_strlcpy(c.region, "360000", sizeof(c.region));
  before = 0;
  for(i = 0; i < 21; i++) {
    CU_ASSERT_EQUAL_FATAL(ctk_node_start(&c, &n, err, sizeof(err)), CTK_E_OK);
    CU_ASSERT(ctk_node_port(n) > 0);
    ctk_node_stop(n);
    n = NULL;
    if(!i)
      before = node_vm_kb();
  }
  after = node_vm_kb();
  CU_ASSERT_FATAL(before > 0);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  /* a thread stack is at least 2 MB (8 MB by default); 20 lost ones are 40 MB or more, where
   * the joined threads' stacks are reused (about 0.4 MB in all). A sanitizer's allocator maps
   * fresh memory behind its quarantine, so there the size says nothing. */
  CU_ASSERT(after < before + 16 * 1024);
  if(after >= before + 16 * 1024)
    fprintf(stderr, "node: VmSize %lu kB after 20 start/stop rounds, %lu kB before\n", after,
            before);
#endif
}

void ctk_test_add_node(CU_pSuite suite)
{
  CTK_TEST(suite, test_node_config_options);
  CTK_TEST(suite, test_node_faults_table);
  CTK_TEST(suite, test_node_config_file);
  CTK_TEST(suite, test_node_refuses_bad_identity);
  CTK_TEST(suite, test_node_stop_ends_threads);
}
