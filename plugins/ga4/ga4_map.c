/*
 * ga4_map: GA4 Data API names, dates, request bodies, responses and
 * errors, without I/O (see ga4_map.h).
 */
#include "ga4_map.h"

#include <salesync/plugin.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names --------------------------------------------------------------- */

int ga4_snake(const char *name, char *out, size_t n)
{
	size_t o = 0, len;

	if (!name || !*name || n == 0)
		return -1;
	len = strlen(name);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		unsigned char prev = i ? (unsigned char)name[i - 1] : 0;
		unsigned char next = (unsigned char)name[i + 1];
		char put;

		if (c == ':') {
			put = '.';
		} else if (isupper(c)) {
			/* a word starts: "newUsers", "ID" stays one word,
			 * "URLPath" splits before the P */
			int boundary = o > 0 && out[o - 1] != '_' && out[o - 1] != '.' &&
			    (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next)));
			if (boundary) {
				if (o + 1 >= n)
					return -1;
				out[o++] = '_';
			}
			put = (char)tolower(c);
		} else if (islower(c) || isdigit(c) || c == '_' || c == '.') {
			put = (char)c;
		} else {
			put = '_';
		}
		if (o + 1 >= n)
			return -1;
		out[o++] = put;
	}
	out[o] = '\0';
	return 0;
}

static const struct {
	const char *ga, *key;
} well_known_dims[] = {
    {"sessionDefaultChannelGroup", "channel"},
    {"sessionCampaignName", "campaign"},
    {"sessionSource", "source"},
    {"sessionMedium", "medium"},
};

int ga4_dim_key(const char *ga_name, char *out, size_t n)
{
	if (!ga_name)
		return -1;
	for (size_t i = 0; i < sizeof well_known_dims / sizeof well_known_dims[0]; i++) {
		if (strcmp(ga_name, well_known_dims[i].ga) == 0) {
			int w = snprintf(out, n, "%s", well_known_dims[i].key);
			return w < 0 || (size_t)w >= n ? -1 : 0;
		}
	}
	return ga4_snake(ga_name, out, n);
}

int ga4_metric_name(const char *ga_name, char *out, size_t n)
{
	if (n < 5)
		return -1;
	memcpy(out, "web.", 5);
	return ga4_snake(ga_name, out + 4, n - 4);
}

const char *ga4_unit(const char *type, const char *currency)
{
	static const struct {
		const char *type, *unit;
	} units[] = {
	    {"TYPE_SECONDS", "s"}, {"TYPE_MILLISECONDS", "ms"}, {"TYPE_MINUTES", "min"},
	    {"TYPE_HOURS", "h"}, {"TYPE_FEET", "ft"}, {"TYPE_MILES", "mi"},
	    {"TYPE_METERS", "m"}, {"TYPE_KILOMETERS", "km"},
	};

	if (!type)
		return NULL;
	if (strcmp(type, "TYPE_CURRENCY") == 0)
		return currency && *currency ? currency : NULL;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(type, units[i].type) == 0)
			return units[i].unit;
	}
	return NULL;
}

/* ---- dates --------------------------------------------------------------- */

/* Calendar arithmetic: the SDK's (ss_days_from_civil, ss_civil_from_days). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	return (long)ss_days_from_civil(y, m, d);
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	int64_t yy;

	ss_civil_from_days(z, &yy, m, d);
	*y = (long)yy;
}

static int digits(const char *s, size_t n, long *v)
{
	long x = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

int ga4_day_parse(const char *s, long *day)
{
	long y, m, d, yy;
	unsigned mm, dd;
	size_t len;

	if (!s)
		return -1;
	len = strlen(s);
	if (len == 8) {
		if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d))
			return -1;
	} else if (len == 10 && s[4] == '-' && s[7] == '-') {
		if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
			return -1;
	} else {
		return -1;
	}
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = days_from_civil(y, (unsigned)m, (unsigned)d);
	civil_from_days(*day, &yy, &mm, &dd);
	return yy == y && (long)mm == m && (long)dd == d ? 0 : -1; /* 2026-02-30 */
}

void ga4_day_format(long day, char out[11])
{
	long y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	/* m and d are in range; the modulo only tells the compiler so. */
	snprintf(out, 11, "%04ld-%02u-%02u", y, m % 13, d % 32);
}

int ga4_day_resolve(const char *spec, long today, long *day)
{
	size_t len, nd;
	long n;

	if (!spec)
		return -1;
	if (strcmp(spec, "today") == 0) {
		*day = today;
		return 0;
	}
	if (strcmp(spec, "yesterday") == 0) {
		*day = today - 1;
		return 0;
	}
	len = strlen(spec);
	if (len > 7 && strcmp(spec + len - 7, "daysAgo") == 0) {
		nd = len - 7;
		if (nd > 6 || digits(spec, nd, &n))
			return -1;
		*day = today - n;
		return 0;
	}
	if (len != 10)
		return -1;
	return ga4_day_parse(spec, day);
}

/* ---- request --------------------------------------------------------------- */

static json_t *name_list(const struct ga4_names *l, const char *member)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, member, json_string(l->ga[i]));
		json_array_append_new(a, o);
	}
	return a;
}

char *ga4_request_body(const char *start, const char *end, const struct ga4_names *dims,
    const struct ga4_names *metrics, long long limit, long long offset)
{
	json_t *b = json_object(), *range = json_object(), *ranges = json_array();
	json_t *order = json_array();
	char *text;
	size_t i;

	json_object_set_new(range, "startDate", json_string(start));
	json_object_set_new(range, "endDate", json_string(end));
	json_array_append_new(ranges, range);
	json_object_set_new(b, "dateRanges", ranges);
	json_object_set_new(b, "dimensions", name_list(dims, "name"));
	json_object_set_new(b, "metrics", name_list(metrics, "name"));
	/* date first, then every other dimension: a total order, so pages
	 * of one report neither overlap nor skip rows */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < dims->n; i++) {
			json_t *by, *dim;

			if ((strcmp(dims->ga[i], "date") == 0) != (pass == 0))
				continue;
			by = json_object();
			dim = json_object();
			json_object_set_new(dim, "dimensionName", json_string(dims->ga[i]));
			json_object_set_new(by, "dimension", dim);
			json_array_append_new(order, by);
		}
	}
	json_object_set_new(b, "orderBys", order);
	json_object_set_new(b, "limit", json_integer(limit));
	json_object_set_new(b, "offset", json_integer(offset));
	json_object_set_new(b, "keepEmptyRows", json_false());
	json_object_set_new(b, "returnPropertyQuota", json_true());
	text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return text;
}

/* ---- response --------------------------------------------------------------- */

static const char *lookup(const struct ga4_names *l, const char *ga)
{
	for (size_t i = 0; l && i < l->n; i++) {
		if (strcmp(l->ga[i], ga) == 0)
			return l->ours[i];
	}
	return NULL;
}

struct column {
	char name[160];
	const char *unit;
};

static int header_names(json_t *hdrs, const char *what, size_t *n, json_t **names, char *err,
    size_t errsz)
{
	size_t i;
	json_t *h;

	*n = 0;
	*names = NULL;
	if (!hdrs)
		return 0;
	if (!json_is_array(hdrs)) {
		snprintf(err, errsz, "%s is not an array", what);
		return GA4_EPARSE;
	}
	json_array_foreach(hdrs, i, h) {
		if (!json_is_string(json_object_get(h, "name"))) {
			snprintf(err, errsz, "%s[%zu] has no name", what, i);
			return GA4_EPARSE;
		}
	}
	*n = json_array_size(hdrs);
	*names = hdrs;
	return 0;
}

static const char *cell(json_t *row, const char *member, size_t i)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(row, member), i),
	    "value"));
}

static long long row_count(json_t *resp)
{
	json_t *rc = json_object_get(resp, "rowCount");

	if (json_is_integer(rc))
		return json_integer_value(rc);
	if (json_is_string(rc))
		return strtoll(json_string_value(rc), NULL, 10);
	return 0;
}

static int map_rows(json_t *rows, json_t *dh, size_t nd, size_t date_col, struct column *mc,
    size_t nm, const struct ga4_names *dims, const struct ga4_sink *sink, struct ga4_page *page)
{
	size_t r;
	json_t *row;

	json_array_foreach(rows, r, row) {
		const char *date = cell(row, "dimensionValues", date_col);
		char start[11], end[11], why[200];
		json_t *dobj;
		char *dtext;
		long day;
		int rc = 0;

		if (ga4_day_parse(date, &day) != 0) {
			snprintf(why, sizeof why, "date '%.40s' is not YYYYMMDD", date ? date : "(none)");
			if (sink->skip)
				sink->skip(sink->ud, r, why);
			continue;
		}
		if (day > page->last_day)
			page->last_day = day;
		ga4_day_format(day, start);
		ga4_day_format(day + 1, end);
		dobj = json_object();
		for (size_t i = 0; i < nd; i++) {
			const char *ga = json_string_value(json_object_get(json_array_get(dh, i), "name"));
			const char *v = cell(row, "dimensionValues", i);
			const char *key = lookup(dims, ga);
			char dflt[160];

			if (i == date_col)
				continue;
			if (!key) {
				if (ga4_dim_key(ga, dflt, sizeof dflt) != 0)
					continue;
				key = dflt;
			}
			json_object_set_new(dobj, key, json_string(v ? v : ""));
		}
		dtext = json_dumps(dobj, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(dobj);
		for (size_t j = 0; j < nm && rc == 0; j++) {
			struct ga4_metric m;
			const char *v = cell(row, "metricValues", j);

			if (!v) {
				snprintf(why, sizeof why, "no value for %s", mc[j].name);
				if (sink->skip)
					sink->skip(sink->ud, r, why);
				continue;
			}
			m.name = mc[j].name;
			m.value = v;
			m.unit = mc[j].unit;
			m.start = start;
			m.end = end;
			m.dims = dtext ? dtext : "{}";
			m.row = r;
			rc = sink->emit(sink->ud, &m);
		}
		free(dtext);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ga4_map_report(json_t *resp, const struct ga4_names *dims, const struct ga4_names *metrics,
    const struct ga4_sink *sink, struct ga4_page *page, char *err, size_t errsz)
{
	json_t *dh, *mh, *rows = json_object_get(resp, "rows");
	const char *currency = json_string_value(json_object_get(json_object_get(resp, "metadata"),
	    "currencyCode"));
	struct column *mc = NULL;
	size_t nd, nm, date_col = (size_t)-1;
	int rc;

	page->rows = 0;
	page->row_count = 0;
	page->last_day = -1;
	if (!json_is_object(resp)) {
		snprintf(err, errsz, "the response is not a JSON object");
		return GA4_EPARSE;
	}
	if ((rc = header_names(json_object_get(resp, "dimensionHeaders"), "dimensionHeaders", &nd, &dh,
	         err, errsz)) != 0 ||
	    (rc = header_names(json_object_get(resp, "metricHeaders"), "metricHeaders", &nm, &mh, err,
	         errsz)) != 0)
		return rc;
	page->row_count = row_count(resp);
	/* No data: rows and rowCount are left out. */
	if (!rows || json_is_null(rows))
		return 0;
	if (!json_is_array(rows)) {
		snprintf(err, errsz, "rows is not an array");
		return GA4_EPARSE;
	}
	page->rows = json_array_size(rows);
	if (page->rows == 0)
		return 0;
	for (size_t i = 0; i < nd; i++) {
		if (strcmp(json_string_value(json_object_get(json_array_get(dh, i), "name")), "date") == 0)
			date_col = i;
	}
	if (date_col == (size_t)-1) {
		snprintf(err, errsz, "the report has no date dimension");
		return GA4_EPARSE;
	}
	if (nm == 0) {
		snprintf(err, errsz, "the report has rows but no metricHeaders");
		return GA4_EPARSE;
	}
	mc = calloc(nm, sizeof *mc);
	if (!mc) {
		snprintf(err, errsz, "out of memory");
		return GA4_EPARSE;
	}
	for (size_t j = 0; j < nm; j++) {
		json_t *h = json_array_get(mh, j);
		const char *ga = json_string_value(json_object_get(h, "name"));
		const char *ours = lookup(metrics, ga);

		if (ours)
			snprintf(mc[j].name, sizeof mc[j].name, "%s", ours);
		else if (ga4_metric_name(ga, mc[j].name, sizeof mc[j].name) != 0)
			snprintf(mc[j].name, sizeof mc[j].name, "web.metric_%zu", j);
		mc[j].unit = ga4_unit(json_string_value(json_object_get(h, "type")), currency);
	}
	rc = map_rows(rows, dh, nd, date_col, mc, nm, dims, sink, page);
	free(mc);
	return rc;
}

/* ---- errors --------------------------------------------------------------- */

static void copy_str(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int ga4_parse_error(const char *body, size_t len, struct ga4_error *e)
{
	json_t *j, *err, *det;

	memset(e, 0, sizeof *e);
	if (!body || len == 0)
		return -1;
	j = json_loadb(body, len, 0, NULL);
	err = json_object_get(j, "error");
	if (!json_is_object(err)) {
		json_decref(j);
		return -1;
	}
	e->code = json_is_integer(json_object_get(err, "code")) ?
	    (long)json_integer_value(json_object_get(err, "code")) : 0;
	copy_str(e->status, sizeof e->status, json_object_get(err, "status"));
	copy_str(e->message, sizeof e->message, json_object_get(err, "message"));
	/* v2-style details[] (ErrorInfo) or v1-style errors[] */
	det = json_array_get(json_object_get(err, "details"), 0);
	if (!json_is_string(json_object_get(det, "reason")))
		det = json_array_get(json_object_get(err, "errors"), 0);
	copy_str(e->reason, sizeof e->reason, json_object_get(det, "reason"));
	json_decref(j);
	return 0;
}

/* Case-insensitive substring test. */
static int has_word(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		    tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

enum ga4_quota ga4_quota_kind(long http_status, const struct ga4_error *e)
{
	int exhausted;

	if (!e)
		return GA4_NOT_QUOTA;
	exhausted = strcmp(e->status, "RESOURCE_EXHAUSTED") == 0;
	if (!exhausted && http_status == 403)
		exhausted = has_word(e->message, "quota") || has_word(e->message, "rate limit") ||
		    has_word(e->reason, "quota") || has_word(e->reason, "ratelimit") ||
		    has_word(e->reason, "rate_limit");
	if (!exhausted)
		return GA4_NOT_QUOTA;
	return has_word(e->message, "concurrent") ? GA4_QUOTA_BUSY : GA4_QUOTA_SPENT;
}
