/*
 * salesforce_map: the pure parts of the Salesforce plugin, kept apart so
 * the unit tests can reach them: SOQL text, cursors, Salesforce's values
 * (amounts, percents, datetimes) and the JSON record → model record maps.
 * No I/O here and no host calls.
 */
#ifndef SALESFORCE_MAP_H
#define SALESFORCE_MAP_H

#include <jansson.h>
#include <stddef.h>

/* Unit tests are built without -Isdk and include the SDK header by path
 * first. */
#ifndef SALESYNC_PLUGIN_H
#include <salesync/plugin.h>
#endif

/* A growable string. `oom` is set (and the text left as it was) when an
 * allocation failed; sf_buf_take then returns NULL. */
struct sf_buf {
	char *s;
	size_t len, cap;
	int oom;
};

void sf_buf_add(struct sf_buf *b, const char *s);
void sf_buf_addf(struct sf_buf *b, const char *fmt, ...) SS_PRINTF(2, 3);
/* The text (caller owns, free()), or NULL after an allocation failure. */
char *sf_buf_take(struct sf_buf *b);
void sf_buf_free(struct sf_buf *b);

/* "62.0" or "v62.0" → "62.0" in out. Returns 0, or -1 if v is not
 * digits '.' digits or does not fit. */
int sf_version(const char *v, char *out, size_t n);

/* Whether `list` is a comma-separated list of SOQL field names
 * (letters, digits, '_' and '.' for relationships; blanks around commas
 * allowed). An empty list is valid. */
int sf_fields_ok(const char *list);

/* Whether id looks like a Salesforce id: 15 or 18 letters and digits. */
int sf_id_ok(const char *id);

/* A Salesforce datetime ("2024-01-15T10:30:00.000+0000", "...Z",
 * "...+01:00") → the SOQL literal, in UTC when the offset is zero:
 * "2024-01-15T10:30:00Z" (a fraction is kept only if it is not zero;
 * a non-zero offset is written +hh:mm). Returns 0 or -1. */
int sf_soql_datetime(const char *ts, char *out, size_t n);

/* The cursor of a stream is "SYSTEMMODSTAMP|ID" of the last record
 * committed. Splits it; -1 if it is not of that form. */
int sf_cursor_split(const char *cursor, char *ts, size_t tsn, char *id, size_t idn);

/* The incremental query of one object:
 *   SELECT <fields>[, <extra>] FROM <object>
 *   [WHERE SystemModstamp > T OR (SystemModstamp = T AND Id > 'ID')]
 *   ORDER BY SystemModstamp, Id
 * T and ID from `cursor` (NULL: no WHERE, every record). Returns the
 * text (caller frees), or NULL if the cursor is malformed or memory ran
 * out. */
char *sf_soql(const char *object, const char *fields, const char *extra, const char *cursor);

/* Salesforce sends currency amounts as JSON numbers, which jansson reads
 * as doubles. Writes decimal text for the host into buf: integers as
 * they are, reals with "%.15g" (exact for amounts of up to 15
 * significant digits, which Salesforce's 18-digit currency fields with
 * 2 decimals hold up to 9,999,999,999,999.99), beyond that "%.2f"; a
 * string passes unchanged. Returns buf, or NULL for null/absent. */
const char *sf_amount_text(const json_t *v, char *buf, size_t n);

/* Salesforce's percent (Probability: 10.0) as 0..1, clamped; -1 when
 * null or absent. */
double sf_probability(const json_t *v);

/* The model stage of an opportunity from IsClosed and IsWon: "won",
 * "lost" or "open"; NULL when IsClosed is not a boolean. */
const char *sf_stage(const json_t *rec);

/* The first errorCode and message of Salesforce's error array
 * [{"message": ..., "errorCode": ...}] (also {"error", "error_description"}
 * and {"errorCode", "message"} objects). Empty strings when the body is
 * neither: then msg holds the start of the body. */
void sf_error_parse(const char *body, size_t len, char *code, size_t cn, char *msg, size_t mn);

/* Parses "api-usage=18/15000[, per-app-api-usage=...]" (Sforce-Limit-Info).
 * Returns 0 with *used and *max set, or -1. */
int sf_limit_info(const char *hdr, long *used, long *max);

/* The JSON object text (caller frees) of rec's fields that are not in
 * `mapped` (NULL-terminated, exact names), without "attributes" and
 * without nulls; a nested relationship object is flattened to
 * "Rel.Field" keys. Reals become "%.15g" text, so the store never sees a
 * binary fraction (0.1 stays "0.1"). With `sobject`, the object name is
 * added as "sobject". NULL when nothing is left or memory ran out. */
char *sf_extra(const json_t *rec, const char *const *mapped, const char *sobject);

/* Strings that a mapped record borrows besides the JSON tree. */
struct sf_scratch {
	char amount[64];
	char *extra;
};

void sf_scratch_free(struct sf_scratch *sc);

/* The maps. Every string of the record borrows from rec or sc; free sc
 * after the emit. Fields the record does not carry stay unknown. */
void sf_map_user(const json_t *rec, struct ss_rep *r);
/* Lead: status_raw = Status; a converted lead (IsConverted) gets status
 * "converted" and converted_at = ConvertedDate. */
void sf_map_lead(const json_t *rec, struct ss_lead *l, struct sf_scratch *sc);
/* Contact: company from Account.Name; no status. */
void sf_map_contact(const json_t *rec, struct ss_lead *l, struct sf_scratch *sc);
/* Opportunity: stage from IsClosed/IsWon, probability from the percent,
 * amount as exact text, currency from CurrencyIsoCode (NULL without),
 * closed_at = CloseDate once closed. lead_id is left to the caller. */
void sf_map_opportunity(const json_t *rec, struct ss_deal *d, struct sf_scratch *sc);

#endif
