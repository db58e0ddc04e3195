/*
 * test_explain.c - `edgesim explain`'s reading of what users paste
 * (proxy/cli/explain.c): every form a reference is copied in, from a
 * header, Akamai's page as a browser shows it, the same page as curl
 * prints its HTML, its errors.edgesuite.net link, CloudFront's page, and
 * what must be refused. Also the log line parser explain reads records
 * with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "cli/explain.h"
#include "story.h"

#define AK "30.100007f.1796002610.2b34000991"
#define AK_HTML "30&#46;100007f&#46;1796002610&#46;2b34000991"
#define CF "RMhiJrEUTIsmt7UinFAh432Dqv9r0cz50YpUTk7R2G8-a6AZfJJNyw=="

static const struct {
	const char *in;
	const char *want;       /* NULL: refused (-1) */
} norm_rows[] = {
	/* the header's value, and the forms of Akamai's page */
	{ AK, AK },
	{ "  " AK " \r\n", AK },
	{ "#" AK, AK },
	{ "Reference #" AK, AK },
	{ "reference  # " AK, AK },
	{ "Reference #" AK ".", AK },               /* end of a sentence */
	{ "\"" AK "\"", AK },
	{ "'#" AK "'", AK },
	{ "Reference&#32;&#35;" AK_HTML, AK },      /* curl's view of the page */
	{ "Reference&#x20;&#x23;" AK_HTML, AK },
	{ "https://errors.edgesuite.net/" AK, AK },
	{ "http://errors.edgesuite.net/" AK "/", AK },
	{ "errors.edgesuite.net/" AK, AK },
	{ "<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;" AK_HTML
	  "</P>", AK },
	/* header and log lines */
	{ "X-Edgesim-Ref: " AK "\r", AK },
	{ "x-edgesim-ref:" AK, AK },
	{ "ref=" AK, AK },
	{ "ref=\"" CF "\"", CF },
	/* CloudFront and plain */
	{ CF, CF },
	{ "X-Amz-Cf-Id: " CF, CF },
	{ "Request ID: " CF, CF },
	{ "Reference: es-6b040092-5e7b000015", "es-6b040092-5e7b000015" },
	{ "0.100007f.1796006998.267d000001", "0.100007f.1796006998.267d000001" },
	/* refused */
	{ "", NULL },
	{ "   ", NULL },
	{ "#", NULL },
	{ "Reference #", NULL },
	{ "https://errors.edgesuite.net/", NULL },
	{ "<P></P>", NULL },
	{ AK " " AK, NULL },                        /* two of them */
	{ "30.100007f;rm -rf", NULL },
	{ "30.100007f/../x", NULL },
	{ "30&#0;1", NULL },                        /* a NUL by entity */
	{ "30&#200;1", NULL },                      /* not ASCII */
	{ "caf\xc3\xa9", NULL },
};

static void
test_normalize_table(void **state)
{
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(norm_rows) / sizeof(norm_rows[0]); i++) {
		int rc = explain_ref_normalize(norm_rows[i].in, out, sizeof(out));
		if (norm_rows[i].want == NULL) {
			if (rc != -1)
				fail_msg("row %zu '%s': accepted as '%s'", i,
				    norm_rows[i].in, out);
			continue;
		}
		if (rc != 0)
			fail_msg("row %zu '%s': refused", i, norm_rows[i].in);
		if (strcmp(out, norm_rows[i].want) != 0)
			fail_msg("row %zu '%s': got '%s', want '%s'", i,
			    norm_rows[i].in, out, norm_rows[i].want);
	}
}

/* Normalizing what it returned gives the same (the CLI may do it twice). */
static void
test_normalize_idempotent(void **state)
{
	char once[128], twice[128];

	(void)state;
	for (size_t i = 0; i < sizeof(norm_rows) / sizeof(norm_rows[0]); i++) {
		if (norm_rows[i].want == NULL)
			continue;
		assert_int_equal(explain_ref_normalize(norm_rows[i].in, once,
		    sizeof(once)), 0);
		assert_int_equal(explain_ref_normalize(once, twice,
		    sizeof(twice)), 0);
		assert_string_equal(once, twice);
	}
}

/* The output's size is a hard limit, the NUL included; bad arguments
 * are refused, not crashed on. */
static void
test_normalize_bounds(void **state)
{
	char out[sizeof(AK)];           /* exactly the reference and its NUL */
	char small[sizeof(AK) - 1];

	(void)state;
	assert_int_equal(explain_ref_normalize(AK, out, sizeof(out)), 0);
	assert_string_equal(out, AK);
	assert_int_equal(explain_ref_normalize(AK, small, sizeof(small)), -1);
	/* the decoded text must fit, label included */
	assert_int_equal(explain_ref_normalize("Reference&#32;&#35;" AK_HTML,
	    out, sizeof(out)), -1);
	assert_int_equal(explain_ref_normalize(NULL, out, sizeof(out)), -1);
	assert_int_equal(explain_ref_normalize(AK, NULL, 10), -1);
	assert_int_equal(explain_ref_normalize(AK, out, 0), -1);
}

/* The two log formats explain reads, to the same fields. */
static void
test_parse_line(void **state)
{
	static const char *const lines[] = {
		"2026-11-30T02:49:59.244Z request ref=" AK " id=2b34000991 "
		"edge=akamai status=503 code=ERR_FWD_SSL_HANDSHAKE "
		"sub=no_certificate detail=\"alert 40 handshake_failure\"\n",
		"{\"ts\":\"2026-11-30T02:49:59.244Z\",\"event\":\"request\","
		"\"ref\":\"" AK "\",\"id\":\"2b34000991\",\"edge\":\"akamai\","
		"\"status\":503,\"code\":\"ERR_FWD_SSL_HANDSHAKE\","
		"\"sub\":\"no_certificate\","
		"\"detail\":\"alert 40 handshake_failure\"}\n",
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct story_fields f;
		assert_int_equal(story_parse_line(lines[i], &f), 0);
		assert_string_equal(f.event, "request");
		assert_string_equal(f.ts, "2026-11-30T02:49:59.244Z");
		assert_string_equal(story_get(&f, "ref"), AK);
		assert_string_equal(story_get(&f, "status"), "503");
		assert_string_equal(story_get(&f, "detail"),
		    "alert 40 handshake_failure");
		assert_null(story_get(&f, "fix"));
		story_fields_free(&f);
	}
	struct story_fields f;
	assert_int_equal(story_parse_line("{\"ref\":\"x\"}", &f), -1);
	story_fields_free(&f);
	assert_int_equal(story_parse_line("no-space-here", &f), -1);
	story_fields_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_idempotent),
		cmocka_unit_test(test_normalize_bounds),
		cmocka_unit_test(test_parse_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
