/*
 * salesforce_map: SOQL text, cursors, Salesforce values and the record
 * maps of the Salesforce plugin (see salesforce_map.h).
 */
#include "salesforce_map.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sf_buf ----------------------------------------------------------------- */

static int grow(struct sf_buf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (!(s = realloc(b->s, cap))) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void sf_buf_add(struct sf_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (grow(b, n) != 0)
		return;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void sf_buf_addf(struct sf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *sf_buf_take(struct sf_buf *b)
{
	char *s;

	if (b->oom || grow(b, 0) != 0) {
		sf_buf_free(b);
		return NULL;
	}
	b->s[b->len] = '\0';
	s = b->s;
	memset(b, 0, sizeof *b);
	return s;
}

void sf_buf_free(struct sf_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* ---- small validators -------------------------------------------------------- */

int sf_version(const char *v, char *out, size_t n)
{
	const char *p;
	size_t len;

	if (!v)
		return -1;
	if (*v == 'v' || *v == 'V')
		v++;
	p = v;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		p++;
	len = (size_t)(p - v);
	if (*p || len + 1 > n)
		return -1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

int sf_fields_ok(const char *list)
{
	const char *p = list;

	if (!list)
		return 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 1;
	for (;;) {
		size_t n = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isalpha((unsigned char)*p))
			return 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.') {
			if (p[n] == '.' && (p[n + 1] == '.' || !isalpha((unsigned char)p[n + 1])))
				return 0;
			n++;
		}
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 1;
		if (*p++ != ',')
			return 0;
	}
}

int sf_id_ok(const char *id)
{
	size_t n = 0;

	if (!id)
		return 0;
	while (isalnum((unsigned char)id[n]))
		n++;
	return !id[n] && (n == 15 || n == 18);
}

/* ---- datetimes and cursors ---------------------------------------------------- */

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int sf_soql_datetime(const char *ts, char *out, size_t n)
{
	const char *p, *frac = NULL, *zone;
	size_t fn = 0;
	int nonzero = 0, w;

	/* YYYY-MM-DDThh:mm:ss */
	if (!ts || strlen(ts) < 19 || !digits(ts, 4) || ts[4] != '-' || !digits(ts + 5, 2) ||
	    ts[7] != '-' || !digits(ts + 8, 2) || ts[10] != 'T' || !digits(ts + 11, 2) ||
	    ts[13] != ':' || !digits(ts + 14, 2) || ts[16] != ':' || !digits(ts + 17, 2))
		return -1;
	p = ts + 19;
	if (*p == '.') {
		frac = ++p;
		while (isdigit((unsigned char)*p)) {
			if (*p != '0')
				nonzero = 1;
			p++;
		}
		fn = (size_t)(p - frac);
		if (fn == 0)
			return -1;
	}
	zone = p;
	if (strcmp(zone, "Z") == 0) {
		w = snprintf(out, n, "%.19s%s%.*sZ", ts, nonzero ? "." : "", nonzero ? (int)fn : 0,
		    frac ? frac : "");
	} else if ((zone[0] == '+' || zone[0] == '-') && digits(zone + 1, 2) &&
	           ((zone[3] == ':' && digits(zone + 4, 2) && !zone[6]) ||
	               (digits(zone + 3, 2) && !zone[5]))) {
		const char *mm = zone[3] == ':' ? zone + 4 : zone + 3;
		if (strncmp(zone + 1, "00", 2) == 0 && strncmp(mm, "00", 2) == 0)
			w = snprintf(out, n, "%.19s%s%.*sZ", ts, nonzero ? "." : "",
			    nonzero ? (int)fn : 0, frac ? frac : "");
		else
			w = snprintf(out, n, "%.19s%s%.*s%c%.2s:%.2s", ts, nonzero ? "." : "",
			    nonzero ? (int)fn : 0, frac ? frac : "", zone[0], zone + 1, mm);
	} else {
		return -1;
	}
	return w > 0 && (size_t)w < n ? 0 : -1;
}

int sf_cursor_split(const char *cursor, char *ts, size_t tsn, char *id, size_t idn)
{
	const char *bar = cursor ? strchr(cursor, '|') : NULL;
	size_t n;

	if (!bar)
		return -1;
	n = (size_t)(bar - cursor);
	if (n + 1 > tsn || strlen(bar + 1) + 1 > idn)
		return -1;
	memcpy(ts, cursor, n);
	ts[n] = '\0';
	memcpy(id, bar + 1, strlen(bar + 1) + 1);
	return 0;
}

char *sf_soql(const char *object, const char *fields, const char *extra, const char *cursor)
{
	struct sf_buf b = {0};
	char ts[64], id[64], lit[64];

	if (cursor && (sf_cursor_split(cursor, ts, sizeof ts, id, sizeof id) != 0 ||
	                  sf_soql_datetime(ts, lit, sizeof lit) != 0 || !sf_id_ok(id)))
		return NULL;
	sf_buf_addf(&b, "SELECT %s", fields);
	if (extra && strspn(extra, " \t") < strlen(extra))
		sf_buf_addf(&b, ", %s", extra);
	sf_buf_addf(&b, " FROM %s", object);
	if (cursor)
		sf_buf_addf(&b, " WHERE SystemModstamp > %s OR (SystemModstamp = %s AND Id > '%s')",
		    lit, lit, id);
	sf_buf_add(&b, " ORDER BY SystemModstamp, Id");
	return sf_buf_take(&b);
}

/* ---- values ---------------------------------------------------------------- */

const char *sf_amount_text(const json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, n, "%.15g", json_real_value(v));
		if (strchr(buf, 'e') || strchr(buf, 'E'))
			snprintf(buf, n, "%.2f", json_real_value(v));
		return buf;
	}
	if (json_is_string(v))
		return json_string_value(v);
	return NULL;
}

double sf_probability(const json_t *v)
{
	double p;

	if (!json_is_number(v))
		return -1.0;
	p = json_number_value(v) / 100.0;
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

const char *sf_stage(const json_t *rec)
{
	const json_t *closed = json_object_get(rec, "IsClosed");

	if (!json_is_boolean(closed))
		return NULL;
	if (!json_is_true(closed))
		return "open";
	return json_is_true(json_object_get(rec, "IsWon")) ? "won" : "lost";
}

static void copy_text(char *out, size_t n, const char *s)
{
	if (n)
		snprintf(out, n, "%s", s ? s : "");
}

void sf_error_parse(const char *body, size_t len, char *code, size_t cn, char *msg, size_t mn)
{
	json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *e = json_is_array(j) ? json_array_get(j, 0) : j;
	const char *c = NULL, *m = NULL;

	if (json_is_object(e)) {
		c = json_string_value(json_object_get(e, "errorCode"));
		m = json_string_value(json_object_get(e, "message"));
		if (!c && !m) {
			c = json_string_value(json_object_get(e, "error"));
			m = json_string_value(json_object_get(e, "error_description"));
		}
	}
	copy_text(code, cn, c);
	if (m) {
		copy_text(msg, mn, m);
	} else if (mn) {
		size_t k = len < mn - 1 ? len : mn - 1;
		if (body)
			memcpy(msg, body, k);
		msg[body ? k : 0] = '\0';
	}
	/* Messages (INVALID_FIELD's) and bodies span lines: keep one. */
	for (size_t i = 0; mn && msg[i]; i++) {
		if (msg[i] == '\n' || msg[i] == '\r' || msg[i] == '\t')
			msg[i] = ' ';
	}
	json_decref(j);
}

int sf_limit_info(const char *hdr, long *used, long *max)
{
	const char *p = hdr ? strstr(hdr, "api-usage=") : NULL;
	char *end;
	long u, m;

	/* "per-app-api-usage=" also contains the text: take a whole word. */
	while (p && p != hdr && p[-1] != ' ' && p[-1] != ',' && p[-1] != ';')
		p = strstr(p + 1, "api-usage=");
	if (!p)
		return -1;
	u = strtol(p + 10, &end, 10);
	if (end == p + 10 || *end != '/')
		return -1;
	p = end + 1;
	m = strtol(p, &end, 10);
	if (end == p || u < 0 || m <= 0)
		return -1;
	*used = u;
	*max = m;
	return 0;
}

/* ---- extra ---------------------------------------------------------------------- */

static int is_mapped(const char *key, const char *const *mapped)
{
	for (size_t i = 0; mapped && mapped[i]; i++) {
		if (strcmp(key, mapped[i]) == 0)
			return 1;
	}
	return 0;
}

static int put_value(json_t *out, const char *key, json_t *v)
{
	char buf[64];

	if (json_is_real(v)) {
		snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
		return json_object_set_new(out, key, json_string(buf));
	}
	return json_object_set(out, key, v);
}

static int flatten(json_t *out, const char *prefix, const json_t *obj, const char *const *mapped)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		char name[256];
		int w;

		if (strcmp(k, "attributes") == 0 || json_is_null(v))
			continue;
		w = snprintf(name, sizeof name, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", k);
		if (w < 0 || (size_t)w >= sizeof name || is_mapped(name, mapped))
			continue;
		if (json_is_object(v)) {
			/* A relationship (Account.Name); a sub-query result has
			 * "records" and stays one value. */
			if (!json_object_get(v, "records")) {
				if (flatten(out, name, v, mapped) != 0)
					return -1;
				continue;
			}
		}
		if (put_value(out, name, v) != 0)
			return -1;
	}
	return 0;
}

char *sf_extra(const json_t *rec, const char *const *mapped, const char *sobject)
{
	json_t *out = json_object();
	char *text = NULL;

	if (!out)
		return NULL;
	if (flatten(out, NULL, rec, mapped) == 0 &&
	    (!sobject || json_object_set_new(out, "sobject", json_string(sobject)) == 0) &&
	    json_object_size(out) > 0)
		text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	return text;
}

void sf_scratch_free(struct sf_scratch *sc)
{
	free(sc->extra);
	sc->extra = NULL;
}

/* ---- the maps -------------------------------------------------------------------- */

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s ? s : NULL;
}

void sf_map_user(const json_t *rec, struct ss_rep *r)
{
	const json_t *active = json_object_get(rec, "IsActive");

	r->id = str(rec, "Id");
	r->email = str(rec, "Email");
	r->name = str(rec, "Name");
	r->team = str(rec, "Department");
	r->active = json_is_boolean(active) ? json_is_true(active) : -1;
	r->created_at = str(rec, "CreatedDate");
	r->updated_at = str(rec, "LastModifiedDate");
	r->deleted = json_is_true(json_object_get(rec, "IsDeleted"));
}

static const char *const lead_mapped[] = {"Id", "FirstName", "LastName", "Email", "Company",
    "Title", "Phone", "Status", "LeadSource", "OwnerId", "CreatedDate", "LastModifiedDate",
    "SystemModstamp", "LastActivityDate", "ConvertedDate", "IsDeleted", NULL};

void sf_map_lead(const json_t *rec, struct ss_lead *l, struct sf_scratch *sc)
{
	int converted = json_is_true(json_object_get(rec, "IsConverted"));

	l->id = str(rec, "Id");
	l->email = str(rec, "Email");
	l->first_name = str(rec, "FirstName");
	l->last_name = str(rec, "LastName");
	l->company = str(rec, "Company");
	l->title = str(rec, "Title");
	l->phone = str(rec, "Phone") ? str(rec, "Phone") : str(rec, "MobilePhone");
	l->status_raw = str(rec, "Status");
	l->status = converted ? "converted" : NULL;
	l->channel = str(rec, "LeadSource");
	l->owner_id = str(rec, "OwnerId");
	l->created_at = str(rec, "CreatedDate");
	l->updated_at = str(rec, "LastModifiedDate");
	l->last_activity_at = str(rec, "LastActivityDate");
	l->converted_at = converted ? str(rec, "ConvertedDate") : NULL;
	l->deleted = json_is_true(json_object_get(rec, "IsDeleted"));
	sc->extra = sf_extra(rec, lead_mapped, "Lead");
	l->extra = sc->extra;
}

static const char *const contact_mapped[] = {"Id", "FirstName", "LastName", "Email", "Title",
    "Phone", "LeadSource", "OwnerId", "CreatedDate", "LastModifiedDate", "SystemModstamp",
    "LastActivityDate", "IsDeleted", "Account.Name", NULL};

void sf_map_contact(const json_t *rec, struct ss_lead *l, struct sf_scratch *sc)
{
	const json_t *acct = json_object_get(rec, "Account");

	l->id = str(rec, "Id");
	l->email = str(rec, "Email");
	l->first_name = str(rec, "FirstName");
	l->last_name = str(rec, "LastName");
	l->company = json_is_object(acct) ? str(acct, "Name") : NULL;
	l->title = str(rec, "Title");
	l->phone = str(rec, "Phone") ? str(rec, "Phone") : str(rec, "MobilePhone");
	l->channel = str(rec, "LeadSource");
	l->owner_id = str(rec, "OwnerId");
	l->created_at = str(rec, "CreatedDate");
	l->updated_at = str(rec, "LastModifiedDate");
	l->last_activity_at = str(rec, "LastActivityDate");
	l->deleted = json_is_true(json_object_get(rec, "IsDeleted"));
	sc->extra = sf_extra(rec, contact_mapped, "Contact");
	l->extra = sc->extra;
}

static const char *const opp_mapped[] = {"Id", "Name", "Amount", "CurrencyIsoCode",
    "StageName", "Probability", "CloseDate", "OwnerId", "CreatedDate", "LastModifiedDate",
    "SystemModstamp", "IsDeleted", NULL};

void sf_map_opportunity(const json_t *rec, struct ss_deal *d, struct sf_scratch *sc)
{
	d->id = str(rec, "Id");
	d->name = str(rec, "Name");
	d->amount = sf_amount_text(json_object_get(rec, "Amount"), sc->amount, sizeof sc->amount);
	d->currency = str(rec, "CurrencyIsoCode");
	d->stage_raw = str(rec, "StageName");
	d->stage = sf_stage(rec);
	d->probability = sf_probability(json_object_get(rec, "Probability"));
	d->close_date = str(rec, "CloseDate");
	d->owner_id = str(rec, "OwnerId");
	d->created_at = str(rec, "CreatedDate");
	d->updated_at = str(rec, "LastModifiedDate");
	d->closed_at = json_is_true(json_object_get(rec, "IsClosed")) ? d->close_date : NULL;
	d->deleted = json_is_true(json_object_get(rec, "IsDeleted"));
	sc->extra = sf_extra(rec, opp_mapped, NULL);
	d->extra = sc->extra;
}
