/*
 * resolve.h - origin names to addresses: [resolve] first, then address
 * literals, then DNS through evdns. Never a blocking resolver on the loop.
 */
#ifndef EDGESIM_RESOLVE_H
#define EDGESIM_RESOLVE_H

#include <sys/socket.h>

#include "config.h"

struct evdns_base;
struct resolve_req;

/* err: NULL, or a short reason ("NXDOMAIN", "timeout", ...). cname: the
 * canonical name DNS gave (the end of the CNAME chain), or NULL. */
typedef void (*resolve_cb)(void *arg, const char *err,
    const struct sockaddr *sa, socklen_t len, const char *cname);

/*
 * Resolve name:port, with dns (a worker's resolver, NULL: none) when it
 * is neither in [resolve] nor an address. Returns 1 when the answer is immediate ([resolve] or a
 * literal; *sa filled, cb not called), 0 when a DNS lookup started (cb will
 * be called later, unless cancelled; *req set), -1 when it failed at once
 * (err filled).
 */
int resolve_start(struct evdns_base *dns, const struct config *cfg,
    const char *name, int port, struct sockaddr_storage *sa, socklen_t *len,
    resolve_cb cb, void *arg, struct resolve_req **req, struct es_err *err);
/*
 * A DNS lookup only (no [resolve], no literals), asking for the canonical
 * name: the forward proxy follows CNAME chains to Akamai edge names. Same
 * return values as resolve_start; *cname (len bytes) gets the canonical
 * name when the answer is immediate.
 */
int resolve_dns(struct evdns_base *dns, const char *name, int port,
    struct sockaddr_storage *sa, socklen_t *len, char *cname,
    size_t cname_len, resolve_cb cb, void *arg, struct resolve_req **req,
    struct es_err *err);

void resolve_cancel(struct resolve_req *req);

/* "127.0.0.1:9443" / "[::1]:443" for logs. */
void resolve_addr_text(const struct sockaddr *sa, char *out, size_t len);

#endif
