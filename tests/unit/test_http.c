/*
 * test_http.c - unit tests of the HTTP/1.1 head parser and the chunked-body
 * scanner (proxy/http.c, http_fields.c, http_chunked.c): valid heads,
 * every prefix of them, each error code, the request-smuggling shapes the
 * parser must refuse, responses and their framing, the chunked scanner
 * under every split of its input, and the helpers (hop-by-hop, target
 * path, result strings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"
#include "util.h"

#define MAX_HEAD 8192

/* Fail naming the table case, since a bare line number is not enough. */
#define expect_eq(name, what, got, want) do {                           \
	long long g_ = (long long)(got), w_ = (long long)(want);        \
	if (g_ != w_)                                                   \
		fail_msg("%s: %s is %lld, want %lld", (name), (what), g_, w_); \
} while (0)

static void
expect_str(const char *name, const char *what, struct http_str got,
    const char *want)
{
	if (got.n != strlen(want) ||
	    (got.n > 0 && memcmp(got.p, want, got.n) != 0))
		fail_msg("%s: %s is \"%.*s\", want \"%s\"", name, what,
		    (int)got.n, got.p != NULL ? got.p : "", want);
}

static struct http_str
S(const char *s)
{
	struct http_str r = { s, strlen(s) };

	return r;
}

/* ---- valid requests ---------------------------------------------------- */

struct req_ok {
	const char *name;
	const char *in;
	size_t head_len;                /* 0: all of in */
	const char *method, *target, *host;
	int minor;
	size_t n_headers;
	enum http_body body;
	int64_t cl;
	bool keep_alive, expect_continue, is_head;
};

static const struct req_ok req_ok[] = {
	{ "simple GET", "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n", 0,
	  "GET", "/", "a.example", 1, 1, HTTP_BODY_NONE, -1, true, false,
	  false },
	{ "POST with Content-Length",
	  "POST /up?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
	  53, "POST", "/up?x=1", "h", 1, 2, HTTP_BODY_LENGTH, 5, true, false,
	  false },
	{ "chunked POST",
	  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5\r\nhello\r\n0\r\n\r\n", 56, "POST", "/", "h", 1, 2,
	  HTTP_BODY_CHUNKED, -1, true, false, false },
	{ "chunked, case and blanks",
	  "POST / HTTP/1.1\r\nHost: h\r\ntransfer-encoding:\t CHUNKED \r\n\r\n",
	  0, "POST", "/", "h", 1, 2, HTTP_BODY_CHUNKED, -1, true, false, false },
	{ "HTTP/1.0 keep-alive",
	  "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0,
	  "GET", "/x", "", 0, 1, HTTP_BODY_NONE, -1, true, false, false },
	{ "HTTP/1.0 without keep-alive", "GET /x HTTP/1.0\r\n\r\n", 0,
	  "GET", "/x", "", 0, 0, HTTP_BODY_NONE, -1, false, false, false },
	{ "HTTP/1.1 close in a list",
	  "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n", 0,
	  "GET", "/", "h", 1, 2, HTTP_BODY_NONE, -1, false, false, false },
	{ "close in a second Connection header",
	  "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n"
	  "Connection: close\r\n\r\n", 0,
	  "GET", "/", "h", 1, 3, HTTP_BODY_NONE, -1, false, false, false },
	{ "absolute-form target",
	  "GET http://a.example:8080/p?q HTTP/1.1\r\nHost: a.example:8080\r\n\r\n",
	  0, "GET", "http://a.example:8080/p?q", "a.example:8080", 1, 1,
	  HTTP_BODY_NONE, -1, true, false, false },
	{ "leading CRLFs", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  "GET", "/", "h", 1, 1, HTTP_BODY_NONE, -1, true, false, false },
	{ "leading bare LF", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  "GET", "/", "h", 1, 1, HTTP_BODY_NONE, -1, true, false, false },
	{ "bare LF line endings", "GET / HTTP/1.1\nHost: h\nX: y\n\n", 0,
	  "GET", "/", "h", 1, 2, HTTP_BODY_NONE, -1, true, false, false },
	{ "HEAD", "HEAD /i HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	  "HEAD", "/i", "h", 1, 1, HTTP_BODY_NONE, -1, true, false, true },
	{ "Expect 100-continue",
	  "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
	  "Content-Length: 0\r\n\r\n", 0, "PUT", "/", "h", 1, 3,
	  HTTP_BODY_LENGTH, 0, true, true, false },
	{ "Expect ignored from HTTP/1.0",
	  "PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", 0,
	  "PUT", "/", "", 0, 1, HTTP_BODY_NONE, -1, false, false, false },
	{ "identical Content-Length copies",
	  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n"
	  "Content-Length: 7, 007\r\n\r\n", 0, "POST", "/", "h", 1, 3,
	  HTTP_BODY_LENGTH, 7, true, false, false },
	{ "largest Content-Length",
	  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n",
	  0, "POST", "/", "h", 1, 2, HTTP_BODY_LENGTH, INT64_MAX, true, false,
	  false },
	{ "asterisk-form, extension method, empty values",
	  "OPTIONS * HTTP/1.1\r\nHost:\r\nX-Empty:   \r\n\r\n", 0,
	  "OPTIONS", "*", "", 1, 2, HTTP_BODY_NONE, -1, true, false, false },
	{ "IPv6 Host with port",
	  "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n", 0,
	  "GET", "/", "[2001:db8::1]:8443", 1, 1, HTTP_BODY_NONE, -1, true,
	  false, false },
	{ "obs-text in a value",
	  "GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n", 0,
	  "GET", "/", "h", 1, 2, HTTP_BODY_NONE, -1, true, false, false },
};

static void
check_req_ok(const struct req_ok *c, const struct http_request *req)
{
	expect_str(c->name, "method", req->method, c->method);
	expect_str(c->name, "target", req->target, c->target);
	expect_str(c->name, "host", req->host, c->host);
	expect_eq(c->name, "version_minor", req->version_minor, c->minor);
	expect_eq(c->name, "n_headers", req->n_headers, c->n_headers);
	expect_eq(c->name, "body", req->body, c->body);
	expect_eq(c->name, "content_length", req->content_length, c->cl);
	expect_eq(c->name, "keep_alive", req->keep_alive, c->keep_alive);
	expect_eq(c->name, "expect_continue", req->expect_continue,
	    c->expect_continue);
	expect_eq(c->name, "is_head", req->is_head, c->is_head);
}

static void
test_request_valid(void **state)
{
	static struct http_request req;
	size_t i, head_len;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(req_ok); i++) {
		const struct req_ok *c = &req_ok[i];
		size_t len = strlen(c->in);
		size_t want = c->head_len ? c->head_len : len;

		head_len = 0;
		expect_eq(c->name, "result",
		    http_parse_request(c->in, len, MAX_HEAD, &req, &head_len),
		    HTTP_OK);
		expect_eq(c->name, "head_len", head_len, want);
		check_req_ok(c, &req);
	}
}

/* Every proper prefix of a head is incomplete; the whole is not. */
static void
test_request_prefixes(void **state)
{
	static struct http_request req;
	size_t i, k, head_len;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(req_ok); i++) {
		const struct req_ok *c = &req_ok[i];
		size_t len = strlen(c->in);
		size_t want = c->head_len ? c->head_len : len;

		for (k = 0; k < want; k++) {
			enum http_result r = http_parse_request(c->in, k,
			    MAX_HEAD, &req, &head_len);

			if (r != HTTP_INCOMPLETE)
				fail_msg("%s: prefix of %zu bytes gives %s",
				    c->name, k, http_result_str(r));
		}
		/* The head alone, and with its body after it. */
		for (k = want; k <= len; k++) {
			head_len = 0;
			expect_eq(c->name, "result", http_parse_request(c->in,
			    k, MAX_HEAD, &req, &head_len), HTTP_OK);
			expect_eq(c->name, "head_len", head_len, want);
		}
		/* max_head exactly the head's size is enough. */
		expect_eq(c->name, "result at max_head == head_len",
		    http_parse_request(c->in, len, want, &req, &head_len),
		    HTTP_OK);
	}
}

static void
test_request_headers_stored(void **state)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost:  h  \r\n"
	    "X-A: one two \t\r\nx-b:\r\nX-A: again\r\n\r\n";
	static struct http_request req;
	const struct http_header *h;
	size_t head_len;

	(void)state;
	assert_int_equal(http_parse_request(in, sizeof(in) - 1, MAX_HEAD, &req,
	    &head_len), HTTP_OK);
	assert_int_equal(req.n_headers, 4);
	expect_str("stored", "name 0", req.headers[0].name, "Host");
	expect_str("stored", "value 0", req.headers[0].value, "h");
	expect_str("stored", "value 1", req.headers[1].value, "one two");
	expect_str("stored", "value 2", req.headers[2].value, "");
	h = http_find_header(req.headers, req.n_headers, "X-B");
	assert_ptr_equal(h, &req.headers[2]);
	h = http_find_header(req.headers, req.n_headers, "x-a");
	assert_ptr_equal(h, &req.headers[1]);
	assert_null(http_find_header(req.headers, req.n_headers, "x-c"));
	assert_null(http_find_header(req.headers, req.n_headers, "x-"));
	/* Values point into the buffer, not into a copy. */
	assert_ptr_equal(req.headers[0].value.p, in + 23);
}

/* ---- request errors ---------------------------------------------------- */

struct req_err {
	const char *name;
	const char *in;
	size_t len;                     /* 0: strlen(in) */
	size_t max_head;                /* 0: MAX_HEAD */
	enum http_result want;
};

#define HOST "Host: h\r\n"

static const struct req_err req_err[] = {
	/* request line */
	{ "no spaces", "GET\r\n\r\n", 0, 0, HTTP_ERR_REQUEST_LINE },
	{ "HTTP/0.9 form", "GET /\r\n\r\n", 0, 0, HTTP_ERR_REQUEST_LINE },
	{ "junk after version", "GET / HTTP/1.1junk\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "junk after version, no LF yet", "GET / HTTP/1.1x", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "space after version", "GET / HTTP/1.1 \r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "lowercase http", "GET / http/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "space in target", "GET /a b HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "bare CR in request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "bare CR before request line", "\rGET / HTTP/1.1\r\n\r\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	{ "CR CR LF", "GET / HTTP/1.1\r\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_REQUEST_LINE },
	/* method */
	{ "empty method", " / HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_METHOD },
	{ "bad method byte", "G(T / HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_METHOD },
	{ "NUL in method", "GE\0T / HTTP/1.1\r\n\r\n", 19, 0,
	  HTTP_ERR_METHOD },
	{ "tab after method", "GET\t/ HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_METHOD },
	/* TLS records arrive on the plain port: fail on the first byte. */
	{ "TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	  11, 0, HTTP_ERR_METHOD },
	{ "TLS ClientHello, one byte", "\x16", 1, 0, HTTP_ERR_METHOD },
	{ "bad method, no LF yet", "GET/", 0, 0, HTTP_ERR_METHOD },
	/* target */
	{ "empty target", "GET  HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_TARGET },
	{ "control byte in target", "GET /\x01 HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_TARGET },
	{ "DEL in target", "GET /\x7f HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_TARGET },
	{ "UTF-8 in target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_TARGET },
	{ "NUL in target, no LF yet", "GET /\0", 6, 0, HTTP_ERR_TARGET },
	{ "tab in target", "GET /\t HTTP/1.1\r\n" HOST "\r\n", 0, 0,
	  HTTP_ERR_TARGET },
	/* version */
	{ "HTTP/2.0", "GET / HTTP/2.0\r\n" HOST "\r\n", 0, 0, HTTP_ERR_VERSION },
	{ "HTTP/1.2", "GET / HTTP/1.2\r\n" HOST "\r\n", 0, 0, HTTP_ERR_VERSION },
	{ "h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, 0,
	  HTTP_ERR_VERSION },
	{ "HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", 0, 0,
	  HTTP_ERR_VERSION },
	/* header lines */
	{ "space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0, 0,
	  HTTP_ERR_HEADER },
	{ "no colon", "GET / HTTP/1.1\r\n" HOST "Foo\r\n\r\n", 0, 0,
	  HTTP_ERR_HEADER },
	{ "empty name", "GET / HTTP/1.1\r\n" HOST ": v\r\n\r\n", 0, 0,
	  HTTP_ERR_HEADER },
	{ "obs-fold", "GET / HTTP/1.1\r\n" HOST "X: a\r\n b\r\n\r\n", 0, 0,
	  HTTP_ERR_HEADER },
	{ "blank line start after request line",
	  "GET / HTTP/1.1\r\n " HOST "\r\n", 0, 0, HTTP_ERR_HEADER },
	{ "bare CR in value", "GET / HTTP/1.1\r\n" HOST "X: a\rb\r\n\r\n", 0,
	  0, HTTP_ERR_HEADER },
	{ "bare CR ending a header line", "GET / HTTP/1.1\r\n" HOST "X: a\r\r\n\r\n",
	  0, 0, HTTP_ERR_HEADER },
	{ "NUL in value", "GET / HTTP/1.1\r\nX: a\0b\r\n" HOST "\r\n", 35, 0,
	  HTTP_ERR_HEADER },
	{ "control byte in value", "GET / HTTP/1.1\r\n" HOST "X: \x0b\r\n\r\n",
	  0, 0, HTTP_ERR_HEADER },
	{ "bad byte in name", "GET / HTTP/1.1\r\n" HOST "X(y): z\r\n\r\n", 0, 0,
	  HTTP_ERR_HEADER },
	{ "bare CR as the final empty line", "GET / HTTP/1.1\r\n" HOST "\rX",
	  0, 0, HTTP_ERR_HEADER },
	/* a bad header fails before the head is complete */
	{ "bad header, head incomplete", "GET / HTTP/1.1\r\nHost : h\r\nX:", 0,
	  0, HTTP_ERR_HEADER },
	{ "bad name byte, line incomplete", "GET / HTTP/1.1\r\n" HOST "X\x01",
	  0, 0, HTTP_ERR_HEADER },
	{ "space before colon, line incomplete",
	  "GET / HTTP/1.1\r\n" HOST "Transfer-Encoding :", 0, 0,
	  HTTP_ERR_HEADER },
	{ "bare CR in value, line incomplete", "GET / HTTP/1.1\r\n" HOST
	  "X: a\rb", 0, 0, HTTP_ERR_HEADER },
	/* Content-Length */
	{ "CL plus sign", "POST / HTTP/1.1\r\n" HOST "Content-Length: +5\r\n\r\n",
	  0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL minus", "POST / HTTP/1.1\r\n" HOST "Content-Length: -1\r\n\r\n",
	  0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL underscore", "POST / HTTP/1.1\r\n" HOST "Content-Length: 1_0\r\n\r\n",
	  0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL hex", "POST / HTTP/1.1\r\n" HOST "Content-Length: 0x10\r\n\r\n",
	  0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL empty", "POST / HTTP/1.1\r\n" HOST "Content-Length:\r\n\r\n",
	  0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL inner space", "POST / HTTP/1.1\r\n" HOST "Content-Length: 1 0\r\n\r\n",
	  0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL overflow", "POST / HTTP/1.1\r\n" HOST
	  "Content-Length: 9223372036854775808\r\n\r\n", 0, 0,
	  HTTP_ERR_CONTENT_LENGTH },
	{ "CL far overflow", "POST / HTTP/1.1\r\n" HOST
	  "Content-Length: 99999999999999999999999999\r\n\r\n", 0, 0,
	  HTTP_ERR_CONTENT_LENGTH },
	{ "two different CLs", "POST / HTTP/1.1\r\n" HOST
	  "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 0, 0,
	  HTTP_ERR_CONTENT_LENGTH },
	{ "CL list differing", "POST / HTTP/1.1\r\n" HOST
	  "Content-Length: 5, 6\r\n\r\n", 0, 0, HTTP_ERR_CONTENT_LENGTH },
	{ "CL list with empty element", "POST / HTTP/1.1\r\n" HOST
	  "Content-Length: 5,\r\n\r\n", 0, 0, HTTP_ERR_CONTENT_LENGTH },
	/* CL and TE */
	{ "CL then TE", "POST / HTTP/1.1\r\n" HOST "Content-Length: 5\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 0, 0, HTTP_ERR_CL_AND_TE },
	{ "TE then CL", "POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n"
	  "Content-Length: 5\r\n\r\n", 0, 0, HTTP_ERR_CL_AND_TE },
	/* Transfer-Encoding */
	{ "chunked, identity", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding: chunked, identity\r\n\r\n", 0, 0,
	  HTTP_ERR_TRANSFER_ENCODING },
	{ "chunked then another TE header", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
	  0, 0, HTTP_ERR_TRANSFER_ENCODING },
	{ "chunked twice", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding: chunked, chunked\r\n\r\n", 0, 0,
	  HTTP_ERR_TRANSFER_ENCODING },
	{ "gzip, chunked in a request", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding: gzip, chunked\r\n\r\n", 0, 0,
	  HTTP_ERR_TRANSFER_ENCODING },
	{ "unknown coding", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding: xchunked\r\n\r\n", 0, 0,
	  HTTP_ERR_TRANSFER_ENCODING },
	{ "empty TE", "POST / HTTP/1.1\r\n" HOST "Transfer-Encoding:\r\n\r\n",
	  0, 0, HTTP_ERR_TRANSFER_ENCODING },
	{ "chunked in HTTP/1.0", "POST / HTTP/1.0\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 0, 0,
	  HTTP_ERR_TRANSFER_ENCODING },
	{ "TE with space before colon", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding : chunked\r\n\r\n", 0, 0, HTTP_ERR_HEADER },
	{ "TE folded in", "POST / HTTP/1.1\r\n" HOST
	  " Transfer-Encoding: chunked\r\n\r\n", 0, 0, HTTP_ERR_HEADER },
	{ "TE with vertical tab", "POST / HTTP/1.1\r\n" HOST
	  "Transfer-Encoding:\x0b" "chunked\r\n\r\n", 0, 0, HTTP_ERR_HEADER },
	/* Host */
	{ "no Host", "GET / HTTP/1.1\r\n\r\n", 0, 0, HTTP_ERR_NO_HOST },
	{ "two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 0, 0,
	  HTTP_ERR_MULTIPLE_HOST },
	{ "two identical Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
	  0, 0, HTTP_ERR_MULTIPLE_HOST },
	{ "space in Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, 0,
	  HTTP_ERR_HEADER },
	{ "slash in Host", "GET / HTTP/1.1\r\nHost: a.example/x\r\n\r\n", 0,
	  0, HTTP_ERR_HEADER },
	{ "userinfo in Host", "GET / HTTP/1.1\r\nHost: u@a.example\r\n\r\n",
	  0, 0, HTTP_ERR_HEADER },
	{ "UTF-8 in Host", "GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", 0,
	  0, HTTP_ERR_HEADER },
	/* limits */
	{ "too large, no end", "GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaa", 0, 32,
	  HTTP_ERR_HEAD_TOO_LARGE },
	{ "too large, end past max_head",
	  "GET / HTTP/1.1\r\nHost: h\r\nX: aaaaaaaa\r\n\r\n", 0, 32,
	  HTTP_ERR_HEAD_TOO_LARGE },
	{ "too large by one byte", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 0, 26,
	  HTTP_ERR_HEAD_TOO_LARGE },
	{ "too large, request line alone", "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  0, 16, HTTP_ERR_HEAD_TOO_LARGE },
	{ "too large, exactly max_head without end",
	  "GET / HTTP/1.1\r\nHost: h\r\n", 0, 25, HTTP_ERR_HEAD_TOO_LARGE },
	{ "too large, only empty lines", "\r\n\r\n\r\n\r\n\r\n\r\n", 0, 8,
	  HTTP_ERR_HEAD_TOO_LARGE },
};

static void
test_request_errors(void **state)
{
	static struct http_request req;
	size_t i, head_len;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(req_err); i++) {
		const struct req_err *c = &req_err[i];
		size_t len = c->len ? c->len : strlen(c->in);
		size_t max = c->max_head ? c->max_head : MAX_HEAD;
		enum http_result r;

		r = http_parse_request(c->in, len, max, &req, &head_len);
		if (r != c->want)
			fail_msg("%s: got \"%s\", want \"%s\"", c->name,
			    http_result_str(r), http_result_str(c->want));
	}
}

/*
 * An error is final: no bytes that follow can change it. This is what lets
 * the proxy report a bad head as soon as it sees one.
 */
static void
test_request_errors_final(void **state)
{
	static struct http_request req;
	static char buf[256];
	size_t i, head_len;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(req_err); i++) {
		const struct req_err *c = &req_err[i];
		size_t len = c->len ? c->len : strlen(c->in);
		size_t max = c->max_head ? c->max_head : MAX_HEAD;
		static const char more[] = "\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\n";

		assert_true(len + sizeof(more) <= sizeof(buf));
		memcpy(buf, c->in, len);
		memcpy(buf + len, more, sizeof(more) - 1);
		expect_eq(c->name, "result with more bytes",
		    http_parse_request(buf, len + sizeof(more) - 1, max, &req,
		    &head_len), c->want);
	}
}

/* The boundary of max_head, from both sides. */
static void
test_request_head_limit(void **state)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	static struct http_request req;
	size_t len = sizeof(in) - 1, head_len;

	(void)state;
	/* Short of max_head and not over it: wait for more. */
	assert_int_equal(http_parse_request(in, len - 2, len - 1, &req,
	    &head_len), HTTP_INCOMPLETE);
	/* max_head bytes and still no end: give up. */
	assert_int_equal(http_parse_request(in, len - 1, len - 1, &req,
	    &head_len), HTTP_ERR_HEAD_TOO_LARGE);
	/* The end of head one byte past max_head, all bytes in. */
	assert_int_equal(http_parse_request(in, len, len - 1, &req,
	    &head_len), HTTP_ERR_HEAD_TOO_LARGE);
	assert_int_equal(http_parse_request(in, len, len, &req, &head_len),
	    HTTP_OK);
	assert_int_equal(head_len, len);
}

static void
test_request_too_many_headers(void **state)
{
	static struct http_request req;
	static char buf[4096];
	size_t len, i, head_len;

	(void)state;
	len = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < HTTP_MAX_HEADERS; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "X%zu: v\r\n", i);
	memcpy(buf + len, "\r\n", 2);
	assert_int_equal(http_parse_request(buf, len + 2, sizeof(buf), &req,
	    &head_len), HTTP_OK);
	assert_int_equal(req.n_headers, HTTP_MAX_HEADERS);
	assert_int_equal(head_len, len + 2);

	/* One more header line, reported before the head is complete, and
	 * even before that line is. */
	buf[len] = 'Y';
	assert_int_equal(http_parse_request(buf, len + 1, sizeof(buf), &req,
	    &head_len), HTTP_ERR_TOO_MANY_HEADERS);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "Y: v\r\n");
	assert_int_equal(http_parse_request(buf, len, sizeof(buf), &req,
	    &head_len), HTTP_ERR_TOO_MANY_HEADERS);
	/* But a CR there may still be the end of the head. */
	buf[len - 6] = '\r';
	assert_int_equal(http_parse_request(buf, len - 5, sizeof(buf), &req,
	    &head_len), HTTP_INCOMPLETE);
}

/* The method is exactly RFC 9110's token, byte by byte. */
static void
test_request_method_bytes(void **state)
{
	static const char tchars[] = "!#$%&'*+-.^_`|~0123456789"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static struct http_request req;
	char buf[64];
	size_t head_len;
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		enum http_result r, want;

		memcpy(buf, "GX / HTTP/1.1\r\nHost: h\r\n\r\n", 27);
		buf[1] = (char)c;
		r = http_parse_request(buf, 27, MAX_HEAD, &req, &head_len);
		want = c != 0 && strchr(tchars, c) != NULL ? HTTP_OK :
		    c == '\r' || c == ' ' || c == '\n' ? r : HTTP_ERR_METHOD;
		if (r != want)
			fail_msg("method byte 0x%02x: got %s", c,
			    http_result_str(r));
		if (c == ' ' || c == '\r' || c == '\n')
			assert_int_not_equal(r, HTTP_OK);
	}
}

/* ---- responses --------------------------------------------------------- */

struct res_case {
	const char *name;
	const char *in;
	bool request_was_head;
	enum http_result want;
	size_t head_len;                /* 0: all of in */
	int status;
	const char *reason;
	enum http_body body;
	int64_t cl;
	bool keep_alive;
};

#define RES_ERR(n, i, w) { .name = (n), .in = (i), .want = (w) }

static const struct res_case res_cases[] = {
	{ "200 with CL", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
	  false, HTTP_OK, 38, 200, "OK", HTTP_BODY_LENGTH, 3, true },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	  false, HTTP_OK, 0, 200, "OK", HTTP_BODY_CHUNKED, -1, true },
	{ "gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	  false, HTTP_OK, 0, 200, "OK", HTTP_BODY_CHUNKED, -1, true },
	{ "TE overrides CL", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", false, HTTP_OK, 0, 200, "OK",
	  HTTP_BODY_CHUNKED, -1, true },
	{ "TE not chunked: until close", "HTTP/1.1 200 OK\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n", false, HTTP_OK, 0, 200, "OK",
	  HTTP_BODY_UNTIL_CLOSE, -1, false },
	{ "chunked in HTTP/1.0: until close", "HTTP/1.0 200 OK\r\n"
	  "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n", false,
	  HTTP_OK, 0, 200, "OK", HTTP_BODY_UNTIL_CLOSE, -1, false },
	{ "response to HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
	  true, HTTP_OK, 0, 200, "OK", HTTP_BODY_NONE, -1, true },
	{ "204", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false,
	  HTTP_OK, 0, 204, "No Content", HTTP_BODY_NONE, -1, true },
	{ "304", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
	  false, HTTP_OK, 0, 304, "Not Modified", HTTP_BODY_NONE, -1, true },
	{ "100 Continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n",
	  false, HTTP_OK, 25, 100, "Continue", HTTP_BODY_NONE, -1, true },
	{ "101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\n\r\n", false, HTTP_OK, 0, 101,
	  "Switching Protocols", HTTP_BODY_NONE, -1, true },
	{ "until close", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody...", false,
	  HTTP_OK, 30, 200, "OK", HTTP_BODY_UNTIL_CLOSE, -1, false },
	{ "no reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false,
	  HTTP_OK, 0, 200, "", HTTP_BODY_LENGTH, 0, true },
	{ "empty reason", "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", false,
	  HTTP_OK, 0, 404, "", HTTP_BODY_LENGTH, 0, true },
	{ "HTTP/1.0 close", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
	  false, HTTP_OK, 0, 200, "OK", HTTP_BODY_LENGTH, 0, false },
	{ "HTTP/1.1 close", "HTTP/1.1 200 OK\r\nConnection: close\r\n"
	  "Content-Length: 0\r\n\r\n", false, HTTP_OK, 0, 200, "OK",
	  HTTP_BODY_LENGTH, 0, false },
	{ "status 999, bare LF", "HTTP/1.1 999 Odd Thing\nContent-Length: 1\n\n",
	  false, HTTP_OK, 0, 999, "Odd Thing", HTTP_BODY_LENGTH, 1, true },
	RES_ERR("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("status 099", "HTTP/1.1 099 x\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("status 2000", "HTTP/1.1 2000 x\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("status 20", "HTTP/1.1 20\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("status 20x", "HTTP/1.1 20x OK\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("two spaces", "HTTP/1.1  200 OK\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("no status", "HTTP/1.1\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("lowercase", "http/1.1 200 OK\r\n\r\n", HTTP_ERR_STATUS_LINE),
	RES_ERR("control in reason", "HTTP/1.1 200 O\x01K\r\n\r\n",
	    HTTP_ERR_STATUS_LINE),
	RES_ERR("bare CR in status line", "HTTP/1.1 200 OK\rX\r\n\r\n",
	    HTTP_ERR_STATUS_LINE),
	RES_ERR("not HTTP at all, no LF", "SSH-2.0-OpenSSH",
	    HTTP_ERR_STATUS_LINE),
	RES_ERR("differing CLs", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", HTTP_ERR_CONTENT_LENGTH),
	RES_ERR("chunked not last", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked, gzip\r\n\r\n",
	    HTTP_ERR_TRANSFER_ENCODING),
	RES_ERR("obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n",
	    HTTP_ERR_HEADER),
	RES_ERR("incomplete", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n",
	    HTTP_INCOMPLETE),
};

static void
test_responses(void **state)
{
	static struct http_response res;
	size_t i, k, head_len;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(res_cases); i++) {
		const struct res_case *c = &res_cases[i];
		size_t len = strlen(c->in);
		size_t want = c->head_len ? c->head_len : len;
		enum http_result r;

		r = http_parse_response(c->in, len, MAX_HEAD,
		    c->request_was_head, &res, &head_len);
		if (r != c->want)
			fail_msg("%s: got \"%s\", want \"%s\"", c->name,
			    http_result_str(r), http_result_str(c->want));
		if (r != HTTP_OK)
			continue;
		expect_eq(c->name, "head_len", head_len, want);
		expect_eq(c->name, "status", res.status, c->status);
		expect_str(c->name, "reason", res.reason, c->reason);
		expect_eq(c->name, "body", res.body, c->body);
		expect_eq(c->name, "content_length", res.content_length, c->cl);
		expect_eq(c->name, "keep_alive", res.keep_alive, c->keep_alive);
		for (k = 0; k < want; k++)
			expect_eq(c->name, "prefix", http_parse_response(c->in,
			    k, MAX_HEAD, c->request_was_head, &res, &head_len),
			    HTTP_INCOMPLETE);
	}
}

/* ---- chunked bodies ---------------------------------------------------- */

struct chunk_case {
	const char *name;
	const char *in;
	enum http_chunked_result want;
	size_t used;                    /* for DONE: bytes of the body */
};

static const struct chunk_case chunk_cases[] = {
	{ "one chunk", "5\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 15 },
	{ "several chunks", "3\r\nabc\r\nA\r\n0123456789\r\n1\r\nz\r\n0\r\n\r\n",
	  HTTP_CHUNKED_DONE, 34 },
	{ "empty body", "0\r\n\r\n", HTTP_CHUNKED_DONE, 5 },
	{ "leftover: next request", "1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
	  HTTP_CHUNKED_DONE, 11 },
	{ "uppercase and lowercase hex", "a\r\n0123456789\r\nB\r\n"
	  "0123456789a\r\n0\r\n\r\n", HTTP_CHUNKED_DONE, 36 },
	{ "leading zeros", "0005\r\nhello\r\n000\r\n\r\n", HTTP_CHUNKED_DONE, 20 },
	{ "extensions", "5;name=value;x\r\nhello\r\n0;last\r\n\r\n",
	  HTTP_CHUNKED_DONE, 33 },
	{ "trailers", "2\r\nhi\r\n0\r\nX-Sum: 1\r\nX-Other: two\r\n\r\nrest",
	  HTTP_CHUNKED_DONE, 36 },
	{ "bare LF after data (smuggling)", "2\r\nhi\n0\r\n\r\n",
	  HTTP_CHUNKED_ERROR, 0 },
	{ "data may hold CRLFs", "4\r\n\r\n\r\n\r\n0\r\n\r\n", HTTP_CHUNKED_DONE,
	  14 },
	{ "16 hex digits", "0000000000000001\r\nx\r\n0\r\n\r\n", HTTP_CHUNKED_DONE,
	  26 },
	{ "unfinished data", "7fffffffffffffff\r\nabc", HTTP_CHUNKED_MORE, 0 },
	{ "the largest size: 2^63 - 1", "7FFFFFFFFFFFFFFF\r\n",
	  HTTP_CHUNKED_MORE, 0 },
	{ "a size of 2^63 (negative as int64)", "8000000000000000\r\nabc",
	  HTTP_CHUNKED_ERROR, 0 },
	{ "a size of 2^64 - 1", "ffffffffffffffff\r\nabc", HTTP_CHUNKED_ERROR,
	  0 },
	{ "2^63 after leading zeros", "08000000000000000\r\n",
	  HTTP_CHUNKED_ERROR, 0 },
	{ "unfinished trailers", "0\r\nX: y\r\n", HTTP_CHUNKED_MORE, 0 },
	{ "bad hex", "g\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "empty size", "\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "sign", "+5\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "17 hex digits", "00000000000000001\r\nx\r\n0\r\n\r\n",
	  HTTP_CHUNKED_ERROR, 0 },
	{ "space after size", "5 \r\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "bare LF after size", "5\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "bare LF in extension", "5;a\nhello\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "CR not followed by LF", "5\rxhello\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "data too long", "2\r\nabc\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "no CRLF after data", "2\r\nab0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "CR CR LF after data", "2\r\nab\r\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "CR then junk after data", "2\r\nab\rx0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "NUL in extension", "1;\0\r\nx\r\n0\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "folded trailer", "0\r\nX: a\r\n b\r\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "bare LF in trailer", "0\r\nX: a\n\r\n", HTTP_CHUNKED_ERROR, 0 },
	{ "bare LF as the final line", "0\r\n\n", HTTP_CHUNKED_ERROR, 0 },
	{ "final CR then junk", "0\r\n\rx", HTTP_CHUNKED_ERROR, 0 },
};

/* Feed in in pieces: cut at each of the offsets in cuts (ascending). */
static enum http_chunked_result
scan_split(const char *in, size_t len, const size_t *cuts, size_t n_cuts,
    size_t *total)
{
	struct http_chunked c;
	enum http_chunked_result r = HTTP_CHUNKED_MORE;
	size_t from = 0, k, used;

	http_chunked_init(&c);
	*total = 0;
	for (k = 0; k <= n_cuts; k++) {
		size_t to = k < n_cuts ? cuts[k] : len;

		used = 0;
		r = http_chunked_scan(&c, in + from, to - from, &used);
		if (r != HTTP_CHUNKED_MORE) {
			*total = from + used;
			return r;
		}
		assert_int_equal(used, to - from);
		from = to;
	}
	*total = len;
	return r;
}

static size_t
case_len(const struct chunk_case *c)
{
	/* The one case with a NUL. */
	return strcmp(c->name, "NUL in extension") == 0 ? 13 : strlen(c->in);
}

static void
check_chunk(const struct chunk_case *c, enum http_chunked_result r,
    size_t total, const char *how)
{
	if (r != c->want)
		fail_msg("%s (%s): result %d, want %d", c->name, how, r, c->want);
	if (r == HTTP_CHUNKED_DONE && total != c->used)
		fail_msg("%s (%s): used %zu, want %zu", c->name, how, total,
		    c->used);
}

static void
test_chunked_whole(void **state)
{
	enum http_chunked_result r;
	size_t i, total;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(chunk_cases); i++) {
		const struct chunk_case *c = &chunk_cases[i];

		r = scan_split(c->in, case_len(c), NULL, 0, &total);
		check_chunk(c, r, total, "whole");
	}
}

static void
test_chunked_every_split(void **state)
{
	enum http_chunked_result r;
	size_t i, k, total;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(chunk_cases); i++) {
		const struct chunk_case *c = &chunk_cases[i];
		size_t len = case_len(c);

		for (k = 0; k <= len; k++) {
			r = scan_split(c->in, len, &k, 1, &total);
			check_chunk(c, r, total, "split in two");
		}
	}
}

static void
test_chunked_byte_at_a_time(void **state)
{
	static size_t cuts[128];
	enum http_chunked_result r;
	size_t i, k, total;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(chunk_cases); i++) {
		const struct chunk_case *c = &chunk_cases[i];
		size_t len = case_len(c);

		assert_true(len <= ES_ARRAY_LEN(cuts));
		for (k = 0; k < len; k++)
			cuts[k] = k + 1;
		r = scan_split(c->in, len, cuts, len, &total);
		check_chunk(c, r, total, "byte at a time");
	}
}

static void
test_chunked_done_is_sticky(void **state)
{
	struct http_chunked c;
	size_t used;

	(void)state;
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, "0\r\n\r\nGET", 8, &used),
	    HTTP_CHUNKED_DONE);
	assert_int_equal(used, 5);
	assert_int_equal(c.state, HTTP_CHUNK_DONE);
	assert_int_equal(http_chunked_scan(&c, "GET", 3, &used),
	    HTTP_CHUNKED_DONE);
	assert_int_equal(used, 0);
	/* The empty feed changes nothing either way. */
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, "", 0, &used), HTTP_CHUNKED_MORE);
	assert_int_equal(used, 0);
}

static void
test_chunked_limits(void **state)
{
	static char buf[20000];
	struct http_chunked c;
	size_t used, n;

	(void)state;
	/* An extension of 4096 bytes (';' included) is fine, 4097 is not. */
	buf[0] = '1';
	buf[1] = ';';
	memset(buf + 2, 'e', 4095);
	memcpy(buf + 4097, "\r\nx\r\n0\r\n\r\n", 10);
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, buf, 4107, &used),
	    HTTP_CHUNKED_DONE);
	assert_int_equal(used, 4107);
	memset(buf + 2, 'e', 4096);
	memcpy(buf + 4098, "\r\nx\r\n0\r\n\r\n", 10);
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, buf, 4108, &used),
	    HTTP_CHUNKED_ERROR);

	/* Trailers: 16384 bytes in all (final CRLF included) pass. */
	memcpy(buf, "0\r\nX: ", 6);
	n = 16384 - 2 - 2 - 3;
	memset(buf + 6, 'v', n);
	memcpy(buf + 6 + n, "\r\n\r\n", 4);
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, buf, 10 + n, &used),
	    HTTP_CHUNKED_DONE);
	assert_int_equal(used, 10 + n);
	memset(buf + 6, 'v', n + 1);
	memcpy(buf + 7 + n, "\r\n\r\n", 4);
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, buf, 11 + n, &used),
	    HTTP_CHUNKED_ERROR);
}

/* The largest chunk size is skipped in bulk without overflow. */
static void
test_chunked_huge_chunk(void **state)
{
	static char data[65536];
	struct http_chunked c;
	size_t used;
	int i;

	(void)state;
	http_chunked_init(&c);
	assert_int_equal(http_chunked_scan(&c, "7FFFFFFFFFFFFFFF\r\n", 18, &used),
	    HTTP_CHUNKED_MORE);
	assert_true(c.remaining == (uint64_t)INT64_MAX);
	for (i = 0; i < 16; i++)
		assert_int_equal(http_chunked_scan(&c, data, sizeof(data),
		    &used), HTTP_CHUNKED_MORE);
	assert_true(c.remaining == (uint64_t)INT64_MAX - 16 * sizeof(data));
	assert_int_equal(c.state, HTTP_CHUNK_DATA);
}

/* ---- incremental head scanning --------------------------------------------- */

struct scan_case {
	const char *in;
	bool found;
	size_t at;                      /* bytes taken when found */
};

static const struct scan_case scan_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", true, 27 },
	{ "GET / HTTP/1.1\nHost: h\n\nrest", true, 24 },
	{ "GET / HTTP/1.1\r\nHost: h\n\r\nXX", true, 26 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n", false, 0 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n\r", false, 0 },
	{ "GET / HTTP/1.1\r\nX: a\rb\r\n", false, 0 },
	/* empty lines before the request line end nothing */
	{ "\r\n\r\n\n\n\r\n", false, 0 },
	{ "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", true, 31 },
	{ "\n\nGET / HTTP/1.0\n\n", true, 18 },
};

static void
test_head_scan(void **state)
{
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(scan_cases); i++) {
		const struct scan_case *c = &scan_cases[i];
		size_t n = strlen(c->in);

		/* All at once, and one byte at a time: the same answer. */
		for (int split = 0; split < 2; split++) {
			struct http_head_scan sc;
			http_head_scan_init(&sc);
			if (split == 0) {
				http_head_scan_feed(&sc, c->in, n);
			} else {
				for (size_t k = 0; k < n && !sc.found; k++)
					assert_int_equal(http_head_scan_feed(&sc,
					    c->in + k, 1), 1);
			}
			if (sc.found != c->found)
				fail_msg("scan case %zu (split %d): found %d", i,
				    split, sc.found);
			if (c->found && sc.scanned != c->at)
				fail_msg("scan case %zu: at %u, want %zu", i,
				    sc.scanned, c->at);
			if (!c->found && sc.scanned != n)
				fail_msg("scan case %zu: scanned %u", i, sc.scanned);
		}
	}
}

/* A 64 KiB head arriving one byte at a time: parses happen at geometric
 * steps, so all of them together read a few times the head, not the
 * 2 GiB of a parse per byte. */
static void
test_head_scan_linear(void **state)
{
	enum { SIZE = 65536 };
	static char head[SIZE + 64];
	struct http_head_scan sc;
	size_t parses = 0, parsed_bytes = 0, len;

	(void)state;
	len = (size_t)snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: h\r\n");
	while (len < SIZE - 40)
		len += (size_t)snprintf(head + len, sizeof(head) - len,
		    "X-Pad: %040d\r\n", 7);
	len += (size_t)snprintf(head + len, sizeof(head) - len, "\r\n");
	http_head_scan_init(&sc);
	for (size_t have = 1; have <= len; have++) {
		http_head_scan_feed(&sc, head + sc.scanned, have - sc.scanned);
		if (!http_head_scan_ready(&sc, have, 1024 * 1024))
			continue;
		parses++;
		parsed_bytes += have;
		if (sc.found) {
			assert_int_equal(have, len);
			break;
		}
		http_head_scan_parsed(&sc, have);
	}
	assert_true(sc.found);
	if (parsed_bytes > 6 * len || parses > 64)
		fail_msg("%zu parses reading %zu bytes for a %zu-byte head",
		    parses, parsed_bytes, len);
	/* A small head is parsed once, when it is complete. */
	http_head_scan_init(&sc);
	parses = 0;
	const char *small = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	for (size_t have = 1; have <= strlen(small); have++) {
		http_head_scan_feed(&sc, small + sc.scanned, have - sc.scanned);
		if (http_head_scan_ready(&sc, have, 16384))
			parses++;
	}
	assert_int_equal(parses, 1);
	/* A quarter more (at least 256 bytes) since the last parse, or
	 * max_head (the parse answers 431). */
	http_head_scan_init(&sc);
	http_head_scan_parsed(&sc, 1000);
	assert_false(http_head_scan_ready(&sc, 1100, 4096));
	assert_true(http_head_scan_ready(&sc, 1256, 4096));
	assert_true(http_head_scan_ready(&sc, 1024, 1024));
	/* Early errors are still found: a parse by 256 bytes. */
	http_head_scan_init(&sc);
	assert_false(http_head_scan_ready(&sc, 255, 16384));
	assert_true(http_head_scan_ready(&sc, 256, 16384));
}

/* ---- helpers ----------------------------------------------------------- */

static void
test_hop_by_hop(void **state)
{
	static const char in[] = "GET / HTTP/1.1\r\n"
	    "Host: h\r\n"                          /* 0 */
	    "Connection: keep-alive, X-Secret ,Content-Length, host\r\n"
	    "Keep-Alive: timeout=5\r\n"            /* 2 */
	    "X-Secret: 1\r\n"                      /* 3 */
	    "x-secret-not: 1\r\n"                  /* 4 */
	    "TE: trailers\r\n"                     /* 5 */
	    "Upgrade: h2c\r\n"                     /* 6 */
	    "Proxy-Authorization: x\r\n"           /* 7 */
	    "Proxy-Connection: x\r\n"              /* 8 */
	    "Trailer: X\r\n"                       /* 9 */
	    "Content-Length: 0\r\n"                /* 10 */
	    "Accept: */*\r\n"                      /* 11 */
	    "connection: x-late\r\n"               /* 12 */
	    "X-Late: 1\r\n"                        /* 13 */
	    "\r\n";
	static const bool want[] = { false, true, true, true, false, true, true,
	    true, true, true, false, false, true, true };
	static struct http_request req;
	size_t head_len, i;

	(void)state;
	assert_int_equal(http_parse_request(in, sizeof(in) - 1, MAX_HEAD, &req,
	    &head_len), HTTP_OK);
	assert_int_equal(req.n_headers, ES_ARRAY_LEN(want));
	for (i = 0; i < ES_ARRAY_LEN(want); i++)
		if (http_header_is_hop_by_hop(req.headers, req.n_headers, i) !=
		    want[i])
			fail_msg("header %zu (%.*s): want %d", i,
			    (int)req.headers[i].name.n, req.headers[i].name.p,
			    want[i]);
	assert_false(http_header_is_hop_by_hop(req.headers, req.n_headers,
	    req.n_headers));
}

/* What of a response goes on: not its hop-by-hop fields, nor a
 * Content-Length beside chunked coding; with a plain length, the length. */
static void
test_response_field_relayed(void **state)
{
	static const char chunked[] = "HTTP/1.1 200 OK\r\n"
	    "Connection: close, X-Hop\r\n"         /* 0 */
	    "X-Hop: 1\r\n"                         /* 1 */
	    "Content-Length: 5\r\n"                /* 2 */
	    "Transfer-Encoding: chunked\r\n"       /* 3 */
	    "X-Kept: 1\r\n"                        /* 4 */
	    "\r\n";
	static const char sized[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 5\r\n\r\n";
	static const bool want[] = { false, false, false, true, true };
	static struct http_response res;
	size_t head_len;

	(void)state;
	assert_int_equal(http_parse_response(chunked, sizeof(chunked) - 1,
	    MAX_HEAD, false, &res, &head_len), HTTP_OK);
	assert_int_equal(res.body, HTTP_BODY_CHUNKED);
	assert_int_equal(res.n_headers, ES_ARRAY_LEN(want));
	for (size_t i = 0; i < ES_ARRAY_LEN(want); i++)
		if (http_response_field_relayed(&res, i) != want[i])
			fail_msg("field %zu (%.*s): want %d", i,
			    (int)res.headers[i].name.n, res.headers[i].name.p,
			    want[i]);
	assert_int_equal(http_parse_response(sized, sizeof(sized) - 1,
	    MAX_HEAD, false, &res, &head_len), HTTP_OK);
	assert_true(http_response_field_relayed(&res, 0));
}

struct target_case {
	const char *target, *path, *authority;
};

static const struct target_case target_cases[] = {
	{ "/", "/", "" },
	{ "/a/b?x=1&y", "/a/b", "" },
	{ "/a#frag", "/a", "" },
	{ "/?", "/", "" },
	{ "*", "*", "" },
	{ "http://host:8080/p?q", "/p", "host:8080" },
	{ "HTTPS://Host/a/b", "/a/b", "Host" },
	{ "http://host", "/", "host" },
	{ "http://host?q", "/", "host" },
	{ "http://user:pw@host:1/x", "/x", "host:1" },
	{ "http://[::1]:80/", "/", "[::1]:80" },
	{ "example.com:443", "", "example.com:443" },
	{ "", "", "" },
};

static void
test_target_path(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(target_cases); i++) {
		const struct target_case *c = &target_cases[i];
		struct http_str auth = { "junk", 4 };
		struct http_str path;

		path = http_target_path(S(c->target), &auth);
		expect_str(c->target, "path", path, c->path);
		expect_str(c->target, "authority", auth, c->authority);
		/* authority is optional */
		path = http_target_path(S(c->target), NULL);
		expect_str(c->target, "path without authority", path, c->path);
	}
}

static void
test_str_ieq(void **state)
{
	(void)state;
	assert_true(http_str_ieq(S("Content-Length"), "content-length"));
	assert_true(http_str_ieq(S(""), ""));
	assert_false(http_str_ieq(S("Content-Lengt"), "content-length"));
	assert_false(http_str_ieq(S("Content-Lengths"), "content-length"));
	assert_false(http_str_ieq(S("a"), ""));
	/* Case folding is ASCII only: '@' is not '`', '[' is not '{'. */
	assert_false(http_str_ieq(S("@"), "`"));
	assert_false(http_str_ieq(S("["), "{"));
	/* n bounds the comparison, not a NUL in the data. */
	{
		struct http_str s = { "hostX", 4 };

		assert_true(http_str_ieq(s, "HOST"));
	}
}

static void
test_result_tables(void **state)
{
	static const int want[HTTP_RESULT_COUNT] = {
		[HTTP_OK] = 0, [HTTP_INCOMPLETE] = 0,
		[HTTP_ERR_HEAD_TOO_LARGE] = 431,
		[HTTP_ERR_TOO_MANY_HEADERS] = 431,
		[HTTP_ERR_REQUEST_LINE] = 400, [HTTP_ERR_METHOD] = 400,
		[HTTP_ERR_TARGET] = 400, [HTTP_ERR_VERSION] = 505,
		[HTTP_ERR_HEADER] = 400, [HTTP_ERR_CONTENT_LENGTH] = 400,
		[HTTP_ERR_CL_AND_TE] = 400,
		[HTTP_ERR_TRANSFER_ENCODING] = 501, [HTTP_ERR_NO_HOST] = 400,
		[HTTP_ERR_MULTIPLE_HOST] = 400, [HTTP_ERR_STATUS_LINE] = 502,
	};
	int r, k;

	(void)state;
	for (r = 0; r < HTTP_RESULT_COUNT; r++) {
		const char *s = http_result_str((enum http_result)r);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		for (k = 0; k < r; k++)
			if (strcmp(s, http_result_str((enum http_result)k)) == 0)
				fail_msg("results %d and %d share \"%s\"", k, r, s);
		expect_eq(s, "status", http_result_status((enum http_result)r),
		    want[r]);
	}
	assert_string_equal(http_result_str(HTTP_ERR_REQUEST_LINE),
	    "malformed request line");
	assert_string_equal(http_result_str(HTTP_ERR_CL_AND_TE),
	    "both Content-Length and Transfer-Encoding");
	assert_non_null(http_result_str(HTTP_RESULT_COUNT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_valid),
		cmocka_unit_test(test_request_prefixes),
		cmocka_unit_test(test_request_headers_stored),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_request_errors_final),
		cmocka_unit_test(test_request_head_limit),
		cmocka_unit_test(test_request_too_many_headers),
		cmocka_unit_test(test_request_method_bytes),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_chunked_whole),
		cmocka_unit_test(test_chunked_every_split),
		cmocka_unit_test(test_chunked_byte_at_a_time),
		cmocka_unit_test(test_chunked_done_is_sticky),
		cmocka_unit_test(test_chunked_limits),
		cmocka_unit_test(test_chunked_huge_chunk),
		cmocka_unit_test(test_head_scan),
		cmocka_unit_test(test_head_scan_linear),
		cmocka_unit_test(test_hop_by_hop),
		cmocka_unit_test(test_response_field_relayed),
		cmocka_unit_test(test_target_path),
		cmocka_unit_test(test_str_ieq),
		cmocka_unit_test(test_result_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
