/* worker: one instance's run, start to finish, in this process. */
#include "worker.h"

#include <string.h>

#include "log.h"

const char *wrk_code_name(int code)
{
	static const char *const names[] = {"SS_OK", "SS_EINVAL", "SS_ENOMEM", "SS_EIO",
	    "SS_EPARSE", "SS_EAUTH", "SS_ERETRY", "SS_EQUOTA", "SS_ECANCELLED",
	    "SS_EUNSUPPORTED", "SS_ESTORE"};
	if (code > 0 || code < SS_ESTORE)
		return "unknown error code";
	return names[-code];
}

static const char *status_of(int rc)
{
	switch (rc) {
	case 0: return "ok";
	case SS_EQUOTA: return "partial";
	case SS_ECANCELLED: return "cancelled";
	default: return "failed";
	}
}

/* Default text when the plugin returned an error without api->fail(). */
static void default_error(ss_ctx *ctx, const char *what, int rc)
{
	if (rc != 0 && !*ctx_error(ctx))
		ctx_set_error(ctx, "%s returned %s (%d)", what, wrk_code_name(rc), rc);
}

/* A failed run keeps the record counts of its last checkpoint, but every
 * request it made was made: those counters are always written. */
static void record_requests(struct store *st, const struct store_run *now)
{
	struct store_run r;
	struct ss_err e;

	if (store_run_get(st, now->id, &r, &e) != 0)
		return;
	r.requests = now->requests;
	r.bytes = now->bytes;
	r.retries = now->retries;
	r.throttled = now->throttled;
	r.wait_ms = now->wait_ms;
	store_run_progress(st, &r, &e);
}

static int call_plugin(const struct wrk_job *job, ss_ctx *ctx)
{
	const struct ss_plugin *pl = job->plugin;
	const struct ss_api *api = ctx_api();
	void *state = NULL;
	int rc;

	rc = pl->open(ctx, api, &state);
	if (rc != 0) {
		default_error(ctx, "open", rc);
		return rc;
	}
	if (job->mode == WRK_CHECK) {
		rc = pl->check ? pl->check(ctx, api, state) : 0;
		default_error(ctx, "check", rc);
	} else {
		rc = pl->sync(ctx, api, state);
		default_error(ctx, "sync", rc);
		if (rc == 0 && ctx_cancel_requested())
			rc = SS_ECANCELLED;
		if (rc == 0 || rc == SS_EQUOTA) {
			int frc = ctx_finish(ctx, rc);
			if (frc != 0)
				rc = frc;
		}
		if (rc != 0 && rc != SS_EQUOTA)
			ctx_abort(ctx);
		if (rc == SS_ECANCELLED && !*ctx_error(ctx))
			ctx_set_error(ctx, "cancelled; the store keeps the last checkpoint");
	}
	pl->close(state);
	return rc;
}

const char *wrk_run(const struct wrk_job *job, struct ss_err *err)
{
	struct store *st = NULL;
	struct ctx_params p = {0};
	ss_ctx *ctx;
	struct ss_err e;
	const char *status;
	int rc;

	if (store_open(job->cfg->store, &st, &e) != 0) {
		err_set(err, SS_ESTORE, "%s", e.msg);
		return "failed";
	}
	p.cfg = job->cfg;
	p.inst = job->inst;
	p.plugin = job->plugin;
	p.st = st;
	p.run_id = job->run_id;
	p.full = job->mode == WRK_FULL;
	p.on_progress = job->on_progress;
	p.ud = job->ud;
	p.probe = job->probe;
	ctx = ctx_new(&p);
	rc = call_plugin(job, ctx);
	status = status_of(rc);
	err_set(err, rc, "%s", ctx_error(ctx));
	if (job->run_id > 0) {
		/* Counts are rewritten so the row shows what was committed
		 * (a rolled back batch's counts are not in the store). */
		if (rc == 0 || rc == SS_EQUOTA)
			store_run_progress(st, ctx_run(ctx), &e);
		else
			record_requests(st, ctx_run(ctx));
		if (store_run_finish(st, job->run_id, status, *ctx_error(ctx) ? ctx_error(ctx) : NULL,
		        &e) != 0)
			log_msg(SS_LOG_ERROR, job->inst->name, "cannot record the run: %s", e.msg);
	}
	ctx_free(ctx);
	store_close(st);
	return status;
}
