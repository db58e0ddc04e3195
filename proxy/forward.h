/*
 * forward.h - a request's trip to an origin and its response's way back
 * (see forward.c). Called by conn.c once a request is parsed and routed.
 */
#ifndef EDGESIM_FORWARD_H
#define EDGESIM_FORWARD_H

#include "conn.h"
#include "http.h"

/*
 * Forwarding a parsed request is two steps, so that the viewer's request
 * head can be consumed in between: build the head to send from req (which
 * points into the viewer's input buffer), then, with req no longer needed,
 * ask for an origin connection to c->req->origin.
 */
void forward_build_head(struct conn *c, const struct http_request *req);
enum conn_step forward_start(struct conn *c);
/* Relay what has arrived of the request body to the origin. */
enum conn_step forward_request_body(struct conn *c);
/* Read the origin's response head and relay its body to the viewer. */
enum conn_step forward_response(struct conn *c);
/* How many proxies a request went through (its Via entries). */
int forward_via_hops(const struct http_request *req);

#endif
