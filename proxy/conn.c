/*
 * conn.c - a viewer connection in mode = http: its life from accept to
 * close, request heads read and routed, keep-alive, timers, reloads and
 * drains, and one log record per request. Its neighbours: the handshake's
 * end in conn_handshake.c, the persona's parts of an answer in
 * conn_persona.c, built-in origins in conn_builtin.c, the trip to an
 * origin in conn_origin.c, HTTP/2 in conn_h2*.c, mode = tcp in
 * conn_tunnel.c.
 */
#include "conn_private.h"

#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authority.h"
#include "log.h"
#include "observe.h"
#include "persona.h"
#include "relay.h"
#include "resolve.h"
#include "route.h"
#include "worker.h"

static enum conn_step conn_pump(struct conn *c);
static void close_when_quiet(struct conn *c);

void
conn_set_timer(struct conn *c, int64_t ms)
{
	deadline_set(&c->w->deadlines, &c->deadline, clock_mono_ms(), ms);
}

void
conn_clear_timer(struct conn *c)
{
	deadline_cancel(&c->w->deadlines, &c->deadline);
}

/*
 * The SNI the viewer sent, or NULL. Our copy is kept until the handshake
 * is over (a refused handshake is logged with it); OpenSSL's own copy
 * serves afterwards, so an idle connection does not hold two.
 */
const char *
conn_sni(struct conn *c)
{
	if (!c->hello.sni_present)
		return NULL;
	if (c->hello.sni)
		return c->hello.sni;
	SSL *ssl = c->bev ? bufferevent_openssl_get_ssl(c->bev) : NULL;
	const char *n = ssl ? SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) :
	    NULL;
	return n ? n : "?";
}

/* --- logging --- */

void
conn_log_request(struct conn *c, struct conn_req *r)
{
	struct log_rec rec;

	log_begin(&rec, "request");
	log_str(&rec, "ref", r->ref);
	log_hex(&rec, "id", r->id);
	log_str(&rec, "edge", c->edge->conf->sec.name);
	log_str(&rec, "client", c->peer);
	log_str(&rec, "sni", conn_sni(c) ? conn_sni(c) : "-");
	log_str(&rec, "method", r->method);
	log_str(&rec, "host", r->host_hdr[0] ? r->host_hdr : "-");
	log_str(&rec, "path", r->target);
	if (r->origin)
		log_str(&rec, "origin", r->origin->conf->sec.name);
	if (r->route)
		log_str(&rec, "route", r->route->pattern);
	log_int(&rec, "status", r->status);
	/* CloudFront's result type, on every record of a cloudfront edge:
	 * Miss for what the origin answered, Error for its 4xx and 5xx. */
	if (r->code == ES_OK && c->edge->id.persona == PERSONA_CLOUDFRONT)
		log_str(&rec, "cf_result", r->status >= 400 ? "Error" : "Miss");
	if (r->code != ES_OK) {
		log_str(&rec, "code", errors_name(r->code));
		if (r->sub[0])
			log_str(&rec, "sub", r->sub);
		if (c->edge->id.persona == PERSONA_CLOUDFRONT)
			log_str(&rec, "cf_result", errors_cf_result(r->code,
			    r->sub));
		if (r->detail[0])
			log_str(&rec, "detail", r->detail);
	}
	log_int(&rec, "bytes_in", r->bytes_in);
	log_int(&rec, "bytes_out", r->bytes_out);
	if (r->up)
		log_bool(&rec, "origin_reused", r->up->reused);
	else if (r->st && r->up_attached)
		log_bool(&rec, "origin_reused", r->up_reused);
	log_int(&rec, "ms", clock_mono_ms() - r->t_start);
	log_str(&rec, "proto", r->st ? "h2" : "http/1.1");
	observe_request(&rec, c->edge->conf->sec.name, r->host ? r->host->sec.name : NULL, r->origin ? r->origin->conf->sec.name : NULL, r->status, r->code, clock_mono_ms() - r->t_start);
	log_end(&rec);
}

/*
 * Request states are reused through the worker's free list rather than
 * allocated for each request (conn_req_get / conn_req_put).
 */
/* Enough to serve a burst without allocating, not a hoard. */
#define REQ_FREE_MAX 256

struct conn_req *
conn_req_get(struct worker *w)
{
	struct conn_req *r = w->req_free;

	if (r == NULL)
		return xcalloc(1, sizeof(*r));
	w->req_free = r->next_free;
	w->n_req_free--;
	memset(r, 0, sizeof(*r));
	return r;
}

void
conn_req_put(struct worker *w, struct conn_req *r)
{
	if (w->n_req_free >= REQ_FREE_MAX) {
		free(r);
		return;
	}
	r->next_free = w->req_free;
	w->req_free = r;
	w->n_req_free++;
}

void
conn_free_spares(struct worker *w)
{
	while (w->req_free) {
		struct conn_req *r = w->req_free;
		w->req_free = r->next_free;
		free(r);
	}
	w->n_req_free = 0;
}

/* --- teardown --- */

/*
 * The state of a request lives in a struct conn_req only while the
 * request is in flight: idle keep-alive connections hold none (10,000 idle
 * viewers are 15 MiB less), and the structs are reused through the
 * worker's free list rather than allocated each time.
 */
void
conn_req_free(struct worker *w, struct conn_req *r)
{
	sbuf_free(&r->echo);
	relay_head_free(&r->resp_head);
	sbuf_free(&r->builtin.headers);
	if (r->builtin.body)
		evbuffer_free(r->builtin.body);
	conn_req_put(w, r);
}

static void
req_release(struct conn *c)
{
	struct conn_req *r = c->req;

	if (r == NULL)
		return;
	c->req = NULL;
	conn_req_free(c->w, r);
}

/*
 * Called exactly once per connection: every path that may reach it returns
 * CONN_STEP_CLOSED (or returns at once) and nothing keeps a pointer to c
 * that could call it again; the assertion catches a broken promise rather
 * than reading freed memory quietly.
 */
void
conn_close(struct conn *c, const char *msg)
{
	assert(c != NULL && c->magic == CONN_MAGIC);
	if (msg) {
		struct log_rec rec;
		log_begin(&rec, "conn_close");
		log_str(&rec, "edge", c->edge->conf->sec.name);
		log_str(&rec, "client", c->peer);
		log_str(&rec, "reason", msg);
		log_end(&rec);
	}
	conn_clear_timer(c);
	/* Cancels a set-up in progress: its callbacks will not come. */
	if (c->req)
		conn_req_drop_origin(c->req);
	if (c->fwd) {
		evbuffer_free(c->fwd);
		c->fwd = NULL;
	}
	if (c->h2)
		conn_h2_free(c);
	relay_head_free(&c->head);
	req_release(c);
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	tls_hello_free(&c->hello);
	TAILQ_REMOVE(&c->w->conns, c, link);
	c->w->n_conns--;
	runtime_unref(c->rt);
	c->magic = 0;
	free(c);
}

/* Close with an RST instead of a FIN. */
void
conn_reset(struct conn *c)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(c, NULL);
}

/* --- responses --- */

struct conn_req *
conn_req_begin(struct conn *c)
{
	int64_t now_wall = clock_wall_ms();
	struct conn_req *r = conn_req_get(c->w);

	r->c = c;
	r->id = worker_next_id(c->w);
	r->t_start = clock_mono_ms();
	r->status = 0;
	r->epoch = now_wall / 1000;
	relay_head_init(&r->resp_head);
	persona_ref(&c->edge->id, ES_OK, r->epoch, r->id, r->ref,
	    sizeof(r->ref));
	snprintf(r->method, sizeof(r->method), "-");
	snprintf(r->target, sizeof(r->target), "-");
	return r;
}

static void
new_request(struct conn *c)
{
	req_release(c);
	c->req = conn_req_begin(c);
}

/* The response is fully queued: finish the request, go on or close. */
enum conn_step
conn_request_done(struct conn *c, bool origin_reusable)
{
	conn_log_request(c, c->req);
	if (c->req->up) {
		upstream_release(c->req->up, origin_reusable);
		c->req->up = NULL;
	}
	bool close_now = c->close_after || !c->req->keep_alive ||
	    c->w->draining;
	c->n_requests++;
	req_release(c);
	if (close_now) {
		c->state = CONN_FLUSH_CLOSE;
		bufferevent_disable(c->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
			conn_close(c, NULL);
			return CONN_STEP_CLOSED;
		}
		return CONN_STEP_WAIT;
	}
	c->state = CONN_READ_HEAD;
	c->timer_is_idle = true;
	conn_set_timer(c, conn_glob(c)->idle_timeout_ms);
	if (!c->viewer_paused)
		bufferevent_enable(c->bev, EV_READ);
	return CONN_STEP_AGAIN;
}

/*
 * Answer the current request with an error page of the edge's persona.
 * status 0: the persona's status for code.
 */
enum conn_step
conn_respond_error(struct conn *c, enum es_code code, int status, const char *sub,
    const char *detail, bool close)
{
	struct conn_req *r = c->req;
	struct sbuf out;

	conn_req_set_error(r, code, status, sub, detail);
	if (!r->body_done && r->body != HTTP_BODY_NONE)
		close = true;   /* the rest of the body cannot be told apart */
	if (close)
		c->close_after = true;
	sbuf_init(&out);
	conn_error_page(r, status, c->close_after || !r->keep_alive, &out);
	evbuffer_add(bufferevent_get_output(c->bev), out.s, out.len);
	r->bytes_out = (int64_t)out.len;
	r->resp_started = true;
	sbuf_free(&out);
	return conn_request_done(c, false);
}

void
conn_add_connection_header(struct conn *c, struct evbuffer *out)
{
	if (c->close_after || !c->req->keep_alive || c->w->draining)
		conn_add_s(out, "Connection: close\r\n");
	else if (c->req->version_minor == 0)
		conn_add_s(out, "Connection: keep-alive\r\n");
}

/*
 * Send what was queued on bev in this loop pass, not in the next one.
 *
 * bufferevent_openssl writes each chunk of its output with its own
 * SSL_write: a head and a small body in two chunks are two TLS records and
 * two write(2)s, so a small answer is made contiguous first. And it only
 * writes once epoll reports the socket writable: one epoll_ctl to ask, one
 * to stop asking, per answer. Running its write event now instead (with
 * the loop's changelist, the ask and the stop cancel out) saves both. This
 * activates the bufferevent's own event; it changes nothing in it.
 */
void
conn_flush_soon(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	size_t n = evbuffer_get_length(out);

	if (n == 0)
		return;
	if (n <= 16 * 1024)
		evbuffer_pullup(out, -1);
	if (bufferevent_get_enabled(bev) & EV_WRITE)
		event_active(&bev->ev_write, EV_WRITE, 1);
}

/* --- the request head --- */

/*
 * A reload switched the worker to a new runtime: a connection takes it at
 * its next request, keeping its TLS session, when its edge (by name) is
 * still there. Between requests nothing of the old runtime is in use but
 * the edge itself, and the SSL, which holds its own reference to its
 * SSL_CTX and calls nothing of the old runtime after the handshake
 * (renegotiation is off).
 */
static void
take_new_generation(struct conn *c)
{
	struct runtime *now = c->w->rt;
	struct edge_rt *e = runtime_edge_named(now, c->edge->conf->sec.name);

	if (e == NULL || e->conf->mode != c->edge->conf->mode)
		return;         /* gone: conn_reloaded said to close */
	struct runtime *old = c->rt;
	c->rt = runtime_ref(now);
	c->edge = e;
	c->hello.host = NULL;
	c->hello.server = NULL;
	runtime_unref(old);
}

void
conn_reloaded(struct conn *c, struct runtime *rt)
{
	if (c->state == CONN_H2) {
		/* Its streams hold the old generation: the viewer is told to
		 * open a new connection, and this one ends with them. */
		conn_h2_drain(c);
		return;
	}
	if (c->state == CONN_TUNNEL ||
	    runtime_edge_named(rt, c->edge->conf->sec.name) != NULL)
		return;         /* moves on at its next request */
	/* Its edge is gone: it answers what may already be on its way, with
	 * the old generation, and closes after that, or once idle for long
	 * enough that no request can still be in flight. */
	close_when_quiet(c);
}

/*
 * Host and route of a parsed request, for HTTP/1.1 and HTTP/2 alike: the
 * host from an absolute-form target, else the Host header (HTTP/2: the
 * :authority), among the edge's hosts and aliases; then the origin its
 * routes pick for the path. Fills r->host, r->route and r->origin.
 * Returns -1 when the edge serves no such host, with the sentence for the
 * error page in detail.
 */
int
conn_route(struct conn *c, struct conn_req *r, struct http_request *req,
    struct conn_refusal *no)
{
	struct route_decision d;

	memset(no, 0, sizeof(*no));
	/* Akamai's Pragma debug headers are answered on errors too. */
	if (c->edge->id.persona == PERSONA_AKAMAI) {
		const struct http_header *pr = http_find_header(req->headers,
		    req->n_headers, "pragma");
		if (pr)
			r->pragma = persona_pragma_parse(pr->value.p, pr->value.n);
	}
	route_decide(&c->edge->hosts, req, &c->w->path_buf, &d);
	if (d.result != AUTHORITY_OK) {
		no->code = ES_ERR_BAD_REQUEST;
		no->status = 400;
		no->sub = authority_result_str(d.result);
		snprintf(no->detail, sizeof(no->detail), "%s", no->sub);
		return -1;
	}
	authority_apply(req, &d.authority);
	if (d.host == NULL) {
		struct http_str hv = d.authority.value;
		no->code = ES_ERR_HOST_NOT_SERVED;
		snprintf(no->detail, sizeof(no->detail), "Host '%.*s' is not a "
		    "host or alias of [edge %s]", (int)(hv.n < 200 ? hv.n : 200),
		    hv.p ? hv.p : "", c->edge->conf->sec.name);
		return -1;
	}
	r->host = d.host;
	r->route = d.route;
	r->origin = runtime_origin(c->rt, d.origin);
	if (d.origin->forward_path == FORWARD_PATH_NORMALIZED)
		req->target = d.target;
	return 0;
}

static enum conn_step
read_head(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in);
	struct http_request *req = &c->w->scratch_req;
	size_t head_len = 0;

	if (len == 0)
		return CONN_STEP_WAIT;
	if (c->rt != c->w->rt && c->req == NULL)
		take_new_generation(c);
	size_t max = (size_t)conn_glob(c)->max_header_size;
	if (c->timer_is_idle) {
		/* A request began: from now on the head must arrive within
		 * header_timeout, however slowly its bytes trickle in. */
		c->timer_is_idle = false;
		conn_set_timer(c, conn_glob(c)->header_timeout_ms);
	}
	/* Parse when it is worth it, not on every read: a head trickling in
	 * a byte at a time is collected and scanned once, not parsed from
	 * byte 0 each time (relay.h, struct relay_head). */
	const char *buf;
	size_t n;
	if (!relay_head_take(&c->head, in, max, &buf, &n))
		return CONN_STEP_WAIT;
	enum http_result pr = http_parse_request(buf, n, max, req, &head_len);
	if (pr == HTTP_INCOMPLETE) {
		relay_head_incomplete(&c->head, in, n);
		return CONN_STEP_WAIT;
	}

	new_request(c);
	struct conn_req *r = c->req;
	if (pr != HTTP_OK) {
		/* The request line may be unparsable: log what there is. */
		snprintf(r->target, sizeof(r->target), "%.*s",
		    (int)(n < 64 ? n : 64), buf);
		r->keep_alive = false;
		r->version_minor = 1;
		return conn_respond_error(c, ES_ERR_BAD_REQUEST, http_result_status(pr),
		    http_result_str(pr), http_result_str(pr), true);
	}
	conn_clear_timer(c);
	/* One authority, one host, one normalised path (conn_route): the
	 * request is made to say that one authority (its Host) before
	 * anything is copied or forwarded from it. */
	struct conn_refusal no;
	int routed = conn_route(c, r, req, &no);
	http_str_copy(r->method, sizeof(r->method), req->method);
	http_str_copy(r->target, sizeof(r->target), req->target);
	http_str_copy(r->host_hdr, sizeof(r->host_hdr), req->host);
	r->version_minor = req->version_minor;
	r->keep_alive = req->keep_alive;
	r->is_head = req->is_head;
	r->body = req->body;
	r->body_left = req->content_length;
	r->body_done = req->body == HTTP_BODY_NONE;
	http_chunked_init(&r->chunked);

	if (conn_origin_via_hops(req) >= CONN_MAX_HOPS) {
		relay_head_done(&c->head, in, head_len);
		return conn_respond_error(c, ES_ERR_LOOP_DETECTED, 0, NULL,
		    "the request already passed through 10 proxies (Via); "
		    "a chain loops back on itself", true);
	}
	if (routed < 0) {
		relay_head_done(&c->head, in, head_len);
		return conn_respond_error(c, no.code, no.status, no.sub, no.detail,
		    no.code == ES_ERR_BAD_REQUEST || req->body != HTTP_BODY_NONE);
	}
	const struct conf_origin *o = r->origin->conf;

	/* What the head is needed for is taken from it now; it is consumed
	 * before the request goes anywhere, so that whatever happens next
	 * (an error page, the next pipelined request) never sees it again. */
	if (o->type != ORIGIN_TYPE_PROXY) {
		conn_builtin_begin(c, req);
		relay_head_done(&c->head, in, head_len);
		return CONN_STEP_AGAIN;
	}
	if (c->fwd == NULL)
		c->fwd = evbuffer_new();
	r->fwd = c->fwd;
	conn_origin_build_head(r, req);
	relay_head_done(&c->head, in, head_len);
	return conn_origin_start(r);
}

/* --- viewer side callbacks --- */

static enum conn_step
conn_pump(struct conn *c)
{
	/* Bounded, so that a pipelining viewer cannot monopolise the loop. */
	for (int i = 0; i < 32; i++) {
		enum conn_step s;
		switch (c->state) {
		case CONN_READ_HEAD:
			s = read_head(c);
			break;
		case CONN_BUILTIN:
			s = conn_builtin_step(c);
			break;
		case CONN_PROXYING:
			s = conn_origin_request_body(c->req);
			/* (the request may be over: an error answered it) */
			if (s == CONN_STEP_WAIT && c->req && c->req->up &&
			    !c->up_paused &&
			    evbuffer_get_length(bufferevent_get_input(
			    c->req->up->bev)) > 0)
				s = conn_origin_response(c->req);
			break;
		default:
			return CONN_STEP_WAIT;
		}
		if (s != CONN_STEP_AGAIN)
			return s;
	}
	return CONN_STEP_WAIT;
}

/*
 * Edges and origins use OpenSSL's read-ahead: one read(2) takes in all
 * that arrived instead of two per TLS record (header, then body).
 * bufferevent_openssl does not know about records read ahead but not yet
 * decrypted: when it stops reading with some left (at the end of a burst,
 * or at a high-water mark), no socket event would ever come for them. So
 * after every callback that may have consumed or paused input, a side with
 * records still buffered is made to read again in this loop pass.
 */
void
conn_kick_read(struct bufferevent *bev)
{
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;

	if (ssl && SSL_has_pending(ssl) &&
	    (bufferevent_get_enabled(bev) & EV_READ))
		event_active(&bev->ev_read, EV_READ, 1);
}

static void
kick_reads(struct conn *c)
{
	conn_kick_read(c->bev);
	if (c->req && c->req->up)
		conn_kick_read(c->req->up->bev);
}

/* Finish a callback: run the pump when s says so, then kick the reads,
 * unless the connection was closed on the way. */
void
conn_after_step(struct conn *c, enum conn_step s)
{
	if (s == CONN_STEP_AGAIN)
		s = conn_pump(c);
	if (s != CONN_STEP_CLOSED)
		kick_reads(c);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_H2) {
		conn_h2_read(c);
		return;
	}
	conn_after_step(c, CONN_STEP_AGAIN);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_H2) {
		conn_h2_write(c);
		return;
	}
	if (c->state == CONN_FLUSH_CLOSE &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_close(c, NULL);
		return;
	}
	if (c->up_paused && c->req && c->req->up) {
		c->up_paused = false;
		bufferevent_enable(c->req->up->bev, EV_READ);
		conn_after_step(c, conn_origin_response(c->req));
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_TLS_HANDSHAKE) {
		if (what & BEV_EVENT_CONNECTED)
			conn_handshake_done(c);
		else
			conn_handshake_failed(c, what);
		return;
	}
	if (c->state == CONN_H2) {
		conn_h2_event(c, what);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_close(c, "viewer stopped reading (write timeout)");
		return;
	}
	/* The viewer went away. Mid-request, say so in the log. */
	if (c->state != CONN_READ_HEAD && c->state != CONN_FLUSH_CLOSE) {
		c->req->status = c->req->status ? c->req->status : 499;
		snprintf(c->req->detail, sizeof(c->req->detail), "the viewer "
		    "closed the connection before the response was complete");
		conn_log_request(c, c->req);
	}
	conn_close(c, NULL);
}

static void
conn_timeout(struct conn *c, int64_t now)
{
	switch (c->state) {
	case CONN_H2:
		conn_h2_timeout(c, now);
		return;
	case CONN_TLS_HANDSHAKE:
		conn_log_tls_failure(c, "handshake not finished within header_timeout");
		conn_close(c, NULL);
		return;
	case CONN_READ_HEAD:
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
			/* Still writing the last response to a slow reader:
			 * that is not idleness (the write timeout watches it). */
			conn_set_timer(c, c->close_after ? CONN_CLOSE_GRACE_MS :
			    conn_glob(c)->idle_timeout_ms);
			return;
		}
		if (c->timer_is_idle ||
		    (evbuffer_get_length(bufferevent_get_input(c->bev)) == 0 &&
		    !relay_head_started(&c->head))) {
			conn_close(c, NULL);    /* idle keep-alive: quietly */
			return;
		}
		new_request(c);
		c->req->keep_alive = false;
		c->req->version_minor = 1;
		conn_respond_error(c, ES_ERR_REQUEST_TIMEOUT, 0, NULL,
		    "the request head did not arrive within header_timeout",
		    true);
		return;
	case CONN_BUILTIN:
		if (c->req->builtin_delayed && c->req->body_done)
			conn_after_step(c, conn_builtin_finish(c));
		return;
	default:
		return;
	}
}

/* How many bytes the viewer has sent on this connection, TLS included. */
static uint64_t
viewer_bytes(struct conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	BIO *rbio = ssl ? SSL_get_rbio(ssl) : NULL;

	return rbio ? BIO_number_read(rbio) : 1;
}

/*
 * Close this connection without losing a request: the response in flight
 * (if any) goes out with "Connection: close", then it closes. Between
 * requests it cannot just close: a keep-alive viewer may have sent its
 * next request already (closing then is a failed request for it). So it
 * stays open CONN_CLOSE_GRACE_MS more; a request that arrives in that time
 * is answered (and the connection closed after it).
 */
static void
close_when_quiet(struct conn *c)
{
	c->close_after = true;
	if (c->state == CONN_READ_HEAD &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0 &&
	    !relay_head_started(&c->head)) {
		int64_t now = clock_mono_ms();
		if (c->deadline.at == 0 ||
		    c->deadline.at > now + CONN_CLOSE_GRACE_MS)
			deadline_set(&c->w->deadlines, &c->deadline, now,
			    CONN_CLOSE_GRACE_MS);
	}
}

void
conn_drain(struct conn *c)
{
	/* A handshake that has not received a byte is a port probe or a
	 * viewer that has not begun: nothing of it can be lost. */
	if (c->state == CONN_TLS_HANDSHAKE && viewer_bytes(c) == 0) {
		conn_close(c, NULL);
		return;
	}
	if (c->state == CONN_TUNNEL)
		return;         /* a byte pipe ends when either side ends it */
	if (c->state == CONN_H2) {
		conn_h2_drain(c);
		return;
	}
	close_when_quiet(c);
}

void
conn_accept(struct worker *w, struct edge_rt *edge, int fd,
    const struct sockaddr *sa, int salen)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	int one = 1;

	(void)salen;
	c->magic = CONN_MAGIC;
	c->w = w;
	c->rt = runtime_ref(w->rt);
	c->edge = edge;
	c->fd = fd;
	c->t_accept = clock_mono_ms();
	relay_head_init(&c->head);
	resolve_addr_text(sa, c->peer, sizeof(c->peer));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	TAILQ_INSERT_TAIL(&w->conns, c, link);
	w->n_conns++;

	SSL *ssl = tls_server_ssl_new(&edge->tls, &c->hello);
	if (ssl == NULL) {
		close(fd);
		c->fd = -1;
		conn_close(c, "cannot create an SSL");
		return;
	}
	c->bev = bufferevent_openssl_socket_new(w->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		SSL_free(ssl);
		close(fd);
		conn_close(c, "cannot create a bufferevent");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	BIO *rbio = SSL_get_rbio(ssl);
	if (rbio) {
		BIO_set_callback_ex(rbio, conn_first_bytes_cb);
		BIO_set_callback_arg(rbio, (char *)c);
	}
	c->state = CONN_TLS_HANDSHAKE;
	conn_set_timer(c, conn_glob(c)->header_timeout_ms);
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    (size_t)conn_glob(c)->max_header_size + CONN_HIGH_WATER);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONN_HIGH_WATER / 2, 0);
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct conn *
conn_next(struct conn *c)
{
	return TAILQ_NEXT(c, link);
}

const struct edge_rt *
conn_edge(const struct conn *c)
{
	return c->edge;
}

const struct runtime *
conn_runtime(const struct conn *c)
{
	return c->rt;
}

/*
 * The deadlines due at now, from the worker's queues (deadline.c): the
 * cost is the number of durations in use plus the deadlines that expire,
 * whatever the number of idle connections.
 */
void
conn_sweep(struct worker *w, int64_t now)
{
	struct deadline *t;

	while ((t = deadline_due(&w->deadlines, now)) != NULL) {
		struct conn *c = (struct conn *)((char *)t -
		    offsetof(struct conn, deadline));
		conn_timeout(c, now);   /* may close c, or arm it again */
	}
}
