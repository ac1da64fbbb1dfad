/*
 * metrics_http: the daemon's optional HTTP endpoint (`metrics_listen =
 * 127.0.0.1:9464`): GET /metrics (Prometheus text) and GET /healthz.
 * libmicrohttpd parses HTTP; it runs in the daemon's own poll loop, not
 * in a thread of its own, so forking workers stays safe.
 */
#ifndef SS_METRICS_HTTP_H
#define SS_METRICS_HTTP_H

#include <poll.h>

#include "store.h"

struct mhttp;

/* Listens on "HOST:PORT" (IPv4 address). st is borrowed for the life of
 * the endpoint. NULL with err on a bad address or a busy port. */
struct mhttp *mhttp_start(const char *listen, struct store *st, struct ss_err *err);
void mhttp_stop(struct mhttp *m);

/* Adds its sockets to pfd (at most max entries); returns how many. */
size_t mhttp_fds(struct mhttp *m, struct pollfd *pfd, size_t max);
/* Milliseconds until it needs a turn, or -1. */
int mhttp_timeout(struct mhttp *m);
/* Serves whatever is ready. */
void mhttp_run(struct mhttp *m);

#endif
