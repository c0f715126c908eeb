# tests/notify/lib.sh — helpers for the notify tests (t50xx). Source it after tests/cli/lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$SRC_DIR/tests/notify/lib.sh"
#   notify_setup [N]          a register with an incident, a scan, contact data and a decision
#                             (subjects=yes): the five people below, or N generated people
#   use_test_key              replace the register's key pair by the fixed test key
#   smtpd_start NAME ARGS...  tests/notify/smtpd.py on a free loopback port: $NAME_port, spool $TRASH/NAME
#   sink_start NAME ARGS...   postfix's smtp-sink on a free port, one file per message in $TRASH/NAME
#   sink_received NAME        the complete messages in that spool: "rcpt message-id" per line
# Every server started here is stopped when the script exits (trap), also one started inside a
# test's subshell (its pid goes to $SERVER_PID_FILE as well as SERVER_PIDS; the file is outside
# $TRASH, which test_done removes before the trap runs).
PY=/usr/bin/python3
NOTIFY_DIR="$SRC_DIR/tests/notify"
. "$SRC_DIR/tests/fixtures.sh"      # write_org, write_rule, write_people, gen_people, fixture_register
SERVER_PIDS=()
SERVER_PID_FILE="${TMPDIR:-/tmp}/klartext-servers.$$"   # $$: the script's pid, also in a subshell
server_started() {  # server_started PID: stopped at exit, even when started in a subshell
    SERVER_PIDS+=("$1")
    echo "$1" >>"$SERVER_PID_FILE"
}
stop_servers() {
    local p
    if [ -f "$SERVER_PID_FILE" ]; then
        while read -r p; do kill "$p" 2>/dev/null; done <"$SERVER_PID_FILE"
        rm -f "$SERVER_PID_FILE"
    fi
    for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    SERVER_PIDS=()
}
trap 'stop_servers; if declare -F pg_stop >/dev/null; then pg_stop; fi' EXIT   # and a cluster of tests/pg.sh

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

smtpd_start() {  # smtpd_start NAME ARGS...
    local name=$1; shift
    rm -f "$TRASH/$name.port"
    "$PY" "$NOTIFY_DIR/smtpd.py" --dir "$TRASH/$name" --port-file "$TRASH/$name.port" "$@" 2>"$TRASH/$name.err" &
    server_started $!
    local i
    for i in $(seq 100); do [ -s "$TRASH/$name.port" ] && break; sleep 0.1; done
    [ -s "$TRASH/$name.port" ] || { echo "smtpd $name did not start"; cat "$TRASH/$name.err"; return 1; }
    eval "${name}_port=$(cat "$TRASH/$name.port")"
}

sink_start() {  # sink_start NAME ARGS... (smtp-sink options before host:port)
    local name=$1; shift
    local port i
    mkdir -p "$TRASH/$name"
    for i in 1 2 3 4 5; do
        port=$(free_port)
        /usr/sbin/smtp-sink -u "$(id -un)" -d "$TRASH/$name/%M." "$@" "127.0.0.1:$port" 256 2>"$TRASH/$name.err" &
        server_started $!
        local j
        for j in $(seq 50); do
            "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break
            sleep 0.1
        done
        if kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null; then eval "${name}_port=$port"; return 0; fi
    done
    echo "smtp-sink $name did not start"; cat "$TRASH/$name.err"; return 1
}

# complete messages in the spool $TRASH/NAME: "rcpt message-id" per line (a transfer cut off by
# a kill, without its closing MIME boundary, is not a delivered message)
sink_received() {  # sink_received NAME
    "$PY" - "$TRASH/$1" <<'EOF'
import os, re, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    raw = open(os.path.join(d, f), 'rb').read()
    rcpt = re.search(rb'^X-Rcpt-Args: <([^>]*)>', raw, re.M)
    mid = re.search(rb'^Message-ID: (<[^>]*>)', raw, re.M)
    bnd = re.search(rb'boundary="(=_kt_m_[0-9a-f]+)"', raw)
    if not (rcpt and mid and bnd) or (b'--' + bnd.group(1) + b'--') not in raw:
        continue
    print(rcpt.group(1).decode(), mid.group(1).decode())
EOF
}






notify_setup() { fixture_register "$@"; }  # notify_setup [N]

use_test_key() {
    rm -f klartext.key klartext.pub
    cp "$SRC_DIR/tests/data/sign/test.key" klartext.key && cp "$SRC_DIR/tests/data/sign/test.pub" klartext.pub &&
        chmod 600 klartext.key
}

# the notice code printed in an .eml (quoted-printable text part)
eml_code() {  # eml_code FILE
    "$PY" - "$1" <<'EOF'
import email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
t = m.get_body(preferencelist=('plain',)).get_content()
print(re.search(r'(?:code|Prüfcode): ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})', t).group(1))
EOF
}
