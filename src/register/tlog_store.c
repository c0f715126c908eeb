/* tlog_store.c — the transparency log in the register (see tlog_store.h, docs/tlog.md). */
#include "register/tlog_store.h"
#include "register/incident.h"
#include "register/schema.h"
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
#define TLOG_STATEMENT_MAX (64 * 1024)
#define TLOG_TITLE_MAX 300
#define TLOG_MAX_LIST 100000

/* ================================================================ small helpers */

/* lower-case hex of B[0..N) into OUT (2N + 1 bytes) */
static void to_hex(const uint8_t *b, size_t n, char *out) { sodium_bin2hex(out, 2 * n + 1, b, n); }

static int from_hex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return -1;
        if (i % 2 == 0) out[i / 2] = (uint8_t)(v << 4); else out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

static int kind_ok(const char *kind)
{
    size_t n = kind ? strlen(kind) : 0;
    if (n == 0 || n > TLOG_KIND_MAX) return 0;
    for (const char *c = kind; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) return 0;
    return 1;
}

static int need_tx(reg *r)
{
    if (db_in_tx(reg_db(r))) return 0;
    return reg_fail(r, 1, "transparency log: appends must run inside the register transaction");
}

static json_t *iso_json(int64_t t)
{
    char iso[KT_ISO_LEN];
    kt_time_iso(t, iso);
    return json_string(iso);
}

/* ================================================================ canonical JSON */

struct cw { struct buf b; int bad; char *err; size_t errlen; };

static void cw_add(struct cw *w, const void *p, size_t n) { if (!w->bad && buf_add(&w->b, p, n)) w->bad = 1; }

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
            if (c < 0x20) { snprintf(u, sizeof u, "\\u%04x", c); esc = u; }
        }
        if (!esc) { run++; continue; }
        cw_add(w, s + i - run, run);
        run = 0;
        cw_add(w, esc, strlen(esc));
    }
    cw_add(w, s + n - run, run);
    cw_add(w, "\"", 1);
}

struct kv { const char *k; size_t kl; json_t *v; };

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
    if (depth > 32) { snprintf(w->err, w->errlen, "JSON nested more than 32 levels deep"); w->bad = 2; return; }
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
    case JSON_STRING:
        cw_str(w, json_string_value(j), json_string_length(j));
        break;
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
    if (!j) { snprintf(w.err, w.errlen, "no JSON value"); buf_release(&w.b); return -1; }
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

/* ================================================================ audit hash chain */

static void put_int(struct sha256_ctx *c, int64_t v)
{
    uint8_t b[9];
    b[0] = 2;
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    sha256_update(c, b, sizeof b);
}

static void put_text(struct sha256_ctx *c, const char *s)
{
    if (!s) { uint8_t z = 0; sha256_update(c, &z, 1); return; }
    uint64_t n = strlen(s);
    uint8_t b[9];
    b[0] = 1;
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(n >> (56 - 8 * i));
    sha256_update(c, b, sizeof b);
    sha256_update(c, s, (size_t)n);
}

void tlog_audit_hash(const uint8_t prev[HL], int64_t id, int64_t at, const char *actor,
                     const char *command, const char *incident_ref, const char *action,
                     const char *field, const char *old_value, const char *new_value, uint8_t out[HL])
{
    static const char domain[] = "klartext audit v1";   /* with its NUL: 18 bytes */
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, domain, sizeof domain);
    sha256_update(&c, prev, HL);
    put_int(&c, id);
    put_int(&c, at);
    put_text(&c, actor);
    put_text(&c, command);
    put_text(&c, incident_ref);
    put_text(&c, action);
    put_text(&c, field);
    put_text(&c, old_value);
    put_text(&c, new_value);
    sha256_final(&c, out);
}

int64_t tlog_audit_chain_version(void)
{
    for (size_t i = 0; i < schema_nsteps; i++)
        if (schema_steps[i].fn == tlog_audit_chain_migrate) return schema_steps[i].version;
    return INT64_MAX;
}

int tlog_audit_chain_migrate(db *d)
{
    db_stmt *s = db_prepare(d, "SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value "
                               "FROM audit ORDER BY id");
    if (!s) return -1;
    size_t n = 0, cap = 64;
    int64_t *ids = xmalloc(cap * sizeof *ids);
    uint8_t (*h)[HL] = xmalloc(cap * sizeof *h);
    uint8_t prev[HL] = {0};
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) { cap *= 2; ids = xrealloc(ids, cap * sizeof *ids); h = xrealloc(h, cap * sizeof *h); }
        ids[n] = db_col_int(s, 0);
        tlog_audit_hash(prev, ids[n], db_col_int(s, 1), db_col_text(s, 2), db_col_text(s, 3), db_col_text(s, 4),
                        db_col_text(s, 5), db_col_text(s, 6), db_col_text(s, 7), db_col_text(s, 8), h[n]);
        memcpy(prev, h[n], HL);
        n++;
    }
    db_reset(s);
    int ret = rc == DB_DONE ? 0 : -1;
    for (size_t i = 0; i < n && !ret; i++) {
        db_stmt *u = db_prepare(d, "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?");
        static const uint8_t zero[HL];
        if (!u || db_bind_blob(u, 1, i ? h[i - 1] : zero, HL) || db_bind_blob(u, 2, h[i], HL) ||
            db_bind_int(u, 3, ids[i]) || db_step(u) != DB_DONE) ret = -1;
    }
    free(ids);
    free(h);
    if (!ret && db_exec(d, "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit BEGIN "
                           "SELECT RAISE(ABORT, 'the audit trail is append-only'); END;")) ret = -1;
    return ret;
}

/* ================================================================ appending */

static int next_idx(reg *r, int64_t *idx)
{
    int found;
    if (db_query_int(reg_db(r), "SELECT coalesce(max(idx) + 1, 0) FROM tlog_entry", NULL, idx, &found)) return reg_dberr(r);
    return 0;
}

/* the row of entry IDX: DATA is its canonical JSON */
static int insert_row(reg *r, int64_t idx, const char *kind, const char *data, size_t len, const uint8_t *salt,
                      const char *ref)
{
    uint8_t leaf[HL];
    merkle_hash_leaf(data, len, leaf);
    db_stmt *s = db_prepare(reg_db(r), "INSERT INTO tlog_entry(idx, kind, created_at, entry, leaf_hash, salt, ref) VALUES (?, ?, ?, ?, ?, ?, ?)");
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
    if ((rc = need_tx(r))) return rc;
    if (!kind_ok(kind)) return reg_fail(r, 2, "log entry kind '%s' is not valid (a-z, 0-9, '-', at most %d bytes)", kind ? kind : "", TLOG_KIND_MAX);
    if (!strcmp(kind, "audit-head")) return reg_fail(r, 2, "log entry kind 'audit-head' is reserved for checkpoints");
    if (!json_is_object(entry)) return reg_fail(r, 2, "a public log entry must be a JSON object");
    static const char *const reserved[] = {"kind", "logged_at", "commitment"};
    for (size_t i = 0; i < 3; i++)
        if (json_object_get(entry, reserved[i])) return reg_fail(r, 2, "a public log entry must not hold '%s' itself", reserved[i]);
    json_t *o = json_copy((json_t *)entry);
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "logged_at", iso_json(reg_now(r)));
    rc = insert_entry(r, kind, o, NULL, NULL, idx);
    json_decref(o);
    return rc;
}

/* The commitments of ITEMS, in order, at the log's next indexes. The public entries differ only in
 * the commitment's hex digits, so the canonical JSON is written once (with a placeholder that
 * sorts first: "commitment" < "kind" < "logged_at") and each entry's digits are put in place. */
static int append_commitments(reg *r, const char *kind, const struct tlog_commit_item *items, size_t n, int64_t *idx_out)
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
    json_object_set_new(o, "logged_at", iso_json(reg_now(r)));
    char *data, err[200];
    size_t len;
    int rc = tlog_json_canonical(o, &data, &len, err, sizeof err);
    json_decref(o);
    if (rc) return reg_fail(r, 2, "log entry: %s", err);
    if (len < at + 2 * HL + 1 || memcmp(data, head, at) || memcmp(data + at, zeros, 2 * HL) || data[at + 2 * HL] != '"') {
        free(data);
        return reg_fail(r, 1, "log entry: unexpected canonical form");
    }
    uint8_t *salts = xmalloc(n * TLOG_SALT_LEN + 1);
    randombytes_buf(salts, n * TLOG_SALT_LEN);
    int64_t idx = 0;
    rc = next_idx(r, &idx);
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
        if (!(rc = insert_row(r, idx + (int64_t)i, kind, data, len, salts + i * TLOG_SALT_LEN, items[i].ref)) && idx_out)
            idx_out[i] = idx + (int64_t)i;
    }
    sodium_memzero(salts, n * TLOG_SALT_LEN);
    free(salts);
    free(data);
    return rc;
}

static int check_commitments(reg *r, const char *kind, const struct tlog_commit_item *items, size_t n)
{
    int rc;
    if ((rc = need_tx(r))) return rc;
    if (!kind_ok(kind)) return reg_fail(r, 2, "log entry kind '%s' is not valid (a-z, 0-9, '-', at most %d bytes)", kind ? kind : "", TLOG_KIND_MAX);
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

/* ================================================================ reading */

int tlog_size(reg *r, int64_t *size)
{
    int found;
    if (db_query_int(reg_db(r), "SELECT count(*) FROM tlog_entry", NULL, size, &found)) return reg_dberr(r);
    return 0;
}

int tlog_find(reg *r, const char *kind, const char *ref, int64_t *idx, int *found)
{
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT idx FROM tlog_entry WHERE kind = ? AND ref = ? ORDER BY idx DESC LIMIT 1");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, ref);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) { *idx = db_col_int(s, 0); *found = 1; }
    db_reset(s);
    return 0;
}

int tlog_commitment_salt(reg *r, int64_t idx, uint8_t salt[TLOG_SALT_LEN])
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT salt FROM tlog_entry WHERE idx = ?");
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
    db_stmt *s = db_prepare(reg_db(r), "SELECT idx, kind, created_at, entry, leaf_hash, salt IS NOT NULL FROM tlog_entry "
                                       "WHERE idx >= ?1 AND (?2 < 0 OR idx < ?2) ORDER BY idx LIMIT ?3");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, start);
    db_bind_int(s, 2, end);
    db_bind_int(s, 3, TLOG_MAX_LIST);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) { cap = cap ? cap * 2 : 16; *out = xrealloc(*out, cap * sizeof **out); }
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
    json_object_set_new(j, "logged_at", iso_json(e->logged_at));
    to_hex(e->leaf_hash, HL, hex);
    json_object_set_new(j, "leaf_hash", json_string(hex));
    json_t *data = json_stringn(e->data, e->len);
    json_object_set_new(j, "entry", data ? data : json_null());
    if (e->commitment) json_object_set_new(j, "commitment", e->commit_hex[0] ? json_string(e->commit_hex) : json_null());
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
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s) return reg_dberr(r);
    if (arg >= 0) db_bind_int(s, 1, arg);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) { ckpt_row(s, out); *found = 1; }
    db_reset(s);
    return 0;
}

int tlog_checkpoint_latest(reg *r, struct tlog_ckpt *out, int *found)
{
    return ckpt_one(r, "SELECT size, root, note, created_at FROM tlog_checkpoint ORDER BY size DESC LIMIT 1", -1, out, found);
}

int tlog_checkpoint_at(reg *r, int64_t size, struct tlog_ckpt *out, int *found)
{
    if (size < 0) { *found = 0; memset(out, 0, sizeof *out); return 0; }
    return ckpt_one(r, "SELECT size, root, note, created_at FROM tlog_checkpoint WHERE size = ?", size, out, found);
}

int tlog_checkpoints(reg *r, struct tlog_ckpt **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT size, root, note, created_at FROM tlog_checkpoint ORDER BY size");
    if (!s) return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) { cap = cap ? cap * 2 : 8; *out = xrealloc(*out, cap * sizeof **out); }
        ckpt_row(s, &(*out)[(*n)++]);
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : reg_dberr(r);
}

int tlog_origin(reg *r, char origin[CKPT_MAX_NAME + 1], int *placeholder)
{
    const char *url = reg_org_get(r, "portal.url");
    if (placeholder) *placeholder = reg_org_is_placeholder(r, "portal.url");
    if (!url || !*url) return reg_fail(r, 1, "portal.url is not set: it names the log (klartext org set portal.url=https://…)");
    const char *p = url;
    if (!strncmp(p, "https://", 8)) p += 8;
    else if (!strncmp(p, "http://", 7)) p += 7;
    size_t n = strcspn(p, "?#");
    while (n && p[n - 1] == '/') n--;
    if (!n || n + 4 > CKPT_MAX_NAME) return reg_fail(r, 1, "portal.url '%s' makes no valid log origin", url);
    char tmp[CKPT_MAX_NAME + 1];
    snprintf(tmp, sizeof tmp, "%.*s/log", (int)n, p);
    char err[200];
    if (ckpt_check_name(tmp, err, sizeof err)) return reg_fail(r, 1, "portal.url '%s' makes no valid log origin: %s", url, err);
    memcpy(origin, tmp, strlen(tmp) + 1);
    return 0;
}

/* ================================================================ proofs */

/* the stored leaf hashes of entries 0..n-1, checked to be numbered without gaps */
static int load_leaves(reg *r, int64_t n, uint8_t **out)
{
    *out = xmalloc((size_t)(n > 0 ? n : 1) * HL);
    db_stmt *s = db_prepare(reg_db(r), "SELECT idx, leaf_hash FROM tlog_entry WHERE idx < ? ORDER BY idx");
    if (!s) { free(*out); *out = NULL; return reg_dberr(r); }
    db_bind_int(s, 1, n);
    int64_t i = 0;
    int rc, ret = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        size_t bl = 0;
        const void *b = db_col_blob(s, 1, &bl);
        if (db_col_int(s, 0) != i || !b || bl != HL) {
            ret = reg_fail(r, 1, "the transparency log is damaged at entry %lld (run 'klartext log verify')", (long long)i);
            break;
        }
        memcpy(*out + (size_t)i * HL, b, HL);
        i++;
    }
    db_reset(s);
    if (!ret && rc == DB_ERR) ret = reg_dberr(r);
    if (!ret && i != n) ret = reg_fail(r, 1, "the transparency log is damaged at entry %lld (run 'klartext log verify')", (long long)i);
    if (ret) { free(*out); *out = NULL; }
    return ret;
}

int tlog_prove_inclusion(reg *r, int64_t index, int64_t size, struct tlog_proof *p)
{
    memset(p, 0, sizeof *p);
    int64_t n;
    int rc;
    if ((rc = tlog_size(r, &n))) return rc;
    if (size < 1 || size > n)
        return reg_fail(r, 2, "tree size %lld is out of range: the log has %lld entr%s", (long long)size, (long long)n, n == 1 ? "y" : "ies");
    if (index < 0 || index >= size)
        return reg_fail(r, 2, "entry %lld is not in the tree of %lld entries", (long long)index, (long long)size);
    uint8_t *leaves;
    if ((rc = load_leaves(r, size, &leaves))) return rc;
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
        return reg_fail(r, 2, "tree size %lld is out of range: the log has %lld entr%s", (long long)size2, (long long)n, n == 1 ? "y" : "ies");
    if (size1 < 0 || size1 > size2)
        return reg_fail(r, 2, "tree size %lld is not between 0 and %lld", (long long)size1, (long long)size2);
    uint8_t *leaves;
    if ((rc = load_leaves(r, size2, &leaves))) return rc;
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

/* ================================================================ statements */

void tlog_statement_release(struct tlog_statement *s)
{
    if (!s) return;
    free(s->title); free(s->text); free(s->facts); free(s->actor);
    memset(s, 0, sizeof *s);
}

void tlog_statements_free(struct tlog_statement *s, size_t n)
{
    for (size_t i = 0; i < n; i++) tlog_statement_release(&s[i]);
    free(s);
}

/* the public facts of an incident, as in a statement entry */
static json_t *statement_facts(const struct incident *inc)
{
    json_t *f = json_object(), *bt = json_array();
    if (inc->v[IF_BREACH_TYPES] && *inc->v[IF_BREACH_TYPES]) {
        char *t = xstrdup(inc->v[IF_BREACH_TYPES]);
        for (char *save, *tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            json_array_append_new(bt, json_string(tok));
        free(t);
    }
    json_object_set_new(f, "breach_types", bt);
    const char *v;
    v = inc->v[IF_APPROX_SUBJECTS];
    json_object_set_new(f, "approx_people", v && *v ? json_integer(strtoll(v, NULL, 10)) : json_null());
    v = inc->v[IF_APPROX_RECORDS];
    json_object_set_new(f, "approx_records", v && *v ? json_integer(strtoll(v, NULL, 10)) : json_null());
    int64_t t = inc_time(inc, IF_OCCURRED_FROM);
    json_object_set_new(f, "exposure_from", t ? iso_json(t) : json_null());
    t = inc_time(inc, IF_OCCURRED_UNTIL);
    json_object_set_new(f, "exposure_until", t ? iso_json(t) : json_null());
    return f;
}

/* the statement entry without kind and logged_at (added by the append); FACTS borrowed */
static json_t *statement_entry(const char *ref, int64_t rev, const char *lang, const char *title, const char *text,
                               json_t *facts, int64_t published_at, int64_t prev_entry)
{
    json_t *o = json_object();
    json_object_set_new(o, "incident", json_string(ref));
    json_object_set_new(o, "revision", json_integer(rev));
    json_object_set_new(o, "lang", json_string(lang));
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "statement", json_string(text));
    json_object_set_new(o, "facts", json_incref(facts));
    json_object_set_new(o, "published_at", iso_json(published_at));
    json_object_set_new(o, "previous_entry", prev_entry >= 0 ? json_integer(prev_entry) : json_null());
    return o;
}

static int text_ok(reg *r, const char *what, const char *s, size_t max, int multiline)
{
    size_t n = strlen(s);
    if (!n) return reg_fail(r, 2, "%s is empty", what);
    if (n > max) return reg_fail(r, 2, "%s is too long (%zu bytes, at most %zu)", what, n, max);
    json_t *probe = json_string(s);
    if (!probe) return reg_fail(r, 2, "%s is not valid UTF-8", what);
    json_decref(probe);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && *c != '\t' && !(multiline && *c == '\n')) || *c == 0x7f)
            return reg_fail(r, 2, "%s holds a control character (byte %zu)", what, (size_t)(c - (const unsigned char *)s) + 1);
    return 0;
}

int tlog_statement_add(reg *r, const struct incident *inc, const char *lang, const char *title,
                       const char *text, struct tlog_statement *out)
{
    int rc;
    if (out) memset(out, 0, sizeof *out);
    if ((rc = need_tx(r))) return rc;
    if (!lang || (strcmp(lang, "de") && strcmp(lang, "en"))) return reg_fail(r, 2, "language '%s' is not supported (de, en)", lang ? lang : "");
    if ((rc = text_ok(r, "the title", title, TLOG_TITLE_MAX, 0)) || (rc = text_ok(r, "the statement", text, TLOG_STATEMENT_MAX, 1)))
        return rc;
    db *d = reg_db(r);
    json_t *facts = statement_facts(inc);
    char *facts_s = NULL, err[200];
    size_t facts_len;
    if (tlog_json_canonical(facts, &facts_s, &facts_len, err, sizeof err)) { json_decref(facts); return reg_fail(r, 1, "%s", err); }
    int64_t rev = 1, prev_entry = -1;
    db_stmt *s = db_prepare(d, "SELECT revision, title, statement, facts, tlog_idx FROM incident_statement "
                               "WHERE incident_id = ? AND lang = ? ORDER BY revision DESC LIMIT 1");
    if (!s) { rc = reg_dberr(r); goto out; }
    db_bind_int(s, 1, inc->id);
    db_bind_text(s, 2, lang);
    int st = db_step(s);
    if (st == DB_ERR) { rc = reg_dberr(r); goto out; }
    if (st == DB_ROW) {
        int same = !strcmp(db_col_text(s, 1), title) && !strcmp(db_col_text(s, 2), text) && !strcmp(db_col_text(s, 3), facts_s);
        rev = db_col_int(s, 0) + 1;
        prev_entry = db_col_int(s, 4);
        db_reset(s);
        if (same) {
            rc = reg_fail(r, 2, "revision %lld of the %s statement on %s already says exactly this: nothing to publish",
                          (long long)(rev - 1), lang, inc->ref);
            goto out;
        }
    } else db_reset(s);
    int64_t now = reg_now(r), idx;
    json_t *e = statement_entry(inc->ref, rev, lang, title, text, facts, now, prev_entry);
    rc = tlog_append_public(r, "statement", e, &idx);
    json_decref(e);
    if (rc) goto out;
    s = db_prepare(d, "INSERT INTO incident_statement(incident_id, lang, revision, title, statement, facts, published_at, actor, tlog_idx) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, inc->id) || db_bind_text(s, 2, lang) || db_bind_int(s, 3, rev) || db_bind_text(s, 4, title) ||
        db_bind_text(s, 5, text) || db_bind_text(s, 6, facts_s) || db_bind_int(s, 7, now) || db_bind_text(s, 8, reg_actor(r)) ||
        db_bind_int(s, 9, idx) || db_step(s) != DB_DONE) { rc = reg_dberr(r); goto out; }
    char *ev = xasprintf("Public statement published (%s, revision %lld, log entry %lld): %s", lang, (long long)rev, (long long)idx, title);
    rc = incident_event_add(r, inc, now, "published", ev, 0, NULL);
    free(ev);
    if (rc) goto out;
    char oldv[32], newv[96];
    snprintf(oldv, sizeof oldv, "revision %lld", (long long)(rev - 1));
    snprintf(newv, sizeof newv, "revision %lld (%s), log entry %lld", (long long)rev, lang, (long long)idx);
    if ((rc = reg_audit(r, inc->ref, "incident.publish", "statement", rev > 1 ? oldv : NULL, newv))) goto out;
    if (out) {
        snprintf(out->incident, sizeof out->incident, "%s", inc->ref);
        out->revision = rev;
        snprintf(out->lang, sizeof out->lang, "%s", lang);
        out->title = xstrdup(title);
        out->text = xstrdup(text);
        out->facts = facts_s;
        facts_s = NULL;
        out->published_at = now;
        out->log_index = idx;
        out->actor = xstrdup(reg_actor(r));
    }
out:
    json_decref(facts);
    free(facts_s);
    return rc;
}

int tlog_statement_list(reg *r, const char *incident_ref, int latest_only, struct tlog_statement **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r),
        "SELECT i.ref, s.revision, s.lang, s.title, s.statement, s.facts, s.published_at, s.tlog_idx, s.actor "
        "FROM incident_statement s JOIN incident i ON i.id = s.incident_id "
        "WHERE (?1 IS NULL OR i.ref = ?1) AND (?2 = 0 OR s.revision = (SELECT max(t.revision) FROM incident_statement t "
        "  WHERE t.incident_id = s.incident_id AND t.lang = s.lang)) "
        "ORDER BY i.ref, s.lang, s.revision");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, incident_ref);
    db_bind_int(s, 2, latest_only ? 1 : 0);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) { cap = cap ? cap * 2 : 8; *out = xrealloc(*out, cap * sizeof **out); }
        struct tlog_statement *t = &(*out)[(*n)++];
        memset(t, 0, sizeof *t);
        snprintf(t->incident, sizeof t->incident, "%s", db_col_text(s, 0));
        t->revision = db_col_int(s, 1);
        snprintf(t->lang, sizeof t->lang, "%s", db_col_text(s, 2));
        t->title = xstrdup(db_col_text(s, 3));
        t->text = xstrdup(db_col_text(s, 4));
        t->facts = xstrdup(db_col_text(s, 5));
        t->published_at = db_col_int(s, 6);
        t->log_index = db_col_int(s, 7);
        t->actor = xstrdup(db_col_text(s, 8));
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : reg_dberr(r);
}

/* ================================================================ verification */

struct vprob { int64_t entry; size_t seq; char *msg; };
struct vstate {
    struct vprob *p;
    size_t n, cap;
};

static void problem(struct vstate *v, int64_t entry, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct vstate *v, int64_t entry, const char *fmt, ...)
{
    if (v->n == v->cap) { v->cap = v->cap ? v->cap * 2 : 16; v->p = xrealloc(v->p, v->cap * sizeof *v->p); }
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    v->p[v->n].entry = entry;
    v->p[v->n].seq = v->n;
    v->p[v->n].msg = m ? m : xstrdup("(out of memory)");
    v->n++;
}

static int vprob_cmp(const void *a, const void *b)
{
    const struct vprob *x = a, *y = b;
    uint64_t ex = (uint64_t)x->entry, ey = (uint64_t)y->entry;   /* -1 (no entry) sorts last */
    if (ex != ey) return ex < ey ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

struct ventry {
    int64_t idx, created_at;
    char kind[TLOG_KIND_MAX + 1];
    uint8_t leaf[HL];
    int commitment, salt_ok, audit_head;
    uint8_t salt[TLOG_SALT_LEN], commit[HL];
    int64_t audit_id;
    char *data;             /* statements only */
    size_t len;
    int referenced;
};

static struct ventry *ventry_find(struct ventry *e, size_t n, int64_t idx)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].idx < idx) lo = mid + 1; else hi = mid;
    }
    return lo < n && e[lo].idx == idx ? &e[lo] : NULL;
}

static void check_entry_json(struct vstate *v, struct ventry *e, const char *data, size_t len)
{
    long long i = (long long)e->idx;
    json_error_t je;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) { problem(v, e->idx, "entry %lld: not a JSON object", i); json_decref(j); return; }
    char *c = NULL, err[200];
    size_t cl = 0;
    if (tlog_json_canonical(j, &c, &cl, err, sizeof err) || cl != len || memcmp(c, data, len))
        problem(v, e->idx, "entry %lld: not canonical JSON", i);
    free(c);
    const char *kind = json_string_value(json_object_get(j, "kind"));
    if (!kind || strcmp(kind, e->kind))
        problem(v, e->idx, "entry %lld: its JSON says kind '%s' but it is stored as '%s'", i, kind ? kind : "", e->kind);
    char iso[KT_ISO_LEN];
    kt_time_iso(e->created_at, iso);
    const char *at = json_string_value(json_object_get(j, "logged_at"));
    if (!at || strcmp(at, iso)) problem(v, e->idx, "entry %lld: its logged_at '%s' is not its stored time %s", i, at ? at : "", iso);
    const char *cm = json_string_value(json_object_get(j, "commitment"));
    if (e->commitment) {
        if (json_object_size(j) != 3 || !cm || from_hex(cm, e->commit, HL))
            problem(v, e->idx, "entry %lld: a commitment entry must hold exactly commitment, kind and logged_at", i);
        if (!e->salt_ok) problem(v, e->idx, "entry %lld: the commitment's salt is missing or not %d bytes", i, TLOG_SALT_LEN);
        if (!strcmp(e->kind, "statement")) problem(v, e->idx, "entry %lld: a statement stored as a commitment", i);
    } else {
        if (json_object_get(j, "commitment")) problem(v, e->idx, "entry %lld: a public entry that holds a commitment but no salt", i);
        if (e->audit_head) problem(v, e->idx, "entry %lld: an audit-head entry without a salt", i);
    }
    json_decref(j);
}

static void load_entries(reg *r, struct vstate *v, struct tlog_verify_result *res, struct ventry **out, size_t *nout, int *dberr)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT idx, kind, created_at, entry, leaf_hash, salt, ref FROM tlog_entry ORDER BY idx");
    *out = NULL;
    *nout = 0;
    if (!s) { *dberr = 1; return; }
    size_t cap = 0, n = 0;
    struct ventry *e = NULL;
    int64_t expect = 0, last_time = INT64_MIN;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) { cap = cap ? cap * 2 : 64; e = xrealloc(e, cap * sizeof *e); }
        struct ventry *x = &e[n++];
        memset(x, 0, sizeof *x);
        x->idx = db_col_int(s, 0);
        const char *kind = db_col_text(s, 1);
        snprintf(x->kind, sizeof x->kind, "%s", kind ? kind : "");
        x->created_at = db_col_int(s, 2);
        size_t len = 0, bl = 0;
        const char *data = db_col_blob(s, 3, &len);
        if (!data) data = "";
        const void *leaf = db_col_blob(s, 4, &bl);
        size_t sl = 0;
        const void *salt = db_col_blob(s, 5, &sl);
        int has_salt = !db_col_is_null(s, 5);
        const char *ref = db_col_text(s, 6);
        long long i = (long long)x->idx;
        if (x->idx != expect) {
            if (x->idx == expect + 1) problem(v, expect, "entry %lld is missing (removed?)", (long long)expect);
            else if (x->idx > expect) problem(v, expect, "entries %lld to %lld are missing (removed?)", (long long)expect, i - 1);
            else problem(v, x->idx, "entry %lld is out of sequence", i);
        }
        expect = x->idx + 1;
        if (!kind || !kind_ok(kind)) problem(v, x->idx, "entry %lld: kind '%s' is not valid", i, kind ? kind : "");
        merkle_hash_leaf(data, len, x->leaf);
        if (!leaf || bl != HL || memcmp(leaf, x->leaf, HL))
            problem(v, x->idx, "entry %lld: its stored leaf hash is not the hash of its bytes (entry changed?)", i);
        if (x->created_at < last_time) problem(v, x->idx, "entry %lld: logged before the entry before it (entries reordered?)", i);
        last_time = x->created_at;
        x->commitment = has_salt;
        x->salt_ok = has_salt && salt && sl == TLOG_SALT_LEN;
        if (x->salt_ok) memcpy(x->salt, salt, TLOG_SALT_LEN);
        x->audit_head = !strcmp(x->kind, "audit-head");
        if (x->audit_head) {
            char *end = NULL;
            x->audit_id = ref ? strtoll(ref, &end, 10) : 0;
            if (!ref || !*ref || *end || x->audit_id <= 0) {
                problem(v, x->idx, "entry %lld: an audit-head entry that names no audit entry", i);
                x->audit_id = 0;
            }
            res->audit_heads++;
        }
        if (x->commitment) res->commitments++;
        check_entry_json(v, x, data, len);
        if (!strcmp(x->kind, "statement")) {
            x->data = xmalloc(len + 1);
            memcpy(x->data, data, len);
            x->data[len] = 0;
            x->len = len;
        }
    }
    db_reset(s);
    if (rc == DB_ERR) *dberr = 1;
    *out = e;
    *nout = n;
}

static void check_statements(reg *r, struct vstate *v, struct tlog_verify_result *res, struct ventry *e, size_t n, int *dberr)
{
    db_stmt *s = db_prepare(reg_db(r),
        "SELECT s.incident_id, i.ref, s.lang, s.revision, s.title, s.statement, s.facts, s.published_at, s.tlog_idx "
        "FROM incident_statement s JOIN incident i ON i.id = s.incident_id ORDER BY s.incident_id, s.lang, s.revision");
    if (!s) { *dberr = 1; return; }
    int64_t last_inc = -1, last_idx = -1, last_rev = 0;
    char last_lang[8] = "";
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t inc_id = db_col_int(s, 0), rev = db_col_int(s, 3), idx = db_col_int(s, 8);
        const char *ref = db_col_text(s, 1), *lang = db_col_text(s, 2);
        if (inc_id != last_inc || strcmp(lang, last_lang)) { last_idx = -1; last_rev = 0; }
        res->statements++;
        struct ventry *x = ventry_find(e, n, idx);
        json_t *facts = json_loads(db_col_text(s, 6), JSON_REJECT_DUPLICATES, NULL);
        if (!x) {
            problem(v, idx, "entry %lld (revision %lld of the %s statement on %s) is missing", (long long)idx, (long long)rev, lang, ref);
        } else {
            x->referenced = 1;
            json_t *o = statement_entry(ref, rev, lang, db_col_text(s, 4), db_col_text(s, 5), facts ? facts : json_null(),
                                        db_col_int(s, 7), rev == last_rev + 1 ? last_idx : -2);
            json_object_set_new(o, "kind", json_string("statement"));
            json_object_set_new(o, "logged_at", iso_json(db_col_int(s, 7)));
            char *c = NULL;
            size_t cl = 0;
            if (tlog_json_canonical(o, &c, &cl, NULL, 0) || !x->data || cl != x->len || memcmp(c, x->data, cl))
                problem(v, idx, "entry %lld: is not revision %lld of the %s statement on %s as the register holds it "
                                "(entry or statement changed, or entries reordered)", (long long)idx, (long long)rev, lang, ref);
            free(c);
            json_decref(o);
        }
        json_decref(facts);
        last_inc = inc_id;
        snprintf(last_lang, sizeof last_lang, "%s", lang);
        last_idx = idx;
        last_rev = rev;
    }
    db_reset(s);
    if (rc == DB_ERR) { *dberr = 1; return; }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(e[i].kind, "statement") && !e[i].referenced)
            problem(v, e[i].idx, "entry %lld: a statement that the register does not hold", (long long)e[i].idx);
}

static void check_checkpoints(reg *r, struct vstate *v, struct tlog_verify_result *res, const uint8_t pk[CKPT_PK_LEN],
                              struct ventry *e, size_t n, int *dberr)
{
    struct tlog_ckpt *c;
    size_t nc;
    if (tlog_checkpoints(r, &c, &nc)) { *dberr = 1; return; }
    res->checkpoints = (int64_t)nc;
    uint8_t *leaves = xmalloc((n ? n : 1) * HL);
    for (size_t i = 0; i < n; i++) memcpy(leaves + i * HL, e[i].leaf, HL);
    struct merkle_compact mc;
    merkle_compact_init(&mc);
    size_t fed = 0;
    int64_t last_good = 0, last_time = INT64_MIN;
    int prev_ok = 0;
    uint8_t prev_root[HL];
    int64_t prev_size = 0;
    struct ckpt *cp = xmalloc(sizeof *cp);
    for (size_t k = 0; k < nc; k++) {
        long long sz = (long long)c[k].size;
        char err[300];
        int ok = 1;
        res->latest_size = c[k].size;
        if (ckpt_parse(c[k].note, strlen(c[k].note), cp, err, sizeof err)) {
            problem(v, -1, "checkpoint of size %lld: not a valid signed note: %s", sz, err);
            prev_ok = 0;
            continue;
        }
        if (ckpt_verify(c[k].note, strlen(c[k].note), cp->origin, pk, NULL, cp, err, sizeof err)) {
            problem(v, -1, "checkpoint of size %lld: its signature does not verify: %s", sz, err);
            ok = 0;
        }
        if ((int64_t)cp->size != c[k].size || memcmp(cp->root, c[k].root, HL)) {
            problem(v, -1, "checkpoint of size %lld: the signed note says size %llu and another root than stored", sz,
                    (unsigned long long)cp->size);
            ok = 0;
        }
        if (c[k].created_at < last_time) problem(v, -1, "checkpoint of size %lld: made before the checkpoint before it", sz);
        last_time = c[k].created_at;
        if (c[k].size < 1 || (uint64_t)c[k].size > n) {
            problem(v, (int64_t)n, "checkpoint of size %lld: the log holds only %zu entries (entries removed?)", sz, n);
            prev_ok = 0;
            continue;
        }
        while (fed < (size_t)c[k].size) merkle_compact_append(&mc, leaves + fed++ * HL, NULL, 0);
        uint8_t root[HL];
        merkle_compact_root(&mc, root);
        if (memcmp(root, cp->root, HL)) {
            problem(v, -1, "checkpoint of size %lld: its root is not the root of the stored entries 0..%lld: an entry among "
                           "%lld..%lld was changed, removed or reordered", sz, sz - 1, (long long)last_good, sz - 1);
            ok = 0;
        } else last_good = c[k].size;
        if (strcmp(e[c[k].size - 1].kind, "audit-head"))
            problem(v, c[k].size - 1, "checkpoint of size %lld: its last entry %lld is not an audit-head entry", sz, sz - 1);
        if (ok && prev_ok) {
            uint8_t proof[MERKLE_MAX_PROOF * HL];
            size_t pl;
            if (merkle_consistency_proof(leaves, (uint64_t)prev_size, (uint64_t)c[k].size, proof, &pl, err, sizeof err) ||
                merkle_verify_consistency((uint64_t)prev_size, (uint64_t)c[k].size, prev_root, cp->root, proof, pl, err, sizeof err))
                problem(v, -1, "checkpoints of sizes %lld and %lld are not consistent: %s", (long long)prev_size, sz, err);
        }
        prev_ok = ok;
        memcpy(prev_root, cp->root, HL);
        prev_size = c[k].size;
    }
    free(cp);
    free(leaves);
    tlog_ckpts_free(c, nc);
}

struct arow { int64_t id; uint8_t hash[HL]; int has; };

static void check_audit(reg *r, struct vstate *v, struct tlog_verify_result *res, struct ventry *e, size_t n, int *dberr)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value, "
                                       "prev_hash, hash FROM audit ORDER BY id");
    if (!s) { *dberr = 1; return; }
    size_t na = 0, cap = 0;
    struct arow *a = NULL;
    uint8_t prev[HL] = {0};
    int64_t prev_id = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (na == cap) { cap = cap ? cap * 2 : 256; a = xrealloc(a, cap * sizeof *a); }
        struct arow *x = &a[na++];
        memset(x, 0, sizeof *x);
        x->id = db_col_int(s, 0);
        size_t pl = 0, hl = 0;
        const void *ph = db_col_blob(s, 9, &pl);
        if (!ph) pl = 0;
        uint8_t stored_prev[HL];
        if (pl == HL) memcpy(stored_prev, ph, HL);
        const void *h = db_col_blob(s, 10, &hl);
        long long id = (long long)x->id;
        if (!h || hl != HL) {
            problem(v, -1, "audit entry #%lld: not chained (no hash)", id);
            memset(prev, 0, HL);
        } else {
            memcpy(x->hash, h, HL);
            x->has = 1;
            uint8_t want[HL];
            if (pl != HL) problem(v, -1, "audit entry #%lld: no prev_hash", id);
            else {
                if (memcmp(stored_prev, prev, HL)) {
                    if (na == 1) problem(v, -1, "audit entry #%lld: the chain does not start here (entries before it removed?)", id);
                    else problem(v, -1, "audit entry #%lld: its prev_hash is not the hash of audit entry #%lld "
                                        "(entries removed, inserted or reordered?)", id, (long long)prev_id);
                }
                tlog_audit_hash(stored_prev, x->id, db_col_int(s, 1), db_col_text(s, 2), db_col_text(s, 3), db_col_text(s, 4),
                                db_col_text(s, 5), db_col_text(s, 6), db_col_text(s, 7), db_col_text(s, 8), want);
                if (memcmp(want, x->hash, HL)) problem(v, -1, "audit entry #%lld: its content does not match its hash (edited?)", id);
            }
            memcpy(prev, x->hash, HL);
        }
        prev_id = x->id;
    }
    db_reset(s);
    if (rc == DB_ERR) { free(a); *dberr = 1; return; }
    res->audit_rows = (int64_t)na;
    /* audit-head commitments: each opens to the chain hash of the row it names */
    int64_t last_head_id = 0, last_ok_head = 0;
    for (size_t i = 0; i < n; i++) {
        struct ventry *x = &e[i];
        if (!x->audit_head || !x->audit_id) continue;
        long long idx = (long long)x->idx, hid = (long long)x->audit_id;
        if (x->audit_id < last_head_id) problem(v, x->idx, "entry %lld (audit-head): names audit entry #%lld, older than the head before it", idx, hid);
        last_head_id = x->audit_id;
        size_t lo = 0, hi = na;
        while (lo < hi) { size_t mid = lo + (hi - lo) / 2; if (a[mid].id < x->audit_id) lo = mid + 1; else hi = mid; }
        if (lo >= na || a[lo].id != x->audit_id || !a[lo].has) {
            problem(v, x->idx, "entry %lld (audit-head): audit entry #%lld is missing from the audit trail", idx, hid);
            continue;
        }
        char content[128], hex[2 * HL + 1];
        to_hex(a[lo].hash, HL, hex);
        int cl = snprintf(content, sizeof content, "{\"hash\":\"%s\",\"id\":%lld}", hex, hid);
        struct sha256_ctx c;
        uint8_t got[HL];
        sha256_init(&c);
        sha256_update(&c, x->salt, TLOG_SALT_LEN);
        sha256_update(&c, content, (size_t)cl);
        sha256_final(&c, got);
        if (!x->salt_ok || memcmp(got, x->commit, HL))
            problem(v, x->idx, "entry %lld (audit-head): the audit trail up to #%lld is not what was committed then: "
                               "audit entries #%lld..#%lld were changed, removed or re-chained",
                    idx, hid, (long long)last_ok_head + 1, hid);
        else last_ok_head = x->audit_id;
        res->audit_committed = (int64_t)lo + 1;
    }
    free(a);
}

void tlog_verify_release(struct tlog_verify_result *res)
{
    if (!res) return;
    for (size_t i = 0; i < res->nproblems; i++) free(res->problems[i]);
    res->nproblems = 0;
}

int tlog_verify(reg *r, const uint8_t pk[CKPT_PK_LEN], struct tlog_verify_result *res)
{
    memset(res, 0, sizeof *res);
    res->first_bad_entry = -1;
    struct vstate v = {0};
    struct ventry *e = NULL;
    size_t n = 0;
    int dberr = 0;
    load_entries(r, &v, res, &e, &n, &dberr);
    res->entries = (int64_t)n;
    if (!dberr) check_statements(r, &v, res, e, n, &dberr);
    if (!dberr) check_checkpoints(r, &v, res, pk, e, n, &dberr);
    if (!dberr) check_audit(r, &v, res, e, n, &dberr);
    for (size_t i = 0; i < n; i++) free(e[i].data);
    free(e);
    if (v.n) qsort(v.p, v.n, sizeof *v.p, vprob_cmp);
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i].entry >= 0 && (res->first_bad_entry < 0 || v.p[i].entry < res->first_bad_entry)) res->first_bad_entry = v.p[i].entry;
        if (res->nproblems < TLOG_VERIFY_MAX_PROBLEMS) res->problems[res->nproblems++] = v.p[i].msg;
        else { res->more_problems++; free(v.p[i].msg); }
    }
    free(v.p);
    if (dberr) { tlog_verify_release(res); return reg_dberr(r); }
    return 0;
}

/* ================================================================ making a checkpoint */

int tlog_checkpoint(reg *r, const sign_key *k, struct tlog_ckpt *out)
{
    int rc;
    if (out) memset(out, 0, sizeof *out);
    if ((rc = need_tx(r))) return rc;
    char origin[CKPT_MAX_NAME + 1];
    if ((rc = tlog_origin(r, origin, NULL))) return rc;
    uint8_t pk[CKPT_PK_LEN], keyid[SIGN_KEYID_BYTES];
    sign_key_public(k, pk, keyid);

    /* never sign on top of a log that does not verify */
    struct tlog_verify_result vr;
    if ((rc = tlog_verify(r, pk, &vr))) return rc;
    if (vr.nproblems) {
        rc = reg_fail(r, 1, "the log is inconsistent, refusing to sign a checkpoint: %s%s", vr.problems[0],
                      vr.nproblems > 1 ? " (and more: run 'klartext log verify')" : "");
        tlog_verify_release(&vr);
        return rc;
    }
    tlog_verify_release(&vr);

    struct tlog_ckpt prev;
    int have_prev;
    if ((rc = tlog_checkpoint_latest(r, &prev, &have_prev))) return rc;
    int64_t n;
    if ((rc = tlog_size(r, &n))) goto out;
    char oldv[32], newv[32];
    snprintf(oldv, sizeof oldv, "%lld", (long long)prev.size);
    snprintf(newv, sizeof newv, "%lld", (long long)(n + 1));
    if ((rc = reg_audit(r, NULL, "log.checkpoint", "size", have_prev ? oldv : NULL, newv))) goto out;

    /* commit to the audit trail's head (the entry just written) */
    db_stmt *s = db_prepare(reg_db(r), "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!s) { rc = reg_dberr(r); goto out; }
    int st = db_step(s);
    size_t hl = 0;
    const void *h = st == DB_ROW ? db_col_blob(s, 1, &hl) : NULL;
    if (st != DB_ROW || !h || hl != HL) {
        db_reset(s);
        rc = st == DB_ERR ? reg_dberr(r) : reg_fail(r, 1, "the audit trail has no chained head");
        goto out;
    }
    int64_t head_id = db_col_int(s, 0);
    char hex[2 * HL + 1], content[128], ref[32];
    to_hex(h, HL, hex);
    db_reset(s);
    int cl = snprintf(content, sizeof content, "{\"hash\":\"%s\",\"id\":%lld}", hex, (long long)head_id);
    snprintf(ref, sizeof ref, "%lld", (long long)head_id);
    int64_t idx;
    struct tlog_commit_item it = {.content = content, .len = (size_t)cl, .ref = ref};
    if ((rc = append_commitments(r, "audit-head", &it, 1, &idx))) goto out;
    int64_t size = idx + 1;

    uint8_t *leaves, root[HL];
    char err[300];
    if ((rc = load_leaves(r, size, &leaves))) goto out;
    if (merkle_root(leaves, (uint64_t)size, root, err, sizeof err)) { rc = reg_fail(r, 1, "%s", err); free(leaves); goto out; }

    /* sign: the note text, a blank line, "— <origin> base64(key id ‖ signature)" */
    char text[CKPT_SIGNED_MAX], note[CKPT_SIGNED_MAX + 64];
    size_t tl;
    if (ckpt_format(origin, (uint64_t)size, root, text, sizeof text, &tl, err, sizeof err)) {
        rc = reg_fail(r, 1, "checkpoint: %s", err);
        free(leaves);
        goto out;
    }
    uint8_t blob[4 + SIGN_SIG_BYTES];
    uint32_t kid = ckpt_key_id(origin, pk);
    blob[0] = (uint8_t)(kid >> 24); blob[1] = (uint8_t)(kid >> 16); blob[2] = (uint8_t)(kid >> 8); blob[3] = (uint8_t)kid;
    sign_ed25519(k, (const unsigned char *)text, tl, blob + 4);
    char b64[sodium_base64_ENCODED_LEN(sizeof blob, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    int nl = snprintf(note, sizeof note, "%s\n\xe2\x80\x94 %s %s\n", text, origin, b64);
    struct ckpt *cp = xmalloc(sizeof *cp);
    if (nl <= 0 || (size_t)nl >= sizeof note || ckpt_verify(note, (size_t)nl, origin, pk, origin, cp, err, sizeof err)) {
        rc = reg_fail(r, 1, "the new checkpoint does not verify: %s", err);
        free(cp);
        free(leaves);
        goto out;
    }
    free(cp);
    /* and it extends the previous checkpoint */
    if (have_prev) {
        uint8_t proof[MERKLE_MAX_PROOF * HL];
        size_t pl;
        if (merkle_consistency_proof(leaves, (uint64_t)prev.size, (uint64_t)size, proof, &pl, err, sizeof err) ||
            merkle_verify_consistency((uint64_t)prev.size, (uint64_t)size, prev.root, root, proof, pl, err, sizeof err)) {
            rc = reg_fail(r, 1, "the log is inconsistent with checkpoint %lld, refusing to sign: %s", (long long)prev.size, err);
            free(leaves);
            goto out;
        }
    }
    free(leaves);
    s = db_prepare(reg_db(r), "INSERT INTO tlog_checkpoint(size, root, note, created_at) VALUES (?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, size) || db_bind_blob(s, 2, root, HL) || db_bind_text(s, 3, note) ||
        db_bind_int(s, 4, reg_now(r)) || db_step(s) != DB_DONE) { rc = reg_dberr(r); goto out; }
    if (out) {
        out->size = size;
        memcpy(out->root, root, HL);
        out->note = xstrdup(note);
        out->created_at = reg_now(r);
    }
out:
    tlog_ckpt_release(&prev);
    return rc;
}
