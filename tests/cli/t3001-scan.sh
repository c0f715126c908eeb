#!/usr/bin/env bash
# t3001-scan — the scanner against a reference answer (a log from bench/gen with the true
# exposure CSV), on the real Apache sample log, and its exit codes and limits.
# $SCAN is the command under test: the scanner driver until `klartext scan` exists.
# postgresql: runs (tests/run pg, KLARTEXT_TEST_DB=pg)
. "$(dirname "$0")/lib.sh"
if [ -z "${SCAN:-}" ]; then
    b=${KLARTEXT_BUILD:-build-asan}; case $b in /*) ;; *) b=$SRC_DIR/$b ;; esac
    SCAN="$b/tests/test_scan run"
fi
DATA=$SRC_DIR/tests/scan/data
. "$SRC_DIR/tests/fixtures.sh"
(write_rule && mv rule.conf profile.rule)   # the profile-page rule of the 2018 case
cat >slides.rule <<'RULE'
format = combined
[exposure "slides"]
method  = GET
request = ^/presentations/([^/?]+)/
status  = 200,304
fields  = talk
RULE

test_expect_success 'generated log: the true answer, 1 thread' '
    zcat "$DATA/gen-small.log.gz" >gen.log &&
    $SCAN --rule profile.rule --csv out1.csv --threads 1 gen.log 2>err &&
    diff -u "$DATA/gen-small.truth.csv" out1.csv
'
test_expect_success 'generated log: byte-identical with 2 threads and small ranges' '
    KLARTEXT_SCAN_SPLIT=100000 $SCAN --rule profile.rule --csv out2.csv --threads 2 gen.log 2>err &&
    cmp "$DATA/gen-small.truth.csv" out2.csv &&
    grep -q "2 threads" err
'
test_expect_success 'generated log: byte-identical with the views counted in large batches in slot order' '
    KLARTEXT_SORTED_BATCHES=1 $SCAN --rule profile.rule --csv out2s.csv --threads 1 gen.log 2>err &&
    cmp "$DATA/gen-small.truth.csv" out2s.csv &&
    KLARTEXT_SORTED_BATCHES=1 KLARTEXT_SCAN_SPLIT=100000 $SCAN --rule profile.rule --csv out2t.csv --threads 2 gen.log 2>err &&
    cmp "$DATA/gen-small.truth.csv" out2t.csv
'
test_expect_success 'generated log: same answer from the gzip file and with --check-all' '
    $SCAN --rule profile.rule --csv out3.csv --check-all "$DATA/gen-small.log.gz" 2>err &&
    cmp "$DATA/gen-small.truth.csv" out3.csv &&
    grep -q "lines read 6000, parsed in full 6000" err
'
# A gzip file of several members, each header with FNAME, FEXTRA and FHCRC, the second header
# placed across the scanner's 256 KiB read boundary (ISA-L used to check FHCRC over the bytes of
# one read only, failing such a file with "gzip checksum mismatch"); the same answer from ISA-L
# (the default) and zlib (KLARTEXT_GZIP=zlib), and gzip -t agrees that the file is sound.
test_expect_success 'generated log: a multi-member gzip file with header checksums across a read boundary, both backends' '
    /usr/bin/python3 - gen.log members.gz <<"PY" &&
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
def member(part, name):   # header with FEXTRA, FNAME and FHCRC; raw deflate; CRC-32 and length
    hdr = b"\x1f\x8b\x08" + bytes([4 | 8 | 2]) + b"\x00\x00\x00\x00\x00\x03"
    hdr += struct.pack("<H", 6) + b"kt\x02\x00ab" + name + b"\x00"
    hdr += struct.pack("<H", zlib.crc32(hdr) & 0xffff)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return hdr, c.compress(part) + c.flush() + struct.pack("<II", zlib.crc32(part), len(part))
cut = data.index(b"\n", len(data) // 2) + 1
h1, b1 = member(data[:cut], b"first.log")
h2, b2 = member(data[cut:], b"second.log")
out = h1 + b1
# an empty member whose name makes the second header start half its length before a 256 KiB mark
k = 1
while k * 262144 - len(h2) // 2 < len(out) + 64: k += 1
fh, fb = member(b"", b"")
name = b"f" * (k * 262144 - len(h2) // 2 - len(out) - len(fh) - len(fb))
fh, fb = member(b"", name)
out += fh + fb
assert len(out) < k * 262144 < len(out) + len(h2)
open(sys.argv[2], "wb").write(out + h2 + b2)
PY
    gzip -t members.gz &&
    $SCAN --rule profile.rule --csv m1.csv members.gz 2>err && cmp "$DATA/gen-small.truth.csv" m1.csv &&
    KLARTEXT_GZIP=zlib $SCAN --rule profile.rule --csv m2.csv members.gz 2>err && cmp "$DATA/gen-small.truth.csv" m2.csv
'
test_expect_success 'generated log: --strict accepts it when no candidate line is malformed' '
    $SCAN --rule profile.rule --csv out4.csv --strict gen.log 2>err &&
    cmp "$DATA/gen-small.truth.csv" out4.csv
'
test_expect_success 'real Apache log: --check-all reports the truncated line 8899' '
    $SCAN --rule slides.rule --csv slides.csv --check-all "$DATA/apache_logs_2015.log.gz" 2>err &&
    grep -qF "lines read 10000, parsed in full 10000" err &&
    grep -qF "malformed 1," err &&
    grep -qF "apache_logs_2015.log.gz line 8899: unterminated quote" err &&
    grep -q "^logstash-monitorama-2013," slides.csv
'
test_expect_success 'real Apache log: without --check-all only candidate lines are parsed' '
    $SCAN --rule slides.rule --csv slides2.csv "$DATA/apache_logs_2015.log.gz" 2>err &&
    cmp slides.csv slides2.csv &&
    grep -qF "malformed 0," err &&
    ! grep -qF "parsed in full 10000" err
'
test_expect_success 'real Apache log: --strict --check-all fails naming the line' '
    test_code=0
    $SCAN --rule slides.rule --csv x.csv --strict --check-all "$DATA/apache_logs_2015.log.gz" 2>err || test_code=$?
    test "$test_code" = 2 &&
    grep -qF "cannot parse '\''$DATA/apache_logs_2015.log.gz'\'' line 8899: unterminated quote" err
'
test_expect_code 1 'a missing log file is a failure (exit 1)' '
    $SCAN --rule profile.rule --csv x.csv gen.log no-such.log
'
test_expect_success 'klartext scan: an unreadable rule is a failure that says why (exit 1), a missing one bad input (2)' '
    mkdir -p dir.rule &&
    { klartext scan --rule dir.rule --csv x.csv gen.log 2>err; test $? = 1; } &&
    grep_q "cannot read .dir.rule.: Is a directory" err &&
    { klartext scan --rule no.rule --csv x.csv gen.log 2>err; test $? = 2; } &&
    grep_q "cannot open .no.rule.: No such file or directory" err
'
test_expect_code 2 'an unsupported compression is bad input (exit 2)' '
    printf "BZh91AY&SY" >x.bz2 && $SCAN --rule profile.rule --csv x.csv x.bz2
'
test_expect_success 'a 100 MB line is one malformed line and memory stays bounded' '
    { zcat "$DATA/gen-small.log.gz" | head -n 100; head -c 100000000 /dev/zero | tr "\0" "x"; echo;
      zcat "$DATA/gen-small.log.gz" | tail -n 100; } >long.log &&
    if [ -x /usr/bin/time ]; then /usr/bin/time -v $SCAN --rule profile.rule --csv x.csv long.log 2>err; else $SCAN --rule profile.rule --csv x.csv long.log 2>err; fi &&
    grep -qF "long.log line 101: line longer than 1 MiB" err &&
    grep -qF "lines read 201," err &&
    if [ -x /usr/bin/time ]; then
        kb=$(sed -n "s/.*Maximum resident set size (kbytes): //p" err) && test "$kb" -lt 200000
    fi
'
test_done
