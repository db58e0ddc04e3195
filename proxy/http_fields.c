/*
 * http_fields.c - header fields of a parsed HTTP/1.1 head: names compared
 * without case, comma-separated values split, a field found by name, and
 * which fields stop at this hop (hop-by-hop) and which go on.
 *
 * Used by the head parser (http.c), which reads the lists of Connection,
 * Content-Length and Transfer-Encoding with http_list_next, and by every
 * hop that forwards a head: a field relays only when these say it goes on.
 */
#include "http_private.h"

#include <string.h>

static bool
str_ieq_str(struct http_str a, struct http_str b)
{
	size_t i;

	if (a.n != b.n)
		return false;
	for (i = 0; i < a.n; i++)
		if (http_lower((unsigned char)a.p[i]) !=
		    http_lower((unsigned char)b.p[i]))
			return false;
	return true;
}

bool
http_str_ieq(struct http_str s, const char *c)
{
	size_t i;

	/* c is the caller's constant; stop at its NUL, never read past s.n. */
	for (i = 0; i < s.n; i++) {
		if (c[i] == '\0' || http_lower((unsigned char)s.p[i]) !=
		    http_lower((unsigned char)c[i]))
			return false;
	}
	return c[s.n] == '\0';
}

/*
 * The next element of a comma-separated list value, blanks trimmed. Empty
 * elements are returned too (callers decide whether they matter). *pos
 * starts at 0; returns false when the list is exhausted.
 */
bool
http_list_next(struct http_str v, size_t *pos, struct http_str *elem)
{
	size_t i = *pos, start, end;

	if (i > v.n)
		return false;
	while (i < v.n && v.p[i] != ',')
		i++;
	start = *pos;
	end = i;
	while (start < end && http_is_blank((unsigned char)v.p[start]))
		start++;
	while (end > start && http_is_blank((unsigned char)v.p[end - 1]))
		end--;
	elem->p = v.p + start;
	elem->n = end - start;
	*pos = i + 1;
	return true;
}

const struct http_header *
http_find_header(const struct http_header *headers, size_t n_headers,
    const char *name)
{
	size_t i;

	for (i = 0; i < n_headers; i++)
		if (http_str_ieq(headers[i].name, name))
			return &headers[i];
	return NULL;
}

bool
http_response_field_relayed(const struct http_response *res, size_t i)
{
	if (http_header_is_hop_by_hop(res->headers, res->n_headers, i))
		return false;
	return !(res->body == HTTP_BODY_CHUNKED &&
	    http_str_ieq(res->headers[i].name, "content-length"));
}

bool
http_header_is_hop_by_hop(const struct http_header *headers,
    size_t n_headers, size_t i)
{
	static const char *const fixed[] = {
		"connection", "keep-alive", "proxy-connection", "te",
		"trailer", "upgrade", "proxy-authorization",
	};
	struct http_str name, e;
	size_t k, pos;

	if (i >= n_headers)
		return false;
	name = headers[i].name;
	for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
		if (http_str_ieq(name, fixed[k]))
			return true;
	/* "Connection: Content-Length" must not strip the framing of a body
	 * that is relayed unchanged, nor "Connection: Host" the routing. */
	if (http_str_ieq(name, "content-length") ||
	    http_str_ieq(name, "transfer-encoding") ||
	    http_str_ieq(name, "host"))
		return false;
	for (k = 0; k < n_headers; k++) {
		if (!http_str_ieq(headers[k].name, "connection"))
			continue;
		pos = 0;
		while (http_list_next(headers[k].value, &pos, &e))
			if (str_ieq_str(e, name))
				return true;
	}
	return false;
}

void
http_str_copy(char *dst, size_t len, struct http_str s)
{
	size_t n = s.n < len - 1 ? s.n : len - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}
