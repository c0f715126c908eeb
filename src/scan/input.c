/* input.c — compression detection and streaming decoders (gzip: ISA-L igzip when built
 * with HAVE_ISAL, zlib otherwise; zstd). Multi-member gzip files are decoded member after
 * member; zstd frames follow each other natively; a stream that ends inside a member/frame
 * is reported as truncated. */
#include "scan/scan_int.h"
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
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) { *comp = IN_GZIP; return 0; }
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) { *comp = IN_ZSTD; return 0; }
    if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18) { *comp = IN_ZSTD; return 0; }
    const char *name = NULL;
    if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6)) name = "xz";
    else if (n >= 3 && !memcmp(p, "BZh", 3)) name = "bzip2";
    else if (n >= 4 && !memcmp(p, "\x04\x22\x4d\x18", 4)) name = "lz4";
    else if (n >= 4 && !memcmp(p, "PK\x03\x04", 4)) name = "zip";
    else if (n >= 2 && p[0] == 0x1f && p[1] == 0x9d) name = "compress (.Z)";
    if (name) {
        snprintf(err, errlen, "%s compression is not supported (decompress it first, or use gzip or zstd)", name);
        return -1;
    }
    return 0;
}

struct in_dec {
    int comp;
    int member_open;        /* inside a gzip member / zstd frame */
    size_t zlast;           /* zstd: last hint (0 = frame complete) */
#ifdef HAVE_ISAL
    struct inflate_state isal;
#else
    z_stream z;
#endif
    ZSTD_DCtx *zd;
};

struct in_dec *in_dec_new(int comp)
{
    struct in_dec *d = xcalloc(1, sizeof *d);
    d->comp = comp;
    if (comp == IN_GZIP) {
#ifdef HAVE_ISAL
        isal_inflate_init(&d->isal);
        d->isal.crc_flag = ISAL_GZIP;
#else
        if (inflateInit2(&d->z, 15 + 16) != Z_OK) { free(d); return NULL; }
#endif
    } else if (comp == IN_ZSTD) {
        d->zd = ZSTD_createDCtx();
        if (!d->zd) { free(d); return NULL; }
        /* the window is memory the decoder fills: at most 2^IN_ZSTD_WINDOW_LOG bytes, as the
         * zstd tool itself allows without --memory (files made with --long=28 or more are refused) */
        ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, IN_ZSTD_WINDOW_LOG);
    }
    return d;
}

void in_dec_free(struct in_dec *d)
{
    if (!d) return;
#ifndef HAVE_ISAL
    if (d->comp == IN_GZIP) inflateEnd(&d->z);
#endif
    if (d->zd) ZSTD_freeDCtx(d->zd);
    free(d);
}

#ifdef HAVE_ISAL
static const char *isal_msg(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header (trailing garbage?)";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported gzip method";
    case ISAL_INCORRECT_CHECKSUM: return "gzip checksum mismatch";
    case ISAL_NEED_DICT: return "needs a dictionary";
    default: return "corrupt data";
    }
}
#endif

static long dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen,
                    unsigned char *out, size_t outcap, char *err, size_t errlen);

long in_dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen,
                unsigned char *out, size_t outcap, char *err, size_t errlen)
{
    size_t before = *inlen;
    long n = dec_run(d, in, inlen, out, outcap, err, errlen);
    if (n == 0 && before && *inlen == before && outcap) {
        snprintf(err, errlen, "corrupt data (the decoder makes no progress)");
        return -1;
    }
    return n;
}

static long dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen,
                    unsigned char *out, size_t outcap, char *err, size_t errlen)
{
    size_t produced = 0;
    if (d->comp == IN_GZIP) {
#ifdef HAVE_ISAL
        while (produced < outcap) {
            if (!*inlen && !d->member_open) break;
            if (!d->member_open) {
                if (d->isal.block_state == ISAL_BLOCK_FINISH) {
                    isal_inflate_reset(&d->isal);
                    d->isal.crc_flag = ISAL_GZIP;
                }
                d->member_open = 1;
            }
            size_t chunk = *inlen > UINT32_MAX ? UINT32_MAX : *inlen;
            d->isal.next_in = (uint8_t *)*in;
            d->isal.avail_in = (uint32_t)chunk;
            d->isal.next_out = out + produced;
            size_t oc = outcap - produced > UINT32_MAX ? UINT32_MAX : outcap - produced;
            d->isal.avail_out = (uint32_t)oc;
            int rc = isal_inflate(&d->isal);
            /* on some corrupt input ISA-L fails with next_in/avail_in rewound past the input it
               was given (avail_in 26 -> 2^32-1): never trust counts outside this call's buffers */
            if (d->isal.avail_in > chunk || d->isal.avail_out > oc) {
                snprintf(err, errlen, "%s", isal_msg(rc));
                return -1;
            }
            size_t used = chunk - d->isal.avail_in, made = oc - d->isal.avail_out;
            *in += used; *inlen -= used;
            produced += made;
            if (rc < 0) { snprintf(err, errlen, "%s", isal_msg(rc)); return -1; }
            if (d->isal.block_state == ISAL_BLOCK_FINISH) { d->member_open = 0; continue; }
            if (!used && !made) break;   /* needs more input */
        }
#else
        while (produced < outcap) {
            if (!*inlen && !d->member_open) break;
            if (!d->member_open) d->member_open = 1;
            size_t chunk = *inlen > UINT32_MAX ? UINT32_MAX : *inlen;
            size_t oc = outcap - produced > UINT32_MAX ? UINT32_MAX : outcap - produced;
            d->z.next_in = (Bytef *)*in;
            d->z.avail_in = (uInt)chunk;
            d->z.next_out = out + produced;
            d->z.avail_out = (uInt)oc;
            int rc = inflate(&d->z, Z_NO_FLUSH);
            size_t used = chunk - d->z.avail_in, made = oc - d->z.avail_out;
            *in += used; *inlen -= used;
            produced += made;
            if (rc == Z_STREAM_END) { inflateReset(&d->z); d->member_open = 0; continue; }
            if (rc == Z_BUF_ERROR) break;
            if (rc != Z_OK) {
                snprintf(err, errlen, "%s", d->z.msg ? d->z.msg : "corrupt data");
                return -1;
            }
            if (!used && !made) break;
        }
#endif
        return (long)produced;
    }
    if (d->comp == IN_ZSTD) {
        while (produced < outcap) {
            if (!*inlen && !d->member_open) break;   /* a finished frame holds no output */
            ZSTD_inBuffer ib = {*in, *inlen, 0};
            ZSTD_outBuffer ob = {out + produced, outcap - produced, 0};
            size_t rc = ZSTD_decompressStream(d->zd, &ob, &ib);
            *in += ib.pos; *inlen -= ib.pos;
            produced += ob.pos;
            if (ZSTD_isError(rc)) {
                if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
                    snprintf(err, errlen, "the zstd window is larger than %u MiB (made with --long=%d or more): "
                             "decompress it with 'zstd -d --memory=2048MB' first, or recompress with --long=%d",
                             1u << (IN_ZSTD_WINDOW_LOG - 20), IN_ZSTD_WINDOW_LOG + 1, IN_ZSTD_WINDOW_LOG);
                else snprintf(err, errlen, "%s", ZSTD_getErrorName(rc));
                return -1;
            }
            if (!ib.pos && !ob.pos) break;
            d->zlast = rc;
            d->member_open = rc != 0;
            if (!*inlen && ob.pos < ob.size) break;
        }
        return (long)produced;
    }
    /* plain */
    size_t n = *inlen < outcap ? *inlen : outcap;
    memcpy(out, *in, n);
    *in += n; *inlen -= n;
    return (long)n;
}

int in_dec_finish(struct in_dec *d, char *err, size_t errlen)
{
    if (d->comp == IN_NONE) return 0;
    if (d->member_open) {
        snprintf(err, errlen, "unexpected end of data (truncated file?)");
        return -1;
    }
    return 0;
}
