/*
 * fuzz_http.c - libFuzzer harness for proxy/http.c and http_chunked.c.
 *
 * Feeds each input to the request parser, the response parser and the
 * chunked scanner, and checks more than "no crash": results point inside
 * the input, a prefix that fails fails the same way as the whole input,
 * and the chunked scanner gives one answer however its input is split.
 * Any broken property aborts, which libFuzzer reports like a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

#define MAX_INPUT (64 * 1024)
#define MAX_HEAD  4096

/* s lies within buf[0..len) (an empty string may sit at its end). */
static bool
within(struct http_str s, const char *buf, size_t len)
{
	if (s.n == 0)
		return true;
	return s.p >= buf && s.p <= buf + len &&
	    s.n <= (size_t)(buf + len - s.p);
}

static void
check_headers(const struct http_header *h, size_t n, const char *buf,
    size_t head_len)
{
	size_t i;

	check(n <= HTTP_MAX_HEADERS);
	for (i = 0; i < n; i++) {
		check(h[i].name.n > 0);
		check(within(h[i].name, buf, head_len));
		check(within(h[i].value, buf, head_len));
		(void)http_header_is_hop_by_hop(h, n, i);
	}
	check(!http_header_is_hop_by_hop(h, n, n));
}

/* The prefix lengths at which a parse is compared with the whole one. */
static size_t
prefixes(size_t size, size_t *k)
{
	size_t n = 0, i;

	if (size <= 96) {
		for (i = 0; i < size; i++)
			k[n++] = i;
		return n;
	}
	k[n++] = 1;
	k[n++] = size / 4;
	k[n++] = size / 2;
	k[n++] = size - size / 4;
	k[n++] = size - 1;
	return n;
}

static void
fuzz_request(const char *buf, size_t size)
{
	static struct http_request req;
	static size_t k[96];
	enum http_result r, rk;
	size_t head_len = 0, hk = 0, i, n;
	struct http_str path, auth;

	r = http_parse_request(buf, size, MAX_HEAD, &req, &head_len);
	check((unsigned)r < HTTP_RESULT_COUNT);
	check(http_result_str(r) != NULL);
	if (r == HTTP_INCOMPLETE)
		check(size < MAX_HEAD);
	if (r == HTTP_OK) {
		check(head_len > 0 && head_len <= size && head_len <= MAX_HEAD);
		check(buf[head_len - 1] == '\n');
		check(req.method.n > 0 && within(req.method, buf, head_len));
		check(req.target.n > 0 && within(req.target, buf, head_len));
		check(within(req.host, buf, head_len));
		check(req.version_minor == 0 || req.version_minor == 1);
		check(req.version_minor == 0 || req.host.p != NULL);
		check((req.body == HTTP_BODY_LENGTH) ==
		    (req.content_length >= 0));
		check(req.body != HTTP_BODY_UNTIL_CLOSE);
		check_headers(req.headers, req.n_headers, buf, head_len);
		path = http_target_path(req.target, &auth);
		check(within(auth, req.target.p, req.target.n));
		check(within(path, req.target.p, req.target.n) ||
		    (path.n == 1 && path.p[0] == '/'));
	}
	/* A verdict on a prefix is the verdict on the whole. */
	n = prefixes(size, k);
	for (i = 0; i < n; i++) {
		rk = http_parse_request(buf, k[i], MAX_HEAD, &req, &hk);
		if (rk == HTTP_INCOMPLETE)
			continue;
		if (rk != r) {
			fprintf(stderr, "request prefix %zu: %s, whole: %s\n",
			    k[i], http_result_str(rk), http_result_str(r));
			abort();
		}
		if (r == HTTP_OK)
			check(hk == head_len);
	}
}

static void
fuzz_response(const char *buf, size_t size, bool head)
{
	static struct http_response res;
	static size_t k[96];
	enum http_result r, rk;
	size_t head_len = 0, hk = 0, i, n;

	r = http_parse_response(buf, size, MAX_HEAD, head, &res, &head_len);
	check((unsigned)r < HTTP_RESULT_COUNT);
	if (r == HTTP_OK) {
		check(head_len > 0 && head_len <= size && head_len <= MAX_HEAD);
		check(res.status >= 100 && res.status <= 999);
		check(within(res.reason, buf, head_len));
		check((res.body == HTTP_BODY_LENGTH) ==
		    (res.content_length >= 0));
		check(!head || res.body == HTTP_BODY_NONE);
		check_headers(res.headers, res.n_headers, buf, head_len);
	}
	n = prefixes(size, k);
	for (i = 0; i < n; i++) {
		rk = http_parse_response(buf, k[i], MAX_HEAD, head, &res, &hk);
		if (rk == HTTP_INCOMPLETE)
			continue;
		if (rk != r) {
			fprintf(stderr, "response prefix %zu: %s, whole: %s\n",
			    k[i], http_result_str(rk), http_result_str(r));
			abort();
		}
		if (r == HTTP_OK)
			check(hk == head_len);
	}
}

/* Scan buf in pieces of step bytes (0: all at once); *end is where the
 * body ended or the error was found. */
static enum http_chunked_result
chunked(const char *buf, size_t size, size_t step, size_t *end)
{
	struct http_chunked c;
	enum http_chunked_result r = HTTP_CHUNKED_MORE;
	size_t off = 0, n, used;

	http_chunked_init(&c);
	do {
		n = step == 0 || size - off < step ? size - off : step;
		used = (size_t)-1;
		r = http_chunked_scan(&c, buf + off, n, &used);
		check(used <= n);
		if (r != HTTP_CHUNKED_MORE) {
			*end = off + used;
			return r;
		}
		check(used == n);
		off += n;
	} while (off < size);
	*end = size;
	return r;
}

static void
fuzz_chunked(const char *buf, size_t size)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 1000 };
	enum http_chunked_result r, rs;
	size_t end, es, i;

	r = chunked(buf, size, 0, &end);
	if (r == HTTP_CHUNKED_DONE)
		check(end > 0 && buf[end - 1] == '\n');
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		/* Byte at a time is slow on large inputs; it adds nothing
		 * that smaller pieces would not find there. */
		if (steps[i] == 1 && size > 8192)
			continue;
		rs = chunked(buf, size, steps[i], &es);
		if (rs != r || es != end) {
			fprintf(stderr, "chunked in pieces of %zu: %d at %zu, "
			    "whole: %d at %zu\n", steps[i], rs, es, r, end);
			abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	const char *buf = (const char *)data;
	size_t head_len;

	if (size > MAX_INPUT)
		return 0;
	fuzz_request(buf, size);
	fuzz_response(buf, size, false);
	fuzz_response(buf, size, true);
	fuzz_chunked(buf, size);
	/* And the body after a chunked request head, as the proxy does. */
	if (http_parse_request(buf, size, MAX_HEAD, &req, &head_len) ==
	    HTTP_OK && req.body == HTTP_BODY_CHUNKED)
		fuzz_chunked(buf + head_len, size - head_len);
	return 0;
}
