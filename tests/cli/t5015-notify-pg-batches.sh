#!/usr/bin/env bash
# t5015 — notify's batches on PostgreSQL (issue 16, speed): a batch of notices is stored with one
# COPY for the notices, one INSERT … SELECT for their outbox rows and one COPY for their log
# commitments instead of three statements per notice. Over several batches (1,078 notices, 512 a
# batch) the notices, the outbox and the log hold what a SQLite register holds for the same input,
# row for row, and the files are byte-identical; a batch the server refuses (a row of the notice
# COPY, a row of the log's COPY, planted with a trigger) fails the run with a message that names
# the notice, rolls back the whole batch (the batches before it stay, no file of it is left) and a
# re-run completes.
# postgresql: this suite is about PostgreSQL and names its registers itself (SQLite and PostgreSQL)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
. "$SRC_DIR/tests/pg.sh"
pg_suite
SEED=$(printf "42%.0s" $(seq 32))
N=1100 MADE=1078   # fixture_register N: every 50th person has no address

# the same approved register twice: sq/ a SQLite file, and a PostgreSQL database kept as a template
prepare() {  # prepare DIR [URL]
    mkdir "$1" && (cd "$1" && if [ -n "${2:-}" ]; then export KLARTEXT_DB=$2; fi &&
        fixture_register "$N" salutations && use_test_key &&
        klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null)
}
BASE=$(pg_newdb)
prepare sq && prepare pgbase "$BASE" || exit 1
newreg() {  # newreg DIR: a copy of the approved PostgreSQL register in DIR; its URL in URL
    URL=${BASE}_$1
    pg_sql postgres "CREATE DATABASE ${URL##*/} TEMPLATE ${BASE##*/}" >/dev/null &&
        mkdir "$1" && cp pgbase/klartext.key pgbase/klartext.pub "$1/"
}
on() {  # on DIR URL COMMAND…: klartext in DIR on the register URL
    local d=$1 u=$2; shift 2
    (cd "$d" && KLARTEXT_DB=$u KLARTEXT_TEST_CODE_SEED=$SEED klartext "$@")
}
# the rows notify makes, in one text per backend: notices by seq, their outbox rows, the log's
# notice commitments (the commitment itself is salted at random: its reference, time and length)
rows_sql="SELECT seq, notice_id, subject, created_at, lang, rcpt, rcpt_masked, hex(code_hash), message_id, text_sha256,
  hex(message), message_len, message_codec, kind, coalesce(follows, 0), CASE WHEN dict_id IS NULL THEN 0 ELSE 1 END FROM notice ORDER BY seq;
SELECT n.seq, o.state, o.attempts, o.updated_at, coalesce(o.sent_at, 0) FROM outbox o JOIN notice n ON n.id = o.notice
  ORDER BY n.seq;
SELECT idx, kind, ref, created_at, length(entry), CASE WHEN salt IS NULL THEN 0 ELSE 1 END FROM tlog_entry ORDER BY idx;"

test_expect_success 'notify --out over three batches: notices, outbox and log as on SQLite, files byte-identical' '
    newreg pg && (cd sq && KLARTEXT_TEST_CODE_SEED=$SEED klartext notify 2018-0001 --out out >sum) &&
    on pg "$URL" notify 2018-0001 --out out >pg/sum &&
    [ "$(ls sq/out | grep -c "\.eml$")" = $MADE ] && [ "$(ls pg/out | grep -c "\.eml$")" = $MADE ] &&
    for f in sq/out/*.eml; do cmp "$f" "pg/${f#sq/}" || exit 1; done && cmp sq/sum pg/sum &&
    sqlite3 -separator "|" sq/klartext.db "$rows_sql" >rows.sq && pg_sql "$URL" "$rows_sql" >rows.pg &&
    [ "$(wc -l <rows.sq)" -gt $((2 * MADE)) ] && cmp rows.sq rows.pg &&
    on pg "$URL" log verify >lv && grep_q "log verified" lv &&
    for c in "notify 2018-0001 --status" "log entries"; do
        (cd sq && klartext $c | sed "s/commitment [0-9a-f]*/commitment/") >a.sq &&
        on pg "$URL" $c | sed "s/commitment [0-9a-f]*/commitment/" >a.pg && cmp a.sq a.pg || exit 1
    done
'
test_expect_success 'a notice the server refuses in the second batch: named, that batch rolled back whole, a re-run completes' '
    newreg nf && pg_sql "$URL" "CREATE FUNCTION kt_planted() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
        IF NEW.seq = 700 THEN RAISE EXCEPTION '\''planted failure'\''; END IF; RETURN NEW; END \$\$;
        CREATE TRIGGER kt_planted BEFORE INSERT ON notice FOR EACH ROW EXECUTE FUNCTION kt_planted()" &&
    { on nf "$URL" notify 2018-0001 --out out >sum 2>err; rc=$?; } ; [ $rc = 1 ] &&
    grep_q "notice 2018-0001-000700" err && grep_q "planted failure" err &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM notice")" = 512 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM outbox")" = 512 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM tlog_entry WHERE kind = '\''notice'\''")" = 512 ] &&
    [ "$(ls nf/out | grep -c "\.eml$")" = 512 ] && [ "$(ls -A nf/out | wc -l)" = 512 ] &&
    pg_sql "$URL" "DROP TRIGGER kt_planted ON notice" &&
    on nf "$URL" notify 2018-0001 --out out >sum2 && [ "$(ls nf/out | grep -c "\.eml$")" = $MADE ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM notice")" = $MADE ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM outbox")" = $MADE ] &&
    on nf "$URL" log verify >lv && grep_q "log verified" lv
'
test_expect_success 'a log commitment the server refuses: the notice named, nothing of the batch stored, a re-run completes' '
    newreg tf && pg_sql "$URL" "CREATE FUNCTION kt_planted() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
        IF NEW.ref = '\''2018-0001-000600'\'' THEN RAISE EXCEPTION '\''planted failure'\''; END IF; RETURN NEW; END \$\$;
        CREATE TRIGGER kt_planted BEFORE INSERT ON tlog_entry FOR EACH ROW EXECUTE FUNCTION kt_planted()" &&
    { on tf "$URL" notify 2018-0001 --out out >sum 2>err; rc=$?; } ; [ $rc = 1 ] &&
    grep_q "2018-0001-000600" err && grep_q "planted failure" err &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM notice")" = 512 ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM tlog_entry WHERE kind = '\''notice'\''")" = 512 ] &&
    [ "$(ls -A tf/out | wc -l)" = 512 ] &&
    pg_sql "$URL" "DROP TRIGGER kt_planted ON tlog_entry" &&
    on tf "$URL" notify 2018-0001 --out out >sum2 && [ "$(ls tf/out | grep -c "\.eml$")" = $MADE ] &&
    [ "$(pg_sql "$URL" "SELECT count(*) FROM tlog_entry WHERE kind = '\''notice'\''")" = $MADE ] &&
    on tf "$URL" log verify >lv && grep_q "log verified" lv
'
test_done
