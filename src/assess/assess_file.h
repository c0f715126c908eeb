/* assess_file.h — the assessment file of `klartext assess --input FILE` (the ENISA sections of
 * docs/assessment.md and an optional [thresholds] section) and the `--config FILE` of
 * thresholds only. One parser for the command and its fuzz target (tests/fuzz/fuzz_assess.c).
 * Depends on src/util/ini.h (the INI reader) and the two leaf modules of src/assess. */
#ifndef KT_ASSESS_FILE_H
#define KT_ASSESS_FILE_H
#include <stddef.h>
#include "assess/enisa.h"
#include "assess/proposal.h"

/* Parse TEXT (LEN bytes) into IN (NULL: the ENISA sections are checked but not kept) and CFG
 * (the [thresholds] keys; each at most once). ONLY_THRESHOLDS: the --config form, where any
 * other section or key outside a section is an error. Returns 0, or -1 with err
 * ("line 3: unknown key 'foo' in [data]"); the caller adds the file name. */
int assess_file_parse(const char *text, size_t len, struct enisa_input *in, struct proposal_config *cfg,
                      int only_thresholds, char *err, size_t errlen);
#endif
