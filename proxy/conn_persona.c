/*
 * conn_persona.c - what an edge's persona puts into a viewer's answers:
 * the reference and page of an error, the fields every successful
 * response carries (Via, CloudFront's X-Cache and X-Amz-Cf-*), and the
 * answers to Akamai's Pragma debug headers. The words and layouts are
 * persona.c's; this file applies them to a request of a connection.
 */
#include "conn_private.h"

#include <stdio.h>
#include <string.h>

#include "persona.h"

/* r's error: its reference (which carries the code: Akamai's prefix
 * says it), code, sub-reason, detail and status (0: the persona's). */
void
conn_req_set_error(struct conn_req *r, enum es_code code, int status,
    const char *sub, const char *detail)
{
	const struct persona_id *id = &r->c->edge->id;

	persona_ref(id, code, r->epoch, r->id, r->ref, sizeof(r->ref));
	r->code = code;
	snprintf(r->sub, sizeof(r->sub), "%s", sub ? sub : "");
	snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
	r->status = status ? status : errors_status(code, id->persona);
}

/* The persona's error page for r's error (conn_req_set_error), as an
 * HTTP/1.1 message, into out. */
void
conn_error_page(struct conn_req *r, int status, bool close, struct sbuf *out)
{
	struct persona_error pe;
	struct sbuf extra;

	memset(&pe, 0, sizeof(pe));
	pe.code = r->code;
	pe.sub = r->sub[0] ? r->sub : NULL;
	pe.detail = r->detail[0] ? r->detail : NULL;
	pe.ref = r->ref;
	pe.status = status;
	pe.close = close;
	pe.head_only = r->is_head;
	sbuf_init(&extra);
	conn_pragma_lines(r, &extra);
	pe.extra = extra.s;
	persona_error_response(&r->c->edge->id, &pe, out);
	sbuf_free(&extra);
}

/* Fields an edge adds to every successful response. */
void
conn_persona_fields(struct conn_req *r, conn_field_fn emit, void *arg)
{
	const struct persona_id *id = &r->c->edge->id;
	char via[128];

	persona_via(id, via, sizeof(via));
	emit(arg, "Via", 3, via, strlen(via));
	if (id->persona == PERSONA_CLOUDFRONT) {
		emit(arg, "X-Cache", 7, "Miss from cloudfront", 20);
		emit(arg, "X-Amz-Cf-Pop", 12, id->pop, strlen(id->pop));
		emit(arg, "X-Amz-Cf-Id", 11, r->ref, strlen(r->ref));
	}
	conn_pragma_fields(r, emit, arg);
}

void
conn_pragma_fields(struct conn_req *r, conn_field_fn emit, void *arg)
{
	if (r->pragma == 0)
		return;
	persona_pragma_fields(&r->c->edge->id, r->pragma, r->id,
	    r->host ? r->host->sec.name : r->host_hdr, r->target, emit, arg);
}

static void
add_line(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct sbuf *out = arg;

	sbuf_add(out, name, nlen);
	sbuf_adds(out, ": ");
	sbuf_add(out, value, vlen);
	sbuf_adds(out, "\r\n");
}

void
conn_pragma_lines(struct conn_req *r, struct sbuf *out)
{
	conn_pragma_fields(r, add_line, out);
}

void
conn_add_field_line(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct evbuffer *out = arg;

	evbuffer_add(out, name, nlen);
	evbuffer_add(out, ": ", 2);
	evbuffer_add(out, value, vlen);
	evbuffer_add(out, "\r\n", 2);
}

void
conn_add_persona_headers(struct conn *c, struct evbuffer *out)
{
	conn_persona_fields(c->req, conn_add_field_line, out);
}
