/*
 * tls_common.c - TLS helpers both sides share (see tls_common.h).
 */
#include "tls_common.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>

int
tls_err_openssl(struct es_err *err, const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;
	unsigned long e;
	char buf[256];

	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		const char *reason = ERR_reason_error_string(e);
		sbuf_addf(&b, ": %s", reason ? reason : buf);
	}
	es_errf(err, "%s", b.s ? b.s : "");
	sbuf_free(&b);
	return -1;
}

int
tls_ctx_apply_params(SSL_CTX *ctx, int64_t min_tls, int64_t max_tls,
    const char *ciphers, const char *ciphersuites, const char *groups,
    struct es_err *err)
{
	if (!SSL_CTX_set_min_proto_version(ctx, (int)min_tls) ||
	    !SSL_CTX_set_max_proto_version(ctx, (int)max_tls))
		return tls_err_openssl(err, "cannot set TLS versions");
	/* TLS 1.0 and 1.1 need SHA-1 signatures, which OpenSSL 3 only
	 * allows at security level 0: a user asking for them means it. */
	if (min_tls < TLS1_2_VERSION)
		SSL_CTX_set_security_level(ctx, 0);
	if (ciphers && !SSL_CTX_set_cipher_list(ctx, ciphers))
		return tls_err_openssl(err, "ciphers '%s'", ciphers);
	if (ciphersuites && !SSL_CTX_set_ciphersuites(ctx, ciphersuites))
		return tls_err_openssl(err, "ciphersuites '%s'", ciphersuites);
	if (groups && !SSL_CTX_set1_groups_list(ctx, groups))
		return tls_err_openssl(err, "groups '%s'", groups);
	return 0;
}

const char *
tls_alert_name(int desc)
{
	switch (desc) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 22: return "record_overflow";
	case 40: return "handshake_failure";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case 115: return "unknown_psk_identity";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	default: return "unknown";
	}
}
