/*
 * http.h - HTTP/1.1 message heads and body framing, parsed in place.
 *
 * Pure functions over a contiguous byte buffer: no allocation, no I/O, no
 * copying. Parsed strings point into the caller's buffer and live as long as
 * it does. The parser is strict where leniency enables request smuggling
 * (RFC 9112 section 6.3, 11.2) and lenient where real clients differ
 * harmlessly (bare LF line endings, optional whitespace around values).
 */
#ifndef EDGESIM_HTTP_H
#define EDGESIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 100

struct http_str {
	const char *p;
	size_t n;
};

struct http_header {
	struct http_str name;
	struct http_str value;          /* leading/trailing blanks stripped */
};

/*
 * Every outcome of a parse. Each error has a one-line description
 * (http_result_str) and the status a viewer gets for it (http_result_status).
 */
enum http_result {
	HTTP_OK = 0,                    /* a complete head; *head_len is its size */
	HTTP_INCOMPLETE,                /* no end of head yet, and under the limit */
	HTTP_ERR_HEAD_TOO_LARGE,        /* no end of head within max_head (431) */
	HTTP_ERR_TOO_MANY_HEADERS,      /* over HTTP_MAX_HEADERS (431) */
	HTTP_ERR_REQUEST_LINE,          /* malformed request line (400) */
	HTTP_ERR_METHOD,                /* method not a token (400) */
	HTTP_ERR_TARGET,                /* empty target, or a byte not allowed (400) */
	HTTP_ERR_VERSION,               /* not HTTP/1.0 or HTTP/1.1 (505) */
	HTTP_ERR_HEADER,                /* malformed header line, space before ':',
	                                   obsolete line folding, NUL or bare CR (400) */
	HTTP_ERR_CONTENT_LENGTH,        /* not digits, overflow, or differing copies (400) */
	HTTP_ERR_CL_AND_TE,             /* both Content-Length and Transfer-Encoding (400) */
	HTTP_ERR_TRANSFER_ENCODING,     /* chunked not last, or an unknown coding (501) */
	HTTP_ERR_NO_HOST,               /* HTTP/1.1 request without Host (400) */
	HTTP_ERR_MULTIPLE_HOST,         /* more than one Host header (400) */
	HTTP_ERR_STATUS_LINE,           /* malformed response status line (502 upstream) */
	HTTP_RESULT_COUNT
};

const char *http_result_str(enum http_result r);
int http_result_status(enum http_result r);

enum http_body {
	HTTP_BODY_NONE,                 /* no body follows the head */
	HTTP_BODY_LENGTH,               /* content_length bytes follow */
	HTTP_BODY_CHUNKED,              /* chunked coding: use struct http_chunked */
	HTTP_BODY_UNTIL_CLOSE,          /* responses only: the body ends at EOF */
};

struct http_request {
	struct http_str method;
	struct http_str target;
	int version_minor;              /* 0 or 1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
	struct http_str host;           /* the Host value; n == 0 when absent */
	enum http_body body;
	int64_t content_length;         /* -1 unless body == HTTP_BODY_LENGTH */
	bool keep_alive;                /* 1.1 unless "close"; 1.0 only with "keep-alive" */
	bool expect_continue;           /* Expect: 100-continue */
	bool is_head;                   /* method HEAD: the response has no body */
};

struct http_response {
	int version_minor;
	int status;                     /* 100..999 */
	struct http_str reason;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
	enum http_body body;
	int64_t content_length;
	bool keep_alive;
};

/*
 * Parse a request head from buf[0..len). Leading empty lines (CRLF) before
 * the request line are skipped, as RFC 9112 2.2 allows. On HTTP_OK,
 * *head_len is the number of bytes of the head, including the empty line
 * that ends it. max_head bounds the head; a buffer of at least max_head
 * bytes without an end of head is HTTP_ERR_HEAD_TOO_LARGE.
 * A body with neither Content-Length nor chunked coding is HTTP_BODY_NONE.
 */
enum http_result http_parse_request(const char *buf, size_t len,
    size_t max_head, struct http_request *req, size_t *head_len);

/*
 * Parse a response head. request_was_head: the request was HEAD, so the
 * response has no body whatever its headers say; likewise 1xx, 204 and 304.
 * Without length or chunked, the body runs until the connection closes.
 */
enum http_result http_parse_response(const char *buf, size_t len,
    size_t max_head, bool request_was_head, struct http_response *res,
    size_t *head_len);

/*
 * Reading a head as it trickles in, without parsing it from byte 0 on
 * every read (a client sending one byte per TLS record would make that
 * quadratic in the head's size). The bytes are fed once each, in order, to
 * a scanner that finds the empty line ending a head; the full parse runs
 * when that line has arrived, when max_head bytes are there (431), or when
 * the buffer grew by a quarter (at least 256 bytes) since the last parse,
 * so that a malformed beginning is still refused before the rest arrives.
 * The parses of one head then add up to a few times its size, and each
 * byte is scanned once: linear. Reset it when a head was consumed.
 */
struct http_head_scan {
	uint32_t scanned;               /* bytes fed so far */
	uint32_t parsed_at;             /* buffer length at the last parse */
	uint8_t state;                  /* where in a line (http.c) */
	bool found;                     /* an empty line ended a head */
};

void http_head_scan_init(struct http_head_scan *s);
/* Feed buf[0..n), the bytes after the s->scanned already fed. Stops after
 * the empty line that ends a head; returns the bytes it took. */
size_t http_head_scan_feed(struct http_head_scan *s, const char *buf,
    size_t n);
/* Whether parsing the len buffered bytes is worth it now (see above). */
bool http_head_scan_ready(const struct http_head_scan *s, size_t len,
    size_t max_head);
/* A parse of len bytes said "incomplete": wait for more before the next. */
void http_head_scan_parsed(struct http_head_scan *s, size_t len);

/* Case-insensitive comparison of an http_str to a C string. */
bool http_str_ieq(struct http_str s, const char *c);

/* The first header called name, or NULL. */
const struct http_header *http_find_header(const struct http_header *headers,
    size_t n_headers, const char *name);

/* s into dst[0..len) as a C string, cut to fit (len > 0). */
void http_str_copy(char *dst, size_t len, struct http_str s);

/*
 * Whether headers[i] is hop-by-hop and must not be forwarded: Connection,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, Proxy-Authorization,
 * or a header named in any Connection header's comma-separated list.
 * Transfer-Encoding and Content-Length are not hop-by-hop here: bodies are
 * relayed with their framing unchanged.
 */
bool http_header_is_hop_by_hop(const struct http_header *headers,
    size_t n_headers, size_t i);

/*
 * Whether a response's field res->headers[i] goes on to the next hop: not
 * when hop-by-hop, nor a Content-Length beside chunked coding (a lie that
 * must not reach the viewer, RFC 9112 6.3).
 */
bool http_response_field_relayed(const struct http_response *res, size_t i);

/*
 * The path of a request target, without query: "/a/b?x" -> "/a/b". An
 * absolute-form target ("http://host:port/p?q") yields "/p" and, when
 * authority is not NULL, its "host:port". An asterisk-form "*" yields "*".
 */
struct http_str http_target_path(struct http_str target,
    struct http_str *authority);

/*
 * Incremental scanner of a chunked body that is relayed unchanged: it finds
 * where the body ends (after the last chunk and its trailers) so that the
 * next message on the connection starts at the right byte. Data bytes are
 * skipped in bulk; only size lines and trailers are examined. Feed any split
 * of the stream, in order. A chunk size has at most 16 hex digits, leading
 * zeros included, and a value below 2^63: one that a signed 64-bit parser
 * would read as negative, or one that wraps, is an error, not a length.
 */
enum http_chunked_state {
	HTTP_CHUNK_SIZE = 0,            /* reading hex digits of a size line */
	HTTP_CHUNK_EXT,                 /* chunk extension, up to CRLF */
	HTTP_CHUNK_SIZE_LF,             /* saw CR after the size line */
	HTTP_CHUNK_DATA,                /* remaining data bytes of this chunk */
	HTTP_CHUNK_DATA_CR,             /* CRLF after the data */
	HTTP_CHUNK_DATA_LF,
	HTTP_CHUNK_TRAILER_START,       /* start of a trailer line (or the final CRLF) */
	HTTP_CHUNK_TRAILER,             /* inside a trailer line */
	HTTP_CHUNK_TRAILER_LF,
	HTTP_CHUNK_FINAL_LF,            /* CR of the final empty line seen */
	HTTP_CHUNK_DONE,
};

enum http_chunked_result {
	HTTP_CHUNKED_MORE,              /* consumed everything; the body goes on */
	HTTP_CHUNKED_DONE,              /* the body ended after *used bytes */
	HTTP_CHUNKED_ERROR,             /* malformed framing */
};

struct http_chunked {
	enum http_chunked_state state;
	uint64_t remaining;             /* data bytes left in the current chunk */
	unsigned size_digits;           /* hex digits seen (bounded: 16) */
	size_t line_len;                /* bytes in the current ext/trailer line */
	size_t trailer_bytes;           /* total trailer bytes (bounded) */
	bool last_chunk;                /* the size line was 0 */
	uint64_t data_bytes;            /* body bytes without the framing */
};

void http_chunked_init(struct http_chunked *c);
enum http_chunked_result http_chunked_scan(struct http_chunked *c,
    const char *buf, size_t len, size_t *used);

#endif
