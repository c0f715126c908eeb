#!/usr/bin/env bash
# t4000 — klartext's signatures and keys work with the real minisign (and signify for legacy
# "Ed" signatures), and the other way round. Uses the golden files in tests/data/sign/ and the
# test_sign helper binary (tests/unit/test_sign.c in tool mode), since no subcommand signs yet.
. "$(dirname "$0")/lib.sh"

B=${KLARTEXT_BUILD:-build-asan}
case $B in /*) ;; *) B=$SRC_DIR/$B ;; esac
T=$B/tests/test_sign
D=$SRC_DIR/tests/data/sign
MINISIGN=${MINISIGN:-/usr/bin/minisign}
SIGNIFY=$(command -v signify-openbsd || command -v signify || true)

cp "$D"/notice.txt "$D"/notice.txt.minisig "$D"/notice.txt.legacy.minisig "$D"/test.pub "$D"/test.key .
chmod 600 test.key   # git does not keep the mode

test_expect_success 'the test_sign helper and minisign are there' '
	test -x "$T" && test -x "$MINISIGN"
'

test_expect_success 'minisign verifies our golden ED signature' '
	"$MINISIGN" -V -p test.pub -m notice.txt >out &&
	grep_q "Signature and comment signature verified" out &&
	grep_q "Trusted comment: klartext notice	incident:INC-2026-0001" out
'

test_expect_success 'minisign verifies our golden legacy Ed signature' '
	"$MINISIGN" -V -p test.pub -m notice.txt -x notice.txt.legacy.minisig >out
'

test_expect_code 1 'minisign rejects the notice with one flipped byte' '
	cp notice.txt flipped.txt &&
	printf "\\x58" | dd of=flipped.txt bs=1 seek=100 conv=notrunc 2>/dev/null &&
	! cmp -s notice.txt flipped.txt || exit 99
	"$MINISIGN" -V -p test.pub -m flipped.txt -x notice.txt.minisig
'

test_expect_code 1 'minisign rejects a changed trusted comment' '
	sed "3s/C-10042/C-10043/" notice.txt.minisig >changed.minisig || exit 99
	! cmp -s changed.minisig notice.txt.minisig || exit 99
	"$MINISIGN" -V -p test.pub -m notice.txt -x changed.minisig
'

test_expect_success 'minisign -S with our key file gives byte-identical signatures' '
	cp notice.txt n2.txt &&
	"$MINISIGN" -S -s test.key -m n2.txt \
		-c "klartext notice signature; verify: minisign -Vm notice.txt -p klartext.pub" \
		-t "$(printf "klartext notice\tincident:INC-2026-0001\tcustomer:C-10042\ttime:2026-11-21T10:00:00Z")" \
		</dev/null >/dev/null &&
	cmp n2.txt.minisig notice.txt.minisig &&
	"$MINISIGN" -S -l -s test.key -m n2.txt \
		-c "klartext notice signature; verify: minisign -Vm notice.txt -p klartext.pub" \
		-t "$(printf "klartext notice\tincident:INC-2026-0001\tcustomer:C-10042\ttime:2026-11-21T10:00:00Z")" \
		</dev/null >/dev/null &&
	cmp n2.txt.minisig notice.txt.legacy.minisig
'

test_expect_success 'our verifier accepts signatures made by minisign' '
	printf "signed by minisign\n" >m.txt &&
	"$MINISIGN" -S -s test.key -m m.txt -t "made by minisign" </dev/null >/dev/null &&
	"$T" verify test.pub m.txt >out &&
	grep_q "trusted comment: made by minisign" out &&
	"$MINISIGN" -S -l -s test.key -m m.txt -x m.legacy.minisig </dev/null >/dev/null &&
	"$T" verify test.pub m.txt m.legacy.minisig >out &&
	grep_q "signature verified (Ed)" out
'

test_expect_code 1 'our verifier says bad signature for a changed file (exit 1)' '
	printf "signed by minisign!\n" >m2.txt && cp m.txt.minisig m2.txt.minisig || exit 99
	"$T" verify test.pub m2.txt 2>err; rc=$?; cat err; grep_q "bad signature" err || exit 99; exit $rc
'

test_expect_code 1 'our verifier says wrong key for another key (exit 1)' '
	"$T" keygen other.key other.pub || exit 99
	"$T" verify other.pub notice.txt 2>err; rc=$?; cat err; grep_q "wrong key" err || exit 99; exit $rc
'

test_expect_code 2 'our verifier says malformed for a broken signature file (exit 2)' '
	head -3 notice.txt.minisig >broken.minisig || exit 99
	"$T" verify test.pub notice.txt broken.minisig 2>err; rc=$?; cat err;
	grep_q "malformed signature" err || exit 99; exit $rc
'

test_expect_success 'a fresh klartext key pair works with minisign -S and -V' '
	"$T" keygen k.key k.pub "klartext secret key for ACME Test GmbH; keep private" &&
	test "$(stat -c %a k.key)" = 600 && test "$(stat -c %a k.pub)" = 644 &&
	grep_q "^untrusted comment: klartext secret key for ACME Test GmbH; keep private$" k.key &&
	id=$("$T" load k.key) &&
	grep_q "^untrusted comment: minisign public key $id$" k.pub &&
	printf "data\n" >f.txt &&
	"$MINISIGN" -S -s k.key -m f.txt </dev/null >/dev/null &&
	"$MINISIGN" -V -p k.pub -m f.txt >/dev/null &&
	"$T" sign k.key f.txt "signed by klartext" g.minisig &&
	"$MINISIGN" -V -p k.pub -m f.txt -x g.minisig >out &&
	grep_q "Trusted comment: signed by klartext" out &&
	"$MINISIGN" -V -P "$(tail -1 k.pub)" -m f.txt -x g.minisig >/dev/null
'

test_expect_code 1 'a key pair is never overwritten' '
	cp k.key k.key.before || exit 99
	"$T" keygen k.key new.pub 2>err; rc=$?; cat err;
	{ grep_q "k.key'"'"' already exists" err && cmp k.key k.key.before && test ! -e new.pub; } ||
	exit 99; exit $rc
'

test_expect_success 'a key made by minisign -G -W loads and signs for minisign -V' '
	"$MINISIGN" -G -W -p ms.pub -s ms.key >/dev/null &&
	"$T" sign ms.key f.txt "klartext with a minisign key" h.minisig &&
	"$MINISIGN" -V -p ms.pub -m f.txt -x h.minisig >/dev/null &&
	"$T" sign -l ms.key f.txt "legacy" h2.minisig &&
	"$MINISIGN" -V -p ms.pub -m f.txt -x h2.minisig >/dev/null
'

test_expect_code 1 'a secret key file with mode 0644 is refused' '
	chmod 644 k.key || exit 99
	"$T" load k.key 2>err; rc=$?; cat err;
	grep_q "k.key'"'"' is readable by others (mode 0644); run chmod 600 '"'"'.*k.key'"'"'" err ||
	exit 99; exit $rc
'

if [ -n "$SIGNIFY" ]; then
	test_expect_success 'signify verifies our legacy Ed signature' '
		"$SIGNIFY" -V -p test.pub -m notice.txt -x notice.txt.legacy.minisig
	'
	test_expect_code 1 'signify rejects the flipped notice' '
		test -f flipped.txt || exit 99
		"$SIGNIFY" -V -p test.pub -m flipped.txt -x notice.txt.legacy.minisig
	'
else
	test_expect_success 'signify verifies legacy signatures (SKIPPED: signify-openbsd not installed)' 'true'
fi


test_expect_success 'klartext verify: a saved notice that cannot be read is not confirmed (exit 1), and says why' '
	mkdir -p saved.eml && { klartext verify saved.eml --pub test.pub >out 2>err; test $? = 1; } &&
	grep_q "cannot read .saved.eml.: Is a directory" err &&
	{ klartext verify missing.eml --pub test.pub >out 2>err; test $? = 1; } &&
	grep_q "cannot open .missing.eml.: No such file or directory" err &&
	head -c 16777217 /dev/zero >big.eml && { klartext verify big.eml --pub test.pub >out 2>err; test $? = 1; } &&
	grep_q "big.eml. is larger than 16777216 bytes: not a notice" err
'
test_done
