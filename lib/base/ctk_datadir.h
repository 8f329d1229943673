/* ctk_datadir: the one place that says where ctk's own files are (profiles/, data/, fixtures/,
 * runner/, simulators/load/), whether ctk runs from a checkout or from an installed package. */
#ifndef CTK_DATADIR_H
#define CTK_DATADIR_H

#include <stddef.h>

/* The environment variable that names the data folder, overriding every other place. */
#define CTK_DATADIR_ENV "CTK_DATA_DIR"

/* The data folder, looked up in this order (each call looks again, so a changed environment
 * counts):
 *   1. $CTK_DATA_DIR when set and not empty, whatever it holds (a wrong value is an error
 *      that names it, not a silent fallback);
 *   2. "." when the current directory is a checkout of the kit (it has data/regions.csv and
 *      profiles/), so paths stay as short as they always were;
 *   3. next to the running program: BINDIR/../share/ctk12328 (an installed tree, wherever it
 *      was unpacked), then BINDIR/.. (build/ctk of a checkout run from elsewhere);
 *   4. the folder compiled in from PREFIX (ctk_datadir_installed()).
 * The string lives in storage of the calling thread until its next call. */
const char *ctk_datadir(void);

/* The folder `make install` puts the data in: $(PREFIX)/share/ctk12328 at build time. */
const char *ctk_datadir_installed(void);

/* rel ("data/regions.csv", "profiles") inside the data folder, written to out and returned:
 * "data/regions.csv" itself when the data folder is ".", else "DIR/data/regions.csv". A path
 * that does not fit is cut at outlen (the open that follows then fails and names it). */
const char *ctk_datadir_path(const char *rel, char *out, size_t outlen);

#endif
