/*
 * conn_h2.h - HTTP/2 on a viewer connection, shared by the connection's own
 * files only (conn.c, conn_origin.c, conn_h2.c, conn_h2_stream.c), through
 * conn_private.h, which includes it last.
 *
 * A viewer that negotiates "h2" by ALPN gets an nghttp2 server session on
 * its TLS bufferevent (conn_h2.c: frames in and out, flow control, limits,
 * GOAWAY). Each stream is one request (conn_h2_stream.c) with its own
 * struct conn_req, routed like an HTTP/1.1 request (conn_route) and sent to
 * its origin by conn_origin.c as an HTTP/1.1 request on its own pooled
 * origin connection. conn_origin.c talks to the viewer through the
 * conn_h2_* functions below wherever HTTP/2 differs: the response head
 * becomes a header list, the body DATA frames the viewer's window lets out.
 *
 * Ownership: the conn owns its struct conn_h2, which owns its streams; a
 * stream owns its request state, and the request its origin connection.
 * A stream is freed only where nghttp2 says it closed (or when the session
 * is freed): never inside a call that conn_origin.c makes, so conn_origin.c
 * may touch a stream's request until its callback returns.
 */
#ifndef EDGESIM_CONN_H2_H
#define EDGESIM_CONN_H2_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "util.h"

struct conn;
struct conn_req;
struct h2_head;
struct http_response;

#define CONN_H2_MAGIC 0x7e5e7e08u
#define CONN_STREAM_MAGIC 0x7e5e7e09u

/* Output queued to the viewer above which no more frames are made (the
 * rest waits in nghttp2 until the viewer reads), and the level at which
 * making frames resumes. */
#define H2_OUT_HIGH (128 * 1024)
#define H2_OUT_LOW (32 * 1024)
/* Response body a stream holds for the viewer's window before its origin
 * connection stops being read. */
#define H2_STREAM_BUF (64 * 1024)
/* The receive window of the connection as a whole (each stream has
 * nghttp2's default, 64 KiB - 1): uploads on many streams at once. */
#define H2_CONN_WINDOW (1024 * 1024)
/* Abuse is counted over windows of this length. */
#define H2_RATE_WINDOW_MS 10000
/* Request header fields kept per stream (HTTP/1.1's bound). */
#define H2_MAX_FIELDS 100

/* An offset and length into a stream's field text. */
struct h2_str {
	uint32_t off, len;
};

struct conn_stream {
	unsigned magic;
	struct conn_h2 *h2;
	int32_t id;
	struct conn_req *r;             /* the request; r->st is this stream */
	/* the request head as it arrives: "name\0value\0" per field */
	struct sbuf text;
	struct h2_str method, path, authority, scheme, host, cl;
	struct sbuf fidx;               /* per field: struct h2_str name, value */
	size_t n_fields;
	size_t n_cookies;
	size_t list_size;               /* decoded size, RFC 9113 6.5.2 */
	size_t wire_size;               /* HEADERS + CONTINUATION payloads */
	bool too_many;                  /* over a limit: answered 431 */
	bool started;                   /* the request was routed */
	bool builtin;                   /* a built-in origin answers */
	bool req_eof;                   /* END_STREAM received */
	bool discard;                   /* request body read and dropped */
	bool chunked_out;               /* the body goes chunked to the origin */
	size_t unconsumed;              /* body bytes received, not yet let go */
	size_t to_consume;              /* let go, not yet told to nghttp2 */
	struct evbuffer *body_in;       /* request body for the origin */
	struct evbuffer *fwd;           /* the head for the origin */
	/* the response */
	bool answered;                  /* its final head is made */
	struct h2_head *head;           /* ... and not yet given to nghttp2 */
	bool head_body;                 /* ... with a body to follow */
	bool resp_eof;                  /* all of the body is in resp */
	bool deferred;                  /* the data source waits for resp */
	bool up_paused;                 /* origin reads paused: resp full */
	bool reset_sent;                /* we sent RST_STREAM */
	struct evbuffer *resp;          /* body waiting for the viewer's window */
	int64_t deadline_ms;            /* a slow built-in origin answers then */
	int64_t stall_since;            /* body waiting, window shut, since */
	bool dirty;                     /* has work for conn_h2_service */
	TAILQ_ENTRY(conn_stream) link;
};

TAILQ_HEAD(conn_stream_list, conn_stream);

/* What a connection counted, logged when it closes for abuse. */
struct h2_counts {
	uint64_t streams;               /* requests begun */
	uint64_t resets_in;             /* RST_STREAM from the viewer */
	uint64_t settings_in;           /* SETTINGS (not ACK) */
	uint64_t pings_in;              /* PING (not ACK) */
	uint64_t continuations;         /* CONTINUATION frames */
	uint64_t oversized;             /* header lists over the limit */
	uint64_t refused;               /* streams refused (concurrency) */
};

struct conn_h2 {
	unsigned magic;
	struct conn *c;
	nghttp2_session *ng;
	struct event *service_ev;       /* conn_h2_service, from the loop */
	struct conn_stream_list streams;
	size_t n_streams;
	size_t n_dirty;
	size_t unconsumed_closed;       /* of closed streams, for the window */
	/* stop and reload: 1 notice sent, 2 final GOAWAY sent */
	int drain;
	int64_t drain_at;
	/* refused for abuse or a protocol error: GOAWAY, then close */
	bool refused;
	uint32_t refuse_code;
	char refuse_reason[128];
	bool closing;                   /* close once the output is written */
	int64_t closing_deadline;
	int64_t idle_since;             /* no stream since (0: some) */
	struct h2_counts n;
	int64_t win_start;              /* current rate window */
	uint32_t win_resets, win_control;
	int in_service;
};

/* --- conn_h2.c: the session --- */

/* Take over a conn whose viewer negotiated h2: from now on its
 * bufferevent's events go to the functions below. */
void conn_h2_start(struct conn *c);
void conn_h2_read(struct conn *c);
void conn_h2_write(struct conn *c);
void conn_h2_event(struct conn *c, short what);
/* The conn's deadline passed (stream delays, stalls, drain steps). */
void conn_h2_timeout(struct conn *c, int64_t now);
/* Stop or reload: GOAWAY, in-flight streams finish, then close. */
void conn_h2_drain(struct conn *c);
/* Free the session and its streams (from conn_close). */
void conn_h2_free(struct conn *c);
/* Refuse the connection: GOAWAY with code, logged with the counters;
 * closes once the GOAWAY is written. */
void conn_h2_refuse(struct conn_h2 *h, uint32_t code, const char *reason);
/* Ask for conn_h2_service from the loop (frames made, streams served). */
void conn_h2_schedule(struct conn_h2 *h);
/* Mark a stream as having work (body to relay, data to consume). */
void conn_h2_dirty(struct conn_stream *st);

/* --- conn_h2_stream.c: a stream as a request --- */

struct conn_stream *conn_h2_stream_new(struct conn_h2 *h, int32_t id);
/* The stream closed (code: why, as nghttp2 says): log the request, let
 * the origin connection go, free. */
void conn_h2_stream_end(struct conn_stream *st, uint32_t code);
/* A request header field arrived; -1 refuses the connection (a bomb). */
int conn_h2_stream_field(struct conn_stream *st, const uint8_t *name,
    size_t nlen, const uint8_t *value, size_t vlen);
/* The request head is complete (end_stream: no body follows). */
void conn_h2_stream_request(struct conn_stream *st, bool end_stream);
/* Body bytes, or the end of the body, arrived. */
void conn_h2_stream_data(struct conn_stream *st, const uint8_t *data,
    size_t len);
void conn_h2_stream_eof(struct conn_stream *st);
/* Work for the stream outside nghttp2's callbacks (relay, consume). */
void conn_h2_stream_service(struct conn_stream *st);
/* The stream's deadline passed. */
void conn_h2_stream_timeout(struct conn_stream *st, int64_t now);

/* --- for conn_origin.c: the viewer side of a request on a stream --- */

enum conn_step conn_h2_request_body(struct conn_req *r);
/* The origin's response head (1xx or final) goes out as a header list. */
void conn_h2_response_head(struct conn_req *r, const struct http_response *res,
    bool final);
/* Where the response body goes (decoded), and after some went there. */
struct evbuffer *conn_h2_body_buffer(struct conn_req *r);
void conn_h2_response_data(struct conn_req *r);
/* The response is complete: give the origin connection back. */
enum conn_step conn_h2_response_end(struct conn_req *r, bool reusable);
/* Answer with the persona's error page on the stream. */
enum conn_step conn_h2_respond_error(struct conn_req *r, enum es_code code,
    int status, const char *sub, const char *detail);
/* Whether the final head is made but not given to nghttp2 yet; and take
 * it back with what came of the body (an error page replaces it). */
bool conn_h2_head_pending(struct conn_req *r);
bool conn_h2_take_back(struct conn_req *r);
/* The response broke after its head went: RST_STREAM INTERNAL_ERROR. */
void conn_h2_reset_stream(struct conn_req *r);
/* End a callback of the origin's: serve the stream, send from the loop. */
void conn_h2_after(struct conn_req *r, enum conn_step s);

#endif
