/*
 * hubspot: HubSpot CRM owners, contacts and deals → reps, leads and deals.
 *
 * Everything HTTP goes through the host (api->http): auth (a private-app
 * token or OAuth2 refresh at /oauth/v1/token), retries, rate limits. The
 * plugin only says which 429s mean "the daily limit is spent" (classify).
 *
 * Streams and how they sync:
 *   reps   GET /crm/v3/owners, active then archived, every sync (owners
 *          are few and the API has no filter on change).
 *   leads  contacts; deals: deals (stages from GET /crm/v3/pipelines/deals).
 *          A first or --full sync lists every record with the list endpoint
 *          (GET /crm/v3/objects/T, then with archived=true: those become
 *          deleted). Later syncs search (POST /crm/v3/objects/T/search) on
 *          the last-modified property, ascending.
 *
 * The search returns at most 10,000 results per query, and paging with an
 * offset over a set that changes meanwhile can skip records. So every page
 * is a new query that starts where the previous page ended: modified at or
 * after T, where T is the last modified time seen, skipping the ids already
 * synced at exactly T. The window narrows with every page and no query ever
 * pages. If one millisecond holds a whole page of records (a bulk update),
 * they are walked by id (EQ T and hs_object_id > last id, sorted by id)
 * before the search goes on after T. The cursor is T plus the ids synced
 * at T, so an interrupted sync resumes without repeating or skipping ties.
 * It never runs ahead of the server's clock minus search_lag, because
 * HubSpot's search index lags behind writes by a few seconds.
 *
 * Everything is static except the entry made by SS_PLUGIN_DEFINE.
 */
/* gmtime_r, strdup: POSIX (the Makefile also sets _GNU_SOURCE). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <salesync/plugin.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hubspot_map.h"

#define LIST_MAX 100   /* list endpoints: HubSpot's page size ceiling */
#define SEARCH_MAX 200 /* search: HubSpot's page size ceiling */
#define MAX_SEEN 64    /* tie ids kept in a cursor */

enum kind { K_CONTACTS, K_DEALS };

static const struct kindinfo {
	const char *object;  /* HubSpot object type */
	const char *stream;  /* salesync stream and cursor */
	const char *modprop; /* last-modified property */
	const char *one;     /* for messages */
} kinds[] = {
    {"contacts", "leads", "lastmodifieddate", "contact"},
    {"deals", "deals", "hs_lastmodifieddate", "deal"},
};

static const char *const contact_props[] = {"email", "firstname", "lastname", "company",
    "jobtitle", "phone", "mobilephone", "hubspot_owner_id", "createdate", "lastmodifieddate",
    "hs_analytics_source", "notes_last_updated", "hs_lifecyclestage_customer_date",
    "lifecyclestage", NULL};
static const char *const deal_props[] = {"dealname", "amount", "deal_currency_code",
    "dealstage", "pipeline", "closedate", "hubspot_owner_id", "createdate",
    "hs_lastmodifieddate", NULL};

struct hs {
	char objects[64];   /* /crm/v3/objects or /crm/objects/2026-03 */
	char owners[64];
	char pipelines[64];
	char assoc[96];     /* deals → contacts batch read */
	int list_limit, search_limit;
	int64_t lag_ms;
	int want[3];        /* reps, leads, deals */
	int associations;
	int archived_always;
	struct hs_strs props[2];  /* properties asked for, per kind */
	struct hs_strs extra[2];  /* of which land in extra */
	struct hs_strs status_props;
	char *props_csv[2];
	json_t *props_json[2];
	struct ss_mapping *overrides; /* stage.RAW = VALUE, NULL-terminated */
	size_t noverrides;
	/* per run */
	struct hs_stages stages;
	int stages_loaded;  /* 0 no, 1 yes, 2 yes and reloaded once */
	int64_t server_ms;  /* the Date of the latest response, or -1 */
};

/* ---- helpers -------------------------------------------------------------- */

static int64_t now_ms(const struct hs *s)
{
	return s->server_ms >= 0 ? s->server_ms : (int64_t)time(NULL) * 1000;
}

static const char *iso_ms(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, n, "%" PRId64, ms);
	else
		snprintf(buf + strlen(buf), n - strlen(buf), ".%03dZ", (int)(ms % 1000));
	return buf;
}

/* HubSpot says "the daily limit is spent" with a 429 whose policyName is
 * DAILY: the run must end partial, not retry for a day. Other 429s
 * (TEN_SECONDLY_ROLLING, SECONDLY for search) are retried by the host. */
static enum ss_http_verdict classify(void *ud, const struct ss_http_response *r)
{
	enum ss_http_verdict v = SS_HTTP_DEFAULT;
	const char *policy;
	json_t *j;

	(void)ud;
	if (r->status != 429)
		return v;
	j = json_loadb(r->body, r->body_len, 0, NULL);
	policy = json_string_value(json_object_get(j, "policyName"));
	v = policy && strcmp(policy, "DAILY") == 0 ? SS_HTTP_QUOTA : SS_HTTP_RETRY;
	json_decref(j);
	return v;
}

/* Fails the run on a non-2xx answer, naming the request and what HubSpot
 * said (category, message, correlation id) and, where it helps, what to
 * do. */
static int http_error(ss_ctx *ctx, const struct ss_api *api, const char *method,
    const struct ss_http_response *r)
{
	json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
	const char *msg = json_string_value(json_object_get(j, "message"));
	const char *cat = json_string_value(json_object_get(j, "category"));
	const char *cid = json_string_value(json_object_get(j, "correlationId"));
	const char *hint = "";
	int code = SS_EIO, rc;

	if (r->status == 403 && cat && strcmp(cat, "MISSING_SCOPES") == 0)
		hint = "; the private app or OAuth app needs the scopes crm.objects.contacts.read, "
		       "crm.objects.deals.read and crm.objects.owners.read";
	else if (r->status == 404)
		hint = "; check base_url and api_version";
	if (r->status == 401 || r->status == 403)
		code = SS_EAUTH;
	rc = api->fail(ctx, code, "%s %s: HTTP %ld%s%s: %.300s%s%s%s%s", method, r->url, r->status,
	    cat ? " " : "", cat ? cat : "", msg ? msg : r->body, cid ? " (correlationId " : "",
	    cid ? cid : "", cid ? ")" : "", hint);
	json_decref(j);
	return rc;
}

/* Called with a good answer before it is parsed. */
typedef void (*peek_fn)(void *ud, const struct ss_http_response *r);

/* One request: the answer parsed as a JSON object in *out. peek, if set,
 * sees the answer first (to prefetch the next page). */
static int call_peek(ss_ctx *ctx, const struct ss_api *api, struct hs *s, const char *method,
    const char *path, const struct ss_http_param *q, json_t *body, json_t **out, peek_fn peek,
    void *ud)
{
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	const char *date;
	char *text = NULL;
	json_error_t je;
	int64_t ms;
	int rc;

	*out = NULL;
	req.method = method;
	req.url = path;
	req.query = q;
	req.classify = classify;
	if (body) {
		if (!(text = json_dumps(body, JSON_COMPACT)))
			return api->fail(ctx, SS_ENOMEM, "out of memory");
		req.body = text;
		req.body_len = strlen(text);
		req.content_type = "application/json";
	}
	rc = api->http->request(ctx, &req, &r);
	free(text);
	if (rc != 0)
		return rc;
	if ((date = api->http->header(ctx, r, "Date")) && hs_parse_http_date(date, &ms) == 0)
		s->server_ms = ms;
	if (r->status < 200 || r->status > 299)
		return http_error(ctx, api, method, r);
	if (peek)
		peek(ud, r);
	*out = json_loadb(r->body, r->body_len, 0, &je);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return api->fail(ctx, SS_EPARSE, "%s %s: expected a JSON object: %s (body starts: %.80s)",
		    method, r->url, je.text, r->body);
	}
	return 0;
}

static int call(ss_ctx *ctx, const struct ss_api *api, struct hs *s, const char *method,
    const char *path, const struct ss_http_param *q, json_t *body, json_t **out)
{
	return call_peek(ctx, api, s, method, path, q, body, out, NULL, NULL);
}

static json_t *results_of(ss_ctx *ctx, const struct ss_api *api, json_t *j, const char *what,
    int *rc)
{
	json_t *res = json_object_get(j, "results");

	if (!json_is_array(res))
		*rc = api->fail(ctx, SS_EPARSE, "%s: the answer has no \"results\" array", what);
	return json_is_array(res) ? res : NULL;
}

/* paging.next.after of a list answer into buf ("" on the last page). */
static int next_after(ss_ctx *ctx, const struct ss_api *api, json_t *j, const char *prev,
    char *buf, size_t n, const char *what)
{
	char tmp[32];
	json_t *v = json_object_get(json_object_get(json_object_get(j, "paging"), "next"), "after");
	const char *a = hs_id_text(v, tmp, sizeof tmp);

	if (!a) {
		buf[0] = '\0';
		return 0;
	}
	if (strlen(a) >= n)
		return api->fail(ctx, SS_EPARSE, "%s: paging.next.after is too long", what);
	if (strcmp(a, prev) == 0)
		return api->fail(ctx, SS_EPARSE, "%s: paging.next.after did not move (%s)", what, a);
	snprintf(buf, n, "%s", a);
	return 0;
}

static int cancelled(ss_ctx *ctx, const struct ss_api *api)
{
	return api->cancelled(ctx) ? SS_ECANCELLED : 0;
}

/* ---- stages --------------------------------------------------------------- */

static int load_stages(ss_ctx *ctx, const struct ss_api *api, struct hs *s)
{
	json_t *j;
	int rc;

	if ((rc = call(ctx, api, s, "GET", s->pipelines, NULL, NULL, &j)) != 0)
		return rc;
	if (hs_stages_parse(j, &s->stages) != 0)
		rc = api->fail(ctx, SS_EPARSE, "GET %s: no \"results\" array of pipelines", s->pipelines);
	json_decref(j);
	s->stages_loaded++;
	return rc;
}

/* Loads the deal stages once per run, and once more if a deal names a
 * stage they do not have (a stage made during the run). */
static int need_stages(ss_ctx *ctx, const struct ss_api *api, struct hs *s, json_t *rec)
{
	json_t *props = json_object_get(rec, "properties");
	const char *id = hs_str(props, "dealstage");

	if (s->stages_loaded == 0)
		return load_stages(ctx, api, s);
	if (s->stages_loaded == 1 && id && !hs_stages_find(&s->stages, hs_str(props, "pipeline"), id))
		return load_stages(ctx, api, s);
	return 0;
}

/* ---- emitting -------------------------------------------------------------- */

static int emitted(ss_ctx *ctx, const struct ss_api *api, int rc, const char *what, const char *id)
{
	if (rc == SS_EINVAL) {
		api->skip(ctx, "%s %s: not stored, the host refused it (see the log)", what, id);
		return 0;
	}
	return rc;
}

/* Emits one record of kind k. assoc: deal id → contact id from a batch
 * read, or NULL to take the record's own associations (list answers). */
static int emit_one(ss_ctx *ctx, const struct ss_api *api, struct hs *s, enum kind k, json_t *rec,
    json_t *assoc)
{
	struct hs_map_opts o = {&s->status_props, &s->extra[k], s->overrides};
	struct hs_rec x;
	const char *why = NULL;
	int rc;

	if (k == K_CONTACTS) {
		struct ss_lead l = SS_LEAD_INIT;
		rc = hs_map_contact(rec, &o, &l, &x, &why);
		if (rc == 0)
			rc = emitted(ctx, api, api->emit_lead(ctx, &l), "contact", l.id);
	} else {
		struct ss_deal d = SS_DEAL_INIT;
		if ((rc = need_stages(ctx, api, s, rec)) != 0)
			return rc;
		rc = hs_map_deal(rec, &o, &s->stages, &d, &x, &why);
		if (rc == 0) {
			if (!s->associations)
				d.lead_id = NULL;
			else if (assoc)
				d.lead_id = json_string_value(json_object_get(assoc, d.id));
			rc = emitted(ctx, api, api->emit_deal(ctx, &d), "deal", d.id);
		}
	}
	if (rc == -1) {
		api->skip(ctx, "%s: %s", kinds[k].object, why);
		rc = 0;
	} else if (rc == -2) {
		rc = api->fail(ctx, SS_ENOMEM, "out of memory");
	}
	hs_rec_free(&x);
	return rc;
}

/* ---- owners → reps --------------------------------------------------------- */

static int sync_owners(ss_ctx *ctx, const struct ss_api *api, struct hs *s)
{
	char limit[16], after[128];
	int64_t done = 0;
	json_t *j, *res, *rec;
	size_t i;
	int rc;

	snprintf(limit, sizeof limit, "%d", s->list_limit);
	for (int archived = 0; archived <= 1; archived++) {
		after[0] = '\0';
		for (;;) {
			struct ss_http_param q[4] = {{"limit", limit},
			    {"archived", archived ? "true" : "false"}, {NULL, NULL}, {NULL, NULL}};
			if (*after)
				q[2].name = "after", q[2].value = after;
			if ((rc = call(ctx, api, s, "GET", s->owners, q, NULL, &j)) != 0)
				return rc;
			if (!(res = results_of(ctx, api, j, s->owners, &rc))) {
				json_decref(j);
				return rc;
			}
			json_array_foreach(res, i, rec) {
				struct ss_rep r = SS_REP_INIT;
				struct hs_rec x;
				const char *why = NULL;
				rc = hs_map_owner(rec, &r, &x, &why);
				if (rc == 0) {
					rc = emitted(ctx, api, api->emit_rep(ctx, &r), "owner", r.id);
				} else if (rc == -1) {
					api->skip(ctx, "owners: %s", why);
					rc = 0;
				} else {
					rc = api->fail(ctx, SS_ENOMEM, "out of memory");
				}
				hs_rec_free(&x);
				if (rc != 0)
					break;
			}
			done += (int64_t)json_array_size(res);
			if (rc == 0)
				rc = next_after(ctx, api, j, after, after, sizeof after, s->owners);
			json_decref(j);
			if (rc != 0 || (rc = api->checkpoint(ctx)) != 0)
				return rc;
			api->progress(ctx, "reps", done, -1);
			if (!*after)
				break;
			if ((rc = cancelled(ctx, api)) != 0)
				return rc;
		}
	}
	return 0;
}

/* ---- list: first and full syncs -------------------------------------------- */

static int stage_cursor(ss_ctx *ctx, const struct ss_api *api, enum kind k, const struct hs_cursor *c)
{
	char *text = hs_cursor_format(c, MAX_SEEN);
	int rc;

	if (!text)
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	rc = api->cursor_set(ctx, kinds[k].stream, text);
	free(text);
	return rc;
}

/*
 * Lists every record of kind k: the active ones, then the archived ones
 * (which arrive with archived: true and become deleted). With cursors on,
 * each page's cursor says where to go on, and the last one hands over to
 * the search, at c->t (the server's time when the listing began, less
 * search_lag). With cursors off, only the archived records are listed
 * (incremental syncs with list_archived = always).
 */
/* The query of one list page. limit and after are borrowed. */
static void list_query(const struct hs *s, enum kind k, int archived, const char *limit,
    const char *after, struct ss_http_param q[6])
{
	int n = 0;

	q[n].name = "limit", q[n++].value = limit;
	q[n].name = "properties", q[n++].value = s->props_csv[k];
	q[n].name = "archived", q[n++].value = archived ? "true" : "false";
	if (*after)
		q[n].name = "after", q[n++].value = after;
	if (k == K_DEALS && s->associations)
		q[n].name = "associations", q[n++].value = "contacts";
	q[n].name = NULL, q[n].value = NULL;
}

/* What a list page needs to ask for the page after it. */
struct list_next {
	ss_ctx *ctx;
	const struct ss_api *api;
	const struct hs *s;
	enum kind k;
	int archived, cursors;
	const char *path, *limit;
};

/* Asks for the next page before this one is parsed, from its
 * paging.next.after (or, at the end of the active records, the first
 * archived page). Only a guess: call() sends what the parsed page says,
 * and an unused prefetch is dropped. */
static void prefetch_next(void *ud, const struct ss_http_response *r)
{
	const struct list_next *ln = ud;
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	struct ss_http_param q[6];
	char after[128] = "";
	const char *v;
	size_t n;
	int archived = ln->archived;

	if (ln->api->json_find(ln->ctx, r->body, r->body_len, "paging.next.after", &v, &n) == 0) {
		if (!ss_json_plain_string(v, n, after, sizeof after) || !*after)
			return;
	} else if (!archived && ln->cursors) {
		archived = 1;
	} else {
		return;
	}
	list_query(ln->s, ln->k, archived, ln->limit, after, q);
	req.url = ln->path;
	req.query = q;
	req.classify = classify;
	ln->api->http->prefetch(ln->ctx, &req);
}

static int list_pass(ss_ctx *ctx, const struct ss_api *api, struct hs *s, enum kind k,
    struct hs_cursor *c, int cursors, int64_t *done)
{
	const struct kindinfo *ki = &kinds[k];
	char path[128], limit[16], after[128];
	struct list_next ln = {ctx, api, s, k, 0, cursors, path, limit};
	json_t *j, *res, *rec;
	size_t i;
	int rc = 0;

	snprintf(path, sizeof path, "%s/%s", s->objects, ki->object);
	snprintf(limit, sizeof limit, "%d", s->list_limit);
	for (;;) {
		struct ss_http_param q[6];

		list_query(s, k, c->archived, limit, c->after, q);
		ln.archived = c->archived;
		if ((rc = call_peek(ctx, api, s, "GET", path, q, NULL, &j, prefetch_next, &ln)) != 0)
			return rc;
		if (c->t < 0)
			c->t = now_ms(s) - s->lag_ms;
		if (!(res = results_of(ctx, api, j, path, &rc))) {
			json_decref(j);
			return rc;
		}
		json_array_foreach(res, i, rec) {
			if ((rc = emit_one(ctx, api, s, k, rec, NULL)) != 0)
				break;
		}
		*done += (int64_t)json_array_size(res);
		if (rc == 0)
			rc = next_after(ctx, api, j, c->after, after, sizeof after, path);
		json_decref(j);
		if (rc != 0)
			return rc;
		snprintf(c->after, sizeof c->after, "%s", after);
		if (!*after && !c->archived && cursors) {
			c->archived = 1; /* on to the archived records */
		} else if (!*after) {
			if (cursors) {
				c->list = 0; /* done: the next sync searches from c->t */
				c->archived = 0;
				if ((rc = stage_cursor(ctx, api, k, c)) != 0)
					return rc;
			}
			api->progress(ctx, ki->stream, *done, *done);
			return api->checkpoint(ctx);
		}
		if (cursors && (rc = stage_cursor(ctx, api, k, c)) != 0)
			return rc;
		if ((rc = api->checkpoint(ctx)) != 0)
			return rc;
		api->progress(ctx, ki->stream, *done, -1);
		if ((rc = cancelled(ctx, api)) != 0)
			return rc;
	}
}

/* ---- search: incremental syncs ---------------------------------------------- */

/* {"filterGroups":[{"filters":[modprop OP t (, hs_object_id GT id)]}],
 *  "sorts":[…], "properties":[…], "limit":n} */
static json_t *search_body(const struct hs *s, enum kind k, const char *op, int64_t t,
    const char *id_after)
{
	const char *modprop = kinds[k].modprop;
	char ts[24];
	json_t *filters;

	snprintf(ts, sizeof ts, "%" PRId64, t);
	filters = json_pack("[{s:s,s:s,s:s}]", "propertyName", modprop, "operator", op, "value", ts);
	if (filters && id_after)
		json_array_append_new(filters, json_pack("{s:s,s:s,s:s}", "propertyName",
		    "hs_object_id", "operator", "GT", "value", id_after));
	return json_pack("{s:[{s:o}],s:[{s:s,s:s}],s:O,s:i}", "filterGroups", "filters", filters,
	    "sorts", "propertyName", id_after || strcmp(op, "EQ") == 0 ? "hs_object_id" : modprop,
	    "direction", "ASCENDING", "properties", s->props_json[k], "limit", s->search_limit);
}

/* The id and last-modified time of a search result. */
static int result_key(ss_ctx *ctx, const struct ss_api *api, enum kind k, json_t *rec,
    char *idbuf, size_t n, const char **id, int64_t *t)
{
	json_t *props = json_object_get(rec, "properties");
	const char *mod = hs_str(props, kinds[k].modprop);

	if (!mod)
		mod = hs_str(rec, "updatedAt");
	*id = hs_id_text(json_object_get(rec, "id"), idbuf, n);
	if (!*id || !mod || hs_parse_time_ms(mod, t) != 0)
		return api->fail(ctx, SS_EPARSE, "%s search: a result without id or a readable %s "
		    "(%.40s)", kinds[k].object, kinds[k].modprop, mod ? mod : "missing");
	return 0;
}

/* Whether a search result was already synced: at exactly c->t, in seen. */
static int already(const struct hs_cursor *c, int64_t t, const char *id)
{
	return !c->strict && t == c->t && hs_strs_has(&c->seen, id);
}

/* Deal id → lowest associated contact id, for the deals of a search page
 * that are to be emitted (one batch request). */
static int fetch_assoc(ss_ctx *ctx, const struct ss_api *api, struct hs *s, json_t *res,
    const struct hs_cursor *c, json_t **out)
{
	json_t *inputs = json_array(), *body, *j = NULL, *rec, *r;
	char idb[32], low[32];
	const char *id;
	int64_t t;
	size_t i;
	int rc = 0;

	*out = json_object();
	if (!inputs || !*out) {
		json_decref(inputs);
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	}
	json_array_foreach(res, i, rec) {
		if ((rc = result_key(ctx, api, K_DEALS, rec, idb, sizeof idb, &id, &t)) != 0)
			break;
		if (!already(c, t, id))
			json_array_append_new(inputs, json_pack("{s:s}", "id", id));
	}
	if (rc != 0 || json_array_size(inputs) == 0) {
		json_decref(inputs);
		return rc;
	}
	if (!(body = json_pack("{s:o}", "inputs", inputs)))
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	rc = call(ctx, api, s, "POST", s->assoc, NULL, body, &j);
	json_decref(body);
	if (rc != 0)
		return rc;
	json_array_foreach(json_object_get(j, "results"), i, r) {
		const char *from = hs_id_text(json_object_get(json_object_get(r, "from"), "id"), idb,
		    sizeof idb);
		const char *to = hs_assoc_lowest(json_object_get(r, "to"), low, sizeof low);
		if (from && to)
			json_object_set_new(*out, from, json_string(to));
	}
	json_decref(j);
	return 0;
}

/* Emits the results of one search page that are not already synced. */
static int emit_search_page(ss_ctx *ctx, const struct ss_api *api, struct hs *s, enum kind k,
    json_t *res, const struct hs_cursor *c)
{
	json_t *assoc = NULL, *rec;
	char idb[32];
	const char *id;
	int64_t t;
	size_t i;
	int rc = 0;

	if (k == K_DEALS && s->associations && (rc = fetch_assoc(ctx, api, s, res, c, &assoc)) != 0) {
		json_decref(assoc);
		return rc;
	}
	json_array_foreach(res, i, rec) {
		if ((rc = result_key(ctx, api, k, rec, idb, sizeof idb, &id, &t)) != 0)
			break;
		if (already(c, t, id))
			continue;
		if ((rc = emit_one(ctx, api, s, k, rec, assoc)) != 0)
			break;
	}
	json_decref(assoc);
	return rc;
}

/* Stages the search cursor, never past the server's clock less the
 * search lag: what changed since may not be searchable yet. */
static int stage_search_cursor(ss_ctx *ctx, const struct ss_api *api, enum kind k,
    const struct hs_cursor *c, int64_t clamp)
{
	struct hs_cursor early;

	if (c->t <= clamp)
		return stage_cursor(ctx, api, k, c);
	memset(&early, 0, sizeof early);
	early.t = clamp;
	return stage_cursor(ctx, api, k, &early);
}

/*
 * Every record modified at exactly c->t, walked by id (EQ t, id > last,
 * sorted by id): for a tie group larger than a page. Afterwards the search
 * goes on strictly after t.
 */
static int sweep(ss_ctx *ctx, const struct ss_api *api, struct hs *s, enum kind k,
    struct hs_cursor *c, int64_t clamp, int64_t *done)
{
	const struct kindinfo *ki = &kinds[k];
	char path[128], last[32] = "", when[40];
	json_t *body, *j, *res;
	size_t n;
	int rc;

	api->log(ctx, SS_LOG_INFO, "%s: a page of %ss all modified at %s; walking that "
	    "millisecond by id", ki->stream, ki->one, iso_ms(c->t, when, sizeof when));
	snprintf(path, sizeof path, "%s/%s/search", s->objects, ki->object);
	for (;;) {
		if (!(body = search_body(s, k, "EQ", c->t, *last ? last : NULL)))
			return api->fail(ctx, SS_ENOMEM, "out of memory");
		rc = call(ctx, api, s, "POST", path, NULL, body, &j);
		json_decref(body);
		if (rc != 0)
			return rc;
		if (!(res = results_of(ctx, api, j, path, &rc))) {
			json_decref(j);
			return rc;
		}
		n = json_array_size(res);
		rc = emit_search_page(ctx, api, s, k, res, c);
		if (rc == 0 && n > 0) {
			char idb[32];
			const char *id = hs_id_text(json_object_get(json_array_get(res, n - 1), "id"),
			    idb, sizeof idb);
			if (!id || strcmp(id, last) == 0)
				rc = api->fail(ctx, SS_EPARSE, "%s: the walk by id did not advance", path);
			else
				snprintf(last, sizeof last, "%s", id);
		}
		json_decref(j);
		*done += (int64_t)n;
		/* The cursor stays at (t, seen): a resumed sync walks t again. */
		if (rc != 0 || (rc = stage_search_cursor(ctx, api, k, c, clamp)) != 0 ||
		    (rc = api->checkpoint(ctx)) != 0)
			return rc;
		api->progress(ctx, ki->stream, *done, -1);
		if (n < (size_t)s->search_limit)
			break;
		if ((rc = cancelled(ctx, api)) != 0)
			return rc;
	}
	hs_strs_clear(&c->seen);
	c->strict = 1;
	return 0;
}

static int search_pass(ss_ctx *ctx, const struct ss_api *api, struct hs *s, enum kind k,
    struct hs_cursor *c, int64_t *done)
{
	const struct kindinfo *ki = &kinds[k];
	int64_t clamp = -1, total = -1;
	char path[128], when[40];
	json_t *body, *j, *res;
	int rc = 0;

	snprintf(path, sizeof path, "%s/%s/search", s->objects, ki->object);
	api->log(ctx, SS_LOG_INFO, "%s: searching %ss modified %s %s", ki->stream, ki->one,
	    c->strict ? "after" : "since", iso_ms(c->t, when, sizeof when));
	for (;;) {
		int64_t first = 0, lastt = 0, t;
		char idb[32];
		const char *id;
		size_t n, i;
		json_t *rec;
		int swept = 0;

		if (!(body = search_body(s, k, c->strict ? "GT" : "GTE", c->t, NULL)))
			return api->fail(ctx, SS_ENOMEM, "out of memory");
		rc = call(ctx, api, s, "POST", path, NULL, body, &j);
		json_decref(body);
		if (rc != 0)
			return rc;
		if (clamp < 0)
			clamp = now_ms(s) - s->lag_ms;
		if (total < 0 && json_is_integer(json_object_get(j, "total")))
			total = *done + json_integer_value(json_object_get(j, "total"));
		if (!(res = results_of(ctx, api, j, path, &rc))) {
			json_decref(j);
			return rc;
		}
		n = json_array_size(res);
		json_array_foreach(res, i, rec) {
			if ((rc = result_key(ctx, api, k, rec, idb, sizeof idb, &id, &t)) != 0)
				break;
			if (t < c->t || (i > 0 && t < lastt)) {
				rc = api->fail(ctx, SS_EPARSE, "%s: results are not in ascending order of "
				    "%s from the filter's time", path, ki->modprop);
				break;
			}
			if (i == 0)
				first = t;
			lastt = t;
		}
		if (rc == 0 && n >= (size_t)s->search_limit && !c->strict && first == c->t &&
		    lastt == c->t) {
			/* A whole page at one millisecond: more may hide behind it,
			 * and the next query would return the same page. */
			swept = 1;
			rc = sweep(ctx, api, s, k, c, clamp, done);
		} else if (rc == 0 && (rc = emit_search_page(ctx, api, s, k, res, c)) == 0 && n > 0) {
			*done += (int64_t)n;
			if (lastt != c->t || c->strict) {
				hs_strs_clear(&c->seen);
				c->t = lastt;
				c->strict = 0;
			}
			json_array_foreach(res, i, rec) {
				if (result_key(ctx, api, k, rec, idb, sizeof idb, &id, &t) == 0 &&
				    t == c->t && !hs_strs_has(&c->seen, id) &&
				    hs_strs_add(&c->seen, id, strlen(id)) != 0)
					rc = api->fail(ctx, SS_ENOMEM, "out of memory");
			}
		}
		json_decref(j);
		if (rc != 0)
			return rc;
		if (n > 0 && ((rc = stage_search_cursor(ctx, api, k, c, clamp)) != 0 ||
		    (rc = api->checkpoint(ctx)) != 0))
			return rc;
		api->progress(ctx, ki->stream, *done, total);
		if (n < (size_t)s->search_limit && !swept)
			return 0;
		if ((rc = cancelled(ctx, api)) != 0)
			return rc;
	}
}

static int sync_objects(ss_ctx *ctx, const struct ss_api *api, struct hs *s, enum kind k)
{
	const struct kindinfo *ki = &kinds[k];
	const char *text = api->cursor_get(ctx, ki->stream);
	struct hs_cursor c;
	int64_t done = 0;
	int rc;

	if (text && hs_cursor_parse(text, &c) != 0) {
		api->log(ctx, SS_LOG_WARN, "%s: the cursor '%.60s' is not one this plugin wrote; "
		    "listing every %s again", ki->stream, text, ki->one);
		text = NULL;
	}
	if (!text) {
		memset(&c, 0, sizeof c);
		c.list = 1;
		c.t = -1;
		api->log(ctx, SS_LOG_INFO, "%s: listing every %s (first or full sync)", ki->stream,
		    ki->one);
	}
	if (c.list) {
		rc = list_pass(ctx, api, s, k, &c, 1, &done);
	} else {
		rc = search_pass(ctx, api, s, k, &c, &done);
		if (rc == 0 && s->archived_always) {
			struct hs_cursor arch;
			memset(&arch, 0, sizeof arch);
			arch.list = arch.archived = 1;
			rc = list_pass(ctx, api, s, k, &arch, 0, &done);
		}
	}
	hs_cursor_free(&c);
	return rc;
}

/* ---- callbacks ---------------------------------------------------------------- */

static int collect_override(void *ud, const char *raw, const char *value)
{
	struct hs *s = ud;
	struct ss_mapping *v = realloc(s->overrides, (s->noverrides + 2) * sizeof *v);

	if (!v)
		return SS_ENOMEM;
	s->overrides = v;
	v[s->noverrides].raw = strdup(raw);
	v[s->noverrides].normalized = strdup(value);
	v[s->noverrides + 1].raw = NULL;
	v[s->noverrides + 1].normalized = NULL;
	if (!v[s->noverrides].raw || !v[s->noverrides].normalized) {
		free((char *)v[s->noverrides].raw);
		free((char *)v[s->noverrides].normalized);
		v[s->noverrides].raw = NULL;
		return SS_ENOMEM;
	}
	s->noverrides++;
	return 0;
}

static void h_close(void *state)
{
	struct hs *s = state;

	for (int k = 0; k < 2; k++) {
		hs_strs_clear(&s->props[k]);
		hs_strs_clear(&s->extra[k]);
		free(s->props_csv[k]);
		json_decref(s->props_json[k]);
	}
	hs_strs_clear(&s->status_props);
	for (size_t i = 0; i < s->noverrides; i++) {
		free((char *)s->overrides[i].raw);
		free((char *)s->overrides[i].normalized);
	}
	free(s->overrides);
	hs_stages_free(&s->stages);
	free(s);
}

/* api_version: "v3" or a date version, "2026-03" (optionally "-beta"). */
static int set_paths(struct hs *s, const char *v)
{
	size_t n = strlen(v);
	int date = n >= 7 && v[4] == '-';

	for (size_t i = 0; date && i < 7; i++) {
		if (i != 4 && (v[i] < '0' || v[i] > '9'))
			date = 0;
	}
	if (date && n != 7 && strcmp(v + 7, "-beta") != 0)
		date = 0;
	if (strcmp(v, "v3") == 0) {
		snprintf(s->objects, sizeof s->objects, "/crm/v3/objects");
		snprintf(s->owners, sizeof s->owners, "/crm/v3/owners");
		snprintf(s->pipelines, sizeof s->pipelines, "/crm/v3/pipelines/deals");
		snprintf(s->assoc, sizeof s->assoc, "/crm/v4/associations/deals/contacts/batch/read");
		return 0;
	}
	if (!date)
		return -1;
	snprintf(s->objects, sizeof s->objects, "/crm/objects/%s", v);
	snprintf(s->owners, sizeof s->owners, "/crm/owners/%s", v);
	snprintf(s->pipelines, sizeof s->pipelines, "/crm/pipelines/%s/deals", v);
	snprintf(s->assoc, sizeof s->assoc, "/crm/associations/%s/deals/contacts/batch/read", v);
	return 0;
}

static int build_props(struct hs *s, enum kind k, const char *const *base, const char *extra)
{
	struct hs_strs *p = &s->props[k];

	for (size_t i = 0; base[i]; i++) {
		if (hs_strs_add(p, base[i], strlen(base[i])) != 0)
			return -1;
	}
	for (size_t i = 0; k == K_CONTACTS && i < s->status_props.n; i++) {
		if (!hs_strs_has(p, s->status_props.v[i]) &&
		    hs_strs_add(p, s->status_props.v[i], strlen(s->status_props.v[i])) != 0)
			return -1;
	}
	if (extra && hs_strs_add_csv(&s->extra[k], extra) != 0)
		return -1;
	for (size_t i = 0; i < s->extra[k].n; i++) {
		if (!hs_strs_has(p, s->extra[k].v[i]) &&
		    hs_strs_add(p, s->extra[k].v[i], strlen(s->extra[k].v[i])) != 0)
			return -1;
	}
	if (!(s->props_csv[k] = hs_strs_join(p)) || !(s->props_json[k] = json_array()))
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		if (json_array_append_new(s->props_json[k], json_string(p->v[i])) != 0)
			return -1;
	}
	return 0;
}

/* Fails open() with msg, freeing what was built so far. */
static int bad(ss_ctx *ctx, const struct ss_api *api, struct hs *s, const char *msg)
{
	int rc = api->fail(ctx, SS_EINVAL, "%s", msg);

	h_close(s);
	return rc;
}

static int h_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	struct hs *s = calloc(1, sizeof *s);
	const char *v, *common, *per[2];
	struct hs_strs streams = {0};
	char msg[200];
	int64_t n;

	if (!s)
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	if (!api->http) {
		free(s);
		return api->fail(ctx, SS_EUNSUPPORTED, "this host has no HTTP service (ABI < 1.1)");
	}
	s->server_ms = -1;
	v = api->option(ctx, "api_version");
	if (set_paths(s, v ? v : "v3") != 0) {
		snprintf(msg, sizeof msg, "api_version = %.40s: use v3, or a date version such as "
		    "2026-03", v);
		return bad(ctx, api, s, msg);
	}
	s->list_limit = LIST_MAX;
	s->search_limit = SEARCH_MAX;
	if ((v = api->option(ctx, "page_size"))) {
		char *end;
		n = strtoll(v, &end, 10);
		if (*end || n < 1 || n > SEARCH_MAX) {
			snprintf(msg, sizeof msg, "page_size = %.40s: must be 1 to %d", v, SEARCH_MAX);
			return bad(ctx, api, s, msg);
		}
		s->list_limit = n < LIST_MAX ? (int)n : LIST_MAX;
		s->search_limit = (int)n;
	}
	v = api->option(ctx, "search_lag");
	if (hs_parse_duration(v ? v : "30s", &n) != 0) {
		snprintf(msg, sizeof msg, "search_lag = %.40s: not a duration", v);
		return bad(ctx, api, s, msg);
	}
	s->lag_ms = n * 1000;
	v = api->option(ctx, "streams");
	if (hs_strs_add_csv(&streams, v ? v : "reps,leads,deals") != 0)
		return bad(ctx, api, s, "out of memory");
	for (size_t i = 0; i < streams.n; i++) {
		static const char *const names[] = {"reps", "leads", "deals"};
		int found = 0;
		for (int k = 0; k < 3; k++) {
			if (strcmp(streams.v[i], names[k]) == 0)
				s->want[k] = found = 1;
		}
		if (!found) {
			snprintf(msg, sizeof msg, "streams: unknown stream '%.40s' (use reps, leads, "
			    "deals)", streams.v[i]);
			hs_strs_clear(&streams);
			return bad(ctx, api, s, msg);
		}
	}
	hs_strs_clear(&streams);
	s->associations = hs_parse_bool(api->option(ctx, "associations")) != 0;
	v = api->option(ctx, "list_archived");
	s->archived_always = v && strcmp(v, "always") == 0;
	v = api->option(ctx, "status_property");
	if (hs_strs_add_csv(&s->status_props, v ? v : "hs_lead_status") != 0)
		return bad(ctx, api, s, "out of memory");
	common = api->option(ctx, "properties");
	per[K_CONTACTS] = api->option(ctx, "contact_properties");
	per[K_DEALS] = api->option(ctx, "deal_properties");
	for (int k = 0; k < 2; k++) {
		if ((common && hs_strs_add_csv(&s->extra[k], common) != 0) ||
		    build_props(s, (enum kind)k, k == K_CONTACTS ? contact_props : deal_props,
		        per[k]) != 0)
			return bad(ctx, api, s, "out of memory");
	}
	if (api->option_each(ctx, "stage.", collect_override, s) != 0)
		return bad(ctx, api, s, "out of memory");
	*out = s;
	return 0;
}

/* One cheap authenticated call: the first contact. */
static int h_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct hs *s = state;
	struct ss_http_param q[] = {{"limit", "1"}, {"properties", "email"}, {NULL, NULL}};
	char path[128];
	json_t *j;
	int rc;

	snprintf(path, sizeof path, "%s/contacts", s->objects);
	if ((rc = call(ctx, api, s, "GET", path, q, NULL, &j)) != 0)
		return rc;
	api->log(ctx, SS_LOG_INFO, "HubSpot accepted the credentials (%s)", path);
	json_decref(j);
	return 0;
}

static int h_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct hs *s = state;
	int rc = 0;

	hs_stages_free(&s->stages);
	s->stages_loaded = 0;
	if (s->want[0])
		rc = sync_owners(ctx, api, s);
	if (rc == 0 && s->want[1])
		rc = sync_objects(ctx, api, s, K_CONTACTS);
	if (rc == 0 && s->want[2])
		rc = sync_objects(ctx, api, s, K_DEALS);
	return rc;
}

static const char *const streams[] = {"reps", "leads", "deals", NULL};

static const struct ss_option options[] = {
    {"api_version", SS_OPT_STRING, 0, "v3", NULL,
        "v3 (/crm/v3/...), or a date version such as 2026-03 (/crm/objects/2026-03/...)"},
    {"page_size", SS_OPT_INT, 0, NULL, NULL,
        "records per request, 1-200 (default: 100 for lists, HubSpot's most; 200 for search)"},
    {"properties", SS_OPT_STRING, 0, NULL, NULL,
        "extra contact and deal properties to fetch into extra, comma-separated"},
    {"contact_properties", SS_OPT_STRING, 0, NULL, NULL,
        "extra contact properties to fetch into the leads' extra, comma-separated"},
    {"deal_properties", SS_OPT_STRING, 0, NULL, NULL,
        "extra deal properties to fetch into the deals' extra, comma-separated"},
    {"status_property", SS_OPT_STRING, 0, "hs_lead_status", NULL,
        "contact properties giving the lead status, the first non-empty wins "
        "(e.g. hs_lead_status,lifecyclestage)"},
    {"streams", SS_OPT_STRING, 0, "reps,leads,deals", NULL, "which streams to sync"},
    {"associations", SS_OPT_BOOL, 0, "yes", NULL,
        "link deals to contacts (lead_id); one extra request per page of changed deals"},
    {"list_archived", SS_OPT_ENUM, 0, "full", "full|always",
        "when to list archived (deleted) contacts and deals: on first and --full syncs, "
        "or on every sync"},
    {"search_lag", SS_OPT_DURATION, 0, "30s", NULL,
        "how far behind the server's clock the search index may be; changes that recent are "
        "fetched again next sync"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

/* Lead status: HubSpot's hs_lead_status values, and lifecyclestage for
 * instances that set status_property = lifecyclestage. */
static const struct ss_mapping status_map[] = {
    {"NEW", "new"}, {"OPEN", "new"}, {"ATTEMPTED_TO_CONTACT", "working"},
    {"CONNECTED", "working"}, {"IN_PROGRESS", "working"}, {"OPEN_DEAL", "qualified"},
    {"BAD_TIMING", "unqualified"}, {"UNQUALIFIED", "unqualified"},
    {"subscriber", "new"}, {"lead", "new"}, {"marketingqualifiedlead", "qualified"},
    {"salesqualifiedlead", "qualified"}, {"opportunity", "qualified"}, {"customer", "converted"},
    {"evangelist", "converted"},
    {NULL, NULL},
};

/* Deal stages whose pipeline metadata is missing (a stage deleted since):
 * the default pipeline's stage ids. Known stages take open/won/lost from
 * their metadata instead. */
static const struct ss_mapping stage_map[] = {
    {"appointmentscheduled", "open"}, {"qualifiedtobuy", "open"},
    {"presentationscheduled", "open"}, {"decisionmakerboughtin", "open"},
    {"contractsent", "open"}, {"closedwon", "won"}, {"closedlost", "lost"},
    {NULL, NULL},
};

static const struct ss_auth auth = {
    SS_AUTH_BEARER | SS_AUTH_OAUTH2, NULL, NULL, "https://api.hubapi.com/oauth/v1/token", NULL,
    "https://api.hubapi.com", NULL,
};

static const struct ss_plugin desc = {
    SS_PLUGIN_HEAD, "hubspot", "1.0.0", "HubSpot CRM: owners, contacts and deals (CRM v3 API)",
    streams, options, status_map, stage_map, h_open, h_check, h_sync, h_close, &auth,
};

SS_PLUGIN_DEFINE(desc)
