/* ctk_datadir: where ctk's own files are. See ctk_datadir.h for the order of the places. */
#include "ctk_datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"

#ifndef CTK_DATADIR_INSTALLED
#define CTK_DATADIR_INSTALLED "/usr/local/share/ctk12328"
#endif

/* Two things every copy of the kit's data has, and a stray folder of the user hardly has both. */
#define DATADIR_MARK_FILE "data/regions.csv"
#define DATADIR_MARK_DIR "profiles"

static _Thread_local char datadir_found[PATH_MAX];

const char *ctk_datadir_installed(void)
{
  return CTK_DATADIR_INSTALLED;
}

/* Does dir ("" = the current directory) hold the kit's data? */
static int datadir_holds_data(const char *dir)
{
  char path[PATH_MAX + 32];
  const char *sep = *dir ? "/" : "";
  int n = snprintf(path, sizeof(path), "%s%s%s", dir, sep, DATADIR_MARK_FILE);
  if(n < 0 || (size_t)n >= sizeof(path) || access(path, R_OK) != 0)
    return 0;
  n = snprintf(path, sizeof(path), "%s%s%s", dir, sep, DATADIR_MARK_DIR);
  return n > 0 && (size_t)n < sizeof(path) && access(path, R_OK | X_OK) == 0;
}

/* The folder of the running program into out ("" when /proc cannot tell). */
static void datadir_exe_dir(char *out, size_t outlen)
{
  char *slash;
  ssize_t n = readlink("/proc/self/exe", out, outlen - 1);
  if(n <= 0) {
    out[0] = '\0';
    return;
  }
  out[n] = '\0';
  slash = strrchr(out, '/');
  if(slash)
    *slash = '\0';
  else
    out[0] = '\0';
}

/* A place beside the program (BINDIR/suffix) that holds the data, into datadir_found. */
static int datadir_beside_program(const char *exe_dir, const char *suffix)
{
  char candidate[PATH_MAX];
  int n;
  if(!*exe_dir)
    return 0;
  n = snprintf(candidate, sizeof(candidate), "%s/%s", exe_dir, suffix);
  if(n < 0 || (size_t)n >= sizeof(candidate) || !datadir_holds_data(candidate))
    return 0;
  /* a clean absolute name for messages and for `ctk version`; the raw one if that fails */
  if(!realpath(candidate, datadir_found))
    ctk_strlcpy(datadir_found, candidate, sizeof(datadir_found));
  return 1;
}

const char *ctk_datadir(void)
{
  const char *env = getenv(CTK_DATADIR_ENV);
  char exe_dir[PATH_MAX];

  if(env && *env) {
    ctk_strlcpy(datadir_found, env, sizeof(datadir_found));
    return datadir_found;
  }
  if(datadir_holds_data(""))
    return ".";
  datadir_exe_dir(exe_dir, sizeof(exe_dir));
  if(datadir_beside_program(exe_dir, "../share/ctk12328") ||
     datadir_beside_program(exe_dir, ".."))
    return datadir_found;
  return CTK_DATADIR_INSTALLED;
}

const char *ctk_datadir_path(const char *rel, char *out, size_t outlen)
{
  const char *dir = ctk_datadir();
  if(!strcmp(dir, "."))
    snprintf(out, outlen, "%s", rel);
  else
    snprintf(out, outlen, "%s/%s", dir, rel);
  return out;
}
