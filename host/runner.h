/*
 * runner: runs instances now, each in a forked worker process (or inline
 * with no_fork), at most `jobs` at once. The parent records every run in
 * the store, survives whatever its children do (crash, exit(), hang past
 * timeout =), and draws progress on stderr: one live line on a terminal,
 * plain lines otherwise.
 */
#ifndef SS_RUNNER_H
#define SS_RUNNER_H

#include "loader.h"
#include "worker.h"

struct run_result {
	char status[12];     /* ok, failed, partial, cancelled */
	int64_t run_id;      /* 0 for checks */
	char error[2048];    /* "" if none */
	double seconds;
	struct ctx_probe probe; /* outs of the plugin test kit's checks */
};

struct run_request {
	const struct cfg *cfg;
	const struct ldr_set *plugins;  /* every instance's plugin loaded */
	struct cfg_instance **inst;     /* the instances to run */
	size_t n;
	enum wrk_mode mode;
	int no_fork;
	int quiet;                      /* no progress output */
	const struct ctx_probe *probe;  /* the plugin test kit's checks, or NULL */
};

/*
 * Runs every instance; results[i] (n entries) gets instance i's outcome.
 * Returns 0 if the runs could be started and recorded (whatever their
 * outcome), or a negative code if the store could not be opened (err).
 */
int run_all(const struct run_request *req, struct run_result *results, struct ss_err *err);

/* Signal name for a number ("SIGSEGV"), or "signal N". */
const char *run_signal_name(int sig, char buf[16]);

#endif
