/* tlog_store.c — the transparency log in the register: canonical JSON, appending entries,
 * reading entries and checkpoints, proofs (see tlog_store.h, docs/tlog.md). Checking the whole
 * log and signing checkpoints: tlog_verify.c; public statements: statement.c. */
#include "register/tlog_store.h"
#include "register/copyrow.h"
#include "register/reg_int.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL MERKLE_HASH_LEN
#define TLOG_MAX_LIST 100000

/* ================================================================ small helpers */

/* lower-case hex of B[0..N) into OUT (2N + 1 bytes) */
static void to_hex(const uint8_t *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

int tlog_kind_ok(const char *kind)
{
    size_t n = kind ? strlen(kind) : 0;
    if (n == 0 || n > TLOG_KIND_MAX) return 0;
    for (const char *c = kind; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) return 0;
    return 1;
}

int tlog_need_tx(reg *r)
{
    if (db_in_tx(r->d)) return 0;
    return reg_fail(r, 1, "transparency log: appends must run inside the register transaction");
}

json_t *tlog_iso_json(int64_t t)
{
    char iso[KT_ISO_LEN];
    kt_time_iso(t, iso);
    return json_string(iso);
}

/* ================================================================ canonical JSON */

struct cw {
    struct buf b;
    int bad;
    char *err;
    size_t errlen;
};

static void cw_add(struct cw *w, const void *p, size_t n)
{
    if (!w->bad && buf_add(&w->b, p, n)) w->bad = 1;
}

static void cw_str(struct cw *w, const char *s, size_t n)
{
    cw_add(w, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (!esc) {
            run++;
            continue;
        }
        cw_add(w, s + i - run, run);
        run = 0;
        cw_add(w, esc, strlen(esc));
    }
    cw_add(w, s + n - run, run);
    cw_add(w, "\"", 1);
}

struct kv {
    const char *k;
    size_t kl;
    json_t *v;
};

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    size_t m = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->k, y->k, m);
    return c ? c : (x->kl > y->kl) - (x->kl < y->kl);
}

static void cw_value(struct cw *w, const json_t *j, int depth)
{
    if (w->bad) return;
    if (depth > 32) {
        snprintf(w->err, w->errlen, "JSON nested more than 32 levels deep");
        w->bad = 2;
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        struct kv *kv = xcalloc(n ? n : 1, sizeof *kv);
        for (void *it = json_object_iter((json_t *)j); it && i < n; it = json_object_iter_next((json_t *)j, it), i++) {
            kv[i].k = json_object_iter_key(it);
            kv[i].kl = json_object_iter_key_len(it);
            kv[i].v = json_object_iter_value(it);
        }
        qsort(kv, i, sizeof *kv, kv_cmp);
        cw_add(w, "{", 1);
        for (size_t k = 0; k < i; k++) {
            if (k) cw_add(w, ",", 1);
            cw_str(w, kv[k].k, kv[k].kl);
            cw_add(w, ":", 1);
            cw_value(w, kv[k].v, depth + 1);
        }
        cw_add(w, "}", 1);
        free(kv);
        break;
    }
    case JSON_ARRAY:
        cw_add(w, "[", 1);
        for (size_t k = 0; k < json_array_size(j); k++) {
            if (k) cw_add(w, ",", 1);
            cw_value(w, json_array_get(j, k), depth + 1);
        }
        cw_add(w, "]", 1);
        break;
    case JSON_STRING: cw_str(w, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER: {
        char num[32];
        int n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(j));
        cw_add(w, num, (size_t)n);
        break;
    }
    case JSON_REAL:
        snprintf(w->err, w->errlen, "floating-point numbers are not allowed in log entries");
        w->bad = 2;
        break;
    case JSON_TRUE: cw_add(w, "true", 4); break;
    case JSON_FALSE: cw_add(w, "false", 5); break;
    case JSON_NULL: cw_add(w, "null", 4); break;
    }
}

int tlog_json_canonical(const json_t *j, char **out, size_t *len, char *err, size_t errlen)
{
    char dummy[8];
    struct cw w = {.err = err ? err : dummy, .errlen = err ? errlen : sizeof dummy};
    *out = NULL;
    *len = 0;
    buf_init(&w.b, TLOG_ENTRY_MAX);
    if (!j) {
        snprintf(w.err, w.errlen, "no JSON value");
        buf_release(&w.b);
        return -1;
    }
    cw_value(&w, j, 0);
    if (w.bad) {
        if (w.bad == 1) snprintf(w.err, w.errlen, "log entry larger than %d bytes", TLOG_ENTRY_MAX);
        buf_release(&w.b);
        return -1;
    }
    *len = w.b.len;
    *out = buf_detach(&w.b);
    return 0;
}

/* ================================================================ appending */

static int next_idx(reg *r, int64_t *idx)
{
    int found;
    if (db_query_int(r->d, "SELECT coalesce(max(idx) + 1, 0) FROM tlog_entry", NULL, idx, &found)) return reg_dberr(r);
    return 0;
}

/* the row of entry IDX: DATA is its canonical JSON */
static int insert_row(reg *r, int64_t idx, const char *kind, const char *data, size_t len, const uint8_t *salt,
                      const char *ref)
{
    uint8_t leaf[HL];
    merkle_hash_leaf(data, len, leaf);
    db_stmt *s = db_prepare(
        r->d,
        "INSERT INTO tlog_entry(idx, kind, created_at, entry, leaf_hash, salt, ref) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, idx) || db_bind_text(s, 2, kind) || db_bind_int(s, 3, reg_now(r)) ||
        db_bind_blob(s, 4, data, len) || db_bind_blob(s, 5, leaf, HL) ||
        (salt ? db_bind_blob(s, 6, salt, TLOG_SALT_LEN) : db_bind_null(s, 6)) || db_bind_text(s, 7, ref) ||
        db_step(s) != DB_DONE)
        return reg_dberr(r);
    return 0;
}

static int insert_entry(reg *r, const char *kind, json_t *obj, const uint8_t *salt, const char *ref, int64_t *idx_out)
{
    char *data, err[200];
    size_t len;
    if (tlog_json_canonical(obj, &data, &len, err, sizeof err)) return reg_fail(r, 2, "log entry: %s", err);
    int64_t idx = 0;
    int rc = next_idx(r, &idx);
    if (!rc) rc = insert_row(r, idx, kind, data, len, salt, ref);
    free(data);
    if (!rc && idx_out) *idx_out = idx;
    return rc;
}

int tlog_append_public(reg *r, const char *kind, const json_t *entry, int64_t *idx)
{
    int rc;
    if ((rc = tlog_need_tx(r))) return rc;
    if (!tlog_kind_ok(kind))
        return reg_fail(r, 2, "log entry kind '%s' is not valid (a-z, 0-9, '-', at most %d bytes)", kind ? kind : "",
                        TLOG_KIND_MAX);
    if (!strcmp(kind, "audit-head")) return reg_fail(r, 2, "log entry kind 'audit-head' is reserved for checkpoints");
    if (!json_is_object(entry)) return reg_fail(r, 2, "a public log entry must be a JSON object");
    static const char *const reserved[] = {"kind", "logged_at", "commitment"};
    for (size_t i = 0; i < 3; i++)
        if (json_object_get(entry, reserved[i]))
            return reg_fail(r, 2, "a public log entry must not hold '%s' itself", reserved[i]);
    json_t *o = json_copy((json_t *)entry);
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "logged_at", tlog_iso_json(reg_now(r)));
    rc = insert_entry(r, kind, o, NULL, NULL, idx);
    json_decref(o);
    return rc;
}

/* PostgreSQL: many entries by one COPY … FROM STDIN instead of one INSERT (one round trip) each */
#define TLOG_COPY_FLUSH ((size_t)1 << 20) /* bytes sent to the server at a time */
struct entry_copy {
    int use, began;
    struct buf b;
};

static int entry_copy_begin(reg *r, struct entry_copy *ec)
{
    if (db_copy_begin(r->d, "COPY tlog_entry(idx, kind, created_at, entry, leaf_hash, salt, ref) FROM STDIN "
                            "(FORMAT binary)"))
        return reg_dberr(r);
    ec->began = 1;
    buf_init(&ec->b, 0);
    copyrow_start(&ec->b);
    return 0;
}

/* the row of entry IDX, as insert_row stores it */
static int entry_copy_row(reg *r, struct entry_copy *ec, int64_t idx, const char *kind, const char *data, size_t len,
                          const uint8_t *salt, const char *ref)
{
    uint8_t leaf[HL];
    merkle_hash_leaf(data, len, leaf);
    copyrow_fields(&ec->b, 7);
    copyrow_int(&ec->b, idx);
    copyrow_text(&ec->b, kind);
    copyrow_int(&ec->b, reg_now(r));
    copyrow_bytes(&ec->b, data, len);
    copyrow_bytes(&ec->b, leaf, HL);
    if (salt) copyrow_bytes(&ec->b, salt, TLOG_SALT_LEN);
    else copyrow_null(&ec->b);
    copyrow_text(&ec->b, ref);
    if (ec->b.len < TLOG_COPY_FLUSH) return 0;
    int rc = db_copy_data(r->d, ec->b.p, ec->b.len);
    buf_reset(&ec->b);
    return rc ? reg_dberr(r) : 0;
}

/* the rest of the rows and the end of the COPY (always: the connection leaves the COPY state);
   RC: the rows' result so far. A refused row is named by its item's reference when the server
   says which ("COPY tlog_entry, line 17"). */
static int entry_copy_end(reg *r, struct entry_copy *ec, int rc, const struct tlog_commit_item *items, size_t n)
{
    copyrow_finish(&ec->b);
    if (!rc && db_copy_data(r->d, ec->b.p, ec->b.len)) rc = reg_dberr(r);
    int end = db_copy_end(r->d);
    buf_release(&ec->b);
    if (rc || !end) return rc;
    char dbmsg[REG_ERRLEN];
    reg_dberr(r);
    snprintf(dbmsg, sizeof dbmsg, "%s", r->err);
    const char *line = strstr(dbmsg, "COPY tlog_entry, line ");
    long k = line ? strtol(line + 22, NULL, 10) : 0;
    if (k >= 1 && (size_t)k <= n && items[k - 1].ref)
        return reg_fail(r, 1, "transparency log, the commitment to %s: %s", items[k - 1].ref, dbmsg);
    return reg_fail(r, 1, "transparency log, %zu commitments: %s", n, dbmsg);
}

/* The commitments of ITEMS, in order, at the log's next indexes. The public entries differ only in
 * the commitment's hex digits, so the canonical JSON is written once (with a placeholder that
 * sorts first: "commitment" < "kind" < "logged_at") and each entry's digits are put in place. */
static int append_commitments(reg *r, const char *kind, const struct tlog_commit_item *items, size_t n,
                              int64_t *idx_out)
{
    static const char head[] = "{\"commitment\":\"";
    const size_t at = sizeof head - 1;
    if (sodium_init() < 0) return reg_fail(r, 1, "cannot initialise the random number generator");
    char zeros[2 * HL + 1];
    memset(zeros, '0', 2 * HL);
    zeros[2 * HL] = 0;
    json_t *o = json_object();
    json_object_set_new(o, "commitment", json_string(zeros));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "logged_at", tlog_iso_json(reg_now(r)));
    char *data, err[200];
    size_t len;
    int rc = tlog_json_canonical(o, &data, &len, err, sizeof err);
    json_decref(o);
    if (rc) return reg_fail(r, 2, "log entry: %s", err);
    if (len < at + 2 * HL + 1 || memcmp(data, head, at) || memcmp(data + at, zeros, 2 * HL) ||
        data[at + 2 * HL] != '"') {
        free(data);
        return reg_fail(r, 1, "log entry: unexpected canonical form");
    }
    uint8_t *salts = xmalloc(n * TLOG_SALT_LEN + 1);
    randombytes_buf(salts, n * TLOG_SALT_LEN);
    int64_t idx = 0;
    rc = next_idx(r, &idx);
    struct entry_copy ec = {.use = n > 1 && db_can_copy(r->d)};
    if (!rc && ec.use) rc = entry_copy_begin(r, &ec);
    for (size_t i = 0; i < n && !rc; i++) {
        uint8_t c[HL];
        char hex[2 * HL + 1];
        struct sha256_ctx ctx;
        sha256_init(&ctx);
        sha256_update(&ctx, salts + i * TLOG_SALT_LEN, TLOG_SALT_LEN);
        sha256_update(&ctx, items[i].content ? items[i].content : "", items[i].len);
        sha256_final(&ctx, c);
        to_hex(c, HL, hex);
        memcpy(data + at, hex, 2 * HL);
        if (ec.use)
            rc = entry_copy_row(r, &ec, idx + (int64_t)i, kind, data, len, salts + i * TLOG_SALT_LEN, items[i].ref);
        else rc = insert_row(r, idx + (int64_t)i, kind, data, len, salts + i * TLOG_SALT_LEN, items[i].ref);
        if (!rc && idx_out) idx_out[i] = idx + (int64_t)i;
    }
    if (ec.began) {
        int end = entry_copy_end(r, &ec, rc, items, n);
        if (!rc) rc = end;
    }
    sodium_memzero(salts, n * TLOG_SALT_LEN);
    free(salts);
    free(data);
    return rc;
}

static int check_commitments(reg *r, const char *kind, const struct tlog_commit_item *items, size_t n)
{
    int rc;
    if ((rc = tlog_need_tx(r))) return rc;
    if (!tlog_kind_ok(kind))
        return reg_fail(r, 2, "log entry kind '%s' is not valid (a-z, 0-9, '-', at most %d bytes)", kind ? kind : "",
                        TLOG_KIND_MAX);
    if (!strcmp(kind, "audit-head") || !strcmp(kind, "statement"))
        return reg_fail(r, 2, "log entry kind '%s' is reserved", kind);
    for (size_t i = 0; i < n; i++) {
        if (!items[i].content && items[i].len) return reg_fail(r, 2, "commitment: no content");
        if (items[i].ref && strlen(items[i].ref) > TLOG_REF_MAX)
            return reg_fail(r, 2, "commitment: reference longer than %d bytes", TLOG_REF_MAX);
    }
    return 0;
}

int tlog_append_commitment(reg *r, const char *kind, const void *content, size_t len, const char *ref, int64_t *idx)
{
    struct tlog_commit_item it = {.content = content, .len = len, .ref = ref};
    int rc = check_commitments(r, kind, &it, 1);
    return rc ? rc : append_commitments(r, kind, &it, 1, idx);
}

int tlog_append_commitments(reg *r, const char *kind, const struct tlog_commit_item *items, size_t n, int64_t *idx)
{
    int rc = check_commitments(r, kind, items, n);
    return rc || !n ? rc : append_commitments(r, kind, items, n, idx);
}

int tlog_append_audit_head(reg *r, const char *content, size_t len, const char *ref, int64_t *idx)
{
    struct tlog_commit_item it = {.content = content, .len = len, .ref = ref};
    return append_commitments(r, "audit-head", &it, 1, idx);
}

/* ================================================================ reading */

int tlog_size(reg *r, int64_t *size)
{
    int found;
    if (db_query_int(r->d, "SELECT count(*) FROM tlog_entry", NULL, size, &found)) return reg_dberr(r);
    return 0;
}

int tlog_find(reg *r, const char *kind, const char *ref, int64_t *idx, int *found)
{
    *found = 0;
    db_stmt *s = db_prepare(r->d, "SELECT idx FROM tlog_entry WHERE kind = ? AND ref = ? ORDER BY idx DESC LIMIT 1");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, ref);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        *idx = db_col_int(s, 0);
        *found = 1;
    }
    db_reset(s);
    return 0;
}

int tlog_commitment_salt(reg *r, int64_t idx, uint8_t salt[TLOG_SALT_LEN])
{
    db_stmt *s = db_prepare(r->d, "SELECT salt FROM tlog_entry WHERE idx = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, idx);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    size_t n = 0;
    const void *b = rc == DB_ROW ? db_col_blob(s, 0, &n) : NULL;
    if (rc != DB_ROW || !b || n != TLOG_SALT_LEN) {
        db_reset(s);
        return reg_fail(r, 2, "log entry %lld is not a commitment", (long long)idx);
    }
    memcpy(salt, b, TLOG_SALT_LEN);
    db_reset(s);
    return 0;
}

/* the commitment hash of a commitment entry's bytes, as hex; "" if there is none */
static void commitment_of(const char *data, size_t len, char hex[65])
{
    hex[0] = 0;
    json_t *j = json_loadb(data, len, 0, NULL);
    const char *c = json_string_value(json_object_get(j, "commitment"));
    if (c && strlen(c) == 64) memcpy(hex, c, 65);
    json_decref(j);
}

int tlog_entries(reg *r, int64_t start, int64_t end, struct tlog_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(r->d, "SELECT idx, kind, created_at, entry, leaf_hash, salt IS NOT NULL FROM tlog_entry "
                                  "WHERE idx >= ?1 AND (?2 < 0 OR idx < ?2) ORDER BY idx LIMIT ?3");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, start);
    db_bind_int(s, 2, end);
    db_bind_int(s, 3, TLOG_MAX_LIST);
    db_stream(s); /* row by row: the loop runs no other statement */
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 16);
        struct tlog_entry *e = &(*out)[*n];
        memset(e, 0, sizeof *e);
        e->idx = db_col_int(s, 0);
        snprintf(e->kind, sizeof e->kind, "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
        e->logged_at = db_col_int(s, 2);
        size_t bl = 0;
        const void *b = db_col_blob(s, 3, &bl);
        e->data = xmalloc(bl + 1);
        if (bl) memcpy(e->data, b, bl);
        e->data[bl] = 0;
        e->len = bl;
        b = db_col_blob(s, 4, &bl);
        if (b && bl == HL) memcpy(e->leaf_hash, b, HL);
        e->commitment = (int)db_col_int(s, 5);
        if (e->commitment) commitment_of(e->data, e->len, e->commit_hex);
        (*n)++;
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : reg_dberr(r);
}

void tlog_entries_free(struct tlog_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) free(e[i].data);
    free(e);
}

json_t *tlog_entry_json(const struct tlog_entry *e)
{
    char hex[2 * HL + 1];
    json_t *j = json_object();
    json_object_set_new(j, "index", json_integer(e->idx));
    json_object_set_new(j, "kind", json_string(e->kind));
    json_object_set_new(j, "logged_at", tlog_iso_json(e->logged_at));
    to_hex(e->leaf_hash, HL, hex);
    json_object_set_new(j, "leaf_hash", json_string(hex));
    json_t *data = json_stringn(e->data, e->len);
    json_object_set_new(j, "entry", data ? data : json_null());
    if (e->commitment)
        json_object_set_new(j, "commitment", e->commit_hex[0] ? json_string(e->commit_hex) : json_null());
    return j;
}

/* ================================================================ checkpoints: reading */

void tlog_ckpt_release(struct tlog_ckpt *c)
{
    if (!c) return;
    free(c->note);
    c->note = NULL;
}

void tlog_ckpts_free(struct tlog_ckpt *c, size_t n)
{
    for (size_t i = 0; i < n; i++) tlog_ckpt_release(&c[i]);
    free(c);
}

static void ckpt_row(db_stmt *s, struct tlog_ckpt *c)
{
    memset(c, 0, sizeof *c);
    c->size = db_col_int(s, 0);
    size_t n = 0;
    const void *b = db_col_blob(s, 1, &n);
    if (b && n == HL) memcpy(c->root, b, HL);
    c->note = xstrdup(db_col_text(s, 2) ? db_col_text(s, 2) : "");
    c->created_at = db_col_int(s, 3);
}

static int ckpt_one(reg *r, const char *sql, int64_t arg, struct tlog_ckpt *out, int *found)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    db_stmt *s = db_prepare(r->d, sql);
    if (!s) return reg_dberr(r);
    if (arg >= 0) db_bind_int(s, 1, arg);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        ckpt_row(s, out);
        *found = 1;
    }
    db_reset(s);
    return 0;
}

int tlog_checkpoint_latest(reg *r, struct tlog_ckpt *out, int *found)
{
    return ckpt_one(r, "SELECT size, root, note, created_at FROM tlog_checkpoint ORDER BY size DESC LIMIT 1", -1, out,
                    found);
}

int tlog_checkpoint_at(reg *r, int64_t size, struct tlog_ckpt *out, int *found)
{
    if (size < 0) {
        *found = 0;
        memset(out, 0, sizeof *out);
        return 0;
    }
    return ckpt_one(r, "SELECT size, root, note, created_at FROM tlog_checkpoint WHERE size = ?", size, out, found);
}

int tlog_checkpoints(reg *r, struct tlog_ckpt **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(r->d, "SELECT size, root, note, created_at FROM tlog_checkpoint ORDER BY size");
    if (!s) return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 8);
        ckpt_row(s, &(*out)[(*n)++]);
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : reg_dberr(r);
}

int tlog_checkpoint_insert(reg *r, int64_t size, const uint8_t root[HL], const char *note)
{
    db_stmt *s = db_prepare(r->d, "INSERT INTO tlog_checkpoint(size, root, note, created_at) VALUES (?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, size) || db_bind_blob(s, 2, root, HL) || db_bind_text(s, 3, note) ||
        db_bind_int(s, 4, reg_now(r)) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    return 0;
}

int tlog_origin(reg *r, char origin[CKPT_MAX_NAME + 1], int *placeholder)
{
    const char *url = reg_org_get(r, "portal.url");
    if (placeholder) *placeholder = reg_org_is_placeholder(r, "portal.url");
    if (!url || !*url)
        return reg_fail(r, 1, "portal.url is not set: it names the log (klartext org set portal.url=https://…)");
    const char *p = url;
    if (!strncmp(p, "https://", 8)) p += 8;
    else if (!strncmp(p, "http://", 7)) p += 7;
    size_t n = strcspn(p, "?#");
    while (n && p[n - 1] == '/') n--;
    if (!n || n + 4 > CKPT_MAX_NAME) return reg_fail(r, 1, "portal.url '%s' makes no valid log origin", url);
    char tmp[CKPT_MAX_NAME + 1];
    snprintf(tmp, sizeof tmp, "%.*s/log", (int)n, p);
    char err[200];
    if (ckpt_check_name(tmp, err, sizeof err))
        return reg_fail(r, 1, "portal.url '%s' makes no valid log origin: %s", url, err);
    memcpy(origin, tmp, strlen(tmp) + 1);
    return 0;
}

/* ================================================================ proofs */

/* the stored leaf hashes of entries 0..n-1, checked to be numbered without gaps */
int tlog_load_leaves(reg *r, int64_t n, uint8_t **out)
{
    *out = xmalloc((size_t)(n > 0 ? n : 1) * HL);
    db_stmt *s = db_prepare(r->d, "SELECT idx, leaf_hash FROM tlog_entry WHERE idx < ? ORDER BY idx");
    if (!s) {
        free(*out);
        *out = NULL;
        return reg_dberr(r);
    }
    db_bind_int(s, 1, n);
    db_stream(s); /* every leaf, row by row: the loop runs no other statement */
    int64_t i = 0;
    int rc, ret = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        size_t bl = 0;
        const void *b = db_col_blob(s, 1, &bl);
        if (db_col_int(s, 0) != i || !b || bl != HL) {
            ret = reg_fail(r, 1, "the transparency log is damaged at entry %lld (run 'klartext log verify')",
                           (long long)i);
            break;
        }
        memcpy(*out + (size_t)i * HL, b, HL);
        i++;
    }
    db_reset(s);
    if (!ret && rc == DB_ERR) ret = reg_dberr(r);
    if (!ret && i != n)
        ret = reg_fail(r, 1, "the transparency log is damaged at entry %lld (run 'klartext log verify')", (long long)i);
    if (ret) {
        free(*out);
        *out = NULL;
    }
    return ret;
}

int tlog_prove_inclusion(reg *r, int64_t index, int64_t size, struct tlog_proof *p)
{
    memset(p, 0, sizeof *p);
    int64_t n;
    int rc;
    if ((rc = tlog_size(r, &n))) return rc;
    if (size < 1 || size > n)
        return reg_fail(r, 2, "tree size %lld is out of range: the log has %lld entr%s", (long long)size, (long long)n,
                        n == 1 ? "y" : "ies");
    if (index < 0 || index >= size)
        return reg_fail(r, 2, "entry %lld is not in the tree of %lld entries", (long long)index, (long long)size);
    uint8_t *leaves;
    if ((rc = tlog_load_leaves(r, size, &leaves))) return rc;
    char err[200];
    p->type = TLOG_PROOF_INCLUSION;
    p->index = index;
    p->size = size;
    memcpy(p->leaf_hash, leaves + (size_t)index * HL, HL);
    if (merkle_inclusion_proof(leaves, (uint64_t)size, (uint64_t)index, &p->hashes[0][0], &p->n, err, sizeof err) ||
        merkle_root(leaves, (uint64_t)size, p->root, err, sizeof err))
        rc = reg_fail(r, 1, "inclusion proof: %s", err);
    free(leaves);
    return rc;
}

int tlog_prove_consistency(reg *r, int64_t size1, int64_t size2, struct tlog_proof *p)
{
    memset(p, 0, sizeof *p);
    int64_t n;
    int rc;
    if ((rc = tlog_size(r, &n))) return rc;
    if (size2 < 0 || size2 > n)
        return reg_fail(r, 2, "tree size %lld is out of range: the log has %lld entr%s", (long long)size2, (long long)n,
                        n == 1 ? "y" : "ies");
    if (size1 < 0 || size1 > size2)
        return reg_fail(r, 2, "tree size %lld is not between 0 and %lld", (long long)size1, (long long)size2);
    uint8_t *leaves;
    if ((rc = tlog_load_leaves(r, size2, &leaves))) return rc;
    char err[200];
    p->type = TLOG_PROOF_CONSISTENCY;
    p->size1 = size1;
    p->size2 = size2;
    if (merkle_consistency_proof(leaves, (uint64_t)size1, (uint64_t)size2, &p->hashes[0][0], &p->n, err, sizeof err) ||
        merkle_root(leaves, (uint64_t)size1, p->root1, err, sizeof err) ||
        merkle_root(leaves, (uint64_t)size2, p->root, err, sizeof err))
        rc = reg_fail(r, 1, "consistency proof: %s", err);
    free(leaves);
    return rc;
}

static json_t *hex_json(const uint8_t h[HL])
{
    char hex[2 * HL + 1];
    to_hex(h, HL, hex);
    return json_string(hex);
}

json_t *tlog_proof_json(const struct tlog_proof *p)
{
    json_t *j = json_object(), *a = json_array();
    for (size_t i = 0; i < p->n; i++) json_array_append_new(a, hex_json(p->hashes[i]));
    if (p->type == TLOG_PROOF_INCLUSION) {
        json_object_set_new(j, "type", json_string("inclusion"));
        json_object_set_new(j, "index", json_integer(p->index));
        json_object_set_new(j, "size", json_integer(p->size));
        json_object_set_new(j, "leaf_hash", hex_json(p->leaf_hash));
        json_object_set_new(j, "root", hex_json(p->root));
    } else {
        json_object_set_new(j, "type", json_string("consistency"));
        json_object_set_new(j, "size1", json_integer(p->size1));
        json_object_set_new(j, "size2", json_integer(p->size2));
        json_object_set_new(j, "root1", hex_json(p->root1));
        json_object_set_new(j, "root2", hex_json(p->root));
    }
    json_object_set_new(j, "proof", a);
    return j;
}
