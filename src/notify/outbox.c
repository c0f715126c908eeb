/* outbox.c — approvals, notices and their outbox in the register (see outbox.h). */
#include "notify/outbox.h"
#include "sign/code.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include "register/db.h"   /* transitional: until this file's SQL moves into src/register/ (issue 13) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

static const char *const state_names[OB_NSTATES] = {
    "queued", "sending", "sent", "failed", "written", "cancelled", "superseded",
};

const char *outbox_state_name(enum outbox_state s)
{
    return (unsigned)s < OB_NSTATES ? state_names[s] : "?";
}

int outbox_state_parse(const char *s)
{
    for (int i = 0; s && i < OB_NSTATES; i++)
        if (!strcmp(state_names[i], s)) return i;
    return -1;
}

static char *dup_col(db_stmt *s, int i)
{
    const char *t = db_col_text(s, i);
    return t ? xstrdup(t) : NULL;
}

/* ---------------------------------------------------------------- approvals */

void notice_approval_release(struct notice_approval *a)
{
    free(a->actor);
    free(a->by);
    free(a->sha256);
    free(a->templates);
    free(a->manifest);
    memset(a, 0, sizeof *a);
}

int outbox_approve(reg *r, const struct incident *inc, const char *by, const char *sha256,
                   int64_t model_version, const char *templates, const char *manifest, int64_t *seq)
{
    db *d = reg_db(r);
    int64_t n = 0;
    int found, rc;
    db_stmt *s = db_prepare(d, "SELECT coalesce(max(seq), 0) + 1 FROM notice_approval WHERE incident_id = ?");
    if (!s || db_bind_int(s, 1, inc->id) || db_step(s) != DB_ROW) return reg_dberr(r);
    n = db_col_int(s, 0);
    db_reset(s);
    (void)found;
    s = db_prepare(d, "INSERT INTO notice_approval(incident_id, seq, created_at, actor, approved_by, content_sha256, "
                      "model_version, templates, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, inc->id) || db_bind_int(s, 2, n) || db_bind_int(s, 3, reg_now(r)) ||
        db_bind_text(s, 4, reg_actor(r)) || db_bind_text(s, 5, by) || db_bind_text(s, 6, sha256) ||
        db_bind_int(s, 7, model_version) || db_bind_text(s, 8, templates) || db_bind_text(s, 9, manifest) ||
        db_step(s) != DB_DONE)
        return reg_dberr(r);
    char text[400];
    snprintf(text, sizeof text, "Notice content approved by %s (approval #%lld): SHA-256 %.16s…, data model %lld, %s templates",
             by, (long long)n, sha256, (long long)model_version, templates);
    if ((rc = incident_event_add(r, inc, reg_now(r), "communication", text, 0, NULL))) return rc;
    char nv[160];
    snprintf(nv, sizeof nv, "#%lld %s by %s", (long long)n, sha256, by);
    if ((rc = reg_audit(r, inc->ref, "notify.approve", "notice_content", NULL, nv))) return rc;
    if (seq) *seq = n;
    return 0;
}

int outbox_approval_latest(reg *r, const struct incident *inc, struct notice_approval *a, int *found)
{
    memset(a, 0, sizeof *a);
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT id, seq, created_at, model_version, actor, approved_by, content_sha256, "
                                       "templates, manifest FROM notice_approval WHERE incident_id = ? "
                                       "ORDER BY seq DESC LIMIT 1");
    if (!s || db_bind_int(s, 1, inc->id)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        a->id = db_col_int(s, 0);
        a->seq = db_col_int(s, 1);
        a->created_at = db_col_int(s, 2);
        a->model_version = db_col_int(s, 3);
        a->actor = dup_col(s, 4);
        a->by = dup_col(s, 5);
        a->sha256 = dup_col(s, 6);
        a->templates = dup_col(s, 7);
        a->manifest = dup_col(s, 8);
        *found = 1;
    }
    db_reset(s);
    return 0;
}

/* ---------------------------------------------------------------- notices */

void outbox_live_free(struct outbox_live *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++) { free(l[i].subject); free(l[i].rcpt); }
    free(l);
}

int outbox_live_list(reg *r, int64_t incident_id, struct outbox_live **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r),
        "SELECT n.id, n.seq, n.approval_id, n.scan_id, n.import_id, o.attempts, o.state, o.permanent, n.subject, n.rcpt "
        "FROM notice n JOIN outbox o ON o.notice = n.id "
        "WHERE n.incident_id = ? AND o.state <> 'superseded' ORDER BY n.subject, n.seq");
    if (!s || db_bind_int(s, 1, incident_id)) return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) { cap = cap ? cap * 2 : 256; *out = xrealloc(*out, cap * sizeof **out); }
        struct outbox_live *l = &(*out)[(*n)++];
        l->row = db_col_int(s, 0);
        l->seq = db_col_int(s, 1);
        l->approval_id = db_col_int(s, 2);
        l->scan_id = db_col_int(s, 3);
        l->import_id = db_col_int(s, 4);
        l->attempts = db_col_int(s, 5);
        int st = outbox_state_parse(db_col_text(s, 6));
        l->state = st < 0 ? OB_QUEUED : (enum outbox_state)st;
        l->permanent = (int)db_col_int(s, 7);
        l->subject = dup_col(s, 8);
        l->rcpt = dup_col(s, 9);
    }
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int outbox_max_seq(reg *r, int64_t incident_id, int64_t *seq)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT coalesce(max(seq), 0) FROM notice WHERE incident_id = ?");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    *seq = db_col_int(s, 0);
    db_reset(s);
    return 0;
}

static int add_event(reg *r, int64_t row, int64_t at, const char *state, int64_t attempt, const char *reply)
{
    db_stmt *s = db_prepare(reg_db(r), "INSERT INTO notice_event(notice, at, state, attempt, reply) VALUES (?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, row) || db_bind_int(s, 2, at) || db_bind_text(s, 3, state) || db_bind_int(s, 4, attempt) ||
        db_bind_text(s, 5, reply) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    return 0;
}

int outbox_add(reg *r, int64_t incident_id, int64_t approval_id, int64_t scan_id, int64_t import_id,
               int64_t at, const struct outbox_new *nn, enum outbox_state state, int64_t *row)
{
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d,
        "INSERT INTO notice(incident_id, seq, notice_id, subject, created_at, approval_id, scan_id, import_id, lang, rcpt, "
        "rcpt_masked, code_hash, message_id, text_sha256, message, message_len, message_codec, dict_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'parts1', ?) RETURNING id");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, nn->seq) || db_bind_text(s, 3, nn->notice_id) ||
        db_bind_text(s, 4, nn->subject) || db_bind_int(s, 5, at) || db_bind_int(s, 6, approval_id) ||
        db_bind_int(s, 7, scan_id) || db_bind_int(s, 8, import_id) || db_bind_text(s, 9, nn->lang) ||
        db_bind_text(s, 10, nn->rcpt) || db_bind_text(s, 11, nn->rcpt_masked) ||
        db_bind_blob(s, 12, nn->code_hash, sizeof nn->code_hash) || db_bind_text(s, 13, nn->message_id) ||
        db_bind_text(s, 14, nn->text_sha256) || db_bind_blob(s, 15, nn->packed, nn->packed_len) ||
        db_bind_int(s, 16, (int64_t)nn->message_len) ||
        (nn->dict_id ? db_bind_int(s, 17, nn->dict_id) : db_bind_null(s, 17)) || db_step(s) != DB_ROW)
        return reg_dberr(r);
    int64_t id = db_col_int(s, 0);
    if (db_step(s) != DB_DONE) return reg_dberr(r);
    s = db_prepare(d, "INSERT INTO outbox(notice, incident_id, state, updated_at) VALUES (?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, id) || db_bind_int(s, 2, incident_id) || db_bind_text(s, 3, state_names[state]) ||
        db_bind_int(s, 4, at) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    if (row) *row = id;
    return 0;
}

int outbox_set_state(reg *r, int64_t row, int from, enum outbox_state to, int64_t at, int attempt_inc,
                     const char *reply, int permanent, int64_t next_at)
{
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d,
        "UPDATE outbox SET state = ?, attempts = attempts + ?, permanent = ?, next_at = ?, updated_at = ?, "
        "reply = coalesce(?, reply), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
        "WHERE notice = ? AND (? = '' OR state = ?) RETURNING attempts");
    const char *fs = from >= 0 && from < OB_NSTATES ? state_names[from] : "";
    if (!s || db_bind_text(s, 1, state_names[to]) || db_bind_int(s, 2, attempt_inc) || db_bind_int(s, 3, permanent) ||
        db_bind_int(s, 4, next_at) || db_bind_int(s, 5, at) || db_bind_text(s, 6, reply) ||
        db_bind_text(s, 7, state_names[to]) || db_bind_int(s, 8, at) || db_bind_int(s, 9, row) ||
        db_bind_text(s, 10, fs) || db_bind_text(s, 11, fs))
        return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc != DB_ROW) { db_reset(s); return reg_fail(r, 1, "notice %lld is no longer '%s'", (long long)row, fs); }
    int64_t attempts = db_col_int(s, 0);
    db_reset(s);
    return add_event(r, row, at, state_names[to], attempts, reply);
}

/* ---------------------------------------------------------------- messages */

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
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    *bad |= buf_add(b, x, 4);
}

static void put_str(struct buf *b, const char *s, size_t n, int *bad)
{
    if (!s) { put32(b, ABSENT, bad); return; }
    if (n >= SAME_AS_TEXT) { *bad = 1; return; }
    put32(b, (uint32_t)n, bad);
    *bad |= buf_add(b, s, n);
}

int outbox_record(const struct mime_notice *m, struct buf *out)
{
    int bad = 0;
    buf_reset(out);
    if (m->n_extra > REC_MAX_EXTRA) return -1;
    bad |= buf_add(out, REC_MAGIC, 4);
    uint64_t d = (uint64_t)m->date;
    put32(out, (uint32_t)d, &bad);
    put32(out, (uint32_t)(d >> 32), &bad);
    put32(out, (uint32_t)m->n_extra, &bad);
    const char *const hs[] = {m->from.name, m->from.addr, m->reply_to.name, m->reply_to.addr, m->to.name, m->to.addr,
                              m->subject, m->message_id};
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
    if (l == ABSENT) { *out = NULL; if (len) *len = 0; return 0; }
    if (l == SAME_AS_TEXT) { if (!allow_same) return -1; *out = NULL; if (len) *len = SAME_AS_TEXT; return 0; }
    if (l > n - *pos) return -1;
    memcpy(mem + *mpos, p + *pos, l);
    mem[*mpos + l] = 0;
    *out = mem + *mpos;
    if (len) *len = l;
    else if (memchr(p + *pos, 0, l)) return -1;      /* header strings are C strings */
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
    rec->mem = malloc(n + 64);                    /* every string plus its NUL fits: each had a 4-byte length */
    if (!rec->mem) return -1;
    const char **hs[] = {&rec->m.from.name, &rec->m.from.addr, &rec->m.reply_to.name, &rec->m.reply_to.addr,
                         &rec->m.to.name, &rec->m.to.addr, &rec->m.subject, &rec->m.message_id};
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
    if (rec->m.notice_txt_len == SAME_AS_TEXT) { rec->m.notice_txt = rec->m.text; rec->m.notice_txt_len = rec->m.text_len; }
    return 0;
bad:
    free(rec->mem);
    rec->mem = NULL;
    return -1;
}

struct outbox_dict {
    ZSTD_CDict *cd;
};

struct outbox_dict *outbox_dict_new(const void *content, size_t len)
{
    struct outbox_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->cd = ZSTD_createCDict(content, len, PACK_LEVEL);
    if (!d->cd) { free(d); return NULL; }
    return d;
}

void outbox_dict_free(struct outbox_dict *d)
{
    if (!d) return;
    ZSTD_freeCDict(d->cd);
    free(d);
}

int outbox_dict_store(reg *r, int64_t incident_id, int64_t at, const void *content, size_t len, int64_t *id)
{
    uint8_t h[32];
    char hex[65];
    sha256_hash(content, len, h);
    sha256_to_hex(h, hex);
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d, "SELECT id FROM notice_dict WHERE sha256 = ?");
    if (!s || db_bind_text(s, 1, hex)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) { *id = db_col_int(s, 0); db_reset(s); return 0; }
    s = db_prepare(d, "INSERT INTO notice_dict(incident_id, created_at, sha256, content) VALUES (?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, at) || db_bind_text(s, 3, hex) ||
        db_bind_blob(s, 4, content, len) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    int found;
    if (db_query_int(d, "SELECT last_insert_rowid()", NULL, id, &found) || !found) return reg_dberr(r);
    return 0;
}

struct outbox_packer {
    ZSTD_CCtx *cc;
    const struct outbox_dict *dict;
    struct buf rec;
};

struct outbox_packer *outbox_packer_new(const struct outbox_dict *d)
{
    struct outbox_packer *p = xcalloc(1, sizeof *p);
    p->cc = ZSTD_createCCtx();
    if (!p->cc) { free(p); return NULL; }
    p->dict = d;
    buf_init(&p->rec, REC_MAX);
    return p;
}

void outbox_packer_free(struct outbox_packer *p)
{
    if (!p) return;
    ZSTD_freeCCtx(p->cc);
    buf_release(&p->rec);
    free(p);
}

int outbox_pack_notice(struct outbox_packer *pk, const struct mime_notice *m, char **out, size_t *outlen,
                       char *err, size_t errlen)
{
    if (outbox_record(m, &pk->rec)) { snprintf(err, errlen, "notice too large to store"); return -1; }
    size_t bound = ZSTD_compressBound(pk->rec.len);
    char *o = xmalloc(bound);
    size_t n = pk->dict ? ZSTD_compress_usingCDict(pk->cc, o, bound, pk->rec.p, pk->rec.len, pk->dict->cd)
                        : ZSTD_compressCCtx(pk->cc, o, bound, pk->rec.p, pk->rec.len, PACK_LEVEL);
    if (ZSTD_isError(n)) {
        free(o);
        snprintf(err, errlen, "compression failed: %s", ZSTD_getErrorName(n));
        return -1;
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
    if (!tmp || ZSTD_isError(k) || k != fs) { free(tmp); return -1; }
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
            snprintf(err, errlen, "stored message is damaged");
            return -1;
        }
        int rc = buf_add(out, raw, n);
        free(raw);
        if (rc) { snprintf(err, errlen, "stored message too large"); return -1; }
        return 0;
    }
    if (!codec || strcmp(codec, "parts1")) { snprintf(err, errlen, "unknown codec '%s'", codec ? codec : ""); return -1; }
    struct record rec;
    if (inflate(packed, len, dict, dictlen, REC_MAX, &raw, &n) || record_parse((unsigned char *)raw, n, &rec)) {
        free(raw);
        snprintf(err, errlen, "stored message is damaged");
        return -1;
    }
    struct mime_buf mb;
    mime_buf_init(&mb, MIME_MSG_MAX);
    int rc = mime_build_notice(&rec.m, &mb, err, errlen);
    if (!rc && mb.len != want) { snprintf(err, errlen, "rebuilt message differs from the one made (%zu bytes, not %zu)", mb.len, want); rc = -1; }
    if (!rc && rec.m.notice_txt) { sha256_hash(rec.m.notice_txt, rec.m.notice_txt_len, sha); *have_sha = 1; }
    if (!rc && buf_add(out, mb.p, mb.len)) { snprintf(err, errlen, "stored message too large"); rc = -1; }
    mime_buf_release(&mb);
    free(rec.mem);
    free(raw);
    return rc;
}

int outbox_unpack(const char *codec, const void *packed, size_t len, const void *dict, size_t dictlen, size_t want,
                  struct buf *out, char *err, size_t errlen)
{
    uint8_t sha[32];
    int have;
    return unpack(codec, packed, len, dict, dictlen, want, out, sha, &have, err, errlen);
}

int outbox_message(reg *r, int64_t row, struct buf *out)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT n.message, n.message_len, n.message_codec, d.content, n.text_sha256 "
                                       "FROM notice n LEFT JOIN notice_dict d ON d.id = n.dict_id WHERE n.id = ?");
    if (!s || db_bind_int(s, 1, row)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc != DB_ROW) { db_reset(s); return reg_fail(r, 1, "no notice %lld", (long long)row); }
    size_t n = 0, dn = 0;
    const void *p = db_col_blob(s, 0, &n);
    int64_t want = db_col_int(s, 1);
    const char *codec = db_col_text(s, 2);
    const void *dict = db_col_blob(s, 3, &dn);
    const char *tsha = db_col_text(s, 4);
    char err[200], hex[65];
    uint8_t sha[32];
    int have = 0;
    if (want < 0 || unpack(codec, p, n, dict, dn, (size_t)want, out, sha, &have, err, sizeof err)) {
        if (want < 0) snprintf(err, sizeof err, "bad length");
        db_reset(s);
        return reg_fail(r, 1, "the stored message of notice %lld cannot be read: %s", (long long)row, err);
    }
    if (have) {
        sha256_to_hex(sha, hex);
        if (!tsha || strcmp(hex, tsha)) {
            db_reset(s);
            return reg_fail(r, 1, "the stored message of notice %lld does not hold the text it was signed with", (long long)row);
        }
    }
    db_reset(s);
    return 0;
}

/* ---------------------------------------------------------------- sending */

void outbox_items_free(struct outbox_item *it, size_t n)
{
    for (size_t i = 0; it && i < n; i++) {
        free(it[i].notice_id);
        free(it[i].rcpt);
        free(it[i].rcpt_masked);
        free(it[i].message_id);
    }
    free(it);
}

static int due_query(reg *r, const char *sql, int64_t incident_id, int64_t now, int max_attempts, size_t limit,
                     struct outbox_item *out, size_t *n)
{
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, max_attempts) || db_bind_int(s, 3, now) ||
        db_bind_int(s, 4, (int64_t)(limit - *n)))
        return reg_dberr(r);
    int rc = DB_DONE;
    while (*n < limit && (rc = db_step(s)) == DB_ROW) {
        struct outbox_item *it = &out[(*n)++];
        it->row = db_col_int(s, 0);
        it->seq = db_col_int(s, 1);
        it->attempts = db_col_int(s, 2);
        int st = outbox_state_parse(db_col_text(s, 3));
        it->state = st < 0 ? OB_QUEUED : (enum outbox_state)st;
        it->notice_id = dup_col(s, 4);
        it->rcpt = dup_col(s, 5);
        it->rcpt_masked = dup_col(s, 6);
        it->message_id = dup_col(s, 7);
    }
    if (*n >= limit) rc = DB_DONE;
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int outbox_due(reg *r, int64_t incident_id, int64_t now, int max_attempts, size_t limit, struct outbox_item **out,
               size_t *n)
{
    /* queued ones first, in the order they were made (the index outbox_state gives that order
       without sorting), then transient failures whose back-off has ended */
    static const char queued[] =
        "SELECT n.id, n.seq, o.attempts, o.state, n.notice_id, n.rcpt, n.rcpt_masked, n.message_id "
        "FROM outbox o JOIN notice n ON n.id = o.notice "
        "WHERE o.incident_id = ?1 AND o.state = 'queued' ORDER BY o.notice LIMIT ?4";
    static const char failed[] =
        "SELECT n.id, n.seq, o.attempts, o.state, n.notice_id, n.rcpt, n.rcpt_masked, n.message_id "
        "FROM outbox o JOIN notice n ON n.id = o.notice "
        "WHERE o.incident_id = ?1 AND o.state = 'failed' AND o.permanent = 0 AND o.attempts < ?2 AND o.next_at <= ?3 "
        "ORDER BY o.notice LIMIT ?4";
    *n = 0;
    *out = xcalloc(limit ? limit : 1, sizeof **out);
    int rc = due_query(r, queued, incident_id, now, max_attempts, limit, *out, n);
    if (!rc && *n < limit) rc = due_query(r, failed, incident_id, now, max_attempts, limit, *out, n);
    return rc;
}

int outbox_count(reg *r, int64_t incident_id, int max_attempts, struct outbox_counts *c)
{
    memset(c, 0, sizeof *c);
    db_stmt *s = db_prepare(reg_db(r),
        "SELECT state, (state = 'failed' AND permanent = 0 AND attempts < ?), count(*), min(next_at) "
        "FROM outbox WHERE incident_id = ? GROUP BY 1, 2");
    if (!s || db_bind_int(s, 1, max_attempts) || db_bind_int(s, 2, incident_id)) return reg_dberr(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int st = outbox_state_parse(db_col_text(s, 0));
        int retry = (int)db_col_int(s, 1);
        int64_t k = db_col_int(s, 2);
        switch (st) {
        case OB_QUEUED: c->queued += k; break;
        case OB_SENDING: c->sending += k; break;
        case OB_SENT: c->sent += k; break;
        case OB_FAILED:
            if (retry) { c->failed_retry += k; c->next_retry = db_col_int(s, 3); }
            else c->failed += k;
            break;
        case OB_WRITTEN: c->written += k; break;
        case OB_CANCELLED: c->cancelled += k; break;
        case OB_SUPERSEDED: c->superseded += k; break;
        default: break;
        }
        if (st != OB_SUPERSEDED) c->total += k;
    }
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

static int bulk(reg *r, int64_t incident_id, int64_t at, const char *where, const char *to, const char *reply,
                int64_t *n)
{
    db *d = reg_db(r);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO notice_event(notice, at, state, attempt, reply) SELECT notice, ?, ?, attempts, ? FROM outbox "
             "WHERE incident_id = ? AND %s", where);
    db_stmt *s = db_prepare(d, sql);
    if (!s || db_bind_int(s, 1, at) || db_bind_text(s, 2, to) || db_bind_text(s, 3, reply) ||
        db_bind_int(s, 4, incident_id) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    snprintf(sql, sizeof sql, "UPDATE outbox SET state = ?, updated_at = ?, next_at = 0, "
                              "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, reply = coalesce(?, reply) "
                              "WHERE incident_id = ? AND %s", where);
    s = db_prepare(d, sql);
    if (!s || db_bind_text(s, 1, to) || db_bind_int(s, 2, at) || db_bind_text(s, 3, to) || db_bind_int(s, 4, at) ||
        db_bind_text(s, 5, reply) || db_bind_int(s, 6, incident_id) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    *n = db_changes(d);
    return 0;
}

int outbox_cancel(reg *r, int64_t incident_id, int64_t at, int64_t *n)
{
    return bulk(r, incident_id, at, "state IN ('queued', 'failed')", "cancelled", "cancelled by the operator", n);
}

int outbox_requeue(reg *r, int64_t incident_id, int64_t at, int64_t *n)
{
    return bulk(r, incident_id, at, "state = 'cancelled'", "queued", NULL, n);
}

int outbox_resolve(reg *r, int64_t incident_id, int64_t at, int sent, const char *why, int64_t *n)
{
    return bulk(r, incident_id, at, "state = 'sending'", sent ? "sent" : "queued", why, n);
}

/* ---------------------------------------------------------------- lookups */

void notice_info_release(struct notice_info *ni)
{
    free(ni->incident_ref);
    free(ni->notice_id);
    free(ni->subject);
    free(ni->lang);
    free(ni->rcpt_masked);
    free(ni->message_id);
    free(ni->text_sha256);
    free(ni->reply);
    memset(ni, 0, sizeof *ni);
}

#define INFO_SQL \
    "SELECT n.id, n.incident_id, n.seq, n.created_at, o.updated_at, coalesce(o.sent_at, 0), o.attempts, o.state, " \
    "i.ref, n.notice_id, n.subject, n.lang, n.rcpt_masked, n.message_id, n.text_sha256, o.reply, n.code_hash " \
    "FROM notice n JOIN outbox o ON o.notice = n.id JOIN incident i ON i.id = n.incident_id "

static int info_row(reg *r, db_stmt *s, struct notice_info *ni, int *found)
{
    memset(ni, 0, sizeof *ni);
    *found = 0;
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        ni->row = db_col_int(s, 0);
        ni->incident_id = db_col_int(s, 1);
        ni->seq = db_col_int(s, 2);
        ni->created_at = db_col_int(s, 3);
        ni->updated_at = db_col_int(s, 4);
        ni->sent_at = db_col_int(s, 5);
        ni->attempts = db_col_int(s, 6);
        int st = outbox_state_parse(db_col_text(s, 7));
        ni->state = st < 0 ? OB_QUEUED : (enum outbox_state)st;
        ni->incident_ref = dup_col(s, 8);
        ni->notice_id = dup_col(s, 9);
        ni->subject = dup_col(s, 10);
        ni->lang = dup_col(s, 11);
        ni->rcpt_masked = dup_col(s, 12);
        ni->message_id = dup_col(s, 13);
        ni->text_sha256 = dup_col(s, 14);
        ni->reply = dup_col(s, 15);
        size_t hn = 0;
        const void *h = db_col_blob(s, 16, &hn);
        if (h && hn == sizeof ni->code_hash) memcpy(ni->code_hash, h, hn);
        *found = 1;
    }
    db_reset(s);
    return 0;
}

int outbox_find_code(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found)
{
    db_stmt *s = db_prepare(reg_db(r), INFO_SQL "WHERE n.code_hash = ?");
    if (!s || db_bind_blob(s, 1, hash, 32)) return reg_dberr(r);
    int rc = info_row(r, s, ni, found);
    if (!rc && *found && !code_equal_ct(ni->code_hash, hash, 32)) { notice_info_release(ni); *found = 0; }
    return rc;
}

int outbox_find_id(reg *r, const char *notice_id, struct notice_info *ni, int *found)
{
    db_stmt *s = db_prepare(reg_db(r), INFO_SQL "WHERE n.notice_id = ?");
    if (!s || db_bind_text(s, 1, notice_id)) return reg_dberr(r);
    return info_row(r, s, ni, found);
}
