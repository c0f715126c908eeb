#!/usr/bin/env bash
# t5000-mime-python.sh — the notice MIME writer (src/notify/mime.c), checked independently
# by Python's stdlib email package (/usr/bin/python3, email.policy.default).
# build/tests/test_mime writes sample messages (German umlauts, long names, a long subject,
# CJK, emoji, ASCII specials) and the expected values; tests/notify/check_mime.py parses them.
. "$(dirname "$0")/lib.sh"

build=${KLARTEXT_BUILD:-build-asan}
case $build in /*) ;; *) build="$SRC_DIR/$build" ;; esac
test_mime="$build/tests/test_mime"
check="$SRC_DIR/tests/notify/check_mime.py"
PY=/usr/bin/python3

test_expect_success 'the unit test program writes sample messages' '
	[ -x "$test_mime" ] || { echo "missing $test_mime (run make)"; exit 1; }
	mkdir eml &&
	KLARTEXT_MIME_OUT="$TRASH/eml" "$test_mime" >mime.tap &&
	grep -q "^ok .* - write_samples" mime.tap &&
	test -s eml/0/message.eml && test -s eml/5/message.eml
'

test_expect_success 'Python parses every sample: layout, headers, decoded parts, CRLF, lines <= 78' '
	"$PY" "$check" eml >py.tap &&
	cat py.tap &&
	! grep -q "^not ok" py.tap &&
	test "$(grep -c "^ok" py.tap)" -ge 6
'

test_expect_success 'the samples cover umlauts in the subject and in long display names' '
	grep -q "ü" eml/0/subject &&
	test "$(wc -c <eml/0/to_name)" -gt 45 &&
	test "$(wc -c <eml/1/subject)" -gt 78
'

test_expect_success 'the same input gives the same bytes' '
	mkdir eml2 &&
	KLARTEXT_MIME_OUT="$TRASH/eml2" "$test_mime" >/dev/null &&
	diff -r eml eml2
'

test_expect_code 1 'the checker notices a changed body byte' '
	cp -r eml bad &&
	sed -i "s/Sehr geehrter Herr M=C3=BCller,/Sehr geehrter Herr M=C3=B6ller,/" bad/0/message.eml &&
	! cmp -s eml/0/message.eml bad/0/message.eml &&
	"$PY" "$check" bad
'

test_expect_code 1 'the checker notices a bare LF' '
	rm -rf bad && cp -r eml bad &&
	sed -i "s/^MIME-Version: 1.0\r$/MIME-Version: 1.0/" bad/1/message.eml &&
	! cmp -s eml/1/message.eml bad/1/message.eml &&
	"$PY" "$check" bad
'

test_done
