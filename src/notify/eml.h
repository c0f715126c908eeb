/* eml.h — notices as .eml files in a directory (`klartext notify --out DIR`), used by make.c.
 *
 * Every file goes through util/output (docs/HACKING.md, "Outputs"): DIR/NOTICE-ID.eml, mode
 * 0600; a device, FIFO or link there is written as it is (a link's target replaced), a regular
 * file replaced atomically. A file appears whole, and only for a stored notice: a worker writes
 * it before its batch is stored (OUT_LATER: an unnamed temporary file in DIR where the file
 * system and /proc allow and the process may hold a descriptor for each file of a batch, else
 * DIR/.NOTICE-ID.eml.tmp.XXXXXX; a device or FIFO is opened only at the naming); after the
 * commit the storing thread names it. No fsync (OUT_NOSYNC): a crash before the commit leaves
 * no file (an unnamed one vanishes with the process; at worst a temporary name), and the next
 * run makes the notice again; a crash after it leaves the stored notice without its file, which
 * the next --out writes from the register. Errors: 0, or -1 with err ("cannot write
 * 'DIR/X.eml': No space left on device"). */
#ifndef KT_EML_H
#define KT_EML_H
#include "util/output.h"
#include <stddef.h>

/* a notice's file between its writing and its naming; zeroed: none */
struct eml_file {
    struct out o;
};

/* May the process hold a descriptor for each of FILES files at once? (Raises the soft limit on
 * open files when it must and may.) 1 or 0: the UNNAMED argument of eml_write_pending. */
int eml_fds_ok(size_t files);
/* Write the message of notice NOTICE_ID to DIR before it is stored; UNNAMED 0: keep no
 * descriptor open until the naming (a named temporary file). */
int eml_write_pending(const char *dir, int unnamed, const char *notice_id, const char *data, size_t n,
                      struct eml_file *f, char *err, size_t errlen);
/* Drop the file of a notice that was not stored (no-op for a zeroed one); *f is zeroed. */
void eml_drop(struct eml_file *f);
/* Give the file of a stored notice its name DIR/NOTICE_ID.eml (replacing a file of that name
 * from an earlier run into DIR); *f holds nothing afterwards either way. */
int eml_name(struct eml_file *f, char *err, size_t errlen);
/* Write DIR/NOTICE_ID.eml (mode 0600) at once. */
int eml_write(const char *dir, const char *notice_id, const char *data, size_t n, char *err, size_t errlen);
#endif
