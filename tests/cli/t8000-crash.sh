#!/usr/bin/env bash
# Crash consistency: seven commands that change the register are killed with SIGKILL at random
# points — `scan --incident` (a re-scan of a generated log sized to run ~1 s; ~0.5 s in the short
# default campaign), `notify --smtp` (to postfix's smtp-sink on loopback; sized alike),
# `assess --decide`, `incident update`, `incident publish`, `report --filed` (the last four also
# append to the audit chain and, but for update, to the transparency log), `purge` (of a closed
# incident of generated people whose notices were written, with every period P0D; it also
# compacts the file after its commit). Each run starts from a copy of a prepared register, starts the command,
# sleeps a random 0..T ms (T = the command's measured run time) and kills it with SIGKILL.
# After every kill:
#   - the register opens (`klartext status`), `PRAGMA integrity_check` is ok, there are no
#     foreign-key violations, `klartext log verify` passes (log, checkpoints, audit hash chain),
#     every timeline is numbered 1..n without gaps, audit ids and log indexes have no gaps;
#   - the command's change is all there or not there at all: the row count of every table equals
#     either the prepared register's or that of a clean run of the command (for the scan also
#     each version's people, inputs, exposures, viewers and histogram against the clean run's;
#     for notify: every notice has its outbox row and its log commitment);
#   - the interrupted command can be re-run to completion: if its change is missing it is run
#     again and must succeed and give the clean run's counts. notify runs over 8 connections at
#     once and over 1, kill by kill; at the kill at most that many notices are `sending`; it is
#     re-run (with --resend-unknown) until done; then every reachable person has received at
#     least one notice at the SMTP server, the outbox's sent rows are exactly the distinct
#     messages received, and duplicates <= the notices that were `sending` at the kill.
# One TAP line per kill, one per command with the number of kills that landed while the command
# ran ("mid-run") and after it had ended.
#   KLARTEXT_CRASH_RUNS   kills in total (default 42, split over the seven commands; 210 = full)
#   KLARTEXT_CRASH_SEED   seed of the random kill points (default: from the clock; printed)
#   KLARTEXT_CRASH_REPORT FILE: also write the summary there
# postgresql: not run there: its checks are of the SQLite file (PRAGMA integrity_check, foreign_key_check, the row
#   counts through sqlite3, copies of the prepared file); on PostgreSQL a killed client's transaction is rolled back by the
#   server, and t0065-pg-faults kills a scan in the middle of its store and restarts the server under notify, scan and serve
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/notify/lib.sh"
export KLARTEXT_NOW=2018-11-22T10:00:00Z
RUNS=${KLARTEXT_CRASH_RUNS:-42}
SEED=${KLARTEXT_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 32768 ))}
RANDOM=$SEED
echo "# seed $SEED (KLARTEXT_CRASH_SEED=$SEED repeats the kill points), $RUNS kills, binary $KLARTEXT"
CMDS=(scan notify decide update publish filed purge)
have_sink=1
[ -x /usr/sbin/smtp-sink ] || { have_sink=0; CMDS=(scan decide update publish filed purge); }
now_ms() { local t=${EPOCHREALTIME/[.,]/}; NOW_MS=$(( t / 1000 )); }   # no fork: NOW_MS
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# ---------------------------------------------------------------- prepared registers
# the incident of every register, without the decision (assess --decide is one of the commands)
small_base() {
    write_org
    klartext init --org org.ini >/dev/null 2>&1 || return 1
    klartext incident new --title "Namen auf Profilseiten sichtbar" --aware-at 2018-11-21T09:12:00Z \
        --aware-how "Hinweis einer Kundin" --breach-types confidentiality --cause programming-error \
        --occurred-from 2018-11-12T14:00:00Z --occurred-until 2018-11-21T09:12:00Z \
        --data-not-affected password,payment-card >/dev/null || return 1
    write_rule && write_people &&
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 &&
    klartext subjects import 2018-0001 subjects.csv >/dev/null &&
    klartext assess 2018-0001 >/dev/null
}

# the command of each kind, run in the copy of its base register
declare -A BASE CMD T_MS MID AFTER FAIL N_RUNS
CMD[scan]="scan --rule $TRASH/base_small/rule.conf --incident 2018-0001 --no-progress $TRASH/big/access.log"
CMD[notify]='notify 2018-0001 --smtp smtp://127.0.0.1:$sink_port --connections $NCONN'
NCONN=4   # the clean runs; the kills alternate between 8 and 1
CMD[decide]='assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana DPO" --reason "names and addresses of customers"'
CMD[update]='incident update 2018-0001 --status confirmed --contained-at 2018-11-21T09:12:00Z --description "Ein Fehler im Zwischenspeicher zeigte Profile anderer Kunden." --measures-taken "Zwischenspeicher geleert"'
CMD[publish]='incident publish 2018-0001 --lang de --statement "Wir haben einen Fehler gemacht: Namen und E-Mail-Adressen waren sichtbar."'
CMD[filed]='report 2018-0001 --filed --at 2018-11-22T08:00:00Z --ref BlnBDI-711.1234'
CMD[purge]='purge'
for c in scan decide update publish filed; do BASE[$c]=base_small; done
BASE[notify]=base_notify
BASE[purge]=base_purge

# one query giving the row count of every table: "table count" lines
SIGSQL=
sig() { sqlite3 klartext.db "$SIGSQL"; }
SCANSQL="SELECT s.version, s.current, s.people, s.views, s.lines,
  (SELECT count(*) FROM scan_input i WHERE i.scan_id = s.id), (SELECT count(*) FROM exposure e WHERE e.scan_id = s.id),
  (SELECT coalesce(sum(length(viewer_list)), 0) FROM exposure v WHERE v.scan_id = s.id), (SELECT count(*) FROM scan_hour h WHERE h.scan_id = s.id),
  (SELECT coalesce(sum(views), 0) FROM scan_hour h WHERE h.scan_id = s.id), (SELECT count(*) FROM scan_sample m WHERE m.scan_id = s.id)
  FROM scan s ORDER BY s.version;
  SELECT count(*), count(CASE WHEN message_codec = 'purged' THEN 1 END) FROM notice;
  SELECT count(*) FROM notice_event WHERE reply IS NOT NULL"

fresh() {  # fresh BASE: an empty run directory with a copy of the base register; cd there
    rm -rf "$TRASH/run" && mkdir "$TRASH/run" && cp "$TRASH/$1"/klartext.* "$TRASH/run/" && cd "$TRASH/run"
}
run_cmd() { eval "\"\$KLARTEXT\" ${CMD[$1]}"; }
timed_run() {  # timed_run KIND: run the command to completion in the current dir; sets $ELAPSED (ms)
    local t0; now_ms; t0=$NOW_MS
    run_cmd "$1" >clean.out 2>clean.err; local rc=$?
    now_ms; ELAPSED=$(( NOW_MS - t0 ))
    [ $rc = 0 ] || { echo "# clean run of $1 failed (exit $rc):"; sed 's/^/#   /' clean.err; }
    return $rc
}

received() { sink_received sink; }

setup_ok=1
mkdir base_small && cd base_small && small_base || setup_ok=0
cd "$TRASH"
SIGSQL=$(sqlite3 base_small/klartext.db "SELECT group_concat('SELECT ''' || name || ''', count(*) FROM \"' || name || '\"', ' UNION ALL ')
                                         FROM (SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name)")

# the log for the scan: generated people, grown until a clean re-scan takes about a second in the
# full campaign (KLARTEXT_CRASH_RUNS >= 100), about half a second in the short one; notify alike
TARGET_MS=1000
[ "$RUNS" -ge 100 ] || TARGET_MS=500
fastest_of_two() {  # fastest_of_two KIND: two clean runs from its base; ELAPSED = the faster
    local best= i
    for i in 1 2; do
        fresh "${BASE[$1]}" && timed_run "$1" || setup_ok=0
        cd "$TRASH"; rm -f "$TRASH"/sink/*
        [ -z "$best" ] || [ "$ELAPSED" -lt "$best" ] && best=$ELAPSED
    done
    ELAPSED=$best
}
mkdir big
scan_n=20000
for attempt in 1 2; do
    (cd big && gen_people $scan_n)
    fastest_of_two scan
    [ "$ELAPSED" -ge $((TARGET_MS / 2)) ] || [ $attempt = 2 ] && break
    scan_n=$(( scan_n * TARGET_MS / (ELAPSED > 50 ? ELAPSED : 50) ))
    [ $scan_n -gt 200000 ] && scan_n=200000
done
T_MS[scan]=$ELAPSED

# notify: N generated people, the decision and the approval; N grown like the scan's log
notify_n=300 T_MS[notify]=0
[ $have_sink = 1 ] && { sink_start sink || setup_ok=0; rm -f "$TRASH"/sink/*; }
for attempt in 1 2; do
    [ $have_sink = 1 ] || break
    rm -rf base_notify && mkdir base_notify && cd base_notify && notify_setup $notify_n &&
        klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null || setup_ok=0
    cd "$TRASH"; fastest_of_two notify
    [ "$ELAPSED" -ge $((TARGET_MS / 2)) ] || [ $attempt = 2 ] && break
    notify_n=$(( notify_n * TARGET_MS / (ELAPSED > 50 ? ELAPSED : 50) ))
    [ $notify_n -gt 3000 ] && notify_n=3000
done
[ $have_sink = 1 ] && T_MS[notify]=$ELAPSED
reachable=$((notify_n - notify_n / 50))

# purge: a closed, filed incident of generated people with written notices, every period P0D
mkdir base_purge && (cd base_purge && notify_setup 2000 &&
    klartext notify 2018-0001 --approve --by "Dana DPO" >/dev/null && klartext notify 2018-0001 --out out >/dev/null 2>&1 &&
    klartext report 2018-0001 --filed --at 2018-11-22T08:00:00Z --ref BlnBDI-711.1234 >/dev/null &&
    klartext incident update 2018-0001 --status closed >/dev/null &&
    klartext org set retention.contact_data=P0D retention.notices=P0D retention.exposures=P0D \
        retention.viewer_identities=P0D >/dev/null && rm -rf out) || setup_ok=0

# the clean runs: their table counts (and the scan's details) are what a completed command leaves
declare -A BASESIG CLEANSIG BASESCAN CLEANSCAN
for c in scan decide update publish filed purge; do
    fresh "${BASE[$c]}"
    BASESIG[$c]=$(sig); BASESCAN[$c]=$(sqlite3 klartext.db "$SCANSQL")
    best=
    for i in 1 2 3; do   # T: the fastest of three clean runs (the machine may be busy)
        fresh "${BASE[$c]}" && timed_run $c || setup_ok=0
        [ -z "$best" ] || [ "$ELAPSED" -lt "$best" ] && best=$ELAPSED
        [ $c = scan ] && break   # measured above
    done
    [ $c = scan ] || T_MS[$c]=$best
    CLEANSIG[$c]=$(sig); CLEANSCAN[$c]=$(sqlite3 klartext.db "$SCANSQL")
    [ "${BASESIG[$c]}" != "${CLEANSIG[$c]}" ] || { echo "# the clean run of $c changed nothing"; setup_ok=0; }
    cd "$TRASH"
done
[ $have_sink = 1 ] || { test_count=$((test_count + 1)); echo "ok $test_count # SKIP notify --smtp: postfix's smtp-sink is not installed"; }
declare -A T0_MS
for c in "${!T_MS[@]}"; do T0_MS[$c]=${T_MS[$c]}; done
say_result $((1 - setup_ok)) "prepared registers; clean run times: scan ${T_MS[scan]} ms ($scan_n people), notify ${T_MS[notify]} ms ($notify_n people), assess --decide ${T_MS[decide]} ms, incident update ${T_MS[update]} ms, incident publish ${T_MS[publish]} ms, report --filed ${T_MS[filed]} ms, purge ${T_MS[purge]} ms"
[ $setup_ok = 1 ] || { test_done; exit 1; }

# ---------------------------------------------------------------- the checks
check_register() {  # the register after a kill (cwd = run dir); prints what is wrong, returns 1
    "$KLARTEXT" status >status.out 2>status.err || { echo "klartext status failed:"; cat status.err; return 1; }
    local ic; ic=$(sqlite3 klartext.db 'PRAGMA integrity_check' 2>&1)
    [ "$ic" = ok ] || { echo "integrity_check: $ic"; return 1; }
    local fk; fk=$(sqlite3 klartext.db 'PRAGMA foreign_key_check' 2>&1)
    [ -z "$fk" ] || { echo "foreign_key_check: $fk"; return 1; }
    "$KLARTEXT" log verify >verify.out 2>&1 || { echo "klartext log verify failed:"; cat verify.out; return 1; }
    local gaps; gaps=$(sqlite3 klartext.db "SELECT
        (SELECT count(*) FROM (SELECT incident_id, count(*) c, min(seq) a, max(seq) b FROM event GROUP BY incident_id) WHERE c <> b OR a <> 1)
      + (SELECT count(*) <> coalesce(max(id), 0) OR count(*) <> count(hash) FROM audit)
      + (SELECT count(*) <> coalesce(max(idx) + 1, 0) FROM tlog_entry)")
    [ "$gaps" = 0 ] || { echo "the timeline, the audit trail or the log has a gap"; return 1; }
}

# the state of a generic command's change: base (absent), clean (complete) or partial
change_state() {  # change_state KIND
    local s; s=$(sig)
    if [ "$s" = "${CLEANSIG[$1]}" ] && [ "$(sqlite3 klartext.db "$SCANSQL")" = "${CLEANSCAN[$1]}" ]; then echo complete
    elif [ "$s" = "${BASESIG[$1]}" ] && [ "$(sqlite3 klartext.db "$SCANSQL")" = "${BASESCAN[$1]}" ]; then echo absent
    else
        echo partial
        diff <(echo "${BASESIG[$1]}") <(echo "$s") | sed 's/^/  base vs now: /' >&2
        diff <(echo "${CLEANSIG[$1]}") <(echo "$s") | sed 's/^/  clean vs now: /' >&2
    fi
}

# T follows the machine: every complete run of a command (one that ended before its kill point,
# and every re-run) moves T a quarter of the way to its run time
learn() {  # learn KIND MS
    T_MS[$1]=$(( (3 * T_MS[$1] + $2 + 3) / 4 ))
}
kill_at_random() {  # kill_at_random KIND: start it, SIGKILL after 0..T ms unless it ended; sets DELAY, KRC
    local T=${T_MS[$1]} t0 pid sp who wrc
    KT=$T
    DELAY=$(( (RANDOM * 32768 + RANDOM) % (T + 1) ))
    now_ms; t0=$NOW_MS
    # exec: the background job is the klartext process itself, so SIGKILL hits it
    eval "exec \"\$KLARTEXT\" ${CMD[$1]}" >kill.out 2>kill.err &
    pid=$!
    sleep_ms $DELAY &
    sp=$!
    wait -n -p who $pid $sp 2>/dev/null; wrc=$?
    if [ "$who" = "$pid" ]; then          # it ended before the kill point: nothing to kill
        KRC=$wrc
        now_ms; learn "$1" $(( NOW_MS - t0 ))
        kill $sp 2>/dev/null; wait $sp 2>/dev/null
    else
        kill -9 $pid 2>/dev/null
        wait $pid 2>/dev/null; KRC=$?
    fi
}
timed_rerun() {  # timed_rerun KIND: run it again to completion; learns its run time
    local t0; now_ms; t0=$NOW_MS
    run_cmd "$1" >rerun.out 2>rerun.err; local rc=$?
    now_ms; [ $rc = 0 ] && learn "$1" $(( NOW_MS - t0 ))
    return $rc
}

one_generic() {  # one_generic KIND: one kill of a command that is not notify
    local c=$1
    fresh "${BASE[$c]}" || return 1
    kill_at_random $c
    if [ $KRC = 137 ]; then WHEN=mid-run; MID[$c]=$((MID[$c] + 1))
    else WHEN="it had ended (exit $KRC)"; AFTER[$c]=$((AFTER[$c] + 1))
        [ $KRC = 0 ] || { echo "the run that was not killed failed:"; cat kill.err; return 1; }
    fi
    echo "kill point $DELAY ms of 0..$KT: $WHEN"
    check_register || return 1
    local st; st=$(change_state $c)
    echo "change: $st"
    [ $KRC = 137 ] && [ "$st" = complete ] && MIDDONE[$c]=$((MIDDONE[$c] + 1))
    case $st in
    complete) ;;
    absent)
        timed_rerun $c || { echo "the re-run failed:"; cat rerun.err; return 1; }
        check_register || return 1
        st=$(change_state $c)
        [ "$st" = complete ] || { echo "after the re-run: $st"; return 1; }
        echo "re-run completed it"
        ;;
    *) return 1 ;;
    esac
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM scan WHERE current = 1")" = 1 ] || { echo "not exactly one current scan"; return 1; }
}

one_notify() {  # one kill of notify --smtp, then re-runs until every notice went out
    NCONN=$(( N_RUNS[notify] % 2 ? 8 : 1 ))
    fresh base_notify || return 1
    rm -f "$TRASH"/sink/*
    kill_at_random notify
    if [ $KRC = 137 ]; then WHEN=mid-run; MID[notify]=$((MID[notify] + 1))
    else WHEN="it had ended (exit $KRC)"; AFTER[notify]=$((AFTER[notify] + 1))
        [ $KRC = 0 ] || { echo "the run that was not killed failed:"; cat kill.err; return 1; }
    fi
    echo "kill point $DELAY ms of 0..$KT ($NCONN connections): $WHEN"
    check_register || return 1
    local counts; counts=$(sqlite3 klartext.db "SELECT (SELECT count(*) FROM notice), (SELECT count(*) FROM outbox),
        (SELECT count(*) FROM tlog_entry WHERE kind = 'notice'),
        (SELECT count(*) FROM notice n WHERE NOT EXISTS (SELECT 1 FROM tlog_entry t WHERE t.kind = 'notice' AND t.ref = n.notice_id)),
        (SELECT count(*) FROM outbox WHERE state = 'sending'), (SELECT count(*) FROM outbox WHERE state = 'sent')")
    local nn no nt nmiss inflight nsent
    IFS='|' read -r nn no nt nmiss inflight nsent <<<"$counts"
    [ $KRC = 137 ] && [ "$nsent" = $reachable ] && MIDDONE[notify]=$((MIDDONE[notify] + 1))
    echo "at the kill: $nn notices made, $no in the outbox, $nt log commitments, $inflight sending, $nsent sent"
    [ "$inflight" -le $NCONN ] || { echo "more notices sending than connections ($NCONN)"; return 1; }
    [ "$nn" = "$no" ] && [ "$nn" = "$nt" ] && [ "$nmiss" = 0 ] || { echo "notices, outbox rows and log commitments differ"; return 1; }
    local i rc=1
    for i in 1 2 3 4; do
        eval "\"\$KLARTEXT\" ${CMD[notify]} --resend-unknown" >rerun.out 2>rerun.err; rc=$?
        [ $rc = 0 ] && break
        echo "re-run $i: exit $rc"; cat rerun.err
    done
    [ $rc = 0 ] || { echo "notify did not complete"; return 1; }
    check_register || return 1
    [ "$(sqlite3 klartext.db "SELECT count(*) FROM outbox WHERE state = 'sent'")" = $reachable ] || { echo "sent rows are not $reachable"; return 1; }
    sleep 0.05
    received >recv
    sort -u recv >recv.uniq
    sqlite3 klartext.db "SELECT rcpt || ' ' || message_id FROM notice n JOIN outbox o ON o.notice = n.id WHERE o.state = 'sent'" | sort >sent.list
    local total distinct people
    total=$(wc -l <recv); distinct=$(wc -l <recv.uniq); people=$(cut -d' ' -f1 recv | sort -u | wc -l)
    echo "received $total messages, $distinct distinct, for $people people; in flight at the kill: $inflight"
    DUPS[notify]=$(( ${DUPS[notify]:-0} + total - distinct )); INFLIGHT_SUM=$((INFLIGHT_SUM + inflight))
    [ "$people" = $reachable ] && [ "$distinct" = $reachable ] || { echo "not every reachable person ($reachable) received a notice"; return 1; }
    [ $((total - distinct)) -le "$inflight" ] || { echo "more duplicates than notices in flight"; return 1; }
    cmp -s sent.list recv.uniq || { echo "the outbox's sent rows are not the messages received"; return 1; }
}

# ---------------------------------------------------------------- the campaign
declare -A DUPS MIDDONE
INFLIGHT_SUM=0
ncmd=${#CMDS[@]}
for c in "${CMDS[@]}"; do MIDDONE[$c]=0; MID[$c]=0; AFTER[$c]=0; FAIL[$c]=0; N_RUNS[$c]=0; done
for ((k = 0; k < RUNS; k++)); do
    c=${CMDS[$((k % ncmd))]}
    N_RUNS[$c]=$((N_RUNS[$c] + 1))
    if [ $c = notify ]; then one_notify >"$TRASH/.out" 2>&1; else one_generic $c >"$TRASH/.out" 2>&1; fi
    rc=$?
    cd "$TRASH"
    [ $rc = 0 ] || FAIL[$c]=$((FAIL[$c] + 1))
    say_result $rc "$c kill ${N_RUNS[$c]}: $(head -1 "$TRASH/.out"); $(grep -m1 -E '^change:|^received' "$TRASH/.out")"
    if [ $rc != 0 ] && [ "${KEEP_TRASH:-0}" = 1 ]; then mv "$TRASH/run" "$TRASH/failed-$k"; fi
done
declare -A LABEL=([scan]="scan --incident" [notify]="notify --smtp" [decide]="assess --decide"
                  [update]="incident update" [publish]="incident publish" [filed]="report --filed" [purge]="purge")
{
    echo "crash campaign: $RUNS kills, seed $SEED, $KLARTEXT"
    echo "T: the kill window, measured first and at the end; mid-run: killed while running (of which"
    echo "'done': its change was already committed); after: it had ended before its kill point"
    printf '%-18s %7s %7s %6s %8s %6s %6s %7s\n' command T0_ms T_ms kills mid-run done after failed
    for c in "${CMDS[@]}"; do
        printf '%-18s %7d %7d %6d %8d %6d %6d %7d\n' "${LABEL[$c]}" "${T0_MS[$c]}" "${T_MS[$c]}" "${N_RUNS[$c]}" "${MID[$c]}" "${MIDDONE[$c]}" "${AFTER[$c]}" "${FAIL[$c]}"
    done
    echo "notify: $notify_n people ($reachable reachable); duplicates received in all runs: ${DUPS[notify]:-0}, notices in flight at the kills: $INFLIGHT_SUM"
    echo "scan: $scan_n generated people in the log"
} >"$TRASH/summary"
sed 's/^/# /' "$TRASH/summary"
[ -n "${KLARTEXT_CRASH_REPORT:-}" ] && cp "$TRASH/summary" "$KLARTEXT_CRASH_REPORT"
for c in "${CMDS[@]}"; do
    say_result "${FAIL[$c]}" "${LABEL[$c]}: ${N_RUNS[$c]} kills, ${MID[$c]} mid-run (${MIDDONE[$c]} of them after its commit), ${AFTER[$c]} after it ended, ${FAIL[$c]} failed"
done
test_done
