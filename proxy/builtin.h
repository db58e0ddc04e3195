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
 * What the static origin found out about paths, kept for a moment: the
 * stat, realpath, open and read of a file are the blocking part of an
 * answer, done on the event loop. One cache per worker (no lock), keyed by
 * the path under its root; an entry holds the answer's status and, for a
 * file up to STATIC_CACHE_MAX_FILE, its bytes (an evbuffer file segment
 * read once, added to each answer without a copy). Entries live
 * STATIC_CACHE_TTL_MS, so an edited file is seen within a second and a
 * reload starts afresh soon; at most STATIC_CACHE_MAX entries are kept.
 */
#define STATIC_CACHE_TTL_MS 1000
#define STATIC_CACHE_MAX 4096
#define STATIC_CACHE_MAX_FILE (1024 * 1024)

struct static_cache;

struct static_cache *static_cache_new(void);
void static_cache_free(struct static_cache *c);
/* Hits and misses so far, for tests and the curious. */
void static_cache_stats(const struct static_cache *c, uint64_t *hits,
    uint64_t *misses);

/*
 * static: answer req from the directory root_real (a realpath). Only GET and
 * HEAD; paths are normalised (RFC 3986, as routes see them) and
 * percent-decoded, and any that leaves root ("..", encoded or not, a
 * symlink out of it, a NUL) is refused with 403/400; a directory serves
 * its index.html. Fills out (status, headers, body). cache (may be NULL:
 * every request looks at the disk) remembers what the disk said.
 */
void static_respond(const char *root_real, const struct http_request *req,
    struct builtin_response *out, struct static_cache *cache);

/* Decode %XX escapes of a path into out; -1 on a bad escape or NUL. */
int builtin_percent_decode(const char *in, size_t n, char *out, size_t outlen);

#endif
