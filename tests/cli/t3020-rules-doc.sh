#!/usr/bin/env bash
# docs/rules.md is the users' reference of the rule file, the log formats and the exposure CSV:
# every example in it (a rule, a log and the CSV, each after a `<!-- rules-doc: KIND -->`
# marker) is scanned here and must give exactly the CSV shown, with 1 and with 2 threads; the
# summary and the error messages it quotes are what klartext prints.
. "$(dirname "$0")/lib.sh"
DOC="$SRC_DIR/docs/rules.md"

# the fenced block after each marker: example N's parts in ex.N.rule, ex.N.log, ex.N.csv,
# ex.N.summary, ex.N.errors (N counts the rule markers from 1)
awk '
    /^<!-- rules-doc: [a-z]+ -->$/ { kind = $3; if (kind == "rule") n++; want = 1; next }
    want && /^```/ { want = 0; inblock = 1; out = "ex." n "." kind; printf "" > out; next }
    inblock && /^```$/ { inblock = 0; close(out); next }
    inblock { print > out }
' "$DOC"
ls ex.*.rule >/dev/null 2>&1 || { echo "not ok 1 - no examples found in docs/rules.md"; exit 1; }

for rule in ex.*.rule; do
    n=${rule#ex.}; n=${n%.rule}
    title="example $n ($(sed -n 's/^format *= *\([a-z]*\).*/\1/p' "$rule")): the CSV is the one on the page"
    test_expect_success "$title" '
        [ -s ex.$n.log ] && [ -s ex.$n.csv ] &&
        klartext scan --rule ex.$n.rule --threads 1 ex.$n.log >got.csv 2>err && diff -u ex.$n.csv got.csv &&
        klartext scan --rule ex.$n.rule --threads 2 --check-all ex.$n.log >got2.csv 2>err && diff -u ex.$n.csv got2.csv
    '
done

test_expect_success 'the summary quoted under the first example is what scan prints' '
    cp ex.1.log access.log &&
    klartext scan --rule ex.1.rule access.log >/dev/null 2>err &&
    grep -c . ex.1.summary >/dev/null &&
    while IFS= read -r line; do grep -qxF -- "$line" err || { echo "missing: $line"; cat err; exit 1; }; done <ex.1.summary
'

test_expect_success 'every summary quoted under an example is what scan prints (the log read as access.log)' '
    for sm in ex.*.summary; do
        n=${sm#ex.}; n=${n%.summary}
        cp ex.$n.log access.log &&
        klartext scan --rule ex.$n.rule access.log >/dev/null 2>err &&
        while IFS= read -r line; do
            grep -qF -- "$(echo "$line" | sed "s/^ *//")" err || { echo "example $n: missing: $line"; cat err; exit 1; }
        done <"$sm" || exit 1
    done
'

test_expect_success 'the cache mix-up example is tests/scan/cases/cache-mixup, byte for byte' '
    c=$SRC_DIR/tests/scan/cases/cache-mixup found=
    for r in ex.*.rule; do cmp -s "$r" "$c/rule.conf" && found=${r%.rule}; done
    [ -n "$found" ] && cmp "$found.log" "$c/access.log" && cmp "$found.csv" "$c/expected.csv"
'

test_expect_success 'the error messages quoted for the rule file are what scan prints, with exit 2' '
    cp ex.1.rule rule.conf &&
    sed -i "s/^request = .*/request = ^\/gp\/profile\//" rule.conf &&
    { klartext scan --rule rule.conf ex.1.log 2>err; test $? = 2; } && grep -qxF "$(sed -n 1p ex.1.errors)" err &&
    sed "s/^method /methods/" ex.1.rule >rule.conf &&
    { klartext scan --rule rule.conf ex.1.log 2>err; test $? = 2; } && grep -qxF "$(sed -n 2p ex.1.errors)" err &&
    sed "s/^from   = .*/from   = 2018-11-12T14:00:00/" ex.1.rule >rule.conf &&
    { klartext scan --rule rule.conf ex.1.log 2>err; test $? = 2; } && grep -qxF "$(sed -n 3p ex.1.errors)" err &&
    sed "/^\[exposure/,\$d" ex.1.rule >rule.conf &&
    { klartext scan --rule rule.conf ex.1.log 2>err; test $? = 2; } && grep -qxF "$(sed -n 4p ex.1.errors)" err
'
test_done
