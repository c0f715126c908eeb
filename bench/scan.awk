# bench/scan.awk — the exposure job of bench/profile.rule in awk (mawk), with an index()
# prefilter, for comparison with klartext's scanner. Prints unsorted rows without header;
# bench/run.sh sorts them (LC_ALL=C sort) and adds the header.
#   mawk -f bench/scan.awk access.log | LC_ALL=C sort
BEGIN {
    split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
    for (i = 1; i <= 12; i++) mon[m[i]] = i
    split("31 28 31 30 31 30 31 31 30 31 30 31", dim, " ")
    FROM = 1542031200; UNTIL = 1542791520     # 2018-11-12T14:00:00Z, 2018-11-21T09:12:00Z
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
index($0, "\"GET /gp/profile/") {
    if ($6 != "\"GET" || NF < 9) next
    if ($9 != "200" && $9 != "304") next
    tgt = $7
    if (!match(tgt, /^\/gp\/profile\/[A-Z0-9]+/)) next
    n = RLENGTH - 12
    if (n < 10 || n > 14) next
    rest = substr(tgt, RLENGTH + 1)
    if (rest != "" && substr(rest, 1, 1) != "?") next
    subj = substr(tgt, 13, n)
    # [dd/Mon/yyyy:HH:MM:SS +hhmm]
    ts = $4; off = $5
    d = substr(ts, 2, 2) + 0; mo = mon[substr(ts, 5, 3)]; y = substr(ts, 9, 4) + 0
    hh = substr(ts, 14, 2) + 0; mi = substr(ts, 17, 2) + 0; ss = substr(ts, 20, 2) + 0
    if (!mo || d < 1 || hh > 23 || mi > 59 || ss > 59) next
    lim = dim[mo] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    if (d > lim) next
    o = (substr(off, 2, 2) * 3600 + substr(off, 4, 2) * 60) * (substr(off, 1, 1) == "-" ? -1 : 1)
    t = days(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - o
    if (t < FROM || t >= UNTIL) next
    user = $3
    if (user == subj) next
    v = user != "-" ? "u" user : "a" $1
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
        # pages: sort the few of each person
        np = split(pages[s], pl, ";")
        for (i = 2; i <= np; i++) { x = pl[i]; for (j = i - 1; j >= 1 && pl[j] > x; j--) pl[j + 1] = pl[j]; pl[j + 1] = x }
        ps = pl[1]; for (i = 2; i <= np; i++) ps = ps ";" pl[i]
        printf "%s,%s,%s,%d,%d,%d,%d,%s,email;name\n", s, iso(first[s]), iso(last[s]), views[s], viewers[s], signed[s] + 0, anon[s] + 0, ps
    }
}
