/*
 * csv_read: a streaming RFC 4180 reader. See csv_read.h.
 *
 * The reader is a four-state machine (field start, unquoted, quoted, quote
 * seen inside quotes) over a 64 KiB input block. Runs of ordinary bytes are
 * found with a byte-class table and copied into the record buffer with one
 * memcpy, so the per-byte cost is one table lookup.
 *
 * The record buffer holds the fields back to back, each NUL-terminated;
 * ofs[i] is where field i starts and ofs[nf] where the field being read
 * starts. Both arrays are kept between records, so a file costs the memory
 * of its largest record, which the bounds in csvr_opts cap.
 */
#include "csv_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IN_SIZE ((size_t)64 * 1024)

enum st {
	ST_START,  /* at the start of a field */
	ST_UNQ,    /* inside an unquoted field */
	ST_QUOTED, /* inside a quoted field */
	ST_QQ      /* after a '"' inside a quoted field */
};

struct csvr {
	FILE *fp;
	unsigned char delim;
	size_t max_field, max_record, max_fields;
	unsigned char special[256];  /* bytes that end a run in ST_UNQ */
	unsigned char qspecial[256]; /* bytes that end a run in ST_QUOTED */

	unsigned char *in; /* input block */
	size_t pos, end;
	int eof;
	int started; /* BOM check done */
	int fatal;   /* sticky fatal result, or 0 */

	char *buf; /* fields of the current record */
	size_t len, cap;
	size_t *ofs; /* ofs[i]: start of field i; ofs[nf]: current field */
	size_t nf, ofs_cap;
	int dropping; /* the current field is over a bound: drop its bytes */
	size_t nul_at; /* offset + 1 of the first NUL byte of the record, or 0 */

	long line;     /* physical line of the read position */
	long rec_line; /* line where the current record starts */

	int err; /* first per-record error, or 0 */
	long err_line;
	char msg[192];
};

struct csvr *csvr_new(FILE *fp, const struct csvr_opts *opts)
{
	struct csvr *r;
	unsigned char d = ',';

	if (opts && opts->delim)
		d = (unsigned char)opts->delim;
	if (!fp || d == '"' || d == '\r' || d == '\n' || d >= 0x80)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fp = fp;
	r->delim = d;
	r->max_field = opts && opts->max_field ? opts->max_field : CSVR_MAX_FIELD;
	r->max_record = opts && opts->max_record ? opts->max_record : CSVR_MAX_RECORD;
	r->max_fields = opts && opts->max_fields ? opts->max_fields : CSVR_MAX_FIELDS;
	r->special[d] = 1;
	r->special['\n'] = 1;
	r->special['\r'] = 1;
	r->special['"'] = 1;
	r->special[0] = 1;
	r->qspecial['"'] = 1;
	r->qspecial['\n'] = 1;
	r->qspecial['\r'] = 1;
	r->qspecial[0] = 1;
	r->in = malloc(IN_SIZE);
	r->cap = 4096;
	r->buf = malloc(r->cap);
	r->ofs_cap = 64;
	r->ofs = malloc(r->ofs_cap * sizeof(*r->ofs));
	if (!r->in || !r->buf || !r->ofs) {
		csvr_free(r);
		return NULL;
	}
	r->line = 1;
	r->rec_line = 1;
	return r;
}

void csvr_free(struct csvr *r)
{
	if (!r)
		return;
	free(r->in);
	free(r->buf);
	free(r->ofs);
	free(r);
}

static void vset(struct csvr *r, int code, long line, const char *fmt, va_list ap)
{
	r->err = code;
	r->err_line = line;
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
}

/* Records the first error of the current record; later ones are noise. */
static void rec_error(struct csvr *r, int code, long line, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return;
	va_start(ap, fmt);
	vset(r, code, line, fmt, ap);
	va_end(ap);
}

static int fatal(struct csvr *r, int code, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(r, code, line, fmt, ap);
	va_end(ap);
	r->fatal = code;
	return code;
}

/* 1: bytes available at pos; 0: end of input; -1: read error. */
static int refill(struct csvr *r)
{
	size_t n;

	if (r->pos < r->end)
		return 1;
	if (r->eof)
		return 0;
	n = fread(r->in, 1, IN_SIZE, r->fp);
	r->pos = 0;
	r->end = n;
	if (n == 0) {
		if (ferror(r->fp))
			return -1;
		r->eof = 1;
		return 0;
	}
	return 1;
}

/* Skips a UTF-8 BOM at the very start. Short reads (pipes) are topped up
 * until three bytes are in or the input ends. */
static int skip_bom(struct csvr *r)
{
	size_t n;

	r->started = 1;
	while (r->end < 3 && !r->eof) {
		n = fread(r->in + r->end, 1, IN_SIZE - r->end, r->fp);
		if (n == 0) {
			if (ferror(r->fp))
				return -1;
			r->eof = 1;
		}
		r->end += n;
	}
	if (r->end >= 3 && r->in[0] == 0xEF && r->in[1] == 0xBB && r->in[2] == 0xBF)
		r->pos = 3;
	return 0;
}

static int grow_buf(struct csvr *r, size_t need)
{
	size_t cap = r->cap;
	char *nb;

	if (need <= cap)
		return 0;
	while (cap < need)
		cap = cap < ((size_t)1 << 30) ? cap * 2 : need;
	nb = realloc(r->buf, cap);
	if (!nb)
		return -1;
	r->buf = nb;
	r->cap = cap;
	return 0;
}

/* Appends n bytes to the current field, within the bounds. */
static int add(struct csvr *r, const unsigned char *p, size_t n)
{
	size_t flen = r->len - r->ofs[r->nf];

	if (r->dropping)
		return 0;
	if (flen + n > r->max_field) {
		n = r->max_field - flen;
		r->dropping = 1;
		rec_error(r, CSVR_ETOOLONG, r->line, "field %zu is longer than %zu bytes",
		    r->nf + 1, r->max_field);
	}
	if (r->len + n + 1 > r->max_record) {
		n = r->len + 1 < r->max_record ? r->max_record - r->len - 1 : 0;
		r->dropping = 1;
		rec_error(r, CSVR_ETOOLONG, r->line, "record is longer than %zu bytes",
		    r->max_record);
	}
	if (grow_buf(r, r->len + n + 1) < 0)
		return -1;
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

static int end_field(struct csvr *r)
{
	r->dropping = 0;
	if (r->nf >= r->max_fields) {
		rec_error(r, CSVR_ETOOLONG, r->line, "record has more than %zu fields",
		    r->max_fields);
		r->len = r->ofs[r->nf]; /* drop the extra field */
		return 0;
	}
	if (grow_buf(r, r->len + 1) < 0)
		return -1;
	r->buf[r->len++] = '\0';
	r->nf++;
	if (r->nf + 1 > r->ofs_cap) {
		size_t cap = r->ofs_cap * 2;
		size_t *no = realloc(r->ofs, cap * sizeof(*no));

		if (!no)
			return -1;
		r->ofs = no;
		r->ofs_cap = cap;
	}
	r->ofs[r->nf] = r->len;
	return 0;
}

/*
 * Strict UTF-8: returns the offset of the first bad byte, or n if the
 * text is valid. NUL bytes pass: they separate the fields in the record
 * buffer (NULs inside a field are caught while scanning).
 */
static size_t utf8_check(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c;
		size_t need;
		unsigned lo = 0x80, hi = 0xBF;

		/* ASCII fast path: 8 bytes without a high bit */
		while (n - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0; /* overlong */
			else if (c == 0xED)
				hi = 0x9F; /* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90; /* overlong */
			else if (c == 0xF4)
				hi = 0x8F; /* > U+10FFFF */
		} else {
			return i; /* continuation, C0/C1 overlong, F5..FF */
		}
		if (n - i <= need)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return i;
		i += need + 1;
	}
	return n;
}

/* Physical line of byte `at` of the record buffer. */
static long line_at(const struct csvr *r, size_t at)
{
	long line = r->rec_line;

	for (size_t i = 0; i < at; i++) {
		if (r->buf[i] == '\n')
			line++;
		else if (r->buf[i] == '\r' && (i + 1 >= r->len || r->buf[i + 1] != '\n'))
			line++;
	}
	return line;
}

/* Index of the field holding byte `at` of the record buffer. */
static size_t field_at(const struct csvr *r, size_t at)
{
	size_t i = 0;

	while (i + 1 < r->nf && r->ofs[i + 1] <= at)
		i++;
	return i;
}

/* Validates the whole record in one pass (fields are NUL-separated). */
static int finish(struct csvr *r)
{
	const unsigned char *s = (const unsigned char *)r->buf;
	size_t bad, f;

	if (r->err)
		return r->err;
	if (r->nul_at) {
		bad = r->nul_at - 1;
		f = field_at(r, bad);
		rec_error(r, CSVR_EUTF8, line_at(r, bad), "NUL byte in field %zu (offset %zu)",
		    f + 1, bad - r->ofs[f]);
		return r->err;
	}
	bad = utf8_check(s, r->len);
	if (bad < r->len) {
		f = field_at(r, bad);
		rec_error(r, CSVR_EUTF8, line_at(r, bad),
		    "invalid UTF-8 in field %zu (byte 0x%02x at offset %zu)", f + 1,
		    (unsigned)s[bad], bad - r->ofs[f]);
		return r->err;
	}
	return CSVR_RECORD;
}

int csvr_read(struct csvr *r)
{
	enum st st = ST_START;
	int any = 0, rc;
	long qline = 0;
	const unsigned char *p, *q, *e;
	unsigned char c;

	if (r->fatal)
		return r->fatal;
	if (!r->started && skip_bom(r) < 0)
		return fatal(r, CSVR_EIO, r->line, "read error: %s", strerror(errno));
	r->len = 0;
	r->nf = 0;
	r->ofs[0] = 0;
	r->err = 0;
	r->err_line = 0;
	r->msg[0] = '\0';
	r->dropping = 0;
	r->nul_at = 0;
	r->rec_line = r->line;

	for (;;) {
		if (r->pos == r->end) {
			rc = refill(r);
			if (rc < 0)
				return fatal(r, CSVR_EIO, r->line, "read error: %s", strerror(errno));
			if (rc == 0) {
				if (st == ST_QUOTED)
					return fatal(r, CSVR_EQUOTE, qline,
					    "unbalanced quote: the quoted field opened at line %ld "
					    "is not closed at end of file",
					    qline);
				if (st == ST_START && !any)
					return CSVR_END;
				if (end_field(r) < 0)
					goto nomem;
				return finish(r);
			}
		}
		p = r->in + r->pos;
		e = r->in + r->end;

		switch (st) {
		case ST_START:
			any = 1;
			if (*p == '"') {
				r->pos++;
				qline = r->line;
				st = ST_QUOTED;
			} else {
				st = ST_UNQ;
			}
			break;

		case ST_UNQ:
			for (q = p; q < e && !r->special[*q]; q++)
				;
			if (q > p) {
				if (add(r, p, (size_t)(q - p)) < 0)
					goto nomem;
				r->pos += (size_t)(q - p);
				break;
			}
			c = *q;
			r->pos++;
			if (c == r->delim) {
				if (end_field(r) < 0)
					goto nomem;
				st = ST_START;
			} else if (c == '\n' || c == '\r') {
				r->line++;
				if (end_field(r) < 0)
					goto nomem;
				/* CRLF is one line end; a read error here shows
				 * up again on the next call. */
				if (c == '\r' && refill(r) > 0 && r->in[r->pos] == '\n')
					r->pos++;
				return finish(r);
			} else {
				/* '"' inside an unquoted field is literal; NUL is
				 * noted, to be reported once the record is read */
				if (c == 0 && !r->nul_at)
					r->nul_at = r->len + 1;
				if (add(r, q, 1) < 0)
					goto nomem;
			}
			break;

		case ST_QUOTED:
			for (q = p; q < e && !r->qspecial[*q]; q++)
				;
			if (q > p) {
				if (add(r, p, (size_t)(q - p)) < 0)
					goto nomem;
				r->pos += (size_t)(q - p);
				break;
			}
			c = *q;
			r->pos++;
			if (c == '"') {
				st = ST_QQ;
				break;
			}
			if (c == 0 && !r->nul_at)
				r->nul_at = r->len + 1;
			if (add(r, q, 1) < 0)
				goto nomem;
			if (c == '\n')
				r->line++;
			else if (c == '\r' && (refill(r) <= 0 || r->in[r->pos] != '\n'))
				r->line++; /* a lone CR */
			break;

		case ST_QQ:
			if (*p == '"') {
				if (add(r, p, 1) < 0)
					goto nomem;
				r->pos++;
				st = ST_QUOTED;
				break;
			}
			if (*p != r->delim && *p != '\n' && *p != '\r')
				rec_error(r, CSVR_EJUNK, r->line,
				    "field %zu: text after the closing quote", r->nf + 1);
			st = ST_UNQ; /* ends the field, or keeps the junk */
			break;
		}
	}

nomem:
	return fatal(r, CSVR_ENOMEM, r->line, "out of memory");
}

int csvr_recoverable(int result)
{
	return result == CSVR_EJUNK || result == CSVR_EUTF8 || result == CSVR_ETOOLONG;
}

size_t csvr_count(const struct csvr *r)
{
	return r->nf;
}

char *csvr_field(const struct csvr *r, size_t i)
{
	return i < r->nf ? r->buf + r->ofs[i] : NULL;
}

size_t csvr_len(const struct csvr *r, size_t i)
{
	return i < r->nf ? r->ofs[i + 1] - r->ofs[i] - 1 : 0;
}

long csvr_line(const struct csvr *r)
{
	return r->rec_line;
}

long csvr_error_line(const struct csvr *r)
{
	return r->err_line;
}

const char *csvr_error(const struct csvr *r)
{
	return r->msg;
}
