/*
 * runtime.c - build and release the live state of a config.
 */
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "log.h"

static void
runtime_free(struct runtime *rt)
{
	struct config *cfg = rt->cfg;

	for (size_t i = 0; rt->edges && i < cfg->n_edges; i++) {
		if (rt->edges[i].tls.magic)
			tls_server_free(&rt->edges[i].tls);
		sni_table_free(&rt->edges[i].hosts);
	}
	free(rt->edges);
	for (size_t i = 0; rt->origins && i < cfg->n_origins; i++) {
		if (rt->origins[i].has_tls)
			tls_client_free(&rt->origins[i].tls);
		free(rt->origins[i].root_real);
	}
	free(rt->origins);
	sni_table_free(&rt->all_hosts);
	sni_table_free(&rt->resolve_names);
	sni_table_free(&rt->fproxy_hosts);
	config_free(cfg);
	free(rt);
}

struct runtime *
runtime_build(struct config *cfg, uint64_t generation, struct es_err *err)
{
	struct runtime *rt = xcalloc(1, sizeof(*rt));
	struct certs_loaded *loaded = NULL;

	atomic_init(&rt->refs, 1);
	rt->generation = generation;
	rt->cfg = cfg;
	/* Every lab certificate checked (or issued) in one opening of the
	 * PKI, and kept parsed for the edges below. */
	loaded = certs_loaded_new();
	if (certs_ensure_all(cfg, false, NULL, loaded, err) < 0)
		goto fail;

	rt->origins = xcalloc(cfg->n_origins, sizeof(*rt->origins));
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		struct origin_rt *or = &rt->origins[i];
		or->conf = o;
		if (o->type == ORIGIN_TYPE_PROXY && o->tls) {
			if (tls_client_init(&or->tls, cfg, o, err) < 0)
				goto fail;
			or->has_tls = true;
		}
		if (o->type == ORIGIN_TYPE_STATIC) {
			char buf[PATH_MAX];
			if (realpath(o->root, buf) == NULL) {
				es_errf(err, "[origin %s] root '%s': %s", o->sec.name,
				    o->root, strerror(errno));
				goto fail;
			}
			or->root_real = xstrdup(buf);
		}
	}

	sni_table_init(&rt->all_hosts);
	sni_table_init(&rt->resolve_names);
	sni_table_init(&rt->fproxy_hosts);
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		struct conf_host *h = cfg->hosts[i];
		sni_table_add(&rt->all_hosts, h->sec.name, false, h);
		for (size_t a = 0; a < h->aliases.n; a++)
			sni_table_add(&rt->all_hosts, h->aliases.v[a], true, h);
	}
	for (size_t i = 0; i < cfg->n_resolve; i++)
		sni_table_add(&rt->resolve_names, cfg->resolve[i].name, false,
		    &cfg->resolve[i]);
	for (size_t i = 0; i < cfg->fproxy.hosts.n; i++)
		sni_table_add(&rt->fproxy_hosts, cfg->fproxy.hosts.v[i], false,
		    cfg);

	rt->edges = xcalloc(cfg->n_edges, sizeof(*rt->edges));
	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		struct edge_rt *er = &rt->edges[i];
		er->conf = e;
		sni_table_init(&er->hosts);
		for (size_t j = 0; j < e->n_hosts; j++) {
			struct conf_host *h = e->hosts[j];
			sni_table_add(&er->hosts, h->sec.name, false, h);
			for (size_t a = 0; a < h->aliases.n; a++)
				sni_table_add(&er->hosts, h->aliases.v[a], true, h);
		}
		persona_id_init(&er->id, e->persona, e->sec.name,
		    e->n_listen ? e->listen[0].host : NULL);
		if (!e->disabled && tls_server_init(&er->tls, cfg, e, loaded,
		    err) < 0)
			goto fail;
	}
	certs_loaded_free(loaded);
	return rt;
fail:
	certs_loaded_free(loaded);
	runtime_free(rt);
	return NULL;
}

struct runtime *
runtime_ref(struct runtime *rt)
{
	atomic_fetch_add(&rt->refs, 1);
	return rt;
}

void
runtime_unref(struct runtime *rt)
{
	if (rt && atomic_fetch_sub(&rt->refs, 1) == 1)
		runtime_free(rt);
}

struct edge_rt *
runtime_edge_named(struct runtime *rt, const char *name)
{
	for (size_t i = 0; i < rt->cfg->n_edges; i++) {
		const struct conf_edge *e = rt->cfg->edges[i];
		if (!e->disabled && strcmp(e->sec.name, name) == 0)
			return &rt->edges[i];
	}
	return NULL;
}
