/*
 * worker.h - one event loop and everything that lives on it: listeners,
 * viewer connections, pools of idle origin connections, the DNS resolver.
 *
 * Nothing here is shared between workers except the runtime (read-only and
 * reference-counted), the log and the learned pins (tls_client.c, one
 * lock); so a worker needs no locks. The main thread reads n_conns only
 * (docs/architecture.md, "Threads and shared state").
 */
#ifndef EDGESIM_WORKER_H
#define EDGESIM_WORKER_H

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "builtin.h"
#include "conn.h"
#include "deadline.h"
#include "http.h"
#include "path.h"
#include "runtime.h"

#define WORKER_MAGIC 0x7e5e7e05u

struct conn;
struct conn_req;
struct fpconn;
struct upstream;
struct upstream_pool;

TAILQ_HEAD(fpconn_list, fpconn);

/* A listening socket; survives reloads while its address stays. */
struct listener {
	struct worker *w;
	struct evconnlistener *lev;
	char host[64];
	int port;
	size_t edge_index;              /* in the worker's current runtime */
	bool fproxy;                    /* the forward proxy's, not an edge's */
	bool keep;                      /* reload bookkeeping */
	struct listener *next;
};

struct worker {
	unsigned magic;
	int index;
	struct event_base *base;
	struct evdns_base *dns;
	struct runtime *rt;             /* current; each conn holds its own ref */
	struct listener *listeners;
	struct listener *pending;       /* opened for a reload, not live yet */
	struct conn_list conns;
	struct fpconn_list fpconns;     /* forward proxy clients */
	atomic_size_t n_conns;          /* read by the main thread when stopping */
	int n_workers;                  /* listeners share ports when > 1 */
	struct upstream_pool *pool;     /* idle origin connections, for rt */
	uint64_t next_id;
	bool draining;                  /* stopping: no new requests */
	bool paused_accept;             /* max_connections reached */
	/* Out of descriptors (EMFILE, ENFILE) or kernel memory: accepting
	 * again at once would fail again at once, so the listeners rest for
	 * ACCEPT_REST_MS, and the episode is logged once, with a count. */
	struct event *accept_rest;
	bool accept_resting;
	int64_t accept_episode_start;   /* 0: no episode */
	uint64_t accept_refusals;
	/* Parsed heads live here, not in each conn: a head is only needed
	 * while it is being handled, and idle connections stay small. */
	struct http_request scratch_req;
	struct http_response scratch_res;
	struct path_buf path_buf;       /* normalised paths (route_decide) */
	struct static_cache *static_cache;      /* what static origins read */
	struct event *sweep;            /* checks the deadlines' queues */
	struct deadlines deadlines;     /* the connections' timers */
	struct conn_req *req_free;      /* request states to reuse */
	size_t n_req_free;
};

int worker_init(struct worker *w, int index, int n_workers,
    struct event_base *base, struct runtime *rt, struct es_err *err);
/* Reload, step one: open (disabled) the addresses rt needs that are not
 * open yet. On failure nothing live has changed. */
int worker_listen_prepare(struct worker *w, struct runtime *rt,
    struct es_err *err);
/* Close what worker_listen_prepare opened (the reload was refused). */
void worker_listen_abort(struct worker *w);
/* Reload, step two, at once: listeners and runtime switch to rt together.
 * Connections are kept; each takes rt at its next request (conn.c). */
void worker_swap_runtime(struct worker *w, struct runtime *rt);
/*
 * Stop, stage k (chain.h; stage is indexed like the worker's runtime's
 * edges): close the listeners of the edges of stage <= k and of the
 * forward proxy, and drain the connections of stage k (conn_drain). The
 * edges of later stages keep serving what the drained ones forward.
 */
void worker_drain(struct worker *w, const int *stage, int k);
/* Connections still open on edges of stage <= k. */
size_t worker_conns_upto(struct worker *w, const int *stage, int k);
void worker_free(struct worker *w);

/* A fresh request id, unique within the process. */
uint64_t worker_next_id(struct worker *w);



#endif
