/*
 * norm: normalization of everything a plugin emits, in one place, so every
 * tool's records look the same in the store: emails, times, money, metric
 * values, dims, and the status/stage vocabularies.
 */
#ifndef SS_NORM_H
#define SS_NORM_H

#include <stdint.h>

#include "util.h"

/* Trimmed, lower-cased copy (caller frees), or NULL for NULL/blank input.
 * Only ASCII letters are lowered; other bytes are kept as they are. */
char *norm_email(const char *in);

/*
 * Normalizes a time to UTC "YYYY-MM-DDTHH:MM:SSZ" in out (21 bytes).
 * Accepts: ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.frac]]" followed by Z, +HH:MM,
 * +HHMM, +HH or nothing (UTC); the same with a space instead of T;
 * "YYYY-MM-DD" (midnight UTC); epoch seconds (up to 11 digits) or
 * milliseconds (12-13 digits). Surrounding blanks are ignored. Fractions
 * are truncated. Calendar-checked (no 2026-02-30).
 * Returns 0, or SS_EINVAL if the text is not one of those.
 */
int norm_time(const char *in, char out[21]);

/* Number of minor-unit digits of an ISO 4217 code: 0 for JPY, KRW, …,
 * 3 for BHD, KWD, …, 2 otherwise (and for NULL). */
int norm_currency_exponent(const char *code);

/*
 * Parses plain decimal text ("-1234.5", "+0.99", "12") into integer minor
 * units of `currency` without ever using floating point. Extra fraction
 * digits beyond the currency's exponent are rounded half away from zero.
 * Returns 0, or SS_EINVAL for anything else (thousands separators,
 * symbols, blanks inside, empty) or on int64 overflow.
 */
int norm_money(const char *text, const char *currency, int64_t *minor);

/* Upper-cased 3-letter currency code into out (4 bytes); SS_EINVAL if
 * `in` is not three ASCII letters. */
int norm_currency(const char *in, char out[4]);

/*
 * Metric value: decimal text → either an integer (*is_int = 1, *ival) or a
 * double (*is_int = 0, *dval). Returns SS_EINVAL for non-numbers,
 * NaN/Inf, or blanks.
 */
int norm_number(const char *text, int *is_int, int64_t *ival, double *dval);

/* Canonical JSON for dims: an object, keys sorted, compact. NULL or blank
 * input gives "{}". Returns a new string (caller frees) or NULL with err
 * set if the text is not a JSON object. */
char *norm_dims(const char *json, struct ss_err *err);

/* The canonical vocabularies (NULL-terminated). */
extern const char *const norm_lead_statuses[]; /* new working qualified unqualified converted */
extern const char *const norm_deal_stages[];   /* open won lost */

/*
 * Maps a raw status/stage to the canonical word: first through the
 * instance's overrides, then the plugin's defaults (both arrays
 * NULL-raw-terminated, either may be NULL), comparing raw values
 * case-insensitively and ignoring surrounding blanks; if neither
 * matches and the raw value is itself a canonical word (any case), that
 * word. Returns a pointer into `canon` or NULL when unknown.
 */
const char *norm_map(const char *raw, const struct ss_mapping *overrides,
    const struct ss_mapping *defaults, const char *const *canon);

#endif
