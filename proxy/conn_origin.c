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

/* --- forwarding to an origin --- */

/* The Host to send to the origin, per host_header (and persona). */
static void
origin_host_value(struct conn *c, const struct http_request *req, char *out,
    size_t len)
{
	const struct conf_origin *o = c->req->origin->conf;
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
build_forward_head(struct conn *c, const struct http_request *req,
    struct evbuffer *out)
{
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
	origin_host_value(c, req, host, sizeof(host));
	conn_add_hs(out, req->method);
	conn_add_s(out, " ");
	conn_add_hs(out, target);
	evbuffer_add_printf(out, " HTTP/1.1\r\nHost: %s\r\n", host);

	sbuf_init(&xff);
	sbuf_init(&vias);
	bool cl_sent = false;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct http_header *h = &req->headers[i];
		if (http_header_is_hop_by_hop(req->headers, req->n_headers, i) ||
		    http_str_ieq(h->name, "host"))
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
		evbuffer_add_printf(out, "X-Amz-Cf-Id: %s\r\n", c->req->ref);
	else if (c->edge->id.persona == PERSONA_AKAMAI)
		evbuffer_add_printf(out, "Akamai-Origin-Hop: %d\r\n",
		    akamai_hop + 1);
	conn_add_s(out, "\r\n");
	sbuf_free(&xff);
	sbuf_free(&vias);
}

/*
 * Move the next part of a body from src to dst. Returns 1 when the body is
 * complete, 0 when more is to come, -1 on bad chunked framing.
 */
static int
relay_body(struct evbuffer *src, struct evbuffer *dst, enum http_body kind,
    int64_t *left, struct http_chunked *ch, int64_t *count)
{
	switch (kind) {
	case HTTP_BODY_NONE:
		return 1;
	case HTTP_BODY_LENGTH: {
		size_t avail = evbuffer_get_length(src);
		size_t n = (int64_t)avail < *left ? avail : (size_t)*left;
		if (n) {
			evbuffer_remove_buffer(src, dst, n);
			*left -= (int64_t)n;
			*count += (int64_t)n;
		}
		return *left == 0;
	}
	case HTTP_BODY_UNTIL_CLOSE: {
		size_t n = evbuffer_get_length(src);
		*count += (int64_t)n;
		evbuffer_add_buffer(dst, src);
		return 0;
	}
	case HTTP_BODY_CHUNKED:
		break;
	}
	while (evbuffer_get_length(src) > 0) {
		struct evbuffer_iovec v[16];
		int nv = evbuffer_peek(src, -1, NULL, v, 16);
		size_t used_total = 0;
		int rc = 0;
		for (int i = 0; i < nv && i < 16 && rc == 0; i++) {
			size_t used = 0;
			enum http_chunked_result r = http_chunked_scan(ch,
			    v[i].iov_base, v[i].iov_len, &used);
			used_total += used;
			if (r == HTTP_CHUNKED_DONE)
				rc = 1;
			else if (r == HTTP_CHUNKED_ERROR)
				return -1;
		}
		evbuffer_remove_buffer(src, dst, used_total);
		*count += (int64_t)used_total;
		if (rc == 1)
			return 1;
	}
	return 0;
}

/* Forward what has arrived of the request body; pause the viewer when the
 * origin does not keep up. */
enum conn_step
conn_origin_request_body(struct conn *c)
{
	struct conn_req *r = c->req;

	if (r->body_done || c->up == NULL)
		return CONN_STEP_WAIT;
	struct evbuffer *out = bufferevent_get_output(c->up->bev);
	int rc = relay_body(bufferevent_get_input(c->bev), out, r->body,
	    &r->body_left, &r->chunked, &r->bytes_in);
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
		struct timeval tv;
		int64_t ms = r->origin->conf->read_timeout_ms;
		r->body_done = true;
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		bufferevent_set_timeouts(c->up->bev, &tv, NULL);
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
retryable(const struct conn *c)
{
	const struct conn_req *r = c->req;

	return r->body == HTTP_BODY_NONE && !r->retried &&
	    (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0 ||
	    strcmp(r->method, "OPTIONS") == 0);
}

/* Lend up to the current request: send the head, relay the body. */
static void
attach_origin(struct conn *c, struct upstream *up)
{
	struct evbuffer *out = bufferevent_get_output(up->bev);

	c->up = up;
	up->requests++;
	bufferevent_setcb(up->bev, origin_read, origin_write, origin_event,
	    c);
	bufferevent_setwatermark(up->bev, EV_WRITE, CONN_HIGH_WATER / 2, 0);
	/* With a read high-water mark, bufferevent_openssl reads as much as
	 * it may in one go (without one, 4 KiB at a time): whole TLS records
	 * land in large chunks, which then go out as whole records too. */
	bufferevent_setwatermark(up->bev, EV_READ, 0, CONN_HIGH_WATER);
	bufferevent_enable(up->bev, EV_READ | EV_WRITE);
	if (up->reused && retryable(c))
		/* Keep the head: it may have to go out once more. */
		evbuffer_add(out, evbuffer_pullup(c->fwd, -1),
		    evbuffer_get_length(c->fwd));
	else
		evbuffer_add_buffer(out, c->fwd);
	conn_flush_soon(up->bev);
	c->state = CONN_PROXYING;
	if (c->req->body == HTTP_BODY_NONE)
		c->req->body_done = true;
	if (c->req->body_done) {
		struct timeval tv;
		int64_t ms = c->req->origin->conf->read_timeout_ms;
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		bufferevent_set_timeouts(up->bev, &tv, NULL);
	}
	bufferevent_enable(c->bev, EV_READ);
}

/*
 * The upstream c asked for is ready. c owns it from the request on
 * (c->up_pending), so c is alive here: closing c would have freed the
 * upstream and cancelled this call.
 */
static void
origin_ready(void *arg, struct upstream *up)
{
	struct conn *c = arg;

	c->up_pending = NULL;
	attach_origin(c, up);
	conn_after_step(c, CONN_STEP_AGAIN);
}

static void
origin_failed(void *arg, struct upstream *up, const struct upstream_failure *f)
{
	struct conn *c = arg;
	/* f may live in up: keep what it says before up goes. */
	struct upstream_failure why = *f;

	c->up_pending = NULL;
	upstream_free(up);
	conn_after_step(c, conn_respond_error(c, why.code, 0, why.sub,
	    why.detail, false));
}

/* Ask for an origin connection; CONN_STEP_AGAIN when one was ready at once.
 * Whichever it is, c owns it from here. */
static enum conn_step
request_origin(struct conn *c, bool fresh)
{
	char sni_buf[SNI_NAME_MAX + 1];
	const char *sni = upstream_sni(c->req->origin, c->req->host_hdr, sni_buf,
	    sizeof(sni_buf));
	struct upstream *up = NULL;
	struct upstream_tag tag = { c->edge->conf->sec.name,
	    c->edge->conf->index, &c->edge->id, c->req->id, c->req->epoch };

	/* The body waits in the viewer's input buffer (bounded by its read
	 * high-water mark) until the origin is there. Reading goes on, so
	 * that a viewer who leaves is seen at once: its request is logged as
	 * 499 and the origin connection it was waiting for is cancelled. */
	c->state = CONN_ORIGIN_WAIT;
	if (upstream_get(c->w, c->rt, c->req->origin, sni, fresh, &tag,
	    origin_ready, origin_failed, c, &up) == 1) {
		attach_origin(c, up);
		return CONN_STEP_AGAIN;
	}
	c->up_pending = up;
	return CONN_STEP_WAIT;
}

void
conn_origin_build_head(struct conn *c, const struct http_request *req)
{
	if (c->fwd == NULL)
		c->fwd = evbuffer_new();
	build_forward_head(c, req, c->fwd);
}

enum conn_step
conn_origin_start(struct conn *c)
{
	return request_origin(c, false);
}

/* --- origin side callbacks --- */

static void
build_response_head(struct conn *c, const struct http_response *res,
    struct evbuffer *out)
{
	struct sbuf vias;
	char via[128];
	bool cf = c->edge->id.persona == PERSONA_CLOUDFRONT;

	evbuffer_add_printf(out, "HTTP/1.1 %d ", res->status);
	conn_add_hs(out, res->reason);
	conn_add_s(out, "\r\n");
	sbuf_init(&vias);
	for (size_t i = 0; i < res->n_headers; i++) {
		const struct http_header *h = &res->headers[i];
		if (http_header_is_hop_by_hop(res->headers, res->n_headers, i))
			continue;
		/* With chunked coding, a Content-Length is a lie that must not
		 * reach the viewer (RFC 9112 6.3). */
		if (res->body == HTTP_BODY_CHUNKED &&
		    http_str_ieq(h->name, "content-length"))
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
		conn_add_hs(out, h->name);
		conn_add_s(out, ": ");
		conn_add_hs(out, h->value);
		conn_add_s(out, "\r\n");
	}
	evbuffer_add_printf(out, "Via: %s%s\r\n", vias.s ? vias.s : "",
	    persona_via(&c->edge->id, via, sizeof(via)));
	sbuf_free(&vias);
	if (cf)
		evbuffer_add_printf(out, "X-Cache: Miss from cloudfront\r\n"
		    "X-Amz-Cf-Pop: %s\r\nX-Amz-Cf-Id: %s\r\n", c->edge->id.pop,
		    c->req->ref);
	if (res->status >= 200)
		conn_add_connection_header(c, out);
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
response_failed(struct conn *c, enum es_code code, int status, const char *sub,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum conn_step
response_failed(struct conn *c, enum es_code code, int status, const char *sub,
    const char *fmt, ...)
{
	struct conn_req *r = c->req;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct upstream_failure f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.code = code;
	snprintf(f.sub, sizeof(f.sub), "%s", sub ? sub : "");
	va_start(ap, fmt);
	vsnprintf(f.detail, sizeof(f.detail), fmt, ap);
	va_end(ap);
	upstream_log_failure(c->up, &f);
	upstream_free(c->up);
	c->up = NULL;
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
	conn_log_request(c);
	conn_reset(c);
	return CONN_STEP_CLOSED;
}

/* Parse the origin's response head (passing 1xx interim responses on). */
static enum conn_step
read_response_head(struct conn *c)
{
	struct conn_req *r = c->req;
	struct evbuffer *in = bufferevent_get_input(c->up->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t max = (size_t)conn_glob(c)->max_header_size;
	struct http_response *res = &c->w->scratch_res;

	while (!r->resp_head_done) {
		size_t len = evbuffer_get_length(in);
		size_t head_len = 0;
		if (len == 0)
			return CONN_STEP_WAIT;
		size_t n = len < max ? len : max;
		const char *buf = (const char *)evbuffer_pullup(in,
		    (ev_ssize_t)n);
		enum http_result pr = http_parse_response(buf, n, max,
		    r->is_head, res, &head_len);
		if (pr == HTTP_INCOMPLETE)
			return CONN_STEP_WAIT;
		if (pr == HTTP_ERR_HEAD_TOO_LARGE ||
		    pr == HTTP_ERR_TOO_MANY_HEADERS)
			return response_failed(c, ES_ERR_BAD_RESPONSE, 502,
			    "response_head_too_large", "the origin's response "
			    "head is larger than max_header_size (%zu bytes) or "
			    "has more than %d header fields", max,
			    HTTP_MAX_HEADERS);
		if (pr != HTTP_OK)
			return response_failed(c, ES_ERR_BAD_RESPONSE, 502,
			    http_result_str(pr), "the origin's response head is "
			    "malformed: %s", http_result_str(pr));
		if (res->status == 101)
			return response_failed(c, ES_ERR_BAD_RESPONSE, 502,
			    "unexpected_101", "the origin switched protocols "
			    "(101), which the edge never asks for");
		if (res->status >= 100 && res->status < 200) {
			if (++r->n_interim > FORWARD_MAX_INTERIM)
				return response_failed(c, ES_ERR_BAD_RESPONSE,
				    502, "too_many_interim", "the origin sent "
				    "more than %d interim (1xx) responses",
				    FORWARD_MAX_INTERIM);
			build_response_head(c, res, out);
			evbuffer_drain(in, head_len);
			continue;
		}
		r->status = res->status;
		r->resp_body = res->body;
		r->resp_left = res->content_length;
		r->resp_keep_alive = res->keep_alive;
		http_chunked_init(&r->resp_chunked);
		if (res->body == HTTP_BODY_UNTIL_CLOSE)
			c->close_after = true;  /* only EOF can end it */
		size_t before = evbuffer_get_length(out);
		build_response_head(c, res, out);
		r->resp_queued = (int64_t)(evbuffer_get_length(out) - before);
		evbuffer_drain(in, head_len);
		r->resp_head_done = true;
		r->resp_started = true;
		/* A copy kept for a retry is no longer needed. */
		evbuffer_drain(c->fwd, evbuffer_get_length(c->fwd));
	}
	return CONN_STEP_AGAIN;
}

enum conn_step
conn_origin_response(struct conn *c)
{
	struct conn_req *r = c->req;
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (!r->resp_head_done) {
		enum conn_step s = read_response_head(c);
		if (s != CONN_STEP_AGAIN)
			return s;
	}
	struct evbuffer *in = bufferevent_get_input(c->up->bev);
	int64_t before = r->bytes_out;
	int rc = relay_body(in, out, r->resp_body, &r->resp_left,
	    &r->resp_chunked, &r->bytes_out);
	r->resp_queued += r->bytes_out - before;
	if (rc < 0)
		return response_failed(c, ES_ERR_BAD_RESPONSE, 502, "bad_chunk",
		    "the origin's chunked body is malformed (a bad chunk size "
		    "or framing) after %lld body bytes",
		    (long long)r->bytes_out);
	if (rc == 1) {
		bool reusable = r->resp_keep_alive && r->body_done;
		if (evbuffer_get_length(in) > 0) {
			/* Bytes after the end of the body: the origin's
			 * framing and ours disagree. */
			if (evbuffer_get_length(out) >= (size_t)r->resp_queued)
				return response_failed(c, ES_ERR_BAD_RESPONSE,
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
			c->close_after = true;
			reusable = false;
		}
		conn_flush_soon(c->bev);
		return conn_request_done(c, reusable);
	}
	if (evbuffer_get_length(out) > CONN_HIGH_WATER && !c->up_paused) {
		c->up_paused = true;
		bufferevent_disable(c->up->bev, EV_READ);
	}
	return CONN_STEP_WAIT;
}

static void
origin_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state != CONN_PROXYING || c->up == NULL)
		return;
	conn_after_step(c, conn_origin_response(c));
}

static void
origin_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
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
	struct conn *c = arg;
	struct conn_req *r = c->req;

	(void)bev;
	if (c->up == NULL)
		return;
	if ((what & BEV_EVENT_EOF) && r->resp_head_done &&
	    r->resp_body == HTTP_BODY_UNTIL_CLOSE) {
		/* The body ran until close, as announced. */
		relay_body(bufferevent_get_input(c->up->bev),
		    bufferevent_get_output(c->bev), HTTP_BODY_UNTIL_CLOSE,
		    &r->resp_left, &r->resp_chunked, &r->bytes_out);
		conn_after_step(c, conn_request_done(c, false));
		return;
	}
	if (!r->resp_started) {
		struct upstream_failure f;
		bool got = evbuffer_get_length(bufferevent_get_input(
		    c->up->bev)) > 0;
		if (!got && c->up->reused && retryable(c) &&
		    !(what & BEV_EVENT_TIMEOUT)) {
			/* The pooled connection was dead: once more, fresh. */
			upstream_free(c->up);
			c->up = NULL;
			r->retried = true;
			conn_after_step(c, request_origin(c, true));
			return;
		}
		upstream_classify_broken(c->up, what, got, &f);
		upstream_free(c->up);
		c->up = NULL;
		conn_after_step(c, conn_respond_error(c, f.code, 0, f.sub, f.detail,
		    !r->body_done));
		return;
	}
	/* Mid-body: the head (and maybe part of the body) is queued or
	 * sent; response_failed decides which the viewer gets. */
	if (what & BEV_EVENT_TIMEOUT)
		response_failed(c, ES_ERR_READ_TIMEOUT, 0, NULL, "the origin sent "
		    "nothing within read_timeout in the middle of the response "
		    "body");
	else if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR))
		response_failed(c, ES_ERR_BAD_RESPONSE, 502, "truncated_body",
		    "the origin closed the connection before the end of the "
		    "body its framing announced (%lld body bytes came)",
		    (long long)r->bytes_out);
	else
		response_failed(c, ES_ERR_READ_ERROR, 0, NULL, "the origin "
		    "connection broke in the middle of the response body%s%s",
		    EVUTIL_SOCKET_ERROR() ? ": " : "",
		    EVUTIL_SOCKET_ERROR() ? strerror(EVUTIL_SOCKET_ERROR()) : "");
}
