/*
 * daemon: `salesync daemon`. Keeps every enabled instance in sync on its
 * `every =` schedule (with jitter, at most `jobs` at once, never two runs
 * of one instance), serves the control socket, backs failing instances
 * off, reloads on SIGHUP (a bad new configuration keeps the old one), and
 * on SIGTERM lets running syncs stop at a checkpoint within
 * shutdown_grace. It sleeps until the next deadline: no polling when idle.
 */
#ifndef SS_DAEMON_H
#define SS_DAEMON_H

#include "app.h"

int cmd_daemon(struct app *a, int argc, char **argv);

#endif
