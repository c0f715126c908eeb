/* scans.c — storing and reading exposure scans. */
#include "register/scans.h"
#include "register/reg_int.h"
#include "register/viewlist.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/semilist.h"
#include "util/xalloc.h"
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lower-case hex of B[0..N) into OUT (2N + 1 bytes) */
static void hex(const unsigned char *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

static void join(struct buf *b, size_t n, const char *const *items)
{
    for (size_t i = 0; i < n; i++) {
        if (i) buf_addc(b, ';');
        buf_adds(b, items[i]);
    }
}

/* the scan row: the next version of INC's scans, made current; *id, *version */
static int insert_scan(reg *r, const struct incident *inc, const scan_rule *rule, const char *rulehex,
                       const struct scan_totals *t, int keep_viewers, int check_all, int64_t first, int64_t last,
                       int64_t *id, int64_t *version)
{
    db_stmt *s = db_prepare(r->d, "UPDATE scan SET current = 0 WHERE incident_id = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    if (db_step(s) != DB_DONE) return reg_dberr(r);
    s = db_prepare(
        r->d,
        "INSERT INTO scan(incident_id, version, current, created_at, actor, rule_text, rule_sha256, keep_viewers, check_all,"
        " lines, lines_parsed, lines_matched, malformed, odd_requests, out_of_window, self_views, files_failed,"
        " people, records, views, viewers, bytes, first_seen, last_seen)"
        " VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM scan WHERE incident_id = ?1), 1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) RETURNING id, version");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, reg_now(r));
    db_bind_text(s, 3, reg_actor(r));
    db_bind_text(s, 4, scan_rule_text(rule));
    db_bind_text(s, 5, rulehex);
    db_bind_int(s, 6, keep_viewers);
    db_bind_int(s, 7, check_all);
    const uint64_t counts[] = {t->lines,         t->lines_parsed, t->lines_matched, t->malformed, t->odd_requests,
                               t->out_of_window, t->self_views,   t->files_failed,  t->people,    t->records,
                               t->views,         t->viewer_pairs, t->bytes_out};
    for (int i = 0; i < 13; i++) db_bind_int(s, 8 + i, (int64_t)counts[i]);
    if (first) db_bind_int(s, 21, first);
    else db_bind_null(s, 21);
    if (last) db_bind_int(s, 22, last);
    else db_bind_null(s, 22);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    *id = db_col_int(s, 0);
    *version = db_col_int(s, 1);
    db_reset(s);
    return 0;
}

/* the input files, each also described in EV (the timeline event) */
static int store_inputs(reg *r, int64_t scan_id, const scan_result *res, struct buf *ev)
{
    db_stmt *s = db_prepare(
        r->d, "INSERT INTO scan_input(scan_id, idx, name, compression, size, mtime, sha256, lines, malformed, error)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < scan_result_files(res); i++) {
        struct scan_file f;
        scan_result_file(res, i, &f);
        char sh[65] = "";
        if (f.has_sha256) hex(f.sha256, 32, sh);
        db_bind_int(s, 1, scan_id);
        db_bind_int(s, 2, f.index);
        db_bind_text(s, 3, f.name);
        db_bind_text(s, 4, f.compression);
        db_bind_int(s, 5, (int64_t)f.size);
        db_bind_int(s, 6, f.mtime);
        db_bind_text(s, 7, f.has_sha256 ? sh : NULL);
        db_bind_int(s, 8, (int64_t)f.lines);
        db_bind_int(s, 9, (int64_t)f.malformed);
        db_bind_text(s, 10, f.error);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
        char mt[KT_ISO_LEN];
        kt_time_iso(f.mtime, mt);
        buf_addf(ev, " %s (%llu bytes, %s, modified %s%s%s%s%s)", f.name, (unsigned long long)f.size, f.compression, mt,
                 f.has_sha256 ? ", SHA-256 " : "", f.has_sha256 ? sh : "", f.error ? ", LOST: " : "",
                 f.error ? f.error : "");
        buf_addc(ev, i + 1 < scan_result_files(res) ? ';' : '.');
    }
    return 0;
}

static int store_samples(reg *r, int64_t scan_id, const scan_result *res)
{
    db_stmt *s = db_prepare(r->d, "INSERT INTO scan_sample(scan_id, seq, file, line, reason) VALUES (?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < scan_result_samples(res); i++) {
        struct scan_sample sm;
        scan_result_sample(res, i, &sm);
        db_bind_int(s, 1, scan_id);
        db_bind_int(s, 2, (int64_t)i + 1);
        db_bind_text(s, 3, sm.file);
        db_bind_int(s, 4, (int64_t)sm.line);
        db_bind_text(s, 5, sm.reason);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
    }
    return 0;
}

/* The bulk of a scan — one row per person, their viewers packed into it — goes in through one
   statement that reads the rows from memory (db_insert_rows: SQLite's table kt_rows), made in
   slots of STORE_SLOT people (below): no value bound, no statement executed and reset per row or
   batch (the 64-row INSERTs before spent 17 % of the store's instructions binding 11 values per
   row and copying them into registers again), and the B-tree cursor stays at the end of the
   table, where each of the sorted rows is appended. The result is read STORE_BATCH people at a
   time (read_batch). */
#define STORE_BATCH 64

/* where row J's texts and lists start in the batch's buffer: pages, fields, viewer list,
   identities, end; identities of -1: none (NULL) */
struct row_off {
    size_t pages, fields, list, ids, end;
    int has_ids;
};

/* person E's viewers (viewlist.h) into T: the list, then with KEEP_VIEWERS the identities when
   any pair has one */
static void pack_viewers(struct buf *t, const scan_result *res, const struct scan_exposure *e, int keep_viewers,
                         struct row_off *o)
{
    int ids = 0;
    o->list = t->len;
    for (size_t k = 0; k < e->npairs; k++) {
        struct scan_pair p;
        scan_result_pair(res, e->pair_first + k, &p);
        struct viewlist_pair v = {.kind = p.kind == SCAN_VIEWER_USER ? VIEWLIST_SIGNED_IN : VIEWLIST_ANONYMOUS,
                                  .views = p.views,
                                  .first_seen = p.first_seen,
                                  .last_seen = p.last_seen};
        memcpy(v.hash, p.hash, VIEWLIST_HASH);
        viewlist_add(t, &v);
        ids |= keep_viewers && p.identity;
    }
    o->ids = t->len;
    for (size_t k = 0; ids && k < e->npairs; k++) {
        struct scan_pair p;
        scan_result_pair(res, e->pair_first + k, &p);
        viewlist_add_identity(t, p.identity, p.identity ? strlen(p.identity) : 0);
    }
    o->has_ids = ids;
    o->end = t->len;
}

/* people I … I + K - 1 of the result into E, and the memory of their strings asked for ahead: the
   strings lie where the scan met them, not in this order, so at millions of people each is a
   cache miss; asked for together, the misses of a batch overlap instead of following each other */
static void read_batch(const scan_result *res, size_t i, size_t k, struct scan_exposure *e)
{
    for (size_t j = 0; j < k; j++) {
        scan_result_exposure(res, i + j, &e[j]);
        __builtin_prefetch(e[j].subject);
        __builtin_prefetch(e[j].pages);
    }
    for (size_t j = 0; j < k; j++)
        for (size_t p = 0; p < e[j].npages && p < 4; p++) __builtin_prefetch(e[j].pages[p]);
}

/* The rows of store_exposures are made on a second thread while SQLite inserts them: reading the
   result (each person's strings are a cache miss), joining the pages and fields and packing the
   viewers were a quarter of the store's time on the one thread that steps the statement. The
   maker fills slots of STORE_SLOT rows, each row's values ready for kt_rows and every byte they
   point at (the subject too) in the slot's own buffer; exposure_row hands them to SQLite in
   order and gives a slot back when SQLite asks for the row after its last one (the values stay
   valid until the next call, as db_insert_rows wants). STORE_SLOTS slots: the maker is woken
   when half of them are free, not for every slot. The same rows in the same order as one
   thread would make them; with fewer than two slots' worth of people, or when no thread can
   be started, the rows are made on the calling thread. */
#define STORE_SLOT 512
#define STORE_SLOTS 8
#define STORE_COLS 12

struct row_slot {
    size_t k; /* rows */
    struct buf t; /* the rows' subjects, pages, fields and viewers */
    struct db_value v[STORE_SLOT][STORE_COLS];
};

struct exposure_rows {
    const scan_result *res;
    int64_t scan_id;
    int keep_viewers;
    size_t n, made_people; /* people; people put into slots so far (the maker's) */
    size_t j; /* the next row of the consumer's slot */
    uint64_t made, used; /* slots filled and slots given back (under mu) */
    int threaded, stop, cur; /* cur: the consumer holds slot used % STORE_SLOTS */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct row_slot slot[STORE_SLOTS];
};

static void val_int(struct db_value *v, int64_t i)
{
    v->type = DB_V_INT;
    v->i = i;
}
/* a text or blob at offset OFF of the slot's buffer: the pointer is set when the slot is full
   (the buffer may move while it grows) */
static void val_off(struct db_value *v, enum db_value_type type, size_t off, size_t end)
{
    v->type = type;
    v->p = (const void *)(uintptr_t)off;
    v->n = end - off;
}

/* person E as row V, its bytes appended to T */
static void make_row(struct exposure_rows *x, struct buf *t, const struct scan_exposure *e, struct db_value *v)
{
    struct row_off o;
    size_t subject = t->len;
    buf_adds(t, e->subject);
    o.pages = t->len;
    semilist_join(t, e->pages, e->npages); /* a list: a page may hold a ';' (semilist.h) */
    o.fields = t->len;
    join(t, e->nfields, e->fields);
    pack_viewers(t, x->res, e, x->keep_viewers, &o);
    val_int(&v[0], x->scan_id);
    val_off(&v[1], DB_V_TEXT, subject, o.pages);
    val_int(&v[2], e->first_seen);
    val_int(&v[3], e->last_seen);
    val_int(&v[4], (int64_t)e->views);
    val_int(&v[5], (int64_t)e->viewers);
    val_int(&v[6], (int64_t)e->signed_in_viewers);
    val_int(&v[7], (int64_t)e->anonymous_viewers);
    val_off(&v[8], DB_V_TEXT, o.pages, o.fields);
    val_off(&v[9], DB_V_TEXT, o.fields, o.list);
    val_off(&v[10], DB_V_BLOB, o.list, o.ids);
    if (o.has_ids) val_off(&v[11], DB_V_BLOB, o.ids, o.end);
    else v[11].type = DB_V_NULL;
}

/* the next STORE_SLOT people (or the rest) into slot S, read STORE_BATCH at a time */
static void fill_slot(struct exposure_rows *x, struct row_slot *s)
{
    struct scan_exposure e[STORE_BATCH];
    buf_reset(&s->t);
    s->k = x->n - x->made_people < STORE_SLOT ? x->n - x->made_people : STORE_SLOT;
    for (size_t j = 0, k; j < s->k; j += k) {
        k = s->k - j < STORE_BATCH ? s->k - j : STORE_BATCH;
        read_batch(x->res, x->made_people + j, k, e);
        for (size_t i = 0; i < k; i++) make_row(x, &s->t, &e[i], s->v[j + i]);
    }
    x->made_people += s->k;
    const char *base = buf_str(&s->t);
    for (size_t j = 0; j < s->k; j++)
        for (int c = 0; c < STORE_COLS; c++)
            if (s->v[j][c].type == DB_V_TEXT || s->v[j][c].type == DB_V_BLOB)
                s->v[j][c].p = base + (uintptr_t)s->v[j][c].p;
}

static void *row_maker(void *arg)
{
    struct exposure_rows *x = arg;
    for (uint64_t m = 0; x->made_people < x->n; m++) {
        pthread_mutex_lock(&x->mu);
        /* wait for a free slot; once all were full, until half of them are free again */
        if (m - x->used == STORE_SLOTS)
            while (!x->stop && m - x->used > STORE_SLOTS / 2) pthread_cond_wait(&x->cv, &x->mu);
        int stop = x->stop;
        pthread_mutex_unlock(&x->mu);
        if (stop) break;
        fill_slot(x, &x->slot[m % STORE_SLOTS]);
        pthread_mutex_lock(&x->mu);
        x->made = m + 1;
        pthread_cond_broadcast(&x->cv);
        pthread_mutex_unlock(&x->mu);
    }
    return NULL;
}

/* the slot the consumer reads */
static struct row_slot *cur_slot(struct exposure_rows *x)
{
    return &x->slot[x->threaded ? x->used % STORE_SLOTS : 0];
}

/* the consumer's next slot (the rows of the one before were written: it may be reused): 0, or
   1 when every row was given */
static int next_slot(struct exposure_rows *x)
{
    x->j = 0;
    if (!x->threaded) {
        if (x->made_people == x->n) return 1;
        fill_slot(x, &x->slot[0]);
        x->cur = 1;
        return 0;
    }
    uint64_t total = (x->n + STORE_SLOT - 1) / STORE_SLOT;
    pthread_mutex_lock(&x->mu);
    if (x->cur && ++x->used + STORE_SLOTS / 2 >= x->made) pthread_cond_broadcast(&x->cv); /* half free */
    while (x->used == x->made && x->made < total) pthread_cond_wait(&x->cv, &x->mu);
    x->cur = x->used < total;
    pthread_mutex_unlock(&x->mu);
    return !x->cur;
}

static int exposure_row(void *arg, struct db_value *v)
{
    struct exposure_rows *x = arg;
    if ((!x->cur || x->j == cur_slot(x)->k) && next_slot(x)) return 0;
    memcpy(v, cur_slot(x)->v[x->j++], sizeof cur_slot(x)->v[0]);
    return 1;
}

/* one exposure row per person, their viewers packed into it (viewlist.h); raw identities
   only with KEEP_VIEWERS */
static int store_exposures(reg *r, int64_t scan_id, const scan_result *res, int keep_viewers)
{
    struct exposure_rows *x = xcalloc(1, sizeof *x);
    x->res = res;
    x->scan_id = scan_id;
    x->keep_viewers = keep_viewers;
    x->n = scan_result_exposures(res);
    for (int i = 0; i < STORE_SLOTS; i++) buf_init(&x->slot[i].t, 0);
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    x->threaded = x->n >= 2 * STORE_SLOT && pthread_create(&x->th, NULL, row_maker, x) == 0;
    int rc = db_insert_rows(r->d,
                            "INSERT INTO exposure(scan_id, subject, first_seen, last_seen, views, viewers,"
                            " signed_in_viewers, anonymous_viewers, pages, fields, viewer_list, viewer_identities)"
                            " SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 FROM kt_rows",
                            exposure_row, x);
    if (x->threaded) { /* a failed insert stops early: the maker may wait for a slot */
        pthread_mutex_lock(&x->mu);
        x->stop = 1;
        pthread_cond_broadcast(&x->cv);
        pthread_mutex_unlock(&x->mu);
        pthread_join(x->th, NULL);
    }
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    for (int i = 0; i < STORE_SLOTS; i++) buf_release(&x->slot[i].t);
    free(x);
    return rc ? reg_dberr(r) : 0;
}

/* PostgreSQL: the same rows through COPY … FROM STDIN in its binary format (a header, then per
   row the number of fields and each field as its length and bytes, -1 for NULL; integers as 8
   bytes, big-endian; a trailer of -1), sent in pieces of about 1 MiB, in the store's transaction:
   one statement for all the people instead of one per 64, no parameters to bind or parse */
static void put_be(struct buf *b, uint64_t v, int n)
{
    unsigned char x[8];
    for (int i = 0; i < n; i++) x[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    buf_add(b, x, (size_t)n);
}

static void copy_int(struct buf *b, int64_t v)
{
    put_be(b, 8, 4);
    put_be(b, (uint64_t)v, 8);
}

static void copy_bytes(struct buf *b, const char *p, size_t n)
{
    put_be(b, n, 4);
    buf_add(b, p, n);
}

/* person E as one row of the COPY data in OUT; T the row's scratch buffer */
static void copy_row(struct buf *out, struct buf *t, int64_t scan_id, const scan_result *res,
                     const struct scan_exposure *e, int keep_viewers)
{
    struct row_off o = {0};
    buf_reset(t);
    semilist_join(t, e->pages, e->npages);
    o.fields = t->len;
    join(t, e->nfields, e->fields);
    pack_viewers(t, res, e, keep_viewers, &o);
    put_be(out, 12, 2); /* fields per row */
    copy_int(out, scan_id);
    copy_bytes(out, e->subject, strlen(e->subject));
    const int64_t v[] = {e->first_seen,
                         e->last_seen,
                         (int64_t)e->views,
                         (int64_t)e->viewers,
                         (int64_t)e->signed_in_viewers,
                         (int64_t)e->anonymous_viewers};
    for (int i = 0; i < 6; i++) copy_int(out, v[i]);
    copy_bytes(out, t->p, o.fields);
    copy_bytes(out, t->p + o.fields, o.list - o.fields);
    copy_bytes(out, t->p + o.list, o.ids - o.list);
    if (o.has_ids) copy_bytes(out, t->p + o.ids, o.end - o.ids);
    else put_be(out, 0xffffffffu, 4);
}

/* one of step 15's functions (SQL, one parameter) called for SCAN_ID; its text result into OUT
   when OUT is not NULL ("" for NULL); 0, or -1 with the register's error */
static int call_for_scan(reg *r, const char *sql, int64_t scan_id, char *out, size_t len)
{
    db_stmt *st = db_prepare(r->d, sql);
    if (!st || db_bind_int(st, 1, scan_id) || db_step(st) != DB_ROW) return -1;
    if (out) snprintf(out, len, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
    db_reset(st);
    return 0;
}

/* The rows go into a table of their own (schema step 15, schema_pg.c: exposure is partitioned by
   scan version): kt_exposure_stage makes it without any index and returns its name, the COPY
   fills it, and kt_exposure_attach builds its primary key in one sorted pass and attaches it to
   exposure — all in the store's transaction, so a store that fails leaves no table behind. */
static int copy_exposures(reg *r, int64_t scan_id, const scan_result *res, int keep_viewers)
{
    static const char head[19] = "PGCOPY\n\377\r\n"; /* signature, flags 0, no extension */
    char sql[320], table[64];
    if (call_for_scan(r, "SELECT kt_exposure_stage(?)", scan_id, table, sizeof table)) return reg_dberr(r);
    if (!*table)
        return reg_fail(r, 1, "register '%s': kt_exposure_stage gave no table for scan %lld", r->path,
                        (long long)scan_id);
    snprintf(sql, sizeof sql,
             "COPY \"%s\"(scan_id, subject, first_seen, last_seen, views, viewers, signed_in_viewers,"
             " anonymous_viewers, pages, fields, viewer_list, viewer_identities) FROM STDIN (FORMAT binary)",
             table);
    if (db_copy_begin(r->d, sql)) return reg_dberr(r);
    struct buf out, t;
    buf_init(&out, 0);
    buf_init(&t, 0);
    buf_add(&out, head, sizeof head);
    int rc = 0;
    struct scan_exposure e[STORE_BATCH];
    for (size_t i = 0, n = scan_result_exposures(res), k; i < n && !rc; i += k) {
        k = n - i < STORE_BATCH ? n - i : STORE_BATCH;
        read_batch(res, i, k, e);
        for (size_t j = 0; j < k; j++) copy_row(&out, &t, scan_id, res, &e[j], keep_viewers);
        if (out.len >= (1u << 20)) {
            rc = db_copy_data(r->d, out.p, out.len);
            buf_reset(&out);
        }
    }
    if (!rc) {
        put_be(&out, 0xffff, 2);
        rc = db_copy_data(r->d, out.p, out.len);
    }
    int end = db_copy_end(r->d); /* always: the connection leaves the COPY state */
    buf_release(&out);
    buf_release(&t);
    if (rc || end) return reg_dberr(r);
    /* the primary key built by this process alone: PostgreSQL's parallel build (2 workers by
       default) writes each worker's sorted rows to temporary files and merges them, which costs
       more than it saves at a scan's size on a 2-core server (115–171 ms against 180–184 ms for
       the 2 GB scan's key, docs/performance.md); for this transaction only */
    if (db_exec(r->d, "SET LOCAL max_parallel_maintenance_workers = 0")) return reg_dberr(r);
    return call_for_scan(r, "SELECT kt_exposure_attach(?)", scan_id, NULL, 0) ? reg_dberr(r) : 0;
}

/* PostgreSQL: the hourly histogram in one statement, the hours and their views as two arrays
   (a round trip per hour was 212 of them for the 2 GB benchmark's scan) */
static int store_hours_pg(reg *r, int64_t scan_id, const scan_result *res)
{
    struct buf h, v;
    buf_init(&h, 0);
    buf_init(&v, 0);
    for (size_t i = 0; i < scan_result_hours(res); i++) {
        int64_t hour;
        uint64_t views;
        scan_result_hour(res, i, &hour, &views);
        buf_addf(&h, "%s%lld", i ? "," : "{", (long long)hour);
        buf_addf(&v, "%s%llu", i ? "," : "{", (unsigned long long)views);
    }
    buf_addc(&h, '}');
    buf_addc(&v, '}');
    db_stmt *s = db_prepare(r->d, "INSERT INTO scan_hour(scan_id, hour, views)"
                                  " SELECT ?, h, v FROM unnest(?::bigint[], ?::bigint[]) AS u(h, v)");
    int rc = !s || db_bind_int(s, 1, scan_id) || db_bind_text(s, 2, buf_str(&h)) || db_bind_text(s, 3, buf_str(&v)) ||
             db_step(s) != DB_DONE;
    buf_release(&h);
    buf_release(&v);
    return rc ? reg_dberr(r) : 0;
}

/* the hourly histogram */
static int store_hours(reg *r, int64_t scan_id, const scan_result *res)
{
    if (!db_can_rows(r->d)) return scan_result_hours(res) ? store_hours_pg(r, scan_id, res) : 0;
    db_stmt *s = db_prepare(r->d, "INSERT INTO scan_hour(scan_id, hour, views) VALUES (?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < scan_result_hours(res); i++) {
        int64_t h;
        uint64_t v;
        scan_result_hour(res, i, &h, &v);
        db_bind_int(s, 1, scan_id);
        db_bind_int(s, 2, h);
        db_bind_int(s, 3, (int64_t)v);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
    }
    return 0;
}

/* the timeline: the scan event (EV, finished here) and the rule as evidence; the incident's
   approximate numbers follow the current scan; the audit entry */
static int record_scan(reg *r, struct incident *inc, const scan_rule *rule, const char *rulehex,
                       const struct scan_totals *t, int keep_viewers, int64_t first, int64_t last, int64_t version,
                       struct buf *ev)
{
    int rc;
    if (keep_viewers) buf_adds(ev, " Raw viewer identities were kept (--keep-viewers).");
    else buf_adds(ev, " Viewer identities are stored as keyed hashes only.");
    if (first) {
        char a[KT_ISO_LEN], b[KT_ISO_LEN];
        kt_time_iso(first, a);
        kt_time_iso(last, b);
        buf_addf(ev, " Observed exposure from %s to %s.", a, b);
    }
    if ((rc = incident_event_add(r, inc, reg_now(r), "scan", buf_str(ev), 0, NULL))) return rc;
    char *rt = xasprintf("Rule of scan version %lld (SHA-256 %s):\n%s", (long long)version, rulehex,
                         scan_rule_text(rule));
    rc = incident_event_add(r, inc, reg_now(r), "evidence", rt, 0, NULL);
    free(rt);
    if (rc) return rc;
    char *vals[IF_COUNT] = {0};
    char ppl[32], rec[32];
    snprintf(ppl, sizeof ppl, "%llu", (unsigned long long)t->people);
    snprintf(rec, sizeof rec, "%llu", (unsigned long long)t->records);
    int changes = 0;
    if (!inc->v[IF_APPROX_SUBJECTS] || strcmp(inc->v[IF_APPROX_SUBJECTS], ppl)) {
        vals[IF_APPROX_SUBJECTS] = ppl;
        changes++;
    }
    if (!inc->v[IF_APPROX_RECORDS] || strcmp(inc->v[IF_APPROX_RECORDS], rec)) {
        vals[IF_APPROX_RECORDS] = rec;
        changes++;
    }
    if (changes && (rc = incident_update(r, inc, vals))) return rc;
    char ver[32];
    snprintf(ver, sizeof ver, "%lld", (long long)version);
    return reg_audit(r, inc->ref, "scan.store", "version", NULL, ver);
}

int scans_store(reg *r, struct incident *inc, const scan_rule *rule, const scan_result *res, int keep_viewers,
                int check_all, int64_t *version)
{
    struct scan_totals t;
    scan_result_totals(res, &t);
    char rulehex[65];
    hex(scan_rule_digest(rule), 32, rulehex);
    int64_t first, last, scan_id = 0;
    scan_result_span(res, &first, &last);
    int rc = insert_scan(r, inc, rule, rulehex, &t, keep_viewers, check_all, first, last, &scan_id, version);
    if (rc) return rc;
    struct buf ev;
    buf_init(&ev, 0);
    buf_addf(&ev,
             "Exposure scan version %lld: %llu lines read (%llu parsed in full), %llu matched, %llu malformed; "
             "%llu people, %llu records, %llu views. Rule SHA-256 %s. Inputs:",
             (long long)*version, (unsigned long long)t.lines, (unsigned long long)t.lines_parsed,
             (unsigned long long)t.lines_matched, (unsigned long long)t.malformed, (unsigned long long)t.people,
             (unsigned long long)t.records, (unsigned long long)t.views, rulehex);
    if (!(rc = store_inputs(r, scan_id, res, &ev)) && !(rc = store_samples(r, scan_id, res)) &&
        !(rc = db_can_rows(r->d) ? store_exposures(r, scan_id, res, keep_viewers)
                                 : copy_exposures(r, scan_id, res, keep_viewers)) &&
        !(rc = store_hours(r, scan_id, res)))
        rc = record_scan(r, inc, rule, rulehex, &t, keep_viewers, first, last, *version, &ev);
    buf_release(&ev);
    return rc;
}

int scans_get(reg *r, const struct incident *inc, int64_t version, struct scan_info *out)
{
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT id, version, created_at, people, records, views, viewers, lines, lines_parsed, lines_matched, malformed,"
        " odd_requests, coalesce(first_seen, 0), coalesce(last_seen, 0), keep_viewers, rule_sha256 FROM scan"
        " WHERE incident_id = ? AND (CASE WHEN ? > 0 THEN version = ? ELSE current = 1 END)");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, version);
    db_bind_int(s, 3, version);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_DONE) {
        if (version > 0) return reg_fail(r, 2, "incident %s has no scan version %lld", inc->ref, (long long)version);
        return reg_fail(r, 2,
                        "incident %s has no exposure scan yet: run 'klartext scan --rule RULE --incident %s LOG...'",
                        inc->ref, inc->ref);
    }
    memset(out, 0, sizeof *out);
    out->id = db_col_int(s, 0);
    out->version = db_col_int(s, 1);
    out->created_at = db_col_int(s, 2);
    out->people = db_col_int(s, 3);
    out->records = db_col_int(s, 4);
    out->views = db_col_int(s, 5);
    out->viewers = db_col_int(s, 6);
    out->lines = db_col_int(s, 7);
    out->lines_parsed = db_col_int(s, 8);
    out->lines_matched = db_col_int(s, 9);
    out->malformed = db_col_int(s, 10);
    out->odd_requests = db_col_int(s, 11);
    out->first_seen = db_col_int(s, 12);
    out->last_seen = db_col_int(s, 13);
    out->keep_viewers = (int)db_col_int(s, 14);
    snprintf(out->rule_sha256, sizeof out->rule_sha256, "%s", db_col_text(s, 15));
    db_reset(s);
    return 0;
}

/* the statement of the rows of SCAN_ID (only SUBJECT when non-NULL), in subject order */
static db_stmt *exposures_query(reg *r, int64_t scan_id, const char *subject)
{
#define EXPOSURE_COLS \
    "SELECT subject, first_seen, last_seen, views, viewers, signed_in_viewers, anonymous_viewers, pages, fields" \
    " FROM exposure WHERE scan_id = ?"
    /* one person: a statement of its own, so that the planners (SQLite's, and PostgreSQL's generic
       plan) look the row up by the key instead of reading every row of the scan (`? IS NULL OR
       subject = ?` did: 70 ms per portal answer at 100,000 people) */
    db_stmt *s = db_prepare(reg_db(r), subject ? EXPOSURE_COLS " AND subject = ?"
                                               : EXPOSURE_COLS " ORDER BY subject COLLATE BINARY");
#undef EXPOSURE_COLS
    if (!s) return NULL;
    db_bind_int(s, 1, scan_id);
    if (subject) db_bind_text(s, 2, subject);
    else db_stream(s); /* every person: row by row (the loops run no other statement) */
    return s;
}

/* the current row of S into E: its pages, subject and fields in one allocation (e->pages, freed
   by exposure_row_release): notify holds every person's row, and three small allocations a
   person cost 112 bytes and three calls of malloc and of free at millions of people */
static void exposure_row_read(db_stmt *s, struct exposure_row *e)
{
    const char *subject = db_col_text(s, 0), *fields = db_col_text(s, 8);
    size_t ls = strlen(subject) + 1, lf = strlen(fields) + 1;
    char *tail;
    semilist_split_extra(db_col_text(s, 7), &e->pages, &e->npages, ls + lf, &tail);
    e->subject = memcpy(tail, subject, ls);
    e->fields = memcpy(tail + ls, fields, lf);
    e->first_seen = db_col_int(s, 1);
    e->last_seen = db_col_int(s, 2);
    e->views = db_col_int(s, 3);
    e->viewers = db_col_int(s, 4);
    e->signed_in_viewers = db_col_int(s, 5);
    e->anonymous_viewers = db_col_int(s, 6);
}

static void exposure_row_release(struct exposure_row *e)
{
    free(e->pages);
}

int scans_exposures(reg *r, int64_t scan_id, const char *subject, struct exposure_row **out, size_t *n)
{
    db_stmt *s = exposures_query(r, scan_id, subject);
    if (!s) return reg_dberr(r);
    size_t cap = 64;
    *n = 0;
    *out = xcalloc(cap, sizeof **out);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap *= 2;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        exposure_row_read(s, &(*out)[(*n)++]);
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int scans_exposures_each(reg *r, int64_t scan_id, const char *subject,
                         int (*fn)(const struct exposure_row *e, void *arg), void *arg)
{
    db_stmt *s = exposures_query(r, scan_id, subject);
    if (!s) return reg_dberr(r);
    int rc, stop = 0;
    while (!stop && (rc = db_step(s)) == DB_ROW) {
        struct exposure_row e;
        exposure_row_read(s, &e);
        stop = fn(&e, arg);
        exposure_row_release(&e);
    }
    if (stop) {
        db_reset(s);
        return stop;
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

void exposure_rows_free(struct exposure_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) exposure_row_release(&rows[i]);
    free(rows);
}

int scans_hours(reg *r, int64_t scan_id, int64_t **hours, int64_t **views, size_t *n)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT hour, views FROM scan_hour WHERE scan_id = ? ORDER BY hour");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, scan_id);
    size_t cap = 64;
    *n = 0;
    *hours = xcalloc(cap, sizeof **hours);
    *views = xcalloc(cap, sizeof **views);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap *= 2;
            *hours = xrealloc(*hours, cap * sizeof **hours);
            *views = xrealloc(*views, cap * sizeof **views);
        }
        (*hours)[*n] = db_col_int(s, 0);
        (*views)[(*n)++] = db_col_int(s, 1);
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int scans_most_viewed(reg *r, char *subject, size_t len)
{
    subject[0] = 0;
    db_stmt *s = db_prepare(r->d, "SELECT e.subject FROM exposure e JOIN scan s ON s.id = e.scan_id"
                                  " WHERE s.current = 1 ORDER BY e.viewers DESC, e.views DESC, e.subject LIMIT 1");
    if (!s) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) snprintf(subject, len, "%s", db_col_text(s, 0));
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

int scans_kept_get(reg *r, int64_t scan_id, struct scans_kept *k, int *found)
{
    memset(k, 0, sizeof *k);
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT fields, viewers, anonymous_viewers, exposed, reachable, unreachable,"
                                       " stored_at FROM purge_scan WHERE scan_id = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, scan_id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *found = 1;
        k->fields = xstrdup(db_col_text(s, 0) ? db_col_text(s, 0) : "");
        k->viewers = db_col_int(s, 1);
        k->anonymous_viewers = db_col_int(s, 2);
        k->exposed = db_col_int(s, 3);
        k->reachable = db_col_int(s, 4);
        k->unreachable = db_col_int(s, 5);
        k->stored_at = db_col_int(s, 6);
    }
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

void scans_kept_release(struct scans_kept *k)
{
    free(k->fields);
    memset(k, 0, sizeof *k);
}
