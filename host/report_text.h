/*
 * report_text: the plain-text rendering of a report document (report.h):
 * one block per section, aligned tables, each headed by its period or
 * as-of time. Long lists (follow-up queue, stalled deals) show their
 * first rows per group; the JSON output has them all.
 */
#ifndef SS_REPORT_TEXT_H
#define SS_REPORT_TEXT_H

#include <jansson.h>
#include <stdio.h>

/* Rows shown per owner in the follow-up queue, and stalled deals shown. */
#define REPORT_TEXT_ROWS 10

/* Writes the report r to out. 0, or SS_EIO on a write error. */
int report_text_write(const json_t *r, FILE *out);

/* Helpers shared with report_html.c. All return new strings. */
/* "2026-11-01 to 2026-11-30" for [since, until) at midnights, else
 * "2026-11-01 09:30 to 2026-12-01 09:30 UTC". */
char *report_text_period(const char *since, const char *until);
/* "2026-12-01 00:00 UTC" of an ISO time ("-" for NULL). */
char *report_text_time(const char *iso);
/* A share 0..1 as "45.7%", "-" for null. */
char *report_text_pct(const json_t *share);
/* An integer or real JSON number as text ("-" for null). */
char *report_text_num(const json_t *v);

#endif
