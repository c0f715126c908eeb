/* cmd_log.c — `klartext log checkpoint|checkpoints|prove|verify|entries|pubkey`: the
 * transparency log (docs/tlog.md; storage and checks in src/register/tlog_store.c). */
#include "cli/cli.h"
#include "register/tlog_store.h"
#include "sign/keys.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char group_usage[] = "klartext log (checkpoint|checkpoints|prove|verify|entries|pubkey) [ARGS]";

static void hexs(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = 0;
}

/* a non-negative decimal (no sign, no junk); 0 or 2 with the message printed */
static int parse_count(const char *what, const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = s && *s >= '0' && *s <= '9' ? strtoll(s, &end, 10) : -1;
    if (v < 0 || errno || *end) return kt_error(2, "%s: '%s' is not a number (0, 1, 2, …)", what, s ? s : "");
    *out = v;
    return 0;
}

/* the register's public key: --pubkey FILE (minisign format), --vkey VKEY (signed-note
 * verifier key), else the .pub file next to the register */
static int load_pubkey(struct kt_ctx *ctx, const char *pubfile, const char *vkey, uint8_t pk[32], char *name,
                       size_t namelen)
{
    char err[512];
    if (name && namelen) name[0] = 0;
    if (vkey) {
        char n[CKPT_MAX_NAME + 1];
        if (ckpt_vkey_parse(vkey, n, pk, err, sizeof err)) return kt_error(2, "--vkey: %s", err);
        if (name) snprintf(name, namelen, "%s", n);
        return 0;
    }
    char *path = pubfile ? xstrdup(pubfile) : kt_key_path(ctx->db_path, ".pub");
    unsigned char keyid[SIGN_KEYID_BYTES];
    int rc = sign_pubkey_load(path, pk, keyid, err, sizeof err)
                 ? kt_error(pubfile ? 2 : 1, "cannot read the public key '%s': %s", path, err)
                 : 0;
    free(path);
    return rc;
}

/* ---------------------------------------------------------------- checkpoint */

static json_t *ckpt_json(const struct tlog_ckpt *c)
{
    char hex[65];
    json_t *j = json_object();
    json_object_set_new(j, "size", json_integer(c->size));
    hexs(c->root, 32, hex);
    json_object_set_new(j, "root", json_string(hex));
    json_object_set_new(j, "created_at", kt_json_time(c->created_at));
    json_object_set_new(j, "note", json_string(c->note));
    struct ckpt *cp = xmalloc(sizeof *cp);
    if (!ckpt_parse(c->note, strlen(c->note), cp, NULL, 0)) json_object_set_new(j, "origin", json_string(cp->origin));
    free(cp);
    return j;
}

static int log_checkpoint(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext log checkpoint";
    struct opt o[] = {{0}};
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Commit the audit trail's head to the log, then sign the log's new tree head with the\n"
                             "register's key and store it (a C2SP signed note, printed). Refuses when the stored\n"
                             "log does not verify or would not be consistent with the previous checkpoint.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) return rc;
    reg *r;
    if ((rc = kt_open(ctx, 0, &r))) return rc;
    char origin[CKPT_MAX_NAME + 1], err[512];
    int placeholder = 0;
    if ((rc = tlog_origin(r, origin, &placeholder))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (placeholder) {
        reg_close(r);
        return kt_error(1, "portal.url is still the placeholder: set the portal's address first, it names the log "
                           "(klartext org set portal.url=https://…)");
    }
    char *keypath = kt_key_path(ctx->db_path, ".key");
    sign_key *k = sign_key_load(keypath, err, sizeof err);
    if (!k) {
        rc = kt_error(1, "cannot load the signing key '%s': %s", keypath, err);
        free(keypath);
        reg_close(r);
        return rc;
    }
    free(keypath);
    struct tlog_ckpt prev, c;
    int found = 0;
    if (!tlog_checkpoint_latest(r, &prev, &found) && found) {
        struct ckpt *cp = xmalloc(sizeof *cp);
        if (!ckpt_parse(prev.note, strlen(prev.note), cp, NULL, 0) && strcmp(cp->origin, origin))
            kt_warn("the log's origin changes from '%s' to '%s' (portal.url changed): tell everyone who checks the log",
                    cp->origin, origin);
        free(cp);
    }
    tlog_ckpt_release(&prev);
    if ((rc = reg_begin(r)) || (rc = tlog_checkpoint(r, k, &c)) || (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
    } else {
        if (ctx->json) kt_json_print(ckpt_json(&c));
        else fputs(c.note, stdout);
        tlog_ckpt_release(&c);
    }
    sign_key_free(k);
    reg_close(r);
    return rc;
}

static int log_checkpoints(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext log checkpoints [--latest | --size N]";
    struct opt o[] = {
        {"latest", NULL, "print only the newest checkpoint's signed note"},
        {"size", "N", "print only the signed note of the checkpoint of N entries"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage, "The stored checkpoints (signed tree heads), oldest first.", o, argc, argv, pos, 0,
                             &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    int latest = opt_get(o, "latest")->given;
    const char *size_s = opt_get(o, "size")->value;
    opt_free(o);
    int64_t size = -1;
    if (size_s && (rc = parse_count("--size", size_s, &size))) return rc;
    if (latest && size_s) return kt_error(2, "give either --latest or --size");
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    if (latest || size_s) {
        struct tlog_ckpt c;
        int found;
        rc = latest ? tlog_checkpoint_latest(r, &c, &found) : tlog_checkpoint_at(r, size, &c, &found);
        if (rc) kt_error(rc, "%s", reg_err(r));
        else if (!found)
            rc = latest ? kt_error(1, "no checkpoint yet: run 'klartext log checkpoint'")
                        : kt_error(2, "no checkpoint of size %lld", (long long)size);
        else if (ctx->json) kt_json_print(ckpt_json(&c));
        else fputs(c.note, stdout);
        tlog_ckpt_release(&c);
        reg_close(r);
        return rc;
    }
    struct tlog_ckpt *c;
    size_t n;
    if ((rc = tlog_checkpoints(r, &c, &n))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ctx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(a, ckpt_json(&c[i]));
        kt_json_print(a);
    } else if (!n) {
        printf("No checkpoints yet: 'klartext log checkpoint' makes one.\n");
    } else {
        printf("%8s  %-20s  %s\n", "SIZE", "SIGNED (UTC)", "ROOT (hex)");
        for (size_t i = 0; i < n; i++) {
            char iso[KT_ISO_LEN], hex[65];
            kt_time_iso(c[i].created_at, iso);
            hexs(c[i].root, 32, hex);
            printf("%8lld  %-20s  %s\n", (long long)c[i].size, iso, hex);
        }
    }
    tlog_ckpts_free(c, n);
    reg_close(r);
    return 0;
}

/* ---------------------------------------------------------------- prove */

static json_t *note_or_null(reg *r, int64_t size)
{
    struct tlog_ckpt c;
    int found = 0;
    json_t *j = json_null();
    if (!tlog_checkpoint_at(r, size, &c, &found) && found) {
        json_decref(j);
        j = json_string(c.note);
    }
    tlog_ckpt_release(&c);
    return j;
}

static void print_hashes(const char *label, const struct tlog_proof *p)
{
    char hex[65];
    if (!p->n) {
        printf("  %-10s (empty)\n", label);
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        hexs(p->hashes[i], 32, hex);
        printf("  %-10s %s\n", i ? "" : label, hex);
    }
}

/* The tree size a proof defaults to: the newest checkpoint's. For --inclusion, an INDEX past
 * it is an error saying whether a checkpoint would cover it (1) or the log has no such entry (2). */
static int prove_default_size(reg *r, int inclusion, int64_t index, int64_t *target)
{
    struct tlog_ckpt c;
    int found, rc;
    if ((rc = tlog_checkpoint_latest(r, &c, &found))) return kt_error(rc, "%s", reg_err(r));
    *target = c.size;
    tlog_ckpt_release(&c);
    if (!found) return kt_error(1, "no checkpoint yet: run 'klartext log checkpoint' first (or give the tree size)");
    if (inclusion && index >= *target) {
        int64_t n = 0;
        tlog_size(r, &n);
        if (index < n)
            return kt_error(
                1, "entry %lld is not covered by the newest checkpoint (size %lld) yet: run 'klartext log checkpoint'",
                (long long)index, (long long)*target);
        return kt_error(2, "entry %lld is not in the log (it has %lld entr%s)", (long long)index, (long long)n,
                        n == 1 ? "y" : "ies");
    }
    return 0;
}

/* --json: the proof with the entry and checkpoint note (inclusion) or both notes (consistency). */
static void prove_print_json(reg *r, const struct tlog_proof *p, int inclusion, int64_t index, int64_t old,
                             int64_t target)
{
    json_t *j = tlog_proof_json(p);
    if (inclusion) {
        struct tlog_entry *e;
        size_t n;
        if (!tlog_entries(r, index, index + 1, &e, &n) && n == 1) {
            json_t *d = json_stringn(e[0].data, e[0].len);
            json_object_set_new(j, "entry", d ? d : json_null());
            json_object_set_new(j, "kind", json_string(e[0].kind));
        }
        tlog_entries_free(e, n);
        json_object_set_new(j, "checkpoint", note_or_null(r, target));
    } else {
        json_object_set_new(j, "checkpoint1", note_or_null(r, old));
        json_object_set_new(j, "checkpoint2", note_or_null(r, target));
    }
    kt_json_print(j);
}

static void prove_print_text(const struct tlog_proof *p, int inclusion, int64_t index, int64_t old, int64_t target)
{
    char hex[65];
    if (inclusion) {
        printf("inclusion proof: entry %lld in the log of %lld entries (RFC 9162)\n", (long long)index,
               (long long)target);
        hexs(p->leaf_hash, 32, hex);
        printf("  %-10s %s\n", "leaf hash", hex);
        hexs(p->root, 32, hex);
        printf("  %-10s %s\n", "root", hex);
    } else {
        printf("consistency proof: the log of %lld entries extends the log of %lld (RFC 9162)\n", (long long)target,
               (long long)old);
        hexs(p->root1, 32, hex);
        printf("  %-10s %s\n", "old root", hex);
        hexs(p->root, 32, hex);
        printf("  %-10s %s\n", "new root", hex);
    }
    print_hashes("proof", p);
}

static int log_prove(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext log prove (--inclusion INDEX [--size N] | --consistency OLD [NEW])";
    struct opt o[] = {
        {"inclusion", "INDEX", "prove that entry INDEX (from 0) is in the log"},
        {"size", "N", "in the tree of N entries (default: the newest checkpoint's size)"},
        {"consistency", "OLD",
         "prove that the tree of NEW entries (default: the newest checkpoint) extends the tree of OLD"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "RFC 9162 proofs, hashes as lowercase hex (docs/tlog.md shows how to check them).\n"
                             "Check the root against a checkpoint whose signature you verified.",
                             o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    const char *inc_s = opt_get(o, "inclusion")->value, *size_s = opt_get(o, "size")->value;
    const char *old_s = opt_get(o, "consistency")->value;
    opt_free(o);
    int64_t index = 0, size = -1, old = 0, nw = -1;
    if (!!inc_s == !!old_s) {
        kt_error(2, "give either --inclusion INDEX or --consistency OLD NEW");
        usage_line(usage);
        return 2;
    }
    if (inc_s && npos) {
        kt_error(2, "unexpected argument '%s'", pos[0]);
        usage_line(usage);
        return 2;
    }
    if (old_s && size_s) {
        kt_error(2, "--size goes with --inclusion; for --consistency give OLD and NEW");
        usage_line(usage);
        return 2;
    }
    if (inc_s && (rc = parse_count("--inclusion", inc_s, &index))) return rc;
    if (size_s && (rc = parse_count("--size", size_s, &size))) return rc;
    if (old_s && (rc = parse_count("--consistency", old_s, &old))) return rc;
    if (old_s && npos && (rc = parse_count("NEW", pos[0], &nw))) return rc;
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    int64_t target = inc_s ? size : nw;
    if (target < 0 && (rc = prove_default_size(r, !!inc_s, index, &target))) {
        reg_close(r);
        return rc;
    }
    struct tlog_proof p;
    rc = inc_s ? tlog_prove_inclusion(r, index, target, &p) : tlog_prove_consistency(r, old, target, &p);
    if (rc) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ctx->json) prove_print_json(r, &p, !!inc_s, index, old, target);
    else prove_print_text(&p, !!inc_s, index, old, target);
    reg_close(r);
    return 0;
}

/* ---------------------------------------------------------------- verify */

static int log_verify(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext log verify [--pubkey FILE | --vkey VKEY]";
    struct opt o[] = {
        {"pubkey", "FILE", "the organisation's public key (minisign format; default: the .pub next to the register)"},
        {"vkey", "VKEY", "or its signed-note verifier key, as 'klartext log pubkey' prints it"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Recompute the log from the stored entries and check everything: every leaf hash, every\n"
                             "checkpoint's signature and root, each checkpoint consistent with the next, the audit\n"
                             "trail's hash chain and each audit-head commitment. Exit 1 on any problem.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    const char *pubfile = opt_get(o, "pubkey")->value, *vkey = opt_get(o, "vkey")->value;
    opt_free(o);
    if (pubfile && vkey) return kt_error(2, "give either --pubkey or --vkey");
    uint8_t pk[32];
    char vname[CKPT_MAX_NAME + 1];
    if ((rc = load_pubkey(ctx, pubfile, vkey, pk, vname, sizeof vname))) return rc;
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    char origin[CKPT_MAX_NAME + 1];
    if (vkey && !tlog_origin(r, origin, NULL) && strcmp(origin, vname))
        kt_warn("the verifier key is named '%s', but the log's origin is '%s'", vname, origin);
    struct tlog_verify_result res;
    if ((rc = tlog_verify(r, pk, &res))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    int64_t uncommitted = res.audit_rows - res.audit_committed;
    if (ctx->json) {
        json_t *j = json_object(), *a = json_array();
        json_object_set_new(j, "ok", json_boolean(res.nproblems == 0));
        json_object_set_new(j, "entries", json_integer(res.entries));
        json_object_set_new(j, "statements", json_integer(res.statements));
        json_object_set_new(j, "commitments", json_integer(res.commitments));
        json_object_set_new(j, "audit_heads", json_integer(res.audit_heads));
        json_object_set_new(j, "checkpoints", json_integer(res.checkpoints));
        json_object_set_new(j, "latest_checkpoint_size", res.checkpoints ? json_integer(res.latest_size) : json_null());
        json_object_set_new(j, "audit_entries", json_integer(res.audit_rows));
        json_object_set_new(j, "audit_entries_committed", json_integer(res.audit_committed));
        json_object_set_new(j, "first_bad_entry",
                            res.first_bad_entry >= 0 ? json_integer(res.first_bad_entry) : json_null());
        for (size_t i = 0; i < res.nproblems; i++) json_array_append_new(a, json_string(res.problems[i]));
        json_object_set_new(j, "problems", a);
        json_object_set_new(j, "more_problems", json_integer((json_int_t)res.more_problems));
        kt_json_print(j);
    } else if (!res.nproblems) {
        printf("log verified: %lld entr%s (%lld statement%s, %lld commitment%s of which %lld audit head%s), "
               "%lld checkpoint%s",
               (long long)res.entries, res.entries == 1 ? "y" : "ies", (long long)res.statements,
               res.statements == 1 ? "" : "s", (long long)res.commitments, res.commitments == 1 ? "" : "s",
               (long long)res.audit_heads, res.audit_heads == 1 ? "" : "s", (long long)res.checkpoints,
               res.checkpoints == 1 ? "" : "s");
        if (res.checkpoints) printf(" (newest: size %lld)", (long long)res.latest_size);
        printf("; audit trail of %lld entr%s chained, %lld committed to the log\n", (long long)res.audit_rows,
               res.audit_rows == 1 ? "y" : "ies", (long long)res.audit_committed);
        if (res.entries > res.latest_size)
            printf("%lld entr%s not covered by a checkpoint yet: run 'klartext log checkpoint'\n",
                   (long long)(res.entries - res.latest_size), res.entries - res.latest_size == 1 ? "y is" : "ies are");
        else if (uncommitted > 0)
            printf("%lld audit entr%s after the newest checkpoint: the next 'klartext log checkpoint' commits %s\n",
                   (long long)uncommitted, uncommitted == 1 ? "y" : "ies", uncommitted == 1 ? "it" : "them");
    } else {
        for (size_t i = 0; i < res.nproblems; i++) printf("problem: %s\n", res.problems[i]);
        if (res.more_problems) printf("… and %zu more problems\n", res.more_problems);
    }
    if (res.nproblems) {
        size_t total = res.nproblems + res.more_problems;
        if (res.first_bad_entry >= 0)
            kt_error(1, "log verification failed: %zu problem%s; the first bad entry is %lld", total,
                     total == 1 ? "" : "s", (long long)res.first_bad_entry);
        else kt_error(1, "log verification failed: %zu problem%s: %s", total, total == 1 ? "" : "s", res.problems[0]);
        rc = 1;
    }
    tlog_verify_release(&res);
    reg_close(r);
    return rc;
}

/* ---------------------------------------------------------------- entries */

static void entry_summary(const struct tlog_entry *e, char *out, size_t len)
{
    if (e->commitment) {
        snprintf(out, len, "commitment %.16s…", e->commit_hex);
        return;
    }
    json_t *j = json_loadb(e->data, e->len, 0, NULL);
    const char *inc = json_string_value(json_object_get(j, "incident")),
               *lang = json_string_value(json_object_get(j, "lang"));
    const char *title = json_string_value(json_object_get(j, "title"));
    if (!strcmp(e->kind, "statement") && inc && lang && title) {
        snprintf(out, len, "%s revision %lld (%s): %s", inc,
                 (long long)json_integer_value(json_object_get(j, "revision")), lang, title);
    } else {
        snprintf(out, len, "%.*s%s", e->len > 80 ? 80 : (int)e->len, e->data, e->len > 80 ? "…" : "");
    }
    json_decref(j);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < ' ') *c = ' ';
}

static int log_entries(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext log entries [--start N] [--end M]";
    struct opt o[] = {
        {"start", "N", "from entry N (default 0)"},
        {"end", "M", "up to but not including entry M (default: all)"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "The log's entries in their public form: statements in full; for commitments only the\n"
                             "kind, the time and the commitment hash. --json gives each entry's exact bytes.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    const char *start_s = opt_get(o, "start")->value, *end_s = opt_get(o, "end")->value;
    opt_free(o);
    int64_t start = 0, end = -1;
    if (start_s && (rc = parse_count("--start", start_s, &start))) return rc;
    if (end_s && (rc = parse_count("--end", end_s, &end))) return rc;
    if (end >= 0 && end < start)
        return kt_error(2, "--end %lld is before --start %lld", (long long)end, (long long)start);
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    int64_t size;
    struct tlog_entry *e = NULL;
    size_t n = 0;
    if ((rc = tlog_size(r, &size)) || (rc = tlog_entries(r, start, end, &e, &n))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ctx->json) {
        json_t *j = json_object(), *a = json_array();
        json_object_set_new(j, "size", json_integer(size));
        for (size_t i = 0; i < n; i++) json_array_append_new(a, tlog_entry_json(&e[i]));
        json_object_set_new(j, "entries", a);
        kt_json_print(j);
    } else if (!n) {
        printf("No entries%s (the log has %lld).\n", start_s || end_s ? " in that range" : "", (long long)size);
    } else {
        for (size_t i = 0; i < n; i++) {
            char iso[KT_ISO_LEN], sum[400];
            kt_time_iso(e[i].logged_at, iso);
            entry_summary(&e[i], sum, sizeof sum);
            printf("%6lld  %s  %-11s %s\n", (long long)e[i].idx, iso, e[i].kind, sum);
        }
    }
    tlog_entries_free(e, n);
    reg_close(r);
    return 0;
}

/* ---------------------------------------------------------------- pubkey */

static int log_pubkey(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext log pubkey";
    struct opt o[] = {{0}};
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Print the key that verifies the log's checkpoints in the signed-note verifier-key form\n"
                             "(<origin>+<key id>+<base64 key>), for witnesses and Go's sumdb/note.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) return rc;
    uint8_t pk[32];
    if ((rc = load_pubkey(ctx, NULL, NULL, pk, NULL, 0))) return rc;
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    char origin[CKPT_MAX_NAME + 1], vkey[CKPT_VKEY_MAX], err[256];
    int placeholder;
    if ((rc = tlog_origin(r, origin, &placeholder))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (placeholder) kt_warn("portal.url is still the placeholder: the log's origin will change when it is set");
    if (ckpt_vkey_format(origin, pk, vkey, sizeof vkey, err, sizeof err)) {
        rc = kt_error(1, "%s", err);
        reg_close(r);
        return rc;
    }
    if (ctx->json) {
        char hex[65];
        hexs(pk, 32, hex);
        json_t *j = json_object();
        json_object_set_new(j, "origin", json_string(origin));
        json_object_set_new(j, "vkey", json_string(vkey));
        json_object_set_new(j, "public_key", json_string(hex));
        kt_json_print(j);
    } else {
        printf("%s\n", vkey);
    }
    reg_close(r);
    return 0;
}

int cmd_log(struct kt_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct kt_ctx *, int, char **);
        const char *what;
    } sub[] = {
        {"checkpoint", log_checkpoint, "commit the audit trail's head, sign and store the log's tree head"},
        {"checkpoints", log_checkpoints, "the stored checkpoints (--latest: the newest signed note)"},
        {"prove", log_prove, "inclusion and consistency proofs (RFC 9162)"},
        {"verify", log_verify, "recompute and check the whole log and the audit trail's hash chain"},
        {"entries", log_entries, "the entries in their public form"},
        {"pubkey", log_pubkey, "the checkpoints' verifier key (signed-note form)"},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: %s\n\n", group_usage);
        for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) fprintf(f, "  %-12s %s\n", sub[i].name, sub[i].what);
        fprintf(f, "\n'klartext log SUBCOMMAND --help' shows its options; docs/tlog.md describes the log.\n");
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        if (!strcmp(argv[1], sub[i].name)) return sub[i].fn(ctx, argc - 1, argv + 1);
    kt_error(2, "'%s' is not a log command (checkpoint, checkpoints, prove, verify, entries, pubkey)", argv[1]);
    usage_line(group_usage);
    return 2;
}
