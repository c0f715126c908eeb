/* output.h — the one way klartext writes a file: every output of every command goes through
 * here (docs/HACKING.md, "Outputs"; what users see: docs/commands.md, "Output files").
 *
 * What PATH names decides how it is written:
 *   "-"                standard output (stdio's stdout: flushed at the commit, never closed).
 *   a character or block device, a FIFO, a socket
 *                      opened (a socket: connected as a stream socket) and written directly:
 *                      no temporary file next to it, no rename. /dev/null stays /dev/null.
 *   a symbolic link    followed to its final target (at most 40 links); that target is written
 *                      as below, in the target's own directory. The link stays a link. A link to
 *                      a missing file creates that file, as cp does.
 *   a regular file     replaced atomically: a temporary file in the same directory (unnamed,
 *                      O_TMPFILE, where the file system allows; else DIR/.NAME.tmp.XXXXXX),
 *                      fsync, rename over PATH, fsync of the directory. A reader sees the old
 *                      or the new content, never a mix. The file keeps its mode (and, where
 *                      the process may, its owner and group) unless MODE is given. A hard link
 *                      elsewhere keeps the old content (as with any atomic replacement).
 *   a missing file     created the same way; its directory must exist.
 *   a directory        an error naming it (OUT_EARG).
 *   /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (or a link to one)
 *                      the process's own descriptor, written as it is open (its offset, its
 *                      append mode): `--csv /dev/stdout >>all.csv` appends. /dev/stdout is "-".
 * In place: when the directory cannot take a temporary file (no write permission, EACCES or
 * EPERM) but the existing regular file itself is writable, the file is written in place and
 * cut to the new length at the commit: not atomic (a failure in the middle leaves part of the
 * new content). Never for OUT_SECRET or OUT_EXCL.
 *
 * A failed write or commit leaves the old content in place and no temporary file behind, and
 * err says why: "cannot write 'out.csv': No space left on device" (for a link, with its
 * target: "cannot write 'latest.csv' (a link to 'reports/x.csv'): ...").
 *
 * Use: out_open → out_write or out_stream (fprintf …) → out_commit, or out_abort to drop it.
 * Nothing is visible at a regular file's PATH before out_commit, so a caller may write first
 * and name the file only after its own commit (notify's .eml files: OUT_LATER extends this to
 * devices, FIFOs and sockets; OUT_NO_FD keeps no descriptor open meanwhile).
 *
 * Return values are exit codes: OUT_OK (0), OUT_EIO (1: a failure — I/O, permissions, a refused
 * secret, an existing file under OUT_EXCL), OUT_EARG (2: PATH cannot name an output — a
 * directory, a missing directory, a loop of links). Thread safety: one struct out per thread;
 * different outputs may be opened and committed in different threads at once. */
#ifndef KT_OUTPUT_H
#define KT_OUTPUT_H
#include "util/buf.h"
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum { OUT_OK = 0, OUT_EIO = 1, OUT_EARG = 2 };

/* flags of out_open */
enum {
    /* A secret (a signing key): mode 0600 from the first byte, whatever MODE says; refused when
     * PATH is a symbolic link, or when its directory is writable by everyone without the sticky
     * bit (anyone could put another file in its place); never written in place. */
    OUT_SECRET = 1,
    /* Never replace anything: PATH must not exist (not even as a dangling link) when opened,
     * nor at the commit, which then links the file into place (link(2): no race). */
    OUT_EXCL = 2,
    /* No fsync of the file or its directory (for files the register can write again). */
    OUT_NOSYNC = 4,
    /* The caller names the output later, after its own commit: a device, FIFO, socket or
     * standard output is opened only at out_commit and the bytes wait in memory until then. */
    OUT_LATER = 8,
    /* For callers that keep many outputs pending at once: a named temporary file, not an
     * unnamed one, whose descriptor out_ready closes. */
    OUT_NO_FD = 16,
};

#define OUT_MODE_KEEP (-1) /* out_open's MODE: keep an existing file's mode; a new one: 0666 - umask */

/* An output being written. Its fields are the helper's: read or change none of them. A zeroed
 * struct out (or one after out_commit or out_abort) holds nothing: out_abort is a no-op on it.
 * It must not move in memory while out_stream's stream is open. */
struct out {
    int kind; /* how it is written (output.c) */
    int fd; /* the descriptor written to, or -1 */
    unsigned flags;
    int mode; /* the mode set at the commit, or -1 (leave it) */
    int fix_owner; /* give the new file the replaced file's owner and group */
    uid_t uid;
    gid_t gid;
    int fdnum; /* a descriptor named by PATH (/dev/fd/N) */
    int replace; /* a file existed at the target when opened */
    int werr; /* the first write error (errno), 0 if none */
    off_t written; /* bytes written (in place: the new length) */
    char *path; /* as the caller named it (messages) */
    char *target; /* the file written: PATH, or a link's final target */
    char *tmp; /* a named temporary file, or NULL */
    FILE *stream; /* out_stream's stream, or NULL */
    struct buf held; /* OUT_LATER: the bytes for a device, FIFO, socket or stdout */
};

/* Open PATH for writing as described above, with FLAGS (OUT_* above, or 0) and MODE (0 to 07777,
 * or OUT_MODE_KEEP). A device or FIFO is opened here (a FIFO waits for a reader), unless
 * OUT_LATER. Returns OUT_OK, or OUT_EIO / OUT_EARG with err filled; then nothing was created
 * and *o holds nothing. */
int out_open(struct out *o, const char *path, unsigned flags, int mode, char *err, size_t errlen);

/* Append LEN bytes of DATA. Unbuffered (straight to the file or device, so a secret is never
 * copied), except for standard output (stdio) and OUT_LATER (memory). Returns 0, or -1 when
 * this or an earlier write failed; out_commit then reports the error and removes the temporary
 * file. */
int out_write(struct out *o, const void *data, size_t len);

/* A stdio stream that writes through out_write (for fprintf or a function that takes a FILE *;
 * fully buffered); for "-", stdout itself. Owned by o: flushed and closed by out_ready,
 * out_commit or out_abort (never fclose it). The same stream on every call; never NULL (out of
 * memory ends the process, as in util/xalloc.h). */
FILE *out_stream(struct out *o);

/* Optional, for outputs that wait for their commit: flush the stream (which is then closed) and,
 * with OUT_NO_FD, set the mode, fsync (unless OUT_NOSYNC) and close the temporary file. No write
 * may follow. Returns OUT_OK, or OUT_EIO with err (then out_abort). */
int out_ready(struct out *o, char *err, size_t errlen);

/* Finish: flush, set the mode, fsync, and put the file in place (rename, or link under
 * OUT_EXCL), fsync the directory; for a device, FIFO or socket, flush and close (OUT_LATER:
 * open it and write the held bytes now). Always releases *o. Returns OUT_OK, or OUT_EIO with err
 * — the old content is then untouched and no temporary file is left (in place: the file holds
 * part of the new content, and err says so). */
int out_commit(struct out *o, char *err, size_t errlen);

/* Drop the output: close it, remove the temporary file; PATH is as it was (except what already
 * went to a device, FIFO, socket, standard output or a file written in place). Releases *o; a
 * no-op on a struct out that holds nothing. */
void out_abort(struct out *o);

/* The whole output at once: out_open, out_write, out_commit. Returns what they return. */
int out_write_file(const char *path, const void *data, size_t len, unsigned flags, int mode, char *err, size_t errlen);
#endif
