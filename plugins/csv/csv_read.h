/*
 * csv_read: a streaming RFC 4180 reader.
 *
 * Reads records from a FILE* through its own buffer (fread in large
 * blocks). Handles a configurable one-byte delimiter, quoted fields with
 * embedded delimiters, line breaks and doubled quotes, CRLF, LF or lone CR
 * line ends, and skips a UTF-8 byte order mark at the start. Every field is
 * validated as strict UTF-8 (no overlong forms, surrogates, code points
 * above U+10FFFF, or NUL bytes).
 *
 * Memory does not grow with the file: the fields of one record share one
 * buffer that is reused for the next record, and a field, a record and the
 * number of fields are bounded (csvr_opts), so a hostile file is an error,
 * never an out-of-memory.
 *
 * Independent of the salesync SDK; prefix csvr_.
 */
#ifndef CSV_READ_H
#define CSV_READ_H

#include <stddef.h>
#include <stdio.h>

/* Default bounds, used when the corresponding csvr_opts member is 0. */
#define CSVR_MAX_FIELD ((size_t)1 << 20)   /* 1 MiB per field */
#define CSVR_MAX_RECORD ((size_t)16 << 20) /* 16 MiB per record */
#define CSVR_MAX_FIELDS ((size_t)16384)    /* columns per record */

/*
 * Results of csvr_read(). The first three are per record: the record was
 * read to its end (its fields are available, but tainted) and reading may
 * go on with the next one. The others are fatal: every later call returns
 * the same code.
 */
enum csvr_result {
	CSVR_RECORD = 1,      /* a record was read */
	CSVR_END = 0,         /* end of input, no record */
	CSVR_EJUNK = -1,      /* text after a closing quote ("ab"c) */
	CSVR_EUTF8 = -2,      /* invalid UTF-8 or a NUL byte in a field */
	CSVR_ETOOLONG = -3,   /* a field, the record or the field count is
	                         over its bound; the excess was dropped */
	CSVR_EQUOTE = -4,     /* a quoted field is still open at end of input */
	CSVR_EIO = -5,        /* fread failed (errno kept) */
	CSVR_ENOMEM = -6      /* allocation failed */
};

struct csvr_opts {
	char delim;        /* ',' ';' '\t' '|' …; 0 means ',' */
	size_t max_field;  /* bytes of one field; 0: CSVR_MAX_FIELD */
	size_t max_record; /* bytes of one record; 0: CSVR_MAX_RECORD */
	size_t max_fields; /* fields of one record; 0: CSVR_MAX_FIELDS */
};

struct csvr;

/*
 * A reader of `fp` (borrowed: the caller keeps it open while reading and
 * closes it after csvr_free()). opts may be NULL for the defaults. Returns
 * NULL if out of memory or if the delimiter is '"', CR, LF, NUL or a byte
 * >= 0x80.
 */
struct csvr *csvr_new(FILE *fp, const struct csvr_opts *opts);

/* Frees the reader (not the FILE). NULL is fine. */
void csvr_free(struct csvr *r);

/*
 * Reads the next record: CSVR_RECORD, CSVR_END, or a negative
 * enum csvr_result. An empty line is a record of one empty field. A
 * final line break is optional.
 */
int csvr_read(struct csvr *r);

/* Whether a negative csvr_read() result leaves the reader usable. */
int csvr_recoverable(int result);

/*
 * The fields of the last record read. Field pointers are into the
 * reader's buffer: NUL-terminated, writable (the caller may trim in
 * place), and valid until the next csvr_read() or csvr_free().
 */
size_t csvr_count(const struct csvr *r);
char *csvr_field(const struct csvr *r, size_t i);
size_t csvr_len(const struct csvr *r, size_t i);

/* Physical line (1-based) where the last record starts. */
long csvr_line(const struct csvr *r);

/* For the last negative result: the physical line it concerns (for
 * CSVR_EQUOTE, where the unclosed field opened) and a message without
 * the line, e.g. "invalid UTF-8 in field 3 (byte 0xc0)". */
long csvr_error_line(const struct csvr *r);
const char *csvr_error(const struct csvr *r);

#endif
