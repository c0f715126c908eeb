/* state.c — the portal's process-wide state (serve_int.h): set up by serve_run (server.c),
 * read by the request handlers (lookup.c uses the keys). In a file of its own so that the
 * handlers need not depend on the server that calls them. */
#include "serve/serve_int.h"

struct srv srv_g;
