/* lookup.c — notices by code or address, and the exposure behind a notice (serve_int.h). */
#include "serve/serve_int.h"
#include "register/scans.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "register/db.h"   /* transitional: until this file's SQL moves into src/register/ (issue 13) */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define HIT_COLS "n.id, n.incident_id, i.ref, n.notice_id, n.subject, n.lang, n.rcpt, n.rcpt_masked, n.created_at, " \
                 "n.scan_id, n.import_id, n.code_hash, coalesce(o.state, ''), coalesce(o.sent_at, 0), coalesce(o.updated_at, 0) "
#define HIT_FROM "FROM notice n JOIN incident i ON i.id = n.incident_id LEFT JOIN outbox o ON o.notice = n.id "

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static void hit_fill(db_stmt *s, struct notice_hit *h)
{
    memset(h, 0, sizeof *h);
    h->row = db_col_int(s, 0);
    h->incident_id = db_col_int(s, 1);
    copy(h->incident_ref, sizeof h->incident_ref, db_col_text(s, 2));
    copy(h->notice_id, sizeof h->notice_id, db_col_text(s, 3));
    copy(h->subject, sizeof h->subject, db_col_text(s, 4));
    copy(h->lang, sizeof h->lang, db_col_text(s, 5));
    copy(h->rcpt_masked, sizeof h->rcpt_masked, db_col_text(s, 7));
    h->created_at = db_col_int(s, 8);
    h->scan_id = db_col_int(s, 9);
    h->import_id = db_col_int(s, 10);
    copy(h->state, sizeof h->state, db_col_text(s, 12));
    h->sent_at = db_col_int(s, 13);
    h->updated_at = db_col_int(s, 14);
}

static void addr_hash(const char *addr, unsigned char out[32])
{
    char norm[HTTP_FIELD_MAX];
    long n = http_email_norm(addr, norm, sizeof norm);
    if (n < 0) { memset(norm, 0, sizeof norm); n = (long)sizeof norm - 1; norm[0] = '\n'; }
    crypto_generichash(out, 32, (const unsigned char *)norm, (size_t)n, srv_g.keys->addr_key, sizeof srv_g.keys->addr_key);
}

int lookup_verify(reg *r, const char *code, const char *email, struct verify_res *v)
{
    unsigned char ch[CODE_HASH_BYTES], given[32], stored[32];
    char canon[CODE_CANON_SIZE], err[128];
    memset(v, 0, sizeof *v);
    v->with_email = email && *email;
    size_t clen = code ? strlen(code) : 0;
    if (!code || clen > CODE_INPUT_MAX || code_parse(code, clen, canon, err, sizeof err)) {
        v->bad_code = 1;
        memcpy(canon, "0000000000000000", CODE_CANON_SIZE);   /* same work below */
    }
    if (code_lookup_hash(srv_g.keys->code_key, canon, ch)) return 1;
    db_stmt *s = db_prepare(reg_db(r), "SELECT " HIT_COLS HIT_FROM "WHERE n.code_hash = ?");
    if (!s) return reg_dberr(r);
    db_bind_blob(s, 1, ch, sizeof ch);
    int st = db_step(s);
    char rcpt[HTTP_FIELD_MAX] = "nobody@invalid.invalid";
    int row = 0;
    if (st == DB_ROW) {
        size_t n = 0;
        const void *b = db_col_blob(s, 11, &n);
        if (b && n == sizeof ch && sodium_memcmp(b, ch, sizeof ch) == 0 && !v->bad_code) {
            row = 1;
            hit_fill(s, &v->h);
            copy(rcpt, sizeof rcpt, db_col_text(s, 6));
        }
    }
    db_reset(s);
    if (st == DB_ERR) return reg_dberr(r);
    /* one address hash of each side, compared in constant time, known code or not */
    addr_hash(v->with_email ? email : "", given);
    addr_hash(rcpt, stored);
    int same = sodium_memcmp(given, stored, sizeof given) == 0;
    v->known = row;
    v->matched = row && (!v->with_email || same);
    if (!v->matched) memset(&v->h, 0, sizeof v->h);
    else lookup_title(r, v->h.incident_ref, v->h.lang, v->h.title, sizeof v->h.title);
    sodium_memzero(rcpt, sizeof rcpt);
    return 0;
}

int lookup_by_email(reg *r, const char *address, struct notice_hit *out, size_t max, size_t *n)
{
    char norm[HTTP_FIELD_MAX];
    *n = 0;
    if (http_email_norm(address, norm, sizeof norm) < 0) return 0;
    const char *at = strrchr(norm, '@');
    char local[HTTP_FIELD_MAX];
    snprintf(local, sizeof local, "%.*s", (int)(at - norm + 1), norm);
    /* local part exactly (with its '@'), domain case-insensitively (ASCII) */
    db_stmt *s = db_prepare(reg_db(r), "SELECT " HIT_COLS HIT_FROM
                            "WHERE substr(n.rcpt, 1, length(?1)) = ?1 AND lower(substr(n.rcpt, length(?1) + 1)) = ?2 "
                            "ORDER BY n.created_at DESC, n.id DESC");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, local);
    db_bind_text(s, 2, at + 1);
    int st;
    while ((st = db_step(s)) == DB_ROW && *n < max) hit_fill(s, &out[(*n)++]);
    db_reset(s);
    if (st == DB_ERR) return reg_dberr(r);
    for (size_t i = 0; i < *n; i++) lookup_title(r, out[i].incident_ref, out[i].lang, out[i].title, sizeof out[i].title);
    return 0;
}

int64_t lookup_sent_date(const struct notice_hit *h)
{
    if (h->sent_at) return h->sent_at;
    if (!strcmp(h->state, "written") && h->updated_at) return h->updated_at;
    return h->created_at;
}

void lookup_title(reg *r, const char *ref, const char *lang, char *out, size_t outsz)
{
    out[0] = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT s.title FROM incident_statement s JOIN incident i ON i.id = s.incident_id "
                                       "WHERE i.ref = ? ORDER BY (s.lang = ?) DESC, s.revision DESC LIMIT 1");
    if (!s) return;
    db_bind_text(s, 1, ref);
    db_bind_text(s, 2, lang);
    if (db_step(s) == DB_ROW) copy(out, outsz, db_col_text(s, 0));
    db_reset(s);
}

int lookup_exposure(reg *r, const struct notice_hit *h, struct person_exposure *e)
{
    memset(e, 0, sizeof *e);
    e->log_index = -1;
    struct exposure_row *rows = NULL;
    size_t n = 0;
    int rc = scans_exposures(r, h->scan_id, h->subject, &rows, &n);
    if (rc) return rc;
    if (n) {
        e->found = 1;
        copy(e->fields, sizeof e->fields, rows[0].fields);
        copy(e->pages, sizeof e->pages, rows[0].pages);
        e->first_seen = rows[0].first_seen;
        e->last_seen = rows[0].last_seen;
        e->views = rows[0].views;
        e->viewers = rows[0].viewers;
        e->signed_in = rows[0].signed_in_viewers;
        e->anonymous = rows[0].anonymous_viewers;
    }
    exposure_rows_free(rows, n);
    copy(e->timezone, sizeof e->timezone, "UTC");
    db_stmt *s = db_prepare(reg_db(r), "SELECT timezone FROM subject WHERE import_id = ? AND subject = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, h->import_id);
    db_bind_text(s, 2, h->subject);
    if (db_step(s) == DB_ROW) copy(e->timezone, sizeof e->timezone, db_col_text(s, 0));
    db_reset(s);
    int64_t idx = 0, size = -1;
    int found = 0;
    if ((rc = tlog_find(r, "notice", h->notice_id, &idx, &found))) return rc;
    if (found) {
        /* a per-notice commitment: give the person what they need to recompute it */
        uint8_t salt[TLOG_SALT_LEN];
        db_stmt *q = db_prepare(reg_db(r), "SELECT text_sha256 FROM notice WHERE notice_id = ?");
        if (!q) return reg_dberr(r);
        db_bind_text(q, 1, h->notice_id);
        if (db_step(q) == DB_ROW && tlog_commitment_salt(r, idx, salt) == 0) {
            static const char hx[] = "0123456789abcdef";
            for (int i = 0; i < TLOG_SALT_LEN && 2 * i + 1 < (int)sizeof e->salt_hex; i++) {
                e->salt_hex[2 * i] = hx[salt[i] >> 4];
                e->salt_hex[2 * i + 1] = hx[salt[i] & 15];
            }
            e->salt_hex[2 * TLOG_SALT_LEN < (int)sizeof e->salt_hex ? 2 * TLOG_SALT_LEN : (int)sizeof e->salt_hex - 1] = 0;
            snprintf(e->committed, sizeof e->committed, "%s %s\n", h->notice_id, db_col_text(q, 0));
        }
        db_reset(q);
    }
    if (!found) {      /* notify commits to a batch of notices at once: ref "FIRST..LAST" */
        s = db_prepare(reg_db(r), "SELECT idx FROM tlog_entry WHERE kind = 'notice' AND instr(ref, '..') > 0 "
                                  "AND ?1 >= substr(ref, 1, instr(ref, '..') - 1) AND ?1 <= substr(ref, instr(ref, '..') + 2) "
                                  "ORDER BY idx DESC LIMIT 1");
        if (!s) return reg_dberr(r);
        db_bind_text(s, 1, h->notice_id);
        int st = db_step(s);
        if (st == DB_ROW) { idx = db_col_int(s, 0); found = 1; }
        db_reset(s);
        if (st == DB_ERR) return reg_dberr(r);
    }
    if (found) {
        e->log_index = idx;
        struct tlog_ckpt ck;
        int have = 0;
        if ((rc = tlog_checkpoint_latest(r, &ck, &have))) return rc;
        if (have) {
            if (idx < ck.size) { size = ck.size; e->in_checkpoint = 1; }
            tlog_ckpt_release(&ck);
        }
        if (size < 0 && (rc = tlog_size(r, &size))) return rc;
        if (idx < size) {
            struct tlog_proof p;
            if (tlog_prove_inclusion(r, idx, size, &p) == 0) {
                e->have_proof = 1;
                e->log_size = size;
                e->proof = tlog_proof_json(&p);
            }
        }
    }
    return 0;
}

void person_exposure_release(struct person_exposure *e)
{
    if (e->proof) json_decref(e->proof);
    e->proof = NULL;
}
