/*
 * test_sni.c - unit tests of the name tables and host-name rules
 * (proxy/sni.c): lookup precedence (exact name > exact alias > wildcard),
 * case and trailing dot, one-label wildcards, what a certificate name
 * covers, which names are valid, the host part of a Host header, and the
 * server_name extension's bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sni.h"
#include "util.h"

/* ---- sni_table_lookup --------------------------------------------------- */

/* The hosts of the table; a lookup case names the one it wants by index. */
enum { H_WILD, H_NET, H_BOTH, H_MIXED, H_CDN, H_NONE = -1 };

static int hosts[5];            /* their addresses are the "host" pointers */

struct entry {
	const char *name;
	bool is_alias;
	int host;
};

/* Added in this order, so that precedence cannot come from order. */
static const struct entry entries[] = {
	{ "*.example.com", false, H_WILD },       /* a wildcard host name */
	{ "www.example.net", false, H_NET },
	{ "api.example.com", true, H_NET },       /* alias, also under H_WILD */
	{ "both.example.org", true, H_NET },      /* alias here ... */
	{ "both.example.org", false, H_BOTH },    /* ... a host's name there */
	{ "Mixed.Example.ORG.", false, H_MIXED }, /* stored lowercased, no dot */
	{ "*.cdn.example.net", true, H_CDN },     /* a wildcard alias */
	{ "x.cdn.example.net", true, H_NET },     /* exact alias beats it */
};

struct lookup_case {
	const char *name;
	size_t n;                       /* 0: strlen(name) */
	int want;                       /* H_* or H_NONE */
	enum sni_kind kind;
};

static const struct lookup_case lookup_cases[] = {
	{ "www.example.net", 0, H_NET, SNI_EXACT_NAME },
	{ "WWW.EXAMPLE.NET", 0, H_NET, SNI_EXACT_NAME },
	{ "www.example.net.", 0, H_NET, SNI_EXACT_NAME },
	{ "www.example.netXYZ", 15, H_NET, SNI_EXACT_NAME },
	/* an exact alias beats another host's wildcard name */
	{ "api.example.com", 0, H_NET, SNI_EXACT_ALIAS },
	{ "API.Example.Com.", 0, H_NET, SNI_EXACT_ALIAS },
	/* a host's own name beats another host's alias */
	{ "both.example.org", 0, H_BOTH, SNI_EXACT_NAME },
	{ "mixed.example.org", 0, H_MIXED, SNI_EXACT_NAME },
	{ "MIXED.example.org.", 0, H_MIXED, SNI_EXACT_NAME },
	{ "x.example.com", 0, H_WILD, SNI_WILDCARD },
	{ "X-1.EXAMPLE.COM.", 0, H_WILD, SNI_WILDCARD },
	{ "img.cdn.example.net", 0, H_CDN, SNI_WILDCARD },
	{ "x.cdn.example.net", 0, H_NET, SNI_EXACT_ALIAS },
	/* a wildcard covers exactly one label */
	{ "example.com", 0, H_NONE, 0 },
	{ "a.b.example.com", 0, H_NONE, 0 },
	{ ".example.com", 0, H_NONE, 0 },
	{ "cdn.example.net", 0, H_NONE, 0 },
	{ "a.b.cdn.example.net", 0, H_NONE, 0 },
	/* near misses */
	{ "www.example.ne", 0, H_NONE, 0 },
	{ "ww.example.net", 0, H_NONE, 0 },
	{ "www.example.nett", 0, H_NONE, 0 },
	{ "www.example.net.x", 0, H_NONE, 0 },
	{ "", 0, H_NONE, 0 },
	{ ".", 0, H_NONE, 0 },
	/* one trailing dot is the root; two are not a name */
	{ "www.example.net..", 0, H_NONE, 0 },
	{ "x.example.com..", 0, H_NONE, 0 },
	{ "img.cdn.example.net..", 0, H_NONE, 0 },
	/* the wildcard is not a name to look up */
	{ "*", 0, H_NONE, 0 },
};

static void
test_lookup(void **state)
{
	struct sni_table t;
	size_t i;

	(void)state;
	sni_table_init(&t);
	for (i = 0; i < ES_ARRAY_LEN(entries); i++)
		sni_table_add(&t, entries[i].name, entries[i].is_alias,
		    &hosts[entries[i].host]);
	assert_int_equal(t.n, ES_ARRAY_LEN(entries));
	assert_string_equal(t.v[5].name, "mixed.example.org");
	assert_int_equal(t.v[0].kind, SNI_WILDCARD);
	assert_int_equal(t.v[6].kind, SNI_WILDCARD);

	for (i = 0; i < ES_ARRAY_LEN(lookup_cases); i++) {
		const struct lookup_case *c = &lookup_cases[i];
		size_t n = c->n ? c->n : strlen(c->name);
		enum sni_kind kind = (enum sni_kind)-1;
		void *got = sni_table_lookup(&t, c->name, n, &kind);
		void *want = c->want == H_NONE ? NULL : &hosts[c->want];

		if (got != want)
			fail_msg("lookup \"%.*s\": host %td, want %d", (int)n,
			    c->name, got ? (int *)got - hosts : -1, c->want);
		if (want != NULL && kind != c->kind)
			fail_msg("lookup \"%s\": kind %d, want %d", c->name, kind,
			    c->kind);
		/* kind is optional */
		assert_ptr_equal(sni_table_lookup(&t, c->name, n, NULL), want);
	}
	sni_table_free(&t);
	assert_int_equal(t.n, 0);
	assert_null(sni_table_lookup(&t, "www.example.net", 15, NULL));
}

/* ---- sni_name_match and sni_cert_name_covers ---------------------------- */

struct match_case {
	const char *pattern, *name;
	bool want;
};

static const struct match_case match_cases[] = {
	{ "www.example.com", "www.example.com", true },
	{ "www.example.com", "WWW.Example.COM", true },
	{ "www.example.com", "www.example.com.", true },
	{ "www.example.com", "www.example.com..", false },
	{ "www.example.com", "www.example.co", false },
	{ "*.example.com", "a.example.com", true },
	{ "*.example.com", "A.EXAMPLE.COM.", true },
	{ "*.example.com", "example.com", false },
	{ "*.example.com", ".example.com", false },
	{ "*.example.com", "a.b.example.com", false },
	{ "*.example.com", "aexample.com", false },
	{ "*.example.com", "a.example.com..", false },
	{ "*.example.com", "", false },
	/* a "*" not followed by a dot is a plain character */
	{ "*example.com", "aexample.com", false },
	{ "*example.com", "*example.com", true },
};

static void
test_name_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(match_cases); i++) {
		const struct match_case *c = &match_cases[i];

		if (sni_name_match(c->pattern, c->name, strlen(c->name)) !=
		    c->want)
			fail_msg("sni_name_match(\"%s\", \"%s\"): want %d",
			    c->pattern, c->name, c->want);
	}
	/* n bounds the name: no NUL needed */
	assert_true(sni_name_match("*.example.com", "a.example.comXX", 13));
	assert_false(sni_name_match("*.example.com", "a.example.comXX", 14));
}

static const struct match_case cover_cases[] = {
	/* SAN, configured name */
	{ "www.example.com", "www.example.com", true },
	{ "WWW.example.com", "www.EXAMPLE.com", true },
	{ "*.cloudfront.net", "d111111abcdef8.cloudfront.net", true },
	{ "*.cloudfront.net", "cloudfront.net", false },
	{ "cloudfront.net", "cloudfront.net", true },
	{ "*.cloudfront.net", "a.b.cloudfront.net", false },
	{ "www.example.com", "api.example.com", false },
	/* a wildcard name is covered by the same wildcard only */
	{ "*.cloudfront.net", "*.cloudfront.net", true },
	{ "*.Example.com", "*.example.COM", true },
	{ "*.cloudfront.net", "*.a.cloudfront.net", false },
	{ "www.example.com", "*.example.com", false },
	{ "example.com", "*.example.com", false },
	{ "*.com", "*.example.com", false },
};

static void
test_cert_name_covers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(cover_cases); i++) {
		const struct match_case *c = &cover_cases[i];

		if (sni_cert_name_covers(c->pattern, c->name) != c->want)
			fail_msg("sni_cert_name_covers(san \"%s\", \"%s\"): "
			    "want %d", c->pattern, c->name, c->want);
	}
}

/* ---- sni_name_valid ------------------------------------------------------ */

struct valid_case {
	const char *name;
	bool want;
};

static const struct valid_case valid_cases[] = {
	{ "example.com", true },
	{ "a", true },
	{ "localhost", true },
	{ "www.example.com.", true },
	{ "under_score.example", true },
	{ "xn--bcher-kva.example", true },
	{ "UPPER.Example", true },
	{ "1.2.3.4", true },
	{ "*.example.com", true },
	{ "*.a", true },
	{ "*.example.com.", true },
	{ "", false },
	{ ".", false },
	{ "..", false },
	{ "*", false },
	{ "*.", false },
	{ "*..", false },
	{ "a..b", false },
	{ ".a", false },
	{ "a.b..", false },
	{ "a.*.b", false },
	{ "**.example.com", false },
	{ "*a.example.com", false },
	{ "*.*.example.com", false },
	{ "a.example.*", false },
	{ "a b.example", false },
	{ "a/b.example", false },
	{ "a:443", false },
	{ "caf\xc3\xa9.example", false },
	{ "tab\t.example", false },
};

/* "x" * n */
static char *
repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
expect_valid(const char *s, bool want)
{
	if (sni_name_valid(s, strlen(s)) != want)
		fail_msg("sni_name_valid(\"%s\" (%zu bytes)): want %d", s,
		    strlen(s), want);
}

static void
test_name_valid(void **state)
{
	char buf[600];
	char *l63 = repeat('a', 63), *l64 = repeat('b', 64);
	char *l61 = repeat('c', 61), *l62 = repeat('d', 62);
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(valid_cases); i++)
		expect_valid(valid_cases[i].name, valid_cases[i].want);

	/* labels: 63 bytes pass, 64 do not, wherever they are */
	snprintf(buf, sizeof(buf), "%s.example", l63);
	expect_valid(buf, true);
	snprintf(buf, sizeof(buf), "%s.example", l64);
	expect_valid(buf, false);
	snprintf(buf, sizeof(buf), "www.%s", l64);
	expect_valid(buf, false);
	snprintf(buf, sizeof(buf), "*.%s", l63);
	expect_valid(buf, true);
	snprintf(buf, sizeof(buf), "*.%s", l64);
	expect_valid(buf, false);

	/* the whole name: 253 bytes pass, 254 do not; a trailing dot is
	 * not counted */
	snprintf(buf, sizeof(buf), "%s.%s.%s.%s", l63, l63, l63, l61);
	assert_int_equal(strlen(buf), 253);
	expect_valid(buf, true);
	strcat(buf, ".");
	expect_valid(buf, true);
	snprintf(buf, sizeof(buf), "%s.%s.%s.%s", l63, l63, l63, l62);
	assert_int_equal(strlen(buf), 254);
	expect_valid(buf, false);
	strcat(buf, ".");
	expect_valid(buf, false);
	/* a wildcard name counts its "*." too */
	snprintf(buf, sizeof(buf), "*.%s.%s.%s.%.59s", l63, l63, l63, l61);
	assert_int_equal(strlen(buf), 253);
	expect_valid(buf, true);
	snprintf(buf, sizeof(buf), "*.%s.%s.%s.%.60s", l63, l63, l63, l61);
	assert_int_equal(strlen(buf), 254);
	expect_valid(buf, false);

	/* n bounds the name: no NUL needed */
	assert_true(sni_name_valid("example.com/x", 11));
	assert_false(sni_name_valid("example.com/x", 12));
	assert_false(sni_name_valid("a", 0));
	free(l61);
	free(l62);
	free(l63);
	free(l64);
}

/* ---- sni_host_from_header ----------------------------------------------- */

struct hdr_case {
	const char *value;
	size_t n;                       /* 0: strlen(value) */
	const char *want;               /* NULL: malformed (returns 0) */
};

static const struct hdr_case hdr_cases[] = {
	{ "example.com", 0, "example.com" },
	{ "Example.COM:8443", 0, "Example.COM" },
	{ "example.com:1", 0, "example.com" },
	{ "example.com:65535", 0, "example.com" },
	{ "example.com:08443", 0, "example.com" },
	{ "example.com.", 0, "example.com." },
	{ "example.com:80XXX", 14, "example.com" },
	{ "[::1]:443", 0, "::1" },
	{ "[::1]", 0, "::1" },
	{ "[2001:db8::1]:8443", 0, "2001:db8::1" },
	{ "[::1]:443junk", 9, "::1" },
	/* bad ports */
	{ "example.com:", 0, NULL },
	{ "example.com:65536", 0, NULL },
	{ "example.com:99999", 0, NULL },
	{ "example.com:123456", 0, NULL },
	{ "example.com:8a", 0, NULL },
	{ "example.com:-1", 0, NULL },
	{ "example.com:+80", 0, NULL },
	{ "example.com: 80", 0, NULL },
	{ "example.com:80:80", 0, NULL },
	{ "[::1]:", 0, NULL },
	{ "[::1]:x", 0, NULL },
	{ "[::1]:99999", 0, NULL },
	/* brackets */
	{ "[::1", 0, NULL },
	{ "[]", 0, NULL },
	{ "[]:80", 0, NULL },
	{ "[::1]x", 0, NULL },
	{ "[::1]]:80", 0, NULL },
	{ "::1", 0, NULL },
	/* empty */
	{ "", 0, NULL },
	{ ":80", 0, NULL },
	{ ":", 0, NULL },
};

static void
test_host_from_header(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(hdr_cases); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		size_t n = c->n ? c->n : strlen(c->value);
		const char *start = NULL;
		size_t got = sni_host_from_header(c->value, n, &start);

		if (c->want == NULL) {
			if (got != 0)
				fail_msg("\"%s\": host \"%.*s\", want malformed",
				    c->value, (int)got, start);
			continue;
		}
		if (got != strlen(c->want) || start == NULL ||
		    memcmp(start, c->want, got) != 0)
			fail_msg("\"%s\": host \"%.*s\" (%zu), want \"%s\"",
			    c->value, (int)got, start ? start : "", got, c->want);
		/* the host points into the value, not into a copy */
		assert_true(start >= c->value && start + got <= c->value + n);
	}
}

/* ---- sni_parse_server_name ---------------------------------------------- */

struct ext_case {
	const char *what;
	const char *bytes;
	size_t n;
	int want_rc;
	const char *want;               /* NULL: no host_name entry */
};

static const struct ext_case ext_cases[] = {
	{ "one host_name", "\x00\x0e\x00\x00\x0b" "example.com", 16, 0,
	  "example.com" },
	{ "an empty host_name", "\x00\x03\x00\x00\x00", 5, 0, "" },
	{ "the first host_name wins", "\x00\x08\x00\x00\x01" "a" "\x00\x00\x01"
	  "b", 10, 0, "a" },
	{ "another type first", "\x00\x08\x07\x00\x01" "x" "\x00\x00\x01" "b",
	  10, 0, "b" },
	{ "no host_name entry", "\x00\x04\x01\x00\x01" "x", 6, 0, NULL },
	{ "an empty list", "\x00\x00", 2, 0, NULL },
	{ "too short", "\x00", 1, -1, NULL },
	{ "nothing", "", 0, -1, NULL },
	{ "list longer than the bytes", "\x00\x0f\x00\x00\x0b" "example.com",
	  16, -1, NULL },
	{ "list shorter than the bytes", "\x00\x0d\x00\x00\x0b" "example.com",
	  16, -1, NULL },
	{ "entry overruns the list", "\x00\x04\x00\x00\x02" "a", 6, -1, NULL },
	{ "bytes left after the entries", "\x00\x05\x00\x00\x01" "a" "\x00", 7,
	  -1, NULL },
};

static void
test_parse_server_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(ext_cases); i++) {
		const struct ext_case *c = &ext_cases[i];
		const unsigned char *p = (const unsigned char *)c->bytes;
		const unsigned char *name = (const unsigned char *)"?";
		size_t n = 12345;
		int rc = sni_parse_server_name(p, c->n, &name, &n);

		if (rc != c->want_rc)
			fail_msg("%s: rc %d, want %d", c->what, rc, c->want_rc);
		if (rc < 0)
			continue;
		if (c->want == NULL) {
			if (name != NULL)
				fail_msg("%s: a name, want none", c->what);
			continue;
		}
		if (name == NULL || n != strlen(c->want) ||
		    memcmp(name, c->want, n) != 0)
			fail_msg("%s: \"%.*s\", want \"%s\"", c->what,
			    name ? (int)n : 0, name ? (const char *)name : "",
			    c->want);
		assert_true(name >= p && name + n <= p + c->n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_name_match),
		cmocka_unit_test(test_cert_name_covers),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_host_from_header),
		cmocka_unit_test(test_parse_server_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
