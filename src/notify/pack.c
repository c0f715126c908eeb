/* pack.c — the stored form of a notice (see pack.h). */
#include "notify/pack.h"
#include "register/outbox.h"
#include "util/err.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* The parts record ("parts1"), little-endian:
 *   "KTP1", date (8 bytes, two's complement), number of extra headers (4 bytes), then strings
 *   as length (4 bytes; ABSENT = NULL, SAME_AS_TEXT for notice_txt) + bytes: from name, from
 *   address, reply-to name, reply-to address, to name, to address, subject, Message-ID, each
 *   extra header's name and value, minisig, html, text, notice_txt.
 * The fixed, repeated parts come first so that the dictionary (the record of a sample notice)
 * matches them; compressing it takes about a kilobyte per notice. */
#define REC_MAGIC "KTP1"
#define REC_MAX_EXTRA 16
#define REC_MAX ((size_t)64 << 20)
#define ABSENT 0xFFFFFFFFu
#define SAME_AS_TEXT 0xFFFFFFFEu
/* zstd level -2 against the dictionary: as small as level 1 here (~0.6 KB a notice), faster */
#define PACK_LEVEL (-2)

static void put32(struct buf *b, uint32_t v, int *bad)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    *bad |= buf_add(b, x, 4);
}

static void put_str(struct buf *b, const char *s, size_t n, int *bad)
{
    if (!s) {
        put32(b, ABSENT, bad);
        return;
    }
    if (n >= SAME_AS_TEXT) {
        *bad = 1;
        return;
    }
    put32(b, (uint32_t)n, bad);
    *bad |= buf_add(b, s, n);
}

int pack_record(const struct mime_notice *m, struct buf *out)
{
    int bad = 0;
    buf_reset(out);
    if (m->n_extra > REC_MAX_EXTRA) return -1;
    bad |= buf_add(out, REC_MAGIC, 4);
    uint64_t d = (uint64_t)m->date;
    put32(out, (uint32_t)d, &bad);
    put32(out, (uint32_t)(d >> 32), &bad);
    put32(out, (uint32_t)m->n_extra, &bad);
    const char *const hs[] = {m->from.name, m->from.addr, m->reply_to.name, m->reply_to.addr,
                              m->to.name,   m->to.addr,   m->subject,       m->message_id};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) put_str(out, hs[i], hs[i] ? strlen(hs[i]) : 0, &bad);
    for (size_t i = 0; i < m->n_extra; i++) {
        put_str(out, m->extra[i].name, m->extra[i].name ? strlen(m->extra[i].name) : 0, &bad);
        put_str(out, m->extra[i].value, m->extra[i].value ? strlen(m->extra[i].value) : 0, &bad);
    }
    put_str(out, m->minisig, m->minisig_len, &bad);
    put_str(out, m->html, m->html_len, &bad);
    put_str(out, m->text, m->text_len, &bad);
    if (m->notice_txt && m->notice_txt == m->text && m->notice_txt_len == m->text_len) put32(out, SAME_AS_TEXT, &bad);
    else put_str(out, m->notice_txt, m->notice_txt_len, &bad);
    return bad ? -1 : 0;
}

/* the parsed record: strings point into the (NUL-separated) copy in mem */
struct record {
    struct mime_notice m;
    struct mime_header extra[REC_MAX_EXTRA];
    char *mem;
};

static int get32(const unsigned char *p, size_t n, size_t *pos, uint32_t *v)
{
    if (n - *pos < 4) return -1;
    p += *pos;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    *pos += 4;
    return 0;
}

/* a string of the record, copied NUL-terminated into mem at *mpos; *out NULL when absent */
static int get_str(const unsigned char *p, size_t n, size_t *pos, char *mem, size_t *mpos, const char **out,
                   size_t *len, int allow_same)
{
    uint32_t l;
    if (get32(p, n, pos, &l)) return -1;
    if (l == ABSENT) {
        *out = NULL;
        if (len) *len = 0;
        return 0;
    }
    if (l == SAME_AS_TEXT) {
        if (!allow_same) return -1;
        *out = NULL;
        if (len) *len = SAME_AS_TEXT;
        return 0;
    }
    if (l > n - *pos) return -1;
    memcpy(mem + *mpos, p + *pos, l);
    mem[*mpos + l] = 0;
    *out = mem + *mpos;
    if (len) *len = l;
    else if (memchr(p + *pos, 0, l)) return -1; /* header strings are C strings */
    *pos += l;
    *mpos += (size_t)l + 1;
    return 0;
}

static int record_parse(const unsigned char *p, size_t n, struct record *rec)
{
    memset(rec, 0, sizeof *rec);
    size_t pos = 4, mpos = 0;
    uint32_t lo, hi, nx;
    if (n < 16 || memcmp(p, REC_MAGIC, 4) || get32(p, n, &pos, &lo) || get32(p, n, &pos, &hi) ||
        get32(p, n, &pos, &nx) || nx > REC_MAX_EXTRA)
        return -1;
    rec->m.date = (int64_t)((uint64_t)hi << 32 | lo);
    rec->mem = malloc(n + 64); /* every string plus its NUL fits: each had a 4-byte length */
    if (!rec->mem) return -1;
    const char **hs[] = {&rec->m.from.name, &rec->m.from.addr, &rec->m.reply_to.name, &rec->m.reply_to.addr,
                         &rec->m.to.name,   &rec->m.to.addr,   &rec->m.subject,       &rec->m.message_id};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (get_str(p, n, &pos, rec->mem, &mpos, hs[i], NULL, 0)) goto bad;
    for (uint32_t i = 0; i < nx; i++)
        if (get_str(p, n, &pos, rec->mem, &mpos, &rec->extra[i].name, NULL, 0) ||
            get_str(p, n, &pos, rec->mem, &mpos, &rec->extra[i].value, NULL, 0))
            goto bad;
    rec->m.extra = rec->extra;
    rec->m.n_extra = nx;
    if (get_str(p, n, &pos, rec->mem, &mpos, &rec->m.minisig, &rec->m.minisig_len, 0) ||
        get_str(p, n, &pos, rec->mem, &mpos, &rec->m.html, &rec->m.html_len, 0) ||
        get_str(p, n, &pos, rec->mem, &mpos, &rec->m.text, &rec->m.text_len, 0) ||
        get_str(p, n, &pos, rec->mem, &mpos, &rec->m.notice_txt, &rec->m.notice_txt_len, 1) || pos != n)
        goto bad;
    if (rec->m.notice_txt_len == SAME_AS_TEXT) {
        rec->m.notice_txt = rec->m.text;
        rec->m.notice_txt_len = rec->m.text_len;
    }
    return 0;
bad:
    free(rec->mem);
    rec->mem = NULL;
    return -1;
}

struct pack_dict {
    ZSTD_CDict *cd;
};

struct pack_dict *pack_dict_new(const void *content, size_t len)
{
    struct pack_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->cd = ZSTD_createCDict(content, len, PACK_LEVEL);
    if (!d->cd) {
        free(d);
        return NULL;
    }
    return d;
}

void pack_dict_free(struct pack_dict *d)
{
    if (!d) return;
    ZSTD_freeCDict(d->cd);
    free(d);
}

struct packer {
    ZSTD_CCtx *cc;
    const struct pack_dict *dict;
    struct buf rec;
};

struct packer *pack_new(const struct pack_dict *d)
{
    struct packer *p = xcalloc(1, sizeof *p);
    p->cc = ZSTD_createCCtx();
    if (!p->cc) {
        free(p);
        return NULL;
    }
    p->dict = d;
    buf_init(&p->rec, REC_MAX);
    return p;
}

void pack_free(struct packer *p)
{
    if (!p) return;
    ZSTD_freeCCtx(p->cc);
    buf_release(&p->rec);
    free(p);
}

int pack_notice(struct packer *pk, const struct mime_notice *m, char **out, size_t *outlen, char *err, size_t errlen)
{
    if (pack_record(m, &pk->rec)) return err_set(err, errlen, "notice too large to store");
    size_t bound = ZSTD_compressBound(pk->rec.len);
    char *o = xmalloc(bound);
    size_t n = pk->dict ? ZSTD_compress_usingCDict(pk->cc, o, bound, pk->rec.p, pk->rec.len, pk->dict->cd)
                        : ZSTD_compressCCtx(pk->cc, o, bound, pk->rec.p, pk->rec.len, PACK_LEVEL);
    if (ZSTD_isError(n)) {
        free(o);
        return err_set(err, errlen, "compression failed: %s", ZSTD_getErrorName(n));
    }
    *out = o;
    *outlen = n;
    return 0;
}

/* decompress a frame of at most MAX bytes (its size is in the frame header) into *out (malloc'd) */
static int inflate(const void *packed, size_t len, const void *dict, size_t dictlen, size_t max, char **out, size_t *n)
{
    unsigned long long fs = ZSTD_getFrameContentSize(packed, len);
    if (fs == ZSTD_CONTENTSIZE_ERROR || fs == ZSTD_CONTENTSIZE_UNKNOWN || fs > max) return -1;
    char *tmp = malloc((size_t)fs + 1);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    size_t k = tmp && dc ? ZSTD_decompress_usingDict(dc, tmp, (size_t)fs + 1, packed, len, dict, dict ? dictlen : 0)
                         : (size_t)-1;
    ZSTD_freeDCtx(dc);
    if (!tmp || ZSTD_isError(k) || k != fs) {
        free(tmp);
        return -1;
    }
    *out = tmp;
    *n = k;
    return 0;
}

/* unpack; for parts1 also the SHA-256 of the signed text (*have_sha 1) */
static int unpack(const char *codec, const void *packed, size_t len, const void *dict, size_t dictlen, size_t want,
                  struct buf *out, uint8_t sha[32], int *have_sha, char *err, size_t errlen)
{
    char *raw = NULL;
    size_t n = 0;
    *have_sha = 0;
    buf_reset(out);
    if (codec && !strcmp(codec, "zstd")) {
        if (want > ((size_t)64 << 20) || inflate(packed, len, NULL, 0, want, &raw, &n) || n != want) {
            free(raw);
            return err_set(err, errlen, "stored message is damaged");
        }
        int rc = buf_add(out, raw, n);
        free(raw);
        if (rc) return err_set(err, errlen, "stored message too large");
        return 0;
    }
    if (!codec || strcmp(codec, "parts1")) return err_set(err, errlen, "unknown codec '%s'", codec ? codec : "");
    struct record rec;
    if (inflate(packed, len, dict, dictlen, REC_MAX, &raw, &n) || record_parse((unsigned char *)raw, n, &rec)) {
        free(raw);
        return err_set(err, errlen, "stored message is damaged");
    }
    int rc = want > out->max ? err_set(err, errlen, "stored message too large")
                             : mime_build_notice(&rec.m, out, err, errlen);
    if (!rc && out->len != want)
        rc = err_set(err, errlen, "rebuilt message differs from the one made (%zu bytes, not %zu)", out->len, want);
    if (!rc && rec.m.notice_txt) {
        sha256_hash(rec.m.notice_txt, rec.m.notice_txt_len, sha);
        *have_sha = 1;
    }
    free(rec.mem);
    free(raw);
    return rc;
}

int pack_unpack(const char *codec, const void *packed, size_t len, const void *dict, size_t dictlen, size_t want,
                struct buf *out, char *err, size_t errlen)
{
    uint8_t sha[32];
    int have;
    return unpack(codec, packed, len, dict, dictlen, want, out, sha, &have, err, errlen);
}

int pack_message(reg *r, int64_t row, struct buf *out)
{
    struct outbox_stored st;
    int rc = outbox_stored_get(r, row, &st);
    if (rc) return rc;
    char err[200], hex[65];
    uint8_t sha[32];
    int have = 0;
    if (st.message_len < 0 || unpack(st.codec, st.packed, st.packed_len, st.dict, st.dict_len, (size_t)st.message_len,
                                     out, sha, &have, err, sizeof err)) {
        if (st.message_len < 0) err_set(err, sizeof err, "bad length");
        rc = reg_fail(r, 1, "the stored message of notice %lld cannot be read: %s", (long long)row, err);
    } else if (have) {
        sha256_to_hex(sha, hex);
        if (!st.text_sha256 || strcmp(hex, st.text_sha256))
            rc = reg_fail(r, 1, "the stored message of notice %lld does not hold the text it was signed with",
                          (long long)row);
    }
    outbox_stored_release(&st);
    return rc;
}
