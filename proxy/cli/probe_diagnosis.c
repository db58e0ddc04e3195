/*
 * probe_diagnosis.c - what `edgesim probe` found, in words: a paragraph
 * for the verdict of the first handshake (say_verdict: what failed, the
 * likely cause, the setting to change, in a CDN's terms where one
 * applies), the other findings of that handshake (say_also), and the
 * comparison of the handshakes with and without SNI (compare), which goes
 * first when it is the news. The facts and verdicts are probe.c's; the
 * report that prints these paragraphs is probe_report.c's.
 */
#include "probe_private.h"

#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certinfo.h"
#include "errors.h"
#include "explain.h"
#include "tls_common.h"
#include "util.h"


/* Whole days from now to t: negative in the past. */
long
probe_days_to(time_t t)
{
	return (long)((double)(t - time(NULL)) / 86400.0);
}

/* "in 12 days", "today", "3 days ago" for a time t. */
void
probe_days_phrase(time_t t, char *out, size_t len)
{
	long d = probe_days_to(t);

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
	if (h->sni && h->r.leaf && probe_matching_name(h->r.leaf, &sni) != NULL)
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
		    probe_days_to(c->not_after));
		if (probe_days_to(c->not_after) < 30)
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
		probe_days_phrase(c->not_after, when, sizeof(when));
		sbuf_addf(b, "The certificate %s expired on %s (%s). Renew it, "
		    "or load the renewed certificate on the server (a renewal "
		    "never deployed is the usual cause).", c->subject,
		    c->not_after_str, when);
		break;
	case ES_TLS_CERT_NOT_YET_VALID:
		c = first_dated(h, false);
		probe_days_phrase(c->not_before, when, sizeof(when));
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

void
probe_diagnose(struct probe *p)
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
