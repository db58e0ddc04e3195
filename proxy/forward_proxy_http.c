/*
 * forward_proxy_http.c - an absolute-URI request through the forward proxy
 * ("GET http://name/x"), relayed as a request and not as a byte pipe: the
 * head goes out in origin form with Host = the authority that was checked,
 * the body with its own framing (one canonical Content-Length, or chunked
 * scanned to its end), then the response head is parsed and its body
 * relayed by its framing. So the proxy always knows where the request ends:
 * what the client sends after it is the next request, whose head goes back
 * through forward_proxy.c's read_head and its checks. A new destination
 * connection per request (Connection: close to it); the client's
 * connection goes on when both sides' framing allows.
 *
 * Time limits: the destination must answer within read_timeout once the
 * request is sent, and keep no longer silent mid-response; nothing moving
 * either way for idle_timeout ends it (forward_proxy.c's timer).
 */
#include "forward_proxy_private.h"

#include <stdio.h>
#include <string.h>

#include "relay.h"
#include "worker.h"

static void http_pump(struct fpconn *f);

void
fp_http_prepare(struct fpconn *f, const struct http_request *req,
    const struct authority *a)
{
	bool cl_sent = false;

	if (f->head == NULL)
		f->head = evbuffer_new();
	evbuffer_drain(f->head, evbuffer_get_length(f->head));
	evbuffer_add(f->head, req->method.p, req->method.n);
	evbuffer_add_printf(f->head, " %.*s%.*s HTTP/1.1\r\nHost: %.*s\r\n",
	    (int)a->path.n, a->path.p, (int)a->query.n, a->query.p,
	    (int)a->value.n, a->value.p);
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct http_header *h = &req->headers[i];
		if (http_header_is_hop_by_hop(req->headers, req->n_headers, i) ||
		    http_str_ieq(h->name, "host"))
			continue;
		/* One Content-Length, the value the parser read (as the
		 * edges send it). */
		if (http_str_ieq(h->name, "content-length")) {
			if (!cl_sent && req->body == HTTP_BODY_LENGTH)
				evbuffer_add_printf(f->head, "Content-Length: "
				    "%lld\r\n", (long long)req->content_length);
			cl_sent = true;
			continue;
		}
		evbuffer_add(f->head, h->name.p, h->name.n);
		evbuffer_add(f->head, ": ", 2);
		evbuffer_add(f->head, h->value.p, h->value.n);
		evbuffer_add(f->head, "\r\n", 2);
	}
	evbuffer_add_printf(f->head, "Via: 1.1 edgesim\r\n"
	    "Connection: close\r\n\r\n");

	f->keep_alive = req->keep_alive;
	f->is_head = req->is_head;
	f->body = req->body;
	f->body_left = req->content_length;
	f->body_done = req->body == HTTP_BODY_NONE;
	http_chunked_init(&f->chunked);
	f->resp_head_done = false;
	relay_head_free(&f->resp_head_in);      /* a failed one's rest */
	f->resp_keep_alive = false;
	f->n_interim = 0;
}

/* The destination failed this request: an answer while nothing of the
 * response left, else the client's connection ends (it cannot be told
 * "incomplete" any other way in HTTP/1.1). */
static void
http_failed(struct fpconn *f, int status, enum es_code code, const char *what)
{
	if (!f->resp_head_done) {
		fp_error(f, status, code, "%s (%s)", what, f->dest);
		return;
	}
	f->code = code;
	forward_proxy_close(f, what);
}

static void
response_head(struct fpconn *f, const struct http_response *res,
    struct evbuffer *out)
{
	evbuffer_add_printf(out, "HTTP/1.1 %d %.*s\r\n", res->status,
	    (int)res->reason.n, res->reason.p);
	for (size_t i = 0; i < res->n_headers; i++) {
		const struct http_header *h = &res->headers[i];
		if (!http_response_field_relayed(res, i))
			continue;
		evbuffer_add(out, h->name.p, h->name.n);
		evbuffer_add(out, ": ", 2);
		evbuffer_add(out, h->value.p, h->value.n);
		evbuffer_add(out, "\r\n", 2);
	}
	evbuffer_add_printf(out, "Via: 1.1 edgesim\r\n");
	if (res->status >= 200)
		evbuffer_add_printf(out, "Connection: %s\r\n",
		    f->resp_keep_alive ? "keep-alive" : "close");
	evbuffer_add(out, "\r\n", 2);
}

/* Parse the response head (1xx passed on). 1: the body may follow; 0:
 * wait; -1: f was answered or closed. */
static int
read_response_head(struct fpconn *f)
{
	struct evbuffer *in = bufferevent_get_input(f->up);
	struct evbuffer *out = bufferevent_get_output(f->bev);
	size_t max = (size_t)f->rt->cfg->global.max_header_size;
	struct http_response *res = &f->w->scratch_res;

	while (!f->resp_head_done) {
		const char *buf;
		size_t n, head_len = 0;
		/* Collected and scanned once as it trickles in (relay.h). */
		if (!relay_head_take(&f->resp_head_in, in, max, &buf, &n))
			return 0;
		enum http_result pr = http_parse_response(buf, n, max,
		    f->is_head, res, &head_len);
		if (pr == HTTP_INCOMPLETE) {
			relay_head_incomplete(&f->resp_head_in, in, n);
			return 0;
		}
		if (pr != HTTP_OK || res->status == 101 ||
		    (res->status < 200 && ++f->n_interim > FP_MAX_INTERIM)) {
			http_failed(f, 502, ES_ERR_BAD_RESPONSE, pr != HTTP_OK ?
			    http_result_str(pr) : res->status == 101 ?
			    "the destination switched protocols (101)" :
			    "too many interim (1xx) responses");
			return -1;
		}
		if (res->status < 200) {
			response_head(f, res, out);
			relay_head_done(&f->resp_head_in, in, head_len);
			continue;
		}
		f->status = res->status;
		f->resp_body = res->body;
		f->resp_left = res->content_length;
		http_chunked_init(&f->resp_chunked);
		/* The connection goes on only when both messages end by their
		 * framing, the request's whole body went, and we are not
		 * stopping. */
		f->resp_keep_alive = f->keep_alive && f->body_done &&
		    res->body != HTTP_BODY_UNTIL_CLOSE && !f->w->draining;
		response_head(f, res, out);
		relay_head_done(&f->resp_head_in, in, head_len);
		f->resp_head_done = true;
	}
	return 1;
}

/* The request went whole: the destination's answer is due within
 * [forward_proxy] read_timeout. */
static void
arm_read_timeout(struct fpconn *f)
{
	struct timeval tv;

	tv_from_ms(&tv, f->rt->cfg->fproxy.read_timeout_ms);
	bufferevent_set_timeouts(f->up, &tv, NULL);
}

static void
http_pump(struct fpconn *f)
{
	struct evbuffer *cin = bufferevent_get_input(f->bev);
	struct evbuffer *cout = bufferevent_get_output(f->bev);

	if (f->state != FP_REQUEST || f->up == NULL)
		return;
	/* The request body, client -> destination. */
	if (!f->body_done) {
		struct evbuffer *uout = bufferevent_get_output(f->up);
		int rc = relay_framed(cin, uout, f->body, &f->body_left,
		    &f->chunked, &f->bytes_up);
		if (rc < 0) {
			f->keep_alive = false;
			http_failed(f, 400, ES_ERR_BAD_REQUEST,
			    "malformed chunked request body");
			return;
		}
		if (rc == 1) {
			f->body_done = true;
			arm_read_timeout(f);
		} else if (evbuffer_get_length(uout) >= RELAY_HIGH_WATER) {
			bufferevent_disable(f->bev, EV_READ);
		}
	}
	/* The response, destination -> client. */
	int r = read_response_head(f);
	if (r <= 0)
		return;
	struct evbuffer *uin = bufferevent_get_input(f->up);
	int rc = relay_framed(uin, cout, f->resp_body, &f->resp_left,
	    &f->resp_chunked, &f->bytes_down);
	if (rc < 0) {
		http_failed(f, 502, ES_ERR_BAD_RESPONSE,
		    "malformed chunked response body");
		return;
	}
	if (rc == 1) {
		fp_request_done(f, f->resp_keep_alive);
		return;
	}
	if (evbuffer_get_length(cout) >= RELAY_HIGH_WATER)
		bufferevent_disable(f->up, EV_READ);
}

static void
http_up_read(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	fp_touch(f);
	http_pump(f);
}

static void
http_up_write(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	fp_touch(f);
	if (!f->body_done)
		bufferevent_enable(f->bev, EV_READ);
}

static void
http_up_event(struct bufferevent *bev, short what, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	if ((what & BEV_EVENT_EOF) && f->resp_head_done &&
	    f->resp_body == HTTP_BODY_UNTIL_CLOSE) {
		/* The body ran until close, as announced. */
		relay_framed(bufferevent_get_input(f->up),
		    bufferevent_get_output(f->bev), HTTP_BODY_UNTIL_CLOSE,
		    &f->resp_left, &f->resp_chunked, &f->bytes_down);
		fp_request_done(f, false);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		http_failed(f, 504, ES_ERR_READ_TIMEOUT, "the destination sent "
		    "nothing within [forward_proxy] read_timeout");
	else if ((what & BEV_EVENT_EOF) && !f->resp_head_done)
		http_failed(f, 502, ES_ERR_ZERO_SIZE_OBJECT, "the destination "
		    "closed the connection without a response");
	else if (what & BEV_EVENT_EOF)
		http_failed(f, 502, ES_ERR_BAD_RESPONSE, "the destination "
		    "closed the connection in the middle of the response");
	else
		http_failed(f, 502, ES_ERR_READ_ERROR, "the connection to the "
		    "destination broke");
}

void
fp_http_start(struct fpconn *f)
{
	f->state = FP_REQUEST;
	bufferevent_setcb(f->up, http_up_read, http_up_write, http_up_event, f);
	/* Reading stops at a relay's worth until the client takes it. */
	bufferevent_setwatermark(f->up, EV_READ, 0, RELAY_HIGH_WATER);
	evbuffer_add_buffer(bufferevent_get_output(f->up), f->head);
	bufferevent_enable(f->up, EV_READ | EV_WRITE);
	if (!f->body_done)
		bufferevent_enable(f->bev, EV_READ);
	if (f->body_done)
		arm_read_timeout(f);
	/* The timer now watches idleness: a client that stops sending its
	 * body, or stops reading the response, is not waited for forever. */
	fp_watch_idle(f);
	http_pump(f);
}

void
fp_http_client_read(struct fpconn *f)
{
	fp_touch(f);
	if (!f->body_done)
		http_pump(f);
	/* Else: the next request, pipelined; it waits in the input until
	 * this one is over (fp_request_done). */
}

void
fp_http_client_write(struct fpconn *f)
{
	fp_touch(f);
	if (f->up && f->resp_head_done)
		bufferevent_enable(f->up, EV_READ);
	http_pump(f);
}
