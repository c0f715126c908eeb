/* lookup.c — notices by code or address, and the exposure behind a notice (serve_int.h). The
 * queries are the register's (register/outbox.h); this file turns their rows into what the
 * portal and the agent console show. */
#include "serve/serve_int.h"
#include "register/bounces.h"
#include "register/outbox.h"
#include "register/portal_codes.h"
#include "register/report_data.h"
#include "register/subjects.h"
#include "register/scans.h"
#include "register/statement.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static void hit_fill(const struct notice_info *ni, struct notice_hit *h)
{
    memset(h, 0, sizeof *h);
    h->row = ni->row;
    h->incident_id = ni->incident_id;
    copy(h->incident_ref, sizeof h->incident_ref, ni->incident_ref);
    copy(h->notice_id, sizeof h->notice_id, ni->notice_id);
    copy(h->subject, sizeof h->subject, ni->subject);
    copy(h->lang, sizeof h->lang, ni->lang);
    copy(h->rcpt_masked, sizeof h->rcpt_masked, ni->rcpt_masked);
    h->created_at = ni->created_at;
    h->scan_id = ni->scan_id;
    h->import_id = ni->import_id;
    copy(h->state, sizeof h->state, outbox_state_name(ni->state));
    h->sent_at = ni->sent_at;
    h->updated_at = ni->updated_at;
    h->purged_at = ni->purged_at;
    copy(h->kind, sizeof h->kind, ni->kind ? ni->kind : "first");
    copy(h->text_sha256, sizeof h->text_sha256, ni->text_sha256); /* the log commitment's line */
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
        memcpy(canon, "0000000000000000", CODE_CANON_SIZE); /* same work below */
    }
    if (code_lookup_hash(srv_g.keys->code_key, canon, ch)) return 1;
    int given_real = codeset_addr_hash(v->with_email ? email : "", given);
    struct notice_info ni;
    int found = 0, rc = 0;
    /* a code the set of known codes does not hold is no notice's, and one it holds with another
       address (not purged) gets the same answer: no query (codeset.c); one with the address its
       notice went to is read with the rest of the whole answer, in one statement */
    int maybe = codeset_maybe(r, ch, v->with_email ? given : NULL);
    if (maybe == 2) {
        rc = portal_find_code_detail(r, ch, &ni, &found, &v->detail);
        v->have_detail = found;
    } else if (maybe) {
        rc = portal_find_code(r, ch, &ni, &found);
    }
    if (rc) {
        verify_res_release(v);
        return rc;
    }
    char rcpt[HTTP_FIELD_MAX] = "nobody@invalid.invalid";
    int row = found && !v->bad_code;
    if (row) {
        hit_fill(&ni, &v->h);
        copy(rcpt, sizeof rcpt, ni.rcpt);
    }
    if (found) notice_info_release(&ni);
    /* the address given (hashed above) and one hash of the other side, compared in constant
       time, known code or not */
    int stored_real = codeset_addr_hash(rcpt, stored);
    /* two texts that are no e-mail address (a letter's notice has none; "x" typed in) hash alike
       but are no match: only a real address given that is the notice's own shows its details */
    int same = (sodium_memcmp(given, stored, sizeof given) == 0) & given_real & stored_real;
    v->known = row;
    /* a purged notice keeps no address to compare: its code alone answers (date sent, details deleted) */
    v->matched = row && (!v->with_email || same || v->h.purged_at);
    if (!v->matched || !v->with_email || v->h.purged_at) verify_res_release(v); /* not the whole answer */
    if (!v->matched) memset(&v->h, 0, sizeof v->h);
    else lookup_title(r, v->h.incident_ref, v->h.lang, v->h.title, sizeof v->h.title);
    sodium_memzero(rcpt, sizeof rcpt);
    return 0;
}

void verify_res_release(struct verify_res *v)
{
    if (v->have_detail) portal_detail_release(&v->detail);
    v->have_detail = 0;
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
    struct notice_info *ni = NULL;
    int rc = outbox_find_email(r, local, at + 1, max, &ni, n);
    if (rc) return rc;
    for (size_t i = 0; i < *n; i++) hit_fill(&ni[i], &out[i]);
    outbox_infos_free(ni, *n);
    for (size_t i = 0; i < *n; i++)
        lookup_title(r, out[i].incident_ref, out[i].lang, out[i].title, sizeof out[i].title);
    return 0;
}

int64_t lookup_sent_date(const struct notice_hit *h)
{
    if (h->sent_at) return h->sent_at;
    if (!strcmp(h->state, "written") && h->updated_at) return h->updated_at;
    return h->created_at;
}

/* per worker thread, valid for one data_version of its connection: the titles asked for, and
   the log's size and latest checkpoint (every answer with an inclusion proof needs them) */
#define TITLES 16
static __thread struct {
    reg *r;
    int64_t version;
    struct {
        char ref[16], lang[4], title[256];
    } t[TITLES];
    size_t nt, next;
    int have_log; /* log_size and the checkpoint below are known */
    int64_t log_size, ckpt_size; /* ckpt_size -1: no checkpoint */
} tc;

/* the thread's cache, emptied when R's data_version moved (or cannot be read: then 0) */
static int tc_valid(reg *r)
{
    int64_t v;
    if (srv_data_version(r, &v)) {
        tc.r = NULL;
        return 0;
    }
    if (tc.r != r || tc.version != v) {
        tc.r = r;
        tc.version = v;
        tc.nt = tc.next = 0;
        tc.have_log = 0;
    }
    return 1;
}

static void title_uncached(reg *r, const char *ref, const char *lang, char *out, size_t outsz);

void lookup_title(reg *r, const char *ref, const char *lang, char *out, size_t outsz)
{
    int cache = tc_valid(r) && strlen(ref) < sizeof tc.t[0].ref && strlen(lang) < sizeof tc.t[0].lang;
    for (size_t i = 0; cache && i < tc.nt; i++)
        if (!strcmp(tc.t[i].ref, ref) && !strcmp(tc.t[i].lang, lang)) {
            copy(out, outsz, tc.t[i].title);
            return;
        }
    title_uncached(r, ref, lang, out, outsz);
    if (!cache) return;
    size_t k = tc.nt < TITLES ? tc.nt++ : tc.next++ % TITLES;
    copy(tc.t[k].ref, sizeof tc.t[k].ref, ref);
    copy(tc.t[k].lang, sizeof tc.t[k].lang, lang);
    copy(tc.t[k].title, sizeof tc.t[k].title, out);
}

static void title_uncached(reg *r, const char *ref, const char *lang, char *out, size_t outsz)
{
    struct statement *st = NULL;
    size_t n = 0;
    out[0] = 0;
    if (statement_list(r, ref, 1, &st, &n)) return;
    /* the newest revision in LANG, else the newest in any language */
    const struct statement *best = NULL;
    for (size_t i = 0; i < n; i++) {
        int better = !best || (!strcmp(st[i].lang, lang) && strcmp(best->lang, lang)) ||
                     (!strcmp(st[i].lang, lang) == !strcmp(best->lang, lang) && st[i].revision > best->revision);
        if (better) best = &st[i];
    }
    if (best) copy(out, outsz, best->title);
    statements_free(st, n);
}

/* the person's exposure as the scan recorded it, and the zone the notice was written in (D) */
static void exposure_rows(const struct portal_detail *d, struct person_exposure *e)
{
    if (d->have_exposure) {
        e->found = 1;
        copy(e->fields, sizeof e->fields, d->ex.fields);
        e->pages = d->ex.pages; /* taken over: the caller no longer releases D */
        e->npages = d->ex.npages;
        e->first_seen = d->ex.first_seen;
        e->last_seen = d->ex.last_seen;
        e->views = d->ex.views;
        e->viewers = d->ex.viewers;
        e->signed_in = d->ex.signed_in_viewers;
        e->anonymous = d->ex.anonymous_viewers;
    }
    copy(e->timezone, sizeof e->timezone, d->have_zone ? d->zone : "UTC");
}

/* a per-notice commitment at log index IDX: what the person needs to recompute it */
static void commitment(const struct notice_hit *h, const uint8_t salt[TLOG_SALT_LEN], struct person_exposure *e)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < TLOG_SALT_LEN && 2 * i + 1 < (int)sizeof e->salt_hex; i++) {
        e->salt_hex[2 * i] = hx[salt[i] >> 4];
        e->salt_hex[2 * i + 1] = hx[salt[i] & 15];
    }
    e->salt_hex[2 * TLOG_SALT_LEN < (int)sizeof e->salt_hex ? 2 * TLOG_SALT_LEN : (int)sizeof e->salt_hex - 1] = 0;
    snprintf(e->committed, sizeof e->committed, "%s %s\n", h->notice_id, h->text_sha256);
}

/* the inclusion proof of log entry IDX, against the latest signed checkpoint when it covers it */
static int inclusion(reg *r, int64_t idx, struct person_exposure *e)
{
    int64_t size = -1;
    int rc;
    e->log_index = idx;
    if (!tc_valid(r) || !tc.have_log) {
        struct tlog_ckpt ck;
        int have = 0;
        int64_t n = 0;
        if ((rc = tlog_checkpoint_latest(r, &ck, &have))) return rc;
        tc.ckpt_size = have ? ck.size : -1;
        if (have) tlog_ckpt_release(&ck);
        if ((rc = tlog_size(r, &n))) return rc;
        tc.log_size = n;
        tc.have_log = tc.r == r; /* kept when the version could be read */
    }
    if (tc.ckpt_size >= 0 && idx < tc.ckpt_size) {
        size = tc.ckpt_size;
        e->in_checkpoint = 1;
    } else size = tc.log_size;
    if (idx < size) {
        struct tlog_proof p;
        if (proofcache_inclusion(r, idx, size, &p) == 0) {
            e->have_proof = 1;
            e->log_size = size;
            e->proof = tlog_proof_json(&p);
        }
    }
    return 0;
}

/* the person's notices of the incident, newest first: a follow-up states newer facts */
static int person_notices(reg *r, const struct notice_hit *h, struct person_exposure *e)
{
    struct notice_info *ni = NULL;
    size_t n = 0;
    int rc = outbox_person_notices(r, h->incident_id, h->subject, 32, &ni, &n);
    if (rc) return rc;
    e->notices = xcalloc(n + 1, sizeof *e->notices);
    for (size_t i = 0; i < n; i++) hit_fill(&ni[i], &e->notices[i]);
    e->nnotices = n;
    outbox_infos_free(ni, n);
    return 0;
}

/* the whole answer: the notice's exposure, zone, log entry and salt read with the notice's row
   (portal_find_code_detail) or in one statement after it (portal_notice_detail), the person's
   notices in another when there is more than this one; the proof from memory */
int lookup_exposure(reg *r, struct verify_res *v, struct person_exposure *e)
{
    const struct notice_hit *h = &v->h;
    memset(e, 0, sizeof *e);
    e->log_index = -1;
    struct portal_detail d;
    int rc = 0;
    if (v->have_detail) {
        d = v->detail;
        v->have_detail = 0;
    } else if ((rc = portal_notice_detail(r, h->row, &d))) {
        return rc;
    }
    exposure_rows(&d, e);
    d.ex.pages = NULL; /* e owns them now */
    if (!d.others && !d.superseded) { /* the list is this notice: no query */
        e->notices = xcalloc(2, sizeof *e->notices);
        e->notices[0] = *h;
        e->notices[0].title[0] = 0; /* as person_notices fills it */
        e->nnotices = 1;
    } else if ((rc = person_notices(r, h, e))) {
        return rc;
    }
    int64_t idx = d.log_idx;
    int found = d.have_log;
    if (d.have_log && d.have_salt) commitment(h, d.salt, e);
    portal_detail_release(&d);
    /* not its own entry: an older register's batch entry "FIRST..LAST" (no commitment of its own) */
    int own = 0;
    if (!found && (rc = outbox_log_entry(r, h->notice_id, &idx, &own, &found))) return rc;
    return found ? inclusion(r, idx, e) : 0;
}

void person_exposure_release(struct person_exposure *e)
{
    if (e->proof) json_decref(e->proof);
    e->proof = NULL;
    free(e->pages);
    e->pages = NULL;
    e->npages = 0;
    free(e->notices);
    e->notices = NULL;
    e->nnotices = 0;
}

/* one incident's counts into C: 0, or 1 (register error); *any 0 when it has no notices */
static int reach_one(reg *r, const struct incident *inc, struct reach_counts *c, int *any)
{
    struct outbox_counts oc;
    struct subjects_summary sum;
    memset(c, 0, sizeof *c);
    *any = 0;
    if (outbox_count(r, inc->id, OUTBOX_MAX_ATTEMPTS, &oc)) return 1;
    if (!oc.total && !oc.letters) return 0;
    *any = 1;
    copy(c->ref, sizeof c->ref, inc->ref);
    c->sent = oc.sent;
    c->written = oc.written;
    c->followups = oc.followups;
    c->letters = oc.letters;
    if (bounce_counts(r, inc->id, &c->returned_failed, &c->returned_delayed)) return 1;
    if (report_data_not_reached(r, inc->id, &c->not_reached)) return 1;
    memset(&sum, 0, sizeof sum);
    if (subjects_summary_get(r, inc, &sum)) return 1;
    c->not_reachable = (int64_t)sum.nunreachable;
    subjects_summary_release(&sum);
    return 0;
}

int lookup_reach(reg *r, struct reach_counts **out, size_t *n)
{
    struct incident *incs = NULL;
    size_t ni = 0;
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (incident_list(r, 1, &incs, &ni)) return 1;
    *out = xcalloc(ni + 1, sizeof **out);
    for (size_t i = ni; i-- > 0 && !rc;) {
        int any = 0;
        rc = reach_one(r, &incs[i], &(*out)[*n], &any);
        if (any && !rc) (*n)++;
    }
    for (size_t i = 0; i < ni; i++) incident_release(&incs[i]);
    free(incs);
    return rc;
}
