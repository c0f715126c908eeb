/* fuzz_decomp.c — libFuzzer target for the scanner's decompressing reader (src/scan/input.c:
 * in_detect, in_dec_new / in_dec_run / in_dec_finish), driven the way src/scan/scan.c drives it
 * (run_stream: read a chunk, decode it into the free space of the line buffer until the chunk
 * is used up and the output is not full; at end of input flush, then in_dec_finish).
 * Regression inputs: tests/fuzz/regress/decomp/ (finding F1: ISA-L rewinding avail_in).
 *
 * Byte 0 picks the mode, byte 1 the input chunk size, byte 2 the output space per call:
 *   0,1  the rest is a .gz / .zst stream as found on disk (arbitrary bytes): decoding ends with
 *        output or a clear error (non-empty message), never a crash, a leak or a hang (the
 *        number of decoder calls is bounded by the bytes in and out), and the output is
 *        bounded (a bomb is cut at 64 MiB, as the harness's limit, not the reader's). Zstd
 *        frames that declare a window above 1 GiB are skipped: the reader accepts windows up
 *        to 2 GiB on purpose (ZSTD_d_windowLogMax 31, for `zstd --long=31` logs; docs/scan.md)
 *        and libzstd then allocates the window up front, which the fuzzer's 2 GiB malloc
 *        limit reports as an out-of-memory (finding F2 in docs/reliability.md, "Fuzzing");
 *   2,3  round trip: the rest is plain text; compress it here with zlib (gzip, split into
 *        1..3 members) / libzstd (1..3 frames), decode: exactly the text comes back and the
 *        stream ends cleanly; the same stream cut inside a member / frame (not between two)
 *        must fail (truncation is never silent);
 *   4    in_detect on the raw bytes: a known but unsupported format gives a message, a gzip /
 *        zstd magic gives that compression. */
#include "scan/scan_int.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#define OUT_LIMIT ((size_t)64 << 20)

struct sink {
    unsigned char *p;
    size_t len, cap;
    int keep;
};

static void put(struct sink *s, const unsigned char *d, size_t n)
{
    if (!s->keep || !n) { s->len += n; return; }
    if (s->len + n > s->cap) {
        size_t c = s->cap ? s->cap : 4096;
        while (c < s->len + n) c *= 2;
        s->p = realloc(s->p, c);
        if (!s->p) abort();
        s->cap = c;
    }
    memcpy(s->p + s->len, d, n);
    s->len += n;
}

/* returns 0 on a clean end, -1 on an error (err filled) */
static int decode(int comp, const unsigned char *in0, size_t n, size_t chunk, size_t ocap,
                  struct sink *out, char *err, size_t errlen)
{
    static unsigned char obuf[1 << 16];
    struct in_dec *d = in_dec_new(comp);
    if (!d) abort();
    int rc = 0;
    size_t calls = 0;
    err[0] = 0;
    for (size_t off = 0; off < n && rc == 0;) {
        size_t m = n - off < chunk ? n - off : chunk;
        /* a private copy of the chunk, as scan.c reads into its own buffer */
        unsigned char *cb = malloc(m);
        memcpy(cb, in0 + off, m);
        const unsigned char *in = cb;
        size_t inlen = m;
        off += m;
        for (;;) {
            long k = in_dec_run(d, &in, &inlen, obuf, ocap, err, errlen);
            if (++calls > 100000 + 8 * (n + out->len / ocap)) {
                fprintf(stderr, "decoder makes no progress: %zu calls\n", calls);
                abort();
            }
            if (k < 0) {
                if (!err[0]) abort();
                rc = -1;
                break;
            }
            if ((size_t)k > ocap) abort();
            put(out, obuf, (size_t)k);
            if (out->len > OUT_LIMIT) { rc = 1; break; }
            if (!inlen && (size_t)k < ocap) break;
        }
        free(cb);
    }
    if (rc == 0) {
        for (;;) {
            const unsigned char *in = obuf;
            size_t inlen = 0;
            long k = in_dec_run(d, &in, &inlen, obuf, ocap, err, errlen);
            if (++calls > 100000 + 8 * (n + out->len / ocap)) abort();
            if (k < 0) {
                if (!err[0]) abort();
                rc = -1;
                break;
            }
            if (k == 0) break;
            put(out, obuf, (size_t)k);
            if (out->len > OUT_LIMIT) { rc = 1; break; }
        }
        if (rc == 0 && in_dec_finish(d, err, errlen)) {
            if (!err[0]) abort();
            rc = -1;
        }
    }
    in_dec_free(d);
    return rc > 0 ? 0 : rc;
}

/* 1 if some zstd frame in d declares a window above 1 GiB (see the note at the top) */
static int huge_window(const uint8_t *d, size_t n)
{
    while (n) {
        ZSTD_frameHeader h;
        if (ZSTD_getFrameHeader(&h, d, n) != 0) return 0;   /* error or too short: decoding stops here */
        if (h.frameType == ZSTD_frame && h.windowSize > ((unsigned long long)1 << 30)) return 1;
        size_t fl = ZSTD_findFrameCompressedSize(d, n);
        if (ZSTD_isError(fl) || fl == 0 || fl > n) return 0;
        d += fl;
        n -= fl;
    }
    return 0;
}

static size_t gz_member(const unsigned char *d, size_t n, int level, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    z.next_in = (Bytef *)d;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) abort();
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

static void roundtrip(int comp, const uint8_t *d, size_t n, size_t chunk, size_t ocap, uint8_t sel)
{
    size_t cap = 3 * (comp == IN_GZIP ? compressBound(n) + 64 : ZSTD_compressBound(n) + 64) + 256;
    unsigned char *z = malloc(cap);
    size_t zl = 0;
    size_t parts = 1 + sel % 3, ends[3];
    for (size_t i = 0; i < parts; i++) {
        size_t a = n * i / parts, b = n * (i + 1) / parts;
        if (comp == IN_GZIP) {
            zl += gz_member(d + a, b - a, (sel >> 2) % 10, z + zl, cap - zl);
        } else {
            size_t r = ZSTD_compress(z + zl, cap - zl, d + a, b - a, 1 + (sel >> 2) % 5);
            if (ZSTD_isError(r)) abort();
            zl += r;
        }
        ends[i] = zl;
    }
    char err[256];
    int c2;
    if (in_detect(z, zl, &c2, err, sizeof err) || c2 != comp) abort();
    struct sink out = {0};
    out.keep = 1;
    if (decode(comp, z, zl, chunk, ocap, &out, err, sizeof err)) {
        fprintf(stderr, "round trip failed: %s\n", err);
        abort();
    }
    if (out.len != n || (n && memcmp(out.p, d, n))) abort();
    /* truncated inside a member / frame (not at a boundary between them): must fail */
    size_t keep = 1 + ((size_t)sel * 7919 + n) % (zl - 1);
    int boundary = 0;
    for (size_t i = 0; i < parts; i++) boundary |= keep == ends[i];
    out.len = 0;
    if (!boundary && decode(comp, z, keep, chunk, ocap, &out, err, sizeof err) == 0) {
        fprintf(stderr, "stream of %zu bytes cut to %zu decoded without an error\n", zl, keep);
        abort();
    }
    free(out.p);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    int mode = data[0] % 5;
    size_t chunk = 1 + (size_t)data[1] * 97;
    size_t ocap = 1 + (size_t)data[2] * 251;
    const uint8_t *d = data + 3;
    size_t n = size - 3;
    char err[256];
    switch (mode) {
    case 0: case 1: {
        struct sink out = {0};
        if (mode == 1 && huge_window(d, n)) break;
        decode(mode == 0 ? IN_GZIP : IN_ZSTD, d, n, chunk, ocap, &out, err, sizeof err);
        break;
    }
    case 2: case 3:
        roundtrip(mode == 2 ? IN_GZIP : IN_ZSTD, d, n, chunk, ocap, data[0] / 5);
        break;
    default: {
        int comp = -1;
        err[0] = 0;
        if (in_detect(d, n, &comp, err, sizeof err)) {
            if (!err[0] || comp != IN_NONE) abort();
        } else {
            if (comp == IN_GZIP && !(n >= 2 && d[0] == 0x1f && d[1] == 0x8b)) abort();
            if (comp != IN_NONE && comp != IN_GZIP && comp != IN_ZSTD) abort();
        }
        break;
    }
    }
    return 0;
}
