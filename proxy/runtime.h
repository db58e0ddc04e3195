/*
 * runtime.h - a config made live: each edge's TLS contexts and identity,
 * each origin's TLS client context. Built once per (re)load, shared by every
 * worker and connection, reference-counted so that a SIGHUP never frees
 * what a connection still uses.
 */
#ifndef EDGESIM_RUNTIME_H
#define EDGESIM_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "persona.h"
#include "tls_client.h"
#include "tls_server.h"

struct edge_rt {
	const struct conf_edge *conf;
	struct tls_server tls;
	struct persona_id id;
	struct sni_table hosts;         /* Host header -> struct conf_host */
};

struct origin_rt {
	const struct conf_origin *conf;
	bool has_tls;                   /* proxy origin with tls = on */
	struct tls_client tls;
	char *root_real;                /* static: realpath of root */
};

struct runtime {
	atomic_int refs;
	uint64_t generation;
	struct config *cfg;             /* owned */
	struct edge_rt *edges;          /* indexed like cfg->edges */
	struct origin_rt *origins;      /* indexed like cfg->origins */
	/* The forward proxy's look-ups, built once so that a request costs
	 * the same with 10 names or 60,000: every host name and alias of
	 * the config (-> struct conf_host), the [resolve] names
	 * (-> struct conf_resolve) and [forward_proxy] hosts (-> the cfg). */
	struct sni_table all_hosts;
	struct sni_table resolve_names;
	struct sni_table fproxy_hosts;
};

/*
 * Build the live state of cfg (taking ownership of it): issue missing lab
 * certificates, parse every certificate into its SSL_CTX. NULL with err on
 * failure, in which case cfg has been freed.
 */
struct runtime *runtime_build(struct config *cfg, uint64_t generation,
    struct es_err *err);
struct runtime *runtime_ref(struct runtime *rt);
void runtime_unref(struct runtime *rt);

static inline struct origin_rt *
runtime_origin(struct runtime *rt, const struct conf_origin *o)
{
	return &rt->origins[o->index];
}

static inline struct edge_rt *
runtime_edge(struct runtime *rt, const struct conf_edge *e)
{
	return &rt->edges[e->index];
}

/* The live edge called name in rt (not disabled by --edge), or NULL: a
 * connection keeps its edge across a reload by name. */
struct edge_rt *runtime_edge_named(struct runtime *rt, const char *name);

#endif
