/* viewlist.c — the packed viewer lists of the exposure rows (see viewlist.h). */
#include "register/viewlist.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static void put_varint(unsigned char **q, uint64_t v)
{
    unsigned char *o = *q;
    while (v >= 0x80) {
        *o++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *o++ = (unsigned char)v;
    *q = o;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t x = 0;
    const unsigned char *s = *p;
    for (int shift = 0; shift < 70; shift += 7) {
        if (s == end) return -1;
        unsigned char c = *s++;
        if (shift == 63 && c > 1) return -1; /* more than 64 bits */
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *p = s;
            *v = x;
            return 0;
        }
    }
    return -1;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

void viewlist_add(struct buf *b, const struct viewlist_pair *p)
{
    buf_reserve(b, VIEWLIST_HASH + 1 + 3 * 10);
    unsigned char *q = (unsigned char *)b->p + b->len;
    memcpy(q, p->hash, VIEWLIST_HASH);
    q += VIEWLIST_HASH;
    *q++ = (unsigned char)p->kind;
    put_varint(&q, p->views);
    put_varint(&q, zigzag(p->first_seen));
    put_varint(&q, zigzag((int64_t)((uint64_t)p->last_seen - (uint64_t)p->first_seen)));
    b->len = (size_t)(q - (unsigned char *)b->p);
    b->p[b->len] = 0;
}

void viewlist_add_identity(struct buf *b, const char *id, size_t n)
{
    unsigned char v[10], *q = v;
    put_varint(&q, id ? (uint64_t)n + 1 : 0);
    buf_add(b, v, (size_t)(q - v));
    if (id) buf_add(b, id, n);
}

int viewlist_next(const unsigned char **p, const unsigned char *end, struct viewlist_pair *out)
{
    const unsigned char *s = *p;
    if (s == end) return 0;
    if ((size_t)(end - s) < VIEWLIST_HASH + 1) return -1;
    memcpy(out->hash, s, VIEWLIST_HASH);
    s += VIEWLIST_HASH;
    out->kind = *s++;
    if (out->kind != VIEWLIST_SIGNED_IN && out->kind != VIEWLIST_ANONYMOUS) return -1;
    uint64_t first, span;
    if (get_varint(&s, end, &out->views) || get_varint(&s, end, &first) || get_varint(&s, end, &span)) return -1;
    out->first_seen = unzigzag(first);
    out->last_seen = (int64_t)((uint64_t)out->first_seen + (uint64_t)unzigzag(span));
    *p = s;
    return 1;
}

int viewlist_next_identity(const unsigned char **p, const unsigned char *end, const char **id, size_t *n)
{
    const unsigned char *s = *p;
    uint64_t len;
    if (s == end) return 0;
    if (get_varint(&s, end, &len)) return -1;
    *id = NULL;
    *n = 0;
    if (len) {
        if (len - 1 > (uint64_t)(end - s)) return -1;
        *id = (const char *)s;
        *n = (size_t)(len - 1);
        s += len - 1;
    }
    *p = s;
    return 1;
}

const char *viewlist_kind_name(int kind)
{
    return kind == VIEWLIST_ANONYMOUS ? "anonymous" : "signed-in";
}

int viewlist_kind_of(const char *name)
{
    if (name && !strcmp(name, "signed-in")) return VIEWLIST_SIGNED_IN;
    if (name && !strcmp(name, "anonymous")) return VIEWLIST_ANONYMOUS;
    return 0;
}

/* ---------------------------------------------------------------- reading */

struct seen {
    unsigned char key[VIEWLIST_HASH + 1]; /* hash, kind */
};

static int cmp_seen(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct seen));
}

static int damaged(reg *r, int64_t scan_id, const char *subject, const char *what)
{
    return reg_fail(r, 1,
                    "the register is damaged: the %s of person '%s' in scan %lld cannot be read (the layout of"
                    " schema step 14, docs/register.md); restore the register from a backup",
                    what, subject ? subject : "?", (long long)scan_id);
}

int viewlist_scan_viewers(reg *r, int64_t scan_id, int64_t *viewers, int64_t *anonymous)
{
    *viewers = *anonymous = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT viewer_list, subject FROM exposure WHERE scan_id = ?");
    if (!s || db_bind_int(s, 1, scan_id)) return reg_dberr(r);
    struct seen *v = NULL;
    size_t n = 0, cap = 0;
    int rc, ret = 0;
    while (!ret && (rc = db_step(s)) == DB_ROW) {
        size_t len;
        const unsigned char *p = db_col_blob(s, 0, &len), *end = p + len;
        struct viewlist_pair q;
        int got;
        while ((got = viewlist_next(&p, end, &q)) == 1) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                v = xrealloc(v, cap * sizeof *v);
            }
            memcpy(v[n].key, q.hash, VIEWLIST_HASH);
            v[n++].key[VIEWLIST_HASH] = (unsigned char)q.kind;
        }
        if (got < 0) ret = damaged(r, scan_id, db_col_text(s, 1), "viewer list");
    }
    db_reset(s);
    if (!ret && rc == DB_ERR) ret = reg_dberr(r);
    if (n) qsort(v, n, sizeof *v, cmp_seen);
    for (size_t i = 0; !ret && i < n;) {
        size_t j = i;
        int anon = 0;
        for (; j < n && !memcmp(v[j].key, v[i].key, VIEWLIST_HASH); j++)
            anon |= v[j].key[VIEWLIST_HASH] == VIEWLIST_ANONYMOUS;
        ++*viewers;
        *anonymous += anon;
        i = j;
    }
    free(v);
    return ret;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the identities of one row's list into V (each malloc'd), *PAIRS counted: 0 or -1 damaged */
static int row_identities(const unsigned char *p, const unsigned char *end, char ***v, size_t *n, size_t *cap,
                          int64_t *pairs)
{
    const char *id;
    size_t len;
    int got;
    while ((got = viewlist_next_identity(&p, end, &id, &len)) == 1) {
        if (!id) continue;
        ++*pairs;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *v = xrealloc(*v, *cap * sizeof **v);
        }
        char *c = xmalloc(len + 1);
        memcpy(c, id, len);
        c[len] = 0;
        (*v)[(*n)++] = c;
    }
    return got;
}

int viewlist_scan_identities(reg *r, int64_t scan_id, int64_t *pairs, void (*fn)(void *ctx, const char *id), void *ctx)
{
    *pairs = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT viewer_identities, subject FROM exposure"
                                       " WHERE scan_id = ? AND viewer_identities IS NOT NULL");
    if (!s || db_bind_int(s, 1, scan_id)) return reg_dberr(r);
    char **v = NULL;
    size_t n = 0, cap = 0;
    int rc, ret = 0;
    while (!ret && (rc = db_step(s)) == DB_ROW) {
        size_t len;
        const unsigned char *p = db_col_blob(s, 0, &len);
        if (row_identities(p, p + len, &v, &n, &cap, pairs) < 0)
            ret = damaged(r, scan_id, db_col_text(s, 1), "viewer identities");
    }
    db_reset(s);
    if (!ret && rc == DB_ERR) ret = reg_dberr(r);
    if (n) qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++)
        if (!ret && fn && (!i || strcmp(v[i], v[i - 1]))) fn(ctx, v[i]);
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
    return ret;
}

/* ---------------------------------------------------------------- step 14 */

/* the old rows that have no place in the new layout fail a named constraint */
static const char migrate_check[] =
    "CREATE TEMP TABLE kt_viewlist_check (\n"
    "  orphans BIGINT CONSTRAINT \"exposure_viewer rows without the exposure row of their person\" CHECK (orphans = 0),\n"
    "  kinds BIGINT CONSTRAINT \"exposure_viewer rows of a kind other than signed-in or anonymous\" CHECK (kinds = 0),\n"
    "  hashes BIGINT CONSTRAINT \"exposure_viewer rows whose viewer is not a 16-byte keyed hash\" CHECK (hashes = 0));\n"
    "INSERT INTO kt_viewlist_check SELECT\n"
    "  (SELECT count(*) FROM exposure_viewer v WHERE NOT EXISTS\n"
    "    (SELECT 1 FROM exposure e WHERE e.scan_id = v.scan_id AND e.subject = v.subject)),\n"
    "  (SELECT count(*) FROM exposure_viewer WHERE kind NOT IN ('signed-in', 'anonymous')),\n"
    "  (SELECT count(*) FROM exposure_viewer WHERE length(viewer) <> 16);\n"
    "DROP TABLE kt_viewlist_check;\n";

/* one person's packed lists into their row */
static int migrate_flush(db *d, int64_t scan_id, const char *subject, const struct buf *list, const struct buf *ids,
                         int has_ids)
{
    db_stmt *u = db_prepare(
        d, "UPDATE exposure SET viewer_list = ?, viewer_identities = ? WHERE scan_id = ? AND subject = ?");
    if (!u || db_bind_blob(u, 1, buf_str(list), list->len)) return -1;
    if (has_ids ? db_bind_blob(u, 2, buf_str(ids), ids->len) : db_bind_null(u, 2)) return -1;
    if (db_bind_int(u, 3, scan_id) || db_bind_text(u, 4, subject) || db_step(u) != DB_DONE) return -1;
    return 0;
}

/* the identities so far: an empty entry for each of the N pairs before the first identity */
static void migrate_identity(struct buf *ids, int *has_ids, size_t n, const char *id)
{
    if (!*has_ids && id) {
        for (size_t k = 0; k < n; k++) viewlist_add_identity(ids, NULL, 0);
        *has_ids = 1;
    }
    if (*has_ids) viewlist_add_identity(ids, id, id ? strlen(id) : 0);
}

int viewlist_migrate(db *d)
{
    if (db_exec(d, migrate_check)) return -1;
    db_stmt *s = db_prepare(d, "SELECT scan_id, subject, viewer, kind, identity, views, first_seen, last_seen"
                               " FROM exposure_viewer ORDER BY scan_id, subject, viewer");
    if (!s) return -1;
    struct buf list, ids;
    buf_init(&list, 0);
    buf_init(&ids, 0);
    char *subject = NULL;
    int64_t scan_id = 0;
    size_t n = 0;
    int has_ids = 0, rc, ret = 0;
    while (!ret && (rc = db_step(s)) == DB_ROW) {
        const char *sub = db_col_text(s, 1);
        if (subject && (db_col_int(s, 0) != scan_id || strcmp(sub, subject))) {
            ret = migrate_flush(d, scan_id, subject, &list, &ids, has_ids);
            buf_reset(&list);
            buf_reset(&ids);
            free(subject);
            subject = NULL;
            n = 0;
            has_ids = 0;
        }
        if (!subject) {
            scan_id = db_col_int(s, 0);
            subject = strdup(sub);
            if (!subject) abort();
        }
        size_t hn;
        const void *h = db_col_blob(s, 2, &hn);
        struct viewlist_pair p = {.kind = viewlist_kind_of(db_col_text(s, 3)),
                                  .views = (uint64_t)db_col_int(s, 5),
                                  .first_seen = db_col_int(s, 6),
                                  .last_seen = db_col_int(s, 7)};
        memset(p.hash, 0, VIEWLIST_HASH);
        memcpy(p.hash, h, hn < VIEWLIST_HASH ? hn : VIEWLIST_HASH);
        viewlist_add(&list, &p);
        migrate_identity(&ids, &has_ids, n++, db_col_text(s, 4));
    }
    if (!ret && rc == DB_ERR) ret = -1;
    if (!ret && subject) ret = migrate_flush(d, scan_id, subject, &list, &ids, has_ids);
    db_reset(s);
    free(subject);
    buf_release(&list);
    buf_release(&ids);
    return ret ? -1 : db_exec(d, "DROP TABLE exposure_viewer;");
}
