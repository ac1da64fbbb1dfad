/*
 * report: the sales-operations report over the unified store. One pass of
 * read-only queries (store_query, in one read snapshot) builds the whole
 * report as a JSON document; text (report_text.c), JSON and HTML
 * (report_html.c) are renderings of that one document, so the three
 * formats never disagree. The document's shape is in README ("Reports").
 *
 * Conventions every section follows:
 *   - The period is half-open, [since, until), UTC. Flow figures (leads
 *     created, deals closed, quotas, web metrics) count what falls in the
 *     period; snapshot figures (follow-up queue, open pipeline, stalls,
 *     training) are measured "as of" until, or now if that is earlier,
 *     from the records as last synced (the store keeps no history of
 *     statuses and stages).
 *   - Money is integer minor units, summed per ISO 4217 currency and never
 *     converted or mixed: amounts are objects {"USD": 1250000, "EUR": …}.
 *     A deal without a currency counts under "XXX" (ISO's "no currency").
 *   - A rep is identified by email. A lead's or deal's owner is the rep
 *     with the same (source, id) as (source, owner_id); failing that, the
 *     rep of any instance with that id, if all of them share one email
 *     (spreadsheet setups keep reps and deals in separate instances); or
 *     owner_id itself when it is an email address.
 */
#ifndef SS_REPORT_H
#define SS_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

enum report_format { REPORT_TEXT = 0, REPORT_JSON, REPORT_HTML };

#define REPORT_FOLLOW_UP_HOURS 48
#define REPORT_STALL_DAYS 14
#define REPORT_NEW_REP_DAYS 90

struct report_opts {
	char since[21];          /* "YYYY-MM-DDTHH:MM:SSZ", inclusive */
	char until[21];          /* exclusive */
	char now[21];            /* the clock: snapshots are as of min(until, now); the
	                            age of syncs is measured at now */
	const char *rep;         /* a rep's normalized email, or NULL for everyone */
	int64_t follow_up_hours; /* <= 0: REPORT_FOLLOW_UP_HOURS */
	int64_t stall_days;      /* <= 0: REPORT_STALL_DAYS */
	/* The configured instances, listed in data_health even before their
	 * first sync (borrowed; may be NULL/0). */
	const char *const *instances;
	size_t ninstances;
};

/*
 * Parses a --since/--until argument into UTC ISO text relative to `now`
 * (ISO text): a duration back from now ("30d", "12h", "1d12h"), a date
 * "YYYY-MM-DD" (its start; for an until, its end, i.e. the next midnight,
 * so the day is included), or any time norm_time() accepts. A bare number
 * is refused (30 seconds or 30 days?). 0 or SS_EINVAL with err set.
 */
int report_parse_time(const char *arg, int is_until, const char *now, char out[21],
    struct ss_err *err);

/* Epoch seconds to "YYYY-MM-DDTHH:MM:SSZ". */
void report_iso(int64_t epoch, char out[21]);

/*
 * Builds the report. *out is a new JSON object (caller json_decref()s)
 * with the keys period, follow_up, speed_to_lead, funnel, pipeline,
 * forecast, targets, bottlenecks, training, channels, data_health.
 * Errors are the store's.
 */
int report_build(struct store *st, const struct report_opts *o, json_t **out,
    struct ss_err *err);

/* Builds the report and writes it to out in format f. SS_EIO on a write
 * error. */
int report_write(struct store *st, const struct report_opts *o, enum report_format f,
    FILE *out, struct ss_err *err);

/*
 * Formatting shared by the renderings. report_money: minor units of a
 * currency as "USD 12,500.00" (the currency's own number of decimals).
 * report_money_list: every currency of an amounts object, "USD 1.00 ·
 * EUR 2.00", or "-" when empty. Caller frees both.
 */
char *report_money(int64_t minor, const char *currency);
char *report_money_list(const json_t *amounts);

/* Sorted keys of a JSON object (NULL-terminated array of borrowed
 * strings; caller frees the array only). */
const char **report_keys(const json_t *obj);

/* Reading the report document, for the renderers (report_text.c,
 * report_html.c): a member's string, integer or object, NULL/0 if absent. */
static inline const char *js(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static inline json_int_t ji(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static inline const json_t *jo(const json_t *o, const char *k)
{
	return json_object_get(o, k);
}

#endif
