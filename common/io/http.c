/* HTTP over libmicrohttpd; see http.h. */
#include "io/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

struct yb_http {
	struct MHD_Daemon *daemon;
	yb_http_handler handler;
	void *opaque;
	int port;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	yb_http *http = cls;
	yb_buf body = {0};
	int status = 200;
	const char *content_type = "text/plain; charset=utf-8";
	struct MHD_Response *response;
	enum MHD_Result queued;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	*upload_data_size = 0; /* nothing of a body is read: GET and HEAD only */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char refused[] = "only GET\n";

		response = MHD_create_response_from_buffer(sizeof(refused) - 1, (void *)refused,
							   MHD_RESPMEM_PERSISTENT);
		queued = MHD_queue_response(connection, MHD_HTTP_METHOD_NOT_ALLOWED, response);
		MHD_destroy_response(response);
		return queued;
	}
	http->handler(url, &body, &status, &content_type, http->opaque);
	response = MHD_create_response_from_buffer(body.len, body.len > 0 ? body.data : (void *)"",
						   MHD_RESPMEM_MUST_COPY);
	yb_buf_free(&body);
	if (response == NULL)
		return MHD_NO;
	MHD_add_response_header(response, "Content-Type", content_type);
	queued = MHD_queue_response(connection, (unsigned int)status, response);
	MHD_destroy_response(response);
	return queued;
}

int yb_http_start(yb_http **out, const char *listen, yb_http_handler handler, void *opaque,
		  char *errstr, size_t errlen)
{
	struct sockaddr_in addr;
	const char *colon = strrchr(listen, ':');
	char host[64];
	char *end;
	long port;
	yb_http *http;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(errstr, errlen, "'%s' is not HOST:PORT", listen);
		return YB_EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	port = strtol(colon + 1, &end, 10);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (*end != '\0' || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		snprintf(errstr, errlen, "'%s' is not an IPv4 HOST:PORT", listen);
		return YB_EINVAL;
	}
	http = calloc(1, sizeof(*http));
	if (http == NULL)
		return YB_ENOMEM;
	http->handler = handler;
	http->opaque = opaque;
	http->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, answer,
	    http, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)10, MHD_OPTION_END);
	if (http->daemon == NULL) {
		snprintf(errstr, errlen, "cannot listen on %s", listen);
		free(http);
		return YB_EIO;
	}
	info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
	http->port = info != NULL ? info->port : (int)port;
	*out = http;
	return YB_OK;
}

int yb_http_port(const yb_http *http)
{
	return http->port;
}

void yb_http_stop(yb_http *http)
{
	if (http == NULL)
		return;
	MHD_stop_daemon(http->daemon);
	free(http);
}
