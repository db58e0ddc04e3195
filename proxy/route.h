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

#include "authority.h"
#include "config.h"
#include "http.h"
#include "path.h"
#include "sni.h"

/* Whether pattern matches path[0..n). Iterative, no recursion: linear in
 * practice, bounded by O(len(pattern) * n) in the worst case. */
bool route_match(const char *pattern, const char *path, size_t n);

/*
 * The origin for path[0..n) on host; *route (may be NULL) is set to the
 * matching route, or NULL for the default.
 */
struct conf_origin *route_pick(const struct conf_host *host, const char *path,
    size_t n, const struct conf_route **route);

/*
 * The whole routing decision for one request on an edge, in one place, so
 * that every protocol front end (HTTP/1.1 in conn.c, others later) decides
 * it the same way:
 *   1. one authority (authority.c): an absolute-form target's wins over
 *      Host; a malformed target is result != AUTHORITY_OK (a 400);
 *   2. the host: that authority looked up in hosts (a name, an alias or a
 *      wildcard of the edge); NULL when it is none (ERR_HOST_NOT_SERVED);
 *   3. the path, normalised (path.c: RFC 3986 6, what nginx and CloudFront
 *      match on), into buf; the route: the first pattern that matches it,
 *      else the host's default origin.
 * d->target is the normalised path followed by the target's raw query, for
 * an origin that asks for the normalised form (forward_path = normalized);
 * by default the raw target is what goes on. Pure: buf is the only memory
 * written; d's strings point into req's buffer and into buf.
 */
struct route_decision {
	enum authority_result result;   /* != AUTHORITY_OK: nothing else set */
	struct authority authority;
	const struct conf_host *host;   /* NULL: not a name of this edge */
	const struct conf_route *route; /* NULL: the host's default */
	struct conf_origin *origin;
	struct http_str path;           /* normalised, without query */
	struct http_str target;         /* normalised path + raw query */
	unsigned path_flags;            /* PATH_* */
};

void route_decide(const struct sni_table *hosts, const struct http_request *req,
    struct path_buf *buf, struct route_decision *d);

#endif
