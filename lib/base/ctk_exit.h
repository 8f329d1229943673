/* ctk_exit: the exit status of every ctk command, one scheme for all (docs/CLI.md).
 * A script or a CI job reads the status of any command the same way. */
#ifndef CTK_EXIT_H
#define CTK_EXIT_H

typedef enum {
  CTK_EXIT_OK = 0,     /* done; for a check: everything checked passed */
  CTK_EXIT_FAIL = 1,   /* the thing checked failed: a test, a bundle, a message, a load run */
  CTK_EXIT_ERROR = 2,  /* inconclusive, or the tool could not do its work (I/O, profile, peer) */
  CTK_EXIT_USAGE = 3   /* the command line is wrong: option, argument, value; or run/serve config */
} ctk_exit;

#endif
