# tests/fixtures.sh — the register the notify tests, the crash and limit tests and
# bench/notify.sh start from: the organisation, the exposure rule of the 2018 case (profile
# pages showing names and addresses), a small scenario of five people or N generated ones.
# Source it; it needs only a `klartext` command (a function or the binary on PATH) and python3:
#   write_org, write_rule       org.ini / rule.conf in the current directory
#   write_people                access.log + subjects.csv: the five people of the small scenario
#   gen_people N [salutations]  access.log + subjects.csv: N generated people
#   fixture_register [N [salutations]]
#                               a register here with incident 2018-0001 scanned, contact data
#                               imported and the decision subjects=yes (the five people, or N)
PY=${PY:-/usr/bin/python3}

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

# N generated people: C + 10 digits, e-mail pN@mail.example, every 50th without an address;
# with "salutations" every fourth (from the second) is greeted "Sehr geehrte Frau"
gen_people() {  # gen_people N [salutations]
    "$PY" - "$1" "${2:-}" <<'EOF'
import sys
n, sal = int(sys.argv[1]), sys.argv[2] == 'salutations'
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
        salutation = 'Sehr geehrte Frau' if sal and i % 4 == 1 else ''
        sub.write('%s,Person %d,%s,%s,%s,%s\n' % (s, i + 1, email, lang, tz, salutation))
EOF
}

fixture_register() {  # fixture_register [N [salutations]]
    # on PostgreSQL (KLARTEXT_TEST_DB=pg) every fixture register is a database of its own
    if declare -F test_on_pg >/dev/null && test_on_pg; then KLARTEXT_DB=$(pg_newdb) || return 1; export KLARTEXT_DB; fi
    write_org
    klartext init --org org.ini >/dev/null 2>&1 || return 1
    klartext incident new --title "Namen auf Profilseiten sichtbar" --aware-at 2018-11-21T09:12:00Z \
        --aware-how "Hinweis einer Kundin" --breach-types confidentiality --cause programming-error \
        --occurred-from 2018-11-12T14:00:00Z --occurred-until 2018-11-21T09:12:00Z \
        --contained-at 2018-11-21T09:12:00Z --data-not-affected password,payment-card \
        --measures-taken "Wir haben den Fehler behoben und den Zwischenspeicher geleert." >/dev/null || return 1
    write_rule
    if [ -n "${1:-}" ]; then gen_people "$1" "${2:-}"; else write_people; fi
    klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1 || return 1
    klartext subjects import 2018-0001 subjects.csv >/dev/null || return 1
    klartext assess 2018-0001 >/dev/null || return 1
    klartext assess 2018-0001 --decide authority=yes,subjects=yes --by "Dana DPO" \
        --reason "names and addresses of customers; we tell everyone" >/dev/null || return 1
}
