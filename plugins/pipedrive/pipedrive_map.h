/*
 * pipedrive_map: the Pipedrive JSON → salesync record mapping, kept apart
 * from the HTTP code so it can be unit-tested (tests/unit/test_pipedrive.c).
 * No I/O, no host calls: JSON in, records and text out.
 */
#ifndef PIPEDRIVE_MAP_H
#define PIPEDRIVE_MAP_H

#include <jansson.h>
#include <stddef.h>

#ifndef SALESYNC_PLUGIN_H
#include <salesync/plugin.h>
#endif

/* Room for an id or a number as text. */
#define PD_TEXT_MAX 48

/* ---- small JSON helpers ------------------------------------------------ */

/* The text of an id: a JSON integer, a whole real, a non-empty string, or
 * an object with an "id" or "value" member (v1 style). Returns buf, or NULL
 * if v holds no id. */
const char *pd_id_text(const json_t *v, char *buf, size_t size);

/* The value of the entry to use from an emails[] / phones[] array: the
 * first with "primary": true and a non-empty value, else the first with a
 * non-empty value. Borrowed from arr; NULL if there is none. */
const char *pd_pick_primary(const json_t *arr);

/* An amount as plain decimal text: a JSON number is printed with "%.15g"
 * (exact for amounts of up to 15 significant digits), a string is taken
 * as it is. Returns buf or the string (borrowed), or NULL (null, absent,
 * anything else). */
const char *pd_amount_text(const json_t *v, char *buf, size_t size);

/* A probability 0..1 from Pipedrive percentages: the deal's own when it is
 * a number in 0..100, else stage_percent when that is in 0..100, else -1. */
double pd_probability(const json_t *deal_percent, double stage_percent);

/* The unmapped members of rec as a JSON object text (malloc'd; free()),
 * or NULL when nothing is left. Members named in `mapped` (NULL-
 * terminated) and null members are left out; "custom_fields" is
 * flattened into the top level under its hash keys (a key that collides
 * with a top-level one becomes "custom_fields.KEY"). JSON reals become
 * strings printed with "%.15g", so money in extra never picks up
 * floating-point noise. */
char *pd_extra(const json_t *rec, const char *const *mapped);

/* ---- lookup tables (stages, organizations) ------------------------------ */

struct pd_entry {
	long long id;
	char *name;     /* NULL: known not to exist / not visible */
	double percent; /* stages: deal_probability, or -1 */
};

struct pd_table {
	struct pd_entry *v;
	size_t n, cap;
	int sorted;
};

/* Adds (or replaces) an entry; name is copied. 0, or -1 out of memory. */
int pd_table_put(struct pd_table *t, long long id, const char *name, double percent);
/* The entry of id, or NULL. Sorts the table first when needed. */
const struct pd_entry *pd_table_find(struct pd_table *t, long long id);
void pd_table_free(struct pd_table *t);

/* Adds every stage of a v2 /stages page (id, name, deal_probability).
 * Returns the number added, or -1 out of memory. */
int pd_table_add_stages(struct pd_table *t, const json_t *data);
/* Adds every organization of a v2 /organizations page (id, name). */
int pd_table_add_orgs(struct pd_table *t, const json_t *data);

/* The id of a JSON integer id (or its string form) in *id. 0 or -1. */
int pd_id_number(const json_t *v, long long *id);

/* ---- records --------------------------------------------------------- */

/* Storage behind the strings of one mapped record. */
struct pd_buf {
	char id[PD_TEXT_MAX], owner[PD_TEXT_MAX], lead[PD_TEXT_MAX], amount[PD_TEXT_MAX];
	char *first, *last; /* split from "name" when there are no name parts */
	char *extra;
};

void pd_buf_free(struct pd_buf *b);

/* Each returns 0, or -1 when rec has no usable id (the caller skips it).
 * The record's strings are borrowed from rec, the tables and b: keep all
 * three until the record is emitted, then pd_buf_free(b). */
int pd_map_user(const json_t *rec, struct pd_buf *b, struct ss_rep *out);
int pd_map_person(const json_t *rec, struct pd_table *orgs, struct pd_buf *b,
    struct ss_lead *out);

/* PD_DEAL_NO_AMOUNT: leave amount and currency out of the record and keep
 * "value" and "currency" in extra (for a deal the host refused, e.g. an
 * unknown currency code). */
#define PD_DEAL_NO_AMOUNT 0x1u
int pd_map_deal(const json_t *rec, struct pd_table *stages, unsigned flags,
    struct pd_buf *b, struct ss_deal *out);

/* ---- the incremental cursor ------------------------------------------- */

/*
 * Cursor text: "<update_time>|<id>,<id>,..." — the update_time of the
 * last emitted record and the ids already emitted with exactly that time.
 * The next sync asks for updated_since = <update_time> (inclusive) and
 * skips only those ids, so records tied on the time are neither skipped
 * nor repeated. With more than PD_CURSOR_MAX_IDS ties the list is dropped
 * ("<update_time>" alone): the ties are then emitted again, which the
 * store absorbs as unchanged.
 */
#define PD_CURSOR_MAX_IDS 200

struct pd_cursor {
	char time[64]; /* "" when there is no cursor */
	char *ids;     /* ",1,5,9," (malloc'd), or NULL */
	size_t nids;
	int overflow;  /* more ties than PD_CURSOR_MAX_IDS */
};

/* Parses text (NULL: none) into c. Returns 0, or -1 if text is malformed
 * (c is then empty). */
int pd_cursor_parse(struct pd_cursor *c, const char *text);
/* 1 if the record (time, id) was emitted before the cursor was written. */
int pd_cursor_seen(const struct pd_cursor *c, const char *time, const char *id);
/* Records that (time, id) was emitted. 0, or -1 out of memory. */
int pd_cursor_advance(struct pd_cursor *c, const char *time, const char *id);
/* Copies src into dst. 0 or -1. */
int pd_cursor_copy(struct pd_cursor *dst, const struct pd_cursor *src);
/* The cursor text (malloc'd), or NULL when there is no cursor. */
char *pd_cursor_format(const struct pd_cursor *c);
void pd_cursor_free(struct pd_cursor *c);

/* ---- base URL --------------------------------------------------------- */

/* When base_url carries an API version path ("…/api/v2", "…/api/v1",
 * "…/v1"), writes the root without it to out and returns 1: requests then
 * use absolute URLs. Returns 0 when base_url is a plain root (relative
 * paths work), -1 when the root does not fit in out. */
int pd_api_root(const char *base_url, char *out, size_t size);

#endif
