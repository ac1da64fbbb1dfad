/*
 * httpfix: a small HTTP plugin for the host's own tests. It syncs the
 * "acme" fake (tests/fakes/acme.py): GET /api/v1/leads with an inclusive
 * updated_since and opaque page cursors, records tied on updated_at. It
 * uses every part of api->http, and its `faulty` option turns it into the
 * broken plugins the test kit must catch.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <salesync/plugin.h>

#ifndef HTTPFIX_NAME
#define HTTPFIX_NAME "httpfix"
#define HTTPFIX_KEY_HEADER NULL
#define HTTPFIX_KEY_QUERY "api_key"
#endif

enum fault { F_NONE, F_SKIP_TIES, F_DUPLICATE, F_NO_CHECKPOINT };

/* prefetch=next asks for the next page before parsing this one, as a
 * fast plugin would; prefetch=wrong asks for a page it will not request,
 * which the host must drop. */
enum prefetch { P_NONE, P_NEXT, P_WRONG };

struct state {
	enum fault fault;
	enum prefetch prefetch;
	const char *limit;
};

static int h_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	struct state *s = calloc(1, sizeof *s);
	const char *f = api->option(ctx, "faulty");

	if (!s)
		return SS_ENOMEM;
	if (!api->http) {
		free(s);
		return api->fail(ctx, SS_EUNSUPPORTED, "this host has no HTTP service (ABI < 1.1)");
	}
	s->fault = !f ? F_NONE : !strcmp(f, "skip_ties") ? F_SKIP_TIES :
	    !strcmp(f, "duplicate") ? F_DUPLICATE : !strcmp(f, "no_checkpoint") ? F_NO_CHECKPOINT : F_NONE;
	s->limit = api->option(ctx, "page_size");
	f = api->option(ctx, "prefetch");
	s->prefetch = !f ? P_NONE : !strcmp(f, "next") ? P_NEXT : !strcmp(f, "wrong") ? P_WRONG : P_NONE;
	*out = s;
	return 0;
}

static void h_close(void *state)
{
	free(state);
}

/* Parses a JSON body, failing the run with the URL and a snippet. */
static json_t *parse(ss_ctx *ctx, const struct ss_api *api, const struct ss_http_response *r, int *rc)
{
	json_error_t je;
	json_t *j;

	if (r->status < 200 || r->status > 299) {
		*rc = api->fail(ctx, SS_EIO, "%s: HTTP %ld: %.200s", r->url, r->status, r->body);
		return NULL;
	}
	j = json_loadb(r->body, r->body_len, 0, &je);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		*rc = api->fail(ctx, SS_EPARSE, "%s: expected a JSON object: %s (body starts: %.80s)",
		    r->url, je.text, r->body);
	}
	return j;
}

static int h_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	json_t *j;
	int rc = 0;

	(void)state;
	req.url = "/api/v1/me";
	if ((rc = api->http->request(ctx, &req, &r)) != 0)
		return rc;
	if (!(j = parse(ctx, api, r, &rc)))
		return rc;
	api->log(ctx, SS_LOG_INFO, "signed in as %s", json_string_value(json_object_get(j, "name")));
	json_decref(j);
	return 0;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The cursor is "updated_at|id" of the last committed record: the next
 * sync asks for updated_since = updated_at (inclusive) and drops what is
 * not after (updated_at, id), so ties are neither repeated nor skipped. */
static int after_cursor(const char *cur, const char *upd, const char *id, enum fault fault)
{
	const char *bar;
	size_t n;
	int c;

	if (!cur || !(bar = strchr(cur, '|')))
		return 1;
	n = (size_t)(bar - cur);
	c = strncmp(upd, cur, n);
	if (c == 0 && strlen(upd) != n)
		c = 1;
	if (c != 0)
		return c > 0;
	if (fault == F_SKIP_TIES)
		return 0; /* broken: treats every tie as seen */
	return strcmp(id, bar + 1) > 0;
}

static int emit_page(ss_ctx *ctx, const struct ss_api *api, struct state *s, json_t *data,
    const char *cur, char *last, size_t lastsz)
{
	size_t i;
	json_t *rec;

	json_array_foreach(data, i, rec) {
		struct ss_lead l = SS_LEAD_INIT;
		const char *upd = str(rec, "updated_at"), *id = str(rec, "id");
		int rc;

		if (!upd || !id)
			return api->fail(ctx, SS_EPARSE, "record %zu without id or updated_at", i);
		if (!after_cursor(cur, upd, id, s->fault))
			continue;
		l.id = id;
		l.email = str(rec, "email");
		l.first_name = str(rec, "first_name");
		l.last_name = str(rec, "last_name");
		l.company = str(rec, "company");
		l.status_raw = str(rec, "status");
		l.updated_at = upd;
		l.deleted = json_is_true(json_object_get(rec, "deleted"));
		if ((rc = api->emit_lead(ctx, &l)) != 0)
			return rc;
		if (s->fault == F_DUPLICATE && (rc = api->emit_lead(ctx, &l)) != 0)
			return rc;
		snprintf(last, lastsz, "%s|%s", upd, id);
	}
	return 0;
}

/* acme says "daily quota spent" with a 403 whose error is daily_quota: a
 * status the host cannot interpret by itself. */
static enum ss_http_verdict classify(void *ud, const struct ss_http_response *r)
{
	(void)ud;
	if (r->status == 403 && strstr(r->body, "\"daily_quota\""))
		return SS_HTTP_QUOTA;
	return SS_HTTP_DEFAULT;
}

/* The query of one page. since, page and limit are borrowed. */
static void page_query(const char *since, const char *page, const char *limit,
    struct ss_http_param q[4])
{
	int n = 0;

	if (*since)
		q[n].name = "updated_since", q[n++].value = since;
	if (*page)
		q[n].name = "cursor", q[n++].value = page;
	if (limit)
		q[n].name = "limit", q[n++].value = limit;
	q[n].name = NULL, q[n].value = NULL;
}

static void prefetch_next(ss_ctx *ctx, const struct ss_api *api, const struct state *s,
    const char *since, const struct ss_http_response *r)
{
	struct ss_http_param q[4];
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	char page[512];
	const char *v;
	size_t n;

	if (s->prefetch == P_NONE || r->status != 200 ||
	    api->json_find(ctx, r->body, r->body_len, "next_cursor", &v, &n) != 0 ||
	    !ss_json_plain_string(v, n, page, sizeof page) || !*page)
		return;
	page_query(since, page, s->prefetch == P_WRONG ? "1" : s->limit, q);
	req.url = "/api/v1/leads";
	req.query = q;
	req.classify = classify;
	api->http->prefetch(ctx, &req);
}

static int h_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct state *s = state;
	const char *committed = api->cursor_get(ctx, "leads");
	char *cur = committed ? strdup(committed) : NULL;
	char since[64] = "", last[160] = "", page[512] = "";
	int64_t done = 0;
	int rc = 0;

	if (cur && strchr(cur, '|'))
		snprintf(since, sizeof since, "%.*s", (int)(strchr(cur, '|') - cur), cur);
	for (;;) {
		struct ss_http_param q[4];
		struct ss_http_request req = SS_HTTP_REQUEST_INIT;
		const struct ss_http_response *r;
		json_t *j, *next;

		page_query(since, page, s->limit, q);
		req.url = "/api/v1/leads";
		req.query = q;
		req.classify = classify;
		if ((rc = api->http->request(ctx, &req, &r)) != 0)
			break;
		prefetch_next(ctx, api, s, since, r);
		if (!(j = parse(ctx, api, r, &rc)))
			break;
		if (!json_is_array(json_object_get(j, "data"))) {
			json_decref(j);
			rc = api->fail(ctx, SS_EPARSE, "%s: no \"data\" array", r->url);
			break;
		}
		done += (int64_t)json_array_size(json_object_get(j, "data"));
		rc = emit_page(ctx, api, s, json_object_get(j, "data"), cur, last, sizeof last);
		next = json_object_get(j, "next_cursor");
		snprintf(page, sizeof page, "%s", json_is_string(next) ? json_string_value(next) : "");
		json_decref(j);
		if (rc != 0)
			break;
		api->progress(ctx, "leads", done, -1);
		if (*last)
			api->cursor_set(ctx, "leads", last);
		if (s->fault != F_NO_CHECKPOINT && (rc = api->checkpoint(ctx)) != 0)
			break;
		if (!*page)
			break;
		if (api->cancelled(ctx)) {
			rc = SS_ECANCELLED;
			break;
		}
	}
	free(cur);
	return rc;
}

static const char *const streams[] = {"leads", NULL};

static const struct ss_option options[] = {
    {"page_size", SS_OPT_INT, 0, NULL, NULL, "records per page (default: the tool's)"},
    {"faulty", SS_OPT_ENUM, 0, "none", "none|skip_ties|duplicate|no_checkpoint",
        "misbehave on purpose, for the plugin test kit's own tests"},
    {"prefetch", SS_OPT_ENUM, 0, "none", "none|next|wrong",
        "ask for the next page ahead (next), or for one never used (wrong)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct ss_mapping status_map[] = {
    {"Open", "new"}, {"Working", "working"}, {"Won", "converted"}, {"Lost", "unqualified"},
    {NULL, NULL},
};

static const struct ss_auth auth = {
    SS_AUTH_BEARER | SS_AUTH_API_KEY | SS_AUTH_BASIC | SS_AUTH_OAUTH2 | SS_AUTH_JWT,
    HTTPFIX_KEY_HEADER, HTTPFIX_KEY_QUERY, NULL, "https://acme.example/auth/crm.readonly",
    "https://acme.example", NULL,
};

static const struct ss_plugin desc = {
    SS_PLUGIN_HEAD, HTTPFIX_NAME, "1.0", "test plugin for the acme fake (HTTP)",
    streams, options, status_map, NULL, h_open, h_check, h_sync, h_close, &auth,
};

SS_PLUGIN_DEFINE(desc)
