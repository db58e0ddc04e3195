/*
 * fuzz_forward_proxy.c - libFuzzer harness for the forward proxy's request head
 * and target parsing (proxy/forward_proxy.c): a head parsed as read_head does it
 * (http_parse_request, then forward_proxy_parse_target on its target, CONNECT or
 * not), and forward_proxy_parse_target on the raw input both ways.
 *
 * Checked: the result is one forward_proxy.h lists; a host found is lowercase,
 * 1..SNI_NAME_MAX bytes, without a trailing dot, and (case aside) the
 * bytes of the target it came from; the port is 1..65535, 80 for an
 * absolute URI without one, and CONNECT never gets one it did not name;
 * the path lies in the target (or is "/"), and path and rest are all the
 * target holds after the authority; the staging twin of a host is its
 * name with the zone swapped. A broken property aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forward_proxy.h"
#include "http.h"

#define INPUT_MAX 8192
#define MAX_HEAD  8192          /* [edgesim] max_header_size's default */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do {                                                \
	if (!(cond)) {                                                  \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
		    __LINE__, #cond);                                   \
		abort();                                                \
	}                                                               \
} while (0)

/* needle[0..nn) occurs in hay[0..hn), ASCII case aside. */
static bool
contains_nocase(const char *hay, size_t hn, const char *needle, size_t nn)
{
	for (size_t i = 0; i + nn <= hn; i++)
		if (strncasecmp(hay + i, needle, nn) == 0 &&
		    memchr(hay + i, '\0', nn) == NULL)
			return true;
	return false;
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
fuzz_target(const char *p, size_t n, bool is_connect)
{
	struct forward_proxy_target t;
	enum forward_proxy_target_result r = forward_proxy_parse_target(p, n, is_connect, &t);

	check(r == FORWARD_PROXY_TARGET_OK || r == FORWARD_PROXY_TARGET_ORIGIN_FORM ||
	    r == FORWARD_PROXY_TARGET_BAD_HOST || r == FORWARD_PROXY_TARGET_BAD_PORT);
	check((t.path.n == 0) || (t.path.p >= p && t.path.p + t.path.n <= p + n) ||
	    (t.path.n == 1 && t.path.p[0] == '/'));
	check(t.rest.n == 0 || (t.rest.p >= p && t.rest.p + t.rest.n == p + n));
	check(t.rest.n == 0 || t.rest.p[0] == '?' || t.rest.p[0] == '#');
	if (is_connect)
		check(r != FORWARD_PROXY_TARGET_ORIGIN_FORM && t.rest.n == 0);
	if (r == FORWARD_PROXY_TARGET_OK && !is_connect) {
		/* what is sent on, path and rest, is all that follows the
		 * authority of "scheme://authority", with "/" for no path */
		const char *a = memmem(p, n, "://", 3), *end = p + n;
		check(a != NULL);
		for (a += 3; a < end && *a != '/' && *a != '?' && *a != '#'; a++)
			;
		if (a < end && *a == '/')
			check(t.path.p == a && t.rest.p == a + t.path.n);
		else
			check(t.path.n == 1 && t.path.p[0] == '/' &&
			    t.rest.p == a);
		check(t.rest.p + t.rest.n == end);
	}
	if (r == FORWARD_PROXY_TARGET_ORIGIN_FORM || r == FORWARD_PROXY_TARGET_BAD_HOST) {
		check(t.host[0] == '\0' && t.port == 0);
		return;
	}
	size_t hn = strnlen(t.host, sizeof(t.host));
	check(hn < sizeof(t.host));
	for (size_t i = 0; i < hn; i++)
		check(!(t.host[i] >= 'A' && t.host[i] <= 'Z'));
	check(hn == 0 || t.host[hn - 1] != '.');
	check(hn == 0 || contains_nocase(p, n, t.host, hn));
	if (r == FORWARD_PROXY_TARGET_BAD_PORT) {
		check(t.port <= 0 || t.port > 65535);
		return;
	}
	check(hn > 0);
	check(t.port >= 1 && t.port <= 65535);
	if (is_connect) {
		/* the port it names, spelled in the target after the host */
		char spelled[8];
		snprintf(spelled, sizeof(spelled), "%d", t.port);
		check(memchr(p, ':', n) != NULL);
		check(contains_nocase(p, n, spelled, strlen(spelled)));
	}
	check_twin(t.host);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	const char *buf = (const char *)data;
	size_t head_len = 0;

	if (size > INPUT_MAX)
		return 0;
	/* read_head's way */
	if (http_parse_request(buf, size, MAX_HEAD, &req, &head_len) ==
	    HTTP_OK) {
		bool is_connect = http_str_ieq(req.method, "CONNECT");
		fuzz_target(req.target.p, req.target.n, is_connect);
	}
	/* the target parser alone, on any bytes */
	fuzz_target(buf, size, true);
	fuzz_target(buf, size, false);
	return 0;
}
