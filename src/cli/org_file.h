/* org_file.h — read an organisation file (INI, see docs/init.md) into values indexed like
 * org_keys[]; missing keys stay NULL. Returns 0, or an exit code with err
 * ("org.ini line 5: unknown key 'mail' in [dpo]"). The caller frees the values. */
#ifndef KT_ORG_FILE_H
#define KT_ORG_FILE_H
#include <stddef.h>
int org_file_read(const char *path, char *vals[], char *err, size_t errlen);
#endif
