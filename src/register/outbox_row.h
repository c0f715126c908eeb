/* outbox_row.h — the notice row that outbox.c's look-ups read, for a statement of the register
 * that reads more beside it in the same round trip (portal_codes.c: a right code's whole answer).
 * Register-internal. */
#ifndef KLARTEXT_REGISTER_OUTBOX_ROW_H
#define KLARTEXT_REGISTER_OUTBOX_ROW_H
#include "register/outbox.h"
#include "register/reg_int.h"

/* the row's columns (the first OUTBOX_ROW_NCOLS of a statement), from notice n, incident i and
   outbox o as OUTBOX_ROW_FROM joins them */
#define OUTBOX_ROW_COLS OUTBOX_ROW_COLS_WITH(OUTBOX_ROW_PURGED_AT)
/* the row's columns with column 20 (purged_at) given as PURGED, an SQL expression */
#define OUTBOX_ROW_COLS_WITH(purged) \
    "n.id, n.incident_id, n.seq, n.created_at, coalesce(o.updated_at, 0), coalesce(o.sent_at, 0), " \
    "coalesce(o.attempts, 0), coalesce(o.state, ''), i.ref, n.notice_id, n.subject, n.lang, n.rcpt_masked, " \
    "n.message_id, n.text_sha256, o.reply, n.code_hash, n.rcpt, n.scan_id, n.import_id, " purged ", n.kind "
/* when the notice was purged: the newest purge of its incident's notices (0: not purged) */
#define OUTBOX_ROW_PURGED_AT \
    "CASE WHEN n.message_codec = 'purged' THEN (SELECT coalesce(max(p.at), 1) FROM purge p " \
    "WHERE p.incident_id = n.incident_id AND p.kind = 'notices') ELSE 0 END"
#define OUTBOX_ROW_NCOLS 22
#define OUTBOX_ROW_FROM "FROM notice n JOIN incident i ON i.id = n.incident_id LEFT JOIN outbox o ON o.notice = n.id "

/* the row at S's current step into NI (release with notice_info_release) */
void outbox_row_fill(db_stmt *s, struct notice_info *ni);
#endif
