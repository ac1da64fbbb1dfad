/* batch: normalized records between checkpoints, in an arena. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct entry {
	enum store_kind kind;
	union {
		struct ss_rep rep;
		struct ss_lead lead;
		struct ss_deal deal;
		struct ss_metric metric;
	} u;
	int has_minor, is_int;
	int64_t minor, ival;
	double dval;
};

struct batch {
	struct entry *e;
	size_t n, cap;
	struct chunk *chunks; /* newest first */
};

struct batch *bat_new(void)
{
	return xcalloc(1, sizeof(struct batch));
}

/* Copies s into the arena; the pointer stays valid until bat_clear. */
static const char *keep(struct batch *b, const char *s)
{
	size_t n;
	struct chunk *c = b->chunks;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK ? n : CHUNK;
		c = xmalloc(sizeof *c + cap);
		c->used = 0;
		c->cap = cap;
		c->next = b->chunks;
		b->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	c->used += n;
	return p;
}

static struct entry *push(struct batch *b, enum store_kind kind)
{
	struct entry *e;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->e = xrealloc(b->e, b->cap * sizeof *b->e);
	}
	e = &b->e[b->n++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	return e;
}

void bat_add_rep(struct batch *b, const struct ss_rep *r)
{
	struct ss_rep *c = &push(b, STORE_REPS)->u.rep;

	*c = *r;
	c->id = keep(b, r->id);
	c->email = keep(b, r->email);
	c->name = keep(b, r->name);
	c->team = keep(b, r->team);
	c->created_at = keep(b, r->created_at);
	c->updated_at = keep(b, r->updated_at);
}

void bat_add_lead(struct batch *b, const struct ss_lead *l)
{
	struct ss_lead *c = &push(b, STORE_LEADS)->u.lead;

	*c = *l;
	c->id = keep(b, l->id);
	c->email = keep(b, l->email);
	c->first_name = keep(b, l->first_name);
	c->last_name = keep(b, l->last_name);
	c->company = keep(b, l->company);
	c->title = keep(b, l->title);
	c->phone = keep(b, l->phone);
	c->status = keep(b, l->status);
	c->status_raw = keep(b, l->status_raw);
	c->channel = keep(b, l->channel);
	c->owner_id = keep(b, l->owner_id);
	c->created_at = keep(b, l->created_at);
	c->updated_at = keep(b, l->updated_at);
	c->last_activity_at = keep(b, l->last_activity_at);
	c->converted_at = keep(b, l->converted_at);
	c->extra = keep(b, l->extra);
}

void bat_add_deal(struct batch *b, const struct ss_deal *d, const int64_t *amount_minor)
{
	struct entry *e = push(b, STORE_DEALS);
	struct ss_deal *c = &e->u.deal;

	*c = *d;
	c->id = keep(b, d->id);
	c->name = keep(b, d->name);
	c->amount = keep(b, d->amount);
	c->currency = keep(b, d->currency);
	c->stage = keep(b, d->stage);
	c->stage_raw = keep(b, d->stage_raw);
	c->close_date = keep(b, d->close_date);
	c->owner_id = keep(b, d->owner_id);
	c->lead_id = keep(b, d->lead_id);
	c->created_at = keep(b, d->created_at);
	c->updated_at = keep(b, d->updated_at);
	c->closed_at = keep(b, d->closed_at);
	c->extra = keep(b, d->extra);
	if (amount_minor) {
		e->has_minor = 1;
		e->minor = *amount_minor;
	}
}

void bat_add_metric(struct batch *b, const struct ss_metric *m, int is_int, int64_t ival,
    double dval)
{
	struct entry *e = push(b, STORE_METRICS);
	struct ss_metric *c = &e->u.metric;

	*c = *m;
	c->name = keep(b, m->name);
	c->value = keep(b, m->value);
	c->unit = keep(b, m->unit);
	c->period_start = keep(b, m->period_start);
	c->period_end = keep(b, m->period_end);
	c->dims = keep(b, m->dims);
	c->rep_email = keep(b, m->rep_email);
	c->updated_at = keep(b, m->updated_at);
	e->is_int = is_int;
	e->ival = ival;
	e->dval = dval;
}

size_t bat_count(const struct batch *b)
{
	return b->n;
}

int bat_flush(struct batch *b, struct store *st, const char *source,
    struct store_counts counts[STORE_NKINDS], struct ss_err *err)
{
	for (size_t i = 0; i < b->n; i++) {
		struct entry *e = &b->e[i];
		struct store_counts *c = &counts[e->kind];
		int rc;

		switch (e->kind) {
		case STORE_REPS:
			rc = store_upsert_rep(st, source, &e->u.rep, c, err);
			break;
		case STORE_LEADS:
			rc = store_upsert_lead(st, source, &e->u.lead, c, err);
			break;
		case STORE_DEALS:
			rc = store_upsert_deal(st, source, &e->u.deal, e->has_minor ? &e->minor : NULL, c, err);
			break;
		default:
			rc = store_upsert_metric(st, source, &e->u.metric, e->is_int, e->ival, e->dval, c, err);
			break;
		}
		if (rc != 0)
			return rc;
	}
	bat_clear(b);
	return 0;
}

void bat_clear(struct batch *b)
{
	struct chunk *c = b->chunks;

	/* Keep one chunk: a steady stream of batches reuses it. */
	while (c && c->next) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	if (c)
		c->used = 0;
	b->chunks = c;
	b->n = 0;
}

void bat_free(struct batch *b)
{
	if (!b)
		return;
	bat_clear(b);
	free(b->chunks);
	free(b->e);
	free(b);
}
