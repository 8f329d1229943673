/* cmd_passwd: `ctk passwd` makes one credentials.csv line for a node (see lib/ctk_auth.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctk_auth.h"
#include "ctk_buf.h"
#include "ctk_commands.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void passwd_usage(FILE *out)
{
  fputs("usage: ctk passwd --region CODE --level 1|2|3 [--secret TEXT|-] [--secret-file PATH]\n"
        "\n"
        "Prints one line for credentials.csv (region,level,salt_hex,hash_hex) on stdout.\n"
        "Without --secret a new secret of 256 random bits is made: it is written to\n"
        "--secret-file (created, mode 0600, must not exist) or else to stderr, once.\n"
        "Give that secret to the node; the credentials file holds only its salted hash.\n"
        "--secret - reads the secret from the first line of stdin (keeps it out of ps).\n"
        "Levels: 1 ministry (region 100000), 2 provincial unit, 3 city.\n"
        "\n"
        "Exit status: 0 written, 1 failed (reason on stderr), 2 usage.\n", out);
}

/* The first line of stdin into buf, without its line end. */
static int read_secret_stdin(char *buf, size_t size)
{
  size_t n;
  if(!fgets(buf, (int)size, stdin))
    return -1;
  n = strlen(buf);
  if(n && buf[n - 1] != '\n' && !feof(stdin))
    return -1;  /* longer than the buffer */
  while(n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  return 0;
}

static int write_secret_file(const char *path, const char *secret)
{
  size_t len = strlen(secret);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  ssize_t w;

  if(fd < 0) {
    fprintf(stderr, "ctk passwd: cannot create %s: %s\n", path, strerror(errno));
    return -1;
  }
  w = write(fd, secret, len);
  if(w != (ssize_t)len || write(fd, "\n", 1) != 1 || close(fd) != 0) {
    fprintf(stderr, "ctk passwd: cannot write %s\n", path);
    if(w >= 0)
      unlink(path);
    return -1;
  }
  return 0;
}

int ctk_cmd_passwd(int argc, char **argv)
{
  const char *region = NULL;
  const char *level_text = NULL;
  const char *secret_arg = NULL;
  const char *secret_file = NULL;
  char secret[CTK_AUTH_SECRET_MAX + 2];
  char line[CTK_AUTH_LINE_MAX];
  int generated = 0;
  int level;
  int i;
  ctk_code result;
  int status = EXIT_OK;

  for(i = 1; i < argc; i++) {
    const char **slot = NULL;
    if(!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      passwd_usage(stdout);
      return EXIT_OK;
    }
    if(!strcmp(argv[i], "--region"))
      slot = &region;
    else if(!strcmp(argv[i], "--level"))
      slot = &level_text;
    else if(!strcmp(argv[i], "--secret"))
      slot = &secret_arg;
    else if(!strcmp(argv[i], "--secret-file"))
      slot = &secret_file;
    if(!slot || i + 1 >= argc) {
      fprintf(stderr, "ctk passwd: %s '%s'\n", slot ? "missing value after" : "unknown option",
              argv[i]);
      passwd_usage(stderr);
      return EXIT_USAGE;
    }
    *slot = argv[++i];
  }
  if(!region || !level_text) {
    fputs("ctk passwd: --region and --level are required\n", stderr);
    passwd_usage(stderr);
    return EXIT_USAGE;
  }
  if(strlen(level_text) != 1 || level_text[0] < '1' || level_text[0] > '3') {
    fprintf(stderr, "ctk passwd: --level must be 1, 2 or 3, not '%s'\n", level_text);
    return EXIT_USAGE;
  }
  level = level_text[0] - '0';
  if(secret_arg && secret_file) {
    fputs("ctk passwd: --secret-file is only for a generated secret\n", stderr);
    return EXIT_USAGE;
  }

  if(!secret_arg) {
    generated = 1;
    result = ctk_auth_generate_secret(secret, sizeof(secret));
    if(result) {
      fprintf(stderr, "ctk passwd: cannot make a secret: %s\n", ctk_strerror(result));
      return EXIT_FAILED;
    }
  }
  else {
    if(!strcmp(secret_arg, "-"))
      result = read_secret_stdin(secret, sizeof(secret)) ? CTK_E_TOOBIG : CTK_E_OK;
    else
      result = ctk_strlcpy(secret, secret_arg, sizeof(secret));
    if(result) {
      fprintf(stderr, "ctk passwd: the secret is missing or longer than %d characters\n",
              CTK_AUTH_SECRET_MAX);
      OPENSSL_cleanse(secret, sizeof(secret));
      return EXIT_FAILED;
    }
  }

  result = ctk_auth_make_line(region, level, secret, line, sizeof(line));
  if(result == CTK_E_INVAL) {
    fprintf(stderr, "ctk passwd: refused: region must be six digits and fit the level "
            "(100000 = 1, xx0000 = 2, others = 3); a secret is %d to %d characters\n",
            CTK_AUTH_SECRET_MIN, CTK_AUTH_SECRET_MAX);
    status = EXIT_FAILED;
  }
  else if(result) {
    fprintf(stderr, "ctk passwd: %s\n", ctk_strerror(result));
    status = EXIT_FAILED;
  }
  else if(generated && secret_file && write_secret_file(secret_file, secret))
    status = EXIT_FAILED;
  else {
    printf("%s\n", line);
    if(generated && !secret_file)
      fprintf(stderr, "secret for %s (give it to that node; it is not stored anywhere): %s\n",
              region, secret);
  }
  OPENSSL_cleanse(secret, sizeof(secret));
  return status;
}
