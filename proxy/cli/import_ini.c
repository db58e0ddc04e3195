/*
 * import_ini.c - write the import model as an edgesim INI file.
 *
 * Every key sits under comment lines that say where it came from:
 *   ; from JSON.PATH          the field of the user's JSON
 *   ; console: LABEL          its name in the CDN's console
 *   ; note: WHY               why this value (a default, an assumption)
 *   ; lab: WHY                a key of the lab's own (ports, stand-ins)
 * `edgesim lint` reads these comments back (lint.c) to name the setting to
 * change in the user's words. Lines stay under the 199 characters Debian's
 * inih reads: comments are wrapped, long lists continue on indented lines.
 */
#include "cli/import.h"

#include <string.h>

#define WRAP 96

/* "; TAG text", wrapped; continuation lines start with ";   ". */
static void
comment(struct sbuf *b, const char *tag, const char *text)
{
	size_t first = strlen(tag) + 3;
	const char *p = text;
	bool cont = false;

	while (*p) {
		size_t room = WRAP - (cont ? 4 : first);
		size_t n = strlen(p);
		if (n > room) {
			n = room;
			while (n > room / 2 && p[n] != ' ')
				n--;
			if (p[n] != ' ')
				n = room;
		}
		if (cont)
			sbuf_addf(b, ";   %.*s\n", (int)n, p);
		else
			sbuf_addf(b, "; %s%s%.*s\n", tag, *tag ? " " : "", (int)n,
			    p);
		p += n;
		while (*p == ' ')
			p++;
		cont = true;
	}
	if (*text == '\0')
		sbuf_addf(b, "; %s\n", tag);
}

static void
from(struct sbuf *b, const struct im_from *f)
{
	if (f->path)
		comment(b, "from", f->path);
	if (f->label)
		comment(b, "console:", f->label);
	if (f->note)
		comment(b, f->path ? "note:" : "lab:", f->note);
}

/* key = value, a long value of words continued on indented lines. */
static void
key_value(struct sbuf *b, const char *key, const char *value)
{
	size_t col = strlen(key) + 3;
	const char *p = value;

	sbuf_addf(b, "%s = ", key);
	while (*p) {
		size_t n = strcspn(p, " ");
		if (col + n > 150 && col > strlen(key) + 3) {
			sbuf_adds(b, "\n    ");
			col = 4;
		} else if (p != value) {
			sbuf_addc(b, ' ');
			col++;
		}
		sbuf_addf(b, "%.*s", (int)n, p);
		col += n;
		p += n;
		while (*p == ' ')
			p++;
	}
	sbuf_addc(b, '\n');
}

static void
kv(struct sbuf *b, const char *key, const char *value, const struct im_from *f)
{
	from(b, f);
	key_value(b, key, value);
}

static void
lab_kv(struct sbuf *b, const char *key, const char *value, const char *why)
{
	if (why)
		comment(b, "lab:", why);
	key_value(b, key, value);
}

static void
keys(struct sbuf *b, const struct im_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		kv(b, k->v[i].key, k->v[i].value, &k->v[i].from);
}

static void
join(struct sbuf *out, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		sbuf_addf(out, "%s%s", i ? " " : "", l->v[i]);
}

static void
write_host(struct sbuf *b, const struct im_edge *e, const struct im_host *h)
{
	sbuf_addf(b, "\n[host %s]\n", h->name);
	if (h->name_from.path || h->name_from.note)
		from(b, &h->name_from);
	lab_kv(b, "edge", e->name, e->cdn == IM_AKAMAI ? "a property hostname "
	    "of the Akamai edge" : "a host of the distribution");
	if (h->aliases.n) {
		struct sbuf a;
		sbuf_init(&a);
		join(&a, &h->aliases);
		kv(b, "aliases", a.s, &h->aliases_from);
		sbuf_free(&a);
	}
	kv(b, "cert", h->cert, &h->cert_from);
	if (h->origin)
		kv(b, "origin", h->origin->section, &h->origin_from);
	for (size_t i = 0; i < h->n_routes; i++) {
		char v[600];
		snprintf(v, sizeof(v), "%s %s", h->routes[i].pattern,
		    h->routes[i].origin->section);
		kv(b, "route", v, &h->routes[i].from);
	}
}

static void
write_edge(struct sbuf *b, const struct im_edge *e)
{
	char v[64];

	if (!e->present)
		return;
	sbuf_addf(b, "\n[edge %s]\n", e->name);
	snprintf(v, sizeof(v), "127.0.0.1:%d", e->port);
	lab_kv(b, "listen", v, e->cdn == IM_AKAMAI ? "where viewers reach the "
	    "Akamai property" : "where viewers (and Akamai) reach the "
	    "distribution");
	keys(b, &e->keys);
	for (size_t i = 0; i < e->n_hosts; i++)
		write_host(b, e, e->hosts[i]);
}

static const char *
cdn_name(enum im_cdn c)
{
	return c == IM_AKAMAI ? "Akamai" : "CloudFront";
}

static void
write_origin(struct sbuf *b, const struct im_origin *o)
{
	char v[600];

	sbuf_addf(b, "\n[origin %s]\n", o->section);
	snprintf(v, sizeof(v), "%s origin %s, defined at %s", cdn_name(o->cdn),
	    o->id, o->src);
	comment(b, "", v);
	if (o->target == IM_TARGET_BUILTIN) {
		lab_kv(b, "type", "echo", o->builtin_why);
		if (o->delay_ms > 0) {
			format_duration(o->delay_ms, v, sizeof(v));
			lab_kv(b, "delay", v, "--origin-delay: the origin's known "
			    "response time");
		}
		return;
	}
	if (o->target == IM_TARGET_REAL && strchr(o->real_addr, ':') &&
	    !strchr(o->real_addr, '[') && o->real_addr[0] > '9') {
		/* --origin ID=NAME:PORT: a real server by name. */
		lab_kv(b, "address", o->real_addr, "--origin: the real server");
	} else {
		snprintf(v, sizeof(v), "%s:%d", o->hostname, o->port);
		kv(b, "address", v, &o->hostname_from);
	}
	if (!o->tls)
		lab_kv(b, "tls", "off", "plain HTTP to this origin");
	keys(b, &o->keys);
}

static void
write_standin(struct sbuf *b, const struct im_model *m,
    const struct im_standin *s)
{
	char v[600];
	struct sbuf t;

	sbuf_init(&t);
	sbuf_addf(&t, "stands in for %s, which the lab cannot reach (used by ",
	    s->hostname);
	join(&t, &s->used_by);
	sbuf_addf(&t, "): a lab certificate for the names the origin presents "
	    "(assumed: its own name; --origin ID=HOST:PORT tests the real "
	    "server), and a built-in echo answer");
	sbuf_addf(b, "\n[edge %s]\n", s->edge);
	comment(b, "lab:", t.s);
	sbuf_free(&t);
	snprintf(v, sizeof(v), "127.0.0.1:%d", s->port);
	lab_kv(b, "listen", v, "where the origin's name resolves in the lab");
	lab_kv(b, "unknown_sni", "default", "any SNI gets the origin's "
	    "certificate, as a server with one certificate");
	sbuf_addf(b, "\n[host %s.lab.invalid]\n", s->edge);
	lab_kv(b, "edge", s->edge, "the stand-in's own host");
	sbuf_init(&t);
	join(&t, &s->names);
	lab_kv(b, "aliases", t.s, s->names.n > 1 ? "the origin's name, and the "
	    "viewer Host names forwarded to it" : "the origin's name");
	sbuf_free(&t);
	snprintf(v, sizeof(v), "lab:%s", s->hostname);
	lab_kv(b, "cert", v, "the certificate the origin presents (assumed: "
	    "for its own name)");
	snprintf(v, sizeof(v), "%s-app", s->edge);
	lab_kv(b, "origin", v, "answers in the origin's place");
	sbuf_addf(b, "\n[origin %s-app]\n", s->edge);
	lab_kv(b, "type", "echo", "answers with what arrived: the Host, SNI "
	    "and headers the CDN sent");
	if (s->delay_ms > 0) {
		format_duration(s->delay_ms, v, sizeof(v));
		lab_kv(b, "delay", v, "--origin-delay: the origin's known "
		    "response time");
	}
	(void)m;
}

void
import_ini_write(const struct im_model *m, const struct import_opts *o,
    struct sbuf *b)
{
	comment(b, "", "edgesim chain written by `edgesim import` from:");
	for (size_t i = 0; i < m->sources.n; i++)
		sbuf_addf(b, ";   %s\n", m->sources.v[i]);
	comment(b, "", "Each key is under the JSON field it comes from (; from) "
	    "and its console label; \"; lab:\" marks the lab's own plumbing "
	    "(ports, stand-ins for origins the lab cannot reach).");
	comment(b, "", "Predict every hop: edgesim lint -c THIS_FILE; run it: "
	    "edgesim run -c THIS_FILE");
	if (m->ignored.n) {
		sbuf_adds(b, ";\n");
		for (size_t i = 0; i < m->ignored.n; i++)
			comment(b, "ignored:", m->ignored.v[i]);
	}
	if (m->assumed.n) {
		sbuf_adds(b, ";\n");
		for (size_t i = 0; i < m->assumed.n; i++)
			comment(b, "assumed:", m->assumed.v[i]);
	}

	sbuf_adds(b, "\n[edgesim]\n");
	lab_kv(b, "pki", o->pki ? o->pki : "certs/lab", "the lab PKI: viewers "
	    "trust its ca.pem");
	lab_kv(b, "log", o->log ? o->log : "stderr", "where the edges log");

	if (m->n_resolves) {
		sbuf_adds(b, "\n[resolve]\n");
		for (size_t i = 0; i < m->n_resolves; i++) {
			comment(b, "lab:", m->resolves[i].why);
			sbuf_addf(b, "%s = %s\n", m->resolves[i].name,
			    m->resolves[i].addr);
		}
	}
	write_edge(b, &m->akamai);
	for (size_t i = 0; i < m->n_origins; i++)
		if (m->origins[i]->cdn == IM_AKAMAI)
			write_origin(b, m->origins[i]);
	write_edge(b, &m->cloudfront);
	for (size_t i = 0; i < m->n_origins; i++)
		if (m->origins[i]->cdn == IM_CLOUDFRONT)
			write_origin(b, m->origins[i]);
	if (m->n_standins)
		sbuf_adds(b, "\n; --- lab stand-ins for origins the lab cannot "
		    "reach ---\n");
	for (size_t i = 0; i < m->n_standins; i++)
		write_standin(b, m, m->standins[i]);
}
