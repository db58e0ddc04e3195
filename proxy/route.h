/*
 * route.h - which origin a request path goes to, as CloudFront cache
 * behaviours decide it: patterns with `*` (any run of characters, '/'
 * included) and `?` (exactly one character), case-sensitive, compared with
 * the path without its query string, in listed order; the first match wins
 * and the host's default origin takes the rest.
 */
#ifndef EDGESIM_ROUTE_H
#define EDGESIM_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Whether pattern matches path[0..n). Iterative, no recursion: linear in
 * practice, bounded by O(len(pattern) * n) in the worst case. */
bool route_match(const char *pattern, const char *path, size_t n);

/*
 * The origin for path[0..n) on host; *route (may be NULL) is set to the
 * matching route, or NULL for the default.
 */
struct conf_origin *route_pick(const struct conf_host *host, const char *path,
    size_t n, const struct conf_route **route);

#endif
