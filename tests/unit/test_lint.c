/*
 * test_lint.c - unit tests of lint's prediction engine (proxy/cli/lint.c)
 * over small configs: each case is a chain (a front edge, an origin edge)
 * with one setting changed, and the outcome the viewer of www.example.com/
 * must be predicted to see (status, X-Edgesim-Error, or a viewer TLS
 * failure), and whether a warning is expected. No packet is sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/lint.h"
#include "config.h"

/* A front edge (persona P) whose origin O goes to the edge "inner". */
#define CHAIN(persona, origin_keys, inner_keys, inner_host_keys) \
	"[edgesim]\npki = /nonexistent/edgesim-lint-test\n" \
	"[resolve]\ninner.example.net = 127.0.0.1:20002\n" \
	"[edge front]\npersona = " persona "\nlisten = 127.0.0.1:20001\n" \
	"[host www.example.com]\nedge = front\norigin = o\n" \
	"[origin o]\naddress = inner.example.net:443\n" origin_keys \
	"[edge inner]\nlisten = 127.0.0.1:20002\n" inner_keys \
	"[host inner.example.net]\nedge = inner\norigin = app\n" \
	inner_host_keys "[origin app]\ntype = echo\n"

struct lint_case {
	const char *name;
	const char *ini;
	const char *want;       /* "200", "503 ERR_...; sub", "tls sub" */
	bool warning;
};

static const struct lint_case cases[] = {
	{ "a healthy chain", CHAIN("akamai", "host_header = origin\n", "", ""),
	  "200", false },
	{ "SNI off to an SNI-only edge",
	  CHAIN("akamai", "sni = off\nhost_header = origin\n",
	  "no_sni = reject\n", ""),
	  "503 ERR_FWD_SSL_HANDSHAKE; no_certificate", false },
	{ "SNI off to an edge that serves a default certificate",
	  CHAIN("akamai", "sni = off\nhost_header = origin\n", "", ""), "200",
	  false },
	{ "a name the certificate does not have",
	  CHAIN("akamai", "names = other.example.org\nhost_header = origin\n",
	  "", ""), "503 ERR_FWD_SSL_HANDSHAKE; hostname_mismatch", false },
	{ "verify = chain ignores the name",
	  CHAIN("akamai", "names = other.example.org\nverify = chain\n"
	  "host_header = origin\n", "", ""), "200", false },
	{ "no TLS version in common (cloudfront persona: 502)",
	  CHAIN("cloudfront", "max_tls = 1.2\n", "min_tls = 1.3\n", ""),
	  "502 ERR_FWD_SSL_HANDSHAKE; protocol_version", false },
	{ "an expired origin certificate",
	  CHAIN("akamai", "host_header = origin\n", "", "cert = lab:expired\n"),
	  "503 ERR_FWD_SSL_HANDSHAKE; cert_expired", false },
	{ "an untrusted issuer",
	  CHAIN("akamai", "host_header = origin\n", "",
	  "cert = lab:untrusted\n"),
	  "503 ERR_FWD_SSL_HANDSHAKE; untrusted_issuer", false },
	{ "a pin no lab certificate can match",
	  CHAIN("akamai", "host_header = origin\nverify = pin\npin = sha1:"
	  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\n", "",
	  ""), "503 ERR_FWD_SSL_HANDSHAKE; pin_mismatch", false },
	{ "a learned pin of a CloudFront edge: ok, and a rotation warning",
	  CHAIN("akamai", "host_header = origin\nverify = pin\n"
	  "pin_refresh = 1h\n", "persona = cloudfront\n", ""), "200", true },
	{ "the incoming Host is no alias of the CloudFront edge: 403",
	  CHAIN("akamai", "", "persona = cloudfront\n", ""),
	  "403 ERR_HOST_NOT_SERVED", false },
	{ "the same with the Host forwarded as an alias",
	  CHAIN("akamai", "", "persona = cloudfront\n",
	  "aliases = www.example.com\n"), "200", false },
	{ "client certificate required",
	  CHAIN("akamai", "host_header = origin\n", "client_auth = require\n",
	  ""), "503 ERR_FWD_SSL_HANDSHAKE; client_cert_required", false },
	{ "a slower origin than the read timeout",
	  "[edgesim]\npki = /nonexistent/x\n[resolve]\ni.example.net = "
	  "127.0.0.1:20002\n[edge front]\npersona = akamai\nlisten = "
	  "127.0.0.1:20001\n[host www.example.com]\nedge = front\norigin = o\n"
	  "[origin o]\naddress = i.example.net:443\nhost_header = origin\n"
	  "read_timeout = 1s\n[edge inner]\nlisten = 127.0.0.1:20002\n"
	  "[host i.example.net]\nedge = inner\norigin = slow\n[origin slow]\n"
	  "type = echo\ndelay = 2s\n", "504 ERR_READ_TIMEOUT", false },
	{ "an alias a CloudFront edge's certificate does not cover",
	  "[edgesim]\npki = /nonexistent/x\n[edge cf]\npersona = cloudfront\n"
	  "listen = 127.0.0.1:20003\n[host www.example.com]\nedge = cf\n"
	  "cert = lab:d1.cloudfront.net\norigin = app\n[origin app]\n"
	  "type = echo\n", "tls hostname_mismatch", false },
};

static void
outcome(const struct lint_request *q, char *out, size_t len)
{
	if (q->verdict == LINT_OK)
		snprintf(out, len, "200");
	else if (q->viewer_tls[0])
		snprintf(out, len, "tls %s", q->viewer_tls);
	else
		snprintf(out, len, "%d %s", q->status, q->error);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lint_case *c = &cases[i];
		struct conf_problems probs = { 0 };
		struct config *cfg = config_load_string("t.ini", c->ini, &probs);
		if (cfg == NULL)
			fail_msg("%s: config refused: %s", c->name,
			    probs.n ? probs.v[0].msg : "?");
		config_problems_free(&probs);
		struct lint_result r;
		lint_run(cfg, &r);
		const struct lint_request *q = NULL;
		for (size_t k = 0; k < r.n && q == NULL; k++)
			if (strcmp(r.req[k].name, "www.example.com") == 0 &&
			    strcmp(r.req[k].path, "/") == 0)
				q = &r.req[k];
		if (q == NULL)
			fail_msg("%s: no request for www.example.com/", c->name);
		char got[200];
		outcome(q, got, sizeof(got));
		if (strcmp(got, c->want) != 0)
			fail_msg("%s: predicted '%s', expected '%s'", c->name, got,
			    c->want);
		size_t warns = 0;
		for (size_t k = 0; k < q->n_hops; k++)
			warns += q->hops[k].n_warn;
		if ((warns > 0) != c->warning)
			fail_msg("%s: %zu warnings", c->name, warns);
		assert_int_equal(r.failures > 0, strcmp(c->want, "200") != 0);
		lint_result_free(&r);
		config_free(cfg);
	}
}

/* The origin edge is not a viewer entry point; the front edge is. */
static void
test_entry_points(void **state)
{
	struct conf_problems probs = { 0 };
	struct config *cfg = config_load_string("t.ini", CHAIN("plain",
	    "host_header = origin\n", "", ""), &probs);
	struct lint_result r;

	(void)state;
	assert_non_null(cfg);
	lint_run(cfg, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.req[0].edge->sec.name, "front");
	assert_int_equal(r.req[0].n_hops, 3);   /* viewer, front -> inner, inner -> echo */
	lint_result_free(&r);
	config_free(cfg);
	config_problems_free(&probs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_entry_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
