/* file.h — reading a whole (small) file, the one reader every command uses.
 *
 * file_read reads PATH into a new NUL-terminated buffer (*out, caller frees; *len excludes
 * the NUL). It refuses a file larger than max bytes, a directory and anything it cannot read,
 * and says which in err ("cannot open 'x': No such file or directory", "'x' is larger than
 * 1048576 bytes", "cannot read 'x': Is a directory"). A FIFO or a character device is read
 * until end of file or max, whichever comes first.
 *
 * Returns 0, or one of FILE_ENOENT (the file does not exist), FILE_EIO (it exists but could
 * not be opened or read), FILE_ETOOBIG (over max). Callers map these to exit codes: a missing
 * or oversized input file the user named is bad input (2), an unreadable one a failure (1). */
#ifndef KT_FILE_H
#define KT_FILE_H
#include <stddef.h>

enum { FILE_OK = 0, FILE_ENOENT = 1, FILE_EIO = 2, FILE_ETOOBIG = 3 };

int file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

/* The exit code for a file_read result when the user named the file: 0 for FILE_OK, 2 (bad
 * input) for a missing or oversized file, 1 (failure) for one that could not be read. */
static inline int file_exit_code(int rc)
{
    return rc == FILE_OK ? 0 : rc == FILE_EIO ? 1 : 2;
}
#endif
