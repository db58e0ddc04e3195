/*
 * story.c - the story of one request told from its log records: the
 * record parser (text or JSON lines) and the telling, shared by
 * `edgesim explain` (records from the log file) and the admin endpoint
 * /explain/REF (records from the in-memory ring, events.c). No I/O here:
 * lines come in, text goes out into a buffer, so the daemon may use it.
 */
#include "story.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* The explanation of a code and sub-reason as a log record spells them:
 * the error table's (errors.c), the one place errors are described. */
const char *
story_why(const char *code, const char *sub)
{
	enum es_code c;

	if (code == NULL || errors_parse(code, &c) < 0)
		return NULL;
	return errors_why(c, sub);
}

static void
fields_add(struct story_fields *f, const char *k, size_t kn, const char *v,
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
parse_json(const char *p, struct story_fields *f)
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
		/* A repeated event or ts: the last one counts, without
		 * leaking the first. */
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
		/* Not a record: callers free nothing, so keep nothing (a
		 * leak fuzz_explain found). */
		story_fields_free(f);
		return -1;
	}
	return 0;
}

int
story_parse_line(const char *line, struct story_fields *f)
{
	memset(f, 0, sizeof(*f));
	if (line[0] == '{')
		return parse_json(line, f);

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
story_fields_free(struct story_fields *f)
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
story_get(const struct story_fields *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	return NULL;
}

const char *
story_get_or(const struct story_fields *f, const char *key, const char *dflt)
{
	const char *v = story_get(f, key);

	return v && *v ? v : dflt;
}


static void
tell(struct sbuf *out, const char *ref, const struct story_fields *req,
    const struct story_fields *origin)
{
	const struct story_fields *main = req ? req : origin;
	const char *code = story_get_or(main, "code", NULL);
	const char *sub = story_get_or(main, "sub", NULL);
	if (code == NULL && origin) {
		/* A tunnel's record has no code; its origin hop does. */
		code = story_get_or(origin, "code", NULL);
		sub = story_get_or(origin, "sub", NULL);
	}

	sbuf_addf(out, "Reference %s\n", ref);
	if (req && strcmp(req->event, "tunnel") == 0) {
		sbuf_addf(out, "  %s  a TCP tunnel (mode = tcp) through edge %s\n",
		    req->ts ? req->ts : "", story_get_or(req, "edge", "?"));
		sbuf_addf(out, "  viewer %s, SNI %s, host %s, origin %s\n",
		    story_get_or(req, "client", "?"), story_get_or(req, "sni", "-"),
		    story_get_or(req, "host", "-"), story_get_or(req, "origin", "-"));
		sbuf_addf(out, "  result %s: %s bytes up, %s bytes down\n",
		    story_get_or(req, "result", "?"), story_get_or(req, "bytes_up", "0"),
		    story_get_or(req, "bytes_down", "0"));
	} else if (req && strcmp(req->event, "proxy") == 0) {
		sbuf_addf(out, "  %s  %s %s through the forward proxy\n",
		    req->ts ? req->ts : "", story_get_or(req, "method", "?"),
		    story_get_or(req, "target", "?"));
		sbuf_addf(out, "  client %s, route %s, destination %s\n",
		    story_get_or(req, "client", "?"), story_get_or(req, "route", "-"),
		    story_get_or(req, "dest", "-"));
		sbuf_addf(out, "  answered %s%s%s\n", story_get_or(req, "status", "?"),
		    code ? ": " : "", code ? code : "");
	} else if (req) {
		sbuf_addf(out, "  %s  %s %s  Host %s\n", req->ts ? req->ts : "",
		    story_get_or(req, "method", "?"), story_get_or(req, "path", "?"),
		    story_get_or(req, "host", "-"));
		sbuf_addf(out, "  viewer %s, SNI %s, edge %s\n",
		    story_get_or(req, "client", "?"), story_get_or(req, "sni", "-"),
		    story_get_or(req, "edge", "?"));
		sbuf_addf(out, "  answered %s%s%s%s%s\n", story_get_or(req, "status", "?"),
		    code ? ": " : "", code ? code : "", sub ? "; " : "",
		    sub ? sub : "");
	}
	if (origin) {
		sbuf_addf(out, "\nThe origin hop\n");
		sbuf_addf(out, "  %s, address %s (at %s)\n",
		    story_get_or(origin, "hop", "?"), story_get_or(origin, "address", "?"),
		    story_get_or(origin, "connect", "-"));
		if (strcmp(story_get_or(origin, "tls", "no"), "yes") == 0 &&
		    story_get(origin, "sni_sent")) {
			const char *sni = story_get_or(origin, "sni_sent", "-");
			sbuf_addf(out, "  TLS, SNI sent: %s, verify = %s\n",
			    strcmp(sni, "-") == 0 ? "none (SNI off)" : sni,
			    story_get_or(origin, "verify", "?"));
			if (story_get(origin, "alert_received"))
				sbuf_addf(out, "  alert received from the origin: %s\n",
				    story_get(origin, "alert_received"));
			const char *subj = story_get_or(origin, "cert_subject", "-");
			if (strcmp(subj, "-") == 0) {
				sbuf_addf(out, "  the origin presented no certificate\n");
			} else {
				sbuf_addf(out, "  the origin presented:\n");
				sbuf_addf(out, "    subject   %s\n", subj);
				sbuf_addf(out, "    SANs      %s\n",
				    story_get_or(origin, "cert_sans", "-"));
				sbuf_addf(out, "    issuer    %s\n",
				    story_get_or(origin, "cert_issuer", "-"));
				sbuf_addf(out, "    valid     %s .. %s\n",
				    story_get_or(origin, "cert_not_before", "?"),
				    story_get_or(origin, "cert_not_after", "?"));
				sbuf_addf(out, "    SHA-1     %s\n",
				    story_get_or(origin, "cert_sha1", "-"));
				sbuf_addf(out, "    SHA-256   %s\n",
				    story_get_or(origin, "cert_sha256", "-"));
				sbuf_addf(out, "    SPKI      %s\n",
				    story_get_or(origin, "cert_spki", "-"));
				sbuf_addf(out, "    verification: %s\n",
				    story_get_or(origin, "verify_result", "-"));
			}
		}
	}
	const char *detail = story_get_or(origin && story_get(origin, "detail") ?
	    origin : main, "detail", NULL);
	if (detail) {
		sbuf_addf(out, "\nWhat failed\n");
		sbuf_wrap(out, "  ", detail, 76);
	}
	const char *why = code ? story_why(code, sub) : NULL;
	if (why) {
		sbuf_addf(out, "\nWhy\n");
		sbuf_wrap(out, "  ", why, 76);
	}
	const char *fix = origin ? story_get(origin, "fix") : NULL;
	if (fix == NULL)
		fix = story_get(main, "fix");
	if (fix) {
		sbuf_addf(out, "\nFix\n");
		sbuf_wrap(out, "  ", fix, 76);
	}
	int status = atoi(story_get_or(main, "status", "0"));
	if (code == NULL && status >= 400)
		sbuf_addf(out, "\nThis edge passed on an error answer (%d) from its "
		    "origin, unchanged, as CDNs do. In a chain, the answer's "
		    "X-Edgesim-Ref names the edge that made it: explain that "
		    "reference with that edge's log.\n", status);
	else if (code == NULL && strcmp(story_get_or(main, "result", "ok"), "ok") == 0)
		sbuf_addf(out, "\nNo error: the request succeeded.\n");
}

void
story_init(struct story *s, const char *ref)
{
	memset(s, 0, sizeof(*s));
	s->ref = xstrdup(ref);
}

bool
story_seek(struct story *s, const char *line)
{
	struct story_fields lf;

	if (s->id)
		return true;
	if (strstr(line, s->ref) == NULL || story_parse_line(line, &lf) < 0)
		return false;
	const char *r = story_get(&lf, "ref");
	const char *i = story_get(&lf, "id");
	if (r && i && strcmp(r, s->ref) == 0)
		s->id = xstrdup(i);
	story_fields_free(&lf);
	return s->id != NULL;
}

void
story_take(struct story *s, const char *line)
{
	struct story_fields lf;

	if (s->id == NULL || strstr(line, s->id) == NULL ||
	    story_parse_line(line, &lf) < 0)
		return;
	const char *i = story_get(&lf, "id");
	if (i == NULL || strcmp(i, s->id) != 0) {
		story_fields_free(&lf);
	} else if (strcmp(lf.event, "request") == 0 ||
	    strcmp(lf.event, "tunnel") == 0 ||
	    strcmp(lf.event, "proxy") == 0) {
		story_fields_free(&s->req);
		s->req = lf;
		s->have_req = true;
	} else if (strcmp(lf.event, "origin") == 0) {
		story_fields_free(&s->origin);
		s->origin = lf;
		s->have_origin = true;
	} else {
		story_fields_free(&lf);
	}
}

int
story_tell(const struct story *s, struct sbuf *out)
{
	if (!s->have_req && !s->have_origin)
		return -1;
	tell(out, s->ref, s->have_req ? &s->req : NULL,
	    s->have_origin ? &s->origin : NULL);
	return 0;
}

void
story_free(struct story *s)
{
	story_fields_free(&s->req);
	story_fields_free(&s->origin);
	free(s->ref);
	free(s->id);
	memset(s, 0, sizeof(*s));
}
