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
 * Whether the head waiting at the start of src (n bytes of it considered:
 * what is there, up to max_head) is worth parsing now: the bytes not fed
 * yet go through the scanner (each byte once), then http_head_scan_ready
 * decides. The head's bytes are read where they lie: no pullup.
 */
bool relay_head_ready(struct http_head_scan *scan, struct evbuffer *src,
    size_t n, size_t max_head);

#endif
