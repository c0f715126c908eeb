/* wire.c — libmicrohttpd 0.9.75 reads every request with recv(2) (MHD_recv_ in its
 * mhd_sockets.h) and offers no way to see the bytes it parsed. klartext defines recv itself: the
 * dynamic linker then resolves libmicrohttpd's calls (and every other library's) to this one,
 * which reads with recvfrom(2) and feeds what a plain-HTTP connection received to that
 * connection's struct http_wire before libmicrohttpd parses it. Descriptors that no connection
 * attached (every other socket of the process, TLS connections) pass through untouched. A
 * connection's recv calls, its attach and its detach all run in the worker thread that owns it. */
#undef _FORTIFY_SOURCE /* glibc's fortified recv is an inline wrapper: this file defines the function */
#include "serve/wire.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>

static _Atomic(struct http_wire *) *by_fd;
static int nfd;

int wire_init(int maxfd)
{
    if (maxfd < 1) maxfd = 1;
    by_fd = calloc((size_t)maxfd, sizeof *by_fd);
    if (!by_fd) return -1;
    nfd = maxfd;
    return 0;
}

void wire_free(void)
{
    free((void *)by_fd);
    by_fd = NULL;
    nfd = 0;
}

void wire_attach(int fd, struct http_wire *w)
{
    if (by_fd && fd >= 0 && fd < nfd) atomic_store(&by_fd[fd], w);
}

void wire_detach(int fd)
{
    if (by_fd && fd >= 0 && fd < nfd) atomic_store(&by_fd[fd], NULL);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);
    if (n > 0 && !(flags & MSG_PEEK) && by_fd && fd >= 0 && fd < nfd) {
        struct http_wire *w = atomic_load(&by_fd[fd]);
        if (w) http_wire_feed(w, buf, (size_t)n);
    }
    return n;
}
