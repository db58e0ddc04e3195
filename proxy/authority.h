/*
 * authority.h - one authority per request: which host a request is for,
 * decided once from its target and its Host header, by the same rule on
 * the edges and on the forward proxy.
 *
 * The rule is RFC 9112 3.2.2's: when the target is in absolute-form
 * ("GET https://www.example.com/x"), its authority wins, and the Host
 * header is replaced by it ("a proxy MUST ignore the received Host header
 * field (if any) and instead replace it with the host information of the
 * request-target"; an origin server likewise ignores it). So a request
 * routed by one name is never forwarded, logged or echoed with another:
 * authority_apply makes the parsed request say that one name everywhere.
 * CONNECT's authority-form target is its authority too. In origin-form the
 * Host header is the authority. How Host and the TLS server name may
 * differ is the edge's policy (a name of the edge is served whatever the
 * SNI; anything else is ERR_HOST_NOT_SERVED), not this file's.
 *
 * Pure functions over a parsed request: no allocation, no I/O.
 */
#ifndef EDGESIM_AUTHORITY_H
#define EDGESIM_AUTHORITY_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/* Every outcome of authority_parse. */
enum authority_result {
	AUTHORITY_OK = 0,
	AUTHORITY_ERR_FORM,     /* a target that fits no form of RFC 9112 3.2
	                           for its method: "GET foo", "CONNECT /x",
	                           "GET *" (400) */
	AUTHORITY_ERR_SCHEME,   /* absolute-form, scheme not http or https (400) */
	AUTHORITY_ERR_USERINFO, /* "http://user@host/": RFC 9110 4.2.4 says to
	                           treat it as an error (400) */
	AUTHORITY_ERR_MALFORMED,/* an authority that is not host[:port]: empty,
	                           bad bytes, bad port; CONNECT without a port (400) */
	AUTHORITY_RESULT_COUNT
};

/* RFC 9112 3.2: the four forms of a request target. */
enum authority_form {
	AUTHORITY_ORIGIN_FORM,          /* "/path?query": Host is the authority */
	AUTHORITY_ABSOLUTE_FORM,        /* "http://host:port/path": the target's */
	AUTHORITY_AUTHORITY_FORM,       /* CONNECT "host:port" */
	AUTHORITY_ASTERISK_FORM,        /* OPTIONS "*": Host is the authority */
};

struct authority {
	enum authority_form form;
	struct http_str value;  /* "host[:port]" as it goes on (the Host to
	                           forward); in origin-form the Host header,
	                           possibly empty or malformed: see host */
	struct http_str host;   /* the host alone, without port and brackets;
	                           n == 0 when value is not host[:port] */
	int port;               /* the port given, 0 when none */
	struct http_str path;   /* the target's path without query ("*" in
	                           asterisk-form, empty in authority-form) */
	struct http_str query;  /* from the '?' on, or empty */
	bool host_replaced;     /* absolute-form: a Host header said otherwise */
};

/*
 * The authority of req (parsed by http_parse_request), and the parts of
 * its target. On AUTHORITY_OK, *a is filled; strings point into req's
 * buffer. In origin- and asterisk-form the result is always AUTHORITY_OK:
 * a missing, empty or malformed Host shows as a->host.n == 0, for the
 * caller to answer as a name it does not serve.
 */
enum authority_result authority_parse(const struct http_request *req,
    struct authority *a);

/*
 * Make req say a's authority everywhere: req->host and the value of its
 * Host header become a->value. Only absolute-form changes anything. The
 * header's value then points into a's (the target's) bytes.
 */
void authority_apply(struct http_request *req, const struct authority *a);

const char *authority_result_str(enum authority_result r);

#endif
