/*
 * relay.h - bytes from one bufferevent to another, with backpressure: what
 * a mode = tcp tunnel and the forward proxy's CONNECT tunnel both do.
 */
#ifndef EDGESIM_RELAY_H
#define EDGESIM_RELAY_H

#include <stdint.h>

struct bufferevent;

#define RELAY_HIGH_WATER (256 * 1024)

/* Move what arrived from src to dst (counting it); stop reading src while
 * dst holds RELAY_HIGH_WATER bytes or more (the owner re-enables reading
 * from its write callback, once dst drained to its low-water mark). */
void relay_pipe(struct bufferevent *src, struct bufferevent *dst,
    int64_t *count);

#endif
