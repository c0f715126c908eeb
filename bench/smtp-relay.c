/* smtp-relay.c — a loopback SMTP relay for bench/notify-smtp.sh: it accepts every message and
 * answers the end of each one DELAY milliseconds later, as a relay that scans or forwards a
 * message before it says 250 does. One thread, epoll, any number of connections; messages are
 * counted, not kept. (postfix's smtp-sink waits whole seconds only: -w 1.)
 *
 *   smtp-relay PORT-FILE DELAY-MS
 *
 * Listens on 127.0.0.1 on a free port and writes the port to PORT-FILE. On SIGTERM or SIGINT it
 * prints "messages M connections C max-open K" and exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 65536
#define LINE 1024

struct conn {
    unsigned serial; /* tells a reused descriptor from the one a reply was due to */
    int open, data, waiting; /* in DATA; a reply is due */
    int m; /* how much of "\r\n.\r\n" the data has just matched */
    size_t len;
    char line[LINE];
};

static struct conn *conns;
static volatile sig_atomic_t stop;
static long messages, connections, open_now, max_open;
static long delay_ms;

/* replies due, in the order they fall due (every message waits the same DELAY) */
struct due {
    int fd;
    unsigned serial;
    double at;
};
static struct due *q;
static size_t qhead, qn, qcap;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void say(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* the peer went away; its close comes through epoll */
        s += w;
        n -= (size_t)w;
    }
}

static void drop(int ep, int fd)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    conns[fd].open = 0;
    conns[fd].serial++;
    open_now--;
}

static void command(int ep, int fd, struct conn *c)
{
    c->line[c->len] = 0;
    if (!strncasecmp(c->line, "EHLO", 4) || !strncasecmp(c->line, "HELO", 4))
        say(fd, "250-relay.bench.invalid\r\n250-SIZE 52428800\r\n250 8BITMIME\r\n");
    else if (!strncasecmp(c->line, "DATA", 4)) {
        c->data = 1;
        c->m = 2; /* the data starts after a line end */
        say(fd, "354 go ahead\r\n");
    } else if (!strncasecmp(c->line, "QUIT", 4)) {
        say(fd, "221 bye\r\n");
        drop(ep, fd);
    } else if (!strncasecmp(c->line, "MAIL", 4) || !strncasecmp(c->line, "RCPT", 4) ||
               !strncasecmp(c->line, "RSET", 4) || !strncasecmp(c->line, "NOOP", 4))
        say(fd, "250 ok\r\n");
    else say(fd, "502 not here\r\n");
}

/* the end of a message: its reply falls due DELAY from now */
static void message_end(int fd, struct conn *c)
{
    c->data = 0;
    messages++;
    if (!delay_ms) {
        char r[64];
        snprintf(r, sizeof r, "250 2.0.0 Ok: queued as B%ld\r\n", messages);
        say(fd, r);
        return;
    }
    if (qhead + qn == qcap) {
        if (qhead) {
            memmove(q, q + qhead, qn * sizeof *q);
            qhead = 0;
        } else {
            qcap = qcap ? qcap * 2 : 1024;
            q = realloc(q, qcap * sizeof *q);
            if (!q) exit(1);
        }
    }
    q[qhead + qn++] = (struct due){fd, c->serial, now() + (double)delay_ms / 1000};
    c->waiting = 1;
}

static void input(int ep, int fd)
{
    static const char pat[] = "\r\n.\r\n";
    char buf[65536];
    struct conn *c = &conns[fd];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        drop(ep, fd);
        return;
    }
    for (ssize_t i = 0; i < n && c->open; i++) {
        char ch = buf[i];
        if (c->data) {
            if (ch == pat[c->m]) c->m++;
            else c->m = ch == '\r' ? 1 : 0;
            if (c->m == 5) message_end(fd, c);
        } else if (ch == '\n') {
            if (c->len && c->line[c->len - 1] == '\r') c->len--;
            command(ep, fd, c);
            c->len = 0;
        } else if (c->len + 1 < LINE) c->line[c->len++] = ch;
    }
}

static void replies_due(void)
{
    double t = now();
    while (qn && q[qhead].at <= t) {
        struct due d = q[qhead++];
        qn--;
        struct conn *c = &conns[d.fd];
        if (c->open && c->serial == d.serial) {
            char r[64];
            snprintf(r, sizeof r, "250 2.0.0 Ok: queued as B%ld\r\n", messages);
            say(d.fd, r);
            c->waiting = 0;
        }
    }
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void accept_all(int ep, int ls)
{
    for (;;) {
        int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (fd >= MAXFD) {
            close(fd);
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        struct conn *c = &conns[fd];
        unsigned serial = c->serial;
        memset(c, 0, sizeof *c);
        c->serial = serial;
        c->open = 1;
        connections++;
        if (++open_now > max_open) max_open = open_now;
        say(fd, "220 relay.bench.invalid ESMTP\r\n");
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: smtp-relay PORT-FILE DELAY-MS\n");
        return 2;
    }
    delay_ms = atol(argv[2]);
    conns = calloc(MAXFD, sizeof *conns);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!conns || ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096) ||
        getsockname(ls, (struct sockaddr *)&a, &al)) {
        perror("smtp-relay");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) || rename(tmp, argv[1])) {
        perror(argv[1]);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    while (!stop) {
        int timeout = -1;
        if (qn) {
            double w = q[qhead].at - now();
            timeout = w <= 0 ? 0 : (int)(w * 1000) + 1;
        }
        int n = epoll_wait(ep, evs, 256, timeout);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == ls) accept_all(ep, ls);
            else if (conns[evs[i].data.fd].open) input(ep, evs[i].data.fd);
        }
        replies_due();
    }
    printf("messages %ld connections %ld max-open %ld\n", messages, connections, max_open);
    return 0;
}
