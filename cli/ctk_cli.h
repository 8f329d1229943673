/* ctk_cli: what the ctk commands share on the command line: numbers from option values checked
 * against their range, option values, help and usage errors, each with one form of message. */
#ifndef CTK_CLI_H
#define CTK_CLI_H

#include <signal.h>
#include <stdio.h>

#include "ctk_exit.h"

/* Prints a command's usage to out: stdout when asked with --help, stderr after an error. */
typedef void ctk_cli_usage_fn(FILE *out);

/* 1 when arg asks for help ("--help" or "-h"), else 0. */
int ctk_cli_is_help(const char *arg);
/* 1 when any of argv[1..argc-1] asks for help: for commands whose sub-commands share one usage. */
int ctk_cli_wants_help(int argc, char **argv);

/* The whole of text as a decimal integer from min to max into *out: 0. Otherwise -1, *out
 * untouched, after "CMD: OPT: 'TEXT' is not a whole number from MIN to MAX" on stderr. */
int ctk_cli_long(const char *cmd, const char *opt, const char *text, long min, long max,
                 long *out);
/* The same for a real number ("2.5", "1e3"); "CMD: OPT: 'TEXT' is not a number from MIN to
 * MAX". NaN and infinities are refused. */
int ctk_cli_double(const char *cmd, const char *opt, const char *text, double min, double max,
                   double *out);

/* For "--opt VALUE" at argv[*i]: the value, with *i moved onto it; or NULL after
 * "CMD: --opt needs a value" on stderr when it is the last argument. */
const char *ctk_cli_value(const char *cmd, int argc, char **argv, int *i);

/* "CMD: MESSAGE" on stderr, then the usage when usage is not NULL; returns CTK_EXIT_USAGE. */
int ctk_cli_usage_error(const char *cmd, ctk_cli_usage_fn *usage, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* After getopt_long (with opterr = 0) returned '?' or ':': names the option it stopped at
 * ("CMD: unknown option or missing value: '--x' (see CMD --help)"); returns CTK_EXIT_USAGE. */
int ctk_cli_getopt_error(const char *cmd, int argc, char **argv);

/* For a daemon command: SIGINT and SIGTERM blocked in this thread and every thread it starts
 * later (so only the caller's sigwait or sigtimedwait on *stop takes them), SIGPIPE ignored.
 * Call before any thread starts. */
void ctk_cli_block_stop_signals(sigset_t *stop);

#endif
