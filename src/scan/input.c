/* input.c — compression detection and streaming decoders (gzip: ISA-L igzip when built
 * with HAVE_ISAL, zlib otherwise or when asked for; zstd). Multi-member gzip files are decoded
 * member after member; zstd frames follow each other natively; a stream that ends inside a
 * member/frame is reported as truncated. With ISA-L the gzip member header is read here
 * (gz_read_header): igzip's own reader ignores the reserved flag bits and, when the header
 * spans two calls, checks FHCRC against a wrong CRC. zlib reads its headers itself.
 * tests/fuzz/fuzz_decomp.c decodes every gzip input with both backends and requires the
 * same answer. */
#include "scan/scan_int.h"
#include "util/err.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

const char *in_comp_name(int comp)
{
    return comp == IN_GZIP ? "gzip" : comp == IN_ZSTD ? "zstd" : "none";
}

int in_detect(const unsigned char *p, size_t n, int *comp, char *err, size_t errlen)
{
    *comp = IN_NONE;
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        *comp = IN_GZIP;
        return 0;
    }
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
        *comp = IN_ZSTD;
        return 0;
    }
    if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18) {
        *comp = IN_ZSTD;
        return 0;
    }
    const char *name = NULL;
    if (n >= 6 && !memcmp(p,
                          "\xfd"
                          "7zXZ\0",
                          6))
        name = "xz";
    else if (n >= 3 && !memcmp(p, "BZh", 3)) name = "bzip2";
    else if (n >= 4 && !memcmp(p, "\x04\x22\x4d\x18", 4)) name = "lz4";
    else if (n >= 4 && !memcmp(p, "PK\x03\x04", 4)) name = "zip";
    else if (n >= 2 && p[0] == 0x1f && p[1] == 0x9d) name = "compress (.Z)";
    if (name) {
        return err_set(err, errlen, "%s compression is not supported (decompress it first, or use gzip or zstd)", name);
    }
    return 0;
}

/* the parts of an RFC 1952 member header, in order (gz_read_header) */
enum { GH_FIXED, GH_XLEN, GH_EXTRA, GH_NAME, GH_COMMENT, GH_HCRC, GH_DONE };

struct in_dec {
    int comp;
    int backend; /* IN_BACKEND_ISAL or IN_BACKEND_ZLIB (gzip only) */
    int member_open; /* inside a gzip member / zstd frame */
    unsigned long members; /* gzip members decoded completely */
    size_t zlast; /* zstd: last hint (0 = frame complete) */
    struct { /* gzip header being read (ISA-L backend) */
        int part; /* GH_* */
        unsigned flags, have;
        unsigned char b[10]; /* the fixed part, XLEN or the header CRC as it arrives */
        size_t skip; /* FEXTRA bytes still to skip */
        uint32_t crc; /* CRC-32 of the header bytes so far */
    } gh;
    union {
#ifdef HAVE_ISAL
        struct inflate_state isal;
#endif
        z_stream z;
    } u;
    ZSTD_DCtx *zd;
};

/* IN_BACKEND_DEFAULT: ISA-L when compiled in, unless KLARTEXT_GZIP=zlib */
static int gzip_backend(int backend)
{
    if (backend != IN_BACKEND_DEFAULT) return backend;
#ifdef HAVE_ISAL
    const char *e = getenv("KLARTEXT_GZIP");
    return e && !strcmp(e, "zlib") ? IN_BACKEND_ZLIB : IN_BACKEND_ISAL;
#else
    return IN_BACKEND_ZLIB;
#endif
}

struct in_dec *in_dec_new_with(int comp, int backend)
{
    struct in_dec *d = xcalloc(1, sizeof *d);
    d->comp = comp;
    if (comp == IN_GZIP) {
        d->backend = gzip_backend(backend);
        if (d->backend == IN_BACKEND_ISAL) {
#ifdef HAVE_ISAL
            isal_inflate_init(&d->u.isal);
#else
            free(d);
            return NULL; /* not compiled in */
#endif
        } else if (d->backend != IN_BACKEND_ZLIB || inflateInit2(&d->u.z, 15 + 16) != Z_OK) {
            free(d);
            return NULL;
        }
    } else if (comp == IN_ZSTD) {
        d->zd = ZSTD_createDCtx();
        if (!d->zd) {
            free(d);
            return NULL;
        }
        /* the window is memory the decoder fills: at most 2^IN_ZSTD_WINDOW_LOG bytes, as the
         * zstd tool itself allows without --memory (files made with --long=28 or more are refused) */
        ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, IN_ZSTD_WINDOW_LOG);
    }
    return d;
}

struct in_dec *in_dec_new(int comp)
{
    return in_dec_new_with(comp, IN_BACKEND_DEFAULT);
}

void in_dec_free(struct in_dec *d)
{
    if (!d) return;
    if (d->comp == IN_GZIP && d->backend == IN_BACKEND_ZLIB) inflateEnd(&d->u.z);
    if (d->zd) ZSTD_freeDCtx(d->zd);
    free(d);
}

#ifdef HAVE_ISAL
/* the header part that follows part `from` for these flags */
static int gh_next(unsigned flags, int from)
{
    static const unsigned char flag[GH_DONE] = {[GH_XLEN] = 4, [GH_NAME] = 8, [GH_COMMENT] = 16, [GH_HCRC] = 2};
    int p = from == GH_XLEN ? GH_EXTRA : from; /* FEXTRA's bytes follow XLEN */
    while (++p < GH_DONE)
        if (p != GH_EXTRA && (flags & flag[p])) break;
    return p;
}

/* Reads the header of a gzip member (RFC 1952 2.3) from *in, across calls, and checks it as
 * zlib does: magic, method 8 (deflate), reserved flag bits 0, FHCRC (the low 16 bits of the
 * CRC-32 of the header bytes before it). Returns 1 once the header is complete, 0 when it
 * needs more input, -1 + err. */
static int gz_read_header(struct in_dec *d, const unsigned char **in, size_t *inlen, char *err, size_t errlen)
{
    while (d->gh.part != GH_DONE) {
        if (!*inlen) return 0;
        int part = d->gh.part;
        size_t n;
        if (part == GH_EXTRA) {
            n = d->gh.skip < *inlen ? d->gh.skip : *inlen;
        } else if (part == GH_NAME || part == GH_COMMENT) { /* zero-terminated */
            const unsigned char *z = memchr(*in, 0, *inlen);
            n = z ? (size_t)(z - *in) + 1 : *inlen;
        } else { /* fixed size, gathered in b */
            size_t want = part == GH_FIXED ? 10 : 2;
            n = want - d->gh.have < *inlen ? want - d->gh.have : *inlen;
            memcpy(d->gh.b + d->gh.have, *in, n);
            d->gh.have += (unsigned)n;
        }
        if (part != GH_HCRC) d->gh.crc = (uint32_t)crc32(d->gh.crc, *in, (uInt)n);
        const unsigned char *b = d->gh.b;
        *in += n;
        *inlen -= n;
        if (part == GH_FIXED) {
            /* judged byte by byte, so that trailing garbage is named as soon as it is seen */
            if ((d->gh.have >= 1 && b[0] != 0x1f) || (d->gh.have >= 2 && b[1] != 0x8b)) {
                if (d->members)
                    err_set(err, errlen, "trailing garbage after gzip member %lu (not a gzip header)", d->members);
                else err_set(err, errlen, "not a gzip header");
                return -1;
            }
            if (d->gh.have >= 3 && b[2] != 8) {
                return err_set(err, errlen, "unsupported gzip compression method %u (only 8, deflate, exists)", b[2]);
            }
            if (d->gh.have >= 4 && (b[3] & 0xe0)) {
                return err_set(err, errlen, "invalid gzip header (reserved flag bits 0x%02x set)", b[3] & 0xe0);
            }
            if (d->gh.have < 10) continue;
            d->gh.flags = b[3];
        } else if (part == GH_XLEN) {
            if (d->gh.have < 2) continue;
            d->gh.skip = b[0] | (size_t)b[1] << 8;
            if (d->gh.skip) {
                d->gh.part = GH_EXTRA;
                d->gh.have = 0;
                continue;
            }
        } else if (part == GH_EXTRA) {
            if ((d->gh.skip -= n)) continue;
        } else if (part == GH_NAME || part == GH_COMMENT) {
            if ((*in)[-1] != 0) continue;
        } else if (part == GH_HCRC) {
            if (d->gh.have < 2) continue;
            if ((d->gh.crc & 0xffff) != (b[0] | (unsigned)b[1] << 8)) {
                return err_set(err, errlen, "gzip header checksum mismatch");
            }
        }
        d->gh.part = gh_next(d->gh.flags, part);
        d->gh.have = 0;
    }
    return 1;
}

static const char *isal_msg(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
    case ISAL_INCORRECT_CHECKSUM: return "gzip checksum mismatch (CRC-32 or length of the member's data)";
    case ISAL_NEED_DICT: return "needs a dictionary";
    default: return "corrupt data";
    }
}
#endif

static long dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap,
                    char *err, size_t errlen);

long in_dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap, char *err,
                size_t errlen)
{
    size_t before = *inlen;
    long n = dec_run(d, in, inlen, out, outcap, err, errlen);
    if (n == 0 && before && *inlen == before && outcap) {
        return err_set(err, errlen, "corrupt data (the decoder makes no progress)");
    }
    return n;
}

static long dec_zlib(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap,
                     char *err, size_t errlen)
{
    size_t produced = 0;
    while (produced < outcap) {
        if (!*inlen && !d->member_open) break;
        d->member_open = 1;
        size_t chunk = *inlen > UINT32_MAX ? UINT32_MAX : *inlen;
        size_t oc = outcap - produced > UINT32_MAX ? UINT32_MAX : outcap - produced;
        d->u.z.next_in = (Bytef *)*in;
        d->u.z.avail_in = (uInt)chunk;
        d->u.z.next_out = out + produced;
        d->u.z.avail_out = (uInt)oc;
        int rc = inflate(&d->u.z, Z_NO_FLUSH);
        size_t used = chunk - d->u.z.avail_in, made = oc - d->u.z.avail_out;
        *in += used;
        *inlen -= used;
        produced += made;
        if (rc == Z_STREAM_END) {
            inflateReset(&d->u.z);
            d->member_open = 0;
            d->members++;
            continue;
        }
        if (rc == Z_BUF_ERROR) break;
        if (rc != Z_OK) {
            /* zlib fails on a wrong magic after reading exactly its two bytes */
            if (rc == Z_DATA_ERROR && d->members && d->u.z.total_in <= 2)
                err_set(err, errlen, "trailing garbage after gzip member %lu (not a gzip header)", d->members);
            else err_set(err, errlen, "%s", d->u.z.msg ? d->u.z.msg : "corrupt data");
            return -1;
        }
        if (!used && !made) break;
    }
    return (long)produced;
}

#ifdef HAVE_ISAL
static long dec_isal(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap,
                     char *err, size_t errlen)
{
    size_t produced = 0;
    while (produced < outcap) {
        if (!*inlen && !d->member_open) break;
        if (!d->member_open) {
            memset(&d->gh, 0, sizeof d->gh);
            isal_inflate_reset(&d->u.isal);
            d->u.isal.crc_flag = ISAL_GZIP_NO_HDR_VER; /* deflate data, then the trailer is checked */
            d->member_open = 1;
        }
        if (d->gh.part != GH_DONE) {
            int h = gz_read_header(d, in, inlen, err, errlen);
            if (h < 0) return -1;
            if (h == 0) break; /* needs more input */
        }
        size_t chunk = *inlen > UINT32_MAX ? UINT32_MAX : *inlen;
        d->u.isal.next_in = (uint8_t *)*in;
        d->u.isal.avail_in = (uint32_t)chunk;
        d->u.isal.next_out = out + produced;
        size_t oc = outcap - produced > UINT32_MAX ? UINT32_MAX : outcap - produced;
        d->u.isal.avail_out = (uint32_t)oc;
        int rc = isal_inflate(&d->u.isal);
        /* on some corrupt input ISA-L fails with next_in/avail_in rewound past the input it
           was given (avail_in 26 -> 2^32-1): never trust counts outside this call's buffers */
        if (d->u.isal.avail_in > chunk || d->u.isal.avail_out > oc) return err_set(err, errlen, "%s", isal_msg(rc));
        size_t used = chunk - d->u.isal.avail_in, made = oc - d->u.isal.avail_out;
        *in += used;
        *inlen -= used;
        produced += made;
        if (rc < 0) return err_set(err, errlen, "%s", isal_msg(rc));
        if (d->u.isal.block_state == ISAL_BLOCK_FINISH) {
            d->member_open = 0;
            d->members++;
            continue;
        }
        if (!used && !made) break; /* needs more input */
    }
    return (long)produced;
}
#endif

static long dec_zstd(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap,
                     char *err, size_t errlen)
{
    size_t produced = 0;
    while (produced < outcap) {
        if (!*inlen && !d->member_open) break; /* a finished frame holds no output */
        ZSTD_inBuffer ib = {*in, *inlen, 0};
        ZSTD_outBuffer ob = {out + produced, outcap - produced, 0};
        size_t rc = ZSTD_decompressStream(d->zd, &ob, &ib);
        *in += ib.pos;
        *inlen -= ib.pos;
        produced += ob.pos;
        if (ZSTD_isError(rc)) {
            if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
                err_set(err, errlen,
                        "the zstd window is larger than %u MiB (made with --long=%d or more): "
                        "decompress it with 'zstd -d --memory=2048MB' first, or recompress with --long=%d",
                        1u << (IN_ZSTD_WINDOW_LOG - 20), IN_ZSTD_WINDOW_LOG + 1, IN_ZSTD_WINDOW_LOG);
            else err_set(err, errlen, "%s", ZSTD_getErrorName(rc));
            return -1;
        }
        if (!ib.pos && !ob.pos) break;
        d->zlast = rc;
        d->member_open = rc != 0;
        if (!*inlen && ob.pos < ob.size) break;
    }
    return (long)produced;
}

static long dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap,
                    char *err, size_t errlen)
{
    if (d->comp == IN_GZIP && d->backend == IN_BACKEND_ZLIB) return dec_zlib(d, in, inlen, out, outcap, err, errlen);
#ifdef HAVE_ISAL
    if (d->comp == IN_GZIP) return dec_isal(d, in, inlen, out, outcap, err, errlen);
#endif
    if (d->comp == IN_ZSTD) return dec_zstd(d, in, inlen, out, outcap, err, errlen);
    /* plain */
    size_t n = *inlen < outcap ? *inlen : outcap;
    memcpy(out, *in, n);
    *in += n;
    *inlen -= n;
    return (long)n;
}

int in_dec_finish(struct in_dec *d, char *err, size_t errlen)
{
    if (d->comp == IN_NONE) return 0;
    if (d->member_open) {
        return err_set(err, errlen, "unexpected end of data (truncated file?)");
    }
    return 0;
}
