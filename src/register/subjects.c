/* subjects.c — the subject directory: parse and validate the CSV, store the rows of exposed
 * people, compare an import with the current scan. */
#include "register/subjects.h"
#include "register/reg_int.h"
#include "register/scans.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- parsing ---------------- */

enum {
    C_SUBJECT,
    C_NAME,
    C_EMAIL,
    C_LANGUAGE,
    C_TIMEZONE,
    C_SALUTATION,
    C_STREET,
    C_POSTCODE,
    C_CITY,
    C_COUNTRY,
    C_COUNT
};
static const char *const col_names[C_COUNT] = {"subject",    "name",   "email",    "language", "timezone",
                                               "salutation", "street", "postcode", "city",     "country"};

#define ZONE_CACHE 128

/* a row's subject id: its offset in pctx.idbuf (NUL-terminated there) and its line */
struct id_line {
    size_t off;
    long line;
};

struct pctx {
    int col[C_COUNT];
    char *idbuf; /* every row's subject id, valid row or not: duplicates */
    size_t idlen, idcap;
    struct id_line *ids;
    size_t nids, capids;
    struct subject_rec *rows;
    size_t n, cap;
    const char *const *keep; /* NULL: keep every valid row */
    size_t nkeep;
    long long total; /* data rows */
    struct subjects_errors *errs;
    char *zone_name[ZONE_CACHE];
    int zone_ok[ZONE_CACHE];
    size_t nzones;
};

static void err_addv(struct subjects_errors *e, long line, const char *field, const char *fmt, va_list ap)
{
    e->total++;
    if (e->n >= SUBJECTS_MAX_ERRORS) return;
    char *m = e->msg[e->n++];
    int k = field      ? snprintf(m, SUBJECTS_ERR_LEN, "line %ld, field '%s': ", line, field)
            : line > 0 ? snprintf(m, SUBJECTS_ERR_LEN, "line %ld: ", line)
                       : 0; /* 0: the whole file */
    if (k < 0 || k >= SUBJECTS_ERR_LEN) return;
    vsnprintf(m + k, SUBJECTS_ERR_LEN - (size_t)k, fmt, ap);
}

static void err_add(struct subjects_errors *e, long line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_add(struct subjects_errors *e, long line, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_addv(e, line, field, fmt, ap);
    va_end(ap);
}

int subjects_email_ok(const char *s)
{
    const char *at = strrchr(s, '@');
    if (!at || at == s || !at[1] || strlen(s) > 254 || at - s > 64) return 0;
    for (const char *c = s; c < at; c++) {
        unsigned char u = (unsigned char)*c;
        if (u <= ' ' || u >= 0x7f || strchr("\"(),:;<>[\\]@", u)) return 0;
    }
    if (s[0] == '.' || at[-1] == '.' || strstr(s, "..")) return 0;
    const char *dom = at + 1;
    size_t dl = strlen(dom);
    if (!strchr(dom, '.') || dom[0] == '.' || dom[0] == '-' || dom[dl - 1] == '.' || dom[dl - 1] == '-' ||
        strstr(dom, "..") || strstr(dom, ".-") || strstr(dom, "-."))
        return 0;
    for (const char *c = dom; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '.')) return 0;
    return 1;
}

static int zone_ok(struct pctx *p, const char *z)
{
    for (size_t i = 0; i < p->nzones; i++)
        if (!strcmp(p->zone_name[i], z)) return p->zone_ok[i];
    int ok = kt_zone_valid(z);
    if (p->nzones < ZONE_CACHE) {
        p->zone_name[p->nzones] = xstrdup(z);
        p->zone_ok[p->nzones++] = ok;
    }
    return ok;
}

/* one line of text without control characters */
static int line_ok(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < ' ' || *c == 0x7f) return 0;
    return 1;
}

static int header_cb(struct pctx *p, const struct csv_record *rec, char *err, size_t errlen)
{
    for (int c = 0; c < C_COUNT; c++) p->col[c] = -1;
    for (size_t i = 0; i < rec->nfields; i++) {
        int found = -1;
        for (int c = 0; c < C_COUNT; c++)
            if (!strcmp(rec->field[i], col_names[c])) found = c;
        if (found < 0) {
            snprintf(err, errlen,
                     "unknown column '%.60s' (expected subject, name, email, language, timezone "
                     "and optionally salutation, street, postcode, city, country)",
                     rec->field[i]);
            return -1;
        }
        p->col[found] = (int)i;
    }
    for (int c = 0; c < C_SALUTATION; c++)
        if (p->col[c] < 0) {
            snprintf(err, errlen, "missing column '%s' (the header needs subject, name, email, language, timezone)",
                     col_names[c]);
            return -1;
        }
    return 0;
}

static int cmp_keep(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}


/* a row's texts in the order subject, language, timezone, name, e-mail, salutation, street,
   postcode, city, country (the last five NULL when absent) */
#define REC_TEXTS 10

/* R's texts T in one allocation, which r->subject points at (subject_rec_release frees it):
   notify holds every person's row, and ten small allocations cost about 250 bytes a person */
static void rec_fill(struct subject_rec *r, const char *const t[REC_TEXTS], long line)
{
    size_t len[REC_TEXTS], total = 0;
    for (int i = 0; i < REC_TEXTS; i++) total += len[i] = t[i] ? strlen(t[i]) + 1 : 0;
    char *b = xmalloc(total), *q = b;
    char **out[REC_TEXTS] = {&r->subject,    &r->language, &r->timezone, &r->name, &r->email,
                             &r->salutation, &r->street,   &r->postcode, &r->city, &r->country};
    for (int i = 0; i < REC_TEXTS; i++) {
        *out[i] = t[i] ? memcpy(q, t[i], len[i]) : NULL;
        q += len[i];
    }
    r->line = line;
}

static int record_cb(void *ctx, const struct csv_record *rec, char *err, size_t errlen)
{
    struct pctx *p = ctx;
    if (rec->index == 0) return header_cb(p, rec, err, errlen);
    const char *v[C_COUNT];
    for (int c = 0; c < C_COUNT; c++) v[c] = p->col[c] >= 0 ? rec->field[p->col[c]] : "";
    long line = rec->line;
    struct subjects_errors *e = p->errs;
    long long before = e->total;
    /* subject */
    const char *s = v[C_SUBJECT];
    size_t sl = strlen(s);
    p->total++;
    if (*s && sl <= SUBJECT_ID_MAX) {
        p->ids = xgrow(p->ids, p->nids, &p->capids, sizeof *p->ids, 256);
        if (p->idcap - p->idlen < sl + 1) {
            while (p->idcap - p->idlen < sl + 1) p->idcap = p->idcap ? p->idcap * 2 : 4096;
            p->idbuf = xrealloc(p->idbuf, p->idcap);
        }
        memcpy(p->idbuf + p->idlen, s, sl + 1);
        p->ids[p->nids].off = p->idlen;
        p->ids[p->nids++].line = line;
        p->idlen += sl + 1;
    }
    if (!*s) err_add(e, line, "subject", "empty subject id");
    else if (strlen(s) > SUBJECT_ID_MAX) err_add(e, line, "subject", "subject id longer than %d bytes", SUBJECT_ID_MAX);
    else {
        for (const unsigned char *c = (const unsigned char *)s; *c; c++)
            if (*c <= ' ' || *c == 0x7f) {
                err_add(e, line, "subject", "'%.60s' holds a space or control character", s);
                break;
            }
    }
    /* name, salutation, the postal address */
    static const int texts[] = {C_NAME, C_SALUTATION, C_STREET, C_POSTCODE, C_CITY, C_COUNTRY};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *t = v[texts[i]];
        if (strlen(t) > SUBJECT_TEXT_MAX)
            err_add(e, line, col_names[texts[i]], "longer than %d bytes", SUBJECT_TEXT_MAX);
        else if (!line_ok(t)) err_add(e, line, col_names[texts[i]], "holds a line break or control character");
    }
    /* email: empty = no contact data */
    if (*v[C_EMAIL] && !subjects_email_ok(v[C_EMAIL]))
        err_add(e, line, "email", "'%.80s' is not an e-mail address", v[C_EMAIL]);
    /* language */
    char lang[3] = "";
    const char *l = v[C_LANGUAGE];
    if (strlen(l) == 2) {
        lang[0] = (char)tolower((unsigned char)l[0]);
        lang[1] = (char)tolower((unsigned char)l[1]);
    }
    if (strcmp(lang, "de") && strcmp(lang, "en"))
        err_add(e, line, "language", "'%.40s' is not a supported language (de, en)", l);
    /* timezone */
    const char *z = v[C_TIMEZONE];
    if (!*z) err_add(e, line, "timezone", "empty time zone (an IANA name such as Europe/Berlin)");
    else if (!zone_ok(p, z)) err_add(e, line, "timezone", "'%.60s' is not an IANA time zone (e.g. Europe/Berlin)", z);
    if (e->total != before) return 0; /* keep checking the other rows */
    if (p->keep && !bsearch(&s, p->keep, p->nkeep, sizeof *p->keep, cmp_keep)) return 0; /* counted, not kept */
    p->rows = xgrow(p->rows, p->n, &p->cap, sizeof *p->rows, 256);
    const char *t[REC_TEXTS] = {s,
                                lang,
                                z,
                                v[C_NAME],
                                v[C_EMAIL],
                                *v[C_SALUTATION] ? v[C_SALUTATION] : NULL,
                                *v[C_STREET] ? v[C_STREET] : NULL,
                                *v[C_POSTCODE] ? v[C_POSTCODE] : NULL,
                                *v[C_CITY] ? v[C_CITY] : NULL,
                                *v[C_COUNTRY] ? v[C_COUNTRY] : NULL};
    rec_fill(&p->rows[p->n++], t, line);
    return 0;
}

static int cmp_id(const void *a, const void *b, void *base)
{
    const struct id_line *x = a, *y = b;
    int c = strcmp((const char *)base + x->off, (const char *)base + y->off);
    if (c) return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_rec(const void *a, const void *b)
{
    const struct subject_rec *x = a, *y = b;
    int c = strcmp(x->subject, y->subject);
    if (c) return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

void subject_rec_release(struct subject_rec *s)
{
    free(s->subject); /* the block of all its texts (rec_fill) */
    memset(s, 0, sizeof *s);
}

void subject_recs_free(struct subject_rec *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) subject_rec_release(&rows[i]);
    free(rows);
}

void subjects_file_release(struct subjects_file *f)
{
    subject_recs_free(f->rows, f->n);
    f->rows = NULL;
    f->n = 0;
}

struct subjects_parser {
    struct pctx p;
    struct csv_parser *csv;
    size_t fed; /* bytes fed so far */
    int done; /* a CSV error or the size limit ended the parse */
};

static void pctx_free(struct pctx *p)
{
    for (size_t i = 0; i < p->nzones; i++) free(p->zone_name[i]);
    free(p->idbuf);
    free(p->ids);
    subject_recs_free(p->rows, p->n);
    memset(p, 0, sizeof *p);
}

struct subjects_parser *subjects_parser_new(const char *const *keep, size_t nkeep, struct subjects_errors *errs)
{
    memset(errs, 0, sizeof *errs);
    struct subjects_parser *sp = calloc(1, sizeof *sp);
    if (!sp) return NULL;
    sp->p.errs = errs;
    sp->p.keep = keep;
    sp->p.nkeep = keep ? nkeep : 0;
    struct csv_options opt;
    csv_options_default(&opt);
    opt.max_columns = 64;
    opt.max_field = 4096;
    opt.max_record = 65536;
    if (!(sp->csv = csv_parser_new(&opt, record_cb, &sp->p))) {
        free(sp);
        return NULL;
    }
    return sp;
}

static void csv_failed(struct subjects_parser *sp, const char *err)
{
    /* csv errors start with "line N"; keep them after the row errors found before */
    struct subjects_errors *errs = sp->p.errs;
    errs->total++;
    if (errs->n < SUBJECTS_MAX_ERRORS) snprintf(errs->msg[errs->n++], SUBJECTS_ERR_LEN, "%s", err);
    sp->done = 1;
}

int subjects_parser_feed(struct subjects_parser *sp, const char *data, size_t len)
{
    if (sp->done) return 2;
    if (len > SUBJECTS_MAX_FILE - sp->fed) {
        err_add(sp->p.errs, 0, NULL, "file larger than %zu bytes (split it)", SUBJECTS_MAX_FILE);
        sp->done = 1;
        return 2;
    }
    sp->fed += len;
    char err[SUBJECTS_ERR_LEN];
    if (csv_parser_feed(sp->csv, data, len, err, sizeof err)) {
        csv_failed(sp, err);
        return 2;
    }
    return 0;
}

int subjects_parser_finish(struct subjects_parser *sp, struct subjects_file *out)
{
    struct pctx *p = &sp->p;
    struct subjects_errors *errs = p->errs;
    char err[SUBJECTS_ERR_LEN];
    memset(out, 0, sizeof *out);
    if (!sp->done && csv_parser_finish(sp->csv, err, sizeof err)) csv_failed(sp, err);
    sp->done = 1;
    if (p->n > 1) qsort(p->rows, p->n, sizeof *p->rows, cmp_rec);
    if (p->nids > 1) qsort_r(p->ids, p->nids, sizeof *p->ids, cmp_id, p->idbuf);
    for (size_t i = 1, first = 0; i < p->nids; i++) {
        const char *a = p->idbuf + p->ids[i].off;
        if (strcmp(a, p->idbuf + p->ids[i - 1].off)) {
            first = i;
            continue;
        }
        err_add(errs, p->ids[i].line, "subject", "'%.60s' is already on line %ld (subject ids must be distinct)", a,
                p->ids[first].line);
    }
    if (errs->total) return 2;
    out->rows = p->rows;
    out->n = p->n;
    out->total = p->total;
    p->rows = NULL;
    p->n = p->cap = 0;
    return 0;
}

void subjects_parser_free(struct subjects_parser *sp)
{
    if (!sp) return;
    csv_parser_free(sp->csv);
    pctx_free(&sp->p);
    free(sp);
}

int subjects_parse(const char *data, size_t len, struct subjects_file *out, struct subjects_errors *errs)
{
    memset(out, 0, sizeof *out);
    struct subjects_parser *sp = subjects_parser_new(NULL, 0, errs);
    if (!sp) {
        err_add(errs, 0, NULL, "out of memory");
        return 2;
    }
    subjects_parser_feed(sp, data, len); /* an error is in errs; finish reports it */
    int rc = subjects_parser_finish(sp, out);
    subjects_parser_free(sp);
    return rc;
}

/* ---------------- storage ---------------- */

void subjects_summary_release(struct subjects_summary *s)
{
    for (size_t i = 0; i < s->nunreachable; i++) free(s->unreachable[i]);
    free(s->unreachable);
    free(s->file_name);
    free(s->file_sha256);
    free(s->actor);
    memset(s, 0, sizeof *s);
}

static void add_unreachable(struct subjects_summary *sum, const char *subject, size_t *cap)
{
    sum->unreachable = xgrow(sum->unreachable, sum->nunreachable, cap, sizeof *sum->unreachable, 16);
    sum->unreachable[sum->nunreachable++] = xstrdup(subject);
    sum->not_reachable++;
}

static int store(reg *r, struct incident *inc, const char *file_name, const char *file_sha256,
                 const struct subjects_file *f, struct subjects_summary *sum);

int subjects_store(reg *r, struct incident *inc, const char *file_name, const char *file_sha256,
                   const struct subjects_file *f, struct subjects_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    int rc = store(r, inc, file_name, file_sha256, f, sum);
    if (rc) subjects_summary_release(sum);
    return rc;
}

/* merge the sorted lists: exposures EX (by subject, bytewise) and the file's rows (likewise).
   Fills SUM's counts and unreachable people; KEEP gets the indexes of the rows to store.
   Returns how many. */
static size_t merge_rows(const struct exposure_row *ex, size_t nex, const struct subjects_file *f,
                         struct subjects_summary *sum, size_t *keep)
{
    size_t cap = 0, i = 0, j = 0, stored = 0;
    sum->rows = f->total > (long long)f->n ? f->total : (long long)f->n;
    sum->exposed = (long long)nex;
    while (i < nex || j < f->n) {
        int c = i >= nex ? 1 : j >= f->n ? -1 : strcmp(ex[i].subject, f->rows[j].subject);
        if (c < 0) {
            add_unreachable(sum, ex[i].subject, &cap);
            i++;
        } else if (c > 0) j++; /* not exposed: counted below, not stored */
        else {
            if (*f->rows[j].email) sum->reachable++;
            else add_unreachable(sum, ex[i].subject, &cap);
            keep[stored++] = j;
            i++;
            j++;
        }
    }
    sum->unknown = sum->rows - (long long)stored; /* rows of people not exposed (kept or not by the parser) */
    return stored;
}

/* the import row (the next version, made current) and the stored rows KEEP[0..NKEEP) */
static int insert_import(reg *r, const struct incident *inc, const char *file_name, const char *file_sha256,
                         int64_t scan_id, const struct subjects_file *f, const size_t *keep, size_t nkeep,
                         struct subjects_summary *sum)
{
    db_stmt *s = db_prepare(r->d, "UPDATE subject_import SET current = 0 WHERE incident_id = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    if (db_step(s) != DB_DONE) return reg_dberr(r);
    s = db_prepare(
        r->d, "INSERT INTO subject_import(incident_id, version, current, created_at, actor, file_name, file_sha256,"
              " nrows, scan_id, exposed, reachable, unknown)"
              " VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM subject_import WHERE incident_id = ?1), 1,"
              " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id, version");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, reg_now(r));
    db_bind_text(s, 3, reg_actor(r));
    db_bind_text(s, 4, file_name);
    db_bind_text(s, 5, file_sha256);
    db_bind_int(s, 6, sum->rows);
    db_bind_int(s, 7, scan_id);
    db_bind_int(s, 8, sum->exposed);
    db_bind_int(s, 9, sum->reachable);
    db_bind_int(s, 10, sum->unknown);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    int64_t import_id = db_col_int(s, 0);
    sum->version = db_col_int(s, 1);
    db_reset(s);
    s = db_prepare(r->d, "INSERT INTO subject(import_id, subject, line, name, email, language, timezone, salutation, "
                         "street, postcode, city, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (size_t k = 0; k < nkeep; k++) {
        const struct subject_rec *row = &f->rows[keep[k]];
        db_bind_int(s, 1, import_id);
        db_bind_text(s, 2, row->subject);
        db_bind_int(s, 3, row->line);
        db_bind_text(s, 4, row->name);
        db_bind_text(s, 5, row->email);
        db_bind_text(s, 6, row->language);
        db_bind_text(s, 7, row->timezone);
        db_bind_text(s, 8, row->salutation);
        db_bind_text(s, 9, row->street);
        db_bind_text(s, 10, row->postcode);
        db_bind_text(s, 11, row->city);
        db_bind_text(s, 12, row->country);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
    }
    return 0;
}

/* the timeline event and the audit entries of an import */
static int record_import(reg *r, struct incident *inc, const char *file_name, const char *file_sha256,
                         int64_t scan_version, const struct subjects_summary *sum)
{
    char *t = xasprintf(
        "Contact data of the affected people imported (version %lld) from %s (SHA-256 %s, %lld rows): "
        "%lld of the %lld people exposed in scan version %lld can be told individually by e-mail, "
        "%zu cannot (not reachable individually; Art. 34(3)(c) GDPR). %lld row%s of the file concern%s people "
        "who were not exposed; %s not stored.",
        (long long)sum->version, file_name, file_sha256, sum->rows, sum->reachable, sum->exposed,
        (long long)scan_version, sum->nunreachable, sum->unknown, sum->unknown == 1 ? "" : "s",
        sum->unknown == 1 ? "s" : "", sum->unknown == 1 ? "it was" : "they were");
    int rc = incident_event_add(r, inc, reg_now(r), "subjects", t, 0, NULL);
    free(t);
    if (rc) return rc;
    char v[32], a[64];
    snprintf(v, sizeof v, "%lld", (long long)sum->version);
    if ((rc = reg_audit(r, inc->ref, "subjects.import", "version", NULL, v))) return rc;
    t = xasprintf("%s (SHA-256 %s, %lld rows)", file_name, file_sha256, sum->rows);
    rc = reg_audit(r, inc->ref, "subjects.import", "file", NULL, t);
    free(t);
    if (rc) return rc;
    snprintf(a, sizeof a, "%lld", sum->reachable);
    if ((rc = reg_audit(r, inc->ref, "subjects.import", "reachable", NULL, a))) return rc;
    snprintf(a, sizeof a, "%zu", sum->nunreachable);
    if ((rc = reg_audit(r, inc->ref, "subjects.import", "not_reachable", NULL, a))) return rc;
    snprintf(a, sizeof a, "%lld", sum->unknown);
    return reg_audit(r, inc->ref, "subjects.import", "unknown_subjects", NULL, a);
}

static int store(reg *r, struct incident *inc, const char *file_name, const char *file_sha256,
                 const struct subjects_file *f, struct subjects_summary *sum)
{
    struct scan_info si;
    int rc = scans_get(r, inc, 0, &si);
    if (rc == 2)
        return reg_fail(r, 2,
                        "incident %s has no exposure scan yet: run 'klartext scan --incident %s' first; "
                        "klartext keeps contact data only of people who were exposed",
                        inc->ref, inc->ref);
    if (rc) return rc;
    if (f->keep_scan && f->keep_scan != si.id)
        return reg_fail(r, 1, "the exposure scan of incident %s changed during the import; run the import again",
                        inc->ref);
    struct exposure_row *ex = NULL;
    size_t nex = 0;
    if ((rc = scans_exposures(r, si.id, NULL, &ex, &nex))) {
        exposure_rows_free(ex, nex);
        return rc;
    }
    sum->scan_version = si.version;
    size_t *keep = xcalloc(f->n ? f->n : 1, sizeof *keep);
    size_t nkeep = merge_rows(ex, nex, f, sum, keep);
    rc = insert_import(r, inc, file_name, file_sha256, si.id, f, keep, nkeep, sum);
    free(keep);
    exposure_rows_free(ex, nex);
    if (rc) return rc;
    sum->created_at = reg_now(r);
    sum->file_name = xstrdup(file_name);
    sum->file_sha256 = xstrdup(file_sha256);
    sum->actor = xstrdup(reg_actor(r));
    return record_import(r, inc, file_name, file_sha256, si.version, sum);
}

int subjects_summary_get(reg *r, const struct incident *inc, struct subjects_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d, "SELECT id, version, created_at, actor, file_name, file_sha256, nrows, unknown"
                               " FROM subject_import WHERE incident_id = ? AND current = 1");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    int64_t import_id = 0;
    if (rc == DB_ROW) {
        import_id = db_col_int(s, 0);
        sum->version = db_col_int(s, 1);
        sum->created_at = db_col_int(s, 2);
        sum->actor = xstrdup(db_col_text(s, 3));
        sum->file_name = xstrdup(db_col_text(s, 4));
        sum->file_sha256 = xstrdup(db_col_text(s, 5));
        sum->rows = db_col_int(s, 6);
        sum->unknown = db_col_int(s, 7);
        db_reset(s);
    }
    struct scan_info si;
    rc = scans_get(r, inc, 0, &si);
    if (rc == 2) return 0; /* no scan: nobody known to be exposed */
    if (rc) {
        subjects_summary_release(sum);
        return rc;
    }
    sum->scan_version = si.version;
    struct scans_kept kept;
    int found;
    if ((rc = scans_kept_get(r, si.id, &kept, &found))) {
        subjects_summary_release(sum);
        return rc;
    }
    if (found) { /* the per-person rows were purged: the counts kept before */
        sum->exposed = kept.exposed;
        sum->reachable = kept.reachable;
        sum->not_reachable = kept.unreachable;
        sum->purged_at = kept.stored_at;
        scans_kept_release(&kept);
        return 0;
    }
    s = db_prepare(
        d, "SELECT e.subject, s.email FROM exposure e LEFT JOIN subject s ON s.import_id = ? AND s.subject = e.subject"
           " WHERE e.scan_id = ? ORDER BY e.subject COLLATE BINARY");
    if (!s) {
        subjects_summary_release(sum);
        return reg_dberr(r);
    }
    db_bind_int(s, 1, import_id);
    db_bind_int(s, 2, si.id);
    size_t cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        sum->exposed++;
        const char *email = db_col_text(s, 1);
        if (email && *email) sum->reachable++;
        else add_unreachable(sum, db_col_text(s, 0), &cap);
    }
    if (rc == DB_ERR) {
        subjects_summary_release(sum);
        return reg_dberr(r);
    }
    return 0;
}

static void row_from(db_stmt *s, struct subject_rec *o)
{
    const char *t[REC_TEXTS] = {db_col_text(s, 0), db_col_text(s, 4), db_col_text(s, 5), db_col_text(s, 2),
                                db_col_text(s, 3)};
    for (int i = 5; i < REC_TEXTS; i++) t[i] = db_col_is_null(s, i + 1) ? NULL : db_col_text(s, i + 1);
    rec_fill(o, t, (long)db_col_int(s, 1));
}

int subjects_list(reg *r, const struct incident *inc, struct subject_rec **rows, size_t *n)
{
    /* on error the caller still frees *rows with subject_recs_free(*rows, *n) */
    *rows = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT s.subject, s.line, s.name, s.email, s.language, s.timezone, s.salutation, s.street, s.postcode, "
        "s.city, s.country FROM subject s"
        /* the import's id first (one is current: subjects_store clears the others): read from the
           primary key (import_id, subject), the rows come in subject order; joined, SQLite sorted
           them all in a temporary B-tree (0.9 s of CPU at 1.57 M people, notify's start-up) */
        " WHERE s.import_id = (SELECT i.id FROM subject_import i WHERE i.incident_id = ? AND i.current = 1)"
        " ORDER BY s.subject COLLATE BINARY");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *rows = xgrow(*rows, *n, &cap, sizeof **rows, 64);
        row_from(s, &(*rows)[(*n)++]);
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int subjects_get(reg *r, const struct incident *inc, const char *subject, struct subject_rec *out, int *found)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT s.subject, s.line, s.name, s.email, s.language, s.timezone, s.salutation, s.street, s.postcode, "
        "s.city, s.country FROM subject s"
        " JOIN subject_import i ON i.id = s.import_id WHERE i.incident_id = ? AND i.current = 1 AND s.subject = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_text(s, 2, subject);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        row_from(s, out);
        *found = 1;
        db_reset(s);
    }
    return 0;
}
