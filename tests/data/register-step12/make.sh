#!/usr/bin/env bash
# tests/data/register-step12: how it was made. In an empty directory, with the klartext of main
# at 59c7195 (schema step 12):
#   tests/data/register-step12/make.sh /path/to/klartext && sqlite3 klartext.db .dump >register.sql
# and the expected answers with the commands of t0100 ("a register of schema step 12 …")
set -eu
K=$1
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
klartext() { "$K" "$@"; }
. $SRC/tests/fixtures.sh
export KLARTEXT_NOW=2018-11-22T10:00:00Z
write_org
klartext init --org org.ini >/dev/null 2>&1
klartext incident new --title "Profile pages" --aware-at 2018-11-21T09:12:00Z --aware-how customer >/dev/null
write_rule
gen_people 20
klartext scan --rule rule.conf --incident 2018-0001 access.log >/dev/null 2>&1
cat >>access.log <<'L'
10.0.0.1 - C0000000001 [12/Nov/2018:14:03:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [12/Nov/2018:15:03:00 +0100] "GET /gp/profile/C0012345678?ref=x HTTP/1.1" 200 512 "-" "M"
10.0.0.2 - - [20/Nov/2018:22:41:00 +0000] "GET /gp/profile/C0012345678 HTTP/1.1" 304 0 "-" "M"
2001:db8::7 - C0000000009 [14/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0000000003 HTTP/1.1" 200 512 "-" "M"
10.2.0.1 - C9000000000 [15/Nov/2018:10:00:00 +0000] "GET /gp/profile/C0000000002 HTTP/1.1" 200 512 "-" "M"
L
klartext scan --rule rule.conf --incident 2018-0001 --keep-viewers access.log >/dev/null 2>&1
klartext incident new --title "Closed" --aware-at 2018-11-21T09:12:00Z --aware-how x >/dev/null
write_people
klartext scan --rule rule.conf --incident 2018-0002 --keep-viewers access.log >/dev/null 2>&1
klartext incident update 2018-0002 --status not-a-breach >/dev/null
klartext incident update 2018-0002 --status closed >/dev/null
rm -f access.log subjects.csv rule.conf
