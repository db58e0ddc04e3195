/*
 * conn_builtin.c - a request answered by a built-in origin (type = echo
 * or static) on the viewer's own connection: its body read and dropped,
 * the origin's delay kept, and the answer written with the persona's
 * fields. What echo and static answer is builtin.c's.
 */
#include "conn_private.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>

#include "persona.h"
#include "worker.h"

enum conn_step
conn_builtin_finish(struct conn *c)
{
	struct conn_req *r = c->req;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char date[40];

	if (r->builtin_echo)
		echo_finish(&r->echo, r->body == HTTP_BODY_CHUNKED ?
		    (int64_t)r->chunked.data_bytes : r->bytes_in, &r->builtin);
	r->status = r->builtin.status;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nServer: edgesim\r\n"
	    "Date: %s\r\nContent-Length: %lld\r\n", r->status,
	    persona_reason_phrase(r->status), persona_http_date(date),
	    (long long)r->builtin.body_len);
	if (r->builtin.headers.len)
		evbuffer_add(out, r->builtin.headers.s, r->builtin.headers.len);
	conn_add_persona_headers(c, out);
	conn_add_connection_header(c, out);
	conn_add_s(out, "\r\n");
	if (!r->is_head) {
		r->bytes_out = (int64_t)evbuffer_get_length(r->builtin.body);
		evbuffer_add_buffer(out, r->builtin.body);
	}
	conn_flush_soon(c->bev);
	r->resp_started = true;
	return conn_request_done(c, false);
}

/* Read (and count, and drop) the request body of a built-in origin. */
static int
consume_body(struct conn *c)
{
	struct conn_req *r = c->req;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int rc;

	switch (r->body) {
	case HTTP_BODY_NONE:
		rc = 1;
		break;
	case HTTP_BODY_LENGTH: {
		size_t avail = evbuffer_get_length(in);
		size_t n = (int64_t)avail < r->body_left ? avail :
		    (size_t)r->body_left;
		evbuffer_drain(in, n);
		r->body_left -= (int64_t)n;
		r->bytes_in += (int64_t)n;
		rc = r->body_left == 0;
		break;
	}
	default: {
		/* Chunked: scan, then drop what was scanned. */
		rc = 0;
		while (evbuffer_get_length(in) > 0 && rc == 0) {
			struct evbuffer_iovec v[8];
			int nv = evbuffer_peek(in, -1, NULL, v, 8);
			size_t used_total = 0;
			for (int i = 0; i < nv && i < 8 && rc == 0; i++) {
				size_t used = 0;
				enum http_chunked_result cr = http_chunked_scan(
				    &r->chunked, v[i].iov_base, v[i].iov_len, &used);
				used_total += used;
				if (cr == HTTP_CHUNKED_DONE)
					rc = 1;
				else if (cr == HTTP_CHUNKED_ERROR)
					rc = -1;
			}
			evbuffer_drain(in, used_total);
			r->bytes_in += (int64_t)used_total;
		}
	}
	}
	if (rc == 1)
		r->body_done = true;
	return rc;
}

enum conn_step
conn_builtin_step(struct conn *c)
{
	int rc = consume_body(c);

	if (rc < 0)
		return conn_respond_error(c, ES_ERR_BAD_REQUEST, 400,
		    "bad chunked body", "malformed chunked request body", true);
	if (rc == 0)
		return CONN_STEP_WAIT;
	int64_t delay = c->req->origin->conf->delay_ms;
	if (delay > 0 && !c->req->builtin_delayed) {
		/* A slow origin: the answer comes when the timer fires. */
		c->req->builtin_delayed = true;
		conn_set_timer(c, delay);
		return CONN_STEP_WAIT;
	}
	if (c->req->builtin_delayed)
		return CONN_STEP_WAIT;
	return conn_builtin_finish(c);
}

void
conn_builtin_start(struct conn_req *r, const struct http_request *req)
{
	struct conn *c = r->c;
	const struct conf_origin *o = r->origin->conf;

	sbuf_init(&r->builtin.headers);
	r->builtin.body = evbuffer_new();
	if (o->type == ORIGIN_TYPE_ECHO) {
		SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
		X509 *peer = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
		char subject[256] = "", issuer[256] = "";
		const unsigned char *alpn = NULL;
		unsigned alpn_len = 0;
		char alpn_s[64] = "";
		if (peer) {
			X509_NAME_oneline(X509_get_subject_name(peer), subject,
			    sizeof(subject));
			X509_NAME_oneline(X509_get_issuer_name(peer), issuer,
			    sizeof(issuer));
		}
		if (ssl)
			SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
		if (alpn_len)
			snprintf(alpn_s, sizeof(alpn_s), "%.*s", (int)alpn_len,
			    (const char *)alpn);
		struct echo_view v = {
			.edge = c->edge->conf->sec.name,
			.host = r->host->sec.name,
			.origin = o->sec.name,
			.client = c->peer,
			.sni = conn_sni(c),
			.tls_version = ssl ? SSL_get_version(ssl) : "-",
			.cipher = ssl ? SSL_get_cipher_name(ssl) : "-",
			.alpn = alpn_len ? alpn_s : NULL,
			.http_version = r->st ? "HTTP/2" : NULL,
			.client_subject = peer ? subject : NULL,
			.client_issuer = peer ? issuer : NULL,
			.cert_choice = tls_hello_verdict_name(c->hello.verdict),
		};
		sbuf_init(&r->echo);
		echo_begin(&r->echo, req, &v);
		r->builtin_echo = true;
	} else {
		static_respond(r->origin->root_real, req, &r->builtin,
		    c->w->static_cache);
	}
}

void
conn_builtin_begin(struct conn *c, const struct http_request *req)
{
	struct conn_req *r = c->req;

	conn_builtin_start(r, req);
	if (req->expect_continue && r->body != HTTP_BODY_NONE)
		conn_add_s(bufferevent_get_output(c->bev),
		    "HTTP/1.1 100 Continue\r\n\r\n");
	c->state = CONN_BUILTIN;
}
