/* wire.h — the raw bytes of plain-HTTP requests, checked as libmicrohttpd receives them
 * (struct http_wire in http_parse.h; docs/serve.md "HTTP/1.1 framing"). Internal to src/serve/. */
#ifndef KT_SERVE_WIRE_H
#define KT_SERVE_WIRE_H
#include "serve/http_parse.h"

/* A table for descriptors below MAXFD. 0, or -1 (out of memory). */
int wire_init(int maxfd);
/* Forget the table (after the daemon stopped). */
void wire_free(void);
/* From now on the bytes recv(2) reads from FD go through W (until wire_detach). Only for
   connections without TLS: with TLS the bytes are ciphertext. */
void wire_attach(int fd, struct http_wire *w);
void wire_detach(int fd);
#endif
