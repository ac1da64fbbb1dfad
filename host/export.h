/*
 * export: writes store rows as CSV (RFC 4180, safe to open in Excel) or
 * JSON Lines. One writer per format; the store supplies rows.
 */
#ifndef SS_EXPORT_H
#define SS_EXPORT_H

#include <stdio.h>

#include "store.h"

enum exp_format { EXP_CSV = 0, EXP_JSONL };

struct exp_options {
	enum exp_format format;
	int bom;  /* CSV: start with a UTF-8 byte order mark */
};

/* Writes every row of kind (filters as store_export) to out. */
int exp_write(struct store *st, enum store_kind kind, const char *source, int include_deleted,
    const struct exp_options *o, FILE *out, struct ss_err *err);

/* Writes every row of a unified view (people, reps_unified) to out. */
int exp_write_unified(struct store *st, enum store_unified which, const struct exp_options *o,
    FILE *out, struct ss_err *err);

/* Writes one CSV field: quoted when needed, text starting with = + - @
 * TAB or CR prefixed with ' so spreadsheets do not run it as a formula. */
void exp_csv_field(FILE *out, const char *value, enum store_type type);

#endif
