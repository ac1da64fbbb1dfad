/*
 * hubspot_map: the pure parts of the HubSpot plugin, unit-tested on their
 * own (tests/unit/test_hubspot.c): HubSpot JSON records → model records,
 * deal stages from the pipelines' stage metadata, times, cursors.
 *
 * Nothing here talks to the host; strings put into model records are
 * borrowed from the json_t they came from (or from the struct hs_rec
 * beside them) and live as long as both.
 *
 * Include <salesync/plugin.h> and <jansson.h> before this header.
 */
#ifndef HUBSPOT_MAP_H
#define HUBSPOT_MAP_H

#ifndef SALESYNC_PLUGIN_H
#error "include <salesync/plugin.h> before hubspot_map.h"
#endif

#include <stddef.h>
#include <stdint.h>

/* A growable list of strings (property names, ids); each item malloc'd. */
struct hs_strs {
	char **v;
	size_t n, cap;
};

int hs_strs_add(struct hs_strs *l, const char *s, size_t len);
/* Adds the comma-separated items of csv (blanks trimmed, empties and
 * duplicates dropped). Returns 0, or -1 on allocation failure. */
int hs_strs_add_csv(struct hs_strs *l, const char *csv);
int hs_strs_has(const struct hs_strs *l, const char *s);
void hs_strs_clear(struct hs_strs *l);
/* The items joined with commas (malloc'd), "" for none; NULL on ENOMEM. */
char *hs_strs_join(const struct hs_strs *l);

/* ---- times -------------------------------------------------------------- */

/* ISO 8601 ("2024-09-11T13:27:39.356Z", offsets ±hh:mm or ±hhmm, optional
 * fraction) or a string of digits (epoch milliseconds) → epoch ms.
 * Returns 0, or -1 if s is neither. */
int hs_parse_time_ms(const char *s, int64_t *ms);
/* An HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT") → epoch ms; 0 or -1. */
int hs_parse_http_date(const char *s, int64_t *ms);
/* A duration as the host's options write it (90, 30s, 15m, 1h, 1d,
 * 1h30m) → seconds; 0 or -1. */
int hs_parse_duration(const char *s, int64_t *secs);
/* true/false, yes/no, on/off, 1/0 → 1/0; -1 if none of them. */
int hs_parse_bool(const char *s);

/* ---- values --------------------------------------------------------------- */

/* The string value of obj[key], NULL if absent, null, empty or not a
 * string. */
const char *hs_str(json_t *obj, const char *key);
/* An id that may be a JSON string or integer, as text in buf (size n);
 * NULL if neither. */
const char *hs_id_text(json_t *v, char *buf, size_t n);
/* Plain decimal text: optional '-', digits, optional '.' and digits. */
int hs_is_decimal(const char *s);
/* HubSpot's hs_analytics_source codes → readable channel names
 * ("PAID_SEARCH" → "Paid search"); other values are returned as they
 * are. */
const char *hs_channel_label(const char *source);

/* ---- deal stages ---------------------------------------------------------- */

/* One stage of one deal pipeline, from GET /crm/v3/pipelines/deals. */
struct hs_stage {
	char *id;
	char *label;
	char *pipeline;       /* pipeline id */
	char *pipeline_label;
	const char *stage;    /* "open", "won", "lost", or NULL: not said */
	double probability;   /* 0..1, or -1 unknown */
};

struct hs_stages {
	struct hs_stage *v;
	size_t n;
};

/* The model stage that stage metadata says: isClosed "false" → open;
 * isClosed "true" with probability 1 → won, with 0 → lost; otherwise
 * NULL (the host then maps the raw stage). Values may be JSON strings,
 * booleans or numbers. *prob gets the probability or -1. */
const char *hs_stage_from_metadata(json_t *metadata, double *prob);
/* Parses a pipelines response into *out (replacing its content).
 * Returns 0, or -1 if root has no results array (or on ENOMEM). */
int hs_stages_parse(json_t *root, struct hs_stages *out);
const struct hs_stage *hs_stages_find(const struct hs_stages *st, const char *pipeline,
    const char *stage_id);
void hs_stages_free(struct hs_stages *st);

/* ---- records -------------------------------------------------------------- */

/* What a record mapping owns besides the JSON it borrows from. */
struct hs_rec {
	char *extra;        /* JSON object text (malloc'd) or NULL */
	char *name;         /* owners: "First Last" (malloc'd) or NULL */
	char id[32];        /* the id when it came as a number */
	char amount[40];    /* a deal amount that came as a number */
	char lead_id[32];   /* deals: the associated contact */
	int64_t modified_ms; /* the last-modified property, or -1 */
};

void hs_rec_free(struct hs_rec *r);

/* Options that shape the mapping. */
struct hs_map_opts {
	const struct hs_strs *status_props; /* first non-empty gives status_raw */
	const struct hs_strs *extra_props;  /* copied into extra */
	/* Stage overrides (stage.RAW = VALUE), matched against the stage's
	 * label and id without case; NULL-raw-terminated or NULL. */
	const struct ss_mapping *stage_overrides;
};

/* A contact → lead. Returns 0, or -1 (why in *why) when the record has no
 * id or is not an object; -2 on ENOMEM. */
int hs_map_contact(json_t *rec, const struct hs_map_opts *o, struct ss_lead *l,
    struct hs_rec *x, const char **why);
/* A deal → deal, its stage from st (which may be empty). lead_id is the
 * lowest contact id of rec.associations.contacts (list endpoints); the
 * caller may set it from elsewhere. Same returns as hs_map_contact. */
int hs_map_deal(json_t *rec, const struct hs_map_opts *o, const struct hs_stages *st,
    struct ss_deal *d, struct hs_rec *x, const char **why);
/* An owner → rep. Same returns. */
int hs_map_owner(json_t *rec, struct ss_rep *r, struct hs_rec *x, const char **why);

/* The lowest contact id of an associations list: items {"id": …} (CRM v3
 * list) or {"toObjectId": …} (v4 batch read), as strings or integers.
 * Writes it to buf and returns buf, or NULL if there is none. Ids compare
 * as numbers when both are all digits. */
const char *hs_assoc_lowest(json_t *items, char *buf, size_t n);

/* ---- cursors -------------------------------------------------------------- */

/*
 * A stream's cursor text:
 *   "list:WM:a:AFTER"  a first or full sync is listing the active records
 *                      (then "x": the archived ones) from page AFTER; WM is
 *                      where the search starts afterwards (epoch ms)
 *   "T"                search records modified at or after T (epoch ms)
 *   "T:id,id,…"        the same, except the listed ids, already synced at T
 *   "T:*"              search records modified strictly after T
 */
struct hs_cursor {
	int list;            /* 1: list phase */
	int archived;        /* list phase: 1 if listing archived records */
	char after[128];     /* list phase: the page to go on from, "" first */
	int64_t t;           /* list: WM; search: T */
	int strict;          /* search: after T, not at or after */
	struct hs_strs seen; /* search: ids already synced at T */
};

/* 0, or -1 if text is not a cursor this plugin wrote (c is then empty). */
int hs_cursor_parse(const char *text, struct hs_cursor *c);
/* The cursor as text (malloc'd), NULL on ENOMEM. The seen ids are kept
 * only up to max_seen of them; with more, the cursor says "T" and the next
 * sync fetches that tie group again (idempotent). */
char *hs_cursor_format(const struct hs_cursor *c, size_t max_seen);
void hs_cursor_free(struct hs_cursor *c);

#endif /* HUBSPOT_MAP_H */
