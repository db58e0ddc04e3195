/*
 * resolve.h - origin names to addresses: [resolve] first, then address
 * literals, then DNS through evdns. Never a blocking resolver on the loop.
 */
#ifndef EDGESIM_RESOLVE_H
#define EDGESIM_RESOLVE_H

#include <sys/socket.h>

#include "config.h"

struct worker;
struct resolve_req;

/* err: 0, or a short reason ("NXDOMAIN", "timeout", ...). */
typedef void (*resolve_cb)(void *arg, const char *err,
    const struct sockaddr *sa, socklen_t len);

/*
 * Resolve name:port. Returns 1 when the answer is immediate ([resolve] or a
 * literal; *sa filled, cb not called), 0 when a DNS lookup started (cb will
 * be called later, unless cancelled; *req set), -1 when it failed at once
 * (err filled).
 */
int resolve_start(struct worker *w, const struct config *cfg,
    const char *name, int port, struct sockaddr_storage *sa, socklen_t *len,
    resolve_cb cb, void *arg, struct resolve_req **req, struct es_err *err);
void resolve_cancel(struct resolve_req *req);

/* "127.0.0.1:9443" / "[::1]:443" for logs. */
void resolve_addr_text(const struct sockaddr *sa, char *out, size_t len);

#endif
