/*
 * test_persona.c - unit tests of the error table (proxy/errors.c) and of
 * the error responses each persona writes (proxy/persona.c): Akamai's
 * references and entity-encoded page, CloudFront's page and headers, the
 * plain page, the X-Edgesim-* headers every response carries, and framing
 * (Content-Length, HEAD, Connection: close).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <regex.h>

#include "errors.h"
#include "persona.h"
#include "version.h"
#include "util.h"

#define EPOCH 1763876400LL
#define REQID 0x2c1382dULL

/* ---- the error table -------------------------------------------------------- */

struct code_row {
	enum es_code code;
	const char *name;
	int prefix;                     /* Akamai reference prefix, -1: none */
	int akamai, cloudfront, plain;  /* statuses */
	bool origin;                    /* the origin's doing */
};

/* DESIGN.md's table, plus the codes added since. */
static const struct code_row code_rows[] = {
	{ ES_OK, "OK", -1, 200, 200, 200, false },
	{ ES_ERR_DNS_FAIL, "ERR_DNS_FAIL", 11, 503, 502, 502, true },
	{ ES_ERR_CONNECT_FAIL, "ERR_CONNECT_FAIL", 6, 503, 502, 502, true },
	{ ES_ERR_CONNECT_TIMEOUT, "ERR_CONNECT_TIMEOUT", 6, 503, 504, 504,
	  true },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "ERR_FWD_SSL_HANDSHAKE", 30, 503, 502, 502,
	  true },
	{ ES_ERR_READ_TIMEOUT, "ERR_READ_TIMEOUT", 1, 504, 504, 504, true },
	{ ES_ERR_READ_ERROR, "ERR_READ_ERROR", 3, 502, 502, 502, true },
	{ ES_ERR_ZERO_SIZE_OBJECT, "ERR_ZERO_SIZE_OBJECT", 15, 502, 502, 502,
	  true },
	{ ES_ERR_BAD_RESPONSE, "ERR_BAD_RESPONSE", 3, 502, 502, 502, true },
	{ ES_ERR_BAD_REQUEST, "ERR_BAD_REQUEST", -1, 400, 400, 400, false },
	{ ES_ERR_HOST_NOT_SERVED, "ERR_HOST_NOT_SERVED", 9, 400, 403, 421,
	  false },
	{ ES_ERR_REQUEST_TIMEOUT, "ERR_REQUEST_TIMEOUT", -1, 408, 408, 408,
	  false },
	{ ES_ERR_LOOP_DETECTED, "ERR_LOOP_DETECTED", -1, 508, 508, 508, false },
	{ ES_ERR_PROXY_DENIED, "ERR_PROXY_DENIED", -1, 403, 403, 403, false },
};

static void
test_code_table(void **state)
{
	size_t i, k;

	(void)state;
	assert_int_equal(ES_ARRAY_LEN(code_rows), ES_CODE_COUNT);
	for (i = 0; i < ES_ARRAY_LEN(code_rows); i++) {
		const struct code_row *r = &code_rows[i];
		const struct es_code_info *info = errors_info(r->code);
		enum es_code parsed = ES_CODE_COUNT;

		assert_int_equal(info->code, r->code);
		assert_string_equal(errors_name(r->code), r->name);
		if (info->akamai_prefix != r->prefix)
			fail_msg("%s: prefix %d, want %d", r->name,
			    info->akamai_prefix, r->prefix);
		if (errors_status(r->code, PERSONA_AKAMAI) != r->akamai ||
		    errors_status(r->code, PERSONA_CLOUDFRONT) != r->cloudfront ||
		    errors_status(r->code, PERSONA_PLAIN) != r->plain)
			fail_msg("%s: statuses %d/%d/%d, want %d/%d/%d", r->name,
			    errors_status(r->code, PERSONA_AKAMAI),
			    errors_status(r->code, PERSONA_CLOUDFRONT),
			    errors_status(r->code, PERSONA_PLAIN), r->akamai,
			    r->cloudfront, r->plain);
		if (errors_is_origin(r->code) != r->origin)
			fail_msg("%s: errors_is_origin %d", r->name, !r->origin);
		assert_true(info->summary != NULL && strlen(info->summary) > 0);
		/* every status has a reason phrase */
		assert_string_not_equal(persona_reason_phrase(r->akamai),
		    "Unknown");
		assert_string_not_equal(persona_reason_phrase(r->cloudfront),
		    "Unknown");
		assert_string_not_equal(persona_reason_phrase(r->plain),
		    "Unknown");
		/* the name parses back to the code */
		if (errors_parse(r->name, &parsed) != 0 || parsed != r->code)
			fail_msg("errors_parse(\"%s\") does not round-trip",
			    r->name);
		for (k = 0; k < i; k++)
			assert_string_not_equal(code_rows[k].name, r->name);
	}
}

static void
test_code_parse_errors(void **state)
{
	static const char *const bad[] = { "", "ERR_", "ERR_DNS", "err_dns_fail",
	    "ERR_DNS_FAIL ", " ERR_DNS_FAIL", "ERR_DNS_FAILX", "DNS_FAIL" };
	enum es_code c = ES_ERR_READ_ERROR;
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(bad); i++) {
		if (errors_parse(bad[i], &c) != -1)
			fail_msg("errors_parse(\"%s\") accepted", bad[i]);
		assert_int_equal(c, ES_ERR_READ_ERROR);     /* untouched */
	}
	/* out-of-range codes and personas fall back, never read past */
	assert_string_equal(errors_name(ES_CODE_COUNT), "OK");
	assert_string_equal(errors_name((enum es_code)-1), "OK");
	assert_int_equal(errors_status(ES_ERR_DNS_FAIL, (enum persona)42), 502);
}

static void
test_tls_reasons(void **state)
{
	/* The names of DESIGN.md (alert:NAME is "alert" plus a detail). */
	static const char *const want[ES_TLS_REASON_COUNT] = {
		[ES_TLS_NO_CERTIFICATE] = "no_certificate",
		[ES_TLS_ALERT] = "alert",
		[ES_TLS_PROTOCOL_VERSION] = "protocol_version",
		[ES_TLS_CERT_EXPIRED] = "cert_expired",
		[ES_TLS_CERT_NOT_YET_VALID] = "cert_not_yet_valid",
		[ES_TLS_UNTRUSTED_ISSUER] = "untrusted_issuer",
		[ES_TLS_SELF_SIGNED] = "self_signed",
		[ES_TLS_INCOMPLETE_CHAIN] = "incomplete_chain",
		[ES_TLS_HOSTNAME_MISMATCH] = "hostname_mismatch",
		[ES_TLS_PIN_MISMATCH] = "pin_mismatch",
		[ES_TLS_REVOKED] = "revoked",
		[ES_TLS_CLIENT_CERT_REQUIRED] = "client_cert_required",
	};
	int r, k;

	(void)state;
	assert_string_equal(errors_tls_reason_name(ES_TLS_NONE), "");
	for (r = 1; r < ES_TLS_REASON_COUNT; r++) {
		const char *s = errors_tls_reason_name((enum es_tls_reason)r);

		if (s == NULL || *s == '\0')
			fail_msg("reason %d has no name", r);
		if (strspn(s, "abcdefghijklmnopqrstuvwxyz_") != strlen(s))
			fail_msg("reason %d: \"%s\" is not a lowercase word", r, s);
		if (want[r] != NULL && strcmp(s, want[r]) != 0)
			fail_msg("reason %d: \"%s\", want \"%s\"", r, s, want[r]);
		for (k = 1; k < r; k++)
			if (strcmp(s, errors_tls_reason_name(
			    (enum es_tls_reason)k)) == 0)
				fail_msg("reasons %d and %d share \"%s\"", k, r, s);
	}
	assert_string_equal(errors_tls_reason_name(ES_TLS_REASON_COUNT), "");
	assert_string_equal(errors_tls_reason_name((enum es_tls_reason)-1), "");
}

/* ---- references ------------------------------------------------------------- */

struct akamai_ref_case {
	enum es_code code;
	const char *listen;
	int64_t epoch;
	uint64_t id;
	const char *want;
};

static const struct akamai_ref_case akamai_refs[] = {
	{ ES_ERR_FWD_SSL_HANDSHAKE, "127.0.0.1", EPOCH, REQID,
	  "30.100007f.1763876400.2c1382d" },
	{ ES_ERR_DNS_FAIL, "127.0.0.1", EPOCH, REQID,
	  "11.100007f.1763876400.2c1382d" },
	{ ES_ERR_CONNECT_FAIL, "127.0.0.1", EPOCH, REQID,
	  "6.100007f.1763876400.2c1382d" },
	{ ES_ERR_CONNECT_TIMEOUT, "127.0.0.1", EPOCH, 1,
	  "6.100007f.1763876400.1" },
	{ ES_ERR_READ_TIMEOUT, "127.0.0.1", 0, 0, "1.100007f.0.0" },
	{ ES_ERR_ZERO_SIZE_OBJECT, "127.0.0.1", EPOCH, 0xffffffffffffffffULL,
	  "15.100007f.1763876400.ffffffffffffffff" },
	{ ES_ERR_HOST_NOT_SERVED, "127.0.0.1", EPOCH, REQID,
	  "9.100007f.1763876400.2c1382d" },
	/* the edge's address, little-endian: 10.1.2.3 -> 0x0302010a */
	{ ES_ERR_FWD_SSL_HANDSHAKE, "10.1.2.3", EPOCH, REQID,
	  "30.302010a.1763876400.2c1382d" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, "192.168.0.1", EPOCH, REQID,
	  "30.100a8c0.1763876400.2c1382d" },
	/* not IPv4: the loopback address stands in */
	{ ES_ERR_FWD_SSL_HANDSHAKE, "::1", EPOCH, REQID,
	  "30.100007f.1763876400.2c1382d" },
	{ ES_ERR_FWD_SSL_HANDSHAKE, NULL, EPOCH, REQID,
	  "30.100007f.1763876400.2c1382d" },
};

static void
test_ref_akamai(void **state)
{
	struct persona_id id;
	char ref[128];
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(akamai_refs); i++) {
		const struct akamai_ref_case *c = &akamai_refs[i];

		persona_id_init(&id, PERSONA_AKAMAI, "akamai", c->listen);
		persona_ref(&id, c->code, c->epoch, c->id, ref, sizeof(ref));
		if (strcmp(ref, c->want) != 0)
			fail_msg("%s at %s: \"%s\", want \"%s\"",
			    errors_name(c->code), c->listen ? c->listen : "NULL",
			    ref, c->want);
	}
}

static bool
is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void
test_ref_cloudfront_plain(void **state)
{
	struct persona_id id, other;
	char a[128], b[128], c[128];
	size_t i;

	(void)state;
	persona_id_init(&id, PERSONA_CLOUDFRONT, "cloudfront", "127.0.0.1");
	persona_id_init(&other, PERSONA_CLOUDFRONT, "cloudfront2", "127.0.0.1");
	for (uint64_t rid = 0; rid < 200; rid++) {
		persona_ref(&id, ES_ERR_FWD_SSL_HANDSHAKE, EPOCH, rid, a,
		    sizeof(a));
		if (strlen(a) != 56 || strcmp(a + 54, "==") != 0)
			fail_msg("X-Amz-Cf-Id \"%s\" is not 56 characters ending "
			    "in ==", a);
		for (i = 0; i < 54; i++)
			if (!is_b64url(a[i]))
				fail_msg("X-Amz-Cf-Id \"%s\": byte %zu", a, i);
		/* the last character before the padding carries 2 bits */
		assert_non_null(strchr("AQgw", a[53]));
		/* deterministic per request, different across requests and
		 * edges */
		persona_ref(&id, ES_ERR_FWD_SSL_HANDSHAKE, EPOCH, rid, b,
		    sizeof(b));
		assert_string_equal(a, b);
		persona_ref(&id, ES_ERR_FWD_SSL_HANDSHAKE, EPOCH, rid + 1, b,
		    sizeof(b));
		assert_string_not_equal(a, b);
		persona_ref(&other, ES_ERR_FWD_SSL_HANDSHAKE, EPOCH, rid, c,
		    sizeof(c));
		assert_string_not_equal(a, c);
	}
	/* a short buffer is cut, not overrun */
	persona_ref(&id, ES_ERR_DNS_FAIL, EPOCH, 7, a, 10);
	assert_int_equal(strlen(a), 9);

	persona_id_init(&id, PERSONA_PLAIN, "lab", "127.0.0.1");
	persona_ref(&id, ES_ERR_DNS_FAIL, EPOCH, REQID, a, sizeof(a));
	assert_string_equal(a, "es-69229e30-2c1382d");
}

static void
test_id_and_via(void **state)
{
	struct persona_id id, again;
	char via[96];
	regex_t re;

	(void)state;
	persona_id_init(&id, PERSONA_CLOUDFRONT, "cloudfront", "127.0.0.1");
	persona_id_init(&again, PERSONA_CLOUDFRONT, "cloudfront", "10.0.0.1");
	/* stable per edge name */
	assert_string_equal(id.via_token, again.via_token);
	assert_string_equal(id.pop, again.pop);
	assert_int_equal(strlen(id.via_token), 32);
	assert_int_equal(regcomp(&re,
	    "^1\\.1 [0-9a-f]{32}\\.cloudfront\\.net \\(CloudFront\\)$",
	    REG_EXTENDED | REG_NOSUB), 0);
	persona_via(&id, via, sizeof(via));
	if (regexec(&re, via, 0, NULL, 0) != 0)
		fail_msg("Via \"%s\"", via);
	persona_id_init(&again, PERSONA_CLOUDFRONT, "other", "127.0.0.1");
	assert_string_not_equal(id.via_token, again.via_token);
	regfree(&re);
	assert_int_equal(regcomp(&re, "^LAB[0-9]{2}-C1$", REG_EXTENDED |
	    REG_NOSUB), 0);
	assert_int_equal(regexec(&re, id.pop, 0, NULL, 0), 0);
	regfree(&re);

	persona_id_init(&id, PERSONA_AKAMAI, "akamai", "127.0.0.1");
	assert_int_equal(id.ipv4_le, 0x100007f);
	assert_string_equal(persona_via(&id, via, sizeof(via)),
	    "1.1 akamai.net(ghost) (AkamaiGHost)");
	persona_id_init(&id, PERSONA_PLAIN, "lab", "127.0.0.1");
	assert_string_equal(persona_via(&id, via, sizeof(via)),
	    "1.1 edgesim (lab)");
}

/* ---- error responses -------------------------------------------------------- */

struct response {
	int status;
	char reason[64];
	char headers[32][2][512];       /* name, value */
	size_t n_headers;
	const char *body;
	size_t body_len;
};

/* Split a response into status, headers and body; fails on bad framing. */
static void
parse_response(const char *name, const struct sbuf *b, struct response *r)
{
	const char *end = strstr(b->s, "\r\n\r\n");
	const char *line, *eol;
	int off = 0;

	memset(r, 0, sizeof(*r));
	if (end == NULL)
		fail_msg("%s: no end of head", name);
	if (sscanf(b->s, "HTTP/1.1 %3d %63[^\r]%n", &r->status, r->reason,
	    &off) != 2 || strncmp(b->s + off, "\r\n", 2) != 0)
		fail_msg("%s: bad status line", name);
	line = strstr(b->s, "\r\n") + 2;
	while (line < end + 2) {
		const char *colon;

		eol = strstr(line, "\r\n");
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon[1] != ' ' || r->n_headers == 32)
			fail_msg("%s: bad header line \"%.*s\"", name,
			    (int)(eol - line), line);
		snprintf(r->headers[r->n_headers][0], 512, "%.*s",
		    (int)(colon - line), line);
		snprintf(r->headers[r->n_headers][1], 512, "%.*s",
		    (int)(eol - colon - 2), colon + 2);
		r->n_headers++;
		line = eol + 2;
	}
	r->body = end + 4;
	r->body_len = b->len - (size_t)(r->body - b->s);
	if (strlen(b->s) != b->len)
		fail_msg("%s: a NUL in the response", name);
}

static const char *
header(const struct response *r, const char *name)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < r->n_headers; i++) {
		if (strcasecmp(r->headers[i][0], name) == 0) {
			if (found != NULL)
				fail_msg("header %s appears twice", name);
			found = r->headers[i][1];
		}
	}
	return found;
}

#define MAX_WANT 8

struct resp_case {
	const char *name;
	enum persona persona;
	enum es_code code;
	const char *sub;
	const char *detail;
	int status_override;
	int want_status;
	const char *want_reason;
	const char *want_headers[MAX_WANT][2];  /* name, exact value */
	const char *want_body[MAX_WANT];        /* substrings */
	const char *not_body[3];                /* must not appear */
};

static const struct resp_case resp_cases[] = {
	{ "akamai TLS handshake", PERSONA_AKAMAI, ES_ERR_FWD_SSL_HANDSHAKE,
	  "no_certificate", NULL, 0, 503, "Service Unavailable",
	  { { "Server", "AkamaiGHost" }, { "Mime-Version", "1.0" },
	    { "Content-Type", "text/html" },
	    { "X-Edgesim-Error", "ERR_FWD_SSL_HANDSHAKE; no_certificate" },
	    { "X-Edgesim-Ref", "30.100007f.1763876400.2c1382d" } },
	  { "<TITLE>Error</TITLE>",
	    "An error occurred while processing your request.<p>\n",
	    "Reference&#32;&#35;30&#46;100007f&#46;1763876400&#46;2c1382d\n",
	    "https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;30&#46;"
	    "100007f&#46;1763876400&#46;2c1382d" },
	  { "30.100007f", "no_certificate" } },
	{ "akamai DNS", PERSONA_AKAMAI, ES_ERR_DNS_FAIL, NULL, NULL, 0, 503,
	  "Service Unavailable",
	  { { "X-Edgesim-Error", "ERR_DNS_FAIL" },
	    { "X-Edgesim-Ref", "11.100007f.1763876400.2c1382d" } },
	  { "Reference&#32;&#35;11&#46;100007f&#46;" }, { NULL } },
	{ "akamai connect", PERSONA_AKAMAI, ES_ERR_CONNECT_FAIL, NULL, NULL, 0,
	  503, "Service Unavailable",
	  { { "X-Edgesim-Error", "ERR_CONNECT_FAIL" } },
	  { "Reference&#32;&#35;6&#46;100007f&#46;" }, { NULL } },
	{ "akamai read timeout", PERSONA_AKAMAI, ES_ERR_READ_TIMEOUT, NULL,
	  NULL, 0, 504, "Gateway Timeout",
	  { { "Server", "AkamaiGHost" } },
	  { "<H1>Gateway Timeout</H1>", "Reference&#32;&#35;1&#46;" },
	  { NULL } },
	{ "akamai host not served", PERSONA_AKAMAI, ES_ERR_HOST_NOT_SERVED,
	  NULL, "Host 'x' is not a host", 0, 400, "Bad Request",
	  { { "X-Edgesim-Error", "ERR_HOST_NOT_SERVED" } },
	  { "<TITLE>Invalid URL</TITLE>",
	    "The requested URL \"&#91;no&#32;URL&#93;\", is invalid.",
	    "Reference&#32;&#35;9&#46;" },
	  { "Host 'x'" } },
	{ "cloudfront TLS handshake", PERSONA_CLOUDFRONT,
	  ES_ERR_FWD_SSL_HANDSHAKE, "hostname_mismatch", NULL, 0, 502,
	  "Bad Gateway",
	  { { "Server", "CloudFront" }, { "Content-Type", "text/html" },
	    { "X-Cache", "Error from cloudfront" },
	    { "X-Edgesim-Error", "ERR_FWD_SSL_HANDSHAKE; hostname_mismatch" } },
	  { "<TITLE>ERROR: The request could not be satisfied</TITLE>",
	    "<H1>502 ERROR</H1>",
	    "<H2>The request could not be satisfied.</H2>",
	    "CloudFront wasn't able to connect to the origin.",
	    "Generated by cloudfront (CloudFront)\nRequest ID: " },
	  { "Bad request." } },
	{ "cloudfront host not served", PERSONA_CLOUDFRONT,
	  ES_ERR_HOST_NOT_SERVED, NULL, NULL, 0, 403, "Forbidden",
	  { { "X-Cache", "Error from cloudfront" },
	    { "X-Edgesim-Error", "ERR_HOST_NOT_SERVED" } },
	  { "<H1>403 ERROR</H1>", "\nBad request.\n" },
	  { "wasn't able to connect" } },
	{ "cloudfront connect timeout", PERSONA_CLOUDFRONT,
	  ES_ERR_CONNECT_TIMEOUT, NULL, NULL, 0, 504, "Gateway Timeout",
	  { { "X-Edgesim-Error", "ERR_CONNECT_TIMEOUT" } },
	  { "<H1>504 ERROR</H1>", "CloudFront attempted to establish a "
	    "connection with the origin" }, { NULL } },
	{ "cloudfront DNS", PERSONA_CLOUDFRONT, ES_ERR_DNS_FAIL, NULL, NULL, 0,
	  502, "Bad Gateway", { { "X-Edgesim-Error", "ERR_DNS_FAIL" } },
	  { "<H1>502 ERROR</H1>",
	    "CloudFront wasn't able to connect to the origin." },
	  { "Bad request." } },
	{ "plain connect", PERSONA_PLAIN, ES_ERR_CONNECT_FAIL, NULL, NULL, 0,
	  502, "Bad Gateway",
	  { { "Server", "edgesim" },
	    { "Content-Type", "text/plain; charset=utf-8" },
	    { "X-Edgesim-Error", "ERR_CONNECT_FAIL" },
	    { "X-Edgesim-Ref", "es-69229e30-2c1382d" } },
	  { "502 Bad Gateway\nERR_CONNECT_FAIL: the TCP connection to the "
	    "origin was refused or the origin is unreachable\n"
	    "Reference: es-69229e30-2c1382d\n" }, { NULL } },
	{ "plain with sub and detail", PERSONA_PLAIN, ES_ERR_FWD_SSL_HANDSHAKE,
	  "cert_expired", "the certificate expired yesterday", 0, 502,
	  "Bad Gateway",
	  { { "X-Edgesim-Error", "ERR_FWD_SSL_HANDSHAKE; cert_expired" } },
	  { "ERR_FWD_SSL_HANDSHAKE (cert_expired): the certificate expired "
	    "yesterday\n" }, { NULL } },
	{ "plain host not served", PERSONA_PLAIN, ES_ERR_HOST_NOT_SERVED,
	  NULL, NULL, 0, 421, "Misdirected Request",
	  { { "X-Edgesim-Error", "ERR_HOST_NOT_SERVED" } },
	  { "421 Misdirected Request\n" }, { NULL } },
	{ "status override", PERSONA_AKAMAI, ES_ERR_BAD_REQUEST, NULL, NULL,
	  431, 431, "Request Header Fields Too Large",
	  { { "X-Edgesim-Error", "ERR_BAD_REQUEST" } },
	  { "Invalid URL" }, { NULL } },
	{ "status override, cloudfront", PERSONA_CLOUDFRONT,
	  ES_ERR_BAD_REQUEST, NULL, NULL, 505, 505,
	  "HTTP Version Not Supported", { { "Server", "CloudFront" } },
	  { "<H1>505 ERROR</H1>", "Bad request." }, { NULL } },
};

static void
build(const struct resp_case *c, const char *listen, bool close,
    bool head_only, char *ref, size_t ref_len, struct sbuf *out)
{
	struct persona_id id;
	struct persona_error e;

	persona_id_init(&id, c->persona, c->persona == PERSONA_CLOUDFRONT ?
	    "cloudfront" : c->persona == PERSONA_AKAMAI ? "akamai" : "lab",
	    listen);
	persona_ref(&id, c->code, EPOCH, REQID, ref, ref_len);
	memset(&e, 0, sizeof(e));
	e.code = c->code;
	e.sub = c->sub;
	e.detail = c->detail;
	e.ref = ref;
	e.status = c->status_override;
	e.close = close;
	e.head_only = head_only;
	sbuf_init(out);
	persona_error_response(&id, &e, out);
}

static void
check_common(const struct resp_case *c, const struct response *r,
    const char *ref, bool close)
{
	const char *v;
	regex_t re;
	char want[300];
	size_t k;

	if (r->status != c->want_status || strcmp(r->reason, c->want_reason))
		fail_msg("%s: status %d %s, want %d %s", c->name, r->status,
		    r->reason, c->want_status, c->want_reason);
	for (k = 0; k < MAX_WANT && c->want_headers[k][0]; k++) {
		v = header(r, c->want_headers[k][0]);
		if (v == NULL || strcmp(v, c->want_headers[k][1]) != 0)
			fail_msg("%s: %s is \"%s\", want \"%s\"", c->name,
			    c->want_headers[k][0], v ? v : "(absent)",
			    c->want_headers[k][1]);
	}
	/* every response says what happened, and its reference */
	snprintf(want, sizeof(want), "%s%s%s", errors_name(c->code),
	    c->sub ? "; " : "", c->sub ? c->sub : "");
	v = header(r, "X-Edgesim-Error");
	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: X-Edgesim-Error \"%s\", want \"%s\"", c->name,
		    v ? v : "(absent)", want);
	v = header(r, "X-Edgesim-Ref");
	if (v == NULL || strcmp(v, ref) != 0)
		fail_msg("%s: X-Edgesim-Ref \"%s\", want \"%s\"", c->name,
		    v ? v : "(absent)", ref);
	v = header(r, "Connection");
	if (close ? v == NULL || strcmp(v, "close") != 0 : v != NULL)
		fail_msg("%s: Connection \"%s\" with close=%d", c->name,
		    v ? v : "(absent)", close);
	v = header(r, "Date");
	assert_int_equal(regcomp(&re, "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
	    "[A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$",
	    REG_EXTENDED | REG_NOSUB), 0);
	if (v == NULL || regexec(&re, v, 0, NULL, 0) != 0)
		fail_msg("%s: Date \"%s\"", c->name, v ? v : "(absent)");
	regfree(&re);

	if (c->persona == PERSONA_CLOUDFRONT) {
		assert_string_equal(header(r, "X-Amz-Cf-Id"), ref);
		assert_non_null(header(r, "X-Amz-Cf-Pop"));
		assert_int_equal(regcomp(&re, "^1\\.1 [0-9a-f]{32}\\."
		    "cloudfront\\.net \\(CloudFront\\)$", REG_EXTENDED |
		    REG_NOSUB), 0);
		v = header(r, "Via");
		if (v == NULL || regexec(&re, v, 0, NULL, 0) != 0)
			fail_msg("%s: Via \"%s\"", c->name, v ? v : "(absent)");
		regfree(&re);
	} else {
		assert_null(header(r, "X-Amz-Cf-Id"));
		assert_null(header(r, "X-Cache"));
	}
	if (c->persona == PERSONA_AKAMAI)
		assert_non_null(header(r, "Expires"));
}

static void
test_responses(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(resp_cases); i++) {
		const struct resp_case *c = &resp_cases[i];
		struct response r;
		struct sbuf out;
		char ref[128], cl[32];
		char *body;

		build(c, "127.0.0.1", false, false, ref, sizeof(ref), &out);
		parse_response(c->name, &out, &r);
		check_common(c, &r, ref, false);
		snprintf(cl, sizeof(cl), "%zu", r.body_len);
		if (header(&r, "Content-Length") == NULL ||
		    strcmp(header(&r, "Content-Length"), cl) != 0)
			fail_msg("%s: Content-Length %s, body %zu bytes", c->name,
			    header(&r, "Content-Length"), r.body_len);
		assert_true(r.body_len > 0);
		body = xstrndup(r.body, r.body_len);
		for (k = 0; k < MAX_WANT && c->want_body[k]; k++)
			if (strstr(body, c->want_body[k]) == NULL)
				fail_msg("%s: body lacks \"%s\":\n%s", c->name,
				    c->want_body[k], body);
		for (k = 0; k < 3 && c->not_body[k]; k++)
			if (strstr(body, c->not_body[k]) != NULL)
				fail_msg("%s: body has \"%s\"", c->name,
				    c->not_body[k]);
		if (c->persona == PERSONA_CLOUDFRONT &&
		    strstr(body, ref) == NULL)
			fail_msg("%s: the page does not show the request id",
			    c->name);
		free(body);
		sbuf_free(&out);
	}
}

/* HEAD: the same head, Content-Length of the page, and no page. With
 * close, a Connection: close header. */
static void
test_head_and_close(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(resp_cases); i++) {
		const struct resp_case *c = &resp_cases[i];
		struct response full, head;
		struct sbuf a, b;
		char ref[128];

		build(c, "127.0.0.1", false, false, ref, sizeof(ref), &a);
		build(c, "127.0.0.1", true, true, ref, sizeof(ref), &b);
		parse_response(c->name, &a, &full);
		parse_response(c->name, &b, &head);
		check_common(c, &head, ref, true);
		if (head.body_len != 0)
			fail_msg("%s: HEAD response has %zu body bytes", c->name,
			    head.body_len);
		assert_string_equal(header(&head, "Content-Length"),
		    header(&full, "Content-Length"));
		assert_int_equal(head.n_headers, full.n_headers + 1);
		sbuf_free(&a);
		sbuf_free(&b);
	}
}

/* Akamai's Pragma debug headers: what a Pragma value asks for, and the
 * exact bytes of the answers (an edge at 10.1.2.3, caching off). */
static void
add_field(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct sbuf *out = arg;

	sbuf_add(out, name, nlen);
	sbuf_adds(out, ": ");
	sbuf_add(out, value, vlen);
	sbuf_adds(out, "\n");
}

static void
test_pragma(void **state)
{
	static const struct { const char *value; unsigned bits; } parse[] = {
		{ "akamai-x-cache-on", PERSONA_PRAGMA_CACHE_ON },
		{ "no-cache, Akamai-X-Get-Request-ID", PERSONA_PRAGMA_REQUEST_ID },
		{ "akamai-x-get-cache-key,akamai-x-check-cacheable",
		  PERSONA_PRAGMA_CACHE_KEY | PERSONA_PRAGMA_CACHEABLE },
		{ " akamai-x-get-true-cache-key ", PERSONA_PRAGMA_TRUE_KEY },
		{ "akamai-x-cache-on-not", 0 },
		{ "", 0 },
	};
	struct persona_id id;
	struct sbuf out;

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(parse); i++)
		assert_int_equal(persona_pragma_parse(parse[i].value,
		    strlen(parse[i].value)), parse[i].bits);
	persona_id_init(&id, PERSONA_AKAMAI, "akamai", "10.1.2.3");
	sbuf_init(&out);
	persona_pragma_fields(&id, 0x1f, 0x2c1382d, "www.example.com",
	    "/a/b?c=1", add_field, &out);
	assert_string_equal(out.s,
	    "X-Cache: TCP_MISS from a10-1-2-3.deploy.akamaitechnologies.com "
	    "(AkamaiGHost/" EDGESIM_VERSION ") (-)\n"
	    "X-Akamai-Request-ID: 2c1382d\n"
	    "X-Cache-Key: /L/0/0/0s/www.example.com/a/b?c=1\n"
	    "X-Check-Cacheable: NO\n"
	    "X-True-Cache-Key: /L/www.example.com/a/b?c=1\n");
	sbuf_free(&out);
	/* Only what was asked for. */
	sbuf_init(&out);
	persona_pragma_fields(&id, PERSONA_PRAGMA_CACHEABLE, 1, "h", "/",
	    add_field, &out);
	assert_string_equal(out.s, "X-Check-Cacheable: NO\n");
	sbuf_free(&out);
}

/* Extra header lines go into an error page's head, before X-Edgesim-*. */
static void
test_error_extra(void **state)
{
	struct persona_id id;
	struct persona_error e;
	struct sbuf out;

	(void)state;
	persona_id_init(&id, PERSONA_AKAMAI, "akamai", "127.0.0.1");
	memset(&e, 0, sizeof(e));
	e.code = ES_ERR_CONNECT_FAIL;
	e.ref = "6.100007f.1.2";
	e.extra = "X-Check-Cacheable: NO\r\n";
	sbuf_init(&out);
	persona_error_response(&id, &e, &out);
	assert_non_null(strstr(out.s, "\r\nX-Check-Cacheable: NO\r\n"
	    "X-Edgesim-Error: ERR_CONNECT_FAIL\r\n"
	    "X-Edgesim-Ref: 6.100007f.1.2\r\n\r\n"));
	sbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_table),
		cmocka_unit_test(test_code_parse_errors),
		cmocka_unit_test(test_tls_reasons),
		cmocka_unit_test(test_ref_akamai),
		cmocka_unit_test(test_ref_cloudfront_plain),
		cmocka_unit_test(test_id_and_via),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_head_and_close),
		cmocka_unit_test(test_pragma),
		cmocka_unit_test(test_error_extra),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
