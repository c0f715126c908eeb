/* fuzz_org.c — libFuzzer target for the organisation file reader (`klartext init --org FILE`:
 * org_file_read in src/cli/cmd_org.c = the INI reader + the checks of org_validate in
 * src/register/register.c).
 *
 * The input is the file's bytes; the target writes them to a memfd once per run and reads
 * them through /proc/self/fd/N, so the whole path-based reader runs without a process or a
 * temp file per input. Properties: no crash, leak or undefined behaviour; a refused file
 * gives exit code 2 and a message that starts with the file name and names a line (or says
 * it is too large); an accepted file gives, for every key it sets, a value that org_validate
 * accepts again unchanged (the canonical form is a fixed point), and leaves the other keys
 * NULL. */
#include "cli/org_file.h"
#include "register/register.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("org.ini", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
    char *vals[64];
    char err[1200];
    for (size_t i = 0; i < 64; i++) vals[i] = NULL;
    err[0] = 0;
    int rc = org_file_read(path, vals, err, sizeof err);
    if (org_nkeys > 64) abort();
    if (rc == 0) {
        for (size_t i = 0; i < org_nkeys; i++) {
            if (!vals[i]) continue;
            char canon[2048], e[512];
            if (org_validate(org_keys[i].key, vals[i], canon, sizeof canon, e, sizeof e)) {
                fprintf(stderr, "%s = '%s' accepted from the file, refused again: %s\n", org_keys[i].key, vals[i], e);
                abort();
            }
            if (strcmp(canon, vals[i])) {
                fprintf(stderr, "%s: canonical '%s' is not a fixed point ('%s')\n", org_keys[i].key, vals[i], canon);
                abort();
            }
            free(vals[i]);
        }
        for (size_t i = org_nkeys; i < 64; i++)
            if (vals[i]) abort();
    } else {
        if (rc != 2 || strncmp(err, path, strlen(path)) != 0) abort();
        const char *rest = err + strlen(path);
        if (strncmp(rest, " line ", 6) != 0 && !strstr(rest, "too large")) abort();
        for (size_t i = 0; i < 64; i++)
            if (vals[i]) abort();
    }
    return 0;
}
