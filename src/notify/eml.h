/* eml.h — notices as .eml files in a directory (`klartext notify --out DIR`), used by make.c.
 *
 * A file appears whole, and only for a stored notice: a worker writes it before its batch is
 * stored, as an unnamed file in DIR (O_TMPFILE) where the file system and /proc allow, else as
 * DIR/.NOTICE-ID.eml.tmp; after the commit the storing thread names it DIR/NOTICE-ID.eml
 * (linkat / rename). No fsync: a crash before the commit leaves no file (an unnamed one vanishes
 * with the process; at worst a temporary name), and the next run makes the notice again; a crash
 * after it leaves the stored notice without its file, which the next --out writes from the
 * register. Errors: 0, or -1 with err ("cannot write 'DIR/X.eml': No space left on device"). */
#ifndef KT_EML_H
#define KT_EML_H
#include <stddef.h>

enum { EML_NONE, EML_TEMP, EML_UNNAMED };
struct eml_file {
    int kind; /* EML_NONE, EML_TEMP (DIR/.NOTICE-ID.eml.tmp) or EML_UNNAMED (fd) */
    int fd; /* EML_UNNAMED: the open file; else -1 */
};

/* Can DIR take unnamed files, with a descriptor for each of FILES files open at once? (Raises
 * the soft limit on open files when it must and may.) 1 or 0. */
int eml_unnamed_ok(const char *dir, size_t files);
/* Write the message of notice NOTICE_ID before it is stored: unnamed (when UNNAMED) or under
 * its temporary name; *f says which. */
int eml_write_pending(const char *dir, int unnamed, const char *notice_id, const char *data, size_t n,
                      struct eml_file *f, char *err, size_t errlen);
/* Drop the file of a notice that was not stored (no-op for EML_NONE); *f becomes EML_NONE. */
void eml_drop(const char *dir, const char *notice_id, struct eml_file *f);
/* Give the file of a stored notice its name DIR/NOTICE_ID.eml (replacing a file of that name
 * from an earlier run into DIR); *f becomes EML_NONE either way. */
int eml_name(const char *dir, const char *notice_id, struct eml_file *f, char *err, size_t errlen);
/* Write DIR/NOTICE_ID.eml (mode 0600) at once, through a temporary name. */
int eml_write(const char *dir, const char *notice_id, const char *data, size_t n, char *err, size_t errlen);
#endif
