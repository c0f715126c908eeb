#!/usr/bin/env bash
# The man pages (man/, issue 20): real troff that mandoc -T lint and groff -ww pass without a
# warning, a page for every command and no page for a command that is gone, and each page's
# options the same as the command's --help (a new option without its man entry fails here:
# `make man` regenerates the pages; docs/HACKING.md, "Man pages").
. "$(dirname "$0")/lib.sh"
MAN=$SRC_DIR/man
GEN="/usr/bin/python3 $SRC_DIR/tools/man-gen --klartext $KLARTEXT"

test_expect_success 'every page passes mandoc -T lint and groff -ww without a warning' '
    command -v mandoc >/dev/null || { echo "mandoc is not installed (./run deps test)"; exit 1; }
    for f in "$MAN"/*.1 "$MAN"/*.5; do mandoc -T lint -W warning "$f"; groff -man -ww -z "$f"; done >lint 2>&1;
    cat lint; [ ! -s lint ] && [ $(ls "$MAN"/*.1 "$MAN"/*.5 | wc -l) -ge 19 ]
'
test_expect_success 'man -l renders each page' '
    for f in "$MAN"/*.1 "$MAN"/*.5; do MANWIDTH=80 man -l "$f" >page 2>err || exit 1; [ ! -s err ] || { cat err; exit 1; }
        grep -q "^NAME" page || { echo "$f: no NAME"; exit 1; }; done
'
test_expect_success 'a page for every command of klartext help, and none for a command that is not there' '
    klartext help | sed -n "s/^  \([a-z]*\)  .*/\1/p" | grep -vx help | sort >cmds &&
    ls "$MAN" | sed -n "s/^klartext-\(.*\)\.1$/\1/p" | sort >pages && diff cmds pages
'
for page in "$MAN"/klartext-*.1; do
    cmd=$(basename "$page" .1); cmd=${cmd#klartext-}
    test_expect_success "klartext-$cmd(1) lists the options of 'klartext $cmd --help'" '
        $GEN --options "$page" | sort >man.opts && $GEN --help-options "$cmd" | sort >help.opts &&
        [ -s help.opts ] || [ "$cmd" = status ] || [ "$cmd" = org ] || [ "$cmd" = subjects ] || exit 1
        diff help.opts man.opts
    '
done
test_expect_success 'klartext(1) lists every command and the global options' '
    for c in $(cat cmds); do grep -q "^\.BR klartext\\\\-$c (1)" "$MAN/klartext.1" || { echo "no $c"; exit 1; }; done &&
    sed -n "/^.SH GLOBAL/,/^.SH EXIT/p" "$MAN/klartext.1" >global &&
    for o in db json utc actor; do grep -qF -- "\\-\\-$o" global || { echo "no --$o"; exit 1; }; done
'
test_expect_success 'klartext-org(5) documents every key that klartext org knows' '
    klartext org --help | sed -n "/^Keys:/,/^$/p" | sed "s/^Keys://" | tr " " "\n" | grep . | sort >keys &&
    [ $(wc -l <keys) -ge 10 ] && while read -r k; do grep -q "$(echo "$k" | sed "s/\./\\\\./g")" "$MAN/klartext-org.5" ||
        { echo "klartext-org.5 lacks $k"; exit 1; }; done <keys
'
# the format names of the scanner (src/scan/rule_fields.c, lf_kind_name) against the .TP heads of
# klartext-rules(5) LOG FORMATS: a format added to the scanner without its man entry fails here
formats_missing() {  # formats_missing PAGE: the names the page's LOG FORMATS does not head
    sed -n "/names\[LF_NKIND\] = {/,/};/p" "$SRC_DIR/src/scan/rule_fields.c" | grep -o "\"[a-z0-9]*\"" | tr -d "\"" |
        grep . >formats && [ $(wc -l <formats) -ge 11 ] || { echo "no format names in rule_fields.c"; return 2; }
    sed -n "/^\.SH LOG FORMATS/,/^\.SH [A-Z]/p" "$1" | awk "/^\.TP/ { getline; print }" >heads
    while read -r f; do grep -qwF -- "$f" heads || echo "$f"; done <formats
}
test_expect_success 'klartext-rules(5) has an entry for every log format the scanner knows, and so does its error' '
    formats_missing "$MAN/klartext-rules.5" >missing; cat missing; [ ! -s missing ] &&
    printf "format = nosuch\n" >r.conf && ! klartext scan --rule r.conf /dev/null 2>err &&
    while read -r f; do grep -qwF -- "$f" err || { cat err; echo "the unknown-format error lacks $f"; exit 1; }; done <formats
'
test_expect_success 'the format check fails when an entry is missing (the test can fail)' '
    sed "/^\.B haproxy\$/d" "$MAN/klartext-rules.5" >rules.5 && formats_missing rules.5 >missing && [ "$(cat missing)" = haproxy ]
'
test_expect_success 'the check fails when a page lacks an option (the test can fail)' '
    rule=$(printf "%s" "\\fB\\-\\-rule\\fR") && grep -vF -- "$rule" "$MAN/klartext-scan.1" >scan.1 &&
    [ $(wc -l <scan.1) = $(($(wc -l <"$MAN/klartext-scan.1") - 1)) ] &&
    $GEN --options scan.1 | sort >m && $GEN --help-options scan | sort >h && ! diff h m >/dev/null
'
test_done
