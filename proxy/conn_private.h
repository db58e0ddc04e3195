/*
 * conn_private.h - the insides of a viewer connection, shared by its own
 * files only: conn.c, conn_origin.c and conn_tunnel.c. Everyone else sees
 * conn.h.
 *
 * Every callback that may reach conn_close returns at once when it did
 * (the CONN_STEP_CLOSED result). mode = http: requests are parsed, routed
 * and forwarded one at a time (keep-alive and pipelining allowed).
 * mode = tcp: after the handshake the bytes are piped (conn_tunnel.c).
 */
#ifndef EDGESIM_CONN_PRIVATE_H
#define EDGESIM_CONN_PRIVATE_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "builtin.h"
#include "conn.h"
#include "deadline.h"
#include "errors.h"
#include "http.h"
#include "persona.h"
#include "relay.h"
#include "runtime.h"
#include "tls_server.h"
#include "upstream.h"

#define CONN_MAGIC 0x7e5e7e07u

enum conn_state {
	CONN_TLS_HANDSHAKE,     /* viewer handshake in progress */
	CONN_READ_HEAD,         /* waiting for (the rest of) a request head */
	CONN_ORIGIN_WAIT,       /* head parsed and queued; origin connecting */
	CONN_PROXYING,          /* request sent (body streaming); response coming */
	CONN_BUILTIN,           /* a built-in origin reads the request body */
	CONN_FLUSH_CLOSE,       /* last response queued: close once written */
	CONN_TUNNEL,            /* mode = tcp: piping bytes */
	CONN_H2,                /* HTTP/2: the session drives (conn_h2.c) */
};

/* The request in flight, reset for each one. */
struct conn_req {
	uint64_t id;
	int64_t t_start;
	int64_t epoch;                  /* wall seconds at start, in references */
	char ref[96];
	char method[16];
	char target[256];               /* truncated copy, for the log */
	char host_hdr[SNI_NAME_MAX + 8];/* the Host the viewer sent */
	int version_minor;
	bool keep_alive;
	bool is_head;
	const struct conf_host *host;
	const struct conf_route *route;
	struct origin_rt *origin;
	/* request body, viewer -> origin */
	enum http_body body;
	int64_t body_left;
	struct http_chunked chunked;
	bool body_done;
	int64_t bytes_in;
	/* response, origin -> viewer */
	bool resp_started;              /* a byte of the response was queued */
	bool resp_head_done;
	struct relay_head resp_head;    /* the origin's head as it arrives,
	                                   scanned once (relay.h) */
	int64_t resp_queued;            /* bytes of the final response queued
	                                   to the viewer (head and body) */
	int n_interim;                  /* 1xx responses passed on */
	int status;
	enum http_body resp_body;
	int64_t resp_left;
	struct http_chunked resp_chunked;
	bool resp_keep_alive;
	int64_t bytes_out;
	/* outcome */
	enum es_code code;
	char sub[64];
	char detail[512];
	/* built-in origins */
	struct sbuf echo;
	struct builtin_response builtin;
	bool builtin_echo;
	bool builtin_delayed;           /* waiting out the origin's delay */
	bool retried;                   /* sent again after a dead pooled conn */
	unsigned pragma;                /* Akamai debug headers asked for */
	/* its trip to an origin (conn_origin.c) */
	struct conn *c;                 /* the viewer connection it came on */
	struct conn_stream *st;         /* its HTTP/2 stream; NULL: HTTP/1.1 */
	bool up_attached;               /* an origin connection carried it */
	bool up_reused;                 /* ... taken from the pool */
	struct evbuffer *fwd;           /* head for the origin (the conn's buffer) */
	struct upstream *up_pending;    /* owned: asked for, being set up */
	struct upstream *up;            /* owned: ready, carrying the request */
	struct conn_req *next_free;     /* in the worker's free list */
};

struct conn {
	unsigned magic;
	struct worker *w;
	struct runtime *rt;             /* ref: the config this conn serves */
	struct edge_rt *edge;
	struct bufferevent *bev;        /* the viewer; owns SSL and socket */
	int fd;
	char peer[56];                  /* "ip:port", "[v6]:port" */
	struct tls_hello hello;
	char first_bytes[8];            /* what the viewer sent first */
	size_t n_first;
	enum conn_state state;
	struct relay_head head;         /* a head arriving in pieces (relay.h) */
	struct deadline deadline;       /* the one timer; at 0: none
	                                   (deadline.c, the worker's queues) */
	bool timer_is_idle;             /* waiting between requests */
	int64_t t_accept;
	uint64_t n_requests;
	bool close_after;               /* close once this response is out */
	bool up_paused;                 /* origin reads paused (viewer slow) */
	bool viewer_paused;             /* viewer reads paused (origin slow) */
	struct evbuffer *fwd;           /* kept for the request heads to origins */
	struct conn_req *req;           /* the request in flight, or NULL; it
	                                   owns the origin connection */
	struct conn_h2 *h2;             /* owned: the HTTP/2 session, or NULL */
	/* mode = tcp */
	int64_t tun_up_bytes, tun_down_bytes;
	bool tun_viewer_eof, tun_origin_eof;
	TAILQ_ENTRY(conn) link;
};

#define CONN_HIGH_WATER (256 * 1024)
/* Interim (1xx) responses passed on per request, at most: an origin that
 * sends more is broken (or hostile); nginx and HAProxy also bound them. */
#define FORWARD_MAX_INTERIM 8
/* Via entries after which a request is taken to loop through a chain. */
#define CONN_MAX_HOPS 10





/* The SNI the viewer sent, or NULL when none. */
const char *conn_sni(struct conn *c);

/* Shared with tunnel.c: the connection's one timer, in ms from now;
 * and no timer. */
void conn_set_timer(struct conn *c, int64_t ms);
void conn_clear_timer(struct conn *c);
/* Make bev read again now if OpenSSL holds records read ahead (conn.c
 * says why); for tunnel.c too. */
void conn_kick_read(struct bufferevent *bev);


/*
 * Between conn.c and conn_origin.c (a request's trip to an origin): the
 * steps of a request that may close the connection report what became of
 * it, and share the helpers below.
 */
enum conn_step {
	CONN_STEP_WAIT,         /* nothing more to do until an event */
	CONN_STEP_AGAIN,        /* the state changed: run the pump again */
	CONN_STEP_CLOSED,       /* c is gone: touch nothing */
};

/* Why conn_route refused a request: the error answer to give. */
struct conn_refusal {
	enum es_code code;              /* ERR_BAD_REQUEST, ERR_HOST_NOT_SERVED */
	int status;                     /* 0: the persona's for code */
	const char *sub;                /* NULL or a sub-reason */
	char detail[SNI_NAME_MAX + 128];
};

/*
 * Route a parsed request for r, HTTP/1.1 or HTTP/2 alike: route.c's one
 * decision (one authority: an absolute-form target's wins over Host; one
 * host of this edge; one normalised path; one route), then r's host,
 * route and origin. req's Host is made to say the request's authority,
 * and with forward_path = normalized its target becomes the normalised
 * one (in the worker's path buffer: valid until the next request is
 * routed). Returns 0, or -1 with the refusal in *no.
 */
int conn_route(struct conn *c, struct conn_req *r, struct http_request *req,
    struct conn_refusal *no);
/* The request is answered: log it, give the origin connection back (to
 * the pool when reusable), then go on with the next request or close. */
enum conn_step conn_request_done(struct conn *c, bool origin_reusable);
/* Answer the request with the persona's error page (status 0: the
 * persona's status for code). */
enum conn_step conn_respond_error(struct conn *c, enum es_code code,
    int status, const char *sub, const char *detail, bool close);
/* End a callback: pump when s is CONN_STEP_AGAIN, then kick the reads
 * (read-ahead), unless the connection was closed. */
void conn_after_step(struct conn *c, enum conn_step s);
/* Send what was queued on bev in this loop pass (conn.c says why). */
void conn_flush_soon(struct bufferevent *bev);
void conn_add_persona_headers(struct conn *c, struct evbuffer *out);
/* Where the fields of a response head go: HTTP/1.1 text ("Name: value"
 * lines) or an HTTP/2 header list. */
typedef persona_field_fn conn_field_fn;
/* The fields an edge adds to every successful response (Via, and
 * CloudFront's X-Cache, X-Amz-Cf-Pop, X-Amz-Cf-Id). */
void conn_persona_fields(struct conn_req *r, conn_field_fn emit, void *arg);
/* The answers to Akamai's Pragma debug headers r asked for (none when
 * it asked for none): as fields, or as "Name: value\r\n" lines. */
void conn_pragma_fields(struct conn_req *r, conn_field_fn emit, void *arg);
void conn_pragma_lines(struct conn_req *r, struct sbuf *out);
/* Free the origin connection r waits for or uses (not reusable: the
 * request did not end by its framing); its callbacks will not come. */
void conn_req_drop_origin(struct conn_req *r);
/* A fresh request state for c: id, start time, reference. */
struct conn_req *conn_req_begin(struct conn *c);
/* conn_handshake.c. The end of a viewer's handshake (conn_event's, in
 * CONN_TLS_HANDSHAKE), the socket BIO callback that keeps the first bytes
 * (to recognise plain HTTP), and the "tls" record of a failed one. */
void conn_handshake_done(struct conn *c);
void conn_handshake_failed(struct conn *c, short what);
long conn_first_bytes_cb(BIO *b, int oper, const char *argp, size_t len,
    int argi, long argl, int ret, size_t *processed);
void conn_log_tls_failure(struct conn *c, const char *reason);
/* conn_builtin.c. Prepare r's built-in origin's answer (echo's view of
 * the request, or the static file) from the request head; on an HTTP/1.1
 * connection, begin answering it (a 100 Continue when asked), step it as
 * the body arrives (CONN_STEP_WAIT until whole, and the origin's delay),
 * and finish it. */
void conn_builtin_start(struct conn_req *r, const struct http_request *req);
void conn_builtin_begin(struct conn *c, const struct http_request *req);
enum conn_step conn_builtin_step(struct conn *c);
enum conn_step conn_builtin_finish(struct conn *c);
void conn_add_connection_header(struct conn *c, struct evbuffer *out);
/* r's error (reference, code, sub-reason, detail, status; status 0: the
 * persona's), and the persona's page for it as an HTTP/1.1 message. */
void conn_req_set_error(struct conn_req *r, enum es_code code, int status,
    const char *sub, const char *detail);
void conn_error_page(struct conn_req *r, int status, bool close,
    struct sbuf *out);
/* A conn_field_fn: appends "Name: value\r\n" to the evbuffer arg. */
void conn_add_field_line(void *arg, const char *name, size_t nlen,
    const char *value, size_t vlen);
void conn_log_request(struct conn *c, struct conn_req *r);
/* Close with an RST: a response that broke after bytes of it left. */
void conn_reset(struct conn *c);

static inline const struct conf_global *
conn_glob(const struct conn *c)
{
	return &c->rt->cfg->global;
}

static inline void
conn_add_s(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

static inline void
conn_add_hs(struct evbuffer *b, struct http_str s)
{
	evbuffer_add(b, s.p, s.n);
}

/* A zeroed request state, from the worker's free list when it has one;
 * and back (its contents already released). */
struct conn_req *conn_req_get(struct worker *w);
void conn_req_put(struct worker *w, struct conn_req *r);
/* Release what a request state holds (built-in answers) and put it back;
 * its origin connection must be gone already. */
void conn_req_free(struct worker *w, struct conn_req *r);

/* --- conn_origin.c: a request's trip to an origin and back --- */

/*
 * Forwarding a parsed request r is two steps, so that the viewer's
 * request head can be consumed in between: build the head to send from
 * req (which points into the viewer's input buffer) into r->fwd, then,
 * with req no longer needed, ask for an origin connection to r->origin.
 * r owns that connection (r->up_pending, then r->up) until it is given
 * back; the origin's callbacks carry r.
 */
void conn_origin_build_head(struct conn_req *r, const struct http_request *req);
enum conn_step conn_origin_start(struct conn_req *r);
/* Relay what has arrived of the request body to the origin. */
enum conn_step conn_origin_request_body(struct conn_req *r);
/* Read the origin's response head and relay its body to the viewer. */
enum conn_step conn_origin_response(struct conn_req *r);
/* How many proxies a request went through (its Via entries). */
int conn_origin_via_hops(const struct http_request *req);
/* The fields of an origin's response head as the viewer gets them: the
 * origin's without hop-by-hop ones, its Via extended, the persona's. */
void conn_origin_response_fields(struct conn_req *r,
    const struct http_response *res, conn_field_fn emit, void *arg);
/* The request body is all with the origin: its read timeout starts. */
void conn_origin_body_sent(struct conn_req *r);

/* --- conn_tunnel.c: mode = tcp --- */

/* Take over a conn whose viewer handshake just finished: its bufferevent
 * callbacks become the tunnel's. */
void conn_tunnel_start(struct conn *c);

#include "conn_h2.h"

#endif
