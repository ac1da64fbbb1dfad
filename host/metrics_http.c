/* metrics_http: /metrics and /healthz over libmicrohttpd, externally polled. */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "log.h"
#include "metrics.h"

struct mhttp {
	struct MHD_Daemon *mhd;
	struct store *st;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
    char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **con_cls)
{
	struct mhttp *m = cls;
	struct ss_err e;
	struct sb out = {0};

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, 405, "text/plain", xstrdup("method not allowed\n"));
	if (strcmp(url, "/healthz") == 0)
		return reply(conn, 200, "text/plain", xstrdup("ok\n"));
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, 404, "text/plain", xstrdup("not found: try /metrics or /healthz\n"));
	if (mtr_write(m->st, &out, &e) != 0) {
		sb_free(&out);
		return reply(conn, 500, "text/plain", xasprintf("metrics: %s\n", e.msg));
	}
	return reply(conn, 200, "text/plain; version=0.0.4", out.buf);
}

struct mhttp *mhttp_start(const char *listen, struct store *st, struct ss_err *err)
{
	struct sockaddr_in a = {0};
	const char *colon = strrchr(listen, ':');
	char host[64];
	long port;
	struct mhttp *m;

	if (!colon || (size_t)(colon - listen) >= sizeof host) {
		err_set(err, SS_EINVAL, "metrics_listen = %s: expected HOST:PORT, e.g. 127.0.0.1:9464", listen);
		return NULL;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
	port = strtol(colon + 1, NULL, 10);
	a.sin_family = AF_INET;
	if (port < 1 || port > 65535 || inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		err_set(err, SS_EINVAL, "metrics_listen = %s: expected an IPv4 address and a port", listen);
		return NULL;
	}
	a.sin_port = htons((uint16_t)port);
	m = xcalloc(1, sizeof *m);
	m->st = st;
	m->mhd = MHD_start_daemon(MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, handle, m,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
	    MHD_OPTION_END);
	if (!m->mhd) {
		free(m);
		err_set(err, SS_EIO, "metrics_listen = %s: cannot listen there (in use?)", listen);
		return NULL;
	}
	log_msg(SS_LOG_INFO, NULL, "metrics on http://%s/metrics", listen);
	return m;
}

void mhttp_stop(struct mhttp *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}

size_t mhttp_fds(struct mhttp *m, struct pollfd *pfd, size_t max)
{
	fd_set rs, ws, es;
	MHD_socket maxfd = 0;
	size_t n = 0;

	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	if (MHD_get_fdset(m->mhd, &rs, &ws, &es, &maxfd) != MHD_YES)
		return 0;
	for (int fd = 0; fd <= maxfd && n < max; fd++) {
		short ev = (short)((FD_ISSET(fd, &rs) ? POLLIN : 0) | (FD_ISSET(fd, &ws) ? POLLOUT : 0));
		if (ev)
			pfd[n++] = (struct pollfd){fd, ev, 0};
	}
	return n;
}

int mhttp_timeout(struct mhttp *m)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(m->mhd, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

void mhttp_run(struct mhttp *m)
{
	MHD_run(m->mhd);
}
