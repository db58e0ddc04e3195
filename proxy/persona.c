/*
 * persona.c - error pages and references as Akamai and CloudFront write
 * them, and a plain one.
 *
 * The Akamai page and its "Reference #" (HTML-entity encoded, prefix.
 * edge-ip-hex.epoch.request-id) and CloudFront's "ERROR: The request could
 * not be satisfied" page follow what those services send; each response
 * also carries X-Edgesim-Error and X-Edgesim-Ref so that tests and users can
 * tell exactly what happened.
 */
#include "persona.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "version.h"

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
persona_id_init(struct persona_id *id, enum persona p, const char *edge_name,
    const char *listen_host)
{
	uint64_t st = hash_str(edge_name);
	struct in_addr a;

	memset(id, 0, sizeof(*id));
	id->persona = p;
	snprintf(id->edge_name, sizeof(id->edge_name), "%s", edge_name);
	snprintf(id->via_token, sizeof(id->via_token), "%016llx%016llx",
	    (unsigned long long)splitmix64(&st),
	    (unsigned long long)splitmix64(&st));
	/* A POP code that cannot be mistaken for a real one. */
	snprintf(id->pop, sizeof(id->pop), "LAB%02u-C1",
	    (unsigned)(splitmix64(&st) % 90) + 10);
	/* Akamai prints the IPv4 address of the edge as a little-endian
	 * 32-bit hex number: 127.0.0.1 -> 100007f. */
	if (listen_host && inet_pton(AF_INET, listen_host, &a) == 1) {
		const unsigned char *b = (const unsigned char *)&a.s_addr;
		id->ipv4_le = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	} else {
		id->ipv4_le = 0x100007f;
	}
}

void
persona_ref(const struct persona_id *id, enum es_code code, int64_t epoch,
    uint64_t request_id, char *out, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	switch (id->persona) {
	case PERSONA_AKAMAI: {
		int prefix = errors_info(code)->akamai_prefix;
		snprintf(out, len, "%d.%x.%lld.%llx", prefix < 0 ? 0 : prefix,
		    id->ipv4_le, (long long)epoch,
		    (unsigned long long)request_id);
		break;
	}
	case PERSONA_CLOUDFRONT: {
		/* 40 pseudo-random bytes, base64 (URL alphabet, as
		 * CloudFront's ids), "==" padded: 56 characters. */
		uint64_t st = request_id ^ ((uint64_t)epoch << 20) ^
		    hash_str(id->edge_name);
		char buf[57];
		size_t o = 0;
		for (int i = 0; i < 13; i++) {
			uint64_t v = splitmix64(&st);
			for (int j = 0; j < 4; j++)
				buf[o++] = b64[(v >> (6 * j)) & 63];
		}
		buf[o++] = b64[splitmix64(&st) & 63];
		buf[o++] = b64[(splitmix64(&st) & 3) << 4];
		buf[o++] = '=';
		buf[o++] = '=';
		buf[o] = '\0';
		snprintf(out, len, "%s", buf);
		break;
	}
	default:
		snprintf(out, len, "es-%llx-%llx", (unsigned long long)epoch,
		    (unsigned long long)request_id);
	}
}

const char *
persona_reason_phrase(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 508: return "Loop Detected";
	default: return "Unknown";
	}
}

const char *
persona_http_date(char buf[40])
{
	static _Thread_local time_t cached_at;
	static _Thread_local char cached[40];
	time_t now = time(NULL);

	if (now != cached_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(cached, sizeof(cached), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cached_at = now;
	}
	memcpy(buf, cached, sizeof(cached));
	return buf;
}

const char *
persona_via(const struct persona_id *id, char *buf, size_t len)
{
	switch (id->persona) {
	case PERSONA_AKAMAI:
		snprintf(buf, len, "1.1 akamai.net(ghost) (AkamaiGHost)");
		break;
	case PERSONA_CLOUDFRONT:
		snprintf(buf, len, "1.1 %s.cloudfront.net (CloudFront)",
		    id->via_token);
		break;
	default:
		snprintf(buf, len, "1.1 edgesim (%s)", id->edge_name);
	}
	return buf;
}

/* Akamai writes punctuation of its reference as numeric entities. */
static void
akamai_entities(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9'))
			sbuf_addc(b, *s);
		else
			sbuf_addf(b, "&#%d;", (unsigned char)*s);
	}
}

static void
akamai_page(const struct persona_error *e, int status, struct sbuf *body)
{
	if (e->code == ES_ERR_HOST_NOT_SERVED || e->code == ES_ERR_BAD_REQUEST) {
		sbuf_adds(body, "<HTML><HEAD>\n<TITLE>Invalid URL</TITLE>\n"
		    "</HEAD><BODY>\n<H1>Invalid URL</H1>\n"
		    "The requested URL \"&#91;no&#32;URL&#93;\", is invalid.<p>\n");
	} else if (status == 504) {
		sbuf_adds(body, "<HTML><HEAD>\n<TITLE>Gateway Timeout</TITLE>\n"
		    "</HEAD><BODY>\n<H1>Gateway Timeout</H1>\n"
		    "The proxy server did not receive a timely response from "
		    "the upstream server.<P>\n");
	} else {
		sbuf_adds(body, "<HTML><HEAD>\n<TITLE>Error</TITLE>\n"
		    "</HEAD><BODY>\n"
		    "An error occurred while processing your request.<p>\n");
	}
	sbuf_adds(body, "Reference&#32;&#35;");
	akamai_entities(body, e->ref);
	sbuf_adds(body, "\n<P>");
	akamai_entities(body, "https://errors.edgesuite.net/");
	akamai_entities(body, e->ref);
	sbuf_adds(body, "</P>\n</BODY></HTML>\n");
}

static void
cloudfront_page(const struct persona_id *id, const struct persona_error *e,
    int status, struct sbuf *body)
{
	const char *what;

	switch (e->code) {
	case ES_ERR_HOST_NOT_SERVED:
	case ES_ERR_BAD_REQUEST:
	case ES_ERR_REQUEST_TIMEOUT:
		what = "Bad request.";
		break;
	case ES_ERR_LOOP_DETECTED:
		what = "CloudFront detected that the request was forwarded back "
		    "to it: the origin configuration loops.";
		break;
	case ES_ERR_READ_ERROR:
	case ES_ERR_ZERO_SIZE_OBJECT:
	case ES_ERR_READ_TIMEOUT:
	case ES_ERR_CONNECT_TIMEOUT:
	case ES_ERR_BAD_RESPONSE:
		what = "CloudFront attempted to establish a connection with the "
		    "origin, but either the attempt failed or the origin closed "
		    "the connection.";
		break;
	default:
		what = "CloudFront wasn't able to connect to the origin.";
	}
	(void)id;
	sbuf_addf(body,
	    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" "
	    "\"http://www.w3.org/TR/html4/loose.dtd\">\n"
	    "<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; "
	    "charset=iso-8859-1\">\n"
	    "<TITLE>ERROR: The request could not be satisfied</TITLE>\n"
	    "</HEAD><BODY>\n<H1>%d ERROR</H1>\n"
	    "<H2>The request could not be satisfied.</H2>\n"
	    "<HR noshade size=\"1px\">\n%s\n"
	    "We can't connect to the server for this app or website at this "
	    "time. There might be too much traffic or a configuration error. "
	    "Try again later, or contact the app or website owner.\n"
	    "<BR clear=\"all\">\n"
	    "If you provide content to customers through CloudFront, you can "
	    "find steps to troubleshoot and help prevent this error by "
	    "reviewing the CloudFront documentation.\n<BR clear=\"all\">\n"
	    "<HR noshade size=\"1px\">\n<PRE>\n"
	    "Generated by cloudfront (CloudFront)\nRequest ID: ", status, what);
	sbuf_add_html_escaped(body, e->ref);
	sbuf_adds(body, "\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>");
}

void
persona_error_response(const struct persona_id *id,
    const struct persona_error *e, struct sbuf *out)
{
	int status = e->status ? e->status : errors_status(e->code, id->persona);
	struct sbuf body;
	char date[40], via[96];

	sbuf_init(&body);
	switch (id->persona) {
	case PERSONA_AKAMAI:
		akamai_page(e, status, &body);
		break;
	case PERSONA_CLOUDFRONT:
		cloudfront_page(id, e, status, &body);
		break;
	default:
		sbuf_addf(&body, "%d %s\n%s", status,
		    persona_reason_phrase(status), errors_name(e->code));
		if (e->sub)
			sbuf_addf(&body, " (%s)", e->sub);
		sbuf_addf(&body, ": %s\n", e->detail ? e->detail :
		    errors_info(e->code)->summary);
		sbuf_addf(&body, "Reference: %s\n", e->ref);
	}

	sbuf_addf(out, "HTTP/1.1 %d %s\r\n", status,
	    persona_reason_phrase(status));
	switch (id->persona) {
	case PERSONA_AKAMAI:
		sbuf_adds(out, "Server: AkamaiGHost\r\nMime-Version: 1.0\r\n"
		    "Content-Type: text/html\r\n");
		sbuf_addf(out, "Expires: %s\r\n", persona_http_date(date));
		break;
	case PERSONA_CLOUDFRONT:
		sbuf_adds(out, "Server: CloudFront\r\n"
		    "Content-Type: text/html\r\n"
		    "X-Cache: Error from cloudfront\r\n");
		sbuf_addf(out, "Via: %s\r\nX-Amz-Cf-Pop: %s\r\nX-Amz-Cf-Id: %s\r\n",
		    persona_via(id, via, sizeof(via)), id->pop, e->ref);
		break;
	default:
		sbuf_adds(out, "Server: edgesim\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n");
	}
	sbuf_addf(out, "Date: %s\r\nContent-Length: %zu\r\n",
	    persona_http_date(date), body.len);
	if (e->close)
		sbuf_adds(out, "Connection: close\r\n");
	if (e->extra)
		sbuf_adds(out, e->extra);
	sbuf_addf(out, "X-Edgesim-Error: %s%s%s\r\nX-Edgesim-Ref: %s\r\n\r\n",
	    errors_name(e->code), e->sub ? "; " : "", e->sub ? e->sub : "",
	    e->ref);
	if (!e->head_only && body.len)
		sbuf_add(out, body.s, body.len);
	sbuf_free(&body);
}

/* --- Akamai's Pragma debug headers --- */

unsigned
persona_pragma_parse(const char *value, size_t n)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "akamai-x-cache-on", PERSONA_PRAGMA_CACHE_ON },
		{ "akamai-x-get-request-id", PERSONA_PRAGMA_REQUEST_ID },
		{ "akamai-x-get-cache-key", PERSONA_PRAGMA_CACHE_KEY },
		{ "akamai-x-check-cacheable", PERSONA_PRAGMA_CACHEABLE },
		{ "akamai-x-get-true-cache-key", PERSONA_PRAGMA_TRUE_KEY },
	};
	unsigned bits = 0;
	size_t i = 0;

	while (i < n) {
		while (i < n && (value[i] == ',' || value[i] == ' ' ||
		    value[i] == '\t'))
			i++;
		size_t start = i;
		while (i < n && value[i] != ',' && value[i] != ' ' &&
		    value[i] != '\t')
			i++;
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k].name) == i - start &&
			    strncasecmp(names[k].name, value + start, i - start) == 0)
				bits |= names[k].bit;
	}
	return bits;
}

/*
 * As an Akamai edge answers them with caching off (every request a miss,
 * nothing cacheable). The machine name is the edge's address dashed
 * ("a127-0-0-1.deploy.akamaitechnologies.com"); the cache key's CP code and
 * TTL fields are the lab's zeros, for there is no property behind it.
 */
void
persona_pragma_fields(const struct persona_id *id, unsigned pragma,
    uint64_t request_id, const char *host, const char *path,
    persona_field_fn emit, void *arg)
{
	char v[1024];
	uint32_t ip = id->ipv4_le;
	int n;

	if (pragma & PERSONA_PRAGMA_CACHE_ON) {
		n = snprintf(v, sizeof(v), "TCP_MISS from a%u-%u-%u-%u.deploy."
		    "akamaitechnologies.com (AkamaiGHost/%s) (-)", ip & 0xff,
		    ip >> 8 & 0xff, ip >> 16 & 0xff, ip >> 24 & 0xff,
		    EDGESIM_VERSION);
		emit(arg, "X-Cache", 7, v, (size_t)n);
	}
	if (pragma & PERSONA_PRAGMA_REQUEST_ID) {
		n = snprintf(v, sizeof(v), "%llx", (unsigned long long)request_id);
		emit(arg, "X-Akamai-Request-ID", 19, v, (size_t)n);
	}
	if (pragma & PERSONA_PRAGMA_CACHE_KEY) {
		n = snprintf(v, sizeof(v), "/L/0/0/0s/%s%s", host, path);
		if (n >= (int)sizeof(v))
			n = (int)sizeof(v) - 1;
		emit(arg, "X-Cache-Key", 11, v, (size_t)n);
	}
	if (pragma & PERSONA_PRAGMA_CACHEABLE)
		emit(arg, "X-Check-Cacheable", 17, "NO", 2);
	if (pragma & PERSONA_PRAGMA_TRUE_KEY) {
		n = snprintf(v, sizeof(v), "/L/%s%s", host, path);
		if (n >= (int)sizeof(v))
			n = (int)sizeof(v) - 1;
		emit(arg, "X-True-Cache-Key", 16, v, (size_t)n);
	}
}
