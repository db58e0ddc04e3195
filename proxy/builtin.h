/*
 * builtin.h - what the built-in origins (echo, static) answer, as a status,
 * header lines and a body; the edge adds its persona's headers and framing.
 * They run in the edge's process, so a whole chain fits in one config.
 */
#ifndef EDGESIM_BUILTIN_H
#define EDGESIM_BUILTIN_H

#include <event2/buffer.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "util.h"

struct builtin_response {
	int status;
	struct sbuf headers;            /* "Name: value\r\n" lines */
	struct evbuffer *body;          /* owned by the caller */
	int64_t body_len;
};

/* What the edge saw of the viewer, for echo. */
struct echo_view {
	const char *edge;
	const char *host;
	const char *origin;
	const char *client;             /* "127.0.0.1:50000" */
	const char *sni;                /* NULL: none was sent */
	const char *tls_version;
	const char *cipher;
	const char *alpn;               /* NULL: none negotiated */
	const char *client_subject;     /* NULL: no client certificate */
	const char *client_issuer;
	const char *cert_choice;        /* how the certificate was chosen */
	const char *http_version;       /* NULL: the request's ("HTTP/1.1") */
};

/*
 * echo, in two steps because the body comes after the head: echo_begin
 * while req's buffer is valid, echo_finish once the body was counted.
 */
void echo_begin(struct sbuf *json, const struct http_request *req,
    const struct echo_view *v);
void echo_finish(struct sbuf *json, int64_t body_bytes,
    struct builtin_response *out);

/*
 * static: answer req from the directory root_real (a realpath). Only GET and
 * HEAD; paths are percent-decoded, and any that leaves root ("..", encoded
 * or not, a symlink out of it, a NUL) is refused with 403/400; a directory
 * serves its index.html. Fills out (status, headers, body).
 */
void static_respond(const char *root_real, const struct http_request *req,
    struct builtin_response *out);

/* Decode %XX escapes of a path into out; -1 on a bad escape or NUL. */
int builtin_percent_decode(const char *in, size_t n, char *out, size_t outlen);

#endif
