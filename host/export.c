/* export: CSV and JSON Lines writers over store_export(). */
#include "export.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct writer {
	const struct exp_options *o;
	FILE *out;
	int header_done;
};

void exp_csv_field(FILE *out, const char *v, enum store_type type)
{
	int neutralise, quote;

	if (!v)
		return;
	/* Numbers are numbers: "-1250" must stay a number in Excel. */
	neutralise = (type == STORE_T_TEXT || type == STORE_T_JSON) && strchr("=+-@\t\r", v[0]) && v[0];
	quote = neutralise || strpbrk(v, ",\"\r\n") != NULL || v[0] == ' ' ||
	    (*v && v[strlen(v) - 1] == ' ');
	if (!quote) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	if (neutralise)
		fputc('\'', out);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static int csv_row(void *ud, int ncol, const char *const *names, const char *const *values,
    const enum store_type *types)
{
	struct writer *w = ud;

	if (!w->header_done) {
		for (int i = 0; i < ncol; i++) {
			if (i)
				fputc(',', w->out);
			exp_csv_field(w->out, names[i], STORE_T_TEXT);
		}
		fputs("\r\n", w->out);
		w->header_done = 1;
	}
	for (int i = 0; i < ncol; i++) {
		if (i)
			fputc(',', w->out);
		exp_csv_field(w->out, values[i], types[i]);
	}
	fputs("\r\n", w->out);
	return ferror(w->out) ? SS_EIO : 0;
}

static json_t *json_value(const char *v, enum store_type t)
{
	json_t *j;

	switch (t) {
	case STORE_T_NULL: return json_null();
	case STORE_T_INT: return json_integer(strtoll(v, NULL, 10));
	case STORE_T_REAL: return json_real(strtod(v, NULL));
	case STORE_T_JSON:
		j = json_loads(v, JSON_DECODE_ANY, NULL);
		return j ? j : json_string(v);
	default: return json_string(v);
	}
}

static int jsonl_row(void *ud, int ncol, const char *const *names, const char *const *values,
    const enum store_type *types)
{
	struct writer *w = ud;
	json_t *obj = json_object();
	int rc;

	for (int i = 0; i < ncol; i++)
		json_object_set_new(obj, names[i], json_value(values[i], types[i]));
	rc = json_dumpf(obj, w->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	fputc('\n', w->out);
	return rc != 0 || ferror(w->out) ? SS_EIO : 0;
}

int exp_write(struct store *st, enum store_kind kind, const char *source, int include_deleted,
    const struct exp_options *o, FILE *out, struct ss_err *err)
{
	struct writer w = {o, out, 0};
	int rc;

	if (o->format == EXP_CSV && o->bom)
		fputs("\xEF\xBB\xBF", out);
	rc = store_export(st, kind, source, include_deleted,
	    o->format == EXP_CSV ? csv_row : jsonl_row, &w, err);
	if (rc == SS_EIO)
		return err_set(err, SS_EIO, "write error on output");
	return rc;
}

int exp_write_unified(struct store *st, enum store_unified which, const struct exp_options *o,
    FILE *out, struct ss_err *err)
{
	struct writer w = {o, out, 0};
	int rc;

	if (o->format == EXP_CSV && o->bom)
		fputs("\xEF\xBB\xBF", out);
	rc = store_export_unified(st, which, o->format == EXP_CSV ? csv_row : jsonl_row, &w, err);
	if (rc == SS_EIO)
		return err_set(err, SS_EIO, "write error on output");
	return rc;
}
