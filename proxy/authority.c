/*
 * authority.c - the one authority of a request (authority.h says the rule
 * and where it comes from).
 */
#include "authority.h"

#include <string.h>

#include "sni.h"

const char *
authority_result_str(enum authority_result r)
{
	static const char *const str[AUTHORITY_RESULT_COUNT] = {
		[AUTHORITY_OK] = "ok",
		[AUTHORITY_ERR_FORM] = "request target in the wrong form",
		[AUTHORITY_ERR_SCHEME] = "absolute URI with a scheme other "
		    "than http or https",
		[AUTHORITY_ERR_USERINFO] = "user information in the request "
		    "target's authority",
		[AUTHORITY_ERR_MALFORMED] = "malformed authority (host:port) "
		    "in the request target",
	};

	if ((unsigned)r >= AUTHORITY_RESULT_COUNT)
		return "unknown authority result";
	return str[r];
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
ieq(struct http_str a, struct http_str b)
{
	if (a.n != b.n)
		return false;
	for (size_t i = 0; i < a.n; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

/* The bytes of an RFC 3986 host[:port] (reg-name, IP literals): what the
 * Host header may hold too (http.c refuses anything else there). */
static bool
authority_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == ':' || c == '[' || c == ']' || c == '!' ||
	    c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' ||
	    c == '*' || c == '+' || c == ',' || c == ';' || c == '=' ||
	    c == '%';
}

/* host and port of v (host[:port]); false when v is not that. */
static bool
split_hostport(struct http_str v, struct http_str *host, int *port)
{
	const char *h;
	size_t hn;

	host->p = v.p;
	host->n = 0;
	*port = 0;
	for (size_t i = 0; i < v.n; i++)
		if (!authority_byte((unsigned char)v.p[i]))
			return false;
	hn = v.n ? sni_host_from_header(v.p, v.n, &h) : 0;
	if (hn == 0)
		return false;
	host->p = h;
	host->n = hn;
	/* sni_host_from_header checked the port: 1..5 digits, <= 65535. */
	const char *end = v.p + v.n;
	const char *colon = h + hn + (v.p[0] == '[' ? 1 : 0);
	if (colon < end && *colon == ':')
		for (const char *p = colon + 1; p < end; p++)
			*port = *port * 10 + (*p - '0');
	return true;
}

/* "?query" of target[from..), and the path before it. */
static void
split_query(struct http_str t, size_t from, struct authority *a)
{
	size_t i = from;

	while (i < t.n && t.p[i] != '?' && t.p[i] != '#')
		i++;
	a->path.p = t.p + from;
	a->path.n = i - from;
	a->query.p = t.p + i;
	a->query.n = t.n - i;
}

static bool
is_connect(const struct http_request *req)
{
	return req->method.n == 7 && memcmp(req->method.p, "CONNECT", 7) == 0;
}

enum authority_result
authority_parse(const struct http_request *req, struct authority *a)
{
	struct http_str t = req->target;
	size_t i = 0;

	memset(a, 0, sizeof(*a));
	a->value = req->host;
	a->path.p = a->query.p = t.p;
	if (is_connect(req)) {
		/* authority-form only (RFC 9110 9.3.6): host and port. */
		a->form = AUTHORITY_AUTHORITY_FORM;
		a->value = t;
		if (t.n == 0 || t.p[0] == '/' || memchr(t.p, '/', t.n) ||
		    memchr(t.p, '@', t.n))
			return t.n && memchr(t.p, '@', t.n) ?
			    AUTHORITY_ERR_USERINFO : AUTHORITY_ERR_FORM;
		if (!split_hostport(t, &a->host, &a->port) || a->port == 0)
			return AUTHORITY_ERR_MALFORMED;
		return AUTHORITY_OK;
	}
	if (t.n > 0 && t.p[0] == '/') {
		a->form = AUTHORITY_ORIGIN_FORM;
		split_query(t, 0, a);
		split_hostport(a->value, &a->host, &a->port);
		return AUTHORITY_OK;
	}
	if (t.n == 1 && t.p[0] == '*') {
		if (req->method.n != 7 || memcmp(req->method.p, "OPTIONS", 7))
			return AUTHORITY_ERR_FORM;
		a->form = AUTHORITY_ASTERISK_FORM;
		a->path = t;
		split_hostport(a->value, &a->host, &a->port);
		return AUTHORITY_OK;
	}

	/* absolute-form: scheme "://" authority [path-abempty] [? query] */
	while (i < t.n && t.p[i] != ':' && t.p[i] != '/')
		i++;
	if (i == 0 || t.n - i < 3 || memcmp(t.p + i, "://", 3) != 0)
		return AUTHORITY_ERR_FORM;
	struct http_str scheme = { t.p, i };
	struct http_str http = { "http", 4 }, https = { "https", 5 };
	a->form = AUTHORITY_ABSOLUTE_FORM;
	if (!ieq(scheme, http) && !ieq(scheme, https))
		return AUTHORITY_ERR_SCHEME;
	size_t s = i + 3, e = s;
	while (e < t.n && t.p[e] != '/' && t.p[e] != '?' && t.p[e] != '#')
		e++;
	a->value.p = t.p + s;
	a->value.n = e - s;
	if (memchr(a->value.p, '@', a->value.n))
		return AUTHORITY_ERR_USERINFO;
	if (!split_hostport(a->value, &a->host, &a->port))
		return AUTHORITY_ERR_MALFORMED;
	if (e < t.n && t.p[e] == '/') {
		split_query(t, e, a);
	} else {
		/* "http://host" and "http://host?q": the path is "/". */
		split_query(t, e, a);
		a->path.p = "/";
		a->path.n = 1;
	}
	a->host_replaced = req->host.n > 0 && !ieq(req->host, a->value);
	return AUTHORITY_OK;
}

void
authority_apply(struct http_request *req, const struct authority *a)
{
	if (a->form != AUTHORITY_ABSOLUTE_FORM)
		return;
	req->host = a->value;
	for (size_t i = 0; i < req->n_headers; i++)
		if (http_str_ieq(req->headers[i].name, "host"))
			req->headers[i].value = a->value;
}
