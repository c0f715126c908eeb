/* libFuzzer target: the INI reader (organisation and assessment files) and the ISO time parser. */
#include "util/ini.h"
#include "util/ktime.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int cb(void *ctx, const char *sec, const char *sub, const char *key, const char *val, int line, char *err,
              size_t errlen)
{
    (void)ctx;
    (void)sub;
    (void)line;
    if (key && strlen(key) + strlen(val) + strlen(sec) > 100000) {
        snprintf(err, errlen, "too long");
        return -1;
    }
    if (val) { /* every value also goes through the time parser, as incident fields do */
        int64_t t;
        char e[256];
        if (kt_time_parse(val, &t, e, sizeof e) == 0) {
            char iso[KT_ISO_LEN];
            kt_time_iso(t, iso);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    ini_parse((const char *)data, size, cb, NULL, err, sizeof err);
    return 0;
}
