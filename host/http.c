/* http: libcurl underneath the SDK's HTTP service. Policy (auth, retries,
 * rate limits, redirects) lives here, once, for every plugin. */
#include "http.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

#define MAX_REDIRECTS 5

struct hdr {
	char *name;
	char *value;
};

/* One response: body, headers, and what the plugin sees of it. */
struct answer {
	struct sb body;
	struct hdr *hdrs;
	size_t nhdrs;
	char *url_shown;             /* redacted URL that answered */
	struct ss_http_response resp;
};

struct http_client {
	struct http_opts o;
	char *base_url, *default_base_url, *ca_file, *user_agent, *prefix;
	CURL *curl;
	struct auth *auth;
	struct rty_bucket bucket;
	/* Two answers, used in turn: the one a plugin holds stays valid
	 * while the next request (a prefetch) fills the other. */
	struct answer ans[2];
	struct answer *a;            /* the one being filled / last filled */
	int in_token;                /* sending the token request */
	double (*now)(void);
	void (*sleep_s)(double);
	double (*rnd)(void);
};

/* What one attempt produced. */
struct attempt {
	CURLcode cc;
	long status;
	char curl_err[CURL_ERROR_SIZE];
};

static double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void real_sleep(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static double real_rnd(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}

void http_set_clock(struct http_client *c, double (*now)(void), void (*sleep_s)(double),
    double (*rnd)(void))
{
	c->now = now ? now : real_now;
	c->sleep_s = sleep_s ? sleep_s : real_sleep;
	c->rnd = rnd ? rnd : real_rnd;
	/* The bucket's clock moves with the client's. */
	c->bucket.last = c->now();
	c->bucket.blocked_until = 0;
}

int http_new(const struct http_opts *o, struct auth *auth, struct http_client **out,
    struct ss_err *err)
{
	struct http_client *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		auth_free(auth);
		return err_set(err, SS_EIO, "libcurl failed to initialize");
	}
	c = xcalloc(1, sizeof *c);
	c->o = *o;
	c->base_url = xstrdup(o->base_url);
	c->default_base_url = xstrdup(o->default_base_url);
	c->ca_file = xstrdup(o->ca_file);
	c->user_agent = xstrdup(o->user_agent);
	c->prefix = xstrdup(o->prefix);
	c->o.base_url = c->base_url;
	c->o.ca_file = c->ca_file;
	c->o.user_agent = c->user_agent;
	c->o.prefix = c->prefix;
	if (c->o.max_attempts < 1)
		c->o.max_attempts = 1;
	c->auth = auth;
	c->a = &c->ans[0];
	http_set_clock(c, NULL, NULL, NULL);
	if (rty_bucket_parse(&c->bucket, o->rate_limit, c->now()) != 0) {
		http_free(c);
		return err_set(err, SS_EINVAL, "rate_limit '%s' is not like 100/10s", o->rate_limit);
	}
	if (!(c->curl = curl_easy_init())) {
		http_free(c);
		return err_set(err, SS_EIO, "libcurl could not make a handle");
	}
	*out = c;
	return 0;
}

static void clear_headers(struct answer *a)
{
	for (size_t i = 0; i < a->nhdrs; i++) {
		free(a->hdrs[i].name);
		free(a->hdrs[i].value);
	}
	free(a->hdrs);
	a->hdrs = NULL;
	a->nhdrs = 0;
}

void http_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	for (int i = 0; i < 2; i++) {
		clear_headers(&c->ans[i]);
		sb_free(&c->ans[i].body);
		free(c->ans[i].url_shown);
	}
	auth_free(c->auth);
	free(c->base_url);
	free(c->default_base_url);
	free(c->ca_file);
	free(c->user_agent);
	free(c->prefix);
	free(c);
}

const char *http_header(const struct http_client *c, const struct ss_http_response *resp,
    const char *name)
{
	const struct answer *a = resp == &c->ans[0].resp ? &c->ans[0] :
	    resp == &c->ans[1].resp ? &c->ans[1] : c->a;

	/* The last one wins: after a redirect, the final response's. */
	for (size_t i = a->nhdrs; i-- > 0;) {
		if (strcasecmp(a->hdrs[i].name, name) == 0)
			return a->hdrs[i].value;
	}
	return NULL;
}

/* ---- libcurl callbacks --------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct sb *b = ud;

	sb_add(b, data, size * n);
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct answer *a = ud;
	size_t len = size * n;
	char *colon = memchr(data, ':', len);
	const char *v, *end = data + len;

	/* A new status line starts a new header block (redirects, 100). */
	if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
		clear_headers(a);
		return len;
	}
	if (!colon)
		return len;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	a->hdrs = xrealloc(a->hdrs, (a->nhdrs + 1) * sizeof *a->hdrs);
	a->hdrs[a->nhdrs].name = xstrndup(data, (size_t)(colon - data));
	a->hdrs[a->nhdrs].value = xstrndup(v, (size_t)(end - v));
	a->nhdrs++;
	return len;
}

/* ---- URLs ------------------------------------------------------------------ */

static int absolute(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static void add_query(struct sb *u, CURL *curl, const char *name, const char *value)
{
	char *n = curl_easy_escape(curl, name, 0);
	char *v = curl_easy_escape(curl, value ? value : "", 0);

	sb_addc(u, strchr(u->buf, '?') ? '&' : '?');
	sb_adds(u, n);
	sb_addc(u, '=');
	sb_adds(u, v);
	curl_free(n);
	curl_free(v);
}

static char *build_url(struct http_client *c, const struct ss_http_request *req, struct ss_err *err)
{
	struct sb u = {0};
	const char *kname, *kval;

	if (!req->url || !*req->url) {
		err_set(err, SS_EINVAL, "request without a URL");
		return NULL;
	}
	if (absolute(req->url)) {
		sb_adds(&u, req->url);
	} else {
		/* The instance's base_url, else the one the token endpoint
		 * named for this credential (Salesforce's instance_url,
		 * Pipedrive's api_domain), else the plugin's default. */
		const char *base = c->base_url && *c->base_url ? c->base_url : auth_api_base(c->auth);
		if (!base || !*base)
			base = c->default_base_url;
		if (!base || !*base) {
			err_set(err, SS_EINVAL, "relative URL '%s' but no base_url is set", req->url);
			return NULL;
		}
		sb_adds(&u, base);
		if (u.len && u.buf[u.len - 1] == '/' && req->url[0] == '/')
			u.len--, u.buf[u.len] = '\0';
		else if (u.len && u.buf[u.len - 1] != '/' && req->url[0] != '/')
			sb_addc(&u, '/');
		sb_adds(&u, req->url);
	}
	for (const struct ss_http_param *q = req->query; q && q->name; q++)
		add_query(&u, c->curl, q->name, q->value);
	if (!(req->flags & SS_HTTP_NO_AUTH) && (kname = auth_key_query(c->auth, &kval))) {
		/* The escaped form is what appears in URLs: redact it too. */
		char *esc = curl_easy_escape(c->curl, kval, 0);
		log_add_secret(esc);
		curl_free(esc);
		add_query(&u, c->curl, kname, kval);
	}
	return u.buf;
}

/* scheme://host:port of a URL, for the same-origin check of redirects. */
static char *origin(const char *url)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL;

	if (curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		o = xasprintf("%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(h);
	return o;
}

static char *resolve(const char *base, const char *location)
{
	CURLU *h = curl_url();
	char *out = NULL, *res = NULL;

	if (curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_URL, location, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_URL, &out, 0) == CURLUE_OK)
		res = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(h);
	return res;
}

/* ---- one attempt ------------------------------------------------------------ */

static struct curl_slist *request_headers(struct http_client *c, const struct ss_http_request *req)
{
	struct curl_slist *h = NULL;
	char *line;
	const char *name, *val;

	for (const struct ss_http_param *p = req->headers; p && p->name; p++) {
		line = xasprintf("%s: %s", p->name, p->value ? p->value : "");
		h = curl_slist_append(h, line);
		free(line);
	}
	if (req->content_type) {
		line = xasprintf("Content-Type: %s", req->content_type);
		h = curl_slist_append(h, line);
		free(line);
	}
	if (req->flags & SS_HTTP_NO_AUTH)
		return h;
	if ((line = auth_header(c->auth))) {
		char *full = xasprintf("Authorization: %s", line);
		h = curl_slist_append(h, full);
		free(full);
		free(line);
	}
	if ((name = auth_key_header(c->auth, &val))) {
		line = xasprintf("%s: %s", name, val);
		h = curl_slist_append(h, line);
		free(line);
	}
	return h;
}

static void perform(struct http_client *c, const char *method, const char *url,
    const struct ss_http_request *req, struct attempt *at)
{
	CURL *k = c->curl;
	struct curl_slist *h = request_headers(c, req);
	const char *basic = !(req->flags & SS_HTTP_NO_AUTH) ? auth_basic(c->auth) :
	    c->in_token ? auth_token_basic(c->auth) : NULL;

	/* reset keeps the connection cache: keep-alive across requests. */
	curl_easy_reset(k);
	sb_reset(&c->a->body);
	clear_headers(c->a);
	memset(at, 0, sizeof *at);
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, at->curl_err);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, &c->a->body);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, c->a);
	curl_easy_setopt(k, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(k, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(k, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->ca_file)
		curl_easy_setopt(k, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout > 0 ? c->o.connect_timeout : 30L);
	if (c->o.request_timeout > 0)
		curl_easy_setopt(k, CURLOPT_TIMEOUT, c->o.request_timeout);
	/* A stalled transfer (under 1 byte/s for a minute) is a failure. */
	curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, 60L);
	if (basic) {
		curl_easy_setopt(k, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(k, CURLOPT_USERPWD, basic);
	}
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(k, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(k, CURLOPT_POST, 1L);
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
	}
	at->cc = curl_easy_perform(k);
	if (at->cc == CURLE_OK)
		curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &at->status);
	curl_slist_free_all(h);
}

/* ---- the policy loop ----------------------------------------------------------- */

static int retryable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static const char *curl_advice(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST: return "check the host name in base_url";
	case CURLE_COULDNT_CONNECT: return "is the service up and the address right?";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return "TLS verification failed: for a private CA set ca_file = /path/to/ca.pem "
		    "(verification cannot be turned off)";
	case CURLE_OPERATION_TIMEDOUT: return "the tool is slow: raise request_timeout, or try later";
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING: return "the connection broke off mid-answer; try again later";
	default: return "try again later";
	}
}

/* Sleeps up to s seconds in short slices, so a cancel is noticed. */
static int nap(struct http_client *c, double s, struct http_stats *st)
{
	double end = c->now() + s;

	st->wait_ms += (int64_t)(s * 1000);
	while (c->now() < end) {
		double left = end - c->now();
		if (c->o.cancelled && c->o.cancelled())
			return SS_ECANCELLED;
		c->sleep_s(left < 0.1 ? left : 0.1);
	}
	return 0;
}

static void observe_limits(struct http_client *c)
{
	static const char *const rem[] = {"X-RateLimit-Remaining", "RateLimit-Remaining",
	    "X-HubSpot-RateLimit-Remaining", "x-ratelimit-remaining", NULL};
	static const char *const rst[] = {"X-RateLimit-Reset", "RateLimit-Reset",
	    "X-HubSpot-RateLimit-Interval-Milliseconds", "x-ratelimit-reset", NULL};
	double now = c->now();

	for (int i = 0; rem[i]; i++) {
		const char *r = http_header(c, NULL, rem[i]);
		const char *t = http_header(c, NULL, rst[i]);
		double reset;
		if (!r)
			continue;
		reset = rty_reset_seconds(t, (int64_t)now);
		if (reset > 0 && strstr(rst[i], "Milliseconds"))
			reset /= 1000;
		rty_bucket_observe(&c->bucket, now, strtoll(r, NULL, 10), reset);
		return;
	}
}

static enum ss_http_verdict judge(struct http_client *c, const struct ss_http_request *req)
{
	enum ss_http_verdict v = SS_HTTP_DEFAULT;
	long s = c->a->resp.status;

	if (req->classify)
		v = req->classify(req->classify_ud, &c->a->resp);
	if (v != SS_HTTP_DEFAULT)
		return v;
	if (s == 429 || s == 500 || s == 502 || s == 503 || s == 504)
		return SS_HTTP_RETRY;
	if (s == 401 && !(req->flags & SS_HTTP_NO_AUTH))
		return SS_HTTP_REAUTH;
	return SS_HTTP_ACCEPT;
}

static int fetch_token(struct http_client *c, struct http_stats *st, struct ss_err *err);

static void fill_response(struct http_client *c, long status, const char *url)
{
	struct answer *a = c->a;

	free(a->url_shown);
	a->url_shown = log_redact(url);
	sb_adds(&a->body, ""); /* always NUL-terminated, even when empty */
	a->resp.struct_size = sizeof a->resp;
	a->resp.status = status;
	a->resp.body = a->body.buf;
	a->resp.body_len = a->body.len;
	a->resp.url = a->url_shown;
}

/* Follows same-origin redirects; refuses others (credentials must never
 * reach another host). Returns 0 when the response is final. */
static int follow(struct http_client *c, const char *method, char **url, int *hops,
    struct ss_err *err)
{
	const char *loc = http_header(c, NULL, "Location");
	char *next, *o1, *o2;
	int same;

	(void)method;
	if (!loc || (c->a->resp.status != 301 && c->a->resp.status != 302 && c->a->resp.status != 303 &&
	                c->a->resp.status != 307 && c->a->resp.status != 308))
		return 0;
	if (++*hops > MAX_REDIRECTS)
		return err_set(err, SS_EINVAL, "too many redirects from %s", c->a->url_shown);
	if (!(next = resolve(*url, loc)))
		return err_set(err, SS_EINVAL, "%s redirected to an unusable Location", c->a->url_shown);
	o1 = origin(*url);
	o2 = origin(next);
	same = o1 && o2 && strcmp(o1, o2) == 0;
	if (!same) {
		char *shown = log_redact(next);
		err_set(err, SS_EINVAL,
		    "%s redirected to another host (%s); refusing to follow it, so credentials "
		    "never leave the configured host. Check base_url.", c->a->url_shown, shown);
		free(shown);
	}
	free(o1);
	free(o2);
	if (!same) {
		free(next);
		return SS_EINVAL;
	}
	free(*url);
	*url = next;
	return 1;
}

static int send_loop(struct http_client *c, const struct ss_http_request *req, struct http_stats *st,
    struct ss_err *err)
{
	const char *method = req->method ? req->method : "GET";
	char *url;
	double waited = 0;
	int attempt = 1, reauthed = 0, hops = 0, rc;

	/* The token first: its answer may name the API root. */
	if (!(req->flags & SS_HTTP_NO_AUTH) && auth_needs_token(c->auth, (int64_t)c->now()) &&
	    (rc = fetch_token(c, st, err)) != 0)
		return rc;
	if (!(url = build_url(c, req, err)))
		return SS_EINVAL;
	for (;;) {
		struct attempt at;
		double t0, w, delay;
		enum ss_http_verdict v;
		const char *ra;
		char *shown;

		if (c->o.cancelled && c->o.cancelled()) {
			rc = err_set(err, SS_ECANCELLED, "cancelled");
			break;
		}
		if (!(req->flags & SS_HTTP_NO_AUTH) && auth_needs_token(c->auth, (int64_t)c->now()) &&
		    (rc = fetch_token(c, st, err)) != 0)
			break;
		w = rty_bucket_wait(&c->bucket, c->now());
		if (w > 0) {
			if (waited + w > c->o.max_retry_wait) {
				shown = log_redact(url);
				rc = err_set(err, SS_EQUOTA, "%s %s: the rate limit asks to wait %.0f s, more "
				    "than max_retry_wait = %.0f s; ending the run partial, sync again later",
				    method, shown, w, c->o.max_retry_wait);
				free(shown);
				break;
			}
			if ((rc = nap(c, w, st)) != 0) {
				err_set(err, rc, "cancelled");
				break;
			}
			waited += w;
		}
		rty_bucket_take(&c->bucket, c->now());
		t0 = c->now();
		perform(c, method, url, req, &at);
		st->requests++;
		st->bytes += (int64_t)c->a->body.len;
		shown = log_redact(url);
		if (at.cc != CURLE_OK) {
			log_msg(SS_LOG_DEBUG, c->prefix, "%s %s -> %s (%.0f ms)", method, shown,
			    curl_easy_strerror(at.cc), (c->now() - t0) * 1000);
			if (!retryable_curl(at.cc) || attempt >= c->o.max_attempts ||
			    (req->flags & SS_HTTP_NO_RETRY)) {
				rc = err_set(err, retryable_curl(at.cc) ? SS_ERETRY : SS_EIO,
				    "%s %s: %s%s%s after %d attempt%s; %s", method, shown,
				    curl_easy_strerror(at.cc), *at.curl_err ? ": " : "", at.curl_err, attempt,
				    attempt == 1 ? "" : "s", curl_advice(at.cc));
				free(shown);
				break;
			}
			delay = rty_backoff(attempt, c->o.backoff_base, c->o.backoff_cap, c->rnd());
		} else {
			fill_response(c, at.status, url);
			log_msg(SS_LOG_DEBUG, c->prefix, "%s %s -> %ld (%.0f ms, %zu bytes)", method, shown,
			    at.status, (c->now() - t0) * 1000, c->a->body.len);
			observe_limits(c);
			if ((rc = follow(c, method, &url, &hops, err)) != 0) {
				free(shown);
				if (rc < 0)
					break;
				continue;
			}
			v = judge(c, req);
			if (v == SS_HTTP_ACCEPT) {
				free(shown);
				rc = 0;
				break;
			}
			if (v == SS_HTTP_QUOTA) {
				rc = err_set(err, SS_EQUOTA, "%s %s: HTTP %ld: the tool's quota is spent; "
				    "the run ends partial, sync again when the quota resets", method, shown,
				    at.status);
				free(shown);
				break;
			}
			if (v == SS_HTTP_REAUTH) {
				int refreshable = auth_kind(c->auth) == AUTH_OAUTH2 || auth_kind(c->auth) == AUTH_JWT;
				if (refreshable && !reauthed) {
					reauthed = 1;
					auth_invalidate(c->auth);
					log_msg(SS_LOG_INFO, c->prefix, "%s %s -> %ld; refreshing the access token",
					    method, shown, at.status);
					free(shown);
					continue;
				}
				rc = err_set(err, SS_EAUTH, "%s %s: HTTP %ld: the tool refused the %s credentials%s; "
				    "check the instance's credentials", method, shown, at.status,
				    auth_kind_name(auth_kind(c->auth)), reauthed ? " even after a token refresh" : "");
				free(shown);
				break;
			}
			/* SS_HTTP_RETRY */
			if (at.status == 429)
				st->throttled++;
			ra = http_header(c, NULL, "Retry-After");
			delay = rty_retry_after(ra, (int64_t)c->now());
			if (attempt >= c->o.max_attempts || (req->flags & SS_HTTP_NO_RETRY)) {
				rc = err_set(err, SS_ERETRY, "%s %s: HTTP %ld after %d attempt%s; the tool keeps "
				    "failing, try again later", method, shown, at.status, attempt,
				    attempt == 1 ? "" : "s");
				free(shown);
				break;
			}
			if (delay >= 0 && waited + delay > c->o.max_retry_wait) {
				rc = err_set(err, SS_EQUOTA, "%s %s: HTTP %ld with Retry-After %.0f s, more than "
				    "max_retry_wait = %.0f s; ending the run partial, sync again later", method,
				    shown, at.status, delay, c->o.max_retry_wait);
				free(shown);
				break;
			}
			if (delay < 0)
				delay = rty_backoff(attempt, c->o.backoff_base, c->o.backoff_cap, c->rnd());
		}
		if (waited + delay > c->o.max_retry_wait) {
			/* The wait budget is spent: retrying without waiting
			 * would only hammer a failing tool. */
			if (waited >= c->o.max_retry_wait) {
				rc = err_set(err, SS_ERETRY, "%s %s: still failing after %d attempt%s and "
				    "%.0f s of waiting (max_retry_wait); try again later", method, shown,
				    attempt, attempt == 1 ? "" : "s", waited);
				free(shown);
				break;
			}
			delay = c->o.max_retry_wait - waited;
		}
		log_msg(SS_LOG_WARN, c->prefix, "%s %s -> %s; retry %d of %d in %.1f s", method, shown,
		    at.cc != CURLE_OK ? curl_easy_strerror(at.cc) : "HTTP error", attempt,
		    c->o.max_attempts - 1, delay);
		free(shown);
		st->retries++;
		attempt++;
		if ((rc = nap(c, delay, st)) != 0) {
			err_set(err, rc, "cancelled");
			break;
		}
		waited += delay;
	}
	free(url);
	return rc;
}

static int fetch_token(struct http_client *c, struct http_stats *st, struct ss_err *err)
{
	struct ss_http_request tr = SS_HTTP_REQUEST_INIT;
	const char *url;
	char *form = NULL;
	int rc;

	if ((rc = auth_lock(c->auth, err)) != 0)
		return rc;
	rc = auth_token_request(c->auth, (int64_t)c->now(), &url, &form, err);
	if (rc == 0) {
		tr.method = "POST";
		tr.url = url;
		tr.body = form;
		tr.body_len = strlen(form);
		tr.content_type = "application/x-www-form-urlencoded";
		tr.flags = SS_HTTP_NO_AUTH;
		c->in_token = 1;
		rc = send_loop(c, &tr, st, err);
		c->in_token = 0;
		if (rc == 0)
			rc = auth_token_response(c->auth, (int64_t)c->now(), c->a->resp.status, c->a->resp.body, err);
	}
	auth_unlock(c->auth);
	free(form);
	return rc;
}

int http_send(struct http_client *c, const struct ss_http_request *req,
    const struct ss_http_response **resp, struct http_stats *st, struct ss_err *err)
{
	return http_send_keep(c, req, NULL, resp, st, err);
}

int http_send_keep(struct http_client *c, const struct ss_http_request *req,
    const struct ss_http_response *keep, const struct ss_http_response **resp,
    struct http_stats *st, struct ss_err *err)
{
	struct ss_http_request r = SS_HTTP_REQUEST_INIT;
	size_t n;
	int rc;

	if (!req || req->struct_size < offsetof(struct ss_http_request, flags) + sizeof req->flags)
		return err_set(err, SS_EINVAL, "bad struct ss_http_request");
	/* A request struct from an older SDK is shorter: copy what it has. */
	n = req->struct_size < sizeof r ? req->struct_size : sizeof r;
	memcpy(&r, req, n);
	if (keep == &c->ans[0].resp)
		c->a = &c->ans[1];
	else if (keep == &c->ans[1].resp)
		c->a = &c->ans[0];
	else
		c->a = c->a == &c->ans[0] ? &c->ans[1] : &c->ans[0];
	rc = send_loop(c, &r, st, err);
	if (rc == 0)
		*resp = &c->a->resp;
	return rc;
}
