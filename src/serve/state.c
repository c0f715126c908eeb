/* state.c — the portal's process-wide state (serve_int.h): set up by serve_run (server.c),
 * read by the request handlers (lookup.c uses the keys). In a file of its own so that the
 * handlers need not depend on the server that calls them. */
#include "serve/serve_int.h"

struct srv srv_g;

/* the data_version of the thread's read connection read at the start of its latest request
   (srv_data_version); dv_reg NULL: none */
static __thread reg *dv_reg;
static __thread int64_t dv_val;

void srv_request_version(reg *r, int64_t v)
{
    dv_reg = r;
    dv_val = v;
}

int srv_data_version(reg *r, int64_t *v)
{
    if (r && r == dv_reg) {
        *v = dv_val;
        return 0;
    }
    return reg_data_version(r, v);
}
