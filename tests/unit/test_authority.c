/*
 * test_authority.c - unit tests of the one-authority rule
 * (proxy/authority.c): every form of request target (RFC 9112 3.2), the
 * absolute-form authority winning over Host and replacing it, refusals
 * (scheme, userinfo, malformed authority, a target in the wrong form for
 * its method), and authority_apply making the request say one name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authority.h"
#include "util.h"

struct auth_case {
	const char *head;               /* a request head (parses HTTP_OK) */
	enum authority_result want;
	enum authority_form form;       /* when AUTHORITY_OK */
	const char *value, *host;       /* when AUTHORITY_OK */
	int port;
	const char *path, *query;
	bool replaced;
};

#define H(line, host) line " HTTP/1.1\r\nHost: " host "\r\n\r\n"

static const struct auth_case cases[] = {
	/* origin-form: Host is the authority */
	{ H("GET /x?y=1", "www.example.com"), AUTHORITY_OK,
	  AUTHORITY_ORIGIN_FORM, "www.example.com", "www.example.com", 0,
	  "/x", "?y=1", false },
	{ H("GET /", "www.example.com:8443"), AUTHORITY_OK,
	  AUTHORITY_ORIGIN_FORM, "www.example.com:8443", "www.example.com",
	  8443, "/", "", false },
	{ H("GET /", "[::1]:443"), AUTHORITY_OK, AUTHORITY_ORIGIN_FORM,
	  "[::1]:443", "::1", 443, "/", "", false },
	/* a Host that is not host[:port]: OK, no host, for the caller's 4xx */
	{ H("GET /", "a:b:c"), AUTHORITY_OK, AUTHORITY_ORIGIN_FORM, "a:b:c", "",
	  0, "/", "", false },
	{ "GET / HTTP/1.0\r\n\r\n", AUTHORITY_OK, AUTHORITY_ORIGIN_FORM, "", "",
	  0, "/", "", false },
	/* asterisk-form: OPTIONS only */
	{ H("OPTIONS *", "h.example"), AUTHORITY_OK, AUTHORITY_ASTERISK_FORM,
	  "h.example", "h.example", 0, "*", "", false },
	{ H("GET *", "h.example"), AUTHORITY_ERR_FORM, 0, NULL, NULL, 0, NULL,
	  NULL, false },
	/* absolute-form: the target's authority wins, Host is replaced */
	{ H("GET https://www.example.com/x", "evil.test"), AUTHORITY_OK,
	  AUTHORITY_ABSOLUTE_FORM, "www.example.com", "www.example.com", 0,
	  "/x", "", true },
	{ H("GET http://a/", "b"), AUTHORITY_OK, AUTHORITY_ABSOLUTE_FORM, "a",
	  "a", 0, "/", "", true },
	{ H("GET HTTPS://WWW.Example.com:8443/a/b?c#d", "www.example.com:8443"),
	  AUTHORITY_OK, AUTHORITY_ABSOLUTE_FORM, "WWW.Example.com:8443",
	  "WWW.Example.com", 8443, "/a/b", "?c#d", false },
	{ H("GET http://www.example.com", "www.example.com"), AUTHORITY_OK,
	  AUTHORITY_ABSOLUTE_FORM, "www.example.com", "www.example.com", 0,
	  "/", "", false },
	{ H("GET http://www.example.com?q=1", "x"), AUTHORITY_OK,
	  AUTHORITY_ABSOLUTE_FORM, "www.example.com", "www.example.com", 0,
	  "/", "?q=1", true },
	{ H("GET http://[::1]:8080/", "x"), AUTHORITY_OK,
	  AUTHORITY_ABSOLUTE_FORM, "[::1]:8080", "::1", 8080, "/", "", true },
	{ "GET http://a.example/p HTTP/1.0\r\n\r\n", AUTHORITY_OK,
	  AUTHORITY_ABSOLUTE_FORM, "a.example", "a.example", 0, "/p", "",
	  false },
	/* absolute-form refused */
	{ H("GET ftp://www.example.com/", "www.example.com"),
	  AUTHORITY_ERR_SCHEME, 0, NULL, NULL, 0, NULL, NULL, false },
	{ H("GET https://evil.test@www.example.com/", "www.example.com"),
	  AUTHORITY_ERR_USERINFO, 0, NULL, NULL, 0, NULL, NULL, false },
	{ H("GET http://u:p@a/", "a"), AUTHORITY_ERR_USERINFO, 0, NULL, NULL,
	  0, NULL, NULL, false },
	{ H("GET http:///x", "a"), AUTHORITY_ERR_MALFORMED, 0, NULL, NULL, 0,
	  NULL, NULL, false },
	{ H("GET http://a:99999/", "a"), AUTHORITY_ERR_MALFORMED, 0, NULL, NULL,
	  0, NULL, NULL, false },
	{ H("GET http://a:/", "a"), AUTHORITY_ERR_MALFORMED, 0, NULL, NULL, 0,
	  NULL, NULL, false },
	{ H("GET http://a\"b/", "a"), AUTHORITY_ERR_MALFORMED, 0, NULL, NULL,
	  0, NULL, NULL, false },
	{ H("GET http://[::1/", "a"), AUTHORITY_ERR_MALFORMED, 0, NULL, NULL,
	  0, NULL, NULL, false },
	/* neither form */
	{ H("GET www.example.com", "www.example.com"), AUTHORITY_ERR_FORM, 0,
	  NULL, NULL, 0, NULL, NULL, false },
	{ H("GET www.example.com:443", "www.example.com"), AUTHORITY_ERR_FORM,
	  0, NULL, NULL, 0, NULL, NULL, false },
	{ H("GET http:/x", "a"), AUTHORITY_ERR_FORM, 0, NULL, NULL, 0, NULL,
	  NULL, false },
	/* authority-form: CONNECT only, and with a port */
	{ H("CONNECT www.example.com:443", "other"), AUTHORITY_OK,
	  AUTHORITY_AUTHORITY_FORM, "www.example.com:443", "www.example.com",
	  443, "", "", false },
	{ H("CONNECT www.example.com", "www.example.com"),
	  AUTHORITY_ERR_MALFORMED, 0, NULL, NULL, 0, NULL, NULL, false },
	{ H("CONNECT /x", "www.example.com"), AUTHORITY_ERR_FORM, 0, NULL, NULL,
	  0, NULL, NULL, false },
	{ H("CONNECT http://a:443/", "a"), AUTHORITY_ERR_FORM, 0, NULL, NULL, 0,
	  NULL, NULL, false },
	{ H("CONNECT u@a:443", "a"), AUTHORITY_ERR_USERINFO, 0, NULL, NULL, 0,
	  NULL, NULL, false },
};

static void
check_str(const char *what, const char *head, struct http_str got,
    const char *want)
{
	if (got.n != strlen(want) || (got.n > 0 && memcmp(got.p, want,
	    got.n) != 0))
		fail_msg("%s of %s: got '%.*s', want '%s'", what, head,
		    (int)got.n, got.p ? got.p : "", want);
}

static void
test_parse(void **state)
{
	static struct http_request req;

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(cases); i++) {
		const struct auth_case *c = &cases[i];
		struct authority a;
		size_t head_len;

		if (http_parse_request(c->head, strlen(c->head), 8192, &req,
		    &head_len) != HTTP_OK)
			fail_msg("does not parse: %s", c->head);
		enum authority_result r = authority_parse(&req, &a);
		if (r != c->want)
			fail_msg("%s: %s, want %s", c->head,
			    authority_result_str(r), authority_result_str(c->want));
		if (r != AUTHORITY_OK)
			continue;
		if (a.form != c->form)
			fail_msg("%s: form %d, want %d", c->head, a.form, c->form);
		check_str("value", c->head, a.value, c->value);
		check_str("host", c->head, a.host, c->host);
		check_str("path", c->head, a.path, c->path);
		check_str("query", c->head, a.query, c->query);
		if (a.port != c->port)
			fail_msg("%s: port %d, want %d", c->head, a.port, c->port);
		if (a.host_replaced != c->replaced)
			fail_msg("%s: host_replaced %d", c->head, a.host_replaced);
	}
}

/* After authority_apply, Host and req->host say the target's authority;
 * in origin-form nothing changes. */
static void
test_apply(void **state)
{
	static struct http_request req;
	static const char abs[] = "GET https://www.example.com:8443/x HTTP/1.1\r\n"
	    "X-A: 1\r\nHost: evil.test\r\nX-B: 2\r\n\r\n";
	static const char orig[] = "GET /x HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
	struct authority a;
	size_t head_len;

	(void)state;
	assert_int_equal(http_parse_request(abs, strlen(abs), 8192, &req,
	    &head_len), HTTP_OK);
	assert_int_equal(authority_parse(&req, &a), AUTHORITY_OK);
	authority_apply(&req, &a);
	check_str("req->host", abs, req.host, "www.example.com:8443");
	const struct http_header *h = http_find_header(req.headers,
	    req.n_headers, "host");
	assert_non_null(h);
	check_str("Host header", abs, h->value, "www.example.com:8443");
	check_str("X-A", abs, req.headers[0].value, "1");
	check_str("X-B", abs, req.headers[2].value, "2");
	assert_int_equal(req.n_headers, 3);

	assert_int_equal(http_parse_request(orig, strlen(orig), 8192, &req,
	    &head_len), HTTP_OK);
	assert_int_equal(authority_parse(&req, &a), AUTHORITY_OK);
	authority_apply(&req, &a);
	check_str("req->host", orig, req.host, "www.example.com");
}

static void
test_strings(void **state)
{
	(void)state;
	for (int r = 0; r < AUTHORITY_RESULT_COUNT; r++)
		assert_non_null(authority_result_str(r));
	assert_string_equal(authority_result_str(AUTHORITY_RESULT_COUNT),
	    "unknown authority result");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
