/*
 * errors.c - the error table: codes, statuses per persona, Akamai reference
 * prefixes, and the names of the TLS handshake sub-reasons.
 *
 * Statuses and prefixes follow what is publicly known of Akamai's and
 * CloudFront's behaviour (docs/errors.md says where each comes from).
 */
#include "errors.h"

#include <string.h>

static const struct es_code_info table[ES_CODE_COUNT] = {
	[ES_OK] = { ES_OK, "OK", -1, 200, 200, 200, "no error" },
	[ES_ERR_DNS_FAIL] = { ES_ERR_DNS_FAIL, "ERR_DNS_FAIL", 11, 503, 502,
	    502, "the origin's name could not be resolved" },
	[ES_ERR_CONNECT_FAIL] = { ES_ERR_CONNECT_FAIL, "ERR_CONNECT_FAIL", 6,
	    503, 502, 502, "the TCP connection to the origin was refused or "
	    "the origin is unreachable" },
	[ES_ERR_CONNECT_TIMEOUT] = { ES_ERR_CONNECT_TIMEOUT,
	    "ERR_CONNECT_TIMEOUT", 6, 503, 504, 504,
	    "the TCP connection to the origin timed out" },
	[ES_ERR_FWD_SSL_HANDSHAKE] = { ES_ERR_FWD_SSL_HANDSHAKE,
	    "ERR_FWD_SSL_HANDSHAKE", 30, 503, 502, 502,
	    "the TLS handshake with the origin failed" },
	[ES_ERR_READ_TIMEOUT] = { ES_ERR_READ_TIMEOUT, "ERR_READ_TIMEOUT", 1,
	    504, 504, 504, "the origin did not answer in time" },
	[ES_ERR_READ_ERROR] = { ES_ERR_READ_ERROR, "ERR_READ_ERROR", 3, 502,
	    502, 502, "the connection to the origin broke before the "
	    "response" },
	[ES_ERR_ZERO_SIZE_OBJECT] = { ES_ERR_ZERO_SIZE_OBJECT,
	    "ERR_ZERO_SIZE_OBJECT", 15, 502, 502, 502,
	    "the origin closed the connection without a response" },
	[ES_ERR_BAD_RESPONSE] = { ES_ERR_BAD_RESPONSE, "ERR_BAD_RESPONSE", 3,
	    502, 502, 502, "the origin's response was malformed" },
	[ES_ERR_BAD_REQUEST] = { ES_ERR_BAD_REQUEST, "ERR_BAD_REQUEST", -1,
	    400, 400, 400, "the request is malformed" },
	[ES_ERR_HOST_NOT_SERVED] = { ES_ERR_HOST_NOT_SERVED,
	    "ERR_HOST_NOT_SERVED", 9, 400, 403, 421,
	    "the Host is not served by this edge" },
	[ES_ERR_REQUEST_TIMEOUT] = { ES_ERR_REQUEST_TIMEOUT,
	    "ERR_REQUEST_TIMEOUT", -1, 408, 408, 408,
	    "the request head did not arrive in time" },
	[ES_ERR_LOOP_DETECTED] = { ES_ERR_LOOP_DETECTED, "ERR_LOOP_DETECTED",
	    -1, 508, 508, 508, "the request passed through too many edges" },
};

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

const struct es_code_info *
errors_info(enum es_code code)
{
	if ((unsigned)code >= ES_CODE_COUNT)
		code = ES_OK;
	return &table[code];
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
