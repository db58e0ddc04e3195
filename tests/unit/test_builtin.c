/*
 * test_builtin.c - unit tests of the built-in origins (proxy/builtin.c):
 * percent-decoding of paths; the static origin against a temporary root
 * (files, index.html, content types, HEAD, methods, and every way out of
 * the root: "..", encoded or not, symlinks, a sibling directory sharing
 * the root's prefix, NUL and backslash); the echo origin's JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <event2/buffer.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "builtin.h"
#include "http.h"
#include "json_check.h"
#include "util.h"

static char top[PATH_MAX], root[PATH_MAX];

/* ---- builtin_percent_decode ------------------------------------------------- */

struct decode_case {
	const char *in;
	size_t n;                       /* 0: strlen(in) */
	const char *want;               /* NULL: refused */
};

static const struct decode_case decode_cases[] = {
	{ "/plain/path.txt", 0, "/plain/path.txt" },
	{ "", 0, "" },
	{ "/a%20b", 0, "/a b" },
	{ "%2e%2e", 0, ".." },
	{ "%2E%2e", 0, ".." },
	{ "%41%62%7A%7a", 0, "Abzz" },
	{ "%2F", 0, "/" },
	{ "%252e", 0, "%2e" },          /* decoded once, not twice */
	{ "%ff%C3%A9", 0, "\xff\xc3\xa9" },
	{ "a%20", 1, "a" },             /* n bounds the input */
	{ "%41%", 3, "A" },
	/* refused */
	{ "%00", 0, NULL },
	{ "/a%00.txt", 0, NULL },
	{ "a\0b", 3, NULL },
	{ "%", 0, NULL },
	{ "a%", 0, NULL },
	{ "%2", 0, NULL },
	{ "/x%2", 0, NULL },
	{ "%2%41", 0, NULL },
	{ "%g0", 0, NULL },
	{ "%0g", 0, NULL },
	{ "% 41", 0, NULL },
	{ "%-1", 0, NULL },
	{ "%41%4", 0, NULL },
	{ "%41", 2, NULL },             /* the escape cut by n */
};

static void
test_percent_decode(void **state)
{
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		size_t n = c->n ? c->n : strlen(c->in);
		int r = builtin_percent_decode(c->in, n, out, sizeof(out));

		if (c->want == NULL) {
			if (r != -1)
				fail_msg("\"%.*s\": decoded to \"%s\", want refused",
				    (int)n, c->in, out);
		} else if (r != 0 || strcmp(out, c->want) != 0) {
			fail_msg("\"%.*s\": %d \"%s\", want \"%s\"", (int)n, c->in,
			    r, r == 0 ? out : "", c->want);
		}
	}
	/* the output bound: "abcd" needs 5 bytes with its NUL */
	assert_int_equal(builtin_percent_decode("abcd", 4, out, 4), -1);
	assert_int_equal(builtin_percent_decode("abcd", 4, out, 5), 0);
	assert_string_equal(out, "abcd");
	assert_int_equal(builtin_percent_decode("%41%42", 6, out, 3), 0);
	assert_string_equal(out, "AB");
	assert_int_equal(builtin_percent_decode("%41%42", 6, out, 2), -1);
}

/* ---- the static origin ------------------------------------------------------- */

static void
put(const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void
sub(char *out, const char *rel)
{
	snprintf(out, PATH_MAX, "%s/%s", top, rel);
}

/*
 * top/
 *   secret.txt                 outside the root
 *   root2/x.txt                a sibling whose name extends the root's
 *   root/                      the static root (a realpath)
 *     index.html a.txt style.css data.json UPPER.HTML noext zero
 *     "sp ace.txt"  sub/index.html  empty/  fifo
 *     link-in -> a.txt           link-out -> ../secret.txt
 *     link-abs -> /etc/passwd    dirlink-out -> /etc
 *     link-sibling -> ../root2/x.txt
 */
static int
group_setup(void **state)
{
	char p[PATH_MAX], real[PATH_MAX];

	(void)state;
	if (fixture_tmpdir(top, sizeof(top), "builtin") < 0 ||
	    realpath(top, real) == NULL)
		return -1;
	snprintf(top, sizeof(top), "%s", real);
	snprintf(root, sizeof(root), "%s/root", top);
	sub(p, "root");
	mkdir(p, 0755);
	sub(p, "root/sub");
	mkdir(p, 0755);
	sub(p, "root/empty");
	mkdir(p, 0755);
	sub(p, "root2");
	mkdir(p, 0755);
	put("secret.txt", "top secret\n");
	put("root2/x.txt", "sibling\n");
	put("root/index.html", "<h1>home</h1>\n");
	put("root/a.txt", "hello\n");
	put("root/style.css", "body{}\n");
	put("root/data.json", "{}\n");
	put("root/UPPER.HTML", "<p>up</p>\n");
	put("root/noext", "raw\n");
	put("root/zero", "");
	put("root/sp ace.txt", "space\n");
	put("root/sub/index.html", "sub index\n");
	sub(p, "root/fifo");
	if (mkfifo(p, 0644) < 0)
		return -1;
	sub(p, "root/link-in");
	if (symlink("a.txt", p) < 0)
		return -1;
	sub(p, "root/link-out");
	if (symlink("../secret.txt", p) < 0)
		return -1;
	sub(p, "root/link-abs");
	if (symlink("/etc/passwd", p) < 0)
		return -1;
	sub(p, "root/dirlink-out");
	if (symlink("/etc", p) < 0)
		return -1;
	sub(p, "root/link-sibling");
	if (symlink("../root2/x.txt", p) < 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_rmtree(top);
	return 0;
}

#define TXT "text/plain; charset=utf-8"
#define HTML "text/html; charset=utf-8"

struct static_case {
	const char *name;
	const char *request;            /* a request head */
	int status;
	const char *type;               /* Content-Type, NULL: don't check */
	const char *body;               /* the exact body for 200, NULL: empty */
	int64_t body_len;               /* -1: strlen(body) */
};

#define GET(path) "GET " path " HTTP/1.1\r\nHost: h\r\n\r\n"

static const struct static_case static_cases[] = {
	{ "root", GET("/"), 200, HTML, "<h1>home</h1>\n", -1 },
	{ "index.html", GET("/index.html"), 200, HTML, "<h1>home</h1>\n", -1 },
	{ "a file", GET("/a.txt"), 200, TXT, "hello\n", -1 },
	{ "query ignored", GET("/a.txt?x=1&y=/../../etc"), 200, TXT, "hello\n",
	  -1 },
	{ "absolute form", "GET http://h/a.txt HTTP/1.1\r\nHost: h\r\n\r\n",
	  200, TXT, "hello\n", -1 },
	{ "double slash", GET("//a.txt"), 200, TXT, "hello\n", -1 },
	{ "encoded blank", GET("/sp%20ace.txt"), 200, TXT, "space\n", -1 },
	{ "encoded letters", GET("/%61.txt"), 200, TXT, "hello\n", -1 },
	{ "subdirectory index", GET("/sub/"), 200, HTML, "sub index\n", -1 },
	{ "subdirectory, no slash", GET("/sub"), 200, HTML, "sub index\n", -1 },
	{ "css", GET("/style.css"), 200, "text/css", "body{}\n", -1 },
	{ "json", GET("/data.json"), 200, "application/json", "{}\n", -1 },
	{ "extension case", GET("/UPPER.HTML"), 200, HTML, "<p>up</p>\n", -1 },
	{ "no extension", GET("/noext"), 200, "application/octet-stream",
	  "raw\n", -1 },
	{ "empty file", GET("/zero"), 200, "application/octet-stream", NULL, 0 },
	{ "symlink inside", GET("/link-in"), 200, TXT, "hello\n", -1 },
	{ "HEAD: no body, its length",
	  "HEAD /a.txt HTTP/1.1\r\nHost: h\r\n\r\n", 200, TXT, NULL, 6 },
	{ "HEAD of a directory", "HEAD /sub/ HTTP/1.1\r\nHost: h\r\n\r\n", 200,
	  HTML, NULL, 10 },
	/* not there */
	{ "missing", GET("/missing.txt"), 404, TXT, NULL, -2 },
	{ "directory without index", GET("/empty/"), 404, TXT, NULL, -2 },
	{ "file as a directory", GET("/a.txt/"), 404, TXT, NULL, -2 },
	{ "a FIFO is not a file", GET("/fifo"), 404, TXT, NULL, -2 },
	/* out of the root */
	{ "dot dot", GET("/../secret.txt"), 403, TXT, NULL, -2 },
	{ "dot dot to /etc", GET("/../etc/passwd"), 403, TXT, NULL, -2 },
	{ "encoded dot dot", GET("/%2e%2e/etc/passwd"), 403, TXT, NULL, -2 },
	{ "encoded dot dot, upper", GET("/%2E%2E/secret.txt"), 403, TXT, NULL,
	  -2 },
	{ "mixed", GET("/a/%2E%2E/../x"), 403, TXT, NULL, -2 },
	{ "encoded slash", GET("/sub%2f..%2f..%2fsecret.txt"), 403, TXT, NULL,
	  -2 },
	{ "encoded dot dot in a file name", GET("/%2e%2e%2fsecret.txt"), 403,
	  TXT, NULL, -2 },
	{ "dot dot above the root, late", GET("/sub/../../secret.txt"), 403,
	  TXT, NULL, -2 },
	/* judged on the normalised path (RFC 3986 5.2.4), as routes are:
	 * a ".." that stays inside the root is no escape */
	{ "dot dot at the end", GET("/sub/.."), 200, HTML, "<h1>home</h1>\n",
	  -1 },
	{ "dot segment", GET("/./a.txt"), 200, TXT, "hello\n", -1 },
	{ "dot dot back into the root", GET("/sub/../a.txt"), 200, TXT,
	  "hello\n", -1 },
	{ "encoded dot dot back into the root", GET("/x/%2E%2e/a.txt"), 200,
	  TXT, "hello\n", -1 },
	{ "symlink out", GET("/link-out"), 403, TXT, NULL, -2 },
	{ "absolute symlink out", GET("/link-abs"), 403, TXT, NULL, -2 },
	{ "directory symlink out", GET("/dirlink-out/passwd"), 403, TXT, NULL,
	  -2 },
	{ "sibling sharing the prefix", GET("/link-sibling"), 403, TXT, NULL,
	  -2 },
	/* bad paths */
	{ "encoded NUL", GET("/a.txt%00.html"), 400, TXT, NULL, -2 },
	{ "truncated escape", GET("/a%2"), 400, TXT, NULL, -2 },
	{ "lone percent", GET("/%"), 400, TXT, NULL, -2 },
	{ "bad escape", GET("/%zz"), 400, TXT, NULL, -2 },
	{ "encoded backslash", GET("/sub%5c..%5c..%5csecret.txt"), 400, TXT,
	  NULL, -2 },
	{ "authority form", "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 405,
	  TXT, NULL, -2 },
	/* methods */
	{ "POST", "POST /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	  405, TXT, NULL, -2 },
	{ "PUT", "PUT /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	  405, TXT, NULL, -2 },
	{ "DELETE", "DELETE /a.txt HTTP/1.1\r\nHost: h\r\n\r\n", 405, TXT, NULL,
	  -2 },
	{ "OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 405, TXT, NULL,
	  -2 },
};

/* The value of header name in "Name: value\r\n" lines, or NULL. */
static char *
header_value(const struct sbuf *h, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = h->s; p && *p; p = strstr(p, "\r\n") + 2) {
		const char *eol = strstr(p, "\r\n");

		assert_non_null(eol);
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':' &&
		    p[nl + 1] == ' ') {
			snprintf(buf, len, "%.*s", (int)(eol - p - nl - 2),
			    p + nl + 2);
			return buf;
		}
	}
	return NULL;
}

/* Every static case, answered with cache (NULL: none). */
static void
run_static_cases(struct static_cache *cache)
{
	static struct http_request req;
	char body[256], v[256];
	size_t i;

	alarm(20);      /* a FIFO opened without O_NONBLOCK would hang */
	for (i = 0; i < ES_ARRAY_LEN(static_cases); i++) {
		const struct static_case *c = &static_cases[i];
		struct builtin_response out;
		size_t head_len, got;

		assert_int_equal(http_parse_request(c->request, strlen(c->request),
		    8192, &req, &head_len), HTTP_OK);
		memset(&out, 0, sizeof(out));
		sbuf_init(&out.headers);
		out.body = evbuffer_new();
		static_respond(root, &req, &out, cache);

		if (out.status != c->status)
			fail_msg("%s: status %d, want %d (%s)", c->name,
			    out.status, c->status, out.headers.s);
		if (c->type && (header_value(&out.headers, "Content-Type", v,
		    sizeof(v)) == NULL || strcmp(v, c->type) != 0))
			fail_msg("%s: Content-Type \"%s\", want \"%s\"", c->name,
			    header_value(&out.headers, "Content-Type", v,
			    sizeof(v)) ? v : "(none)", c->type);
		if ((header_value(&out.headers, "Allow", v, sizeof(v)) != NULL) !=
		    (c->status == 405) || (c->status == 405 &&
		    strcmp(v, "GET, HEAD") != 0))
			fail_msg("%s: Allow header wrong: %s", c->name,
			    out.headers.s);
		got = evbuffer_get_length(out.body);
		assert_true(got < sizeof(body));
		evbuffer_remove(out.body, body, got);
		body[got] = '\0';

		if (c->status == 200) {
			int64_t want_len = c->body_len == -1 ?
			    (int64_t)strlen(c->body) : c->body_len;

			if (out.body_len != want_len)
				fail_msg("%s: body_len %lld, want %lld", c->name,
				    (long long)out.body_len, (long long)want_len);
			if (strcmp(body, c->body ? c->body : "") != 0)
				fail_msg("%s: body \"%s\", want \"%s\"", c->name,
				    body, c->body ? c->body : "");
			assert_non_null(header_value(&out.headers,
			    "Last-Modified", v, sizeof(v)));
			assert_non_null(header_value(&out.headers, "ETag", v,
			    sizeof(v)));
		} else {
			/* an error page: short, framed, never a file */
			if (out.body_len != (int64_t)got || got == 0)
				fail_msg("%s: body_len %lld for %zu bytes", c->name,
				    (long long)out.body_len, got);
			if (strstr(body, "secret") || strstr(body, "root:"))
				fail_msg("%s: leaked \"%s\"", c->name, body);
		}
		evbuffer_free(out.body);
		sbuf_free(&out.headers);
	}
	alarm(0);
}

static void
test_static(void **state)
{
	(void)state;
	run_static_cases(NULL);
}

/* The same answers through a cache, filled then hit; and what the disk
 * says after the cache's second is seen. */
static void
test_static_cache(void **state)
{
	struct static_cache *cache = static_cache_new();
	uint64_t hits, misses, hits1, misses1;

	(void)state;
	run_static_cases(cache);
	static_cache_stats(cache, &hits1, &misses1);
	assert_true(misses1 > 10);
	run_static_cases(cache);
	static_cache_stats(cache, &hits, &misses);
	assert_int_equal(misses, misses1);      /* nothing looked up again */
	assert_true(hits >= hits1 + misses1);

	/* A file changed on disk is served changed once its entry aged. */
	static struct http_request req;
	char p[PATH_MAX + 16], body[64];
	size_t head_len;
	const char *get = GET("/changing.txt");
	snprintf(p, sizeof(p), "%s/changing.txt", root);
	for (int round = 0; round < 3; round++) {
		struct builtin_response out;
		if (round == 0 || round == 2) {
			FILE *f = fopen(p, "w");
			assert_non_null(f);
			fputs(round == 0 ? "first\n" : "second!\n", f);
			fclose(f);
		}
		if (round == 2)
			usleep((STATIC_CACHE_TTL_MS + 100) * 1000);
		assert_int_equal(http_parse_request(get, strlen(get), 8192, &req,
		    &head_len), HTTP_OK);
		memset(&out, 0, sizeof(out));
		sbuf_init(&out.headers);
		out.body = evbuffer_new();
		static_respond(root, &req, &out, cache);
		assert_int_equal(out.status, 200);
		size_t got = evbuffer_remove(out.body, body, sizeof(body) - 1);
		body[got] = '\0';
		/* round 1: "first" again (from the cache, see the stats);
		 * round 2: the file changed and the entry aged: "second!". */
		assert_string_equal(body, round < 2 ? "first\n" : "second!\n");
		evbuffer_free(out.body);
		sbuf_free(&out.headers);
	}
	unlink(p);
	static_cache_free(cache);
}

/* ---- the echo origin ---------------------------------------------------------- */

struct echo_case {
	const char *name;
	const char *request;
	struct echo_view view;
	int64_t body_bytes;
	const char *want[8];            /* substrings of the JSON */
	const char *py;                 /* python3 assertions on `d` */
};

static const struct echo_case echo_cases[] = {
	{ "no SNI, no client certificate",
	  "GET /api/hello?x=1 HTTP/1.1\r\nHost: www.example.com\r\n"
	  "X-Quote: say \"hi\" \\o/\r\nX-Utf8: caf\xc3\xa9\r\n\r\n",
	  { "cloudfront", "www.example.com", "api", "127.0.0.1:50000", NULL,
	    "TLSv1.3", "TLS_AES_128_GCM_SHA256", NULL, NULL, NULL, "default", NULL },
	  0,
	  { "\"method\":\"GET\"", "\"target\":\"/api/hello?x=1\"",
	    "\"path\":\"/api/hello\"", "\"http_version\":\"HTTP/1.1\"",
	    "[\"X-Quote\",\"say \\\"hi\\\" \\\\o/\"]", "\"sni\":null",
	    "\"alpn\":null", "\"body_bytes\":0}\n" },
	  "assert d['method'] == 'GET' and d['path'] == '/api/hello'\n"
	  "assert d['headers'][0] == ['Host', 'www.example.com']\n"
	  "assert d['headers'][1] == ['X-Quote', 'say \"hi\" \\\\o/']\n"
	  "assert d['tls']['sni'] is None and d['tls']['alpn'] is None\n"
	  "assert d['tls']['client_cert_subject'] is None\n"
	  "assert d['edge'] == 'cloudfront' and d['origin'] == 'api'\n"
	  "assert d['body_bytes'] == 0\n" },
	{ "SNI and a client certificate",
	  "POST /up HTTP/1.0\r\nContent-Length: 42\r\n\r\n",
	  { "akamai", "api.example.com", "echo", "[::1]:4000",
	    "api.example.com", "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "h2",
	    "CN=client,O=edgesim lab", "CN=edgesim lab intermediate", "sni",
	    NULL },
	  42,
	  { "\"method\":\"POST\"", "\"http_version\":\"HTTP/1.0\"",
	    "\"sni\":\"api.example.com\"", "\"alpn\":\"h2\"",
	    "\"client_cert_subject\":\"CN=client,O=edgesim lab\"",
	    "\"body_bytes\":42}\n" },
	  "assert d['tls']['sni'] == 'api.example.com'\n"
	  "assert d['headers'] == [['Content-Length', '42']]\n"
	  "assert d['client'] == '[::1]:4000'\n"
	  "assert d['tls']['cert_choice'] == 'sni'\n"
	  "assert d['body_bytes'] == 42\n" },
	{ "hostile SNI",
	  "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	  { "e", "h", "o", "c", "a\"b\nc\x1b[31m", "TLSv1.3", "x", NULL, NULL,
	    NULL, "sni", NULL },
	  7,
	  { "\"sni\":\"a\\\"b\\nc\\u001b[31m\"" },
	  "assert d['tls']['sni'] == 'a\"b\\nc\\x1b[31m'\n" },
};

static bool
have_python3(void)
{
	return system("python3 -c 'import json' >/dev/null 2>&1") == 0;
}

static void
python_check(const char *name, const char *json, const char *asserts)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/echo-check.py", top);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "import json\nd = json.loads(r'''%s''')\n%s", json, asserts);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 '%s'", path);
	if (system(cmd) != 0)
		fail_msg("%s: python3 disagrees (see above) on %s", name, json);
}

static void
test_echo(void **state)
{
	static struct http_request req;
	bool py = have_python3();
	size_t i, k;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(echo_cases); i++) {
		const struct echo_case *c = &echo_cases[i];
		struct builtin_response out;
		struct sbuf json;
		size_t head_len, len;
		char *text, v[128];

		assert_int_equal(http_parse_request(c->request, strlen(c->request),
		    8192, &req, &head_len), HTTP_OK);
		memset(&out, 0, sizeof(out));
		sbuf_init(&out.headers);
		out.body = evbuffer_new();
		sbuf_init(&json);
		echo_begin(&json, &req, &c->view);
		echo_finish(&json, c->body_bytes, &out);

		assert_int_equal(out.status, 200);
		assert_string_equal(header_value(&out.headers, "Content-Type", v,
		    sizeof(v)), "application/json");
		len = evbuffer_get_length(out.body);
		assert_int_equal(out.body_len, (int64_t)len);
		text = xmalloc(len + 1);
		evbuffer_remove(out.body, text, len);
		text[len] = '\0';
		assert_string_equal(text, json.s);
		if (!json_valid_object(text))
			fail_msg("%s: not JSON: %s", c->name, text);
		for (k = 0; k < len; k++)
			if ((unsigned char)text[k] < 0x20 && text[k] != '\n')
				fail_msg("%s: raw control byte in %s", c->name, text);
		for (k = 0; k < ES_ARRAY_LEN(c->want) && c->want[k]; k++)
			if (strstr(text, c->want[k]) == NULL)
				fail_msg("%s: no %s in %s", c->name, c->want[k],
				    text);
		if (py)
			python_check(c->name, text, c->py);
		free(text);
		sbuf_free(&json);
		evbuffer_free(out.body);
		sbuf_free(&out.headers);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent_decode),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_static_cache),
		cmocka_unit_test(test_echo),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
