/*
 * conn_handshake.c - a viewer connection's TLS handshake as the edge ends
 * it: on success, the protocol the viewer gets (a raw tunnel, HTTP/2 or
 * HTTP/1.1); on failure, what the viewer saw (the edge's choice for a
 * hello without SNI or with an unknown one, plain HTTP on a TLS port
 * answered in plain text, a viewer that went away) in one "tls" log
 * record. The choice of certificate for a hello is tls_server.c's.
 */
#include "conn_private.h"

#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "observe.h"

void
conn_log_tls_failure(struct conn *c, const char *reason)
{
	struct log_rec rec;

	log_begin(&rec, "tls");
	log_str(&rec, "edge", c->edge->conf->sec.name);
	log_str(&rec, "client", c->peer);
	log_str(&rec, "sni", conn_sni(c) ? conn_sni(c) : "-");
	log_str(&rec, "verdict", tls_hello_verdict_name(c->hello.verdict));
	log_str(&rec, "result", reason);
	log_int(&rec, "ms", clock_mono_ms() - c->t_accept);
	observe_viewer_tls(&rec, c->edge->conf->sec.name, &c->hello);
	log_end(&rec);
}

/*
 * Keep the first bytes a viewer sends, to recognise plain HTTP on a TLS
 * port whatever its method (OpenSSL only knows GET, POST, HEAD and PUT).
 * Installed on the socket BIO for the handshake only.
 */
long
conn_first_bytes_cb(BIO *b, int oper, const char *argp, size_t len, int argi,
    long argl, int ret, size_t *processed)
{
	struct conn *c = (struct conn *)BIO_get_callback_arg(b);

	(void)len;
	(void)argi;
	(void)argl;
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed &&
	    c && c->magic == CONN_MAGIC && c->n_first < sizeof(c->first_bytes)) {
		size_t n = *processed;
		if (n > sizeof(c->first_bytes) - c->n_first)
			n = sizeof(c->first_bytes) - c->n_first;
		memcpy(c->first_bytes + c->n_first, argp, n);
		c->n_first += n;
	}
	return ret;
}

/*
 * "DELETE /", "OPTIONS ", "CONNECT ": an HTTP method and a space. OpenSSL
 * read only a record header (5 bytes) before giving up, so the rest of
 * the line is still in the socket: peek at it.
 */
static bool
looks_like_http(struct conn *c)
{
	char buf[24];
	size_t n = c->n_first;
	size_t i = 0;

	memcpy(buf, c->first_bytes, n);
	ssize_t more = recv(c->fd, buf + n, sizeof(buf) - n, MSG_PEEK |
	    MSG_DONTWAIT);
	if (more > 0)
		n += (size_t)more;
	while (i < n && buf[i] >= 'A' && buf[i] <= 'Z')
		i++;
	return i >= 3 && i < n && buf[i] == ' ';
}

/* Answer plain HTTP on a TLS port in plain HTTP, as nginx does. */
static void
reply_plain_http(struct conn *c)
{
	static const char body[] = "400 Bad Request: a plain HTTP request was "
	    "sent to a TLS port; use https://\n";
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "HTTP/1.1 400 Bad Request\r\n"
	    "Server: edgesim\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    sizeof(body) - 1, body);
	ssize_t w = send(c->fd, msg, (size_t)n, MSG_NOSIGNAL);
	(void)w;
}

void
conn_handshake_done(struct conn *c)
{
	struct timeval tv;
	int64_t ms = conn_glob(c)->idle_timeout_ms;

	observe_viewer_tls(NULL, c->edge->conf->sec.name, &c->hello);
	conn_clear_timer(c);
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	if (ssl)
		BIO_set_callback_ex(SSL_get_rbio(ssl), NULL);
	if (ssl && SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name))
		tls_hello_free(&c->hello);      /* conn_sni uses OpenSSL's now */
	/* A viewer that stops reading may not hold an origin forever. */
	tv_from_ms(&tv, ms);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	if (c->edge->conf->mode == EDGE_MODE_TCP) {
		conn_tunnel_start(c);
		return;
	}
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	if (ssl)
		SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
	if (alpn_len == 2 && memcmp(alpn, "h2", 2) == 0) {
		conn_h2_start(c);
		return;
	}
	c->state = CONN_READ_HEAD;
	c->timer_is_idle = false;
	conn_set_timer(c, conn_glob(c)->header_timeout_ms);
	conn_after_step(c, CONN_STEP_AGAIN);
}

void
conn_handshake_failed(struct conn *c, short what)
{
	unsigned long e = bufferevent_get_openssl_error(c->bev);
	char reason[160];

	while (bufferevent_get_openssl_error(c->bev) != 0)
		;
	ERR_clear_error();
	switch (c->hello.verdict) {
	case TLS_HELLO_CLOSE:
		conn_log_tls_failure(c, "no SNI: closed (FIN) before any certificate");
		conn_close(c, NULL);
		return;
	case TLS_HELLO_RESET:
		conn_log_tls_failure(c, "no SNI: reset (RST) before any certificate");
		conn_reset(c);
		return;
	case TLS_HELLO_REJECTED:
		conn_log_tls_failure(c, c->hello.sni_present ?
		    "unknown SNI: alert 40 handshake_failure, no certificate" :
		    "no SNI: alert 40 handshake_failure, no certificate");
		conn_close(c, NULL);
		return;
	case TLS_HELLO_BAD_SNI:
		conn_log_tls_failure(c, "malformed server_name extension: alert 50 "
		    "decode_error");
		conn_close(c, NULL);
		return;
	default:
		break;
	}
	if ((e && (ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST ||
	    ERR_GET_REASON(e) == SSL_R_HTTPS_PROXY_REQUEST)) ||
	    looks_like_http(c)) {
		conn_log_tls_failure(c, "plain HTTP on a TLS port: answered 400 in "
		    "plain text");
		reply_plain_http(c);
	} else if (e && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
		BIO *rbio = ssl ? SSL_get_rbio(ssl) : NULL;
		/* A connection that closes without a byte is a port probe
		 * or health check, not a failed handshake. */
		if (rbio == NULL || BIO_number_read(rbio) > 0)
			conn_log_tls_failure(c, "viewer closed the connection during "
			    "the handshake");
	} else if (e) {
		const char *rs = ERR_reason_error_string(e);
		snprintf(reason, sizeof(reason), "handshake failed: %s",
		    rs ? rs : "TLS error");
		conn_log_tls_failure(c, reason);
	} else if (what & BEV_EVENT_EOF) {
		conn_log_tls_failure(c, "viewer closed during the handshake");
	} else {
		snprintf(reason, sizeof(reason), "handshake failed: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
		conn_log_tls_failure(c, reason);
	}
	conn_close(c, NULL);
}
