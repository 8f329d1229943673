/* fuzz_profile: the profile loader on a temp copy of the baseline profile in which one file
 * (chosen by the first input byte) is replaced by the rest of the input. Loading must either
 * succeed or fail with "FILE:LINE: problem", never crash or leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctk_buf.h"
#include "ctk_fuzz.h"
#include "ctk_profile.h"

/* The files a profile author writes by hand; the ones most likely to be wrong. */
static const char *const fuzz_profile_files[] = {
  "profile.xml", "catalog.xml", "process.xml", "formats.csv", "requirements.csv",
  "codes/result-codes.csv", "codes/channels.csv", "codes/levels.csv", "schemas/ctk12328.xsd"
};
#define FUZZ_PROFILE_NFILES (sizeof(fuzz_profile_files) / sizeof(fuzz_profile_files[0]))

size_t ctk_fuzz_profile_file_index(const char *name)
{
  size_t k = 0;
  while(k < FUZZ_PROFILE_NFILES && strcmp(fuzz_profile_files[k], name))
    k++;
  return k;
}

static char fuzz_profile_dir[256];
static ctk_buf fuzz_profile_originals[FUZZ_PROFILE_NFILES];
static int fuzz_profile_loaded[FUZZ_PROFILE_NFILES];

static void profile_copy(void)
{
  char tmpl[] = "/tmp/ctk-fuzz-profile-XXXXXX";
  char cmd[1024];

  if(fuzz_profile_dir[0])
    return;
  if(!mkdtemp(tmpl))
    abort();
  snprintf(cmd, sizeof(cmd), "cp -R '%s/.' '%s/'", ctk_profile_default_dir(), tmpl);
  if(system(cmd) != 0) {
    fprintf(stderr, "fuzz_profile: cannot copy the profile: %s\n", cmd);
    abort();
  }
  ctk_strlcpy(fuzz_profile_dir, tmpl, sizeof(fuzz_profile_dir));
#ifndef CTK_FUZZ_NO_MAIN
  /* libFuzzer ends with exit(): remove the temp copy then */
  atexit(ctk_fuzz_profile_cleanup);
#endif
}

/* Write len bytes to dir/name; returns 0 on success. */
static int write_file(const char *name, const void *data, size_t len)
{
  char path[512];
  FILE *f;
  int rc;

  snprintf(path, sizeof(path), "%s/%s", fuzz_profile_dir, name);
  f = fopen(path, "wb");
  if(!f)
    return -1;
  rc = (len && fwrite(data, 1, len, f) != len) ? -1 : 0;
  if(fclose(f) != 0)
    rc = -1;
  return rc;
}

/* The original bytes of a file of the copy, read once. */
static ctk_buf *original(size_t i)
{
  ctk_buf *b = &fuzz_profile_originals[i];

  if(!fuzz_profile_loaded[i]) {
    char path[512];
    char chunk[4096];
    size_t n;
    FILE *f;

    ctk_buf_init(b, 0);
    snprintf(path, sizeof(path), "%s/%s", fuzz_profile_dir, fuzz_profile_files[i]);
    f = fopen(path, "rb");
    if(f) {
      for(n = fread(chunk, 1, sizeof(chunk), f); n > 0; n = fread(chunk, 1, sizeof(chunk), f))
        ctk_buf_add(b, chunk, n);
      fclose(f);
    }
    fuzz_profile_loaded[i] = 1;
  }
  return b;
}

int ctk_fuzz_profile(const uint8_t *data, size_t size)
{
  ctk_profile *p = NULL;
  char err[512];
  size_t which;
  ctk_buf *orig;

  if(size < 1)
    return 0;
  profile_copy();
  which = data[0] % FUZZ_PROFILE_NFILES;
  orig = original(which);
  if(write_file(fuzz_profile_files[which], data + 1, size - 1) != 0)
    abort();
  err[0] = '\0';
  if(ctk_profile_load(fuzz_profile_dir, &p, err, sizeof(err)) == CTK_E_OK) {
    if(!p)
      abort();
    ctk_profile_free(p);
  }
  else if(p || !err[0]) {
    /* a refusal must say what is wrong */
    abort();
  }
  if(write_file(fuzz_profile_files[which], orig->data ? orig->data : "", orig->len) != 0)
    abort();
  return 0;
}

void ctk_fuzz_profile_cleanup(void)
{
  char cmd[512];
  size_t i;

  for(i = 0; i < FUZZ_PROFILE_NFILES; i++) {
    ctk_buf_free(&fuzz_profile_originals[i]);
    fuzz_profile_loaded[i] = 0;
  }
  if(!fuzz_profile_dir[0])
    return;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_profile_dir);
  if(system(cmd) != 0)
    fprintf(stderr, "fuzz_profile: could not remove %s\n", fuzz_profile_dir);
  fuzz_profile_dir[0] = '\0';
}

#ifndef CTK_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return ctk_fuzz_profile(data, size);
}
#endif
