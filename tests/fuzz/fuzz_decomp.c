/* fuzz_decomp.c — libFuzzer target for the scanner's decompressing reader (src/scan/input.c:
 * in_detect, in_dec_new_with / in_dec_run / in_dec_finish), driven the way src/scan/scan.c drives it
 * (run_stream: read a chunk, decode it into the free space of the line buffer until the chunk
 * is used up and the output is not full; at end of input flush, then in_dec_finish).
 * Regression inputs: tests/fuzz/regress/decomp/ (finding F1: ISA-L rewinding avail_in; the
 * gzip-* inputs where ISA-L and zlib used to disagree).
 *
 * Gzip is differential: every gzip stream is decoded with each backend built in (ISA-L with
 * HAVE_ISAL, and zlib, which the scanner uses with KLARTEXT_GZIP=zlib or without ISA-L) with the
 * same chunking, and the backends must agree: both end cleanly with the same output, or both
 * fail (each with a non-empty message; the messages differ). Before a failure the output may
 * differ in length (each backend drops the output of the call that fails, and they buffer
 * differently), but the shorter one must be a prefix of the longer: no backend makes up bytes.
 * One difference is allowed, and only that: deflate blocks with an incomplete Huffman code,
 * which ISA-L decodes and zlib refuses (incomplete_code).
 *
 * Byte 0 picks the mode, byte 1 the input chunk size, byte 2 the output space per call:
 *   0,1  the rest is a .gz / .zst stream as found on disk (arbitrary bytes; for gzip with
 *        byte 0 / 5 odd: raw deflate data, which wrap_deflate gives a header and a matching
 *        trailer): decoding ends with output or a clear error (non-empty message), never a
 *        crash, a leak or a hang (the number of decoder calls is bounded by the bytes in and
 *        out), and the output is bounded (a bomb is cut at 64 MiB, as the harness's limit, not
 *        the reader's; past a cut only the common prefix of the two backends is compared).
 *        Zstd frames that declare a window above 1 GiB are skipped (the reader refuses windows
 *        above 2^IN_ZSTD_WINDOW_LOG anyway; the skip kept libzstd from allocating them when
 *        the limit was 2 GiB: finding F2 in docs/reliability.md, "Fuzzing");
 *   2,3  round trip: the rest is plain text; compress it here with zlib (gzip, split into
 *        1..3 members, some with FNAME / FCOMMENT / FEXTRA / FHCRC headers) / libzstd
 *        (1..3 frames), decode: exactly the text comes back and the stream ends cleanly; the
 *        same stream cut inside a member / frame (not between two) must fail (truncation is
 *        never silent);
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
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define OUT_LIMIT ((size_t)64 << 20)

struct sink {
    unsigned char *p;
    size_t len, cap;
    int keep; /* keep the bytes (else only count them) */
    const struct sink *ref; /* compare with the bytes another backend kept */
    int differs; /* a byte differs from ref's within ref's length */
};

static void put(struct sink *s, const unsigned char *d, size_t n)
{
    if (s->ref && s->len < s->ref->len) {
        size_t m = s->ref->len - s->len < n ? s->ref->len - s->len : n;
        if (memcmp(s->ref->p + s->len, d, m)) s->differs = 1;
    }
    if (!s->keep || !n) {
        s->len += n;
        return;
    }
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

/* returns 0 on a clean end, -1 on an error (err filled), 1 when the output was cut at OUT_LIMIT */
static int decode(int comp, int backend, const unsigned char *in0, size_t n, size_t chunk, size_t ocap,
                  struct sink *out, char *err, size_t errlen)
{
    static unsigned char obuf[1 << 16];
    struct in_dec *d = in_dec_new_with(comp, backend);
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
            if (out->len > OUT_LIMIT) {
                rc = 1;
                break;
            }
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
            if (out->len > OUT_LIMIT) {
                rc = 1;
                break;
            }
        }
        if (rc == 0 && in_dec_finish(d, err, errlen)) {
            if (!err[0]) abort();
            rc = -1;
        }
    }
    in_dec_free(d);
    return rc;
}

/* the gzip backends built in, the reference (ISA-L, the default) first */
static const int gz_backends[] = {
#ifdef HAVE_ISAL
    IN_BACKEND_ISAL,
#endif
    IN_BACKEND_ZLIB};
#define NGZ (sizeof gz_backends / sizeof gz_backends[0])

/* The one difference left on purpose: a dynamic deflate block whose Huffman code (literal /
 * length, distance or code length code) is incomplete, i.e. leaves codes unassigned. ISA-L
 * decodes it (it refuses an over-subscribed code, "invalid deflate block", and the unassigned
 * codes themselves, "invalid deflate symbol", so the block has one meaning, and the member's
 * CRC-32 and length still vouch for the output); zlib refuses the block with one of these
 * messages. Making ISA-L refuse it too would mean parsing every block header beside it. */
static int incomplete_code(int backend0, int rc0, int rc, const char *zerr)
{
    return backend0 == IN_BACKEND_ISAL && rc0 == 0 && rc < 0 &&
           (!strcmp(zerr, "invalid literal/lengths set") || !strcmp(zerr, "invalid distances set") ||
            !strcmp(zerr, "invalid code lengths set"));
}

/* Decodes a gzip stream with every backend and aborts unless they agree (see the top).
 * Returns the first backend's result (0 clean, -1 error, 1 cut); its output is in *out,
 * kept when out->keep, its message in err. */
static int decode_gz(const unsigned char *in, size_t n, size_t chunk, size_t ocap, struct sink *out, char *err,
                     size_t errlen)
{
    int rc0 = 0;
    char err0[256] = "";
    out->keep = 1; /* the reference for the other backends */
    for (size_t i = 0; i < NGZ; i++) {
        struct sink o = {0};
        o.ref = out;
        struct sink *s = i ? &o : out;
        int rc = decode(IN_GZIP, gz_backends[i], in, n, chunk, ocap, s, i ? err : err0, i ? errlen : sizeof err0);
        if (!i) {
            rc0 = rc;
            continue;
        }
        int prefix_only = rc0 == 1 || rc == 1 || incomplete_code(gz_backends[0], rc0, rc, err);
        if (o.differs || (!prefix_only && (rc != rc0 || (rc == 0 && o.len != out->len)))) {
            fprintf(stderr,
                    "gzip backends disagree (chunk %zu, output space %zu):\n"
                    "  %s: %s, %zu bytes out%s%s\n  %s: %s, %zu bytes out%s%s%s\n",
                    chunk, ocap, gz_backends[0] == IN_BACKEND_ISAL ? "ISA-L" : "zlib",
                    rc0 == 0  ? "clean end"
                    : rc0 < 0 ? "error"
                              : "cut",
                    out->len, rc0 < 0 ? ": " : "", rc0 < 0 ? err0 : "", "zlib",
                    rc == 0  ? "clean end"
                    : rc < 0 ? "error"
                             : "cut",
                    o.len, rc < 0 ? ": " : "", rc < 0 ? err : "", o.differs ? " (different bytes)" : "");
            abort();
        }
    }
    snprintf(err, errlen, "%s", err0);
    return rc0;
}

/* Mode 0 with an odd selector: d is raw deflate data, wrapped here into one gzip member whose
 * trailer (CRC-32 and length) matches what one library's raw inflate makes of it (zlib's, or
 * ISA-L's when the selector says so), so that deflate data one backend reads differently from
 * the other, or accepts where the other refuses, gets past the checksum. Returns the length of
 * the member in *gz (malloc'd). */
static size_t wrap_deflate(const uint8_t *d, size_t n, int isal_view, unsigned char **gz)
{
    static unsigned char obuf[4 << 20];
    size_t used = n, made = 0;
    int ok = 0;
#ifdef HAVE_ISAL
    if (isal_view) {
        struct inflate_state st;
        isal_inflate_init(&st);
        st.crc_flag = ISAL_DEFLATE;
        st.next_in = (uint8_t *)d;
        st.avail_in = (uint32_t)n;
        st.next_out = obuf;
        st.avail_out = sizeof obuf;
        if (isal_inflate_stateless(&st) == ISAL_DECOMP_OK && st.avail_in <= n && st.avail_out <= sizeof obuf) {
            ok = 1;
            used = n - st.avail_in;
            made = sizeof obuf - st.avail_out;
        }
    }
#else
    isal_view = 0; /* zlib is the only view there is */
#endif
    if (!isal_view) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -15) != Z_OK) abort();
        z.next_in = (Bytef *)d;
        z.avail_in = (uInt)n;
        z.next_out = obuf;
        z.avail_out = sizeof obuf;
        if (inflate(&z, Z_FINISH) == Z_STREAM_END) {
            ok = 1;
            used = n - z.avail_in;
            made = sizeof obuf - z.avail_out;
        }
        inflateEnd(&z);
    }
    unsigned char *g = malloc(10 + used + 8);
    memcpy(g, "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10); /* a plain header: no flags, OS 3 */
    memcpy(g + 10, d, used);
    uint32_t crc = ok ? (uint32_t)crc32(0, obuf, (uInt)made) : 0, len = (uint32_t)made;
    for (int i = 0; i < 4; i++) {
        g[10 + used + i] = (unsigned char)(crc >> 8 * i);
        g[14 + used + i] = (unsigned char)(len >> 8 * i);
    }
    *gz = g;
    return 10 + used + 8;
}

/* 1 if some zstd frame in d declares a window above 1 GiB (see the note at the top) */
static int huge_window(const uint8_t *d, size_t n)
{
    while (n) {
        ZSTD_frameHeader h;
        if (ZSTD_getFrameHeader(&h, d, n) != 0) return 0; /* error or too short: decoding stops here */
        if (h.frameType == ZSTD_frame && h.windowSize > ((unsigned long long)1 << 30)) return 1;
        size_t fl = ZSTD_findFrameCompressedSize(d, n);
        if (ZSTD_isError(fl) || fl == 0 || fl > n) return 0;
        d += fl;
        n -= fl;
    }
    return 0;
}

/* one gzip member; hdr 1..3 adds optional header fields (FNAME, FCOMMENT, FEXTRA, FHCRC, FTEXT)
 * of lengths that vary with the text, so that a header also straddles the input chunks */
static size_t gz_member(const unsigned char *d, size_t n, int level, int hdr, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    static unsigned char extra[300];
    static char name[300], comment[300];
    gz_header h;
    memset(&h, 0, sizeof h);
    if (hdr) {
        memset(extra, 'x', sizeof extra);
        memset(name, 'n', sizeof name);
        memset(comment, 'c', sizeof comment);
        name[n % 257] = comment[(n / 3) % 263] = 0;
        h.text = hdr == 3;
        h.os = 3;
        h.hcrc = hdr != 2 || n % 2;
        if (hdr != 1) {
            h.extra = extra;
            h.extra_len = (uInt)(n % 211);
        }
        if (hdr != 2) h.name = (Bytef *)name;
        if (hdr != 1) h.comment = (Bytef *)comment;
        if (deflateSetHeader(&z, &h) != Z_OK) abort();
    }
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
    size_t cap = 3 * (comp == IN_GZIP ? compressBound(n) + 64 + 1024 : ZSTD_compressBound(n) + 64) + 256;
    unsigned char *z = malloc(cap);
    size_t zl = 0;
    size_t parts = 1 + sel % 3, ends[3];
    for (size_t i = 0; i < parts; i++) {
        size_t a = n * i / parts, b = n * (i + 1) / parts;
        if (comp == IN_GZIP) {
            zl += gz_member(d + a, b - a, (sel >> 2) % 10, (int)((sel / 3 + i + n) % 4), z + zl, cap - zl);
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
    if (comp == IN_GZIP ? decode_gz(z, zl, chunk, ocap, &out, err, sizeof err)
                        : decode(comp, IN_BACKEND_DEFAULT, z, zl, chunk, ocap, &out, err, sizeof err)) {
        fprintf(stderr, "round trip failed: %s\n", err);
        abort();
    }
    if (out.len != n || (n && memcmp(out.p, d, n))) abort();
    /* truncated inside a member / frame (not at a boundary between them): must fail */
    size_t keep = 1 + ((size_t)sel * 7919 + n) % (zl - 1);
    int boundary = 0;
    for (size_t i = 0; i < parts; i++) boundary |= keep == ends[i];
    out.len = 0;
    if (!boundary &&
        (comp == IN_GZIP ? decode_gz(z, keep, chunk, ocap, &out, err, sizeof err)
                         : decode(comp, IN_BACKEND_DEFAULT, z, keep, chunk, ocap, &out, err, sizeof err)) == 0) {
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
    case 0:
    case 1: {
        struct sink out = {0};
        unsigned sel = data[0] / 5;
        if (mode == 0 && (sel & 1)) {
            unsigned char *gz;
            size_t gl = wrap_deflate(d, n, (sel >> 1) & 1, &gz);
            decode_gz(gz, gl, chunk, ocap, &out, err, sizeof err);
            free(gz);
        } else if (mode == 0) decode_gz(d, n, chunk, ocap, &out, err, sizeof err);
        else if (!huge_window(d, n)) decode(IN_ZSTD, IN_BACKEND_DEFAULT, d, n, chunk, ocap, &out, err, sizeof err);
        free(out.p);
        break;
    }
    case 2:
    case 3: roundtrip(mode == 2 ? IN_GZIP : IN_ZSTD, d, n, chunk, ocap, data[0] / 5); break;
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
