/*
 * relay.h - bytes from one bufferevent to another, with backpressure: what
 * a mode = tcp tunnel and the forward proxy's CONNECT tunnel both do.
 */
#ifndef EDGESIM_RELAY_H
#define EDGESIM_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct bufferevent;
struct evbuffer;

#define RELAY_HIGH_WATER (256 * 1024)

/* Move what arrived from src to dst (counting it); stop reading src while
 * dst holds RELAY_HIGH_WATER bytes or more (the owner re-enables reading
 * from its write callback, once dst drained to its low-water mark). */
void relay_pipe(struct bufferevent *src, struct bufferevent *dst,
    int64_t *count);

/*
 * Move the next part of a message body from src to dst, by its framing:
 * kind, the bytes left of a Content-Length (*left), the chunked scanner's
 * state (ch); *count counts what moved. Bytes after the body stay in src
 * (the next message). Returns 1 when the body is complete, 0 when more is
 * to come (always 0 for HTTP_BODY_UNTIL_CLOSE), -1 on bad chunked framing.
 */
int relay_framed(struct evbuffer *src, struct evbuffer *dst,
    enum http_body kind, int64_t *left, struct http_chunked *ch,
    int64_t *count);

/*
 * A head on its way in (a viewer's request, an origin's response). Most
 * heads arrive whole in one read and are parsed where they lie, in the
 * input buffer. One that does not is moved out of it into this buffer as
 * it arrives: a peer sending one
 * byte per TLS record leaves libevent an input of one chain per byte,
 * which every look at a position would walk from the start (quadratic),
 * while here each byte is copied once and the head is contiguous. Its
 * bytes go through struct http_head_scan once each, and the head is
 * parsed only when that says it is worth it (http.h).
 */
struct relay_head {
	char *p;                        /* NULL: the head is in the input */
	uint32_t len, cap;
	struct http_head_scan scan;
};

void relay_head_init(struct relay_head *h);
/* Whether a head has begun: bytes of it collected here (the input may
 * then be empty while a head is half there). */
bool relay_head_started(const struct relay_head *h);
/*
 * The head to parse now, in *buf[0..*n), or false when not worth it yet.
 * in is the input (up to max_head of it is considered); *buf points into
 * in (pulled up) or into h.
 */
bool relay_head_take(struct relay_head *h, struct evbuffer *in,
    size_t max_head, const char **buf, size_t *n);
/* The parse of those n bytes said "incomplete": keep them, wait. */
void relay_head_incomplete(struct relay_head *h, struct evbuffer *in,
    size_t n);
/* The parse is done with head_len bytes of head (pointers into them die
 * here): they are dropped, what followed them is at the front of in
 * again, and h is ready for the next head. */
void relay_head_done(struct relay_head *h, struct evbuffer *in,
    size_t head_len);
/* Free what h holds (its connection closes). */
void relay_head_free(struct relay_head *h);

#endif
