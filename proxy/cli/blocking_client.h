/*
 * blocking_client.h - a small blocking TLS and HTTPS client, for the commands that
 * act as a viewer: `edgesim scenario` (drives scenarios and checks what a
 * viewer sees) and `edgesim probe` (diagnoses a TLS endpoint).
 *
 * It records everything a diagnosis needs: whether the TCP connect worked,
 * the alert received (if any), the chain exactly as sent, the verification
 * verdict, the negotiated version, cipher and ALPN, and for HTTPS the
 * response. Not for the proxy's event loop: it blocks.
 */
#ifndef EDGESIM_BLOCKING_CLIENT_H
#define EDGESIM_BLOCKING_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "certinfo.h"
#include "util.h"

#define CLIENT_CHAIN_MAX 10

struct blocking_client_opts {
	const char *connect_host;       /* address or name to connect to */
	int port;
	const char *sni;                /* NULL: send no SNI */
	const char *ca_file;            /* NULL: no trust store (verify fails) */
	bool ca_system;                 /* use OpenSSL's default store */
	const char *verify_name;        /* the name checked against the cert */
	const char *client_cert;        /* PEM files, or NULL */
	const char *client_key;
	int min_tls;                    /* 0: library default */
	int max_tls;
	int timeout_ms;                 /* per step; 0: 5000 */
	bool strict;                    /* like a browser: no request when the
	                                   chain or the name does not verify */
	int settle_ms;                  /* TLS 1.3 with a CertificateRequest:
	                                   wait up to this long after the
	                                   handshake for the server's verdict
	                                   on the client certificate (0: no) */
	/* HTTP: when path is set, a request is sent after the handshake. */
	const char *method;             /* default GET */
	const char *path;
	const char *host_header;        /* default verify_name or sni */
};

struct blocking_client_result {
	char connect_error[128];        /* "" when TCP connected */
	bool handshake_ok;
	char tls_error[256];            /* OpenSSL's reason when it failed */
	int alert_received;             /* -1: none */
	bool eof_in_handshake;          /* closed (FIN) before it finished */
	bool reset_in_handshake;        /* reset (RST) before it finished */
	char tls_version[16];
	char cipher[64];
	char alpn[32];
	struct certinfo chain[CLIENT_CHAIN_MAX];        /* as sent, leaf first */
	int chain_len;
	long verify_result;             /* X509_V_OK or the error */
	char verify_error[128];
	bool name_ok;                   /* verify_name matches the leaf */
	/* HTTP */
	int status;
	struct sbuf headers;            /* raw header block */
	struct sbuf body;
	char http_error[128];
	/* What a diagnosis needs beyond the above (tls_client_classify). */
	char peer[64];                  /* the address connected to: "ADDR:PORT" */
	unsigned long ssl_err;          /* first OpenSSL error of the failure */
	int sock_errno;                 /* socket error of the failure, or 0 */
	bool cert_requested;            /* the server sent a CertificateRequest */
	bool got_handshake_msg;         /* a TLS handshake or alert record came */
	bool not_tls;                   /* bytes came, but no TLS record */
	bool got_session_ticket;        /* TLS 1.3: the server sent a ticket */
	bool failed_after_handshake;    /* TLS 1.3: the server refused after the
	                                   client's Finished (settle_ms) */
	X509 *leaf;                     /* the leaf as sent (a reference held
	                                   until blocking_client_result_free), or NULL */
};

void blocking_client_result_init(struct blocking_client_result *r);
void blocking_client_result_free(struct blocking_client_result *r);

/* Connect, handshake, and (with opts->path) send one HTTP/1.1 request and
 * read the whole response. Returns 0 when everything asked for worked. */
int blocking_client_run(const struct blocking_client_opts *opts, struct blocking_client_result *r);

/* The value of a response header (case-insensitive), copied into out. */
bool blocking_client_header(const struct blocking_client_result *r, const char *name,
    char *out, size_t len);

#endif
