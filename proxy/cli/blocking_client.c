/*
 * blocking_client.c - a blocking TLS/HTTPS client that records what it saw.
 *
 * Verification is done, but never enforced: the handshake goes on with
 * SSL_VERIFY_NONE so that the chain and the verdict can both be reported,
 * which is what a diagnosis needs (curl stops at the first problem).
 */
#include "blocking_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "version.h"

void
blocking_client_result_init(struct blocking_client_result *r)
{
	memset(r, 0, sizeof(*r));
	r->alert_received = -1;
	r->verify_result = -1;
	sbuf_init(&r->headers);
	sbuf_init(&r->body);
}

void
blocking_client_result_free(struct blocking_client_result *r)
{
	for (int i = 0; i < r->chain_len; i++)
		certinfo_free(&r->chain[i]);
	sbuf_free(&r->headers);
	sbuf_free(&r->body);
	r->chain_len = 0;
	X509_free(r->leaf);
	r->leaf = NULL;
}

static int
tcp_connect(const struct blocking_client_opts *o, int timeout_ms, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char port[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", o->port);
	int rc = getaddrinfo(o->connect_host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", o->connect_host,
		    gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (rc < 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int e = 0;
		socklen_t len = sizeof(e);
		if (poll(&p, 1, timeout_ms) <= 0) {
			snprintf(err, errlen, "connect: timed out after %d ms",
			    timeout_ms);
			close(fd);
			return -1;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
		if (e != 0) {
			snprintf(err, errlen, "connect: %s", strerror(e));
			close(fd);
			return -1;
		}
	}
	fcntl(fd, F_SETFL, fl);
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct blocking_client_result *r = SSL_get_app_data(ssl);

	if (r && (where & SSL_CB_ALERT) && (where & SSL_CB_READ) &&
	    (ret & 0xff) != 0)
		r->alert_received = ret & 0xff;
}

/* Every TLS record the server sends: enough to know whether it speaks TLS,
 * asked for a client certificate, or sent a session ticket. */
static void
msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	struct blocking_client_result *r = SSL_get_app_data(ssl);
	const unsigned char *p = buf;

	(void)version;
	(void)arg;
	if (write_p || r == NULL)
		return;
	if (content_type == SSL3_RT_HANDSHAKE || content_type == SSL3_RT_ALERT)
		r->got_handshake_msg = true;
	if (content_type == SSL3_RT_HANDSHAKE && len > 0) {
		if (p[0] == SSL3_MT_CERTIFICATE_REQUEST)
			r->cert_requested = true;
		else if (p[0] == SSL3_MT_NEWSESSION_TICKET)
			r->got_session_ticket = true;
	}
}

static void
record_failure(SSL *ssl, int ret, struct blocking_client_result *r)
{
	int saved_errno = errno;
	int e = SSL_get_error(ssl, ret);
	unsigned long err = ERR_peek_error();

	r->ssl_err = err;
	if (e == SSL_ERROR_SYSCALL)
		r->sock_errno = saved_errno;
	errno = saved_errno;
	if (e == SSL_ERROR_SYSCALL && errno == ECONNRESET) {
		r->reset_in_handshake = true;
		snprintf(r->tls_error, sizeof(r->tls_error),
		    "connection reset by peer");
	} else if ((e == SSL_ERROR_SYSCALL && err == 0) ||
	    (err && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		r->eof_in_handshake = true;
		snprintf(r->tls_error, sizeof(r->tls_error),
		    "connection closed by peer");
	} else if (err) {
		const char *s = ERR_reason_error_string(err);
		snprintf(r->tls_error, sizeof(r->tls_error), "%s",
		    s ? s : "TLS error");
	} else {
		snprintf(r->tls_error, sizeof(r->tls_error), "%s",
		    e == SSL_ERROR_SYSCALL ? strerror(errno) : "TLS error");
	}
	ERR_clear_error();
}

static void
record_chain(SSL *ssl, const struct blocking_client_opts *o, struct blocking_client_result *r)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);

	for (int i = 0; chain && i < sk_X509_num(chain) &&
	    r->chain_len < CLIENT_CHAIN_MAX; i++)
		if (certinfo_from_x509(sk_X509_value(chain, i),
		    &r->chain[r->chain_len]) == 0)
			r->chain_len++;
	r->verify_result = SSL_get_verify_result(ssl);
	snprintf(r->verify_error, sizeof(r->verify_error), "%s",
	    X509_verify_cert_error_string(r->verify_result));
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	if (leaf && r->leaf == NULL && X509_up_ref(leaf))
		r->leaf = leaf;
	if (leaf && o->verify_name)
		r->name_ok = X509_check_host(leaf, o->verify_name, 0,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1 ||
		    X509_check_ip_asc(leaf, o->verify_name, 0) == 1;
}

/*
 * TLS 1.3 ends the client's handshake before the server has looked at the
 * client certificate (or its absence); a server that refuses it says so
 * with an alert just after. Wait up to ms for that verdict: an alert, a
 * reset or a close without close_notify fail the handshake; a session
 * ticket, data, close_notify or silence mean it was accepted.
 */
static void
settle(SSL *ssl, int fd, int ms, struct blocking_client_result *r)
{
	int64_t end = clock_mono_ms() + ms;
	int fl = fcntl(fd, F_GETFL);
	char c;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		int n = SSL_peek(ssl, &c, 1);
		if (n > 0)
			break;
		int e = SSL_get_error(ssl, n);
		if (e == SSL_ERROR_WANT_READ) {
			int64_t left = end - clock_mono_ms();
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (r->got_session_ticket || left <= 0 ||
			    poll(&p, 1, (int)left) <= 0)
				break;
			continue;
		}
		if (e != SSL_ERROR_ZERO_RETURN) {
			r->handshake_ok = false;
			r->failed_after_handshake = true;
			record_failure(ssl, n, r);
		}
		break;
	}
	ERR_clear_error();
	fcntl(fd, F_SETFL, fl);
}

static void
peer_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64], port[16];

	out[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(out, len, ss.ss_family == AF_INET6 ? "[%s]:%s" :
		    "%s:%s", host, port);
}

static void
http_exchange(SSL *ssl, const struct blocking_client_opts *o, struct blocking_client_result *r)
{
	struct sbuf req, in;
	char buf[16384];

	sbuf_init(&req);
	sbuf_init(&in);
	sbuf_addf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: edgesim/%s\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n",
	    o->method ? o->method : "GET", o->path,
	    o->host_header ? o->host_header : o->verify_name ? o->verify_name :
	    o->sni ? o->sni : o->connect_host, EDGESIM_VERSION);
	if (SSL_write(ssl, req.s, (int)req.len) <= 0) {
		snprintf(r->http_error, sizeof(r->http_error), "cannot send the "
		    "request");
		goto out;
	}
	for (;;) {
		int n = SSL_read(ssl, buf, sizeof(buf));
		if (n <= 0)
			break;
		sbuf_add(&in, buf, (size_t)n);
		if (in.len > 16 * 1024 * 1024)
			break;
	}
	ERR_clear_error();
	struct http_response *res = xmalloc(sizeof(*res));
	size_t head_len = 0;
	enum http_result pr = in.len ? http_parse_response(in.s, in.len,
	    64 * 1024, false, res, &head_len) : HTTP_INCOMPLETE;
	if (pr != HTTP_OK) {
		snprintf(r->http_error, sizeof(r->http_error), "%s",
		    in.len ? http_result_str(pr) :
		    "the connection closed without a response");
	} else {
		r->status = res->status;
		sbuf_add(&r->headers, in.s, head_len);
		sbuf_add(&r->body, in.s + head_len, in.len - head_len);
	}
	free(res);
out:
	sbuf_free(&req);
	sbuf_free(&in);
}

int
blocking_client_run(const struct blocking_client_opts *o, struct blocking_client_result *r)
{
	int timeout = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	int rc = -1;

	int fd = tcp_connect(o, timeout, r->connect_error,
	    sizeof(r->connect_error));
	if (fd < 0)
		return -1;
	peer_name(fd, r->peer, sizeof(r->peer));
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (o->min_tls)
		SSL_CTX_set_min_proto_version(ctx, o->min_tls);
	if (o->max_tls)
		SSL_CTX_set_max_proto_version(ctx, o->max_tls);
	if (o->min_tls && o->min_tls < TLS1_2_VERSION)
		SSL_CTX_set_security_level(ctx, 0);
	if (o->ca_system)
		SSL_CTX_set_default_verify_paths(ctx);
	else if (o->ca_file)
		SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL);
	if (o->client_cert && o->client_key &&
	    (SSL_CTX_use_certificate_chain_file(ctx, o->client_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o->client_key,
	    SSL_FILETYPE_PEM) != 1)) {
		snprintf(r->tls_error, sizeof(r->tls_error), "cannot load the "
		    "client certificate %s", o->client_cert);
		ERR_clear_error();
		goto out;
	}
	static const unsigned char alpn[] = "\x08http/1.1";
	SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL *ssl = SSL_new(ctx);
	SSL_set_app_data(ssl, r);
	SSL_set_info_callback(ssl, info_cb);
	SSL_set_msg_callback(ssl, msg_cb);
	if (o->sni)
		SSL_set_tlsext_host_name(ssl, o->sni);
	SSL_set_fd(ssl, fd);
	int ret = SSL_connect(ssl);
	if (ret != 1) {
		record_failure(ssl, ret, r);
		BIO *rbio = SSL_get_rbio(ssl);
		if (!r->got_handshake_msg && rbio && BIO_number_read(rbio) > 0)
			r->not_tls = true;
		record_chain(ssl, o, r);
		SSL_free(ssl);
		goto out;
	}
	r->handshake_ok = true;
	snprintf(r->tls_version, sizeof(r->tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_get_cipher_name(ssl));
	const unsigned char *sel;
	unsigned sel_len;
	SSL_get0_alpn_selected(ssl, &sel, &sel_len);
	snprintf(r->alpn, sizeof(r->alpn), "%.*s", (int)sel_len,
	    sel ? (const char *)sel : "");
	record_chain(ssl, o, r);
	if (o->settle_ms > 0 && r->cert_requested &&
	    SSL_version(ssl) == TLS1_3_VERSION) {
		settle(ssl, fd, o->settle_ms, r);
		if (!r->handshake_ok) {
			SSL_free(ssl);
			goto out;
		}
	}
	rc = 0;
	if (o->strict && (r->verify_result != X509_V_OK || !r->name_ok))
		rc = -1;        /* a real client stops here */
	else if (o->path) {
		http_exchange(ssl, o, r);
		if (r->http_error[0])
			rc = -1;
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
out:
	SSL_CTX_free(ctx);
	close(fd);
	return rc;
}

bool
blocking_client_header(const struct blocking_client_result *r, const char *name, char *out,
    size_t len)
{
	size_t n = strlen(name);
	const char *p = r->headers.s;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vn = (size_t)((eol ? eol : v + strlen(v)) - v);
			while (vn > 0 && (v[vn - 1] == '\r' || v[vn - 1] == ' '))
				vn--;
			snprintf(out, len, "%.*s", (int)vn, v);
			return true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}
