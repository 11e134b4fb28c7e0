/*
 * A small HTTP server for the services' /metrics and /healthz, over libmicrohttpd. The
 * handler is called on the server's own thread for every GET and fills a response; the
 * caller makes what it reads thread-safe.
 */
#ifndef YB_IO_HTTP_H
#define YB_IO_HTTP_H

#include <stddef.h>

#include "codec/record.h"

typedef struct yb_http yb_http;

/* Fill body (cleared before the call) and set *status and *content_type for path. */
typedef void (*yb_http_handler)(const char *path, yb_buf *body, int *status,
				const char **content_type, void *opaque);

/*
 * *out = a server listening on "HOST:PORT" (port 0: any free one), calling handler.
 * Returns YB_OK, or YB_EINVAL (the address) / YB_EIO (cannot listen) with errstr.
 */
int yb_http_start(yb_http **out, const char *listen, yb_http_handler handler, void *opaque,
		  char *errstr, size_t errlen);

/* The port actually listened on. */
int yb_http_port(const yb_http *http);

/* Stop serving and free; NULL is allowed. */
void yb_http_stop(yb_http *http);

#endif
