/*
 * worker.c - an event loop's listeners, connections and pools.
 *
 * Listeners are kept by address across reloads: a SIGHUP that leaves
 * 127.0.0.1:8443 in the config keeps the very same socket open, so no
 * connection attempt is refused while the config changes.
 */
#include "worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "conn.h"
#include "forward_proxy.h"
#include "log.h"
#include "upstream.h"

/*
 * An accept that failed for want of descriptors or memory leaves the
 * connection in the kernel's queue, so the listener is readable again at
 * once: retrying at once spins the loop (it did: 100 % CPU and a log line
 * per retry). Instead every listener of the worker rests for
 * ACCEPT_REST_MS, then tries again; the queued viewers wait in the
 * backlog, and are served as soon as descriptors come back. One log line
 * when an episode starts, one when it ends, with the count.
 */
#define ACCEPT_REST_MS 200

static void
listeners_enable(struct worker *w, bool on)
{
	for (struct listener *l = w->listeners; l; l = l->next) {
		if (on)
			evconnlistener_enable(l->lev);
		else
			evconnlistener_disable(l->lev);
	}
}

static void
accept_rest_over(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	w->accept_resting = false;
	listeners_enable(w, true);
}

/* An accept worked: if an episode of refusals was on, it is over. */
static void
accept_episode_end(struct worker *w)
{
	if (w->accept_episode_start == 0)
		return;
	log_warn("accept resumed after %lld ms: %llu attempts refused for "
	    "want of descriptors or memory while paused",
	    (long long)(clock_mono_ms() - w->accept_episode_start),
	    (unsigned long long)w->accept_refusals);
	w->accept_episode_start = 0;
	w->accept_refusals = 0;
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	struct worker *w = l->w;
	int err = EVUTIL_SOCKET_ERROR();

	(void)lev;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		/* Something about this one connection (it may already be
		 * gone): the next accept is a new attempt. */
		log_warn("accept on %s:%d failed: %s", l->host, l->port,
		    strerror(err));
		return;
	}
	w->accept_refusals++;
	if (w->accept_episode_start == 0) {
		struct rlimit rl;
		w->accept_episode_start = clock_mono_ms();
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = 0;
		log_warn("accept paused on %s:%d: %s (descriptor limit %llu); "
		    "new viewers wait in the listen queue, retrying every %d ms",
		    l->host, l->port, strerror(err),
		    (unsigned long long)rl.rlim_cur, ACCEPT_REST_MS);
	}
	if (w->accept_resting)
		return;
	struct timeval tv = { 0, ACCEPT_REST_MS * 1000 };
	listeners_enable(w, false);
	w->accept_resting = true;
	evtimer_add(w->accept_rest, &tv);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listener *l = arg;
	struct worker *w = l->w;

	(void)lev;
	accept_episode_end(w);
	/* While stopping, the listeners still open are those of edges that
	 * other edges of this process forward to: they accept. */
	if (!l->fproxy && l->edge_index >= w->rt->cfg->n_edges) {
		close(fd);
		return;
	}
	int64_t limit = w->rt->cfg->global.max_connections / w->n_workers;
	if ((int64_t)w->n_conns >= (limit > 0 ? limit : 1)) {
		/* Refuse loudly rather than degrade everyone. */
		struct log_rec r;
		log_begin(&r, "conn_refused");
		log_str(&r, "reason", "max_connections reached");
		log_int(&r, "max_connections", w->rt->cfg->global.max_connections);
		log_end(&r);
		close(fd);
		return;
	}
	if (l->fproxy)
		forward_proxy_accept(w, fd, sa);
	else
		conn_accept(w, &w->rt->edges[l->edge_index], fd, sa, salen);
}

static int
listener_open(struct worker *w, struct listener *l, struct es_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, l->host,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)l->port);
		len = sizeof(*s);
	} else if (inet_pton(AF_INET6, l->host,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)l->port);
		len = sizeof(*s);
	} else {
		return es_errf(err, "listen: '%s' is not an address", l->host);
	}
	/* Disabled until committed (worker_swap_runtime). */
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED;
	if (w->n_workers > 1) {
		/* Every worker binds the port (SO_REUSEPORT) and the kernel
		 * spreads connections. SO_REUSEPORT would also let a second
		 * edgesim share the port silently, so the first worker checks
		 * first that nobody else holds it. */
		if (w->index == 0) {
			int probe = socket(ss.ss_family, SOCK_STREAM, 0);
			int one = 1;
			setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
			int rc = bind(probe, (struct sockaddr *)&ss, len);
			int e = errno;
			close(probe);
			if (rc < 0)
				return es_errf(err, "cannot listen on %s:%d: %s",
				    l->host, l->port, strerror(e));
		}
		flags |= LEV_OPT_REUSEABLE_PORT;
	}
	l->lev = evconnlistener_new_bind(w->base, accept_cb, l, flags, 1024,
	    (struct sockaddr *)&ss, (int)len);
	if (l->lev == NULL)
		return es_errf(err, "cannot listen on %s:%d: %s", l->host,
		    l->port, strerror(errno));
	evconnlistener_set_error_cb(l->lev, accept_error_cb);
	return 0;
}

static struct listener *
listener_find(struct listener *list, const char *host, int port)
{
	for (struct listener *l = list; l; l = l->next)
		if (l->port == port && strcmp(l->host, host) == 0)
			return l;
	return NULL;
}

/* Every address rt listens on: the edges', then the forward proxy's. */
static size_t
listen_addrs(struct runtime *rt, const struct conf_listen **out, size_t *edge,
    size_t cap)
{
	struct config *cfg = rt->cfg;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		for (size_t j = 0; !e->disabled && j < e->n_listen && n < cap;
		    j++) {
			out[n] = &e->listen[j];
			edge[n++] = i;
		}
	}
	if (cfg->fproxy.present && n < cap) {
		out[n] = &cfg->fproxy.listen;
		edge[n++] = SIZE_MAX;
	}
	return n;
}

/*
 * A reload changes listeners in two steps, so that a connection accepted
 * at any moment is served by one generation only:
 *
 * prepare (worker_listen_prepare): open, disabled, every address the new
 *   runtime needs that is not open yet. Nothing live changes; a failure
 *   leaves the old config serving (worker_listen_abort closes them).
 * commit (worker_swap_runtime): in one callback of this loop, so that no
 *   accept runs in between, give each listener its edge index in the new
 *   runtime, close those it no longer has, switch the runtime, and enable
 *   the new listeners. Viewers that connect to a new address meanwhile
 *   wait in its listen queue.
 */
int
worker_listen_prepare(struct worker *w, struct runtime *rt, struct es_err *err)
{
	const struct conf_listen *addrs[256];
	size_t edges[256];
	size_t n = listen_addrs(rt, addrs, edges, ES_ARRAY_LEN(addrs));
	struct listener *l;

	worker_listen_abort(w);
	for (size_t i = 0; i < n; i++) {
		const struct conf_listen *cl = addrs[i];
		if (listener_find(w->listeners, cl->host, cl->port) ||
		    listener_find(w->pending, cl->host, cl->port))
			continue;
		l = xcalloc(1, sizeof(*l));
		l->w = w;
		snprintf(l->host, sizeof(l->host), "%s", cl->host);
		l->port = cl->port;
		l->edge_index = SIZE_MAX;       /* not live yet */
		if (listener_open(w, l, err) < 0) {
			free(l);
			worker_listen_abort(w);
			return -1;
		}
		l->next = w->pending;
		w->pending = l;
	}
	return 0;
}

void
worker_listen_abort(struct worker *w)
{
	struct listener *l;

	while ((l = w->pending) != NULL) {
		w->pending = l->next;
		evconnlistener_free(l->lev);
		free(l);
	}
}

/* The commit step: listeners as rt wants them (see above). */
static void
listeners_commit(struct worker *w, struct runtime *rt)
{
	const struct conf_listen *addrs[256];
	size_t edges[256];
	size_t n = listen_addrs(rt, addrs, edges, ES_ARRAY_LEN(addrs));
	struct listener *l, *fresh = w->pending;

	w->pending = NULL;
	while ((l = fresh) != NULL) {
		fresh = l->next;
		l->next = w->listeners;
		w->listeners = l;
	}
	for (l = w->listeners; l; l = l->next)
		l->keep = false;
	for (size_t i = 0; i < n; i++) {
		l = listener_find(w->listeners, addrs[i]->host, addrs[i]->port);
		if (l == NULL)
			continue;       /* not prepared: cannot happen */
		l->edge_index = edges[i];
		l->fproxy = edges[i] == SIZE_MAX;
		l->keep = true;
	}
	struct listener **pp = &w->listeners;
	while ((l = *pp) != NULL) {
		if (!l->keep) {
			*pp = l->next;
			evconnlistener_free(l->lev);
			free(l);
		} else {
			pp = &l->next;
		}
	}
	if (!w->accept_resting && !w->draining)
		listeners_enable(w, true);
}

/*
 * Connection deadlines (header, idle, an origin's delay) live in the
 * worker's per-duration queues (deadline.c): arming one is a list append,
 * with no timer event to add and delete per request and no event per
 * idle connection. A tick every SWEEP_MS looks at the head of each queue
 * (conn_sweep): its cost is the handful of durations in use plus what
 * expires, not the number of connections. A deadline fires up to
 * SWEEP_MS late.
 */
#define SWEEP_MS 100

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_sweep(arg, clock_mono_ms());
}

int
worker_init(struct worker *w, int index, int n_workers,
    struct event_base *base, struct runtime *rt, struct es_err *err)
{
	memset(w, 0, sizeof(*w));
	w->magic = WORKER_MAGIC;
	w->index = index;
	w->n_workers = n_workers;
	w->base = base;
	TAILQ_INIT(&w->conns);
	TAILQ_INIT(&w->fpconns);
	deadlines_init(&w->deadlines);
	w->static_cache = static_cache_new();
	w->next_id = ((uint64_t)index << 56) | ((uint64_t)getpid() << 24);
	w->dns = evdns_base_new(base, 0);
	const char *ns = rt->cfg->global.nameserver;
	if (w->dns && !(ns && strcmp(ns, "none") == 0)) {
		int rc = ns ? evdns_base_nameserver_ip_add(w->dns, ns) :
		    evdns_base_resolv_conf_parse(w->dns, DNS_OPTIONS_ALL,
		    "/etc/resolv.conf");
		if (rc != 0)
			log_warn("DNS: %s: origin names not in [resolve] will "
			    "fail", ns ? "bad nameserver" :
			    "cannot read /etc/resolv.conf");
	}
	w->rt = runtime_ref(rt);
	struct timeval tv = { 0, SWEEP_MS * 1000 };
	w->sweep = event_new(base, -1, EV_PERSIST, sweep_cb, w);
	event_add(w->sweep, &tv);
	w->accept_rest = evtimer_new(base, accept_rest_over, w);
	w->pool = upstream_pool_new(rt);
	if (worker_listen_prepare(w, rt, err) < 0)
		return -1;
	listeners_commit(w, rt);
	return 0;
}

void
worker_swap_runtime(struct worker *w, struct runtime *rt)
{
	listeners_commit(w, rt);
	upstream_pool_free(w->pool);
	runtime_unref(w->rt);
	w->rt = runtime_ref(rt);
	w->pool = upstream_pool_new(rt);
	/* Connections are not closed: a keep-alive viewer may have a request
	 * on its way. Each takes the new generation at its next request
	 * (conn.c), or, when its edge is gone, closes after its next
	 * response or once idle long enough. */
	struct conn *c, *next;
	for (c = TAILQ_FIRST(&w->conns); c; c = next) {
		next = conn_next(c);
		if (conn_runtime(c) != rt)
			conn_reloaded(c, rt);
	}
}

/* The stop stage of c's edge (chain.h); stage is indexed like the
 * worker's runtime. A connection of an older generation is placed by its
 * edge's name. */
static int
conn_stop_stage(struct worker *w, struct conn *c, const int *stage)
{
	const struct edge_rt *ce = conn_edge(c);

	if (conn_runtime(c) == w->rt)
		return stage[ce->conf->index];
	struct edge_rt *e = runtime_edge_named(w->rt, ce->conf->sec.name);
	return e ? stage[e->conf->index] : 0;
}

void
worker_drain(struct worker *w, const int *stage, int k)
{
	struct listener *l, **pp;

	if (!w->draining) {
		w->draining = true;
		upstream_pool_flush(w->pool);
		/* A proxy tunnel shows no request boundary to wait for. */
		while (!TAILQ_EMPTY(&w->fpconns))
			forward_proxy_close(TAILQ_FIRST(&w->fpconns), "stopping");
	}
	pp = &w->listeners;
	while ((l = *pp) != NULL) {
		if (l->fproxy || l->edge_index >= w->rt->cfg->n_edges ||
		    stage[l->edge_index] <= k) {
			*pp = l->next;
			evconnlistener_free(l->lev);
			free(l);
		} else {
			pp = &l->next;
		}
	}
	struct conn *c, *next;
	for (c = TAILQ_FIRST(&w->conns); c; c = next) {
		next = conn_next(c);
		if (conn_stop_stage(w, c, stage) == k)
			conn_drain(c);
	}
}

size_t
worker_conns_upto(struct worker *w, const int *stage, int k)
{
	size_t n = 0;
	struct conn *c;

	for (c = TAILQ_FIRST(&w->conns); c; c = conn_next(c))
		if (conn_stop_stage(w, c, stage) <= k)
			n++;
	return n;
}

void
worker_free(struct worker *w)
{
	struct listener *l;

	while (!TAILQ_EMPTY(&w->conns))
		conn_close(TAILQ_FIRST(&w->conns), "shutdown");
	while (!TAILQ_EMPTY(&w->fpconns))
		forward_proxy_close(TAILQ_FIRST(&w->fpconns), "shutdown");
	while ((l = w->listeners) != NULL) {
		w->listeners = l->next;
		evconnlistener_free(l->lev);
		free(l);
	}
	worker_listen_abort(w);
	upstream_pool_free(w->pool);
	w->pool = NULL;
	if (w->sweep)
		event_free(w->sweep);
	if (w->accept_rest)
		event_free(w->accept_rest);
	conn_free_spares(w);
	path_buf_free(&w->path_buf);
	deadlines_free(&w->deadlines);
	static_cache_free(w->static_cache);
	if (w->dns)
		evdns_base_free(w->dns, 1);
	runtime_unref(w->rt);
	memset(w, 0, sizeof(*w));
}

uint64_t
worker_next_id(struct worker *w)
{
	return ++w->next_id;
}
