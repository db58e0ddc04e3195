/*
 * tls_client.h - the origin side of an edge: TLS to an origin with the SNI,
 * verification mode, pins and client certificate of its [origin] section,
 * and the classification of every way that handshake can fail.
 *
 * One SSL_CTX per origin, built with the config. Each handshake records
 * what actually happened (did a certificate arrive, which alert came, what
 * verification said, was a client certificate asked for) in a
 * tls_client_obs, and tls_client_classify turns that into one sub-reason
 * of ERR_FWD_SSL_HANDSHAKE, from facts rather than guesses.
 */
#ifndef EDGESIM_TLS_CLIENT_H
#define EDGESIM_TLS_CLIENT_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "pin.h"
#include "sni.h"
#include "util.h"

#define TLS_CLIENT_MAGIC 0x7e5e7e03u
#define TLS_OBS_MAGIC 0x7e5e7e04u

struct tls_client {
	unsigned magic;
	const struct conf_origin *conf;
	SSL_CTX *ctx;
	X509_STORE *known_intermediates; /* to tell an incomplete chain from an
	                                    unknown CA; never trusted */
	struct pin *pins;
	size_t n_pins;
};

/* A learned pin (pin_refresh) of one edge for one origin. */
struct tls_learned {
	bool learned;
	struct pin pin;                 /* sha1 of the leaf */
	int64_t epoch_ms;               /* when the pin set was last (re)learned */
};

enum tls_pin_result {
	TLS_PIN_UNCHECKED,
	TLS_PIN_OK,
	TLS_PIN_LEARNED,                /* this handshake recorded the pin */
	TLS_PIN_MISMATCH,
};

/* What one origin handshake saw. Owned by the origin connection. */
struct tls_client_obs {
	unsigned magic;
	struct tls_client *tc;
	const char *node_name;          /* the edge making the connection */
	/* What tls_client_classify needs of the client side, copied here by
	 * tls_client_ssl_new; a caller without a tls_client (`edgesim probe`)
	 * fills them itself. */
	bool has_client_cert;           /* a client certificate is configured */
	enum pin_kind pin_kind;         /* kind of the first pin (PIN_SHA1: none) */
	X509_STORE *known_intermediates; /* borrowed, may be NULL: see
	                                    struct tls_client */
	bool sni_sent;
	char sni[SNI_NAME_MAX + 1];
	struct strlist names;           /* names the certificate must match */
	bool got_cert;                  /* a Certificate message arrived */
	X509 *leaf;                     /* its leaf (a reference we hold) */
	int chain_len;                  /* certificates the origin sent */
	struct cert_digests digests;
	int verify_err;                 /* X509_V_OK or the failure */
	int verify_depth;
	enum tls_pin_result pin;
	char pin_expected[160];         /* the pins it was compared with */
	int alert_received;             /* -1: none, else the description */
	int alert_sent;
	bool cert_requested;            /* the origin sent CertificateRequest */
	bool got_handshake_msg;         /* any TLS handshake message arrived */
	bool not_tls;                   /* bytes came, but no TLS handshake */
	bool handshake_done;
};

int tls_client_init(struct tls_client *tc, const struct config *cfg,
    const struct conf_origin *o, struct es_err *err);
void tls_client_free(struct tls_client *tc);

/*
 * A client SSL for one connection, made by the edge node_name (learned
 * pins are kept per edge). sni: the name to send, or NULL for none.
 * The names to verify are the configured `names`, else sni, else the host
 * of the origin's address. obs is initialised here and must outlive the SSL
 * (or be released with tls_client_obs_free after it).
 */
SSL *tls_client_ssl_new(struct tls_client *tc, struct tls_client_obs *obs,
    const char *sni, const char *node_name);
void tls_client_obs_free(struct tls_client_obs *obs);

/*
 * Why the handshake failed, from what obs recorded, the OpenSSL error
 * (ssl_err, 0 if none), the socket error (sock_errno, 0 if none) and
 * whether the origin closed (eof). detail gets one human line, e.g.
 * "no_certificate (alert 112 unrecognized_name)".
 */
enum es_tls_reason tls_client_classify(const struct tls_client_obs *obs,
    unsigned long ssl_err, int sock_errno, bool eof, struct sbuf *detail);

/*
 * Does the certificate match one of names? Host names as a TLS client
 * checks them (X509_check_host, no partial wildcards), addresses against
 * IP SANs only, and a "*.D" name only the same wildcard in the certificate
 * (Akamai's Match CN/SAN).
 */
bool tls_client_names_match(X509 *leaf, const struct strlist *names);

#endif
