/* suggest.c — ENISA suggestions from the facts of an incident (see suggest.h): the field
 * tables, and one function per input or group of inputs. */
#include "assess/suggest.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* more signed-in viewers than this are not "a few known recipients" */
#define KNOWN_RECIPIENTS_MAX 100

/* ---------------------------------------------------------------- field names */

static const char *const simple_fields[] = {"name",          "first-name", "firstname",       "given-name",
                                            "last-name",     "lastname",   "surname",         "family-name",
                                            "full-name",     "email",      "e-mail",          "mail",
                                            "email-address", "phone",      "telephone",       "mobile",
                                            "phone-number",  "address",    "postal-address",  "street",
                                            "city",          "zip",        "postcode",        "postal-code",
                                            "country",       "account",    "account-id",      "username",
                                            "user",          "login",      "customer-number", "customer-id",
                                            "customer",      "dob",        "date-of-birth",   "birthdate",
                                            "birthday",      "age",        "gender",          "title",
                                            "salutation",    "job",        "job-title",       "employer",
                                            "education",     "family",     "company",         "language",
                                            "nickname",      "photo",      "avatar",          "profile",
                                            "password",      "passwords",  "credentials",     "token",
                                            "session",       "api-key",    "secret",          NULL};
static const char *const behavioural_fields[] = {"order-history",
                                                 "orders",
                                                 "order",
                                                 "purchase-history",
                                                 "purchases",
                                                 "wishlist",
                                                 "cart",
                                                 "basket",
                                                 "location",
                                                 "geo",
                                                 "gps",
                                                 "geolocation",
                                                 "ip",
                                                 "ip-address",
                                                 "preferences",
                                                 "interests",
                                                 "habits",
                                                 "browsing",
                                                 "browsing-history",
                                                 "search-history",
                                                 "traffic",
                                                 "traffic-data",
                                                 "calls",
                                                 "call-records",
                                                 "movements",
                                                 "travel",
                                                 "bookings",
                                                 "reviews",
                                                 "ratings",
                                                 "subscriptions",
                                                 "usage",
                                                 "activity",
                                                 "messages",
                                                 NULL};
static const char *const financial_fields[] = {"payment-card",
                                               "card",
                                               "credit-card",
                                               "card-number",
                                               "cc",
                                               "bank",
                                               "bank-account",
                                               "iban",
                                               "bic",
                                               "account-number",
                                               "income",
                                               "salary",
                                               "wage",
                                               "transactions",
                                               "transaction",
                                               "invoice",
                                               "invoices",
                                               "statements",
                                               "statement",
                                               "balance",
                                               "credit",
                                               "credit-score",
                                               "loan",
                                               "debt",
                                               "welfare",
                                               "benefits",
                                               "tax",
                                               "tax-id",
                                               "payment",
                                               "payments",
                                               NULL};
static const char *const sensitive_fields[] = {
    "health",    "medical",     "diagnosis", "medication",    "prescription", "disability",         "religion",
    "religious", "belief",      "beliefs",   "political",     "politics",     "political-opinion",  "party",
    "union",     "trade-union", "ethnicity", "ethnic-origin", "race",         "sexual-orientation", "sex-life",
    "sexuality", "biometric",   "genetic",   "criminal",      "conviction",   "convictions",        "offences",
    NULL};
static const char *const identifying_fields[] = {"name",          "first-name", "firstname",      "given-name",
                                                 "last-name",     "lastname",   "surname",        "family-name",
                                                 "full-name",     "email",      "e-mail",         "mail",
                                                 "email-address", "phone",      "telephone",      "mobile",
                                                 "phone-number",  "address",    "postal-address", NULL};
static const char *const credential_fields[] = {"password", "passwords", "credentials", "token",
                                                "session",  "api-key",   "secret",      NULL};

const char *assessment_known_field(size_t i)
{
    static const char *const *const lists[] = {simple_fields, behavioural_fields, financial_fields, sensitive_fields};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (const char *const *f = lists[l]; *f; f++)
            if (i-- == 0) return *f;
    return NULL;
}

static void norm_field(const char *in, char *out, size_t len)
{
    size_t i;
    for (i = 0; in[i] && i + 1 < len; i++) {
        char c = in[i] == '_' ? '-' : in[i];
        out[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    out[i] = 0;
}

static int in_set(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s)) return 1;
    return 0;
}

enum enisa_category assessment_field_category(const char *field, int *known, int *special)
{
    char f[64];
    norm_field(field, f, sizeof f);
    *known = 1;
    *special = 0;
    if (in_set(sensitive_fields, f)) {
        *special = 1;
        return ENISA_CAT_SENSITIVE;
    }
    if (in_set(financial_fields, f)) return ENISA_CAT_FINANCIAL;
    if (in_set(behavioural_fields, f)) return ENISA_CAT_BEHAVIOURAL;
    if (in_set(simple_fields, f)) return ENISA_CAT_SIMPLE;
    *known = 0;
    return ENISA_CAT_SIMPLE;
}

int assessment_field_identifies(const char *field)
{
    char f[64];
    norm_field(field, f, sizeof f);
    return in_set(identifying_fields, f);
}

/* ---------------------------------------------------------------- suggestions */

static int suggest(struct enisa_input *in, enum enisa_key k, long long v, const char *why, char *err, size_t errlen)
{
    char e[256], reason[ENISA_REASON_MAX];
    snprintf(reason, sizeof reason, "%s", why);
    if (enisa_suggest(in, k, v, reason, e, sizeof e))
        return err_set(err, errlen, "cannot suggest %s: %s", enisa_key_name(k), e);
    return 0;
}

static int has_type(const char *types, const char *t)
{
    if (!types) return 0;
    size_t n = strlen(t);
    for (const char *p = types; (p = strstr(p, t)); p += n)
        if ((p == types || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    return 0;
}

static void list_add(struct buf *b, const char *s)
{
    if (b->len < 300) buf_addf(b, "%s%s", b->len ? ", " : "", s);
    else if (b->len < 305) buf_adds(b, ", …");
}

/* the fields sorted into the lists the reasons name */
struct field_lists {
    int top, special, identifies;
    struct buf all, unknown, top_f, ident, cred, spec;
};

static void lists_fill(struct field_lists *l, const char *fields)
{
    memset(l, 0, sizeof *l);
    l->top = ENISA_CAT_SIMPLE;
    buf_init(&l->all, 0);
    buf_init(&l->unknown, 0);
    buf_init(&l->top_f, 0);
    buf_init(&l->ident, 0);
    buf_init(&l->cred, 0);
    buf_init(&l->spec, 0);
    for (int pass = 0; pass < 2; pass++) {
        char *tmp = xstrdup(fields);
        for (char *sv, *tok = strtok_r(tmp, ",;", &sv); tok; tok = strtok_r(NULL, ",;", &sv)) {
            int known, sp;
            enum enisa_category c = assessment_field_category(tok, &known, &sp);
            char nf[64];
            norm_field(tok, nf, sizeof nf);
            if (pass == 1) {
                if ((int)c == l->top) list_add(&l->top_f, tok);
                continue;
            }
            if ((int)c > l->top) l->top = (int)c;
            list_add(&l->all, tok);
            if (!known) list_add(&l->unknown, tok);
            if (sp) {
                l->special = 1;
                list_add(&l->spec, tok);
            }
            if (assessment_field_identifies(tok)) {
                l->identifies = 1;
                list_add(&l->ident, tok);
            }
            if (in_set(credential_fields, nf)) list_add(&l->cred, tok);
        }
        free(tmp);
    }
}

static void lists_release(struct field_lists *l)
{
    buf_release(&l->all);
    buf_release(&l->unknown);
    buf_release(&l->top_f);
    buf_release(&l->ident);
    buf_release(&l->cred);
    buf_release(&l->spec);
}

/* "scan version 2 disclosed name, email: identity and contact data (simple)" and the notes */
static void category_reason(const struct field_lists *l, const char *src, char *why, size_t len)
{
    static const char *const cat_words[] = {"", "identity and contact data (simple)", "behavioural data (behavioural)",
                                            "financial data (financial)", "special categories of data (sensitive)"};
    const char *all = buf_str(&l->all), *unknown = buf_str(&l->unknown), *cred = buf_str(&l->cred);
    int n = snprintf(why, len, "%s %s", src, all);
    if (l->top == ENISA_CAT_SIMPLE || !strcmp(all, buf_str(&l->top_f)))
        n += snprintf(why + n, len - (size_t)n, ": %s", cat_words[l->top]);
    else
        n += snprintf(why + n, len - (size_t)n, "; the most sensitive, %s, is %s", buf_str(&l->top_f),
                      cat_words[l->top]);
    if (l->unknown.len && n < (int)len)
        n += snprintf(why + n, len - (size_t)n,
                      "; %s %s not a field name klartext knows and %s counted as "
                      "simple: check it",
                      unknown, strchr(unknown, ',') ? "are" : "is", strchr(unknown, ',') ? "were" : "was");
    if (l->cred.len && n < (int)len)
        snprintf(why + n, len - (size_t)n,
                 "; %s: credentials are scored by the data they unlock (raise dpc "
                 "with a reason)",
                 cred);
}

/* category, ease of identification and special categories from the disclosed fields */
static int suggest_data(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen)
{
    const char *fields = f->have_scan ? f->scan_fields : f->data_categories;
    if (!fields || !*fields) return 0;
    char why[ENISA_REASON_MAX], src[64];
    if (f->have_scan) snprintf(src, sizeof src, "scan version %lld disclosed", (long long)f->scan_version);
    else snprintf(src, sizeof src, "the incident record lists");
    struct field_lists l;
    lists_fill(&l, fields);
    category_reason(&l, src, why, sizeof why);
    int rc = suggest(in, ENISA_K_CATEGORY, l.top, why, err, errlen);
    if (!rc && l.identifies) {
        snprintf(why, sizeof why, "%s identif%s the person directly, with no research", buf_str(&l.ident),
                 strchr(buf_str(&l.ident), ',') ? "y" : "ies");
        rc = suggest(in, ENISA_K_EI, ENISA_EI_MAXIMUM, why, err, errlen);
    }
    if (!rc && l.special) {
        snprintf(why, sizeof why, "%s: special categories of personal data (Art. 9 or 10 GDPR)", buf_str(&l.spec));
        rc = suggest(in, ENISA_K_SPECIAL, 1, why, err, errlen);
    }
    lists_release(&l);
    return rc;
}

static int suggest_confidentiality(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen)
{
    char why[ENISA_REASON_MAX], e[256];
    if (!f->have_scan) {
        if (!f->breach_types) return 0;
        if (has_type(f->breach_types, "confidentiality"))
            return suggest(in, ENISA_K_CONFIDENTIALITY, ENISA_C_UNKNOWN,
                           "recorded as a confidentiality breach, and no scan has established who saw the data", err,
                           errlen);
        return suggest(in, ENISA_K_CONFIDENTIALITY, ENISA_C_NONE,
                       "the incident is not recorded as a confidentiality breach", err, errlen);
    }
    if (f->anonymous_viewers == 0 && f->viewers > KNOWN_RECIPIENTS_MAX) {
        snprintf(why, sizeof why,
                 "all %lld viewers were signed-in accounts, but more than %d are not a few known "
                 "recipients",
                 f->viewers, KNOWN_RECIPIENTS_MAX);
        return suggest(in, ENISA_K_CONFIDENTIALITY, ENISA_C_UNKNOWN, why, err, errlen);
    }
    if (enisa_suggest_confidentiality(in, f->viewers, f->anonymous_viewers, e, sizeof e))
        return err_set(err, errlen, "cannot suggest confidentiality: %s", e);
    if (in->v[ENISA_K_CONFIDENTIALITY].source != ENISA_SRC_SUGGESTED) return 0;
    /* say where the counts came from */
    snprintf(why, sizeof why, "scan version %lld: %.900s", (long long)f->scan_version,
             in->v[ENISA_K_CONFIDENTIALITY].reason);
    return suggest(in, ENISA_K_CONFIDENTIALITY, in->v[ENISA_K_CONFIDENTIALITY].value, why, err, errlen);
}

/* integrity and availability from the breach types */
static int suggest_integrity(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen)
{
    if (!f->breach_types) return 0;
    int rc;
    if (has_type(f->breach_types, "integrity"))
        rc = suggest(in, ENISA_K_INTEGRITY, ENISA_I_RECOVERABLE,
                     "recorded as an integrity breach; write 'unrecoverable' if the data cannot be restored", err,
                     errlen);
    else
        rc = suggest(in, ENISA_K_INTEGRITY, ENISA_I_NONE, "the incident is not recorded as an integrity breach", err,
                     errlen);
    if (rc) return rc;
    if (has_type(f->breach_types, "availability"))
        return suggest(in, ENISA_K_AVAILABILITY, ENISA_A_TEMPORARY,
                       "recorded as an availability breach; write 'total' if nobody can recover the data", err, errlen);
    return suggest(in, ENISA_K_AVAILABILITY, ENISA_A_NONE, "the incident is not recorded as an availability breach",
                   err, errlen);
}

static int suggest_malicious(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen)
{
    static const char *const malicious[] = {"hacking",        "malware", "theft", "social-engineering",
                                            "insider-misuse", NULL};
    static const char *const innocent[] = {"programming-error", "misconfiguration", "publishing-error",
                                           "misdelivery",       "lost-device",      NULL};
    const char *c = f->cause;
    char why[ENISA_REASON_MAX];
    if (!c) return 0;
    if (in_set(malicious, c)) {
        snprintf(why, sizeof why, "the cause is recorded as %s: an intentional act", c);
        return suggest(in, ENISA_K_MALICIOUS, 1, why, err, errlen);
    }
    if (in_set(innocent, c)) {
        snprintf(why, sizeof why, "the cause is recorded as %s: an error, not an attack", c);
        return suggest(in, ENISA_K_MALICIOUS, 0, why, err, errlen);
    }
    return 0;
}

/* the number of people, and whether everyone can be told individually */
static int suggest_people(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen)
{
    char why[ENISA_REASON_MAX];
    int rc = 0;
    if (f->have_scan) {
        snprintf(why, sizeof why, "scan version %lld found %lld people whose data others saw",
                 (long long)f->scan_version, f->people);
        rc = suggest(in, ENISA_K_SUBJECTS, f->people, why, err, errlen);
    } else if (f->approx_subjects) {
        long long n = strtoll(f->approx_subjects, NULL, 10);
        snprintf(why, sizeof why, "the incident record gives about %lld people", n);
        rc = suggest(in, ENISA_K_SUBJECTS, n, why, err, errlen);
    }
    if (rc || !f->have_scan || !f->subjects_version || !f->exposed) return rc;
    if (f->unreachable) {
        snprintf(why, sizeof why,
                 "%zu of the %lld affected people %s no e-mail address in the subject directory "
                 "(import version %lld)",
                 f->unreachable, f->exposed, f->unreachable == 1 ? "has" : "have", (long long)f->subjects_version);
        return suggest(in, ENISA_K_CONTACTS_KNOWN, 0, why, err, errlen);
    }
    snprintf(why, sizeof why,
             "all %lld affected people have an e-mail address in the subject directory "
             "(import version %lld)",
             f->exposed, (long long)f->subjects_version);
    return suggest(in, ENISA_K_CONTACTS_KNOWN, 1, why, err, errlen);
}

int suggest_inputs(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen)
{
    if (suggest_data(f, in, err, errlen) || suggest_confidentiality(f, in, err, errlen) ||
        suggest_integrity(f, in, err, errlen) || suggest_malicious(f, in, err, errlen) ||
        suggest_people(f, in, err, errlen))
        return -1;
    return 0;
}
