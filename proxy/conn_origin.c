/*
 * conn_origin.c - a request on its way to an origin and the response on its
 * way back: the forwarded head (Host per host_header, Via,
 * X-Forwarded-For), the origin connection it borrows, the request body
 * relayed out, the response head rewritten and its body relayed in, and the
 * origin's failures turned into persona pages.
 *
 * Bodies are streamed with their framing unchanged; the chunked scanner
 * only finds where a body ends. Backpressure: when the receiving side's
 * output passes CONN_HIGH_WATER, reading from the sending side stops until
 * it drains (libevent's le-proxy pattern).
 */
#include "conn_private.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "persona.h"
#include "worker.h"

static void origin_read(struct bufferevent *bev, void *arg);
static void origin_write(struct bufferevent *bev, void *arg);
static void origin_event(struct bufferevent *bev, short what, void *arg);

/*
 * The viewer side of a request is its HTTP/1.1 connection, or its HTTP/2
 * stream (r->st, conn_h2.h). Only these few steps differ between them.
 */

/*
 * End a callback: go on with the request, or the connection. h2r is the
 * request when it is an HTTP/2 stream's, taken before the step: a stream's
 * request outlives the step, an HTTP/1.1 one may be gone with c when s is
 * CONN_STEP_CLOSED.
 */
static void
after(struct conn *c, struct conn_req *h2r, enum conn_step s)
{
	if (h2r)
		conn_h2_after(h2r, s);
	else
		conn_after_step(c, s);
}

#define H2R(r) ((r)->st ? (r) : NULL)

static enum conn_step
respond_error(struct conn_req *r, enum es_code code, int status,
    const char *sub, const char *detail, bool close)
{
	if (r->st)
		return conn_h2_respond_error(r, code, status, sub, detail);
	return conn_respond_error(r->c, code, status, sub, detail, close);
}

static enum conn_step
request_done(struct conn_req *r, bool origin_reusable)
{
	if (r->st)
		return conn_h2_response_end(r, origin_reusable);
	return conn_request_done(r->c, origin_reusable);
}

/* --- forwarding to an origin --- */

/* The Host to send to the origin, per host_header (and persona). */
static void
origin_host_value(struct conn_req *r, const struct http_request *req, char *out,
    size_t len)
{
	struct conn *c = r->c;
	const struct conf_origin *o = r->origin->conf;
	enum host_header_mode m = o->host_header;

	if (m == HOST_HEADER_PERSONA)
		m = c->edge->conf->persona == PERSONA_AKAMAI ?
		    HOST_HEADER_INCOMING : HOST_HEADER_ORIGIN;
	switch (m) {
	case HOST_HEADER_INCOMING:
		snprintf(out, len, "%.*s", (int)req->host.n, req->host.p);
		break;
	case HOST_HEADER_NAME:
		snprintf(out, len, "%s", o->host_header_name);
		break;
	default:
		if (o->addr_port == 443 || o->addr_port == 80)
			snprintf(out, len, "%s", o->addr_host);
		else
			snprintf(out, len, "%s:%d", o->addr_host, o->addr_port);
	}
}

/* Count the hops a request went through (Via entries). */
int
conn_origin_via_hops(const struct http_request *req)
{
	int hops = 0;

	for (size_t i = 0; i < req->n_headers; i++) {
		if (!http_str_ieq(req->headers[i].name, "via"))
			continue;
		hops++;
		for (size_t j = 0; j < req->headers[i].value.n; j++)
			if (req->headers[i].value.p[j] == ',')
				hops++;
	}
	return hops;
}

static void
build_forward_head(struct conn_req *r, const struct http_request *req,
    struct evbuffer *out)
{
	struct conn *c = r->c;
	struct http_str target = req->target;
	char host[SNI_NAME_MAX + 16], via[128];
	struct sbuf xff, vias;
	int akamai_hop = 0;

	/* An absolute-form target goes out in origin form. */
	if (target.n > 7 && (strncasecmp(target.p, "http://", 7) == 0 ||
	    (target.n > 8 && strncasecmp(target.p, "https://", 8) == 0))) {
		const char *p = (const char *)memchr(target.p, ':', target.n) + 3;
		const char *slash = memchr(p, '/', (size_t)(target.p +
		    target.n - p));
		if (slash) {
			target.n -= (size_t)(slash - target.p);
			target.p = slash;
		} else {
			target.p = "/";
			target.n = 1;
		}
	}
	origin_host_value(r, req, host, sizeof(host));
	conn_add_hs(out, req->method);
	conn_add_s(out, " ");
	conn_add_hs(out, target);
	evbuffer_add_printf(out, " HTTP/1.1\r\nHost: %s\r\n", host);

	/* CloudFront replaces the viewer's User-Agent unless the cache
	 * behaviour forwards it. */
	bool cf_ua = c->edge->id.persona == PERSONA_CLOUDFRONT &&
	    !r->host->forward_user_agent;
	if (cf_ua)
		conn_add_s(out, "User-Agent: Amazon CloudFront\r\n");
	sbuf_init(&xff);
	sbuf_init(&vias);
	bool cl_sent = false;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct http_header *h = &req->headers[i];
		if (http_header_is_hop_by_hop(req->headers, req->n_headers, i) ||
		    http_str_ieq(h->name, "host"))
			continue;
		if (cf_ua && http_str_ieq(h->name, "user-agent"))
			continue;
		/* Canonical framing: one Content-Length, the value the parser
		 * read, at the place of the first. "4, 4", a repeated "4" and
		 * "0004" all go out as "4"; copies that differ never got here
		 * (http.c refuses them). An origin that reads framing its own
		 * way sees nothing to read two ways. */
		if (http_str_ieq(h->name, "content-length")) {
			if (!cl_sent && req->body == HTTP_BODY_LENGTH)
				evbuffer_add_printf(out, "Content-Length: %lld\r\n",
				    (long long)req->content_length);
			cl_sent = true;
			continue;
		}
		if (http_str_ieq(h->name, "x-forwarded-for")) {
			sbuf_add(&xff, h->value.p, h->value.n);
			sbuf_adds(&xff, ", ");
			continue;
		}
		if (http_str_ieq(h->name, "via")) {
			sbuf_add(&vias, h->value.p, h->value.n);
			sbuf_adds(&vias, ", ");
			continue;
		}
		if (http_str_ieq(h->name, "akamai-origin-hop")) {
			akamai_hop = atoi(h->value.n < 8 ? h->value.p : "0");
			continue;
		}
		conn_add_hs(out, h->name);
		conn_add_s(out, ": ");
		conn_add_hs(out, h->value);
		conn_add_s(out, "\r\n");
	}
	/* The viewer's address without its port: "1.2.3.4:5" or "[::1]:5". */
	const char *ip = c->peer[0] == '[' ? c->peer + 1 : c->peer;
	const char *end = c->peer[0] == '[' ? strchr(ip, ']') : strrchr(ip, ':');
	int ip_len = end ? (int)(end - ip) : (int)strlen(ip);
	evbuffer_add_printf(out, "X-Forwarded-For: %s%.*s\r\nVia: %s%s\r\n",
	    xff.s ? xff.s : "", ip_len, ip, vias.s ? vias.s : "",
	    persona_via(&c->edge->id, via, sizeof(via)));
	if (c->edge->id.persona == PERSONA_CLOUDFRONT)
		evbuffer_add_printf(out, "X-Amz-Cf-Id: %s\r\n", r->ref);
	else if (c->edge->id.persona == PERSONA_AKAMAI)
		evbuffer_add_printf(out, "Akamai-Origin-Hop: %d\r\n",
		    akamai_hop + 1);
	conn_add_s(out, "\r\n");
	sbuf_free(&xff);
	sbuf_free(&vias);
}

/*
 * A chunked body relayed as its data alone, for a viewer whose protocol
 * frames the data itself (HTTP/2): the scanner reads the framing a byte
 * at a time and the data in bulk. Returns as relay_body does; *count
 * counts data bytes.
 */
static int
relay_dechunked(struct evbuffer *src, struct evbuffer *dst,
    struct http_chunked *ch, int64_t *count)
{
	struct evbuffer_iovec v;

	while (evbuffer_peek(src, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		size_t n = 1, used = 0;
		bool data = ch->state == HTTP_CHUNK_DATA;
		if (data)
			n = (uint64_t)v.iov_len < ch->remaining ? v.iov_len :
			    (size_t)ch->remaining;
		enum http_chunked_result cr = http_chunked_scan(ch, v.iov_base,
		    n, &used);
		if (cr == HTTP_CHUNKED_ERROR)
			return -1;
		if (data) {
			evbuffer_remove_buffer(src, dst, used);
			*count += (int64_t)used;
		} else {
			evbuffer_drain(src, used);
		}
		if (cr == HTTP_CHUNKED_DONE)
			return 1;
	}
	return 0;
}

/*
 * Move the next part of a body from src to dst, as relay_framed does.
 * dechunk: a chunked body goes to dst as its data alone.
 */
static int
relay_body(struct evbuffer *src, struct evbuffer *dst, enum http_body kind,
    int64_t *left, struct http_chunked *ch, int64_t *count, bool dechunk)
{
	if (kind == HTTP_BODY_CHUNKED && dechunk)
		return relay_dechunked(src, dst, ch, count);
	return relay_framed(src, dst, kind, left, ch, count);
}

/* Forward what has arrived of the request body; pause the viewer when the
 * origin does not keep up. */
void
conn_origin_body_sent(struct conn_req *r)
{
	struct timeval tv;
	int64_t ms = r->origin->conf->read_timeout_ms;

	r->body_done = true;
	tv_from_ms(&tv, ms);
	bufferevent_set_timeouts(r->up->bev, &tv, NULL);
}

enum conn_step
conn_origin_request_body(struct conn_req *r)
{
	struct conn *c = r->c;

	if (r->body_done || r->up == NULL)
		return CONN_STEP_WAIT;
	if (r->st)
		return conn_h2_request_body(r);
	struct evbuffer *out = bufferevent_get_output(r->up->bev);
	int rc = relay_body(bufferevent_get_input(c->bev), out, r->body,
	    &r->body_left, &r->chunked, &r->bytes_in, false);
	if (rc < 0) {
		/* The origin has part of a request it can never finish. */
		c->close_after = true;
		if (!r->resp_started)
			return conn_respond_error(c, ES_ERR_BAD_REQUEST, 400,
			    "bad chunked body", "malformed chunked request body",
			    true);
		conn_close(c, "malformed chunked request body");
		return CONN_STEP_CLOSED;
	}
	if (rc == 1) {
		conn_origin_body_sent(r);
	} else if (evbuffer_get_length(out) > CONN_HIGH_WATER) {
		c->viewer_paused = true;
		bufferevent_disable(c->bev, EV_READ);
	}
	return CONN_STEP_WAIT;
}

/*
 * A request without a body and with a safe method may be sent again on a
 * fresh connection when a pooled one turns out dead before answering (the
 * origin closed it while idle): that is no failure of the origin.
 */
static bool
retryable(const struct conn_req *r)
{
	return r->body == HTTP_BODY_NONE && !r->retried &&
	    (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0 ||
	    strcmp(r->method, "OPTIONS") == 0);
}

/* Lend up to the current request: send the head, relay the body. */
static void
attach_origin(struct conn_req *r, struct upstream *up)
{
	struct conn *c = r->c;
	struct evbuffer *out = bufferevent_get_output(up->bev);

	r->up = up;
	r->up_attached = true;
	r->up_reused = up->reused;
	up->requests++;
	bufferevent_setcb(up->bev, origin_read, origin_write, origin_event,
	    r);
	bufferevent_setwatermark(up->bev, EV_WRITE, CONN_HIGH_WATER / 2, 0);
	/* With a read high-water mark, bufferevent_openssl reads as much as
	 * it may in one go (without one, 4 KiB at a time): whole TLS records
	 * land in large chunks, which then go out as whole records too. */
	bufferevent_setwatermark(up->bev, EV_READ, 0, CONN_HIGH_WATER);
	bufferevent_enable(up->bev, EV_READ | EV_WRITE);
	if (up->reused && retryable(r))
		/* Keep the head: it may have to go out once more. */
		evbuffer_add(out, evbuffer_pullup(r->fwd, -1),
		    evbuffer_get_length(r->fwd));
	else
		evbuffer_add_buffer(out, r->fwd);
	conn_flush_soon(up->bev);
	if (r->body == HTTP_BODY_NONE)
		r->body_done = true;
	if (r->body_done)
		conn_origin_body_sent(r);
	if (r->st)
		return;
	c->state = CONN_PROXYING;
	bufferevent_enable(c->bev, EV_READ);
}

/*
 * The upstream r asked for is ready. r owns it from the request on
 * (r->up_pending), so r is alive here: ending r (closing its connection)
 * would have freed the upstream and cancelled this call.
 */
static void
origin_ready(void *arg, struct upstream *up)
{
	struct conn_req *r = arg;

	r->up_pending = NULL;
	attach_origin(r, up);
	after(r->c, H2R(r), CONN_STEP_AGAIN);
}

static void
origin_failed(void *arg, struct upstream *up, const struct upstream_failure *f)
{
	struct conn_req *r = arg;
	struct conn *c = r->c;
	struct conn_req *h2r = H2R(r);
	/* f may be the upstream's own (a failure reported from the loop):
	 * it goes with the upstream. */
	struct upstream_failure copy = *f;

	r->up_pending = NULL;
	upstream_free(up);
	after(c, h2r, respond_error(r, copy.code, 0, copy.sub, copy.detail,
	    false));
}

/* Ask for an origin connection; CONN_STEP_AGAIN when one was ready at once.
 * Whichever it is, c owns it from here. */
static enum conn_step
request_origin(struct conn_req *r, bool fresh)
{
	struct conn *c = r->c;
	char sni_buf[SNI_NAME_MAX + 1];
	const char *sni = upstream_sni(r->origin, r->host_hdr, sni_buf,
	    sizeof(sni_buf));
	struct upstream *up = NULL;
	struct upstream_tag tag = { c->edge->conf->sec.name,
	    c->edge->conf->index, &c->edge->id, r->id, r->epoch };

	/* The body waits in the viewer's input buffer (bounded by its read
	 * high-water mark) until the origin is there. Reading goes on, so
	 * that a viewer who leaves is seen at once: its request is logged as
	 * 499 and the origin connection it was waiting for is cancelled. */
	if (r->st == NULL)
		c->state = CONN_ORIGIN_WAIT;
	if (upstream_get(c->w, c->rt, r->origin, sni, fresh, &tag,
	    origin_ready, origin_failed, r, &up) == 1) {
		attach_origin(r, up);
		return CONN_STEP_AGAIN;
	}
	r->up_pending = up;
	return CONN_STEP_WAIT;
}

void
conn_origin_build_head(struct conn_req *r, const struct http_request *req)
{
	build_forward_head(r, req, r->fwd);
}

enum conn_step
conn_origin_start(struct conn_req *r)
{
	return request_origin(r, false);
}

/* --- origin side callbacks --- */

void
conn_origin_response_fields(struct conn_req *r, const struct http_response *res,
    conn_field_fn emit, void *arg)
{
	struct conn *c = r->c;
	struct sbuf vias;
	char via[128];
	bool cf = c->edge->id.persona == PERSONA_CLOUDFRONT;

	sbuf_init(&vias);
	for (size_t i = 0; i < res->n_headers; i++) {
		const struct http_header *h = &res->headers[i];
		if (!http_response_field_relayed(res, i))
			continue;
		if (http_str_ieq(h->name, "via")) {
			sbuf_add(&vias, h->value.p, h->value.n);
			sbuf_adds(&vias, ", ");
			continue;
		}
		if (cf && (http_str_ieq(h->name, "x-cache") ||
		    http_str_ieq(h->name, "x-amz-cf-pop") ||
		    http_str_ieq(h->name, "x-amz-cf-id")))
			continue;
		/* Akamai's debug answers are the edge's own. */
		if (r->pragma && (http_str_ieq(h->name, "x-cache") ||
		    http_str_ieq(h->name, "x-cache-key") ||
		    http_str_ieq(h->name, "x-true-cache-key") ||
		    http_str_ieq(h->name, "x-check-cacheable") ||
		    http_str_ieq(h->name, "x-akamai-request-id")))
			continue;
		emit(arg, h->name.p, h->name.n, h->value.p, h->value.n);
	}
	persona_via(&c->edge->id, via, sizeof(via));
	sbuf_adds(&vias, via);
	emit(arg, "Via", 3, vias.s, vias.len);
	sbuf_free(&vias);
	if (cf) {
		/* CloudFront's result type: an origin's 4xx or 5xx is an
		 * Error, the rest a Miss (nothing is cached here). */
		if (res->status >= 400)
			emit(arg, "X-Cache", 7, "Error from cloudfront", 21);
		else
			emit(arg, "X-Cache", 7, "Miss from cloudfront", 20);
		emit(arg, "X-Amz-Cf-Pop", 12, c->edge->id.pop,
		    strlen(c->edge->id.pop));
		emit(arg, "X-Amz-Cf-Id", 11, r->ref, strlen(r->ref));
	}
	conn_pragma_fields(r, emit, arg);
}

/* The response head for an HTTP/1.1 viewer, after the origin's. */
static void
build_response_head(struct conn_req *r, const struct http_response *res,
    struct evbuffer *out)
{
	evbuffer_add_printf(out, "HTTP/1.1 %d ", res->status);
	conn_add_hs(out, res->reason);
	conn_add_s(out, "\r\n");
	conn_origin_response_fields(r, res, conn_add_field_line, out);
	if (res->status >= 200)
		conn_add_connection_header(r->c, out);
	conn_add_s(out, "\r\n");
}

/*
 * The origin's answer cannot be relayed (a malformed head, or a body whose
 * framing broke): one origin record, then the viewer learns it the only
 * way it still can. Nothing of the final response has left yet (it is all
 * still in the viewer's output buffer, where it is taken back): a 502 page
 * of the persona. Part of it has left: the viewer holds a head and part of
 * a body, and an HTTP/1.1 connection can only say "incomplete" by
 * breaking, so it is reset, and the log says what the viewer really got.
 */
static enum conn_step
response_failed(struct conn_req *r, enum es_code code, int status,
    const char *sub, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum conn_step
response_failed(struct conn_req *r, enum es_code code, int status,
    const char *sub, const char *fmt, ...)
{
	struct conn *c = r->c;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct upstream_failure f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.code = code;
	snprintf(f.sub, sizeof(f.sub), "%s", sub ? sub : "");
	va_start(ap, fmt);
	vsnprintf(f.detail, sizeof(f.detail), fmt, ap);
	va_end(ap);
	upstream_log_failure(r->up, &f);
	upstream_free(r->up);
	r->up = NULL;
	if (r->st) {
		/* HTTP/2: a head not yet made is an error page on the
		 * stream; after it, the stream alone is reset (and logged
		 * when it closes). */
		if (!r->resp_head_done || conn_h2_take_back(r))
			return conn_h2_respond_error(r, code, status, f.sub,
			    f.detail);
		r->code = code;
		snprintf(r->sub, sizeof(r->sub), "%s", f.sub);
		snprintf(r->detail, sizeof(r->detail), "%s; the viewer had "
		    "the %d head and %lld body bytes: the stream was reset "
		    "(RST_STREAM INTERNAL_ERROR)", f.detail, r->status,
		    (long long)r->bytes_out);
		conn_h2_reset_stream(r);
		return CONN_STEP_WAIT;
	}
	size_t queued = evbuffer_get_length(out);
	if (!r->resp_head_done || queued >= (size_t)r->resp_queued) {
		/* Take back what was queued of this response (earlier bytes,
		 * a pipelined answer or a 1xx, stay). */
		if (r->resp_head_done && r->resp_queued > 0) {
			struct evbuffer *keep = evbuffer_new();
			evbuffer_remove_buffer(out, keep, queued - r->resp_queued);
			evbuffer_drain(out, evbuffer_get_length(out));
			evbuffer_add_buffer(out, keep);
			evbuffer_free(keep);
		}
		r->resp_head_done = false;
		r->bytes_out = 0;
		return conn_respond_error(c, code, status, f.sub, f.detail, true);
	}
	r->code = code;
	snprintf(r->sub, sizeof(r->sub), "%s", f.sub);
	snprintf(r->detail, sizeof(r->detail), "%s; the viewer had %lld bytes "
	    "of the %d response: its connection was reset", f.detail,
	    (long long)(r->resp_queued - (int64_t)queued), r->status);
	conn_log_request(c, r);
	conn_reset(c);
	return CONN_STEP_CLOSED;
}

/* Parse the origin's response head (passing 1xx interim responses on). */
static enum conn_step
read_response_head(struct conn_req *r)
{
	struct conn *c = r->c;
	struct evbuffer *in = bufferevent_get_input(r->up->bev);
	struct evbuffer *out = r->st ? NULL : bufferevent_get_output(c->bev);
	size_t max = (size_t)conn_glob(c)->max_header_size;
	struct http_response *res = &c->w->scratch_res;

	while (!r->resp_head_done) {
		const char *buf;
		size_t n, head_len = 0;
		/* A head that trickles in is collected and scanned once, not
		 * parsed from its first byte on every read (relay.h). */
		if (!relay_head_take(&r->resp_head, in, max, &buf, &n))
			return CONN_STEP_WAIT;
		enum http_result pr = http_parse_response(buf, n, max,
		    r->is_head, res, &head_len);
		if (pr == HTTP_INCOMPLETE) {
			relay_head_incomplete(&r->resp_head, in, n);
			return CONN_STEP_WAIT;
		}
		if (pr == HTTP_ERR_HEAD_TOO_LARGE ||
		    pr == HTTP_ERR_TOO_MANY_HEADERS)
			return response_failed(r, ES_ERR_BAD_RESPONSE, 502,
			    "response_head_too_large", "the origin's response "
			    "head is larger than max_header_size (%zu bytes) or "
			    "has more than %d header fields", max,
			    HTTP_MAX_HEADERS);
		if (pr != HTTP_OK)
			return response_failed(r, ES_ERR_BAD_RESPONSE, 502,
			    http_result_str(pr), "the origin's response head is "
			    "malformed: %s", http_result_str(pr));
		if (res->status == 101)
			return response_failed(r, ES_ERR_BAD_RESPONSE, 502,
			    "unexpected_101", "the origin switched protocols "
			    "(101), which the edge never asks for");
		if (res->status >= 100 && res->status < 200) {
			if (++r->n_interim > FORWARD_MAX_INTERIM)
				return response_failed(r, ES_ERR_BAD_RESPONSE,
				    502, "too_many_interim", "the origin sent "
				    "more than %d interim (1xx) responses",
				    FORWARD_MAX_INTERIM);
			if (r->st)
				conn_h2_response_head(r, res, false);
			else
				build_response_head(r, res, out);
			relay_head_done(&r->resp_head, in, head_len);
			continue;
		}
		r->status = res->status;
		r->resp_body = res->body;
		r->resp_left = res->content_length;
		r->resp_keep_alive = res->keep_alive;
		http_chunked_init(&r->resp_chunked);
		if (r->st) {
			conn_h2_response_head(r, res, true);
		} else {
			if (res->body == HTTP_BODY_UNTIL_CLOSE)
				c->close_after = true;  /* only EOF ends it */
			size_t before = evbuffer_get_length(out);
			build_response_head(r, res, out);
			r->resp_queued = (int64_t)(evbuffer_get_length(out) -
			    before);
		}
		relay_head_done(&r->resp_head, in, head_len);
		r->resp_head_done = true;
		r->resp_started = true;
		/* A copy kept for a retry is no longer needed. */
		evbuffer_drain(r->fwd, evbuffer_get_length(r->fwd));
	}
	return CONN_STEP_AGAIN;
}

enum conn_step
conn_origin_response(struct conn_req *r)
{
	struct conn *c = r->c;

	if (!r->resp_head_done) {
		enum conn_step s = read_response_head(r);
		if (s != CONN_STEP_AGAIN)
			return s;
	}
	struct evbuffer *out = r->st ? conn_h2_body_buffer(r) :
	    bufferevent_get_output(c->bev);
	struct evbuffer *in = bufferevent_get_input(r->up->bev);
	int64_t before = r->bytes_out;
	int rc = relay_body(in, out, r->resp_body, &r->resp_left,
	    &r->resp_chunked, &r->bytes_out, r->st != NULL);
	r->resp_queued += r->bytes_out - before;
	if (rc < 0)
		return response_failed(r, ES_ERR_BAD_RESPONSE, 502, "bad_chunk",
		    "the origin's chunked body is malformed (a bad chunk size "
		    "or framing) after %lld body bytes",
		    (long long)r->bytes_out);
	if (rc == 1) {
		bool reusable = r->resp_keep_alive && r->body_done;
		if (evbuffer_get_length(in) > 0) {
			/* Bytes after the end of the body: the origin's
			 * framing and ours disagree. */
			if (r->st ? conn_h2_head_pending(r) :
			    evbuffer_get_length(out) >= (size_t)r->resp_queued)
				return response_failed(r, ES_ERR_BAD_RESPONSE,
				    502, "excess_body", "the origin sent more "
				    "body than its framing announced (%zu bytes "
				    "more)", evbuffer_get_length(in));
			/* The viewer has the whole response as framed: it
			 * stands; the connection does not go on. */
			r->code = ES_ERR_BAD_RESPONSE;
			snprintf(r->sub, sizeof(r->sub), "excess_body");
			snprintf(r->detail, sizeof(r->detail), "the origin sent "
			    "more body than its framing announced; the viewer "
			    "got the response as framed, then the connection "
			    "closed");
			c->close_after = r->st == NULL;
			reusable = false;
		}
		if (r->st == NULL)
			conn_flush_soon(c->bev);
		return request_done(r, reusable);
	}
	if (r->st) {
		conn_h2_response_data(r);
		return CONN_STEP_WAIT;
	}
	if (evbuffer_get_length(out) > CONN_HIGH_WATER && !c->up_paused) {
		c->up_paused = true;
		bufferevent_disable(r->up->bev, EV_READ);
	}
	return CONN_STEP_WAIT;
}

static void
origin_read(struct bufferevent *bev, void *arg)
{
	struct conn_req *r = arg;
	struct conn *c = r->c;

	struct conn_req *h2r = H2R(r);

	(void)bev;
	if ((h2r == NULL && c->state != CONN_PROXYING) || r->up == NULL)
		return;
	after(c, h2r, conn_origin_response(r));
}

static void
origin_write(struct bufferevent *bev, void *arg)
{
	struct conn_req *r = arg;
	struct conn *c = r->c;

	(void)bev;
	if (r->st) {
		after(c, r, conn_origin_request_body(r));
		return;
	}
	/* The origin took the request body so far: read more from the viewer. */
	if (c->viewer_paused) {
		c->viewer_paused = false;
		bufferevent_enable(c->bev, EV_READ);
		conn_after_step(c, CONN_STEP_AGAIN);
	}
}

static void
origin_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn_req *r = arg;
	struct conn *c = r->c;
	struct conn_req *h2r = H2R(r);
	enum conn_step s;

	(void)bev;
	if (r->up == NULL)
		return;
	if ((what & BEV_EVENT_EOF) && r->resp_head_done &&
	    r->resp_body == HTTP_BODY_UNTIL_CLOSE) {
		/* The body ran until close, as announced. */
		relay_body(bufferevent_get_input(r->up->bev), r->st ?
		    conn_h2_body_buffer(r) : bufferevent_get_output(c->bev),
		    HTTP_BODY_UNTIL_CLOSE, &r->resp_left, &r->resp_chunked,
		    &r->bytes_out, false);
		after(c, h2r, request_done(r, false));
		return;
	}
	if (!r->resp_started) {
		struct upstream_failure f;
		bool got = evbuffer_get_length(bufferevent_get_input(
		    r->up->bev)) > 0 || relay_head_started(&r->resp_head);
		if (!got && r->up->reused && retryable(r) &&
		    !(what & BEV_EVENT_TIMEOUT)) {
			/* The pooled connection was dead: once more, fresh. */
			upstream_free(r->up);
			r->up = NULL;
			r->retried = true;
			after(c, h2r, request_origin(r, true));
			return;
		}
		upstream_classify_broken(r->up, what, got, &f);
		upstream_free(r->up);
		r->up = NULL;
		after(c, h2r, respond_error(r, f.code, 0, f.sub, f.detail,
		    !r->body_done));
		return;
	}
	/* Mid-body: the head (and maybe part of the body) is queued or
	 * sent; response_failed decides which the viewer gets. */
	if (what & BEV_EVENT_TIMEOUT)
		s = response_failed(r, ES_ERR_READ_TIMEOUT, 0, NULL, "the origin "
		    "sent nothing within read_timeout in the middle of the "
		    "response body");
	else if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR))
		s = response_failed(r, ES_ERR_BAD_RESPONSE, 502, "truncated_body",
		    "the origin closed the connection before the end of the "
		    "body its framing announced (%lld body bytes came)",
		    (long long)r->bytes_out);
	else
		s = response_failed(r, ES_ERR_READ_ERROR, 0, NULL, "the origin "
		    "connection broke in the middle of the response body%s%s",
		    EVUTIL_SOCKET_ERROR() ? ": " : "",
		    EVUTIL_SOCKET_ERROR() ? strerror(EVUTIL_SOCKET_ERROR()) : "");
	/* HTTP/1.1: as before, the connection closed or the next request
	 * waits for its own event. */
	if (h2r)
		after(c, h2r, s);
}

void
conn_req_drop_origin(struct conn_req *r)
{
	if (r->up_pending) {
		upstream_free(r->up_pending);
		r->up_pending = NULL;
	}
	if (r->up) {
		upstream_free(r->up);
		r->up = NULL;
	}
}
