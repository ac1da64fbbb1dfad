/*
 * pipedrive_map: Pipedrive JSON → salesync records. See pipedrive_map.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipedrive_map.h"

/* ---- small JSON helpers ------------------------------------------------ */

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

const char *pd_id_text(const json_t *v, char *buf, size_t size)
{
	int n;

	if (json_is_object(v)) {
		const json_t *in = json_object_get(v, "id");
		v = in ? in : json_object_get(v, "value");
	}
	if (json_is_integer(v)) {
		n = snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!isfinite(d) || d > 9e15 || d < -9e15 || d != (double)(long long)d)
			return NULL;
		n = snprintf(buf, size, "%.0f", d);
	} else if (json_is_string(v) && *json_string_value(v)) {
		n = snprintf(buf, size, "%s", json_string_value(v));
	} else {
		return NULL;
	}
	return n > 0 && (size_t)n < size ? buf : NULL;
}

int pd_id_number(const json_t *v, long long *id)
{
	char buf[PD_TEXT_MAX], *end;

	if (!pd_id_text(v, buf, sizeof buf))
		return -1;
	*id = strtoll(buf, &end, 10);
	return *end == '\0' ? 0 : -1;
}

const char *pd_pick_primary(const json_t *arr)
{
	const char *first = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		const char *v = str(e, "value");
		if (!v)
			continue;
		if (json_is_true(json_object_get(e, "primary")))
			return v;
		if (!first)
			first = v;
	}
	return first;
}

const char *pd_amount_text(const json_t *v, char *buf, size_t size)
{
	int n;

	if (json_is_integer(v)) {
		n = snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		if (!isfinite(json_real_value(v)))
			return NULL;
		n = snprintf(buf, size, "%.15g", json_real_value(v));
	} else if (json_is_string(v) && *json_string_value(v)) {
		return json_string_value(v);
	} else {
		return NULL;
	}
	return n > 0 && (size_t)n < size ? buf : NULL;
}

double pd_probability(const json_t *deal_percent, double stage_percent)
{
	if (json_is_number(deal_percent)) {
		double p = json_number_value(deal_percent);
		if (p >= 0 && p <= 100)
			return p / 100.0;
	}
	if (stage_percent >= 0 && stage_percent <= 100)
		return stage_percent / 100.0;
	return -1.0;
}

/* A deep copy of v with every real turned into "%.15g" text. */
static json_t *exact_copy(json_t *v)
{
	json_t *out, *e;
	const char *k;
	size_t i;
	char buf[PD_TEXT_MAX];

	if (json_is_real(v)) {
		if (!isfinite(json_real_value(v)))
			return json_null();
		snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
		return json_string(buf);
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach(v, k, e) {
			if (!out || json_object_set_new(out, k, exact_copy(e)) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, e) {
			if (!out || json_array_append_new(out, exact_copy(e)) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	return json_incref(v);
}

static int is_mapped(const char *k, const char *const *mapped)
{
	for (; mapped && *mapped; mapped++) {
		if (strcmp(k, *mapped) == 0)
			return 1;
	}
	return 0;
}

char *pd_extra(const json_t *rec, const char *const *mapped)
{
	json_t *out = json_object(), *v, *cf;
	const char *k;
	char *text = NULL;
	int bad = !out;

	json_object_foreach((json_t *)rec, k, v) {
		if (bad || json_is_null(v) || is_mapped(k, mapped) || strcmp(k, "custom_fields") == 0)
			continue;
		bad = json_object_set_new(out, k, exact_copy(v)) != 0;
	}
	cf = json_object_get(rec, "custom_fields");
	json_object_foreach(cf, k, v) {
		char key[256];
		if (bad || json_is_null(v))
			continue;
		if (json_object_get(out, k) || is_mapped(k, mapped)) {
			snprintf(key, sizeof key, "custom_fields.%s", k);
			bad = json_object_set_new(out, key, exact_copy(v)) != 0;
		} else {
			bad = json_object_set_new(out, k, exact_copy(v)) != 0;
		}
	}
	if (!bad && json_object_size(out) > 0)
		text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	return text;
}

/* ---- lookup tables ------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b)
{
	const struct pd_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

const struct pd_entry *pd_table_find(struct pd_table *t, long long id)
{
	struct pd_entry key;

	if (!t->n)
		return NULL;
	if (!t->sorted) {
		qsort(t->v, t->n, sizeof *t->v, cmp_entry);
		t->sorted = 1;
	}
	key.id = id;
	return bsearch(&key, t->v, t->n, sizeof *t->v, cmp_entry);
}

int pd_table_put(struct pd_table *t, long long id, const char *name, double percent)
{
	struct pd_entry *e = (struct pd_entry *)pd_table_find(t, id);
	char *copy = NULL;

	if (name && !(copy = strdup(name)))
		return -1;
	if (e) {
		free(e->name);
		e->name = copy;
		e->percent = percent;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct pd_entry *v = realloc(t->v, cap * sizeof *v);
		if (!v) {
			free(copy);
			return -1;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].id = id;
	t->v[t->n].name = copy;
	t->v[t->n].percent = percent;
	/* Still sorted if appended in order. */
	if (t->n && t->v[t->n - 1].id >= id)
		t->sorted = 0;
	else if (t->n == 0)
		t->sorted = 1;
	t->n++;
	return 0;
}

void pd_table_free(struct pd_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof *t);
}

int pd_table_add_stages(struct pd_table *t, const json_t *data)
{
	size_t i;
	json_t *e;
	int n = 0;

	json_array_foreach(data, i, e) {
		const json_t *p = json_object_get(e, "deal_probability");
		double pct = json_is_number(p) ? json_number_value(p) : -1;
		long long id;
		if (pd_id_number(json_object_get(e, "id"), &id) != 0)
			continue;
		if (pd_table_put(t, id, str(e, "name"), pct) != 0)
			return -1;
		n++;
	}
	return n;
}

int pd_table_add_orgs(struct pd_table *t, const json_t *data)
{
	size_t i;
	json_t *e;
	int n = 0;

	json_array_foreach(data, i, e) {
		long long id;
		if (pd_id_number(json_object_get(e, "id"), &id) != 0)
			continue;
		if (pd_table_put(t, id, str(e, "name"), -1) != 0)
			return -1;
		n++;
	}
	return n;
}

/* ---- records --------------------------------------------------------- */

void pd_buf_free(struct pd_buf *b)
{
	free(b->first);
	free(b->last);
	free(b->extra);
	memset(b, 0, sizeof *b);
}

/* Splits "Ada Lovelace King" at the first blank: "Ada" + "Lovelace King". */
static void split_name(const char *name, struct pd_buf *b)
{
	const char *sp;

	while (*name == ' ')
		name++;
	if (!*name)
		return;
	sp = strchr(name, ' ');
	if (!sp) {
		b->first = strdup(name);
		return;
	}
	b->first = strndup(name, (size_t)(sp - name));
	while (*sp == ' ')
		sp++;
	if (*sp)
		b->last = strdup(sp);
}

int pd_map_user(const json_t *rec, struct pd_buf *b, struct ss_rep *out)
{
	const json_t *active = json_object_get(rec, "active_flag");

	memset(b, 0, sizeof *b);
	if (!pd_id_text(json_object_get(rec, "id"), b->id, sizeof b->id))
		return -1;
	out->id = b->id;
	out->email = str(rec, "email");
	out->name = str(rec, "name");
	out->active = json_is_boolean(active) ? json_is_true(active) :
	    json_is_integer(active) ? json_integer_value(active) != 0 : -1;
	out->created_at = str(rec, "created");
	out->updated_at = str(rec, "modified");
	out->deleted = json_is_true(json_object_get(rec, "is_deleted"));
	return 0;
}

static int many(const json_t *arr)
{
	return json_is_array(arr) && json_array_size(arr) > 1;
}

int pd_map_person(const json_t *rec, struct pd_table *orgs, struct pd_buf *b,
    struct ss_lead *out)
{
	static const char *const mapped[] = {"id", "name", "first_name", "last_name", "owner_id",
	    "add_time", "update_time", "is_deleted", "job_title", NULL};
	static const char *const mapped_e[] = {"id", "name", "first_name", "last_name", "owner_id",
	    "add_time", "update_time", "is_deleted", "job_title", "emails", NULL};
	static const char *const mapped_p[] = {"id", "name", "first_name", "last_name", "owner_id",
	    "add_time", "update_time", "is_deleted", "job_title", "phones", NULL};
	static const char *const mapped_ep[] = {"id", "name", "first_name", "last_name", "owner_id",
	    "add_time", "update_time", "is_deleted", "job_title", "emails", "phones", NULL};
	const json_t *emails = json_object_get(rec, "emails");
	const json_t *phones = json_object_get(rec, "phones");
	const char *const *m;
	long long org;

	memset(b, 0, sizeof *b);
	if (!pd_id_text(json_object_get(rec, "id"), b->id, sizeof b->id))
		return -1;
	out->id = b->id;
	out->email = pd_pick_primary(emails);
	out->phone = pd_pick_primary(phones);
	out->first_name = str(rec, "first_name");
	out->last_name = str(rec, "last_name");
	if (!out->first_name && !out->last_name && str(rec, "name")) {
		split_name(str(rec, "name"), b);
		out->first_name = b->first;
		out->last_name = b->last;
	}
	out->title = str(rec, "job_title");
	if (orgs && pd_id_number(json_object_get(rec, "org_id"), &org) == 0) {
		const struct pd_entry *e = pd_table_find(orgs, org);
		out->company = e ? e->name : NULL;
	}
	out->owner_id = pd_id_text(json_object_get(rec, "owner_id"), b->owner, sizeof b->owner);
	out->created_at = str(rec, "add_time");
	out->updated_at = str(rec, "update_time");
	out->deleted = json_is_true(json_object_get(rec, "is_deleted"));
	/* Secondary emails and phones stay in extra; a lone one is mapped. */
	if (many(emails))
		m = many(phones) ? mapped : mapped_p;
	else
		m = many(phones) ? mapped_e : mapped_ep;
	b->extra = pd_extra(rec, m);
	out->extra = b->extra;
	return 0;
}

int pd_map_deal(const json_t *rec, struct pd_table *stages, unsigned flags,
    struct pd_buf *b, struct ss_deal *out)
{
	static const char *const mapped[] = {"id", "title", "value", "currency", "status",
	    "probability", "expected_close_date", "owner_id", "person_id", "add_time",
	    "update_time", "close_time", "is_deleted", NULL};
	static const char *const mapped_na[] = {"id", "title", "status", "probability",
	    "expected_close_date", "owner_id", "person_id", "add_time", "update_time",
	    "close_time", "is_deleted", NULL};
	const char *status = str(rec, "status");
	const struct pd_entry *st = NULL;
	long long sid;

	memset(b, 0, sizeof *b);
	if (!pd_id_text(json_object_get(rec, "id"), b->id, sizeof b->id))
		return -1;
	out->id = b->id;
	out->name = str(rec, "title");
	if (!(flags & PD_DEAL_NO_AMOUNT)) {
		out->amount = pd_amount_text(json_object_get(rec, "value"), b->amount, sizeof b->amount);
		out->currency = str(rec, "currency");
	}
	if (stages && pd_id_number(json_object_get(rec, "stage_id"), &sid) == 0)
		st = pd_table_find(stages, sid);
	out->stage_raw = st ? st->name : NULL;
	if (status && (!strcmp(status, "open") || !strcmp(status, "won") || !strcmp(status, "lost")))
		out->stage = status;
	out->probability = pd_probability(json_object_get(rec, "probability"), st ? st->percent : -1);
	out->close_date = str(rec, "expected_close_date");
	out->owner_id = pd_id_text(json_object_get(rec, "owner_id"), b->owner, sizeof b->owner);
	out->lead_id = pd_id_text(json_object_get(rec, "person_id"), b->lead, sizeof b->lead);
	out->created_at = str(rec, "add_time");
	out->updated_at = str(rec, "update_time");
	out->closed_at = str(rec, "close_time");
	if (!out->closed_at && status)
		out->closed_at = !strcmp(status, "won") ? str(rec, "won_time") :
		    !strcmp(status, "lost") ? str(rec, "lost_time") : NULL;
	out->deleted = json_is_true(json_object_get(rec, "is_deleted")) ||
	    (status && !strcmp(status, "deleted"));
	b->extra = pd_extra(rec, (flags & PD_DEAL_NO_AMOUNT) ? mapped_na : mapped);
	out->extra = b->extra;
	return 0;
}

/* ---- the incremental cursor ------------------------------------------- */

void pd_cursor_free(struct pd_cursor *c)
{
	free(c->ids);
	memset(c, 0, sizeof *c);
}

int pd_cursor_parse(struct pd_cursor *c, const char *text)
{
	const char *bar;
	size_t n;

	memset(c, 0, sizeof *c);
	if (!text || !*text)
		return 0;
	bar = strchr(text, '|');
	n = bar ? (size_t)(bar - text) : strlen(text);
	if (n == 0 || n >= sizeof c->time)
		return -1;
	memcpy(c->time, text, n);
	c->time[n] = '\0';
	if (!bar) {
		c->overflow = 1; /* no id list: every tie is emitted again */
		return 0;
	}
	if (!bar[1])
		return 0;
	n = strlen(bar + 1);
	if (!(c->ids = malloc(n + 3))) {
		memset(c, 0, sizeof *c);
		return -1;
	}
	c->ids[0] = ',';
	memcpy(c->ids + 1, bar + 1, n);
	c->ids[n + 1] = ',';
	c->ids[n + 2] = '\0';
	c->nids = 1;
	for (const char *p = bar + 1; *p; p++)
		c->nids += *p == ',';
	return 0;
}

static int has_id(const char *ids, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = ids ? strstr(ids, id) : NULL; p; p = strstr(p + 1, id)) {
		if (p > ids && p[-1] == ',' && p[n] == ',')
			return 1;
	}
	return 0;
}

int pd_cursor_seen(const struct pd_cursor *c, const char *time, const char *id)
{
	return c->time[0] && time && id && strcmp(c->time, time) == 0 && has_id(c->ids, id);
}

int pd_cursor_advance(struct pd_cursor *c, const char *time, const char *id)
{
	size_t tn, have, n;
	char *ids;

	if (!time || !id || !*time || !*id || strchr(id, ',') || strchr(id, '|'))
		return 0;
	tn = strlen(time);
	if (tn >= sizeof c->time || strchr(time, '|'))
		return 0;
	if (strcmp(c->time, time) != 0) {
		free(c->ids);
		memset(c, 0, sizeof *c);
		memcpy(c->time, time, tn + 1);
	}
	if (c->overflow || has_id(c->ids, id))
		return 0;
	if (c->nids >= PD_CURSOR_MAX_IDS) {
		free(c->ids);
		c->ids = NULL;
		c->nids = 0;
		c->overflow = 1;
		return 0;
	}
	have = c->ids ? strlen(c->ids) : 1;
	n = strlen(id);
	if (!(ids = realloc(c->ids, have + n + 2)))
		return -1;
	if (!c->ids)
		ids[0] = ',';
	memcpy(ids + have, id, n);
	ids[have + n] = ',';
	ids[have + n + 1] = '\0';
	c->ids = ids;
	c->nids++;
	return 0;
}

int pd_cursor_copy(struct pd_cursor *dst, const struct pd_cursor *src)
{
	*dst = *src;
	if (src->ids && !(dst->ids = strdup(src->ids))) {
		memset(dst, 0, sizeof *dst);
		return -1;
	}
	return 0;
}

char *pd_cursor_format(const struct pd_cursor *c)
{
	size_t tn = strlen(c->time), in;
	char *out;

	if (!tn)
		return NULL;
	if (c->overflow)
		return strdup(c->time);
	/* ids is ",a,b,": drop the outer commas. */
	in = c->ids && strlen(c->ids) > 2 ? strlen(c->ids) - 2 : 0;
	if (!(out = malloc(tn + in + 2)))
		return NULL;
	memcpy(out, c->time, tn);
	out[tn] = '|';
	if (in)
		memcpy(out + tn + 1, c->ids + 1, in);
	out[tn + 1 + in] = '\0';
	return out;
}

/* ---- base URL --------------------------------------------------------- */

int pd_api_root(const char *base_url, char *out, size_t size)
{
	static const char *const suffixes[] = {"/api/v2", "/api/v1", "/v2", "/v1", NULL};
	size_t n = base_url ? strlen(base_url) : 0;
	int cut = 0;

	while (n && base_url[n - 1] == '/')
		n--;
	for (int i = 0; suffixes[i]; i++) {
		size_t sn = strlen(suffixes[i]);
		if (n > sn && strncmp(base_url + n - sn, suffixes[i], sn) == 0) {
			n -= sn;
			cut = 1;
			break;
		}
	}
	if (!cut)
		return 0;
	while (n && base_url[n - 1] == '/')
		n--;
	if (n + 1 > size)
		return -1;
	memcpy(out, base_url, n);
	out[n] = '\0';
	return 1;
}
