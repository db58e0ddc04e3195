/*
 * relay.c - bytes from one bufferevent to another, raw or by a message's
 * framing (see relay.h).
 */
#include "relay.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>

#include "util.h"

void
relay_pipe(struct bufferevent *src, struct bufferevent *dst, int64_t *count)
{
	struct evbuffer *in = bufferevent_get_input(src);
	struct evbuffer *out = bufferevent_get_output(dst);

	*count += (int64_t)evbuffer_get_length(in);
	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) >= RELAY_HIGH_WATER)
		bufferevent_disable(src, EV_READ);
}

int
relay_framed(struct evbuffer *src, struct evbuffer *dst, enum http_body kind,
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
	case HTTP_BODY_UNTIL_CLOSE:
		*count += (int64_t)evbuffer_get_length(src);
		evbuffer_add_buffer(dst, src);
		return 0;
	case HTTP_BODY_CHUNKED:
		break;
	}
	/* Chunked: scan what is there, move what was scanned. */
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

void
relay_head_init(struct relay_head *h)
{
	h->p = NULL;
	h->len = h->cap = 0;
	http_head_scan_init(&h->scan);
}

void
relay_head_free(struct relay_head *h)
{
	free(h->p);
	relay_head_init(h);
}

bool
relay_head_started(const struct relay_head *h)
{
	return h->len > 0;
}

/* Move up to want bytes from the front of in to the end of h. */
static void
collect(struct relay_head *h, struct evbuffer *in, size_t want)
{
	if (want == 0)
		return;
	if (h->len + want > h->cap) {
		size_t cap = h->cap ? h->cap : 1024;
		while (cap < h->len + want)
			cap *= 2;
		h->p = xrealloc(h->p, cap);
		h->cap = (uint32_t)cap;
	}
	int got = evbuffer_remove(in, h->p + h->len, want);
	if (got > 0)
		h->len += (uint32_t)got;
}

bool
relay_head_take(struct relay_head *h, struct evbuffer *in, size_t max_head,
    const char **buf, size_t *n)
{
	size_t len = evbuffer_get_length(in);

	if (h->len == 0) {
		/* Nothing collected: the head is looked at in the input. */
		size_t k = len < max_head ? len : max_head;
		if (k == 0)
			return false;
		const char *b = (const char *)evbuffer_pullup(in, (ev_ssize_t)k);
		http_head_scan_feed(&h->scan, b + h->scan.scanned,
		    k - h->scan.scanned);
		if (http_head_scan_ready(&h->scan, k, max_head)) {
			*buf = b;
			*n = k;
			return true;
		}
		/* Not all there: from now on it is collected here. */
		collect(h, in, k);
		return false;
	}
	size_t room = max_head > h->len ? max_head - h->len : 0;
	collect(h, in, len < room ? len : room);
	while (h->scan.scanned < h->len && !h->scan.found)
		http_head_scan_feed(&h->scan, h->p + h->scan.scanned,
		    h->len - h->scan.scanned);
	if (!http_head_scan_ready(&h->scan, h->len, max_head))
		return false;
	*buf = h->p;
	*n = h->len;
	return true;
}

void
relay_head_incomplete(struct relay_head *h, struct evbuffer *in, size_t n)
{
	if (h->len == 0)
		collect(h, in, n);
	http_head_scan_parsed(&h->scan, n);
}

void
relay_head_done(struct relay_head *h, struct evbuffer *in, size_t head_len)
{
	if (h->len == 0) {
		evbuffer_drain(in, head_len);
		http_head_scan_init(&h->scan);
		return;
	}
	if (head_len < h->len)
		evbuffer_prepend(in, h->p + head_len, h->len - head_len);
	relay_head_free(h);             /* an idle connection keeps no buffer */
}
