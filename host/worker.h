/*
 * worker: one run of one instance in the current process: open the
 * plugin instance, check or sync it, commit or roll back, close it, and
 * write the outcome into the run's row. The runner calls it in a forked
 * child (or inline with --no-fork).
 */
#ifndef SS_WORKER_H
#define SS_WORKER_H

#include "context.h"

enum wrk_mode { WRK_SYNC = 0, WRK_FULL, WRK_CHECK };

struct wrk_job {
	const struct cfg *cfg;
	const struct cfg_instance *inst;
	const struct ss_plugin *plugin;
	enum wrk_mode mode;
	int64_t run_id;            /* row made by the runner; 0 for checks */
	ctx_progress_fn on_progress;
	void *ud;
	struct ctx_probe *probe;   /* the plugin test kit's checks, or NULL */
};

/*
 * Runs the job against a store connection it opens itself (never one
 * inherited over fork). Returns the final status word ("ok", "failed",
 * "partial", "cancelled"); the row of run_id holds counts and error. For
 * checks (no row) the error, if any, is written to err.
 */
const char *wrk_run(const struct wrk_job *job, struct ss_err *err);

/* Human name of an SS_E* code ("SS_EPARSE"). */
const char *wrk_code_name(int code);

#endif
