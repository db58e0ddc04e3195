/*
 * conn_h2.c - the HTTP/2 session of a viewer connection: an nghttp2 server
 * session fed from, and writing into, the connection's TLS bufferevent (on
 * the worker's loop: no second one), the limits that refuse abuse, GOAWAY
 * on stop and reload, and the connection's timers. What a stream does with
 * its request is conn_h2_stream.c's.
 *
 * Frames out: nghttp2_session_send writes into the bufferevent's output up
 * to H2_OUT_HIGH; past that the viewer is not reading, and the rest waits in
 * nghttp2 until the output drains to H2_OUT_LOW (the write callback). Work
 * of the streams (relaying bodies, telling nghttp2 what was consumed) is
 * done here, in conn_h2_service, never inside nghttp2's callbacks; the
 * origins' callbacks ask for it through service_ev, which runs once the
 * loop's events at hand are handled, so the answers of several origins
 * leave in one write.
 *
 * Flow control is tied to the origins' pace both ways: a request body is
 * consumed (WINDOW_UPDATE) only as its origin takes it, and a response body
 * leaves only as the viewer's window allows, its origin unread meanwhile.
 *
 * Abuse (RFC 9113 section 10.5) is counted per connection over windows of
 * H2_RATE_WINDOW_MS: past a limit (http2_max_* in [edgesim]) the connection
 * gets GOAWAY ENHANCE_YOUR_CALM, one "h2_refused" log record with every
 * counter, and is closed once the GOAWAY is written; what nghttp2 refuses
 * itself (protocol errors, floods of answers a viewer does not read, an
 * HPACK table it may not use) is logged and closed the same way. Other
 * connections see nothing of it.
 */
#include "conn_private.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

static void service_cb(evutil_socket_t fd, short what, void *arg);
static void conn_h2_service(struct conn_h2 *h);

/* --- limits --- */

/* Count one event against a per-window limit; true when it is over. */
static bool
rate_over(struct conn_h2 *h, uint32_t *counter, int64_t limit)
{
	int64_t now = clock_mono_ms();

	if (now - h->win_start >= H2_RATE_WINDOW_MS) {
		h->win_start = now;
		h->win_resets = 0;
		h->win_control = 0;
	}
	return (int64_t)++*counter > limit;
}

/* The one record of a refused connection, with everything counted. */
static void
log_refused(struct conn_h2 *h)
{
	struct conn *c = h->c;
	struct log_rec rec;

	log_begin(&rec, "h2_refused");
	log_str(&rec, "edge", c->edge->conf->sec.name);
	log_str(&rec, "client", c->peer);
	log_str(&rec, "sni", conn_sni(c) ? conn_sni(c) : "-");
	log_str(&rec, "goaway", nghttp2_http2_strerror(h->refuse_code));
	log_str(&rec, "reason", h->refuse_reason);
	log_int(&rec, "streams", (int64_t)h->n.streams);
	log_int(&rec, "open_streams", (int64_t)h->n_streams);
	log_int(&rec, "resets_in", (int64_t)h->n.resets_in);
	log_int(&rec, "settings_in", (int64_t)h->n.settings_in);
	log_int(&rec, "pings_in", (int64_t)h->n.pings_in);
	log_int(&rec, "continuations", (int64_t)h->n.continuations);
	log_int(&rec, "oversized_headers", (int64_t)h->n.oversized);
	log_int(&rec, "refused_streams", (int64_t)h->n.refused);
	log_int(&rec, "ms", clock_mono_ms() - c->t_accept);
	log_end(&rec);
}

void
conn_h2_refuse(struct conn_h2 *h, uint32_t code, const char *reason)
{
	if (h->refused)
		return;
	h->refused = true;
	h->refuse_code = code;
	snprintf(h->refuse_reason, sizeof(h->refuse_reason), "%s", reason);
	/* Not nghttp2_session_terminate_session: this way the reason travels
	 * as GOAWAY's debug data. Nothing more is read (conn_h2_read), and
	 * the connection closes once the GOAWAY is out. */
	nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
	    nghttp2_session_get_last_proc_stream_id(h->ng), code,
	    (const uint8_t *)reason, strlen(reason));
	log_refused(h);
	conn_h2_schedule(h);
}

/* --- nghttp2's callbacks --- */

static ssize_t
send_cb(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
    void *arg)
{
	struct conn_h2 *h = arg;
	struct evbuffer *out = bufferevent_get_output(h->c->bev);

	(void)ng;
	(void)flags;
	if (evbuffer_get_length(out) >= H2_OUT_HIGH)
		return NGHTTP2_ERR_WOULDBLOCK;
	evbuffer_add(out, data, len);
	return (ssize_t)len;
}

static struct conn_stream *
stream_of(struct conn_h2 *h, int32_t id)
{
	struct conn_stream *st = nghttp2_session_get_stream_user_data(h->ng, id);

	return st && st->magic == CONN_STREAM_MAGIC ? st : NULL;
}

/* Every frame header, CONTINUATION included: what abuse is counted on. */
static int
begin_frame_cb(nghttp2_session *ng, const nghttp2_frame_hd *hd, void *arg)
{
	struct conn_h2 *h = arg;
	const struct conf_global *g = conn_glob(h->c);
	struct conn_stream *st;

	(void)ng;
	switch (hd->type) {
	case NGHTTP2_RST_STREAM:
		h->n.resets_in++;
		if (rate_over(h, &h->win_resets, g->http2_max_resets))
			conn_h2_refuse(h, NGHTTP2_ENHANCE_YOUR_CALM,
			    "rapid_reset: more than http2_max_resets RST_STREAM "
			    "frames in 10 s");
		break;
	case NGHTTP2_SETTINGS:
	case NGHTTP2_PING:
		if (hd->flags & NGHTTP2_FLAG_ACK)
			break;
		if (hd->type == NGHTTP2_SETTINGS)
			h->n.settings_in++;
		else
			h->n.pings_in++;
		if (rate_over(h, &h->win_control, g->http2_max_control))
			conn_h2_refuse(h, NGHTTP2_ENHANCE_YOUR_CALM,
			    hd->type == NGHTTP2_PING ? "ping_flood: more than "
			    "http2_max_control SETTINGS and PING frames in 10 s" :
			    "settings_flood: more than http2_max_control "
			    "SETTINGS and PING frames in 10 s");
		break;
	case NGHTTP2_CONTINUATION:
		h->n.continuations++;
		if ((st = stream_of(h, hd->stream_id)) != NULL)
			st->wire_size += hd->length;
		break;
	default:
		break;
	}
	return 0;
}

static int
begin_headers_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct conn_h2 *h = arg;
	struct conn_stream *st;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	st = conn_h2_stream_new(h, frame->hd.stream_id);
	st->wire_size = frame->hd.length;
	h->n.streams++;
	nghttp2_session_set_stream_user_data(ng, frame->hd.stream_id, st);
	return 0;
}

static int
header_cb(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
    size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
	struct conn_h2 *h = arg;
	struct conn_stream *st;

	(void)ng;
	(void)flags;
	if (h->refused || frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST ||
	    (st = stream_of(h, frame->hd.stream_id)) == NULL)
		return 0;       /* trailers: not forwarded */
	if (conn_h2_stream_field(st, name, nlen, value, vlen) < 0)
		conn_h2_refuse(h, NGHTTP2_ENHANCE_YOUR_CALM, "hpack_bomb: a "
		    "header list that decodes to more than max_header_size "
		    "and 16 times its size on the wire");
	return 0;
}

static int
frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct conn_h2 *h = arg;
	struct conn_stream *st;
	bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;

	(void)ng;
	if (h->refused)
		return 0;
	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
		if ((st = stream_of(h, frame->hd.stream_id)) == NULL)
			break;
		if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
			conn_h2_stream_request(st, end);
		else if (end)
			conn_h2_stream_eof(st);
		break;
	case NGHTTP2_DATA:
		if (end && (st = stream_of(h, frame->hd.stream_id)) != NULL)
			conn_h2_stream_eof(st);
		break;
	default:
		break;
	}
	return 0;
}

static int
data_chunk_cb(nghttp2_session *ng, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *arg)
{
	struct conn_h2 *h = arg;
	struct conn_stream *st = stream_of(h, id);

	(void)ng;
	(void)flags;
	if (st)
		conn_h2_stream_data(st, data, len);
	else
		h->unconsumed_closed += len;
	return 0;
}

static int
stream_close_cb(nghttp2_session *ng, int32_t id, uint32_t code, void *arg)
{
	struct conn_h2 *h = arg;
	struct conn_stream *st = stream_of(h, id);

	if (st) {
		nghttp2_session_set_stream_user_data(ng, id, NULL);
		conn_h2_stream_end(st, code);
	}
	return 0;
}

static int
frame_send_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct conn_h2 *h = arg;
	struct conn_stream *st;

	switch (frame->hd.type) {
	case NGHTTP2_GOAWAY:
		/* nghttp2 refused the viewer itself (a protocol error, an
		 * HPACK table it may not use, too many settings, ...). */
		if (frame->goaway.error_code != NGHTTP2_NO_ERROR && !h->refused) {
			char why[160];
			snprintf(why, sizeof(why), "protocol: %.*s",
			    (int)(frame->goaway.opaque_data_len < 120 ?
			    frame->goaway.opaque_data_len : 120),
			    frame->goaway.opaque_data ?
			    (const char *)frame->goaway.opaque_data : "");
			h->refused = true;      /* sent already: logged here */
			h->refuse_code = frame->goaway.error_code;
			snprintf(h->refuse_reason, sizeof(h->refuse_reason),
			    "%s", frame->goaway.opaque_data_len ? why :
			    "protocol: the viewer broke HTTP/2's rules");
			log_refused(h);
		}
		break;
	case NGHTTP2_RST_STREAM:
		if (frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM)
			h->n.refused++;
		break;
	case NGHTTP2_DATA:
	case NGHTTP2_HEADERS:
		/* A complete answer to a request whose body has not all come
		 * (an error page, say): the viewer may stop sending it
		 * (RFC 9113 section 8.1). */
		if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
		    (st = stream_of(h, frame->hd.stream_id)) != NULL &&
		    !st->req_eof && !st->reset_sent) {
			st->reset_sent = true;
			nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE,
			    frame->hd.stream_id, NGHTTP2_NO_ERROR);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* --- the session --- */

void
conn_h2_start(struct conn *c)
{
	const struct conf_global *g = conn_glob(c);
	struct conn_h2 *h = xcalloc(1, sizeof(*h));
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;

	h->magic = CONN_H2_MAGIC;
	h->c = c;
	TAILQ_INIT(&h->streams);
	h->win_start = clock_mono_ms();
	h->idle_since = h->win_start;
	c->h2 = h;
	c->state = CONN_H2;

	if (nghttp2_session_callbacks_new(&cb) != 0 ||
	    nghttp2_option_new(&opt) != 0)
		abort();
	nghttp2_session_callbacks_set_send_callback(cb, send_cb);
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb, begin_frame_cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
	    begin_headers_cb);
	nghttp2_session_callbacks_set_on_header_callback(cb, header_cb);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, frame_recv_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    data_chunk_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    stream_close_cb);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, frame_send_cb);
	/* Request bodies are consumed as their origins take them. */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	nghttp2_option_set_max_continuations(opt,
	    (size_t)g->http2_max_continuations);
	/* nghttp2's own reset limit answers INTERNAL_ERROR: ours comes
	 * first (ENHANCE_YOUR_CALM, logged); its own stays as a backstop. */
	nghttp2_option_set_stream_reset_rate_limit(opt,
	    (uint64_t)g->http2_max_resets * 2 + 1000, 1000);
	if (nghttp2_session_server_new2(&h->ng, cb, h, opt) != 0)
		abort();
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cb);

	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
		  (uint32_t)g->http2_max_streams },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
		  (uint32_t)g->max_header_size },
		{ NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1 },
	};
	nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, iv, ES_ARRAY_LEN(iv));
	nghttp2_session_set_local_window_size(h->ng, NGHTTP2_FLAG_NONE, 0,
	    H2_CONN_WINDOW);
	h->service_ev = event_new(c->w->base, -1, 0, service_cb, h);
	bufferevent_setwatermark(c->bev, EV_WRITE, H2_OUT_LOW, 0);
	conn_h2_read(c);
}

/* Every stream's request state goes with the session: those still open
 * are logged as the viewer saw them. */
void
conn_h2_free(struct conn *c)
{
	struct conn_h2 *h = c->h2;
	struct conn_stream *st;

	if (h == NULL)
		return;
	while ((st = TAILQ_FIRST(&h->streams)) != NULL)
		conn_h2_stream_end(st, NGHTTP2_CANCEL);
	if (h->service_ev)
		event_free(h->service_ev);
	nghttp2_session_del(h->ng);
	h->magic = 0;
	free(h);
	c->h2 = NULL;
}

void
conn_h2_schedule(struct conn_h2 *h)
{
	if (!h->in_service)
		event_active(h->service_ev, EV_WRITE, 1);
}

void
conn_h2_dirty(struct conn_stream *st)
{
	if (!st->dirty) {
		st->dirty = true;
		st->h2->n_dirty++;
	}
}

/* The conn's one deadline: the earliest of what its session waits for. */
static void
set_deadline(struct conn_h2 *h)
{
	struct conn *c = h->c;
	const struct conf_global *g = conn_glob(c);
	int64_t now = clock_mono_ms(), d = 0;
	struct conn_stream *st;

#define EARLIER(t) do { if ((t) > 0 && (d == 0 || (t) < d)) d = (t); } while (0)
	if (h->closing)
		EARLIER(h->closing_deadline);
	if (h->drain == 1)
		EARLIER(h->drain_at);
	if (h->n_streams == 0 && h->idle_since)
		EARLIER(h->idle_since + g->idle_timeout_ms);
	TAILQ_FOREACH(st, &h->streams, link) {
		EARLIER(st->deadline_ms);
		if (st->stall_since)
			EARLIER(st->stall_since + g->http2_stall_timeout_ms);
		else if (st->resp && evbuffer_get_length(st->resp) > 0)
			EARLIER(now + 1000);    /* look for a shut window */
	}
#undef EARLIER
	/* The connection's one deadline (deadline.c keeps a queue per
	 * duration): rounded up to the sweep's 100 ms, so that HTTP/2
	 * connections share a few queues rather than one each. */
	if (d == 0) {
		conn_clear_timer(c);
	} else {
		int64_t ms = d - now;
		conn_set_timer(c, ms <= 0 ? 1 : (ms + 99) / 100 * 100);
	}
}

/*
 * Close once what was written has left (bounded: a viewer that does not
 * read gets CONN_CLOSE_GRACE_MS). Returns true when c is gone. A refused
 * viewer is still sending (a flood): closing under it would be a reset
 * that destroys the GOAWAY in its receive buffer. So, as nginx's
 * lingering close, what it sends is read and dropped until it closes or
 * the grace is over.
 */
static bool
close_when_written(struct conn_h2 *h)
{
	struct conn *c = h->c;

	if (!h->closing) {
		h->closing = true;
		h->closing_deadline = clock_mono_ms() + CONN_CLOSE_GRACE_MS;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
	    !h->refused) {
		conn_close(c, NULL);
		return true;
	}
	return false;
}

/*
 * The streams' pending work, then the frames nghttp2 has to send. May
 * close the connection: the session is done (GOAWAY sent and no stream
 * left, or refused), or broken.
 */
static void
conn_h2_service(struct conn_h2 *h)
{
	struct conn *c = h->c;
	struct conn_stream *st, *next;

	h->in_service++;
	for (int round = 0; round < 8; round++) {
		if (h->n_dirty > 0) {
			h->n_dirty = 0;
			for (st = TAILQ_FIRST(&h->streams); st; st = next) {
				next = TAILQ_NEXT(st, link);
				if (!st->dirty)
					continue;
				st->dirty = false;
				conn_h2_stream_service(st);
			}
		}
		if (h->unconsumed_closed > 0) {
			nghttp2_session_consume_connection(h->ng,
			    h->unconsumed_closed);
			h->unconsumed_closed = 0;
		}
		int rv = nghttp2_session_send(h->ng);
		if (rv != 0) {
			h->in_service--;
			conn_close(c, nghttp2_strerror(rv));
			return;
		}
		if (h->n_dirty == 0)
			break;
	}
	h->in_service--;
	if (h->n_dirty > 0)
		conn_h2_schedule(h);    /* more than one pass's worth */
	conn_flush_soon(c->bev);
	if ((h->refused && !nghttp2_session_want_write(h->ng)) ||
	    (!nghttp2_session_want_read(h->ng) &&
	    !nghttp2_session_want_write(h->ng))) {
		if (close_when_written(h))
			return;
	}
	set_deadline(h);
	conn_kick_read(c->bev);
}

static void
service_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_h2 *h = arg;

	(void)fd;
	(void)what;
	conn_h2_service(h);
}

static const char *
recv_error_reason(ssize_t rv, uint32_t *code)
{
	*code = NGHTTP2_ENHANCE_YOUR_CALM;
	switch (rv) {
	case NGHTTP2_ERR_FLOODED:
		return "flood: more than 1,000 SETTINGS or PING answers wait "
		    "for a viewer that does not read them";
	case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
		return "continuation_flood: more than http2_max_continuations "
		    "CONTINUATION frames after a HEADERS frame";
	case NGHTTP2_ERR_BAD_CLIENT_MAGIC:
		*code = NGHTTP2_PROTOCOL_ERROR;
		return "protocol: no HTTP/2 connection preface";
	default:
		*code = NGHTTP2_INTERNAL_ERROR;
		return nghttp2_strerror((int)rv);
	}
}

void
conn_h2_read(struct conn *c)
{
	struct conn_h2 *h = c->h2;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;

	while (evbuffer_peek(in, -1, NULL, &v, 1) > 0 && v.iov_len > 0) {
		if (h->refused || h->closing) {
			/* Refused: what else comes is not looked at. */
			evbuffer_drain(in, evbuffer_get_length(in));
			break;
		}
		ssize_t rv = nghttp2_session_mem_recv(h->ng, v.iov_base,
		    v.iov_len);
		if (rv < 0) {
			uint32_t code;
			const char *why = recv_error_reason(rv, &code);
			conn_h2_refuse(h, code, why);
			continue;
		}
		evbuffer_drain(in, (size_t)rv);
	}
	if (h->n_streams > 0)
		h->idle_since = 0;
	conn_h2_service(h);
}

void
conn_h2_write(struct conn *c)
{
	struct conn_h2 *h = c->h2;

	if (h->closing && !h->refused &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_close(c, NULL);
		return;
	}
	conn_h2_service(h);
}

void
conn_h2_event(struct conn *c, short what)
{
	if (what & BEV_EVENT_TIMEOUT) {
		conn_close(c, "viewer stopped reading (write timeout)");
		return;
	}
	/* The viewer went away: its open streams are logged as cut. */
	conn_close(c, NULL);
}

/* Stop and reload: GOAWAY in two steps (RFC 9113 section 6.8), as nghttpx
 * does: a notice at once, so the viewer opens no more streams here; then,
 * CONN_CLOSE_GRACE_MS later (requests already on their way have arrived),
 * the last stream id. The connection ends when its streams have. */
void
conn_h2_drain(struct conn *c)
{
	struct conn_h2 *h = c->h2;

	if (h->drain || h->refused)
		return;
	nghttp2_submit_shutdown_notice(h->ng);
	h->drain = 1;
	h->drain_at = clock_mono_ms() + CONN_CLOSE_GRACE_MS;
	conn_h2_schedule(h);
}

void
conn_h2_timeout(struct conn *c, int64_t now)
{
	struct conn_h2 *h = c->h2;
	const struct conf_global *g = conn_glob(c);
	struct conn_stream *st, *next;

	if (h->closing && now >= h->closing_deadline) {
		conn_close(c, NULL);    /* the viewer did not read the end */
		return;
	}
	if (h->drain == 1 && now >= h->drain_at) {
		h->drain = 2;
		nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
		    nghttp2_session_get_last_proc_stream_id(h->ng),
		    NGHTTP2_NO_ERROR, NULL, 0);
	}
	if (h->n_streams == 0 && h->idle_since &&
	    now - h->idle_since >= g->idle_timeout_ms && h->drain < 2) {
		/* Idle: say goodbye properly, then close. */
		h->drain = 2;
		nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
		    nghttp2_session_get_last_proc_stream_id(h->ng),
		    NGHTTP2_NO_ERROR, NULL, 0);
	}
	for (st = TAILQ_FIRST(&h->streams); st && !h->refused; st = next) {
		next = TAILQ_NEXT(st, link);
		conn_h2_stream_timeout(st, now);
	}
	conn_h2_service(h);
}
