/*
 * chain.c - which edges of a config are origins of which, and so in which
 * order a graceful stop drains them (see chain.h).
 */
#include "chain.h"

#include <string.h>

/* An address an edge on the wildcard address answers as well. */
static bool
is_local(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "localhost") == 0 || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0 || strncmp(host, "127.", 4) == 0;
}

bool
chain_origin_reaches(const struct config *cfg, const struct conf_origin *o,
    const struct conf_edge *e)
{
	const char *host = o->addr_host;
	int port = o->addr_port;

	if (o->type != ORIGIN_TYPE_PROXY)
		return false;
	const struct conf_resolve *m = config_find_resolve(cfg, host);
	if (m) {
		host = m->host;
		if (m->port)
			port = m->port;
	}
	for (size_t i = 0; i < e->n_listen; i++) {
		const struct conf_listen *l = &e->listen[i];
		if (l->port != port)
			continue;
		if (strcmp(l->host, host) == 0)
			return true;
		if ((strcmp(l->host, "0.0.0.0") == 0 || strcmp(l->host, "::") ==
		    0) && is_local(host))
			return true;
	}
	return false;
}

/* Does edge a forward any request to edge b (through any host's origin
 * or route)? */
static bool
forwards_to(const struct config *cfg, const struct conf_edge *a,
    const struct conf_edge *b)
{
	for (size_t h = 0; h < a->n_hosts; h++) {
		const struct conf_host *host = a->hosts[h];
		if (host->origin && chain_origin_reaches(cfg, host->origin, b))
			return true;
		for (size_t r = 0; r < host->n_routes; r++)
			if (host->routes[r].origin &&
			    chain_origin_reaches(cfg, host->routes[r].origin, b))
				return true;
	}
	return false;
}

int
chain_stop_stages(const struct config *cfg, int *stage)
{
	size_t n = cfg->n_edges;
	int max = 0;

	for (size_t i = 0; i < n; i++)
		stage[i] = 0;
	/* Longest path from a front edge, by relaxation: n rounds at most,
	 * and a stage never exceeds n, so a cycle ends too. */
	for (size_t round = 0; round < n; round++) {
		bool changed = false;
		for (size_t a = 0; a < n; a++) {
			if (cfg->edges[a]->disabled)
				continue;
			for (size_t b = 0; b < n; b++) {
				if (a == b || cfg->edges[b]->disabled ||
				    stage[b] > stage[a] ||
				    stage[a] + 1 > (int)n ||
				    !forwards_to(cfg, cfg->edges[a], cfg->edges[b]))
					continue;
				stage[b] = stage[a] + 1;
				changed = true;
			}
		}
		if (!changed)
			break;
	}
	for (size_t i = 0; i < n; i++)
		if (stage[i] > max)
			max = stage[i];
	return max;
}
