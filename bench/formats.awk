# bench/formats.awk — the exposure job of bench/rules/FORMAT.rule in awk (mawk), with an
# index() prefilter, for the formats awk can split: alb, elb, w3c, cloudfront (TABs), haproxy
# (local time in Europe/Berlin, UTC+1 in the generated November 2018). Prints unsorted rows
# without header; bench/formats.sh sorts them (LC_ALL=C sort) and adds the header.
#   mawk -v fmt=alb -f bench/exposure.awk -f bench/formats.awk access.log | LC_ALL=C sort
# (The JSON formats, caddy and traefik, need a JSON parser: not done in awk.)
BEGIN {
    if (fmt == "cloudfront") FS = "\t"
    o = fmt == "alb"                            # alb has the type field first
}
# seconds since 1970 of a valid date and time, else -1
function secs(y, mo, d, hh, mi, ss,    lim) {
    if (!mo || mo > 12 || d < 1 || hh > 23 || mi > 59 || ss > 59) return -1
    lim = dim[mo] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    if (d > lim) return -1
    return days(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss
}
# "2018-11-12" and "14:03:00"
function w3c_secs(date, time) {
    return secs(substr(date, 1, 4) + 0, substr(date, 6, 2) + 0, substr(date, 9, 2) + 0,
                substr(time, 1, 2) + 0, substr(time, 4, 2) + 0, substr(time, 7, 2) + 0)
}
index($0, "/gp/profile/") {
    user = "-"
    if (fmt == "alb" || fmt == "elb") {
        if ($(14 + o) !~ /^HTTP\/[0-9.]+"$/) next
        method = $(12 + o); status = $(8 + o); tgt = $(13 + o); ip = $(3 + o)
        if (method != "\"GET") next
        sub(/^[a-z]+:\/\/[^\/]*/, "", tgt)
        sub(/:[0-9]+$/, "", ip)
        t = w3c_secs(substr($(1 + o), 1, 10), substr($(1 + o), 12, 8))
    } else if (fmt == "w3c" || fmt == "cloudfront") {
        if (substr($0, 1, 1) == "#") next
        if (fmt == "w3c") { if (NF < 15) next; method = $4; tgt = $5; q = $6; user = $8; ip = $9; status = $12 }
        else { if (NF < 33) next; method = $6; tgt = $8; q = $12; ip = $5; status = $9 }
        if (method != "GET") next
        if (q != "-") tgt = tgt "?" q
        t = w3c_secs($1, $2)
    } else if (fmt == "haproxy") {
        if ($15 !~ /^HTTP\/[0-9.]+"$/ || $13 != "\"GET") next
        status = $6; tgt = $14; ip = $1
        sub(/:[0-9]+$/, "", ip)
        ts = $2     # [dd/Mon/yyyy:HH:MM:SS.mmm]
        t = secs(substr(ts, 9, 4) + 0, mon[substr(ts, 5, 3)], substr(ts, 2, 2) + 0,
                 substr(ts, 14, 2) + 0, substr(ts, 17, 2) + 0, substr(ts, 20, 2) + 0)
        if (t >= 0) t -= 3600
    } else next
    if (t < 0 || (status != "200" && status != "304")) next
    if (!match(tgt, /^\/gp\/profile\/[A-Z0-9]+/)) next
    n = RLENGTH - 12
    if (n < 10 || n > 14) next
    rest = substr(tgt, RLENGTH + 1)
    if (rest != "" && substr(rest, 1, 1) != "?") next
    subj = substr(tgt, 13, n)
    if (t < FROM || t >= UNTIL) next
    if (user == subj) next
    see(subj, t, user, ip, tgt)
}
