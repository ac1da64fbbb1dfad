/*
 * Unit tests for host/report*.c and the unified views: a fixture store
 * written through the store API, the report built over it, and its JSON
 * output checked section by section against figures worked out by hand
 * (the comments show the working), plus spot checks of the text and HTML
 * renderings.
 *
 * The period is March 2025: [2025-03-01, 2025-04-01), as of 2025-04-01.
 * follow-up cutoff: 2025-03-30T00:00:00Z (48 h); stall cutoff 14 days;
 * new reps: joined on or after 2025-01-01 (90 days).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "report.h"
#include "report_html.h"
#include "report_text.h"
#include "store.h"

static char dir[64];
static char *path;
static struct store *st;

/* ---- fixture ------------------------------------------------------------ */

static void rep(const char *src, const char *id, const char *email, const char *name,
    const char *team, int active, const char *created, const char *updated)
{
	struct ss_rep r = SS_REP_INIT;
	struct store_counts c = {0};
	struct ss_err e;

	r.id = id;
	r.email = email;
	r.name = name;
	r.team = team;
	r.active = active;
	r.created_at = created;
	r.updated_at = updated;
	if (store_upsert_rep(st, src, &r, &c, &e) != 0)
		fail_msg("rep %s: %s", id, e.msg);
}

struct lead_spec {
	const char *src, *id, *email, *first, *company, *status, *channel, *owner;
	const char *created, *updated, *activity, *converted;
	int deleted;
};

static void lead(const struct lead_spec *s)
{
	struct ss_lead l = SS_LEAD_INIT;
	struct store_counts c = {0};
	struct ss_err e;

	l.id = s->id;
	l.email = s->email;
	l.first_name = s->first;
	l.last_name = "Test";
	l.company = s->company;
	l.status = s->status;
	l.channel = s->channel;
	l.owner_id = s->owner;
	l.created_at = s->created;
	l.updated_at = s->updated;
	l.last_activity_at = s->activity;
	l.converted_at = s->converted;
	l.deleted = s->deleted;
	if (store_upsert_lead(st, s->src, &l, &c, &e) != 0)
		fail_msg("lead %s: %s", s->id, e.msg);
}

struct deal_spec {
	const char *id, *name, *stage, *stage_raw, *currency;
	int has_amount;
	int64_t amount;
	double prob;
	const char *close_date, *owner, *lead, *created, *updated, *closed;
	int deleted;
};

static void deal(const struct deal_spec *s)
{
	struct ss_deal d = SS_DEAL_INIT;
	struct store_counts c = {0};
	struct ss_err e;

	d.id = s->id;
	d.name = s->name;
	d.stage = s->stage;
	d.stage_raw = s->stage_raw;
	d.currency = s->currency;
	d.probability = s->prob;
	d.close_date = s->close_date;
	d.owner_id = s->owner;
	d.lead_id = s->lead;
	d.created_at = s->created;
	d.updated_at = s->updated;
	d.closed_at = s->closed;
	d.deleted = s->deleted;
	if (store_upsert_deal(st, "crm", &d, s->has_amount ? &s->amount : NULL, &c, &e) != 0)
		fail_msg("deal %s: %s", s->id, e.msg);
}

static void metric(const char *src, const char *name, const char *rep_email, const char *dims,
    const char *start, const char *end, int is_int, int64_t ival, double dval)
{
	struct ss_metric m = SS_METRIC_INIT;
	struct store_counts c = {0};
	struct ss_err e;

	m.name = name;
	m.value = "0";
	m.rep_email = rep_email;
	m.dims = dims;
	m.period_start = start;
	m.period_end = end;
	if (store_upsert_metric(st, src, &m, is_int, ival, dval, &c, &e) != 0)
		fail_msg("metric %s: %s", name, e.msg);
}

#define T(d) d "T00:00:00Z"

static void fixture(void)
{
	struct ss_err e;
	int64_t id;

	/* Reps: Ann is in the CRM and the LMS (newer name there); Bob and Cy
	 * joined in 2025; Dee has no join date, no deals, no quota. */
	rep("crm", "r1", "ann@x.test", "Ann", "East", 1, T("2024-01-01"), NULL);
	rep("crm", "r2", "bob@x.test", "Bob", "East", 1, T("2025-02-01"), NULL);
	rep("crm", "r3", "cy@x.test", "Cy", "West", 1, T("2025-02-15"), NULL);
	rep("crm", "r4", "dee@x.test", "Dee", "West", 1, NULL, NULL);
	rep("lms", "u9", "ann@x.test", "Ann Smith", NULL, -1, NULL, T("2025-03-05"));

	static const struct lead_spec leads[] = {
		{"crm", "L1", "a@p.test", "Al", "Acme", "new", "Web", "r1",
		    "2025-03-02T10:00:00Z", NULL, NULL, NULL, 0},
		{"crm", "L10", "g@p.test", "Gus", "Gamma", "new", "Web", "r1",
		    "2025-03-02T10:00:00Z", NULL, NULL, NULL, 0},
		{"crm", "L2", "b@p.test", "Bea", "Beta", "working", "web", "r1",
		    T("2025-03-03"), NULL, "2025-03-03T06:00:00Z", NULL, 0},
		{"crm", "L3", "c@p.test", "Cal", "Cee", "qualified", "Referral", "r2",
		    T("2025-03-10"), NULL, T("2025-03-31"), NULL, 0},
		{"crm", "L4", "d@p.test", "Di", "Dee Co", "converted", "Referral", "r2",
		    "2025-03-10T12:00:00Z", NULL, T("2025-03-11"), T("2025-03-20"), 0},
		{"crm", "L5", NULL, "Nomail", "Nowhere", "new", NULL, NULL,
		    T("2025-03-20"), NULL, NULL, NULL, 0},
		{"crm", "L6", "e@p.test", "Ed", "Eps", "unqualified", "Web", "r1",
		    T("2025-02-10"), NULL, T("2025-02-11"), NULL, 0},
		{"crm", "L7", "f@p.test", "Flo", "<Fa & Co>", "working", "Partner", "r3",
		    T("2025-01-15"), NULL, T("2025-02-01"), NULL, 0},
		{"crm", "L9", "h@p.test", "Gone", "Deleted", "new", "Web", "r1",
		    T("2025-03-05"), NULL, NULL, NULL, 1},
		{"sheet", "L8", "a@p.test", "Alice", NULL, "working", "Web", "zz",
		    T("2025-02-01"), T("2025-03-15"), "2025-03-31T12:00:00Z", NULL, 0},
	};
	for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++)
		lead(&leads[i]);

	static const struct deal_spec deals[] = {
		{"D1", "Beta deal", "won", "Closed Won", "USD", 1, 100000, 1.0, T("2025-03-11"), "r1",
		    "L2", T("2025-02-01"), NULL, T("2025-03-11"), 0},
		{"D2", "Dee deal", "won", "Closed Won", "EUR", 1, 50000, 1.0, T("2025-03-21"), "r1",
		    "L4", T("2025-03-01"), NULL, NULL, 0},
		{"D3", "Lost one", "lost", "Closed Lost", "USD", 1, 30000, 0.0, T("2025-03-15"), "r2",
		    NULL, T("2025-03-01"), NULL, NULL, 0},
		{"D4", "Next month", "won", "Closed Won", "USD", 1, 20000, 1.0, T("2025-04-05"), "r2",
		    NULL, T("2025-03-01"), NULL, T("2025-04-05"), 0},
		{"D5", "No amount", "won", "Closed Won", "USD", 0, 0, 1.0, T("2025-03-25"), "r3",
		    NULL, T("2025-03-05"), NULL, T("2025-03-25"), 0},
		{"D6", "Half", "open", "Proposal", "USD", 1, 10001, 0.5, T("2025-04-15"), "r1",
		    NULL, T("2025-03-01"), T("2025-03-25"), NULL, 0},
		{"D7", "Quarter", "open", "Proposal", "EUR", 1, 20000, 0.25, T("2025-04-30"), "r2",
		    NULL, T("2025-02-01"), NULL, NULL, 0},
		{"D8", "Overdue", "open", "Prospecting", "USD", 1, 40000, 0.1, T("2025-03-20"), "r3",
		    NULL, T("2025-01-10"), T("2025-03-01"), NULL, 0},
		{"D9", "Yen", "open", "Prospecting", "JPY", 1, 5000, -1, NULL, "r3",
		    NULL, T("2025-03-05"), T("2025-03-05"), NULL, 0},
		{"D10", "Ownerless", "open", "Negotiation", "USD", 0, 0, 0.8, T("2025-04-10"), NULL,
		    NULL, T("2025-03-01"), T("2025-03-31"), NULL, 0},
		{"D11", "Deleted", "open", "Proposal", "USD", 1, 99999, 0.5, T("2025-04-10"), "r1",
		    NULL, T("2025-03-01"), NULL, NULL, 1},
		{"D12", "Future", "open", "Proposal", "USD", 1, 77700, 0.5, T("2025-05-10"), "ghost",
		    NULL, T("2025-04-05"), NULL, NULL, 0},
	};
	for (size_t i = 0; i < sizeof deals / sizeof deals[0]; i++)
		deal(&deals[i]);

	/* Quotas. */
	metric("sheet", "quota.amount_minor", "ann@x.test", "{\"currency\":\"USD\"}",
	    T("2025-03-01"), T("2025-04-01"), 1, 200000, 0);
	metric("sheet", "quota.amount_minor", "ann@x.test", "{\"currency\":\"EUR\"}",
	    T("2025-01-01"), T("2025-04-01"), 1, 90000, 0);
	metric("sheet", "quota.amount_minor", "bob@x.test", "{\"currency\":\"USD\"}",
	    T("2025-03-16"), T("2025-04-16"), 1, 62000, 0);
	metric("sheet", "quota.amount_minor", "bob@x.test", "{\"currency\":\"USD\"}",
	    T("2025-02-01"), T("2025-03-01"), 1, 55000, 0);
	metric("sheet", "quota.amount_minor", NULL, "{\"currency\":\"USD\"}",
	    T("2025-03-01"), T("2025-04-01"), 1, 10000, 0);
	/* Training. */
	metric("lms", "training.completed", "ann@x.test", "{\"course\":\"onboarding\"}",
	    T("2025-02-01"), T("2025-03-01"), 1, 1, 0);
	metric("lms", "training.progress", "ann@x.test", "{\"course\":\"onboarding\"}",
	    T("2025-02-01"), T("2025-03-01"), 0, 0, 1.0);
	metric("lms", "training.progress", "ann@x.test", "{\"course\":\"negotiation\"}",
	    T("2025-02-01"), T("2025-03-01"), 0, 0, 0.5);
	metric("lms", "training.progress", "ann@x.test", "{\"course\":\"negotiation\"}",
	    T("2025-03-01"), T("2025-04-01"), 0, 0, 0.75);
	metric("lms", "training.completed", "bob@x.test", "{\"course\":\"onboarding\"}",
	    T("2025-03-01"), T("2025-04-01"), 1, 1, 0);
	metric("lms", "training.progress", "cy@x.test", "{\"course\":\"onboarding\"}",
	    T("2025-03-01"), T("2025-04-01"), 0, 0, 0.2);
	/* Web analytics. */
	metric("ga", "web.sessions", NULL, "{\"channel\":\"Web\"}", T("2025-03-01"),
	    T("2025-03-02"), 1, 100, 0);
	metric("ga", "web.sessions", NULL, "{\"channel\":\"Web\"}", T("2025-03-15"),
	    T("2025-03-16"), 1, 50, 0);
	metric("ga", "web.conversions", NULL, "{\"channel\":\"Web\"}", T("2025-03-01"),
	    T("2025-03-02"), 1, 6, 0);
	metric("ga", "web.sessions", NULL, "{\"channel\":\"Referral\"}", T("2025-03-10"),
	    T("2025-03-11"), 1, 40, 0);
	metric("ga", "web.sessions", NULL, "{\"channel\":\"Web\"}", T("2025-02-28"),
	    T("2025-03-01"), 1, 1000, 0);
	metric("ga", "web.sessions", NULL, "{\"channel\":\"Paid Search\"}", T("2025-03-05"),
	    T("2025-03-06"), 0, 0, 12.5);

	/* Runs: crm ok, sheet failed. */
	if (store_run_start(st, "crm", "csv", "sync", &id, &e) || store_run_finish(st, id, "ok",
	        NULL, &e))
		fail_msg("run: %s", e.msg);
	if (store_run_start(st, "sheet", "csv", "sync", &id, &e) || store_run_finish(st, id,
	        "failed", "boom", &e))
		fail_msg("run: %s", e.msg);
}

static int group_setup(void **state)
{
	struct ss_err e;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/ss-test-report-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path = xasprintf("%s/r.db", dir);
	if (store_open(path, &st, &e) != 0) {
		fprintf(stderr, "store_open: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	const char *sfx[] = {"", "-wal", "-shm"};

	(void)state;
	store_close(st);
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s%s", path, sfx[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	free(path);
	return 0;
}

/* ---- running the report ------------------------------------------------- */

static const char *const instances[] = {"crm", "sheet", "lms", "ga", "idle"};

static void opts(struct report_opts *o, const char *since, const char *until, const char *rep_email)
{
	memset(o, 0, sizeof *o);
	snprintf(o->since, sizeof o->since, "%s", since);
	snprintf(o->until, sizeof o->until, "%s", until);
	snprintf(o->now, sizeof o->now, "2025-04-02T00:00:00Z");
	o->rep = rep_email;
	o->instances = instances;
	o->ninstances = sizeof instances / sizeof instances[0];
}

/* The report in format f as text (caller frees). */
static char *render(const struct report_opts *o, enum report_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct ss_err e;

	assert_non_null(m);
	if (report_write(st, o, f, m, &e) != 0)
		fail_msg("report_write: %s", e.msg);
	fclose(m);
	return buf;
}

/* The report's JSON output, parsed. */
static json_t *report_json(const char *since, const char *until, const char *rep_email)
{
	struct report_opts o;
	json_error_t je;
	char *text;
	json_t *j;

	opts(&o, since, until, rep_email);
	text = render(&o, REPORT_JSON);
	j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("bad JSON: %s at line %d:\n%s", je.text, je.line, text);
	free(text);
	return j;
}

static json_t *march(void)
{
	return report_json(T("2025-03-01"), T("2025-04-01"), NULL);
}

/* ---- JSON paths: "a.b[2].c" ------------------------------------------- */

static json_t *at(json_t *root, const char *p)
{
	json_t *cur = root;
	char key[128];

	while (*p && cur) {
		size_t n = strcspn(p, ".[");
		if (n) {
			snprintf(key, sizeof key, "%.*s", (int)n, p);
			cur = json_object_get(cur, key);
			p += n;
		} else if (*p == '[') {
			size_t idx = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				idx = idx * 10 + (size_t)(*p - '0');
			if (*p == ']')
				p++;
			cur = json_array_get(cur, idx);
		} else {
			p++;
		}
	}
	return cur;
}

static void want_int(json_t *root, const char *p, long long want)
{
	json_t *v = at(root, p);

	if (!json_is_integer(v))
		fail_msg("%s: not an integer (%s)", p, v ? json_dumps(v, JSON_ENCODE_ANY) : "missing");
	if (json_integer_value(v) != want)
		fail_msg("%s = %lld, want %lld", p, (long long)json_integer_value(v), want);
}

static void want_real(json_t *root, const char *p, double want)
{
	json_t *v = at(root, p);
	double d;

	if (!json_is_number(v))
		fail_msg("%s: not a number", p);
	d = json_number_value(v);
	if (d - want > 1e-9 || want - d > 1e-9)
		fail_msg("%s = %.10g, want %.10g", p, d, want);
}

static void want_str(json_t *root, const char *p, const char *want)
{
	json_t *v = at(root, p);

	if (!json_is_string(v))
		fail_msg("%s: not a string", p);
	if (strcmp(json_string_value(v), want) != 0)
		fail_msg("%s = \"%s\", want \"%s\"", p, json_string_value(v), want);
}

static void want_null(json_t *root, const char *p)
{
	json_t *v = at(root, p);

	if (!json_is_null(v))
		fail_msg("%s: not null", p);
}

static void want_size(json_t *root, const char *p, size_t n)
{
	json_t *v = at(root, p);
	size_t got = json_is_array(v) ? json_array_size(v) : json_object_size(v);

	if (!v)
		fail_msg("%s: missing", p);
	if (got != n)
		fail_msg("%s has %zu entries, want %zu", p, got, n);
}

/* The element of array p whose key k equals v. */
static json_t *find(json_t *root, const char *p, const char *k, const char *v)
{
	size_t i;
	json_t *e;

	json_array_foreach(at(root, p), i, e) {
		if (json_is_string(json_object_get(e, k)) &&
		    strcmp(json_string_value(json_object_get(e, k)), v) == 0)
			return e;
	}
	fail_msg("%s: no entry with %s = %s", p, k, v);
	return NULL;
}

/* ---- tests -------------------------------------------------------------- */

static void test_time_parsing(void **state)
{
	char out[21];
	struct ss_err e;

	(void)state;
	assert_int_equal(report_parse_time("30d", 0, "2025-04-01T00:00:00Z", out, &e), 0);
	assert_string_equal(out, "2025-03-02T00:00:00Z");
	assert_int_equal(report_parse_time("1d12h", 0, "2025-04-01T00:00:00Z", out, &e), 0);
	assert_string_equal(out, "2025-03-30T12:00:00Z");
	assert_int_equal(report_parse_time("2025-03-01", 0, "2025-04-01T00:00:00Z", out, &e), 0);
	assert_string_equal(out, "2025-03-01T00:00:00Z");
	/* A day as the end of the period includes that day. */
	assert_int_equal(report_parse_time("2025-03-31", 1, "2025-04-01T00:00:00Z", out, &e), 0);
	assert_string_equal(out, "2025-04-01T00:00:00Z");
	assert_int_equal(report_parse_time("2024-12-31", 1, "2025-04-01T00:00:00Z", out, &e), 0);
	assert_string_equal(out, "2025-01-01T00:00:00Z");
	assert_int_equal(report_parse_time("2025-03-01T10:30:00+01:00", 1, "2025-04-01T00:00:00Z",
	    out, &e), 0);
	assert_string_equal(out, "2025-03-01T09:30:00Z");
	assert_int_equal(report_parse_time("30", 0, "2025-04-01T00:00:00Z", out, &e), SS_EINVAL);
	assert_int_equal(report_parse_time("30x", 0, "2025-04-01T00:00:00Z", out, &e), SS_EINVAL);
	assert_int_equal(report_parse_time("2025-02-30", 0, "2025-04-01T00:00:00Z", out, &e),
	    SS_EINVAL);
	assert_int_equal(report_parse_time("", 0, "2025-04-01T00:00:00Z", out, &e), SS_EINVAL);
	report_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	report_iso(-86400, out);
	assert_string_equal(out, "1969-12-31T00:00:00Z");
}

static void test_money_format(void **state)
{
	char *s;
	json_t *a;

	(void)state;
	s = report_money(1234567, "USD");
	assert_string_equal(s, "USD 12,345.67");
	free(s);
	s = report_money(-5, "EUR");
	assert_string_equal(s, "EUR -0.05");
	free(s);
	s = report_money(5000, "JPY");
	assert_string_equal(s, "JPY 5,000");
	free(s);
	s = report_money(1234, "BHD");
	assert_string_equal(s, "BHD 1.234");
	free(s);
	a = json_pack("{s:I, s:I}", "USD", (json_int_t)100, "EUR", (json_int_t)250);
	s = report_money_list(a);
	assert_string_equal(s, "EUR 2.50 · USD 1.00");
	free(s);
	json_decref(a);
	a = json_object();
	s = report_money_list(a);
	assert_string_equal(s, "-");
	free(s);
	json_decref(a);
	s = report_html_escape("<a href=\"x\">Tom & 'Jerry'</a>");
	assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
	free(s);
}

static void test_top_level_keys(void **state)
{
	static const char *const keys[] = {"period", "follow_up", "speed_to_lead", "funnel",
		"pipeline", "forecast", "targets", "bottlenecks", "training", "channels",
		"data_health", NULL};
	json_t *r;

	(void)state;
	fixture();
	r = march();
	for (int i = 0; keys[i]; i++)
		if (!json_is_object(json_object_get(r, keys[i])))
			fail_msg("no section %s", keys[i]);
	assert_int_equal(json_object_size(r), 11);
	want_str(r, "period.since", "2025-03-01T00:00:00Z");
	want_str(r, "period.until", "2025-04-01T00:00:00Z");
	want_str(r, "period.as_of", "2025-04-01T00:00:00Z");
	want_real(r, "period.days", 31);
	want_int(r, "period.follow_up_hours", 48);
	want_int(r, "period.stall_days", 14);
	want_null(r, "period.rep");
	json_decref(r);
}

static void test_follow_up(void **state)
{
	json_t *r = march();

	(void)state;
	/* Open leads idle since before 2025-03-30, oldest first: L7 (stale,
	 * 02-01), L1 and L10 (never touched, both created 03-02 10:00: a tie,
	 * broken by id), L2 (stale, 03-03 06:00), L5 (no owner, 03-20). L3 and
	 * L8 were touched on 03-31; L4, L6 are closed; L9 is deleted. */
	want_int(r, "follow_up.total", 5);
	want_int(r, "follow_up.no_activity", 3);
	want_int(r, "follow_up.stale", 2);
	want_size(r, "follow_up.owners", 3);
	want_str(r, "follow_up.owners[0].owner", "cy@x.test");
	want_str(r, "follow_up.owners[0].name", "Cy");
	want_int(r, "follow_up.owners[0].oldest_hours", 59 * 24);
	want_str(r, "follow_up.owners[0].leads[0].id", "L7");
	want_str(r, "follow_up.owners[0].leads[0].reason", "stale");
	want_str(r, "follow_up.owners[0].leads[0].company", "<Fa & Co>");
	want_str(r, "follow_up.owners[1].owner", "ann@x.test");
	want_str(r, "follow_up.owners[1].name", "Ann Smith"); /* golden name: newest record */
	want_int(r, "follow_up.owners[1].count", 3);
	want_str(r, "follow_up.owners[1].leads[0].id", "L1");
	want_str(r, "follow_up.owners[1].leads[1].id", "L10");
	want_str(r, "follow_up.owners[1].leads[2].id", "L2");
	want_str(r, "follow_up.owners[1].leads[0].reason", "no_activity");
	want_null(r, "follow_up.owners[1].leads[0].last_activity_at");
	want_int(r, "follow_up.owners[1].leads[0].hours_waiting", 29 * 24 + 14);
	want_int(r, "follow_up.owners[1].leads[2].hours_waiting", 28 * 24 + 18);
	want_null(r, "follow_up.owners[2].owner");
	want_str(r, "follow_up.owners[2].name", "(unassigned)");
	want_str(r, "follow_up.owners[2].leads[0].id", "L5");
	want_int(r, "follow_up.owners[2].leads[0].hours_waiting", 12 * 24);
	json_decref(r);
}

static void test_speed_to_lead(void **state)
{
	json_t *r = march(), *e;

	(void)state;
	/* Created in March: L1, L10 (no activity), L2 (6 h), L3 (504 h), L4
	 * (12 h), L5 (no activity). Sorted 6, 12, 504: median 12, p90 = the
	 * ceil(0.9 * 3) = 3rd value, 504. */
	want_int(r, "speed_to_lead.overall.leads", 6);
	want_int(r, "speed_to_lead.overall.with_activity", 3);
	want_int(r, "speed_to_lead.overall.without_activity", 3);
	want_real(r, "speed_to_lead.overall.median_hours", 12.0);
	want_real(r, "speed_to_lead.overall.p90_hours", 504.0);
	e = find(r, "speed_to_lead.reps", "rep", "ann@x.test");
	want_int(e, "leads", 3);
	want_int(e, "with_activity", 1);
	want_real(e, "median_hours", 6.0);
	want_real(e, "p90_hours", 6.0);
	/* Bob: 12 and 504, an even count: the mean of the two. */
	e = find(r, "speed_to_lead.reps", "rep", "bob@x.test");
	want_int(e, "leads", 2);
	want_real(e, "median_hours", 258.0);
	want_real(e, "p90_hours", 504.0);
	/* The lead without an owner has no activity: no median. */
	e = find(r, "speed_to_lead.reps", "name", "(unassigned)");
	want_int(e, "leads", 1);
	want_null(e, "median_hours");
	want_null(e, "p90_hours");
	json_decref(r);
}

static void test_funnel(void **state)
{
	json_t *r = march();

	(void)state;
	/* 2025-03-01 is a Saturday in ISO week 9; 2025-03-31 a Monday in 14. */
	want_size(r, "funnel.weeks", 6);
	want_str(r, "funnel.weeks[0]", "2025-W09");
	want_str(r, "funnel.weeks[5]", "2025-W14");
	/* "Web" and "web" are one channel; most leads first. */
	want_size(r, "funnel.channels", 3);
	want_str(r, "funnel.channels[0].channel", "Web");
	want_int(r, "funnel.channels[0].leads", 3);
	want_int(r, "funnel.channels[0].by_week[0]", 2); /* L1, L10 on Sunday 03-02 */
	want_int(r, "funnel.channels[0].by_week[1]", 1); /* L2 on Monday 03-03 */
	want_int(r, "funnel.channels[0].qualified", 0);
	want_real(r, "funnel.channels[0].qualified_share", 0.0);
	want_str(r, "funnel.channels[1].channel", "Referral");
	want_int(r, "funnel.channels[1].leads", 2);
	want_int(r, "funnel.channels[1].by_week[2]", 2);
	want_int(r, "funnel.channels[1].qualified", 2); /* qualified L3 and converted L4 */
	want_int(r, "funnel.channels[1].converted", 1);
	want_real(r, "funnel.channels[1].qualified_share", 1.0);
	want_real(r, "funnel.channels[1].converted_share", 0.5);
	want_str(r, "funnel.channels[2].channel", "(none)");
	want_int(r, "funnel.channels[2].by_week[3]", 1);
	want_int(r, "funnel.total.leads", 6);
	want_int(r, "funnel.total.qualified", 2);
	want_int(r, "funnel.total.converted", 1);
	want_real(r, "funnel.total.qualified_share", 0.3333);
	want_real(r, "funnel.total.converted_share", 0.1667);
	want_int(r, "funnel.total.by_week[0]", 2);
	want_int(r, "funnel.total.by_week[4]", 0);
	json_decref(r);
}

static void test_pipeline(void **state)
{
	json_t *r = march();

	(void)state;
	/* Open as of April 1st: D6..D10 (D11 deleted, D12 created later).
	 * Stages by mean probability: Prospecting 0.1, Proposal 0.375,
	 * Negotiation 0.8. */
	want_size(r, "pipeline.stages", 3);
	want_str(r, "pipeline.stages[0].stage", "Prospecting");
	want_int(r, "pipeline.stages[0].count", 2);
	want_int(r, "pipeline.stages[0].amounts.USD", 40000);
	want_int(r, "pipeline.stages[0].amounts.JPY", 5000);
	want_str(r, "pipeline.stages[1].stage", "Proposal");
	want_int(r, "pipeline.stages[1].amounts.USD", 10001);
	want_int(r, "pipeline.stages[1].amounts.EUR", 20000);
	want_str(r, "pipeline.stages[2].stage", "Negotiation");
	want_int(r, "pipeline.stages[2].count", 1);
	want_size(r, "pipeline.stages[2].amounts", 0);
	want_int(r, "pipeline.stages[2].no_amount", 1);
	want_int(r, "pipeline.total.count", 5);
	want_size(r, "pipeline.total.amounts", 3); /* never mixed */
	want_int(r, "pipeline.total.amounts.USD", 50001);
	want_int(r, "pipeline.total.amounts.EUR", 20000);
	want_int(r, "pipeline.total.amounts.JPY", 5000);
	/* Closed in March: won D1 (closed_at), D2 (close_date), D5 (no
	 * amount), lost D3; D4 closed in April. */
	want_int(r, "pipeline.closed.won", 3);
	want_int(r, "pipeline.closed.lost", 1);
	want_real(r, "pipeline.closed.win_rate", 0.75);
	want_int(r, "pipeline.closed.won_amounts.USD", 100000);
	want_int(r, "pipeline.closed.won_amounts.EUR", 50000);
	want_int(r, "pipeline.closed.avg_deal_size.USD", 100000); /* D5 has no amount */
	want_int(r, "pipeline.closed.avg_deal_size.EUR", 50000);
	/* Cycle: D1 38 days, D2 20, D5 20 (a tie): median 20, mean 26. */
	want_int(r, "pipeline.closed.cycle.deals", 3);
	want_real(r, "pipeline.closed.cycle.median_days", 20.0);
	want_real(r, "pipeline.closed.cycle.mean_days", 26.0);
	json_decref(r);
}

static void test_forecast(void **state)
{
	json_t *r = march();

	(void)state;
	/* 2025-03: D8 40000 x 0.1 (an overdue month); 2025-04: D6 10001 x 0.5
	 * = 5000.5, rounded half away from zero to 5001, D7 20000 x 0.25, D10
	 * without amount; no close date: D9, without probability. */
	want_size(r, "forecast.months", 3);
	want_str(r, "forecast.months[0].month", "2025-03");
	assert_true(json_is_true(at(r, "forecast.months[0].past")));
	want_int(r, "forecast.months[0].weighted.USD", 4000);
	want_str(r, "forecast.months[1].month", "2025-04");
	assert_true(json_is_false(at(r, "forecast.months[1].past")));
	want_int(r, "forecast.months[1].count", 3);
	want_int(r, "forecast.months[1].amounts.USD", 10001);
	want_int(r, "forecast.months[1].weighted.USD", 5001);
	want_int(r, "forecast.months[1].weighted.EUR", 5000);
	want_str(r, "forecast.months[2].month", "(none)");
	want_int(r, "forecast.months[2].amounts.JPY", 5000);
	want_size(r, "forecast.months[2].weighted", 0);
	want_int(r, "forecast.months[2].no_probability", 1);
	want_int(r, "forecast.total.count", 5);
	want_int(r, "forecast.total.weighted.USD", 9001);
	want_int(r, "forecast.total.weighted.EUR", 5000);
	want_int(r, "forecast.total.no_probability", 1);
	json_decref(r);
}

static void test_targets(void **state)
{
	json_t *r = march(), *e;

	(void)state;
	/* Ann: won D1 USD 1000.00 and D2 EUR 500.00; quota USD 2000.00 for
	 * March and EUR 900.00 for Q1 prorated 31/90 days = 310.00. */
	e = find(r, "targets.reps", "rep", "ann@x.test");
	want_str(e, "name", "Ann Smith");
	want_str(e, "team", "East");
	want_int(e, "won_deals", 2);
	want_int(e, "won.USD", 100000);
	want_int(e, "won.EUR", 50000);
	want_int(e, "quota.USD", 200000);
	want_int(e, "quota.EUR", 31000);
	want_real(e, "attainment.USD", 0.5);
	want_real(e, "attainment.EUR", 1.6129);
	/* Bob: no wins in March; USD 620.00 over 03-16..04-16 (31 days), 16 of
	 * them in March = 320.00; his February quota does not count. */
	e = find(r, "targets.reps", "rep", "bob@x.test");
	want_int(e, "won_deals", 0);
	want_size(e, "won", 0);
	want_int(e, "quota.USD", 32000);
	want_real(e, "attainment.USD", 0.0);
	/* Cy: a won deal without an amount; no quota, so no attainment. */
	e = find(r, "targets.reps", "rep", "cy@x.test");
	want_int(e, "won_deals", 1);
	want_size(e, "quota", 0);
	want_size(e, "attainment", 0);
	/* Dee: a rep without deals or quota is still listed. */
	e = find(r, "targets.reps", "rep", "dee@x.test");
	want_int(e, "won_deals", 0);
	want_size(e, "won", 0);
	want_size(r, "targets.reps", 4);
	/* Teams and the total; the quota without a rep is unassigned. */
	e = find(r, "targets.teams", "team", "East");
	want_int(e, "won_deals", 2);
	want_int(e, "quota.USD", 232000);
	want_real(e, "attainment.USD", 0.431);
	want_int(r, "targets.unassigned.quota.USD", 10000);
	want_int(r, "targets.unassigned.won_deals", 0);
	want_int(r, "targets.total.won_deals", 3);
	want_int(r, "targets.total.quota.USD", 242000);
	want_int(r, "targets.total.quota.EUR", 31000);
	want_real(r, "targets.total.attainment.USD", 0.4132);
	json_decref(r);
}

static void test_bottlenecks(void **state)
{
	json_t *r = march();

	(void)state;
	/* Days since update at April 1st: D8 31, D9 27 (Prospecting); D6 7,
	 * D7 59 (Proposal, D7 by its created_at); D10 1 (Negotiation). */
	want_str(r, "bottlenecks.stages[0].stage", "Prospecting");
	want_int(r, "bottlenecks.stages[0].open", 2);
	want_int(r, "bottlenecks.stages[0].stalled", 2);
	want_int(r, "bottlenecks.stages[0].stalled_amounts.USD", 40000);
	want_int(r, "bottlenecks.stages[0].stalled_amounts.JPY", 5000);
	want_real(r, "bottlenecks.stages[0].median_days_since_update", 29.0);
	want_null(r, "bottlenecks.stages[0].median_days_in_stage");
	want_str(r, "bottlenecks.stages[1].stage", "Proposal");
	want_int(r, "bottlenecks.stages[1].stalled", 1);
	want_real(r, "bottlenecks.stages[1].median_days_since_update", 33.0);
	want_int(r, "bottlenecks.stages[2].stalled", 0);
	want_size(r, "bottlenecks.stalled_deals", 3);
	want_str(r, "bottlenecks.stalled_deals[0].id", "D7");
	want_int(r, "bottlenecks.stalled_deals[0].days_since_update", 59);
	want_str(r, "bottlenecks.stalled_deals[1].id", "D8");
	want_str(r, "bottlenecks.stalled_deals[2].id", "D9");
	assert_non_null(strstr(json_string_value(at(r, "bottlenecks.median_days_in_stage")),
	    "not available"));
	json_decref(r);
}

static void test_training(void **state)
{
	json_t *r = march(), *e;

	(void)state;
	/* Ann: onboarding completed, negotiation at 0.75 (the newer period
	 * wins over 0.5): 1 of 2, average progress (1 + 0.75) / 2. */
	e = find(r, "training.reps", "rep", "ann@x.test");
	want_int(e, "courses", 2);
	want_int(e, "completed", 1);
	want_real(e, "completion", 0.5);
	want_real(e, "avg_progress", 0.875);
	e = find(r, "training.reps", "rep", "bob@x.test");
	want_real(e, "completion", 1.0);
	e = find(r, "training.reps", "rep", "cy@x.test");
	want_int(e, "completed", 0);
	want_real(e, "avg_progress", 0.2);
	e = find(r, "training.reps", "rep", "dee@x.test");
	want_int(e, "courses", 0);
	want_null(e, "completion");
	/* New reps: Bob (trained) and Cy (not yet); Dee has no join date. Bob
	 * since 02-01: leads L3, L4, and lost D3 (D4 closes after as_of). Cy
	 * since 02-15: L7 was created before he joined; won D5. */
	want_size(r, "training.new_reps.reps", 2);
	want_int(r, "training.new_reps.join_date_unknown", 1);
	want_int(r, "training.new_reps.trained.reps", 1);
	want_int(r, "training.new_reps.trained.leads", 2);
	want_int(r, "training.new_reps.trained.won_deals", 0);
	want_int(r, "training.new_reps.trained.lost_deals", 1);
	want_int(r, "training.new_reps.not_yet_trained.reps", 1);
	want_int(r, "training.new_reps.not_yet_trained.leads", 0);
	want_int(r, "training.new_reps.not_yet_trained.won_deals", 1);
	json_decref(r);
}

static void test_channels(void **state)
{
	json_t *r = march(), *e;

	(void)state;
	/* Web: sessions 100 + 50 (the Feb 28 metric is outside), 6
	 * conversions, leads L1, L2, L10, won D1 (via lead L2). */
	e = find(r, "channels.channels", "channel", "Web");
	want_int(e, "sessions", 150);
	want_int(e, "conversions", 6);
	want_real(e, "conversion_rate", 0.04);
	want_int(e, "leads", 3);
	want_int(e, "won_deals", 1);
	want_int(e, "won.USD", 100000);
	e = find(r, "channels.channels", "channel", "Referral");
	want_int(e, "sessions", 40);
	want_real(e, "conversion_rate", 0.0);
	want_int(e, "won.EUR", 50000);
	e = find(r, "channels.channels", "channel", "Paid Search");
	want_real(e, "sessions", 12.5);
	want_int(e, "leads", 0);
	e = find(r, "channels.channels", "channel", "(none)");
	want_int(e, "leads", 1);
	want_int(e, "won_deals", 1); /* D5 has no lead */
	want_null(e, "conversion_rate");
	want_str(r, "channels.channels[0].channel", "Web");
	json_decref(r);
}

static void test_data_health(void **state)
{
	json_t *r = march(), *e;

	(void)state;
	e = find(r, "data_health.instances", "instance", "crm");
	assert_true(json_is_true(json_object_get(e, "configured")));
	want_str(e, "last_status", "ok");
	assert_true(json_is_string(json_object_get(e, "last_success")));
	want_int(e, "records.reps", 4);
	want_int(e, "records.leads", 8);
	want_int(e, "deleted.leads", 1);
	want_int(e, "records.deals", 11);
	e = find(r, "data_health.instances", "instance", "sheet");
	want_str(e, "last_status", "failed");
	want_null(e, "last_success");
	want_str(e, "last_error", "boom");
	want_int(e, "records.metrics", 5);
	e = find(r, "data_health.instances", "instance", "idle");
	want_null(e, "last_success");
	want_int(e, "records.leads", 0);
	want_int(r, "data_health.people", 7);
	want_int(r, "data_health.people_in_several_tools", 1);
	want_int(r, "data_health.reps_in_several_tools", 1);
	want_int(r, "data_health.leads_without_email", 1);
	want_int(r, "data_health.leads_without_owner", 1);
	want_int(r, "data_health.deals_without_owner", 1);
	want_int(r, "data_health.deals_with_unknown_owner", 1); /* D12's "ghost" */
	json_decref(r);
}

static void test_empty_period(void **state)
{
	json_t *r = report_json(T("2030-01-01"), T("2030-01-02"), NULL);

	(void)state;
	want_size(r, "funnel.weeks", 1);
	want_str(r, "funnel.weeks[0]", "2030-W01");
	want_size(r, "funnel.channels", 0);
	want_int(r, "funnel.total.leads", 0);
	want_null(r, "funnel.total.qualified_share");
	want_int(r, "speed_to_lead.overall.leads", 0);
	want_null(r, "speed_to_lead.overall.median_hours");
	want_int(r, "pipeline.closed.won", 0);
	want_null(r, "pipeline.closed.win_rate");
	want_null(r, "pipeline.closed.cycle.median_days");
	want_size(r, "pipeline.closed.won_amounts", 0);
	want_size(r, "targets.total.quota", 0);
	want_int(r, "targets.total.won_deals", 0);
	want_size(r, "channels.channels", 0);
	/* Snapshots cannot see the future: they are as of now (2025-04-02),
	 * not the end of the period. Idle since before 03-31: L7, L1, L10, L2,
	 * L5 (L3 and L8 were touched on 03-31); open: D6..D10 (D12 is created
	 * on 04-05). */
	want_str(r, "period.as_of", "2025-04-02T00:00:00Z");
	want_int(r, "follow_up.total", 5);
	want_int(r, "pipeline.total.count", 5);
	json_decref(r);
}

static void test_one_rep(void **state)
{
	json_t *r = report_json(T("2025-03-01"), T("2025-04-01"), "bob@x.test");

	(void)state;
	want_str(r, "period.rep", "bob@x.test");
	want_int(r, "follow_up.total", 0);
	want_int(r, "speed_to_lead.overall.leads", 2);
	want_int(r, "pipeline.total.count", 1);
	want_int(r, "pipeline.total.amounts.EUR", 20000);
	want_int(r, "pipeline.closed.lost", 1);
	want_size(r, "targets.reps", 1);
	want_str(r, "targets.reps[0].rep", "bob@x.test");
	want_size(r, "targets.teams", 0);
	want_int(r, "targets.total.quota.USD", 32000);
	want_size(r, "training.reps", 1);
	want_int(r, "funnel.total.leads", 2);
	json_decref(r);
}

static void test_text_and_html(void **state)
{
	struct report_opts o;
	char *t, *h;

	(void)state;
	opts(&o, T("2025-03-01"), T("2025-04-01"), NULL);
	t = render(&o, REPORT_TEXT);
	assert_non_null(strstr(t, "salesync report: 2025-03-01 to 2025-03-31 (31.0 days), all reps"));
	assert_non_null(strstr(t, "1. Follow-up queue — as of 2025-04-01 00:00 UTC"));
	assert_non_null(strstr(t, "5 leads waiting: 3 with no activity yet, 2 idle"));
	assert_non_null(strstr(t, "Ann Smith <ann@x.test>: 3 leads, oldest waiting 29 d"));
	assert_non_null(strstr(t, "Closed 2025-03-01 to 2025-03-31: 3 won, 1 lost, win rate 75.0%"));
	assert_non_null(strstr(t, "Won: EUR 500.00 · USD 1,000.00"));
	assert_non_null(strstr(t, "EUR 310.00 · USD 2,000.00"));
	assert_non_null(strstr(t, "EUR 161.3% · USD 50.0%"));
	assert_non_null(strstr(t, "JPY 5,000"));
	assert_non_null(strstr(t, "not available"));
	assert_non_null(strstr(t, "10. Data health"));
	free(t);

	h = render(&o, REPORT_HTML);
	assert_non_null(strstr(h, "<!DOCTYPE html>"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_non_null(strstr(h, "class=\"chart chart-funnel\""));
	assert_non_null(strstr(h, "class=\"chart chart-pipeline\""));
	assert_non_null(strstr(h, "class=\"chart chart-forecast\""));
	assert_non_null(strstr(h, "class=\"chart chart-quota\""));
	assert_non_null(strstr(h, "id=\"follow-up-queue\""));
	/* Data is escaped: the company "<Fa & Co>". */
	assert_non_null(strstr(h, "&lt;Fa &amp; Co&gt;"));
	assert_null(strstr(h, "<Fa & Co>"));
	free(h);
}

/* ---- the unified views -------------------------------------------------- */

struct rows {
	struct sb text;
	int n;
};

static int collect(void *ud, int ncol, const char *const *names, const char *const *values,
    const enum store_type *types)
{
	struct rows *r = ud;

	(void)types;
	for (int i = 0; i < ncol; i++)
		sb_addf(&r->text, "%s%s=%s", i ? "|" : "", names[i], values[i] ? values[i] : "~");
	sb_addc(&r->text, '\n');
	r->n++;
	return 0;
}

static void test_people_view(void **state)
{
	struct rows r = {{0}, 0};
	struct ss_err e;
	const char *const prec[] = {"crm"};

	(void)state;
	assert_int_equal(store_export_unified(st, STORE_PEOPLE, collect, &r, &e), 0);
	assert_int_equal(r.n, 7); /* live leads with an email, by email */
	/* a@p.test: crm L1 (Al, Acme) and sheet L8 (Alice, updated later,
	 * no company): the newest non-empty value per field. */
	assert_non_null(strstr(r.text.buf, "email=a@p.test|first_name=Alice|last_name=Test|"
	    "company=Acme|"));
	assert_non_null(strstr(r.text.buf, "n_instances=2|n_records=2|instances=crm,sheet|"
	    "record_keys=crm:L1,sheet:L8|created_at=2025-02-01T00:00:00Z"));
	assert_null(strstr(r.text.buf, "h@p.test")); /* deleted */
	sb_free(&r.text);

	/* With precedence = crm, the CRM's value wins even though older. */
	assert_int_equal(store_set_precedence(st, prec, 1, &e), 0);
	memset(&r, 0, sizeof r);
	assert_int_equal(store_export_unified(st, STORE_PEOPLE, collect, &r, &e), 0);
	assert_non_null(strstr(r.text.buf, "email=a@p.test|first_name=Al|"));
	sb_free(&r.text);
	/* Setting the same list again writes nothing; clearing restores. */
	assert_int_equal(store_set_precedence(st, prec, 1, &e), 0);
	assert_int_equal(store_set_precedence(st, NULL, 0, &e), 0);

	memset(&r, 0, sizeof r);
	assert_int_equal(store_export_unified(st, STORE_REPS_UNIFIED, collect, &r, &e), 0);
	assert_int_equal(r.n, 4);
	assert_non_null(strstr(r.text.buf, "email=ann@x.test|name=Ann Smith|team=East|active=1|"
	    "n_instances=2|n_records=2|instances=crm,lms|record_keys=crm:r1,lms:u9|"
	    "created_at=2024-01-01T00:00:00Z"));
	sb_free(&r.text);
}

static void test_store_query_refuses_writes(void **state)
{
	struct rows r = {{0}, 0};
	struct ss_err e;
	const char *p[1] = {"crm"};

	(void)state;
	assert_int_equal(store_query(st, "DELETE FROM leads", NULL, 0, collect, &r, &e),
	    SS_EINVAL);
	assert_int_equal(store_query(st, "SELECT 1; DELETE FROM leads", NULL, 0, collect, &r, &e),
	    SS_EINVAL);
	assert_int_equal(store_query(st, "WITH x AS (SELECT 1) DELETE FROM leads", NULL, 0,
	    collect, &r, &e), SS_EINVAL);
	assert_int_equal(store_query(st, "BEGIN", NULL, 0, collect, &r, &e), SS_EINVAL);
	assert_int_equal(store_query(st, "select count(*) AS n from leads where source = ?1", p, 1,
	    collect, &r, &e), 0);
	assert_string_equal(r.text.buf, "n=9\n");
	sb_free(&r.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parsing),
		cmocka_unit_test(test_money_format),
		cmocka_unit_test(test_top_level_keys), /* writes the fixture */
		cmocka_unit_test(test_follow_up),
		cmocka_unit_test(test_speed_to_lead),
		cmocka_unit_test(test_funnel),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_forecast),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_bottlenecks),
		cmocka_unit_test(test_training),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_data_health),
		cmocka_unit_test(test_empty_period),
		cmocka_unit_test(test_one_rep),
		cmocka_unit_test(test_text_and_html),
		cmocka_unit_test(test_people_view),
		cmocka_unit_test(test_store_query_refuses_writes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
