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

/*
 * One worker at a time, for callers with their own event loop (the
 * daemon). req must outlive the job; only req->cfg, mode, probe and
 * plugins are used. run_job_start records the run and forks; NULL if it
 * could not (res says why). Then: poll run_job_fd for input and call
 * run_job_read; call run_job_poll regularly (at least by run_job_wake
 * seconds, when that is >= 0) until it returns 1: res is then final.
 */
struct run_job;
struct run_job *run_job_start(const struct run_request *req, struct cfg_instance *inst,
    struct store *st, struct run_result *res);
int run_job_fd(const struct run_job *j);          /* -1 once the worker closed it */
void run_job_read(struct run_job *j);
int run_job_poll(struct run_job *j, struct store *st);
double run_job_wake(const struct run_job *j);     /* seconds until a deadline, or -1 */
void run_job_stop(struct run_job *j, int hard);   /* SIGTERM (then SIGKILL after the grace) or SIGKILL */
const char *run_job_progress(const struct run_job *j, int64_t *done, int64_t *total);
struct cfg_instance *run_job_instance(const struct run_job *j);
void run_job_free(struct run_job *j);

/*
 * Takes the run lock of an instance (STORE.locks/INSTANCE, flock) without
 * waiting: 0 with *fd (close it to release), or -1 with why (e.g. "already
 * syncing (process N)"). Runs take it; so does anything that must not
 * overlap a run, such as a cursor reset.
 */
int run_lock_instance(const struct cfg *c, const char *instance, int *fd, char *why,
    size_t whylen);

/* Signal name for a number ("SIGSEGV"), or "signal N". */
const char *run_signal_name(int sig, char buf[16]);

#endif
