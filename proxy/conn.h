/*
 * conn.h - one viewer connection to an edge, from accept to close: what
 * the rest of the daemon (the worker) sees of it.
 *
 * A conn owns its viewer bufferevent (and through it the SSL and socket),
 * its deadline, the origin connection it asked for, and the state of the
 * request in flight. It is freed in exactly one place, conn_close. Its
 * insides are conn_private.h's, shared only by the files of the viewer
 * connection: conn.c (handshake, parsing, routing, built-in origins,
 * keep-alive, timers), conn_origin.c (a request's trip to an origin) and
 * conn_tunnel.c (mode = tcp).
 */
#ifndef EDGESIM_CONN_H
#define EDGESIM_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

struct conn;
struct edge_rt;
struct runtime;
struct worker;

TAILQ_HEAD(conn_list, conn);

/* A new viewer connection on fd, accepted by a listener of edge. It is
 * on the worker's list (w->conns) until it closes. */
void conn_accept(struct worker *w, struct edge_rt *edge, int fd,
    const struct sockaddr *sa, int salen);

/*
 * The process stops: close without losing a request. The response in
 * flight goes out with "Connection: close"; between requests the
 * connection waits CONN_CLOSE_GRACE_MS for a request already on its way.
 * A handshake that has not received a byte closes at once.
 */
void conn_drain(struct conn *c);

/* A reload made rt the worker's runtime (c still has an older one): c
 * takes rt at its next request, or closes when its edge is gone. */
void conn_reloaded(struct conn *c, struct runtime *rt);

/* The single teardown path: logs why (msg may be NULL) and frees. */
void conn_close(struct conn *c, const char *msg);

/* Walking the worker's list: the connection after c, or NULL. */
struct conn *conn_next(struct conn *c);
/* The edge c serves, and the runtime (generation) that edge belongs to. */
const struct edge_rt *conn_edge(const struct conn *c);
const struct runtime *conn_runtime(const struct conn *c);

/* Connection deadlines (header, idle, an origin's delay, the grace of a
 * stop) that are due at now (ms, monotonic): act on them. Costs what is
 * due, not what is open (deadline.h). */
void conn_sweep(struct worker *w, int64_t now);

/* Free the worker's spare request states (the worker is freed). */
void conn_free_spares(struct worker *w);

/* When a stop or a reload closes a connection between requests: how long
 * it stays open for a request the viewer may already have sent. */
#define CONN_CLOSE_GRACE_MS 1000

#endif
