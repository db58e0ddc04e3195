/*
 * http.c - the HTTP/1.1 head parser behind http.h: start lines, header
 * fields and the framing they give, a head read as it trickles in, and the
 * path and authority of a request target. The chunked-body scanner is
 * http_chunked.c; finding fields and telling hop-by-hop ones apart,
 * http_fields.c.
 *
 * Everything works in place on the caller's buffer, without allocating and
 * in one pass over each line: it runs for every message the proxy relays.
 * Where a lenient reading would let two parsers disagree about where a
 * message ends (request smuggling, RFC 9112 section 11) it refuses; where
 * clients differ harmlessly (bare LF after the head's lines, blanks around
 * values) it accepts.
 *
 * A head that is not complete yet is parsed again from the start when
 * enough has arrived (struct http_head_scan decides when: the end of the
 * head, or a quarter more bytes, so that the parses of one head add up to
 * a few times its size). Every error is decided only from bytes already
 * seen, so a prefix that fails fails the same way whatever follows, and a
 * request line that can no longer become valid (a TLS ClientHello, say)
 * fails as soon as it is parsed.
 */
#include "http_private.h"

#include <string.h>

/* The bytes of an RFC 3986 uri-host and port (reg-name, IP literals, ':'),
 * as a bitmap of the bytes 0..63 and 64..127 (http_in_set). The other
 * byte classes are http_private.h's. */
static const uint64_t host_set[2] = {
	0x2fff7ff200000000ULL, 0x47fffffeaffffffeULL
};

/* A byte of a request target: visible ASCII only, no blanks (RFC 9112 3.2). */
static inline bool
is_target_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

const char *
http_result_str(enum http_result r)
{
	static const char *const str[HTTP_RESULT_COUNT] = {
		[HTTP_OK] = "ok",
		[HTTP_INCOMPLETE] = "incomplete head",
		[HTTP_ERR_HEAD_TOO_LARGE] = "request head too large",
		[HTTP_ERR_TOO_MANY_HEADERS] = "too many header fields",
		[HTTP_ERR_REQUEST_LINE] = "malformed request line",
		[HTTP_ERR_METHOD] = "malformed method",
		[HTTP_ERR_TARGET] = "malformed request target",
		[HTTP_ERR_VERSION] = "unsupported HTTP version",
		[HTTP_ERR_HEADER] = "malformed header field",
		[HTTP_ERR_CONTENT_LENGTH] = "invalid Content-Length",
		[HTTP_ERR_CL_AND_TE] =
		    "both Content-Length and Transfer-Encoding",
		[HTTP_ERR_TRANSFER_ENCODING] = "unsupported Transfer-Encoding",
		[HTTP_ERR_NO_HOST] = "missing Host header",
		[HTTP_ERR_MULTIPLE_HOST] = "more than one Host header",
		[HTTP_ERR_STATUS_LINE] = "malformed status line",
	};

	if ((unsigned)r >= HTTP_RESULT_COUNT)
		return "unknown parse result";
	return str[r];
}

int
http_result_status(enum http_result r)
{
	switch (r) {
	case HTTP_OK:
	case HTTP_INCOMPLETE:
		return 0;
	case HTTP_ERR_HEAD_TOO_LARGE:
	case HTTP_ERR_TOO_MANY_HEADERS:
		return 431;
	case HTTP_ERR_VERSION:
		return 505;
	case HTTP_ERR_TRANSFER_ENCODING:
		return 501;
	case HTTP_ERR_STATUS_LINE:
		return 502;
	case HTTP_ERR_REQUEST_LINE:
	case HTTP_ERR_METHOD:
	case HTTP_ERR_TARGET:
	case HTTP_ERR_HEADER:
	case HTTP_ERR_CONTENT_LENGTH:
	case HTTP_ERR_CL_AND_TE:
	case HTTP_ERR_NO_HOST:
	case HTTP_ERR_MULTIPLE_HOST:
		return 400;
	case HTTP_RESULT_COUNT:
		break;
	}
	return 500;
}

/* What the header fields of a head said, gathered line by line. */
struct fields {
	struct http_header *headers;
	size_t n_headers;
	bool request;                   /* count Host; TE: chunked only */
	bool has_cl;
	int64_t cl;
	bool has_te;
	bool te_chunked;                /* the last coding so far is chunked */
	unsigned n_host;
	struct http_str host;
	bool conn_close;
	bool conn_keep_alive;
	bool expect_continue;
};

/* No end of head in buf[0..min(len, max_head)). */
static enum http_result
need_more(size_t len, size_t max_head)
{
	return len >= max_head ? HTTP_ERR_HEAD_TOO_LARGE : HTTP_INCOMPLETE;
}

/*
 * Skip the empty lines RFC 9112 2.2 lets a recipient ignore before the start
 * line. *pos is where the start line begins. HTTP_INCOMPLETE: only empty
 * lines (or a CR that may yet become one) so far; bad: a bare CR.
 */
static enum http_result
skip_empty_lines(const char *buf, size_t limit, size_t *pos,
    enum http_result bad)
{
	size_t i = 0;

	while (i < limit) {
		if (buf[i] == '\n') {
			i++;
		} else if (buf[i] == '\r') {
			if (i + 1 == limit)
				break;
			if (buf[i + 1] != '\n')
				return bad;
			i += 2;
		} else {
			*pos = i;
			return HTTP_OK;
		}
	}
	*pos = i;
	return HTTP_INCOMPLETE;
}

/*
 * "HTTP/1.0" or "HTTP/1.1" at the start of p[0..n), n possibly short of 8
 * when the line is incomplete. HTTP_OK means as far as n goes; the caller
 * checks what follows. "HTTP/2.0" and the like are err_version as soon as
 * their 8 bytes are in, whatever follows; anything else is err_line.
 */
static enum http_result
parse_version(const char *p, size_t n, int *minor, enum http_result err_line,
    enum http_result err_version)
{
	static const char name[] = "HTTP/";
	size_t k;

	for (k = 0; k < n && k < 8; k++) {
		unsigned char c = (unsigned char)p[k];
		bool ok;

		if (k < 5)
			ok = c == (unsigned char)name[k];
		else if (k == 6)
			ok = c == '.';
		else
			ok = http_is_digit(c);
		if (!ok)
			return err_line;
	}
	if (n < 8)
		return HTTP_OK;
	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return err_version;
	*minor = p[7] - '0';
	return HTTP_OK;
}

/*
 * METHOD SP TARGET SP HTTP/1.x, single spaces. p[0..n) is the line without
 * its LF; complete says whether the LF was seen. An incomplete line gives
 * HTTP_INCOMPLETE while it may still become valid, its error otherwise.
 */
static enum http_result
parse_request_line(const char *p, size_t n, bool complete,
    struct http_request *req)
{
	enum http_result r;
	size_t i = 0, t;

	/* The CR of CRLF, or on an incomplete line a CR that may become it. */
	if (n > 0 && p[n - 1] == '\r')
		n--;
	while (i < n && http_is_tchar((unsigned char)p[i]))
		i++;
	if (i == n)
		return complete ? HTTP_ERR_REQUEST_LINE : HTTP_INCOMPLETE;
	if (p[i] == '\r')
		return HTTP_ERR_REQUEST_LINE;
	if (p[i] != ' ' || i == 0)
		return HTTP_ERR_METHOD;
	req->method.p = p;
	req->method.n = i;
	req->is_head = i == 4 && memcmp(p, "HEAD", 4) == 0;

	t = ++i;
	while (i < n && is_target_byte((unsigned char)p[i]))
		i++;
	if (i == n)
		return complete ? HTTP_ERR_REQUEST_LINE : HTTP_INCOMPLETE;
	if (p[i] == '\r')
		return HTTP_ERR_REQUEST_LINE;
	if (p[i] != ' ' || i == t)
		return HTTP_ERR_TARGET;
	req->target.p = p + t;
	req->target.n = i - t;

	i++;
	r = parse_version(p + i, n - i, &req->version_minor,
	    HTTP_ERR_REQUEST_LINE, HTTP_ERR_VERSION);
	if (r != HTTP_OK)
		return r;
	if (n - i > 8)
		return HTTP_ERR_REQUEST_LINE;
	if (!complete)
		return HTTP_INCOMPLETE;
	return n - i == 8 ? HTTP_OK : HTTP_ERR_REQUEST_LINE;
}

/*
 * HTTP/1.x SP 3DIGIT [SP reason]. The reason may be empty and so may its
 * space: "HTTP/1.1 200" is accepted. Same conventions as the request line.
 */
static enum http_result
parse_status_line(const char *p, size_t n, bool complete,
    struct http_response *res)
{
	enum http_result r;
	size_t k;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	r = parse_version(p, n, &res->version_minor, HTTP_ERR_STATUS_LINE,
	    HTTP_ERR_STATUS_LINE);
	if (r != HTTP_OK)
		return r;
	for (k = 8; k < n && k < 12; k++) {
		unsigned char c = (unsigned char)p[k];

		if (k == 8 ? c != ' ' : k == 9 ? c < '1' || c > '9' :
		    !http_is_digit(c))
			return HTTP_ERR_STATUS_LINE;
	}
	if (n < 12)
		return complete ? HTTP_ERR_STATUS_LINE : HTTP_INCOMPLETE;
	if (n > 12 && p[12] != ' ')
		return HTTP_ERR_STATUS_LINE;
	for (k = 13; k < n; k++)
		if (!http_is_value_byte((unsigned char)p[k]))
			return HTTP_ERR_STATUS_LINE;
	if (!complete)
		return HTTP_INCOMPLETE;
	res->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	res->reason.p = p + (n > 12 ? 13 : 12);
	res->reason.n = n > 12 ? n - 13 : 0;
	return HTTP_OK;
}

/* 1*DIGIT, possibly as a list of copies that must all agree (RFC 9110 8.6). */
static enum http_result
field_content_length(struct fields *f, struct http_str v)
{
	struct http_str e;
	size_t pos = 0, i;

	while (http_list_next(v, &pos, &e)) {
		int64_t n = 0;

		if (e.n == 0)
			return HTTP_ERR_CONTENT_LENGTH;
		for (i = 0; i < e.n; i++) {
			unsigned char c = (unsigned char)e.p[i];

			if (!http_is_digit(c) ||
			    n > (INT64_MAX - (c - '0')) / 10)
				return HTTP_ERR_CONTENT_LENGTH;
			n = n * 10 + (c - '0');
		}
		if (f->has_cl && f->cl != n)
			return HTTP_ERR_CONTENT_LENGTH;
		f->has_cl = true;
		f->cl = n;
	}
	return HTTP_OK;
}

/*
 * Transfer codings, across every Transfer-Encoding field in order. chunked
 * must be last and appear once (RFC 9112 6.1). A request may carry nothing
 * but chunked: codings the origin might not know, or might read otherwise
 * ("identity"), are where front and back ends have disagreed before, and
 * RFC 9112 6.1 allows a 501 for them.
 */
static enum http_result
field_transfer_encoding(struct fields *f, struct http_str v)
{
	struct http_str e;
	size_t pos = 0;

	f->has_te = true;
	while (http_list_next(v, &pos, &e)) {
		if (e.n == 0)
			continue;
		if (f->te_chunked)
			return HTTP_ERR_TRANSFER_ENCODING;
		if (http_str_ieq(e, "chunked"))
			f->te_chunked = true;
		else if (f->request)
			return HTTP_ERR_TRANSFER_ENCODING;
	}
	return HTTP_OK;
}

/*
 * Host is what the proxy routes on, so it must be one host[:port] and
 * nothing a router or a log could read two ways (RFC 9112 3.2: "a Host
 * header field with an invalid field value" gets a 400).
 */
static enum http_result
field_host(struct fields *f, struct http_str v)
{
	size_t i;

	if (f->n_host++ > 0)
		return HTTP_ERR_MULTIPLE_HOST;
	for (i = 0; i < v.n; i++)
		if (!http_in_set(host_set, (unsigned char)v.p[i]))
			return HTTP_ERR_HEADER;
	f->host = v;
	return HTTP_OK;
}

static void
field_connection(struct fields *f, struct http_str v)
{
	struct http_str e;
	size_t pos = 0;

	while (http_list_next(v, &pos, &e)) {
		if (http_str_ieq(e, "close"))
			f->conn_close = true;
		else if (http_str_ieq(e, "keep-alive"))
			f->conn_keep_alive = true;
	}
}

/* Act on the fields that shape framing or routing; the rest pass through. */
static enum http_result
field_semantics(struct fields *f, struct http_str name, struct http_str value)
{
	switch (name.n) {
	case 4:
		if (f->request && http_str_ieq(name, "host"))
			return field_host(f, value);
		break;
	case 6:
		if (http_str_ieq(name, "expect") &&
		    http_str_ieq(value, "100-continue"))
			f->expect_continue = true;
		break;
	case 10:
		if (http_str_ieq(name, "connection"))
			field_connection(f, value);
		break;
	case 14:
		if (http_str_ieq(name, "content-length"))
			return field_content_length(f, value);
		break;
	case 17:
		if (http_str_ieq(name, "transfer-encoding"))
			return field_transfer_encoding(f, value);
		break;
	}
	return HTTP_OK;
}

/*
 * One field line, p[0..n) without its LF: a token, ':' at once (a blank
 * before it is refused, RFC 9112 5.1), then a value of VCHAR, blanks and
 * obs-text. A line starting with a blank is obsolete folding (or, right
 * after the start line, a smuggling attempt): refused too. An incomplete
 * line (no LF yet) is checked as far as it goes, so that a bare CR or a bad
 * name fails at once; it is HTTP_INCOMPLETE while it may still be valid.
 */
static enum http_result
parse_field_line(const char *p, size_t n, bool complete, struct fields *f)
{
	struct http_header *h;
	size_t i = 0, start, end;

	/* The CR of CRLF, or on an incomplete line a CR that may become it. */
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return complete ? HTTP_OK : HTTP_INCOMPLETE;
	if (f->n_headers == HTTP_MAX_HEADERS)
		return HTTP_ERR_TOO_MANY_HEADERS;
	while (i < n && http_is_tchar((unsigned char)p[i]))
		i++;
	if (i == n && !complete)
		return HTTP_INCOMPLETE;
	if (i == 0 || i == n || p[i] != ':')
		return HTTP_ERR_HEADER;
	h = &f->headers[f->n_headers];
	h->name.p = p;
	h->name.n = i;
	i++;
	while (i < n && http_is_blank((unsigned char)p[i]))
		i++;
	start = end = i;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!http_is_value_byte(c))
			return HTTP_ERR_HEADER;
		if (!http_is_blank(c))
			end = i + 1;
	}
	if (!complete)
		return HTTP_INCOMPLETE;
	h->value.p = p + start;
	h->value.n = end - start;
	f->n_headers++;
	return field_semantics(f, h->name, h->value);
}

/*
 * The field lines from buf[pos] up to and including the empty line that
 * ends the head, all within limit. Each line is judged as soon as its LF is
 * in, so a bad field fails before the rest of the head arrives.
 */
static enum http_result
parse_fields(const char *buf, size_t pos, size_t limit, struct fields *f,
    size_t *head_len)
{
	for (;;) {
		const char *line = buf + pos, *lf;
		enum http_result r;
		size_t n;

		if (pos >= limit)
			return HTTP_INCOMPLETE;
		lf = memchr(line, '\n', limit - pos);
		if (lf == NULL)
			return parse_field_line(line, limit - pos, false, f);
		n = (size_t)(lf - line);
		if (n == 0 || (n == 1 && line[0] == '\r')) {
			*head_len = (size_t)(lf - buf) + 1;
			return HTTP_OK;
		}
		r = parse_field_line(line, n, true, f);
		if (r != HTTP_OK)
			return r;
		pos = (size_t)(lf - buf) + 1;
	}
}

static void
fields_init(struct fields *f, struct http_header *headers, bool request)
{
	memset(f, 0, sizeof(*f));
	f->headers = headers;
	f->request = request;
}

static bool
keep_alive(const struct fields *f, int version_minor)
{
	if (f->conn_close)
		return false;
	return version_minor == 1 || f->conn_keep_alive;
}

/*
 * Find the start line: skip leading empty lines, then cut the line at its
 * LF. Returns HTTP_OK with the line in buf[*start..*eol) (eol at the LF) or
 * HTTP_INCOMPLETE with no LF within limit (*eol == limit).
 */
static enum http_result
start_line(const char *buf, size_t limit, enum http_result bad, size_t *start,
    size_t *eol)
{
	const char *lf;
	enum http_result r;

	r = skip_empty_lines(buf, limit, start, bad);
	if (r != HTTP_OK) {
		*eol = limit;
		return r;
	}
	lf = memchr(buf + *start, '\n', limit - *start);
	*eol = lf != NULL ? (size_t)(lf - buf) : limit;
	return lf != NULL ? HTTP_OK : HTTP_INCOMPLETE;
}

enum http_result
http_parse_request(const char *buf, size_t len, size_t max_head,
    struct http_request *req, size_t *head_len)
{
	size_t limit = len < max_head ? len : max_head;
	size_t start, eol;
	struct fields f;
	enum http_result r;
	bool complete;

	req->method.p = req->target.p = req->host.p = NULL;
	req->method.n = req->target.n = req->host.n = 0;
	req->version_minor = 1;
	req->n_headers = 0;
	req->body = HTTP_BODY_NONE;
	req->content_length = -1;
	req->keep_alive = req->expect_continue = req->is_head = false;

	r = start_line(buf, limit, HTTP_ERR_REQUEST_LINE, &start, &eol);
	if (r == HTTP_ERR_REQUEST_LINE)
		return r;
	if (start == eol)
		return need_more(len, max_head);
	complete = r == HTTP_OK;
	r = parse_request_line(buf + start, eol - start, complete, req);
	if (r == HTTP_INCOMPLETE)
		return need_more(len, max_head);
	if (r != HTTP_OK)
		return r;

	fields_init(&f, req->headers, true);
	r = parse_fields(buf, eol + 1, limit, &f, head_len);
	req->n_headers = f.n_headers;
	if (r == HTTP_INCOMPLETE)
		return need_more(len, max_head);
	if (r != HTTP_OK)
		return r;

	/* RFC 9112 6.1: a front end must refuse CL with TE, and HTTP/1.0 had
	 * no chunked coding, so a 1.0 request claiming it is framed
	 * ambiguously. */
	if (f.has_te) {
		if (f.has_cl)
			return HTTP_ERR_CL_AND_TE;
		if (!f.te_chunked || req->version_minor == 0)
			return HTTP_ERR_TRANSFER_ENCODING;
		req->body = HTTP_BODY_CHUNKED;
	} else if (f.has_cl) {
		req->body = HTTP_BODY_LENGTH;
		req->content_length = f.cl;
	}
	if (req->version_minor == 1 && f.n_host == 0)
		return HTTP_ERR_NO_HOST;
	req->host = f.host;
	req->keep_alive = keep_alive(&f, req->version_minor);
	/* RFC 9110 10.1.1: ignore 100-continue from an HTTP/1.0 client. */
	req->expect_continue = f.expect_continue && req->version_minor == 1;
	return HTTP_OK;
}

enum http_result
http_parse_response(const char *buf, size_t len, size_t max_head,
    bool request_was_head, struct http_response *res, size_t *head_len)
{
	size_t limit = len < max_head ? len : max_head;
	size_t start, eol;
	struct fields f;
	enum http_result r;
	bool complete;

	res->version_minor = 1;
	res->status = 0;
	res->reason.p = NULL;
	res->reason.n = 0;
	res->n_headers = 0;
	res->body = HTTP_BODY_NONE;
	res->content_length = -1;
	res->keep_alive = false;

	r = start_line(buf, limit, HTTP_ERR_STATUS_LINE, &start, &eol);
	if (r == HTTP_ERR_STATUS_LINE)
		return r;
	if (start == eol)
		return need_more(len, max_head);
	complete = r == HTTP_OK;
	r = parse_status_line(buf + start, eol - start, complete, res);
	if (r == HTTP_INCOMPLETE)
		return need_more(len, max_head);
	if (r != HTTP_OK)
		return r;

	fields_init(&f, res->headers, false);
	r = parse_fields(buf, eol + 1, limit, &f, head_len);
	res->n_headers = f.n_headers;
	if (r == HTTP_INCOMPLETE)
		return need_more(len, max_head);
	if (r != HTTP_OK)
		return r;

	/* RFC 9112 6.3, in its order. TE overrides CL; a 1.0 response with
	 * TE is framed faultily, so only the close delimits it. */
	if (request_was_head || res->status < 200 || res->status == 204 ||
	    res->status == 304)
		res->body = HTTP_BODY_NONE;
	else if (f.has_te)
		res->body = f.te_chunked && res->version_minor == 1 ?
		    HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
	else if (f.has_cl)
		res->body = HTTP_BODY_LENGTH;
	else
		res->body = HTTP_BODY_UNTIL_CLOSE;
	if (res->body == HTTP_BODY_LENGTH)
		res->content_length = f.cl;
	/* A body that ends at EOF leaves nothing to keep alive. */
	res->keep_alive = keep_alive(&f, res->version_minor) &&
	    res->body != HTTP_BODY_UNTIL_CLOSE;
	return HTTP_OK;
}

/* s up to its first '?' or '#'. */
static struct http_str
cut_query(struct http_str s)
{
	size_t i;

	for (i = 0; i < s.n && s.p[i] != '?' && s.p[i] != '#'; i++)
		;
	s.n = i;
	return s;
}

struct http_str
http_target_path(struct http_str target, struct http_str *authority)
{
	struct http_str path = { target.p, 0 }, auth;
	const char *p = target.p;
	size_t n = target.n, i = 0, a, e;

	if (authority != NULL) {
		authority->p = target.p;
		authority->n = 0;
	}
	if (n == 0)
		return path;
	if (p[0] == '/')
		return cut_query(target);
	if (n == 1 && p[0] == '*')
		return target;

	/* absolute-form: scheme "://" authority [path] (RFC 3986 3.1). */
	if (http_lower((unsigned char)p[0]) >= 'a' &&
	    http_lower((unsigned char)p[0]) <= 'z') {
		for (i = 1; i < n; i++) {
			unsigned char c = http_lower((unsigned char)p[i]);

			if (!(c >= 'a' && c <= 'z') && !http_is_digit(c) &&
			    c != '+' && c != '-' && c != '.')
				break;
		}
	}
	if (i > 0 && n - i >= 3 && memcmp(p + i, "://", 3) == 0) {
		a = i + 3;
		for (e = a; e < n && p[e] != '/' && p[e] != '?' && p[e] != '#';
		    e++)
			;
		auth.p = p + a;
		auth.n = e - a;
		/* userinfo@ is not part of host:port. */
		for (i = auth.n; i > 0; i--) {
			if (auth.p[i - 1] == '@') {
				auth.p += i;
				auth.n -= i;
				break;
			}
		}
		if (authority != NULL)
			*authority = auth;
		if (e == n || p[e] != '/') {
			path.p = "/";
			path.n = 1;
			return path;
		}
		path.p = p + e;
		path.n = n - e;
		return cut_query(path);
	}

	/* authority-form (CONNECT host:port): all authority, no path. */
	if (authority != NULL)
		*authority = target;
	return path;
}

void
http_head_scan_init(struct http_head_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->state = 3;
}

/*
 * States: 3 nothing but empty lines yet (RFC 9112 2.2 lets them precede
 * the request line; they end no head, so a stream of them costs no parse),
 * 0 inside a line, 1 just after an LF, 2 after LF CR. An LF in state 1 or
 * 2 is the empty line that ends a head.
 */
size_t
http_head_scan_feed(struct http_head_scan *s, const char *buf, size_t n)
{
	uint8_t st = s->state;
	size_t i = 0;

	while (i < n && !s->found) {
		char c = buf[i++];
		if (st == 3) {
			if (c != '\r' && c != '\n')
				st = 0;
		} else if (c == '\n') {
			if (st != 0)
				s->found = true;
			st = 1;
		} else if (c == '\r' && st == 1) {
			st = 2;
		} else {
			st = 0;
		}
	}
	s->state = st;
	s->scanned += (uint32_t)i;
	return i;
}

bool
http_head_scan_ready(const struct http_head_scan *s, size_t len,
    size_t max_head)
{
	size_t step = s->parsed_at / 4 > 256 ? s->parsed_at / 4 : 256;

	return s->found || len >= max_head || len >= s->parsed_at + step;
}

void
http_head_scan_parsed(struct http_head_scan *s, size_t len)
{
	s->parsed_at = (uint32_t)len;
}
