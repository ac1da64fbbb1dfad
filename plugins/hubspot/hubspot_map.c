/*
 * hubspot_map: HubSpot JSON → the common model, deal stages from pipeline
 * metadata, times and cursors. No host calls: see hubspot_map.h.
 */
/* gmtime_r, strdup: POSIX (the Makefile also sets _GNU_SOURCE). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <salesync/plugin.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hubspot_map.h"

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int streq_ci(const char *a, const char *b)
{
	while (*a && *b && lower((unsigned char)*a) == lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (!is_digit((unsigned char)*s))
			return 0;
	}
	return 1;
}

/* ---- string lists --------------------------------------------------------- */

int hs_strs_add(struct hs_strs *l, const char *s, size_t len)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(copy = malloc(len + 1)))
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	l->v[l->n++] = copy;
	return 0;
}

int hs_strs_has(const struct hs_strs *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0)
			return 1;
	}
	return 0;
}

static int has_n(const struct hs_strs *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strncmp(l->v[i], s, len) == 0 && l->v[i][len] == '\0')
			return 1;
	}
	return 0;
}

int hs_strs_add_csv(struct hs_strs *l, const char *csv)
{
	const char *p = csv;

	while (p && *p) {
		const char *end = strchr(p, ','), *a = p, *b;

		if (!end)
			end = p + strlen(p);
		b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a && !has_n(l, a, (size_t)(b - a)) && hs_strs_add(l, a, (size_t)(b - a)) != 0)
			return -1;
		p = *end ? end + 1 : NULL;
	}
	return 0;
}

void hs_strs_clear(struct hs_strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

char *hs_strs_join(const struct hs_strs *l)
{
	size_t len = 1, o = 0;
	char *out;

	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	if (!(out = malloc(len)))
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i]);
		if (i)
			out[o++] = ',';
		memcpy(out + o, l->v[i], k);
		o += k;
	}
	out[o] = '\0';
	return out;
}

/* ---- times ---------------------------------------------------------------- */

static int days_in_month(int64_t y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* n digits at s as a number, or -1. */
static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int hs_parse_time_ms(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
	const char *p;

	if (!s)
		return -1;
	if (all_digits(s)) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || *end)
			return -1;
		*ms = v;
		return 0;
	}
	if (strlen(s) < 10 || (y = num(s, 4)) < 0 || s[4] != '-' || (mo = num(s + 5, 2)) < 1 ||
	    mo > 12 || s[7] != '-' || (d = num(s + 8, 2)) < 1 || d > days_in_month(y, mo))
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if ((h = num(p + 1, 2)) < 0 || h > 23 || p[3] != ':' || (mi = num(p + 4, 2)) < 0 ||
		    mi > 59)
			return -1;
		p += 6;
		if (*p == ':') {
			if ((sec = num(p + 1, 2)) < 0 || sec > 60)
				return -1;
			p += 3;
		}
		if (*p == '.' || *p == ',') {
			int digits = 0;
			p++;
			if (!is_digit((unsigned char)*p))
				return -1;
			for (; is_digit((unsigned char)*p); p++, digits++) {
				if (digits < 3)
					frac = frac * 10 + (*p - '0');
			}
			for (; digits < 3; digits++)
				frac *= 10;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, oh, om;
			p++;
			if ((oh = num(p, 2)) < 0 || oh > 23)
				return -1;
			p += 2;
			if (*p == ':')
				p++;
			if ((om = num(p, 2)) < 0 || om > 59)
				return -1;
			p += 2;
			off = sign * (oh * 60 + om);
		}
	}
	if (*p)
		return -1;
	*ms = ((ss_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60) *
	    1000 + frac;
	return 0;
}

int hs_parse_http_date(const char *s, int64_t *ms)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec"};
	char mon[4];
	int d, y, h, mi, sec, m = -1;

	if (!s || sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &d, mon, &y, &h, &mi, &sec) != 6)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (strcmp(mon, months[i]) == 0)
			m = i + 1;
	}
	if (m < 0 || d < 1 || d > days_in_month(y, m) || h > 23 || mi > 59 || sec > 60)
		return -1;
	*ms = (ss_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec) * 1000;
	return 0;
}

int hs_parse_duration(const char *s, int64_t *secs)
{
	int64_t total = 0;

	if (!s || !*s)
		return -1;
	if (all_digits(s)) {
		*secs = strtoll(s, NULL, 10);
		return 0;
	}
	while (*s) {
		int64_t v = 0, unit;
		if (!is_digit((unsigned char)*s))
			return -1;
		for (; is_digit((unsigned char)*s); s++) {
			if (v > INT64_MAX / 100)
				return -1;
			v = v * 10 + (*s - '0');
		}
		switch (*s++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		total += v * unit;
	}
	*secs = total;
	return 0;
}

int hs_parse_bool(const char *s)
{
	static const char *const yes[] = {"true", "yes", "on", "1", NULL};
	static const char *const no[] = {"false", "no", "off", "0", NULL};

	for (int i = 0; s && yes[i]; i++) {
		if (streq_ci(s, yes[i]))
			return 1;
		if (streq_ci(s, no[i]))
			return 0;
	}
	return -1;
}

/* ---- values --------------------------------------------------------------- */

const char *hs_str(json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v && *v ? v : NULL;
}

const char *hs_id_text(json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return *json_string_value(v) ? json_string_value(v) : NULL;
	if (json_is_integer(v)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}

int hs_is_decimal(const char *s)
{
	int digits = 0;

	if (!s)
		return 0;
	if (*s == '-')
		s++;
	for (; is_digit((unsigned char)*s); s++)
		digits++;
	if (*s == '.') {
		s++;
		for (; is_digit((unsigned char)*s); s++)
			digits++;
	}
	return digits > 0 && *s == '\0';
}

const char *hs_channel_label(const char *source)
{
	static const char *const map[][2] = {
	    {"ORGANIC_SEARCH", "Organic search"}, {"PAID_SEARCH", "Paid search"},
	    {"EMAIL_MARKETING", "Email marketing"}, {"SOCIAL_MEDIA", "Organic social"},
	    {"PAID_SOCIAL", "Paid social"}, {"REFERRALS", "Referrals"},
	    {"OTHER_CAMPAIGNS", "Other campaigns"}, {"DIRECT_TRAFFIC", "Direct traffic"},
	    {"OFFLINE", "Offline sources"}, {"AI_REFERRALS", "AI referrals"},
	};

	if (!source)
		return NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(source, map[i][0]) == 0)
			return map[i][1];
	}
	return source;
}

/* A metadata value as text: strings as they are, true/false, numbers. */
static const char *meta_text(json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	if (json_is_number(v)) {
		snprintf(buf, n, "%.15g", json_number_value(v));
		return buf;
	}
	return NULL;
}

/* ---- deal stages ---------------------------------------------------------- */

const char *hs_stage_from_metadata(json_t *metadata, double *prob)
{
	char b1[40], b2[40];
	const char *closed = meta_text(json_object_get(metadata, "isClosed"), b1, sizeof b1);
	const char *p = meta_text(json_object_get(metadata, "probability"), b2, sizeof b2);
	char *end;
	double v = -1;

	if (p && *p) {
		v = strtod(p, &end);
		if (*end || v < 0 || v > 1)
			v = -1;
	}
	*prob = v;
	if (!closed)
		return NULL;
	if (streq_ci(closed, "false"))
		return "open";
	if (!streq_ci(closed, "true"))
		return NULL;
	if (v >= 1 - 1e-9)
		return "won";
	if (v >= 0 && v <= 1e-9)
		return "lost";
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void hs_stages_free(struct hs_stages *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->v[i].id);
		free(st->v[i].label);
		free(st->v[i].pipeline);
		free(st->v[i].pipeline_label);
	}
	free(st->v);
	st->v = NULL;
	st->n = 0;
}

int hs_stages_parse(json_t *root, struct hs_stages *out)
{
	json_t *pipes = json_object_get(root, "results"), *p, *stg;
	size_t i, j, n = 0, k = 0;

	hs_stages_free(out);
	if (!json_is_array(pipes))
		return -1;
	json_array_foreach(pipes, i, p)
		n += json_array_size(json_object_get(p, "stages"));
	if (n == 0)
		return 0;
	if (!(out->v = calloc(n, sizeof *out->v)))
		return -1;
	json_array_foreach(pipes, i, p) {
		char pbuf[32], sbuf[32];
		const char *pid = hs_id_text(json_object_get(p, "id"), pbuf, sizeof pbuf);
		json_array_foreach(json_object_get(p, "stages"), j, stg) {
			struct hs_stage *s = &out->v[k];
			const char *sid = hs_id_text(json_object_get(stg, "id"), sbuf, sizeof sbuf);
			if (!sid)
				continue;
			s->id = strdup(sid);
			s->label = dup_or_null(hs_str(stg, "label"));
			s->pipeline = dup_or_null(pid);
			s->pipeline_label = dup_or_null(hs_str(p, "label"));
			s->stage = hs_stage_from_metadata(json_object_get(stg, "metadata"),
			    &s->probability);
			k++;
			out->n = k;
			if (!s->id)
				return -1;
		}
	}
	return 0;
}

const struct hs_stage *hs_stages_find(const struct hs_stages *st, const char *pipeline,
    const char *stage_id)
{
	const struct hs_stage *any = NULL;

	if (!stage_id)
		return NULL;
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->v[i].id, stage_id) != 0)
			continue;
		if (!pipeline || (st->v[i].pipeline && strcmp(st->v[i].pipeline, pipeline) == 0))
			return &st->v[i];
		if (!any)
			any = &st->v[i];
	}
	return any;
}

/* ---- records -------------------------------------------------------------- */

void hs_rec_free(struct hs_rec *r)
{
	free(r->extra);
	free(r->name);
	memset(r, 0, sizeof *r);
	r->modified_ms = -1;
}

/* extra = {fixed pairs…, the requested properties…}, as text, or NULL
 * when empty. Requested properties that are absent are left out; null
 * values are kept as null (the property exists but is empty). */
static int build_extra(json_t *props, const struct hs_strs *want, json_t *fixed, char **out)
{
	json_t *o = fixed ? fixed : json_object();

	*out = NULL;
	if (!o)
		return -2;
	for (size_t i = 0; want && i < want->n; i++) {
		json_t *v = json_object_get(props, want->v[i]);
		if (v)
			json_object_set(o, want->v[i], v);
	}
	if (json_object_size(o) > 0 && !(*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
		json_decref(o);
		return -2;
	}
	json_decref(o);
	return 0;
}

static const char *record_id(json_t *rec, struct hs_rec *x)
{
	return hs_id_text(json_object_get(rec, "id"), x->id, sizeof x->id);
}

/* A property, else a top-level field of the record (createdAt). */
static const char *prop_or(json_t *props, const char *key, json_t *rec, const char *top)
{
	const char *v = hs_str(props, key);

	return v ? v : hs_str(rec, top);
}

static void set_modified(struct hs_rec *x, const char *text)
{
	int64_t ms;

	x->modified_ms = text && hs_parse_time_ms(text, &ms) == 0 ? ms : -1;
}

int hs_map_contact(json_t *rec, const struct hs_map_opts *o, struct ss_lead *l,
    struct hs_rec *x, const char **why)
{
	json_t *props = json_object_get(rec, "properties");

	memset(x, 0, sizeof *x);
	x->modified_ms = -1;
	if (!json_is_object(rec))
		return *why = "a result is not a JSON object", -1;
	if (!(l->id = record_id(rec, x)))
		return *why = "a contact without id", -1;
	l->email = hs_str(props, "email");
	l->first_name = hs_str(props, "firstname");
	l->last_name = hs_str(props, "lastname");
	l->company = hs_str(props, "company");
	l->title = hs_str(props, "jobtitle");
	l->phone = hs_str(props, "phone");
	if (!l->phone)
		l->phone = hs_str(props, "mobilephone");
	for (size_t i = 0; o->status_props && i < o->status_props->n && !l->status_raw; i++)
		l->status_raw = hs_str(props, o->status_props->v[i]);
	l->channel = hs_channel_label(hs_str(props, "hs_analytics_source"));
	l->owner_id = hs_str(props, "hubspot_owner_id");
	l->created_at = prop_or(props, "createdate", rec, "createdAt");
	l->updated_at = prop_or(props, "lastmodifieddate", rec, "updatedAt");
	l->last_activity_at = hs_str(props, "notes_last_updated");
	l->converted_at = hs_str(props, "hs_lifecyclestage_customer_date");
	l->deleted = json_is_true(json_object_get(rec, "archived"));
	set_modified(x, l->updated_at);
	/* Only what was asked for: no extra at all (and no JSON to build and
	 * canonicalize per contact) by default. */
	if (o->extra_props && o->extra_props->n > 0 &&
	    build_extra(props, o->extra_props, NULL, &x->extra) != 0)
		return -2;
	l->extra = x->extra;
	return 0;
}

const char *hs_assoc_lowest(json_t *items, char *buf, size_t n)
{
	const char *best = NULL;
	char tmp[32];
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it) {
		json_t *idv = json_object_get(it, "id");
		const char *id;
		if (!idv)
			idv = json_object_get(it, "toObjectId");
		if (!(id = hs_id_text(idv, tmp, sizeof tmp)))
			continue;
		if (best) {
			size_t lb = strlen(best), li = strlen(id);
			int numeric = all_digits(best) && all_digits(id);
			int less = numeric ? (li < lb || (li == lb && strcmp(id, best) < 0)) :
			    strcmp(id, best) < 0;
			if (!less)
				continue;
		}
		snprintf(buf, n, "%s", id);
		best = buf;
	}
	return best;
}

/* A stage override for the stage's label or id, or NULL. */
static const char *override_for(const struct ss_mapping *ov, const char *label, const char *id)
{
	for (; ov && ov->raw; ov++) {
		if ((label && streq_ci(ov->raw, label)) || (id && streq_ci(ov->raw, id)))
			return ov->normalized;
	}
	return NULL;
}

int hs_map_deal(json_t *rec, const struct hs_map_opts *o, const struct hs_stages *st,
    struct ss_deal *d, struct hs_rec *x, const char **why)
{
	json_t *props = json_object_get(rec, "properties"), *fixed, *amount;
	const struct hs_stage *stage;
	const char *stage_id, *pipeline, *ov;

	memset(x, 0, sizeof *x);
	x->modified_ms = -1;
	if (!json_is_object(rec))
		return *why = "a result is not a JSON object", -1;
	if (!(d->id = record_id(rec, x)))
		return *why = "a deal without id", -1;
	if (!(fixed = json_object()))
		return -2;
	d->name = hs_str(props, "dealname");
	amount = json_object_get(props, "amount");
	if (json_is_string(amount)) {
		const char *a = json_string_value(amount);
		if (hs_is_decimal(a))
			d->amount = a;
		else if (*a)
			json_object_set(fixed, "amount_raw", amount);
	} else if (json_is_number(amount)) {
		/* %.15g is exact for amounts of up to 15 significant digits. */
		snprintf(x->amount, sizeof x->amount, "%.15g", json_number_value(amount));
		if (hs_is_decimal(x->amount))
			d->amount = x->amount;
		else
			json_object_set(fixed, "amount_raw", amount);
	}
	d->currency = hs_str(props, "deal_currency_code");
	stage_id = hs_str(props, "dealstage");
	pipeline = hs_str(props, "pipeline");
	stage = hs_stages_find(st, pipeline, stage_id);
	d->stage_raw = stage && stage->label ? stage->label : stage_id;
	if ((ov = override_for(o->stage_overrides, stage ? stage->label : NULL, stage_id)))
		d->stage = ov;
	else
		d->stage = stage ? stage->stage : NULL;
	d->probability = stage ? stage->probability : -1;
	d->close_date = hs_str(props, "closedate");
	if (d->stage && strcmp(d->stage, "open") != 0)
		d->closed_at = d->close_date;
	d->owner_id = hs_str(props, "hubspot_owner_id");
	d->lead_id = hs_assoc_lowest(json_object_get(json_object_get(json_object_get(rec,
	    "associations"), "contacts"), "results"), x->lead_id, sizeof x->lead_id);
	d->created_at = prop_or(props, "createdate", rec, "createdAt");
	d->updated_at = prop_or(props, "hs_lastmodifieddate", rec, "updatedAt");
	d->deleted = json_is_true(json_object_get(rec, "archived"));
	set_modified(x, d->updated_at);
	if (pipeline)
		json_object_set_new(fixed, "pipeline", json_string(pipeline));
	if (stage && stage->pipeline_label)
		json_object_set_new(fixed, "pipeline_label", json_string(stage->pipeline_label));
	if (stage_id)
		json_object_set_new(fixed, "dealstage", json_string(stage_id));
	if (build_extra(props, o->extra_props, fixed, &x->extra) != 0)
		return -2;
	d->extra = x->extra;
	return 0;
}

int hs_map_owner(json_t *rec, struct ss_rep *r, struct hs_rec *x, const char **why)
{
	const char *first, *last;
	json_t *teams, *t, *primary = NULL;
	size_t i;

	memset(x, 0, sizeof *x);
	x->modified_ms = -1;
	if (!json_is_object(rec))
		return *why = "a result is not a JSON object", -1;
	if (!(r->id = record_id(rec, x)))
		return *why = "an owner without id", -1;
	r->email = hs_str(rec, "email");
	first = hs_str(rec, "firstName");
	last = hs_str(rec, "lastName");
	if (first || last) {
		size_t n = (first ? strlen(first) : 0) + (last ? strlen(last) : 0) + 2;
		if (!(x->name = malloc(n)))
			return -2;
		snprintf(x->name, n, "%s%s%s", first ? first : "", first && last ? " " : "",
		    last ? last : "");
		r->name = x->name;
	}
	teams = json_object_get(rec, "teams");
	/* The primary team, else the first one. */
	json_array_foreach(teams, i, t) {
		if (json_is_true(json_object_get(t, "primary"))) {
			primary = t;
			break;
		}
		if (!primary)
			primary = t;
	}
	r->team = primary ? hs_str(primary, "name") : NULL;
	r->deleted = json_is_true(json_object_get(rec, "archived"));
	if (r->deleted)
		r->active = 0;
	else if (json_is_integer(json_object_get(rec, "userId")))
		r->active = 1;
	else if (json_is_integer(json_object_get(rec, "userIdIncludingInactive")))
		r->active = 0;
	else
		r->active = -1;
	r->created_at = hs_str(rec, "createdAt");
	r->updated_at = hs_str(rec, "updatedAt");
	return 0;
}

/* ---- cursors -------------------------------------------------------------- */

void hs_cursor_free(struct hs_cursor *c)
{
	hs_strs_clear(&c->seen);
	memset(c, 0, sizeof *c);
}

static int parse_ms(const char *s, const char **end, int64_t *out)
{
	char *e;
	long long v;

	if (!is_digit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno)
		return -1;
	*out = v;
	*end = e;
	return 0;
}

int hs_cursor_parse(const char *text, struct hs_cursor *c)
{
	const char *p;

	memset(c, 0, sizeof *c);
	if (!text)
		return -1;
	if (strncmp(text, "list:", 5) == 0) {
		c->list = 1;
		if (parse_ms(text + 5, &p, &c->t) != 0 || *p != ':' || (p[1] != 'a' && p[1] != 'x') ||
		    p[2] != ':' || strlen(p + 3) >= sizeof c->after)
			goto bad;
		c->archived = p[1] == 'x';
		snprintf(c->after, sizeof c->after, "%s", p + 3);
		return 0;
	}
	if (parse_ms(text, &p, &c->t) != 0)
		goto bad;
	if (*p == '\0')
		return 0;
	if (*p != ':')
		goto bad;
	p++;
	if (strcmp(p, "*") == 0) {
		c->strict = 1;
		return 0;
	}
	if (!*p || hs_strs_add_csv(&c->seen, p) != 0)
		goto bad;
	return 0;
bad:
	hs_cursor_free(c);
	return -1;
}

char *hs_cursor_format(const struct hs_cursor *c, size_t max_seen)
{
	char head[200];
	char *ids, *out;
	size_t n;

	if (c->list) {
		snprintf(head, sizeof head, "list:%" PRId64 ":%c:%s", c->t, c->archived ? 'x' : 'a',
		    c->after);
		return strdup(head);
	}
	snprintf(head, sizeof head, "%" PRId64 "%s", c->t, c->strict ? ":*" : "");
	if (c->strict || c->seen.n == 0 || c->seen.n > max_seen)
		return strdup(head);
	if (!(ids = hs_strs_join(&c->seen)))
		return NULL;
	n = strlen(head) + strlen(ids) + 2;
	if ((out = malloc(n)))
		snprintf(out, n, "%s:%s", head, ids);
	free(ids);
	return out;
}
