/*
 * control: the daemon's control socket, client side and shared helpers.
 * A Unix stream socket (mode 0600, peers checked by credentials) carrying
 * one JSON object per line in each direction; see the README, "Control
 * socket". The CLI's sync, status, reset, pause, resume and reload use it
 * when a daemon runs and work alone when none does.
 */
#ifndef SS_CONTROL_H
#define SS_CONTROL_H

#include <jansson.h>

#include "util.h"

/* Connects to the daemon at path. Returns the fd, or -1 when no daemon
 * listens there (err says why; a missing or stale socket is not an error
 * worth reporting by itself). */
int ctl_connect(const char *path, struct ss_err *err);

/* Sends one request (a JSON object) as a line. 0 or SS_EIO. */
int ctl_send(int fd, json_t *req, struct ss_err *err);

/* Reads the next line as a JSON object (caller decrefs), waiting up to
 * timeout_ms (-1: forever). NULL on EOF, timeout or bad JSON (err). The
 * buffer b keeps bytes past the line between calls. */
json_t *ctl_recv(int fd, struct sb *b, int timeout_ms, struct ss_err *err);

#endif
