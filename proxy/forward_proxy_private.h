/*
 * forward_proxy_private.h - the insides of a forward-proxy client
 * connection, shared by its two files only: forward_proxy.c (the
 * connection, its heads, the destination decided and checked, CONNECT
 * tunnels, the PAC file) and forward_proxy_http.c (an absolute-URI request
 * relayed with its framing, and its response). Everyone else sees
 * forward_proxy.h.
 *
 * Every way in goes through one door: each request head on the
 * connection, the first or a later one, is parsed, given one authority
 * (authority.c, the edges' rule) and checked against the host allow-list
 * and allow_ports before a byte goes anywhere. Bytes are piped unparsed
 * only inside a CONNECT tunnel that was checked.
 */
#ifndef EDGESIM_FORWARD_PROXY_PRIVATE_H
#define EDGESIM_FORWARD_PROXY_PRIVATE_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "authority.h"
#include "errors.h"
#include "forward_proxy.h"
#include "http.h"
#include "relay.h"
#include "runtime.h"
#include "sni.h"

#define FPCONN_MAGIC 0x7e5e7e08u
#define FP_CONNECT_TIMEOUT_MS 10000
/* Interim (1xx) responses passed on per request, at most. */
#define FP_MAX_INTERIM 8

enum fp_state {
	FP_READ_HEAD,           /* waiting for a request head (first or next) */
	FP_RESOLVING,           /* DNS (or the staging twin) */
	FP_CONNECTING,
	FP_TUNNEL,              /* CONNECT: piping bytes */
	FP_REQUEST,             /* an absolute-URI request relayed, and its
	                           response (forward_proxy_http.c) */
	FP_FLUSH_CLOSE,         /* an answer queued: close once written */
	FP_LINGER,              /* answer sent: reading the rest, then close */
};

/* Where a request goes. */
enum fp_route {
	FP_DENY_HOST,           /* not a host of the config: 403 */
	FP_DENY_PORT,           /* a port not in allow_ports: 403 */
	FP_EDGE,                /* a host of the config: its edge's listener */
	FP_RESOLVE,             /* a [resolve] name: the mapped address */
	FP_DNS,                 /* an allowed name: DNS */
	FP_STAGING,             /* its Akamai staging twin */
};

struct fpconn {
	unsigned magic;
	struct worker *w;
	struct runtime *rt;
	struct bufferevent *bev;        /* the client */
	struct bufferevent *up;         /* the destination */
	int fd;
	enum fp_state state;
	struct relay_head head_in;      /* a head arriving in pieces (relay.h) */
	struct event timer;             /* header, idle or linger (fp_timeout) */
	bool timer_idle;                /* the timer watches idleness */
	int64_t last_active;            /* ms: a byte moved, either way */
	struct resolve_req *dns;
	bool is_connect;
	enum fp_route route;
	char client[80];
	char method[16];
	char target[300];
	char host[SNI_NAME_MAX + 1];
	int port;                       /* the port asked for */
	char via[SNI_NAME_MAX * 2 + 64];        /* how the address was found */
	char dest[80];
	char cname_at[SNI_NAME_MAX + 1];        /* staging: the chain so far */
	int cname_hops;
	struct evbuffer *head;          /* a request's head, sent once connected */
	uint64_t id;                    /* in the log; the reference's tail */
	char ref[96];                   /* what explain takes */
	enum es_code code;              /* ES_OK, or why the proxy refused */
	int status;
	char detail[300];               /* how it ended, for the one record */
	int64_t t_start;
	int64_t bytes_up, bytes_down;
	/* An absolute-URI request in flight (FP_REQUEST). */
	bool keep_alive;                /* the client allows another request */
	bool is_head;
	enum http_body body;            /* request body, client -> destination */
	int64_t body_left;
	struct http_chunked chunked;
	bool body_done;
	bool resp_head_done;
	struct relay_head resp_head_in; /* the response head in pieces */
	enum http_body resp_body;       /* response body, destination -> client */
	int64_t resp_left;
	struct http_chunked resp_chunked;
	bool resp_keep_alive;           /* the client connection may go on */
	int n_interim;
	TAILQ_ENTRY(fpconn) link;
};

/* --- forward_proxy.c, for forward_proxy_http.c --- */

/* A short answer from the proxy itself, then close. code: ES_OK, or the
 * error (named in X-Edgesim-Error, with the reference explain takes). */
void fp_answer(struct fpconn *f, int status, enum es_code code,
    const char *ctype, const char *body, const char *detail);
/* A refusal or failure as a text/plain answer of the error table's code. */
void fp_error(struct fpconn *f, int status, enum es_code code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Say how it ended, unless an earlier step said it first. */
void fp_note(struct fpconn *f, const char *what);
/* A byte moved: the idle timer starts over (lazily: a store). */
void fp_touch(struct fpconn *f);
/* From now on the timer watches idleness ([forward_proxy] idle_timeout). */
void fp_watch_idle(struct fpconn *f);
/* The relayed request is over: log it; then the next head on the
 * connection (keep-alive), or close once the answer is written. */
void fp_request_done(struct fpconn *f, bool keep_alive);

/* --- forward_proxy_http.c: an absolute-URI request, relayed --- */

/* The head to send for req (origin form, Host = the authority, one
 * canonical Content-Length, hop-by-hop fields dropped) into f->head, and
 * the request's framing into f. */
void fp_http_prepare(struct fpconn *f, const struct http_request *req,
    const struct authority *a);
/* The destination is connected: send the head, relay the body, read the
 * response. f->up's callbacks become forward_proxy_http.c's. */
void fp_http_start(struct fpconn *f);
/* The client sent bytes, or its output drained, while FP_REQUEST. */
void fp_http_client_read(struct fpconn *f);
void fp_http_client_write(struct fpconn *f);

#endif
