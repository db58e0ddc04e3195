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

#endif
