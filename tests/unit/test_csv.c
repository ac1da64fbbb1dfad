/*
 * Unit tests of plugins/csv/csv_read.c: the streaming RFC 4180 reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv/csv_read.h"

struct rd {
	FILE *fp;
	struct csvr *r;
};

static struct rd open_mem(const char *s, size_t n, char delim, size_t max_field)
{
	struct rd x;
	struct csvr_opts o = {delim, max_field, 0, 0};

	x.fp = tmpfile();
	assert_non_null(x.fp);
	assert_int_equal(fwrite(s, 1, n, x.fp), n);
	rewind(x.fp);
	x.r = csvr_new(x.fp, &o);
	assert_non_null(x.r);
	return x;
}

static struct rd open_str(const char *s)
{
	return open_mem(s, strlen(s), ',', 0);
}

static void close_rd(struct rd *x)
{
	csvr_free(x->r);
	fclose(x->fp);
}

/* Reads one record and checks its fields ("|"-joined) and start line. */
static void expect(struct csvr *r, const char *joined, long line)
{
	char buf[1024];
	size_t o = 0;

	assert_int_equal(csvr_read(r), CSVR_RECORD);
	for (size_t i = 0; i < csvr_count(r); i++) {
		size_t n = csvr_len(r, i);

		assert_int_equal(strlen(csvr_field(r, i)), n);
		if (i)
			buf[o++] = '|';
		assert_true(o + n < sizeof(buf));
		memcpy(buf + o, csvr_field(r, i), n);
		o += n;
	}
	buf[o] = '\0';
	assert_string_equal(buf, joined);
	assert_int_equal(csvr_line(r), line);
}

static void test_simple(void **state)
{
	struct rd x = open_str("id,name,city\n1,Ada,London\n2,Alan,Wilmslow\n");

	(void)state;
	expect(x.r, "id|name|city", 1);
	expect(x.r, "1|Ada|London", 2);
	expect(x.r, "2|Alan|Wilmslow", 3);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_quoted(void **state)
{
	struct rd x = open_str("\"Acme, Inc.\",b,\"\"\n\"x\",\"\",\"with \"\"quotes\"\"\"\n");

	(void)state;
	expect(x.r, "Acme, Inc.|b|", 1);
	assert_int_equal(csvr_count(x.r), 3);
	expect(x.r, "x||with \"quotes\"", 2);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_embedded_newline_lines(void **state)
{
	struct rd x = open_str("id,note\n1,\"first line\nsecond line\nthird\"\n2,plain\n"
	                       "3,\"crlf\r\ninside\"\r\n4,end");

	(void)state;
	expect(x.r, "id|note", 1);
	expect(x.r, "1|first line\nsecond line\nthird", 2);
	expect(x.r, "2|plain", 5);
	expect(x.r, "3|crlf\r\ninside", 6);
	expect(x.r, "4|end", 8);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_doubled_quotes(void **state)
{
	struct rd x = open_str("\"\"\"\",\"a\"\"b\",\"\"\"\"\"\"\n");

	(void)state;
	expect(x.r, "\"|a\"b|\"\"", 1);
	close_rd(&x);
}

static void test_crlf_and_cr(void **state)
{
	struct rd x = open_str("a,b\r\nc,d\r\n\r\ne,f\rg,h");

	(void)state;
	expect(x.r, "a|b", 1);
	expect(x.r, "c|d", 2);
	expect(x.r, "", 3); /* an empty line: one empty field */
	assert_int_equal(csvr_count(x.r), 1);
	expect(x.r, "e|f", 4);
	expect(x.r, "g|h", 5);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_bom(void **state)
{
	struct rd x = open_str("\xEF\xBB\xBFid,name\n1,Zo\xC3\xAB\n");
	struct rd y = open_str("\xEF\xBB\xBF");
	struct rd z = open_str("");
	/* a BOM anywhere else is data */
	struct rd w = open_str("a\n\xEF\xBB\xBF" "b\n");

	(void)state;
	expect(x.r, "id|name", 1);
	expect(x.r, "1|Zo\xC3\xAB", 2);
	assert_int_equal(csvr_read(y.r), CSVR_END);
	assert_int_equal(csvr_read(z.r), CSVR_END);
	expect(w.r, "a", 1);
	expect(w.r, "\xEF\xBB\xBF" "b", 2);
	close_rd(&x);
	close_rd(&y);
	close_rd(&z);
	close_rd(&w);
}

static void test_delimiters(void **state)
{
	const char semi[] = "a;\"b;c\";d,e\n";
	const char tab[] = "a\t\"b\tc\"\td e\n";
	const char pipe[] = "a|b||\n";
	struct rd x = open_mem(semi, sizeof(semi) - 1, ';', 0);
	struct rd y = open_mem(tab, sizeof(tab) - 1, '\t', 0);
	struct rd z = open_mem(pipe, sizeof(pipe) - 1, '|', 0);
	struct csvr_opts bad = {'"', 0, 0, 0};

	(void)state;
	expect(x.r, "a|b;c|d,e", 1);
	expect(y.r, "a|b\tc|d e", 1);
	expect(z.r, "a|b||", 1);
	assert_int_equal(csvr_count(z.r), 4);
	assert_null(csvr_new(x.fp, &bad));
	close_rd(&x);
	close_rd(&y);
	close_rd(&z);
}

static void test_empty_fields(void **state)
{
	struct rd x = open_str(",,\n\"\",x,\n,\n");

	(void)state;
	expect(x.r, "||", 1);
	assert_int_equal(csvr_count(x.r), 3);
	expect(x.r, "|x|", 2);
	assert_int_equal(csvr_count(x.r), 3);
	expect(x.r, "|", 3);
	assert_int_equal(csvr_count(x.r), 2);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_trailing_newline(void **state)
{
	struct rd x = open_str("a,b\nc,d");
	struct rd y = open_str("a,b\nc,d\n");
	struct rd z = open_str("a,\"b\"");
	struct rd w = open_str("a,");

	(void)state;
	expect(x.r, "a|b", 1);
	expect(x.r, "c|d", 2);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	expect(y.r, "a|b", 1);
	expect(y.r, "c|d", 2);
	assert_int_equal(csvr_read(y.r), CSVR_END);
	expect(z.r, "a|b", 1);
	assert_int_equal(csvr_read(z.r), CSVR_END);
	expect(w.r, "a|", 1);
	assert_int_equal(csvr_count(w.r), 2);
	assert_int_equal(csvr_read(w.r), CSVR_END);
	close_rd(&x);
	close_rd(&y);
	close_rd(&z);
	close_rd(&w);
}

static void test_unbalanced_quote(void **state)
{
	struct rd x = open_str("a,b\nc,d\ne,\"never closed\nmore\nand more\n");

	(void)state;
	expect(x.r, "a|b", 1);
	expect(x.r, "c|d", 2);
	assert_int_equal(csvr_read(x.r), CSVR_EQUOTE);
	assert_false(csvr_recoverable(CSVR_EQUOTE));
	assert_int_equal(csvr_error_line(x.r), 3);
	assert_non_null(strstr(csvr_error(x.r), "unbalanced quote"));
	assert_non_null(strstr(csvr_error(x.r), "line 3"));
	/* sticky */
	assert_int_equal(csvr_read(x.r), CSVR_EQUOTE);
	close_rd(&x);
}

static void test_junk_after_quote(void **state)
{
	struct rd x = open_str("id,x\n\"ab\"c,d\n\"ok\",\"fine\"\n\"a\" ,b\n");

	(void)state;
	expect(x.r, "id|x", 1);
	assert_int_equal(csvr_read(x.r), CSVR_EJUNK);
	assert_true(csvr_recoverable(CSVR_EJUNK));
	assert_int_equal(csvr_error_line(x.r), 2);
	assert_int_equal(csvr_line(x.r), 2);
	assert_non_null(strstr(csvr_error(x.r), "field 1"));
	expect(x.r, "ok|fine", 3);
	assert_int_equal(csvr_read(x.r), CSVR_EJUNK); /* a blank after the quote */
	assert_int_equal(csvr_error_line(x.r), 4);
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_quote_inside_unquoted(void **state)
{
	struct rd x = open_str("5\" screen,ab\"c\n");

	(void)state;
	expect(x.r, "5\" screen|ab\"c", 1);
	close_rd(&x);
}

static void test_utf8_valid(void **state)
{
	/* 2-, 3- and 4-byte forms and the edges U+0080, U+07FF, U+0800,
	 * U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF */
	struct rd x = open_str("Jos\xC3\xA9,\xC5\x81ukasz,\xE5\xB1\xB1\xE7\x94\xB0,\xE2\x82\xAC,"
	                       "\xF0\x9F\x98\x80\n"
	                       "\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,"
	                       "\xEF\xBF\xBF,\xF0\x90\x80\x80,\xF4\x8F\xBF\xBF\n");

	(void)state;
	assert_int_equal(csvr_read(x.r), CSVR_RECORD);
	assert_int_equal(csvr_count(x.r), 5);
	assert_string_equal(csvr_field(x.r, 2), "\xE5\xB1\xB1\xE7\x94\xB0");
	assert_int_equal(csvr_read(x.r), CSVR_RECORD);
	assert_int_equal(csvr_count(x.r), 8);
	close_rd(&x);
}

static void test_utf8_invalid(void **state)
{
	static const char *const bad[] = {
		"\xC0\x80",         /* overlong NUL */
		"\xC1\xBF",         /* overlong */
		"\xE0\x80\xAF",     /* overlong 3-byte */
		"\xE0\x9F\xBF",     /* overlong 3-byte, top */
		"\xF0\x80\x80\x80", /* overlong 4-byte */
		"\xF0\x8F\xBF\xBF", /* overlong 4-byte, top */
		"\xED\xA0\x80",     /* surrogate U+D800 */
		"\xED\xBF\xBF",     /* surrogate U+DFFF */
		"\xF4\x90\x80\x80", /* U+110000 */
		"\xF5\x80\x80\x80", /* F5 lead */
		"\xFF",
		"\x80",             /* lone continuation */
		"\xE2\x82",         /* truncated at end of field */
		"\xE2\x82z",        /* truncated by ASCII */
		"\xC3",
		"a\xE9t\xE9",       /* Latin-1 */
		NULL};

	(void)state;
	for (int i = 0; bad[i]; i++) {
		char in[64];
		struct rd x;

		snprintf(in, sizeof(in), "h1,h2\nok,x%sy\nnext,row\n", bad[i]);
		x = open_str(in);
		expect(x.r, "h1|h2", 1);
		assert_int_equal(csvr_read(x.r), CSVR_EUTF8);
		assert_true(csvr_recoverable(CSVR_EUTF8));
		assert_int_equal(csvr_error_line(x.r), 2);
		assert_non_null(strstr(csvr_error(x.r), "field 2"));
		expect(x.r, "next|row", 3); /* reading goes on */
		close_rd(&x);
	}
}

static void test_utf8_error_line_in_multiline_record(void **state)
{
	struct rd x = open_str("a,\"one\ntwo\nthr\xC3\x28" "ee\"\nb,c\n");

	(void)state;
	assert_int_equal(csvr_read(x.r), CSVR_EUTF8);
	assert_int_equal(csvr_line(x.r), 1);
	assert_int_equal(csvr_error_line(x.r), 3);
	expect(x.r, "b|c", 4);
	close_rd(&x);
}

static void test_nul_byte(void **state)
{
	static const char in[] = "a,b\x00" "c\nd,e\n\"x\ny\x00\",z\nf,g\n";
	struct rd x = open_mem(in, sizeof(in) - 1, ',', 0);

	(void)state;
	assert_int_equal(csvr_read(x.r), CSVR_EUTF8);
	assert_non_null(strstr(csvr_error(x.r), "NUL byte in field 2"));
	expect(x.r, "d|e", 2);
	assert_int_equal(csvr_read(x.r), CSVR_EUTF8); /* NUL inside quotes */
	assert_non_null(strstr(csvr_error(x.r), "field 1"));
	assert_int_equal(csvr_error_line(x.r), 4);
	expect(x.r, "f|g", 5);
	close_rd(&x);
}

/* A sequence cut by the end of its field is invalid even if the next
 * field starts with continuation-looking bytes. */
static void test_utf8_cut_at_field_end(void **state)
{
	struct rd x = open_str("ok,\xC3,\xA9\n\xE2\x82,\xAC\n");

	(void)state;
	assert_int_equal(csvr_read(x.r), CSVR_EUTF8);
	assert_non_null(strstr(csvr_error(x.r), "field 2"));
	assert_int_equal(csvr_read(x.r), CSVR_EUTF8);
	assert_non_null(strstr(csvr_error(x.r), "field 1"));
	assert_int_equal(csvr_read(x.r), CSVR_END);
	close_rd(&x);
}

static void test_long_field(void **state)
{
	struct rd x = open_mem("12345678,\"1234567890abcdefg\"\nok,fine\n", 38, ',', 16);
	size_t big = CSVR_MAX_FIELD + 10;
	char *s = malloc(big + 32);
	struct rd y;

	(void)state;
	assert_int_equal(csvr_read(x.r), CSVR_ETOOLONG);
	assert_true(csvr_recoverable(CSVR_ETOOLONG));
	assert_int_equal(csvr_error_line(x.r), 1);
	assert_non_null(strstr(csvr_error(x.r), "field 2"));
	assert_true(csvr_len(x.r, 1) <= 16);
	expect(x.r, "ok|fine", 2);
	close_rd(&x);

	/* the default bound: 1 MiB */
	assert_non_null(s);
	memset(s, 'x', big);
	memcpy(s + big, "\nnext,row\n", 10);
	y = open_mem(s, big + 10, ',', 0);
	assert_int_equal(csvr_read(y.r), CSVR_ETOOLONG);
	assert_int_equal(csvr_len(y.r, 0), CSVR_MAX_FIELD);
	expect(y.r, "next|row", 2);
	close_rd(&y);

	/* exactly at the bound is fine */
	memset(s, 'y', CSVR_MAX_FIELD);
	s[CSVR_MAX_FIELD] = '\n';
	y = open_mem(s, CSVR_MAX_FIELD + 1, ',', 0);
	assert_int_equal(csvr_read(y.r), CSVR_RECORD);
	assert_int_equal(csvr_len(y.r, 0), CSVR_MAX_FIELD);
	close_rd(&y);
	free(s);
}

static void test_too_many_fields(void **state)
{
	struct csvr_opts o = {',', 0, 0, 3};
	FILE *fp = tmpfile();
	struct csvr *r;

	(void)state;
	fputs("a,b,c,d,e\n1,2,3\n", fp);
	rewind(fp);
	r = csvr_new(fp, &o);
	assert_int_equal(csvr_read(r), CSVR_ETOOLONG);
	assert_int_equal(csvr_count(r), 3);
	assert_non_null(strstr(csvr_error(r), "more than 3 fields"));
	expect(r, "1|2|3", 2);
	csvr_free(r);
	fclose(fp);
}

/* Many records through several 64 KiB blocks: quoted fields and CRLF pairs
 * cross block boundaries; the count, content and lines must hold. */
static void test_many_records_across_blocks(void **state)
{
	FILE *fp = tmpfile();
	struct csvr *r;
	const int n = 60000;
	long line = 1;
	char want[128];

	(void)state;
	for (int i = 0; i < n; i++) {
		if (i % 7 == 0)
			fprintf(fp, "%d,\"multi\nline %d, \"\"q\"\"\",z\r\n", i, i);
		else
			fprintf(fp, "%d,plain %d,z\r\n", i, i);
	}
	rewind(fp);
	r = csvr_new(fp, NULL);
	for (int i = 0; i < n; i++) {
		if (i % 7 == 0)
			snprintf(want, sizeof(want), "%d|multi\nline %d, \"q\"|z", i, i);
		else
			snprintf(want, sizeof(want), "%d|plain %d|z", i, i);
		expect(r, want, line);
		line += i % 7 == 0 ? 2 : 1;
	}
	assert_int_equal(csvr_read(r), CSVR_END);
	csvr_free(r);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_embedded_newline_lines),
		cmocka_unit_test(test_doubled_quotes),
		cmocka_unit_test(test_crlf_and_cr),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_trailing_newline),
		cmocka_unit_test(test_unbalanced_quote),
		cmocka_unit_test(test_junk_after_quote),
		cmocka_unit_test(test_quote_inside_unquoted),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_error_line_in_multiline_record),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_utf8_cut_at_field_end),
		cmocka_unit_test(test_long_field),
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_many_records_across_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
