/*
 * test_import.c - unit tests of `edgesim import` (proxy/cli/import*.c,
 * json_path.c): table-driven, each case a small CloudFront and/or Akamai
 * document and what the INI must (or must not) say, or the error, with
 * its JSON path, the import must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/import.h"
#include "cli/json_path.h"

#define ORIGIN(id, dn, pol) \
	"{\"Id\": \"" id "\", \"DomainName\": \"" dn "\", " \
	"\"CustomOriginConfig\": {\"HTTPPort\": 80, \"HTTPSPort\": 443, " \
	"\"OriginProtocolPolicy\": \"" pol "\"}}"
#define DIST(aliases, vc, origins, dcb, extra) \
	"{\"Distribution\": {\"DomainName\": \"d1.cloudfront.net\", " \
	"\"DistributionConfig\": {\"Aliases\": " aliases ", " \
	"\"ViewerCertificate\": " vc ", \"Origins\": " origins ", " \
	"\"DefaultCacheBehavior\": " dcb extra "}}}"
#define ACM "{\"ACMCertificateArn\": \"arn:aws:acm:x\", " \
	"\"SSLSupportMethod\": \"sni-only\"}"
#define DEFCERT "{\"CloudFrontDefaultCertificate\": true}"
#define ONE_ORIGIN "{\"Quantity\": 1, \"Items\": [" \
	ORIGIN("app", "app.example.net", "https-only") "]}"
#define DCB(policy) "{\"TargetOriginId\": \"app\", " \
	"\"OriginRequestPolicyId\": \"" policy "\"}"
#define ALL_VIEWER "216adef6-5c7f-47e4-b989-5492eafa07d3"
#define EXCEPT_HOST "b689b0a8-53d0-40ab-baf2-68738e2966ac"

#define AK_ORIGIN(host, extra) \
	"{\"name\": \"origin\", \"options\": {\"originType\": \"CUSTOMER\", " \
	"\"hostname\": \"" host "\", \"forwardHostHeader\": " \
	"\"ORIGIN_HOSTNAME\", \"httpsPort\": 443" extra "}}"
#define AK_TREE(beh, children) \
	"{\"ruleFormat\": \"v2023-01-05\", \"rules\": {\"name\": \"default\", " \
	"\"behaviors\": [" beh "], \"children\": [{\"name\": \"h\", " \
	"\"criteria\": [{\"name\": \"hostname\", \"options\": " \
	"{\"matchOperator\": \"IS_ONE_OF\", \"values\": " \
	"[\"www.example.com\"]}}], \"children\": [" children "]}]}}"

struct import_case {
	const char *name;
	const char *cloudfront;         /* NULL: none */
	const char *akamai;
	const char *want[4];            /* substrings of the INI, or of the error */
	const char *not_want;
	bool fails;
};

static const struct import_case cases[] = {
	{ "default behaviour: SNI and Host are the origin's name",
	  DIST("{\"Quantity\": 1, \"Items\": [\"www.example.com\"]}", ACM,
	  ONE_ORIGIN, DCB(EXCEPT_HOST), ""), NULL,
	  { "sni = on", "host_header = origin", "aliases = www.example.com",
	    "; from Distribution.DistributionConfig.Origins.Items[0].DomainName" },
	  NULL, false },
	{ "AllViewer forwards Host: SNI and Host are the viewer's",
	  DIST("{\"Quantity\": 0}", ACM, ONE_ORIGIN, DCB(ALL_VIEWER), ""), NULL,
	  { "sni = host", "host_header = incoming",
	    "; console: CloudFront: Behaviors > Origin request policy", NULL },
	  NULL, false },
	{ "an unknown policy id is an assumption, said so",
	  DIST("{\"Quantity\": 0}", ACM, ONE_ORIGIN, DCB("0000-unknown"), ""),
	  NULL, { "; assumed: ", "0000-unknown", "sni = on", NULL }, NULL,
	  false },
	{ "the default certificate: *.cloudfront.net for every alias",
	  DIST("{\"Quantity\": 1, \"Items\": [\"www.example.com\"]}", DEFCERT,
	  ONE_ORIGIN, DCB(EXCEPT_HOST), ""), NULL,
	  { "cert = lab:*.cloudfront.net", "no_sni = reject",
	    "default_cert = *.cloudfront.net", NULL }, NULL, false },
	{ "path behaviors become routes, a missing leading slash added",
	  DIST("{\"Quantity\": 0}", ACM, "{\"Quantity\": 2, \"Items\": ["
	  ORIGIN("app", "app.example.net", "https-only") ", "
	  ORIGIN("api", "api.example.net", "http-only") "]}", DCB(EXCEPT_HOST),
	  ", \"CacheBehaviors\": {\"Quantity\": 1, \"Items\": [{\"PathPattern\": "
	  "\"v1/*\", \"TargetOriginId\": \"api\"}]}"), NULL,
	  { "route = /v1/* api", "type = echo", "http-only", NULL }, NULL,
	  false },
	{ "Lambda@Edge is read and listed as ignored",
	  DIST("{\"Quantity\": 0}", ACM, ONE_ORIGIN,
	  "{\"TargetOriginId\": \"app\", \"LambdaFunctionAssociations\": "
	  "{\"Quantity\": 1, \"Items\": [{}]}}", ""), NULL,
	  { "; ignored: Distribution.DistributionConfig.DefaultCacheBehavior."
	    "LambdaFunctionAssociations", "Lambda@Edge", NULL }, NULL, false },
	{ "Akamai with SNI off, pointed at the distribution",
	  DIST("{\"Quantity\": 1, \"Items\": [\"cdn.example.com\"]}", ACM,
	  ONE_ORIGIN, DCB(EXCEPT_HOST), ""),
	  AK_TREE(AK_ORIGIN("cdn.example.com", ", \"originSni\": false"), ""),
	  { "sni = off", "; from rules.behaviors[0].options.originSni",
	    "; console: Property Manager: Origin Server > Use SNI TLS Extension",
	    "cdn.example.com = 127.0.0.1:" }, NULL, false },
	{ "Akamai path rules after the default become routes, latest first",
	  NULL, AK_TREE(AK_ORIGIN("a.example.net", ""),
	  "{\"name\": \"p\", \"criteria\": [{\"name\": \"path\", \"options\": "
	  "{\"matchOperator\": \"MATCHES_ONE_OF\", \"values\": [\"/x/*\"]}}], "
	  "\"behaviors\": [" AK_ORIGIN("b.example.net", "") "]}, "
	  "{\"name\": \"q\", \"criteria\": [{\"name\": \"path\", \"options\": "
	  "{\"matchOperator\": \"MATCHES_ONE_OF\", \"values\": [\"/y/*\"]}}], "
	  "\"behaviors\": [" AK_ORIGIN("c.example.net", "") "]}"),
	  { "route = /y/* c.example.net\n", "route = /x/* b.example.net\n",
	    "origin = a.example.net\n", NULL }, NULL, false },
	{ "Akamai platform verification: origin and forwarded Host names",
	  NULL, AK_TREE("{\"name\": \"origin\", \"options\": {\"hostname\": "
	  "\"o.example.net\", \"forwardHostHeader\": \"REQUEST_HOST_HEADER\"}}",
	  ""), { "names = o.example.net www.example.com", "verify = full",
	  "host_header = incoming", NULL }, NULL, false },
	{ "an expired pinned leaf: the literal pin goes in",
	  NULL, AK_TREE(AK_ORIGIN("o.example.net", ", \"verificationMode\": "
	  "\"CUSTOM\", \"originCertsToHonor\": \"CUSTOM_CERTIFICATES\", "
	  "\"customCertificates\": [{\"sha1Fingerprint\": "
	  "\"0011223344556677889900112233445566778899\", \"notAfter\": "
	  "1500000000000}]"), ""),
	  { "verify = pin", "pin = sha1:00:11:22", "expired", NULL },
	  "pin_refresh", false },
	{ "a current pinned leaf: learned in the lab",
	  NULL, AK_TREE(AK_ORIGIN("o.example.net", ", \"verificationMode\": "
	  "\"CUSTOM\", \"originCertsToHonor\": \"CUSTOM_CERTIFICATES\", "
	  "\"customCertificates\": [{\"sha1Fingerprint\": "
	  "\"0011223344556677889900112233445566778899\", \"subjectCN\": "
	  "\"o.example.net\", \"notAfter\": 4102444800000}]"), ""),
	  { "verify = pin", "pin_refresh = 8760h", NULL }, "pin = sha1",
	  false },
	/* errors */
	{ "missing DomainName names its path",
	  DIST("{\"Quantity\": 0}", ACM, "{\"Quantity\": 1, \"Items\": "
	  "[{\"Id\": \"app\"}]}", DCB(EXCEPT_HOST), ""), NULL,
	  { "Distribution.DistributionConfig.Origins.Items[0].DomainName: "
	    "missing", NULL }, NULL, true },
	{ "an alias that is not a host name",
	  DIST("{\"Quantity\": 1, \"Items\": [\"bad name\"]}", ACM, ONE_ORIGIN,
	  DCB(EXCEPT_HOST), ""), NULL,
	  { "Aliases.Items[0]: \"bad name\" is not a host name", NULL }, NULL,
	  true },
	{ "an unknown SSLSupportMethod",
	  DIST("{\"Quantity\": 0}", "{\"ACMCertificateArn\": \"a\", "
	  "\"SSLSupportMethod\": \"magic\"}", ONE_ORIGIN, DCB(EXCEPT_HOST), ""),
	  NULL, { "ViewerCertificate.SSLSupportMethod: unknown value \"magic\"",
	  "sni-only", NULL }, NULL, true },
	{ "duplicate keys", "{\"Distribution\": {}, \"Distribution\": {}}",
	  NULL, { "duplicate object key", NULL }, NULL, true },
	{ "an Akamai tree without rules", NULL, "{\"ruleFormat\": \"latest\"}",
	  { "not an Akamai rule tree", NULL }, NULL, true },
	{ "an Akamai origin hostname that is not one",
	  NULL, AK_TREE(AK_ORIGIN("o example", ""), ""),
	  { "rules.behaviors[0].options.hostname: \"o example\" is not a host "
	    "name", NULL }, NULL, true },
	{ "a bad pin fingerprint",
	  NULL, AK_TREE(AK_ORIGIN("o.example.net", ", \"verificationMode\": "
	  "\"CUSTOM\", \"originCertsToHonor\": \"CUSTOM_CERTIFICATES\", "
	  "\"customCertificates\": [{\"sha1Fingerprint\": \"zz\"}]"), ""),
	  { "customCertificates[0].sha1Fingerprint: \"zz\" is not a SHA-1", NULL },
	  NULL, true },
};

static char *
temp_file(const char *text)
{
	char *path = strdup("/tmp/edgesim-test-import-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct import_case *c = &cases[i];
		struct import_opts o;
		struct sbuf out;
		struct es_err err = { "" };
		char *cf = c->cloudfront ? temp_file(c->cloudfront) : NULL;
		char *ak = c->akamai ? temp_file(c->akamai) : NULL;

		memset(&o, 0, sizeof(o));
		o.cloudfront = cf;
		o.akamai = ak;
		sbuf_init(&out);
		int rc = import_build(&o, &out, &err);
		const char *text = c->fails ? err.msg : out.s ? out.s : "";
		if ((rc < 0) != c->fails)
			fail_msg("%s: import %s: %s", c->name, rc < 0 ? "failed" :
			    "succeeded", rc < 0 ? err.msg : "");
		for (size_t k = 0; k < 4 && c->want[k]; k++)
			if (strstr(text, c->want[k]) == NULL)
				fail_msg("%s: '%s' not in:\n%s", c->name, c->want[k],
				    text);
		if (c->not_want && strstr(text, c->not_want))
			fail_msg("%s: '%s' found", c->name, c->not_want);
		sbuf_free(&out);
		if (cf)
			unlink(cf);
		if (ak)
			unlink(ak);
		free(cf);
		free(ak);
	}
}

static void
test_json_path(void **state)
{
	struct es_err err = { "" };
	const char *s;
	int64_t n;
	json_t *items;
	size_t count;
	char p[JSON_PATH_MAX];

	(void)state;
	static const char text[] = "{\"a\": {\"b\": [1, \"x\"], "
	    "\"L\": {\"Quantity\": 0}, \"M\": {\"Quantity\": 2, \"Items\": [1]}}}";
	json_t *doc = json_path_loadb("t", text, strlen(text), &err);
	assert_non_null(doc);
	json_t *a = json_object_get(doc, "a");
	assert_int_equal(json_path_string(a, "a", "nope", false, &s, &err), 1);
	assert_int_equal(json_path_string(a, "a", "nope", true, &s, &err), -1);
	assert_string_equal(err.msg, "a.nope: missing (required)");
	assert_int_equal(json_path_int(a, "a", "b", true, 0, 9, &n, &err), -1);
	assert_string_equal(err.msg, "a.b: expected an integer, found an array");
	assert_int_equal(json_path_cf_list(a, "a", "L", true, &items, &count,
	    &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(json_path_cf_list(a, "a", "M", true, &items, &count,
	    &err), -1);
	assert_string_equal(err.msg, "a.M.Quantity: 2, but Items has 1 entries");
	json_path_index(p, sizeof(p), "a.b", 1);
	assert_string_equal(p, "a.b[1]");
	json_decref(doc);
	assert_null(json_path_loadb("t", "{\"k\": 1, \"k\": 2}", 16, &err));
	assert_non_null(strstr(err.msg, "duplicate"));
	assert_null(json_path_loadb("t", "\"a\\u0000b\"", 10, &err));
	assert_true(json_path_hostname_ok("*.example.com"));
	assert_false(json_path_hostname_ok("a b"));
	assert_false(json_path_hostname_ok("under_score.example.com"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_json_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
