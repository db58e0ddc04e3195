/*
 * errors.h - the one vocabulary of errors: every code an edge (or the
 * forward proxy) can answer with, and its sub-reasons, in one table.
 *
 * Every failure a viewer can see has exactly one code, one status per
 * persona, (for Akamai) one reference prefix, and CloudFront's detailed
 * result type. Each code, and each sub-reason that needs its own words,
 * has an explanation (what `edgesim explain` says) and a fix template
 * (the config line the origin log record suggests). Tests assert on codes
 * and sub-reasons, never on message text; docs/errors.md's tables are
 * generated from this one (`edgesim errors-doc`).
 */
#ifndef EDGESIM_ERRORS_H
#define EDGESIM_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

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
	ES_ERR_PROXY_DENIED,            /* the forward proxy refuses the destination */
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

/*
 * A row of the table. The row of a code itself has sub == NULL and says
 * everything; a sub-reason's row (sub "no_certificate", or "alert" for
 * every "alert:NAME") says what differs: its explanation, its fix, its
 * CloudFront result type (NULL: the code's). A variant (NULL: any) picks
 * one of several fixes for the same sub-reason, by what the edge saw.
 */
struct es_code_info {
	enum es_code code;
	const char *sub;                /* NULL: the code's own row */
	const char *variant;            /* NULL, or "sni_off", "not_tls", ... */
	/* the code's own row only */
	const char *name;               /* "ERR_FWD_SSL_HANDSHAKE" */
	int akamai_prefix;              /* reference prefix; -1: none */
	int status_akamai;
	int status_cloudfront;
	int status_plain;
	const char *summary;            /* one line for logs and pages */
	/* any row */
	const char *cf_result;          /* CloudFront's x-edge-detailed-result-type */
	const char *why;                /* what `edgesim explain` tells */
	const char *fix;                /* template; see errors_fix */
};

/* The code's own row (ES_OK's for an unknown code). */
const struct es_code_info *errors_info(enum es_code code);
/* The most specific row for code, sub ("alert:NAME" matches "alert") and
 * variant, falling back to the sub-reason's row, then the code's. */
const struct es_code_info *errors_lookup(enum es_code code, const char *sub,
    const char *variant);
const char *errors_name(enum es_code code);
/* CloudFront's detailed result type for code and sub ("OriginDnsError"). */
const char *errors_cf_result(enum es_code code, const char *sub);
/* The explanation of code and sub (never NULL for a known code). */
const char *errors_why(enum es_code code, const char *sub);

/* What a fix template's {names} stand for; NULL values print as "-". */
struct errors_fix_vars {
	const char *origin;             /* [origin NAME] */
	const char *address;            /* its address's host name */
	const char *connect;            /* the address connected to */
	const char *sni;                /* the SNI sent */
	const char *name;               /* a name the origin's certificate has */
	const char *pin;                /* the pin of the certificate seen */
};
/* The fix for code, sub and variant with v filled in, into out; "" when
 * the table has none. */
void errors_fix(enum es_code code, const char *sub, const char *variant,
    const struct errors_fix_vars *v, char *out, size_t len);
/* The table, for docs/errors.md: row i (NULL past the end). */
const struct es_code_info *errors_row(size_t i);
/* The status a viewer of this persona gets. */
int errors_status(enum es_code code, enum persona p);
/* "no_certificate", "cert_expired", ...; "" for ES_TLS_NONE. */
const char *errors_tls_reason_name(enum es_tls_reason r);
/* Parse a code name ("ERR_DNS_FAIL"); -1 if unknown. */
int errors_parse(const char *name, enum es_code *out);
/* Whether the code is the origin's doing (it gets an origin log record). */
bool errors_is_origin(enum es_code code);

#endif
