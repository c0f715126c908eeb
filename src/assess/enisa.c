/* enisa.c — ENISA 2013 severity in integer quarters; the assessment-file keys. */
#include "assess/enisa.h"
#include "util/err.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind {
    KIND_CATEGORY,
    KIND_DPC,
    KIND_EI,
    KIND_CONF,
    KIND_INTEG,
    KIND_AVAIL,
    KIND_BOOL,
    KIND_COUNT,
    KIND_CRED,
    KIND_RECIPIENT,
    KIND_DURATION,
    KIND_BACKUP,
    KIND_SPECIAL,
    KIND_UNINT
};

static const char *const section_names[] = {"data", "circumstances", "context"};

static const struct keydef {
    const char *name;
    int section;
    enum kind kind;
    long long def;
    const char *help;
    int optional; /* added by issue 24: shown only when set */
} keys[ENISA_K_COUNT] = {
    [ENISA_K_CATEGORY] = {"category", 0, KIND_CATEGORY, 0,
                          "simple | behavioural | financial | sensitive (the most sensitive category affected)"},
    [ENISA_K_DPC] = {"dpc", 0, KIND_DPC, 0,
                     "1..4; leave out for the category's base score; a different value needs dpc_reason"},
    [ENISA_K_EI] = {"ei", 0, KIND_EI, 0, "ease of identification: negligible | limited | significant | maximum"},
    [ENISA_K_FRAUD_IDS] = {"fraud_identifiers", 0, KIND_BOOL, 0,
                           "yes if national ID, social security, passport or tax numbers are affected", 1},
    [ENISA_K_CREDENTIALS] = {"credentials", 0, KIND_CRED, 0,
                             "none | protected (salted state-of-the-art hashes, key safe) | usable (passwords, tokens)",
                             1},
    [ENISA_K_CONFIDENTIALITY] = {"confidentiality", 1, KIND_CONF, 0,
                                 "none | known (a known number of recipients) | unknown (an unknown number)"},
    [ENISA_K_INTEGRITY] = {"integrity", 1, KIND_INTEG, 0,
                           "none | recoverable (altered, can be restored) | unrecoverable"},
    [ENISA_K_AVAILABILITY] = {"availability", 1, KIND_AVAIL, 0,
                              "none (recovered without difficulty) | temporary | total (lost for good)"},
    [ENISA_K_MALICIOUS] = {"malicious", 1, KIND_BOOL, 0,
                           "yes for an intentional act (hacking, theft, selling data); no for error, bug, loss"},
    [ENISA_K_RECIPIENT] = {"recipient", 1, KIND_RECIPIENT, 0,
                           "unknown | trusted (bound to secrecy) | outside (known, outside your control) | malicious | "
                           "public",
                           1},
    [ENISA_K_UNAVAILABLE] = {"unavailable_for", 1, KIND_DURATION, -1,
                             "how long the data was unavailable: 30 minutes, 4 hours, 5 days, or unknown", 1},
    [ENISA_K_BACKUP] = {"backup", 1, KIND_BACKUP, 0, "yes if a usable backup restored the data; no if there was none",
                        1},
    [ENISA_K_SUBJECTS] = {"subjects", 2, KIND_COUNT, -1,
                          "number of people affected (with subjects_max: the lower bound), or unknown"},
    [ENISA_K_SUBJECTS_MAX] = {"subjects_max", 2, KIND_COUNT, -1,
                              "the upper bound when only a range is known (\"a few dozen\": 24 and 60)", 1},
    [ENISA_K_VULNERABLE] = {"vulnerable", 2, KIND_BOOL, 0,
                            "yes if children, patients or other vulnerable people are affected"},
    [ENISA_K_SPECIAL] = {"special_categories", 2, KIND_SPECIAL, 0,
                         "yes if Art. 9 or Art. 10 GDPR data is affected; minor for a single item that reveals little"},
    [ENISA_K_UNINTELLIGIBLE] = {"unintelligible", 2, KIND_UNINT, 0,
                                "yes if the data was unintelligible to others (Art. 34(3)(a)); partly if only some "
                                "of it; needs a reason"},
    [ENISA_K_NO_LONGER_LIKELY] =
        {"risk_no_longer_likely", 2, KIND_BOOL, 0,
         "yes if later measures make a high risk no longer likely (Art. 34(3)(b)); needs a reason"},
    [ENISA_K_DISPROPORTIONATE] =
        {"disproportionate_effort", 2, KIND_BOOL, 0,
         "yes if telling each person needs disproportionate effort (Art. 34(3)(c)); needs a reason"},
    [ENISA_K_TRUSTED] =
        {"trusted_recipient", 2, KIND_BOOL, 0,
         "yes if the only recipients are known, trusted, bound to secrecy and deleted the data; needs a reason"},
    [ENISA_K_CONTACTS_KNOWN] = {"contacts_known", 2, KIND_BOOL, 1,
                                "no if contact data is missing for some of the people"},
};

struct name {
    const char *s;
    int v;
};
static const struct name cat_names[] = {{"simple", ENISA_CAT_SIMPLE},          {"behavioural", ENISA_CAT_BEHAVIOURAL},
                                        {"behavioral", ENISA_CAT_BEHAVIOURAL}, {"financial", ENISA_CAT_FINANCIAL},
                                        {"sensitive", ENISA_CAT_SENSITIVE},    {NULL, 0}};
static const struct name ei_names[] = {
    {"negligible", 1}, {"limited", 2}, {"significant", 3}, {"maximum", 4}, {NULL, 0}};
static const struct name conf_names[] = {{"none", 0}, {"known", 1}, {"unknown", 2}, {NULL, 0}};
static const struct name integ_names[] = {{"none", 0}, {"recoverable", 1}, {"unrecoverable", 2}, {NULL, 0}};
static const struct name avail_names[] = {{"none", 0}, {"temporary", 1}, {"total", 2}, {NULL, 0}};
static const struct name cred_names[] = {{"none", 0}, {"protected", 1}, {"usable", 2}, {NULL, 0}};
static const struct name recipient_names[] = {{"unknown", 0},   {"trusted", 1}, {"outside", 2},
                                              {"malicious", 3}, {"public", 4},  {NULL, 0}};
static const struct name backup_names[] = {{"unknown", 0}, {"yes", 1}, {"no", 2}, {NULL, 0}};
static const struct name special_names[] = {{"no", 0},   {"yes", 1}, {"minor", 2}, {"false", 0},
                                            {"true", 1}, {"0", 0},   {"1", 1},     {NULL, 0}};
static const struct name unint_names[] = {{"no", 0},   {"yes", 1}, {"partly", 2}, {"false", 0},
                                          {"true", 1}, {"0", 0},   {"1", 1},      {NULL, 0}};
static const struct name bool_names[] = {{"no", 0}, {"yes", 1}, {"false", 0}, {"true", 1},
                                         {"0", 0},  {"1", 1},   {NULL, 0}};

static const struct name *names_of(enum kind k)
{
    switch (k) {
    case KIND_CATEGORY: return cat_names;
    case KIND_EI: return ei_names;
    case KIND_CONF: return conf_names;
    case KIND_INTEG: return integ_names;
    case KIND_AVAIL: return avail_names;
    case KIND_BOOL: return bool_names;
    case KIND_CRED: return cred_names;
    case KIND_RECIPIENT: return recipient_names;
    case KIND_BACKUP: return backup_names;
    case KIND_SPECIAL: return special_names;
    case KIND_UNINT: return unint_names;
    default: return NULL;
    }
}

static const char *expected_of(enum kind k)
{
    switch (k) {
    case KIND_CATEGORY: return "simple, behavioural, financial or sensitive";
    case KIND_DPC: return "1..4";
    case KIND_EI: return "negligible, limited, significant, maximum or 0.25..1";
    case KIND_CONF: return "none, known or unknown";
    case KIND_INTEG: return "none, recoverable or unrecoverable";
    case KIND_AVAIL: return "none, temporary or total";
    case KIND_BOOL: return "yes or no";
    case KIND_COUNT: return "a number of people or unknown";
    case KIND_CRED: return "none, protected or usable";
    case KIND_RECIPIENT: return "unknown, trusted, outside, malicious or public";
    case KIND_DURATION: return "a duration such as 30 minutes, 4 hours, 5 days, or unknown";
    case KIND_BACKUP: return "yes, no or unknown";
    case KIND_SPECIAL: return "yes, no or minor";
    case KIND_UNINT: return "yes, no or partly";
    }
    return "?";
}

static int valid_key(enum enisa_key key)
{
    return (int)key >= 0 && key < ENISA_K_COUNT;
}

static int in_range(enum kind k, long long v)
{
    switch (k) {
    case KIND_CATEGORY: return v >= 1 && v <= 4;
    case KIND_DPC: return v >= 1 && v <= 4;
    case KIND_EI: return v >= 1 && v <= 4;
    case KIND_CONF:
    case KIND_INTEG:
    case KIND_AVAIL: return v >= 0 && v <= 2;
    case KIND_BOOL: return v == 0 || v == 1;
    case KIND_COUNT: return v == -1 || (v >= 0 && v <= ENISA_SUBJECTS_MAX);
    case KIND_CRED:
    case KIND_BACKUP:
    case KIND_SPECIAL:
    case KIND_UNINT: return v >= 0 && v <= 2;
    case KIND_RECIPIENT: return v >= 0 && v <= 4;
    case KIND_DURATION: return v == -1 || (v >= 0 && v <= ENISA_DURATION_MAX);
    }
    return 0;
}

/* One line of UTF-8 text without control characters other than TAB. */
static int text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
            p++;
            continue;
        }
        int need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) {
            need = 2;
            lo = 0xA0;
        } else if (c >= 0xE1 && c <= 0xEF) {
            need = 2;
            if (c == 0xED) hi = 0x9F;
        } else if (c == 0xF0) {
            need = 3;
            lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) {
            need = 3;
            hi = 0x8F;
        } else return 0;
        p++;
        for (int i = 0; i < need; i++, p++) {
            if (*p < lo || *p > hi) return 0;
            lo = 0x80;
            hi = 0xBF;
        }
    }
    return 1;
}

static int set_reason(struct enisa_value *v, enum enisa_key key, const char *reason, char *err, size_t errlen)
{
    if (!reason) reason = "";
    size_t n = strlen(reason);
    if (n >= ENISA_REASON_MAX)
        return err_set(err, errlen, "reason for '%s' too long (%zu bytes, at most %d)", keys[key].name, n,
                       ENISA_REASON_MAX - 1);
    if (!text_ok(reason)) return err_set(err, errlen, "reason for '%s' must be one line of UTF-8 text", keys[key].name);
    memcpy(v->reason, reason, n + 1);
    return 0;
}

void enisa_input_init(struct enisa_input *in)
{
    memset(in, 0, sizeof *in);
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        in->v[k].value = keys[k].def;
        in->v[k].source = ENISA_SRC_UNSET;
    }
}

int enisa_is_default(const struct enisa_input *in, enum enisa_key key)
{
    return valid_key(key) && in->v[key].source == ENISA_SRC_UNSET && in->v[key].value == keys[key].def;
}

int enisa_key_optional(enum enisa_key key)
{
    return valid_key(key) && keys[key].optional;
}

int enisa_set(struct enisa_input *in, enum enisa_key key, long long value, enum enisa_source source, const char *reason,
              char *err, size_t errlen)
{
    if (!valid_key(key)) return err_set(err, errlen, "unknown input %d", (int)key);
    if (!in_range(keys[key].kind, value))
        return err_set(err, errlen, "invalid value %lld for '%s' (expected %s)", value, keys[key].name,
                       expected_of(keys[key].kind));
    struct enisa_value tmp = in->v[key];
    if (set_reason(&tmp, key, reason, err, errlen)) return -1;
    tmp.value = value;
    tmp.source = source;
    in->v[key] = tmp;
    return 0;
}

int enisa_suggest(struct enisa_input *in, enum enisa_key key, long long value, const char *reason, char *err,
                  size_t errlen)
{
    if (valid_key(key) && in->v[key].source == ENISA_SRC_PERSON) return 0;
    return enisa_set(in, key, value, ENISA_SRC_SUGGESTED, reason, err, errlen);
}

int enisa_suggest_confidentiality(struct enisa_input *in, long long viewers, long long anonymous_viewers, char *err,
                                  size_t errlen)
{
    char why[256];
    long long v;
    if (viewers < 0 || anonymous_viewers < 0 || anonymous_viewers > viewers)
        return err_set(err, errlen, "invalid viewer counts %lld/%lld", viewers, anonymous_viewers);
    if (viewers == 0) {
        v = ENISA_C_NONE;
        snprintf(why, sizeof why, "the logs show no view by anyone but the people themselves");
    } else if (anonymous_viewers == 0) {
        v = ENISA_C_KNOWN;
        snprintf(why, sizeof why,
                 "all %lld viewers were signed-in accounts: a known number of "
                 "known recipients",
                 viewers);
    } else {
        v = ENISA_C_UNKNOWN;
        snprintf(why, sizeof why,
                 "%lld of %lld viewers are known only by an IP address: an "
                 "unknown number of unknown recipients",
                 anonymous_viewers, viewers);
    }
    return enisa_suggest(in, ENISA_K_CONFIDENTIALITY, v, why, err, errlen);
}

int enisa_parse_quarters(const char *s, int *q)
{
    const char *p = s;
    long whole = 0;
    if (!s || !*s) return -1;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        whole = whole * 10 + (*p - '0');
        if (whole > 1000) return -1;
        p++;
    }
    int frac = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9') {
            if (digits == 4) return -1;
            frac = frac * 10 + (*p - '0');
            digits++;
            p++;
        }
        while (digits++ < 4) frac *= 10;
    }
    if (*p) return -1;
    if (frac % 2500) return -1;
    *q = (int)(whole * 4 + frac / 2500);
    return 0;
}

int enisa_parse_duration(const char *s, long long *minutes)
{
    static const struct {
        const char *unit;
        long long factor;
    } units[] = {{"minutes", 1}, {"minute", 1}, {"min", 1},  {"m", 1},         {"hours", 60},   {"hour", 60}, {"h", 60},
                 {"days", 1440}, {"day", 1440}, {"d", 1440}, {"weeks", 10080}, {"week", 10080}, {"w", 10080}};
    if (!s) return -1;
    if (!strcasecmp(s, "unknown")) {
        *minutes = -1;
        return 0;
    }
    const char *p = s;
    long long n = 0;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > ENISA_DURATION_MAX) return -1;
    }
    while (*p == ' ' || *p == '\t') p++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(p, units[i].unit)) continue;
        if (n > ENISA_DURATION_MAX / units[i].factor) return -1;
        *minutes = n * units[i].factor;
        return 0;
    }
    return -1;
}

static void duration_text(long long minutes, char *buf, size_t buflen)
{
    long long n = minutes;
    const char *unit = "minute";
    if (minutes && minutes % 1440 == 0) {
        n = minutes / 1440;
        unit = "day";
    } else if (minutes && minutes % 60 == 0) {
        n = minutes / 60;
        unit = "hour";
    }
    snprintf(buf, buflen, "%lld %s%s", n, unit, n == 1 ? "" : "s");
}

int enisa_format_quarters(int q, char sep, char *out, size_t outlen)
{
    static const char *const frac[4] = {"0", "25", "5", "75"};
    long long a = q;
    const char *sign = "";
    if (a < 0) {
        sign = "-";
        a = -a;
    }
    return snprintf(out, outlen, "%s%lld%c%s", sign, a / 4, sep, frac[a % 4]);
}

static int parse_count(const char *s, long long *out)
{
    if (!strcasecmp(s, "unknown")) {
        *out = -1;
        return 0;
    }
    if (!*s) return -1;
    long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
        if (v > ENISA_SUBJECTS_MAX) return -1;
    }
    *out = v;
    return 0;
}

int enisa_set_text(struct enisa_input *in, enum enisa_key key, const char *text, enum enisa_source source, char *err,
                   size_t errlen)
{
    if (!valid_key(key)) return err_set(err, errlen, "unknown input %d", (int)key);
    enum kind k = keys[key].kind;
    long long v = 0;
    int ok = 0;
    const struct name *nm = names_of(k);
    if (nm) {
        for (; nm->s; nm++)
            if (!strcasecmp(nm->s, text)) {
                v = nm->v;
                ok = 1;
                break;
            }
    }
    if (!ok && k == KIND_EI) {
        int q;
        if (!enisa_parse_quarters(text, &q) && q >= 1 && q <= 4) {
            v = q;
            ok = 1;
        }
    }
    if (!ok && k == KIND_DPC) {
        if (text[0] >= '1' && text[0] <= '4' && !text[1]) {
            v = text[0] - '0';
            ok = 1;
        }
    }
    if (!ok && k == KIND_COUNT) ok = !parse_count(text, &v);
    if (!ok && k == KIND_DURATION) ok = !enisa_parse_duration(text, &v);
    if (!ok || !in_range(k, v))
        return err_set(err, errlen, "invalid value '%.80s' for '%s' (expected %s)", text, keys[key].name,
                       expected_of(k));
    in->v[key].value = v;
    in->v[key].source = source;
    return 0;
}

int enisa_key_lookup(const char *section, const char *name)
{
    for (int k = 0; k < ENISA_K_COUNT; k++)
        if (!strcmp(keys[k].name, name) && (!section || !strcmp(section_names[keys[k].section], section))) return k;
    return -1;
}

void enisa_parser_init(struct enisa_parser *p, struct enisa_input *in)
{
    p->in = in;
    p->seen = 0;
    p->seen_reason = 0;
    p->section = -1;
}

int enisa_ini_cb(void *ctx, const char *section, const char *subsection, const char *key, const char *value, int line,
                 char *err, size_t errlen)
{
    struct enisa_parser *p = ctx;
    (void)line;
    if (!key) {
        p->section = -1;
        for (int s = 0; s < 3; s++)
            if (!strcmp(section, section_names[s])) p->section = s;
        if (p->section < 0)
            return err_set(err, errlen,
                           "unknown section [%.60s] (expected [data], "
                           "[circumstances] or [context])",
                           section);
        if (subsection) return err_set(err, errlen, "unexpected subsection \"%.60s\" in [%s]", subsection, section);
        return 0;
    }
    if (p->section < 0) return err_set(err, errlen, "key '%.60s' outside a section", key);
    const char *sec = section_names[p->section];
    size_t kl = strlen(key);
    int is_reason = 0, k = enisa_key_lookup(sec, key);
    if (k < 0 && kl > 7 && !strcmp(key + kl - 7, "_reason")) {
        char base[64];
        if (kl - 7 < sizeof base) {
            memcpy(base, key, kl - 7);
            base[kl - 7] = 0;
            k = enisa_key_lookup(sec, base);
            is_reason = 1;
        }
    }
    if (k < 0) return err_set(err, errlen, "unknown key '%.60s' in [%s]", key, sec);
    unsigned long bit = 1UL << k;
    struct enisa_value *v = &p->in->v[k];
    if (is_reason) {
        if (p->seen_reason & bit) return err_set(err, errlen, "duplicate key '%s'", key);
        if (set_reason(v, (enum enisa_key)k, value, err, errlen)) return -1;
        p->seen_reason |= bit;
        return 0;
    }
    if (p->seen & bit) return err_set(err, errlen, "duplicate key '%s'", key);
    if (enisa_set_text(p->in, (enum enisa_key)k, value, ENISA_SRC_PERSON, err, errlen)) return -1;
    if (!(p->seen_reason & bit)) v->reason[0] = 0;
    p->seen |= bit;
    return 0;
}

int enisa_category_base(enum enisa_category cat)
{
    return cat >= ENISA_CAT_SIMPLE && cat <= ENISA_CAT_SENSITIVE ? (int)cat : 0;
}

/* the checks between keys that issue 24 added: who received the data, credentials, ranges */
static int validate_new_keys(const struct enisa_value *v, char *err, size_t errlen)
{
    long long C = v[ENISA_K_CONFIDENTIALITY].value, rcp = v[ENISA_K_RECIPIENT].value;
    if (rcp != ENISA_R_UNKNOWN && C == ENISA_C_NONE)
        return err_set(err, errlen,
                       "'recipient' = %s needs 'confidentiality' = known or unknown (someone received the data)",
                       enisa_value_name(ENISA_K_RECIPIENT, rcp));
    if (rcp == ENISA_R_PUBLIC && C != ENISA_C_UNKNOWN)
        return err_set(err, errlen, "'recipient' = public needs 'confidentiality' = unknown (an unknown number)");
    if (v[ENISA_K_TRUSTED].value == 1 && rcp != ENISA_R_UNKNOWN && rcp != ENISA_R_TRUSTED)
        return err_set(err, errlen, "'trusted_recipient' = yes contradicts 'recipient' = %s",
                       enisa_value_name(ENISA_K_RECIPIENT, rcp));
    if (v[ENISA_K_CREDENTIALS].value == ENISA_CRED_USABLE && v[ENISA_K_UNINTELLIGIBLE].value == ENISA_UNINT_YES)
        return err_set(err, errlen,
                       "'credentials' = usable contradicts 'unintelligible' = yes (say unintelligible = partly)");
    long long lo = v[ENISA_K_SUBJECTS].value, hi = v[ENISA_K_SUBJECTS_MAX].value;
    if (hi == 0) return err_set(err, errlen, "'subjects_max' must be at least 1 (or leave it out)");
    if (hi > 0 && lo > hi)
        return err_set(err, errlen, "'subjects_max' %lld is below 'subjects' %lld (the lower bound)", hi, lo);
    return 0;
}

int enisa_validate(const struct enisa_input *in, char *err, size_t errlen)
{
    const struct enisa_value *v = in->v;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        if (k == ENISA_K_CATEGORY || k == ENISA_K_DPC || k == ENISA_K_EI) {
            if (v[k].value == 0) continue; /* checked below */
        }
        if (!in_range(keys[k].kind, v[k].value))
            return err_set(err, errlen, "invalid value %lld for '%s' (expected %s)", v[k].value, keys[k].name,
                           expected_of(keys[k].kind));
    }
    if (v[ENISA_K_CATEGORY].value == 0)
        return err_set(err, errlen, "missing 'category' in [data] (expected %s)", expected_of(KIND_CATEGORY));
    if (v[ENISA_K_EI].value == 0)
        return err_set(err, errlen, "missing 'ei' in [data] (expected %s)", expected_of(KIND_EI));
    int base = enisa_category_base((enum enisa_category)v[ENISA_K_CATEGORY].value);
    long long dpc = v[ENISA_K_DPC].value;
    if (dpc != 0 && dpc != base && !v[ENISA_K_DPC].reason[0])
        return err_set(err, errlen,
                       "'dpc' %lld differs from the base score %d of category "
                       "'%s': give 'dpc_reason'",
                       dpc, base, enisa_value_text(ENISA_K_CATEGORY, base, NULL, 0));
    static const enum enisa_key evidence[] = {ENISA_K_UNINTELLIGIBLE, ENISA_K_NO_LONGER_LIKELY,
                                              ENISA_K_DISPROPORTIONATE, ENISA_K_TRUSTED};
    for (size_t i = 0; i < sizeof evidence / sizeof evidence[0]; i++) {
        enum enisa_key k = evidence[i];
        if (v[k].value != 0 && !v[k].reason[0])
            return err_set(err, errlen, "'%s' = %s needs evidence: give '%s_reason'", keys[k].name,
                           enisa_value_name(k, v[k].value), keys[k].name);
    }
    if (v[ENISA_K_TRUSTED].value == 1 && v[ENISA_K_CONFIDENTIALITY].value != ENISA_C_KNOWN)
        return err_set(err, errlen, "'trusted_recipient' = yes needs 'confidentiality' = known");
    return validate_new_keys(v, err, errlen);
}

enum enisa_band enisa_band_of(int se_q)
{
    if (se_q < 8) return ENISA_LOW;
    if (se_q < 12) return ENISA_MEDIUM;
    if (se_q < 16) return ENISA_HIGH;
    return ENISA_VERY_HIGH;
}

int enisa_compute(const struct enisa_input *in, struct enisa_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (enisa_validate(in, err, errlen)) return -1;
    const struct enisa_value *v = in->v;
    struct enisa_result r;
    memset(&r, 0, sizeof r);
    r.dpc_base = enisa_category_base((enum enisa_category)v[ENISA_K_CATEGORY].value);
    r.dpc = v[ENISA_K_DPC].value ? (int)v[ENISA_K_DPC].value : r.dpc_base;
    r.ei_q = (int)v[ENISA_K_EI].value;
    r.cb_q = (int)(v[ENISA_K_CONFIDENTIALITY].value + v[ENISA_K_INTEGRITY].value + v[ENISA_K_AVAILABILITY].value +
                   2 * v[ENISA_K_MALICIOUS].value);
    r.se_q = r.dpc * r.ei_q + r.cb_q;
    r.band = enisa_band_of(r.se_q);
    enisa_format_quarters(r.se_q, '.', r.se_text, sizeof r.se_text);
    *out = r;
    return 0;
}

const char *enisa_key_name(enum enisa_key key)
{
    return valid_key(key) ? keys[key].name : "?";
}

const char *enisa_key_section(enum enisa_key key)
{
    return valid_key(key) ? section_names[keys[key].section] : "?";
}

const char *enisa_value_text(enum enisa_key key, long long value, char *buf, size_t buflen)
{
    if (!valid_key(key)) return "?";
    enum kind k = keys[key].kind;
    if ((k == KIND_COUNT || k == KIND_DURATION) && value == -1) return "unknown";
    if (k == KIND_DPC || k == KIND_COUNT || k == KIND_DURATION) {
        if (!buf || buflen == 0) return "?";
        if (k == KIND_DURATION) duration_text(value, buf, buflen);
        else snprintf(buf, buflen, "%lld", value);
        return buf;
    }
    for (const struct name *nm = names_of(k); nm && nm->s; nm++)
        if (nm->v == value) return nm->s;
    return k == KIND_CATEGORY || k == KIND_EI ? "(not given)" : "?";
}

const char *enisa_value_name(enum enisa_key key, long long value)
{
    if (!valid_key(key)) return NULL;
    const struct name *nm = names_of(keys[key].kind);
    for (; nm && nm->s; nm++)
        if (nm->v == value) return nm->s;
    return NULL;
}

const char *enisa_band_name(enum enisa_band band)
{
    static const char *const n[] = {"low", "medium", "high", "very high"};
    return (int)band >= 0 && band <= ENISA_VERY_HIGH ? n[band] : "?";
}

const char *enisa_band_name_de(enum enisa_band band)
{
    static const char *const n[] = {"niedrig", "mittel", "hoch", "sehr hoch"};
    return (int)band >= 0 && band <= ENISA_VERY_HIGH ? n[band] : "?";
}

const char *enisa_source_name(enum enisa_source src)
{
    switch (src) {
    case ENISA_SRC_UNSET: return "default";
    case ENISA_SRC_SUGGESTED: return "suggested";
    case ENISA_SRC_PERSON: return "person";
    }
    return "?";
}

/* snprintf-style appender */
struct out {
    char *p;
    size_t cap, len;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->p + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0) o->len += (size_t)n;
}

size_t enisa_format_ini(const struct enisa_input *in, char *out, size_t outlen)
{
    struct out o = {out, outlen, 0};
    char num[32];
    if (out && outlen) out[0] = 0;
    outf(&o, "# klartext assessment: ENISA 2013 severity and the context of the breach.\n"
             "# See docs/assessment.md. Lines starting with '#' are comments; every key K may\n"
             "# have a K_reason line. Suggested values stay suggestions unless you write the key.\n");
    int sec = -1;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *v = &in->v[k];
        if (keys[k].section != sec) {
            sec = keys[k].section;
            outf(&o, "\n[%s]\n", section_names[sec]);
        }
        outf(&o, "# %s: %s\n", keys[k].name, keys[k].help);
        const char *val = enisa_value_text((enum enisa_key)k, v->value, num, sizeof num);
        int unset_required = (k == ENISA_K_CATEGORY || k == ENISA_K_EI || k == ENISA_K_DPC) && v->value == 0;
        if (v->source == ENISA_SRC_PERSON && !unset_required) {
            outf(&o, "%s = %s\n", keys[k].name, val);
            if (v->reason[0]) outf(&o, "%s_reason = %s\n", keys[k].name, v->reason);
        } else if (v->source == ENISA_SRC_SUGGESTED && !unset_required) {
            outf(&o, "# suggested: %s = %s\n", keys[k].name, val);
            if (v->reason[0]) outf(&o, "# suggested because: %s\n", v->reason);
        } else if (unset_required) {
            outf(&o, "# %s = \n", keys[k].name);
        } else {
            outf(&o, "# default: %s = %s\n", keys[k].name, val);
        }
    }
    return o.len;
}
