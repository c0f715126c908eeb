#!/usr/bin/env bash
# t3060-scan-partial — scan --partial and scan merge: any grouping of partials (whole files,
# byte ranges, merges of merges) gives the CSV, summary and stored scan version of one plain
# scan over all the inputs; the refusals (other rule, key, version; corrupted or truncated;
# the same input twice; a file not covered).
. "$(dirname "$0")/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
DATA=$SRC_DIR/tests/scan/data
. "$SRC_DIR/tests/fixtures.sh"
write_rule
klartext init >/dev/null 2>&1
for t in Plain Merged Ranges; do
    klartext incident new --title $t --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null
done
# two logs: the generated one with malformed lines spread through it, and a small one
zcat "$DATA/gen-small.log.gz" | awk 'NR % 450 == 7 { print "10.0.0." NR " - - [99/Nov/2018:25:00:00 +0000] \"GET /gp/profile/C00" NR " HTTP/1.1\" 200 5 \"-\" \"x\"" } { print }' >a.log
cat >b.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "Mozilla"
10.0.0.3 - - [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" xyz 0
10.0.0.2 - - [20/Nov/2018:22:41:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 304 0 "-" "Mozilla"
L
head -c 32 /dev/urandom >vk && chmod 600 vk
S=$(stat -c %s a.log)
c1=$((S / 5)) c2=$((S / 5 * 2 + 17)) c3=$((S - 1))
# the summary without its line of seconds and threads
summ() { grep -v ' MB/s, ' "$1"; }
part() { klartext scan --rule rule.conf --viewer-key vk --no-progress "$@"; }

test_expect_success 'the plain scan' '
    klartext scan --rule rule.conf --csv plain.csv a.log b.log 2>plain.err &&
    grep_q "malformed lines (first 10 of" plain.err && grep_q "a.log line 4066: impossible date" plain.err
'
test_expect_success 'whole-file partials (with --input-index) merge to the same CSV and summary' '
    part --partial pa a.log 2>/dev/null && part --partial pb --input-index 1 b.log 2>/dev/null &&
    [ "$(stat -c %a pa)" = 600 ] && head -c 8 pa | grep_q KTPARTIA &&
    klartext scan merge --rule rule.conf --csv m1.csv pb pa 2>m1.err &&
    cmp plain.csv m1.csv && summ plain.err >s0 && summ m1.err >s1 && diff -u s0 s1
'
test_expect_success 'byte ranges (cut anywhere, 1 or 2 threads) and merges of merges: the same bytes' '
    part --partial r1 --range 0:$c1 a.log 2>/dev/null &&
    part --partial r2 --range $c1:$c2 --threads 2 a.log 2>/dev/null &&
    KLARTEXT_SCAN_SPLIT=50000 part --partial r3 --range $c2:$c3 --threads 2 a.log 2>/dev/null &&
    part --partial r4 --range $c3:$S a.log 2>/dev/null &&
    klartext scan merge --rule rule.conf --partial r23 r3 r2 2>/dev/null &&
    klartext scan merge --rule rule.conf --partial r234b r23 pb r4 2>/dev/null &&
    klartext scan merge --rule rule.conf --csv m2.csv r234b r1 2>m2.err &&
    cmp plain.csv m2.csv && summ m2.err >s2 && diff -u s0 s2 &&
    klartext scan merge --rule rule.conf --csv - r4 r1 r3 pb r2 >m3.csv 2>m3.err && cmp plain.csv m3.csv &&
    for n in 1 2 7 50; do
        KLARTEXT_MERGE_RANGE=$n klartext scan merge --rule rule.conf --csv - r4 r1 r3 pb r2 >m3.csv 2>m3.err &&
        cmp plain.csv m3.csv && summ m3.err >s3 && diff -u s0 s3 || return 1
    done
'
test_expect_success 'merged into the register: the same scan version as a plain scan' '
    klartext scan --rule rule.conf --incident 2018-0001 a.log b.log 2>/dev/null &&
    klartext scan viewer-key --out rk && [ "$(stat -c %a rk)" = 600 ] && [ $(stat -c %s rk) = 32 ] &&
    klartext scan --rule rule.conf --partial qa --no-progress a.log 2>/dev/null &&
    part --partial qb --viewer-key rk --input-index 1 b.log 2>/dev/null &&
    klartext scan merge --rule rule.conf --incident 2018-0002 qb qa 2>/dev/null &&
    for s in 1 2; do sqlite3 klartext.db "
      SELECT subject, first_seen, last_seen, views, viewers, signed_in_viewers, anonymous_viewers, pages, fields FROM exposure WHERE scan_id = $s ORDER BY subject;
      SELECT subject, hex(viewer_list), hex(viewer_identities) FROM exposure WHERE scan_id = $s ORDER BY subject;
      SELECT hour, views FROM scan_hour WHERE scan_id = $s ORDER BY hour;
      SELECT idx, name, compression, size, mtime, sha256, lines, malformed, error FROM scan_input WHERE scan_id = $s ORDER BY idx;
      SELECT seq, file, line, reason FROM scan_sample WHERE scan_id = $s ORDER BY seq;
      SELECT rule_sha256, keep_viewers, check_all, lines, lines_parsed, lines_matched, malformed, odd_requests,
             out_of_window, self_views, files_failed, people, records, views, viewers, bytes, first_seen, last_seen
        FROM scan WHERE id = $s" >db$s.txt || return 1; done &&
    [ $(wc -l <db1.txt) -gt 100 ] && diff -u db1.txt db2.txt
'
test_expect_code 2 'a partial of another rule is refused, naming it' '
    sed "s/status  = 200,304/status  = 200/" rule.conf >other.rule &&
    klartext scan --rule other.rule --viewer-key vk --partial po b.log 2>/dev/null;
    klartext scan merge --rule rule.conf --csv x.csv pa po 2>err; rc=$?;
    grep_q "'"'"'po'"'"' is a partial of another rule" err && [ ! -e x.csv ] && return $rc
'
test_expect_code 2 'a partial made with another viewer key is refused' '
    head -c 32 /dev/urandom >vk2 && chmod 600 vk2 &&
    klartext scan --rule rule.conf --viewer-key vk2 --partial pk b.log 2>/dev/null;
    klartext scan merge --rule rule.conf --csv x.csv pa pk 2>err; rc=$?;
    grep_q "'"'"'pk'"'"' was made with another viewer key" err && return $rc
'
test_expect_code 2 'merge --incident refuses partials not made with the register key' '
    klartext scan merge --rule rule.conf --incident 2018-0003 pa pb 2>err; rc=$?;
    grep_q "another viewer key than the register" err && return $rc
'
test_expect_code 2 'another format version is refused' '
    /usr/bin/python3 -c "
import hashlib, struct, sys
d = bytearray(open(\"pb\", \"rb\").read()[:-32]); d[8:12] = struct.pack(\"<I\", 7)
open(\"pv\", \"wb\").write(bytes(d) + hashlib.sha256(d).digest())" &&
    klartext scan merge --rule rule.conf pa pv >out 2>err; rc=$?;
    grep_q "'"'"'pv'"'"': format version 7, this klartext reads version 1" err && return $rc
'
test_expect_success 'a truncated or corrupted partial is refused (exit 2), naming it' '
    head -c 2000 pa >pt &&
    { klartext scan merge --rule rule.conf pt pb >out 2>err; [ $? = 2 ]; } &&
    grep_q "'"'"'pt'"'"': truncated or corrupted (checksum mismatch)" err &&
    /usr/bin/python3 -c "
d = bytearray(open(\"pa\", \"rb\").read()); d[len(d) // 2] ^= 1; open(\"pc\", \"wb\").write(bytes(d))" &&
    { klartext scan merge --rule rule.conf pb pc >out 2>err; [ $? = 2 ]; } &&
    grep_q "'"'"'pc'"'"': truncated or corrupted" err &&
    { klartext scan merge --rule rule.conf rule.conf >out 2>err; [ $? = 2 ]; } &&
    grep_q "not a klartext partial scan" err
'
test_expect_success 'the same input in two partials is refused, naming both' '
    { klartext scan merge --rule rule.conf pa pb r1 >out 2>err; [ $? = 2 ]; } &&
    grep_q "'"'"'pa'"'"' and '"'"'r1'"'"' both hold '"'"'a.log'"'"' bytes 0-" err &&
    { klartext scan merge --rule rule.conf --partial x r23 r2 2>err; [ $? = 2 ]; } &&
    grep_q "the same input twice" err && [ ! -e x ] &&
    part --partial pb0 b.log 2>/dev/null &&
    { klartext scan merge --rule rule.conf pa pb0 >out 2>err; [ $? = 2 ]; } &&
    grep_q "input 0 is '"'"'a.log'"'"' in one partial and '"'"'b.log'"'"' in another" err
'
test_expect_success 'a file whose bytes are not all in some partial is refused; as a partial it is fine' '
    { klartext scan merge --rule rule.conf r1 r3 r4 >out 2>err; [ $? = 2 ]; } &&
    grep_q "'"'"'a.log'"'"' bytes $c1-" err &&
    klartext scan merge --rule rule.conf --partial r134 r1 r3 r4 2>/dev/null
'
test_expect_success 'option checks: the viewer key file, --range' '
    chmod 644 vk2 && { part --partial x --viewer-key vk2 b.log 2>err; [ $? = 2 ]; } &&
    grep_q "readable by its owner only" err &&
    head -c 31 /dev/urandom >vk3 && chmod 600 vk3 && { part --partial x --viewer-key vk3 b.log 2>err; [ $? = 2 ]; } &&
    { part --partial x --range 0:99999999 b.log 2>err; [ $? = 2 ]; } && grep_q "lies outside the file" err &&
    { part --partial x --range 5 b.log 2>err; [ $? = 2 ]; } &&
    { klartext scan --rule rule.conf --range 0:5 b.log 2>err; [ $? = 2 ]; } &&
    { part --partial x --csv y b.log 2>err; [ $? = 2 ]; } &&
    gzip -k b.log && { part --partial x --range 0:10 b.log.gz 2>err; [ $? = 2 ]; } && grep_q "plain" err &&
    [ ! -e x ]
'
test_expect_success 'one partial alone, and partials without people: the same bytes as a plain scan' '
    klartext scan --rule rule.conf --csv b.csv b.log 2>b.err && part --partial p1 b.log 2>/dev/null &&
    klartext scan merge --rule rule.conf --csv m4.csv p1 2>m4.err && cmp b.csv m4.csv &&
    summ b.err >s3 && summ m4.err >s4 && diff -u s3 s4 &&
    : >empty.log && sed "s,/gp/profile/,/help/," b.log >nomatch.log &&
    klartext scan --rule rule.conf --csv be.csv b.log empty.log nomatch.log 2>be.err &&
    part --partial e1 --input-index 1 empty.log 2>/dev/null && part --partial e2 --input-index 2 nomatch.log 2>/dev/null &&
    klartext scan merge --rule rule.conf --partial e12 e2 e1 2>/dev/null &&
    klartext scan merge --rule rule.conf --csv m5.csv e12 p1 2>m5.err && cmp be.csv m5.csv &&
    summ be.err >s7 && summ m5.err >s8 && diff -u s7 s8 &&
    klartext scan merge --rule rule.conf --csv m9.csv e1 2>/dev/null && [ $(wc -l <m9.csv) = 1 ]
'
# 200 byte ranges of a log where one person is in every range, with viewers that come back
# across ranges (equal pairs in many partials), and other people in some
awk 'BEGIN { for (i = 0; i < 1600; i++) {
    v = i % 3 ? "U" sprintf("%09d", i % 37) : "-"; ip = "10.1." int(i / 250) "." i % 250;
    s = i % 4 ? "C0099999999" : "C00" sprintf("%08d", i % 91);
    printf "%s - %s [1%d/Nov/2018:1%d:%02d:00 +0000] \"GET /gp/profile/%s?p=%d HTTP/1.1\" 200 5 \"-\" \"x\"\n",
        ip, v, 2 + i % 8, 4 + i % 6, i % 60, s, i % 5 } }' >all.log
A=$(stat -c %s all.log)
test_expect_success 'a person in all of 200 partials: any batching and grouping gives the same bytes' '
    klartext scan --rule rule.conf --csv all.csv all.log 2>all.err &&
    [ $(grep -c C0099999999 all.csv) = 1 ] &&
    for k in $(seq 0 199); do
        part --partial q$k --range $((A * k / 200)):$((A * (k + 1) / 200)) all.log 2>/dev/null || return 1
    done &&
    klartext scan merge --rule rule.conf --csv m6.csv $(seq -f q%g 0 199) 2>m6.err && cmp all.csv m6.csv &&
    summ all.err >s5 && summ m6.err >s6 && diff -u s5 s6 &&
    KLARTEXT_MERGE_BATCH=1 klartext scan merge --rule rule.conf --csv m7.csv $(seq -f q%g 199 -1 0) 2>/dev/null &&
    cmp all.csv m7.csv &&
    KLARTEXT_MERGE_RANGE=1 klartext scan merge --rule rule.conf --csv m7.csv $(seq -f q%g 199 -1 0) 2>m7.err &&
    cmp all.csv m7.csv && summ m7.err >s7 && diff -u s5 s7 &&
    KLARTEXT_MERGE_BATCH=1 KLARTEXT_MERGE_RANGE=3 klartext scan merge --rule rule.conf --csv m7.csv $(seq -f q%g 0 199) 2>/dev/null &&
    cmp all.csv m7.csv &&
    KLARTEXT_MERGE_BATCH=20000 klartext scan merge --rule rule.conf --partial g1 $(seq -f q%g 0 2 199) 2>/dev/null &&
    klartext scan merge --rule rule.conf --partial g2 $(seq -f q%g 1 2 99) 2>/dev/null &&
    klartext scan merge --rule rule.conf --csv m8.csv g2 $(seq -f q%g 101 2 199) g1 2>/dev/null &&
    cmp all.csv m8.csv
'
test_done
