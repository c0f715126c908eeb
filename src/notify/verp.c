/* verp.c — each notice's own envelope sender, from the organisation's bounce address (notify.h). */
#include "notify/notify.h"
#include <stdio.h>
#include <string.h>

int notify_verp(const char *bounce, const char *notice_id, char *out, size_t len)
{
    const char *at = strrchr(bounce, '@');
    if (!at || at == bounce) return -1;
    int n = snprintf(out, len, "%.*s+%s%s", (int)(at - bounce), bounce, notice_id, at);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}
