/*
 * server.c - the process around the workers: startup, signals, reload and
 * graceful stop.
 *
 * The main thread runs a small event loop of its own for signals; each
 * worker runs its event loop in a thread. The main thread never touches a
 * worker's state while that worker runs (but for its n_conns, an atomic
 * counter): it asks the worker to do things (switch config, drain, stop)
 * with worker_call, which runs a function on the worker's loop and waits
 * for its result; the mutex of that handshake orders what either side
 * wrote before it. docs/architecture.md lists what threads share.
 */
#include "server.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "chain.h"
#include "config.h"
#include "log.h"
#include "runtime.h"
#include "version.h"
#include "worker.h"

struct worker_thread;
typedef int (*worker_fn)(struct worker_thread *wt, void *arg);

struct worker_thread {
	struct worker w;
	struct event_base *base;
	pthread_t tid;
	bool started;
	struct event *cmd_ev;
	struct event *flush_ev;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	worker_fn fn;
	void *arg;
	int result;
	bool done;
	struct es_err err;
};

struct server {
	const char *config_path;
	const struct strlist *edges;    /* run only these (NULL: all) */
	struct event_base *base;
	struct worker_thread *wts;
	int n_workers;
	/* The generation every worker runs: the main thread's own reference,
	 * so that it never reads a worker's w.rt. */
	struct runtime *rt;
	bool stopping;
	int64_t stop_deadline;
	int *stop_stage;                /* per edge of the runtime (chain.h) */
	int stop_k, stop_max;           /* the stage draining now, the last */
	struct event *sig_term, *sig_int, *sig_hup, *stop_timer;
};

/* --- running functions on a worker's loop --- */

static void
cmd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker_thread *wt = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&wt->lock);
	worker_fn fn = wt->fn;
	void *fn_arg = wt->arg;
	pthread_mutex_unlock(&wt->lock);
	int r = fn(wt, fn_arg);
	pthread_mutex_lock(&wt->lock);
	wt->result = r;
	wt->done = true;
	pthread_cond_signal(&wt->cond);
	pthread_mutex_unlock(&wt->lock);
}

/* Run fn on wt's loop and wait for it; returns fn's result. */
static int
worker_call(struct worker_thread *wt, worker_fn fn, void *arg)
{
	pthread_mutex_lock(&wt->lock);
	wt->fn = fn;
	wt->arg = arg;
	wt->done = false;
	event_active(wt->cmd_ev, EV_READ, 0);
	while (!wt->done)
		pthread_cond_wait(&wt->cond, &wt->lock);
	int r = wt->result;
	pthread_mutex_unlock(&wt->lock);
	return r;
}

static int
do_listen_prepare(struct worker_thread *wt, void *arg)
{
	return worker_listen_prepare(&wt->w, arg, &wt->err);
}

static int
do_listen_abort(struct worker_thread *wt, void *arg)
{
	(void)arg;
	worker_listen_abort(&wt->w);
	return 0;
}

static int
do_swap(struct worker_thread *wt, void *arg)
{
	worker_swap_runtime(&wt->w, arg);
	return 0;
}

/* What a stop stage asks of a worker (chain.h). */
struct stop_step {
	const int *stage;
	int k;
	size_t count;           /* do_count's answer */
};

static int
do_drain(struct worker_thread *wt, void *arg)
{
	struct stop_step *st = arg;

	worker_drain(&wt->w, st->stage, st->k);
	return 0;
}

static int
do_count(struct worker_thread *wt, void *arg)
{
	struct stop_step *st = arg;

	st->count = worker_conns_upto(&wt->w, st->stage, st->k);
	return 0;
}

static int
do_exit(struct worker_thread *wt, void *arg)
{
	(void)arg;
	event_base_loopexit(wt->base, NULL);
	return 0;
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

/* A record started a batch: flush after the events now active. */
static void
log_wake(void *arg)
{
	struct worker_thread *wt = arg;

	event_active(wt->flush_ev, EV_TIMEOUT, 0);
}

/*
 * A worker's loop. With the epoll changelist, the many enable/disable
 * pairs a request makes on its bufferevents within one loop pass become
 * at most one epoll_ctl per descriptor, not one each (it was 4 epoll_ctl
 * per request on the keep-alive benchmark).
 */
static struct event_base *
worker_base_new(void)
{
	struct event_config *ec = event_config_new();
	struct event_base *b;

	if (ec == NULL)
		return event_base_new();
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	b = event_base_new_with_config(ec);
	event_config_free(ec);
	return b ? b : event_base_new();
}

static void *
worker_main(void *arg)
{
	struct worker_thread *wt = arg;

	log_batch_begin(log_wake, wt);
	event_base_loop(wt->base, EVLOOP_NO_EXIT_ON_EMPTY);
	log_batch_end();
	return NULL;
}

/* --- logging --- */

/*
 * libevent's own messages go to our log, not stderr. One is dropped:
 * bufferevent_openssl calls SSL_ERROR_WANT_CLIENT_HELLO_CB "unexpected";
 * it is how no_sni = close | reset suspend a handshake on purpose.
 */
static void
libevent_log(int severity, const char *msg)
{
	if (strstr(msg, "Unexpected OpenSSL error code 11") != NULL)
		return;
	if (severity >= EVENT_LOG_WARN)
		log_msg(severity >= EVENT_LOG_ERR ? "error" : "warning",
		    "libevent: %s", msg);
}

static void
log_problems(const struct conf_problems *probs, const char *path)
{
	for (size_t i = 0; i < probs->n; i++) {
		struct log_rec r;
		char where[600];
		snprintf(where, sizeof(where), "%s:%d: %s", path,
		    probs->v[i].line, probs->v[i].msg);
		log_begin(&r, probs->v[i].warning ? "config_warning" :
		    "config_error");
		log_str(&r, "msg", where);
		log_end(&r);
	}
}

static void
log_edges(const struct runtime *rt, int n_workers)
{
	const struct config *cfg = rt->cfg;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		struct sbuf addrs, hosts;
		struct log_rec r;
		if (e->disabled)
			continue;
		sbuf_init(&addrs);
		sbuf_init(&hosts);
		for (size_t j = 0; j < e->n_listen; j++)
			sbuf_addf(&addrs, "%s%s", j ? " " : "", e->listen[j].text);
		/* A config of 10,000 hosts is not one log line of them. */
		for (size_t j = 0; j < e->n_hosts && j < 20; j++)
			sbuf_addf(&hosts, "%s%s", j ? " " : "",
			    e->hosts[j]->sec.name);
		if (e->n_hosts > 20)
			sbuf_addf(&hosts, " (and %zu more)", e->n_hosts - 20);
		log_begin(&r, "edge");
		log_str(&r, "edge", e->sec.name);
		log_str(&r, "persona", config_persona_name(e->persona));
		log_str(&r, "mode", e->mode == EDGE_MODE_TCP ? "tcp" : "http");
		log_str(&r, "listen", addrs.s ? addrs.s : "");
		log_str(&r, "hosts", hosts.s ? hosts.s : "");
		log_int(&r, "workers", n_workers);
		log_int(&r, "generation", (int64_t)rt->generation);
		log_end(&r);
		sbuf_free(&addrs);
		sbuf_free(&hosts);
	}
}

/*
 * One record per address the process listens on, the forward proxy's
 * included, saying what it serves and whether other machines can reach
 * it: what is open is never a surprise.
 */
static void
log_listener(const struct conf_listen *l, const char *kind, const char *name)
{
	struct log_rec r;

	log_begin(&r, "listener");
	log_str(&r, "listen", l->text ? l->text : l->host);
	log_str(&r, "kind", kind);
	if (name)
		log_str(&r, "edge", name);
	/* Not loopback: check's warning, logged at start, says more. */
	log_bool(&r, "loopback", config_listen_loopback(l->host));
	log_end(&r);
}

static void
log_listeners(const struct runtime *rt)
{
	const struct config *cfg = rt->cfg;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		for (size_t j = 0; !e->disabled && j < e->n_listen; j++)
			log_listener(&e->listen[j], "edge", e->sec.name);
	}
	if (cfg->fproxy.present)
		log_listener(&cfg->fproxy.listen, "forward_proxy", NULL);
}

/* --- reload and stop --- */

static void
reload(struct server *s)
{
	struct conf_problems probs = { 0 };
	struct es_err err;

	log_info("SIGHUP: reloading %s", s->config_path);
	struct config *cfg = config_load(s->config_path, &probs);
	log_problems(&probs, s->config_path);
	config_problems_free(&probs);
	if (cfg && config_select_edges(cfg, s->edges, &err) < 0) {
		log_error("%s", err.msg);
		config_free(cfg);
		cfg = NULL;
	}
	if (cfg == NULL) {
		log_error("reload refused: %s is invalid; still serving the "
		    "previous config", s->config_path);
		admin_reloaded(NULL);
		return;
	}
	if (cfg->global.workers != s->n_workers)
		log_warn("workers changed to %lld: takes effect at the next "
		    "start, not on reload", (long long)cfg->global.workers);
	char *log_dest = xstrdup(cfg->global.log);
	enum log_format fmt = cfg->global.log_format;
	struct runtime *rt = runtime_build(cfg, s->rt->generation + 1, &err);
	if (rt == NULL) {
		log_error("reload refused: %s; still serving the previous config",
		    err.msg);
		free(log_dest);
		admin_reloaded(NULL);
		return;
	}
	/* Every worker opens the new addresses first, disabled: if one
	 * cannot, they are closed again, nothing live has changed and the
	 * old config keeps serving. Then each worker switches listeners and
	 * runtime in one step (worker.c). */
	for (int i = 0; i < s->n_workers; i++) {
		if (worker_call(&s->wts[i], do_listen_prepare, rt) < 0) {
			log_error("reload refused: %s; still serving the "
			    "previous config", s->wts[i].err.msg);
			for (int j = 0; j < i; j++)
				worker_call(&s->wts[j], do_listen_abort, NULL);
			runtime_unref(rt);
			free(log_dest);
			admin_reloaded(NULL);
			return;
		}
	}
	if (log_open(log_dest, fmt, &err) < 0)
		log_error("%s; logging where it did", err.msg);
	free(log_dest);
	for (int i = 0; i < s->n_workers; i++)
		worker_call(&s->wts[i], do_swap, rt);
	log_edges(rt, s->n_workers);
	log_listeners(rt);
	admin_reloaded(rt);
	log_info("reloaded: generation %llu", (unsigned long long)rt->generation);
	runtime_unref(s->rt);
	s->rt = rt;
}

static size_t
conns_open(const struct server *s)
{
	size_t n = 0;

	for (int i = 0; i < s->n_workers; i++)
		n += atomic_load(&s->wts[i].w.n_conns);
	return n;
}

static void
drain_stage(struct server *s, int k)
{
	struct stop_step st = { s->stop_stage, k, 0 };

	s->stop_k = k;
	for (int i = 0; i < s->n_workers; i++)
		worker_call(&s->wts[i], do_drain, &st);
}

/*
 * A chain in one process stops from the front (chain.h): the edges viewers
 * reach stop accepting first, and an edge they forward to keeps serving
 * until they have no connection left, then drains in turn. So a request
 * the first edge has in flight still finds the second one.
 */
static void
stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	size_t n = conns_open(s);
	if (n == 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	if (clock_mono_ms() >= s->stop_deadline) {
		log_warn("shutdown_timeout: closing %zu connections still busy", n);
		event_base_loopexit(s->base, NULL);
		return;
	}
	while (s->stop_k < s->stop_max) {
		struct stop_step st = { s->stop_stage, s->stop_k, 0 };
		size_t upto = 0;
		for (int i = 0; i < s->n_workers; i++) {
			worker_call(&s->wts[i], do_count, &st);
			upto += st.count;
		}
		if (upto > 0)
			break;
		drain_stage(s, s->stop_k + 1);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;

	(void)what;
	if (sig == SIGHUP) {
		if (!s->stopping)
			reload(s);
		return;
	}
	if (s->stopping) {
		log_warn("second stop signal: exiting now");
		event_base_loopexit(s->base, NULL);
		return;
	}
	s->stopping = true;
	log_info("%s: finishing requests in flight, then exiting",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	/* Every worker runs the same generation (reloads switch them all
	 * before returning), so the current config says the chain. */
	const struct config *cfg = s->rt->cfg;
	s->stop_deadline = clock_mono_ms() + cfg->global.shutdown_timeout_ms;
	s->stop_stage = xcalloc(cfg->n_edges ? cfg->n_edges : 1,
	    sizeof(*s->stop_stage));
	s->stop_max = chain_stop_stages(cfg, s->stop_stage);
	drain_stage(s, 0);
	struct timeval tv = { 0, 50 * 1000 };
	s->stop_timer = event_new(s->base, -1, EV_PERSIST, stop_check, s);
	event_add(s->stop_timer, &tv);
	stop_check(-1, 0, s);
}

/* --- start --- */

static int
start_workers(struct server *s, struct runtime *rt, struct es_err *err)
{
	s->wts = xcalloc((size_t)s->n_workers, sizeof(*s->wts));
	for (int i = 0; i < s->n_workers; i++) {
		struct worker_thread *wt = &s->wts[i];
		pthread_mutex_init(&wt->lock, NULL);
		pthread_cond_init(&wt->cond, NULL);
		wt->base = worker_base_new();
		if (wt->base == NULL)
			return es_errf(err, "cannot create an event loop");
		wt->cmd_ev = event_new(wt->base, -1, 0, cmd_cb, wt);
		wt->flush_ev = event_new(wt->base, -1, 0, flush_cb, NULL);
		/* Listeners are bound here, before any thread runs. */
		if (worker_init(&wt->w, i, s->n_workers, wt->base, rt, err) < 0)
			return -1;
	}
	/* Signals are the main thread's business: workers start with them
	 * blocked (threads inherit the mask they are created with). */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0;
	for (int i = 0; i < s->n_workers && rc == 0; i++) {
		struct worker_thread *wt = &s->wts[i];
		if (pthread_create(&wt->tid, NULL, worker_main, wt) != 0)
			rc = es_errf(err, "cannot start worker thread %d", i);
		else
			wt->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void
stop_workers(struct server *s)
{
	for (int i = 0; s->wts && i < s->n_workers; i++) {
		struct worker_thread *wt = &s->wts[i];
		if (wt->started) {
			worker_call(wt, do_exit, NULL);
			pthread_join(wt->tid, NULL);
		}
	}
	/* The loops are stopped: their state may be freed from here. */
	for (int i = 0; s->wts && i < s->n_workers; i++) {
		struct worker_thread *wt = &s->wts[i];
		if (wt->w.magic == WORKER_MAGIC)
			worker_free(&wt->w);
		if (wt->cmd_ev)
			event_free(wt->cmd_ev);
		if (wt->flush_ev)
			event_free(wt->flush_ev);
		if (wt->base)
			event_base_free(wt->base);
		pthread_mutex_destroy(&wt->lock);
		pthread_cond_destroy(&wt->cond);
	}
	free(s->wts);
	s->wts = NULL;
}

int
server_run(const char *config_path, const struct strlist *edges)
{
	struct conf_problems probs = { 0 };
	struct server s;
	struct es_err err;

	memset(&s, 0, sizeof(s));
	s.config_path = config_path;
	s.edges = edges;
	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	event_set_log_callback(libevent_log);

	struct config *cfg = config_load(config_path, &probs);
	config_problems_print(&probs, config_path, stderr);
	if (cfg == NULL) {
		config_problems_free(&probs);
		fprintf(stderr, "edgesim: %s is invalid; not starting\n",
		    config_path);
		return 2;
	}
	if (config_select_edges(cfg, edges, &err) < 0) {
		config_problems_free(&probs);
		fprintf(stderr, "edgesim: %s\n", err.msg);
		config_free(cfg);
		return 2;
	}
	if (log_open(cfg->global.log, cfg->global.log_format, &err) < 0) {
		config_problems_free(&probs);
		fprintf(stderr, "edgesim: %s\n", err.msg);
		config_free(cfg);
		return 2;
	}
	if (strcmp(cfg->global.log, "stderr") != 0)
		log_problems(&probs, config_path);     /* the warnings */
	config_problems_free(&probs);
	s.n_workers = (int)cfg->global.workers;
	struct runtime *rt = runtime_build(cfg, 1, &err);
	if (rt == NULL) {
		fprintf(stderr, "edgesim: %s\n", err.msg);
		log_error("not starting: %s", err.msg);
		return 1;
	}
	s.base = event_base_new();
	if (s.base == NULL || admin_start(s.base, rt, &err) < 0 ||
	    start_workers(&s, rt, &err) < 0) {
		fprintf(stderr, "edgesim: %s\n", s.base ? err.msg :
		    "cannot create an event loop");
		log_error("not starting: %s", s.base ? err.msg : "no event loop");
		stop_workers(&s);
		admin_stop();
		admin_free();
		runtime_unref(rt);
		if (s.base)
			event_base_free(s.base);
		return 1;
	}
	s.sig_term = evsignal_new(s.base, SIGTERM, on_signal, &s);
	s.sig_int = evsignal_new(s.base, SIGINT, on_signal, &s);
	s.sig_hup = evsignal_new(s.base, SIGHUP, on_signal, &s);
	evsignal_add(s.sig_term, NULL);
	evsignal_add(s.sig_int, NULL);
	evsignal_add(s.sig_hup, NULL);
	log_info("edgesim %s started: pid %d, config %s, %d worker%s",
	    EDGESIM_VERSION, (int)getpid(), config_path, s.n_workers,
	    s.n_workers == 1 ? "" : "s");
	log_edges(rt, s.n_workers);
	log_listeners(rt);
	s.rt = rt;              /* and each worker holds its own reference */

	event_base_loop(s.base, EVLOOP_NO_EXIT_ON_EMPTY);

	admin_stop();
	stop_workers(&s);
	admin_free();
	event_free(s.sig_term);
	event_free(s.sig_int);
	event_free(s.sig_hup);
	if (s.stop_timer)
		event_free(s.stop_timer);
	free(s.stop_stage);
	event_base_free(s.base);
	runtime_unref(s.rt);
	log_info("stopped");
	log_close();
	return 0;
}
