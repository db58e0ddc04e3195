/*
 * route.c - path patterns and the choice of an origin, and the routing
 * decision of a request as a whole (route_decide).
 */
#include "route.h"

#include <string.h>

bool
route_match(const char *pattern, const char *path, size_t n)
{
	const char *p = pattern;
	size_t i = 0;
	const char *star = NULL;        /* last '*' seen in the pattern */
	size_t star_i = 0;              /* where in path that '*' resumed */

	/* Classic greedy matching with backtracking to the last star only:
	 * with '*' matching any run, one backtrack point suffices. */
	while (i < n) {
		if (*p == '*') {
			star = p++;
			star_i = i;
		} else if (*p != '\0' && (*p == '?' || *p == path[i])) {
			p++;
			i++;
		} else if (star) {
			p = star + 1;
			i = ++star_i;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

struct conf_origin *
route_pick(const struct conf_host *host, const char *path, size_t n,
    const struct conf_route **route)
{
	for (size_t i = 0; i < host->n_routes; i++) {
		if (route_match(host->routes[i].pattern, path, n)) {
			if (route)
				*route = &host->routes[i];
			return host->routes[i].origin;
		}
	}
	if (route)
		*route = NULL;
	return host->origin;
}

void
route_decide(const struct sni_table *hosts, const struct http_request *req,
    struct path_buf *buf, struct route_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->result = authority_parse(req, &d->authority);
	if (d->result != AUTHORITY_OK)
		return;
	const struct authority *a = &d->authority;
	if (a->host.n)
		d->host = sni_table_lookup(hosts, a->host.p, a->host.n, NULL);
	if (d->host == NULL)
		return;
	char *out = path_buf_reserve(buf, a->path.n + a->query.n + 2);
	size_t n = path_normalize(a->path.p, a->path.n, out, &d->path_flags);
	d->path.p = out;
	d->path.n = n;
	memcpy(out + n, a->query.p, a->query.n);
	out[n + a->query.n] = '\0';
	d->target.p = out;
	d->target.n = n + a->query.n;
	d->origin = route_pick(d->host, d->path.p, d->path.n, &d->route);
}
