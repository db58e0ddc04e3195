/*
 * upstream.h - one connection from an edge to an origin: resolve, connect,
 * TLS handshake, then lent to a viewer connection for a request and given
 * back to the worker's pool for the next one.
 *
 * While being set up, the upstream reports to its owner through two
 * callbacks: ready (the connection can carry a request) or failed (with the
 * error code, sub-reason and detail, and after logging the origin record).
 * Neither ever runs inside the call that started the work: a failure found
 * at once (no socket, an unroutable address, a name that cannot resolve)
 * is reported from the event loop, as a late one would be.
 *
 * Ownership: whoever calls upstream_get owns the upstream it returns, from
 * that moment, whether it is ready or still being set up. upstream_free
 * cancels a set-up in progress (DNS, connect, handshake) and no callback
 * comes after it; the failed callback must free the upstream (it is the
 * owner's to free). Once ready, the owner sets its own bufferevent
 * callbacks and hands the upstream back with upstream_release.
 */
#ifndef EDGESIM_UPSTREAM_H
#define EDGESIM_UPSTREAM_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "errors.h"
#include "persona.h"
#include "runtime.h"
#include "sni.h"
#include "tls_client.h"

#define UPSTREAM_MAGIC 0x7e5e7e06u

struct worker;
struct resolve_req;
struct upstream;

enum upstream_state {
	UP_RESOLVING,
	UP_CONNECTING,          /* TCP connect in flight */
	UP_HANDSHAKE,           /* TLS handshake in flight */
	UP_BUSY,                /* lent to a viewer connection */
	UP_IDLE,                /* in the pool */
};

/* What went wrong, for the owner's error page and log. */
struct upstream_failure {
	enum es_code code;
	enum es_tls_reason reason;
	char sub[64];           /* "no_certificate", "alert:bad_certificate" */
	char detail[512];       /* one sentence with the facts */
	char fix[256];          /* the config line that would fix it, or "" */
};

/* Which request an upstream works for, as its log records spell it. */
struct upstream_tag {
	const char *hop_from;           /* the edge's name */
	size_t node;                    /* the edge's index in the config */
	const struct persona_id *pid;   /* the edge's identity, for references */
	uint64_t req_id;
	int64_t epoch;                  /* seconds: when the request began */
};

typedef void (*upstream_ready_cb)(void *arg, struct upstream *up);
typedef void (*upstream_failed_cb)(void *arg, struct upstream *up,
    const struct upstream_failure *f);

struct upstream {
	unsigned magic;
	struct worker *w;
	struct runtime *rt;             /* ref */
	struct origin_rt *origin;
	struct upstream_tag tag;        /* the request it serves now */
	enum upstream_state state;
	struct bufferevent *bev;
	int fd;                         /* during connect, before bev */
	struct event *connect_ev;
	struct resolve_req *dns;
	struct event defer_ev;          /* a failure reported from the loop */
	bool defer_armed;
	struct upstream_failure pending;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char addr_text[80];
	bool sni_on;
	char sni[SNI_NAME_MAX + 1];
	struct tls_client_obs obs;
	int attempts;
	bool reused;                    /* taken from the pool */
	uint64_t requests;              /* carried so far */
	int64_t t_start;
	upstream_ready_cb ready;
	upstream_failed_cb failed;
	void *arg;
	TAILQ_ENTRY(upstream) link;
};

/*
 * An upstream to origin for sni (NULL: none), in *out, owned by the caller
 * from now on. Returns 1 when one was idle in the pool: *out is ready to
 * use now, and no callback will come. Returns 0 when a new one is being
 * set up: ready or failed will be called later, from the event loop,
 * never from within this call, and never after upstream_free(*out). tag
 * names the request in the origin's log record. fresh: never from the
 * pool (a retry after a pooled connection died).
 */
int upstream_get(struct worker *w, struct runtime *rt,
    struct origin_rt *origin, const char *sni, bool fresh,
    const struct upstream_tag *tag, upstream_ready_cb ready, upstream_failed_cb failed,
    void *arg, struct upstream **out);

/*
 * The SNI to send to origin, or NULL for none: per its `sni` setting, where
 * `host` is the name the viewer asked for (its Host header, port allowed, or
 * the SNI it sent; may be NULL). Never an address: RFC 6066 forbids
 * literal IP addresses in SNI, so an origin reached by address gets none.
 */
const char *upstream_sni(const struct origin_rt *origin, const char *host,
    char *buf, size_t len);

/* Give it back: to the pool when reusable, else closed. */
void upstream_release(struct upstream *up, bool reusable);
/* Close and free (also cancels a setup in progress). */
void upstream_free(struct upstream *up);

/*
 * Classify a failure of an established upstream (EOF, error, alert)
 * before the response head: fills f. Used by the owner's event callback.
 */
void upstream_classify_broken(struct upstream *up, short what,
    bool got_bytes, struct upstream_failure *f);

/* Log the origin record of a failure the owner found (a malformed
 * response), with the fix when one is known. */
void upstream_log_failure(struct upstream *up, struct upstream_failure *f);

/*
 * A worker's pool of idle keep-alive origin connections, for the origins
 * of rt (upstream.c owns it; the worker holds it). upstream_release puts
 * a connection in the pool of its worker, upstream_get takes it out.
 */
struct upstream_pool;
struct upstream_pool *upstream_pool_new(struct runtime *rt);
/* Close every idle connection in p. */
void upstream_pool_flush(struct upstream_pool *p);
/* Flush and free p (NULL: nothing). */
void upstream_pool_free(struct upstream_pool *p);

#endif
