/*
 * conn_h2_stream.c - an HTTP/2 stream of a viewer connection as one
 * request: its header fields become a struct http_request (":authority" as
 * Host, cookies joined, a body of unknown length sent chunked), which is
 * routed (conn_route) and answered by a built-in origin or forwarded by
 * conn_origin.c as an HTTP/1.1 request on its own pooled origin connection.
 * The answer comes back as a header list and DATA frames; error answers are
 * the persona's pages with their headers, made by persona.c exactly as for
 * HTTP/1.1 and turned into a header list; a response that breaks after its
 * head resets the stream. Each stream leaves one request record
 * (proto=h2) when it closes.
 */
#include "conn_private.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "persona.h"
#include "worker.h"

/* A decoded header list this many times its size on the wire (and over
 * the limit) is an HPACK bomb, not a large request. */
#define H2_BOMB_RATIO 16

/* A header list for nghttp2: lowercased names (HTTP/2 has no others)
 * and values, copied; without the fields HTTP/2 forbids (8.2.2). */
#define H2_HEAD_MAX (HTTP_MAX_HEADERS + 16)
struct h2_head {
	struct sbuf text;
	size_t n;
	uint32_t off[H2_HEAD_MAX][4];   /* name, its length, value, its length */
};

static void head_free(struct h2_head *hd);

/* Field i of a stream's request: 0 its name, 1 its value. */
static inline struct h2_str
field_at(const struct conn_stream *st, size_t i, int which)
{
	return ((const struct h2_str *)(const void *)st->fidx.s)[2 * i + which];
}

static struct http_str
hstr(const struct conn_stream *st, struct h2_str s)
{
	struct http_str r = { st->text.s ? st->text.s + s.off : "", s.len };

	return r;
}

struct conn_stream *
conn_h2_stream_new(struct conn_h2 *h, int32_t id)
{
	struct conn_stream *st = xcalloc(1, sizeof(*st));

	st->magic = CONN_STREAM_MAGIC;
	st->h2 = h;
	st->id = id;
	sbuf_init(&st->text);
	sbuf_init(&st->fidx);
	st->r = conn_req_begin(h->c);
	st->r->st = st;
	TAILQ_INSERT_TAIL(&h->streams, st, link);
	h->n_streams++;
	h->idle_since = 0;
	return st;
}

void
conn_h2_stream_end(struct conn_stream *st, uint32_t code)
{
	struct conn_h2 *h = st->h2;
	struct conn *c = h->c;
	struct conn_req *r = st->r;

	conn_req_drop_origin(r);        /* mid-response: not reusable */
	if (!st->started) {
		/* The request head never made it (nghttp2 found it malformed,
		 * or the viewer gave up on it). */
		if (r->code == ES_OK) {
			r->code = ES_ERR_BAD_REQUEST;
			snprintf(r->sub, sizeof(r->sub), "h2_stream");
			snprintf(r->detail, sizeof(r->detail), "the stream closed "
			    "(%s) before a complete, valid request head came",
			    nghttp2_http2_strerror(code));
		}
	} else if (!st->reset_sent && (code != NGHTTP2_NO_ERROR ||
	    !st->resp_eof || (st->resp && evbuffer_get_length(st->resp)))) {
		if (r->status == 0 || !st->resp_eof ||
		    (st->resp && evbuffer_get_length(st->resp)))
			snprintf(r->detail, sizeof(r->detail), "the viewer %s "
			    "before the response was complete",
			    code == NGHTTP2_CANCEL && h->refused ?
			    "was refused (see h2_refused)" :
			    code == NGHTTP2_CANCEL ? "closed the stream (CANCEL)" :
			    nghttp2_http2_strerror(code));
		if (r->status == 0)
			r->status = 499;
	}
	conn_log_request(c, r);
	h->unconsumed_closed += st->unconsumed + st->to_consume;
	if (st->body_in)
		evbuffer_free(st->body_in);
	if (st->fwd)
		evbuffer_free(st->fwd);
	if (st->resp)
		evbuffer_free(st->resp);
	if (st->head) {
		head_free(st->head);
	}
	sbuf_free(&st->text);
	sbuf_free(&st->fidx);
	conn_req_free(c->w, r);
	if (st->dirty)
		h->n_dirty--;
	TAILQ_REMOVE(&h->streams, st, link);
	if (--h->n_streams == 0)
		h->idle_since = clock_mono_ms();
	st->magic = 0;
	free(st);
}

/* --- the request head --- */

static void
keep(struct conn_stream *st, struct h2_str *s, const uint8_t *p, size_t n)
{
	s->off = (uint32_t)st->text.len;
	s->len = (uint32_t)n;
	sbuf_add(&st->text, (const char *)p, n);
	sbuf_addc(&st->text, '\0');
}

int
conn_h2_stream_field(struct conn_stream *st, const uint8_t *name, size_t nlen,
    const uint8_t *value, size_t vlen)
{
	const struct conf_global *g = conn_glob(st->h2->c);
	size_t max = (size_t)g->max_header_size;

	st->list_size += nlen + vlen + 32;
	if (st->list_size > max) {
		if (st->list_size > H2_BOMB_RATIO * (st->wire_size + 1))
			return -1;
		if (!st->too_many)
			st->h2->n.oversized++;
		st->too_many = true;    /* answered 431 */
	}
	if (st->too_many)
		return 0;
	if (nlen > 0 && name[0] == ':') {
		/* nghttp2 checked which may come, and that once. */
		struct h2_str *s = NULL;
		if (nlen == 7 && memcmp(name, ":method", 7) == 0)
			s = &st->method;
		else if (nlen == 5 && memcmp(name, ":path", 5) == 0)
			s = &st->path;
		else if (nlen == 10 && memcmp(name, ":authority", 10) == 0)
			s = &st->authority;
		else if (nlen == 7 && memcmp(name, ":scheme", 7) == 0)
			s = &st->scheme;
		if (s)
			keep(st, s, value, vlen);
		return 0;
	}
	if (st->n_fields >= H2_MAX_FIELDS) {
		st->too_many = true;    /* answered 431 */
		st->h2->n.oversized++;
		return 0;
	}
	struct h2_str f[2];
	keep(st, &f[0], name, nlen);
	keep(st, &f[1], value, vlen);
	sbuf_add(&st->fidx, (const char *)f, sizeof(f));
	st->n_fields++;
	if (nlen == 6 && memcmp(name, "cookie", 6) == 0)
		st->n_cookies++;
	else if (nlen == 4 && memcmp(name, "host", 4) == 0 && st->host.len == 0)
		st->host = f[1];
	else if (nlen == 14 && memcmp(name, "content-length", 14) == 0)
		st->cl = f[1];
	return 0;
}

/*
 * The stream's fields as an HTTP/1.1 request head (pointing into st->text,
 * valid until it grows): Host first (":authority", else the host field),
 * the fields as they came, cookies joined into one (RFC 9113 8.2.3), and
 * "transfer-encoding: chunked" for a body of unknown length.
 */
static void
build_request(struct conn_stream *st, struct http_request *req)
{
	static const char te_chunked[] = "transfer-encoding\0chunked";
	struct h2_str cookie = { 0, 0 };
	struct h2_str host = st->authority.len ? st->authority : st->host;

	if (st->n_cookies > 1) {
		size_t start = st->text.len, k = 0;
		for (size_t i = 0; i < st->n_fields; i++) {
			struct http_str n = hstr(st, field_at(st, i, 0));
			if (n.n != 6 || memcmp(n.p, "cookie", 6) != 0)
				continue;
			if (k++)
				sbuf_adds(&st->text, "; ");
			struct http_str v = hstr(st, field_at(st, i, 1));
			sbuf_add(&st->text, v.p, v.n);
		}
		cookie.off = (uint32_t)start;
		cookie.len = (uint32_t)(st->text.len - start);
		sbuf_addc(&st->text, '\0');
	}
	memset(req, 0, offsetof(struct http_request, headers));
	req->method = hstr(st, st->method);
	req->target = hstr(st, st->path);
	req->version_minor = 1;
	req->host = hstr(st, host);
	req->n_headers = 0;
	if (host.len) {
		req->headers[0].name = (struct http_str){ "host", 4 };
		req->headers[0].value = req->host;
		req->n_headers = 1;
	}
	bool cookie_done = false;
	for (size_t i = 0; i < st->n_fields &&
	    req->n_headers < HTTP_MAX_HEADERS - 1; i++) {
		struct http_str n = hstr(st, field_at(st, i, 0));
		if (n.n == 4 && memcmp(n.p, "host", 4) == 0)
			continue;
		struct http_header *h = &req->headers[req->n_headers];
		if (st->n_cookies > 1 && n.n == 6 && memcmp(n.p, "cookie", 6) == 0) {
			if (cookie_done)
				continue;
			cookie_done = true;
			h->name = n;
			h->value = hstr(st, cookie);
		} else {
			h->name = n;
			h->value = hstr(st, field_at(st, i, 1));
		}
		req->n_headers++;
	}
	req->content_length = -1;
	if (st->req_eof) {
		req->body = HTTP_BODY_NONE;
	} else if (st->cl.len) {
		req->body = HTTP_BODY_LENGTH;
		req->content_length = strtoll(hstr(st, st->cl).p, NULL, 10);
	} else {
		req->body = HTTP_BODY_CHUNKED;
		struct http_header *h = &req->headers[req->n_headers++];
		h->name = (struct http_str){ te_chunked, 17 };
		h->value = (struct http_str){ te_chunked + 18, 7 };
	}
	req->keep_alive = true;
	req->is_head = http_str_ieq(req->method, "HEAD");
}

static void builtin_answer(struct conn_stream *st);

void
conn_h2_stream_request(struct conn_stream *st, bool end_stream)
{
	struct conn *c = st->h2->c;
	struct conn_req *r = st->r;
	struct http_request *req = &c->w->scratch_req;

	st->started = true;
	st->req_eof = end_stream;
	build_request(st, req);
	http_str_copy(r->method, sizeof(r->method), req->method);
	http_str_copy(r->target, sizeof(r->target), req->target);
	http_str_copy(r->host_hdr, sizeof(r->host_hdr), req->host);
	r->version_minor = 1;
	r->keep_alive = true;
	r->is_head = req->is_head;
	r->body = req->body;
	r->body_left = req->content_length;
	r->body_done = req->body == HTTP_BODY_NONE;
	http_chunked_init(&r->chunked);
	st->chunked_out = req->body == HTTP_BODY_CHUNKED;

	if (st->too_many) {
		conn_h2_respond_error(r, ES_ERR_BAD_REQUEST, 431,
		    http_result_str(HTTP_ERR_HEAD_TOO_LARGE), "the request's "
		    "header list is larger than max_header_size or has more "
		    "than 100 fields");
		return;
	}
	if (req->target.n == 0) {
		/* CONNECT (the only request nghttp2 lets through without a
		 * :path): an edge is no proxy. */
		conn_h2_respond_error(r, ES_ERR_BAD_REQUEST, 405, "connect",
		    "CONNECT is not served by an edge");
		return;
	}
	if (conn_origin_via_hops(req) >= CONN_MAX_HOPS) {
		conn_h2_respond_error(r, ES_ERR_LOOP_DETECTED, 0, NULL,
		    "the request already passed through 10 proxies (Via); "
		    "a chain loops back on itself");
		return;
	}
	struct conn_refusal no;
	if (conn_route(c, r, req, &no) < 0) {
		conn_h2_respond_error(r, no.code, no.status, no.sub, no.detail);
		return;
	}
	if (r->origin->conf->type != ORIGIN_TYPE_PROXY) {
		st->builtin = true;
		conn_builtin_start(r, req);
		if (st->req_eof)
			builtin_answer(st);
		return;
	}
	st->fwd = evbuffer_new();
	r->fwd = st->fwd;
	conn_origin_build_head(r, req);
	if (conn_origin_start(r) == CONN_STEP_AGAIN)
		conn_h2_dirty(st);      /* an origin was ready: body, answer */
}

void
conn_h2_stream_data(struct conn_stream *st, const uint8_t *data, size_t len)
{
	struct conn_req *r = st->r;

	if (st->builtin || st->discard || st->answered) {
		/* Read and let go: counted for echo's body_bytes. */
		if (st->builtin && !st->discard)
			r->bytes_in += (int64_t)len;
		st->to_consume += len;
		conn_h2_dirty(st);
		return;
	}
	if (st->body_in == NULL)
		st->body_in = evbuffer_new();
	evbuffer_add(st->body_in, data, len);
	st->unconsumed += len;
	conn_h2_dirty(st);
}

void
conn_h2_stream_eof(struct conn_stream *st)
{
	if (st->req_eof)
		return;
	st->req_eof = true;
	if (st->builtin && !st->answered)
		builtin_answer(st);
	else
		conn_h2_dirty(st);
}

/* Body bytes taken from the viewer: its window opens again by as much. */
static void
consume(struct conn_stream *st, size_t n)
{
	if (n == 0)
		return;
	nghttp2_session_consume(st->h2->ng, st->id, n);
}

static void submit_head(struct conn_stream *st, struct h2_head *hd, bool final,
    bool has_body);

void
conn_h2_stream_service(struct conn_stream *st)
{
	struct conn_req *r = st->r;

	if (st->head) {
		/* The head goes now, once the loop pass that made it could
		 * still take it back (conn_h2_take_back). */
		struct h2_head *hd = st->head;
		st->head = NULL;
		submit_head(st, hd, true, st->head_body);
	}
	if (st->to_consume) {
		size_t n = st->to_consume;
		st->to_consume = 0;
		consume(st, n);
	}
	if (r->up && !r->body_done)
		conn_origin_request_body(r);
	if (r->up && !st->up_paused && evbuffer_get_length(
	    bufferevent_get_input(r->up->bev)) > 0)
		conn_origin_response(r);
}

/* --- conn_origin.c's viewer side --- */

enum conn_step
conn_h2_request_body(struct conn_req *r)
{
	struct conn_stream *st = r->st;
	struct evbuffer *out = bufferevent_get_output(r->up->bev);
	size_t moved = 0, n;

	while (st->body_in && (n = evbuffer_get_length(st->body_in)) > 0 &&
	    evbuffer_get_length(out) < CONN_HIGH_WATER) {
		if (st->chunked_out) {
			evbuffer_add_printf(out, "%zx\r\n", n);
			evbuffer_remove_buffer(st->body_in, out, n);
			evbuffer_add(out, "\r\n", 2);
		} else {
			/* nghttp2 holds DATA to content-length. */
			if ((int64_t)n > r->body_left)
				n = (size_t)r->body_left;
			evbuffer_remove_buffer(st->body_in, out, n);
			r->body_left -= (int64_t)n;
			if (n == 0) {
				evbuffer_drain(st->body_in, evbuffer_get_length(
				    st->body_in));
				break;
			}
		}
		r->bytes_in += (int64_t)n;
		moved += n;
	}
	if (moved) {
		st->unconsumed -= moved;
		consume(st, moved);
		conn_flush_soon(r->up->bev);
	}
	if (st->req_eof && !r->body_done &&
	    (st->body_in == NULL || evbuffer_get_length(st->body_in) == 0)) {
		if (st->chunked_out)
			evbuffer_add(out, "0\r\n\r\n", 5);
		conn_origin_body_sent(r);
		conn_flush_soon(r->up->bev);
	}
	return CONN_STEP_WAIT;
}

/* --- responses --- */

static void
head_add(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	static const char *const forbidden[] = { "connection", "keep-alive",
	    "proxy-connection", "transfer-encoding", "upgrade" };
	struct h2_head *hd = arg;

	for (size_t i = 0; i < ES_ARRAY_LEN(forbidden); i++)
		if (strlen(forbidden[i]) == nlen &&
		    strncasecmp(forbidden[i], name, nlen) == 0)
			return;
	if (hd->n >= H2_HEAD_MAX)
		return;
	uint32_t *o = hd->off[hd->n++];
	o[0] = (uint32_t)hd->text.len;
	o[1] = (uint32_t)nlen;
	for (size_t i = 0; i < nlen; i++) {
		char ch = name[i];
		sbuf_addc(&hd->text, ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	o[2] = (uint32_t)hd->text.len;
	o[3] = (uint32_t)vlen;
	sbuf_add(&hd->text, value, vlen);
}

static struct h2_head *
head_new(int status)
{
	struct h2_head *hd = xmalloc(sizeof(*hd));
	char s[8];

	sbuf_init(&hd->text);
	hd->n = 0;
	s[0] = (char)('0' + status / 100 % 10);
	s[1] = (char)('0' + status / 10 % 10);
	s[2] = (char)('0' + status % 10);
	head_add(hd, ":status", 7, s, 3);
	return hd;
}

static void
head_free(struct h2_head *hd)
{
	sbuf_free(&hd->text);
	free(hd);
}

/* The response body for the viewer's window: what has come so far, then
 * the end; DEFERRED until more comes (conn_h2_response_data resumes). */
static ssize_t
data_read(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length,
    uint32_t *flags, nghttp2_data_source *source, void *arg)
{
	struct conn_stream *st = source->ptr;
	size_t have = st->resp ? evbuffer_get_length(st->resp) : 0;
	size_t n = have < length ? have : length;

	(void)ng;
	(void)id;
	(void)arg;
	if (n) {
		evbuffer_remove(st->resp, buf, n);
		st->stall_since = 0;
	}
	if (n == have) {
		if (st->resp_eof) {
			*flags |= NGHTTP2_DATA_FLAG_EOF;
			return (ssize_t)n;
		}
		if (n == 0) {
			st->deferred = true;
			return NGHTTP2_ERR_DEFERRED;
		}
	}
	if (st->up_paused && have - n <= H2_STREAM_BUF / 2 && st->r->up) {
		/* The viewer caught up: read the origin again, and relay what
		 * its connection holds already (from the service). */
		st->up_paused = false;
		bufferevent_enable(st->r->up->bev, EV_READ);
		conn_h2_dirty(st);
	}
	return (ssize_t)n;
}

/* Give the head to nghttp2 (which copies it), and free it. */
static void
submit_head(struct conn_stream *st, struct h2_head *hd, bool final,
    bool has_body)
{
	nghttp2_data_provider prd;
	nghttp2_nv nv[H2_HEAD_MAX];

	for (size_t i = 0; i < hd->n; i++) {
		nv[i].name = (uint8_t *)hd->text.s + hd->off[i][0];
		nv[i].namelen = hd->off[i][1];
		nv[i].value = (uint8_t *)hd->text.s + hd->off[i][2];
		nv[i].valuelen = hd->off[i][3];
		nv[i].flags = NGHTTP2_NV_FLAG_NONE;
	}
	prd.source.ptr = st;
	prd.read_callback = data_read;
	if (!final)
		nghttp2_submit_headers(st->h2->ng, NGHTTP2_FLAG_NONE, st->id,
		    NULL, nv, hd->n, NULL);
	else
		nghttp2_submit_response(st->h2->ng, st->id, nv, hd->n,
		    has_body ? &prd : NULL);
	head_free(hd);
	if (final) {
		st->answered = true;
		st->r->resp_started = true;
		if (!has_body)
			st->resp_eof = true;
	}
}

void
conn_h2_response_head(struct conn_req *r, const struct http_response *res,
    bool final)
{
	struct conn_stream *st = r->st;
	struct h2_head *hd = head_new(res->status);
	bool body = final && !r->is_head && res->body != HTTP_BODY_NONE &&
	    !(res->body == HTTP_BODY_LENGTH && res->content_length == 0);

	conn_origin_response_fields(r, res, head_add, hd);
	if (body && st->resp == NULL)
		st->resp = evbuffer_new();
	if (!final) {
		submit_head(st, hd, false, false);
		return;
	}
	/* Kept until the service: if the body breaks before then, nothing
	 * of this response has left, and a 502 page takes its place, as for
	 * HTTP/1.1. */
	st->head = hd;
	st->head_body = body;
	st->answered = true;
	r->resp_started = true;
	conn_h2_dirty(st);
}

bool
conn_h2_head_pending(struct conn_req *r)
{
	return r->st->head != NULL;
}

bool
conn_h2_take_back(struct conn_req *r)
{
	struct conn_stream *st = r->st;

	if (st->head == NULL)
		return false;
	head_free(st->head);
	st->head = NULL;
	st->answered = false;
	st->resp_eof = false;
	if (st->resp)
		evbuffer_drain(st->resp, evbuffer_get_length(st->resp));
	r->resp_head_done = false;
	r->bytes_out = 0;
	return true;
}

struct evbuffer *
conn_h2_body_buffer(struct conn_req *r)
{
	struct conn_stream *st = r->st;

	if (st->resp == NULL)
		st->resp = evbuffer_new();
	return st->resp;
}

void
conn_h2_response_data(struct conn_req *r)
{
	struct conn_stream *st = r->st;
	size_t have = st->resp ? evbuffer_get_length(st->resp) : 0;

	if (st->deferred && have > 0) {
		st->deferred = false;
		nghttp2_session_resume_data(st->h2->ng, st->id);
	}
	/* The viewer's window holds the rest back: stop reading the origin
	 * rather than hold the whole body (resumed in data_read). */
	if (have >= H2_STREAM_BUF && r->up && !st->up_paused) {
		st->up_paused = true;
		bufferevent_disable(r->up->bev, EV_READ);
	}
}

enum conn_step
conn_h2_response_end(struct conn_req *r, bool reusable)
{
	struct conn_stream *st = r->st;

	st->resp_eof = true;
	if (st->deferred) {
		st->deferred = false;
		nghttp2_session_resume_data(st->h2->ng, st->id);
	}
	if (r->up) {
		upstream_release(r->up, reusable);
		r->up = NULL;
	}
	st->up_paused = false;
	return CONN_STEP_WAIT;
}

void
conn_h2_reset_stream(struct conn_req *r)
{
	struct conn_stream *st = r->st;

	if (st->reset_sent)
		return;
	st->reset_sent = true;
	nghttp2_submit_rst_stream(st->h2->ng, NGHTTP2_FLAG_NONE, st->id,
	    NGHTTP2_INTERNAL_ERROR);
	conn_h2_schedule(st->h2);
}

/* The rest of the request body is not wanted: let it go as it comes. */
static void
discard_body(struct conn_stream *st)
{
	st->discard = true;
	if (st->body_in) {
		size_t n = evbuffer_get_length(st->body_in);
		evbuffer_drain(st->body_in, n);
		st->unconsumed -= n;
		st->to_consume += n;
		conn_h2_dirty(st);
	}
}

/*
 * The persona's error page, made by persona.c as for HTTP/1.1 (the same
 * status, headers, X-Edgesim-Error and -Ref, and page), read back into a
 * header list and a body.
 */
enum conn_step
conn_h2_respond_error(struct conn_req *r, enum es_code code, int status,
    const char *sub, const char *detail)
{
	struct conn_stream *st = r->st;
	struct http_response *res = xcalloc(1, sizeof(*res));
	struct sbuf out;
	size_t head_len = 0;

	conn_req_drop_origin(r);
	conn_req_set_error(r, code, status, sub, detail);
	discard_body(st);
	if (st->answered && !conn_h2_take_back(r)) {
		/* A head went already: the stream can only be reset. */
		conn_h2_reset_stream(r);
		free(res);
		return CONN_STEP_WAIT;
	}
	sbuf_init(&out);
	conn_error_page(r, status, false, &out);
	if (http_parse_response(out.s, out.len, out.len, r->is_head, res,
	    &head_len) == HTTP_OK) {
		struct h2_head *hd = head_new(res->status);
		for (size_t i = 0; i < res->n_headers; i++)
			head_add(hd, res->headers[i].name.p,
			    res->headers[i].name.n, res->headers[i].value.p,
			    res->headers[i].value.n);
		size_t body = r->is_head ? 0 : out.len - head_len;
		if (body) {
			if (st->resp == NULL)
				st->resp = evbuffer_new();
			evbuffer_add(st->resp, out.s + head_len, body);
		}
		st->resp_eof = true;
		r->bytes_out = (int64_t)body;
		submit_head(st, hd, true, body > 0);
	} else {
		conn_h2_reset_stream(r);        /* cannot happen */
	}
	sbuf_free(&out);
	free(res);
	conn_h2_schedule(st->h2);
	return CONN_STEP_WAIT;
}

void
conn_h2_after(struct conn_req *r, enum conn_step s)
{
	struct conn_stream *st = r->st;

	if (s == CONN_STEP_AGAIN)
		conn_h2_dirty(st);
	conn_h2_schedule(st->h2);
	if (r->up)
		conn_kick_read(r->up->bev);
}

/* --- built-in origins --- */

static void
builtin_answer(struct conn_stream *st)
{
	struct conn_req *r = st->r;
	struct h2_head *hd;
	char date[40], len[24];

	int64_t delay = r->origin->conf->delay_ms;
	if (delay > 0 && !r->builtin_delayed) {
		/* A slow origin: the answer comes when the timer fires. */
		r->builtin_delayed = true;
		st->deadline_ms = clock_mono_ms() + delay;
		return;
	}
	if (r->builtin_echo)
		echo_finish(&r->echo, r->bytes_in, &r->builtin);
	r->status = r->builtin.status;
	hd = head_new(r->status);
	head_add(hd, "server", 6, "edgesim", 7);
	persona_http_date(date);
	head_add(hd, "date", 4, date, strlen(date));
	snprintf(len, sizeof(len), "%lld", (long long)r->builtin.body_len);
	head_add(hd, "content-length", 14, len, strlen(len));
	/* The origin's "Name: value\r\n" lines. */
	const char *p = r->builtin.headers.s, *end = p + r->builtin.headers.len;
	while (p && p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (eol == NULL || colon == NULL || colon > eol)
			break;
		const char *v = colon + 1;
		while (v < eol && *v == ' ')
			v++;
		head_add(hd, p, (size_t)(colon - p), v, (size_t)(eol - v));
		p = eol + 2;
	}
	conn_persona_fields(r, head_add, hd);
	bool body = !r->is_head && r->builtin.body_len > 0;
	if (body) {
		if (st->resp == NULL)
			st->resp = evbuffer_new();
		r->bytes_out = (int64_t)evbuffer_get_length(r->builtin.body);
		evbuffer_add_buffer(st->resp, r->builtin.body);
	}
	st->resp_eof = true;
	submit_head(st, hd, true, body);
	conn_h2_schedule(st->h2);
}

void
conn_h2_stream_timeout(struct conn_stream *st, int64_t now)
{
	struct conn_h2 *h = st->h2;
	const struct conf_global *g = conn_glob(h->c);

	if (st->deadline_ms && now >= st->deadline_ms) {
		st->deadline_ms = 0;
		if (st->req_eof && !st->answered)
			builtin_answer(st);
	}
	/* Response data waits and the viewer's window stays shut. */
	if (st->resp && evbuffer_get_length(st->resp) > 0 &&
	    (nghttp2_session_get_stream_remote_window_size(h->ng, st->id) <= 0 ||
	    nghttp2_session_get_remote_window_size(h->ng) <= 0)) {
		if (st->stall_since == 0)
			st->stall_since = now;
		else if (now - st->stall_since >= g->http2_stall_timeout_ms)
			conn_h2_refuse(h, NGHTTP2_ENHANCE_YOUR_CALM, "zero_window: "
			    "response data waited longer than "
			    "http2_stall_timeout for a flow-control window "
			    "the viewer kept shut");
	} else {
		st->stall_since = 0;
	}
}
