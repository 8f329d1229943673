/* ctk_cli: number and value parsing for options, and the usage-error messages of ctk. */
#include "ctk_cli.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int ctk_cli_is_help(const char *arg)
{
  return arg && (!strcmp(arg, "--help") || !strcmp(arg, "-h"));
}

int ctk_cli_wants_help(int argc, char **argv)
{
  int i;
  for(i = 1; i < argc; i++) {
    if(ctk_cli_is_help(argv[i]))
      return 1;
  }
  return 0;
}

int ctk_cli_long(const char *cmd, const char *opt, const char *text, long min, long max,
                 long *out)
{
  char *end = NULL;
  long v;

  errno = 0;
  v = strtol(text, &end, 10);
  if(errno || end == text || *end || v < min || v > max) {
    fprintf(stderr, "%s: %s: '%s' is not a whole number from %ld to %ld\n", cmd, opt, text, min,
            max);
    return -1;
  }
  *out = v;
  return 0;
}

int ctk_cli_double(const char *cmd, const char *opt, const char *text, double min, double max,
                   double *out)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = strtod(text, &end);
  /* !(v >= min) also refuses NaN, which compares false with everything. */
  if(errno || end == text || *end || !(v >= min) || !(v <= max)) {
    fprintf(stderr, "%s: %s: '%s' is not a number from %.15g to %.15g\n", cmd, opt, text, min, max);
    return -1;
  }
  *out = v;
  return 0;
}

const char *ctk_cli_value(const char *cmd, int argc, char **argv, int *i)
{
  if(*i + 1 >= argc) {
    fprintf(stderr, "%s: %s needs a value\n", cmd, argv[*i]);
    return NULL;
  }
  (*i)++;
  return argv[*i];
}

int ctk_cli_usage_error(const char *cmd, ctk_cli_usage_fn *usage, const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "%s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if(usage)
    usage(stderr);
  return CTK_EXIT_USAGE;
}

int ctk_cli_getopt_error(const char *cmd, int argc, char **argv)
{
  /* getopt has moved optind past the option it could not take (or its missing value). */
  const char *name = optind > 1 && optind - 1 < argc ? argv[optind - 1] : "?";
  return ctk_cli_usage_error(cmd, NULL, "unknown option or missing value: '%s' (see %s --help)",
                             name, cmd);
}

void ctk_cli_block_stop_signals(sigset_t *stop)
{
  sigemptyset(stop);
  sigaddset(stop, SIGINT);
  sigaddset(stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, stop, NULL);
  signal(SIGPIPE, SIG_IGN);
}
