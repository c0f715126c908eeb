/* smtp.c — SMTP through libcurl (see smtp.h). */
#include "notify/smtp.h"
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct smtp {
    CURL *h;
    int global; /* curl_global_init succeeded */
    /* per message */
    const char *msg;
    size_t len, pos;
    int data_cmd; /* "DATA" was sent */
    int data_started; /* "354" came back: the message is being handed over */
    int final_reply; /* a reply after the message body */
    int code;
    char last[SMTP_REPLY_MAX];
    int err_code; /* the first 4xx/5xx reply of this message, and its text */
    char err_text[SMTP_REPLY_MAX];
};

const char *smtp_result_str(int r)
{
    switch (r) {
    case SMTP_OK: return "sent";
    case SMTP_TRANSIENT: return "temporary failure";
    case SMTP_PERMANENT: return "refused";
    default: return "unknown";
    }
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct smtp *s = ud;
    size_t n = size * nitems, left = s->len - s->pos;
    if (n > left) n = left;
    memcpy(buf, s->msg + s->pos, n);
    s->pos += n;
    return n;
}

/* keep one reply line: printable ASCII only, at most SMTP_REPLY_MAX - 1 bytes */
static void keep_line(struct smtp *s, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < sizeof s->last; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r' || c == '\n') break;
        s->last[o++] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    s->last[o] = 0;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    (void)h;
    struct smtp *s = ud;
    if (type == CURLINFO_HEADER_OUT) {
        if (size >= 4 && !strncasecmp(data, "DATA", 4) && (size == 4 || data[4] == '\r' || data[4] == '\n'))
            s->data_cmd = 1;
        return 0;
    }
    if (type != CURLINFO_HEADER_IN) return 0;
    /* one or more reply lines; the last complete one counts */
    size_t i = 0;
    while (i < size) {
        size_t e = i;
        while (e < size && data[e] != '\n') e++;
        if (e - i >= 3 && isdigit((unsigned char)data[i]) && isdigit((unsigned char)data[i + 1]) &&
            isdigit((unsigned char)data[i + 2])) {
            int code = (data[i] - '0') * 100 + (data[i + 1] - '0') * 10 + (data[i + 2] - '0');
            int last_of_reply = e - i == 3 || data[i + 3] != '-';
            if (last_of_reply) {
                keep_line(s, data + i, e - i);
                s->code = code;
                if (code >= 400 && !s->err_code) {
                    s->err_code = code;
                    memcpy(s->err_text, s->last, sizeof s->err_text);
                }
                if (s->data_cmd && code == 354) s->data_started = 1;
                else if (s->data_started) s->final_reply = 1;
            }
        }
        i = e + 1;
    }
    return 0;
}

struct smtp *smtp_open(const struct smtp_conf *c, char *err, size_t errlen)
{
    const char *u = c->url ? c->url : "";
    int tls = 0;
    if (!strncasecmp(u, "smtps://", 8)) tls = 1;
    else if (strncasecmp(u, "smtp://", 7)) {
        snprintf(err, errlen, "--smtp '%.200s': use smtp://HOST[:PORT] or smtps://HOST[:PORT]", u);
        return NULL;
    }
    const char *host = u + (tls ? 8 : 7);
    if (!*host || *host == '/' || *host == ':') {
        snprintf(err, errlen, "--smtp '%.200s': no host", u);
        return NULL;
    }
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127) {
            snprintf(err, errlen, "--smtp: the address contains spaces or control characters");
            return NULL;
        }
    struct smtp *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot initialise libcurl");
        free(s);
        return NULL;
    }
    s->global = 1;
    s->h = curl_easy_init();
    if (!s->h) {
        snprintf(err, errlen, "cannot initialise libcurl");
        smtp_close(s);
        return NULL;
    }
    CURL *h = s->h;
    long timeout = c->timeout > 0 ? c->timeout : 120;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_URL, u) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READDATA, s) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, s) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) != CURLE_OK; /* feeds debug_cb; nothing is printed */
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USE_SSL, tls || c->require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY) !=
           CURLE_OK;
    if (c->ca_file) bad |= curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file) != CURLE_OK;
    if (c->user) {
        bad |= curl_easy_setopt(h, CURLOPT_USERNAME, c->user) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "") != CURLE_OK;
    }
    if (bad) {
        snprintf(err, errlen, "libcurl lacks SMTP support");
        smtp_close(s);
        return NULL;
    }
    return s;
}

int smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg, size_t len, struct smtp_reply *rep)
{
    char f[512], t[512];
    rep->code = 0;
    rep->text[0] = 0;
    snprintf(f, sizeof f, "<%s>", from);
    snprintf(t, sizeof t, "<%s>", rcpt);
    struct curl_slist *to = curl_slist_append(NULL, t);
    if (!to) {
        snprintf(rep->text, sizeof rep->text, "out of memory");
        return SMTP_TRANSIENT;
    }
    s->msg = msg;
    s->len = len;
    s->pos = 0;
    s->data_cmd = s->data_started = s->final_reply = 0;
    s->code = s->err_code = 0;
    s->last[0] = s->err_text[0] = 0;
    curl_easy_setopt(s->h, CURLOPT_MAIL_FROM, f);
    curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(s->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    CURLcode rc = curl_easy_perform(s->h);
    curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(to);
    rep->code = s->code;
    int res;
    if (rc == CURLE_OK && s->final_reply && s->code >= 200 && s->code < 300) {
        snprintf(rep->text, sizeof rep->text, "%s", s->last);
        return SMTP_OK;
    }
    if (rc == CURLE_OK) {
        /* curl says done, but we did not see the final reply: treat as unknown */
        snprintf(rep->text, sizeof rep->text, "no reply after the message%s%.200s", s->last[0] ? "; last: " : "",
                 s->last);
        return SMTP_UNKNOWN;
    }
    if (s->data_started && !s->final_reply) {
        snprintf(rep->text, sizeof rep->text, "connection lost after the message was handed over (%s)",
                 curl_easy_strerror(rc));
        res = SMTP_UNKNOWN;
    } else if (s->err_code >= 500) {
        snprintf(rep->text, sizeof rep->text, "%s", s->err_text);
        rep->code = s->err_code;
        res = SMTP_PERMANENT;
    } else if (s->err_code >= 400) {
        snprintf(rep->text, sizeof rep->text, "%s", s->err_text);
        rep->code = s->err_code;
        res = SMTP_TRANSIENT;
    } else {
        snprintf(rep->text, sizeof rep->text, "%s%s%.200s", curl_easy_strerror(rc), s->last[0] ? "; last reply: " : "",
                 s->last);
        rep->code = 0;
        res = SMTP_TRANSIENT;
    }
    return res;
}

void smtp_close(struct smtp *s)
{
    if (!s) return;
    if (s->h) {
        curl_easy_setopt(s->h, CURLOPT_PASSWORD, "");
        curl_easy_cleanup(s->h);
    }
    if (s->global) curl_global_cleanup();
    free(s);
}
