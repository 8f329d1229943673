/* cmd_passwd: `ctk passwd` makes one credentials.csv line for a node (see lib/ctk_auth.h),
 * after the file's header line unless told not to. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctk_auth.h"
#include "ctk_buf.h"
#include "ctk_cli.h"
#include "ctk_commands.h"

static void passwd_usage(FILE *out)
{
  fputs("usage: ctk passwd --region CODE --level 1|2|3 [--secret TEXT|-] [--secret-file PATH]\n"
        "                  [--no-header]\n"
        "\n"
        "Prints credentials.csv's header line (region,level,salt_hex,hash_hex) and one line\n"
        "for the node on stdout: `> credentials.csv` makes a file the node loads. To add a\n"
        "node to an existing file, use --no-header and `>> credentials.csv`.\n"
        "Without --secret a new secret of 256 random bits is made: it is written to\n"
        "--secret-file (created, mode 0600, must not exist) or else to stderr, once.\n"
        "Give that secret to the node; the credentials file holds only its salted hash.\n"
        "--secret - reads the secret from the first line of stdin (keeps it out of ps).\n"
        "Levels: 1 ministry (region 100000), 2 provincial unit, 3 city.\n"
        "\n"
        "Exit status: 0 written, 2 could not (no randomness, --secret-file not written),\n"
        "3 usage (also a region that does not fit the level, or a secret of the wrong length).\n",
        out);
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
  int header = 1;
  char secret[CTK_AUTH_SECRET_MAX + 2];
  char line[CTK_AUTH_LINE_MAX];
  int generated = 0;
  long level_number;
  int level;
  int i;
  ctk_code result;
  int status = CTK_EXIT_OK;

  for(i = 1; i < argc; i++) {
    const char **slot = NULL;
    if(ctk_cli_is_help(argv[i])) {
      passwd_usage(stdout);
      return CTK_EXIT_OK;
    }
    if(!strcmp(argv[i], "--no-header")) {
      header = 0;
      continue;
    }
    if(!strcmp(argv[i], "--region"))
      slot = &region;
    else if(!strcmp(argv[i], "--level"))
      slot = &level_text;
    else if(!strcmp(argv[i], "--secret"))
      slot = &secret_arg;
    else if(!strcmp(argv[i], "--secret-file"))
      slot = &secret_file;
    if(!slot)
      return ctk_cli_usage_error("ctk passwd", passwd_usage, "unknown option '%s'", argv[i]);
    *slot = ctk_cli_value("ctk passwd", argc, argv, &i);
    if(!*slot) {
      passwd_usage(stderr);
      return CTK_EXIT_USAGE;
    }
  }
  if(!region || !level_text)
    return ctk_cli_usage_error("ctk passwd", passwd_usage, "--region and --level are required");
  if(ctk_cli_long("ctk passwd", "--level", level_text, 1, 3, &level_number))
    return CTK_EXIT_USAGE;
  level = (int)level_number;
  if(secret_arg && secret_file)
    return ctk_cli_usage_error("ctk passwd", NULL,
                               "--secret-file is only for a generated secret");

  if(!secret_arg) {
    generated = 1;
    result = ctk_auth_generate_secret(secret, sizeof(secret));
    if(result) {
      fprintf(stderr, "ctk passwd: cannot make a secret: %s\n", ctk_strerror(result));
      return CTK_EXIT_ERROR;
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
      return CTK_EXIT_USAGE;
    }
  }

  result = ctk_auth_make_line(region, level, secret, line, sizeof(line));
  if(result == CTK_E_INVAL) {
    fprintf(stderr, "ctk passwd: refused: region must be six digits and fit the level "
            "(100000 = 1, xx0000 = 2, others = 3); a secret is %d to %d characters\n",
            CTK_AUTH_SECRET_MIN, CTK_AUTH_SECRET_MAX);
    status = CTK_EXIT_USAGE;
  }
  else if(result) {
    fprintf(stderr, "ctk passwd: %s\n", ctk_strerror(result));
    status = CTK_EXIT_ERROR;
  }
  else if(generated && secret_file && write_secret_file(secret_file, secret))
    status = CTK_EXIT_ERROR;
  else {
    /* the loader reads the columns by name from the first line (lib/ctk_csv) */
    if(header)
      printf("region,level,salt_hex,hash_hex\n");
    printf("%s\n", line);
    if(generated && !secret_file)
      fprintf(stderr, "secret for %s (give it to that node; it is not stored anywhere): %s\n",
              region, secret);
  }
  OPENSSL_cleanse(secret, sizeof(secret));
  return status;
}
