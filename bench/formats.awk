# bench/formats.awk — the exposure job of bench/rules/FORMAT.rule in awk (mawk), with an
# index() prefilter, for the formats awk can split: alb, elb, w3c, cloudfront (TABs), haproxy
# (local time in Europe/Berlin, UTC+1 in the generated November 2018). Prints unsorted rows
# without header; bench/formats.sh sorts them (LC_ALL=C sort) and adds the header.
#   mawk -v fmt=alb -f bench/formats.awk access.log | LC_ALL=C sort
# (The JSON formats, caddy and traefik, need a JSON parser: not done in awk.)
BEGIN {
    split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
    for (i = 1; i <= 12; i++) mon[m[i]] = i
    split("31 28 31 30 31 30 31 31 30 31 30 31", dim, " ")
    FROM = 1542031200; UNTIL = 1542791520     # 2018-11-12T14:00:00Z, 2018-11-21T09:12:00Z
    if (fmt == "cloudfront") FS = "\t"
    o = fmt == "alb"                            # alb has the type field first
}
function days(y, mo, d) {                       # days since 1970-01-01 (proleptic Gregorian)
    y -= (mo <= 2)
    era = int((y >= 0 ? y : y - 399) / 400)
    yoe = y - era * 400
    doy = int((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}
function iso(t,    z, era, doe, yoe, doy, mp, d, mo, y, s) {
    z = int(t / 86400); s = t - z * 86400; z += 719468
    era = int(z / 146097); doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
    mo = mp < 10 ? mp + 3 : mp - 9; y = yoe + era * 400 + (mo <= 2)
    return sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, int(s / 3600), int(s / 60) % 60, s % 60)
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
    v = user != "-" ? "u" user : "a" ip
    views[subj]++
    if (!(subj in first) || t < first[subj]) first[subj] = t
    if (!(subj in last) || t > last[subj]) last[subj] = t
    if (!((subj, v) in seen)) {
        seen[subj, v] = 1
        viewers[subj]++
        if (user != "-") signed[subj]++; else anon[subj]++
    }
    pg = tgt; q = index(pg, "?"); if (q) pg = substr(pg, 1, q - 1)
    if (!((subj, pg) in pseen)) { pseen[subj, pg] = 1; pages[subj] = pages[subj] == "" ? pg : pages[subj] ";" pg }
}
END {
    for (s in views) {
        np = split(pages[s], pl, ";")
        for (i = 2; i <= np; i++) { x = pl[i]; for (j = i - 1; j >= 1 && pl[j] > x; j--) pl[j + 1] = pl[j]; pl[j + 1] = x }
        ps = pl[1]; for (i = 2; i <= np; i++) ps = ps ";" pl[i]
        printf "%s,%s,%s,%d,%d,%d,%d,%s,email;name\n", s, iso(first[s]), iso(last[s]), views[s], viewers[s], signed[s] + 0, anon[s] + 0, ps
    }
}
