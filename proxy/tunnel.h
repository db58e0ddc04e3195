/*
 * tunnel.h - mode = tcp: after the viewer's TLS handshake, pipe bytes to
 * the host's origin (over TLS when the origin has tls = on) and back, with
 * backpressure both ways, until one side closes. This is an ELB's TLS
 * listener in front of, say, a JDBC server (seed 003).
 */
#ifndef EDGESIM_TUNNEL_H
#define EDGESIM_TUNNEL_H

#include <stdint.h>

struct bufferevent;
struct conn;

#define TUNNEL_HIGH_WATER (256 * 1024)

/* Move what arrived from src to dst (counting it); stop reading src while
 * dst holds TUNNEL_HIGH_WATER bytes or more. Shared with the forward
 * proxy's CONNECT tunnels. */
void tunnel_pipe(struct bufferevent *src, struct bufferevent *dst,
    int64_t *count);

/* Take over a conn whose viewer handshake just finished: its bufferevent
 * callbacks become the tunnel's. */
void tunnel_start(struct conn *c);

#endif
