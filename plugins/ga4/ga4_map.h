/*
 * ga4_map: the pure part of the GA4 plugin, kept apart so the unit tests
 * can link it: GA names to salesync names, dates, the runReport request
 * body, a runReport response to metric records, and Google's error object.
 * No SDK types and no I/O: strings in, strings and callbacks out.
 */
#ifndef GA4_MAP_H
#define GA4_MAP_H

#include <jansson.h>
#include <stddef.h>

/* Limits of the Data API (runReport). */
#define GA4_MAX_DIMS 9
#define GA4_MAX_METRICS 10
#define GA4_MAX_LIMIT 250000

/* camelCase GA name to snake_case: "newUsers" -> "new_users",
 * "keyEvents:sign_up" -> "key_events.sign_up", "customEvent:Plan" ->
 * "custom_event.plan". Anything but [a-z0-9_.] becomes '_'. Returns 0, or
 * -1 when the name is empty or does not fit in n bytes. */
int ga4_snake(const char *name, char *out, size_t n);

/* The dims key of a GA dimension unless renamed: the well-known keys the
 * report reads ("sessionDefaultChannelGroup" -> "channel",
 * "sessionCampaignName" -> "campaign"), else snake_case. 0 or -1. */
int ga4_dim_key(const char *ga_name, char *out, size_t n);

/* The metric name of a GA metric unless renamed: "web." + snake_case. */
int ga4_metric_name(const char *ga_name, char *out, size_t n);

/* The unit of a metric header type ("TYPE_SECONDS" -> "s"), the currency
 * for TYPE_CURRENCY, or NULL (counts, floats, unknown types). */
const char *ga4_unit(const char *type, const char *currency);

/* Days since 1970-01-01 of a calendar date; ga4_day_parse accepts
 * "YYYYMMDD" (the date dimension) and "YYYY-MM-DD", valid dates only.
 * Both return 0 or -1. */
int ga4_day_parse(const char *s, long *day);
void ga4_day_format(long day, char out[11]);

/* A date as GA takes it ("YYYY-MM-DD", "NdaysAgo", "yesterday", "today")
 * resolved against `today` (days since the epoch). 0 or -1. */
int ga4_day_resolve(const char *spec, long today, long *day);

/* One column name list: `ga[i]` is GA's name, `ours[i]` ours. */
struct ga4_names {
	size_t n;
	char **ga;
	char **ours;
};

/* The runReport body (caller frees): one date range, the dimensions and
 * metrics in order, rows ordered by every dimension (date first) so that
 * offset paging is stable, `limit` and `offset`. NULL if out of memory. */
char *ga4_request_body(const char *start, const char *end, const struct ga4_names *dims,
    const struct ga4_names *metrics, long long limit, long long offset);

/* One metric of one row, borrowed for the callback. Periods are one day,
 * half-open: [start, end). dims is canonical JSON (sorted keys). */
struct ga4_metric {
	const char *name;
	const char *value;
	const char *unit;
	const char *start;
	const char *end;
	const char *dims;
	size_t row; /* index of the row in the page */
};

/* What a page held. */
struct ga4_page {
	size_t rows;          /* rows in this page */
	long long row_count;  /* rowCount of the report (0 when absent) */
	long last_day;        /* day of the page's last dated row, or -1 */
};

/* Callbacks of ga4_map_report: emit returns 0 to go on, else that value
 * ends the mapping; skip is told about a row or value it cannot map. */
struct ga4_sink {
	int (*emit)(void *ud, const struct ga4_metric *m);
	void (*skip)(void *ud, size_t row, const char *why);
	void *ud;
};

#define GA4_EPARSE (-4) /* same value as SS_EPARSE */

/* Maps a runReport response object. Dimension and metric columns come
 * from its headers; `dims`/`metrics` give the renames (GA name -> ours),
 * other names get the defaults above. The `date` dimension gives the
 * period and is not a dim. Returns 0, emit's non-zero value, or
 * GA4_EPARSE with `err` set when the response is not a report. */
int ga4_map_report(json_t *resp, const struct ga4_names *dims, const struct ga4_names *metrics,
    const struct ga4_sink *sink, struct ga4_page *page, char *err, size_t errsz);

/* Google's error object {"error": {"code", "message", "status"}}. */
struct ga4_error {
	long code;
	char status[64];  /* e.g. RESOURCE_EXHAUSTED, or "" */
	char reason[64];  /* the first details[].reason or errors[].reason, or "" */
	char message[400];
};

/* 0 if body holds Google's error object (filled in), else -1. */
int ga4_parse_error(const char *body, size_t len, struct ga4_error *e);

enum ga4_quota {
	GA4_NOT_QUOTA = 0,
	GA4_QUOTA_SPENT = 1, /* tokens per day/hour: waiting minutes won't do */
	GA4_QUOTA_BUSY = 2   /* concurrent requests: retry shortly */
};

/* Whether a response is a quota error: 429 RESOURCE_EXHAUSTED, or 403
 * whose status or message speaks of a quota or rate limit. */
enum ga4_quota ga4_quota_kind(long http_status, const struct ga4_error *e);

#endif
