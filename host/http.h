/*
 * http: the host's HTTP client behind api->http: one libcurl handle per
 * worker (keep-alive), auth injection (auth.c), rate limiting and retries
 * (retry.c), same-host redirects only, and a log line per request with
 * secrets redacted.
 */
#ifndef SS_HTTP_H
#define SS_HTTP_H

#include <stdint.h>

#include "auth.h"
#include "retry.h"

struct http_opts {
	const char *prefix;        /* "plugin:instance" for log lines */
	const char *base_url;      /* for relative request URLs (configured) */
	const char *default_base_url; /* the plugin's, after the token's API root */
	const char *ca_file;       /* extra CA bundle, or NULL */
	const char *user_agent;
	long connect_timeout;      /* seconds */
	long request_timeout;      /* seconds, whole transfer */
	int max_attempts;          /* per request, >= 1 */
	double max_retry_wait;     /* seconds one request may spend waiting */
	double backoff_base;       /* first backoff ceiling, seconds */
	double backoff_cap;        /* largest backoff ceiling, seconds */
	const char *rate_limit;    /* "100/10s" or NULL */
	int (*cancelled)(void);    /* non-zero: stop waiting, give up */
};

/* Per-run counters, kept by the caller and added to here. */
struct http_stats {
	int64_t requests;   /* attempts sent, including token requests */
	int64_t bytes;      /* response body bytes received */
	int64_t retries;
	int64_t throttled;  /* 429 answers */
	int64_t wait_ms;    /* time spent waiting on rate limits and backoff */
};

struct http_client;

/* Takes ownership of auth (may be NULL). Caller owns *out. */
int http_new(const struct http_opts *o, struct auth *auth, struct http_client **out,
    struct ss_err *err);
void http_free(struct http_client *c);

/*
 * Sends req (see struct ss_http_api in the SDK for the contract). The
 * response is owned by c and valid until the second http_send after it
 * (answers alternate between two buffers, so a prefetch does not clobber
 * the response a plugin is reading). On error,
 * err says what failed, which request (redacted) and what to do.
 */
int http_send(struct http_client *c, const struct ss_http_request *req,
    const struct ss_http_response **resp, struct http_stats *st, struct ss_err *err);

/* As http_send, but the answer keep (one of c's, or NULL) stays valid:
 * the plugin's current page while a prefetch runs, or a prefetched page
 * while the plugin asks for something else. */
int http_send_keep(struct http_client *c, const struct ss_http_request *req,
    const struct ss_http_response *keep, const struct ss_http_response **resp,
    struct http_stats *st, struct ss_err *err);

/* A header of the last response (case-insensitive name), or NULL. */
const char *http_header(const struct http_client *c, const struct ss_http_response *resp,
    const char *name);

/* Makes time and randomness controllable for tests (NULL: real ones). */
void http_set_clock(struct http_client *c, double (*now)(void), void (*sleep_s)(double),
    double (*rnd)(void));

#endif
