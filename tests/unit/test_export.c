/* Unit tests of the CSV field writer: RFC 4180 quoting and formula
 * neutralisation that leaves numbers alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

static char *field(const char *v, enum store_type t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	exp_csv_field(f, v, t);
	fclose(f);
	return buf;
}

static void check(const char *v, enum store_type t, const char *want)
{
	char *got = field(v, t);
	if (strcmp(got, want) != 0)
		fail_msg("field '%s': got [%s], want [%s]", v ? v : "(null)", got, want);
	free(got);
}

static void test_plain(void **state)
{
	(void)state;
	check("Acme", STORE_T_TEXT, "Acme");
	check("Zoë Łukasz 山田", STORE_T_TEXT, "Zoë Łukasz 山田");
	check(NULL, STORE_T_NULL, "");
	check("", STORE_T_TEXT, "");
}

static void test_quoting(void **state)
{
	(void)state;
	check("Acme, Inc.", STORE_T_TEXT, "\"Acme, Inc.\"");
	check("say \"hi\"", STORE_T_TEXT, "\"say \"\"hi\"\"\"");
	check("two\nlines", STORE_T_TEXT, "\"two\nlines\"");
	check("cr\rhere", STORE_T_TEXT, "\"cr\rhere\"");
	check(" padded ", STORE_T_TEXT, "\" padded \"");
}

static void test_formula_injection(void **state)
{
	(void)state;
	check("=HYPERLINK(\"http://x\")", STORE_T_TEXT, "\"'=HYPERLINK(\"\"http://x\"\")\"");
	check("+1 555 0100", STORE_T_TEXT, "\"'+1 555 0100\"");
	check("-cmd", STORE_T_TEXT, "\"'-cmd\"");
	check("@SUM(A1)", STORE_T_TEXT, "\"'@SUM(A1)\"");
	check("\tx", STORE_T_TEXT, "\"'\tx\"");
	/* Numbers stay numbers. */
	check("-125000", STORE_T_INT, "-125000");
	check("-0.5", STORE_T_REAL, "-0.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_formula_injection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
