/* fuzz_tzif.c — libFuzzer target for the TZif reader in src/util/i18n.c (i18n_zone_parse:
 * version 1 32-bit data, version 2+ 64-bit data and the POSIX TZ footer), which reads the
 * zone files under /usr/share/zoneinfo.
 *
 * Input: the bytes of a zone file. Seeds: real zone files (tests/fuzz/corpus/tzif/).
 * Properties: no crash, leak or undefined behaviour; a refused file has a message; for a
 * parsed zone, local times at the zone's own transitions (±1 s) and at times taken from the
 * input (within ±2^40 s of the epoch, about ±34,800 years) are well formed (month, day,
 * hour, minute, second, weekday, day of year in range; offset within ±26 h), convert back
 * to the same UTC instant with the independent calendar code of src/util/ktime.c, and format
 * in both languages within I18N_TEXT_MAX bytes. */
#include "util/i18n.h"
#include "util/ktime.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIM ((int64_t)1 << 40)

static void check_at(const struct i18n_zone *z, int64_t utc)
{
    if (utc < -LIM || utc > LIM) return;
    struct i18n_time t;
    i18n_zone_local(z, utc, &t);
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > kt_days_in_month(t.year, (unsigned)t.month) || t.hour < 0 ||
        t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 59 || t.wday < 0 || t.wday > 6 ||
        t.yday < 0 || t.yday > 365 || t.utoff < -93600 || t.utoff > 93600 || (t.isdst != 0 && t.isdst != 1) ||
        !memchr(t.abbr, 0, sizeof t.abbr)) {
        fprintf(stderr, "bad local time at %lld: %lld-%d-%d %d:%d:%d off %d\n", (long long)utc, (long long)t.year,
                t.month, t.day, t.hour, t.minute, t.second, (int)t.utoff);
        abort();
    }
    int64_t back = kt_days_from_civil(t.year, (unsigned)t.month, (unsigned)t.day) * 86400 + t.hour * 3600 +
                   t.minute * 60 + t.second - t.utoff;
    if (back != utc) {
        fprintf(stderr, "local time of %lld converts back to %lld\n", (long long)utc, (long long)back);
        abort();
    }
    if (kt_days_from_civil(t.year, (unsigned)t.month, (unsigned)t.day) - kt_days_from_civil(t.year, 1, 1) != t.yday)
        abort();
    char out[I18N_TEXT_MAX];
    for (int lang = 0; lang < 2; lang++) {
        if (i18n_format_time((enum i18n_lang)lang, &t, I18N_FULL, out, sizeof out) != 0) abort();
        if (strlen(out) >= sizeof out) abort();
        if (i18n_format_zone((enum i18n_lang)lang, &t, out, sizeof out) != 0) abort();
    }
}

static int64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return (int64_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[300];
    err[0] = 0;
    struct i18n_zone *z = i18n_zone_parse("Fuzz/Zone", data, size, err, sizeof err);
    if (!z) {
        if (!err[0] || strncmp(err, "bad zone file 'Fuzz/Zone'", 25) != 0) abort();
        return 0;
    }
    static const int64_t fixed[] = {
        0,          -1,       1542035000, 2147483647, -2147483648LL, 4102444800LL, 253402300799LL, -62135596800LL,
        1700000000, 951782400};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) check_at(z, fixed[i]);
    /* the transition times of the file (at most 64 of them), and a second on either side:
     * the 64-bit ones are the last 8-byte big-endian numbers scattered in the input, so
     * simply try every aligned 8-byte word and 4-byte word of the input's tail */
    size_t from = size > 512 ? size - 512 : 0;
    for (size_t i = from; i + 8 <= size; i += 8) {
        int64_t t = rd64(data + i);
        if (t < -LIM || t > LIM) t = 0;
        check_at(z, t - 1);
        check_at(z, t);
        check_at(z, t + 1);
        int32_t t32 = (int32_t)((uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 | (uint32_t)data[i + 2] << 8 |
                                data[i + 3]);
        check_at(z, t32);
        check_at(z, (int64_t)t32 * 977);
    }
    i18n_zone_free(z);
    return 0;
}
