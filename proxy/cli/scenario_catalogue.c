/*
 * scenario_catalogue.c - the catalogue of incidents (scenario_catalogue.h):
 * one entry per conf/scenarios/NAME.ini, with the steps a viewer takes in
 * the broken and the fixed state. The stories, codes and fixes live in
 * the configs' header comments; docs/scenarios/NAME.md tells each one.
 */
#include "scenario_catalogue.h"

#include <string.h>

#include "util.h"

#define GET(e, h, p, st, ex, say) \
	{ .kind = STEP_HTTP, .edge = e, .host = h, .path = p, .status = st, \
	  .expect = ex, .key = true, .says = say }

const struct scenario scenario_catalogue[] = {
	{ "sni-off", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; no_certificate",
	      "a viewer asks the Akamai edge for the home page") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "the same request with SNI on") } },
	{ "alias-not-covered", NULL,
	  { { .kind = STEP_CHECK, .expect = "is not covered by the host's "
	      "certificate", .key = true, .says = "the pipeline adds the "
	      "alternate name www.example.com to the distribution" } },
	  { { .kind = STEP_CHECK, .expect = "OK", .says = "with a "
	      "certificate that covers the name, the config is accepted" },
	    GET("cloudfront", "www.example.com", "/", 200, NULL,
	      "and the alternate name is served") } },
	{ "alias-missing", NULL,
	  { GET("cloudfront", "api.example.com", "/api/users", 0,
	      "tls:name_mismatch", "a client calls https://api.example.com") },
	  { GET("cloudfront", "api.example.com", "/api/users", 200, NULL,
	      "with the alias added") } },
	{ "pin-rotated", "cloudfront",
	  { GET("akamai-a", "www.example.com", "/", 200, NULL,
	      "node A pins (learns) the CloudFront leaf"),
	    { .kind = STEP_RELOAD, .edge = "cloudfront", .change =
	      "[host d111111abcdef8.cloudfront.net] cert = lab:rotated",
	      .says = "CloudFront rotates its certificate" },
	    GET("akamai-b", "www.example.com", "/", 200, NULL,
	      "node B pins only now: it learns the new leaf"),
	    { .kind = STEP_HTTP, .edge = "akamai-a", .host = "www.example.com",
	      .path = "/", .status = 503, .key = true,
	      .expect = "ERR_FWD_SSL_HANDSHAKE; pin_mismatch",
	      .says = "node A still holds the old pin: its viewers fail" },
	    { .kind = STEP_WAIT, .ms = 2200, .says = "pin_refresh (2s) comes "
	      "due on node A" },
	    { .kind = STEP_HTTP, .edge = "akamai-a", .host = "www.example.com",
	      .path = "/", .status = 200, .says = "node A re-learned the "
	      "pin: \"prod suddenly worked\"" } },
	  { GET("akamai-a", "www.example.com", "/", 200, NULL,
	      "node A verifies by CA"),
	    { .kind = STEP_RELOAD, .edge = "cloudfront", .change =
	      "[host d111111abcdef8.cloudfront.net] cert = lab:rotated",
	      .says = "CloudFront rotates its certificate" },
	    { .kind = STEP_HTTP, .edge = "akamai-a", .host = "www.example.com",
	      .path = "/", .status = 200, .key = true, .says = "a rotation "
	      "under the same CA changes nothing" },
	    GET("akamai-b", "www.example.com", "/", 200, NULL,
	      "node B too") } },
	{ "host-header", NULL,
	  { GET("akamai", "www.example.com", "/", 403, "ERR_HOST_NOT_SERVED",
	      "Akamai forwards Host: static.example.com to CloudFront") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "Akamai forwards the incoming Host, an alternate name") } },
	{ "expired", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; cert_expired",
	      "the origin's certificate expired yesterday") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "after the renewal") } },
	{ "untrusted-ca", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; untrusted_issuer",
	      "the origin's certificate comes from a private CA") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "with the private CA added to the trust store") } },
	{ "incomplete-chain", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; incomplete_chain",
	      "the origin sends its leaf without the intermediate") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "the origin serves the full chain") } },
	{ "origin-mtls", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; client_cert_required",
	      "the origin requires a client certificate") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "the edge presents lab:client") } },
	{ "tls-version", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; protocol_version",
	      "the origin accepts TLS 1.3 only, the edge offers 1.2 at most") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "the edge offers TLS 1.3 too") } },
	{ "origin-down", NULL,
	  { GET("akamai", "www.example.com", "/", 503, "ERR_CONNECT_FAIL",
	      "nothing listens where the origin should be") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "pointed at the port the origin listens on") } },
	{ "origin-slow", NULL,
	  { GET("akamai", "www.example.com", "/report", 504, "ERR_READ_TIMEOUT",
	      "the origin takes 2s to answer, the edge waits 1s") },
	  { GET("akamai", "www.example.com", "/report", 200, NULL,
	      "with read_timeout above the origin's time") } },
	{ "elb-tcp-reencrypt", NULL,
	  { { .kind = STEP_RAW, .edge = "elb", .host = "jdbc.example.com",
	      .status = 0, .key = true,
	      .expect = "ERR_FWD_SSL_HANDSHAKE untrusted_issuer",
	      .says = "a JDBC-like client speaks through the ELB's TLS "
	      "listener" } },
	  { { .kind = STEP_RAW, .edge = "elb", .host = "jdbc.example.com",
	      .status = 200, .key = true, .says = "bytes pass both ways, "
	      "re-encrypted to the private-CA origin" } } },
	{ "revoked", NULL,
	  { GET("akamai", "www.example.com", "/", 503,
	      "ERR_FWD_SSL_HANDSHAKE; revoked",
	      "the origin's certificate is on the CA's CRL") },
	  { GET("akamai", "www.example.com", "/", 200, NULL,
	      "after a re-issue") } },
	{ "no-sni-viewer", NULL,
	  { { .kind = STEP_TLS, .edge = "cloudfront", .host = NULL,
	      .expect = "no_certificate", .key = true, .says = "a legacy "
	      "client connects without SNI" } },
	  { { .kind = STEP_TLS, .edge = "cloudfront", .host = NULL,
	      .expect = "cert:www.example.com", .key = true, .says = "a "
	      "dedicated-IP style edge serves the site's certificate to "
	      "every client" } } },
};

const size_t scenario_catalogue_len = ES_ARRAY_LEN(scenario_catalogue);

const struct scenario *
scenario_find(const char *name)
{
	for (size_t i = 0; i < scenario_catalogue_len; i++)
		if (strcmp(scenario_catalogue[i].name, name) == 0)
			return &scenario_catalogue[i];
	return NULL;
}
