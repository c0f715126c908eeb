/* enisa.h — ENISA 2013 severity of a personal data breach (libc only).
 *
 * ENISA, "Recommendations for a methodology of the assessment of severity of personal data
 * breaches" (Dec 2013):  SE = DPC × EI + CB.  klartext computes in integer quarters, so no
 * floating point is involved anywhere:
 *
 *     4·SE = DPC · EIq + CBq
 *     DPC  1..4   data processing context (category base: simple 1, behavioural 2,
 *                 financial 3, sensitive 4; adjusted with a reason)
 *     EIq  1..4   ease of identification (negligible, limited, significant, maximum)
 *     CBq  0..8   circumstances: confidentiality (none 0, known +1, unknown +2)
 *                 + integrity (none 0, recoverable +1, unrecoverable +2)
 *                 + availability (none 0, temporary +1, total +2) + malicious (+2)
 *     bands on 4·SE: < 8 low, < 12 medium, < 16 high, else very high.
 *
 * Every input carries its value, the reason given for it and where it came from (a person,
 * or a suggestion the CLI derived from the register). The assessment file is INI:
 *
 *     [data]           category dpc ei fraud_identifiers credentials
 *     [circumstances]  confidentiality integrity availability malicious
 *                      recipient unavailable_for backup
 *     [context]        subjects subjects_max vulnerable special_categories unintelligible
 *                      risk_no_longer_likely disproportionate_effort
 *                      trusted_recipient contacts_known
 *
 * and every key K may have a `K_reason` in the same section. The keys added by issue 24
 * (fraud_identifiers, credentials, recipient, unavailable_for, backup, subjects_max, and the
 * values special_categories = minor and unintelligible = partly) default to "nothing said",
 * so a file without them gives the result it gave before. enisa_ini_cb plugs into ini_parse
 * (src/util/ini.h). See docs/assessment.md for the meaning of every value. */
#ifndef KT_ENISA_H
#define KT_ENISA_H
#include <stddef.h>

enum enisa_key {
    ENISA_K_CATEGORY, /* [data] enum enisa_category */
    ENISA_K_DPC, /* [data] 1..4; 0 = not given (the category's base score) */
    ENISA_K_EI, /* [data] enum enisa_ei (1..4 = quarters) */
    ENISA_K_FRAUD_IDS, /* [data] 0/1 "fraud_identifiers": national ID, social security, passport numbers */
    ENISA_K_CREDENTIALS, /* [data] enum enisa_credentials: passwords, tokens */
    ENISA_K_CONFIDENTIALITY, /* [circumstances] enum enisa_confidentiality */
    ENISA_K_INTEGRITY, /* [circumstances] enum enisa_integrity */
    ENISA_K_AVAILABILITY, /* [circumstances] enum enisa_availability */
    ENISA_K_MALICIOUS, /* [circumstances] 0/1 */
    ENISA_K_RECIPIENT, /* [circumstances] enum enisa_recipient: who received the data */
    ENISA_K_UNAVAILABLE, /* [circumstances] "unavailable_for": minutes, -1 = not said */
    ENISA_K_BACKUP, /* [circumstances] enum enisa_backup */
    ENISA_K_SUBJECTS, /* [context] number of people (the lower bound of a range), -1 = unknown */
    ENISA_K_SUBJECTS_MAX, /* [context] upper bound of the number of people, -1 = none given */
    ENISA_K_VULNERABLE, /* [context] 0/1 children, patients, other vulnerable people */
    ENISA_K_SPECIAL, /* [context] enum enisa_special "special_categories": Art. 9 or 10 data */
    ENISA_K_UNINTELLIGIBLE, /* [context] enum enisa_unintelligible: Art. 34(3)(a), e.g. encrypted */
    ENISA_K_NO_LONGER_LIKELY, /* [context] 0/1 "risk_no_longer_likely", Art. 34(3)(b) */
    ENISA_K_DISPROPORTIONATE, /* [context] 0/1 "disproportionate_effort", Art. 34(3)(c) */
    ENISA_K_TRUSTED, /* [context] 0/1 "trusted_recipient" (EDPB 01/2021 case 09) */
    ENISA_K_CONTACTS_KNOWN, /* [context] 0/1 contact data known for everyone (default 1) */
    ENISA_K_COUNT
};

enum enisa_category {
    ENISA_CAT_NONE = 0,
    ENISA_CAT_SIMPLE = 1,
    ENISA_CAT_BEHAVIOURAL = 2,
    ENISA_CAT_FINANCIAL = 3,
    ENISA_CAT_SENSITIVE = 4
};
enum enisa_ei { /* value = EI in quarters */
                ENISA_EI_NONE = 0,
                ENISA_EI_NEGLIGIBLE = 1,
                ENISA_EI_LIMITED = 2,
                ENISA_EI_SIGNIFICANT = 3,
                ENISA_EI_MAXIMUM = 4
};
enum enisa_confidentiality { ENISA_C_NONE = 0, ENISA_C_KNOWN = 1, ENISA_C_UNKNOWN = 2 };
enum enisa_integrity { ENISA_I_NONE = 0, ENISA_I_RECOVERABLE = 1, ENISA_I_UNRECOVERABLE = 2 };
enum enisa_availability { ENISA_A_NONE = 0, ENISA_A_TEMPORARY = 1, ENISA_A_TOTAL = 2 };
enum enisa_credentials {
    ENISA_CRED_NONE = 0, /* no credentials affected (or not said) */
    ENISA_CRED_PROTECTED = 1, /* only as state-of-the-art salted hashes or encrypted, key safe */
    ENISA_CRED_USABLE = 2 /* usable: in clear, or hashed in a way that can be reversed */
};
enum enisa_recipient {
    ENISA_R_UNKNOWN = 0, /* not said, or not known who received it */
    ENISA_R_TRUSTED = 1, /* known, trusted and bound to secrecy (a lawyer, an accountant) */
    ENISA_R_OUTSIDE = 2, /* known, but outside the controller's control (a former employee, a competitor) */
    ENISA_R_MALICIOUS = 3, /* someone who means to misuse it (an attacker, a thief, a fraudster) */
    ENISA_R_PUBLIC = 4 /* the public: published or visible to anyone */
};
enum enisa_backup { ENISA_B_UNKNOWN = 0, ENISA_B_YES = 1, ENISA_B_NO = 2 };
enum enisa_special { ENISA_SPECIAL_NO = 0, ENISA_SPECIAL_YES = 1, ENISA_SPECIAL_MINOR = 2 };
enum enisa_unintelligible { ENISA_UNINT_NO = 0, ENISA_UNINT_YES = 1, ENISA_UNINT_PARTLY = 2 };
#define ENISA_DURATION_MAX (10LL * 366 * 24 * 60) /* unavailable_for: at most ten years, in minutes */
enum enisa_band { ENISA_LOW = 0, ENISA_MEDIUM = 1, ENISA_HIGH = 2, ENISA_VERY_HIGH = 3 };

enum enisa_source {
    ENISA_SRC_UNSET = 0, /* default value, nobody said anything */
    ENISA_SRC_SUGGESTED = 1, /* derived by klartext from the register */
    ENISA_SRC_PERSON = 2 /* given by a person (the assessment file) */
};

#define ENISA_REASON_MAX 1024
#define ENISA_SUBJECTS_MAX 100000000000LL /* 1e11: more than the world's population */

struct enisa_value {
    long long value;
    enum enisa_source source;
    char reason[ENISA_REASON_MAX]; /* "" = none given; one line, UTF-8 */
};

struct enisa_input {
    struct enisa_value v[ENISA_K_COUNT];
};

struct enisa_result {
    int dpc; /* the DPC used, 1..4 */
    int dpc_base; /* the category's base score, 1..4 */
    int ei_q; /* EI in quarters, 1..4 */
    int cb_q; /* CB in quarters, 0..8 */
    int se_q; /* 4·SE, 1..24 */
    enum enisa_band band;
    char se_text[16]; /* "1.5", "2.0", "4.25" */
};

/* Parser state for enisa_ini_cb: remembers the current section and which keys the file has
 * set already (a key given twice is an error). Initialise with enisa_parser_init. */
struct enisa_parser {
    struct enisa_input *in;
    unsigned long seen; /* bit k: key k given in this file */
    unsigned long seen_reason; /* bit k: k_reason given in this file */
    int section; /* -1 none yet, else 0 data, 1 circumstances, 2 context */
};

/* Sets every input to its default with source UNSET and no reason: category/dpc/ei 0 (not
 * given), circumstances none, subjects, subjects_max and unavailable_for -1 (not said),
 * recipient and backup unknown, flags 0, contacts_known 1. */
void enisa_input_init(struct enisa_input *in);

/* 1 when input `key` holds its default and nobody set it (source UNSET), else 0. */
int enisa_is_default(const struct enisa_input *in, enum enisa_key key);

/* 1 for the keys added by issue 24 (fraud_identifiers, credentials, recipient,
 * unavailable_for, backup, subjects_max): outputs that list every input show them only when
 * they are not enisa_is_default, so that older outputs stay as they were. */
int enisa_key_optional(enum enisa_key key);

/* Sets input `key` to `value` from `source` with `reason` (NULL or "" = none).
 * Returns 0, or -1 with err when the value is out of range for the key or the reason is
 * too long or holds a line break. The reason is copied. */
int enisa_set(struct enisa_input *in, enum enisa_key key, long long value, enum enisa_source source, const char *reason,
              char *err, size_t errlen);

/* Like enisa_set with source SUGGESTED, but leaves a value that a person gave untouched
 * (returns 0 then). For the CLI, which fills suggestions before reading the person's file. */
int enisa_suggest(struct enisa_input *in, enum enisa_key key, long long value, const char *reason, char *err,
                  size_t errlen);

/* Suggests the confidentiality circumstance from the scan's viewer counts (distinct viewer
 * identities, and of those the ones known only by an IP address): no viewer → none; all
 * viewers signed in → known; any anonymous viewer → unknown. The reason says why.
 * Returns as enisa_suggest. */
int enisa_suggest_confidentiality(struct enisa_input *in, long long viewers, long long anonymous_viewers, char *err,
                                  size_t errlen);

/* Parses `text` as the value of `key` ("financial", "maximum", "0.75", "unknown", "yes",
 * "1200", ...) and sets it with `source`, keeping the reason already stored.
 * Returns 0, or -1 with err "invalid value 'x' for 'ei' (expected ...)". */
int enisa_set_text(struct enisa_input *in, enum enisa_key key, const char *text, enum enisa_source source, char *err,
                   size_t errlen);

/* Binds a parser to `in` (which keeps its current values, e.g. suggestions). */
void enisa_parser_init(struct enisa_parser *p, struct enisa_input *in);

/* An ini_parse callback (see src/util/ini.h); ctx is a struct enisa_parser *.
 * Accepts the sections and keys listed above; a value set here has source PERSON and, unless
 * the file also gives `K_reason`, drops the reason of a suggestion it replaces.
 * Returns 0, or -1 with a message without line number (ini_parse adds "line N: "):
 * "unknown key 'foo' in [data]", "invalid value '5' for 'dpc' (expected 1..4)",
 * "duplicate key 'ei'", "unknown section [foo]", "key 'ei' outside a section". */
int enisa_ini_cb(void *ctx, const char *section, const char *subsection, const char *key, const char *value, int line,
                 char *err, size_t errlen);

/* Checks that the input is complete and consistent: category and ei given; a dpc that
 * differs from the category's base score has a dpc_reason; every Art. 34(3) exemption,
 * trusted_recipient set to yes and unintelligible = partly has its *_reason (the evidence);
 * trusted_recipient only with confidentiality = known and a recipient that is unknown or
 * trusted; a recipient only when someone received the data (confidentiality not none), the
 * public only with confidentiality = unknown; usable credentials not with unintelligible = yes;
 * subjects_max not below subjects. Returns 0 or -1 with err naming the key. */
int enisa_validate(const struct enisa_input *in, char *err, size_t errlen);

/* Validates (as enisa_validate) and computes the severity into *out.
 * Returns 0, or -1 with err (then *out is zeroed). */
int enisa_compute(const struct enisa_input *in, struct enisa_result *out, char *err, size_t errlen);

/* The band of 4·SE = se_q (< 8 low, < 12 medium, < 16 high, else very high). */
enum enisa_band enisa_band_of(int se_q);

/* Writes a quarter count as a decimal with `sep` as the decimal mark: 6 → "1.5",
 * 8 → "2.0", 17 → "4.25", 3 → "0.75" (sep ',' gives "1,5"). Negative values get a '-'.
 * Returns the length like snprintf (out always NUL-terminated when outlen > 0). */
int enisa_format_quarters(int q, char sep, char *out, size_t outlen);

/* Parses a duration for unavailable_for: "unknown", or a whole number with a unit: "30
 * minutes", "4 hours", "5 days", "2 weeks" (also "min", "m", "h", "d", "w"; singular forms).
 * *minutes: the duration in minutes, -1 for unknown. Returns 0 or -1 (nothing written). */
int enisa_parse_duration(const char *s, long long *minutes);

/* Parses "2", "2.0", "2.5", "0.25", "4.75" into quarters (only multiples of 0.25, up to
 * 1000). Returns 0 or -1 (nothing written). */
int enisa_parse_quarters(const char *s, int *q);

/* Writes the input as an assessment INI file (snprintf semantics: returns the length it
 * needs; writes at most outlen bytes including the NUL). Values a person gave become keys;
 * suggested values and defaults become comment lines ("# suggested: ..."), so that reading
 * the file back over the same suggestions keeps them marked as suggestions. */
size_t enisa_format_ini(const struct enisa_input *in, char *out, size_t outlen);

/* The value as the assessment file writes it ("unknown", "maximum", "yes", "1200",
 * "5 days"): a static string, or `buf` (at least 24 bytes) for numbers and durations.
 * Never NULL. */
const char *enisa_value_text(enum enisa_key key, long long value, char *buf, size_t buflen);

/* Static names (never NULL; "?" for out-of-range input). */
const char *enisa_key_name(enum enisa_key key); /* "special_categories" */
const char *enisa_key_section(enum enisa_key key); /* "context" */
const char *enisa_band_name(enum enisa_band band); /* "low" ... "very high" */
const char *enisa_band_name_de(enum enisa_band band); /* "niedrig" ... "sehr hoch" */
const char *enisa_source_name(enum enisa_source src); /* "person", "suggested", "default" */
int enisa_category_base(enum enisa_category cat); /* 1..4, 0 for NONE */
int enisa_key_lookup(const char *section, const char *name); /* enum enisa_key or -1 */
/* The canonical names of the values of an enumerated key, in value order, NULL-terminated
 * (category: "simple" … at index 1; NULL for keys that hold numbers). For the translation
 * tables' tests. */
const char *enisa_value_name(enum enisa_key key, long long value);
#endif
