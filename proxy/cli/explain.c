/*
 * explain.c - read log records back and tell the story of one request.
 *
 * The log is the only record of what happened on the wire, so explain
 * works from it alone: it finds the record carrying the reference, gathers
 * every record of the same request id (the request, its origin handshake
 * or failure), and prints what happened, what the origin presented, why it
 * fails, and the config line that fixes it.
 */
#include "explain.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "errors.h"
#include "util.h"

/* The explanation of a code and sub-reason as a log record spells them:
 * the error table's (errors.c), the one place errors are described. */
const char *
explain_why(const char *code, const char *sub)
{
	enum es_code c;

	if (code == NULL || errors_parse(code, &c) < 0)
		return NULL;
	return errors_why(c, sub);
}

/* Decode one entity at s (just after '&'): numeric (&#35; &#x23;) or the
 * few named ones a page may carry. Returns its length past '&' and sets
 * *c, or 0 when s is not an entity (then '&' stands for itself). */
static size_t
entity_decode(const char *s, char *c)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' }, { "nbsp;", ' ' },
	};
	if (s[0] == '#') {
		bool hex = s[1] == 'x' || s[1] == 'X';
		size_t i = hex ? 2 : 1, start = i;
		unsigned v = 0;
		while (i < start + 6 && (hex ? isxdigit((unsigned char)s[i]) :
		    isdigit((unsigned char)s[i]))) {
			int d = isdigit((unsigned char)s[i]) ? s[i] - '0' :
			    tolower((unsigned char)s[i]) - 'a' + 10;
			v = v * (hex ? 16 : 10) + (unsigned)d;
			i++;
		}
		if (i == start || s[i] != ';' || v == 0 || v > 0x7e)
			return 0;
		*c = (char)v;
		return i + 1;
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].name);
		if (strncmp(s, named[k].name, n) == 0) {
			*c = named[k].c;
			return n;
		}
	}
	return 0;
}

/* Remove prefix (ASCII, any case) from the start of s; true if it was. */
static bool
strip_prefix(char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(s, prefix, n) != 0)
		return false;
	memmove(s, s + n, strlen(s + n) + 1);
	return true;
}

static void
trim_in_place(char *s, const char *set)
{
	size_t n = strspn(s, set);

	memmove(s, s + n, strlen(s + n) + 1);
	n = strlen(s);
	while (n > 0 && strchr(set, s[n - 1]))
		s[--n] = '\0';
}

int
explain_ref_normalize(const char *in, char *out, size_t len)
{
	static const char *const prefixes[] = {
		"X-Edgesim-Ref:", "X-Amz-Cf-Id:", "Request ID:", "Reference:",
		"Reference", "ref=", "#", "https://errors.edgesuite.net/",
		"http://errors.edgesuite.net/", "errors.edgesuite.net/",
	};
	size_t o = 0;
	bool in_tag = false;

	if (in == NULL || out == NULL || len == 0)
		return -1;
	/* Entities decoded, HTML tags dropped. */
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (in_tag) {
			in_tag = c != '>';
			continue;
		}
		if (c == '<') {
			in_tag = true;
			continue;
		}
		if (c == '&') {
			size_t n = entity_decode(p + 1, &c);
			p += n;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	/* Labels and link in front, in the order they can appear. */
	trim_in_place(out, " \t\r\n\"'");
	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
		if (strip_prefix(out, prefixes[k]))
			trim_in_place(out, " \t\r\n\"'");
	}
	/* A sentence's full stop or a link's slash after it. */
	trim_in_place(out, " \t\r\n\"'./");
	if (out[0] == '\0')
		return -1;
	for (const char *p = out; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._=-", *p))
			return -1;
	return 0;
}

static void
fields_add(struct log_fields *f, const char *k, size_t kn, const char *v,
    size_t vn)
{
	f->keys = xrealloc(f->keys, (f->n + 1) * sizeof(*f->keys));
	f->vals = xrealloc(f->vals, (f->n + 1) * sizeof(*f->vals));
	f->keys[f->n] = xstrndup(k, kn);
	f->vals[f->n] = xstrndup(v, vn);
	f->n++;
}

/* Decode a JSON string starting after its opening quote; returns the
 * position after the closing quote, or NULL. */
static const char *
json_string(const char *p, struct sbuf *out)
{
	while (*p && *p != '"') {
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': sbuf_addc(out, '\n'); break;
			case 'r': sbuf_addc(out, '\r'); break;
			case 't': sbuf_addc(out, '\t'); break;
			case 'u': {
				char hex[5] = { 0 };
				for (int i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)p[1 + i]))
						return NULL;
					hex[i] = p[1 + i];
				}
				long c = strtol(hex, NULL, 16);
				sbuf_addc(out, (char)(c < 0x80 ? c : '?'));
				p += 4;
				break;
			}
			case '\0': return NULL;
			default: sbuf_addc(out, *p);
			}
			p++;
		} else {
			sbuf_addc(out, *p++);
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static int
parse_json(const char *p, struct log_fields *f)
{
	struct sbuf k, v;

	p++;
	sbuf_init(&k);
	sbuf_init(&v);
	while (*p && *p != '}') {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p != '"')
			break;
		sbuf_reset(&k);
		sbuf_reset(&v);
		if ((p = json_string(p + 1, &k)) == NULL || *p != ':')
			break;
		p++;
		if (*p == '"') {
			if ((p = json_string(p + 1, &v)) == NULL)
				break;
		} else {
			const char *s = p;
			while (*p && *p != ',' && *p != '}')
				p++;
			sbuf_add(&v, s, (size_t)(p - s));
		}
		/* A repeated event or ts: the last one counts, as before,
		 * without leaking the first. */
		if (k.s && strcmp(k.s, "event") == 0) {
			free(f->event);
			f->event = xstrdup(v.s ? v.s : "");
		} else if (k.s && strcmp(k.s, "ts") == 0) {
			free(f->ts);
			f->ts = xstrdup(v.s ? v.s : "");
		} else {
			fields_add(f, k.s ? k.s : "", k.len, v.s ? v.s : "", v.len);
		}
	}
	sbuf_free(&k);
	sbuf_free(&v);
	if (f->event == NULL) {
		/* Not a record: callers free nothing, so keep nothing. */
		explain_fields_free(f);
		return -1;
	}
	return 0;
}

int
explain_parse_line(const char *line, struct log_fields *f)
{
	memset(f, 0, sizeof(*f));
	if (line[0] == '{') {
		if (parse_json(line, f) == 0)
			return 0;
		explain_fields_free(f);         /* a caller skips it */
		return -1;
	}

	/* TIMESTAMP EVENT key=value key="quoted value" ... */
	const char *p = line, *s;
	s = p;
	while (*p && *p != ' ')
		p++;
	if (*p != ' ')
		return -1;
	f->ts = xstrndup(s, (size_t)(p - s));
	s = ++p;
	while (*p && *p != ' ' && *p != '\n')
		p++;
	f->event = xstrndup(s, (size_t)(p - s));
	struct sbuf v;
	sbuf_init(&v);
	while (*p == ' ') {
		p++;
		const char *k = p;
		while (*p && *p != '=' && *p != ' ' && *p != '\n')
			p++;
		if (*p != '=')
			break;
		size_t kn = (size_t)(p - k);
		p++;
		sbuf_reset(&v);
		if (*p == '"') {
			if ((p = json_string(p + 1, &v)) == NULL)
				break;
		} else {
			s = p;
			while (*p && *p != ' ' && *p != '\n')
				p++;
			sbuf_add(&v, s, (size_t)(p - s));
		}
		fields_add(f, k, kn, v.s ? v.s : "", v.len);
	}
	sbuf_free(&v);
	return 0;
}

void
explain_fields_free(struct log_fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	free(f->keys);
	free(f->vals);
	free(f->event);
	free(f->ts);
	memset(f, 0, sizeof(*f));
}

const char *
explain_get(const struct log_fields *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	return NULL;
}

static const char *
get_or(const struct log_fields *f, const char *key, const char *dflt)
{
	const char *v = explain_get(f, key);

	return v && *v ? v : dflt;
}


static void
print_story(FILE *out, const char *ref, const struct log_fields *req,
    const struct log_fields *origin)
{
	const struct log_fields *main = req ? req : origin;
	const char *code = get_or(main, "code", NULL);
	const char *sub = get_or(main, "sub", NULL);
	if (code == NULL && origin) {
		/* A tunnel's record has no code; its origin hop does. */
		code = get_or(origin, "code", NULL);
		sub = get_or(origin, "sub", NULL);
	}
	struct sbuf b;

	sbuf_init(&b);
	fprintf(out, "Reference %s\n", ref);
	if (req && strcmp(req->event, "tunnel") == 0) {
		fprintf(out, "  %s  a TCP tunnel (mode = tcp) through edge %s\n",
		    req->ts ? req->ts : "", get_or(req, "edge", "?"));
		fprintf(out, "  viewer %s, SNI %s, host %s, origin %s\n",
		    get_or(req, "client", "?"), get_or(req, "sni", "-"),
		    get_or(req, "host", "-"), get_or(req, "origin", "-"));
		fprintf(out, "  result %s: %s bytes up, %s bytes down\n",
		    get_or(req, "result", "?"), get_or(req, "bytes_up", "0"),
		    get_or(req, "bytes_down", "0"));
	} else if (req && strcmp(req->event, "proxy") == 0) {
		fprintf(out, "  %s  %s %s through the forward proxy\n",
		    req->ts ? req->ts : "", get_or(req, "method", "?"),
		    get_or(req, "target", "?"));
		fprintf(out, "  client %s, route %s, destination %s\n",
		    get_or(req, "client", "?"), get_or(req, "route", "-"),
		    get_or(req, "dest", "-"));
		fprintf(out, "  answered %s%s%s\n", get_or(req, "status", "?"),
		    code ? ": " : "", code ? code : "");
	} else if (req) {
		fprintf(out, "  %s  %s %s  Host %s\n", req->ts ? req->ts : "",
		    get_or(req, "method", "?"), get_or(req, "path", "?"),
		    get_or(req, "host", "-"));
		fprintf(out, "  viewer %s, SNI %s, edge %s\n",
		    get_or(req, "client", "?"), get_or(req, "sni", "-"),
		    get_or(req, "edge", "?"));
		fprintf(out, "  answered %s%s%s%s%s\n", get_or(req, "status", "?"),
		    code ? ": " : "", code ? code : "", sub ? "; " : "",
		    sub ? sub : "");
	}
	if (origin) {
		fprintf(out, "\nThe origin hop\n");
		fprintf(out, "  %s, address %s (at %s)\n",
		    get_or(origin, "hop", "?"), get_or(origin, "address", "?"),
		    get_or(origin, "connect", "-"));
		if (strcmp(get_or(origin, "tls", "no"), "yes") == 0 &&
		    explain_get(origin, "sni_sent")) {
			const char *sni = get_or(origin, "sni_sent", "-");
			fprintf(out, "  TLS, SNI sent: %s, verify = %s\n",
			    strcmp(sni, "-") == 0 ? "none (SNI off)" : sni,
			    get_or(origin, "verify", "?"));
			if (explain_get(origin, "alert_received"))
				fprintf(out, "  alert received from the origin: %s\n",
				    explain_get(origin, "alert_received"));
			const char *subj = get_or(origin, "cert_subject", "-");
			if (strcmp(subj, "-") == 0) {
				fprintf(out, "  the origin presented no certificate\n");
			} else {
				fprintf(out, "  the origin presented:\n");
				fprintf(out, "    subject   %s\n", subj);
				fprintf(out, "    SANs      %s\n",
				    get_or(origin, "cert_sans", "-"));
				fprintf(out, "    issuer    %s\n",
				    get_or(origin, "cert_issuer", "-"));
				fprintf(out, "    valid     %s .. %s\n",
				    get_or(origin, "cert_not_before", "?"),
				    get_or(origin, "cert_not_after", "?"));
				fprintf(out, "    SHA-1     %s\n",
				    get_or(origin, "cert_sha1", "-"));
				fprintf(out, "    SHA-256   %s\n",
				    get_or(origin, "cert_sha256", "-"));
				fprintf(out, "    SPKI      %s\n",
				    get_or(origin, "cert_spki", "-"));
				fprintf(out, "    verification: %s\n",
				    get_or(origin, "verify_result", "-"));
			}
		}
	}
	const char *detail = get_or(origin && explain_get(origin, "detail") ?
	    origin : main, "detail", NULL);
	if (detail) {
		fprintf(out, "\nWhat failed\n");
		text_wrap(out, "  ", detail, 76);
	}
	const char *why = code ? explain_why(code, sub) : NULL;
	if (why) {
		fprintf(out, "\nWhy\n");
		text_wrap(out, "  ", why, 76);
	}
	const char *fix = origin ? explain_get(origin, "fix") : NULL;
	if (fix == NULL)
		fix = explain_get(main, "fix");
	if (fix) {
		fprintf(out, "\nFix\n");
		text_wrap(out, "  ", fix, 76);
	}
	int status = atoi(get_or(main, "status", "0"));
	if (code == NULL && status >= 400)
		fprintf(out, "\nThis edge passed on an error answer (%d) from its "
		    "origin, unchanged, as CDNs do. In a chain, the answer's "
		    "X-Edgesim-Ref names the edge that made it: explain that "
		    "reference with that edge's log.\n", status);
	else if (code == NULL && strcmp(get_or(main, "result", "ok"), "ok") == 0)
		fprintf(out, "\nNo error: the request succeeded.\n");
	sbuf_free(&b);
}

int
explain_ref(const char *log_path, const char *ref_as_given, FILE *out)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	char *id = NULL;
	struct log_fields req = { 0 }, origin = { 0 };
	bool have_req = false, have_origin = false;
	char ref[256];

	if (explain_ref_normalize(ref_as_given, ref, sizeof(ref)) < 0) {
		fprintf(stderr, "edgesim: '%s' is not a reference: give the "
		    "X-Edgesim-Ref header's value, Akamai's \"Reference #...\" "
		    "(as shown, or as the page's HTML writes it), its "
		    "https://errors.edgesuite.net/... link, or a CloudFront "
		    "Request ID\n", ref_as_given);
		return 2;
	}
	f = fopen(log_path, "r");
	if (f == NULL) {
		fprintf(stderr, "edgesim: cannot read the log %s: %s\n", log_path,
		    strerror(errno));
		return 2;
	}
	/* First pass: the id of the record that carries ref. An edge writes
	 * a request's records just after its response (in the same turn of
	 * its event loop): a reference pasted or scripted at once may be a
	 * moment ahead of its record, so a log written to within the last
	 * two seconds is followed for up to a second. */
	for (int wait = 0; id == NULL; wait++) {
		while (id == NULL && getline(&line, &cap, f) > 0) {
			struct log_fields lf;
			if (strstr(line, ref) == NULL ||
			    explain_parse_line(line, &lf) < 0)
				continue;
			const char *r = explain_get(&lf, "ref");
			const char *i = explain_get(&lf, "id");
			if (r && i && strcmp(r, ref) == 0)
				id = xstrdup(i);
			explain_fields_free(&lf);
		}
		struct stat st;
		if (id != NULL || wait == 10 || fstat(fileno(f), &st) < 0 ||
		    time(NULL) - st.st_mtime > 2)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000000L }, NULL);
		clearerr(f);
	}
	if (id == NULL) {
		fclose(f);
		free(line);
		return 1;
	}
	/* Second pass: every record of that request (the last of each). */
	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		struct log_fields lf;
		if (strstr(line, id) == NULL || explain_parse_line(line, &lf) < 0)
			continue;
		const char *i = explain_get(&lf, "id");
		if (i == NULL || strcmp(i, id) != 0) {
			explain_fields_free(&lf);
		} else if (strcmp(lf.event, "request") == 0 ||
		    strcmp(lf.event, "tunnel") == 0 ||
		    strcmp(lf.event, "proxy") == 0) {
			explain_fields_free(&req);
			req = lf;
			have_req = true;
		} else if (strcmp(lf.event, "origin") == 0) {
			explain_fields_free(&origin);
			origin = lf;
			have_origin = true;
		} else {
			explain_fields_free(&lf);
		}
	}
	fclose(f);
	free(line);
	free(id);
	if (!have_req && !have_origin)
		return 1;
	print_story(out, ref, have_req ? &req : NULL,
	    have_origin ? &origin : NULL);
	explain_fields_free(&req);
	explain_fields_free(&origin);
	return 0;
}
