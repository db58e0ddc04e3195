/*
 * probe.c - `edgesim probe`: handshakes with a TLS server, checked and
 * classified; the command that runs them and has them explained.
 *
 * The handshakes run with the blocking client (blocking_client.c), which
 * verifies but never enforces, so every fact is there to report even when
 * a check fails. The checks then follow an edge with verify = full (and
 * pins): the chain against the chosen trust store, then the names, then
 * the pins. The first failure is classified by tls_client_classify from a
 * tls_client_obs filled here, so that a verdict is the very sub-reason an
 * edge logs with ERR_FWD_SSL_HANDSHAKE. The diagnosis (probe_diagnosis.c)
 * turns the verdicts, and the comparison of the handshakes with and
 * without SNI, into words; the report (probe_report.c) prints them with
 * the facts, as text or JSON.
 */
#include "probe.h"
#include "probe_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "blocking_client.h"
#include "certinfo.h"
#include "errors.h"
#include "tls_client.h"
#include "tls_common.h"

/* How long to wait after a TLS 1.3 handshake for the server's verdict on
 * the client certificate (client_opts.settle_ms). */
#define PROBE_SETTLE_MS 1500

/* ------------------------------------------------------------------ */

void
probe_opts_free(struct probe_opts *o)
{
	strlist_free(&o->names);
	free(o->pins);
	o->pins = NULL;
	o->n_pins = 0;
}

/* ------------------------------------------------------------------ */
/* Setting up: the trust store, the client certificate, names and pins */

void
probe_join(const struct strlist *l, const char *sep, struct sbuf *b)
{
	for (size_t i = 0; i < l->n; i++)
		sbuf_addf(b, "%s%s", i ? sep : "", l->v[i]);
}


static int
check_client_cert(const struct probe_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int rc = 0;

	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx,
	    o->client_cert) != 1 || SSL_CTX_use_PrivateKey_file(ctx,
	    o->client_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		const char *why = ERR_reason_error_string(ERR_peek_last_error());
		fprintf(stderr, "edgesim: probe: cannot use the client "
		    "certificate %s with the key %s: %s\n", o->client_cert,
		    o->client_key, why ? why : "unreadable");
		rc = -1;
	}
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return rc;
}

static int
setup(struct probe *p, const char *pki)
{
	const struct probe_opts *o = p->o;
	unsigned char ip[16];
	char path[PATH_MAX];

	p->same_cert = -1;
	snprintf(p->connect, sizeof(p->connect), strchr(o->connect_host, ':') ?
	    "[%s]:%d" : "%s:%d", o->connect_host, o->connect_port);
	switch (o->ca) {
	case PROBE_CA_LAB:
		snprintf(p->ca_path, sizeof(p->ca_path), "%s/ca.pem", pki);
		snprintf(p->trust, sizeof(p->trust), "the lab CA in %s",
		    p->ca_path);
		/* The lab intermediate is known, not trusted: a leaf it
		 * issued, sent alone, is an incomplete chain (tls_client). */
		p->known = X509_STORE_new();
		snprintf(path, sizeof(path), "%s/intermediate.pem", pki);
		certinfo_load_certs(path, p->known);
		break;
	case PROBE_CA_FILE:
		snprintf(p->ca_path, sizeof(p->ca_path), "%s", o->ca_file);
		snprintf(p->trust, sizeof(p->trust), "the CAs in %s",
		    o->ca_file);
		break;
	case PROBE_CA_SYSTEM:
		snprintf(p->trust, sizeof(p->trust), "the system trust "
		    "store");
		break;
	}
	if (o->ca != PROBE_CA_SYSTEM && certinfo_load_certs(p->ca_path, NULL) <= 0) {
		fprintf(stderr, "edgesim: probe: --ca %s: no certificate in "
		    "%s%s\n", o->ca == PROBE_CA_LAB ? "lab" : o->ca_file,
		    p->ca_path, o->ca == PROBE_CA_LAB ? " (run edgesim certs, "
		    "or give the config whose pki to use with -c)" : "");
		return -1;
	}
	if (o->client_cert && check_client_cert(o) < 0)
		return -1;
	if (o->names.n)
		for (size_t i = 0; i < o->names.n; i++)
			strlist_add(&p->names, o->names.v[i], 0);
	else
		strlist_add(&p->names, o->host, 0);
	struct sbuf t;
	sbuf_init(&t);
	probe_join(&p->names, ", ", &t);
	p->names_text = sbuf_detach(&t);
	for (size_t i = 0; i < o->n_pins; i++) {
		char one[120];
		pin_format(&o->pins[i], one, sizeof(one));
		strlist_add(&p->pin_text, one, 0);
	}
	p->host_is_ip = inet_pton(AF_INET, o->host, ip) == 1 ||
	    inet_pton(AF_INET6, o->host, ip) == 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One handshake, checked and classified */

const char *
probe_matching_name(X509 *leaf, const struct strlist *names)
{
	for (size_t i = 0; i < names->n; i++) {
		struct strlist one = { .v = &names->v[i], .n = 1 };
		if (tls_client_names_match(leaf, &one))
			return names->v[i];
	}
	return NULL;
}

static void
check_pins(struct probe *p, struct hs *h, const struct cert_digests *d)
{
	const struct probe_opts *o = p->o;
	struct pin have;

	for (size_t i = 0; i < o->n_pins && !h->pin_ok; i++)
		if (pin_match(&o->pins[i], d)) {
			h->pin_ok = true;
			h->pin_matched = p->pin_text.v[i];
		}
	pin_from_digests(o->n_pins ? o->pins[0].kind : PIN_SHA1, d, &have);
	pin_format(&have, h->pin_presented, sizeof(h->pin_presented));
}

/* The facts of h, as an edge's origin handshake would have recorded them. */
static void
fill_obs(struct probe *p, struct hs *h, struct tls_client_obs *obs)
{
	const struct probe_opts *o = p->o;
	const struct blocking_client_result *r = &h->r;

	memset(obs, 0, sizeof(*obs));
	obs->magic = TLS_OBS_MAGIC;
	obs->has_client_cert = o->client_cert != NULL;
	obs->pin_kind = o->n_pins ? o->pins[0].kind : PIN_SHA1;
	obs->known_intermediates = p->known;
	obs->sni_sent = h->sni != NULL;
	snprintf(obs->sni, sizeof(obs->sni), "%s", h->sni ? h->sni : "");
	for (size_t i = 0; i < p->names.n; i++)
		strlist_add(&obs->names, p->names.v[i], 0);
	obs->alert_received = r->alert_received;
	obs->alert_sent = -1;
	obs->cert_requested = r->cert_requested;
	obs->got_handshake_msg = r->got_handshake_msg;
	obs->not_tls = r->not_tls;
	obs->handshake_done = r->handshake_ok;
	if (h->got_cert && X509_up_ref(r->leaf)) {
		obs->got_cert = true;
		obs->leaf = r->leaf;
		obs->chain_len = r->chain_len;
		certinfo_digests(r->leaf, &obs->digests);
	}
}

static void
analyse(struct probe *p, struct hs *h)
{
	const struct blocking_client_result *r = &h->r;
	struct tls_client_obs obs;
	struct sbuf scratch;

	h->connected = r->connect_error[0] == '\0';
	h->got_cert = r->leaf != NULL && r->chain_len > 0;
	if (!h->connected) {
		h->reason = ES_TLS_OTHER;
		snprintf(h->verdict, sizeof(h->verdict), "no_connection");
		sbuf_adds(&h->detail, r->connect_error);
		return;
	}
	fill_obs(p, h, &obs);
	long chain_err = X509_V_OK;
	if (h->got_cert) {
		chain_err = r->verify_result;
		h->name_matched = probe_matching_name(r->leaf, &p->names);
		check_pins(p, h, &obs.digests);
	}
	/* The chain alone, for the verify section and chain_complete. */
	sbuf_init(&scratch);
	if (h->got_cert && chain_err != X509_V_OK) {
		obs.verify_err = (int)chain_err;
		h->chain_reason = tls_client_classify(&obs, 0, 0, false,
		    &scratch);
	}
	sbuf_free(&scratch);
	h->chain_complete = h->got_cert &&
	    h->chain_reason != ES_TLS_INCOMPLETE_CHAIN;
	/* The edge's order: chain, then names, then pins. */
	obs.verify_err = (int)(chain_err != X509_V_OK ? chain_err :
	    h->got_cert && h->name_matched == NULL ?
	    X509_V_ERR_HOSTNAME_MISMATCH : X509_V_OK);
	if (obs.verify_err == X509_V_OK && p->o->n_pins && !h->pin_ok) {
		struct sbuf t;
		sbuf_init(&t);
		probe_join(&p->pin_text, " ", &t);
		snprintf(obs.pin_expected, sizeof(obs.pin_expected), "%s", t.s);
		sbuf_free(&t);
		obs.pin = TLS_PIN_MISMATCH;
	}
	h->reason = ES_TLS_NONE;
	if (!r->handshake_ok || !h->got_cert || obs.verify_err != X509_V_OK ||
	    obs.pin == TLS_PIN_MISMATCH) {
		bool eof = r->eof_in_handshake;
		int se = r->reset_in_handshake ? ECONNRESET : eof ? 0 :
		    r->sock_errno;
		h->reason = tls_client_classify(&obs, r->ssl_err, se, eof,
		    &h->detail);
	}
	if (h->reason == ES_TLS_NONE)
		snprintf(h->verdict, sizeof(h->verdict), "ok");
	else if (h->reason == ES_TLS_ALERT)
		snprintf(h->verdict, sizeof(h->verdict), "alert:%s",
		    tls_alert_name(r->alert_received));
	else
		snprintf(h->verdict, sizeof(h->verdict), "%s",
		    errors_tls_reason_name(h->reason));
	tls_client_obs_free(&obs);
}

static void
handshake(struct probe *p, struct hs *h, const char *sni)
{
	const struct probe_opts *o = p->o;
	struct blocking_client_opts co;

	memset(&co, 0, sizeof(co));
	co.connect_host = o->connect_host;
	co.port = o->connect_port;
	co.sni = sni;
	co.ca_system = o->ca == PROBE_CA_SYSTEM;
	co.ca_file = co.ca_system ? NULL : p->ca_path;
	co.client_cert = o->client_cert;
	co.client_key = o->client_key;
	co.min_tls = o->tls_version == 12 ? TLS1_2_VERSION :
	    o->tls_version == 13 ? TLS1_3_VERSION : 0;
	co.max_tls = co.min_tls;
	co.timeout_ms = o->timeout_ms;
	co.settle_ms = PROBE_SETTLE_MS;
	h->sni = sni;
	blocking_client_result_init(&h->r);
	sbuf_init(&h->detail);
	blocking_client_run(&co, &h->r);
	ERR_clear_error();
	analyse(p, h);
	p->n_hs++;
}

/* ------------------------------------------------------------------ */

int
probe_run(const struct probe_opts *o, const char *pki, FILE *out)
{
	struct probe p;
	int rc = 2;

	memset(&p, 0, sizeof(p));
	p.o = o;
	if (setup(&p, pki) == 0) {
		if (o->sni_mode == PROBE_SNI_NAME)
			handshake(&p, &p.hs[0], o->sni);
		else if (o->sni_mode == PROBE_SNI_NONE || p.host_is_ip)
			handshake(&p, &p.hs[0], NULL);
		else {
			handshake(&p, &p.hs[0], o->host);
			handshake(&p, &p.hs[1], NULL);
		}
		probe_diagnose(&p);
		if (o->json)
			probe_report_json(out, &p);
		else
			probe_report_text(out, &p);
		rc = !p.hs[0].connected ? 2 : p.hs[0].reason == ES_TLS_NONE ?
		    0 : 1;
	}
	for (int i = 0; i < p.n_hs; i++) {
		blocking_client_result_free(&p.hs[i].r);
		sbuf_free(&p.hs[i].detail);
	}
	X509_STORE_free(p.known);
	strlist_free(&p.names);
	free(p.names_text);
	strlist_free(&p.pin_text);
	strlist_free(&p.diag);
	return rc;
}
