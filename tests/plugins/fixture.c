/*
 * fixture: a test plugin whose behaviour is set by options, to drive the
 * host through every outcome: clean syncs, errors after a checkpoint,
 * crashes, exit(), hangs, spent quotas. Exercises every SDK call.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <salesync/plugin.h>

struct state {
	long leads, batch, fail_at, crash_at, exit_at, quota_at, hang_at, bad_at, delay_ms;
	long abort_at, exit_code;
	const char *prefix;
};

static long num(ss_ctx *ctx, const struct ss_api *api, const char *key)
{
	const char *v = api->option(ctx, key);
	return v ? strtol(v, NULL, 10) : 0;
}

static int f_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	struct state *s = calloc(1, sizeof *s);

	if (!s)
		return SS_ENOMEM;
	s->leads = num(ctx, api, "leads");
	s->batch = num(ctx, api, "batch");
	s->fail_at = num(ctx, api, "fail_at");
	s->crash_at = num(ctx, api, "crash_at");
	s->exit_at = num(ctx, api, "exit_at");
	s->quota_at = num(ctx, api, "quota_at");
	s->hang_at = num(ctx, api, "hang_at");
	s->bad_at = num(ctx, api, "bad_at");
	s->delay_ms = num(ctx, api, "delay_ms");
	s->abort_at = num(ctx, api, "abort_at");
	s->exit_code = num(ctx, api, "exit_code");
	s->prefix = api->option(ctx, "id_prefix");
	if (api->option(ctx, "token"))
		api->log(ctx, SS_LOG_INFO, "using token %s", api->option(ctx, "token"));
	*out = s;
	return 0;
}

static int f_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	(void)state;
	if (api->option(ctx, "token") && strcmp(api->option(ctx, "token"), "good") != 0)
		return api->fail(ctx, SS_EAUTH, "token %s refused", api->option(ctx, "token"));
	return 0;
}

static void hang(void)
{
	for (;;) {
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
	}
}

static int f_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct state *s = state;
	const char *cur = api->cursor_get(ctx, "leads");
	char id[64], email[96], stamp[32];
	static const char *const statuses[] = {"Mystery", "Contacted", "Qualified", "Junk"};
	struct ss_rep rep = SS_REP_INIT;

	api->log(ctx, SS_LOG_DEBUG, "cursor %s, full %d", cur ? cur : "(none)", api->is_full(ctx));
	rep.id = "R1";
	rep.email = "  Rep.One@Example.COM ";
	rep.name = "Rep One";
	rep.active = 1;
	if (api->emit_rep(ctx, &rep) != 0)
		return api->fail(ctx, SS_ESTORE, "rep refused");
	for (long i = 1; i <= s->leads; i++) {
		struct ss_lead l = SS_LEAD_INIT;
		int rc;

		if (s->delay_ms > 0) {
			struct timespec ts = {s->delay_ms / 1000, (s->delay_ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (api->cancelled(ctx))
			return SS_ECANCELLED;
		if (i == s->fail_at)
			return api->fail(ctx, SS_EPARSE, "fixture fails at lead %ld", i);
		if (i == s->crash_at)
			raise(SIGSEGV);
		if (i == s->exit_at)
			exit((int)s->exit_code);
		if (i == s->abort_at)
			abort();
		if (i == s->hang_at)
			hang();
		if (i == s->quota_at) {
			api->checkpoint(ctx);
			return api->fail(ctx, SS_EQUOTA, "daily quota spent at lead %ld", i);
		}
		snprintf(id, sizeof id, "%s%ld", s->prefix ? s->prefix : "L", i);
		snprintf(email, sizeof email, " Lead%ld@Example.com", i);
		snprintf(stamp, sizeof stamp, "2026-11-%02ldT10:00:00+02:00", 1 + i % 28);
		l.id = id;
		l.email = email;
		l.first_name = "Zoë";
		l.status_raw = statuses[i % 4];
		l.owner_id = "R1";
		l.updated_at = stamp;
		l.extra = "{\"b\":1,\"a\":\"x\"}";
		if (i == s->bad_at)
			l.created_at = "not a time";
		rc = api->emit_lead(ctx, &l);
		if (rc == SS_EINVAL) {
			api->skip(ctx, "lead %s refused by the host", id);
			continue;
		}
		if (rc != 0)
			return rc;
		api->cursor_set(ctx, "leads", id);
		api->progress(ctx, "leads", i, s->leads);
		if (s->batch > 0 && i % s->batch == 0 && api->checkpoint(ctx) != 0)
			return SS_ESTORE;
	}
	{
		struct ss_deal d = SS_DEAL_INIT;
		struct ss_metric m = SS_METRIC_INIT;
		d.id = "D1";
		d.name = "Big deal";
		d.amount = "12500.50";
		d.currency = "eur";
		d.stage_raw = "Closed Won";
		d.probability = 1.0;
		d.owner_id = "R1";
		d.lead_id = "L1";
		if (api->emit_deal(ctx, &d) != 0)
			return SS_ESTORE;
		m.name = SS_METRIC_QUOTA_AMOUNT_MINOR;
		m.value = "5000000";
		m.period_start = "2026-11-01";
		m.period_end = "2026-11-30";
		m.dims = "{\"currency\": \"EUR\"}";
		m.rep_email = "REP.ONE@example.com";
		if (api->emit_metric(ctx, &m) != 0)
			return SS_ESTORE;
	}
	return 0;
}

static void f_close(void *state)
{
	free(state);
}

static const char *const streams[] = {"leads", "reps", "deals", "metrics", NULL};

static const struct ss_option options[] = {
    {"leads", SS_OPT_INT, 0, "3", NULL, "number of leads to emit"},
    {"batch", SS_OPT_INT, 0, "0", NULL, "checkpoint every N leads (0: never)"},
    {"fail_at", SS_OPT_INT, 0, NULL, NULL, "return SS_EPARSE at lead N"},
    {"crash_at", SS_OPT_INT, 0, NULL, NULL, "SIGSEGV at lead N"},
    {"exit_at", SS_OPT_INT, 0, NULL, NULL, "call exit(exit_code) at lead N"},
    {"exit_code", SS_OPT_INT, 0, "3", NULL, "the status exit_at exits with"},
    {"abort_at", SS_OPT_INT, 0, NULL, NULL, "call abort() at lead N"},
    {"hang_at", SS_OPT_INT, 0, NULL, NULL, "sleep forever at lead N, ignoring cancel"},
    {"quota_at", SS_OPT_INT, 0, NULL, NULL, "end with SS_EQUOTA at lead N"},
    {"bad_at", SS_OPT_INT, 0, NULL, NULL, "emit an unparsable time at lead N"},
    {"delay_ms", SS_OPT_INT, 0, NULL, NULL, "sleep this long before each lead (a slow tool)"},
    {"id_prefix", SS_OPT_STRING, 0, NULL, NULL, "lead id prefix"},
    {"token", SS_OPT_STRING, SS_OPT_SECRET, NULL, NULL, "a secret; 'good' passes check"},
    {"mode", SS_OPT_ENUM, 0, "a", "a|b", "an enum"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct ss_mapping status_map[] = {
    {"Open", "new"}, {"Contacted", "working"}, {NULL, NULL},
};

static const struct ss_mapping stage_map[] = {
    {"Closed Won", "won"}, {NULL, NULL},
};

static const struct ss_plugin fixture = {
    SS_PLUGIN_HEAD, "fixture", "1.0", "test fixture with configurable failures",
    streams, options, status_map, stage_map, f_open, f_check, f_sync, f_close, NULL,
};

SS_PLUGIN_DEFINE(fixture)
