/* fuzz_assess.c — libFuzzer target for the assessment file (`klartext assess --input FILE`
 * and `--config FILE`): assess_file_parse (src/assess/assess_file.c, the parser the command
 * uses: [thresholds] → proposal_config_set, every other section → enisa_ini_cb), then what the
 * command does with a parsed file: enisa_compute and proposal_make, and proposal_check against
 * every possible decision.
 *
 * Byte 0 bit 0: the --config form (only [thresholds] allowed); bit 1: the regime of the Digital
 * Omnibus proposal instead of the GDPR (authority only from a high risk). The rest is the file.
 * The file may use every key, also those added by issue 24 (fraud_identifiers, credentials,
 * recipient, unavailable_for with its durations, backup, subjects_max, special_categories =
 * minor, unintelligible = partly).
 * Properties: no crash, leak or undefined behaviour; a refused file names a line; a parsed
 * input either fails validation with a message or gives a severity in range (DPC 1..4,
 * EI 1..4 quarters, CB 0..8, 4·SE = DPC·EI + CB, the band that 4·SE falls in) and a proposal
 * whose duties follow its level (authority iff level ≥ the regime's threshold), whose reasons
 * are NUL-terminated, each with a known rule and a source, at most PROPOSAL_MAX_REASONS, and
 * against which a decision equal to the proposal matches while any other is refused without a
 * reason and accepted with one. */
#include "assess/assess_file.h"
#include "assess/enisa.h"
#include "assess/proposal.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nul_in(const char *s, size_t n)
{
    if (!memchr(s, 0, n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    static struct enisa_input in;
    static struct proposal p;
    struct proposal_config cfg;
    char err[600];
    enisa_input_init(&in);
    proposal_config_default(&cfg);
    if (data[0] & 2) cfg.regime = regime_find("omnibus-2025-837");
    enum proposal_level from = data[0] & 2 ? PROPOSAL_HIGH_RISK : PROPOSAL_RISK;
    err[0] = 0;
    if (assess_file_parse((const char *)data + 1, size - 1, &in, &cfg, data[0] & 1, err, sizeof err)) {
        if (strncmp(err, "line ", 5) != 0) abort();
        return 0;
    }
    for (int k = 0; k < ENISA_K_COUNT; k++) nul_in(in.v[k].reason, sizeof in.v[k].reason);
    struct enisa_result r;
    err[0] = 0;
    if (enisa_compute(&in, &r, err, sizeof err) == 0) {
        if (r.dpc < 1 || r.dpc > 4 || r.dpc_base < 1 || r.dpc_base > 4 || r.ei_q < 1 || r.ei_q > 4 || r.cb_q < 0 ||
            r.cb_q > 8 || r.se_q != r.dpc * r.ei_q + r.cb_q)
            abort();
        enum enisa_band want = r.se_q < 8    ? ENISA_LOW
                               : r.se_q < 12 ? ENISA_MEDIUM
                               : r.se_q < 16 ? ENISA_HIGH
                                             : ENISA_VERY_HIGH;
        if (r.band != want) abort();
        nul_in(r.se_text, sizeof r.se_text);
    } else if (!err[0]) {
        abort();
    }
    err[0] = 0;
    int cfg_ok = proposal_config_validate(&cfg, err, sizeof err) == 0;
    if (!cfg_ok && !err[0]) abort();
    err[0] = 0;
    if (proposal_make(&in, &cfg, &p, err, sizeof err) == 0) {
        if (!cfg_ok) abort();
        if (p.nreasons > PROPOSAL_MAX_REASONS) abort();
        if (p.notify_authority != (p.level >= from)) abort();
        if (p.level < PROPOSAL_NO_RISK || p.level > PROPOSAL_HIGH_RISK) abort();
        if (p.people != PROPOSAL_PEOPLE_NO && p.people != PROPOSAL_PEOPLE_YES && p.people != PROPOSAL_PEOPLE_PUBLIC)
            abort();
        if (p.voluntary && p.people != PROPOSAL_PEOPLE_NO) abort();
        for (size_t i = 0; i < p.nreasons; i++) {
            nul_in(p.reasons[i].en, sizeof p.reasons[i].en);
            nul_in(p.reasons[i].de, sizeof p.reasons[i].de);
            if (!p.reasons[i].en[0] || !p.reasons[i].de[0]) abort();
            if ((int)p.reasons[i].rule < 0 || p.reasons[i].rule >= PROPOSAL_R_COUNT) abort();
            if (!strcmp(proposal_rule_source(p.reasons[i].rule)->basis, "?")) abort();
        }
        char msg[1000];
        struct proposal_decision d = {p.notify_authority, proposal_recommended_people(&p), NULL};
        if (proposal_check(&p, &d, msg, sizeof msg) != 0) abort();
        for (int a = 0; a < 2; a++)
            for (int pp = 0; pp < 3; pp++) {
                struct proposal_decision d2 = {a, (enum proposal_people)pp, NULL};
                int c = proposal_check(&p, &d2, msg, sizeof msg);
                nul_in(msg, sizeof msg);
                d2.reason = "because";
                int c2 = proposal_check(&p, &d2, msg, sizeof msg);
                if (c == 0 ? c2 != 0 : (c != -1 || c2 != 1)) abort();
            }
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
