/*
 * tls_server.c - build an edge's TLS contexts and choose one per handshake.
 *
 * One SSL_CTX per certificate, all with the same protocol settings; SSLs
 * start on the default one and the ClientHello callback switches to the
 * host's (as hitch and HAProxy do). The callback reads the server_name
 * extension itself, because what to do without SNI must be decided before
 * OpenSSL picks and sends a certificate.
 */
#include "tls_server.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "pki.h"
#include "tls_common.h"

const char *
tls_hello_verdict_name(enum tls_hello_verdict v)
{
	switch (v) {
	case TLS_HELLO_PENDING: return "pending";
	case TLS_HELLO_HOST: return "host";
	case TLS_HELLO_DEFAULT_NO_SNI: return "default_no_sni";
	case TLS_HELLO_DEFAULT_UNKNOWN: return "default_unknown_sni";
	case TLS_HELLO_REJECTED: return "rejected";
	case TLS_HELLO_CLOSE: return "closed_no_sni";
	case TLS_HELLO_RESET: return "reset_no_sni";
	case TLS_HELLO_BAD_SNI: return "bad_sni";
	}
	return "?";
}

/*
 * ALPN: http/1.1, and h2 first when the edge speaks HTTP/2 (http2 = on,
 * mode = http), in the server's order of preference as nginx and
 * CloudFront choose: a viewer that offers both gets h2.
 */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";
	static const unsigned char h2[] = "\x02h2\x08http/1.1";
	const struct tls_server *ts = arg;
	bool with_h2 = ts->conf->http2 && ts->conf->mode == EDGE_MODE_HTTP;
	unsigned char *sel;

	(void)ssl;
	if (SSL_select_next_proto(&sel, outlen, with_h2 ? h2 : h11,
	    with_h2 ? sizeof(h2) - 1 : sizeof(h11) - 1, in,
	    inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;    /* no ALPN: plain HTTP/1.1 */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int
client_hello_cb(SSL *ssl, int *al, void *arg)
{
	struct tls_server *ts = arg;
	struct tls_hello *hello = SSL_get_app_data(ssl);
	const unsigned char *ext, *name;
	size_t ext_len, name_len = 0;

	if (ts == NULL || ts->magic != TLS_SERVER_MAGIC || hello == NULL ||
	    hello->magic != TLS_HELLO_MAGIC) {
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	const struct conf_edge *e = ts->conf;

	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext,
	    &ext_len)) {
		hello->sni_present = false;
		switch (e->no_sni) {
		case NO_SNI_REJECT:
			hello->verdict = TLS_HELLO_REJECTED;
			*al = SSL_AD_HANDSHAKE_FAILURE;
			return SSL_CLIENT_HELLO_ERROR;
		case NO_SNI_CLOSE:
		case NO_SNI_RESET:
			/* Suspend the handshake: no alert is ever written,
			 * and the connection closes it silently (FIN or RST). */
			hello->verdict = e->no_sni == NO_SNI_CLOSE ?
			    TLS_HELLO_CLOSE : TLS_HELLO_RESET;
			return SSL_CLIENT_HELLO_RETRY;
		default:
			hello->verdict = TLS_HELLO_DEFAULT_NO_SNI;
			return SSL_CLIENT_HELLO_SUCCESS;
		}
	}
	if (sni_parse_server_name(ext, ext_len, &name, &name_len) < 0 ||
	    name == NULL || name_len == 0) {
		hello->verdict = TLS_HELLO_BAD_SNI;
		*al = SSL_AD_DECODE_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	hello->sni_present = true;
	hello->sni_len = name_len > SNI_NAME_MAX ? SNI_NAME_MAX : name_len;
	free(hello->sni);
	hello->sni = xstrndup((const char *)name, hello->sni_len);

	struct tls_server_host *h = NULL;
	if (name_len <= SNI_NAME_MAX && memchr(name, '\0', name_len) == NULL)
		h = sni_table_lookup(&ts->sni, (const char *)name, name_len, NULL);
	if (h == NULL) {
		if (e->unknown_sni == UNKNOWN_SNI_REJECT) {
			hello->verdict = TLS_HELLO_REJECTED;
			*al = SSL_AD_HANDSHAKE_FAILURE;
			return SSL_CLIENT_HELLO_ERROR;
		}
		hello->verdict = TLS_HELLO_DEFAULT_UNKNOWN;
		return SSL_CLIENT_HELLO_SUCCESS;
	}
	hello->verdict = TLS_HELLO_HOST;
	hello->host = h->host;
	/* The host's certificate replaces the default one (all of it: a
	 * default of another key type must not be chosen instead). */
	if (!h->is_default) {
		SSL_certs_clear(ssl);
		if (SSL_use_cert_and_key(ssl, h->cert, h->key,
		    sk_X509_num(h->chain) > 0 ? h->chain : NULL, 1) != 1) {
			*al = SSL_AD_INTERNAL_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* Accept any viewer certificate chain that verifies; with client_auth =
 * optional a viewer may also send none. */
static int
viewer_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	(void)ctx;
	return ok;
}

static int
ctx_setup(struct tls_server *ts, const struct config *cfg, SSL_CTX *ctx,
    struct es_err *err)
{
	const struct conf_edge *e = ts->conf;

	if (tls_ctx_apply_params(ctx, e->min_tls, e->max_tls, e->ciphers,
	    e->ciphersuites, e->groups, err) < 0)
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* One read(2) per burst; conn.c's kick_read covers what
	 * bufferevent_openssl does not know was read ahead. */
	SSL_CTX_set_read_ahead(ctx, 1);
	/* One session ticket per handshake, not OpenSSL's two: a viewer
	 * resumes with one, and each costs an encryption and memory. */
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, ts);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)e->sec.name,
	    (unsigned)strlen(e->sec.name) > SSL_MAX_SID_CTX_LENGTH ?
	    SSL_MAX_SID_CTX_LENGTH : (unsigned)strlen(e->sec.name));
	if (e->client_auth != CLIENT_AUTH_NONE) {
		char ca[PATH_MAX];
		if (strcmp(e->client_ca, "lab") == 0)
			certs_lab_ca(cfg, ca, sizeof(ca));
		else
			snprintf(ca, sizeof(ca), "%s", e->client_ca);
		if (!SSL_CTX_load_verify_locations(ctx, ca, NULL))
			return tls_err_openssl(err, "[edge %s] client_ca '%s'",
			    e->sec.name, ca);
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    (e->client_auth == CLIENT_AUTH_REQUIRE ?
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), viewer_verify_cb);
	}
	return 0;
}

/*
 * The chain and key of spec (owned by host, NULL for the default): taken
 * from what the lab checked at start (loaded), else read from the files
 * (pki_files.c's fast readers). th gets its own references.
 */
static int
load_cert(struct tls_server *ts, const struct config *cfg,
    const struct conf_host *host, const struct cert_spec *spec,
    const struct certs_loaded *loaded, struct tls_server_host *th,
    struct es_err *err)
{
	struct pki_paths paths;
	struct es_err e2;
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *key = NULL;

	if (certs_resolve(cfg, host, spec, false, &paths, &e2) < 0)
		return es_errf(err, "[edge %s] %s: %s", ts->conf->sec.name,
		    host ? host->sec.name : "default certificate", e2.msg);
	const struct pki_loaded *lo = certs_loaded_find(loaded, paths.cert);
	if (lo && lo->certs && lo->key) {
		certs = X509_chain_up_ref(lo->certs);
		if (EVP_PKEY_up_ref(lo->key))
			key = lo->key;
	} else {
		certs = pki_certs_load(paths.cert);
		key = certs ? pki_key_load(paths.key) : NULL;
		if (certs == NULL || key == NULL) {
			sk_X509_pop_free(certs, X509_free);
			EVP_PKEY_free(key);
			return es_errf(err, "[edge %s] cannot load %s '%s'",
			    ts->conf->sec.name, certs ? "key" : "certificate",
			    certs ? paths.key : paths.cert);
		}
		if (X509_check_private_key(sk_X509_value(certs, 0), key) != 1) {
			sk_X509_pop_free(certs, X509_free);
			EVP_PKEY_free(key);
			ERR_clear_error();
			return es_errf(err, "key '%s' does not match certificate "
			    "'%s'", paths.key, paths.cert);
		}
	}
	if (certs == NULL || key == NULL) {
		sk_X509_pop_free(certs, X509_free);
		EVP_PKEY_free(key);
		return es_errf(err, "[edge %s] cannot take the certificate '%s'",
		    ts->conf->sec.name, paths.cert);
	}
	th->cert = sk_X509_shift(certs);        /* the leaf, and the rest */
	th->chain = certs;
	th->key = key;
	return 0;
}

static void
host_free(struct tls_server_host *th)
{
	X509_free(th->cert);
	sk_X509_pop_free(th->chain, X509_free);
	EVP_PKEY_free(th->key);
	memset(th, 0, sizeof(*th));
}

int
tls_server_init(struct tls_server *ts, const struct config *cfg,
    const struct conf_edge *edge, const struct certs_loaded *loaded,
    struct es_err *err)
{
	struct tls_server_host def;

	memset(ts, 0, sizeof(*ts));
	memset(&def, 0, sizeof(def));
	ts->magic = TLS_SERVER_MAGIC;
	ts->conf = edge;
	sni_table_init(&ts->sni);

	ts->hosts = xcalloc(edge->n_hosts, sizeof(*ts->hosts));
	for (size_t i = 0; i < edge->n_hosts; i++) {
		const struct conf_host *h = edge->hosts[i];
		struct tls_server_host *th = &ts->hosts[ts->n_hosts];
		th->host = h;
		if (load_cert(ts, cfg, h, &h->cert, loaded, th, err) < 0)
			goto fail;
		ts->n_hosts++;
		sni_table_add(&ts->sni, h->sec.name, false, th);
		for (size_t a = 0; a < h->aliases.n; a++)
			sni_table_add(&ts->sni, h->aliases.v[a], true, th);
	}

	/* The default context: the edge's settings and its default
	 * certificate (a host's, or its own). It carries the ClientHello
	 * callback, because every handshake starts on it. */
	const struct cert_spec *d = &edge->default_cert;
	const struct conf_host *dh = NULL;
	if (d->source == CERT_HOST)
		dh = config_find_host(cfg, d->host_name);
	if (load_cert(ts, cfg, dh, dh ? &dh->cert : d, loaded, &def, err) < 0)
		goto fail;
	ts->default_ctx = SSL_CTX_new(TLS_server_method());
	if (ts->default_ctx == NULL) {
		tls_err_openssl(err, "SSL_CTX_new");
		goto fail;
	}
	if (ctx_setup(ts, cfg, ts->default_ctx, err) < 0)
		goto fail;
	if (SSL_CTX_use_cert_and_key(ts->default_ctx, def.cert, def.key,
	    sk_X509_num(def.chain) > 0 ? def.chain : NULL, 1) != 1) {
		tls_err_openssl(err, "[edge %s] cannot use the default "
		    "certificate", edge->sec.name);
		goto fail;
	}
	/* A host whose certificate is the default one needs no switch. */
	for (size_t i = 0; i < ts->n_hosts; i++)
		ts->hosts[i].is_default = X509_cmp(ts->hosts[i].cert,
		    def.cert) == 0;
	host_free(&def);
	SSL_CTX_set_client_hello_cb(ts->default_ctx, client_hello_cb, ts);
	return 0;
fail:
	host_free(&def);
	tls_server_free(ts);
	return -1;
}

void
tls_server_free(struct tls_server *ts)
{
	for (size_t i = 0; i < ts->n_hosts; i++)
		host_free(&ts->hosts[i]);
	free(ts->hosts);
	SSL_CTX_free(ts->default_ctx);
	sni_table_free(&ts->sni);
	memset(ts, 0, sizeof(*ts));
}

void
tls_hello_free(struct tls_hello *hello)
{
	free(hello->sni);
	hello->sni = NULL;
}

SSL *
tls_server_ssl_new(struct tls_server *ts, struct tls_hello *hello)
{
	SSL *ssl = SSL_new(ts->default_ctx);

	if (ssl == NULL)
		return NULL;
	memset(hello, 0, sizeof(*hello));
	hello->magic = TLS_HELLO_MAGIC;
	hello->server = ts;
	SSL_set_app_data(ssl, hello);
	return ssl;
}
