/*
 * pipedrive: the Pipedrive CRM. Users (API v1) become reps, persons (v2)
 * leads and deals (v2) deals. Stages give a deal its stage name and
 * default probability; organizations give a lead its company. Persons and
 * deals are incremental on update_time (updated_since, inclusive, sorted
 * ascending) with the cursor of pipedrive_map.h, so ties are neither
 * skipped nor repeated; each page is checkpointed.
 *
 * The host does HTTP: the API token goes in the x-api-token header, OAuth2
 * access tokens are refreshed at oauth.pipedrive.com, 429/5xx are retried,
 * and the x-ratelimit-* headers pace the requests. The plugin only tells
 * the host what it cannot know: a 429 of the spent daily token budget is
 * a quota (the run ends partial), a 403 HTML page from the gateway is
 * transient.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <salesync/plugin.h>

#include "pipedrive_map.h"

#define MAX_LIMIT 500
#define ORG_IDS_PER_CALL 100

/* What classify needs; lives in the state, as a prefetched request's
 * classify may run after the call that made it has returned. */
struct call {
	ss_ctx *ctx;
	const struct ss_api *api;
};

struct state {
	char root[512]; /* absolute API root, or "" for paths on base_url */
	char limit[16];
	int orgs_on;
	struct pd_table stages, orgs;
	int stages_loaded;
	struct call call;
};

/* ---- HTTP ------------------------------------------------------------- */

static int looks_json(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	return i < len && (body[i] == '{' || body[i] == '[');
}

/* What the host cannot tell from the status alone. */
static enum ss_http_verdict classify(void *ud, const struct ss_http_response *r)
{
	struct call *c = ud;

	if (r->status == 429) {
		/* The daily token budget (shared by the company) is spent:
		 * every call fails until midnight server time. */
		const char *left =
		    c->api->http->header(c->ctx, r, "x-daily-ratelimit-token-remaining");
		char *end;
		long long n;
		if (left && *left) {
			n = strtoll(left, &end, 10);
			if (*end == '\0' && n <= 0)
				return SS_HTTP_QUOTA;
		}
	}
	/* Calling on after 429s can earn a 403 HTML page from the gateway:
	 * back off like for a 429. A JSON 403 is Pipedrive's own refusal. */
	if (r->status == 403 && !looks_json(r->body, r->body_len))
		return SS_HTTP_RETRY;
	return SS_HTTP_DEFAULT;
}

/* Fails the run for a non-2xx answer, with Pipedrive's error envelope
 * ({"success":false,"error":"…","error_info":"…"}) when there is one. */
static int fail_status(ss_ctx *ctx, const struct ss_api *api, const struct ss_http_response *r,
    json_t *j)
{
	const char *err = json_string_value(json_object_get(j, "error"));
	const char *info = json_string_value(json_object_get(j, "error_info"));
	int code = r->status == 403 ? SS_EAUTH : SS_EIO;
	const char *hint = "";

	if (r->status == 403)
		hint = "; check the token's permissions (OAuth: the app's scopes)";
	else if (r->status == 404)
		hint = "; check base_url (https://api.pipedrive.com or https://COMPANY.pipedrive.com)";
	if (err)
		return api->fail(ctx, code, "GET %s: HTTP %ld: %s%s%s%s", r->url, r->status, err,
		    info ? " (" : "", info ? info : "", info ? ")" : hint);
	return api->fail(ctx, code, "GET %s: HTTP %ld: %.200s%s", r->url, r->status, r->body, hint);
}

/* Below this many tokens left of the company's daily budget, no page is
 * asked for ahead: the last tokens go to finishing the current page
 * (its organizations), not to a page the run may not reach. */
#define PREFETCH_MIN_TOKENS 100

/* Asks for the page after r (same query, cursor = its next_cursor) while
 * r is parsed. Only a guess: an unused prefetch is dropped. */
static void prefetch_next(ss_ctx *ctx, const struct ss_api *api, const struct ss_http_request *req,
    const struct ss_http_response *r)
{
	struct ss_http_request next = *req;
	struct ss_http_param q[16];
	char cursor[512];
	const char *v;
	size_t n = 0, vn;

	const char *left = api->http->header(ctx, r, "x-daily-ratelimit-token-remaining");

	if (r->status != 200 || (left && strtoll(left, NULL, 10) < PREFETCH_MIN_TOKENS) ||
	    api->json_find(ctx, r->body, r->body_len, "additional_data.next_cursor", &v, &vn) != 0 ||
	    !ss_json_plain_string(v, vn, cursor, sizeof cursor) || !*cursor)
		return;
	for (size_t i = 0; req->query && req->query[i].name; i++) {
		if (n == 14)
			return;
		if (strcmp(req->query[i].name, "cursor") != 0)
			q[n++] = req->query[i];
	}
	q[n].name = "cursor", q[n++].value = cursor;
	q[n].name = NULL, q[n].value = NULL;
	next.query = q;
	api->http->prefetch(ctx, &next);
}

/* GETs root+path with query q and parses the JSON envelope into *out. */
static int get(ss_ctx *ctx, const struct ss_api *api, struct state *s, const char *path,
    const struct ss_http_param *q, json_t **out)
{
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	char url[640];
	json_error_t je;
	json_t *j;
	int rc;

	*out = NULL;
	snprintf(url, sizeof url, "%s%s", s->root, path);
	req.url = url;
	req.query = q;
	req.classify = classify;
	req.classify_ud = &s->call;
	if ((rc = api->http->request(ctx, &req, &r)) != 0)
		return rc;
	prefetch_next(ctx, api, &req, r);
	j = json_loadb(r->body, r->body_len, 0, &je);
	if (r->status < 200 || r->status > 299) {
		rc = fail_status(ctx, api, r, j);
		json_decref(j);
		return rc;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return api->fail(ctx, SS_EPARSE,
		    "GET %s: expected a JSON object: %s (body starts: %.80s)", r->url, je.text, r->body);
	}
	if (json_is_false(json_object_get(j, "success"))) {
		const char *err = json_string_value(json_object_get(j, "error"));
		rc = api->fail(ctx, SS_EIO, "GET %s: HTTP %ld but success is false: %s", r->url,
		    r->status, err ? err : "(no error message)");
		json_decref(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* The "data" array of a list answer; null counts as empty. NULL (with the
 * run failed) for anything else. */
static json_t *data_array(ss_ctx *ctx, const struct ss_api *api, json_t *j, const char *what,
    int *rc)
{
	json_t *d = json_object_get(j, "data");

	if (json_is_array(d))
		return d;
	if (!d || json_is_null(d)) {
		json_object_set_new(j, "data", json_array());
		return json_object_get(j, "data");
	}
	*rc = api->fail(ctx, SS_EPARSE, "%s: \"data\" is not a list", what);
	return NULL;
}

/* additional_data.next_cursor of a v2 list: null on the last page. */
static const char *next_cursor(json_t *j)
{
	json_t *ad = json_object_get(j, "additional_data");

	return json_string_value(json_object_get(ad, "next_cursor"));
}

/* ---- lookups: stages and organizations ---------------------------------- */

static int load_stages(ss_ctx *ctx, const struct ss_api *api, struct state *s)
{
	char *page = NULL;
	int rc = 0;

	for (;;) {
		struct ss_http_param q[3] = {{"limit", "500"}, {NULL, NULL}, {NULL, NULL}};
		json_t *j, *data;
		const char *nc;

		if (page)
			q[1].name = "cursor", q[1].value = page;
		if ((rc = get(ctx, api, s, "/api/v2/stages", q, &j)) != 0)
			break;
		if (!(data = data_array(ctx, api, j, "/api/v2/stages", &rc)) ||
		    pd_table_add_stages(&s->stages, data) < 0) {
			json_decref(j);
			rc = rc ? rc : SS_ENOMEM;
			break;
		}
		nc = next_cursor(j);
		if (nc && page && strcmp(nc, page) == 0) {
			json_decref(j);
			rc = api->fail(ctx, SS_EPARSE, "/api/v2/stages: the same next_cursor twice");
			break;
		}
		free(page);
		page = nc && *nc ? strdup(nc) : NULL;
		json_decref(j);
		if (!page)
			break;
	}
	free(page);
	if (rc == 0)
		s->stages_loaded = 1;
	return rc;
}

/* Looks up the organizations of todo's persons that the table lacks, up
 * to 100 ids per request. Ids the tool does not return (deleted, not
 * visible) are remembered as unknown. */
static int load_orgs(ss_ctx *ctx, const struct ss_api *api, struct state *s, json_t *todo)
{
	long long want[ORG_IDS_PER_CALL];
	size_t i = 0, n;
	int rc = 0;

	while (rc == 0 && i < json_array_size(todo)) {
		char ids[ORG_IDS_PER_CALL * 21 + 1];
		struct ss_http_param q[] = {{"ids", ids}, {"limit", "100"}, {NULL, NULL}};
		size_t o = 0;
		json_t *j, *data;

		for (n = 0; i < json_array_size(todo) && n < ORG_IDS_PER_CALL; i++) {
			long long id;
			size_t k;
			json_t *org = json_object_get(json_array_get(todo, i), "org_id");
			if (pd_id_number(org, &id) != 0 || pd_table_find(&s->orgs, id))
				continue;
			for (k = 0; k < n && want[k] != id; k++)
				;
			if (k == n)
				want[n++] = id;
		}
		if (n == 0)
			break;
		for (size_t k = 0; k < n; k++)
			o += (size_t)snprintf(ids + o, sizeof ids - o, "%s%lld", k ? "," : "", want[k]);
		if ((rc = get(ctx, api, s, "/api/v2/organizations", q, &j)) != 0)
			break;
		if (!(data = data_array(ctx, api, j, "/api/v2/organizations", &rc)) ||
		    pd_table_add_orgs(&s->orgs, data) < 0) {
			json_decref(j);
			rc = rc ? rc : SS_ENOMEM;
			break;
		}
		json_decref(j);
		for (size_t k = 0; k < n && rc == 0; k++) {
			if (!pd_table_find(&s->orgs, want[k]) &&
			    pd_table_put(&s->orgs, want[k], NULL, -1) != 0)
				rc = SS_ENOMEM;
		}
	}
	return rc;
}

/* ---- streams ---------------------------------------------------------- */

static int refused(ss_ctx *ctx, const struct ss_api *api, int rc, const char *kind, const char *id)
{
	if (rc != SS_EINVAL)
		return rc;
	api->skip(ctx, "%s %s: refused by the host (the log says why)", kind, id);
	return 0;
}

static int emit_person(ss_ctx *ctx, const struct ss_api *api, struct state *s, json_t *rec)
{
	struct ss_lead l = SS_LEAD_INIT;
	struct pd_buf b;
	int rc;

	if (pd_map_person(rec, s->orgs_on ? &s->orgs : NULL, &b, &l) != 0) {
		api->skip(ctx, "a person without an id");
		return 0;
	}
	rc = refused(ctx, api, api->emit_lead(ctx, &l), "person", b.id);
	pd_buf_free(&b);
	return rc;
}

static int emit_deal(ss_ctx *ctx, const struct ss_api *api, struct state *s, json_t *rec)
{
	struct ss_deal d = SS_DEAL_INIT;
	struct pd_buf b;
	int rc;

	if (pd_map_deal(rec, &s->stages, 0, &b, &d) != 0) {
		api->skip(ctx, "a deal without an id");
		return 0;
	}
	rc = api->emit_deal(ctx, &d);
	if (rc == SS_EINVAL && (d.amount || d.currency)) {
		/* Most likely a currency the host does not know (Pipedrive has
		 * custom currencies): keep the deal, with value and currency
		 * in extra. */
		struct ss_deal d2 = SS_DEAL_INIT;
		api->log(ctx, SS_LOG_WARN,
		    "deal %s: stored without amount (value %s, currency %s are in extra)", b.id,
		    d.amount ? d.amount : "null", d.currency ? d.currency : "null");
		pd_buf_free(&b);
		if (pd_map_deal(rec, &s->stages, PD_DEAL_NO_AMOUNT, &b, &d2) != 0)
			return 0;
		rc = api->emit_deal(ctx, &d2);
	}
	rc = refused(ctx, api, rc, "deal", b.id);
	pd_buf_free(&b);
	return rc;
}

static int prepare_persons(ss_ctx *ctx, const struct ss_api *api, struct state *s, json_t *todo)
{
	return s->orgs_on ? load_orgs(ctx, api, s, todo) : 0;
}

static int prepare_deals(ss_ctx *ctx, const struct ss_api *api, struct state *s, json_t *todo)
{
	return json_array_size(todo) && !s->stages_loaded ? load_stages(ctx, api, s) : 0;
}

struct v2_stream {
	const char *stream; /* cursor and progress name */
	const char *path;
	const char *status; /* deals: the statuses to list */
	int (*prepare)(ss_ctx *, const struct ss_api *, struct state *, json_t *todo);
	int (*emit)(ss_ctx *, const struct ss_api *, struct state *, json_t *rec);
};

/* The records of a page not already emitted before the committed cursor,
 * into todo (a new array). */
static int unseen(json_t *data, const struct pd_cursor *prev, json_t *todo)
{
	size_t i;
	json_t *rec;

	json_array_foreach(data, i, rec) {
		char id[PD_TEXT_MAX];
		const char *t = json_string_value(json_object_get(rec, "update_time"));
		if (pd_id_text(json_object_get(rec, "id"), id, sizeof id) &&
		    pd_cursor_seen(prev, t, id))
			continue;
		if (json_array_append(todo, rec) != 0)
			return SS_ENOMEM;
	}
	return 0;
}

/* One v2 list (persons, deals): cursor-paged, incremental on update_time. */
static int sync_v2(ss_ctx *ctx, const struct ss_api *api, struct state *s,
    const struct v2_stream *def)
{
	const char *committed = api->cursor_get(ctx, def->stream);
	struct pd_cursor prev, next;
	char *page = NULL;
	int64_t done = 0;
	int rc = 0;

	if (pd_cursor_parse(&prev, committed) != 0)
		api->log(ctx, SS_LOG_WARN,
		    "%s: the stored cursor '%.80s' is unreadable; reading everything again",
		    def->stream, committed);
	if (pd_cursor_copy(&next, &prev) != 0) {
		pd_cursor_free(&prev);
		return SS_ENOMEM;
	}
	for (;;) {
		struct ss_http_param q[8];
		json_t *j, *data, *todo = NULL, *rec;
		const char *nc;
		char *text;
		size_t i;
		int n = 0;

		if (prev.time[0])
			q[n].name = "updated_since", q[n++].value = prev.time;
		q[n].name = "sort_by", q[n++].value = "update_time";
		q[n].name = "sort_direction", q[n++].value = "asc";
		q[n].name = "limit", q[n++].value = s->limit;
		if (def->status)
			q[n].name = "status", q[n++].value = def->status;
		if (page)
			q[n].name = "cursor", q[n++].value = page;
		q[n].name = NULL, q[n].value = NULL;
		if ((rc = get(ctx, api, s, def->path, q, &j)) != 0)
			break;
		if (!(data = data_array(ctx, api, j, def->path, &rc)) || !(todo = json_array()) ||
		    (rc = unseen(data, &prev, todo)) != 0 ||
		    (rc = def->prepare(ctx, api, s, todo)) != 0) {
			rc = rc ? rc : SS_ENOMEM;
			json_decref(todo);
			json_decref(j);
			break;
		}
		json_array_foreach(todo, i, rec) {
			const char *t = json_string_value(json_object_get(rec, "update_time"));
			char id[PD_TEXT_MAX];
			if ((rc = def->emit(ctx, api, s, rec)) != 0)
				break;
			if (pd_id_text(json_object_get(rec, "id"), id, sizeof id) &&
			    pd_cursor_advance(&next, t, id) != 0) {
				rc = SS_ENOMEM;
				break;
			}
		}
		done += (int64_t)json_array_size(data);
		nc = next_cursor(j);
		if (rc == 0 && nc && page && strcmp(nc, page) == 0)
			rc = api->fail(ctx, SS_EPARSE, "%s: the tool returned the same next_cursor twice",
			    def->path);
		free(page);
		page = rc == 0 && nc && *nc ? strdup(nc) : NULL;
		json_decref(todo);
		json_decref(j);
		if (rc != 0)
			break;
		api->progress(ctx, def->stream, done, -1);
		if ((text = pd_cursor_format(&next)) != NULL) {
			api->cursor_set(ctx, def->stream, text);
			free(text);
		}
		if ((rc = api->checkpoint(ctx)) != 0 || !page)
			break;
		if (api->cancelled(ctx)) {
			rc = SS_ECANCELLED;
			break;
		}
	}
	free(page);
	pd_cursor_free(&prev);
	pd_cursor_free(&next);
	return rc;
}

/* Users: v1 offset paging (start/limit, more_items_in_collection). The
 * list is small and has no change filter, so it is read whole each time;
 * unchanged users cost nothing in the store. */
static int sync_reps(ss_ctx *ctx, const struct ss_api *api, struct state *s)
{
	long long start = 0;
	int64_t done = 0;
	int rc = 0;

	for (;;) {
		char st[24];
		struct ss_http_param q[] = {{"start", st}, {"limit", s->limit}, {NULL, NULL}};
		json_t *j, *data, *rec, *pg;
		json_int_t next;
		size_t i;
		int more;

		snprintf(st, sizeof st, "%lld", start);
		if ((rc = get(ctx, api, s, "/api/v1/users", q, &j)) != 0)
			break;
		if (!(data = data_array(ctx, api, j, "/api/v1/users", &rc))) {
			json_decref(j);
			break;
		}
		json_array_foreach(data, i, rec) {
			struct ss_rep r = SS_REP_INIT;
			struct pd_buf b;
			if (pd_map_user(rec, &b, &r) != 0) {
				api->skip(ctx, "a user without an id");
				continue;
			}
			rc = refused(ctx, api, api->emit_rep(ctx, &r), "user", b.id);
			pd_buf_free(&b);
			if (rc != 0)
				break;
		}
		done += (int64_t)json_array_size(data);
		pg = json_object_get(json_object_get(j, "additional_data"), "pagination");
		more = json_is_true(json_object_get(pg, "more_items_in_collection"));
		next = json_integer_value(json_object_get(pg, "next_start"));
		json_decref(j);
		if (rc != 0)
			break;
		api->progress(ctx, "reps", done, -1);
		if ((rc = api->checkpoint(ctx)) != 0 || !more)
			break;
		if (next <= start) {
			rc = api->fail(ctx, SS_EPARSE,
			    "/api/v1/users: next_start %lld does not move on from %lld", (long long)next,
			    start);
			break;
		}
		start = (long long)next;
		if (api->cancelled(ctx)) {
			rc = SS_ECANCELLED;
			break;
		}
	}
	return rc;
}

/* ---- callbacks -------------------------------------------------------- */

static int is_true(const char *v)
{
	return v && (!strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "on"));
}

static int p_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	const char *ps = api->option(ctx, "page_size"), *base = api->option(ctx, "base_url");
	const char *orgs = api->option(ctx, "organizations");
	struct state *s;
	long long n = 500;
	char *end;

	if (!SS_API_HAS(api, http))
		return api->fail(ctx, SS_EUNSUPPORTED, "this host has no HTTP service (ABI < 1.1)");
	if (ps) {
		n = strtoll(ps, &end, 10);
		if (*end || n < 1 || n > MAX_LIMIT)
			return api->fail(ctx, SS_EINVAL, "page_size = %s: must be 1 to %d", ps, MAX_LIMIT);
	}
	if (!(s = calloc(1, sizeof *s)))
		return SS_ENOMEM;
	snprintf(s->limit, sizeof s->limit, "%lld", n);
	s->orgs_on = orgs ? is_true(orgs) : 1;
	s->call.ctx = ctx;
	s->call.api = api;
	if (pd_api_root(base, s->root, sizeof s->root) < 0) {
		free(s);
		return api->fail(ctx, SS_EINVAL, "base_url is too long");
	}
	*out = s;
	return 0;
}

static void p_close(void *state)
{
	struct state *s = state;

	pd_table_free(&s->stages);
	pd_table_free(&s->orgs);
	free(s);
}

static const char *text_or(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "?";
}

/* One cheap authenticated call: who the credentials belong to. */
static int p_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	json_t *j, *d;
	int rc;

	if ((rc = get(ctx, api, state, "/api/v1/users/me", NULL, &j)) != 0)
		return rc;
	d = json_object_get(j, "data");
	api->log(ctx, SS_LOG_INFO, "signed in as %s <%s> of %s", text_or(d, "name"),
	    text_or(d, "email"), text_or(d, "company_name"));
	json_decref(j);
	return 0;
}

static int p_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	static const struct v2_stream persons = {"leads", "/api/v2/persons", NULL, prepare_persons,
	    emit_person};
	/* Deals deleted in the last 30 days come with status=deleted. */
	static const struct v2_stream deals = {"deals", "/api/v2/deals", "open,won,lost,deleted",
	    prepare_deals, emit_deal};
	struct state *s = state;
	int rc;

	if ((rc = sync_reps(ctx, api, s)) != 0)
		return rc;
	if ((rc = sync_v2(ctx, api, s, &persons)) != 0)
		return rc;
	return sync_v2(ctx, api, s, &deals);
}

static const char *const streams[] = {"reps", "leads", "deals", NULL};

static const struct ss_option options[] = {
    {"page_size", SS_OPT_INT, 0, "500", NULL, "records per list request, 1 to 500"},
    {"organizations", SS_OPT_BOOL, 0, "yes", NULL,
        "look up each person's organization for the lead's company (one request per 100 "
        "new organizations)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

/* OAuth2 as Pipedrive documents it: the app's credentials as HTTP basic
 * at the token endpoint, and the company's API host in the token answer's
 * api_domain (used when base_url is not set). */
static const struct ss_auth auth = {
    SS_AUTH_API_KEY | SS_AUTH_OAUTH2 | SS_AUTH_CLIENT_BASIC, "x-api-token", NULL,
    "https://oauth.pipedrive.com/oauth/token", NULL, "https://api.pipedrive.com", "api_domain",
};

static const struct ss_plugin desc = {
    SS_PLUGIN_HEAD, "pipedrive", "1.0.0", "Pipedrive CRM: users, persons and deals (API v2)",
    streams, options, NULL, NULL, p_open, p_check, p_sync, p_close, &auth,
};

SS_PLUGIN_DEFINE(desc)
