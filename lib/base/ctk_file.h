/* ctk_file: whole files in and out. A read is bounded; a write goes through a temporary file
 * in the same folder and a rename, so a reader never sees half a file. */
#ifndef CTK_FILE_H
#define CTK_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "ctk_buf.h"
#include "ctk_error.h"

/* Read a whole file (at most max bytes, and within buf's own maximum) into buf.
 * CTK_E_NOTFOUND when it does not exist, CTK_E_TOOBIG over the limit, CTK_E_IO otherwise. */
ctk_code ctk_file_read(const char *path, size_t max, ctk_buf *buf);

/* Write len bytes to path with the given mode (0644, 0600...): temporary file, flush, rename.
 * On failure the temporary file is removed and path is untouched. */
ctk_code ctk_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Make path a file only its owner may read and write (0600): created empty when missing, its
 * mode narrowed when it exists. For files that hold people's data (the store, message logs),
 * whatever the umask. CTK_E_IO (errno set) when it cannot; a symbolic link is not followed. */
ctk_code ctk_file_private(const char *path);

/* Write "N\n" atomically: a port file a watcher polls. */
ctk_code ctk_file_write_port(const char *path, int port);

/* The temporary name beside path that ctk_file_write_atomic uses, for writers (an archive) that
 * make the file themselves and then call ctk_file_commit. */
ctk_code ctk_file_temp_name(const char *path, char *out, size_t outlen);
/* Rename tmp onto path; on failure tmp is removed. */
ctk_code ctk_file_commit(const char *tmp, const char *path);

#endif
