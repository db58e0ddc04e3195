/*
 * forward_proxy.h - the forward proxy of [forward_proxy]: testing a site through
 * simulated (or staging) edges with its real host name, without editing
 * /etc/hosts.
 *
 * A plain-HTTP proxy: `CONNECT host:port` to a host of the config is
 * tunnelled to that host's edge listener, a [resolve] name to its mapped
 * address, an allowed name through DNS (or to its Akamai staging twin);
 * anything else is refused with 403. GET /proxy.pac serves a PAC file that
 * sends exactly those names through the proxy.
 */
#ifndef EDGESIM_FORWARD_PROXY_H
#define EDGESIM_FORWARD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "http.h"
#include "sni.h"

struct worker;
struct fpconn;

/* A client connection accepted on the forward proxy's listener. */
void forward_proxy_accept(struct worker *w, int fd, const struct sockaddr *sa);
/* Close it (the worker stops or reloads). */
void forward_proxy_close(struct fpconn *f, const char *why);

/* The PAC file for cfg (caller frees). */
char *forward_proxy_pac(const struct config *cfg);

/*
 * The Akamai staging twin of an edge host name: "e8921.dscx.akamaiedge.net"
 * -> "e8921.dscx.akamaiedge-staging.net", "x.edgekey.net" ->
 * "x.edgekey-staging.net", "x.edgesuite.net" -> "x.edgesuite-staging.net".
 * -1 when name is not an Akamai edge host name.
 */
int forward_proxy_staging_twin(const char *name, char *out, size_t len);

/* Where the target of a request to the proxy points. */
enum forward_proxy_target_result {
	FORWARD_PROXY_TARGET_OK,               /* host and port set */
	FORWARD_PROXY_TARGET_ORIGIN_FORM,      /* not CONNECT and no absolute URI
	                                   ("/p", "*", "host:port"): path only */
	FORWARD_PROXY_TARGET_BAD_HOST,         /* no host, a bad port, a NUL in the
	                                   host, a host longer than
	                                   SNI_NAME_MAX, or one that is "." or
	                                   ends in "..": 400 */
	FORWARD_PROXY_TARGET_BAD_PORT,         /* port 0, or CONNECT without one: 400;
	                                   host is set */
};

struct forward_proxy_target {
	char host[SNI_NAME_MAX + 1];    /* lowercased, without a trailing dot */
	int port;                       /* 1..65535 when OK; 80 by default,
	                                   except for CONNECT */
	struct http_str path;           /* into the target, query cut; "/" for
	                                   an absolute URI without a path */
	struct http_str rest;           /* what follows the path in the target
	                                   ("?query#frag"), maybe empty: path
	                                   and rest are the origin-form target */
};

/*
 * Parse the request target p[0..n) (not NUL-terminated) of a request to
 * the forward proxy: "host:port" for CONNECT (is_connect), an absolute URI
 * "http://host[:port]/path" otherwise. Pure: no connection, no config.
 * Returns one of enum forward_proxy_target_result, always with out->path set
 * (empty for CONNECT and for a target that is neither form).
 */
enum forward_proxy_target_result forward_proxy_parse_target(const char *p, size_t n,
    bool is_connect, struct forward_proxy_target *out);

#endif
