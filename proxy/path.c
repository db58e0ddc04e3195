/*
 * path.c - RFC 3986 normalisation of request paths (path.h says which
 * rules, and why these and no others).
 *
 * One pass over the input, writing into out: each segment is decoded
 * (unreserved escapes) as it is copied, then looked at; a "." or ".." just
 * written is taken back, and ".." also takes back the segment before it.
 * The output is a stack of segments, so nothing is ever re-scanned.
 */
#include "path.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
static bool
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Drop the last segment of out[0..*o) with the '/' before it. */
static void
pop_segment(char *out, size_t *o, unsigned *flags)
{
	if (*o == 0) {
		*flags |= PATH_ABOVE_ROOT;
		return;
	}
	while (*o > 0 && out[*o - 1] != '/')
		(*o)--;
	if (*o > 0)
		(*o)--;         /* the '/' that began it */
}

size_t
path_normalize(const char *in, size_t n, char *out, unsigned *flags)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned fl = 0;
	size_t i = 0, o = 0;

	if (n == 0 || in[0] != '/') {
		memcpy(out, in, n);
		out[n] = '\0';
		if (flags)
			*flags = 0;
		return n;
	}
	while (i < n) {
		/* in[i] is the '/' that starts a segment. */
		size_t seg = o;
		out[o++] = '/';
		i++;
		while (i < n && in[i] != '/') {
			unsigned char c = (unsigned char)in[i];
			int hi, lo;
			if (c == '%' && i + 2 < n &&
			    (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
			    (lo = hexval((unsigned char)in[i + 2])) >= 0) {
				unsigned char d = (unsigned char)(hi << 4 | lo);
				if (unreserved(d)) {
					out[o++] = (char)d;
				} else {
					out[o++] = '%';
					out[o++] = hex[hi];
					out[o++] = hex[lo];
				}
				i += 3;
				continue;
			}
			if (c == '%')
				fl |= PATH_BAD_ESCAPE;
			out[o++] = (char)c;
			i++;
		}
		/* out[seg] is '/', out[seg+1..o) the decoded segment. */
		size_t len = o - seg - 1;
		bool last = i >= n;
		if (len == 1 && out[seg + 1] == '.') {
			o = seg;
			if (last)
				out[o++] = '/';
		} else if (len == 2 && out[seg + 1] == '.' && out[seg + 2] == '.') {
			o = seg;
			pop_segment(out, &o, &fl);
			if (last)
				out[o++] = '/';
		}
	}
	out[o] = '\0';
	if (o != n || memcmp(in, out, n) != 0)
		fl |= PATH_CHANGED;
	if (flags)
		*flags = fl;
	return o;
}

char *
path_buf_reserve(struct path_buf *b, size_t n)
{
	if (b->cap < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p;
}

void
path_buf_free(struct path_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->cap = 0;
}
