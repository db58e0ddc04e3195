/*
 * relay.c - bytes from one bufferevent to another, raw or by a message's
 * framing (see relay.h).
 */
#include "relay.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

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

bool
relay_head_ready(struct http_head_scan *scan, struct evbuffer *src, size_t n,
    size_t max_head)
{
	while (scan->scanned < n && !scan->found) {
		struct evbuffer_ptr at;
		struct evbuffer_iovec v[8];
		if (evbuffer_ptr_set(src, &at, scan->scanned,
		    EVBUFFER_PTR_SET) < 0)
			break;
		int nv = evbuffer_peek(src, (ev_ssize_t)(n - scan->scanned), &at,
		    v, 8);
		if (nv <= 0)
			break;
		for (int i = 0; i < nv && i < 8 && !scan->found &&
		    scan->scanned < n; i++) {
			size_t len = v[i].iov_len;
			if (len > n - scan->scanned)
				len = n - scan->scanned;
			http_head_scan_feed(scan, v[i].iov_base, len);
		}
	}
	return http_head_scan_ready(scan, n, max_head);
}
