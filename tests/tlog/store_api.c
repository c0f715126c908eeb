/* store_api.c — the API of src/register/tlog_store.h as other modules call it (report filing,
 * assess --decide and notify append commitments; serve reads entries, proofs, statements).
 * Built and run by tests/cli/t7120-log-api.sh against the build's libklartext.a:
 *   store_api REGISTER SECRET_KEY INCIDENT_REF
 * The register exists (klartext init), portal.url is set, INCIDENT_REF has statements
 * de revisions 1-2 and en revision 1. TAP output (tests/unit/check.h). */
#include "check.h"
#include "register/incident.h"
#include "register/statement.h"
#include "register/tlog_store.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include <stdlib.h>
#include <string.h>

static reg *R;
static const char *KEY, *REF;

static int canon(const char *in, const char *want)
{
    json_error_t je;
    json_t *j = json_loads(in, JSON_ALLOW_NUL, &je);
    char *out = NULL, err[200];
    size_t n;
    int ok = j && !tlog_json_canonical(j, &out, &n, err, sizeof err) && n == strlen(want) && !memcmp(out, want, n);
    if (!ok) printf("#   canonical(%s) = %s, expected %s\n", in, out ? out : "(error)", want);
    free(out);
    json_decref(j);
    return ok;
}

static void test_canonical_json(void)
{
    CHECK(canon("{ \"b\" : 1, \"a\" : [ true, false, null, \"x\" ] }", "{\"a\":[true,false,null,\"x\"],\"b\":1}"));
    CHECK(
        canon("{\"z\":1,\"\\u00e9\":2,\"a\":3,\"B\":4,\"aa\":5}", "{\"B\":4,\"a\":3,\"aa\":5,\"z\":1,\"\xc3\xa9\":2}"));
    CHECK(canon("[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\/ \\u007f \\u2028 \\ud83d\\ude42\"]",
                "[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/ \x7f \xe2\x80\xa8 \xf0\x9f\x99\x82\"]"));
    CHECK(canon("[\"a\\u0000b\"]", "[\"a\\u0000b\"]"));
    CHECK(canon("{\"n\":-9223372036854775807,\"m\":0,\"e\":{},\"l\":[]}",
                "{\"e\":{},\"l\":[],\"m\":0,\"n\":-9223372036854775807}"));
    char *out, err[200];
    size_t n;
    json_t *j = json_pack("{s:f}", "x", 1.5);
    CHECK_INT(tlog_json_canonical(j, &out, &n, err, sizeof err), -1);
    CHECK(strstr(err, "floating-point") != NULL);
    json_decref(j);
    j = json_array();
    for (int i = 0; i < 40; i++) {
        json_t *a = json_array();
        json_array_append_new(a, j);
        j = a;
    }
    CHECK_INT(tlog_json_canonical(j, &out, &n, err, sizeof err), -1);
    CHECK(strstr(err, "nested") != NULL);
    json_decref(j);
}

static void test_append_needs_a_transaction(void)
{
    int64_t idx;
    CHECK_INT(tlog_append_commitment(R, "notice", "x", 1, NULL, &idx), 1);
    CHECK(strstr(reg_err(R), "inside the register transaction") != NULL);
    json_t *o = json_pack("{s:s}", "a", "b");
    CHECK_INT(tlog_append_public(R, "note", o, &idx), 1);
    json_decref(o);
}

static void test_refusals(void)
{
    int64_t idx, before, after;
    CHECK_INT(tlog_size(R, &before), 0);
    CHECK_INT(reg_begin(R), 0);
    CHECK_INT(tlog_append_commitment(R, "audit-head", "x", 1, NULL, &idx), 2);
    CHECK_INT(tlog_append_commitment(R, "statement", "x", 1, NULL, &idx), 2);
    CHECK_INT(tlog_append_commitment(R, "Notice", "x", 1, NULL, &idx), 2);
    CHECK(strstr(reg_err(R), "kind 'Notice' is not valid") != NULL);
    CHECK_INT(tlog_append_commitment(R, "", "x", 1, NULL, &idx), 2);
    CHECK_INT(tlog_append_commitment(R, "a-kind-name-that-is-far-too-long-x", "x", 1, NULL, &idx), 2);
    char ref[TLOG_REF_MAX + 2];
    memset(ref, 'r', sizeof ref - 1);
    ref[sizeof ref - 1] = 0;
    CHECK_INT(tlog_append_commitment(R, "notice", "x", 1, ref, &idx), 2);
    CHECK_INT(tlog_append_commitment(R, "notice", NULL, 3, NULL, &idx), 2);
    json_t *o = json_pack("{s:s}", "kind", "x");
    CHECK_INT(tlog_append_public(R, "note", o, &idx), 2);
    json_decref(o);
    o = json_pack("{s:s}", "commitment", "00");
    CHECK_INT(tlog_append_public(R, "note", o, &idx), 2);
    json_decref(o);
    o = json_pack("{s:f}", "x", 0.5);
    CHECK_INT(tlog_append_public(R, "note", o, &idx), 2);
    CHECK(strstr(reg_err(R), "floating-point") != NULL);
    json_decref(o);
    o = json_pack("[i]", 1);
    CHECK_INT(tlog_append_public(R, "note", o, &idx), 2);
    json_decref(o);
    o = json_pack("{s:i}", "x", 1);
    CHECK_INT(tlog_append_public(R, "audit-head", o, &idx), 2);
    json_decref(o);
    reg_rollback(R);
    CHECK_INT(tlog_size(R, &after), 0);
    CHECK_INT(after, before);
}

static void test_commitment(void)
{
    static const char content[] = "the signed notice text, kept by notify";
    int64_t idx, idx2, found_idx;
    int found;
    CHECK_INT(reg_begin(R), 0);
    CHECK_INT(tlog_append_commitment(R, "notice", content, strlen(content), "N-0001", &idx), 0);
    CHECK_INT(tlog_append_commitment(R, "notice", content, strlen(content), "N-0002", &idx2), 0);
    CHECK_INT(reg_commit(R), 0);
    CHECK_INT(idx2, idx + 1);
    CHECK_INT(tlog_find(R, "notice", "N-0001", &found_idx, &found), 0);
    CHECK(found && found_idx == idx);
    CHECK_INT(tlog_find(R, "notice", "N-0009", &found_idx, &found), 0);
    CHECK(!found);
    uint8_t salt[TLOG_SALT_LEN], c[32];
    char hex[65];
    CHECK_INT(tlog_commitment_salt(R, idx, salt), 0);
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, salt, sizeof salt);
    sha256_update(&ctx, content, strlen(content));
    sha256_final(&ctx, c);
    sha256_to_hex(c, hex);
    struct tlog_entry *e;
    size_t n;
    CHECK_INT(tlog_entries(R, idx, idx + 2, &e, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK(e[0].commitment && e[1].commitment);
        CHECK_STR(e[0].commit_hex, hex);
        CHECK(strcmp(e[0].commit_hex, e[1].commit_hex) != 0); /* fresh salt each time */
        CHECK_STR(e[0].kind, "notice");
        char want[200];
        snprintf(want, sizeof want,
                 "{\"commitment\":\"%s\",\"kind\":\"notice\",\"logged_at\":\"2026-11-21T10:00:00Z\"}", hex);
        CHECK_STR(e[0].data, want);
        CHECK(!strstr(e[0].data, "N-0001"));
        json_t *j = tlog_entry_json(&e[0]);
        CHECK_STR(json_string_value(json_object_get(j, "commitment")), hex);
        CHECK(!json_object_get(j, "salt") && !json_object_get(j, "ref"));
        json_decref(j);
    }
    tlog_entries_free(e, n);
    CHECK_INT(tlog_commitment_salt(R, 0, salt), 2); /* entry 0 is a statement */
}

static void test_public_entry(void)
{
    int64_t idx;
    json_t *o = json_pack("{s:s,s:i,s:[b,n]}", "hello", "w\xc3\xb6rld", "n", 3, "list", 1);
    CHECK_INT(reg_begin(R), 0);
    CHECK_INT(tlog_append_public(R, "note-test", o, &idx), 0);
    CHECK_INT(reg_commit(R), 0);
    CHECK(!json_object_get(o, "kind")); /* the caller's object is not modified */
    json_decref(o);
    struct tlog_entry *e;
    size_t n;
    CHECK_INT(tlog_entries(R, idx, -1, &e, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(
            e[0].data,
            "{\"hello\":\"w\xc3\xb6rld\",\"kind\":\"note-test\",\"list\":[true,null],\"logged_at\":\"2026-11-21T10:00:00Z\",\"n\":3}");
        CHECK(!e[0].commitment);
        uint8_t lh[32];
        merkle_hash_leaf(e[0].data, e[0].len, lh);
        CHECK(!memcmp(lh, e[0].leaf_hash, 32));
    }
    tlog_entries_free(e, n);
}

static void test_statements(void)
{
    struct statement *s;
    size_t n;
    CHECK_INT(statement_list(R, REF, 0, &s, &n), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(s[0].lang, "de");
        CHECK_INT(s[0].revision, 1);
        CHECK_STR(s[1].lang, "de");
        CHECK_INT(s[1].revision, 2);
        CHECK_STR(s[2].lang, "en");
        CHECK_INT(s[2].revision, 1);
        CHECK_STR(s[1].text, "Zweite Fassung.");
        CHECK(strstr(s[1].facts, "\"approx_people\":") != NULL);
        CHECK(s[0].log_index < s[1].log_index);
    }
    statements_free(s, n);
    CHECK_INT(statement_list(R, REF, 1, &s, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(s[0].revision, 2);
        CHECK_STR(s[1].lang, "en");
    }
    statements_free(s, n);
    CHECK_INT(statement_list(R, "2026-0999", 0, &s, &n), 0);
    CHECK_INT(n, 0);
    statements_free(s, n);
    /* a third German revision through the API */
    struct incident inc;
    struct statement st;
    CHECK_INT(incident_load(R, REF, &inc), 0);
    CHECK_INT(reg_begin(R), 0);
    CHECK_INT(statement_add(R, &inc, "de", "Titel", "Dritte Fassung.", &st), 0);
    CHECK_INT(reg_commit(R), 0);
    CHECK_INT(st.revision, 3);
    statement_release(&st);
    CHECK_INT(reg_begin(R), 0);
    CHECK_INT(statement_add(R, &inc, "de", "Titel", "Dritte Fassung.", &st), 2); /* the same again */
    CHECK_INT(statement_add(R, &inc, "fr", "Titre", "Texte.", &st), 2);
    CHECK_INT(statement_add(R, &inc, "de", "Titel", "Bell \a.", &st), 2);
    CHECK_INT(statement_add(R, &inc, "de", "Titel", "Broken \xc3 UTF-8.", &st), 2);
    CHECK_INT(statement_add(R, &inc, "de", "Two\nlines", "Text.", &st), 2);
    reg_rollback(R);
    incident_release(&inc);
}

static void test_checkpoint_proofs_verify(void)
{
    char err[512];
    sign_key *k = sign_key_load(KEY, err, sizeof err);
    CHECK(k != NULL);
    if (!k) {
        printf("#   %s\n", err);
        return;
    }
    struct tlog_ckpt c, latest;
    CHECK_INT(tlog_checkpoint(R, k, &c), 1); /* outside a transaction */
    CHECK_INT(reg_begin(R), 0);
    CHECK_INT(tlog_checkpoint(R, k, &c), 0);
    CHECK_INT(reg_commit(R), 0);
    int found;
    CHECK_INT(tlog_checkpoint_latest(R, &latest, &found), 0);
    CHECK(found && latest.size == c.size && !memcmp(latest.root, c.root, 32) && !strcmp(latest.note, c.note));
    uint8_t pk[32], kid[8];
    sign_key_public(k, pk, kid);
    CHECK_INT(ckpt_verify(c.note, strlen(c.note), "verify.beispiel-versand.example/log", pk,
                          "verify.beispiel-versand.example/log", NULL, err, sizeof err),
              0);
    for (int64_t i = 0; i < c.size; i++) {
        struct tlog_proof p;
        CHECK_INT(tlog_prove_inclusion(R, i, c.size, &p), 0);
        CHECK_INT(merkle_verify_inclusion(p.leaf_hash, (uint64_t)i, (uint64_t)c.size, &p.hashes[0][0], p.n, c.root, err,
                                          sizeof err),
                  0);
    }
    for (int64_t m = 0; m <= c.size; m++) {
        struct tlog_proof p;
        CHECK_INT(tlog_prove_consistency(R, m, c.size, &p), 0);
        CHECK(!memcmp(p.root, c.root, 32));
        CHECK_INT(merkle_verify_consistency((uint64_t)m, (uint64_t)c.size, p.root1, c.root, &p.hashes[0][0], p.n, err,
                                            sizeof err),
                  0);
    }
    struct tlog_proof p;
    CHECK_INT(tlog_prove_inclusion(R, c.size, c.size, &p), 2);
    CHECK_INT(tlog_prove_inclusion(R, 0, c.size + 1, &p), 2);
    CHECK_INT(tlog_prove_consistency(R, 2, 1, &p), 2);
    struct tlog_verify_result res;
    CHECK_INT(tlog_verify(R, pk, &res), 0);
    CHECK_INT(res.nproblems, 0);
    for (size_t i = 0; i < res.nproblems; i++) printf("#   %s\n", res.problems[i]);
    CHECK_INT(res.entries, c.size);
    CHECK_INT(res.audit_committed, res.audit_rows);
    tlog_verify_release(&res);
    tlog_ckpt_release(&c);
    tlog_ckpt_release(&latest);
    sign_key_free(k);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: store_api REGISTER SECRET_KEY INCIDENT_REF\n");
        return 2;
    }
    char err[REG_ERRLEN];
    int64_t now;
    if (kt_now(&now, err, sizeof err) || reg_open(argv[1], 0, "api-test", "store_api", now, &R, err, sizeof err)) {
        fprintf(stderr, "store_api: %s\n", err);
        return 2;
    }
    KEY = argv[2];
    REF = argv[3];
    RUN(test_canonical_json);
    RUN(test_append_needs_a_transaction);
    RUN(test_refusals);
    RUN(test_commitment);
    RUN(test_public_entry);
    RUN(test_statements);
    RUN(test_checkpoint_proofs_verify);
    reg_close(R);
    return check_done();
}
