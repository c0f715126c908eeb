/* bench/prefilter.c — the speed limit of the scanner's approach: read() the file in large
 * blocks with N threads (each its own byte range) and count a substring with glibc memmem
 * over whole blocks. No line splitting, no parsing.
 *   cc -O2 -pthread -o bench/out/prefilter bench/prefilter.c
 *   bench/out/prefilter FILE '"GET /gp/profile/' [THREADS]        prints the hit count */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK (1u << 20)
static const char *needle;
static size_t nlen;
static int fd;
struct part {
    off_t start, end;
    unsigned long long hits;
};

static void *work(void *arg)
{
    struct part *p = arg;
    char *buf = malloc(BLOCK + 256);
    size_t keep = 0;
    for (off_t pos = p->start; pos < p->end;) {
        size_t want = (size_t)(p->end - pos) < BLOCK ? (size_t)(p->end - pos) : BLOCK;
        ssize_t n = pread(fd, buf + keep, want, pos);
        if (n <= 0) break;
        pos += n;
        size_t len = keep + (size_t)n;
        for (const char *q = buf, *e = buf + len; (q = memmem(q, (size_t)(e - q), needle, nlen)); q += nlen) p->hits++;
        keep = len >= nlen - 1 ? nlen - 1 : len; /* a hit across two blocks */
        memmove(buf, buf + len - keep, keep);
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: prefilter FILE NEEDLE [THREADS]\n");
        return 2;
    }
    needle = argv[2];
    nlen = strlen(needle);
    int t = argc > 3 ? atoi(argv[3]) : 2;
    struct stat sb;
    if ((fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &sb)) {
        perror(argv[1]);
        return 1;
    }
    pthread_t tid[64];
    struct part parts[64];
    if (t < 1 || t > 64) t = 2;
    for (int i = 0; i < t; i++) {
        parts[i].start = sb.st_size * i / t;
        parts[i].end = sb.st_size * (i + 1) / t;
        parts[i].hits = 0;
        pthread_create(&tid[i], NULL, work, &parts[i]);
    }
    unsigned long long hits = 0;
    for (int i = 0; i < t; i++) {
        pthread_join(tid[i], NULL);
        hits += parts[i].hits;
    }
    printf("%llu\n", hits);
    return 0;
}
