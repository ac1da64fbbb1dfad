/*
 * salesync plugin SDK, ABI 1.
 *
 * The one header a salesync plugin includes. A plugin adapts one tool (a CRM,
 * a spreadsheet, an analytics service) to the common lead-and-metric model:
 * reps, leads, deals and metrics. It is a shared object that exports exactly
 * one function, emitted by SS_PLUGIN_DEFINE(), returning a pointer to a
 * static const descriptor. The host reaches the plugin only through that
 * descriptor; the plugin reaches the host only through the const service
 * table (struct ss_api) handed to every callback. Plugins never link host
 * symbols, so a plugin builds out of tree with:
 *
 *     cc -shared -fPIC $(pkg-config --cflags salesync-plugin) -o x.so x.c
 *
 * Compatibility rules (the ledger of every symbol is sdk/SYMBOLS):
 *   - SS_ABI_MAJOR changes only when something is removed or changes
 *     meaning; the host refuses a plugin whose major differs from its own.
 *   - SS_ABI_MINOR grows when members are appended; the host refuses a
 *     plugin built against a newer minor than it implements.
 *   - Structs that grow (the descriptor, the service tables, the records,
 *     the HTTP request and response) are only ever extended at the end and
 *     start with their own struct_size, so both sides can tell which
 *     members the other knows. The small tables (ss_option, ss_mapping,
 *     ss_http_param, ss_auth) keep their shape within a major version; an
 *     addition to them comes as a new member of the descriptor.
 *
 * Ownership words used below:
 *   borrowed  - the pointer stays valid only for the stated time; copy it
 *               to keep it.
 *   copied    - the callee copies what it needs before returning; the
 *               caller may free or reuse its memory right after the call.
 *
 * Threading: the host calls a plugin instance from one thread at a time,
 * with one exception: after api->http->prefetch, that request's classify
 * callback may run on a host thread while the plugin works on. Every sync
 * runs in its own worker process. Plugins keep no globals: all
 * per-instance state lives in the state pointer made by open().
 *
 * Error convention, everywhere: 0 is success, a negative SS_E* code is a
 * failure. The human-readable detail goes to the host with api->fail().
 */
#ifndef SALESYNC_PLUGIN_H
#define SALESYNC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Since: 1.0 */
#define SS_ABI_MAJOR 1
/* Since: 1.0 (1.1 added the HTTP service and struct ss_auth; 1.2 added
 * api->http->prefetch and api->json_find) */
#define SS_ABI_MINOR 2

/* Name of the one symbol a plugin exports. Since: 1.0 */
#define SS_PLUGIN_ENTRY "salesync_plugin_entry"

#if defined(__GNUC__)
#define SS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SS_EXPORT __attribute__((visibility("default")))
#else
#define SS_PRINTF(f, a)
#define SS_EXPORT
#endif

/*
 * Error codes returned by plugin callbacks and by host services.
 * Since: 1.0
 */
enum ss_error {
	SS_OK = 0,
	SS_EINVAL = -1,       /* bad argument or bad option value */
	SS_ENOMEM = -2,       /* out of memory */
	SS_EIO = -3,          /* local I/O failed (file, store) */
	SS_EPARSE = -4,       /* input from the tool could not be parsed */
	SS_EAUTH = -5,        /* credentials refused by the tool */
	SS_ERETRY = -6,       /* transient failure; a later run may succeed */
	SS_EQUOTA = -7,       /* the tool's quota is spent; end the run partial */
	SS_ECANCELLED = -8,   /* the host asked the run to stop */
	SS_EUNSUPPORTED = -9, /* the operation is not provided */
	SS_ESTORE = -10       /* the host could not store what was emitted */
};

/* Log levels for api->log(). Since: 1.0 */
enum ss_log_level {
	SS_LOG_ERROR = 0,
	SS_LOG_WARN = 1,
	SS_LOG_INFO = 2,
	SS_LOG_DEBUG = 3
};

/*
 * Option table. The host validates every key of an instance's INI section
 * against this table before open() is called: unknown keys, bad types and
 * missing required options are reported as file:line errors.
 * Since: 1.0
 */
enum ss_option_type {
	SS_OPT_STRING = 0,   /* any text */
	SS_OPT_INT = 1,      /* signed decimal integer (int64 range) */
	SS_OPT_BOOL = 2,     /* true/false, yes/no, on/off, 1/0 */
	SS_OPT_DURATION = 3, /* 30s, 15m, 1h, 1d, or a bare number of seconds */
	SS_OPT_PATH = 4,     /* a file path; relative paths resolve against
	                        the INI file's directory */
	SS_OPT_ENUM = 5      /* one of the '|'-separated words in `choices` */
};

/* Flags of an option. Since: 1.0 */
#define SS_OPT_REQUIRED 0x1u /* the instance must set it */
#define SS_OPT_SECRET 0x2u   /* never printed, logged or stored */
#define SS_OPT_PREFIX 0x4u   /* `key` ends in '.', and the option matches
                                every key starting with it (map.email = …) */

/* One option a plugin accepts. Since: 1.0 */
struct ss_option {
	const char *key;           /* e.g. "path", or "map." with SS_OPT_PREFIX */
	enum ss_option_type type;
	unsigned flags;            /* SS_OPT_* bits */
	const char *default_value; /* NULL: no default */
	const char *choices;       /* SS_OPT_ENUM only: "a|b|c" */
	const char *help;          /* one line, shown by `salesync plugins NAME` */
};

/*
 * Default raw → normalized mapping for lead status and deal stage. The
 * instance's INI section may override any entry with `status.RAW = VALUE`
 * or `stage.RAW = VALUE`. Raw values compare case-insensitively.
 * Since: 1.0
 */
struct ss_mapping {
	const char *raw;
	const char *normalized; /* lead status: new, working, qualified,
	                           unqualified, converted; deal stage: open,
	                           won, lost */
};

/*
 * The records of the common model (see the README, "The model"). All
 * strings are UTF-8 and borrowed for the duration of the emit call: the
 * host copies what it keeps. A NULL string means "unknown". The host
 * normalizes: emails are trimmed and lower-cased; times may be given as
 * ISO 8601 with any offset, "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (taken as
 * UTC) or epoch seconds/milliseconds, and are stored as UTC
 * "YYYY-MM-DDTHH:MM:SSZ"; amounts are plain decimal text ("-1234.5") and
 * are stored as integer minor units of the currency, never through a
 * floating-point value.
 *
 * Fill a record with SS_REP_INIT / SS_LEAD_INIT / … so struct_size is set
 * and the tri-state fields start unknown.
 */

/* A salesperson: CRM owner, LMS learner. Since: 1.0 */
struct ss_rep {
	size_t struct_size;
	const char *id; /* required: the tool's id */
	const char *email;
	const char *name;
	const char *team;
	int active;     /* 1, 0, or -1 unknown */
	const char *created_at;
	const char *updated_at;
	int deleted;    /* 1 if the tool reports it deleted/archived */
};

/* A person the team sells to: lead or contact. Since: 1.0 */
struct ss_lead {
	size_t struct_size;
	const char *id; /* required */
	const char *email;
	const char *first_name;
	const char *last_name;
	const char *company;
	const char *title;
	const char *phone;
	const char *status;     /* normalized, if the plugin knows it; else
	                           NULL and the host maps status_raw */
	const char *status_raw; /* the tool's own value */
	const char *channel;    /* lead source / acquisition channel */
	const char *owner_id;   /* a rep id of the same source */
	const char *created_at;
	const char *updated_at;
	const char *last_activity_at;
	const char *converted_at;
	int deleted;
	const char *extra;      /* JSON object text of unmapped fields, or NULL */
};

/* An opportunity. Since: 1.0 */
struct ss_deal {
	size_t struct_size;
	const char *id; /* required */
	const char *name;
	const char *amount;    /* plain decimal text, e.g. "12500.00" */
	const char *currency;  /* ISO 4217 code; NULL: the instance default */
	const char *stage;     /* normalized (open, won, lost), or NULL */
	const char *stage_raw;
	double probability;    /* 0..1, or negative if unknown */
	const char *close_date;
	const char *owner_id;
	const char *lead_id;
	const char *created_at;
	const char *updated_at;
	const char *closed_at;
	int deleted;
	const char *extra;
};

/*
 * A number over a period. The key is (source, name, period_start,
 * period_end, dims, rep_email): emitting the same key again replaces the
 * value, it never adds. Since: 1.0
 */
struct ss_metric {
	size_t struct_size;
	const char *name;         /* required; see SS_METRIC_* */
	const char *value;        /* required; decimal text, e.g. "42", "0.75" */
	const char *unit;
	const char *period_start; /* required */
	const char *period_end;   /* required */
	const char *dims;         /* JSON object text, or NULL for {} */
	const char *rep_email;
	const char *updated_at;
};

/* Since: 1.0 */
#define SS_REP_INIT {sizeof(struct ss_rep), NULL, NULL, NULL, NULL, -1, NULL, NULL, 0}
/* Since: 1.0 */
#define SS_LEAD_INIT {sizeof(struct ss_lead), NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL}
/* Since: 1.0 */
#define SS_DEAL_INIT {sizeof(struct ss_deal), NULL, NULL, NULL, NULL, NULL, NULL, -1.0, \
	NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL}
/* Since: 1.0 */
#define SS_METRIC_INIT {sizeof(struct ss_metric), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}

/* Well-known metric names that reports understand. Since: 1.0 */
#define SS_METRIC_WEB_SESSIONS "web.sessions"
#define SS_METRIC_WEB_CONVERSIONS "web.conversions"
#define SS_METRIC_WEB_NEW_USERS "web.new_users"
#define SS_METRIC_TRAINING_ENROLLED "training.enrolled"
#define SS_METRIC_TRAINING_PROGRESS "training.progress"
#define SS_METRIC_TRAINING_COMPLETED "training.completed"
#define SS_METRIC_QUOTA_AMOUNT_MINOR "quota.amount_minor"

/*
 * Calendar arithmetic for plugins that turn a tool's dates into periods
 * (days since 1970-01-01 of a proleptic Gregorian date, and back; Howard
 * Hinnant's algorithms, exact for any year, no time zone involved). Inline,
 * so they are compiled into the plugin: no host symbol. The host parses
 * and normalizes times itself (see the records above); these are for
 * day arithmetic such as "the day after" or "30 days ago".
 * Since: 1.1
 */
static inline int64_t ss_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Since: 1.1 */
static inline void ss_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, z = days + 719468;
	unsigned doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* The host's per-call context: opaque to plugins. Since: 1.0 */
typedef struct ss_ctx ss_ctx;

/*
 * ---- HTTP (Since: 1.1) -----------------------------------------------------
 *
 * The host does HTTP for plugins, so every plugin gets the same behaviour:
 * connection reuse, timeouts, TLS verification (always on; `ca_file =`
 * adds a CA), gzip, proxies from the usual environment variables, auth
 * injection, rate limiting per instance, retries with backoff that honour
 * Retry-After, and secrets redacted from every log line. No libcurl or
 * jansson type crosses this boundary: a response body is bytes, which a
 * plugin parses with its own JSON library.
 */

/* A name/value pair: a query parameter or a header. Since: 1.1 */
struct ss_http_param {
	const char *name;
	const char *value;
};

/* Flags of a request. Since: 1.1 */
#define SS_HTTP_NO_AUTH 0x1u  /* send without the instance's credentials */
#define SS_HTTP_NO_RETRY 0x2u /* one attempt only (non-idempotent POST) */

/* What a plugin's classify callback says about a response. Since: 1.1 */
enum ss_http_verdict {
	SS_HTTP_DEFAULT = 0, /* the host decides: 429, 500, 502, 503, 504 are
	                        retried; 401 refreshes OAuth2/JWT tokens once */
	SS_HTTP_ACCEPT = 1,  /* hand the response to the plugin as it is */
	SS_HTTP_RETRY = 2,   /* transient: retry with backoff */
	SS_HTTP_REAUTH = 3,  /* credentials expired: refresh once, then retry */
	SS_HTTP_QUOTA = 4    /* the tool's daily quota is spent: request()
	                        returns SS_EQUOTA; return it from sync() and the
	                        run ends partial after a checkpoint */
};

struct ss_http_response;

/* One request. All strings are borrowed for the call. Since: 1.1 */
struct ss_http_request {
	size_t struct_size;
	const char *method;  /* "GET", "POST", "PATCH", ... */
	const char *url;     /* absolute, or a path appended to the instance's
	                        base_url option ("/crm/v3/owners") */
	const struct ss_http_param *query;   /* appended to the URL, escaped by
	                                        the host; NULL-name-terminated or NULL */
	const struct ss_http_param *headers; /* extra headers, same form */
	const char *body;    /* request body, or NULL */
	size_t body_len;
	const char *content_type; /* of the body, e.g. "application/json" */
	unsigned flags;      /* SS_HTTP_* */
	/* Optional: looks at a response before the host acts on it, e.g. to
	 * recognise a tool's "token expired" or "daily limit" that arrives
	 * with an unusual status. ud is passed through. */
	enum ss_http_verdict (*classify)(void *ud, const struct ss_http_response *resp);
	void *classify_ud;
};

/* Since: 1.1 */
#define SS_HTTP_REQUEST_INIT {sizeof(struct ss_http_request), "GET", NULL, NULL, NULL, NULL, 0, \
	NULL, 0, NULL, NULL}

/* A response, owned by the host. Valid until the next request() on the
 * same ctx or the end of the callback, whichever comes first. Since: 1.1 */
struct ss_http_response {
	size_t struct_size;
	long status;         /* HTTP status code */
	const char *body;    /* body bytes, NUL-terminated for convenience
	                        (the body may contain NULs: use body_len) */
	size_t body_len;
	const char *url;     /* the URL that answered, secrets redacted */
};

/*
 * The HTTP service: api->http. Since: 1.1
 */
struct ss_http_api {
	size_t struct_size;

	/* Sends req with the instance's auth, rate limit and retry policy.
	 * Returns 0 with *resp set whenever an HTTP response arrived (any
	 * status: 404 is for the plugin to judge). Returns SS_ERETRY when the
	 * tool stayed unreachable or kept failing past the retry budget,
	 * SS_EAUTH when credentials were refused (also after a refresh),
	 * SS_EQUOTA when the quota is spent or the tool asks to wait longer
	 * than the run may, SS_ECANCELLED when the run was cancelled,
	 * SS_EINVAL for a malformed request (bad URL, redirect to another
	 * host). On error the run's error message is already set; return the
	 * code from sync(). Context: open, check, sync. Since: 1.1 */
	int (*request)(ss_ctx *ctx, const struct ss_http_request *req,
	    const struct ss_http_response **resp);

	/* The value of response header `name` (case-insensitive), or NULL.
	 * Borrowed like the response. Context: as request, and inside a
	 * request's classify callback (with that callback's response).
	 * Since: 1.1 */
	const char *(*header)(ss_ctx *ctx, const struct ss_http_response *resp,
	    const char *name);

	/* Sends req in the background and returns at once, so the tool
	 * works on the next page while the plugin parses the current one.
	 * The first request() with the same method, URL, query, headers,
	 * body, content type and flags returns this answer (or its error) as
	 * if it were sent then, waiting for it if needed. Other requests may
	 * come between (they wait for it, and leave its answer for later). At
	 * most one is kept: a second prefetch, or the end of sync(), drops
	 * the first. The response request() returned last stays valid until
	 * the next request(). req is copied. classify, if set, may run on a
	 * host thread meanwhile: it must only read the response and its ud.
	 * Returns 0, or SS_EINVAL for a malformed req.
	 * Context: sync. Since: 1.2 */
	int (*prefetch)(ss_ctx *ctx, const struct ss_http_request *req);
};

/*
 * The authentication a plugin supports (struct ss_plugin.auth). The host
 * picks one per instance from the options set: `refresh_token` → OAuth2,
 * `key_file` → service-account JWT, `username` → basic, `token` → bearer
 * or API key. Since: 1.1
 */
#define SS_AUTH_BEARER 0x1u   /* Authorization: Bearer <token> */
#define SS_AUTH_API_KEY 0x2u  /* token in key_header or key_query */
#define SS_AUTH_BASIC 0x4u    /* username + password */
#define SS_AUTH_OAUTH2 0x8u   /* refresh-token grant at token_url */
#define SS_AUTH_JWT 0x10u     /* service-account key file, RS256 assertion */
/* With SS_AUTH_OAUTH2: client_id and client_secret go to token_url as HTTP
 * basic (RFC 6749 2.3.1), not in the form body. Since: 1.2 */
#define SS_AUTH_CLIENT_BASIC 0x20u

/* Since: 1.1 */
struct ss_auth {
	unsigned kinds;          /* SS_AUTH_* bits */
	const char *key_header;  /* SS_AUTH_API_KEY: header name, e.g. "x-api-token" */
	const char *key_query;   /* or query parameter, e.g. "wstoken" */
	const char *token_url;   /* default OAuth2 token endpoint (option token_url overrides).
	                            Since 1.2 it may name options in braces,
	                            "{login_url}/services/oauth2/token": the host
	                            puts in the instance's value, or the option's
	                            default, trailing '/' dropped */
	const char *scope;       /* default scope for OAuth2/JWT (option scope overrides) */
	const char *base_url;    /* default base_url (option base_url overrides) */
	const char *base_url_field; /* a field of the OAuth2 token response that
	                               holds this credential's API root (Salesforce:
	                               "instance_url"), used when the instance sets
	                               no base_url; or NULL */
};

/*
 * The host service table. It is const, lives as long as the process, and
 * is the only way a plugin reaches the host. Every function takes the ctx
 * the callback was given; a ctx is valid only during that callback.
 * Members are only ever appended: before using a member newer than 1.0,
 * check it with SS_API_HAS(api, member).
 * Since: 1.0
 */
struct ss_api {
	size_t struct_size;
	unsigned abi_major;
	unsigned abi_minor;

	/* The instance's value for `key` after defaults, ${ENV} and file:
	 * expansion, or NULL if unset and without default. Borrowed until
	 * close(). Works for secrets too (the value is for the plugin's use
	 * only). Context: open, check, sync. Since: 1.0 */
	const char *(*option)(ss_ctx *ctx, const char *key);

	/* Calls fn for every set key starting with `prefix` (an SS_OPT_PREFIX
	 * option, or the host's "status." and "stage." overrides), in INI
	 * order, with the key's remainder after the prefix and the value, both
	 * borrowed for the call. Stops early and returns fn's value when fn
	 * returns non-zero; else 0. Context: open, check, sync. Since: 1.0 */
	int (*option_each)(ss_ctx *ctx, const char *prefix,
	    int (*fn)(void *ud, const char *rest, const char *value), void *ud);

	/* Emit one record of the common model. The record is copied and
	 * normalized at once and held by the host; it is written at the next
	 * checkpoint() or when sync() returns 0 (a plugin that never
	 * checkpoints still has its records written every 10,000, its
	 * cursors only at checkpoints). Returns SS_EINVAL (detail logged) for
	 * a record the host cannot accept, e.g. without id or with an
	 * unparsable amount; the plugin decides whether that fails the run.
	 * Returns SS_ESTORE if writing failed: then sync() should return it.
	 * Context: sync. Since: 1.0 */
	int (*emit_rep)(ss_ctx *ctx, const struct ss_rep *rep);
	int (*emit_lead)(ss_ctx *ctx, const struct ss_lead *lead);
	int (*emit_deal)(ss_ctx *ctx, const struct ss_deal *deal);
	int (*emit_metric)(ss_ctx *ctx, const struct ss_metric *metric);

	/* The committed cursor of `stream`, or NULL if none or if this is a
	 * full sync. Borrowed until the next cursor_set() of that stream or
	 * the end of the callback. Context: sync. Since: 1.0 */
	const char *(*cursor_get)(ss_ctx *ctx, const char *stream);

	/* Stage a new cursor for `stream` (value copied). It is committed with
	 * the records emitted before the next checkpoint(), atomically.
	 * Context: sync. Since: 1.0 */
	int (*cursor_set)(ss_ctx *ctx, const char *stream, const char *value);

	/* Commit everything emitted so far with the staged cursors in one
	 * transaction. If the run fails later, the store keeps what was
	 * committed here. The host may commit in the background, and several
	 * checkpoints together, so it returns before the disk is written;
	 * the commit survives the plugin crashing, exiting or failing (only
	 * a SIGKILL can lose the last fraction of a second of checkpoints).
	 * A commit that fails makes a later checkpoint() return SS_ESTORE.
	 * Context: sync. Since: 1.0 */
	int (*checkpoint)(ss_ctx *ctx);

	/* Log one line; the host prefixes [plugin:instance], redacts secret
	 * option values and drops lines above the configured level.
	 * Context: any. Since: 1.0 */
	void (*log)(ss_ctx *ctx, int level, const char *fmt, ...) SS_PRINTF(3, 4);

	/* Report progress of `stream`: `done` items of `total` (-1: unknown).
	 * Cheap; call as often as convenient. Context: sync. Since: 1.0 */
	void (*progress)(ss_ctx *ctx, const char *stream, int64_t done, int64_t total);

	/* Non-zero once the host wants the run to stop (timeout, signal).
	 * Return SS_ECANCELLED from sync() soon after. Context: sync.
	 * Since: 1.0 */
	int (*cancelled)(ss_ctx *ctx);

	/* Set the message explaining the error code the callback is about to
	 * return; it ends up in the run record and on the user's terminal.
	 * Returns `code`, so `return api->fail(ctx, SS_EPARSE, "…", …);`
	 * works. Context: any. Since: 1.0 */
	int (*fail)(ss_ctx *ctx, int code, const char *fmt, ...) SS_PRINTF(3, 4);

	/* Count one input item the plugin skipped on purpose (a malformed row
	 * under on_bad_row = skip) and log why. Skipped items are shown in the
	 * run summary, so nothing vanishes silently. Context: sync.
	 * Since: 1.0 */
	void (*skip)(ss_ctx *ctx, const char *fmt, ...) SS_PRINTF(2, 3);

	/* Non-zero if this is a full sync (--full): cursors read as NULL and
	 * records of this instance not emitted in the run end up deleted.
	 * Context: sync. Since: 1.0 */
	int (*is_full)(ss_ctx *ctx);

	/* The HTTP service, for plugins whose descriptor has `auth` set;
	 * NULL otherwise, and in hosts before 1.1. Since: 1.0 (set since 1.1) */
	const struct ss_http_api *http;

	/* Converts plain decimal text in major units ("50000.00") to integer
	 * minor units of `currency` (ISO 4217; 2 digits if NULL or unknown),
	 * exactly as deal amounts are converted: no floating point, extra
	 * digits rounded half away from zero. For metrics such as
	 * quota.amount_minor. Returns 0, or SS_EINVAL for anything that is
	 * not plain decimal text, or on overflow. Context: any.
	 * Since: 1.0 */
	int (*to_minor_units)(ss_ctx *ctx, const char *amount, const char *currency,
	    int64_t *minor);

	/* Finds the member at path (object keys joined by '.', compared as
	 * written) in the JSON object text json[0..len) without parsing the
	 * rest: e.g. "paging.next.after", to prefetch the next page before
	 * parsing this one. Sets *val and *val_len to the raw text of the
	 * value (a string keeps its quotes and escapes), borrowed from json.
	 * Returns 0, or SS_EINVAL if the member is absent or the text is not
	 * well formed up to it. Context: any. Since: 1.2 */
	int (*json_find)(ss_ctx *ctx, const char *json, size_t len, const char *path,
	    const char **val, size_t *val_len);
};

/* Whether the host's table has `member`. Since: 1.0 */
#define SS_API_HAS(api, member) \
	((api)->struct_size >= offsetof(struct ss_api, member) + sizeof((api)->member) && \
	    (api)->member != NULL)

/*
 * For a value found by api->json_find (val[0..len), quotes included):
 * copies a JSON string without escapes, such as a page cursor or a path,
 * into buf without its quotes and returns buf; returns NULL for anything
 * else (a number, null, a string with escapes: hand those to your JSON
 * library) or if it does not fit in n bytes with its NUL. Inline: no host
 * symbol. Since: 1.2
 */
static inline char *ss_json_plain_string(const char *val, size_t len, char *buf, size_t n)
{
	size_t i;

	if (!val || !buf || len < 2 || val[0] != '"' || val[len - 1] != '"' || len - 2 >= n)
		return NULL;
	for (i = 1; i < len - 1; i++) {
		if (val[i] == '\\' || val[i] == '"')
			return NULL;
		buf[i - 1] = val[i];
	}
	buf[len - 2] = '\0';
	return buf;
}

/*
 * The plugin descriptor. Its first six members never move: the host reads
 * them before anything else and refuses the plugin, naming the file and the
 * check, when struct_size, the ABI or the name do not fit.
 * Since: 1.0
 */
struct ss_plugin {
	size_t struct_size; /* sizeof(struct ss_plugin) as the plugin saw it */
	unsigned abi_major; /* SS_ABI_MAJOR */
	unsigned abi_minor; /* SS_ABI_MINOR */
	const char *name;   /* [a-z0-9_-]+, unique among loaded plugins */
	const char *version;
	const char *summary; /* one line */

	const char *const *streams;       /* NULL-terminated, e.g. "leads" */
	const struct ss_option *options;  /* terminated by a NULL key */
	const struct ss_mapping *status_map; /* NULL-raw-terminated, or NULL */
	const struct ss_mapping *stage_map;  /* NULL-raw-terminated, or NULL */

	/* Prepare an instance from its options. *state is the plugin's own
	 * per-instance state, handed back to every later call and to close().
	 * On failure, return SS_E* with api->fail(); close() is not called.
	 * Required. */
	int (*open)(ss_ctx *ctx, const struct ss_api *api, void **state);

	/* Optional (NULL): test credentials or inputs with one cheap call. */
	int (*check)(ss_ctx *ctx, const struct ss_api *api, void *state);

	/* Emit the records of every stream. Return 0 when done, SS_EQUOTA to
	 * end the run partial (after a checkpoint), another SS_E* to fail it:
	 * the store then keeps the last checkpoint. Required. */
	int (*sync)(ss_ctx *ctx, const struct ss_api *api, void *state);

	/* Free `state`. Required; called once after a successful open(). */
	void (*close)(void *state);

	/* Since: 1.1. Non-NULL for plugins that use api->http: the auth kinds
	 * they support and their defaults. The host then accepts its HTTP
	 * options in the instance's section (base_url, token, client_id,
	 * client_secret, refresh_token, token_url, key_file, scope, username,
	 * password, ca_file, connect_timeout, request_timeout, max_attempts,
	 * max_retry_wait, rate_limit); see the README. */
	const struct ss_auth *auth;
};

/* Fills the descriptor's fixed head. Since: 1.0 */
#define SS_PLUGIN_HEAD sizeof(struct ss_plugin), SS_ABI_MAJOR, SS_ABI_MINOR

/*
 * Emit the plugin's one exported function. Put it once at file scope after
 * the static const descriptor: SS_PLUGIN_DEFINE(my_plugin);
 * Since: 1.0
 */
#define SS_PLUGIN_DEFINE(desc) \
	SS_EXPORT const struct ss_plugin *salesync_plugin_entry(void); \
	SS_EXPORT const struct ss_plugin *salesync_plugin_entry(void) \
	{ \
		const struct ss_plugin *checked = &(desc); \
		return checked; \
	}

/* The entry function's type, for the loader. Since: 1.0 */
typedef const struct ss_plugin *(*ss_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SALESYNC_PLUGIN_H */
