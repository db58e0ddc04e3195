/*
 * test_path.c - unit tests of RFC 3986 path normalisation (proxy/path.c):
 * the examples of RFC 3986 5.2.4 and 6.2.2, the escapes it decodes and
 * the ones it keeps, dot segments made of escapes, climbing above the
 * root, and the promise that the result is never longer than the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "path.h"
#include "util.h"

struct norm_case {
	const char *in, *want;
	unsigned flags;         /* PATH_* expected (PATH_CHANGED is computed) */
};

static const struct norm_case norm_cases[] = {
	/* nothing to do */
	{ "/", "/", 0 },
	{ "/index.html", "/index.html", 0 },
	{ "/a/b/c", "/a/b/c", 0 },
	{ "/a/b/", "/a/b/", 0 },
	{ "//a//b", "//a//b", 0 },              /* slashes are not merged */
	{ "/a\\b", "/a\\b", 0 },                /* a backslash is a byte */
	{ "/..a/b..", "/..a/b..", 0 },          /* not dot segments */
	{ "/.a/.../b", "/.a/.../b", 0 },
	{ "*", "*", 0 },                        /* not a path: copied */
	{ "", "", 0 },
	{ "relative/../x", "relative/../x", 0 },
	/* 6.2.2.2: unreserved escapes are decoded */
	{ "/%61pi/hello", "/api/hello", 0 },
	{ "/%41%42%43", "/ABC", 0 },
	{ "/%7euser", "/~user", 0 },
	{ "/%2D%2e%5F%7E%30", "/-._~0", 0 },
	/* 6.2.2.1: the others stay, with uppercase hex */
	{ "/a%2fb", "/a%2Fb", 0 },
	{ "/a%2Fb", "/a%2Fb", 0 },
	{ "/%20x", "/%20x", 0 },
	{ "/%c3%a9", "/%C3%A9", 0 },
	{ "/%00", "/%00", 0 },
	{ "/%5c..%5csecret", "/%5C..%5Csecret", 0 },
	{ "/%252e%252e/x", "/%252e%252e/x", 0 },  /* decoded once only */
	/* escapes that are not escapes stay as they are */
	{ "/%", "/%", PATH_BAD_ESCAPE },
	{ "/a%2", "/a%2", PATH_BAD_ESCAPE },
	{ "/%zz", "/%zz", PATH_BAD_ESCAPE },
	{ "/%g1/..", "/", PATH_BAD_ESCAPE },
	/* 5.2.4: dot segments */
	{ "/./a", "/a", 0 },
	{ "/a/./b", "/a/b", 0 },
	{ "/a/.", "/a/", 0 },
	{ "/.", "/", 0 },
	{ "/a/b/../c", "/a/c", 0 },
	{ "/a/b/..", "/a/", 0 },
	{ "/a/b/../..", "/", 0 },
	{ "/api/../index.html", "/index.html", 0 },
	{ "/x/../api/hello", "/api/hello", 0 },
	{ "/a/b/c/./../../g", "/a/g", 0 },     /* RFC 3986 5.2.4's example */
	{ "/mid/content=5/../6", "/mid/6", 0 }, /* and its second one */
	{ "/a//..", "/a/", 0 },
	{ "/a/.//b", "/a//b", 0 },
	/* dot segments made of escapes (decoded first, 6.2.2.3) */
	{ "/%2e/a", "/a", 0 },
	{ "/a/%2e%2e/b", "/b", 0 },
	{ "/a/%2E%2E/b", "/b", 0 },
	{ "/a/.%2e/b", "/b", 0 },
	{ "/a/%2e./b", "/b", 0 },
	{ "/a/..%2fb", "/a/..%2Fb", 0 },         /* not a segment: %2F is data */
	/* climbing above the root: dropped, and said */
	{ "/..", "/", PATH_ABOVE_ROOT },
	{ "/../a", "/a", PATH_ABOVE_ROOT },
	{ "/../../etc/passwd", "/etc/passwd", PATH_ABOVE_ROOT },
	{ "/a/../../b", "/b", PATH_ABOVE_ROOT },
	{ "/%2e%2e/secret.txt", "/secret.txt", PATH_ABOVE_ROOT },
	{ "/a.txt%00/../../secret.txt", "/secret.txt", PATH_ABOVE_ROOT },
	{ "/escape-dir/../../secret.txt", "/secret.txt", PATH_ABOVE_ROOT },
};

static void
test_normalize(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(norm_cases); i++) {
		const struct norm_case *c = &norm_cases[i];
		unsigned flags = 0xff;
		size_t n = strlen(c->in);
		size_t got = path_normalize(c->in, n, out, &flags);
		unsigned want = c->flags;

		if (strcmp(c->in, c->want) != 0)
			want |= PATH_CHANGED;
		if (strcmp(out, c->want) != 0 || got != strlen(c->want))
			fail_msg("'%s': got '%s' (%zu), want '%s'", c->in, out,
			    got, c->want);
		if (flags != want)
			fail_msg("'%s': flags %#x, want %#x", c->in, flags, want);
		if (got > n && n > 0)
			fail_msg("'%s': the result is longer", c->in);
	}
}

/* Normalising twice changes nothing more; the input is not read past n. */
static void
test_idempotent_and_bounded(void **state)
{
	char out[256], again[256];

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(norm_cases); i++) {
		const char *in = norm_cases[i].in;
		unsigned flags;
		size_t n = path_normalize(in, strlen(in), out, NULL);
		size_t m = path_normalize(out, n, again, &flags);

		assert_int_equal(n, m);
		assert_string_equal(out, again);
		assert_false(flags & PATH_CHANGED);
	}
	/* Only in[0..n) counts: "/a/.." cut after "/a/." is "/a/". */
	{
		char buf[8];
		size_t n = path_normalize("/a/..xyz", 4, buf, NULL);
		assert_int_equal(n, 3);
		assert_string_equal(buf, "/a/");
	}
	/* A long path of escapes and dots: every length fits n + 1. */
	{
		struct sbuf in;
		sbuf_init(&in);
		for (int k = 0; k < 500; k++)
			sbuf_adds(&in, k % 3 ? "/%2e%2E" : "/%7e.%41");
		char *buf = xmalloc(in.len + 1);
		unsigned flags;
		size_t n = path_normalize(in.s, in.len, buf, &flags);
		assert_true(n <= in.len);
		assert_true(flags & PATH_ABOVE_ROOT);
		free(buf);
		sbuf_free(&in);
	}
}

static void
test_buf(void **state)
{
	struct path_buf b = { NULL, 0 };

	(void)state;
	char *p = path_buf_reserve(&b, 10);
	assert_non_null(p);
	assert_true(b.cap >= 10);
	p = path_buf_reserve(&b, 5000);
	assert_true(b.cap >= 5000);
	memset(p, 'x', 5000);
	path_buf_free(&b);
	assert_null(b.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_idempotent_and_bounded),
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
