/*
 * Tests of the csv plugin through the real SDK boundary: the test dlopen()s
 * $BUILD/plugins/csv.so (BUILD defaults to "build"), takes the descriptor
 * from salesync_plugin_entry and drives open/check/sync/close with a fake
 * host service table that records everything the plugin does.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../sdk/salesync/plugin.h"
#include "norm.h"

/* ---- the fake host ------------------------------------------------------ */

#define MAXREC 64
#define MAXOPT 16

struct rec {
	char kind;             /* 'l', 'd', 'r', 'm' */
	char *s[20];           /* string members, in struct order */
	int active, deleted;
	double probability;
	int checkpoint_no;     /* checkpoints done before this emit */
};

struct ss_ctx {
	const struct ss_plugin *p;
	const char *opt_key[MAXOPT];
	const char *opt_val[MAXOPT];
	int nopt;
	int full;
	int cancel;
	const char *reject_id; /* emit_* returns SS_EINVAL for this id */

	struct rec recs[MAXREC];
	int nrec;
	int emitted_total;

	char *cursor;        /* committed (one stream per instance here) */
	char *cursor_stream;
	char *staged;
	int checkpoints;
	int cursor_set_at;   /* checkpoint number that committed the cursor */

	int skips;
	char skip_msg[8][512];
	int fail_code;
	char fail_msg[1024];
	char log[16384];
	size_t loglen;
	int64_t progress_done;
};

/* String members of each record, by offset. */
static const size_t lead_str[] = {offsetof(struct ss_lead, id), offsetof(struct ss_lead, email),
	offsetof(struct ss_lead, first_name), offsetof(struct ss_lead, last_name),
	offsetof(struct ss_lead, company), offsetof(struct ss_lead, title),
	offsetof(struct ss_lead, phone), offsetof(struct ss_lead, status),
	offsetof(struct ss_lead, status_raw), offsetof(struct ss_lead, channel),
	offsetof(struct ss_lead, owner_id), offsetof(struct ss_lead, created_at),
	offsetof(struct ss_lead, updated_at), offsetof(struct ss_lead, last_activity_at),
	offsetof(struct ss_lead, converted_at), offsetof(struct ss_lead, extra)};
enum { L_ID, L_EMAIL, L_FIRST, L_LAST, L_COMPANY, L_TITLE, L_PHONE, L_STATUS, L_STATUS_RAW,
	L_CHANNEL, L_OWNER, L_CREATED, L_UPDATED, L_ACTIVITY, L_CONVERTED, L_EXTRA, L_N };

static const size_t deal_str[] = {offsetof(struct ss_deal, id), offsetof(struct ss_deal, name),
	offsetof(struct ss_deal, amount), offsetof(struct ss_deal, currency),
	offsetof(struct ss_deal, stage), offsetof(struct ss_deal, stage_raw),
	offsetof(struct ss_deal, close_date), offsetof(struct ss_deal, owner_id),
	offsetof(struct ss_deal, lead_id), offsetof(struct ss_deal, created_at),
	offsetof(struct ss_deal, updated_at), offsetof(struct ss_deal, closed_at),
	offsetof(struct ss_deal, extra)};
enum { D_ID, D_NAME, D_AMOUNT, D_CURRENCY, D_STAGE, D_STAGE_RAW, D_CLOSE, D_OWNER, D_LEAD,
	D_CREATED, D_UPDATED, D_CLOSED, D_EXTRA, D_N };

static const size_t rep_str[] = {offsetof(struct ss_rep, id), offsetof(struct ss_rep, email),
	offsetof(struct ss_rep, name), offsetof(struct ss_rep, team),
	offsetof(struct ss_rep, created_at), offsetof(struct ss_rep, updated_at)};
enum { R_ID, R_EMAIL, R_NAME, R_TEAM, R_CREATED, R_UPDATED, R_N };

static const size_t metric_str[] = {offsetof(struct ss_metric, name),
	offsetof(struct ss_metric, value), offsetof(struct ss_metric, unit),
	offsetof(struct ss_metric, period_start), offsetof(struct ss_metric, period_end),
	offsetof(struct ss_metric, dims), offsetof(struct ss_metric, rep_email),
	offsetof(struct ss_metric, updated_at)};
enum { M_NAME, M_VALUE, M_UNIT, M_START, M_END, M_DIMS, M_REP, M_UPDATED, M_N };

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int record(ss_ctx *ctx, char kind, const void *r, const size_t *offs, size_t n)
{
	struct rec *x;
	const char *id;

	memcpy(&id, (const char *)r + offs[0], sizeof(id));
	if (ctx->reject_id && id && strcmp(id, ctx->reject_id) == 0)
		return SS_EINVAL;
	ctx->emitted_total++;
	if (ctx->nrec >= MAXREC)
		return 0;
	x = &ctx->recs[ctx->nrec++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->checkpoint_no = ctx->checkpoints;
	for (size_t i = 0; i < n; i++) {
		const char *s;

		memcpy(&s, (const char *)r + offs[i], sizeof(s));
		x->s[i] = dup_or_null(s);
	}
	return 0;
}

static int fake_emit_lead(ss_ctx *ctx, const struct ss_lead *l)
{
	assert_int_equal(l->struct_size, sizeof(*l));
	if (record(ctx, 'l', l, lead_str, L_N) == SS_EINVAL)
		return SS_EINVAL;
	if (ctx->nrec > 0 && ctx->recs[ctx->nrec - 1].kind == 'l')
		ctx->recs[ctx->nrec - 1].deleted = l->deleted;
	return 0;
}

static int fake_emit_deal(ss_ctx *ctx, const struct ss_deal *d)
{
	assert_int_equal(d->struct_size, sizeof(*d));
	if (record(ctx, 'd', d, deal_str, D_N) == SS_EINVAL)
		return SS_EINVAL;
	ctx->recs[ctx->nrec - 1].probability = d->probability;
	ctx->recs[ctx->nrec - 1].deleted = d->deleted;
	return 0;
}

static int fake_emit_rep(ss_ctx *ctx, const struct ss_rep *r)
{
	assert_int_equal(r->struct_size, sizeof(*r));
	if (record(ctx, 'r', r, rep_str, R_N) == SS_EINVAL)
		return SS_EINVAL;
	ctx->recs[ctx->nrec - 1].active = r->active;
	ctx->recs[ctx->nrec - 1].deleted = r->deleted;
	return 0;
}

static int fake_emit_metric(ss_ctx *ctx, const struct ss_metric *m)
{
	assert_int_equal(m->struct_size, sizeof(*m));
	assert_non_null(m->name);
	assert_non_null(m->value);
	assert_non_null(m->period_start);
	assert_non_null(m->period_end);
	return record(ctx, 'm', m, metric_str, M_N);
}

static const char *fake_option(ss_ctx *ctx, const char *key)
{
	for (int i = 0; i < ctx->nopt; i++)
		if (strcmp(ctx->opt_key[i], key) == 0)
			return ctx->opt_val[i];
	for (const struct ss_option *o = ctx->p->options; o->key; o++)
		if (strcmp(o->key, key) == 0)
			return o->default_value;
	return NULL;
}

static int fake_option_each(ss_ctx *ctx, const char *prefix,
    int (*fn)(void *ud, const char *rest, const char *value), void *ud)
{
	size_t n = strlen(prefix);

	for (int i = 0; i < ctx->nopt; i++) {
		int rc;

		if (strncmp(ctx->opt_key[i], prefix, n) != 0)
			continue;
		if ((rc = fn(ud, ctx->opt_key[i] + n, ctx->opt_val[i])) != 0)
			return rc;
	}
	return 0;
}

static const char *fake_cursor_get(ss_ctx *ctx, const char *stream)
{
	if (ctx->full || !ctx->cursor)
		return NULL;
	assert_string_equal(stream, ctx->cursor_stream);
	return ctx->cursor;
}

static int fake_cursor_set(ss_ctx *ctx, const char *stream, const char *value)
{
	free(ctx->staged);
	free(ctx->cursor_stream);
	ctx->cursor_stream = strdup(stream);
	ctx->staged = strdup(value);
	return 0;
}

static int fake_checkpoint(ss_ctx *ctx)
{
	ctx->checkpoints++;
	if (ctx->staged) {
		free(ctx->cursor);
		ctx->cursor = ctx->staged;
		ctx->staged = NULL;
		ctx->cursor_set_at = ctx->checkpoints;
	}
	return 0;
}

static void fake_log(ss_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ctx->loglen + 256 >= sizeof(ctx->log))
		return;
	n = snprintf(ctx->log + ctx->loglen, sizeof(ctx->log) - ctx->loglen, "%d:", level);
	ctx->loglen += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(ctx->log + ctx->loglen, sizeof(ctx->log) - ctx->loglen - 1, fmt, ap);
	va_end(ap);
	ctx->loglen += (size_t)n;
	if (ctx->loglen >= sizeof(ctx->log) - 1)
		ctx->loglen = sizeof(ctx->log) - 2;
	ctx->log[ctx->loglen++] = '\n';
	ctx->log[ctx->loglen] = '\0';
}

static void fake_progress(ss_ctx *ctx, const char *stream, int64_t done, int64_t total)
{
	(void)stream;
	(void)total;
	ctx->progress_done = done;
}

static int fake_cancelled(ss_ctx *ctx)
{
	return ctx->cancel;
}

static int fake_fail(ss_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->fail_msg, sizeof(ctx->fail_msg), fmt, ap);
	va_end(ap);
	ctx->fail_code = code;
	return code;
}

static void fake_skip(ss_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->skips < 8) {
		va_start(ap, fmt);
		vsnprintf(ctx->skip_msg[ctx->skips], sizeof(ctx->skip_msg[0]), fmt, ap);
		va_end(ap);
	}
	ctx->skips++;
}

static int fake_is_full(ss_ctx *ctx)
{
	return ctx->full;
}

/* The host's own exact money conversion (norm.c), as the real table uses. */
static int fake_to_minor_units(ss_ctx *ctx, const char *amount, const char *currency,
    int64_t *minor)
{
	(void)ctx;
	return norm_money(amount, currency, minor) == 0 ? 0 : SS_EINVAL;
}

static const struct ss_api fake_api = {
	sizeof(struct ss_api), SS_ABI_MAJOR, SS_ABI_MINOR,
	fake_option, fake_option_each,
	fake_emit_rep, fake_emit_lead, fake_emit_deal, fake_emit_metric,
	fake_cursor_get, fake_cursor_set, fake_checkpoint,
	fake_log, fake_progress, fake_cancelled, fake_fail, fake_skip, fake_is_full,
	NULL, fake_to_minor_units, NULL};

/* ---- fixture ------------------------------------------------------------ */

struct fixture {
	void *dl;
	const struct ss_plugin *p;
	char dir[64];
	int nfiles;
};

static struct fixture fx;

static int setup_group(void **state)
{
	const char *b = getenv("BUILD");
	char path[512];
	void *sym;
	ss_plugin_entry_fn entry;

	(void)state;
	snprintf(path, sizeof(path), "%s/plugins/csv.so", b && *b ? b : "build");
	fx.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!fx.dl) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return -1;
	}
	sym = dlsym(fx.dl, SS_PLUGIN_ENTRY);
	if (!sym)
		return -1;
	memcpy(&entry, &sym, sizeof(entry));
	fx.p = entry();
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/test_csv_plugin.XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	return 0;
}

static int teardown_group(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	if (system(cmd) != 0)
		return -1;
	dlclose(fx.dl);
	return 0;
}

/* Writes a new file into the temp dir; its path goes into path. */
static const char *write_file(char *path, size_t n, const char *content)
{
	FILE *f;

	snprintf(path, n, "%s/f%d.csv", fx.dir, ++fx.nfiles);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return path;
}

static ss_ctx *new_ctx(void)
{
	ss_ctx *ctx = calloc(1, sizeof(*ctx));

	assert_non_null(ctx);
	ctx->p = fx.p;
	return ctx;
}

static void set_opt(ss_ctx *ctx, const char *key, const char *value)
{
	for (int i = 0; i < ctx->nopt; i++)
		if (strcmp(ctx->opt_key[i], key) == 0) {
			ctx->opt_val[i] = value;
			return;
		}
	assert_true(ctx->nopt < MAXOPT);
	ctx->opt_key[ctx->nopt] = key;
	ctx->opt_val[ctx->nopt++] = value;
}

static void clear_recs(ss_ctx *ctx)
{
	for (int i = 0; i < ctx->nrec; i++)
		for (int k = 0; k < 20; k++)
			free(ctx->recs[i].s[k]);
	ctx->nrec = 0;
	ctx->emitted_total = 0;
	ctx->skips = 0;
	ctx->fail_code = 0;
	ctx->fail_msg[0] = '\0';
	ctx->checkpoints = 0;
	ctx->cursor_set_at = 0;
	ctx->loglen = 0;
	ctx->log[0] = '\0';
}

static void free_ctx(ss_ctx *ctx)
{
	clear_recs(ctx);
	free(ctx->cursor);
	free(ctx->staged);
	free(ctx->cursor_stream);
	free(ctx);
}

/* open + sync + close, like one worker run. Returns sync's (or open's)
 * result. */
static int run(ss_ctx *ctx)
{
	void *st = NULL;
	int rc;

	clear_recs(ctx);
	rc = fx.p->open(ctx, &fake_api, &st);
	if (rc != 0) {
		assert_null(st);
		return rc;
	}
	rc = fx.p->sync(ctx, &fake_api, st);
	fx.p->close(st);
	return rc;
}

static int check(ss_ctx *ctx)
{
	void *st = NULL;
	int rc;

	clear_recs(ctx);
	rc = fx.p->open(ctx, &fake_api, &st);
	if (rc != 0)
		return rc;
	rc = fx.p->check(ctx, &fake_api, st);
	fx.p->close(st);
	return rc;
}

static const char *S(const ss_ctx *ctx, int rec, int field)
{
	assert_true(rec < ctx->nrec);
	return ctx->recs[rec].s[field];
}

#define assert_str(ctx, rec, field, want) \
	do { \
		const char *got_ = S(ctx, rec, field); \
		if ((want) == NULL) \
			assert_null(got_); \
		else { \
			assert_non_null(got_); \
			assert_string_equal(got_, (want)); \
		} \
	} while (0)

/* ---- tests -------------------------------------------------------------- */

static void test_descriptor(void **state)
{
	const struct ss_plugin *p = fx.p;
	int found = 0;

	(void)state;
	assert_int_equal(p->struct_size, sizeof(struct ss_plugin));
	assert_int_equal(p->abi_major, SS_ABI_MAJOR);
	assert_string_equal(p->name, "csv");
	assert_non_null(p->summary);
	assert_string_equal(p->streams[0], "leads");
	assert_string_equal(p->streams[3], "metrics");
	assert_null(p->streams[4]);
	for (const struct ss_option *o = p->options; o->key; o++) {
		assert_non_null(o->help);
		assert_true(strlen(o->help) > 10);
		if (strcmp(o->key, "path") == 0) {
			assert_int_equal(o->type, SS_OPT_PATH);
			assert_true(o->flags & SS_OPT_REQUIRED);
			found++;
		}
		if (strcmp(o->key, "map.") == 0) {
			assert_true(o->flags & SS_OPT_PREFIX);
			found++;
		}
		if (strcmp(o->key, "on_bad_row") == 0) {
			assert_string_equal(o->default_value, "fail");
			found++;
		}
	}
	assert_int_equal(found, 3);
	found = 0;
	for (const struct ss_mapping *m = p->status_map; m->raw; m++)
		if (strcmp(m->raw, "Contacted") == 0 && strcmp(m->normalized, "working") == 0)
			found++;
	for (const struct ss_mapping *m = p->stage_map; m->raw; m++)
		if (strcmp(m->raw, "Closed Won") == 0 && strcmp(m->normalized, "won") == 0)
			found++;
	assert_int_equal(found, 2);
	assert_non_null(p->check);
}

static void test_leads_default_headers(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "\xEF\xBB\xBFLead ID,First Name,Last Name,E-mail Address,Company,Job Title,Phone,"
	    "Lead Source,Status,Owner,Created,Notes,Favourite colour\r\n"
	    "L1,Jos\xC3\xA9,Garc\xC3\xAD" "a, JOSE@Example.COM ,\"Acme, Inc.\",CTO,+1 555 0100,Web,"
	    "Contacted,r1,11/26/2026,\"line one\r\nline \"\"two\"\"\",\r\n"
	    "L2,Zo\xC3\xAB,Ng,zoe@example.com,Initech,,,Referral,Qualified,r2,2026-11-26 14:37,,"
	    "blue\r\n"
	    "\r\n"
	    "L3,\xE5\xB1\xB1\xE7\x94\xB0,\xE5\xA4\xAA\xE9\x83\x8E,,,,,Trade show,New,,"
	    "2026-11-26T14:37:02+09:00,,\r\n");
	set_opt(ctx, "path", path);
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 3);

	assert_str(ctx, 0, L_ID, "L1");
	assert_str(ctx, 0, L_FIRST, "Jos\xC3\xA9");
	assert_str(ctx, 0, L_LAST, "Garc\xC3\xAD" "a");
	assert_str(ctx, 0, L_EMAIL, "JOSE@Example.COM"); /* trimmed; the host lower-cases */
	assert_str(ctx, 0, L_COMPANY, "Acme, Inc.");
	assert_str(ctx, 0, L_TITLE, "CTO");
	assert_str(ctx, 0, L_PHONE, "+1 555 0100");
	assert_str(ctx, 0, L_CHANNEL, "Web");
	assert_str(ctx, 0, L_STATUS, NULL); /* the host maps status_raw */
	assert_str(ctx, 0, L_STATUS_RAW, "Contacted");
	assert_str(ctx, 0, L_OWNER, "r1");
	assert_str(ctx, 0, L_CREATED, "2026-11-26");
	assert_str(ctx, 0, L_EXTRA, "{\"Notes\":\"line one\\r\\nline \\\"two\\\"\"}");

	assert_str(ctx, 1, L_ID, "L2");
	assert_str(ctx, 1, L_TITLE, NULL);
	assert_str(ctx, 1, L_PHONE, NULL);
	assert_str(ctx, 1, L_STATUS_RAW, "Qualified");
	assert_str(ctx, 1, L_CREATED, "2026-11-26T14:37:00Z");
	assert_str(ctx, 1, L_EXTRA, "{\"Favourite colour\":\"blue\"}");

	assert_str(ctx, 2, L_FIRST, "\xE5\xB1\xB1\xE7\x94\xB0");
	assert_str(ctx, 2, L_EMAIL, NULL);
	assert_str(ctx, 2, L_OWNER, NULL);
	assert_str(ctx, 2, L_CREATED, "2026-11-26T14:37:02+09:00"); /* ISO: unchanged */
	assert_str(ctx, 2, L_EXTRA, NULL);

	assert_int_equal(ctx->skips, 0);
	assert_non_null(ctx->cursor);
	assert_int_equal(ctx->progress_done, 3);
	free_ctx(ctx);
}

static void test_leads_map_overrides(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "Ref,Mail,Who,Origin,Phone,Name,Stage\n"
	    "7,a@example.com,r3,Partner,555,Ada Lovelace King,Working\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "map.id", "ref");
	set_opt(ctx, "map.email", "MAIL");
	set_opt(ctx, "map.owner_id", "Who");
	set_opt(ctx, "map.channel", "origin");
	set_opt(ctx, "map.phone", ""); /* off: Phone goes to extra */
	set_opt(ctx, "map.status_raw", "Stage");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 1);
	assert_str(ctx, 0, L_ID, "7");
	assert_str(ctx, 0, L_EMAIL, "a@example.com");
	assert_str(ctx, 0, L_OWNER, "r3");
	assert_str(ctx, 0, L_CHANNEL, "Partner");
	assert_str(ctx, 0, L_PHONE, NULL);
	assert_str(ctx, 0, L_STATUS_RAW, "Working");
	assert_str(ctx, 0, L_FIRST, "Ada"); /* a "Name" column is split */
	assert_str(ctx, 0, L_LAST, "Lovelace King");
	assert_str(ctx, 0, L_EXTRA, "{\"Phone\":\"555\"}");
	free_ctx(ctx);
}

static void test_map_errors(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path), "id,email\n1,a@b.c\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "map.bogus", "id");
	assert_int_equal(run(ctx), SS_EINVAL);
	assert_non_null(strstr(ctx->fail_msg, "map.bogus"));

	ctx->nopt = 0;
	set_opt(ctx, "path", path);
	set_opt(ctx, "map.email", "Courriel");
	assert_int_equal(run(ctx), SS_EINVAL);
	assert_non_null(strstr(ctx->fail_msg, path));
	assert_non_null(strstr(ctx->fail_msg, "map.email"));

	ctx->nopt = 0;
	set_opt(ctx, "path", path);
	set_opt(ctx, "delimiter", "::");
	assert_int_equal(run(ctx), SS_EINVAL);
	assert_non_null(strstr(ctx->fail_msg, "delimiter"));
	free_ctx(ctx);
}

static void test_leads_id_fallback(void **state)
{
	char path[256], path2[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path), "Email,First name\n Ann@Example.COM ,Ann\n,NoMail\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "on_bad_row", "skip");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 1);
	assert_str(ctx, 0, L_ID, "ann@example.com");
	assert_int_equal(ctx->skips, 1);

	/* a column named in map.* still serves its own field */
	write_file(path2, sizeof(path2), "Email,First name\nAnn@Example.COM,Ann\n");
	set_opt(ctx, "path", path2);
	set_opt(ctx, "map.id", "email");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 1);
	assert_str(ctx, 0, L_ID, "Ann@Example.COM");
	assert_str(ctx, 0, L_EMAIL, "Ann@Example.COM");
	assert_str(ctx, 0, L_EXTRA, NULL);
	ctx->nopt = 0;
	set_opt(ctx, "on_bad_row", "skip");

	write_file(path2, sizeof(path2), "First name,Last name\nA,B\n");
	set_opt(ctx, "path", path2);
	assert_int_equal(run(ctx), SS_EPARSE);
	assert_non_null(strstr(ctx->fail_msg, path2));
	assert_non_null(strstr(ctx->fail_msg, "no id column"));
	free_ctx(ctx);
}

static void test_deals_amounts_dates(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "Deal ID,Deal Name,Amount,Currency,Stage,Probability,Close Date,Owner,Lead ID,Region\n"
	    "D1,Big one,\"$1,234.50\",USD,Proposal,40%,Nov 26 2026,r1,L1,East\n"
	    "D2,Refund,(100.00),,Closed Lost,0,11/26/26,r2,,\n"
	    "D3,Coded,\"USD 2,000\",,Negotiation,0.25,26-Nov-2026,r1,L3,\n"
	    "D4,Sterling,\xC2\xA3" "99,,Closed Won,100%,\"November 26, 2026\",r1,,\n"
	    "D5,Neg,-12 500.5,EUR,Prospecting,,2026-11-26,r1,,\n"
	    "D6,Empty,,,Prospecting,,,,,\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "deals");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 6);

	assert_str(ctx, 0, D_AMOUNT, "1234.50");
	assert_str(ctx, 0, D_CURRENCY, "USD");
	assert_str(ctx, 0, D_STAGE, NULL);
	assert_str(ctx, 0, D_STAGE_RAW, "Proposal");
	assert_str(ctx, 0, D_CLOSE, "2026-11-26");
	assert_str(ctx, 0, D_NAME, "Big one");
	assert_str(ctx, 0, D_OWNER, "r1");
	assert_str(ctx, 0, D_LEAD, "L1");
	assert_str(ctx, 0, D_EXTRA, "{\"Region\":\"East\"}");
	assert_true(ctx->recs[0].probability > 0.3999 && ctx->recs[0].probability < 0.4001);

	assert_str(ctx, 1, D_AMOUNT, "-100.00");
	assert_str(ctx, 1, D_CURRENCY, NULL); /* the host applies `currency =` */
	assert_str(ctx, 1, D_CLOSE, "2026-11-26");
	assert_true(ctx->recs[1].probability == 0.0);

	assert_str(ctx, 2, D_AMOUNT, "2000");
	assert_str(ctx, 2, D_CURRENCY, "USD"); /* from the code in the amount */
	assert_str(ctx, 2, D_CLOSE, "2026-11-26");
	assert_true(ctx->recs[2].probability == 0.25);

	assert_str(ctx, 3, D_AMOUNT, "99");
	assert_str(ctx, 3, D_CURRENCY, "GBP"); /* from the sign */
	assert_str(ctx, 3, D_CLOSE, "2026-11-26");
	assert_true(ctx->recs[3].probability == 1.0);

	assert_str(ctx, 4, D_AMOUNT, "-12500.5");
	assert_str(ctx, 4, D_CURRENCY, "EUR");
	assert_true(ctx->recs[4].probability < 0);

	assert_str(ctx, 5, D_AMOUNT, NULL);
	assert_str(ctx, 5, D_CURRENCY, NULL);
	assert_str(ctx, 5, D_CLOSE, NULL);
	free_ctx(ctx);
}

static void test_deals_decimal_comma(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "Id;Betrag;Stage;Close date\n"
	    "E1;1.234,50 \xE2\x82\xAC;Won;26.11.2026\n"
	    "E2;EUR 8.400,00;Won;01.02.26 09:30\n"
	    "E3;1\xC2\xA0" "234,5;Lost;3/2/2026\n"
	    "E4;1.5;Lost;3/2/2026\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "deals");
	set_opt(ctx, "delimiter", ";");
	set_opt(ctx, "decimal_mark", ",");
	set_opt(ctx, "date_order", "dmy");
	set_opt(ctx, "map.amount", "Betrag");
	set_opt(ctx, "on_bad_row", "skip");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 3);
	assert_str(ctx, 0, D_AMOUNT, "1234.50");
	assert_str(ctx, 0, D_CURRENCY, "EUR");
	assert_str(ctx, 0, D_CLOSE, "2026-11-26");
	assert_str(ctx, 1, D_AMOUNT, "8400.00");
	assert_str(ctx, 1, D_CURRENCY, "EUR");
	assert_str(ctx, 1, D_CLOSE, "2026-02-01T09:30:00Z");
	assert_str(ctx, 2, D_AMOUNT, "1234.5");
	assert_str(ctx, 2, D_CURRENCY, NULL);
	assert_str(ctx, 2, D_CLOSE, "2026-02-03");
	/* "1.5" with decimal mark ',': a thousands group of one digit */
	assert_int_equal(ctx->skips, 1);
	assert_non_null(strstr(ctx->skip_msg[0], ":5: "));
	assert_non_null(strstr(ctx->skip_msg[0], "Betrag"));
	free_ctx(ctx);
}

static const char bad_rows[] =
    "Id,Email,Created,Amount\n"
    "1,a@x.io,2026-01-02,\n"
    "2,b@x.io,2026-13-02,\n"          /* line 3: bad date */
    "3,c@x.io\n"                      /* line 4: too few fields */
    "4,\"d\xC0\xAF@x.io\",,\n"        /* line 5: invalid UTF-8 */
    "5,\"e@x.io\"junk,,\n"            /* line 6: junk after quote */
    "REJECT,f@x.io,,\n"               /* line 7: the host refuses it */
    "8,\"multi\nline@x.io\",,\n"      /* lines 8-9 */
    "9,\"g@x.io\",31/01/2026,\n"      /* line 10: not mdy */
    "10,h@x.io,,\n";

static void test_bad_rows_skip(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();
	char want[300];

	(void)state;
	write_file(path, sizeof(path), bad_rows);
	set_opt(ctx, "path", path);
	set_opt(ctx, "on_bad_row", "skip");
	ctx->reject_id = "REJECT";
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 3);
	assert_str(ctx, 0, L_ID, "1");
	assert_str(ctx, 1, L_ID, "8");
	assert_str(ctx, 2, L_ID, "10");
	assert_str(ctx, 0, L_EXTRA, NULL); /* empty Amount cell: not in extra */
	assert_int_equal(ctx->skips, 6);
	snprintf(want, sizeof(want), "%s:3: ", path);
	assert_non_null(strstr(ctx->skip_msg[0], want));
	assert_non_null(strstr(ctx->skip_msg[0], "Created"));
	snprintf(want, sizeof(want), "%s:4: ", path);
	assert_non_null(strstr(ctx->skip_msg[1], want));
	assert_non_null(strstr(ctx->skip_msg[1], "2 fields where the header has 4"));
	snprintf(want, sizeof(want), "%s:5: ", path);
	assert_non_null(strstr(ctx->skip_msg[2], want));
	assert_non_null(strstr(ctx->skip_msg[2], "UTF-8"));
	snprintf(want, sizeof(want), "%s:6: ", path);
	assert_non_null(strstr(ctx->skip_msg[3], want));
	snprintf(want, sizeof(want), "%s:7: ", path);
	assert_non_null(strstr(ctx->skip_msg[4], want));
	snprintf(want, sizeof(want), "%s:10: ", path);
	assert_non_null(strstr(ctx->skip_msg[5], want));
	assert_non_null(ctx->cursor);
	free_ctx(ctx);
}

static void test_bad_rows_fail(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();
	char want[300];

	(void)state;
	write_file(path, sizeof(path), bad_rows);
	set_opt(ctx, "path", path); /* on_bad_row defaults to fail */
	assert_int_equal(run(ctx), SS_EPARSE);
	assert_int_equal(ctx->nrec, 1);
	assert_int_equal(ctx->skips, 0);
	assert_int_equal(ctx->fail_code, SS_EPARSE);
	snprintf(want, sizeof(want), "%s:3: column \"Created\"", path);
	assert_non_null(strstr(ctx->fail_msg, want));
	assert_non_null(strstr(ctx->fail_msg, "2026-13-02"));
	assert_null(ctx->cursor); /* nothing committed as read */
	free_ctx(ctx);
}

static void test_unbalanced_quote_fails(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();
	char want[300];

	(void)state;
	write_file(path, sizeof(path), "Id,Email\n1,a@x.io\n2,\"b@x.io\n3,c@x.io\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "on_bad_row", "skip"); /* not a row problem: the rest is lost */
	assert_int_equal(run(ctx), SS_EPARSE);
	snprintf(want, sizeof(want), "%s:3: unbalanced quote", path);
	assert_non_null(strstr(ctx->fail_msg, want));
	free_ctx(ctx);
}

static void test_checkpoint_every_batch(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path), "id\n1\n2\n3\n4\n5\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "batch", "2");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 5);
	/* after rows 2 and 4, then the final one with the cursor */
	assert_int_equal(ctx->checkpoints, 3);
	assert_int_equal(ctx->recs[0].checkpoint_no, 0);
	assert_int_equal(ctx->recs[1].checkpoint_no, 0);
	assert_int_equal(ctx->recs[2].checkpoint_no, 1);
	assert_int_equal(ctx->recs[4].checkpoint_no, 2);
	assert_int_equal(ctx->cursor_set_at, 3);
	assert_string_equal(ctx->cursor_stream, "leads");

	set_opt(ctx, "batch", "0");
	assert_int_equal(run(ctx), SS_EINVAL);
	free_ctx(ctx);
}

static void test_cursor_unchanged_and_full(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();
	char *first;
	FILE *f;
	struct timespec ts = {0, 20 * 1000 * 1000};

	(void)state;
	write_file(path, sizeof(path), "id,email\n1,a@x.io\n2,b@x.io\n");
	set_opt(ctx, "path", path);
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 2);
	assert_non_null(ctx->cursor);
	first = strdup(ctx->cursor);

	/* unchanged: nothing read, nothing emitted */
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 0);
	assert_non_null(strstr(ctx->log, "unchanged"));
	assert_string_equal(ctx->cursor, first);

	/* full: read again */
	ctx->full = 1;
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 2);
	ctx->full = 0;

	/* another option value re-reads an unchanged file */
	set_opt(ctx, "date_order", "dmy");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 2);
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 0);

	/* changed file: read again */
	nanosleep(&ts, NULL);
	f = fopen(path, "ab");
	fputs("3,c@x.io\n", f);
	fclose(f);
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 3);
	assert_string_not_equal(ctx->cursor, first);
	free(first);
	free_ctx(ctx);
}

static void test_reps(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "Rep ID|First Name|Last Name|Email|Team|Active\n"
	    "r1|Maya|Chen|maya@northwind.example|East|yes\n"
	    "r2|\xC5\x81ukasz|Nowak|lukasz@northwind.example|EMEA|Inactive\n"
	    "r3|Sam||sam@northwind.example|West|\n"
	    "r4|Kim|Lee|kim@northwind.example|West|maybe\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "reps");
	set_opt(ctx, "delimiter", "|");
	set_opt(ctx, "on_bad_row", "skip");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 3);
	assert_str(ctx, 0, R_ID, "r1");
	assert_str(ctx, 0, R_NAME, "Maya Chen");
	assert_str(ctx, 0, R_EMAIL, "maya@northwind.example");
	assert_str(ctx, 0, R_TEAM, "East");
	assert_int_equal(ctx->recs[0].active, 1);
	assert_str(ctx, 1, R_NAME, "\xC5\x81ukasz Nowak");
	assert_int_equal(ctx->recs[1].active, 0);
	assert_str(ctx, 2, R_NAME, "Sam");
	assert_int_equal(ctx->recs[2].active, -1);
	assert_int_equal(ctx->skips, 1);
	assert_non_null(strstr(ctx->skip_msg[0], "Active"));
	assert_string_equal(ctx->cursor_stream, "reps");
	free_ctx(ctx);
}

static void test_metrics_quota(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "Rep Email,Month,Currency,Quota\n"
	    "maya@northwind.example,2026-01,USD,\"$50,000\"\n"
	    "maya@northwind.example,Dec 2026,USD,\"50,000.005\"\n"
	    "lukasz@northwind.example,2026-03,,\xE2\x82\xAC" "40.000\n"
	    "yuki@northwind.example,April 2026,JPY,\"\xC2\xA5" "1,000,000\"\n"
	    "kim@northwind.example,2026-05,,\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "metrics");
	set_opt(ctx, "metric_name", SS_METRIC_QUOTA_AMOUNT_MINOR);
	set_opt(ctx, "on_bad_row", "skip");
	assert_int_equal(run(ctx), 0);
	/* €40.000 with decimal mark '.' is 40 euros: fine, if odd */
	assert_int_equal(ctx->nrec, 4);
	assert_str(ctx, 0, M_NAME, "quota.amount_minor");
	assert_str(ctx, 0, M_VALUE, "5000000");
	assert_str(ctx, 0, M_START, "2026-01-01");
	assert_str(ctx, 0, M_END, "2026-02-01");
	assert_str(ctx, 0, M_DIMS, "{\"currency\":\"USD\"}");
	assert_str(ctx, 0, M_REP, "maya@northwind.example");
	assert_str(ctx, 1, M_VALUE, "5000001"); /* half away from zero */
	assert_str(ctx, 1, M_START, "2026-12-01");
	assert_str(ctx, 1, M_END, "2027-01-01");
	assert_str(ctx, 2, M_VALUE, "4000");
	assert_str(ctx, 2, M_DIMS, "{\"currency\":\"EUR\"}");
	assert_str(ctx, 3, M_VALUE, "1000000"); /* JPY has no minor unit */
	assert_str(ctx, 3, M_START, "2026-04-01");
	assert_str(ctx, 3, M_DIMS, "{\"currency\":\"JPY\"}");
	assert_int_equal(ctx->skips, 0); /* an empty value is no measurement */
	assert_string_equal(ctx->cursor_stream, "metrics");
	free_ctx(ctx);
}

static void test_metrics_generic(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path),
	    "Metric\tDate\tValue\tChannel\tCampaign Name\tDims\n"
	    "web.sessions\t11/26/2026\t1,204\tPaid search\tSpring\t\n"
	    "training.progress\t2026-11-26\t75%\t\t\t{\"course\":\"Negotiation 101\"}\n"
	    "web.conversions\t2026-12-31\t3\tWeb\t\tnot json\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "metrics");
	set_opt(ctx, "delimiter", "tab");
	set_opt(ctx, "on_bad_row", "skip");
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 2);
	assert_str(ctx, 0, M_NAME, "web.sessions");
	assert_str(ctx, 0, M_VALUE, "1204");
	assert_str(ctx, 0, M_START, "2026-11-26");
	assert_str(ctx, 0, M_END, "2026-11-27");
	assert_str(ctx, 0, M_DIMS, "{\"campaign_name\":\"Spring\",\"channel\":\"Paid search\"}");
	assert_str(ctx, 1, M_VALUE, "0.75");
	assert_str(ctx, 1, M_DIMS, "{\"course\":\"Negotiation 101\"}");
	assert_int_equal(ctx->skips, 1);
	assert_non_null(strstr(ctx->skip_msg[0], "Dims"));
	free_ctx(ctx);
}

static void test_metrics_missing_columns(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path), "Metric,Value\nx,1\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "metrics");
	assert_int_equal(run(ctx), SS_EPARSE);
	assert_non_null(strstr(ctx->fail_msg, "no period column"));
	assert_non_null(strstr(ctx->fail_msg, path));
	free_ctx(ctx);
}

static void test_missing_file(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	snprintf(path, sizeof(path), "%s/nope.csv", fx.dir);
	set_opt(ctx, "path", path);
	assert_int_equal(run(ctx), SS_EIO);
	assert_non_null(strstr(ctx->fail_msg, path));
	assert_non_null(strstr(ctx->fail_msg, "No such file"));
	assert_int_equal(check(ctx), SS_EIO);
	free_ctx(ctx);
}

static void test_check(void **state)
{
	char path[256], path2[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path), "Deal ID,Amount,Notes\nD1,5,x\n");
	set_opt(ctx, "path", path);
	set_opt(ctx, "kind", "deals");
	assert_int_equal(check(ctx), 0);
	assert_non_null(strstr(ctx->log, "3 columns"));
	assert_int_equal(ctx->nrec, 0);

	write_file(path2, sizeof(path2), "Name,Amount\nBig,5\n");
	set_opt(ctx, "path", path2);
	assert_int_equal(check(ctx), SS_EPARSE);
	assert_non_null(strstr(ctx->fail_msg, path2));
	assert_non_null(strstr(ctx->fail_msg, "no id column"));

	write_file(path2, sizeof(path2), "");
	set_opt(ctx, "path", path2);
	assert_int_equal(check(ctx), SS_EPARSE);
	assert_non_null(strstr(ctx->fail_msg, "empty"));
	free_ctx(ctx);
}

static void test_cancel(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.csv", fx.dir);
	f = fopen(path, "wb");
	fputs("id\n", f);
	for (int i = 0; i < 5000; i++)
		fprintf(f, "%d\n", i);
	fclose(f);
	set_opt(ctx, "path", path);
	ctx->cancel = 1;
	assert_int_equal(run(ctx), SS_ECANCELLED);
	assert_true(ctx->emitted_total <= 1024);
	assert_null(ctx->cursor);
	ctx->cancel = 0;
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->emitted_total, 5000);
	assert_int_equal(ctx->progress_done, 5000);
	free_ctx(ctx);
}

static void test_header_only_and_blank_lines(void **state)
{
	char path[256];
	ss_ctx *ctx = new_ctx();

	(void)state;
	write_file(path, sizeof(path), "\n\nid,email\n");
	set_opt(ctx, "path", path);
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 0);
	assert_non_null(ctx->cursor);

	write_file(path, sizeof(path), "id,email\n\n1,a@x.io\n,\n\n2,b@x.io\n\n");
	set_opt(ctx, "path", path);
	assert_int_equal(run(ctx), 0);
	assert_int_equal(ctx->nrec, 2);
	assert_int_equal(ctx->skips, 0);
	free_ctx(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_leads_default_headers),
		cmocka_unit_test(test_leads_map_overrides),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_leads_id_fallback),
		cmocka_unit_test(test_deals_amounts_dates),
		cmocka_unit_test(test_deals_decimal_comma),
		cmocka_unit_test(test_bad_rows_skip),
		cmocka_unit_test(test_bad_rows_fail),
		cmocka_unit_test(test_unbalanced_quote_fails),
		cmocka_unit_test(test_checkpoint_every_batch),
		cmocka_unit_test(test_cursor_unchanged_and_full),
		cmocka_unit_test(test_reps),
		cmocka_unit_test(test_metrics_quota),
		cmocka_unit_test(test_metrics_generic),
		cmocka_unit_test(test_metrics_missing_columns),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_header_only_and_blank_lines),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
