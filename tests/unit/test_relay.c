/*
 * test_relay.c - unit tests of proxy/relay.c: a request head collected as
 * it trickles in (struct relay_head: parsed in place when it came whole,
 * collected and parsed a few times at most when it comes a byte at a time,
 * what follows the head given back to the input, 431 at max_head), and a
 * body relayed by its framing (relay_framed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "http.h"
#include "relay.h"
#include "util.h"

/* Feed text to in in pieces of step bytes (0: all at once), trying the
 * head after each piece as read_head does. Returns the parse result;
 * *parses counts the parses, *tail gets what the input holds after. */
static enum http_result
feed(const char *text, size_t step, size_t max, int *parses, char *tail,
    size_t tail_len)
{
	static struct http_request req;
	struct evbuffer *in = evbuffer_new();
	struct relay_head h;
	enum http_result pr = HTTP_INCOMPLETE;
	size_t len = strlen(text), off = 0;

	relay_head_init(&h);
	*parses = 0;
	while (off < len && pr == HTTP_INCOMPLETE) {
		size_t k = step == 0 || len - off < step ? len - off : step;
		evbuffer_add(in, text + off, k);
		off += k;
		const char *buf;
		size_t n, head_len = 0;
		if (!relay_head_take(&h, in, max, &buf, &n))
			continue;
		(*parses)++;
		pr = http_parse_request(buf, n, max, &req, &head_len);
		if (pr == HTTP_INCOMPLETE)
			relay_head_incomplete(&h, in, n);
		else if (pr == HTTP_OK) {
			assert_true(http_str_ieq(req.method, "GET") ||
			    http_str_ieq(req.method, "POST"));
			relay_head_done(&h, in, head_len);
			assert_false(relay_head_started(&h));
		}
	}
	/* The rest of the text arrives after the head. */
	if (off < len)
		evbuffer_add(in, text + off, len - off);
	size_t t = evbuffer_get_length(in);
	if (t >= tail_len)
		t = tail_len - 1;
	evbuffer_remove(in, tail, t);
	tail[t] = '\0';
	relay_head_free(&h);
	evbuffer_free(in);
	return pr;
}

static void
test_head(void **state)
{
	static const char req[] = "GET /x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n"
	    "BODY-OR-NEXT";
	char tail[64];
	int parses;

	(void)state;
	/* Whole: parsed once, in place; the rest stays in the input. */
	assert_int_equal(feed(req, 0, 16384, &parses, tail, sizeof(tail)),
	    HTTP_OK);
	assert_int_equal(parses, 1);
	assert_string_equal(tail, "BODY-OR-NEXT");
	/* A byte at a time: still one parse (the end of the head decides),
	 * and the bytes after the head are back in the input, in order. */
	for (size_t step = 1; step <= 7; step++) {
		assert_int_equal(feed(req, step, 16384, &parses, tail,
		    sizeof(tail)), HTTP_OK);
		assert_int_equal(parses, 1);
		assert_string_equal(tail, "BODY-OR-NEXT");
	}
	/* Malformed early: refused once 256 bytes are there, without the
	 * end of the head. */
	{
		char bad[600];
		memset(bad, 'x', sizeof(bad) - 1);
		memcpy(bad, "G\x01T / HTTP/1.1\r\n", 16);
		bad[sizeof(bad) - 1] = '\0';
		enum http_result r = feed(bad, 1, 16384, &parses, tail,
		    sizeof(tail));
		assert_int_not_equal(r, HTTP_OK);
		assert_int_not_equal(r, HTTP_INCOMPLETE);
		assert_int_equal(parses, 1);
	}
	/* Over max_head, a byte at a time: 431 when max_head is reached. */
	{
		struct sbuf big;
		sbuf_init(&big);
		sbuf_adds(&big, "GET / HTTP/1.1\r\nHost: h\r\n");
		while (big.len < 5000)
			sbuf_adds(&big, "X-Pad: 0123456789012345678901234567890123"
			    "45678901234567890123456789\r\n");
		sbuf_adds(&big, "\r\n");
		assert_int_equal(feed(big.s, 1, 4096, &parses, tail,
		    sizeof(tail)), HTTP_ERR_HEAD_TOO_LARGE);
		assert_true(parses <= 12);
		sbuf_free(&big);
	}
}

/* A 64 KiB head a byte at a time: a handful of parses, not 65,536. */
static void
test_head_trickle_parses(void **state)
{
	struct sbuf big;
	char tail[8];
	int parses;

	(void)state;
	sbuf_init(&big);
	sbuf_adds(&big, "GET / HTTP/1.1\r\nHost: h\r\n");
	/* 1,000-byte lines: under the 100 header fields a head may have. */
	char line[1001];
	memset(line, '7', sizeof(line) - 1);
	memcpy(line, "X-Pad: ", 7);
	memcpy(line + 998, "\r\n", 2);
	line[1000] = '\0';
	while (big.len < 65000)
		sbuf_adds(&big, line);
	sbuf_adds(&big, "\r\n");
	assert_int_equal(feed(big.s, 1, 128 * 1024, &parses, tail,
	    sizeof(tail)), HTTP_OK);
	assert_true(parses <= 24);
	sbuf_free(&big);
}

static void
test_framed(void **state)
{
	struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
	struct http_chunked ch;
	int64_t left = 5, count = 0;

	(void)state;
	evbuffer_add(src, "helloNEXT", 9);
	assert_int_equal(relay_framed(src, dst, HTTP_BODY_LENGTH, &left, &ch,
	    &count), 1);
	assert_int_equal(evbuffer_get_length(dst), 5);
	assert_int_equal(evbuffer_get_length(src), 4);     /* NEXT stays */
	evbuffer_drain(src, 4);
	evbuffer_drain(dst, 5);
	http_chunked_init(&ch);
	count = 0;
	evbuffer_add(src, "3\r\nabc\r\n0\r\n\r\nGET", 16);
	assert_int_equal(relay_framed(src, dst, HTTP_BODY_CHUNKED, &left, &ch,
	    &count), 1);
	assert_int_equal(count, 13);
	assert_int_equal(evbuffer_get_length(src), 3);     /* GET stays */
	http_chunked_init(&ch);
	evbuffer_drain(src, 3);
	evbuffer_add(src, "zz\r\n", 4);
	assert_int_equal(relay_framed(src, dst, HTTP_BODY_CHUNKED, &left, &ch,
	    &count), -1);
	evbuffer_free(src);
	evbuffer_free(dst);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_head_trickle_parses),
		cmocka_unit_test(test_framed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
