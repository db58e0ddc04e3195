/*
 * relay.c - bytes from one bufferevent to another (see relay.h).
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
