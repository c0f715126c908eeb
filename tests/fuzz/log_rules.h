/* log_rules.h — the rules fuzz_logline and fuzz_logfmt parse lines with: one per log format
 * (combined, common, two nginx log_formats, jsonl). Included by both targets. */
#ifndef KT_FUZZ_LOG_RULES_H
#define KT_FUZZ_LOG_RULES_H
static const char *const rules[] = {
    "format = combined\n[exposure \"p\"]\nrequest = ^/gp/profile/(\\w+)\nstatus = 200\nfields = name\n",
    "format = common\n[exposure \"p\"]\nrequest = ^/gp/profile/(\\w+)\nstatus = 200\nfields = name\n",
    "format = nginx:'$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\" $host'\n"
    "[exposure \"p\"]\nrequest = ^/u/(\\d+)\nstatus = 200\nfields = n\n",
    "format = nginx:'$time_iso8601|$msec|$remote_addr|$remote_user|$request_method|$request_uri|$status|$anything'\n"
    "[exposure \"p\"]\nrequest = ^/u/(\\d+)\nstatus = 200\nfields = n\n",
    "format = jsonl\n[exposure \"p\"]\nwhere = ^/account/\n",
};
#define NR (sizeof rules / sizeof rules[0])
#endif
