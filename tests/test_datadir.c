/* test_datadir: ctk finds its data folder (lib/base/ctk_datadir) in the order it promises:
 * $CTK_DATA_DIR, the checkout it runs in, the installed tree beside the program, a checkout
 * above the program, and the folder compiled in from PREFIX. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_datadir.h"
#include "ctk_profile.h"
#include "ctk_test.h"

/* Set (value) or unset (NULL) an environment variable; the old value goes to saved. */
static void datadir_env(const char *name, const char *value, char *saved, size_t savedlen,
                        int *was_set)
{
  const char *old = getenv(name);
  *was_set = old != NULL;
  ctk_strlcpy(saved, old ? old : "", savedlen);
  if(value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

static void datadir_env_restore(const char *name, const char *saved, int was_set)
{
  if(was_set)
    setenv(name, saved, 1);
  else
    unsetenv(name);
}

/* In the checkout (the tests run at its top) the data folder is "." and paths stay short;
 * CTK_DATA_DIR wins over the checkout, also for the default profile. */
static void test_datadir_checkout_and_env(void)
{
  char saved[PATH_MAX], saved_profile[PATH_MAX], path[PATH_MAX];
  int was_set, profile_was_set;

  datadir_env(CTK_DATADIR_ENV, NULL, saved, sizeof(saved), &was_set);
  datadir_env("CTK_PROFILE", NULL, saved_profile, sizeof(saved_profile), &profile_was_set);
  CU_ASSERT_STRING_EQUAL(ctk_datadir(), ".");
  CU_ASSERT_STRING_EQUAL(ctk_datadir_path("data/regions.csv", path, sizeof(path)),
                         "data/regions.csv");
  CU_ASSERT_STRING_EQUAL(ctk_profile_default_dir(), "profiles/jtt1019-baseline");

  setenv(CTK_DATADIR_ENV, "/srv/kit", 1);
  CU_ASSERT_STRING_EQUAL(ctk_datadir(), "/srv/kit");
  CU_ASSERT_STRING_EQUAL(ctk_datadir_path("data/regions.csv", path, sizeof(path)),
                         "/srv/kit/data/regions.csv");
  CU_ASSERT_STRING_EQUAL(ctk_profile_default_dir(), "/srv/kit/profiles/jtt1019-baseline");
  /* an empty value is no value */
  setenv(CTK_DATADIR_ENV, "", 1);
  CU_ASSERT_STRING_EQUAL(ctk_datadir(), ".");
  /* a path that does not fit is cut, not overrun */
  setenv(CTK_DATADIR_ENV, "/srv/kit", 1);
  CU_ASSERT_STRING_EQUAL(ctk_datadir_path("data/regions.csv", path, 12), "/srv/kit/da");
  datadir_env_restore(CTK_DATADIR_ENV, saved, was_set);
  datadir_env_restore("CTK_PROFILE", saved_profile, profile_was_set);
}

/* `ctk version` run from elsewhere names the folder it found, as the resolver promises:
 * a checkout above the program, an installed tree beside a copy of it, and, where neither
 * is, the folder compiled in. A folder with only half the data is not taken. */
static void test_datadir_beside_the_program(void)
{
  const char *tmp = ctk_test_tmpdir("datadir");
  char dir[600], cwd[PATH_MAX], cmd[16384], want[PATH_MAX + 700];
  char *out = NULL;

  CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
  CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
  ctk_strlcpy(dir, tmp, sizeof(dir));

  /* the program of this checkout, started elsewhere: the checkout */
  snprintf(cmd, sizeof(cmd), "cd '%s' && env -u CTK_DATA_DIR '%s' version", dir,
           ctk_test_ctk_bin());
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  snprintf(want, sizeof(want), "\ndata: %s\n", cwd);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, want) : NULL);
  free(out);

  /* a copy in PREFIX/bin with PREFIX/share/ctk12328 beside it: that tree */
  snprintf(cmd, sizeof(cmd), "cd '%s' && mkdir -p p/bin p/share/ctk12328/data "
           "p/share/ctk12328/profiles && cp '%s' p/bin/ctk && cp '%s/data/regions.csv' "
           "p/share/ctk12328/data/ && env -u CTK_DATA_DIR p/bin/ctk version",
           dir, ctk_test_ctk_bin(), cwd);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  snprintf(want, sizeof(want), "\ndata: %s/p/share/ctk12328\n", dir);
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, want) : NULL);
  free(out);

  /* without its profiles/ it is not the kit's data: the compiled-in folder */
  snprintf(cmd, sizeof(cmd), "cd '%s' && rmdir p/share/ctk12328/profiles && "
           "env -u CTK_DATA_DIR p/bin/ctk version", dir);
  CU_ASSERT_EQUAL(ctk_test_run(cmd, &out), 0);
  snprintf(want, sizeof(want), "\ndata: %s\n", ctk_datadir_installed());
  CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, want) : NULL);
  free(out);
}

void ctk_test_add_datadir(CU_pSuite suite)
{
  CTK_TEST(suite, test_datadir_checkout_and_env);
  CTK_TEST(suite, test_datadir_beside_the_program);
}
