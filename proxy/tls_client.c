/*
 * tls_client.c - TLS from an edge to its origin, and why it failed.
 *
 * Verification runs in one certificate-verify callback that owns the whole
 * decision: chain (full, chain), names (full), pins (any mode), learned
 * pins (pin_refresh), or nothing (none). It records every fact on the
 * connection's tls_client_obs before saying yes or no, so that a failure
 * can be explained exactly: which check, against what, with which
 * certificate.
 */
#include "tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certinfo.h"
#include "certs.h"
#include "log.h"
#include "pki.h"
#include "tls_common.h"

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_client_obs *obs = SSL_get_app_data(ssl);

	if (obs == NULL || obs->magic != TLS_OBS_MAGIC)
		return;
	/* SSL_CB_READ_ALERT and SSL_CB_WRITE_ALERT share the SSL_CB_ALERT
	 * bit: test the direction separately. */
	if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ)) {
		/* A warning-level close_notify is a goodbye, not a failure. */
		if ((ret & 0xff) != 0 || obs->alert_received < 0)
			obs->alert_received = ret & 0xff;
	} else if ((where & SSL_CB_ALERT) && (where & SSL_CB_WRITE)) {
		obs->alert_sent = ret & 0xff;
	} else if (where & SSL_CB_HANDSHAKE_DONE) {
		obs->handshake_done = true;
	}
}

/* Every TLS message the origin sends: enough to know whether it speaks TLS
 * at all. */
static void
msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	struct tls_client_obs *obs = SSL_get_app_data(ssl);

	(void)version;
	(void)buf;
	(void)len;
	(void)arg;
	if (!write_p && obs && obs->magic == TLS_OBS_MAGIC &&
	    (content_type == SSL3_RT_HANDSHAKE || content_type == SSL3_RT_ALERT))
		obs->got_handshake_msg = true;
}

/* Called (on the client) when the origin asks for a certificate. */
static int
cert_cb(SSL *ssl, void *arg)
{
	struct tls_client_obs *obs = SSL_get_app_data(ssl);

	(void)arg;
	if (obs && obs->magic == TLS_OBS_MAGIC)
		obs->cert_requested = true;
	return 1;
}

bool
tls_client_names_match(X509 *leaf, const struct strlist *names)
{
	for (size_t i = 0; i < names->n; i++) {
		const char *n = names->v[i];
		unsigned char ip[16];
		/* An address is matched against IP SANs only: OpenSSL's host
		 * check would fall back to the CN. */
		if (inet_pton(AF_INET, n, ip) == 1 ||
		    inet_pton(AF_INET6, n, ip) == 1) {
			if (X509_check_ip_asc(leaf, n, 0) == 1)
				return true;
			continue;
		}
		if (X509_check_host(leaf, n, 0,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1)
			return true;
		if (str_has_prefix(n, "*.")) {
			GENERAL_NAMES *gens = X509_get_ext_d2i(leaf,
			    NID_subject_alt_name, NULL, NULL);
			bool found = false;
			for (int j = 0; gens && j < sk_GENERAL_NAME_num(gens); j++) {
				GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, j);
				if (g->type != GEN_DNS)
					continue;
				const char *s = (const char *)
				    ASN1_STRING_get0_data(g->d.dNSName);
				if ((size_t)ASN1_STRING_length(g->d.dNSName) ==
				    strlen(n) && strcasecmp(s, n) == 0)
					found = true;
			}
			GENERAL_NAMES_free(gens);
			if (found)
				return true;
		}
	}
	return false;
}

static void
pins_text(const struct tls_client *tc, char *out, size_t len)
{
	struct sbuf b;
	char one[120];

	sbuf_init(&b);
	for (size_t i = 0; i < tc->n_pins; i++) {
		pin_format(&tc->pins[i], one, sizeof(one));
		sbuf_addf(&b, "%s%s", i ? " " : "", one);
	}
	snprintf(out, len, "%s", b.s ? b.s : "");
	sbuf_free(&b);
}

/*
 * Learned pins live outside any one config: a SIGHUP must not make an edge
 * forget what it pinned, any more than a CDN node forgets its pins on a
 * config push. One entry per edge and origin (each CDN node keeps its
 * own), shared by the workers under one lock.
 */
struct learned_entry {
	char *edge;
	char *origin;
	struct tls_learned st;
};

static struct learned_entry *learned_registry;
static size_t n_learned_registry;
static pthread_mutex_t learned_lock = PTHREAD_MUTEX_INITIALIZER;

/* The learned state of edge for origin; learned_lock must be held. */
static struct tls_learned *
learned_for(const char *edge, const char *origin)
{
	for (size_t i = 0; i < n_learned_registry; i++)
		if (strcmp(learned_registry[i].edge, edge) == 0 &&
		    strcmp(learned_registry[i].origin, origin) == 0)
			return &learned_registry[i].st;
	learned_registry = xrealloc(learned_registry,
	    (n_learned_registry + 1) * sizeof(*learned_registry));
	struct learned_entry *e = &learned_registry[n_learned_registry++];
	e->edge = xstrdup(edge);
	e->origin = xstrdup(origin);
	memset(&e->st, 0, sizeof(e->st));
	e->st.epoch_ms = clock_mono_ms();
	return &e->st;
}

/* The pin decision. */
static enum tls_pin_result
pin_check(struct tls_client *tc, struct tls_client_obs *obs)
{
	const struct conf_origin *o = tc->conf;
	enum tls_pin_result r = TLS_PIN_UNCHECKED;
	char learned[120];

	if (o->pin_refresh_ms > 0 && obs->node_name) {
		int64_t now = clock_mono_ms();
		pthread_mutex_lock(&learned_lock);
		struct tls_learned *l = learned_for(obs->node_name, o->sec.name);
		bool due = now - l->epoch_ms >= o->pin_refresh_ms;
		if ((!l->learned && tc->n_pins == 0) || due) {
			pin_from_digests(PIN_SHA1, &obs->digests, &l->pin);
			l->learned = true;
			l->epoch_ms = now;
			r = TLS_PIN_LEARNED;
		} else if (l->learned) {
			r = pin_match(&l->pin, &obs->digests) ?
			    TLS_PIN_OK : TLS_PIN_MISMATCH;
			pin_format(&l->pin, obs->pin_expected,
			    sizeof(obs->pin_expected));
		}
		int64_t next = l->epoch_ms + o->pin_refresh_ms - now;
		pin_format(&l->pin, learned, sizeof(learned));
		pthread_mutex_unlock(&learned_lock);
		if (r == TLS_PIN_LEARNED) {
			struct log_rec rec;
			char when[32];
			format_duration(next, when, sizeof(when));
			log_begin(&rec, "pin_learned");
			log_str(&rec, "edge", obs->node_name);
			log_str(&rec, "origin", o->sec.name);
			log_str(&rec, "pin", learned);
			log_str(&rec, "refresh_in", when);
			log_end(&rec);
			return r;
		}
		if (r != TLS_PIN_UNCHECKED)
			return r;
	}
	if (tc->n_pins > 0) {
		for (size_t i = 0; i < tc->n_pins; i++)
			if (pin_match(&tc->pins[i], &obs->digests))
				return TLS_PIN_OK;
		pins_text(tc, obs->pin_expected, sizeof(obs->pin_expected));
		return TLS_PIN_MISMATCH;
	}
	return TLS_PIN_UNCHECKED;
}

static int
cert_verify_cb(X509_STORE_CTX *xs, void *arg)
{
	struct tls_client *tc = arg;
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_client_obs *obs = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(xs);

	if (tc == NULL || tc->magic != TLS_CLIENT_MAGIC || obs == NULL ||
	    obs->magic != TLS_OBS_MAGIC || leaf == NULL)
		return 0;
	obs->got_cert = true;
	if (obs->leaf == NULL && X509_up_ref(leaf))
		obs->leaf = leaf;
	STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(xs);
	obs->chain_len = sent ? sk_X509_num(sent) : 1;
	certinfo_digests(leaf, &obs->digests);
	obs->verify_err = X509_V_OK;

	enum verify_mode mode = tc->conf->verify;
	if (mode == VERIFY_FULL || mode == VERIFY_CHAIN) {
		if (X509_verify_cert(xs) != 1) {
			obs->verify_err = X509_STORE_CTX_get_error(xs);
			obs->verify_depth = X509_STORE_CTX_get_error_depth(xs);
			return 0;
		}
		if (mode == VERIFY_FULL &&
		    !tls_client_names_match(leaf, &obs->names)) {
			obs->verify_err = X509_V_ERR_HOSTNAME_MISMATCH;
			X509_STORE_CTX_set_error(xs, X509_V_ERR_HOSTNAME_MISMATCH);
			return 0;
		}
	}
	obs->pin = pin_check(tc, obs);
	if (obs->pin == TLS_PIN_MISMATCH) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return 1;
}


int
tls_client_init(struct tls_client *tc, const struct config *cfg,
    const struct conf_origin *o, struct es_err *err)
{
	char path[PATH_MAX];
	struct es_err e2;

	memset(tc, 0, sizeof(*tc));
	tc->magic = TLS_CLIENT_MAGIC;
	tc->conf = o;

	tc->pins = xcalloc(o->pins.n, sizeof(*tc->pins));
	for (size_t i = 0; i < o->pins.n; i++) {
		if (pin_parse(o->pins.v[i], &tc->pins[i], &e2) < 0) {
			es_errf(err, "[origin %s] pin: %s", o->sec.name, e2.msg);
			goto fail;
		}
		tc->n_pins++;
	}

	tc->ctx = SSL_CTX_new(TLS_client_method());
	if (tc->ctx == NULL) {
		tls_err_openssl(err, "SSL_CTX_new");
		goto fail;
	}
	if (tls_ctx_apply_params(tc->ctx, o->min_tls, o->max_tls, o->ciphers,
	    o->ciphersuites, o->groups, &e2) < 0) {
		es_errf(err, "[origin %s] %s", o->sec.name, e2.msg);
		goto fail;
	}
	SSL_CTX_set_mode(tc->ctx, SSL_MODE_RELEASE_BUFFERS);
	/* One read(2) per burst; conn.c's kick_read covers what
	 * bufferevent_openssl does not know was read ahead. */
	SSL_CTX_set_read_ahead(tc->ctx, 1);

	X509_STORE *store = SSL_CTX_get_cert_store(tc->ctx);
	tc->known_intermediates = X509_STORE_new();
	switch (o->ca) {
	case CA_LAB:
		certs_lab_ca(cfg, path, sizeof(path));
		break;
	case CA_FILE:
		snprintf(path, sizeof(path), "%s", o->ca_file);
		break;
	case CA_SYSTEM:
		path[0] = '\0';
		if (!SSL_CTX_set_default_verify_paths(tc->ctx)) {
			tls_err_openssl(err, "[origin %s] ca = system", o->sec.name);
			goto fail;
		}
		break;
	}
	if (path[0] && certinfo_load_certs(path, store) <= 0) {
		es_errf(err, "[origin %s] ca: no certificate in '%s'",
		    o->sec.name, path);
		goto fail;
	}
	/* The lab intermediate is known (not trusted) so that a leaf sent
	 * without it is diagnosed as an incomplete chain. */
	snprintf(path, sizeof(path), "%s/intermediate.pem", cfg->global.pki);
	certinfo_load_certs(path, tc->known_intermediates);

	if (o->crl) {
		if (strcmp(o->crl, "lab") == 0)
			certs_lab_crl(cfg, path, sizeof(path));
		else
			snprintf(path, sizeof(path), "%s", o->crl);
		X509_CRL *crl = pki_crl_load(path);
		if (crl == NULL) {
			es_errf(err, "[origin %s] crl: cannot read a CRL from "
			    "'%s'", o->sec.name, path);
			goto fail;
		}
		X509_STORE_add_crl(store, crl);
		X509_CRL_free(crl);
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}

	if (o->client_cert.source != CERT_NONE) {
		struct pki_paths p;
		if (certs_resolve(cfg, NULL, &o->client_cert, true, &p, &e2) < 0) {
			es_errf(err, "[origin %s] client_cert: %s", o->sec.name,
			    e2.msg);
			goto fail;
		}
		if (SSL_CTX_use_certificate_chain_file(tc->ctx, p.cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(tc->ctx, p.key,
		    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(tc->ctx) != 1) {
			tls_err_openssl(err, "[origin %s] client_cert '%s'",
			    o->sec.name, p.cert);
			goto fail;
		}
	}
	SSL_CTX_set_cert_cb(tc->ctx, cert_cb, tc);
	SSL_CTX_set_verify(tc->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(tc->ctx, cert_verify_cb, tc);
	SSL_CTX_set_info_callback(tc->ctx, info_cb);
	SSL_CTX_set_msg_callback(tc->ctx, msg_cb);
	/* The origin connection speaks HTTP/1.1, and says so. */
	static const unsigned char h11[] = "\x08http/1.1";
	SSL_CTX_set_alpn_protos(tc->ctx, h11, sizeof(h11) - 1);
	return 0;
fail:
	tls_client_free(tc);
	return -1;
}

void
tls_client_free(struct tls_client *tc)
{
	if (tc->magic != TLS_CLIENT_MAGIC)
		return;
	SSL_CTX_free(tc->ctx);
	X509_STORE_free(tc->known_intermediates);
	free(tc->pins);
	memset(tc, 0, sizeof(*tc));
}

SSL *
tls_client_ssl_new(struct tls_client *tc, struct tls_client_obs *obs,
    const char *sni, const char *node_name)
{
	const struct conf_origin *o = tc->conf;
	SSL *ssl = SSL_new(tc->ctx);

	memset(obs, 0, sizeof(*obs));
	obs->magic = TLS_OBS_MAGIC;
	obs->tc = tc;
	obs->node_name = node_name;
	obs->has_client_cert = o->client_cert.source != CERT_NONE;
	obs->pin_kind = tc->n_pins ? tc->pins[0].kind : PIN_SHA1;
	obs->known_intermediates = tc->known_intermediates;
	obs->alert_received = -1;
	obs->alert_sent = -1;
	if (ssl == NULL)
		return NULL;
	SSL_set_app_data(ssl, obs);
	if (sni) {
		obs->sni_sent = true;
		snprintf(obs->sni, sizeof(obs->sni), "%s", sni);
		SSL_set_tlsext_host_name(ssl, sni);
	}
	if (o->names.n > 0) {
		for (size_t i = 0; i < o->names.n; i++)
			strlist_add(&obs->names, o->names.v[i], o->names.line[i]);
	} else {
		strlist_add(&obs->names, sni ? sni : o->addr_host, 0);
	}
	return ssl;
}

void
tls_client_obs_free(struct tls_client_obs *obs)
{
	if (obs->magic != TLS_OBS_MAGIC)
		return;
	X509_free(obs->leaf);
	obs->leaf = NULL;
	strlist_free(&obs->names);
	obs->magic = 0;
}

/*
 * A leaf that did not chain: was only its intermediate missing (the
 * origin should send it) or is its issuer unknown altogether?
 */
static bool
chain_incomplete(const struct tls_client_obs *obs)
{
	if (obs->leaf == NULL || obs->chain_len > 1)
		return false;
	X509_STORE *known = obs->known_intermediates;
	STACK_OF(X509_OBJECT) *objs = known ?
	    X509_STORE_get0_objects(known) : NULL;
	for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (ca && X509_check_issued(ca, obs->leaf) == X509_V_OK)
			return true;
	}
	/* A leaf that names where its issuer can be fetched (AIA) expects
	 * clients to find it: its server sent an incomplete chain. */
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(obs->leaf,
	    NID_info_access, NULL, NULL);
	bool has_ca_issuers = false;
	for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++)
		if (OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, i)->method) ==
		    NID_ad_ca_issuers)
			has_ca_issuers = true;
	AUTHORITY_INFO_ACCESS_free(aia);
	return has_ca_issuers;
}

static enum es_tls_reason
classify_verify(const struct tls_client_obs *obs, struct sbuf *d)
{
	int e = obs->verify_err;

	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		sbuf_adds(d, "the origin's certificate has expired");
		return ES_TLS_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		sbuf_adds(d, "the origin's certificate is not yet valid");
		return ES_TLS_CERT_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		sbuf_adds(d, "the origin's certificate is self-signed");
		return ES_TLS_SELF_SIGNED;
	case X509_V_ERR_CERT_REVOKED:
		sbuf_adds(d, "the origin's certificate is revoked (on the CRL)");
		return ES_TLS_REVOKED;
	case X509_V_ERR_HOSTNAME_MISMATCH: {
		sbuf_adds(d, "the origin's certificate does not match ");
		for (size_t i = 0; i < obs->names.n; i++)
			sbuf_addf(d, "%s%s", i ? ", " : "", obs->names.v[i]);
		return ES_TLS_HOSTNAME_MISMATCH;
	}
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		if (chain_incomplete(obs)) {
			sbuf_adds(d, "the origin sent its certificate without the "
			    "intermediate CA certificate");
			return ES_TLS_INCOMPLETE_CHAIN;
		}
		sbuf_adds(d, "the origin's certificate was issued by a CA the "
		    "edge does not trust");
		return ES_TLS_UNTRUSTED_ISSUER;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		sbuf_adds(d, "the origin's chain ends in a root the edge does "
		    "not trust");
		return ES_TLS_UNTRUSTED_ISSUER;
	default:
		sbuf_addf(d, "certificate verification failed: %s",
		    X509_verify_cert_error_string(e));
		return ES_TLS_VERIFY_FAILED;
	}
}

static bool
is_version_error(unsigned long e)
{
	int r = ERR_GET_REASON(e);

	return ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    (r == SSL_R_UNSUPPORTED_PROTOCOL ||
	    r == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
	    r == SSL_R_NO_PROTOCOLS_AVAILABLE ||
	    r == SSL_R_VERSION_TOO_LOW || r == SSL_R_VERSION_TOO_HIGH);
}

enum es_tls_reason
tls_client_classify(const struct tls_client_obs *obs, unsigned long ssl_err,
    int sock_errno, bool eof, struct sbuf *d)
{
	bool has_client_cert = obs->has_client_cert;

	if (obs->pin == TLS_PIN_MISMATCH) {
		char have[120];
		struct pin p;
		/* Show the presented value in the kind of the first pin. */
		pin_from_digests(obs->pin_kind, &obs->digests, &p);
		pin_format(&p, have, sizeof(have));
		sbuf_addf(d, "pinned %s, presented %s", obs->pin_expected, have);
		return ES_TLS_PIN_MISMATCH;
	}
	if (obs->got_cert && obs->verify_err != X509_V_OK)
		return classify_verify(obs, d);
	if (obs->alert_received == 70 || (ssl_err && is_version_error(ssl_err))) {
		sbuf_adds(d, obs->alert_received == 70 ?
		    "the origin sent alert 70 protocol_version: no TLS version in "
		    "common" : "no TLS version in common with the origin");
		return ES_TLS_PROTOCOL_VERSION;
	}
	/* OpenSSL 3 reports a failed read() as an error of ERR_LIB_SYS
	 * whose reason is the errno. */
	if (ssl_err && ERR_GET_LIB(ssl_err) == ERR_LIB_SYS)
		sock_errno = ERR_GET_REASON(ssl_err);
	if (!obs->got_cert) {
		if (obs->not_tls)
			sbuf_adds(d, "the origin does not speak TLS: what it "
			    "sent is not a TLS handshake");
		else if (obs->alert_received > 0)
			sbuf_addf(d, "alert %d %s", obs->alert_received,
			    tls_alert_name(obs->alert_received));
		else if (ssl_err && ERR_GET_REASON(ssl_err) ==
		    SSL_R_WRONG_VERSION_NUMBER)
			sbuf_adds(d, "the origin does not speak TLS");
		else if (sock_errno == ECONNRESET)
			sbuf_adds(d, "connection reset (RST)");
		else if (eof || sock_errno == 0 || (ssl_err &&
		    ERR_GET_REASON(ssl_err) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
			sbuf_adds(d, "connection closed (FIN)");
		else
			sbuf_addf(d, "socket error: %s", strerror(sock_errno));
		return ES_TLS_NO_CERTIFICATE;
	}
	if (obs->cert_requested && !has_client_cert &&
	    (obs->alert_received == 116 || obs->alert_received == 40 ||
	    obs->alert_received == 42 || obs->alert_received == 49 ||
	    obs->alert_received < 0)) {
		sbuf_addf(d, "the origin asked for a client certificate and "
		    "the edge has none");
		if (obs->alert_received > 0)
			sbuf_addf(d, " (alert %d %s)", obs->alert_received,
			    tls_alert_name(obs->alert_received));
		return ES_TLS_CLIENT_CERT_REQUIRED;
	}
	if (obs->alert_received > 0) {
		sbuf_addf(d, "%s", tls_alert_name(obs->alert_received));
		return ES_TLS_ALERT;
	}
	if (ssl_err) {
		const char *r = ERR_reason_error_string(ssl_err);
		sbuf_addf(d, "%s", r ? r : "TLS error");
	} else if (sock_errno) {
		sbuf_addf(d, "%s", strerror(sock_errno));
	} else {
		sbuf_adds(d, "the origin closed the connection");
	}
	return ES_TLS_OTHER;
}
