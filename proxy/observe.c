/*
 * observe.c - the hooks of the data path into the admin side (observe.h):
 * each turns one record into its counts and keeps the record's text.
 * Label values come from the config (edge, host, origin names) and from
 * small fixed vocabularies (status, code, verdict, sub-reason), never
 * from what a viewer sent, so the number of series stays bounded.
 */
#include "observe.h"

#include <string.h>

#include "events.h"
#include "metrics.h"
#include "tls_server.h"
#include "upstream.h"

bool observe_on;

/* A status as text, without snprintf's cost on every request. */
static const char *
status_text(int status, char buf[12])
{
	char *p = buf + 11;
	unsigned v = status < 0 ? 0 : (unsigned)status;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v && p > buf);
	return p;
}

void
observe_request(const struct log_rec *rec, const char *edge, const char *host,
    const char *origin, int status, enum es_code code, int64_t ms)
{
	char buf[12];

	if (!observe_on)
		return;
	const char *st = status_text(status, buf);
	const char *rq[] = { edge, host, st, code == ES_OK ? "none" :
	    errors_name(code) };
	metrics_count(MF_RQ_TOTAL, rq);
	metrics_observe(MF_RQ_TIME, &edge, ms);
	if (code == ES_ERR_READ_TIMEOUT && origin)
		metrics_count(MF_RQ_TIMEOUT, &origin);
	events_push(rec, code != ES_OK);
}

/* The verdict as a label: a refusal says whether SNI was there. */
static const char *
verdict_label(const struct tls_hello *h)
{
	if (h->verdict == TLS_HELLO_REJECTED)
		return h->sni_present ? "rejected_unknown_sni" :
		    "rejected_no_sni";
	return tls_hello_verdict_name(h->verdict);
}

void
observe_viewer_tls(const struct log_rec *rec, const char *edge,
    const struct tls_hello *hello)
{
	if (!observe_on)
		return;
	const char *l[] = { edge, verdict_label(hello), rec ? "error" : "ok" };
	metrics_count(MF_LISTENER_HANDSHAKE, l);
	if (rec)
		events_push(rec, true);
}

/* Which failures of a handshake are verification failures, as Envoy
 * counts them: the name, a pin, or the rest of the checks. */
static enum metrics_family
verify_family(enum es_tls_reason r)
{
	switch (r) {
	case ES_TLS_HOSTNAME_MISMATCH:
		return MF_SSL_FAIL_VERIFY_SAN;
	case ES_TLS_PIN_MISMATCH:
		return MF_SSL_FAIL_VERIFY_CERT_HASH;
	case ES_TLS_CERT_EXPIRED:
	case ES_TLS_CERT_NOT_YET_VALID:
	case ES_TLS_UNTRUSTED_ISSUER:
	case ES_TLS_SELF_SIGNED:
	case ES_TLS_INCOMPLETE_CHAIN:
	case ES_TLS_REVOKED:
	case ES_TLS_VERIFY_FAILED:
		return MF_SSL_FAIL_VERIFY_ERROR;
	default:
		return MF_COUNT;
	}
}

void
observe_origin(const struct log_rec *rec, const struct upstream *up,
    const struct upstream_failure *f)
{
	if (!observe_on)
		return;
	const char *origin = up->origin->conf->sec.name;
	int64_t ms = clock_mono_ms() - up->t_start;
	enum es_code code = f ? f->code : ES_OK;
	/* A failure after the connection was set up (a malformed response)
	 * is not a connection's result: its request counts it. */
	bool setup = f == NULL || up->state < UP_BUSY;

	if (setup) {
		const char *cx[] = { origin, f ? errors_name(code) : "ok" };
		metrics_count(MF_CX_TOTAL, cx);
		metrics_observe(MF_SSL_HANDSHAKE_TIME, &origin, ms);
	}
	if (code == ES_ERR_CONNECT_FAIL)
		metrics_count(MF_CX_CONNECT_FAIL, &origin);
	else if (code == ES_ERR_CONNECT_TIMEOUT)
		metrics_count(MF_CX_CONNECT_TIMEOUT, &origin);
	bool tls_hs = up->origin->has_tls && (f == NULL ?
	    true : code == ES_ERR_FWD_SSL_HANDSHAKE ||
	    (code == ES_ERR_READ_TIMEOUT && up->state == UP_HANDSHAKE));
	if (tls_hs && setup) {
		const char *result = f == NULL ? "ok" :
		    code == ES_ERR_READ_TIMEOUT ? "timeout" :
		    f->reason != ES_TLS_NONE ?
		    errors_tls_reason_name(f->reason) : "error";
		const char *hs[] = { origin, result };
		metrics_count(MF_SSL_HANDSHAKE, hs);
		if (f) {
			metrics_count(MF_SSL_CONNECTION_ERROR, &origin);
			enum metrics_family vf = verify_family(f->reason);
			if (vf != MF_COUNT)
				metrics_count(vf, &origin);
		}
	}
	events_push(rec, f != NULL);
}
