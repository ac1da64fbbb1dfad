/*
 * context: the host side of the SDK. Implements the service table
 * (struct ss_api) and the per-run struct ss_ctx behind it: option lookup,
 * normalization and storage of emitted records, cursors and checkpoints,
 * logging, progress, cancellation, and the run's counts and error text.
 */
#ifndef SS_CONTEXT_H
#define SS_CONTEXT_H

#include <signal.h>

#include "config.h"
#include "store.h"

/* Called for each progress report (throttling is the callee's business). */
typedef void (*ctx_progress_fn)(void *ud, const char *instance, const char *stream,
    int64_t done, int64_t total);

/* Contract checks of the plugin test kit; NULL in normal runs. */
struct ctx_probe {
	int crash_after_checkpoint; /* > 0: the worker process ends right after
	                               that checkpoint has committed, as a crash would */
	int find_duplicates;        /* note every emitted key; count repeats */
	int64_t checkpoints;        /* out: checkpoints handed to the store */
	int64_t duplicates;         /* out: records emitted again in the same run */
	char first_duplicate[160];  /* out: "lead A00011" */
};

struct ctx_params {
	const struct cfg *cfg;
	const struct cfg_instance *inst;
	const struct ss_plugin *plugin;
	struct store *st;       /* borrowed; this process's own connection */
	int64_t run_id;         /* the run row to account to (0: none, e.g. check) */
	int full;               /* --full */
	ctx_progress_fn on_progress; /* may be NULL */
	void *ud;
	struct ctx_probe *probe;  /* may be NULL; written during the run */
};

/* The service table handed to plugins; lives as long as the process. */
const struct ss_api *ctx_api(void);

/* Creates a context for one callback sequence (open … close). Caller owns
 * it; free with ctx_free(), which rolls back anything uncommitted. */
ss_ctx *ctx_new(const struct ctx_params *p);
void ctx_free(ss_ctx *ctx);

/*
 * After sync() returned 0: soft-deletes unseen records on a full sync and
 * commits the rest with the staged cursors. After SS_EQUOTA: commits what
 * was emitted (a checkpoint) without soft-deleting. Returns 0 or SS_ESTORE
 * (message in ctx_error()).
 */
int ctx_finish(ss_ctx *ctx, int sync_rc);

/* Drops everything emitted since the last checkpoint. */
void ctx_abort(ss_ctx *ctx);

/* The run's counters; the record counts are those committed, as of the
 * last ctx_finish() or ctx_abort(). */
const struct store_run *ctx_run(const ss_ctx *ctx);

/* HTTP counters of the run so far. */
struct http_stats;
const struct http_stats *ctx_http_stats(const ss_ctx *ctx);

/* The message set with api->fail() or by the host, "" if none; redacted. */
const char *ctx_error(const ss_ctx *ctx);
void ctx_set_error(ss_ctx *ctx, const char *fmt, ...) SS_PRINTF(2, 3);

/* Async-signal-safe: makes api->cancelled() true in this process. */
void ctx_request_cancel(void);
int ctx_cancel_requested(void);

#endif
