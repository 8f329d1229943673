/* ctk_test: helpers shared by the toolkit's own CUnit tests.
 * Tests run from the repository root; paths below are relative to it. */
#ifndef CTK_TEST_H
#define CTK_TEST_H

#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stddef.h>

#include "ctk_result.h"

/* Absolute path of the ctk binary under test (env CTK_BIN, default build/ctk). */
const char *ctk_test_ctk_bin(void);
/* The build folder of the ctk under test, as make's BUILD wants it: relative to the tree when
 * it is in it ("build", not "/abs/tree/build"). */
void ctk_test_build_dir(char *out, size_t outlen);
/* A fresh empty directory under the test scratch area; valid until exit. */
const char *ctk_test_tmpdir(const char *name);
/* Read a whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *ctk_test_read_file(const char *path, size_t *len);
/* Run a shell command, return its exit status (or -1), output captured into *out if given. */
int ctk_test_run(const char *cmd, char **out);
/* A free TCP port on 127.0.0.1 (best effort: bound then released). */
int ctk_test_free_port(void);
/* A TCP connection to 127.0.0.1:port (close-on-exec) whose reads and writes give up after
 * timeout_s seconds (0: no timeout). -1 when it fails, errno saying why (ECONNREFUSED...). */
int ctk_test_connect(int port, int timeout_s);
/* The same from a given source address (a "127.x.y.z" other than 127.0.0.1 is a second
 * client on this machine); NULL = any. */
int ctk_test_connect_from(const char *source, int port, int timeout_s);
/* A TCP socket listening on 127.0.0.1 at an ephemeral port with this backlog; the port goes to
 * *port. -1 when it fails. */
int ctk_test_listen(int backlog, int *port);

/* Wait, holding lock, until *count reaches n or timeout_s seconds pass (changed is signalled
 * whenever *count changes, under lock). Returns the count reached. */
int ctk_test_wait_count(pthread_mutex_t *lock, pthread_cond_t *changed, const int *count, int n,
                        int timeout_s);

/* The machine's TZ as it was before ctk_test_tz_away_from_beijing. */
typedef struct ctk_test_tz {
  int was_set;
  char value[256];
} ctk_test_tz;
/* Sets TZ (setenv and tzset) to a zone where the local date differs from Beijing's right now
 * (UTC-12 or UTC+14, as POSIX TZ strings: no zone database needed), so a date taken from the
 * machine's clock instead of Beijing's shows. The old TZ goes to saved. 0 when such a zone is
 * in force, -1 when not. */
int ctk_test_tz_away_from_beijing(ctk_test_tz *saved);
/* Puts TZ back as it was. */
void ctk_test_tz_restore(const ctk_test_tz *saved);

/* Where `make deps` put an npm folder's node_modules (scripts/deps-npm.sh): the folder named by
 * env_var when set, else BUILD/name next to the ctk binary, else build/name. -1 when absent. */
int ctk_test_npm_modules(const char *name, const char *env_var, char *out, size_t size);
/* node's path (ctk_proc_start does not search PATH): CTK_NODE, else node or nodejs on PATH.
 * -1 when there is none. */
int ctk_test_node_bin(char *out, size_t size);

/* The baseline profile, loaded once and freed at exit; NULL if it does not load. */
const struct ctk_profile *ctk_test_profile(void);
/* A profile of the caller's (free it with ctk_profile_free); NULL, the reason printed, if it
 * does not load. */
struct ctk_profile *ctk_test_load_profile(const char *dir);

#define CTK_TEST(suite, fn) CU_add_test((suite), #fn, (fn))

/* A city's results.json written at path (as the monthly report reads them): two mandatory
 * tests, J1.local-case (checks J1-FLOW-001; one answered exchange of 20 ms) and J1.cross-city
 * (checks J1-FLOW-004), with verdicts v1 and v2; kind and region name the system under test. */
void ctk_test_write_city_results(const char *path, ctk_sut_kind kind, const char *region,
                                 const char *started, ctk_verdict v1, ctk_verdict v2);
#endif
