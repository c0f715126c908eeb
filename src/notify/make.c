/* make.c — making and storing the notices of a run (notify.h): who gets a new notice, the
 * storage dictionary, the worker threads that render, sign and pack, and the batches that are
 * stored in one transaction each while the workers make the next batch. */
#include "notify/notify.h"
#include "notify/eml.h"
#include "notify/pack.h"
#include "register/analyze.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void notify_code(const struct notify_content *nc, int64_t seq, char out[CODE_DISPLAY_SIZE])
{
    if (nc->test_seed) code_test_generate_from_seed(nc->test_seed, (uint64_t)seq, out);
    else code_generate(out);
}

/* ---------------------------------------------------------------- worker threads */

struct job {
    const struct exposure_row *e;
    const struct subject_rec *s;
    const struct notify_verdict *v; /* a follow-up: v->base and v->old; else NULL */
    struct notice_earlier earlier;
    char earlier_id[NOTICE_ID_MAX];
    int64_t seq;
    char notice_id[NOTICE_ID_MAX];
    char code[CODE_DISPLAY_SIZE];
    /* results */
    int rc;
    char err[300];
    char *packed;
    size_t packed_len, msg_len;
    struct eml_file file; /* --out: written, to be named after the commit */
    char *text; /* the signed text (for the log commitment) */
    size_t text_len;
    uint8_t code_hash[32];
    char text_sha[65];
    char message_id[320];
    char masked[NOTICE_MASK_MAX];
};

struct pool {
    const struct notify_content *nc;
    const struct pack_dict *dict;
    const char *outdir;
    int unnamed; /* --out writes unnamed files (eml.h) */
    int64_t date;
    pthread_mutex_t mu;
    pthread_cond_t cv, done_cv;
    struct job *jobs;
    size_t njobs, next, done;
    unsigned gen;
    int quit;
    int nth;
    pthread_t th[NOTIFY_MAX_THREADS];
};

static void job_clear(struct job *j)
{
    free(j->packed);
    free(j->text);
    j->packed = j->text = NULL;
}

static void make_one(struct pool *pl, struct notice_renderer *rr, struct notice_result *res, struct packer *pk,
                     struct job *j)
{
    const struct notify_content *nc = pl->nc;
    struct notice_person p;
    notify_person(j->e, j->s, &p);
    struct notice_meta m = {.earlier = j->v ? &j->earlier : NULL,
                            .notice_id = j->notice_id,
                            .code = j->code,
                            .date = pl->date};
    j->rc = -1;
    if (notice_render(rr, nc->org, nc->ni, &p, &m, res, j->err, sizeof j->err) ||
        notice_package(nc->key, nc->org, nc->ni, &p, &m, res, j->err, sizeof j->err) ||
        pack_notice(pk, &res->mn, &j->packed, &j->packed_len, j->err, sizeof j->err))
        return;
    if (code_lookup_hash(nc->code_key, j->code, j->code_hash)) {
        snprintf(j->err, sizeof j->err, "bad code");
        return;
    }
    j->msg_len = res->eml.len;
    sha256_to_hex(res->text_sha256, j->text_sha);
    snprintf(j->message_id, sizeof j->message_id, "%s", res->message_id);
    notice_mask_address(j->s->email, j->masked, sizeof j->masked);
    if (pl->outdir && eml_write_pending(pl->outdir, pl->unnamed, j->notice_id, res->eml.p, res->eml.len, &j->file,
                                        j->err, sizeof j->err))
        return;
    j->rc = 0;
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    struct notice_renderer *rr = notice_renderer_new(pl->nc->tm);
    struct packer *pk = pack_new(pl->dict);
    struct notice_result res = {0};
    unsigned seen = 0;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->quit && (pl->gen == seen || pl->next >= pl->njobs)) pthread_cond_wait(&pl->cv, &pl->mu);
        if (pl->quit) break;
        seen = pl->gen;
        while (pl->next < pl->njobs) {
            struct job *j = &pl->jobs[pl->next++];
            pthread_mutex_unlock(&pl->mu);
            if (rr && pk) make_one(pl, rr, &res, pk, j);
            else {
                j->rc = -1;
                snprintf(j->err, sizeof j->err, "out of memory");
            }
            pthread_mutex_lock(&pl->mu);
            if (++pl->done == pl->njobs) pthread_cond_broadcast(&pl->done_cv);
        }
    }
    pthread_mutex_unlock(&pl->mu);
    notice_result_release(&res);
    pack_free(pk);
    notice_renderer_free(rr);
    return NULL;
}

static int pool_start(struct pool *pl, const struct notify_content *nc, const struct pack_dict *dict, int nth,
                      const char *outdir, int64_t date)
{
    memset(pl, 0, sizeof *pl);
    pl->nc = nc;
    pl->dict = dict;
    pl->outdir = outdir;
    pl->unnamed = outdir && eml_fds_ok(2 * NOTIFY_BATCH_MAKE);
    pl->date = date;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    pthread_cond_init(&pl->done_cv, NULL);
    for (int i = 0; i < nth && i < NOTIFY_MAX_THREADS; i++) {
        if (pthread_create(&pl->th[i], NULL, worker, pl)) break;
        pl->nth++;
    }
    return pl->nth ? 0 : -1;
}

static void pool_submit(struct pool *pl, struct job *jobs, size_t n)
{
    pthread_mutex_lock(&pl->mu);
    pl->jobs = jobs;
    pl->njobs = n;
    pl->next = 0;
    pl->done = 0;
    pl->gen++;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
}

static void pool_wait(struct pool *pl)
{
    pthread_mutex_lock(&pl->mu);
    while (pl->done < pl->njobs) pthread_cond_wait(&pl->done_cv, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

static void pool_stop(struct pool *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->quit = 1;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < pl->nth; i++) pthread_join(pl->th[i], NULL);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->cv);
    pthread_cond_destroy(&pl->done_cv);
}

/* ---------------------------------------------------------------- storing */

/* what every batch of a run is stored with */
struct store_ctx {
    reg *r;
    const struct incident *inc;
    const struct notify_people *pp;
    const struct notify_make_opts *o;
    int64_t dict_id;
};

/* drop the files of a batch that was not stored */
static void drop_files(struct job *jobs, size_t n, const char *outdir)
{
    for (size_t i = 0; outdir && i < n; i++) eml_drop(&jobs[i].file);
}

/* a batch of made notices */
struct batch {
    const struct store_ctx *sc;
    struct job *jobs;
    size_t n;
};

/* the batch's notices and outbox rows, and for each notice a transparency-log commitment to the
 * line "NOTICE-ID SHA-256-OF-TEXT\n" (salted: the log shows only the commitment; the person,
 * given the salt on the portal, can recompute it and prove that their notice is in the log):
 * of batch ARG (a struct batch), in the caller's transaction */
static int store_rows(reg *r, void *arg)
{
    const struct batch *b = arg;
    const struct store_ctx *sc = b->sc;
    struct job *jobs = b->jobs;
    size_t n = b->n;
    struct tlog_commit_item *items = xcalloc(n + 1, sizeof *items);
    struct outbox_new *nn = xcalloc(n + 1, sizeof *nn);
    char(*lines)[NOTICE_ID_MAX + 80] = xcalloc(n + 1, sizeof *lines);
    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        nn[i] = (struct outbox_new){
            .seq = j->seq,
            .subject = j->e->subject,
            .notice_id = j->notice_id,
            .lang = j->s->language,
            .rcpt = j->s->email,
            .rcpt_masked = j->masked,
            .message_id = j->message_id,
            .packed = j->packed,
            .packed_len = j->packed_len,
            .message_len = j->msg_len,
            .dict_id = sc->dict_id,
            .follows = j->v ? j->v->base->row : 0,
        };
        memcpy(nn[i].code_hash, j->code_hash, 32);
        memcpy(nn[i].text_sha256, j->text_sha, 65);
        int k = snprintf(lines[i], sizeof lines[i], "%s %s\n", j->notice_id, j->text_sha);
        items[i] = (struct tlog_commit_item){.content = lines[i], .len = (size_t)k, .ref = j->notice_id};
    }
    struct outbox_batch bt = {.incident_id = sc->inc->id,
                              .approval_id = sc->o->approval_id,
                              .scan_id = sc->pp->scan_id,
                              .import_id = sc->pp->import_id,
                              .at = sc->o->at,
                              .state = sc->o->state};
    int rc = outbox_add_many(r, &bt, nn, n);
    if (!rc) rc = tlog_append_commitments(r, "notice", items, n, NULL);
    free(items);
    free(nn);
    free(lines);
    return rc;
}

/* Store one batch of made notices in one transaction (again, with the same rows, while the
 * register's server restarts: notify_db_back); then, for --out, move the files into place. */
static int store_batch(const struct store_ctx *sc, struct job *jobs, size_t n)
{
    const char *outdir = sc->o->outdir;
    int rc;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc) {
            drop_files(jobs, n, outdir);
            notify_mask_reply(jobs[i].err, sizeof jobs[i].err); /* a MIME error may quote the address */
            return reg_fail(sc->r, 1, "notice %s: %s", jobs[i].notice_id, jobs[i].err);
        }
    struct batch b = {sc, jobs, n};
    if ((rc = notify_in_tx(sc->r, NULL, store_rows, &b, NULL))) {
        drop_files(jobs, n, outdir);
        return rc;
    }
    char err[4400];
    for (size_t i = 0; outdir && i < n; i++)
        if (eml_name(&jobs[i].file, err, sizeof err)) {
            drop_files(jobs + i + 1, n - i - 1, outdir);
            return reg_fail(sc->r, 1, "%s", err);
        }
    return 0;
}

/* ---------------------------------------------------------------- the storage dictionary */

/* The storage dictionary of this run (pack.h): the parts of a sample notice in each language,
 * made for a fictional person ("Alex Muster", an example.invalid address, code 0000-…) with the
 * exposure E (pages, times, counts: rows the register holds anyway) of the first person to be
 * told and a placeholder instead of a signature: it holds no one's name, address or code and no
 * signed text. Its content goes into ALL. */
static int dict_content(const struct notify_content *nc, const struct exposure_row *e, int64_t at, struct buf *all,
                        char *err, size_t errlen)
{
    struct notice_renderer *rr = notice_renderer_new(nc->tm);
    struct notice_result res = {0};
    struct buf rec;
    char id[NOTICE_ID_MAX], trusted[512];
    int rc = 0;
    if (!rr) {
        err_set(err, errlen, "out of memory");
        return 1;
    }
    buf_init(&rec, (size_t)1 << 24);
    notice_make_id(nc->ni->ref, 0, id, sizeof id);
    for (int l = 0; l < NOTICE_NLANGS && !rc; l++) {
        struct subject_rec s = {.subject = e->subject,
                                .name = "Alex Muster",
                                .email = "alex.muster@example.invalid",
                                .language = l == NOTICE_DE ? "de" : "en",
                                .timezone = l == NOTICE_DE ? "Europe/Berlin" : "Europe/London"};
        struct notice_person p;
        notify_person(e, &s, &p);
        struct notice_meta m = {.notice_id = id, .code = "0000-0000-0000-0000", .date = at};
        notice_trusted_comment(nc->ni->ref, id, at, 0, trusted, sizeof trusted);
        res.minisig_len = (size_t)snprintf(
            res.minisig, sizeof res.minisig,
            "untrusted comment: klartext notice signature; check: minisign -Vm notice.txt -p klartext.pub\n"
            "RUQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"
            "trusted comment: %s\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
            trusted);
        if (notice_render(rr, nc->org, nc->ni, &p, &m, &res, err, errlen) ||
            notice_envelope(nc->org, &p, &m, &res, err, errlen))
            rc = 2;
        else if (pack_record(&res.mn, &rec) || buf_add(all, rec.p, rec.len)) {
            err_set(err, errlen, "out of memory");
            rc = 1;
        }
    }
    buf_release(&rec);
    notice_result_release(&res);
    notice_renderer_free(rr);
    return rc;
}

struct dict_row {
    int64_t incident_id, at;
    const struct buf *all;
    int64_t *dict_id;
};

/* the dictionary ARG (a struct dict_row), in the caller's transaction */
static int store_dict(reg *r, void *arg)
{
    const struct dict_row *d = arg;
    return outbox_dict_store(r, d->incident_id, d->at, d->all->p, d->all->len, d->dict_id);
}

/* make the dictionary for sample exposure E and store it (once per content, in one transaction:
   again while the register's server restarts, notify_db_back): 0 with *dict, *dict_id */
static int make_dict(reg *r, const struct incident *inc, const struct notify_content *nc, const struct exposure_row *e,
                     int64_t at, struct pack_dict **dict, int64_t *dict_id)
{
    struct buf all;
    char err[400];
    int rc;
    buf_init(&all, (size_t)1 << 24);
    if ((rc = dict_content(nc, e, at, &all, err, sizeof err))) rc = reg_fail(r, rc, "%s", err);
    else if (!(*dict = pack_dict_new(all.p, all.len))) rc = reg_fail(r, 1, "out of memory");
    else {
        struct dict_row d = {inc->id, at, &all, dict_id};
        if ((rc = notify_in_tx(r, NULL, store_dict, &d, NULL))) {
            pack_dict_free(*dict);
            *dict = NULL;
        }
    }
    buf_release(&all);
    return rc;
}

/* ---------------------------------------------------------------- who gets a new notice */

static int never_accepted(const struct outbox_live *l)
{
    return l->state == OB_QUEUED || l->state == OB_CANCELLED || l->state == OB_FAILED;
}

/* the live notice L of someone no longer exposed: superseded unless a server ever had it */
static int drop_gone(reg *r, const struct outbox_live *l, int64_t scan_id, int64_t at, struct notify_make_stats *ms)
{
    if (!never_accepted(l) || l->scan_id == scan_id) return 0;
    ms->superseded++;
    return outbox_set_state(r, l->row, (int)l->state, OB_SUPERSEDED, at, 0, "no longer exposed in the current scan", 0,
                            0);
}

/* what apply_plan works on, and the counts as they were before it */
struct plan_run {
    const struct notify_people *pp;
    const struct notify_make_opts *o;
    const struct notify_plan *pl;
    const struct notify_verdict **todo;
    size_t *ntodo;
    struct notify_make_stats *ms, before;
};

/* Act on the plan ARG (a struct plan_run), in the caller's transaction: count the people,
 * supersede the pending notices that no longer stand, and list in todo the verdicts of the
 * reachable people who need a new notice. */
static int apply_plan_rows(reg *r, void *arg)
{
    const struct plan_run *p = arg;
    const struct notify_make_opts *o = p->o;
    const struct notify_plan *pl = p->pl;
    struct notify_make_stats *ms = p->ms;
    int rc;
    *p->ntodo = 0;
    for (size_t i = 0; i < pl->nv; i++) {
        const struct notify_verdict *v = &pl->v[i];
        ms->exposed++;
        if (v->reachable) ms->reachable++;
        else ms->unreachable++;
        if (v->pend && !v->keep_pend) {
            const char *why = v->base && !v->changes ? "the notice sent before states the current facts"
                                                     : "made again from changed content, scan or contact data";
            if ((rc = outbox_set_state(r, v->pend->row, (int)v->pend->state, OB_SUPERSEDED, o->at, 0, why, 0, 0)))
                return rc;
            ms->superseded++;
        }
        if (v->need == NOTIFY_NEED_NONE || !v->reachable) {
            if (v->base || v->pend) ms->kept++;
            continue;
        }
        p->todo[(*p->ntodo)++] = v;
    }
    for (size_t i = 0; i < pl->ngone; i++)
        if ((rc = drop_gone(r, pl->gone[i], p->pp->scan_id, o->at, ms))) return rc;
    return 0;
}

/* a try of apply_plan_rows that failed: its counts undone */
static void apply_plan_undo(void *arg)
{
    struct plan_run *p = arg;
    *p->ms = p->before;
}

/* apply_plan_rows in one transaction, again from the start while the register's server restarts
   (notify_db_back) */
static int apply_plan(reg *r, const struct notify_people *pp, const struct notify_make_opts *o,
                      const struct notify_plan *pl, const struct notify_verdict **todo, size_t *ntodo,
                      struct notify_make_stats *ms)
{
    struct plan_run p = {pp, o, pl, todo, ntodo, ms, *ms};
    return notify_in_tx(r, NULL, apply_plan_rows, &p, apply_plan_undo);
}

/* ---------------------------------------------------------------- making, batch by batch */

static void progress(const struct notify_progress *p, int64_t done, int64_t total, enum notify_step step)
{
    if (p->fn) p->fn(p->arg, "making", done, total, step);
}

/* fill the jobs of the next batch from todo[*pos ..]: their people, numbers, ids and codes */
/* a follow-up's earlier notice: what base stated */
static void job_earlier(const struct incident *inc, struct job *j)
{
    notify_verdict_earlier(inc->ref, j->v, j->earlier_id, &j->earlier);
}

static size_t next_batch(const struct incident *inc, const struct notify_people *pp, const struct notify_content *nc,
                         const struct notify_verdict *const *todo, size_t ntodo, size_t *pos, int64_t *seq,
                         struct job *jb)
{
    size_t n = 0;
    for (; n < NOTIFY_BATCH_MAKE && *pos < ntodo; n++, (*pos)++) {
        struct job *j = &jb[n];
        job_clear(j);
        memset(j, 0, sizeof *j);
        j->e = &pp->ex[todo[*pos]->ex];
        j->s = notify_contact(pp, j->e->subject);
        if (todo[*pos]->need == NOTIFY_NEED_FOLLOWUP) {
            j->v = todo[*pos];
            job_earlier(inc, j);
        }
        j->seq = ++*seq;
        notice_make_id(inc->ref, j->seq, j->notice_id, sizeof j->notice_id);
        notify_code(nc, j->seq, j->code);
    }
    return n;
}

/* Make the notices of todo, NOTIFY_BATCH_MAKE at a time with two batches in flight: while the
 * workers make one, this thread stores the other. */
static int make_batches(const struct store_ctx *sc, const struct notify_content *nc, struct pool *pl,
                        const struct notify_verdict *const *todo, size_t ntodo, int64_t seq,
                        struct notify_make_stats *ms)
{
    struct job *jobs[2] = {xcalloc(NOTIFY_BATCH_MAKE, sizeof(struct job)),
                           xcalloc(NOTIFY_BATCH_MAKE, sizeof(struct job))};
    size_t nb[2] = {0, 0}, pos = 0;
    int cur = 0, pending = -1, rc = 0;
    progress(&sc->o->progress, 0, (int64_t)ntodo, NOTIFY_START);
    while (!rc && (pos < ntodo || pending >= 0)) {
        int submitted = -1;
        if (pos < ntodo) {
            nb[cur] = next_batch(sc->inc, sc->pp, nc, todo, ntodo, &pos, &seq, jobs[cur]);
            pool_submit(pl, jobs[cur], nb[cur]);
            submitted = cur;
        }
        if (pending >= 0) {
            rc = store_batch(sc, jobs[pending], nb[pending]);
            for (size_t i = 0; !rc && i < nb[pending]; i++) ms->followups += jobs[pending][i].v != NULL;
            if (!rc) ms->created += (int64_t)nb[pending];
            progress(&sc->o->progress, ms->created, (int64_t)ntodo, NOTIFY_STEP);
        }
        if (submitted >= 0) {
            pool_wait(pl);
            pending = submitted;
            cur = 1 - cur;
        } else pending = -1;
    }
    progress(&sc->o->progress, ms->created, (int64_t)ntodo, NOTIFY_END);
    for (int k = 0; k < 2; k++) {
        drop_files(jobs[k], nb[k], sc->o->outdir);
        for (size_t i = 0; i < NOTIFY_BATCH_MAKE; i++) {
            job_clear(&jobs[k][i]);
            sodium_memzero(jobs[k][i].code, sizeof jobs[k][i].code);
        }
        free(jobs[k]);
    }
    return rc;
}

/* make the notices of todo (not empty): dictionary, workers, batches */
static int make_todo(const struct store_ctx *sc, const struct notify_content *nc,
                     const struct notify_verdict *const *todo, size_t ntodo, int64_t seq, struct notify_make_stats *ms)
{
    struct store_ctx s = *sc;
    struct pack_dict *dict = NULL;
    struct pool pl;
    int rc;
    outbox_tune(sc->r, OUTBOX_TUNE_BULK);
    if ((rc = make_dict(sc->r, sc->inc, nc, &sc->pp->ex[todo[0]->ex], sc->o->at, &dict, &s.dict_id))) return rc;
    if (pool_start(&pl, nc, dict, sc->o->threads, sc->o->outdir, sc->o->at)) {
        pack_dict_free(dict);
        return reg_fail(sc->r, 1, "cannot start worker threads");
    }
    rc = make_batches(&s, nc, &pl, todo, ntodo, seq, ms);
    pool_stop(&pl);
    outbox_tune(sc->r, OUTBOX_TUNE_NORMAL);
    /* the statements that count per person after this (the summary's "not told") are planned
       from the tables' statistics: on PostgreSQL, made now for the rows just written */
    reg_analyze(sc->r, REG_BULK_NOTICES, ms->created);
    pack_dict_free(dict);
    return rc;
}

int notify_make(reg *r, const struct incident *inc, const struct notify_people *pp, const struct notify_content *nc,
                const struct notify_make_opts *o, struct notify_make_stats *ms)
{
    struct notify_plan pl;
    size_t ntodo = 0;
    int64_t seq = 0;
    int rc;
    memset(ms, 0, sizeof *ms);
    if ((rc = outbox_max_seq(r, inc->id, &seq))) return rc;
    ms->first_seq = seq + 1;
    if ((rc = notify_plan_load(r, inc, pp, o->approval_id, &pl))) {
        notify_plan_release(&pl);
        return rc;
    }
    const struct notify_verdict **todo = xcalloc(pl.nv + 1, sizeof *todo);
    rc = apply_plan(r, pp, o, &pl, todo, &ntodo, ms);
    if (!rc && ntodo) {
        struct store_ctx sc = {.r = r, .inc = inc, .pp = pp, .o = o};
        rc = make_todo(&sc, nc, todo, ntodo, seq, ms);
    }
    free(todo);
    notify_plan_release(&pl);
    return rc;
}

/* ---------------------------------------------------------------- --out: notices made before */

struct stored_run {
    const struct incident *inc;
    const char *dir;
    int64_t first_seq, at;
    int64_t *written;
};

/* write the live notices of ARG (a struct stored_run) into its directory, in one transaction that
   marks the queued ones written */
static int write_stored_tx(reg *r, void *arg)
{
    const struct stored_run *w = arg;
    const struct incident *inc = w->inc;
    const char *dir = w->dir;
    int64_t first_seq = w->first_seq, at = w->at, *written = w->written;
    struct outbox_live *live = NULL;
    size_t nlive = 0;
    int rc;
    *written = 0;
    if ((rc = outbox_live_list(r, inc->id, &live, &nlive))) return rc;
    struct buf msg;
    buf_init(&msg, NOTICE_MSG_MAX * 2);
    char err[4400];
    if ((rc = reg_begin(r))) goto out;
    for (size_t i = 0; i < nlive && !rc; i++) {
        struct outbox_live *l = &live[i];
        if (l->state == OB_CANCELLED) continue;
        char nid[NOTICE_ID_MAX], path[4096];
        notice_make_id(inc->ref, l->seq, nid, sizeof nid);
        snprintf(path, sizeof path, "%s/%s.eml", dir, nid);
        (*written)++;
        /* written already (in this run, or by an earlier --out into this directory) */
        if (l->state == OB_WRITTEN && (l->seq >= first_seq || access(path, F_OK) == 0)) continue;
        if ((rc = pack_message(r, l->row, &msg))) break;
        if (eml_write(dir, nid, msg.p, msg.len, err, sizeof err)) {
            rc = reg_fail(r, 1, "%s", err);
            break;
        }
        if (l->state == OB_QUEUED || l->state == OB_FAILED)
            rc = outbox_set_state(r, l->row, (int)l->state, OB_WRITTEN, at, 0, "written to a file with --out", 0, 0);
    }
    if (!rc) rc = reg_commit(r);
    if (rc) reg_rollback(r);
out:
    buf_release(&msg);
    outbox_live_free(live, nlive);
    return rc;
}

/* write_stored_tx, again from the start while the register's server restarts (notify_db_back):
   the files it wrote before are written again, the same bytes */
int notify_write_stored(reg *r, const struct incident *inc, const char *dir, int64_t first_seq, int64_t at,
                        int64_t *written)
{
    struct stored_run w = {inc, dir, first_seq, at, written};
    return notify_again(r, NULL, write_stored_tx, &w, NULL);
}
