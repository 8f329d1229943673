/* ctk_version: the tool's version and the commit it was built from, for `ctk version`, the
 * reports and the evidence bundle. */
#ifndef CTK_VERSION_H
#define CTK_VERSION_H

/* Version string, e.g. "0.1.0"; commit from the build (CTK_GIT_COMMIT) or "unknown". */
const char *ctk_version(void);
const char *ctk_git_commit(void);

#endif
