/*
 * test_route.c - unit tests of path patterns and the choice of an origin
 * (proxy/route.c): CloudFront cache-behaviour patterns (`*` any run, '/'
 * included; `?` one character; case-sensitive), patterns that would make a
 * naive backtracking matcher take exponential time, and route_pick's order
 * (first match wins, the host's default origin takes the rest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "route.h"
#include "util.h"

struct match_case {
	const char *pattern, *path;
	bool want;
};

static const struct match_case match_cases[] = {
	/* the default behaviour */
	{ "*", "/", true },
	{ "*", "/any/thing.jpg", true },
	{ "*", "", true },
	{ "/*", "/", true },
	{ "/*", "/a/b/c", true },
	{ "/*", "", false },
	{ "/*", "a", false },
	/* a prefix */
	{ "/api/*", "/api/", true },
	{ "/api/*", "/api/v1/users", true },
	{ "/api/*", "/api", false },
	{ "/api/*", "/apiv2/x", false },
	{ "/api/*", "/x/api/y", false },
	{ "/api*", "/api", true },
	{ "/api*", "/apiv2/x", true },
	/* a suffix */
	{ "*.jpg", "/a.jpg", true },
	{ "*.jpg", "/img/2024/a.b.jpg", true },
	{ "*.jpg", ".jpg", true },
	{ "*.jpg", "/a.jpeg", false },
	{ "*.jpg", "/a.jpg/x", false },
	{ "*.jpg", "/a.JPG", false },
	{ "/images/*.jpg", "/images/x/y.jpg", true },
	{ "/images/*.jpg", "/images/x.png", false },
	/* a star in the middle matches any run, '/' and nothing included */
	{ "/a/*/c", "/a/b/c", true },
	{ "/a/*/c", "/a/b/x/c", true },
	{ "/a/*/c", "/a//c", true },
	{ "/a/*/c", "/a/c", false },
	{ "/a/*/c", "/a/b/c/d", false },
	{ "/a/*/c", "/a/b/cc", false },
	/* ? is exactly one character, '/' included */
	{ "/?", "/a", true },
	{ "/?", "/", false },
	{ "/?", "/ab", false },
	{ "/v?/x", "/v1/x", true },
	{ "/v?/x", "/v10/x", false },
	{ "/a?c", "/a/c", true },
	{ "/??", "/ab", true },
	{ "/*?", "/", false },
	{ "/*?", "/a", true },
	{ "/?*", "/abc", true },
	/* exact paths */
	{ "/index.html", "/index.html", true },
	{ "/index.html", "/index.htm", false },
	{ "/index.html", "/index.html5", false },
	{ "/index.html", "/Index.html", false },
	{ "/", "/", true },
	{ "/", "/a", false },
	{ "", "", true },
	{ "", "/", false },
	/* case-sensitive throughout */
	{ "/API/*", "/api/x", false },
	{ "/api/*", "/API/x", false },
	{ "*.PNG", "/a.png", false },
	/* several stars */
	{ "/a*b*c", "/abc", true },
	{ "/a*b*c", "/aXXbYYc", true },
	{ "/a*b*c", "/aXXbYY", false },
	{ "/a*b*c", "/acb", false },
	{ "*a*b*c*", "xxaxxbxxcxx", true },
	{ "*a*b*c*", "xxcxxbxxaxx", false },
	{ "**", "/x", true },
	{ "/**/x", "/x", false },
	{ "/**/x", "//x", true },
	{ "/*/*/*.css", "/a/b/c.css", true },
	{ "/*/*/*.css", "/a/b.css", false },
	{ "*ab", "aab", true },
	{ "*aab", "aaab", true },
	{ "*abab", "abaabab", true },
	{ "*abab", "ababa", false },
	/* the backtrack has to try every start of the star's run */
	{ "*ba", "bbba", true },
	{ "/*a?c", "/abababxc", false },
	{ "/*a?c", "/ababxabc", true },
};

static void
test_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(match_cases); i++) {
		const struct match_case *c = &match_cases[i];

		if (route_match(c->pattern, c->path, strlen(c->path)) !=
		    c->want)
			fail_msg("route_match(\"%s\", \"%s\"): want %d",
			    c->pattern, c->path, c->want);
	}
}

/* n bounds the path: it need not end with a NUL, and a NUL in it is data. */
static void
test_match_length(void **state)
{
	(void)state;
	assert_true(route_match("/api/*", "/api/x?q=1", 6));
	assert_true(route_match("/a", "/abc", 2));
	assert_false(route_match("/abc", "/abc", 3));
	assert_true(route_match("*.jpg", "/x.jpg?size=2", 6));
	assert_false(route_match("/a", "/a\0", 3));
	assert_true(route_match("/a?", "/a\0", 3));
	assert_true(route_match("*", "", 0));
	assert_false(route_match("?", "", 0));
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct slow_case {
	const char *what;
	const char *pattern;            /* NULL: built: "*a" x 40 "*b" */
	char fill;
	size_t len;
	char last;                      /* appended after len fill bytes */
	bool want;
};

static const struct slow_case slow_cases[] = {
	{ "many stars, no match", NULL, 'a', 100000, 'a', false },
	{ "many stars, match at the end", NULL, 'a', 100000, 'b', true },
	{ "star pairs", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", 'a',
	  100000, 'a', false },
	{ "long literal after a star", "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 'a',
	  100000, 'a', false },
	{ "question marks and stars", "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*b",
	  'a', 100000, 'a', false },
};

/* Pathological patterns finish at once: no exponential backtracking. */
static void
test_match_pathological(void **state)
{
	char pattern[256];
	size_t i, k, o;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(slow_cases); i++) {
		const struct slow_case *c = &slow_cases[i];
		char *path = xmalloc(c->len + 2);
		const char *pat = c->pattern;
		double t0;
		bool got;

		if (pat == NULL) {
			for (k = 0, o = 0; k < 40; k++) {
				pattern[o++] = '*';
				pattern[o++] = 'a';
			}
			memcpy(pattern + o, "*b", 3);
			pat = pattern;
		}
		memset(path, c->fill, c->len);
		path[c->len] = c->last;
		path[c->len + 1] = '\0';
		t0 = now_s();
		got = route_match(pat, path, c->len + 1);
		if (got != c->want)
			fail_msg("%s: got %d, want %d", c->what, got, c->want);
		/* O(pattern * path) is a few million steps; allow for a slow
		 * sanitizer build, not for 2^40. */
		if (now_s() - t0 > 2.0)
			fail_msg("%s: took %.2fs", c->what, now_s() - t0);
		free(path);
	}
}

/* ---- route_pick ------------------------------------------------------------ */

static struct conf_origin o_default, o_api, o_img, o_v1;

struct pick_case {
	const char *path;
	struct conf_origin *want;
	int route;                      /* index of the route, -1: the default */
};

/* struct conf_route holds char *, the config's own copies. */
#define P(s) ((char *)(s))

static struct conf_route routes[] = {
	{ P("/api/v1/*"), P("v1"), &o_v1, 10 },
	{ P("/api/*"), P("api"), &o_api, 11 },
	{ P("*.jpg"), P("img"), &o_img, 12 },
	{ P("/api/v1/special"), P("img"), &o_img, 13 }, /* shadowed by route 0 */
};

static const struct pick_case pick_cases[] = {
	{ "/api/v1/users", &o_v1, 0 },
	{ "/api/v1/special", &o_v1, 0 },         /* first match wins */
	{ "/api/v2/users", &o_api, 1 },
	{ "/api/x.jpg", &o_api, 1 },             /* earlier route wins over *.jpg */
	{ "/img/a.jpg", &o_img, 2 },
	{ "/", &o_default, -1 },
	{ "/API/v1/x", &o_default, -1 },
	{ "/api", &o_default, -1 },
	{ "", &o_default, -1 },
};

static void
test_pick(void **state)
{
	struct conf_host host;
	size_t i;

	(void)state;
	memset(&host, 0, sizeof(host));
	host.origin = &o_default;
	host.routes = routes;
	host.n_routes = ES_ARRAY_LEN(routes);
	for (i = 0; i < ES_ARRAY_LEN(pick_cases); i++) {
		const struct pick_case *c = &pick_cases[i];
		const struct conf_route *r = (const struct conf_route *)1;
		struct conf_origin *got = route_pick(&host, c->path,
		    strlen(c->path), &r);

		if (got != c->want)
			fail_msg("route_pick(\"%s\"): wrong origin", c->path);
		if (c->route < 0 ? r != NULL : r != &routes[c->route])
			fail_msg("route_pick(\"%s\"): route %td, want %d",
			    c->path, r ? r - routes : -1, c->route);
		/* route is optional */
		assert_ptr_equal(route_pick(&host, c->path, strlen(c->path),
		    NULL), c->want);
	}

	/* No routes at all: always the default. */
	host.n_routes = 0;
	assert_ptr_equal(route_pick(&host, "/api/v1/x", 9, NULL), &o_default);
	/* A catch-all route leaves nothing for the default. */
	{
		struct conf_route all = { P("*"), P("api"), &o_api, 1 };
		const struct conf_route *r = NULL;

		host.routes = &all;
		host.n_routes = 1;
		assert_ptr_equal(route_pick(&host, "/", 1, &r), &o_api);
		assert_ptr_equal(r, &all);
		assert_ptr_equal(route_pick(&host, "", 0, &r), &o_api);
	}
}

/* ---- route_decide ------------------------------------------------------------ */

struct decide_case {
	const char *head;
	enum authority_result result;
	int host;                       /* 0: www, 1: other, -1: none */
	struct conf_origin *want;
	const char *path, *target;      /* normalised */
};

#define REQ(line, host) line " HTTP/1.1\r\nHost: " host "\r\n\r\n"

static const struct decide_case decide_cases[] = {
	{ REQ("GET /api/v2/x", "www.example.com"), AUTHORITY_OK, 0, &o_api,
	  "/api/v2/x", "/api/v2/x" },
	/* the normalised path decides the route, not the raw one */
	{ REQ("GET /api/../index.html", "www.example.com"), AUTHORITY_OK, 0,
	  &o_default, "/index.html", "/index.html" },
	{ REQ("GET /%61pi/hello?a=%61", "www.example.com"), AUTHORITY_OK, 0,
	  &o_api, "/api/hello", "/api/hello?a=%61" },
	{ REQ("GET /x/../api/v1/y", "WWW.EXAMPLE.COM."), AUTHORITY_OK, 0, &o_v1,
	  "/api/v1/y", "/api/v1/y" },
	{ REQ("GET /img/%2e%2e/a.jpg", "www.example.com"), AUTHORITY_OK, 0,
	  &o_img, "/a.jpg", "/a.jpg" },
	{ REQ("GET /api%2f..%2fadmin", "www.example.com"), AUTHORITY_OK, 0,
	  &o_default, "/api%2F..%2Fadmin", "/api%2F..%2Fadmin" },
	/* the absolute-form authority, not Host, chooses the host */
	{ REQ("GET https://www.example.com/api/x", "evil.test"), AUTHORITY_OK,
	  0, &o_api, "/api/x", "/api/x" },
	{ REQ("GET https://evil.test/api/x", "www.example.com"), AUTHORITY_OK,
	  -1, NULL, NULL, NULL },
	{ REQ("GET https://a.other.example/", "www.example.com"), AUTHORITY_OK,
	  1, &o_default, "/", "/" },
	{ REQ("GET /", "nope.example"), AUTHORITY_OK, -1, NULL, NULL, NULL },
	{ REQ("GET /", "www.example.com:99999"), AUTHORITY_OK, -1, NULL, NULL,
	  NULL },
	{ REQ("GET https://u@www.example.com/", "www.example.com"),
	  AUTHORITY_ERR_USERINFO, -1, NULL, NULL, NULL },
	{ REQ("GET www.example.com", "www.example.com"), AUTHORITY_ERR_FORM, -1,
	  NULL, NULL, NULL },
};

static void
test_decide(void **state)
{
	static struct http_request req;
	struct conf_host www, other;
	struct sni_table t;
	struct path_buf buf = { NULL, 0 };

	(void)state;
	memset(&www, 0, sizeof(www));
	memset(&other, 0, sizeof(other));
	www.origin = other.origin = &o_default;
	www.routes = routes;
	www.n_routes = ES_ARRAY_LEN(routes);
	sni_table_init(&t);
	sni_table_add(&t, "www.example.com", false, &www);
	sni_table_add(&t, "*.other.example", true, &other);
	for (size_t i = 0; i < ES_ARRAY_LEN(decide_cases); i++) {
		const struct decide_case *c = &decide_cases[i];
		struct route_decision d;
		size_t head_len;

		assert_int_equal(http_parse_request(c->head, strlen(c->head),
		    8192, &req, &head_len), HTTP_OK);
		route_decide(&t, &req, &buf, &d);
		if (d.result != c->result)
			fail_msg("%s: %s", c->head, authority_result_str(d.result));
		const struct conf_host *want_host = c->host == 0 ? &www :
		    c->host == 1 ? &other : NULL;
		if (d.host != want_host)
			fail_msg("%s: wrong host", c->head);
		if (d.host == NULL)
			continue;
		if (d.origin != c->want)
			fail_msg("%s: wrong origin", c->head);
		if (d.path.n != strlen(c->path) ||
		    memcmp(d.path.p, c->path, d.path.n) != 0)
			fail_msg("%s: path '%.*s', want '%s'", c->head,
			    (int)d.path.n, d.path.p, c->path);
		if (d.target.n != strlen(c->target) ||
		    memcmp(d.target.p, c->target, d.target.n) != 0)
			fail_msg("%s: target '%.*s', want '%s'", c->head,
			    (int)d.target.n, d.target.p, c->target);
	}
	path_buf_free(&buf);
	sni_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_length),
		cmocka_unit_test(test_match_pathological),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
