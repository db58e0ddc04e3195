/*
 * errors.h - the one table of error codes an edge can answer with.
 *
 * Every failure a viewer can see has exactly one code, one status per
 * persona, and (for Akamai) one reference prefix. Tests assert on these
 * codes, never on message text. ERR_FWD_SSL_HANDSHAKE carries a sub-reason
 * saying which part of the origin's TLS handshake failed.
 */
#ifndef EDGESIM_ERRORS_H
#define EDGESIM_ERRORS_H

#include <stdbool.h>

#include "config.h"

enum es_code {
	ES_OK = 0,
	ES_ERR_DNS_FAIL,                /* origin name in neither [resolve] nor DNS */
	ES_ERR_CONNECT_FAIL,            /* TCP connect refused or unreachable */
	ES_ERR_CONNECT_TIMEOUT,         /* TCP connect took over connect_timeout */
	ES_ERR_FWD_SSL_HANDSHAKE,       /* TLS to the origin failed (see es_tls_reason) */
	ES_ERR_READ_TIMEOUT,            /* origin silent for read_timeout */
	ES_ERR_READ_ERROR,              /* connection broke before the response head */
	ES_ERR_ZERO_SIZE_OBJECT,        /* origin closed without any response */
	ES_ERR_BAD_RESPONSE,            /* origin sent a malformed response head */
	ES_ERR_BAD_REQUEST,             /* the viewer's request is malformed */
	ES_ERR_HOST_NOT_SERVED,         /* Host is not a host or alias of the edge */
	ES_ERR_REQUEST_TIMEOUT,         /* viewer too slow to send its request head */
	ES_ERR_LOOP_DETECTED,           /* the request went through too many edges */
	ES_CODE_COUNT
};

/* Why a TLS handshake with an origin failed. */
enum es_tls_reason {
	ES_TLS_NONE = 0,
	ES_TLS_NO_CERTIFICATE,          /* ended before any certificate arrived */
	ES_TLS_ALERT,                   /* an alert after the certificate */
	ES_TLS_PROTOCOL_VERSION,        /* no TLS version in common */
	ES_TLS_CERT_EXPIRED,
	ES_TLS_CERT_NOT_YET_VALID,
	ES_TLS_UNTRUSTED_ISSUER,        /* no path to a trust anchor */
	ES_TLS_SELF_SIGNED,
	ES_TLS_INCOMPLETE_CHAIN,        /* intermediate missing */
	ES_TLS_HOSTNAME_MISMATCH,
	ES_TLS_PIN_MISMATCH,
	ES_TLS_REVOKED,
	ES_TLS_CLIENT_CERT_REQUIRED,
	ES_TLS_VERIFY_FAILED,           /* another verification error */
	ES_TLS_OTHER,                   /* a local or unexplained failure */
	ES_TLS_REASON_COUNT
};

struct es_code_info {
	enum es_code code;
	const char *name;               /* "ERR_FWD_SSL_HANDSHAKE" */
	int akamai_prefix;              /* reference prefix; -1: none */
	int status_akamai;
	int status_cloudfront;
	int status_plain;
	const char *summary;            /* one line for logs and pages */
};

const struct es_code_info *errors_info(enum es_code code);
const char *errors_name(enum es_code code);
/* The status a viewer of this persona gets. */
int errors_status(enum es_code code, enum persona p);
/* "no_certificate", "cert_expired", ...; "" for ES_TLS_NONE. */
const char *errors_tls_reason_name(enum es_tls_reason r);
/* Parse a code name ("ERR_DNS_FAIL"); -1 if unknown. */
int errors_parse(const char *name, enum es_code *out);
/* Whether the code is the origin's doing (it gets an origin log record). */
bool errors_is_origin(enum es_code code);

#endif
