/* context: the service table plugins call, and the per-run state behind it.
 * Everything a plugin emits is normalized here (norm.c) and written to the
 * store inside one transaction per checkpoint. Those transactions run on a
 * helper thread (bgtask.c), several checkpoints at a time when they come
 * close together, while the plugin fetches its next page; prefetched
 * requests run on another. */
#include "context.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "bgtask.h"
#include "http.h"
#include "jsonscan.h"
#include "log.h"
#include "norm.h"

struct staged_cursor {
	char *stream;
	char *value;
};

/* One checkpoint, as handed to the commit thread. */
struct commit {
	struct batch *batch;       /* the records; owned */
	struct staged_cursor *cur; /* owned */
	size_t ncur;
	int unseen;                /* full sync done: soft-delete the unseen */
	struct store_run run;      /* the run's counters at the checkpoint */
};

/* A request sent ahead (api->http->prefetch), its strings copied. */
struct prefetch {
	ss_ctx *ctx;
	const struct ss_http_response *keep; /* the plugin's page, kept valid */
	struct ss_http_request req;
	struct ss_http_param *query, *headers;
	const struct ss_http_response *resp; /* out */
	int rc;                              /* out */
	struct ss_err err;                   /* out */
};

struct ss_ctx {
	struct ctx_params p;
	char prefix[192];          /* "plugin:instance" for log lines */
	struct store_run run;      /* counts; id = p.run_id */
	struct staged_cursor *cur; /* staged by cursor_set, written at checkpoint */
	size_t ncur;
	char **borrowed;           /* strings handed out by cursor_get */
	size_t nborrowed;
	int tracking;              /* full sync: store notes every key */
	struct batch *batch;       /* emitted since the last checkpoint */
	struct bgtask *bg;         /* commits checkpoints; made on the first */
	/* Written by whoever commits (the commit thread, or this thread
	 * after bg_flush): */
	struct store_counts committed[STORE_NKINDS];
	struct ss_err commit_err;
	atomic_int commit_failed;  /* read without flushing */
	int store_rc;              /* a commit failed: every later one fails */
	struct http_client *http;  /* made on the first request */
	struct bgtask *net;        /* sends prefetches; made on the first */
	struct prefetch *pf;       /* the prefetch in flight or done, or NULL */
	const struct ss_http_response *held; /* the answer the plugin has */
	char *http_state_dir;      /* auth borrows it: freed after http */
	char *token_url;           /* the plugin's, filled in; auth borrows it */
	char **keys;               /* probe: emitted keys (open addressing) */
	size_t nkeys, capkeys;
	struct http_stats hstats;
	char error[1024];
};

static struct prefetch *prefetch_take(ss_ctx *ctx);
static void prefetch_free(struct prefetch *pf);
static void note_http_stats(ss_ctx *ctx);

static volatile sig_atomic_t cancel_requested;

void ctx_request_cancel(void)
{
	cancel_requested = 1;
}

int ctx_cancel_requested(void)
{
	return cancel_requested != 0;
}

ss_ctx *ctx_new(const struct ctx_params *p)
{
	ss_ctx *ctx = xcalloc(1, sizeof *ctx);

	ctx->p = *p;
	snprintf(ctx->prefix, sizeof ctx->prefix, "%s:%s", p->plugin->name, p->inst->name);
	ctx->run.id = p->run_id;
	ctx->batch = bat_new();
	atomic_init(&ctx->commit_failed, 0);
	return ctx;
}

static void free_cursors(struct staged_cursor *cur, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cur[i].stream);
		free(cur[i].value);
	}
	free(cur);
}

static void drop_staged(ss_ctx *ctx)
{
	free_cursors(ctx->cur, ctx->ncur);
	ctx->cur = NULL;
	ctx->ncur = 0;
}

void ctx_free(ss_ctx *ctx)
{
	if (!ctx)
		return;
	ctx_abort(ctx);
	bg_free(ctx->bg);
	bg_free(ctx->net);
	for (size_t i = 0; i < ctx->nborrowed; i++)
		free(ctx->borrowed[i]);
	free(ctx->borrowed);
	http_free(ctx->http);
	bat_free(ctx->batch);
	free(ctx->http_state_dir);
	free(ctx->token_url);
	for (size_t i = 0; i < ctx->capkeys; i++)
		free(ctx->keys[i]);
	free(ctx->keys);
	free(ctx);
}

const struct store_run *ctx_run(const ss_ctx *ctx)
{
	return &ctx->run;
}

const struct http_stats *ctx_http_stats(const ss_ctx *ctx)
{
	return &ctx->hstats;
}

const char *ctx_error(const ss_ctx *ctx)
{
	return ctx->error;
}

static void set_error_v(ss_ctx *ctx, const char *fmt, va_list ap)
{
	char raw[sizeof ctx->error];
	char *clean;

	vsnprintf(raw, sizeof raw, fmt, ap);
	clean = log_redact(raw);
	snprintf(ctx->error, sizeof ctx->error, "%s", clean);
	free(clean);
}

void ctx_set_error(ss_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_v(ctx, fmt, ap);
	va_end(ap);
}

/* ---- options ----------------------------------------------------------- */

/* Plugin options, and the host keys a plugin may need to know. */
static const char *api_option(ss_ctx *ctx, const char *key)
{
	if (!key)
		return NULL;
	if (strcmp(key, "currency") == 0)
		return ctx->p.inst->currency;
	if (strcmp(key, "rate_limit") == 0)
		return ctx->p.inst->rate_limit;
	return cfg_get(ctx->p.inst, key);
}

static int api_option_each(ss_ctx *ctx, const char *prefix,
    int (*fn)(void *ud, const char *rest, const char *value), void *ud)
{
	size_t n = prefix ? strlen(prefix) : 0;

	for (size_t i = 0; fn && i < ctx->p.inst->nkv; i++) {
		const struct cfg_kv *kv = &ctx->p.inst->kv[i];
		if (strncmp(kv->key, prefix, n) == 0 && kv->key[n]) {
			int rc = fn(ud, kv->key + n, kv->value);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* ---- logging ----------------------------------------------------------- */

static void api_log(ss_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, ctx ? ctx->prefix : NULL, fmt, ap);
	va_end(ap);
}

static int api_fail(ss_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error_v(ctx, fmt, ap);
	va_end(ap);
	return code;
}

static void api_skip(ss_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	ctx->run.skipped++;
	va_start(ap, fmt);
	log_vmsg(SS_LOG_WARN, ctx->prefix, fmt, ap);
	va_end(ap);
}

static void api_progress(ss_ctx *ctx, const char *stream, int64_t done, int64_t total)
{
	if (ctx->p.on_progress)
		ctx->p.on_progress(ctx->p.ud, ctx->p.inst->name, stream ? stream : "", done, total);
}

static int api_cancelled(ss_ctx *ctx)
{
	(void)ctx;
	return ctx_cancel_requested();
}

static int api_is_full(ss_ctx *ctx)
{
	return ctx->p.full;
}

/* ---- transactions, cursors, checkpoints -------------------------------- */

static void commit_free(struct commit *c)
{
	bat_free(c->batch);
	free_cursors(c->cur, c->ncur);
	free(c);
}

/*
 * Commits checkpoints (on the commit thread, or in line after a flush):
 * their records, cursors and the run's counts (with unseen, the
 * soft-deletes of a full sync) in one short transaction, durable together
 * or not at all. After a failure nothing more is written.
 */
static void commit_run(void *const *tasks, size_t n, void *ud)
{
	ss_ctx *ctx = ud;
	struct store *st = ctx->p.st;
	const char *source = ctx->p.inst->name;
	struct store_counts counts[STORE_NKINDS];
	struct store_run run;
	struct ss_err e;

	if (atomic_load(&ctx->commit_failed))
		goto out;
	memcpy(counts, ctx->committed, sizeof counts);
	if (store_begin(st, &e) != 0)
		goto failed;
	if (ctx->p.full && !ctx->tracking) {
		if (store_track_begin(st, &e) != 0)
			goto fail;
		ctx->tracking = 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct commit *c = tasks[i];
		if (bat_flush(c->batch, st, source, counts, &e) != 0 ||
		    (c->unseen && store_mark_unseen(st, source, counts, &e) != 0))
			goto fail;
		for (size_t k = 0; k < c->ncur; k++) {
			if (store_cursor_set(st, source, c->cur[k].stream, c->cur[k].value, &e) != 0)
				goto fail;
		}
	}
	run = ((const struct commit *)tasks[n - 1])->run;
	memcpy(run.counts, counts, sizeof counts);
	if (run.id > 0 && store_run_progress(st, &run, &e) != 0)
		goto fail;
	if (store_commit(st, &e) != 0)
		goto fail;
	memcpy(ctx->committed, counts, sizeof counts);
	goto out;
fail:
	store_rollback(st);
failed:
	ctx->commit_err = e;
	atomic_store(&ctx->commit_failed, 1);
out:
	for (size_t i = 0; i < n; i++)
		commit_free(tasks[i]);
}

/* Reports a failed commit, once: the plugin was told those records were
 * checkpointed, so the run must fail, keeping the store at the commit
 * before. */
static int commit_status(ss_ctx *ctx)
{
	if (ctx->store_rc || !atomic_load(&ctx->commit_failed))
		return ctx->store_rc;
	bg_flush(ctx->bg); /* commit_err is written before the flag */
	log_msg(SS_LOG_ERROR, ctx->prefix, "store: %s", ctx->commit_err.msg);
	if (!*ctx->error)
		ctx_set_error(ctx, "store: %s", ctx->commit_err.msg);
	ctx->store_rc = SS_ESTORE;
	return ctx->store_rc;
}

/* Commits every checkpoint handed over and waits for it. Every use of the
 * store from the plugin's thread comes after this. */
static int settle(ss_ctx *ctx)
{
	bg_flush(ctx->bg);
	memcpy(ctx->run.counts, ctx->committed, sizeof ctx->run.counts);
	return commit_status(ctx);
}

/* Checkpoints gather for at most COMMIT_HOLD_MS, or until they hold
 * COMMIT_GROUP records, and are committed in one transaction: fewer,
 * larger writes. More than COMMIT_QUEUE_MAX records waiting makes the
 * plugin wait, so memory stays bounded. */
#define COMMIT_HOLD_MS 200
#define COMMIT_GROUP 2000
#define COMMIT_QUEUE_MAX 4000

/*
 * Hands the batch (with cursors, the staged cursors too; with unseen, the
 * end of a full sync) to a commit. In the background it returns at once;
 * a failure is reported by a later write_batch or settle. Otherwise it
 * commits everything handed over and returns the outcome.
 */
static int write_batch(ss_ctx *ctx, int cursors, int unseen, int background)
{
	struct commit *c;
	size_t weight = bat_count(ctx->batch);
	int rc;

	if ((rc = commit_status(ctx)) != 0)
		return rc;
	if (weight == 0 && (!cursors || ctx->ncur == 0) && !unseen)
		return background ? 0 : settle(ctx);
	c = xcalloc(1, sizeof *c);
	c->batch = ctx->batch;
	ctx->batch = bat_new();
	c->unseen = unseen;
	c->run = ctx->run;
	if (cursors) {
		c->cur = ctx->cur;
		c->ncur = ctx->ncur;
		ctx->cur = NULL;
		ctx->ncur = 0;
	}
	if (background && !ctx->bg) {
		struct ss_err e;
		if (!(ctx->bg = bg_new(commit_run, ctx, COMMIT_HOLD_MS, COMMIT_GROUP, 1, &e)))
			log_msg(SS_LOG_WARN, ctx->prefix, "%s; committing in line", e.msg);
	}
	if (background && ctx->bg) {
		if (bg_pending(ctx->bg) + weight > COMMIT_QUEUE_MAX)
			bg_flush(ctx->bg);
		bg_push(ctx->bg, c, weight ? weight : 1);
		return 0;
	}
	{
		void *one = c;
		bg_flush(ctx->bg);
		commit_run(&one, 1, ctx);
	}
	return settle(ctx);
}

/* A plugin that never checkpoints still gets its records written every
 * this many, so memory stays bounded; its cursors wait for a checkpoint. */
#define AUTO_FLUSH 10000

/* Queues a normalized record; writes the batch when it grows large. */
static int queued(ss_ctx *ctx)
{
	return bat_count(ctx->batch) >= AUTO_FLUSH ? write_batch(ctx, 0, 0, 1) : 0;
}

static const char *api_cursor_get(ss_ctx *ctx, const char *stream)
{
	struct ss_err e;
	char *v = NULL;

	if (ctx->p.full || !stream || settle(ctx) != 0)
		return NULL;
	if (store_cursor_get(ctx->p.st, ctx->p.inst->name, stream, &v, &e) != 0) {
		log_msg(SS_LOG_ERROR, ctx->prefix, "store: %s", e.msg);
		return NULL;
	}
	if (v) {
		ctx->borrowed = xrealloc(ctx->borrowed, (ctx->nborrowed + 1) * sizeof *ctx->borrowed);
		ctx->borrowed[ctx->nborrowed++] = v;
	}
	return v;
}

static int api_cursor_set(ss_ctx *ctx, const char *stream, const char *value)
{
	if (!stream || !*stream || !value)
		return SS_EINVAL;
	for (size_t i = 0; i < ctx->ncur; i++) {
		if (strcmp(ctx->cur[i].stream, stream) == 0) {
			free(ctx->cur[i].value);
			ctx->cur[i].value = xstrdup(value);
			return 0;
		}
	}
	ctx->cur = xrealloc(ctx->cur, (ctx->ncur + 1) * sizeof *ctx->cur);
	ctx->cur[ctx->ncur].stream = xstrdup(stream);
	ctx->cur[ctx->ncur].value = xstrdup(value);
	ctx->ncur++;
	return 0;
}

static int api_checkpoint(ss_ctx *ctx)
{
	struct ctx_probe *pr = ctx->p.probe;
	int rc = write_batch(ctx, 1, 0, 1);

	if (rc != 0 || !pr)
		return rc;
	pr->checkpoints++;
	if (pr->crash_after_checkpoint > 0 && pr->checkpoints == pr->crash_after_checkpoint) {
		if ((rc = settle(ctx)) != 0)
			return rc;
		log_msg(SS_LOG_INFO, ctx->prefix, "plugin test: ending the worker after checkpoint %lld",
		    (long long)pr->checkpoints);
		_exit(99);
	}
	return 0;
}

/* ---- probe: duplicate emits ------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Notes key; returns 1 if it was already noted in this run. */
static int note_key(ss_ctx *ctx, const char *key)
{
	size_t i;

	if (ctx->nkeys * 2 >= ctx->capkeys) {
		char **old = ctx->keys;
		size_t oldcap = ctx->capkeys;
		ctx->capkeys = oldcap ? oldcap * 2 : 1024;
		ctx->keys = xcalloc(ctx->capkeys, sizeof *ctx->keys);
		for (size_t j = 0; j < oldcap; j++) {
			if (!old[j])
				continue;
			for (i = hash_str(old[j]) % ctx->capkeys; ctx->keys[i]; i = (i + 1) % ctx->capkeys)
				;
			ctx->keys[i] = old[j];
		}
		free(old);
	}
	for (i = hash_str(key) % ctx->capkeys; ctx->keys[i]; i = (i + 1) % ctx->capkeys) {
		if (strcmp(ctx->keys[i], key) == 0)
			return 1;
	}
	ctx->keys[i] = xstrdup(key);
	ctx->nkeys++;
	return 0;
}

static void probe_emit(ss_ctx *ctx, const char *kind, const char *id)
{
	struct ctx_probe *pr = ctx->p.probe;
	char key[512];

	if (!pr || !pr->find_duplicates)
		return;
	snprintf(key, sizeof key, "%s %s", kind, id);
	if (note_key(ctx, key) && pr->duplicates++ == 0)
		snprintf(pr->first_duplicate, sizeof pr->first_duplicate, "%.150s", key);
}

void ctx_abort(ss_ctx *ctx)
{
	prefetch_free(prefetch_take(ctx));
	settle(ctx); /* a checkpoint handed over is kept */
	if (store_in_tx(ctx->p.st))
		store_rollback(ctx->p.st);
	bat_clear(ctx->batch);
	drop_staged(ctx);
	/* The temporary seen-table lived in the rolled back transaction's
	 * connection; start over if the context is used again. */
	ctx->tracking = 0;
}

int ctx_finish(ss_ctx *ctx, int sync_rc)
{
	prefetch_free(prefetch_take(ctx));
	note_http_stats(ctx);
	return write_batch(ctx, 1, sync_rc == 0 && ctx->p.full, 0);
}

/* ---- normalization and emits ------------------------------------------- */

/* Copies a record of possibly older (smaller) layout into the host's. */
static int take_record(void *dst, size_t dst_size, const void *src, size_t min_size)
{
	size_t n;

	if (!src)
		return SS_EINVAL;
	memcpy(&n, src, sizeof n);
	if (n < min_size)
		return SS_EINVAL;
	memcpy(dst, src, n < dst_size ? n : dst_size);
	return 0;
}

static int reject(ss_ctx *ctx, const char *kind, const char *id, const char *fmt, ...)
    SS_PRINTF(4, 5);
static int reject(ss_ctx *ctx, const char *kind, const char *id, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(SS_LOG_WARN, ctx->prefix, "%s %s refused: %s", kind, id ? id : "(no id)", msg);
	return SS_EINVAL;
}

/* Normalizes one time field in place: *field then points into buf. */
static int fix_time(ss_ctx *ctx, const char *kind, const char *id, const char *name,
    const char **field, char buf[21])
{
	if (!*field || !**field) {
		*field = NULL;
		return 0;
	}
	if (norm_time(*field, buf) != 0)
		return reject(ctx, kind, id, "%s '%s' is not a time", name, *field);
	*field = buf;
	return 0;
}

/* extra must be a JSON object; it is stored canonical (sorted keys). */
static int fix_extra(ss_ctx *ctx, const char *kind, const char *id, const char **field,
    char **canon)
{
	struct ss_err e;

	if (!*field || !**field) {
		*field = NULL;
		return 0;
	}
	if (!(*canon = norm_dims(*field, &e)))
		return reject(ctx, kind, id, "extra: %s", e.msg);
	*field = *canon;
	return 0;
}

static int bad_id(const char *id)
{
	return !id || !*id;
}

static int api_emit_rep(ss_ctx *ctx, const struct ss_rep *in)
{
	struct ss_rep r = SS_REP_INIT;
	char t[2][21];
	char *email;

	if (take_record(&r, sizeof r, in, offsetof(struct ss_rep, deleted) + sizeof r.deleted) != 0)
		return reject(ctx, "rep", NULL, "bad struct_size");
	r.struct_size = sizeof r;
	if (bad_id(r.id))
		return reject(ctx, "rep", NULL, "id is required");
	if (fix_time(ctx, "rep", r.id, "created_at", &r.created_at, t[0]) ||
	    fix_time(ctx, "rep", r.id, "updated_at", &r.updated_at, t[1]))
		return SS_EINVAL;
	probe_emit(ctx, "rep", r.id);
	email = norm_email(r.email);
	r.email = email;
	bat_add_rep(ctx->batch, &r);
	free(email);
	return queued(ctx);
}

static int api_emit_lead(ss_ctx *ctx, const struct ss_lead *in)
{
	struct ss_lead l = SS_LEAD_INIT;
	char t[4][21];
	char *email, *extra = NULL;

	if (take_record(&l, sizeof l, in, offsetof(struct ss_lead, extra) + sizeof l.extra) != 0)
		return reject(ctx, "lead", NULL, "bad struct_size");
	l.struct_size = sizeof l;
	if (bad_id(l.id))
		return reject(ctx, "lead", NULL, "id is required");
	if (fix_time(ctx, "lead", l.id, "created_at", &l.created_at, t[0]) ||
	    fix_time(ctx, "lead", l.id, "updated_at", &l.updated_at, t[1]) ||
	    fix_time(ctx, "lead", l.id, "last_activity_at", &l.last_activity_at, t[2]) ||
	    fix_time(ctx, "lead", l.id, "converted_at", &l.converted_at, t[3]))
		return SS_EINVAL;
	if (l.status) {
		l.status = norm_map(l.status, NULL, NULL, norm_lead_statuses);
		if (!l.status)
			return reject(ctx, "lead", l.id, "status '%s' is not one of new, working, "
			    "qualified, unqualified, converted", in->status);
	} else if (l.status_raw) {
		l.status = norm_map(l.status_raw, ctx->p.inst->status_map, ctx->p.plugin->status_map,
		    norm_lead_statuses);
	}
	if (fix_extra(ctx, "lead", l.id, &l.extra, &extra) != 0)
		return SS_EINVAL;
	probe_emit(ctx, "lead", l.id);
	email = norm_email(l.email);
	l.email = email;
	bat_add_lead(ctx->batch, &l);
	free(email);
	free(extra);
	return queued(ctx);
}

static int api_emit_deal(ss_ctx *ctx, const struct ss_deal *in)
{
	struct ss_deal d = SS_DEAL_INIT;
	char t[4][21], cur[4];
	char *extra = NULL;
	int64_t minor = 0;

	if (take_record(&d, sizeof d, in, offsetof(struct ss_deal, extra) + sizeof d.extra) != 0)
		return reject(ctx, "deal", NULL, "bad struct_size");
	d.struct_size = sizeof d;
	if (bad_id(d.id))
		return reject(ctx, "deal", NULL, "id is required");
	if (!d.currency || !*d.currency)
		d.currency = ctx->p.inst->currency;
	if (d.currency) {
		if (norm_currency(d.currency, cur) != 0)
			return reject(ctx, "deal", d.id, "currency '%s' is not an ISO 4217 code", d.currency);
		d.currency = cur;
	}
	if (d.amount && *d.amount && norm_money(d.amount, d.currency, &minor) != 0)
		return reject(ctx, "deal", d.id, "amount '%s' is not a decimal number", d.amount);
	if (d.probability > 1.0)
		return reject(ctx, "deal", d.id, "probability %g is above 1", d.probability);
	if (fix_time(ctx, "deal", d.id, "close_date", &d.close_date, t[0]) ||
	    fix_time(ctx, "deal", d.id, "created_at", &d.created_at, t[1]) ||
	    fix_time(ctx, "deal", d.id, "updated_at", &d.updated_at, t[2]) ||
	    fix_time(ctx, "deal", d.id, "closed_at", &d.closed_at, t[3]))
		return SS_EINVAL;
	if (d.stage) {
		d.stage = norm_map(d.stage, NULL, NULL, norm_deal_stages);
		if (!d.stage)
			return reject(ctx, "deal", d.id, "stage '%s' is not one of open, won, lost", in->stage);
	} else if (d.stage_raw) {
		d.stage = norm_map(d.stage_raw, ctx->p.inst->stage_map, ctx->p.plugin->stage_map,
		    norm_deal_stages);
	}
	if (fix_extra(ctx, "deal", d.id, &d.extra, &extra) != 0)
		return SS_EINVAL;
	probe_emit(ctx, "deal", d.id);
	bat_add_deal(ctx->batch, &d, d.amount && *d.amount ? &minor : NULL);
	free(extra);
	return queued(ctx);
}

static int api_emit_metric(ss_ctx *ctx, const struct ss_metric *in)
{
	struct ss_metric m = SS_METRIC_INIT;
	char t[3][21];
	char *dims, *email;
	int is_int;
	int64_t ival;
	double dval;
	struct ss_err e;

	if (take_record(&m, sizeof m, in, offsetof(struct ss_metric, updated_at) + sizeof m.updated_at) != 0)
		return reject(ctx, "metric", NULL, "bad struct_size");
	m.struct_size = sizeof m;
	if (!m.name || !*m.name)
		return reject(ctx, "metric", NULL, "name is required");
	if (!m.value || norm_number(m.value, &is_int, &ival, &dval) != 0)
		return reject(ctx, "metric", m.name, "value '%s' is not a number", m.value ? m.value : "");
	if (!m.period_start || !m.period_end)
		return reject(ctx, "metric", m.name, "period_start and period_end are required");
	if (fix_time(ctx, "metric", m.name, "period_start", &m.period_start, t[0]) ||
	    fix_time(ctx, "metric", m.name, "period_end", &m.period_end, t[1]) ||
	    fix_time(ctx, "metric", m.name, "updated_at", &m.updated_at, t[2]))
		return SS_EINVAL;
	if (!(dims = norm_dims(m.dims, &e)))
		return reject(ctx, "metric", m.name, "dims: %s", e.msg);
	email = norm_email(m.rep_email);
	m.dims = dims;
	m.rep_email = email;
	if (ctx->p.probe && ctx->p.probe->find_duplicates) {
		char *key = xasprintf("%s|%s|%s|%s|%s", m.name, m.period_start, m.period_end, dims,
		    email ? email : "");
		probe_emit(ctx, "metric", key);
		free(key);
	}
	bat_add_metric(ctx->batch, &m, is_int, ival, dval);
	free(dims);
	free(email);
	return queued(ctx);
}

/* ---- HTTP ---------------------------------------------------------------- */

static int64_t opt_seconds(ss_ctx *ctx, const char *key, int64_t dflt)
{
	int64_t v;
	const char *s = cfg_get(ctx->p.inst, key);

	return s && util_parse_duration(s, &v) == 0 ? v : dflt;
}

static int cancelled_now(void)
{
	return ctx_cancel_requested();
}

static int make_client(ss_ctx *ctx, struct ss_err *err)
{
	const struct ss_auth *decl = ctx->p.plugin->auth;
	const struct cfg_instance *in = ctx->p.inst;
	struct auth_opts ao = {0};
	struct http_opts ho = {0};
	struct auth *auth = NULL;
	char *state_dir = ctx->p.cfg->tokens_dir ? xstrdup(ctx->p.cfg->tokens_dir) :
	    xasprintf("%s.tokens", ctx->p.cfg->store);
	char *ua = xasprintf("salesync/%s %s/%s", SS_VERSION, ctx->p.plugin->name,
	    ctx->p.plugin->version ? ctx->p.plugin->version : "0");
	int64_t attempts = 5;
	int rc = 0;

	if (decl) {
		ao.instance = in->name;
		ao.mode = cfg_get(in, "auth");
		ao.token = cfg_get(in, "token");
		ao.username = cfg_get(in, "username");
		ao.password = cfg_get(in, "password");
		ao.client_id = cfg_get(in, "client_id");
		ao.client_secret = cfg_get(in, "client_secret");
		ao.refresh_token = cfg_get(in, "refresh_token");
		ao.token_url = cfg_get(in, "token_url");
		if (!ao.token_url && decl->token_url && !ctx->token_url) {
			/* "{login_url}/services/oauth2/token": from the instance's options */
			if (!(ctx->token_url = cfg_fill(in, ctx->p.plugin->options, decl->token_url, err)))
				rc = SS_EINVAL;
		}
		ao.default_token_url = ctx->token_url;
		ao.key_file = cfg_get(in, "key_file");
		ao.scope = cfg_get(in, "scope") ? cfg_get(in, "scope") : decl->scope;
		ao.key_header = decl->key_header;
		ao.key_query = decl->key_query;
		ao.state_dir = state_dir;
		ao.base_url_field = decl->base_url_field;
		if (rc == 0)
			rc = auth_new(&ao, decl->kinds, &auth, err);
	}
	if (rc == 0) {
		ho.prefix = ctx->prefix;
		ho.base_url = cfg_get(in, "base_url");
		ho.default_base_url = decl ? decl->base_url : NULL;
		ho.ca_file = cfg_get(in, "ca_file");
		ho.user_agent = ua;
		ho.connect_timeout = (long)opt_seconds(ctx, "connect_timeout", 30);
		ho.request_timeout = (long)opt_seconds(ctx, "request_timeout", 300);
		if (cfg_get(in, "max_attempts"))
			util_parse_int64(cfg_get(in, "max_attempts"), &attempts);
		ho.max_attempts = (int)(attempts > 100 ? 100 : attempts);
		ho.max_retry_wait = (double)opt_seconds(ctx, "max_retry_wait", 300);
		ho.backoff_base = 0.5;
		ho.backoff_cap = 30;
		ho.rate_limit = in->rate_limit;
		ho.cancelled = cancelled_now;
		/* auth's strings are borrowed from the instance, which outlives
		 * the client; state_dir is copied by auth. */
		rc = http_new(&ho, auth, &ctx->http, err);
	}
	free(ua);
	if (rc != 0)
		free(state_dir);
	else
		ctx->http_state_dir = state_dir;
	return rc;
}

/* ---- prefetch ------------------------------------------------------------ */

static struct ss_http_param *copy_params(const struct ss_http_param *p)
{
	struct ss_http_param *out;
	size_t n = 0;

	if (!p)
		return NULL;
	while (p[n].name)
		n++;
	out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		out[i].name = xstrdup(p[i].name);
		out[i].value = p[i].value ? xstrdup(p[i].value) : NULL;
	}
	return out;
}

static void free_params(struct ss_http_param *p)
{
	for (size_t i = 0; p && p[i].name; i++) {
		free((char *)p[i].name);
		free((char *)p[i].value);
	}
	free(p);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_params(const struct ss_http_param *a, const struct ss_http_param *b)
{
	size_t i = 0;

	if (!a || !b)
		return (!a || !a[0].name) && (!b || !b[0].name);
	for (; a[i].name && b[i].name; i++) {
		if (strcmp(a[i].name, b[i].name) != 0 || !same_str(a[i].value, b[i].value))
			return 0;
	}
	return !a[i].name && !b[i].name;
}

/* Whether a plugin's request asks for what the prefetch asked. */
static int same_request(const struct ss_http_request *a, const struct ss_http_request *b)
{
	return same_str(a->method, b->method) && same_str(a->url, b->url) &&
	    same_params(a->query, b->query) && same_params(a->headers, b->headers) &&
	    a->body_len == b->body_len && (a->body_len == 0 || memcmp(a->body, b->body,
	    a->body_len) == 0) && same_str(a->content_type, b->content_type) &&
	    a->flags == b->flags;
}

/* A copy of req (of any SDK's size) that owns its strings, or NULL. */
static struct prefetch *prefetch_new(ss_ctx *ctx, const struct ss_http_request *req)
{
	struct ss_http_request r = SS_HTTP_REQUEST_INIT;
	struct prefetch *pf;

	if (!req || req->struct_size < offsetof(struct ss_http_request, flags) + sizeof req->flags)
		return NULL;
	memcpy(&r, req, req->struct_size < sizeof r ? req->struct_size : sizeof r);
	r.struct_size = sizeof r;
	pf = xcalloc(1, sizeof *pf);
	pf->ctx = ctx;
	pf->req = r;
	pf->req.method = r.method ? xstrdup(r.method) : NULL;
	pf->req.url = r.url ? xstrdup(r.url) : NULL;
	pf->req.query = pf->query = copy_params(r.query);
	pf->req.headers = pf->headers = copy_params(r.headers);
	pf->req.content_type = r.content_type ? xstrdup(r.content_type) : NULL;
	if (r.body) {
		char *b = xmalloc(r.body_len + 1);
		memcpy(b, r.body, r.body_len);
		b[r.body_len] = '\0';
		pf->req.body = b;
	}
	return pf;
}

static void prefetch_free(struct prefetch *pf)
{
	if (!pf)
		return;
	free((char *)pf->req.method);
	free((char *)pf->req.url);
	free_params(pf->query);
	free_params(pf->headers);
	free((char *)pf->req.content_type);
	free((char *)pf->req.body);
	free(pf);
}

/* On the net thread: the only user of the HTTP client until taken. */
static void prefetch_run(void *const *tasks, size_t n, void *ud)
{
	(void)ud;
	for (size_t i = 0; i < n; i++) {
		struct prefetch *pf = tasks[i];
		pf->rc = http_send_keep(pf->ctx->http, &pf->req, pf->keep, &pf->resp,
		    &pf->ctx->hstats, &pf->err);
	}
}

/* Waits for the prefetch, if any, and hands it over (caller frees). */
static struct prefetch *prefetch_take(ss_ctx *ctx)
{
	struct prefetch *pf = ctx->pf;

	bg_flush(ctx->net);
	ctx->pf = NULL;
	return pf;
}

static void note_http_stats(ss_ctx *ctx)
{
	ctx->run.requests = ctx->hstats.requests;
	ctx->run.bytes = ctx->hstats.bytes;
	ctx->run.retries = ctx->hstats.retries;
	ctx->run.throttled = ctx->hstats.throttled;
	ctx->run.wait_ms = ctx->hstats.wait_ms;
}

static int api_http_prefetch(ss_ctx *ctx, const struct ss_http_request *req)
{
	struct prefetch *pf;
	struct ss_err e;
	int rc;

	if (!ctx->http && (rc = make_client(ctx, &e)) != 0)
		return api_fail(ctx, rc, "http: %s", e.msg);
	if (!(pf = prefetch_new(ctx, req)))
		return SS_EINVAL;
	prefetch_free(prefetch_take(ctx));
	if (!ctx->net && !(ctx->net = bg_new(prefetch_run, NULL, 0, 1, 0, &e))) {
		/* Without a thread the request is simply sent when asked for. */
		log_msg(SS_LOG_DEBUG, ctx->prefix, "no prefetch: %s", e.msg);
		prefetch_free(pf);
		return 0;
	}
	pf->keep = ctx->held;
	ctx->pf = pf;
	bg_push(ctx->net, pf, 1);
	return 0;
}

static int api_http_request(ss_ctx *ctx, const struct ss_http_request *req,
    const struct ss_http_response **resp)
{
	struct prefetch *pf;
	struct ss_err e;
	int rc;

	if (!ctx->http && (rc = make_client(ctx, &e)) != 0)
		return api_fail(ctx, rc, "http: %s", e.msg);
	bg_flush(ctx->net); /* the client is this thread's again */
	pf = ctx->pf;
	if (pf && req && req->struct_size >= offsetof(struct ss_http_request, flags) +
	    sizeof req->flags && same_request(&pf->req, req)) {
		rc = pf->rc;
		*resp = pf->resp;
		e = pf->err;
		ctx->pf = NULL;
		prefetch_free(pf);
	} else {
		/* Another request meanwhile (a lookup between two pages): the
		 * prefetched answer waits for the request that wants it. */
		rc = http_send_keep(ctx->http, req, pf && pf->rc == 0 ? pf->resp : NULL, resp,
		    &ctx->hstats, &e);
	}
	note_http_stats(ctx);
	if (rc != 0)
		return api_fail(ctx, rc, "%s", e.msg);
	ctx->held = *resp;
	return 0;
}

static const char *api_http_header(ss_ctx *ctx, const struct ss_http_response *resp,
    const char *name)
{
	return ctx->http && name ? http_header(ctx->http, resp, name) : NULL;
}

static const struct ss_http_api http_api = {
	.struct_size = sizeof(struct ss_http_api),
	.request = api_http_request,
	.header = api_http_header,
	.prefetch = api_http_prefetch,
};

static int api_to_minor_units(ss_ctx *ctx, const char *amount, const char *currency,
    int64_t *minor)
{
	(void)ctx;
	if (!amount || !minor)
		return SS_EINVAL;
	return norm_money(amount, currency, minor) == 0 ? 0 : SS_EINVAL;
}

static int api_json_find(ss_ctx *ctx, const char *json, size_t len, const char *path,
    const char **val, size_t *val_len)
{
	(void)ctx;
	if (!val || !val_len)
		return SS_EINVAL;
	return jsn_find(json, len, path, val, val_len) == 0 ? 0 : SS_EINVAL;
}

static const struct ss_api api = {
	.struct_size = sizeof(struct ss_api),
	.abi_major = SS_ABI_MAJOR,
	.abi_minor = SS_ABI_MINOR,
	.option = api_option,
	.option_each = api_option_each,
	.emit_rep = api_emit_rep,
	.emit_lead = api_emit_lead,
	.emit_deal = api_emit_deal,
	.emit_metric = api_emit_metric,
	.cursor_get = api_cursor_get,
	.cursor_set = api_cursor_set,
	.checkpoint = api_checkpoint,
	.log = api_log,
	.progress = api_progress,
	.cancelled = api_cancelled,
	.fail = api_fail,
	.skip = api_skip,
	.is_full = api_is_full,
	.http = &http_api,
	.to_minor_units = api_to_minor_units,
	.json_find = api_json_find,
};

const struct ss_api *ctx_api(void)
{
	return &api;
}
