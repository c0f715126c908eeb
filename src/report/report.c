/* report.c — the report's front door: format names and the rendering dispatch to the writers
 * (report_doc.c with report_text.c / report_html.c, report_json.c). The model (report_model.c)
 * knows nothing of the writers, so the files of src/report/ call each other in one direction. */
#include "report/report_int.h"
#include "util/err.h"
#include <string.h>

static const char *const format_names[] = {"text", "html", "json", "veris"};

int report_format_parse(const char *s, enum report_format *out)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, format_names[i])) {
            *out = (enum report_format)i;
            return 0;
        }
    return -1;
}

const char *report_format_name(enum report_format f)
{
    return (int)f >= 0 && f <= REPORT_VERIS ? format_names[f] : "?";
}

int report_render(const struct report *m, enum report_format fmt, enum report_lang lang, const char *zone,
                  struct buf *out, char *err, size_t errlen)
{
    if (fmt == REPORT_JSON) return report_write_json(m, out) ? err_set(err, errlen, "cannot write the JSON report") : 0;
    if (fmt == REPORT_VERIS)
        return report_write_veris(m, out) ? err_set(err, errlen, "cannot write the VERIS report") : 0;
    struct doc d;
    if (report_doc_build(m, lang, zone, &d, err, errlen)) return -1;
    if (fmt == REPORT_TEXT) report_write_text(m, &d, lang, zone, out);
    else report_write_html(m, &d, lang, zone, out);
    report_doc_release(&d);
    return 0;
}
