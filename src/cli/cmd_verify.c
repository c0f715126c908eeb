/* cmd_verify.c — `klartext verify (--code CODE | FILE.eml) [--pub KEY]`: is this notice genuine?
 *
 * For a customer-service agent on the phone (the caller reads the code out) and for anyone with
 * a saved notice. Exit 0: genuine; 1: not genuine (or cannot be confirmed); 2: bad usage.
 * What it shows is what an agent may say: the incident, the notice id, the masked address
 * ("k***@mail.example"), when it was made and sent — never the code or the address itself. */
#include "cli/cli.h"
#include "register/tlog_store.h"
#include "notify/mime.h"
#include "notify/notice.h"
#include "notify/notify.h"
#include "notify/pack.h"
#include "register/outbox.h"
#include "sign/code.h"
#include "sign/keys.h"
#include "sign/minisig.h"
#include "sign/subkey.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char usage[] = "klartext verify (--code CODE | FILE.eml) [--pub KEY]";

struct verdict {
    int genuine;
    const char *why; /* when not genuine: one line */
    char why_buf[600];
    /* what is known */
    int have_sig;
    char keyid[SIGN_KEYID_HEX];
    char trusted[600]; /* escaped */
    char incident[32], notice_id[NOTICE_ID_MAX];
    int64_t signed_at;
    int test;
    int have_notice;
    struct notice_info ni;
    char *title;
};

static void escape_line(const char *s, size_t n, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t') {
            out[o++] = ' ';
            out[o++] = ' ';
        } else if (c < 32 || c == 127) o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
        else out[o++] = (char)c;
    }
    out[o] = 0;
}

/* the saved notice: every failure to read it means it cannot be confirmed (exit 1) */
static int read_notice(const char *path, char **out, size_t *len)
{
    char err[600];
    int rc = file_read(path, MIME_MSG_MAX, out, len, err, sizeof err);
    if (rc == FILE_ETOOBIG) return kt_error(1, "'%s' is larger than %zu bytes: not a notice", path, MIME_MSG_MAX);
    if (rc) return kt_error(1, "%s", err);
    return 0;
}

/* the public key: --pub FILE (or the base64 key itself), else the register's klartext.pub */
static int load_pub(struct kt_ctx *ctx, const char *pub, unsigned char pk[32], unsigned char id[8])
{
    char err[300];
    if (pub) {
        struct stat st;
        if (stat(pub, &st) == 0) {
            if (sign_pubkey_load(pub, pk, id, err, sizeof err)) return kt_error(2, "--pub '%s': %s", pub, err);
        } else if (sign_pubkey_parse(pub, strlen(pub), pk, id, err, sizeof err))
            return kt_error(2, "--pub: '%s' is neither a key file nor a public key", pub);
        return 0;
    }
    char *path = kt_key_path(ctx->db_path, ".pub");
    int rc = sign_pubkey_load(path, pk, id, err, sizeof err);
    if (rc) kt_error(2, "no public key to check against (%s): give --pub klartext.pub", err);
    free(path);
    return rc ? 2 : 0;
}

/* split a message into its unfolded header fields and its body (CRLF or LF) */
struct hdrs {
    char *names[64], *vals[64];
    size_t n;
    const char *body;
    size_t body_len;
};

static void hdrs_free(struct hdrs *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->names[i]);
        free(h->vals[i]);
    }
    h->n = 0;
}

static void hdrs_parse(const char *m, size_t n, struct hdrs *h)
{
    memset(h, 0, sizeof *h);
    size_t i = 0;
    struct buf v;
    buf_init(&v, 1 << 16);
    while (i < n) {
        size_t e = i;
        while (e < n && m[e] != '\n') e++;
        size_t le = e;
        if (le > i && m[le - 1] == '\r') le--;
        if (le == i) {
            i = e + 1;
            break;
        } /* the blank line */
        if ((m[i] == ' ' || m[i] == '\t') && h->n) {
            buf_reset(&v);
            buf_adds(&v, h->vals[h->n - 1]);
            buf_add(&v, m + i, le - i);
            free(h->vals[h->n - 1]);
            h->vals[h->n - 1] = xstrdup(buf_str(&v));
        } else if (h->n < 64) {
            const char *colon = memchr(m + i, ':', le - i);
            if (colon) {
                char *name = xstrndup(m + i, (size_t)(colon - (m + i)));
                for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
                const char *val = colon + 1;
                while (val < m + le && (*val == ' ' || *val == '\t')) val++;
                h->names[h->n] = name;
                h->vals[h->n] = xstrndup(val, (size_t)(m + le - val));
                h->n++;
            }
        }
        i = e + 1;
    }
    buf_release(&v);
    if (i > n) i = n;
    h->body = m + i;
    h->body_len = n - i;
}

static const char *hdr_get(const struct hdrs *h, const char *name, int *count)
{
    const char *v = NULL;
    *count = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->names[i], name)) {
            if (!v) v = h->vals[i];
            (*count)++;
        }
    return v;
}

/* the value of parameter NAME in a header value ("multipart/mixed; boundary=\"x\""), malloc'd or NULL */
static char *hdr_param(const char *v, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = v ? strchr(v, ';') : NULL; p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t') q++;
        if (strncasecmp(q, name, nl) || q[nl] != '=') continue;
        q += nl + 1;
        if (*q == '"') {
            const char *e = strchr(q + 1, '"');
            return e ? xstrndup(q + 1, (size_t)(e - q - 1)) : NULL;
        }
        return xstrndup(q, strcspn(q, "; \t"));
    }
    return NULL;
}

/* the decoded text/plain and text/html bodies of a message (not the notice.txt attachment),
   line ends made LF; walks nested multiparts (depth <= 4) */
struct bodies {
    struct buf plain, html;
    int nplain, nhtml, bad;
};

static void add_lf(struct buf *dst, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r') buf_addc(dst, s[i]);
}

static void collect(const char *m, size_t n, int depth, struct bodies *bo)
{
    struct hdrs h;
    hdrs_parse(m, n, &h);
    int c;
    const char *ct = hdr_get(&h, "content-type", &c);
    const char *cte = hdr_get(&h, "content-transfer-encoding", &c);
    const char *cd = hdr_get(&h, "content-disposition", &c);
    char *name = ct ? hdr_param(ct, "name") : NULL, *fname = cd ? hdr_param(cd, "filename") : NULL;
    if (ct && !strncasecmp(ct, "multipart/", 10)) {
        char *bd = hdr_param(ct, "boundary");
        if (!bd || depth >= 4) bo->bad = 1;
        else {
            size_t bl = strlen(bd);
            const char *p = h.body, *end = h.body + h.body_len, *part = NULL;
            while (p < end) {
                const char *e = memchr(p, '\n', (size_t)(end - p));
                if (!e) e = end;
                if ((size_t)(e - p) >= bl + 2 && p[0] == '-' && p[1] == '-' && !memcmp(p + 2, bd, bl)) {
                    const char *rest = p + 2 + bl;
                    if (part) {
                        const char *pe = p;
                        if (pe > part && pe[-1] == '\n') pe--;
                        if (pe > part && pe[-1] == '\r') pe--;
                        collect(part, (size_t)(pe - part), depth + 1, bo);
                    }
                    if (rest + 1 < end && rest[0] == '-' && rest[1] == '-') break;
                    part = e < end ? e + 1 : end;
                }
                p = e < end ? e + 1 : end;
            }
        }
        free(bd);
    } else if (!name && !fname && (!ct || !strncasecmp(ct, "text/plain", 10) || !strncasecmp(ct, "text/html", 9))) {
        int html = ct && !strncasecmp(ct, "text/html", 9);
        struct buf *dst = html ? &bo->html : &bo->plain;
        if (html) bo->nhtml++;
        else bo->nplain++;
        if (cte && (!strcasecmp(cte, "quoted-printable") || !strcasecmp(cte, "base64"))) {
            struct buf d;
            buf_init(&d, MIME_MSG_MAX);
            char err[200];
            int rc = !strcasecmp(cte, "base64") ? mime_b64_decode(&d, h.body, h.body_len, err, sizeof err)
                                                : mime_qp_decode(&d, h.body, h.body_len, err, sizeof err);
            if (rc) bo->bad = 1;
            else add_lf(dst, d.p ? d.p : "", d.len);
            buf_release(&d);
        } else add_lf(dst, h.body, h.body_len);
    }
    free(name);
    free(fname);
    hdrs_free(&h);
}

/* a header value unfolded, RFC 2047-decoded, white space runs made one space */
static void hdr_norm(const char *v, struct buf *out)
{
    buf_reset(out);
    if (!v) return;
    struct buf d;
    buf_init(&d, 1 << 16);
    char err[200];
    const char *src = v;
    if (!mime_header_decode(&d, v, strlen(v), err, sizeof err) && d.p) src = d.p;
    int sp = 0;
    for (const char *p = src; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            sp = out->len > 0;
            continue;
        }
        if (sp) {
            buf_addc(out, ' ');
            sp = 0;
        }
        buf_addc(out, *p);
    }
    buf_release(&d);
}

static int same_buf(const struct buf *a, const struct buf *b)
{
    return a->len == b->len && !memcmp(buf_str(a), buf_str(b), a->len);
}

/* Is the e-mail in FILE (as saved) the one that was made? Headers that relays add, line ends
 * and the transfer encoding do not matter; From, To, Reply-To, Subject, Date and Message-ID and
 * the decoded text and HTML parts must be those sent. 0, or 1 with why. */
static int same_message(const char *file, size_t fn, const char *stored, size_t sn, char *why, size_t wl)
{
    static const char *const keep[] = {"from", "to", "reply-to", "subject", "date", "message-id", NULL};
    struct hdrs a, b;
    hdrs_parse(file, fn, &a);
    hdrs_parse(stored, sn, &b);
    int bad = 0;
    struct buf x, y;
    buf_init(&x, 1 << 20);
    buf_init(&y, 1 << 20);
    for (int i = 0; keep[i] && !bad; i++) {
        int ca, cb;
        const char *va = hdr_get(&a, keep[i], &ca), *vb = hdr_get(&b, keep[i], &cb);
        hdr_norm(va, &x);
        hdr_norm(vb, &y);
        if (ca != cb || !same_buf(&x, &y)) {
            snprintf(why, wl,
                     "the e-mail around the signed text was changed: its '%s' header differs from the one sent",
                     keep[i]);
            bad = 1;
        }
    }
    hdrs_free(&a);
    hdrs_free(&b);
    buf_release(&x);
    buf_release(&y);
    if (bad) return 1;
    struct bodies ba, bb;
    memset(&ba, 0, sizeof ba);
    memset(&bb, 0, sizeof bb);
    buf_init(&ba.plain, MIME_MSG_MAX);
    buf_init(&ba.html, MIME_MSG_MAX);
    buf_init(&bb.plain, MIME_MSG_MAX);
    buf_init(&bb.html, MIME_MSG_MAX);
    collect(file, fn, 0, &ba);
    collect(stored, sn, 0, &bb);
    int html_same = ba.nhtml == bb.nhtml && same_buf(&ba.html, &bb.html);
    if (ba.bad || ba.nplain != bb.nplain || !same_buf(&ba.plain, &bb.plain) || !html_same) {
        snprintf(why, wl, "the e-mail around the signed text was changed: the %s you read differs from the one sent",
                 ba.bad      ? "message body"
                 : html_same ? "text part (body)"
                             : "HTML part (body)");
        bad = 1;
    }
    buf_release(&ba.plain);
    buf_release(&ba.html);
    buf_release(&bb.plain);
    buf_release(&bb.html);
    return bad;
}

static int state_ok(const struct notice_info *ni, struct verdict *v)
{
    switch (ni->state) {
    case OB_SENT:
    case OB_WRITTEN:
    case OB_SENDING: return 1;
    default:
        snprintf(v->why_buf, sizeof v->why_buf, "notice %s exists but was never delivered (%s)", ni->notice_id,
                 outbox_state_name(ni->state));
        v->why = v->why_buf;
        return 0;
    }
}

/* the signature of a stored text and its SHA-256 against the notice's record */
static void check_signed(const unsigned char pk[32], const unsigned char id[8], struct verdict *v, const char *text,
                         size_t len, const char *sig, size_t siglen)
{
    struct minisig ms;
    char err[400];
    int st = minisig_verify(pk, id, text, len, sig, siglen, &ms, err, sizeof err);
    uint8_t dg[32];
    char hex[65];
    sha256_hash(text, len, dg);
    sha256_to_hex(dg, hex);
    if (st != MINISIG_OK) {
        snprintf(v->why_buf, sizeof v->why_buf, "the stored notice's signature does not verify with this key (%s)",
                 minisig_status_str(st));
        v->why = v->why_buf;
    } else if (strcmp(hex, v->ni.text_sha256)) {
        snprintf(v->why_buf, sizeof v->why_buf, "the stored notice text does not match its record");
        v->why = v->why_buf;
    } else {
        v->have_sig = 1;
        escape_line(ms.trusted, ms.trusted_len, v->trusted, sizeof v->trusted);
    }
}

/* check the stored message's signature, and that it is the notice with that id */
static int check_stored(reg *r, const unsigned char pk[32], const unsigned char id[8], struct verdict *v,
                        struct buf *msg)
{
    int rc;
    if (v->ni.kind && !strcmp(v->ni.kind, "letter")) { /* a printed letter: its stored record */
        struct notify_letter l;
        if ((rc = notify_letter_get(r, v->ni.row, &l))) return kt_error(rc, "%s", reg_err(r));
        check_signed(pk, id, v, l.doc.text, l.doc.text_len, l.sig, l.sig_len);
        notify_letter_release(&l);
        return 0;
    }
    if ((rc = pack_message(r, v->ni.row, msg))) return kt_error(rc, "%s", reg_err(r));
    struct mime_parts parts = {0};
    char err[400];
    if (mime_extract_notice(msg->p, msg->len, &parts, err, sizeof err)) {
        snprintf(v->why_buf, sizeof v->why_buf, "the stored message of notice %s cannot be read: %s", v->ni.notice_id,
                 err);
        v->why = v->why_buf;
        return 0;
    }
    check_signed(pk, id, v, parts.notice_txt, parts.notice_txt_len, parts.minisig, parts.minisig_len);
    mime_parts_release(&parts);
    return 0;
}


/* a follow-up says so; a notice with newer ones names them (the newest facts are in those) */
static void print_newer(struct kt_ctx *ctx, reg *r, const struct verdict *v)
{
    struct notice_info *ns = NULL;
    size_t n = 0;
    char t[64];
    if (v->ni.kind && !strcmp(v->ni.kind, "followup"))
        printf("  %-12s a follow-up: it states what changed since an earlier notice\n", "kind");
    if (v->ni.kind && !strcmp(v->ni.kind, "letter"))
        printf("  %-12s a printed letter (notify --letters), sent by post\n", "kind");
    if (outbox_person_notices(r, v->ni.incident_id, v->ni.subject, 32, &ns, &n)) return;
    for (size_t i = 0; i < n && ns[i].seq > v->ni.seq; i++) {
        kt_fmt_time(ctx, r, ns[i].created_at, t, sizeof t);
        printf("  %-12s %s (%s, made %s, %s): it states the newest facts\n", "newer", ns[i].notice_id,
               ns[i].kind && !strcmp(ns[i].kind, "followup") ? "follow-up"
               : ns[i].kind && !strcmp(ns[i].kind, "letter") ? "letter"
                                                             : "notice",
               t, outbox_state_name(ns[i].state));
    }
    outbox_infos_free(ns, n);
}

static void print_verdict(struct kt_ctx *ctx, reg *r, const struct verdict *v, const char *subject_of_check)
{
    char t[64];
    if (ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "genuine", json_boolean(v->genuine));
        json_object_set_new(j, "checked", json_string(subject_of_check));
        if (!v->genuine && v->why) json_object_set_new(j, "reason", json_string(v->why));
        if (v->have_sig) {
            json_object_set_new(j, "key_id", json_string(v->keyid));
            json_object_set_new(j, "trusted_comment", json_string(v->trusted));
        }
        if (v->incident[0]) json_object_set_new(j, "incident", json_string(v->incident));
        if (v->notice_id[0]) json_object_set_new(j, "notice", json_string(v->notice_id));
        if (v->test) json_object_set_new(j, "test", json_true());
        if (v->have_notice) {
            json_object_set_new(j, "incident", json_string(v->ni.incident_ref));
            json_object_set_new(j, "notice", json_string(v->ni.notice_id));
            if (v->ni.purged_at) json_object_set_new(j, "details_deleted_at", kt_json_time(v->ni.purged_at));
            else json_object_set_new(j, "to", json_string(v->ni.rcpt_masked));
            json_object_set_new(j, "language", json_string(v->ni.lang));
            json_object_set_new(j, "state", json_string(outbox_state_name(v->ni.state)));
            json_object_set_new(j, "made_at", kt_json_time(v->ni.created_at));
            json_object_set_new(j, "sent_at", kt_json_time(v->ni.sent_at));
            json_object_set_new(j, "message_id", json_string(v->ni.message_id));
        }
        kt_json_print(j);
        return;
    }
    if (v->genuine) printf("GENUINE: %s\n", subject_of_check);
    else printf("NOT GENUINE: %s\n  %s\n", subject_of_check, v->why ? v->why : "it could not be confirmed");
    if (v->have_notice) {
        printf("  %-12s %s\n", "notice", v->ni.notice_id);
        printf("  %-12s %s%s%s\n", "incident", v->ni.incident_ref, v->title ? " — " : "", v->title ? v->title : "");
        if (!v->ni.purged_at) printf("  %-12s %s (language %s)\n", "sent to", v->ni.rcpt_masked, v->ni.lang);
        kt_fmt_time(ctx, r, v->ni.created_at, t, sizeof t);
        printf("  %-12s %s\n", "made", t);
        switch (v->ni.state) {
        case OB_SENT:
            kt_fmt_time(ctx, r, v->ni.sent_at, t, sizeof t);
            printf("  %-12s sent %s%s%s\n", "status", t, v->ni.reply ? "; server: " : "",
                   v->ni.reply ? v->ni.reply : "");
            break;
        case OB_WRITTEN: printf("  %-12s written to a file for the organisation to deliver\n", "status"); break;
        case OB_SENDING: printf("  %-12s handed to the mail server; its delivery was not confirmed\n", "status"); break;
        default: printf("  %-12s %s\n", "status", outbox_state_name(v->ni.state)); break;
        }
        print_newer(ctx, r, v);
    } else if (v->incident[0]) {
        printf("  %-12s %s\n", "notice", v->notice_id);
        printf("  %-12s %s\n", "incident", v->incident);
    }
    if (v->have_sig) printf("  %-12s valid (key %s); trusted comment: %s\n", "signature", v->keyid, v->trusted);
    if (v->have_notice && v->ni.purged_at) {
        kt_fmt_time(ctx, r, v->ni.purged_at, t, sizeof t);
        printf("  %-12s deleted under the retention policy on %s: whom it went to, its text and its\n"
               "  %-12s signature are no longer stored; the code shows it was ours\n",
               "details", t, "");
    }
    if (v->test) printf("  %-12s this is a TEST sample, not a notice to a person\n", "note");
}

/* --proof: what a person needs to check that this notice is in the public transparency log:
 * the log index, the salt and the committed line (commitment = SHA-256(salt || line)), the
 * entry's exact bytes, and the inclusion proof up to the latest signed checkpoint. */
static int print_log_proof(struct kt_ctx *ctx, reg *r, const struct notice_info *ni)
{
    int64_t idx = 0, size = 0;
    int found = 0, rc, have = 0;
    if ((rc = tlog_find(r, "notice", ni->notice_id, &idx, &found))) return kt_error(rc, "%s", reg_err(r));
    if (!found) return kt_error(1, "notice %s has no entry of its own in the transparency log", ni->notice_id);
    uint8_t salt[TLOG_SALT_LEN];
    if ((rc = tlog_commitment_salt(r, idx, salt))) return kt_error(rc, "%s", reg_err(r));
    struct tlog_ckpt ck;
    if ((rc = tlog_checkpoint_latest(r, &ck, &have))) return kt_error(rc, "%s", reg_err(r));
    if (!have || idx >= ck.size) {
        if (have) tlog_ckpt_release(&ck);
        return kt_error(
            1, "notice %s is log entry %lld, but no signed checkpoint covers it yet: run 'klartext log checkpoint'",
            ni->notice_id, (long long)idx);
    }
    size = ck.size;
    struct tlog_proof p;
    struct tlog_entry *ents = NULL;
    size_t ne = 0;
    if ((rc = tlog_prove_inclusion(r, idx, size, &p)) || (rc = tlog_entries(r, idx, idx + 1, &ents, &ne)) || ne != 1) {
        tlog_ckpt_release(&ck);
        return kt_error(rc ? rc : 1, "%s", rc ? reg_err(r) : "cannot read the log entry");
    }
    char salthex[2 * TLOG_SALT_LEN + 1];
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < TLOG_SALT_LEN; i++) {
        salthex[2 * i] = hx[salt[i] >> 4];
        salthex[2 * i + 1] = hx[salt[i] & 15];
    }
    salthex[2 * TLOG_SALT_LEN] = 0;
    char *line = xasprintf("%s %s\n", ni->notice_id, ni->text_sha256);
    json_t *j = json_object();
    json_object_set_new(j, "index", json_integer(idx));
    json_object_set_new(j, "salt", json_string(salthex));
    json_object_set_new(j, "committed", json_string(line));
    json_object_set_new(j, "entry", tlog_entry_json(&ents[0]));
    json_object_set_new(j, "inclusion_proof", tlog_proof_json(&p));
    json_object_set_new(j, "checkpoint", json_string(ck.note));
    if (ctx->json) kt_json_print(j);
    else {
        char *pj = json_dumps(json_object_get(j, "inclusion_proof"), JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("\nIn the transparency log: entry %lld of %lld (covered by the latest signed checkpoint).\n"
               "  commitment = SHA-256(salt || committed line); the entry holds it, the proof leads to the root.\n"
               "  salt            %s\n  committed line  %s  entry bytes     %s\n  inclusion proof %s\n"
               "  checkpoint\n%s",
               (long long)idx, (long long)size, salthex, line, ents[0].data, pj ? pj : "", ck.note);
        free(pj);
        json_decref(j);
    }
    free(line);
    tlog_entries_free(ents, ne);
    tlog_ckpt_release(&ck);
    return 0;
}

/* v->title: the title of the notice's incident, when the register has one */
static void load_title(reg *r, struct verdict *v)
{
    struct incident inc;
    if (!incident_load(r, v->ni.incident_ref, &inc)) {
        if (inc.v[IF_TITLE]) v->title = xstrdup(inc.v[IF_TITLE]);
        incident_release(&inc);
    }
}

static int verify_code(struct kt_ctx *ctx, const char *code, const char *pub, int proof)
{
    char canon[CODE_CANON_SIZE], err[400];
    if (code_parse(code, strlen(code), canon, err, sizeof err)) return kt_error(2, "%s", err);
    reg *r = NULL;
    int rc;
    struct verdict v = {0};
    struct buf msg;
    buf_init(&msg, NOTICE_MSG_MAX * 2);
    unsigned char pk[32], id[8], key[CODE_KEY_BYTES], hash[CODE_HASH_BYTES];
    sign_key *k = NULL;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) goto out;
    char *kp = kt_key_path(ctx->db_path, ".key");
    k = sign_key_load(kp, err, sizeof err);
    free(kp);
    if (!k) {
        rc = kt_error(1, "cannot look codes up without the register's secret key: %s", err);
        goto out;
    }
    sign_subkey(k, SUBKEY_CODE, key);
    if (pub) {
        if ((rc = load_pub(ctx, pub, pk, id))) goto out;
    } else sign_key_public(k, pk, id);
    sign_keyid_hex(id, v.keyid);
    code_lookup_hash(key, canon, hash);
    sodium_memzero(key, sizeof key);
    int found = 0;
    if ((rc = outbox_find_code(r, hash, &v.ni, &found))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    if (!found) {
        v.why = "no notice has this code (check the spelling: 16 characters, e.g. K7QM-2D9X-PH4T-W3RC)";
        print_verdict(ctx, r, &v, "the notice with this code");
        rc = 1;
        goto out;
    }
    v.have_notice = 1;
    load_title(r, &v);
    if (v.ni.purged_at) { /* nothing left to check a signature on: the code itself was ours */
        v.genuine = state_ok(&v.ni, &v);
        if (!(proof && ctx->json)) print_verdict(ctx, r, &v, "the notice with this code");
        rc = v.genuine ? 0 : 1;
        if (!rc && proof) rc = print_log_proof(ctx, r, &v.ni); /* the text's hash is kept: the entry still proves */
        goto out;
    }
    if ((rc = check_stored(r, pk, id, &v, &msg))) goto out;
    v.genuine = v.have_sig && state_ok(&v.ni, &v);
    if (!(proof && ctx->json)) print_verdict(ctx, r, &v, "the notice with this code");
    rc = v.genuine ? 0 : 1;
    if (!rc && proof) rc = print_log_proof(ctx, r, &v.ni);
out:
    buf_release(&msg);
    sign_key_free(k);
    if (v.have_notice) notice_info_release(&v.ni);
    free(v.title);
    reg_close(r);
    return rc;
}

/* Does the saved e-mail carry a klartext notice signed with pk (not a TEST sample)? 0 with
 * parts and v's signature fields filled; otherwise 1 after printing the verdict. */
static int signed_notice(struct kt_ctx *ctx, reg *r, struct verdict *v, const char *path, const unsigned char pk[32],
                         const unsigned char id[8], const char *data, size_t len, struct mime_parts *parts)
{
    char err[400];
    if (mime_extract_notice(data, len, parts, err, sizeof err)) {
        snprintf(v->why_buf, sizeof v->why_buf, "it carries no readable signed notice (%s)", err);
        v->why = v->why_buf;
        print_verdict(ctx, r, v, path);
        return 1;
    }
    struct minisig ms;
    int s = minisig_verify(pk, id, parts->notice_txt, parts->notice_txt_len, parts->minisig, parts->minisig_len, &ms,
                           err, sizeof err);
    if (s != MINISIG_OK) {
        snprintf(v->why_buf, sizeof v->why_buf, "%s: %s",
                 s == MINISIG_WRONG_KEY   ? "it was not signed with this organisation's key"
                 : s == MINISIG_MALFORMED ? "its signature is damaged"
                                          : "its text was changed after it was signed",
                 err);
        v->why = v->why_buf;
        print_verdict(ctx, r, v, path);
        return 1;
    }
    v->have_sig = 1;
    escape_line(ms.trusted, ms.trusted_len, v->trusted, sizeof v->trusted);
    if (notice_trusted_parse(ms.trusted, ms.trusted_len, v->incident, sizeof v->incident, v->notice_id,
                             sizeof v->notice_id, &v->signed_at, &v->test)) {
        v->why = "it is signed with this key, but it is not a klartext notice (its trusted comment says otherwise)";
        print_verdict(ctx, r, v, path);
        return 1;
    }
    if (v->test) {
        v->why = "it is a TEST sample: signed by the organisation, but not a notice to a person";
        print_verdict(ctx, r, v, path);
        return 1;
    }
    return 0;
}

/* Is the signed notice the one the register holds under its id, in the very e-mail that was
 * sent, and in a state that makes it genuine? Prints the verdict; 0 genuine, 1 not, or the
 * register's failure after its message. */
static int matches_register(struct kt_ctx *ctx, reg *r, struct verdict *v, const char *path,
                            const struct mime_parts *parts, const char *data, size_t len)
{
    int found = 0, rc;
    if ((rc = outbox_find_id(r, v->notice_id, &v->ni, &found))) return kt_error(rc, "%s", reg_err(r));
    if (!found) {
        v->why = "it is signed with this key, but the register has no notice with its id";
        print_verdict(ctx, r, v, path);
        return 1;
    }
    v->have_notice = 1;
    uint8_t dg[32];
    char hex[65];
    sha256_hash(parts->notice_txt, parts->notice_txt_len, dg);
    sha256_to_hex(dg, hex);
    if (strcmp(hex, v->ni.text_sha256)) {
        v->why = "its signed text differs from the notice the register holds under that id";
        print_verdict(ctx, r, v, path);
        return 1;
    }
    if (v->ni.purged_at) { /* the stored message is gone; the signed text's SHA-256 is what is kept */
        load_title(r, v);
        v->genuine = state_ok(&v->ni, v);
        print_verdict(ctx, r, v, path);
        return v->genuine ? 0 : 1;
    }
    struct buf msg;
    buf_init(&msg, NOTICE_MSG_MAX * 2);
    if ((rc = pack_message(r, v->ni.row, &msg))) {
        kt_error(rc, "%s", reg_err(r));
    } else if (same_message(data, len, msg.p, msg.len, v->why_buf, sizeof v->why_buf)) {
        v->why = v->why_buf;
        print_verdict(ctx, r, v, path);
        rc = 1;
    } else {
        load_title(r, v);
        v->genuine = state_ok(&v->ni, v);
        print_verdict(ctx, r, v, path);
        rc = v->genuine ? 0 : 1;
    }
    buf_release(&msg);
    return rc;
}

static int verify_file(struct kt_ctx *ctx, const char *path, const char *pub)
{
    char *data = NULL;
    size_t len = 0;
    int rc;
    reg *r = NULL;
    struct verdict v = {0};
    struct mime_parts parts = {0};
    unsigned char pk[32], id[8];
    struct stat st;
    int have_reg = reg_target_is_url(ctx->db_path) || stat(ctx->db_path, &st) == 0;
    if (!pub && !have_reg) {
        rc = kt_error(2, "no register at '%s' and no --pub KEY to check against", ctx->db_path);
        goto out;
    }
    if ((rc = load_pub(ctx, pub, pk, id))) goto out;
    sign_keyid_hex(id, v.keyid);
    if ((rc = read_notice(path, &data, &len))) goto out;
    if (have_reg && (rc = kt_open(ctx, REG_OPEN_READONLY, &r))) goto out;
    if ((rc = signed_notice(ctx, r, &v, path, pk, id, data, len, &parts))) goto out;
    if (!r) {
        /* signature only: no register to compare with */
        v.genuine = 1;
        print_verdict(ctx, r, &v, path);
        if (!ctx->json)
            printf("  %-12s signature only (no register): the attached notice.txt is genuine and unchanged; the\n"
                   "  %-12s e-mail around it is not covered, so read notice.txt itself\n",
                   "scope", "");
        goto out;
    }
    rc = matches_register(ctx, r, &v, path, &parts, data, len);
out:
    mime_parts_release(&parts);
    free(data);
    if (v.have_notice) notice_info_release(&v.ni);
    free(v.title);
    reg_close(r);
    return rc;
}

int cmd_verify(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"code", "CODE",
         "the notice code the person reads out (K7QM-2D9X-PH4T-W3RC; case, dashes and spaces do not matter)"},
        {"pub", "KEY", "check signatures against this public key (a klartext.pub file or its base64 line)"},
        {"proof", NULL, "with --code: also the notice's transparency-log entry, salt and inclusion proof"},
        {0},
    };
    char *pos[1];
    int npos,
        rc = opt_parse(
            usage,
            "Is this notice genuine? With --code: looks the code up in the register (by its keyed hash) and checks the\n"
            "signature of the notice it belongs to. With FILE.eml: checks the attached signature of the saved e-mail and,\n"
            "when the register is there, that the whole e-mail is the one that was sent. Prints the incident, the notice\n"
            "and the masked address it went to. Exit 0: genuine; 1: not genuine. See docs/verify.md.",
            o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    struct opt *code = opt_get(o, "code"), *pub = opt_get(o, "pub"), *proof = opt_get(o, "proof");
    if ((code->given != 0) == (npos != 0)) {
        kt_error(2, code->given ? "give either --code CODE or FILE.eml, not both"
                                : "verify needs --code CODE or FILE.eml");
        usage_line(usage);
        opt_free(o);
        return 2;
    }
    if (proof->given && !code->given) {
        kt_error(2, "--proof goes with --code CODE");
        opt_free(o);
        return 2;
    }
    rc = code->given ? verify_code(ctx, code->value, pub->value, proof->given > 0)
                     : verify_file(ctx, pos[0], pub->value);
    opt_free(o);
    return rc;
}
