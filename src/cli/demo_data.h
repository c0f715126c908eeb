/* demo_data.h — the demo's bundled sample data, generated deterministically: web-server
 * access logs of an online shop (one rotated .gz and the current plain file), the exposure
 * rule, and the customer directory (subjects.csv). */
#ifndef KT_DEMO_DATA_H
#define KT_DEMO_DATA_H
#include <stddef.h>
#include <stdint.h>

struct demo_times {
    int64_t logs_from; /* first log line */
    int64_t live; /* the faulty deployment */
    int64_t fixed; /* the fix */
    int64_t logs_until; /* last log line */
};
/* writes DIR/logs/access.log.1.gz, DIR/logs/access.log, DIR/rule.conf, DIR/subjects.csv.
 * Returns 0 or -1 with err. */
int demo_write_data(const char *dir, const struct demo_times *t, char *err, size_t errlen);
/* writes DIR/logs/web2-access.log: a log found late, with two more views of SUBJECT's profile
 * during the error (the demo's follow-up). Returns 0 or -1 with err. */
int demo_write_late(const char *dir, const char *subject, const struct demo_times *t, char *err, size_t errlen);
/* writes DIR/returned/1.eml: a mail server's RFC 3464 report that notice NOTICE_ID to RCPT
 * could not be delivered (5.1.1), sent to the notice's bounce address. 0 or -1 with err. */
int demo_write_bounce(const char *dir, const char *notice_id, const char *rcpt, char *err, size_t errlen);
#endif
