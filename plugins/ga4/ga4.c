/*
 * ga4: Google Analytics 4, through the Data API's runReport.
 *
 * One instance reads one property: every row of a report by date (and the
 * configured dimensions) becomes one metric per configured GA metric,
 * named web.<metric in snake_case>, over that one day, with the other
 * dimensions as dims. GA4 has no "changed since": each sync reads the days
 * from the stream's cursor to today, and the cursor always stays
 * lookback_days (plus one for property time zones behind UTC) behind
 * today, because GA4 keeps revising recent days. Re-read days replace
 * their values: a metric's key is its name, day and dims.
 *
 * Pages (offset/limit against rowCount) are ordered by date, then by the
 * other dimensions; after each page the cursor moves to the page's last
 * day (re-read next time: its rows may go on in the next page) and the
 * page is committed, so a run that ends early (quota, crash) resumes there.
 *
 * HTTP, auth (service-account JWT, OAuth2 refresh token or a bearer
 * token), retries and rate limits are the host's; quota errors
 * (RESOURCE_EXHAUSTED) end the run partial through `classify`.
 */
#include <salesync/plugin.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ga4_map.h"

#define STREAM "report"
#define DEFAULT_METRICS "sessions,newUsers,totalUsers,keyEvents"
#define DEFAULT_DIMENSIONS "date,sessionDefaultChannelGroup"
#define NAME_MAX_LEN 160

struct ga4 {
	char property[32];
	char report_path[96];   /* /v1beta/properties/N:runReport */
	char metadata_path[96]; /* /v1beta/properties/N/metadata */
	struct ga4_names dims, metrics;
	const char *start_spec; /* the start_date option, borrowed until close */
	long lookback;
	long long page_size;
	/* the last error response classify saw */
	int have_err;
	long err_status;
	struct ga4_error err;
	/* for the mapping callbacks, during sync */
	ss_ctx *ctx;
	const struct ss_api *api;
};

/* ---- options ------------------------------------------------------------- */

static void names_free(struct ga4_names *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->ga[i]);
		free(l->ours[i]);
	}
	free(l->ga);
	free(l->ours);
	memset(l, 0, sizeof *l);
}

static int valid_ga_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '_' || c == ':'))
			return 0;
	}
	return 1;
}

static int names_add(struct ga4_names *l, const char *name, size_t len)
{
	char **ga = realloc(l->ga, (l->n + 1) * sizeof *ga);
	char **ours;

	if (!ga)
		return SS_ENOMEM;
	l->ga = ga;
	ours = realloc(l->ours, (l->n + 1) * sizeof *ours);
	if (!ours)
		return SS_ENOMEM;
	l->ours = ours;
	if (!(l->ga[l->n] = malloc(len + 1)))
		return SS_ENOMEM;
	memcpy(l->ga[l->n], name, len);
	l->ga[l->n][len] = '\0';
	l->ours[l->n] = NULL;
	l->n++;
	return 0;
}

static int names_has(const struct ga4_names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->ga[i], name) == 0)
			return 1;
	}
	return 0;
}

/* "a, b,c" -> names; fails on empty items, bad characters, duplicates. */
static int parse_list(ss_ctx *ctx, const struct ss_api *api, const char *key, const char *text,
    struct ga4_names *out)
{
	const char *p = text;

	while (*p) {
		const char *e = p, *s;
		size_t len;
		char item[NAME_MAX_LEN];
		int rc;

		while (*e && *e != ',')
			e++;
		s = p;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		len = (size_t)(e - s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof item)
			return api->fail(ctx, SS_EINVAL, "%s: empty or too long name in '%s'", key, text);
		memcpy(item, s, len);
		item[len] = '\0';
		if (!valid_ga_name(item))
			return api->fail(ctx, SS_EINVAL, "%s: '%s' is not a GA4 API name (camelCase, such "
			    "as sessions or sessionDefaultChannelGroup)", key, item);
		if (names_has(out, item))
			return api->fail(ctx, SS_EINVAL, "%s: '%s' is listed twice", key, item);
		if ((rc = names_add(out, item, len)) != 0)
			return api->fail(ctx, rc, "out of memory");
		p = *e ? e + 1 : e;
	}
	return 0;
}

struct rename_ud {
	ss_ctx *ctx;
	const struct ss_api *api;
	struct ga4_names *l;
	const char *prefix;
	int rc;
};

/* metric.<GA name> = <our name>, dim.<GA name> = <our key> */
static int rename_one(void *ud, const char *rest, const char *value)
{
	struct rename_ud *u = ud;

	for (size_t i = 0; i < u->l->n; i++) {
		if (strcmp(u->l->ga[i], rest) != 0)
			continue;
		if (strcmp(rest, "date") == 0) {
			u->rc = u->api->fail(u->ctx, SS_EINVAL, "%sdate: the date dimension gives the "
			    "metric's period and cannot be renamed", u->prefix);
			return 1;
		}
		if (!*value || strlen(value) >= NAME_MAX_LEN) {
			u->rc = u->api->fail(u->ctx, SS_EINVAL, "%s%s: the new name is empty or too long",
			    u->prefix, rest);
			return 1;
		}
		free(u->l->ours[i]);
		if (!(u->l->ours[i] = strdup(value))) {
			u->rc = u->api->fail(u->ctx, SS_ENOMEM, "out of memory");
			return 1;
		}
		return 0;
	}
	u->rc = u->api->fail(u->ctx, SS_EINVAL, "%s%s: '%s' is not one of the configured %s",
	    u->prefix, rest, rest, strcmp(u->prefix, "dim.") == 0 ? "dimensions" : "metrics");
	return 1;
}

/* Fills every ours[] (renamed or default) and refuses collisions. */
static int resolve_names(ss_ctx *ctx, const struct ss_api *api, struct ga4_names *l, int is_dim)
{
	for (size_t i = 0; i < l->n; i++) {
		char buf[NAME_MAX_LEN];

		if (!l->ours[i]) {
			int r = is_dim ? ga4_dim_key(l->ga[i], buf, sizeof buf) :
			                 ga4_metric_name(l->ga[i], buf, sizeof buf);
			if (r != 0)
				return api->fail(ctx, SS_EINVAL, "'%s': name too long", l->ga[i]);
			if (!(l->ours[i] = strdup(buf)))
				return api->fail(ctx, SS_ENOMEM, "out of memory");
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(l->ours[i], l->ours[j]) == 0 && (!is_dim || strcmp(l->ga[i], "date") != 0))
				return api->fail(ctx, SS_EINVAL, "%s '%s' and '%s' would both be stored as "
				    "'%s'; rename one with %s%s = ...", is_dim ? "dimensions" : "metrics",
				    l->ga[j], l->ga[i], l->ours[i], is_dim ? "dim." : "metric.", l->ga[i]);
		}
	}
	return 0;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int open_options(ss_ctx *ctx, const struct ss_api *api, struct ga4 *s)
{
	const char *prop = api->option(ctx, "property");
	const char *mets = api->option(ctx, "metrics");
	const char *dims = api->option(ctx, "dimensions");
	struct rename_ud u = {ctx, api, NULL, NULL, 0};
	long long v;
	long day;
	size_t n;
	int rc;

	if (!prop)
		return api->fail(ctx, SS_EINVAL, "property: required (the GA4 property id, digits)");
	if (strncmp(prop, "properties/", 11) == 0)
		prop += 11;
	n = strlen(prop);
	if (n == 0 || n >= sizeof s->property || strspn(prop, "0123456789") != n)
		return api->fail(ctx, SS_EINVAL, "property: '%s' is not a GA4 property id (digits, as "
		    "in Admin > Property details; not the G-XXXX measurement id)", prop);
	memcpy(s->property, prop, n + 1);
	snprintf(s->report_path, sizeof s->report_path, "/v1beta/properties/%s:runReport", s->property);
	snprintf(s->metadata_path, sizeof s->metadata_path, "/v1beta/properties/%s/metadata",
	    s->property);

	if ((rc = parse_list(ctx, api, "metrics", mets ? mets : DEFAULT_METRICS, &s->metrics)) != 0 ||
	    (rc = parse_list(ctx, api, "dimensions", dims ? dims : DEFAULT_DIMENSIONS, &s->dims)) != 0)
		return rc;
	if (s->metrics.n == 0)
		return api->fail(ctx, SS_EINVAL, "metrics: at least one metric is needed");
	/* Every metric is per day: the date dimension is always asked for. */
	if (!names_has(&s->dims, "date")) {
		char *date;

		if ((rc = names_add(&s->dims, "date", 4)) != 0)
			return api->fail(ctx, rc, "out of memory");
		/* move it first (no renames are set yet) */
		date = s->dims.ga[s->dims.n - 1];
		memmove(s->dims.ga + 1, s->dims.ga, (s->dims.n - 1) * sizeof *s->dims.ga);
		s->dims.ga[0] = date;
	}
	if (s->metrics.n > GA4_MAX_METRICS)
		return api->fail(ctx, SS_EINVAL, "metrics: %zu metrics, GA4 allows %d per report",
		    s->metrics.n, GA4_MAX_METRICS);
	if (s->dims.n > GA4_MAX_DIMS)
		return api->fail(ctx, SS_EINVAL, "dimensions: %zu dimensions with date, GA4 allows %d per "
		    "report", s->dims.n, GA4_MAX_DIMS);

	u.l = &s->metrics;
	u.prefix = "metric.";
	api->option_each(ctx, "metric.", rename_one, &u);
	if (u.rc != 0)
		return u.rc;
	u.l = &s->dims;
	u.prefix = "dim.";
	api->option_each(ctx, "dim.", rename_one, &u);
	if (u.rc != 0)
		return u.rc;
	if ((rc = resolve_names(ctx, api, &s->metrics, 0)) != 0 ||
	    (rc = resolve_names(ctx, api, &s->dims, 1)) != 0)
		return rc;

	s->start_spec = api->option(ctx, "start_date");
	if (!s->start_spec)
		s->start_spec = "30daysAgo";
	if (ga4_day_resolve(s->start_spec, 0, &day) != 0)
		return api->fail(ctx, SS_EINVAL, "start_date: '%s' is not YYYY-MM-DD, NdaysAgo, "
		    "yesterday or today", s->start_spec);
	if (parse_int(api->option(ctx, "lookback_days"), 0, 365, &v) != 0)
		return api->fail(ctx, SS_EINVAL, "lookback_days: a number of days from 0 to 365");
	s->lookback = (long)v;
	if (parse_int(api->option(ctx, "page_size"), 1, GA4_MAX_LIMIT, &v) != 0)
		return api->fail(ctx, SS_EINVAL, "page_size: rows per request, 1 to %d", GA4_MAX_LIMIT);
	s->page_size = v;
	return 0;
}

static void g_close(void *state)
{
	struct ga4 *s = state;

	if (!s)
		return;
	names_free(&s->dims);
	names_free(&s->metrics);
	free(s);
}

static int g_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	struct ga4 *s;
	int rc;

	if (!SS_API_HAS(api, http))
		return api->fail(ctx, SS_EUNSUPPORTED, "this host has no HTTP service (SDK 1.1 needed)");
	if (!(s = calloc(1, sizeof *s)))
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	if ((rc = open_options(ctx, api, s)) != 0) {
		g_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* ---- errors -------------------------------------------------------------- */

/* Sees every response before the host acts: keeps Google's error object
 * for the messages, and turns quota errors into the host's quota outcome
 * (tokens per day/hour) or a retry (concurrent requests). */
static enum ss_http_verdict classify(void *ud, const struct ss_http_response *r)
{
	struct ga4 *s = ud;
	enum ga4_quota q;

	s->have_err = 0;
	if (r->status < 400)
		return SS_HTTP_DEFAULT;
	if (ga4_parse_error(r->body, r->body_len, &s->err) != 0)
		return SS_HTTP_DEFAULT;
	s->have_err = 1;
	s->err_status = r->status;
	q = ga4_quota_kind(r->status, &s->err);
	if (q == GA4_QUOTA_SPENT)
		return SS_HTTP_QUOTA;
	if (q == GA4_QUOTA_BUSY)
		return SS_HTTP_RETRY;
	return SS_HTTP_DEFAULT;
}

/* The request failed in the host (rc): say it again with GA's own error
 * object when one came with the last response. */
static int explain(ss_ctx *ctx, const struct ss_api *api, struct ga4 *s, const char *what, int rc)
{
	const struct ga4_error *e = &s->err;

	if (!s->have_err)
		return rc;
	switch (rc) {
	case SS_EQUOTA:
		return api->fail(ctx, rc, "%s: HTTP %ld %s: %s; the property's GA4 quota is spent: the "
		    "run ends partial and the next sync goes on from where it stopped", what,
		    s->err_status, e->status, e->message);
	case SS_EAUTH:
		return api->fail(ctx, rc, "%s: HTTP %ld %s: %s; the credentials were refused (access "
		    "tokens are fetched again once): check key_file, refresh_token or token, and that "
		    "its account may read property %s", what, s->err_status, e->status, e->message,
		    s->property);
	case SS_ERETRY:
		return api->fail(ctx, rc, "%s: HTTP %ld %s: %s; GA4 kept failing through every retry, try "
		    "again later", what, s->err_status, e->status, e->message);
	default:
		return rc;
	}
}

/* A response the host handed back with an error status. */
static int fail_status(ss_ctx *ctx, const struct ss_api *api, struct ga4 *s,
    const struct ss_http_response *r, const char *method)
{
	struct ga4_error e;
	char advice[200] = "";
	int code = SS_EIO;

	if (r->status == 400) {
		code = SS_EINVAL;
		snprintf(advice, sizeof advice, "; check metrics, dimensions and start_date (GA4 API "
		    "names are camelCase)");
	} else if (r->status == 401 || r->status == 403) {
		code = SS_EAUTH;
		snprintf(advice, sizeof advice, "; add the service account (or the OAuth user) as a "
		    "Viewer of property %s, and check the property id", s->property);
	} else if (r->status == 404) {
		code = SS_EINVAL;
		snprintf(advice, sizeof advice, "; check the property id (%s) and base_url", s->property);
	}
	if (ga4_parse_error(r->body, r->body_len, &e) == 0)
		return api->fail(ctx, code, "%s %s: HTTP %ld %s: %s%s", method, r->url, r->status,
		    e.status, e.message, advice);
	return api->fail(ctx, code, "%s %s: HTTP %ld: %.200s%s", method, r->url, r->status, r->body,
	    advice);
}

static json_t *parse_body(ss_ctx *ctx, const struct ss_api *api, const struct ss_http_response *r,
    const char *method, int *rc)
{
	json_error_t je;
	json_t *j = json_loadb(r->body, r->body_len, 0, &je);

	if (!j || !json_is_object(j)) {
		json_decref(j);
		*rc = api->fail(ctx, SS_EPARSE, "%s %s: expected a JSON object: %s (body starts: %.80s)",
		    method, r->url, j ? "not an object" : je.text, r->body);
		return NULL;
	}
	return j;
}

/* ---- check --------------------------------------------------------------- */

static int in_metadata(json_t *list, const char *name)
{
	size_t i;
	json_t *it;

	json_array_foreach(list, i, it) {
		const char *api_name = json_string_value(json_object_get(it, "apiName"));
		if (api_name && strcmp(api_name, name) == 0)
			return 1;
	}
	return 0;
}

/* One cheap call: the property's metadata (no report quota). It proves the
 * credentials and the property, and that every configured name exists. */
static int g_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct ga4 *s = state;
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	json_t *j, *md, *mm;
	int rc = 0;

	req.url = s->metadata_path;
	req.classify = classify;
	req.classify_ud = s;
	if ((rc = api->http->request(ctx, &req, &r)) != 0)
		return explain(ctx, api, s, "GET metadata", rc);
	if (r->status < 200 || r->status > 299)
		return fail_status(ctx, api, s, r, "GET");
	if (!(j = parse_body(ctx, api, r, "GET", &rc)))
		return rc;
	md = json_object_get(j, "dimensions");
	mm = json_object_get(j, "metrics");
	for (size_t i = 0; i < s->dims.n && rc == 0; i++) {
		if (!in_metadata(md, s->dims.ga[i]))
			rc = api->fail(ctx, SS_EINVAL, "dimensions: property %s has no dimension '%s' "
			    "(GA4 API names: date, sessionDefaultChannelGroup, sessionSource, ...)",
			    s->property, s->dims.ga[i]);
	}
	for (size_t i = 0; i < s->metrics.n && rc == 0; i++) {
		if (!in_metadata(mm, s->metrics.ga[i]))
			rc = api->fail(ctx, SS_EINVAL, "metrics: property %s has no metric '%s' (GA4 "
			    "API names: sessions, newUsers, totalUsers, keyEvents, ...)", s->property,
			    s->metrics.ga[i]);
	}
	if (rc == 0)
		api->log(ctx, SS_LOG_INFO, "property %s: %zu dimensions and %zu metrics available, the "
		    "configured ones among them", s->property, json_array_size(md), json_array_size(mm));
	json_decref(j);
	return rc;
}

/* ---- sync ---------------------------------------------------------------- */

static int sink_emit(void *ud, const struct ga4_metric *gm)
{
	struct ga4 *s = ud;
	struct ss_metric m = SS_METRIC_INIT;
	int rc;

	m.name = gm->name;
	m.value = gm->value;
	m.unit = gm->unit;
	m.period_start = gm->start;
	m.period_end = gm->end;
	m.dims = gm->dims;
	rc = s->api->emit_metric(s->ctx, &m);
	if (rc == SS_EINVAL) {
		s->api->skip(s->ctx, "runReport row %zu (%s, %s): value '%s' of %s was refused",
		    gm->row, gm->start, gm->dims, gm->value, gm->name);
		return 0;
	}
	return rc;
}

static void sink_skip(void *ud, size_t row, const char *why)
{
	struct ga4 *s = ud;

	s->api->skip(s->ctx, "runReport row %zu: %s", row, why);
}

static void log_quota(ss_ctx *ctx, const struct ss_api *api, json_t *j)
{
	json_t *q = json_object_get(j, "propertyQuota");
	json_t *day = json_object_get(json_object_get(q, "tokensPerDay"), "remaining");
	json_t *hour = json_object_get(json_object_get(q, "tokensPerHour"), "remaining");

	if (json_is_integer(day) && json_is_integer(hour))
		api->log(ctx, SS_LOG_DEBUG, "GA4 quota left: %lld tokens today, %lld this hour",
		    (long long)json_integer_value(day), (long long)json_integer_value(hour));
}

static long today_utc(void)
{
	time_t now = time(NULL);

	return (long)(now / 86400 - (now % 86400 < 0));
}

/* One page: request, map, cursor, checkpoint. *last is set on the last. */
static int sync_page(ss_ctx *ctx, const struct ss_api *api, struct ga4 *s, const char *start,
    long end_cursor, long long offset, long long *done, int *last)
{
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	struct ga4_sink sink = {sink_emit, sink_skip, NULL};
	struct ga4_page page;
	char what[128], err[200], cur[11];
	char *body = ga4_request_body(start, "today", &s->dims, &s->metrics, s->page_size, offset);
	json_t *j;
	int rc = 0;

	if (!body)
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	snprintf(what, sizeof what, "POST runReport of property %s from %s, offset %lld", s->property,
	    start, offset);
	req.method = "POST";
	req.url = s->report_path;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/json";
	req.classify = classify;
	req.classify_ud = s;
	rc = api->http->request(ctx, &req, &r);
	free(body);
	if (rc != 0)
		return explain(ctx, api, s, what, rc);
	if (r->status < 200 || r->status > 299)
		return fail_status(ctx, api, s, r, "POST");
	if (!(j = parse_body(ctx, api, r, "POST", &rc)))
		return rc;
	log_quota(ctx, api, j);
	sink.ud = s;
	rc = ga4_map_report(j, &s->dims, &s->metrics, &sink, &page, err, sizeof err);
	json_decref(j);
	if (rc == GA4_EPARSE)
		return api->fail(ctx, SS_EPARSE, "POST %s: %s", r->url, err);
	if (rc != 0)
		return rc;
	*done += (long long)page.rows;
	/* rowCount counts every row of the report; should it be missing, a
	 * short page is the last */
	*last = page.rows == 0 || (page.row_count > 0 ? offset + (long long)page.rows >=
	    page.row_count : (long long)page.rows < s->page_size);
	/* The page's last day may go on in the next page: re-read it. */
	if (*last || page.last_day >= 0) {
		long c = *last || page.last_day > end_cursor ? end_cursor : page.last_day;
		ga4_day_format(c, cur);
		if ((rc = api->cursor_set(ctx, STREAM, cur)) != 0)
			return rc;
	}
	api->progress(ctx, STREAM, *done, page.row_count > *done ? page.row_count : *done);
	return api->checkpoint(ctx);
}

static int g_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct ga4 *s = state;
	const char *cursor = api->cursor_get(ctx, STREAM);
	long today = today_utc(), settle, start, end_cursor, c;
	long long offset = 0, done = 0;
	char start_s[11];
	int last = 0, rc;

	s->ctx = ctx;
	s->api = api;
	/* GA4 revises recent days; one more day covers properties whose
	 * time zone is behind UTC (their "today" is our yesterday). */
	settle = today - s->lookback - 1;
	if (cursor && ga4_day_parse(cursor, &c) == 0) {
		start = c < settle ? c : settle;
	} else {
		if (cursor)
			api->log(ctx, SS_LOG_WARN, "cursor '%s' is not a day; starting from start_date",
			    cursor);
		if (ga4_day_resolve(s->start_spec, today, &start) != 0)
			return api->fail(ctx, SS_EINVAL, "start_date: '%s' is not a date", s->start_spec);
	}
	end_cursor = start > settle ? start : settle;
	ga4_day_format(start, start_s);
	api->log(ctx, SS_LOG_INFO, "property %s: reading %s to today", s->property, start_s);
	for (;;) {
		if ((rc = sync_page(ctx, api, s, start_s, end_cursor, offset, &done, &last)) != 0)
			return rc;
		if (last)
			break;
		offset = done;
		if (api->cancelled(ctx))
			return SS_ECANCELLED;
	}
	api->log(ctx, SS_LOG_INFO, "property %s: %lld rows from %s to today", s->property, done,
	    start_s);
	return 0;
}

/* ---- descriptor ---------------------------------------------------------- */

static const char *const streams[] = {STREAM, NULL};

static const struct ss_option options[] = {
    {"property", SS_OPT_STRING, SS_OPT_REQUIRED, NULL, NULL,
        "GA4 property id (digits; Admin > Property details), e.g. 123456789"},
    {"metrics", SS_OPT_STRING, 0, DEFAULT_METRICS, NULL,
        "GA4 metrics, comma-separated (at most 10); each becomes web.<snake_case>"},
    {"dimensions", SS_OPT_STRING, 0, DEFAULT_DIMENSIONS, NULL,
        "GA4 dimensions, comma-separated (at most 9 with date; date is always added)"},
    {"start_date", SS_OPT_STRING, 0, "30daysAgo", NULL,
        "first day of the first sync: YYYY-MM-DD, NdaysAgo, yesterday or today"},
    {"lookback_days", SS_OPT_INT, 0, "3", NULL,
        "recent days re-read on every sync, because GA4 revises them"},
    {"page_size", SS_OPT_INT, 0, "10000", NULL, "rows per runReport request (1 to 250000)"},
    {"metric.", SS_OPT_STRING, SS_OPT_PREFIX, NULL, NULL,
        "metric.<GA name> = <metric name>: store a metric under another name, e.g. "
        "metric.keyEvents = web.conversions"},
    {"dim.", SS_OPT_STRING, SS_OPT_PREFIX, NULL, NULL,
        "dim.<GA name> = <key>: another dims key for a dimension, e.g. "
        "dim.firstUserDefaultChannelGroup = channel"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct ss_auth auth = {
    SS_AUTH_JWT | SS_AUTH_OAUTH2 | SS_AUTH_BEARER, NULL, NULL,
    "https://oauth2.googleapis.com/token", "https://www.googleapis.com/auth/analytics.readonly",
    "https://analyticsdata.googleapis.com", NULL,
};

static const struct ss_plugin ga4_plugin = {
    SS_PLUGIN_HEAD, "ga4", "1.0.0",
    "Google Analytics 4 (Data API runReport): web.* metrics per day and channel",
    streams, options, NULL, NULL, g_open, g_check, g_sync, g_close, &auth,
};

SS_PLUGIN_DEFINE(ga4_plugin)
