/*
 * probe.c - `edgesim probe`: handshakes with a TLS server, checked and
 * explained.
 *
 * The handshakes run with the blocking client (client.c), which verifies
 * but never enforces, so every fact is there to report even when a check
 * fails. The checks then follow an edge with verify = full (and pins):
 * the chain against the chosen trust store, then the names, then the pins.
 * The first failure is classified by tls_client_classify from a
 * tls_client_obs filled here, so that a verdict is the very sub-reason an
 * edge logs with ERR_FWD_SSL_HANDSHAKE. The diagnosis turns the verdicts,
 * and the comparison of the handshakes with and without SNI, into words.
 */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blocking_client.h"
#include "certinfo.h"
#include "errors.h"
#include "explain.h"
#include "tls_client.h"
#include "tls_common.h"

/* How long to wait after a TLS 1.3 handshake for the server's verdict on
 * the client certificate (client_opts.settle_ms). */
#define PROBE_SETTLE_MS 1500

/* One handshake, and what the checks made of it. */
struct hs {
	const char *sni;                /* NULL: none sent */
	struct blocking_client_result r;
	bool connected;
	bool got_cert;
	const char *name_matched;       /* the name that matched, or NULL */
	bool pin_ok;                    /* with pins: one matched */
	const char *pin_matched;        /* its canonical text, or NULL */
	char pin_presented[120];        /* in the kind of the first pin */
	enum es_tls_reason chain_reason; /* ES_TLS_NONE: the chain verifies */
	bool chain_complete;
	enum es_tls_reason reason;      /* ES_TLS_NONE: every check passed */
	char verdict[64];               /* "ok", "cert_expired", "alert:NAME" */
	struct sbuf detail;             /* the classification's one line */
};

struct probe {
	const struct probe_opts *o;
	char ca_path[PATH_MAX];
	char trust[PATH_MAX + 40];      /* "the lab CA in certs/lab/ca.pem" */
	char connect[300];              /* "ADDR:PORT", "[V6]:PORT" */
	X509_STORE *known;              /* known intermediates, never trusted */
	struct strlist names;           /* the names checked */
	char *names_text;               /* the same, ", " separated */
	struct strlist pin_text;        /* the pins, canonical */
	bool host_is_ip;
	struct hs hs[2];                /* hs[0] decides the exit status */
	int n_hs;
	struct strlist diag;            /* paragraphs of the diagnosis */
	bool sni_required;              /* the comparison says so */
	int same_cert;                  /* -1 unknown, else 0 / 1 */
};

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

static void
join(const struct strlist *l, const char *sep, struct sbuf *b)
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
	join(&p->names, ", ", &t);
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

static const char *
matching_name(X509 *leaf, const struct strlist *names)
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
		h->name_matched = matching_name(r->leaf, &p->names);
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
		join(&p->pin_text, " ", &t);
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
/* Words */

/* Whole days from now to t: negative in the past. */
static long
days_to(time_t t)
{
	return (long)((double)(t - time(NULL)) / 86400.0);
}

/* "in 12 days", "today", "3 days ago" for a time t. */
static void
days_phrase(time_t t, char *out, size_t len)
{
	long d = days_to(t);

	if (d == 0)
		snprintf(out, len, "today");
	else if (d > 0)
		snprintf(out, len, "in %ld day%s", d, d == 1 ? "" : "s");
	else
		snprintf(out, len, "%ld day%s ago", -d, d == -1 ? "" : "s");
}

static void
sans_of(const struct hs *h, struct sbuf *b)
{
	size_t before = b->len;

	if (h->r.chain_len > 0)
		certinfo_sans_plain(&h->r.chain[0], b);
	if (b->len == before)
		sbuf_adds(b, "none");
}

/* How a handshake that failed before any certificate ended, in words:
 * "aborts the handshake ... (alert handshake_failure)". */
static void
how_it_ends(const struct hs *h, struct sbuf *b)
{
	if (h->r.alert_received > 0)
		sbuf_addf(b, "aborts the handshake before sending a certificate "
		    "(alert %s)", tls_alert_name(h->r.alert_received));
	else if (h->r.reset_in_handshake)
		sbuf_adds(b, "resets the connection (RST) before sending a "
		    "certificate");
	else
		sbuf_adds(b, "closes the connection (FIN) before sending a "
		    "certificate");
}

static const struct certinfo *
first_dated(const struct hs *h, bool expired)
{
	time_t now = time(NULL);

	for (int i = 0; i < h->r.chain_len; i++)
		if (expired ? h->r.chain[i].not_after < now :
		    h->r.chain[i].not_before > now)
			return &h->r.chain[i];
	return h->r.chain_len ? &h->r.chain[0] : NULL;
}

static void
say_no_certificate(struct probe *p, const struct hs *h, struct sbuf *b)
{
	const char *sni_hint = p->o->sni_mode == PROBE_SNI_NAME ? "" :
	    " (or send another name with --sni NAME)";

	if (h->r.not_tls) {
		sbuf_adds(b, "The server does not speak TLS on this port: what "
		    "it sent is not a TLS handshake (a plain HTTP port?). Probe "
		    "its TLS port.");
		return;
	}
	if (h->sni == NULL) {
		sbuf_adds(b, "Without SNI, this server ");
		how_it_ends(h, b);
		sbuf_adds(b, ": it requires SNI. Any client or CDN that connects "
		    "without SNI fails. For Akamai, enable 'Use SNI TLS "
		    "Extension'.");
		if (p->host_is_ip)
			sbuf_addf(b, " No SNI was sent because %s is an address: "
			    "give the server's name with --sni NAME.", p->o->host);
		return;
	}
	sbuf_addf(b, "With SNI %s, the server ", h->sni);
	how_it_ends(h, b);
	sbuf_addf(b, ": it does not serve this name. Configure the name on the "
	    "server (CloudFront: add it to the distribution's alternate domain "
	    "names, with a certificate that covers it), or check the name%s.",
	    sni_hint);
}

static void
say_hostname(struct probe *p, const struct hs *h, struct sbuf *b)
{
	struct strlist sni = { 0 };

	strlist_add(&sni, h->sni ? h->sni : "", 0);
	sbuf_addf(b, p->names.n > 1 ? "None of the names %s is" :
	    "The name %s is", p->names_text);
	sbuf_adds(b, " not in the certificate's SANs (");
	sans_of(h, b);
	sbuf_adds(b, ")");
	if (h->r.chain_len > 0 && h->r.chain[0].sans.n == 0)
		sbuf_addf(b, "; its subject is %s", h->r.chain[0].subject);
	if (h->sni && h->r.leaf && matching_name(h->r.leaf, &sni) != NULL)
		sbuf_addf(b, ": it is the certificate the server has for the SNI "
		    "sent (%s), so the names checked (--names) are wrong, or the "
		    "certificate lacks them (Akamai: 'Match CN/SAN').", h->sni);
	else if (h->sni == NULL)
		sbuf_adds(b, ": without SNI the server can only present its "
		    "default certificate. Send SNI (--sni NAME); for Akamai, "
		    "enable 'Use SNI TLS Extension'.");
	else if (p->same_cert == 1)
		sbuf_adds(b, ": the server is serving its default certificate "
		    "(the one it presents without SNI), so the host is probably "
		    "not configured on it (CloudFront: add it to the "
		    "distribution's alternate domain names, with a certificate "
		    "that covers it).");
	else
		sbuf_adds(b, ": the server is serving another certificate, "
		    "likely its default one, so the host is probably not "
		    "configured on it (CloudFront: add it to the distribution's "
		    "alternate domain names, with a certificate that covers "
		    "it), or its certificate lacks the name.");
	strlist_free(&sni);
}

static void
say_incomplete(struct probe *p, const struct hs *h, struct sbuf *b)
{
	X509 *leaf = h->r.leaf;
	STACK_OF(X509_OBJECT) *objs = p->known ?
	    X509_STORE_get0_objects(p->known) : NULL;
	const char *issuer = h->r.chain_len ? h->r.chain[0].issuer : "?";
	bool known = false;

	for (int i = 0; leaf && i < sk_X509_OBJECT_num(objs); i++) {
		X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (ca && X509_check_issued(ca, leaf) == X509_V_OK)
			known = true;
	}
	sbuf_addf(b, "The server sent its certificate without the intermediate "
	    "CA certificate (%s) that links it to a trusted root: %s. Browsers "
	    "often hide this (they cache or fetch intermediates); CDNs and API "
	    "clients fail. Configure the server to send the full chain: the "
	    "leaf, then the intermediate.", issuer, known ? "that issuer is a "
	    "known intermediate, so the chain is incomplete rather than "
	    "untrusted" : "the leaf's AIA caIssuers URL says where to fetch "
	    "it, which browsers do and CDNs do not");
}

/* The paragraph of one handshake's verdict. */
static void
say_verdict(struct probe *p, const struct hs *h, struct sbuf *b)
{
	const struct probe_opts *o = p->o;
	const struct certinfo *c = h->r.chain_len ? &h->r.chain[0] : NULL;
	char when[48];

	switch (h->reason) {
	case ES_TLS_NONE:
		sbuf_addf(b, "All checks passed%s%s: %s verifies against %s, "
		    "covers %s%s, and is valid until %s (%ld days left).",
		    h->sni ? " with SNI " : " without SNI", h->sni ? h->sni : "",
		    c->subject, p->trust, h->name_matched,
		    h->pin_ok ? ", matches the pin" : "", c->not_after_str,
		    days_to(c->not_after));
		if (days_to(c->not_after) < 30)
			sbuf_adds(b, " Renew it soon.");
		break;
	case ES_TLS_NO_CERTIFICATE:
		say_no_certificate(p, h, b);
		break;
	case ES_TLS_PROTOCOL_VERSION:
		if (o->tls_version)
			sbuf_addf(b, "No TLS version in common: the server refuses "
			    "TLS 1.%d (forced with --tls1.%d)%s. It may accept "
			    "another version (probe without --tls1.%d to see): a "
			    "client or CDN limited to this version fails the same "
			    "way (CloudFront: 'Minimum origin SSL protocol'; "
			    "edgesim: min_tls / max_tls).", o->tls_version % 10,
			    o->tls_version % 10, h->r.alert_received == 70 ?
			    " with alert 70 protocol_version" : "",
			    o->tls_version % 10);
		else
			sbuf_adds(b, "No TLS version in common: the server accepts "
			    "none of the versions this client offers (TLS 1.2 and "
			    "1.3, as OpenSSL is configured here); it is probably "
			    "limited to old, insecure versions.");
		break;
	case ES_TLS_CERT_EXPIRED:
		c = first_dated(h, true);
		days_phrase(c->not_after, when, sizeof(when));
		sbuf_addf(b, "The certificate %s expired on %s (%s). Renew it, "
		    "or load the renewed certificate on the server (a renewal "
		    "never deployed is the usual cause).", c->subject,
		    c->not_after_str, when);
		break;
	case ES_TLS_CERT_NOT_YET_VALID:
		c = first_dated(h, false);
		days_phrase(c->not_before, when, sizeof(when));
		sbuf_addf(b, "The certificate %s is not valid until %s (%s): "
		    "it was issued with a wrong clock or deployed too early, or "
		    "this machine's clock is wrong.", c->subject,
		    c->not_before_str, when);
		break;
	case ES_TLS_SELF_SIGNED:
		sbuf_addf(b, "The certificate is self-signed (%s is its own "
		    "issuer): no CA vouches for it, so clients reject it. Serve a "
		    "CA-issued certificate, or make the client trust this one "
		    "(--ca FILE with it; a CDN can pin it: Akamai 'Specific "
		    "certificates').", c->subject);
		break;
	case ES_TLS_UNTRUSTED_ISSUER:
		sbuf_addf(b, "The certificate was issued by %s, a CA that is "
		    "not trusted here (trust: %s): a private CA? Add the CA "
		    "with --ca FILE / to the client's trust store (a CDN trusts "
		    "public CAs only, unless told otherwise).",
		    h->r.chain[h->r.chain_len - 1].issuer, p->trust);
		break;
	case ES_TLS_INCOMPLETE_CHAIN:
		say_incomplete(p, h, b);
		break;
	case ES_TLS_HOSTNAME_MISMATCH:
		say_hostname(p, h, b);
		break;
	case ES_TLS_PIN_MISMATCH:
		sbuf_addf(b, "The certificate is not the pinned one: %s. A pin "
		    "names one certificate (or key), so a renewal or rotation "
		    "breaks it even for a valid certificate: update the pin, or "
		    "pin the key (spki:), which survives a re-issue with the "
		    "same key.", h->detail.s);
		break;
	case ES_TLS_CLIENT_CERT_REQUIRED:
		sbuf_adds(b, "The server requires a client certificate (mutual "
		    "TLS) and none was sent: it refused the handshake");
		if (h->r.alert_received > 0)
			sbuf_addf(b, " with alert %d %s", h->r.alert_received,
			    tls_alert_name(h->r.alert_received));
		sbuf_addf(b, "%s. Give one with --client-cert FILE --client-key "
		    "FILE (an edgesim origin: client_cert).",
		    h->r.failed_after_handshake ? ", right after the TLS 1.3 "
		    "handshake" : "");
		break;
	case ES_TLS_ALERT:
		sbuf_addf(b, "The server sent alert %d %s after its %s: it "
		    "refused something this client did%s.", h->r.alert_received,
		    tls_alert_name(h->r.alert_received),
		    h->r.failed_after_handshake ? "handshake" : "certificate",
		    h->r.cert_requested && o->client_cert ? ": probably its "
		    "client certificate (is it issued by a CA the server "
		    "trusts?)" : " (a cipher, a parameter, a client certificate)");
		break;
	default: {
		const char *why = explain_why("ERR_FWD_SSL_HANDSHAKE", h->verdict);
		sbuf_addf(b, "The handshake failed (%s): %s.", h->verdict,
		    h->detail.s ? h->detail.s : h->r.tls_error);
		if (why && h->reason != ES_TLS_OTHER)
			sbuf_addf(b, " %s", why);
	}
	}
}

/* Other findings of the same handshake, beyond its verdict. */
static void
say_also(struct probe *p, const struct hs *h, struct sbuf *b)
{
	bool verify_failure = h->reason == h->chain_reason ||
	    h->reason == ES_TLS_HOSTNAME_MISMATCH;

	if (!h->got_cert)
		return;
	if (h->chain_reason != ES_TLS_NONE && h->reason != h->chain_reason)
		sbuf_addf(b, " Also, the chain does not verify against %s: %s "
		    "(%s).", p->trust, h->r.verify_error,
		    errors_tls_reason_name(h->chain_reason));
	if (h->name_matched == NULL && h->reason != ES_TLS_HOSTNAME_MISMATCH) {
		sbuf_addf(b, " Also, the certificate does not cover %s (SANs: ",
		    p->names_text);
		sans_of(h, b);
		sbuf_adds(b, ").");
	}
	if (p->o->n_pins && !h->pin_ok && h->reason != ES_TLS_PIN_MISMATCH)
		sbuf_addf(b, " Also, no pin matches: presented %s.",
		    h->pin_presented);
	if (p->o->n_pins && h->pin_ok && h->reason != ES_TLS_NONE &&
	    verify_failure)
		sbuf_adds(b, " The pin matches: an edge that checks only the pin "
		    "(Akamai 'Specific certificates', edgesim verify = pin) "
		    "accepts this certificate.");
}

/* With and without SNI: the comparison, when both handshakes were made. */
static void
compare(struct probe *p, struct sbuf *b)
{
	const struct hs *s = &p->hs[0], *n = &p->hs[1];

	if (p->n_hs < 2 || !s->connected || !n->connected)
		return;
	if (s->got_cert && n->got_cert)
		p->same_cert = strcmp(s->r.chain[0].sha256,
		    n->r.chain[0].sha256) == 0;
	if (s->got_cert && !n->got_cert && n->reason == ES_TLS_NO_CERTIFICATE &&
	    !n->r.not_tls) {
		p->sni_required = true;
		sbuf_adds(b, "This server requires SNI: without it, it ");
		how_it_ends(n, b);
		sbuf_adds(b, ". Any client or CDN that connects without SNI "
		    "fails. For Akamai, enable 'Use SNI TLS Extension'.");
	} else if (p->same_cert == 1) {
		sbuf_adds(b, "With and without SNI the server presents the same "
		    "certificate: what it serves does not depend on SNI.");
	} else if (p->same_cert == 0 && n->name_matched == NULL &&
	    s->name_matched != NULL) {
		p->sni_required = true;
		sbuf_addf(b, "Without SNI, the server presents another "
		    "certificate (%s; SANs: ", n->r.chain[0].subject);
		sans_of(n, b);
		sbuf_adds(b, "), which does not cover the name: a client or CDN "
		    "that connects without SNI fails the name check "
		    "(hostname_mismatch). For Akamai, enable 'Use SNI TLS "
		    "Extension'.");
	} else if (n->got_cert) {
		sbuf_addf(b, "Without SNI, the server presents another "
		    "certificate (%s; SANs: ", n->r.chain[0].subject);
		sans_of(n, b);
		sbuf_addf(b, "), which %s.", n->reason == ES_TLS_NONE ?
		    "passes every check" : "fails as well");
	}
}

static void
diagnose(struct probe *p)
{
	const struct hs *h = &p->hs[0];
	struct sbuf v, c;

	sbuf_init(&v);
	sbuf_init(&c);
	if (!h->connected) {
		sbuf_addf(&v, "Could not connect to %s: %s. Check the address "
		    "and the port (--connect ADDR:PORT), and that nothing on the "
		    "way blocks it.", p->connect, h->r.connect_error);
	} else {
		compare(p, &c);
		say_verdict(p, h, &v);
		say_also(p, h, &v);
	}
	/* The SNI story goes first when it is the news. */
	if (p->sni_required && h->reason == ES_TLS_NONE)
		strlist_add(&p->diag, c.s, 0);
	strlist_add(&p->diag, v.s ? v.s : "", 0);
	if (c.len && !(p->sni_required && h->reason == ES_TLS_NONE))
		strlist_add(&p->diag, c.s, 0);
	sbuf_free(&v);
	sbuf_free(&c);
}

/* ------------------------------------------------------------------ */
/* Text */

/* Control bytes of untrusted strings (certificate names) become \xNN. */
static void
clean(const char *s, struct sbuf *b)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			sbuf_addf(b, "\\x%02x", c);
		else
			sbuf_addc(b, (char)c);
	}
}

/* before, s cleaned, after. */
static void
put(FILE *out, const char *before, const char *s, const char *after)
{
	struct sbuf b;

	sbuf_init(&b);
	clean(s, &b);
	fprintf(out, "%s%s%s", before, b.s ? b.s : "", after);
	sbuf_free(&b);
}

/* Text wrapped at 76 columns under an indent, cleaned for a terminal. */
static void
wrap(FILE *out, const char *indent, const char *text)
{
	struct sbuf b;

	sbuf_init(&b);
	clean(text, &b);
	text_wrap(out, indent, b.s ? b.s : "", 76);
	sbuf_free(&b);
}

static void
text_cert(FILE *out, int i, const struct certinfo *c)
{
	struct sbuf sans;
	char when[48];

	sbuf_init(&sans);
	certinfo_sans_plain(c, &sans);
	fprintf(out, "    [%d] ", i);
	put(out, "", c->subject, "\n");
	put(out, "        SANs      ", sans.len ? sans.s : "none", "\n");
	put(out, "        issuer    ", c->issuer, "\n");
	days_phrase(c->not_after, when, sizeof(when));
	fprintf(out, "        valid     %s to %s (%s %s)\n", c->not_before_str,
	    c->not_after_str, c->not_after < time(NULL) ? "expired" :
	    "expires", when);
	fprintf(out, "        key       %s\n", c->key_type);
	fprintf(out, "        SHA-1     %s\n", c->sha1);
	fprintf(out, "        SHA-256   %s\n", c->sha256);
	fprintf(out, "        SPKI      %s\n", c->spki_sha256);
	sbuf_free(&sans);
}

static void
text_handshake(FILE *out, const struct probe *p, const struct hs *h)
{
	const struct blocking_client_result *r = &h->r;

	if (h->sni)
		put(out, "\nWith SNI ", h->sni, "\n");
	else
		fprintf(out, "\nWithout SNI\n");
	if (!h->connected) {
		put(out, "  result    no connection: ", r->connect_error, "\n");
		return;
	}
	if (r->handshake_ok) {
		fprintf(out, "  result    ok: %s, %s, ALPN %s\n", r->tls_version,
		    r->cipher, r->alpn[0] ? r->alpn : "none");
	} else {
		fprintf(out, "  result    failed: ");
		if (r->not_tls)
			fprintf(out, "not a TLS server");
		else if (r->alert_received > 0)
			fprintf(out, "alert %d %s", r->alert_received,
			    tls_alert_name(r->alert_received));
		else
			put(out, "", r->tls_error, "");
		fprintf(out, ", %s\n", r->failed_after_handshake ? "after the "
		    "handshake (TLS 1.3: the verdict on the client certificate)" :
		    h->got_cert ? "after the certificate" :
		    "before any certificate");
	}
	if (!h->got_cert) {
		fprintf(out, "  chain     none: no certificate was sent\n");
	} else {
		fprintf(out, "  chain     %d certificate%s as sent, %s\n",
		    r->chain_len, r->chain_len == 1 ? "" : "s",
		    h->chain_complete ? "complete" : "incomplete (the "
		    "intermediate is missing)");
		for (int i = 0; i < r->chain_len; i++)
			text_cert(out, i, &r->chain[i]);
		if (h->chain_reason == ES_TLS_NONE)
			put(out, "  verify    ok against ", p->trust, "\n");
		else
			fprintf(out, "  verify    failed: %s (%s)\n",
			    r->verify_error,
			    errors_tls_reason_name(h->chain_reason));
		if (h->name_matched)
			put(out, "  names     ok: ", h->name_matched, "\n");
		else
			put(out, "  names     failed: ", p->names_text,
			    " not in the SANs\n");
		if (p->o->n_pins == 0)
			fprintf(out, "  pin       not checked (no --pin)\n");
		else if (h->pin_ok)
			fprintf(out, "  pin       ok: %s\n", h->pin_matched);
		else
			fprintf(out, "  pin       failed: presented %s\n",
			    h->pin_presented);
	}
	if (h->reason == ES_TLS_NONE)
		fprintf(out, "  verdict   ok\n");
	else
		put(out, "  verdict   ", h->verdict, "\n");
	if (h->detail.len)
		put(out, "            (as an edge logs it: ", h->detail.s, ")\n");
}

static void
text_report(FILE *out, const struct probe *p)
{
	const struct probe_opts *o = p->o;

	put(out, "edgesim probe ", o->host, "");
	fprintf(out, ":%d", o->port);
	if (p->hs[0].r.peer[0])
		fprintf(out, ", connected to %s", p->hs[0].r.peer);
	fprintf(out, "\n");
	put(out, "  trust: ", p->trust, "");
	put(out, "; names checked: ", p->names_text, "");
	fprintf(out, "; pins: %zu\n", o->n_pins);
	if (o->sni_mode == PROBE_SNI_BOTH && p->host_is_ip)
		put(out, "  ", o->host, " is an address: no SNI is sent (give "
		    "a name with --sni NAME)\n");
	for (int i = 0; i < p->n_hs; i++)
		text_handshake(out, p, &p->hs[i]);
	fprintf(out, "\nDiagnosis\n");
	for (size_t i = 0; i < p->diag.n; i++) {
		if (i)
			fputc('\n', out);
		wrap(out, "  ", p->diag.v[i]);
	}
}

/* ------------------------------------------------------------------ */
/* JSON: field names are documented in docs/probe.md, and stable. */

/* A key, with the comma a previous member needs. */
static void
jkey(struct sbuf *b, const char *k)
{
	char last = b->len ? b->s[b->len - 1] : '{';

	if (last != '{' && last != '[')
		sbuf_addc(b, ',');
	if (k)
		sbuf_addf(b, "\"%s\":", k);
}

static void
jstr(struct sbuf *b, const char *k, const char *v)
{
	jkey(b, k);
	if (v == NULL) {
		sbuf_adds(b, "null");
		return;
	}
	sbuf_addc(b, '"');
	sbuf_add_json_escaped(b, v, strlen(v));
	sbuf_addc(b, '"');
}

/* A key and a value written as is: a number, true, null, or "{" / "[". */
static void
jraw(struct sbuf *b, const char *k, const char *raw)
{
	jkey(b, k);
	sbuf_adds(b, raw);
}

static void
jbool(struct sbuf *b, const char *k, bool v)
{
	jraw(b, k, v ? "true" : "false");
}

static void
jlist(struct sbuf *b, const char *k, const struct strlist *l)
{
	jraw(b, k, "[");
	for (size_t i = 0; i < l->n; i++)
		jstr(b, NULL, l->v[i]);
	sbuf_addc(b, ']');
}

static void
json_cert(struct sbuf *b, const struct certinfo *c)
{
	char days[24];

	snprintf(days, sizeof(days), "%ld", days_to(c->not_after));
	jraw(b, NULL, "{");
	jstr(b, "subject", c->subject);
	jlist(b, "sans", &c->sans);
	jstr(b, "issuer", c->issuer);
	jstr(b, "serial", c->serial);
	jstr(b, "not_before", c->not_before_str);
	jstr(b, "not_after", c->not_after_str);
	jraw(b, "days_left", days);
	jstr(b, "key", c->key_type);
	jstr(b, "sha1", c->sha1);
	jstr(b, "sha256", c->sha256);
	jstr(b, "spki", c->spki_sha256);
	jbool(b, "self_signed", c->self_signed);
	jbool(b, "is_ca", c->is_ca);
	sbuf_addc(b, '}');
}

static void
json_handshake(struct sbuf *b, const struct probe *p, const struct hs *h)
{
	const struct blocking_client_result *r = &h->r;
	bool failed = h->connected && !r->handshake_ok;

	jraw(b, NULL, "{");
	jstr(b, "sni", h->sni);
	jstr(b, "result", !h->connected ? "no_connection" : failed ? "failed" :
	    "ok");
	jstr(b, "error", !h->connected ? r->connect_error : failed ?
	    r->tls_error : NULL);
	jstr(b, "ended_by", !failed ? NULL : r->not_tls ? "not_tls" :
	    r->alert_received > 0 ? "alert" : r->reset_in_handshake ? "reset" :
	    r->eof_in_handshake ? "close" : "error");
	jkey(b, "alert");
	if (r->alert_received > 0) {
		sbuf_addf(b, "{\"code\":%d", r->alert_received);
		jstr(b, "name", tls_alert_name(r->alert_received));
		jstr(b, "when", r->failed_after_handshake ? "after_handshake" :
		    h->got_cert ? "after_certificate" : "before_certificate");
		sbuf_addc(b, '}');
	} else {
		sbuf_adds(b, "null");
	}
	jstr(b, "protocol", r->tls_version[0] ? r->tls_version : NULL);
	jstr(b, "cipher", r->cipher[0] ? r->cipher : NULL);
	jstr(b, "alpn", r->alpn[0] ? r->alpn : NULL);
	jbool(b, "client_cert_requested", r->cert_requested);
	jstr(b, "peer", r->peer[0] ? r->peer : NULL);
	jraw(b, "chain", "[");
	for (int i = 0; h->got_cert && i < r->chain_len; i++)
		json_cert(b, &r->chain[i]);
	sbuf_addc(b, ']');
	jbool(b, "chain_complete", h->chain_complete);
	jraw(b, "verify", "{");
	jbool(b, "ok", h->got_cert && h->chain_reason == ES_TLS_NONE);
	jstr(b, "error", !h->got_cert ? "no certificate was presented" :
	    h->chain_reason == ES_TLS_NONE ? NULL : r->verify_error);
	jstr(b, "reason", h->chain_reason == ES_TLS_NONE ? NULL :
	    errors_tls_reason_name(h->chain_reason));
	sbuf_addc(b, '}');
	jraw(b, "name_check", "{");
	jlist(b, "names", &p->names);
	jbool(b, "ok", h->name_matched != NULL);
	jstr(b, "matched", h->name_matched);
	sbuf_addc(b, '}');
	jraw(b, "pin_check", "{");
	jbool(b, "checked", p->o->n_pins > 0 && h->got_cert);
	jraw(b, "ok", p->o->n_pins == 0 || !h->got_cert ? "null" :
	    h->pin_ok ? "true" : "false");
	jlist(b, "pins", &p->pin_text);
	jstr(b, "matched", h->pin_matched);
	jstr(b, "presented", h->got_cert ? h->pin_presented : NULL);
	sbuf_addc(b, '}');
	jstr(b, "verdict", h->verdict);
	jstr(b, "detail", h->detail.len ? h->detail.s : NULL);
	sbuf_addc(b, '}');
}

static void
json_report(FILE *out, const struct probe *p)
{
	const struct probe_opts *o = p->o;
	struct sbuf b, t;
	char port[16];

	sbuf_init(&b);
	sbuf_init(&t);
	snprintf(port, sizeof(port), "%d", o->port);
	sbuf_adds(&b, "{\"target\":{");
	jstr(&b, "host", o->host);
	jraw(&b, "port", port);
	jstr(&b, "connect", p->connect);
	jstr(&b, "sni_mode", o->sni_mode == PROBE_SNI_BOTH ? "both" :
	    o->sni_mode == PROBE_SNI_NAME ? "name" : "none");
	jstr(&b, "trust", o->ca == PROBE_CA_LAB ? "lab" :
	    o->ca == PROBE_CA_FILE ? "file" : "system");
	jstr(&b, "ca_file", o->ca == PROBE_CA_SYSTEM ? NULL : p->ca_path);
	jlist(&b, "names", &p->names);
	jlist(&b, "pins", &p->pin_text);
	jstr(&b, "tls_version", o->tls_version == 12 ? "1.2" :
	    o->tls_version == 13 ? "1.3" : NULL);
	jstr(&b, "client_cert", o->client_cert);
	sbuf_adds(&b, "},\"handshakes\":[");
	for (int i = 0; i < p->n_hs; i++)
		json_handshake(&b, p, &p->hs[i]);
	sbuf_addc(&b, ']');
	jraw(&b, "comparison", p->n_hs == 2 ? "{" : "null");
	if (p->n_hs == 2) {
		jbool(&b, "sni_required", p->sni_required);
		jraw(&b, "same_certificate", p->same_cert < 0 ? "null" :
		    p->same_cert ? "true" : "false");
		sbuf_addc(&b, '}');
	}
	jstr(&b, "verdict", p->hs[0].verdict);
	join(&p->diag, "\n", &t);
	jstr(&b, "diagnosis", t.s ? t.s : "");
	jbool(&b, "ok", p->hs[0].reason == ES_TLS_NONE);
	sbuf_adds(&b, "}\n");
	fputs(b.s, out);
	sbuf_free(&b);
	sbuf_free(&t);
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
		diagnose(&p);
		if (o->json)
			json_report(out, &p);
		else
			text_report(out, &p);
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
