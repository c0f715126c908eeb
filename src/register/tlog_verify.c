/* tlog_verify.c — checking the whole transparency log from the stored data (tlog_verify) and
 * signing a checkpoint on top of a log that checked out (tlog_checkpoint). See tlog_store.h.
 * The check reads the raw rows itself (entries, statements, the audit trail) rather than
 * through the accessors, so that it sees what is stored, not what the accessors make of it. */
#include "register/tlog_store.h"
#include "register/audit.h"
#include "register/reg_int.h"
#include "register/statement.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL MERKLE_HASH_LEN

/* lower-case hex of B[0..N) into OUT (2N + 1 bytes) */
static void to_hex(const uint8_t *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* lower-case hex only: the canonical form of a commitment */
static int from_hex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return -1;
        if (i % 2 == 0) out[i / 2] = (uint8_t)(v << 4);
        else out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

/* ================================================================ verification */

struct vprob {
    int64_t entry;
    size_t seq;
    char *msg;
};
struct vstate {
    struct vprob *p;
    size_t n, cap;
};

static void problem(struct vstate *v, int64_t entry, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct vstate *v, int64_t entry, const char *fmt, ...)
{
    v->p = xgrow(v->p, v->n, &v->cap, sizeof *v->p, 16);
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
    uint64_t ex = (uint64_t)x->entry, ey = (uint64_t)y->entry; /* -1 (no entry) sorts last */
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
    char *data; /* statements only */
    size_t len;
    int referenced;
};

static struct ventry *ventry_find(struct ventry *e, size_t n, int64_t idx)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].idx < idx) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && e[lo].idx == idx ? &e[lo] : NULL;
}

static void check_entry_json(struct vstate *v, struct ventry *e, const char *data, size_t len)
{
    long long i = (long long)e->idx;
    json_error_t je;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) {
        problem(v, e->idx, "entry %lld: not a JSON object", i);
        json_decref(j);
        return;
    }
    char *c = NULL, err[200];
    size_t cl = 0;
    if (tlog_json_canonical(j, &c, &cl, err, sizeof err) || cl != len || memcmp(c, data, len))
        problem(v, e->idx, "entry %lld: not canonical JSON", i);
    free(c);
    const char *kind = json_string_value(json_object_get(j, "kind"));
    if (!kind || strcmp(kind, e->kind))
        problem(v, e->idx, "entry %lld: its JSON says kind '%s' but it is stored as '%s'", i, kind ? kind : "",
                e->kind);
    char iso[KT_ISO_LEN];
    kt_time_iso(e->created_at, iso);
    const char *at = json_string_value(json_object_get(j, "logged_at"));
    if (!at || strcmp(at, iso))
        problem(v, e->idx, "entry %lld: its logged_at '%s' is not its stored time %s", i, at ? at : "", iso);
    const char *cm = json_string_value(json_object_get(j, "commitment"));
    if (e->commitment) {
        if (json_object_size(j) != 3 || !cm || from_hex(cm, e->commit, HL))
            problem(v, e->idx, "entry %lld: a commitment entry must hold exactly commitment, kind and logged_at", i);
        if (!e->salt_ok)
            problem(v, e->idx, "entry %lld: the commitment's salt is missing or not %d bytes", i, TLOG_SALT_LEN);
        if (!strcmp(e->kind, "statement")) problem(v, e->idx, "entry %lld: a statement stored as a commitment", i);
    } else {
        if (json_object_get(j, "commitment"))
            problem(v, e->idx, "entry %lld: a public entry that holds a commitment but no salt", i);
        if (e->audit_head) problem(v, e->idx, "entry %lld: an audit-head entry without a salt", i);
    }
    json_decref(j);
}

static void load_entries(reg *r, struct vstate *v, struct tlog_verify_result *res, struct ventry **out, size_t *nout,
                         int *dberr)
{
    db_stmt *s = db_prepare(r->d,
                            "SELECT idx, kind, created_at, entry, leaf_hash, salt, ref FROM tlog_entry ORDER BY idx");
    *out = NULL;
    *nout = 0;
    if (!s) {
        *dberr = 1;
        return;
    }
    size_t cap = 0, n = 0;
    struct ventry *e = NULL;
    int64_t expect = 0, last_time = INT64_MIN;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        e = xgrow(e, n, &cap, sizeof *e, 64);
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
            else if (x->idx > expect)
                problem(v, expect, "entries %lld to %lld are missing (removed?)", (long long)expect, i - 1);
            else problem(v, x->idx, "entry %lld is out of sequence", i);
        }
        expect = x->idx + 1;
        if (!kind || !tlog_kind_ok(kind)) problem(v, x->idx, "entry %lld: kind '%s' is not valid", i, kind ? kind : "");
        merkle_hash_leaf(data, len, x->leaf);
        if (!leaf || bl != HL || memcmp(leaf, x->leaf, HL))
            problem(v, x->idx, "entry %lld: its stored leaf hash is not the hash of its bytes (entry changed?)", i);
        if (x->created_at < last_time)
            problem(v, x->idx, "entry %lld: logged before the entry before it (entries reordered?)", i);
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

static void check_statements(reg *r, struct vstate *v, struct tlog_verify_result *res, struct ventry *e, size_t n,
                             int *dberr)
{
    db_stmt *s = db_prepare(
        r->d,
        "SELECT s.incident_id, i.ref, s.lang, s.revision, s.title, s.statement, s.facts, s.published_at, s.tlog_idx "
        "FROM incident_statement s JOIN incident i ON i.id = s.incident_id ORDER BY s.incident_id, s.lang, s.revision");
    if (!s) {
        *dberr = 1;
        return;
    }
    int64_t last_inc = -1, last_idx = -1, last_rev = 0;
    char last_lang[8] = "";
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t inc_id = db_col_int(s, 0), rev = db_col_int(s, 3), idx = db_col_int(s, 8);
        const char *ref = db_col_text(s, 1), *lang = db_col_text(s, 2);
        if (inc_id != last_inc || strcmp(lang, last_lang)) {
            last_idx = -1;
            last_rev = 0;
        }
        res->statements++;
        struct ventry *x = ventry_find(e, n, idx);
        json_t *facts = json_loads(db_col_text(s, 6), JSON_REJECT_DUPLICATES, NULL);
        if (!x) {
            problem(v, idx, "entry %lld (revision %lld of the %s statement on %s) is missing", (long long)idx,
                    (long long)rev, lang, ref);
        } else {
            x->referenced = 1;
            json_t *o = statement_entry(ref, rev, lang, db_col_text(s, 4), db_col_text(s, 5),
                                        facts ? facts : json_null(), db_col_int(s, 7),
                                        rev == last_rev + 1 ? last_idx : -2);
            json_object_set_new(o, "kind", json_string("statement"));
            json_object_set_new(o, "logged_at", tlog_iso_json(db_col_int(s, 7)));
            char *c = NULL;
            size_t cl = 0;
            if (tlog_json_canonical(o, &c, &cl, NULL, 0) || !x->data || cl != x->len || memcmp(c, x->data, cl))
                problem(v, idx,
                        "entry %lld: is not revision %lld of the %s statement on %s as the register holds it "
                        "(entry or statement changed, or entries reordered)",
                        (long long)idx, (long long)rev, lang, ref);
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
    if (rc == DB_ERR) {
        *dberr = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(e[i].kind, "statement") && !e[i].referenced)
            problem(v, e[i].idx, "entry %lld: a statement that the register does not hold", (long long)e[i].idx);
}

static void check_checkpoints(reg *r, struct vstate *v, struct tlog_verify_result *res, const uint8_t pk[CKPT_PK_LEN],
                              struct ventry *e, size_t n, int *dberr)
{
    struct tlog_ckpt *c;
    size_t nc;
    if (tlog_checkpoints(r, &c, &nc)) {
        *dberr = 1;
        return;
    }
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
        if (c[k].created_at < last_time)
            problem(v, -1, "checkpoint of size %lld: made before the checkpoint before it", sz);
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
            problem(v, -1,
                    "checkpoint of size %lld: its root is not the root of the stored entries 0..%lld: an entry among "
                    "%lld..%lld was changed, removed or reordered",
                    sz, sz - 1, (long long)last_good, sz - 1);
            ok = 0;
        } else last_good = c[k].size;
        if (strcmp(e[c[k].size - 1].kind, "audit-head"))
            problem(v, c[k].size - 1, "checkpoint of size %lld: its last entry %lld is not an audit-head entry", sz,
                    sz - 1);
        if (ok && prev_ok) {
            uint8_t proof[MERKLE_MAX_PROOF * HL];
            size_t pl;
            if (merkle_consistency_proof(leaves, (uint64_t)prev_size, (uint64_t)c[k].size, proof, &pl, err,
                                         sizeof err) ||
                merkle_verify_consistency((uint64_t)prev_size, (uint64_t)c[k].size, prev_root, cp->root, proof, pl, err,
                                          sizeof err))
                problem(v, -1, "checkpoints of sizes %lld and %lld are not consistent: %s", (long long)prev_size, sz,
                        err);
        }
        prev_ok = ok;
        memcpy(prev_root, cp->root, HL);
        prev_size = c[k].size;
    }
    free(cp);
    free(leaves);
    tlog_ckpts_free(c, nc);
}

struct arow {
    int64_t id;
    uint8_t hash[HL];
    int has;
};

/* One row of the audit query (columns as in audit_chain): checked against the chain hash
   before it (prev, then set to the row's own hash, or zeros when it has none). */
static void chain_row(struct vstate *v, db_stmt *s, struct arow *x, int first, int64_t prev_id, uint8_t prev[HL])
{
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
        return;
    }
    memcpy(x->hash, h, HL);
    x->has = 1;
    uint8_t want[HL];
    if (pl != HL) problem(v, -1, "audit entry #%lld: no prev_hash", id);
    else {
        if (memcmp(stored_prev, prev, HL)) {
            if (first)
                problem(v, -1, "audit entry #%lld: the chain does not start here (entries before it removed?)", id);
            else
                problem(v, -1,
                        "audit entry #%lld: its prev_hash is not the hash of audit entry #%lld "
                        "(entries removed, inserted or reordered?)",
                        id, (long long)prev_id);
        }
        audit_hash(stored_prev, x->id, db_col_int(s, 1), db_col_text(s, 2), db_col_text(s, 3), db_col_text(s, 4),
                   db_col_text(s, 5), db_col_text(s, 6), db_col_text(s, 7), db_col_text(s, 8), db_col_text(s, 11),
                   want);
        if (memcmp(want, x->hash, HL))
            problem(v, -1, "audit entry #%lld: its content does not match its hash (edited?)", id);
    }
    memcpy(prev, x->hash, HL);
}

/* The audit trail's hash chain, row by row; *a (caller frees) gets the rows' ids and hashes in
   id order. 0, or -1 when the register cannot be read. */
static int audit_chain(reg *r, struct vstate *v, struct arow **out, size_t *nout)
{
    db_stmt *s = db_prepare(r->d, "SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value, "
                                  "prev_hash, hash, login FROM audit ORDER BY id");
    if (!s) return -1;
    size_t na = 0, cap = 0;
    struct arow *a = NULL;
    uint8_t prev[HL] = {0};
    int64_t prev_id = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        a = xgrow(a, na, &cap, sizeof *a, 256);
        struct arow *x = &a[na++];
        memset(x, 0, sizeof *x);
        chain_row(v, s, x, na == 1, prev_id, prev);
        prev_id = x->id;
    }
    db_reset(s);
    if (rc == DB_ERR) {
        free(a);
        return -1;
    }
    *out = a;
    *nout = na;
    return 0;
}

/* Does audit-head entry X's commitment open to the chain hash of the row it names? */
static int head_opens(const struct ventry *x, const uint8_t hash[HL])
{
    char content[128], hex[2 * HL + 1];
    to_hex(hash, HL, hex);
    int cl = snprintf(content, sizeof content, "{\"hash\":\"%s\",\"id\":%lld}", hex, (long long)x->audit_id);
    struct sha256_ctx c;
    uint8_t got[HL];
    sha256_init(&c);
    sha256_update(&c, x->salt, TLOG_SALT_LEN);
    sha256_update(&c, content, (size_t)cl);
    sha256_final(&c, got);
    return x->salt_ok && !memcmp(got, x->commit, HL);
}

static void check_audit(reg *r, struct vstate *v, struct tlog_verify_result *res, struct ventry *e, size_t n,
                        int *dberr)
{
    size_t na = 0;
    struct arow *a = NULL;
    if (audit_chain(r, v, &a, &na)) {
        *dberr = 1;
        return;
    }
    res->audit_rows = (int64_t)na;
    /* audit-head commitments: each opens to the chain hash of the row it names */
    int64_t last_head_id = 0, last_ok_head = 0;
    for (size_t i = 0; i < n; i++) {
        struct ventry *x = &e[i];
        if (!x->audit_head || !x->audit_id) continue;
        long long idx = (long long)x->idx, hid = (long long)x->audit_id;
        if (x->audit_id < last_head_id)
            problem(v, x->idx, "entry %lld (audit-head): names audit entry #%lld, older than the head before it", idx,
                    hid);
        last_head_id = x->audit_id;
        size_t lo = 0, hi = na;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (a[mid].id < x->audit_id) lo = mid + 1;
            else hi = mid;
        }
        if (lo >= na || a[lo].id != x->audit_id || !a[lo].has) {
            problem(v, x->idx, "entry %lld (audit-head): audit entry #%lld is missing from the audit trail", idx, hid);
            continue;
        }
        if (!head_opens(x, a[lo].hash))
            problem(v, x->idx,
                    "entry %lld (audit-head): the audit trail up to #%lld is not what was committed then: "
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
        if (v.p[i].entry >= 0 && (res->first_bad_entry < 0 || v.p[i].entry < res->first_bad_entry))
            res->first_bad_entry = v.p[i].entry;
        if (res->nproblems < TLOG_VERIFY_MAX_PROBLEMS) res->problems[res->nproblems++] = v.p[i].msg;
        else {
            res->more_problems++;
            free(v.p[i].msg);
        }
    }
    free(v.p);
    if (dberr) {
        tlog_verify_release(res);
        return reg_dberr(r);
    }
    return 0;
}

/* ================================================================ making a checkpoint */

/* never sign on top of a log that does not verify */
static int verify_before_signing(reg *r, const uint8_t pk[CKPT_PK_LEN])
{
    struct tlog_verify_result vr;
    int rc;
    if ((rc = tlog_verify(r, pk, &vr))) return rc;
    if (vr.nproblems)
        rc = reg_fail(r, 1, "the log is inconsistent, refusing to sign a checkpoint: %s%s", vr.problems[0],
                      vr.nproblems > 1 ? " (and more: run 'klartext log verify')" : "");
    tlog_verify_release(&vr);
    return rc;
}

/* append the commitment to the audit trail's head (its id and chain hash); *size: the log's
   size with it */
static int commit_audit_head(reg *r, int64_t *size)
{
    uint8_t h[HL];
    int64_t head_id, idx;
    int has, found, rc;
    if ((rc = audit_head(r, &head_id, h, &has, &found))) return rc;
    if (!found || !has) return reg_fail(r, 1, "the audit trail has no chained head");
    char hex[2 * HL + 1], content[128], ref[32];
    to_hex(h, HL, hex);
    int cl = snprintf(content, sizeof content, "{\"hash\":\"%s\",\"id\":%lld}", hex, (long long)head_id);
    snprintf(ref, sizeof ref, "%lld", (long long)head_id);
    if ((rc = tlog_append_audit_head(r, content, (size_t)cl, ref, &idx))) return rc;
    *size = idx + 1;
    return 0;
}

/* the signed note over the tree head (SIZE, ROOT): the note text, a blank line,
   "— <origin> base64(key id ‖ signature)"; checked to verify. NOTE holds CKPT_SIGNED_MAX + 64. */
static int sign_note(reg *r, const sign_key *k, const uint8_t pk[CKPT_PK_LEN], const char *origin, int64_t size,
                     const uint8_t root[HL], char *note, size_t notesz)
{
    char text[CKPT_SIGNED_MAX], err[300] = "";
    size_t tl;
    if (ckpt_format(origin, (uint64_t)size, root, text, sizeof text, &tl, err, sizeof err))
        return reg_fail(r, 1, "checkpoint: %s", err);
    uint8_t blob[4 + SIGN_SIG_BYTES];
    uint32_t kid = ckpt_key_id(origin, pk);
    blob[0] = (uint8_t)(kid >> 24);
    blob[1] = (uint8_t)(kid >> 16);
    blob[2] = (uint8_t)(kid >> 8);
    blob[3] = (uint8_t)kid;
    sign_ed25519(k, (const unsigned char *)text, tl, blob + 4);
    char b64[sodium_base64_ENCODED_LEN(sizeof blob, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    int nl = snprintf(note, notesz, "%s\n\xe2\x80\x94 %s %s\n", text, origin, b64);
    struct ckpt *cp = xmalloc(sizeof *cp);
    int rc = 0;
    if (nl <= 0 || (size_t)nl >= notesz || ckpt_verify(note, (size_t)nl, origin, pk, origin, cp, err, sizeof err))
        rc = reg_fail(r, 1, "the new checkpoint does not verify: %s", err);
    free(cp);
    return rc;
}

/* the new tree (LEAVES, SIZE, ROOT) extends the previous checkpoint PREV */
static int extends(reg *r, const uint8_t *leaves, int64_t size, const uint8_t root[HL], const struct tlog_ckpt *prev)
{
    uint8_t proof[MERKLE_MAX_PROOF * HL];
    size_t pl;
    char err[300];
    if (merkle_consistency_proof(leaves, (uint64_t)prev->size, (uint64_t)size, proof, &pl, err, sizeof err) ||
        merkle_verify_consistency((uint64_t)prev->size, (uint64_t)size, prev->root, root, proof, pl, err, sizeof err))
        return reg_fail(r, 1, "the log is inconsistent with checkpoint %lld, refusing to sign: %s",
                        (long long)prev->size, err);
    return 0;
}

/* sign the tree of the first SIZE entries, check it against PREV (when HAVE_PREV) and store it */
static int sign_and_store(reg *r, const sign_key *k, const uint8_t pk[CKPT_PK_LEN], const char *origin, int64_t size,
                          const struct tlog_ckpt *prev, int have_prev, struct tlog_ckpt *out)
{
    uint8_t *leaves, root[HL];
    char err[300], note[CKPT_SIGNED_MAX + 64];
    int rc;
    if ((rc = tlog_load_leaves(r, size, &leaves))) return rc;
    if (merkle_root(leaves, (uint64_t)size, root, err, sizeof err)) rc = reg_fail(r, 1, "%s", err);
    if (!rc) rc = sign_note(r, k, pk, origin, size, root, note, sizeof note);
    if (!rc && have_prev) rc = extends(r, leaves, size, root, prev);
    free(leaves);
    if (rc || (rc = tlog_checkpoint_insert(r, size, root, note))) return rc;
    if (out) {
        out->size = size;
        memcpy(out->root, root, HL);
        out->note = xstrdup(note);
        out->created_at = reg_now(r);
    }
    return 0;
}

int tlog_checkpoint(reg *r, const sign_key *k, struct tlog_ckpt *out)
{
    int rc;
    if (out) memset(out, 0, sizeof *out);
    if ((rc = tlog_need_tx(r))) return rc;
    char origin[CKPT_MAX_NAME + 1];
    if ((rc = tlog_origin(r, origin, NULL))) return rc;
    uint8_t pk[CKPT_PK_LEN], keyid[SIGN_KEYID_BYTES];
    sign_key_public(k, pk, keyid);
    if ((rc = verify_before_signing(r, pk))) return rc;

    struct tlog_ckpt prev;
    int have_prev;
    if ((rc = tlog_checkpoint_latest(r, &prev, &have_prev))) return rc;
    int64_t n, size = 0;
    char oldv[32], newv[32];
    if ((rc = tlog_size(r, &n))) goto out;
    snprintf(oldv, sizeof oldv, "%lld", (long long)prev.size);
    snprintf(newv, sizeof newv, "%lld", (long long)(n + 1));
    if ((rc = reg_audit(r, NULL, "log.checkpoint", "size", have_prev ? oldv : NULL, newv))) goto out;
    /* commit to the audit trail's head (the entry just written), then sign */
    if ((rc = commit_audit_head(r, &size))) goto out;
    rc = sign_and_store(r, k, pk, origin, size, &prev, have_prev, out);
out:
    tlog_ckpt_release(&prev);
    return rc;
}
