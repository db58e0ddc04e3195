/*
 * persona.h - how an edge looks to viewers: the error pages, references and
 * headers of Akamai, CloudFront or a plain proxy.
 *
 * Pure text building (no I/O), so unit tests can compare pages byte for
 * byte with what the real services send.
 */
#ifndef EDGESIM_PERSONA_H
#define EDGESIM_PERSONA_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "util.h"

/* Per-edge identity, fixed when the edge is built. */
struct persona_id {
	enum persona persona;
	char via_token[40];     /* CloudFront: 32 hex digits, stable per edge */
	char pop[16];           /* CloudFront X-Amz-Cf-Pop */
	uint32_t ipv4_le;       /* Akamai: the edge's IPv4, little-endian */
	char edge_name[64];
};

void persona_id_init(struct persona_id *id, enum persona p,
    const char *edge_name, const char *listen_host);

/*
 * The reference of one request, which `edgesim explain` expands:
 * akamai "30.100007f.1763876400.2c1382d", cloudfront an X-Amz-Cf-Id
 * ("V4Gx...==", 56 characters), plain "es-<hex id>".
 */
void persona_ref(const struct persona_id *id, enum es_code code,
    int64_t epoch, uint64_t request_id, char *out, size_t len);

/* Where the fields of a response head go (name, value, no CRLF). */
typedef void (*persona_field_fn)(void *arg, const char *name, size_t nlen,
    const char *value, size_t vlen);

/*
 * Akamai's Pragma debug headers (requested with "Pragma: akamai-x-...").
 * What a request asked for, as bits; and the fields an Akamai edge with
 * caching off answers them with.
 */
enum {
	PERSONA_PRAGMA_CACHE_ON = 1 << 0,       /* akamai-x-cache-on */
	PERSONA_PRAGMA_REQUEST_ID = 1 << 1,     /* akamai-x-get-request-id */
	PERSONA_PRAGMA_CACHE_KEY = 1 << 2,      /* akamai-x-get-cache-key */
	PERSONA_PRAGMA_CACHEABLE = 1 << 3,      /* akamai-x-check-cacheable */
	PERSONA_PRAGMA_TRUE_KEY = 1 << 4,       /* akamai-x-get-true-cache-key */
};
/* The bits a Pragma value asks for (comma-separated, any case). */
unsigned persona_pragma_parse(const char *value, size_t n);
/* The answers: X-Cache, X-Akamai-Request-ID, X-Cache-Key,
 * X-Check-Cacheable, X-True-Cache-Key, for the request id and the host
 * and path the edge forwards. */
void persona_pragma_fields(const struct persona_id *id, unsigned pragma,
    uint64_t request_id, const char *host, const char *path,
    persona_field_fn emit, void *arg);

struct persona_error {
	enum es_code code;
	const char *sub;        /* sub-reason name, or NULL ("no_certificate") */
	const char *detail;     /* one sentence for plain pages, or NULL */
	const char *ref;
	int status;             /* 0: errors_status(code, persona) */
	bool close;             /* send Connection: close */
	bool head_only;         /* the request was HEAD: no body */
	const char *extra;      /* more header lines ("Name: value\r\n"), or NULL */
};

/* A complete HTTP/1.1 error response: status line, headers, page. */
void persona_error_response(const struct persona_id *id,
    const struct persona_error *e, struct sbuf *out);

/* The Via value this edge appends ("1.1 <hex>.cloudfront.net (CloudFront)"). */
const char *persona_via(const struct persona_id *id, char *buf, size_t len);

/* "OK", "Bad Gateway", ... for a status code. */
const char *persona_reason_phrase(int status);

/* An IMF-fixdate for Date headers, cached per second. */
const char *persona_http_date(char buf[40]);

#endif
