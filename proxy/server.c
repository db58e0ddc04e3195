/*
 * server.c - the process around the workers: startup, signals, reload and
 * graceful stop.
 */
#include "server.h"
#include "version.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "runtime.h"
#include "worker.h"

struct server {
	const char *config_path;
	struct event_base *base;
	struct worker worker;
	uint64_t generation;
	bool stopping;
	int64_t stop_deadline;
	struct event *sig_term, *sig_int, *sig_hup, *stop_timer;
};

static void
log_problems(const struct conf_problems *probs, const char *path)
{
	for (size_t i = 0; i < probs->n; i++) {
		struct log_rec r;
		log_begin(&r, probs->v[i].warning ? "config_warning" :
		    "config_error");
		char where[64];
		snprintf(where, sizeof(where), "%d", probs->v[i].line);
		log_str(&r, "file", path);
		log_str(&r, "line", where);
		log_str(&r, "msg", probs->v[i].msg);
		log_end(&r);
	}
}

static void
log_edges(const struct runtime *rt)
{
	const struct config *cfg = rt->cfg;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		struct sbuf addrs, hosts;
		struct log_rec r;
		sbuf_init(&addrs);
		sbuf_init(&hosts);
		for (size_t j = 0; j < e->n_listen; j++)
			sbuf_addf(&addrs, "%s%s", j ? " " : "", e->listen[j].text);
		for (size_t j = 0; j < e->n_hosts; j++)
			sbuf_addf(&hosts, "%s%s", j ? " " : "",
			    e->hosts[j]->sec.name);
		log_begin(&r, "edge");
		log_str(&r, "edge", e->sec.name);
		log_str(&r, "persona", config_persona_name(e->persona));
		log_str(&r, "mode", e->mode == EDGE_MODE_TCP ? "tcp" : "http");
		log_str(&r, "listen", addrs.s ? addrs.s : "");
		log_str(&r, "hosts", hosts.s ? hosts.s : "");
		log_int(&r, "generation", (int64_t)rt->generation);
		log_end(&r);
		sbuf_free(&addrs);
		sbuf_free(&hosts);
	}
}

static void
reload(struct server *s)
{
	struct conf_problems probs = { 0 };
	struct es_err err;

	log_info("SIGHUP: reloading %s", s->config_path);
	struct config *cfg = config_load(s->config_path, &probs);
	log_problems(&probs, s->config_path);
	config_problems_free(&probs);
	if (cfg == NULL) {
		log_error("reload refused: %s is invalid; still serving the "
		    "previous config", s->config_path);
		return;
	}
	char *log_dest = xstrdup(cfg->global.log);
	enum log_format fmt = cfg->global.log_format;
	struct runtime *rt = runtime_build(cfg, s->generation + 1, &err);
	if (rt == NULL) {
		log_error("reload refused: %s; still serving the previous config",
		    err.msg);
		free(log_dest);
		return;
	}
	if (worker_listen(&s->worker, rt, &err) < 0) {
		log_error("reload refused: %s; still serving the previous config",
		    err.msg);
		runtime_unref(rt);
		free(log_dest);
		return;
	}
	if (log_open(log_dest, fmt, &err) < 0)
		log_error("%s; logging where it did", err.msg);
	free(log_dest);
	s->generation++;
	worker_swap_runtime(&s->worker, rt);
	log_edges(rt);
	log_info("reloaded: generation %llu", (unsigned long long)s->generation);
	runtime_unref(rt);
}

static void
stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	if (s->worker.n_conns == 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	if (clock_mono_ms() >= s->stop_deadline) {
		log_warn("shutdown_timeout: closing %zu connections still busy",
		    s->worker.n_conns);
		event_base_loopexit(s->base, NULL);
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
	s->stop_deadline = clock_mono_ms() +
	    s->worker.rt->cfg->global.shutdown_timeout_ms;
	worker_drain(&s->worker);
	struct timeval tv = { 0, 50 * 1000 };
	s->stop_timer = event_new(s->base, -1, EV_PERSIST, stop_check, s);
	event_add(s->stop_timer, &tv);
	stop_check(-1, 0, s);
}

int
server_run(const char *config_path)
{
	struct conf_problems probs = { 0 };
	struct server s;
	struct es_err err;

	memset(&s, 0, sizeof(s));
	s.config_path = config_path;
	signal(SIGPIPE, SIG_IGN);

	struct config *cfg = config_load(config_path, &probs);
	config_problems_print(&probs, config_path, stderr);
	config_problems_free(&probs);
	if (cfg == NULL) {
		fprintf(stderr, "edgesim: %s is invalid; not starting\n",
		    config_path);
		return 2;
	}
	if (log_open(cfg->global.log, cfg->global.log_format, &err) < 0) {
		fprintf(stderr, "edgesim: %s\n", err.msg);
		config_free(cfg);
		return 2;
	}
	s.generation = 1;
	struct runtime *rt = runtime_build(cfg, s.generation, &err);
	if (rt == NULL) {
		fprintf(stderr, "edgesim: %s\n", err.msg);
		log_error("not starting: %s", err.msg);
		return 1;
	}
	s.base = event_base_new();
	if (s.base == NULL || worker_init(&s.worker, 0, s.base, rt, &err) < 0) {
		fprintf(stderr, "edgesim: %s\n", s.base ? err.msg :
		    "cannot create an event loop");
		log_error("not starting: %s", s.base ? err.msg : "no event loop");
		runtime_unref(rt);
		return 1;
	}
	s.sig_term = evsignal_new(s.base, SIGTERM, on_signal, &s);
	s.sig_int = evsignal_new(s.base, SIGINT, on_signal, &s);
	s.sig_hup = evsignal_new(s.base, SIGHUP, on_signal, &s);
	evsignal_add(s.sig_term, NULL);
	evsignal_add(s.sig_int, NULL);
	evsignal_add(s.sig_hup, NULL);
	log_info("edgesim %s started: pid %d, config %s", EDGESIM_VERSION,
	    (int)getpid(), config_path);
	log_edges(rt);
	runtime_unref(rt);      /* the worker holds its own reference */

	event_base_dispatch(s.base);

	worker_free(&s.worker);
	event_free(s.sig_term);
	event_free(s.sig_int);
	event_free(s.sig_hup);
	if (s.stop_timer)
		event_free(s.stop_timer);
	event_base_free(s.base);
	log_info("stopped");
	log_close();
	return 0;
}
