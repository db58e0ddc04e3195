/*
 * builtin.c - the echo and static origins.
 *
 * echo answers with a JSON document of what arrived, including what the
 * edge saw of TLS (the SNI, version, client certificate): the simplest way
 * to see, at the end of a chain, what each hop did to a request.
 * static serves files, refusing every path that leaves its root.
 */
#include "builtin.h"

#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
json_str(struct sbuf *b, const char *key, const char *v, size_t n, bool comma)
{
	if (comma)
		sbuf_addc(b, ',');
	sbuf_addf(b, "\"%s\":", key);
	if (v == NULL) {
		sbuf_adds(b, "null");
		return;
	}
	sbuf_addc(b, '"');
	sbuf_add_json_escaped(b, v, n);
	sbuf_addc(b, '"');
}

void
echo_begin(struct sbuf *json, const struct http_request *req,
    const struct echo_view *v)
{
	sbuf_addc(json, '{');
	json_str(json, "method", req->method.p, req->method.n, false);
	json_str(json, "target", req->target.p, req->target.n, true);
	struct http_str path = http_target_path(req->target, NULL);
	json_str(json, "path", path.p, path.n, true);
	if (v->http_version)
		json_str(json, "http_version", v->http_version,
		    strlen(v->http_version), true);
	else
		json_str(json, "http_version", req->version_minor ?
		    "HTTP/1.1" : "HTTP/1.0", 8, true);
	sbuf_adds(json, ",\"headers\":[");
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct http_header *h = &req->headers[i];
		sbuf_adds(json, i ? ",[\"" : "[\"");
		sbuf_add_json_escaped(json, h->name.p, h->name.n);
		sbuf_adds(json, "\",\"");
		sbuf_add_json_escaped(json, h->value.p, h->value.n);
		sbuf_adds(json, "\"]");
	}
	sbuf_adds(json, "]");
	json_str(json, "edge", v->edge, strlen(v->edge), true);
	json_str(json, "host", v->host, strlen(v->host), true);
	json_str(json, "origin", v->origin, strlen(v->origin), true);
	json_str(json, "client", v->client, strlen(v->client), true);
	sbuf_adds(json, ",\"tls\":{");
	json_str(json, "sni", v->sni, v->sni ? strlen(v->sni) : 0, false);
	json_str(json, "version", v->tls_version, strlen(v->tls_version), true);
	json_str(json, "cipher", v->cipher, strlen(v->cipher), true);
	json_str(json, "alpn", v->alpn, v->alpn ? strlen(v->alpn) : 0, true);
	json_str(json, "cert_choice", v->cert_choice, strlen(v->cert_choice),
	    true);
	json_str(json, "client_cert_subject", v->client_subject,
	    v->client_subject ? strlen(v->client_subject) : 0, true);
	json_str(json, "client_cert_issuer", v->client_issuer,
	    v->client_issuer ? strlen(v->client_issuer) : 0, true);
	sbuf_addc(json, '}');
}

void
echo_finish(struct sbuf *json, int64_t body_bytes, struct builtin_response *out)
{
	sbuf_addf(json, ",\"body_bytes\":%lld}\n", (long long)body_bytes);
	out->status = 200;
	sbuf_adds(&out->headers, "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n");
	evbuffer_add(out->body, json->s, json->len);
	out->body_len = (int64_t)json->len;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
builtin_percent_decode(const char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)in[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = hexval((unsigned char)in[i + 1]);
			int lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static const char *
content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".htm", "text/html; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".js", "text/javascript" },
		{ ".json", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".ico", "image/x-icon" },
		{ ".webp", "image/webp" },
		{ ".woff2", "font/woff2" },
		{ ".xml", "application/xml" },
		{ ".pdf", "application/pdf" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < ES_ARRAY_LEN(types); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static void
static_error(struct builtin_response *out, int status, const char *msg)
{
	out->status = status;
	sbuf_adds(&out->headers, "Content-Type: text/plain; charset=utf-8\r\n");
	if (status == 405)
		sbuf_adds(&out->headers, "Allow: GET, HEAD\r\n");
	evbuffer_add_printf(out->body, "%s\n", msg);
	out->body_len = (int64_t)evbuffer_get_length(out->body);
}

/* Whether a decoded path has a "." or ".." segment. */
static bool
has_dot_segment(const char *p)
{
	while (*p) {
		while (*p == '/')
			p++;
		const char *seg = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - seg);
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return true;
	}
	return false;
}

/* --- the static origin's cache --- */

struct static_entry {
	char *key;                      /* root + decoded path */
	int64_t expires;                /* ms, monotonic */
	int status;                     /* 200, or the error's */
	const char *msg;                /* the error's text */
	const char *ctype;              /* 200: by the real file's name */
	int64_t size;
	time_t mtime;
	struct evbuffer_file_segment *seg;      /* 200, small, not empty */
	char *real;                     /* 200, too large to keep: open it */
	struct static_entry *next;      /* hash chain */
};

#define STATIC_BUCKETS 1024

struct static_cache {
	struct static_entry *buckets[STATIC_BUCKETS];
	size_t n;
	uint64_t hits, misses;
};

static void
entry_free(struct static_entry *e)
{
	if (e->seg)
		evbuffer_file_segment_free(e->seg);
	free(e->key);
	free(e->real);
	free(e);
}

struct static_cache *
static_cache_new(void)
{
	return xcalloc(1, sizeof(struct static_cache));
}

static void
cache_clear(struct static_cache *c)
{
	for (size_t i = 0; i < STATIC_BUCKETS; i++) {
		while (c->buckets[i]) {
			struct static_entry *e = c->buckets[i];
			c->buckets[i] = e->next;
			entry_free(e);
		}
	}
	c->n = 0;
}

void
static_cache_free(struct static_cache *c)
{
	if (c == NULL)
		return;
	cache_clear(c);
	free(c);
}

void
static_cache_stats(const struct static_cache *c, uint64_t *hits,
    uint64_t *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}

/* The fresh entry for key, or NULL; a stale one is dropped on the way. */
static struct static_entry *
cache_get(struct static_cache *c, const char *key, int64_t now)
{
	struct static_entry **pp = &c->buckets[str_hash(key) % STATIC_BUCKETS];

	for (struct static_entry *e = *pp; e; pp = &e->next, e = *pp) {
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->expires > now)
			return e;
		*pp = e->next;
		entry_free(e);
		c->n--;
		return NULL;
	}
	return NULL;
}

static void
cache_put(struct static_cache *c, struct static_entry *e)
{
	/* Full: start over rather than track an order; refilling costs a
	 * second's worth of look-ups. */
	if (c->n >= STATIC_CACHE_MAX)
		cache_clear(c);
	struct static_entry **b = &c->buckets[str_hash(e->key) % STATIC_BUCKETS];
	e->next = *b;
	*b = e;
	c->n++;
}

/*
 * The blocking part: what the disk says about full (root + decoded path).
 * Fills e (its key and expiry are the caller's).
 */
static void
static_lookup(const char *root_real, const char *path, struct static_entry *e,
    bool keep)
{
	char full[PATH_MAX * 2], real[PATH_MAX];
	struct stat sb;

	snprintf(full, sizeof(full), "%s", path);
	if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		size_t n = strlen(full);
		snprintf(full + n, sizeof(full) - n, "%sindex.html",
		    n && full[n - 1] == '/' ? "" : "/");
	}
	/* Symlinks may point anywhere: what counts is where the file really
	 * is, and it must be under the root. */
	if (realpath(full, real) == NULL) {
		e->status = errno == EACCES ? 403 : 404;
		e->msg = errno == EACCES ? "forbidden" : "not found";
		return;
	}
	size_t rl = strlen(root_real);
	if (strncmp(real, root_real, rl) != 0 ||
	    (real[rl] != '/' && real[rl] != '\0')) {
		e->status = 403;
		e->msg = "forbidden: the path leaves the root";
		return;
	}
	/* O_NONBLOCK: opening a FIFO (or a device) under the root must not
	 * block the event loop until a writer shows up; it is refused just
	 * below as not a regular file. Regular files ignore the flag. */
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		e->status = 404;
		e->msg = "not found";
		return;
	}
	e->status = 200;
	e->ctype = content_type(real);
	e->size = (int64_t)sb.st_size;
	e->mtime = sb.st_mtime;
	if (keep && sb.st_size > 0 && sb.st_size <= STATIC_CACHE_MAX_FILE) {
		/* Read once into memory (no mmap: a file truncated while
		 * mapped would kill the process with SIGBUS); the segment
		 * needs the descriptor no more. */
		e->seg = evbuffer_file_segment_new(fd, 0, sb.st_size,
		    EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_SENDFILE |
		    EVBUF_FS_DISABLE_LOCKING);
		close(fd);
		if (e->seg == NULL) {
			e->status = 500;
			e->msg = "cannot read the file";
		}
		return;
	}
	close(fd);
	e->real = xstrdup(real);
}

/* The answer e describes, for req. */
static void
static_answer(const struct static_entry *e, const struct http_request *req,
    struct builtin_response *out)
{
	if (e->status != 200) {
		static_error(out, e->status, e->msg);
		return;
	}
	char date[64];
	struct tm tm;
	gmtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	out->status = 200;
	sbuf_addf(&out->headers, "Content-Type: %s\r\nLast-Modified: %s\r\n"
	    "ETag: \"%llx-%llx\"\r\nAccept-Ranges: none\r\n", e->ctype, date,
	    (unsigned long long)e->mtime, (unsigned long long)e->size);
	out->body_len = e->size;
	if (req->is_head || e->size == 0)
		return;
	if (e->seg) {
		if (evbuffer_add_file_segment(out->body, e->seg, 0, e->size) == 0)
			return;
	} else if (e->real) {
		/* A large file: opened for each answer (the evbuffer owns fd
		 * and reads it as it is sent), checked to be what was found. */
		struct stat sb;
		int fd = open(e->real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		    O_NONBLOCK);
		if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_size == e->size &&
		    evbuffer_add_file(out->body, fd, 0, e->size) == 0)
			return;
		if (fd >= 0)
			close(fd);
	}
	evbuffer_drain(out->body, evbuffer_get_length(out->body));
	sbuf_reset(&out->headers);
	static_error(out, 500, "cannot read the file");
}

void
static_respond(const char *root_real, const struct http_request *req,
    struct builtin_response *out, struct static_cache *cache)
{
	char decoded[PATH_MAX], full[PATH_MAX * 2];

	if (!http_str_ieq(req->method, "GET") && !http_str_ieq(req->method,
	    "HEAD")) {
		static_error(out, 405, "method not allowed: a static origin "
		    "serves GET and HEAD");
		return;
	}
	struct http_str path = http_target_path(req->target, NULL);
	if (path.n == 0 || path.p[0] != '/') {
		static_error(out, 400, "bad path");
		return;
	}
	/* "Outside the root" is judged on the path as routes see it
	 * (RFC 3986 normalised: "/x/../a" is "/a", inside), with one more
	 * rule: a ".." that climbs above "/" is refused, not dropped. What
	 * normalisation keeps encoded ("%2F", "%5C") is decoded after it, and
	 * a ".." made of such escapes is refused too. */
	char norm[PATH_MAX];
	unsigned flags = 0;
	if (path.n >= sizeof(norm)) {
		static_error(out, 400, "bad path");
		return;
	}
	size_t nn = path_normalize(path.p, path.n, norm, &flags);
	if (flags & PATH_ABOVE_ROOT) {
		static_error(out, 403, "forbidden: the path leaves the root");
		return;
	}
	if (builtin_percent_decode(norm, nn, decoded, sizeof(decoded)) < 0 ||
	    strchr(decoded, '\\')) {
		static_error(out, 400, "bad path encoding");
		return;
	}
	if (has_dot_segment(decoded)) {
		static_error(out, 403, "forbidden: the path leaves the root");
		return;
	}
	snprintf(full, sizeof(full), "%s%s", root_real, decoded);

	int64_t now = clock_mono_ms();
	struct static_entry *e = cache ? cache_get(cache, full, now) : NULL;
	if (e) {
		cache->hits++;
		static_answer(e, req, out);
		return;
	}
	e = xcalloc(1, sizeof(*e));
	static_lookup(root_real, full, e, cache != NULL);
	static_answer(e, req, out);
	if (cache && e->status != 500) {
		cache->misses++;
		e->key = xstrdup(full);
		e->expires = now + STATIC_CACHE_TTL_MS;
		cache_put(cache, e);
	} else {
		entry_free(e);
	}
}
