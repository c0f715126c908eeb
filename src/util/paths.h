/* paths.h — where klartext's installed data files are.
 *
 * The binary needs no file at run time: the notice templates, the portal's style sheet and
 * the demo's files are compiled in. The data directory holds copies of the built-in notice
 * templates, for an organisation that writes its own (`notify --templates DIR`, see
 * docs/templates.md and docs/install.md). It is, in this order:
 *   1. $KLARTEXT_DATA_DIR, when set (and then only it);
 *   2. BIN/../share/klartext, BIN being the directory of the running binary (after
 *      `make install`: PREFIX/bin and PREFIX/share/klartext; the Debian package: /usr);
 *   3. BIN/.., when it holds templates/ (build/klartext in the source tree).
 * A directory counts when it holds PATHS_PROBE. */
#ifndef KT_PATHS_H
#define KT_PATHS_H
#include <stddef.h>

#define PATHS_PROBE "templates/notice.en.txt.mustache"

/* Writes the data directory into out (outlen bytes) and returns 0; or returns -1 with err
 * naming every place looked at ("no data directory: looked for templates/… in A, B; …").
 * exe is the binary's path (NULL: /proc/self/exe). */
int paths_data_dir(const char *exe, char *out, size_t outlen, char *err, size_t errlen);
#endif
