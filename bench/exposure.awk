# bench/exposure.awk — what bench/scan.awk and bench/formats.awk share: calendar arithmetic,
# counting one view (see(subject, time, user, address, target)) and printing the rows at the end.
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
# one view of subj at t by user (or "-") from address ip, on target tgt
function see(subj, t, user, ip, tgt,    v, pg, q) {
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
        # pages: sort the few of each person
        np = split(pages[s], pl, ";")
        for (i = 2; i <= np; i++) { x = pl[i]; for (j = i - 1; j >= 1 && pl[j] > x; j--) pl[j + 1] = pl[j]; pl[j + 1] = x }
        ps = pl[1]; for (i = 2; i <= np; i++) ps = ps ";" pl[i]
        printf "%s,%s,%s,%d,%d,%d,%d,%s,email;name\n", s, iso(first[s]), iso(last[s]), views[s], viewers[s], signed[s] + 0, anon[s] + 0, ps
    }
}
