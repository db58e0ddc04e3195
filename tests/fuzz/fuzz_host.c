/*
 * fuzz_host.c - libFuzzer harness for turning a Host header or a request
 * target into a name and a port: sni_host_from_header (proxy/sni.c) and
 * http_target_path's authority (proxy/http.c), chained as an edge does
 * (conn.c: the authority of an absolute-form target, else the Host value).
 *
 * The input is the Host value, and also the target. Checked:
 *  - the host lies inside the value; around it is exactly what the rules
 *    of sni.h allow (brackets, then nothing or ':' and 1..5 digits up to
 *    65535), and it is not found when anything else is there;
 *  - formatting the host and port back and parsing again gives them back;
 *  - the path and authority lie inside the target (or the path is "/"),
 *    the path holds no '?' or '#', the authority no '/', '?', '#' or '@'.
 * A broken property aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "sni.h"

#define INPUT_MAX 1024

static bool
inside(const char *p, size_t n, const char *buf, size_t len)
{
	return n == 0 || (p >= buf && p <= buf + len &&
	    n <= (size_t)(buf + len - p));
}

/* ":" then 1..5 digits worth at most 65535, and nothing else; *port. */
static bool
ref_port(const char *p, size_t n, long *port)
{
	if (n < 2 || n > 6 || p[0] != ':')
		return false;
	*port = 0;
	for (size_t i = 1; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*port = *port * 10 + (p[i] - '0');
	}
	return *port <= 65535;
}

/* The host sni.h describes, found another way: 0 when malformed. */
static size_t
ref_host(const char *v, size_t n, const char **start, long *port)
{
	const char *end;

	*port = -1;
	if (n == 0)
		return 0;
	if (v[0] == '[') {
		end = memchr(v, ']', n);
		if (end == NULL || end == v + 1)
			return 0;
		*start = v + 1;
		end++;                  /* the rest starts after ']' */
	} else {
		end = memchr(v, ':', n);
		if (end == NULL)
			end = v + n;
		if (end == v)
			return 0;
		*start = v;
	}
	size_t rest = (size_t)(v + n - end);
	if (rest > 0 && !ref_port(end, rest, port))
		return 0;
	return v[0] == '[' ? (size_t)(end - 1 - *start) : (size_t)(end - v);
}

static void
fuzz_host_value(const char *v, size_t n)
{
	const char *start = NULL, *rstart = NULL;
	long port;
	size_t hn = sni_host_from_header(v, n, &start);
	size_t rn = ref_host(v, n, &rstart, &port);

	if (hn != rn || (hn && start != rstart)) {
		fprintf(stderr, "\"%.*s\": host %zu at %td, reference %zu at "
		    "%td\n", (int)n, v, hn, start ? start - v : -1, rn,
		    rstart ? rstart - v : -1);
		abort();
	}
	if (hn == 0)
		return;
	check(inside(start, hn, v, n));
	if (v[0] == '[')
		check(memchr(start, ']', hn) == NULL);
	else
		check(memchr(start, ':', hn) == NULL);

	/* Formatted again, "host[:port]" gives the same host and port. */
	char buf[INPUT_MAX + 16];
	bool brackets = v[0] == '[';
	size_t len = 0;
	if (brackets)
		buf[len++] = '[';
	memcpy(buf + len, start, hn);   /* any bytes, NUL included */
	len += hn;
	if (brackets)
		buf[len++] = ']';
	if (port >= 0)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, ":%ld",
		    port);
	const char *s2 = NULL;
	long p2;
	size_t h2 = sni_host_from_header(buf, len, &s2);
	check(h2 == hn && memcmp(s2, start, hn) == 0);
	check(ref_host(buf, len, &s2, &p2) == hn && p2 == port);
}

static void
fuzz_target(const char *t, size_t n)
{
	struct http_str target = { t, n }, auth = { "?", 99 };
	struct http_str path = http_target_path(target, &auth);
	struct http_str path2 = http_target_path(target, NULL);

	check(path.p == path2.p && path.n == path2.n);
	check(inside(auth.p, auth.n, t, n));
	check(inside(path.p, path.n, t, n) ||
	    (path.n == 1 && path.p[0] == '/'));
	check(memchr(path.p, '?', path.n) == NULL);
	check(memchr(path.p, '#', path.n) == NULL);
	if (n > 0 && t[0] == '/') {
		/* origin-form: a prefix of the target, no authority */
		check(path.p == t && auth.n == 0);
	} else if (auth.n > 0 && !(auth.p == t && auth.n == n)) {
		/* absolute-form: after "scheme://" (and any userinfo@) */
		const char *sep = memmem(t, n, "://", 3);
		check(sep != NULL && auth.p >= sep + 3);
		check(auth.p == sep + 3 || auth.p[-1] == '@');
		check(memchr(auth.p, '/', auth.n) == NULL);
		check(memchr(auth.p, '?', auth.n) == NULL);
		check(memchr(auth.p, '#', auth.n) == NULL);
		check(memchr(auth.p, '@', auth.n) == NULL);
	}
	/* The edge's chain: this authority (else the value) as a Host. */
	if (auth.n > 0)
		fuzz_host_value(auth.p, auth.n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data;

	if (size > INPUT_MAX)
		return 0;
	fuzz_host_value(v, size);
	fuzz_target(v, size);
	return 0;
}
