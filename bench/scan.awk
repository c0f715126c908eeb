# bench/scan.awk — the exposure job of bench/profile.rule in awk (mawk), with an index()
# prefilter, for comparison with klartext's scanner. Prints unsorted rows without header;
# bench/run.sh sorts them (LC_ALL=C sort) and adds the header.
#   mawk -f bench/exposure.awk -f bench/scan.awk access.log | LC_ALL=C sort
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
    see(subj, t, user, $1, tgt)
}
