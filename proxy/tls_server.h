/*
 * tls_server.h - the viewer side of an edge: TLS termination with the
 * certificate chosen by SNI.
 *
 * An edge has one SSL_CTX (its protocol settings and default certificate);
 * every host's certificate, chain and key are parsed once when the edge is
 * built, and a handshake only looks the name up (O(1), sni.c) and installs
 * that host's certificate on its SSL. (One SSL_CTX per host cost 0.2 ms
 * and 30 KiB each: 10,000 hosts were 300 MiB and seconds of start-up.)
 * The ClientHello callback is where no_sni and unknown_sni act, before any
 * certificate is chosen or sent.
 */
#ifndef EDGESIM_TLS_SERVER_H
#define EDGESIM_TLS_SERVER_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "config.h"
#include "sni.h"
#include "util.h"

#define TLS_SERVER_MAGIC 0x7e5e7e01u

struct tls_server_host {
	const struct conf_host *host;
	X509 *cert;                     /* the leaf */
	STACK_OF(X509) *chain;          /* served after it (may be empty) */
	EVP_PKEY *key;
	bool is_default;                /* the default context's own: no switch */
};

struct tls_server {
	unsigned magic;
	const struct conf_edge *conf;
	SSL_CTX *default_ctx;           /* every SSL: settings, default certificate */
	struct tls_server_host *hosts;  /* one per host of the edge */
	size_t n_hosts;
	struct sni_table sni;           /* name -> struct tls_server_host */
};

struct certs_loaded;

/*
 * What the ClientHello callback decided, for the connection to act on and
 * log. The connection owns it and points the SSL's app data at it.
 */
enum tls_hello_verdict {
	TLS_HELLO_PENDING,              /* no ClientHello yet */
	TLS_HELLO_HOST,                 /* SNI matched a host */
	TLS_HELLO_DEFAULT_NO_SNI,       /* no SNI: default certificate */
	TLS_HELLO_DEFAULT_UNKNOWN,      /* unknown SNI: default certificate */
	TLS_HELLO_REJECTED,             /* alert 40 sent, no certificate */
	TLS_HELLO_CLOSE,                /* no SNI: close with FIN, no alert */
	TLS_HELLO_RESET,                /* no SNI: close with RST, no alert */
	TLS_HELLO_BAD_SNI,              /* malformed server_name extension */
};

#define TLS_HELLO_MAGIC 0x7e5e7e02u

struct tls_hello {
	unsigned magic;
	enum tls_hello_verdict verdict;
	bool sni_present;
	char *sni;                      /* as received (heap), NULL: none;
	                                   freed by tls_hello_free */
	size_t sni_len;
	const struct conf_host *host;   /* the host whose certificate was chosen */
	struct tls_server *server;
};

/* loaded (may be NULL): lab certificates already parsed (certs.h). */
int tls_server_init(struct tls_server *ts, const struct config *cfg,
    const struct conf_edge *edge, const struct certs_loaded *loaded,
    struct es_err *err);
void tls_server_free(struct tls_server *ts);

/* A new server-side SSL for a viewer connection, reporting into hello. */
SSL *tls_server_ssl_new(struct tls_server *ts, struct tls_hello *hello);

const char *tls_hello_verdict_name(enum tls_hello_verdict v);
void tls_hello_free(struct tls_hello *hello);

#endif
