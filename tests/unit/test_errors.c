/*
 * test_errors.c - the error vocabulary (errors.c): lookups by code,
 * sub-reason and variant, explanations, CloudFront result types, and fix
 * templates filled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "errors.h"

/* Every code has its own row, in enum order, with what a viewer and the
 * docs need; every sub-reason row says something of its own. */
static void
test_rows_complete(void **state)
{
	const struct es_code_info *r;

	(void)state;
	for (int c = 0; c < ES_CODE_COUNT; c++) {
		r = errors_info((enum es_code)c);
		assert_int_equal(r->code, c);
		assert_null(r->sub);
		assert_non_null(r->name);
		assert_non_null(r->cf_result);
		if (c != ES_OK)
			assert_non_null(errors_why((enum es_code)c, NULL));
	}
	size_t subs = 0;
	for (size_t i = 0; (r = errors_row(i)) != NULL; i++) {
		if (r->sub == NULL)
			continue;
		subs++;
		assert_true(r->code > ES_OK && r->code < ES_CODE_COUNT);
		if (r->why == NULL && r->fix == NULL)
			fail_msg("%s %s: a row that says nothing",
			    errors_name(r->code), r->sub);
		if (r->variant)
			continue;
		/* a sub-reason's own row is found by its name */
		assert_ptr_equal(errors_lookup(r->code, r->sub, NULL), r);
	}
	assert_true(subs >= 20);
	/* every TLS reason the classifier gives has its words */
	for (int t = ES_TLS_NO_CERTIFICATE; t < ES_TLS_VERIFY_FAILED; t++) {
		const char *name = errors_tls_reason_name((enum es_tls_reason)t);
		if (errors_lookup(ES_ERR_FWD_SSL_HANDSHAKE, name, NULL)->sub == NULL)
			fail_msg("TLS reason %s has no row", name);
	}
}

static const struct {
	enum es_code code;
	const char *sub, *variant;
	const char *fix;                /* expected, with the vars below */
} fixes[] = {
	{ ES_ERR_DNS_FAIL, NULL, NULL,
	  "[resolve] d1.cloudfront.net = ADDR:PORT (or fix the DNS name)" },
	{ ES_ERR_CONNECT_FAIL, "", NULL, "check that the origin listens on "
	  "127.0.0.1:9443 ([origin cf] address, [resolve])" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", NULL, "make the origin "
	  "serve d1.cloudfront.net (CloudFront: add it as an alternate domain "
	  "name), or [origin cf] sni = NAME it serves" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", "sni_off",
	  "[origin cf] sni = on (Akamai: enable \"Use SNI TLS Extension\")" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", "unknown-variant",
	  "make the origin serve d1.cloudfront.net (CloudFront: add it as an "
	  "alternate domain name), or [origin cf] sni = NAME it serves" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "pin_mismatch", NULL, "[origin cf] pin = "
	  "sha1:AA:BB (re-pin the new certificate), or verify = full to trust "
	  "the CA" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "alert:bad_certificate", "cert_requested",
	  "[origin cf] client_cert = a certificate the origin trusts (it "
	  "refused the one sent)" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "alert:decode_error", NULL, "check what "
	  "the origin requires ([origin cf] ciphers, groups, min_tls, max_tls) "
	  "against its TLS settings" },
	{ ES_ERR_READ_ERROR, NULL, NULL, "" },
	{ ES_ERR_PROXY_DENIED, NULL, NULL, "[forward_proxy] hosts = NAME (or "
	  "allow_any = yes), allow_ports = PORT" },
};

static void
test_fix_templates(void **state)
{
	struct errors_fix_vars v = { .origin = "cf", .address =
	    "d1.cloudfront.net", .connect = "127.0.0.1:9443", .sni =
	    "d1.cloudfront.net", .name = "*.cloudfront.net", .pin = "sha1:AA:BB" };
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(fixes) / sizeof(fixes[0]); i++) {
		errors_fix(fixes[i].code, fixes[i].sub, fixes[i].variant, &v, out,
		    sizeof(out));
		if (strcmp(out, fixes[i].fix) != 0)
			fail_msg("fix %zu: got \"%s\", want \"%s\"", i, out,
			    fixes[i].fix);
	}
	/* names missing from the vars print as "-"; a short buffer is cut,
	 * terminated */
	errors_fix(ES_ERR_DNS_FAIL, NULL, NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "[resolve] - = ADDR:PORT (or fix the DNS name)");
	errors_fix(ES_ERR_DNS_FAIL, NULL, NULL, &v, out, 12);
	assert_int_equal(strlen(out), 11);
	assert_memory_equal(out, "[resolve] d", 11);
}

static void
test_cf_result_and_why(void **state)
{
	(void)state;
	assert_string_equal(errors_cf_result(ES_ERR_DNS_FAIL, NULL),
	    "OriginDnsError");
	assert_string_equal(errors_cf_result(ES_ERR_BAD_RESPONSE, "bad_chunk"),
	    "OriginInvalidResponseError");
	assert_string_equal(errors_cf_result(ES_ERR_BAD_RESPONSE,
	    "response_head_too_large"), "OriginHeaderTooBigError");
	assert_string_equal(errors_cf_result(ES_ERR_READ_TIMEOUT, NULL),
	    "OriginCommError");
	/* a sub-reason's own words, else the code's */
	assert_non_null(strstr(errors_why(ES_ERR_FWD_SSL_HANDSHAKE,
	    "no_certificate"), "Use SNI TLS Extension"));
	assert_non_null(strstr(errors_why(ES_ERR_FWD_SSL_HANDSHAKE,
	    "alert:handshake_failure"), "alert after its certificate"));
	assert_string_equal(errors_why(ES_ERR_FWD_SSL_HANDSHAKE, "nonsense"),
	    errors_why(ES_ERR_FWD_SSL_HANDSHAKE, NULL));
	/* "alert" matches "alert:X" only, not "alerting" */
	assert_null(errors_lookup(ES_ERR_FWD_SSL_HANDSHAKE, "alerting",
	    NULL)->sub);
	/* a sub-reason of another code is not borrowed */
	assert_null(errors_lookup(ES_ERR_DNS_FAIL, "pin_mismatch", NULL)->sub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_fix_templates),
		cmocka_unit_test(test_cf_result_and_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
