/*
 * fuzz_forward_proxy.c - libFuzzer harness for how the forward proxy (and
 * every edge) reads a request head's authority: the head parsed as the
 * proxy's read_head does it (http_parse_request), then authority_parse
 * and authority_apply (proxy/authority.c), and the Akamai staging twin of
 * the host found (forward_proxy_staging_twin).
 *
 * Checked: the result is one authority.h lists; on AUTHORITY_OK the host,
 * path and query lie in the head's bytes, the host is the authority's
 * value without its port (and brackets), a port given is 1..65535 and
 * spelled in the value; CONNECT is authority-form and names a port; an
 * absolute-form target's authority becomes the request's Host and its
 * Host header; the staging twin of a host is its name with the zone
 * swapped. A broken property aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "authority.h"
#include "forward_proxy.h"
#include "http.h"
#include "sni.h"

#define INPUT_MAX 8192
#define MAX_HEAD  8192          /* [edgesim] max_header_size's default */

/* s lies in buf[0..n) (an empty s may point anywhere). */
static bool
inside(struct http_str s, const char *buf, size_t n)
{
	return s.n == 0 || (s.p >= buf && s.p + s.n <= buf + n);
}

static void
check_twin(const char *host)
{
	static const char *const zones[] = { ".akamaiedge.net", ".edgekey.net",
	    ".edgesuite.net" };
	char twin[SNI_NAME_MAX + 32], want[SNI_NAME_MAX + 32] = "";
	size_t n = strlen(host);

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		size_t z = strlen(zones[i]);
		if (n > z && strcasecmp(host + n - z, zones[i]) == 0) {
			/* "x.edgekey.net" -> "x.edgekey-staging.net" */
			snprintf(want, sizeof(want), "%.*s%.*s-staging.net",
			    (int)(n - z), host, (int)(z - 4), zones[i]);
			break;
		}
	}
	int rc = forward_proxy_staging_twin(host, twin, sizeof(twin));
	check((rc == 0) == (want[0] != '\0'));
	check(rc < 0 || strcmp(twin, want) == 0);
}

static void
fuzz_head(const char *buf, size_t n)
{
	struct http_request req;
	struct authority a;
	size_t head_len = 0;

	if (http_parse_request(buf, n, MAX_HEAD, &req, &head_len) != HTTP_OK)
		return;
	bool is_connect = http_str_ieq(req.method, "CONNECT");
	enum authority_result r = authority_parse(&req, &a);
	check((unsigned)r < AUTHORITY_RESULT_COUNT);
	check(authority_result_str(r) != NULL);
	if (r != AUTHORITY_OK)
		return;
	check(inside(a.value, buf, n) && inside(a.host, buf, n));
	/* the path is the head's, or "/" for an absolute URI without one */
	check(inside(a.path, buf, n) || (a.path.n == 1 && a.path.p[0] == '/'));
	check(inside(a.query, buf, n));
	check(a.query.n == 0 || a.query.p[0] == '?');
	check(a.port >= 0 && a.port <= 65535);
	if (is_connect)
		check(a.form == AUTHORITY_AUTHORITY_FORM && a.port > 0);
	if (a.host.n > 0) {
		/* the host is the value's, without port or brackets */
		check(a.host.n <= a.value.n);
		check(a.host.p >= a.value.p &&
		    a.host.p + a.host.n <= a.value.p + a.value.n);
		char host[SNI_NAME_MAX + 1];
		if (a.host.n <= SNI_NAME_MAX && memchr(a.host.p, '\0',
		    a.host.n) == NULL) {
			/* as the proxy keeps it: lowercase, without the
			 * root's trailing dot */
			size_t hn = a.host.n;
			for (size_t i = 0; i < hn; i++)
				host[i] = (char)((a.host.p[i] >= 'A' &&
				    a.host.p[i] <= 'Z') ? a.host.p[i] + 32 :
				    a.host.p[i]);
			host[hn] = '\0';
			if (hn > 1 && host[hn - 1] == '.')
				host[--hn] = '\0';
			check_twin(host);
		}
	}
	if (a.port > 0) {
		char spelled[8];
		snprintf(spelled, sizeof(spelled), ":%d", a.port);
		check(a.value.n >= strlen(spelled));
	}
	/* The authority becomes the request's one Host. */
	authority_apply(&req, &a);
	if (a.form == AUTHORITY_ABSOLUTE_FORM) {
		check(req.host.n == a.value.n &&
		    memcmp(req.host.p, a.value.p, a.value.n) == 0);
		for (size_t i = 0; i < req.n_headers; i++)
			if (http_str_ieq(req.headers[i].name, "host"))
				check(req.headers[i].value.n == a.value.n &&
				    memcmp(req.headers[i].value.p, a.value.p,
				    a.value.n) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	if (size > INPUT_MAX)
		return 0;
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	fuzz_head(buf, size);
	free(buf);
	return 0;
}
