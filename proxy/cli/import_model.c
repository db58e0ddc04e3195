/*
 * import_model.c - the neutral model `edgesim import` reads the CDN JSON
 * into: its constructors, the ignored/assumed lists, section names, and
 * freeing it. No JSON and no INI here.
 */
#include "cli/import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
im_from_set(struct im_from *f, const char *path, const char *label,
    const char *note)
{
	im_from_free(f);
	f->path = path ? xstrdup(path) : NULL;
	f->label = label;
	f->note = note ? xstrdup(note) : NULL;
}

void
im_from_free(struct im_from *f)
{
	free(f->path);
	free(f->note);
	memset(f, 0, sizeof(*f));
}

void
im_keys_add(struct im_keys *k, const char *key, const char *value,
    const char *path, const char *label, const char *note)
{
	k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
	struct im_kv *kv = &k->v[k->n++];
	memset(kv, 0, sizeof(*kv));
	kv->key = xstrdup(key);
	kv->value = xstrdup(value);
	im_from_set(&kv->from, path, label, note);
}

const struct im_kv *
im_keys_get(const struct im_keys *k, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->v[i].key, key) == 0)
			return &k->v[i];
	return NULL;
}

static void
keys_free(struct im_keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].key);
		free(k->v[i].value);
		im_from_free(&k->v[i].from);
	}
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static bool
section_taken(const struct im_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_origins; i++)
		if (strcmp(m->origins[i]->section, name) == 0)
			return true;
	return strcmp(name, "akamai") == 0 || strcmp(name, "cloudfront") == 0;
}

char *
im_section_name(const struct im_model *m, const char *prefix,
    const char *text)
{
	struct sbuf b;

	sbuf_init(&b);
	if (prefix && *prefix)
		sbuf_addf(&b, "%s-", prefix);
	for (const char *p = text; *p && b.len < 80; p++) {
		unsigned char c = (unsigned char)*p;
		sbuf_addc(&b, isalnum(c) || c == '-' || c == '_' || c == '.' ?
		    (char)tolower(c) : '-');
	}
	if (b.len == 0)
		sbuf_adds(&b, "origin");
	/* Two origins may clean up to the same text: number the later. */
	char *base = sbuf_detach(&b);
	char *name = xstrdup(base);
	for (int n = 2; section_taken(m, name); n++) {
		free(name);
		sbuf_addf(&b, "%s-%d", base, n);
		name = sbuf_detach(&b);
	}
	free(base);
	return name;
}

struct im_origin *
im_origin_new(struct im_model *m, enum im_cdn cdn, const char *id,
    const char *section_hint, const char *src)
{
	struct im_origin *o = xcalloc(1, sizeof(*o));

	o->cdn = cdn;
	o->id = xstrdup(id);
	o->section = im_section_name(m, NULL, section_hint);
	o->src = xstrdup(src);
	o->port = 443;
	o->tls = true;
	m->origins = xrealloc(m->origins, (m->n_origins + 1) * sizeof(*m->origins));
	m->origins[m->n_origins++] = o;
	return o;
}

struct im_host *
im_host_new(struct im_edge *e, const char *name, const char *path,
    const char *label)
{
	struct im_host *h = xcalloc(1, sizeof(*h));

	h->name = str_lower(xstrdup(name));
	im_from_set(&h->name_from, path, label, NULL);
	h->cert = xstrdup("lab");
	e->hosts = xrealloc(e->hosts, (e->n_hosts + 1) * sizeof(*e->hosts));
	e->hosts[e->n_hosts++] = h;
	return h;
}

void
im_host_route(struct im_host *h, const char *pattern, const char *path,
    const char *label, struct im_origin *o)
{
	h->routes = xrealloc(h->routes, (h->n_routes + 1) * sizeof(*h->routes));
	struct im_route *r = &h->routes[h->n_routes++];
	memset(r, 0, sizeof(*r));
	r->pattern = xstrdup(pattern);
	im_from_set(&r->from, path, label, NULL);
	r->origin = o;
}

void
im_ignored(struct im_model *m, const char *path, const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;

	sbuf_init(&b);
	sbuf_addf(&b, "%s: ", path);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!strlist_contains_nocase(&m->ignored, b.s))
		strlist_add(&m->ignored, b.s, 0);
	sbuf_free(&b);
}

void
im_assumed(struct im_model *m, const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;

	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!strlist_contains_nocase(&m->assumed, b.s))
		strlist_add(&m->assumed, b.s, 0);
	sbuf_free(&b);
}

static void
host_free(struct im_host *h)
{
	free(h->name);
	im_from_free(&h->name_from);
	strlist_free(&h->aliases);
	im_from_free(&h->aliases_from);
	free(h->cert);
	im_from_free(&h->cert_from);
	im_from_free(&h->origin_from);
	for (size_t i = 0; i < h->n_routes; i++) {
		free(h->routes[i].pattern);
		im_from_free(&h->routes[i].from);
	}
	free(h->routes);
	free(h);
}

static void
edge_free(struct im_edge *e)
{
	keys_free(&e->keys);
	for (size_t i = 0; i < e->n_hosts; i++)
		host_free(e->hosts[i]);
	free(e->hosts);
}

void
im_model_free(struct im_model *m)
{
	edge_free(&m->akamai);
	edge_free(&m->cloudfront);
	free(m->cf_domain);
	im_from_free(&m->cf_domain_from);
	strlist_free(&m->cf_cert_names);
	strlist_free(&m->cf_aliases);
	for (size_t i = 0; i < m->n_origins; i++) {
		struct im_origin *o = m->origins[i];
		free(o->id);
		free(o->section);
		free(o->src);
		free(o->hostname);
		im_from_free(&o->hostname_from);
		keys_free(&o->keys);
		free(o->real_addr);
		free(o->builtin_why);
		strlist_free(&o->forwarded_names);
		strlist_free(&o->pins);
		strlist_free(&o->pin_names);
		free(o->pin_path);
		free(o);
	}
	free(m->origins);
	strlist_free(&m->ignored);
	strlist_free(&m->assumed);
	strlist_free(&m->cnames);
	strlist_free(&m->sources);
	for (size_t i = 0; i < m->n_standins; i++) {
		struct im_standin *s = m->standins[i];
		free(s->hostname);
		free(s->edge);
		strlist_free(&s->names);
		strlist_free(&s->used_by);
		free(s);
	}
	free(m->standins);
	for (size_t i = 0; i < m->n_resolves; i++) {
		free(m->resolves[i].name);
		free(m->resolves[i].addr);
		free(m->resolves[i].why);
	}
	free(m->resolves);
	memset(m, 0, sizeof(*m));
}
