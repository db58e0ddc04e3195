/*
 * util.c - error values, checked allocation, growable strings, string lists
 * and the value parsers shared by the config and the command line.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int
es_errf(struct es_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void
oom(size_t n)
{
	fprintf(stderr, "edgesim: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
sbuf_init(struct sbuf *b)
{
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
}

void
sbuf_free(struct sbuf *b)
{
	free(b->s);
	sbuf_init(b);
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static void
sbuf_grow(struct sbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void
sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;

	/* Format once into the room there is; only a result that did not
	 * fit is formatted a second time. */
	sbuf_grow(b, 64);
	va_copy(ap2, ap);
	int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->s[b->len] = '\0';
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		sbuf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *
sbuf_detach(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	sbuf_init(b);
	return s;
}

/* The length of a valid UTF-8 sequence at s (at most n bytes) whose code
 * point is printable (not a C1 control, not a surrogate), or 0. */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;       /* overlong, out of range, surrogate, C1 */
	return len;
}

void
sbuf_add_json_escaped(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t u = c >= 0x80 ? utf8_printable((const unsigned char *)s + i,
		    n - i) : 0;
		if (u > 0) {
			/* Valid, printable UTF-8 passes as it is. */
			sbuf_add(b, s + i, u);
			i += u - 1;
			continue;
		}
		switch (c) {
		case '"':  sbuf_add(b, "\\\"", 2); break;
		case '\\': sbuf_add(b, "\\\\", 2); break;
		case '\n': sbuf_add(b, "\\n", 2); break;
		case '\r': sbuf_add(b, "\\r", 2); break;
		case '\t': sbuf_add(b, "\\t", 2); break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				char e[6] = { '\\', 'u', '0', '0',
				    hex[c >> 4], hex[c & 15] };
				sbuf_add(b, e, 6);
			} else {
				sbuf_addc(b, (char)c);
			}
		}
	}
}

void
sbuf_add_html_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_adds(b, "&amp;"); break;
		case '<': sbuf_adds(b, "&lt;"); break;
		case '>': sbuf_adds(b, "&gt;"); break;
		case '"': sbuf_adds(b, "&quot;"); break;
		case '\'': sbuf_adds(b, "&#39;"); break;
		default: sbuf_addc(b, *s);
		}
	}
}

void
strlist_add(struct strlist *l, const char *s, int line)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		l->line = xrealloc(l->line, l->cap * sizeof(*l->line));
	}
	l->v[l->n] = xstrdup(s);
	l->line[l->n] = line;
	l->n++;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->line);
	memset(l, 0, sizeof(*l));
}

bool
strlist_contains_nocase(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
strlist_add_words(struct strlist *l, const char *s, int line)
{
	while (*s) {
		while (*s && isspace((unsigned char)*s))
			s++;
		const char *start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (s > start) {
			char *w = xstrndup(start, (size_t)(s - start));
			strlist_add(l, w, line);
			free(w);
		}
	}
}

char *
str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

char *
str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

size_t
str_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);

	if (n > 64 || m > 64)
		return SIZE_MAX;
	size_t prev[65], cur[65];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			cur[j] = best;
		}
		memcpy(prev, cur, (m + 1) * sizeof(size_t));
	}
	return prev[m];
}

int
parse_duration_ms(const char *s, int64_t *out_ms)
{
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	int64_t mult;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mult = 86400 * 1000;
	else
		return -1;
	if (v > INT64_MAX / mult)
		return -1;
	*out_ms = v * mult;
	return 0;
}

int
parse_bool(const char *s, bool *out)
{
	static const char *yes[] = { "yes", "on", "true", "1" };
	static const char *no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < ES_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int
parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    int default_port, struct es_err *err)
{
	const char *p;
	size_t hl;

	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL)
			return es_errf(err, "'%s': missing ']' after an IPv6 address", s);
		hl = (size_t)(close - s - 1);
		if (hl >= hostlen || hl == 0)
			return es_errf(err, "'%s': bad IPv6 address", s);
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		p = close + 1;
		if (*p == '\0')
			goto noport;
		if (*p != ':')
			return es_errf(err, "'%s': expected ':PORT' after ']'", s);
		p++;
	} else {
		const char *colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			return es_errf(err, "'%s': an IPv6 address needs brackets, "
			    "as in [::1]:443", s);
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl == 0)
			return es_errf(err, "'%s': missing host", s);
		if (hl >= hostlen)
			return es_errf(err, "'%s': host name too long", s);
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (colon == NULL)
			goto noport;
		p = colon + 1;
	}
	int64_t v;
	if (parse_int(p, 1, 65535, &v) < 0)
		return es_errf(err, "'%s': port must be a number from 1 to 65535", s);
	*port = (int)v;
	return 0;
noport:
	if (default_port <= 0)
		return es_errf(err, "'%s': missing ':PORT'", s);
	*port = default_port;
	return 0;
}

void
format_duration(int64_t ms, char *buf, size_t len)
{
	if (ms < 1000 || ms % 1000 != 0)
		snprintf(buf, len, "%lldms", (long long)ms);
	else if (ms % 60000 != 0 || ms < 60000)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (ms % 3600000 != 0 || ms < 3600000)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
}

void
hex_encode(const unsigned char *in, size_t n, char sep, char *out,
    size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		size_t need = (sep && i) ? 3 : 2;
		if (o + need + 1 > outlen)
			break;
		if (sep && i)
			out[o++] = sep;
		out[o++] = hex[in[i] >> 4];
		out[o++] = hex[in[i] & 15];
	}
	if (outlen)
		out[o] = '\0';
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sbuf_wrap(struct sbuf *out, const char *indent, const char *text,
    size_t width)
{
	size_t ind = strlen(indent), col = ind;
	const char *p = text;

	sbuf_adds(out, indent);
	while (*p) {
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t n = (size_t)(p - w);
		if (col > ind && col + 1 + n > width) {
			sbuf_addc(out, '\n');
			sbuf_adds(out, indent);
			col = ind;
		} else if (col > ind) {
			sbuf_addc(out, ' ');
			col++;
		}
		sbuf_add(out, w, n);
		col += n;
		while (*p == ' ')
			p++;
	}
	sbuf_addc(out, '\n');
}

void
text_wrap(FILE *out, const char *indent, const char *text, size_t width)
{
	struct sbuf b;

	sbuf_init(&b);
	sbuf_wrap(&b, indent, text, width);
	fwrite(b.s, 1, b.len, out);
	sbuf_free(&b);
}

void
tv_from_ms(struct timeval *tv, int64_t ms)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}
