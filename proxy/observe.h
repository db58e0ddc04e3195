/*
 * observe.h - what the data path tells the admin side: one call where
 * each record is logged (a request, a viewer handshake, an origin
 * connection), which counts it (metrics.c) and keeps a copy of the record
 * (events.c). Each is a single line in the data path's files; the logic
 * is here. With no admin listener configured every call returns at once.
 */
#ifndef EDGESIM_OBSERVE_H
#define EDGESIM_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "errors.h"
#include "log.h"

struct tls_hello;
struct upstream;
struct upstream_failure;

/* Set once, before the workers start (admin.c); read-only after. */
extern bool observe_on;

/* conn.c, conn_log_request, before log_end: the request record. host and
 * origin may be NULL (none chosen). */
void observe_request(const struct log_rec *rec, const char *edge,
    const char *host, const char *origin, int status, enum es_code code,
    int64_t ms);
/* conn.c: a viewer handshake done (rec NULL) or refused (its "tls"
 * record, before log_end). */
void observe_viewer_tls(const struct log_rec *rec, const char *edge,
    const struct tls_hello *hello);
/* upstream.c, log_origin_record, before log_end: a new origin connection
 * set up (f NULL) or failed. */
void observe_origin(const struct log_rec *rec, const struct upstream *up,
    const struct upstream_failure *f);

#endif
