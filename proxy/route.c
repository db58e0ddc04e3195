/*
 * route.c - path patterns and the choice of an origin.
 */
#include "route.h"

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
