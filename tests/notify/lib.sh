# tests/notify/lib.sh — helpers for the notify tests (t50xx). Source it after tests/cli/lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$SRC_DIR/tests/notify/lib.sh"
#   notify_setup [N]          a register with an incident, a scan, contact data and a decision
#                             (subjects=yes): the five people below, or N generated people
#   use_test_key              replace the register's key pair by the fixed test key
#   smtpd_start NAME ARGS...  tests/notify/smtpd.py on a free loopback port: $NAME_port, spool $TRASH/NAME
#   sink_start NAME ARGS...   postfix's smtp-sink on a free port, one file per message in $TRASH/NAME
#   sink_received NAME        the complete messages in that spool: "rcpt message-id" per line
# Every server started here is stopped when the script exits (trap).
PY=/usr/bin/python3
NOTIFY_DIR="$SRC_DIR/tests/notify"
SERVER_PIDS=()
stop_servers() {
    local p
    for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    SERVER_PIDS=()
}
trap stop_servers EXIT

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

smtpd_start() {  # smtpd_start NAME ARGS...
    local name=$1; shift
    rm -f "$TRASH/$name.port"
    "$PY" "$NOTIFY_DIR/smtpd.py" --dir "$TRASH/$name" --port-file "$TRASH/$name.port" "$@" 2>"$TRASH/$name.err" &
    SERVER_PIDS+=($!)
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
        SERVER_PIDS+=($!)
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

write_org() {
    cat >org.ini <<'EOF'
[organisation]
name      = Beispiel Versand GmbH
address   = Musterstraße 12, 10115 Berlin, Germany
timezone  = Europe/Berlin
languages = de,en
nis2      = no
[dpo]
name  = Dr. Jana Schreiber
email = datenschutz@beispiel-versand.example
phone = +49 30 1234567-0
[service]
phone = +49 30 1234567-100
hours = Mon–Sat 8:00–20:00
[notices]
from     = datenschutz@beispiel-versand.example
reply_to = datenschutz@beispiel-versand.example
[authority]
lead = Berliner Beauftragte für Datenschutz und Informationsfreiheit
[portal]
url = https://verify.beispiel-versand.example
EOF
}

write_rule() {
    cat >rule.conf <<'R'
format = combined
from   = 2018-11-12T14:00:00Z
until  = 2018-11-21T09:12:00Z
[exposure "profile-page"]
method  = GET
request = ^/gp/profile/([A-Z0-9]{10,14})(\?|$)
status  = 200,304
viewer  = user|ip
self    = user
fields  = name,email
R
}

# the five people of the small scenario
write_people() {
    cat >access.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [12/Nov/2018:15:03:00 +0100] "GET /gp/profile/C0012345678?ref=x HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [20/Nov/2018:22:41:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 304 0 "-" "M"
10.0.0.3 - C0000000009 [14/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0099999999 HTTP/1.1" 200 512 "-" "M"
10.0.0.5 - - [15/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0055555555 HTTP/1.1" 200 512 "-" "M"
10.0.0.6 - - [16/Nov/2018:08:00:00 +0000] "GET /gp/profile/C0066666666 HTTP/1.1" 200 512 "-" "M"
10.0.0.7 - C0000000007 [16/Nov/2018:09:30:00 +0000] "GET /gp/profile/C0066666666 HTTP/1.1" 200 512 "-" "M"
10.0.0.8 - - [17/Nov/2018:23:59:00 +0000] "GET /gp/profile/C0077777777 HTTP/1.1" 200 512 "-" "M"
L
    cat >subjects.csv <<'C'
subject,name,email,language,timezone,salutation
C0012345678,Erika Mustermann,erika@example.org,de,Europe/Berlin,Sehr geehrte Frau
C0099999999,John Doe,john@example.com,en,America/New_York,
C0055555555,Max Muster,,de,Europe/Vienna,
C0066666666,Kim O'Neil,kim@example.net,en,Europe/London,Dear Ms
C0077777777,Lea Öztürk,lea@example.de,de,Europe/Vienna,
C
}

# N generated people: C + 10 digits, e-mail pN@mail.example, every 50th without an address
gen_people() {  # gen_people N
    "$PY" - "$1" <<'EOF'
import sys
n = int(sys.argv[1])
with open('access.log', 'w') as log, open('subjects.csv', 'w') as sub:
    sub.write('subject,name,email,language,timezone,salutation\n')
    for i in range(n):
        s = 'C%010d' % (i + 1)
        d, h, m = 13 + i % 8, i % 24, i % 60
        log.write('10.1.%d.%d - - [%02d/Nov/2018:%02d:%02d:00 +0000] "GET /gp/profile/%s HTTP/1.1" 200 512 "-" "M"\n'
                  % (i // 250 % 250, i % 250, d, h, m, s))
        if i % 3 == 0:
            log.write('10.2.0.1 - C9%09d [%02d/Nov/2018:%02d:%02d:30 +0000] "GET /gp/profile/%s HTTP/1.1" 200 512 "-" "M"\n'
                      % (i, d, h, m, s))
        email = '' if i % 50 == 49 else 'p%d@mail.example' % (i + 1)
        lang, tz = ('de', 'Europe/Berlin') if i % 2 else ('en', 'Europe/London')
        sub.write('%s,Person %d,%s,%s,%s,\n' % (s, i + 1, email, lang, tz))
EOF
}

notify_setup() {  # notify_setup [N]
    write_org
    klartext init --org org.ini >/dev/null 2>&1 || return 1
    klartext incident new --title "Namen auf Profilseiten sichtbar" --aware-at 2018-11-21T09:12:00Z \
        --aware-how "Hinweis einer Kundin" --breach-types confidentiality --cause programming-error \
        --occurred-from 2018-11-12T14:00:00Z --occurred-until 2018-11-21T09:12:00Z \
        --contained-at 2018-11-21T09:12:00Z --data-not-affected password,payment-card \
        --measures-taken "Wir haben den Fehler behoben und den Zwischenspeicher geleert." >/dev/null || return 1
    write_rule
    if [ -n "${1:-}" ]; then gen_people "$1"; else write_people; fi
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 || return 1
    klartext subjects import 2018-0001 subjects.csv >/dev/null || return 1
    klartext assess 2018-0001 >/dev/null || return 1
    klartext assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana DPO" \
        --reason "names and addresses of customers; we tell everyone" >/dev/null || return 1
}

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
