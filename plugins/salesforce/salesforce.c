/*
 * salesforce: Salesforce CRM over the REST API. Users become reps, Leads
 * and Contacts leads, Opportunities deals. Each object is read with one
 * SOQL query ordered by (SystemModstamp, Id) through queryAll, so changes
 * and deletions (IsDeleted) arrive in one stream; the cursor of each
 * object is the (SystemModstamp, Id) of the last record committed, and the
 * next sync asks for what comes strictly after it, ties included. Every
 * batch (nextRecordsUrl) is one checkpoint. The host does HTTP: OAuth2
 * refresh-token flow, bearer tokens, retries, redirects, rate limits.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <salesync/plugin.h>

#include "salesforce_map.h"

#define DEFAULT_LOGIN "https://login.salesforce.com"
#define DEFAULT_VERSION "62.0"
/* Ids per IN (...) of the converted-lead lookup: 300 ids are about 8 KB of
 * URL, well under Salesforce's 16 KB limit. */
#define LINK_CHUNK 300
/* Restarts of one object's query after INVALID_QUERY_LOCATOR. */
#define MAX_RESTARTS 3

enum kind { K_USER, K_LEAD, K_CONTACT, K_OPP };

struct object {
	enum kind kind;
	const char *sobject;  /* "Lead" */
	const char *stream;   /* cursor and progress name */
	const char *endpoint; /* "query" or "queryAll" (objects with IsDeleted) */
	const char *fields;
};

static const struct object objects[] = {
    {K_USER, "User", "users", "query",
        "Id, Name, FirstName, LastName, Email, IsActive, Department, CreatedDate, "
        "LastModifiedDate, SystemModstamp"},
    {K_LEAD, "Lead", "leads", "queryAll",
        "Id, FirstName, LastName, Email, Company, Title, Phone, MobilePhone, Status, "
        "LeadSource, Rating, Industry, OwnerId, IsConverted, ConvertedDate, "
        "ConvertedOpportunityId, ConvertedContactId, ConvertedAccountId, MasterRecordId, "
        "LastActivityDate, CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted"},
    {K_CONTACT, "Contact", "contacts", "queryAll",
        "Id, FirstName, LastName, Email, Title, Phone, MobilePhone, Department, LeadSource, "
        "OwnerId, AccountId, Account.Name, MasterRecordId, LastActivityDate, CreatedDate, "
        "LastModifiedDate, SystemModstamp, IsDeleted"},
    {K_OPP, "Opportunity", "opportunities", "queryAll",
        "Id, Name, AccountId, Amount, StageName, Probability, CloseDate, IsClosed, IsWon, "
        "Type, LeadSource, ForecastCategoryName, OwnerId, CreatedDate, LastModifiedDate, "
        "SystemModstamp, IsDeleted"},
};

struct names {
	char **v;
	size_t n;
};

struct sf {
	char version[16];
	char prefix[48];      /* /services/data/vNN.N */
	int contacts;
	int link_leads;
	int multi;            /* -1 auto, 0 single-currency org, 1 multi-currency */
	const char *contact_status;
	const char *extra_fields[4]; /* by kind; borrowed option values */
	char batch_hdr[32];   /* Sforce-Query-Options value, or "" */
	struct names stage_over, status_over; /* raw values the INI maps */
	/* per sync */
	char org_currency[8];
	long api_used, api_max;
};

/* An HTTP answer other than 200, for the caller to judge. */
struct http_err {
	long status;
	char code[64];
	char msg[400];
	char url[512];
};

/* opportunity id -> id of the lead converted into it */
struct link {
	char *opp, *lead;
};

struct links {
	struct link *v;
	size_t n, cap;
};

/* ---- options ---------------------------------------------------------------- */

static int truthy(const char *v)
{
	return v && (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
	                !strcmp(v, "1"));
}

static int names_add(void *ud, const char *rest, const char *value)
{
	struct names *n = ud;
	char **v;

	(void)value;
	if (!(v = realloc(n->v, (n->n + 1) * sizeof *v)))
		return SS_ENOMEM;
	n->v = v;
	if (!(n->v[n->n] = strdup(rest)))
		return SS_ENOMEM;
	n->n++;
	return 0;
}

static void names_free(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

/* Whether the INI maps this raw value itself (status.RAW = / stage.RAW =):
 * then the host's mapping decides, not the flags Salesforce sends. */
static int overridden(const struct names *n, const char *raw)
{
	for (size_t i = 0; raw && i < n->n; i++) {
		if (strcasecmp(n->v[i], raw) == 0)
			return 1;
	}
	return 0;
}

static void sf_close(void *state)
{
	struct sf *s = state;

	if (!s)
		return;
	names_free(&s->stage_over);
	names_free(&s->status_over);
	free(s);
}

static int check_urls(ss_ctx *ctx, const struct ss_api *api)
{
	const char *base = api->option(ctx, "base_url");
	const char *login = api->option(ctx, "login_url");
	const char *rt = api->option(ctx, "refresh_token");

	/* With OAuth2 the token response names the instance (instance_url),
	 * and the host uses it when base_url is not set. */
	if (!base && !(rt && *rt))
		return api->fail(ctx, SS_EINVAL, "base_url is required without OAuth2 (a bearer "
		    "session id): set it to the org's instance URL, e.g. https://acme.my.salesforce.com");
	if (base && strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
		return api->fail(ctx, SS_EINVAL, "base_url = %s: expected the org's instance URL, "
		    "e.g. https://acme.my.salesforce.com", base);
	if (base && (strstr(base, "://login.salesforce.com") || strstr(base, "://test.salesforce.com")))
		return api->fail(ctx, SS_EINVAL, "base_url = %s is a login host; set it to the org's "
		    "instance URL (instance_url in the token response, e.g. "
		    "https://acme.my.salesforce.com) and login_url to the login host", base);
	if (!login || (strncmp(login, "https://", 8) != 0 && strncmp(login, "http://", 7) != 0))
		return api->fail(ctx, SS_EINVAL, "login_url = %s: expected a URL such as %s or "
		    "https://test.salesforce.com", login ? login : "(unset)", DEFAULT_LOGIN);
	return 0;
}

static int sf_open(ss_ctx *ctx, const struct ss_api *api, void **out)
{
	static const char *const field_opts[4] = {NULL, "lead_fields", "contact_fields",
	    "opportunity_fields"};
	struct sf *s;
	const char *v;
	int rc;

	if (!api->http)
		return api->fail(ctx, SS_EUNSUPPORTED, "this host has no HTTP service (SDK 1.1 needed)");
	if (!(s = calloc(1, sizeof *s)))
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	v = api->option(ctx, "api_version");
	if (sf_version(v ? v : DEFAULT_VERSION, s->version, sizeof s->version) != 0) {
		sf_close(s);
		return api->fail(ctx, SS_EINVAL, "api_version = %s: expected a version like %s",
		    v, DEFAULT_VERSION);
	}
	snprintf(s->prefix, sizeof s->prefix, "/services/data/v%s", s->version);
	if ((rc = check_urls(ctx, api)) != 0) {
		sf_close(s);
		return rc;
	}
	v = api->option(ctx, "contacts");
	s->contacts = !v || truthy(v);
	v = api->option(ctx, "link_converted_leads");
	s->link_leads = !v || truthy(v);
	v = api->option(ctx, "multi_currency");
	s->multi = !v || !strcmp(v, "auto") ? -1 : !strcmp(v, "yes");
	v = api->option(ctx, "contact_status");
	s->contact_status = v && strcmp(v, "none") != 0 ? v : NULL;
	for (int k = K_LEAD; k <= K_OPP; k++) {
		v = api->option(ctx, field_opts[k]);
		if (!sf_fields_ok(v)) {
			sf_close(s);
			return api->fail(ctx, SS_EINVAL, "%s = %s: expected field names separated by "
			    "commas, e.g. Region__c, Owner.Name", field_opts[k], v);
		}
		s->extra_fields[k] = v;
	}
	if ((v = api->option(ctx, "page_size"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n < 200 || n > 2000) {
			sf_close(s);
			return api->fail(ctx, SS_EINVAL, "page_size = %s: Salesforce takes 200 to 2000", v);
		}
		snprintf(s->batch_hdr, sizeof s->batch_hdr, "batchSize=%ld", n);
	}
	if (api->option_each(ctx, "stage.", names_add, &s->stage_over) != 0 ||
	    api->option_each(ctx, "status.", names_add, &s->status_over) != 0) {
		sf_close(s);
		return api->fail(ctx, SS_ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

/* ---- HTTP ------------------------------------------------------------------------- */

/* Salesforce says "daily allowance spent" with a 403 (REQUEST_LIMIT_EXCEEDED),
 * which the host cannot know; the same code with ConcurrentPerOrg... is
 * the concurrency limit, which passes. A 401 for a session that may not
 * use the REST API is not cured by a new token. */
static enum ss_http_verdict classify(void *ud, const struct ss_http_response *r)
{
	(void)ud;
	if (r->status == 403 && r->body && strstr(r->body, "REQUEST_LIMIT_EXCEEDED"))
		return strstr(r->body, "ConcurrentPerOrg") ? SS_HTTP_RETRY : SS_HTTP_QUOTA;
	if (r->status == 401 && r->body && strstr(r->body, "not valid for use with the REST API"))
		return SS_HTTP_ACCEPT;
	return SS_HTTP_DEFAULT;
}

static void note_limits(ss_ctx *ctx, const struct ss_api *api, struct sf *s,
    const struct ss_http_response *r)
{
	long used, max;

	if (sf_limit_info(api->http->header(ctx, r, "Sforce-Limit-Info"), &used, &max) == 0) {
		s->api_used = used;
		s->api_max = max;
	}
}

/* Asks for the next batch (nextRecordsUrl, which the answer puts before
 * its records) while this one is parsed. Only a guess: the caller still
 * checks the parsed URL (bad_next) before asking for it. */
static void prefetch_next(ss_ctx *ctx, const struct ss_api *api, const struct ss_http_request *req,
    const struct ss_http_response *r)
{
	struct ss_http_request next = *req;
	char url[512];
	const char *v;
	size_t n;

	if (api->json_find(ctx, r->body, r->body_len, "nextRecordsUrl", &v, &n) != 0 ||
	    !ss_json_plain_string(v, n, url, sizeof url) ||
	    strncmp(url, "/services/data/", 15) != 0 || strstr(url, ".."))
		return;
	next.url = url;
	next.query = NULL;
	api->http->prefetch(ctx, &next);
}

/* GET url (a path under base_url; with ?q=soql when soql is set).
 * Returns 0 with *out the body's JSON object; 1 for an HTTP status other
 * than 200, described in *e for the caller to judge; < 0 when it failed
 * (the run's error is set). */
static int fetch(ss_ctx *ctx, const struct ss_api *api, struct sf *s, const char *url,
    const char *soql, json_t **out, struct http_err *e)
{
	struct ss_http_param q[2] = {{"q", soql}, {NULL, NULL}};
	struct ss_http_param h[2] = {{"Sforce-Query-Options", s->batch_hdr}, {NULL, NULL}};
	struct ss_http_request req = SS_HTTP_REQUEST_INIT;
	const struct ss_http_response *r;
	json_error_t je;
	json_t *j;
	int rc;

	*out = NULL;
	req.url = url;
	req.query = soql ? q : NULL;
	req.headers = *s->batch_hdr ? h : NULL;
	req.classify = classify;
	if ((rc = api->http->request(ctx, &req, &r)) != 0)
		return rc;
	note_limits(ctx, api, s, r);
	snprintf(e->url, sizeof e->url, "%s", r->url ? r->url : url);
	if (r->status != 200) {
		e->status = r->status;
		sf_error_parse(r->body, r->body_len, e->code, sizeof e->code, e->msg, sizeof e->msg);
		return 1;
	}
	prefetch_next(ctx, api, &req, r);
	j = json_loadb(r->body, r->body_len, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		return api->fail(ctx, SS_EPARSE, "GET %s: expected a JSON object: %s (body starts: %.80s)",
		    e->url, j ? "another JSON value" : je.text, r->body);
	}
	*out = j;
	return 0;
}

static int fail_http(ss_ctx *ctx, const struct ss_api *api, const struct http_err *e)
{
	const char *hint = NULL;
	int code = SS_EIO;

	if (e->status == 401 || e->status == 403) {
		code = SS_EAUTH;
		hint = strstr(e->msg, "REST API") ?
		    "the connected app needs the 'api' OAuth scope and the user the API Enabled permission" :
		    "check that the user has the API Enabled permission and read access to Users, "
		    "Leads, Contacts and Opportunities";
	} else if (e->status == 404) {
		code = SS_EINVAL;
		hint = "check base_url (the org's instance URL) and api_version";
	} else if (!strcmp(e->code, "INVALID_FIELD") || !strcmp(e->code, "INVALID_TYPE")) {
		code = SS_EINVAL;
		hint = "check lead_fields, contact_fields and opportunity_fields (custom fields end "
		    "in __c) and the user's field-level security";
	} else if (e->status == 400) {
		code = SS_EINVAL;
	}
	return api->fail(ctx, code, "GET %s: HTTP %ld%s%s: %s%s%s", e->url, e->status,
	    *e->code ? " " : "", e->code, e->msg, hint ? "; " : "", hint ? hint : "");
}

/* The records array of a query answer, or NULL after failing the run. */
static json_t *records_of(ss_ctx *ctx, const struct ss_api *api, json_t *j, const char *url)
{
	json_t *recs = json_object_get(j, "records");

	if (!json_is_array(recs)) {
		api->fail(ctx, SS_EPARSE, "GET %s: the answer has no \"records\" array", url);
		return NULL;
	}
	return recs;
}

/* The next batch's path, or NULL when the query is done. Only a path
 * under /services/data/ is followed: the credentials go with it. */
static const char *next_url(json_t *j)
{
	const char *n = json_string_value(json_object_get(j, "nextRecordsUrl"));

	if (json_is_true(json_object_get(j, "done")) || !n || !*n)
		return NULL;
	return n;
}

static int bad_next(ss_ctx *ctx, const struct ss_api *api, const char *n, const char *url)
{
	if (strncmp(n, "/services/data/", 15) == 0 && !strstr(n, ".."))
		return 0;
	return api->fail(ctx, SS_EPARSE, "GET %s: nextRecordsUrl '%.100s' is not a path under "
	    "/services/data/; not following it", url, n);
}

/* ---- the single-currency org's currency ------------------------------------------- */

static int org_currency(ss_ctx *ctx, const struct ss_api *api, struct sf *s)
{
	char url[96];
	struct http_err e = {0};
	json_t *j, *recs;
	const char *c;
	int rc;

	snprintf(url, sizeof url, "%s/query", s->prefix);
	rc = fetch(ctx, api, s, url, "SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1", &j, &e);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		api->log(ctx, SS_LOG_WARN, "cannot read the org's currency (HTTP %ld %s: %s); deals "
		    "take the instance's currency = option", e.status, e.code, e.msg);
		return 0;
	}
	recs = json_object_get(j, "records");
	c = json_string_value(json_object_get(json_array_get(recs, 0), "DefaultCurrencyIsoCode"));
	if (c && strlen(c) == 3)
		snprintf(s->org_currency, sizeof s->org_currency, "%s", c);
	api->log(ctx, SS_LOG_INFO, "single-currency org: amounts are in %s",
	    *s->org_currency ? s->org_currency : "the instance's currency = option");
	json_decref(j);
	return 0;
}

/* ---- converted leads (deal.lead_id) ----------------------------------------------- */

static void links_free(struct links *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].opp);
		free(l->v[i].lead);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int links_add(struct links *l, const char *opp, const char *lead)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct link *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return SS_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].opp = strdup(opp);
	l->v[l->n].lead = strdup(lead);
	if (!l->v[l->n].opp || !l->v[l->n].lead) {
		free(l->v[l->n].opp);
		free(l->v[l->n].lead);
		return SS_ENOMEM;
	}
	l->n++;
	return 0;
}

static int link_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;
	int c = strcmp(x->opp, y->opp);

	return c ? c : strcmp(x->lead, y->lead);
}

/* The lead converted into opportunity `opp` (the smallest lead id when
 * several were), or NULL. */
static const char *links_find(const struct links *l, const char *opp)
{
	size_t lo = 0, hi = l->n;

	while (opp && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].opp, opp);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return opp && lo < l->n && strcmp(l->v[lo].opp, opp) == 0 ? l->v[lo].lead : NULL;
}

/* Reads the leads converted into one chunk of opportunities. */
static int link_chunk(ss_ctx *ctx, const struct ss_api *api, struct sf *s, const char *soql,
    struct links *l)
{
	char first[96], *next = NULL;
	int rc = 0;

	snprintf(first, sizeof first, "%s/query", s->prefix);
	for (;;) {
		struct http_err e = {0};
		json_t *j, *recs, *rec;
		const char *n;
		size_t i;

		rc = fetch(ctx, api, s, next ? next : first, next ? NULL : soql, &j, &e);
		if (rc == 1)
			rc = fail_http(ctx, api, &e);
		if (rc != 0)
			break;
		if (!(recs = records_of(ctx, api, j, e.url))) {
			json_decref(j);
			rc = SS_EPARSE;
			break;
		}
		json_array_foreach(recs, i, rec) {
			const char *lead = json_string_value(json_object_get(rec, "Id"));
			const char *opp = json_string_value(json_object_get(rec, "ConvertedOpportunityId"));
			if (lead && opp && (rc = links_add(l, opp, lead)) != 0)
				break;
		}
		n = next_url(j);
		if (n && rc == 0)
			rc = bad_next(ctx, api, n, e.url);
		free(next);
		next = n && rc == 0 ? strdup(n) : NULL;
		json_decref(j);
		if (rc != 0 || !n)
			break;
		if (!next) {
			rc = api->fail(ctx, SS_ENOMEM, "out of memory");
			break;
		}
	}
	free(next);
	return rc;
}

/* The leads converted into the opportunities of one batch, sorted by
 * opportunity. Salesforce links them on the lead (ConvertedOpportunityId),
 * so it takes a query: one per LINK_CHUNK opportunities. */
static int link_leads(ss_ctx *ctx, const struct ss_api *api, struct sf *s, json_t *recs,
    struct links *l)
{
	size_t i = 0, total = json_array_size(recs);
	int rc = 0;

	while (i < total && rc == 0) {
		struct sf_buf b = {0};
		size_t n = 0;
		char *soql;

		sf_buf_add(&b, "SELECT Id, ConvertedOpportunityId FROM Lead WHERE "
		    "ConvertedOpportunityId IN (");
		for (; i < total && n < LINK_CHUNK; i++) {
			const char *id = json_string_value(json_object_get(json_array_get(recs, i), "Id"));
			if (!sf_id_ok(id))
				continue;
			sf_buf_addf(&b, "%s'%s'", n ? ", " : "", id);
			n++;
		}
		sf_buf_add(&b, ") ORDER BY Id");
		if (!(soql = sf_buf_take(&b)))
			return api->fail(ctx, SS_ENOMEM, "out of memory");
		if (n > 0)
			rc = link_chunk(ctx, api, s, soql, l);
		free(soql);
	}
	if (rc == 0 && l->n > 1) {
		size_t w = 1;
		qsort(l->v, l->n, sizeof *l->v, link_cmp);
		for (size_t r = 1; r < l->n; r++) {
			if (strcmp(l->v[r].opp, l->v[w - 1].opp) == 0) {
				free(l->v[r].opp);
				free(l->v[r].lead);
			} else {
				l->v[w++] = l->v[r];
			}
		}
		l->n = w;
	}
	return rc;
}

/* ---- records ----------------------------------------------------------------------- */

static int emit(ss_ctx *ctx, const struct ss_api *api, struct sf *s, const struct object *o,
    json_t *rec, const struct links *links)
{
	struct sf_scratch sc = {{0}, NULL};
	const char *id = json_string_value(json_object_get(rec, "Id"));
	int rc;

	switch (o->kind) {
	case K_USER: {
		struct ss_rep r = SS_REP_INIT;
		sf_map_user(rec, &r);
		rc = api->emit_rep(ctx, &r);
		break;
	}
	case K_LEAD: {
		struct ss_lead l = SS_LEAD_INIT;
		sf_map_lead(rec, &l, &sc);
		if (l.status && overridden(&s->status_over, l.status_raw))
			l.status = NULL;
		rc = api->emit_lead(ctx, &l);
		break;
	}
	case K_CONTACT: {
		struct ss_lead l = SS_LEAD_INIT;
		sf_map_contact(rec, &l, &sc);
		l.status = s->contact_status;
		rc = api->emit_lead(ctx, &l);
		break;
	}
	default: {
		struct ss_deal d = SS_DEAL_INIT;
		sf_map_opportunity(rec, &d, &sc);
		if (d.stage && overridden(&s->stage_over, d.stage_raw))
			d.stage = NULL;
		if (!d.currency && *s->org_currency)
			d.currency = s->org_currency;
		d.lead_id = links_find(links, d.id);
		rc = api->emit_deal(ctx, &d);
		break;
	}
	}
	sf_scratch_free(&sc);
	if (rc == SS_EINVAL) {
		/* The host logged why (an amount or currency it cannot read):
		 * count it and go on rather than lose the whole batch. */
		api->skip(ctx, "%s %s: the record was refused (see the log above)", o->sobject, id);
		return 0;
	}
	return rc;
}

/* Emits one batch; *last gets "SYSTEMMODSTAMP|ID" of its last record. */
static int emit_batch(ss_ctx *ctx, const struct ss_api *api, struct sf *s, const struct object *o,
    json_t *recs, const char *url, char *last, size_t lastsz)
{
	struct links links = {0};
	json_t *rec;
	size_t i;
	int rc = 0;

	if (o->kind == K_OPP && s->link_leads && json_array_size(recs) > 0 &&
	    (rc = link_leads(ctx, api, s, recs, &links)) != 0) {
		links_free(&links);
		return rc;
	}
	json_array_foreach(recs, i, rec) {
		const char *id = json_string_value(json_object_get(rec, "Id"));
		const char *ts = json_string_value(json_object_get(rec, "SystemModstamp"));
		char lit[64];

		if (!sf_id_ok(id) || !ts || sf_soql_datetime(ts, lit, sizeof lit) != 0) {
			rc = api->fail(ctx, SS_EPARSE, "GET %s: record %zu has no usable Id and "
			    "SystemModstamp", url, i);
			break;
		}
		if ((rc = emit(ctx, api, s, o, rec, &links)) != 0)
			break;
		snprintf(last, lastsz, "%s|%s", ts, id);
	}
	links_free(&links);
	return rc;
}

/* Whether the error is "no such column CurrencyIsoCode": a single-currency org. */
static int no_currency_field(const struct http_err *e)
{
	return e->status == 400 && !strcmp(e->code, "INVALID_FIELD") &&
	    strstr(e->msg, "CurrencyIsoCode") != NULL;
}

static char *object_soql(struct sf *s, const struct object *o, const char *cursor)
{
	struct sf_buf b = {0};
	char *fields, *soql;

	sf_buf_add(&b, o->fields);
	if (o->kind == K_OPP && s->multi != 0)
		sf_buf_add(&b, ", CurrencyIsoCode");
	if (!(fields = sf_buf_take(&b)))
		return NULL;
	soql = sf_soql(o->sobject, fields, s->extra_fields[o->kind], cursor);
	free(fields);
	return soql;
}

/* Syncs one object from its cursor: one query, one checkpoint per batch. */
static int sync_object(ss_ctx *ctx, const struct ss_api *api, struct sf *s, const struct object *o)
{
	const char *c = api->cursor_get(ctx, o->stream);
	char cur[160] = "", first[96];
	char *next = NULL, *soql = NULL;
	int64_t done = 0, total = -1, base = 0;
	int restarts = 0, rc = 0;

	if (c && snprintf(cur, sizeof cur, "%s", c) >= (int)sizeof cur)
		return api->fail(ctx, SS_EINVAL, "the %s cursor is damaged ('%.40s...'); run "
		    "`salesync sync --full` once", o->stream, c);
	snprintf(first, sizeof first, "%s/%s", s->prefix, o->endpoint);
restart:
	free(soql);
	if (!(soql = object_soql(s, o, *cur ? cur : NULL)))
		return api->fail(ctx, SS_EINVAL, "the %s cursor '%s' is damaged; run `salesync "
		    "sync --full` once", o->stream, cur);
	api->log(ctx, SS_LOG_DEBUG, "%s: %s", o->sobject, soql);
	base = done;
	for (;;) {
		struct http_err e = {0};
		char last[160] = "";
		const char *n;
		json_t *j, *recs;

		rc = fetch(ctx, api, s, next ? next : first, next ? NULL : soql, &j, &e);
		if (rc == 1 && !next && o->kind == K_OPP && s->multi < 0 && no_currency_field(&e)) {
			/* auto: no CurrencyIsoCode means one currency in the org. */
			s->multi = 0;
			if ((rc = org_currency(ctx, api, s)) != 0)
				break;
			goto restart;
		}
		if (rc == 1 && next && !strcmp(e.code, "INVALID_QUERY_LOCATOR") &&
		    restarts++ < MAX_RESTARTS) {
			/* The query's server-side cursor expired: ask again from
			 * what is committed. Nothing is lost or repeated. */
			api->log(ctx, SS_LOG_WARN, "%s: the query locator expired; querying again from "
			    "the last checkpoint", o->sobject);
			free(next);
			next = NULL;
			goto restart;
		}
		if (rc == 1)
			rc = fail_http(ctx, api, &e);
		if (rc != 0)
			break;
		if (!(recs = records_of(ctx, api, j, e.url))) {
			json_decref(j);
			rc = SS_EPARSE;
			break;
		}
		if (!next && json_is_integer(json_object_get(j, "totalSize")))
			total = base + json_integer_value(json_object_get(j, "totalSize"));
		rc = emit_batch(ctx, api, s, o, recs, e.url, last, sizeof last);
		done += (int64_t)json_array_size(recs);
		n = next_url(j);
		if (n && rc == 0)
			rc = bad_next(ctx, api, n, e.url);
		free(next);
		next = n && rc == 0 ? strdup(n) : NULL;
		json_decref(j);
		if (rc != 0)
			break;
		if (*last) {
			snprintf(cur, sizeof cur, "%s", last);
			api->cursor_set(ctx, o->stream, cur);
		}
		if ((rc = api->checkpoint(ctx)) != 0)
			break;
		api->progress(ctx, o->stream, done, total);
		if (!n)
			break;
		if (!next) {
			rc = api->fail(ctx, SS_ENOMEM, "out of memory");
			break;
		}
		if (api->cancelled(ctx)) {
			rc = SS_ECANCELLED;
			break;
		}
	}
	free(next);
	free(soql);
	return rc;
}

static int sf_sync(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct sf *s = state;
	int rc = 0;

	s->org_currency[0] = '\0';
	s->api_used = s->api_max = -1;
	if (s->multi == 0 && (rc = org_currency(ctx, api, s)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof objects / sizeof objects[0] && rc == 0; i++) {
		if (objects[i].kind == K_CONTACT && !s->contacts)
			continue;
		rc = sync_object(ctx, api, s, &objects[i]);
		if (rc == 0 && api->cancelled(ctx))
			rc = SS_ECANCELLED;
	}
	if (s->api_max > 0)
		api->log(ctx, s->api_used * 10 >= s->api_max * 9 ? SS_LOG_WARN : SS_LOG_INFO,
		    "Salesforce API usage: %ld of %ld requests in the last 24 h", s->api_used, s->api_max);
	return rc;
}

static int sf_check(ss_ctx *ctx, const struct ss_api *api, void *state)
{
	struct sf *s = state;
	struct http_err e = {0};
	const char *name, *id;
	char url[96];
	json_t *j, *org;
	int rc;

	snprintf(url, sizeof url, "%s/query", s->prefix);
	rc = fetch(ctx, api, s, url, "SELECT Id, Name FROM Organization LIMIT 1", &j, &e);
	if (rc == 1)
		return fail_http(ctx, api, &e);
	if (rc != 0)
		return rc;
	org = json_array_get(json_object_get(j, "records"), 0);
	name = json_string_value(json_object_get(org, "Name"));
	id = json_string_value(json_object_get(org, "Id"));
	api->log(ctx, SS_LOG_INFO, "connected to the org %s (%s), API v%s", name ? name : "?",
	    id ? id : "?", s->version);
	json_decref(j);
	return 0;
}

/* ---- descriptor ---------------------------------------------------------------------- */

static const char *const streams[] = {"reps", "leads", "deals", NULL};

static const struct ss_option options[] = {
    {"base_url", SS_OPT_STRING, 0, NULL, NULL,
        "the org's instance URL, e.g. https://acme.my.salesforce.com; with OAuth2 it "
        "defaults to the instance_url of the token response"},
    {"login_url", SS_OPT_STRING, 0, DEFAULT_LOGIN, NULL,
        "OAuth2 login host (the token request goes to LOGIN_URL/services/oauth2/token); "
        "sandboxes: https://test.salesforce.com"},
    {"api_version", SS_OPT_STRING, 0, DEFAULT_VERSION, NULL, "REST API version, e.g. 62.0"},
    {"contacts", SS_OPT_BOOL, 0, "yes", NULL, "sync Contacts as leads as well as Leads"},
    {"contact_status", SS_OPT_ENUM, 0, "none", "none|new|working|qualified|unqualified|converted",
        "the status given to contacts, which have none in Salesforce (none: unknown)"},
    {"multi_currency", SS_OPT_ENUM, 0, "auto", "auto|yes|no",
        "whether opportunities have CurrencyIsoCode; auto finds out "
        "(no: the org's one currency)"},
    {"link_converted_leads", SS_OPT_BOOL, 0, "yes", NULL,
        "set a deal's lead_id to the lead converted into it "
        "(one query per batch of opportunities)"},
    {"lead_fields", SS_OPT_STRING, 0, NULL, NULL,
        "more Lead fields for extra, e.g. Region__c, Owner.Name"},
    {"contact_fields", SS_OPT_STRING, 0, NULL, NULL, "more Contact fields for extra"},
    {"opportunity_fields", SS_OPT_STRING, 0, NULL, NULL, "more Opportunity fields for extra"},
    {"page_size", SS_OPT_INT, 0, NULL, NULL,
        "records per batch (page), 200 to 2000 (default: Salesforce's, 2000)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

/* Salesforce's default lead statuses, and those of newer orgs. A converted
 * lead (IsConverted) is "converted" whatever its status says. */
static const struct ss_mapping status_map[] = {
    {"Open - Not Contacted", "new"}, {"Working - Contacted", "working"},
    {"Closed - Converted", "converted"}, {"Closed - Not Converted", "unqualified"},
    {"Open", "new"}, {"Contacted", "working"}, {"Nurturing", "working"},
    {"Qualified", "qualified"}, {"Unqualified", "unqualified"},
    {NULL, NULL},
};

/* Only used when an opportunity lacks IsClosed: normally IsClosed and IsWon
 * decide. The default stages of a new org. */
static const struct ss_mapping stage_map[] = {
    {"Prospecting", "open"}, {"Qualification", "open"}, {"Needs Analysis", "open"},
    {"Value Proposition", "open"}, {"Id. Decision Makers", "open"},
    {"Perception Analysis", "open"}, {"Proposal/Price Quote", "open"},
    {"Negotiation/Review", "open"}, {"Closed Won", "won"}, {"Closed Lost", "lost"},
    {NULL, NULL},
};

static const struct ss_auth auth = {
    /* The host fills in login_url (a sandbox's test.salesforce.com, or its
     * default, the production login host). */
    SS_AUTH_OAUTH2 | SS_AUTH_BEARER, NULL, NULL, "{login_url}/services/oauth2/token", NULL, NULL,
    /* The token response names the org's API host: base_url may be left out. */
    "instance_url",
};

static const struct ss_plugin salesforce_plugin = {
    SS_PLUGIN_HEAD, "salesforce", "1.0.0", "Salesforce CRM: users, leads, contacts, opportunities",
    streams, options, status_map, stage_map, sf_open, sf_check, sf_sync, sf_close, &auth,
};

SS_PLUGIN_DEFINE(salesforce_plugin)
