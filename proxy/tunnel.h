/*
 * tunnel.h - mode = tcp: after the viewer's TLS handshake, pipe bytes to
 * the host's origin (over TLS when the origin has tls = on) and back, with
 * backpressure both ways, until one side closes. This is an ELB's TLS
 * listener in front of, say, a JDBC server (seed 003).
 */
#ifndef EDGESIM_TUNNEL_H
#define EDGESIM_TUNNEL_H

struct conn;

/* Take over a conn whose viewer handshake just finished: its bufferevent
 * callbacks become the tunnel's. */
void tunnel_start(struct conn *c);

#endif
