/*
 * errors.c - the error vocabulary: one table of codes and sub-reasons,
 * with statuses per persona, Akamai reference prefixes, CloudFront's
 * detailed result types, explanations and fix templates (errors.h).
 *
 * Statuses and prefixes follow what is publicly known of Akamai's and
 * CloudFront's behaviour (docs/errors.md says where each comes from); the
 * CloudFront result types are the x-edge-detailed-result-type values of
 * CloudFront's standard logs. Change an error here, and only here.
 */
#include "errors.h"

#include <stdio.h>
#include <string.h>

#define CODE(c, n, pre, sa, scf, sp, cf, sum, w, fx)                    \
	{ .code = c, .name = n, .akamai_prefix = pre, .status_akamai = sa, \
	  .status_cloudfront = scf, .status_plain = sp, .cf_result = cf,  \
	  .summary = sum, .why = w, .fix = fx }
#define SUB(c, s, v, cf, w, fx)                                         \
	{ .code = c, .sub = s, .variant = v, .cf_result = cf, .why = w,   \
	  .fix = fx }

static const struct es_code_info table[] = {
	/* The codes, in enum order: table[code] is the code's own row. */
	CODE(ES_OK, "OK", -1, 200, 200, 200, "Miss", "no error", NULL, NULL),
	CODE(ES_ERR_DNS_FAIL, "ERR_DNS_FAIL", 11, 503, 502, 502,
	    "OriginDnsError", "the origin's name could not be resolved",
	    "The edge could not turn the origin's host name into an address: "
	    "the name is in neither [resolve] nor DNS. In production: a typo in "
	    "the origin host name, a deleted DNS record, or a private zone the "
	    "CDN cannot see.",
	    "[resolve] {address} = ADDR:PORT (or fix the DNS name)"),
	CODE(ES_ERR_CONNECT_FAIL, "ERR_CONNECT_FAIL", 6, 503, 502, 502,
	    "OriginConnectError", "the TCP connection to the origin was "
	    "refused or the origin is unreachable",
	    "The origin refused the TCP connection (nothing listens on that "
	    "port) or is unreachable. In production: the origin is down, a "
	    "firewall or security group drops the CDN's addresses, or the "
	    "origin port is wrong.",
	    "check that the origin listens on {connect} ([origin {origin}] "
	    "address, [resolve])"),
	CODE(ES_ERR_CONNECT_TIMEOUT, "ERR_CONNECT_TIMEOUT", 6, 503, 504, 504,
	    "OriginCommError", "the TCP connection to the origin timed out",
	    "The TCP connection did not complete within connect_timeout: "
	    "packets are dropped on the way (a firewall that drops instead of "
	    "refusing) or the origin is overloaded.",
	    "check that the origin listens on {connect} ([origin {origin}] "
	    "address, [resolve])"),
	CODE(ES_ERR_FWD_SSL_HANDSHAKE, "ERR_FWD_SSL_HANDSHAKE", 30, 503, 502,
	    502, "OriginConnectError",
	    "the TLS handshake with the origin failed",
	    "The TLS handshake with the origin failed; the detail says how.",
	    NULL),
	CODE(ES_ERR_READ_TIMEOUT, "ERR_READ_TIMEOUT", 1, 504, 504, 504,
	    "OriginCommError", "the origin did not answer in time",
	    "The origin accepted the connection but did not answer within "
	    "read_timeout.",
	    "[origin {origin}] read_timeout = LONGER, or make the origin "
	    "answer faster"),
	CODE(ES_ERR_READ_ERROR, "ERR_READ_ERROR", 3, 502, 502, 502,
	    "OriginReadError", "the connection to the origin broke before "
	    "the response",
	    "The connection to the origin broke (reset or closed) before the "
	    "response was complete.", NULL),
	CODE(ES_ERR_ZERO_SIZE_OBJECT, "ERR_ZERO_SIZE_OBJECT", 15, 502, 502, 502,
	    "OriginZeroSizeObjectError", "the origin closed the connection "
	    "without a response",
	    "The origin closed the connection without sending any response.",
	    NULL),
	CODE(ES_ERR_BAD_RESPONSE, "ERR_BAD_RESPONSE", 3, 502, 502, 502,
	    "OriginInvalidResponseError", "the origin's response was malformed",
	    "The origin's response was not valid HTTP/1.1: its head, or the "
	    "framing of its body.", NULL),
	CODE(ES_ERR_BAD_REQUEST, "ERR_BAD_REQUEST", -1, 400, 400, 400,
	    "InvalidRequest", "the request is malformed",
	    "The viewer's request was malformed (the detail says how) and was "
	    "refused before reaching any origin.", NULL),
	CODE(ES_ERR_HOST_NOT_SERVED, "ERR_HOST_NOT_SERVED", 9, 400, 403, 421,
	    "Error", "the Host is not served by this edge",
	    "The request's Host is not a host or alias of this edge. CloudFront "
	    "answers 403 for a Host that is not one of the distribution's "
	    "alternate domain names; Akamai answers 400 Invalid URL.",
	    "add the name as an alias of a host of this edge ([host NAME] "
	    "aliases; CloudFront: an alternate domain name)"),
	CODE(ES_ERR_REQUEST_TIMEOUT, "ERR_REQUEST_TIMEOUT", -1, 408, 408, 408,
	    "ClientCommError", "the request head did not arrive in time",
	    "The viewer did not send a complete request head within "
	    "header_timeout.", NULL),
	CODE(ES_ERR_LOOP_DETECTED, "ERR_LOOP_DETECTED", -1, 508, 508, 508,
	    "Error", "the request passed through too many edges",
	    "The request had already passed through too many proxies: the "
	    "chain routes back into itself.",
	    "point the origin of the last edge at a real origin, not back at "
	    "an edge of the chain"),
	CODE(ES_ERR_PROXY_DENIED, "ERR_PROXY_DENIED", -1, 403, 403, 403,
	    "-", "the forward proxy does not go there",
	    "The forward proxy ([forward_proxy]) refused the destination: the "
	    "host is not a host of the config, a [resolve] name or a name of "
	    "its hosts list, or the port is not in allow_ports. edgesim is not "
	    "an open proxy.",
	    "[forward_proxy] hosts = NAME (or allow_any = yes), allow_ports = "
	    "PORT"),

	/* Sub-reasons of ERR_FWD_SSL_HANDSHAKE. */
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", NULL, NULL,
	    "The origin ended the TLS handshake before sending any certificate. "
	    "A server that hosts many names (CloudFront, or any SNI-based "
	    "virtual hosting) chooses its certificate from the SNI the client "
	    "sends; without SNI, or with a name it does not serve, it has "
	    "nothing to present and aborts: with an alert (40 "
	    "handshake_failure, or 112 unrecognized_name as nginx's "
	    "ssl_reject_handshake sends), a close or a reset. Akamai reports "
	    "this as ERR_FWD_SSL_HANDSHAKE when \"Use SNI TLS Extension\" is "
	    "off; `openssl s_client` without -servername prints \"no peer "
	    "certificate available\".",
	    "make the origin serve {sni} (CloudFront: add it as an alternate "
	    "domain name), or [origin {origin}] sni = NAME it serves"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", "not_tls", NULL, NULL,
	    "[origin {origin}] tls = off if the origin speaks plain HTTP "
	    "there, or address = the origin's TLS port"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", "ip_address", NULL,
	    NULL, "[origin {origin}] address = HOSTNAME:PORT: SNI cannot "
	    "carry an IP address, so none was sent"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "no_certificate", "sni_off", NULL, NULL,
	    "[origin {origin}] sni = on (Akamai: enable \"Use SNI TLS "
	    "Extension\")"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "protocol_version", NULL, NULL,
	    "The edge and the origin have no TLS version in common: the origin "
	    "accepts only versions the edge does not offer (min_tls / max_tls), "
	    "or the reverse.",
	    "[origin {origin}] min_tls/max_tls to a version the origin "
	    "accepts"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "cert_expired", NULL, NULL,
	    "The origin's certificate is past its notAfter date. A renewal was "
	    "missed, or the renewed certificate was never loaded by the "
	    "server.",
	    "renew the origin's certificate (in edgesim: cert = lab on the "
	    "origin's host)"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "cert_not_yet_valid", NULL, NULL,
	    "The origin's certificate is not valid yet (notBefore is in the "
	    "future): issued with a wrong clock or deployed too early, or the "
	    "edge's clock is wrong.",
	    "renew the origin's certificate (in edgesim: cert = lab on the "
	    "origin's host)"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "untrusted_issuer", NULL, NULL,
	    "The origin's certificate chains to a CA the edge does not trust: a "
	    "private CA (like the keytool self-CA of seed 003) that was never "
	    "added to the edge's trust store. CDNs trust public CAs unless "
	    "told otherwise.",
	    "[origin {origin}] ca = FILE with the origin's CA (Akamai: add it "
	    "to the trusted CA set)"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "self_signed", NULL, NULL,
	    "The origin presents a self-signed certificate: no CA vouches for "
	    "it. Akamai accepts one only with pinning (\"Specific "
	    "certificates\", verify = pin).",
	    "[origin {origin}] verify = pin with pin = sha1:..., or a CA-issued "
	    "certificate on the origin"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "incomplete_chain", NULL, NULL,
	    "The origin sent its certificate without the intermediate CA "
	    "certificate that links it to a trusted root. Browsers often hide "
	    "this (they cache intermediates or fetch them); CDNs and API "
	    "clients do not, and fail.",
	    "serve the intermediate certificate with the leaf on the origin "
	    "(in edgesim: cert = lab instead of lab:no-intermediate)"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "hostname_mismatch", NULL, NULL,
	    "The origin's certificate does not cover the name the edge expects "
	    "(the SNI it sent, or Akamai's Match CN/SAN names). Often the "
	    "origin served its default certificate because the name is not "
	    "configured on it: CloudFront serves *.cloudfront.net for a name "
	    "that is not one of the distribution's alternate domain names.",
	    "[origin {origin}] names = A NAME THE CERTIFICATE HAS (Akamai: "
	    "Match CN/SAN), or serve a certificate for {name}"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "pin_mismatch", NULL, NULL,
	    "The origin's certificate is not the pinned one. A pin names the "
	    "leaf itself (Akamai compares its SHA-1), so any renewal or "
	    "rotation on the origin breaks it, even to a perfectly valid "
	    "certificate; CloudFront rotates its certificates without notice "
	    "(seed 003).",
	    "[origin {origin}] pin = {pin} (re-pin the new certificate), or "
	    "verify = full to trust the CA"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "revoked", NULL, NULL,
	    "The origin's certificate is on its CA's revocation list: it was "
	    "revoked, after a key compromise or a re-issue.",
	    "re-issue the origin's certificate (it is on the CRL)"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "client_cert_required", NULL, NULL,
	    "The origin requires a client certificate (mutual TLS) and the edge "
	    "presented none, so it refused the handshake (alert 116 "
	    "certificate_required in TLS 1.3, 40 or 42 in TLS 1.2).",
	    "[origin {origin}] client_cert = lab:client (or a certificate the "
	    "origin trusts)"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "alert", NULL, NULL,
	    "The origin sent a TLS alert after its certificate: it refused "
	    "something the edge did (a cipher, a client certificate, a "
	    "parameter).",
	    "check what the origin requires ([origin {origin}] ciphers, "
	    "groups, min_tls, max_tls) against its TLS settings"),
	SUB(ES_ERR_FWD_SSL_HANDSHAKE, "alert", "cert_requested", NULL, NULL,
	    "[origin {origin}] client_cert = a certificate the origin trusts "
	    "(it refused the one sent)"),

	/* Sub-reasons of ERR_BAD_RESPONSE: the framing of an origin's answer. */
	SUB(ES_ERR_BAD_RESPONSE, "bad_chunk", NULL, NULL,
	    "The origin's chunked body is malformed: a chunk size that is not "
	    "hexadecimal (or too long), or the CRLF after a chunk missing.",
	    NULL),
	SUB(ES_ERR_BAD_RESPONSE, "truncated_body", NULL, NULL,
	    "The origin closed the connection before the end of the body its "
	    "framing announced (Content-Length, or the last chunk).", NULL),
	SUB(ES_ERR_BAD_RESPONSE, "excess_body", NULL, NULL,
	    "The origin sent more body than its framing announced: its idea "
	    "of where the response ends and the edge's disagree (a classic of "
	    "response smuggling).", NULL),
	SUB(ES_ERR_BAD_RESPONSE, "response_head_too_large",
	    NULL, "OriginHeaderTooBigError",
	    "The origin's response head is larger than max_header_size, or "
	    "has too many header fields.",
	    "make the origin send a smaller head, or raise [edgesim] "
	    "max_header_size"),
	SUB(ES_ERR_BAD_RESPONSE, "too_many_interim", NULL, NULL,
	    "The origin sent more interim (1xx) responses than an edge "
	    "accepts for one request.", NULL),
	SUB(ES_ERR_BAD_RESPONSE, "unexpected_101", NULL, NULL,
	    "The origin switched protocols (101) although the edge never asks "
	    "for an upgrade.", NULL),
};

#undef CODE
#undef SUB

/* The names of enum es_tls_reason: the sub-reasons of TLS failures. */
static const char *const tls_reasons[ES_TLS_REASON_COUNT] = {
	[ES_TLS_NONE] = "",
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
	[ES_TLS_VERIFY_FAILED] = "verify_failed",
	[ES_TLS_OTHER] = "handshake_failed",
};

#define N_ROWS (sizeof(table) / sizeof(table[0]))

const struct es_code_info *
errors_info(enum es_code code)
{
	if ((unsigned)code >= ES_CODE_COUNT)
		code = ES_OK;
	return &table[code];
}

const struct es_code_info *
errors_row(size_t i)
{
	return i < N_ROWS ? &table[i] : NULL;
}

/* Does a row's sub-reason name sub? "alert" stands for every "alert:X". */
static bool
sub_matches(const char *row, const char *sub)
{
	size_t n = strlen(row);

	if (strcmp(row, sub) == 0)
		return true;
	return strcmp(row, "alert") == 0 && strncmp(sub, row, n) == 0 &&
	    sub[n] == ':';
}

const struct es_code_info *
errors_lookup(enum es_code code, const char *sub, const char *variant)
{
	const struct es_code_info *best = errors_info(code);

	if (sub == NULL || *sub == '\0')
		return best;
	for (size_t i = ES_CODE_COUNT; i < N_ROWS; i++) {
		const struct es_code_info *r = &table[i];
		if (r->code != code || !sub_matches(r->sub, sub))
			continue;
		if (r->variant == NULL && best->sub == NULL)
			best = r;
		else if (r->variant && variant && strcmp(r->variant, variant) == 0)
			return r;
	}
	return best;
}

const char *
errors_name(enum es_code code)
{
	return errors_info(code)->name;
}

int
errors_status(enum es_code code, enum persona p)
{
	const struct es_code_info *i = errors_info(code);

	switch (p) {
	case PERSONA_AKAMAI: return i->status_akamai;
	case PERSONA_CLOUDFRONT: return i->status_cloudfront;
	default: return i->status_plain;
	}
}

const char *
errors_cf_result(enum es_code code, const char *sub)
{
	const struct es_code_info *r = errors_lookup(code, sub, NULL);

	return r->cf_result ? r->cf_result : errors_info(code)->cf_result;
}

const char *
errors_why(enum es_code code, const char *sub)
{
	const struct es_code_info *r = errors_lookup(code, sub, NULL);

	return r->why ? r->why : errors_info(code)->why;
}

void
errors_fix(enum es_code code, const char *sub, const char *variant,
    const struct errors_fix_vars *v, char *out, size_t len)
{
	const struct es_code_info *r = errors_lookup(code, sub, variant);
	const char *t = r->fix;
	size_t o = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (t == NULL)
		return;
	while (*t && o + 1 < len) {
		const char *val = NULL;
		size_t skip = 0;
		if (*t == '{') {
			static const struct {
				const char *key;
				size_t off;
			} keys[] = {
				{ "{origin}", offsetof(struct errors_fix_vars, origin) },
				{ "{address}", offsetof(struct errors_fix_vars, address) },
				{ "{connect}", offsetof(struct errors_fix_vars, connect) },
				{ "{sni}", offsetof(struct errors_fix_vars, sni) },
				{ "{name}", offsetof(struct errors_fix_vars, name) },
				{ "{pin}", offsetof(struct errors_fix_vars, pin) },
			};
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
				size_t kl = strlen(keys[k].key);
				if (strncmp(t, keys[k].key, kl) == 0) {
					val = v ? *(const char *const *)(const void *)
					    ((const char *)v + keys[k].off) : NULL;
					if (val == NULL)
						val = "-";
					skip = kl;
					break;
				}
			}
		}
		if (skip) {
			int n = snprintf(out + o, len - o, "%s", val);
			o += n > 0 ? (size_t)n : 0;
			if (o >= len)
				o = len - 1;
			t += skip;
		} else {
			out[o++] = *t++;
		}
	}
	out[o] = '\0';
}

const char *
errors_tls_reason_name(enum es_tls_reason r)
{
	if ((unsigned)r >= ES_TLS_REASON_COUNT)
		return "";
	return tls_reasons[r];
}

int
errors_parse(const char *name, enum es_code *out)
{
	for (int i = 0; i < ES_CODE_COUNT; i++) {
		if (strcmp(table[i].name, name) == 0) {
			*out = (enum es_code)i;
			return 0;
		}
	}
	return -1;
}

bool
errors_is_origin(enum es_code code)
{
	switch (code) {
	case ES_ERR_DNS_FAIL:
	case ES_ERR_CONNECT_FAIL:
	case ES_ERR_CONNECT_TIMEOUT:
	case ES_ERR_FWD_SSL_HANDSHAKE:
	case ES_ERR_READ_TIMEOUT:
	case ES_ERR_READ_ERROR:
	case ES_ERR_ZERO_SIZE_OBJECT:
	case ES_ERR_BAD_RESPONSE:
		return true;
	default:
		return false;
	}
}

/* The table is in enum order for its first ES_CODE_COUNT rows. */
_Static_assert(sizeof(table) / sizeof(table[0]) > ES_CODE_COUNT,
    "every code has its row");
