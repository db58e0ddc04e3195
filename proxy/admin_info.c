/*
 * admin_info.c - the admin listener's views of the running process:
 * /config, /certs, the gauges of /metrics, the dashboard's counters
 * (admin_info.h). JSON is built with jansson, so every string a config or
 * a certificate holds is escaped by one well-tested encoder.
 */
#include "admin_info.h"

#include <jansson.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "certinfo.h"
#include "chain.h"
#include "config_keys.h"
#include "events.h"
#include "metrics.h"
#include "version.h"

/* --- served certificates, read once per runtime --- */

struct served {
	char *edge;
	char *host;                     /* "(default)" for the default */
	struct certinfo ci;
};

static struct served *served;
static size_t n_served;
static time_t started;

static void
served_free(void)
{
	for (size_t i = 0; i < n_served; i++) {
		free(served[i].edge);
		free(served[i].host);
		certinfo_free(&served[i].ci);
	}
	free(served);
	served = NULL;
	n_served = 0;
}

/* A certificate served: the default context's, or a host's leaf (each
 * edge has one SSL_CTX; a host's certificate is installed on the
 * connection by the ClientHello callback). */
static void
served_add(const char *edge, const char *host, X509 *x)
{
	struct served s;

	if (x == NULL)
		return;
	memset(&s, 0, sizeof(s));
	if (certinfo_from_x509(x, &s.ci) != 0)
		return;
	s.edge = xstrdup(edge);
	s.host = xstrdup(host);
	served = xrealloc(served, (n_served + 1) * sizeof(*served));
	served[n_served++] = s;
}

void
admin_info_runtime(struct runtime *rt)
{
	served_free();
	if (started == 0)
		started = time(NULL);
	if (rt == NULL)
		return;
	for (size_t i = 0; i < rt->cfg->n_edges; i++) {
		const struct edge_rt *e = &rt->edges[i];
		if (e->conf->disabled)
			continue;
		served_add(e->conf->sec.name, "(default)",
		    SSL_CTX_get0_certificate(e->tls.default_ctx));
		for (size_t j = 0; j < e->tls.n_hosts; j++)
			served_add(e->conf->sec.name,
			    e->tls.hosts[j].host->sec.name, e->tls.hosts[j].cert);
	}
}

/* --- helpers --- */

static void
dump(struct sbuf *out, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);

	if (s) {
		sbuf_adds(out, s);
		sbuf_addc(out, '\n');
		free(s);
	}
	json_decref(j);
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
strlist_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* Days from now to t, rounded down (negative: past). */
static long
days_to(time_t t)
{
	double d = difftime(t, time(NULL)) / 86400.0;

	return (long)(d < 0 ? d - 0.999999 : d);
}

/* "2026-11-23T08:00:00Z" as a time; 0 when unreadable. */
static time_t
parse_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/* --- /config --- */

static bool
key_is_secret(const char *name)
{
	return strstr(name, "token") != NULL || strstr(name, "secret") != NULL ||
	    strstr(name, "password") != NULL;
}

static json_t *
key_value(const struct conf_key *k, const void *base)
{
	const char *field = (const char *)base + k->offset;
	char buf[64];

	switch (k->type) {
	case CONF_T_STRING: {
		const char *v = *(char *const *)field;
		if (v && key_is_secret(k->name))
			return json_string("(hidden)");
		return str_or_null(v);
	}
	case CONF_T_BOOL:
		return json_boolean(*(const bool *)field);
	case CONF_T_INT:
	case CONF_T_SIZE:
		return json_integer((json_int_t)*(const int64_t *)field);
	case CONF_T_DURATION:
		format_duration(*(const int64_t *)field, buf, sizeof(buf));
		return json_string(buf);
	case CONF_T_ENUM: {
		int v = *(const int *)field;
		int n = 0;
		while (k->enum_names[n])
			n++;
		return v >= 0 && v < n ? json_string(k->enum_names[v]) :
		    json_null();
	}
	case CONF_T_TLS_VERSION:
		return json_string(config_tls_version_name(
		    *(const int64_t *)field));
	case CONF_T_WORDS:
	case CONF_T_REPEAT:
		return strlist_json((const struct strlist *)field);
	}
	return json_null();
}

static json_t *
section_json(const struct conf_sec *sec, const void *base)
{
	json_t *o = json_object(), *keys = json_object();

	json_object_set_new(o, "section", json_string(conf_section_name(
	    sec->kind)));
	json_object_set_new(o, "name", str_or_null(sec->name));
	json_object_set_new(o, "line", json_integer(sec->line));
	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (k->section != sec->kind)
			continue;
		json_t *kv = json_object();
		json_object_set_new(kv, "value", key_value(k, base));
		json_object_set_new(kv, "line", json_integer(sec->key_line[i]));
		json_object_set_new(keys, k->name, kv);
	}
	json_object_set_new(o, "keys", keys);
	return o;
}

/* The chain as the dashboard draws it: edges with their hosts, routes
 * and origins; an origin that is another edge of this config says so. */
static json_t *
chain_json(const struct config *cfg)
{
	json_t *c = json_object(), *edges = json_array(), *origins = json_array();
	json_t *entry = json_array();
	int *stage = xcalloc(cfg->n_edges ? cfg->n_edges : 1, sizeof(*stage));

	chain_stop_stages(cfg, stage);
	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		json_t *je = json_object(), *listen = json_array();
		json_t *hosts = json_array();
		json_object_set_new(je, "name", json_string(e->sec.name));
		json_object_set_new(je, "persona", json_string(
		    config_persona_name(e->persona)));
		json_object_set_new(je, "mode", json_string(
		    e->mode == EDGE_MODE_TCP ? "tcp" : "http"));
		json_object_set_new(je, "disabled", json_boolean(e->disabled));
		for (size_t j = 0; j < e->n_listen; j++)
			json_array_append_new(listen, json_string(
			    e->listen[j].text));
		json_object_set_new(je, "listen", listen);
		for (size_t j = 0; j < e->n_hosts; j++) {
			const struct conf_host *h = e->hosts[j];
			json_t *jh = json_object(), *routes = json_array();
			json_object_set_new(jh, "name", json_string(h->sec.name));
			json_object_set_new(jh, "aliases", strlist_json(
			    &h->aliases));
			json_object_set_new(jh, "origin", str_or_null(
			    h->origin_name));
			for (size_t r = 0; r < h->n_routes; r++) {
				json_t *jr = json_object();
				json_object_set_new(jr, "pattern", json_string(
				    h->routes[r].pattern));
				json_object_set_new(jr, "origin", json_string(
				    h->routes[r].origin_name));
				json_array_append_new(routes, jr);
			}
			json_object_set_new(jh, "routes", routes);
			json_array_append_new(hosts, jh);
		}
		json_object_set_new(je, "hosts", hosts);
		json_array_append_new(edges, je);
		if (stage[i] == 0 && !e->disabled)
			json_array_append_new(entry, json_string(e->sec.name));
	}
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		json_t *jo = json_object();
		static const char *const types[] = { "proxy", "echo", "static" };
		json_object_set_new(jo, "name", json_string(o->sec.name));
		json_object_set_new(jo, "type", json_string(types[o->type]));
		json_object_set_new(jo, "address", str_or_null(o->address));
		json_object_set_new(jo, "tls", json_boolean(o->tls &&
		    o->type == ORIGIN_TYPE_PROXY));
		json_object_set_new(jo, "sni", str_or_null(o->sni_text));
		json_object_set_new(jo, "verify", json_string(
		    config_verify_name(o->verify)));
		json_object_set_new(jo, "pins", json_integer((json_int_t)
		    o->pins.n));
		json_t *to = json_null();
		for (size_t j = 0; j < cfg->n_edges && json_is_null(to); j++)
			if (o->type == ORIGIN_TYPE_PROXY &&
			    chain_origin_reaches(cfg, o, cfg->edges[j]))
				to = json_string(cfg->edges[j]->sec.name);
		json_object_set_new(jo, "edge", to);
		json_array_append_new(origins, jo);
	}
	free(stage);
	json_object_set_new(c, "entry", entry);
	json_object_set_new(c, "edges", edges);
	json_object_set_new(c, "origins", origins);
	return c;
}

void
admin_info_config_json(struct sbuf *out, const struct runtime *rt)
{
	const struct config *cfg = rt->cfg;
	json_t *root = json_object(), *secs = json_array(), *res = json_array();

	json_object_set_new(root, "path", str_or_null(cfg->path));
	json_object_set_new(root, "generation", json_integer((json_int_t)
	    rt->generation));
	json_object_set_new(root, "version", json_string(EDGESIM_VERSION));
	json_array_append_new(secs, section_json(&cfg->global.sec,
	    &cfg->global));
	for (size_t i = 0; i < cfg->n_edges; i++)
		json_array_append_new(secs, section_json(&cfg->edges[i]->sec,
		    cfg->edges[i]));
	for (size_t i = 0; i < cfg->n_hosts; i++)
		json_array_append_new(secs, section_json(&cfg->hosts[i]->sec,
		    cfg->hosts[i]));
	for (size_t i = 0; i < cfg->n_origins; i++)
		json_array_append_new(secs, section_json(&cfg->origins[i]->sec,
		    cfg->origins[i]));
	if (cfg->fproxy.present)
		json_array_append_new(secs, section_json(&cfg->fproxy.sec,
		    &cfg->fproxy));
	for (size_t i = 0; i < cfg->n_resolve; i++) {
		const struct conf_resolve *r = &cfg->resolve[i];
		json_t *jr = json_object();
		json_object_set_new(jr, "name", json_string(r->name));
		json_object_set_new(jr, "host", json_string(r->host));
		json_object_set_new(jr, "port", json_integer(r->port));
		json_object_set_new(jr, "line", json_integer(r->line));
		json_array_append_new(res, jr);
	}
	json_object_set_new(root, "sections", secs);
	json_object_set_new(root, "resolve", res);
	json_object_set_new(root, "chain", chain_json(cfg));
	dump(out, root);
}

/* --- /certs --- */

static json_t *
certinfo_json(const struct certinfo *ci)
{
	json_t *o = json_object(), *sans = json_array();

	for (size_t i = 0; i < ci->sans.n; i++)
		json_array_append_new(sans, json_string(ci->sans.v[i]));
	json_object_set_new(o, "subject", json_string(ci->subject));
	json_object_set_new(o, "sans", sans);
	json_object_set_new(o, "issuer", json_string(ci->issuer));
	json_object_set_new(o, "serial", json_string(ci->serial));
	json_object_set_new(o, "sha1", json_string(ci->sha1));
	json_object_set_new(o, "sha256", json_string(ci->sha256));
	json_object_set_new(o, "spki", json_string(ci->spki_sha256));
	json_object_set_new(o, "not_before", json_string(ci->not_before_str));
	json_object_set_new(o, "not_after", json_string(ci->not_after_str));
	json_object_set_new(o, "days_to_expiry", json_integer(days_to(
	    ci->not_after)));
	return o;
}

/* Hex digits of s, uppercased, colons dropped: "ab:CD" -> "ABCD". */
static void
hex_norm(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		if (*s != ':')
			out[n++] = (char)(*s >= 'a' && *s <= 'f' ? *s - 32 : *s);
	out[n] = '\0';
}

/* Does pin (as written in the config) name this certificate? */
static bool
pin_matches(const char *pin, const char *sha1, const char *sha256,
    const char *spki)
{
	char a[160], b[160];

	if (strncasecmp(pin, "spki:", 5) == 0)
		return strcmp(pin + 5, spki) == 0;
	if (strncasecmp(pin, "sha1:", 5) == 0 ||
	    strncasecmp(pin, "sha256:", 7) == 0) {
		bool one = strncasecmp(pin, "sha1:", 5) == 0;
		hex_norm(pin + (one ? 5 : 7), a, sizeof(a));
		hex_norm(one ? sha1 : sha256, b, sizeof(b));
		return strcmp(a, b) == 0;
	}
	return false;
}

void
admin_info_certs_json(struct sbuf *out, const struct runtime *rt)
{
	json_t *root = json_object(), *js = json_array(), *jp = json_array();
	json_t *jpin = json_array();
	size_t n_pres;
	const struct events_cert *pres = events_certs(&n_pres);

	for (size_t i = 0; i < n_served; i++) {
		json_t *o = certinfo_json(&served[i].ci);
		json_object_set_new(o, "edge", json_string(served[i].edge));
		json_object_set_new(o, "host", json_string(served[i].host));
		json_array_append_new(js, o);
	}
	for (size_t i = 0; i < n_pres; i++) {
		const struct events_cert *c = &pres[i];
		json_t *o = json_object(), *sans = json_array();
		char *list = xstrdup(c->sans), *save = NULL;
		for (char *t = strtok_r(list, ", ", &save); t;
		    t = strtok_r(NULL, ", ", &save))
			json_array_append_new(sans, json_string(t));
		free(list);
		json_object_set_new(o, "origin", json_string(c->origin));
		json_object_set_new(o, "subject", json_string(c->subject));
		json_object_set_new(o, "sans", sans);
		json_object_set_new(o, "issuer", json_string(c->issuer));
		json_object_set_new(o, "sha1", json_string(c->sha1));
		json_object_set_new(o, "sha256", json_string(c->sha256));
		json_object_set_new(o, "spki", json_string(c->spki));
		json_object_set_new(o, "not_before", json_string(c->not_before));
		json_object_set_new(o, "not_after", json_string(c->not_after));
		time_t na = parse_time(c->not_after);
		json_object_set_new(o, "days_to_expiry", na ?
		    json_integer(days_to(na)) : json_null());
		json_object_set_new(o, "verify_result", json_string(
		    c->verify_result));
		json_object_set_new(o, "last_seen", json_string(c->last_seen));
		json_array_append_new(jp, o);
	}
	for (size_t i = 0; i < rt->cfg->n_origins; i++) {
		const struct conf_origin *o = rt->cfg->origins[i];
		for (size_t j = 0; j < o->pins.n; j++) {
			json_t *p = json_object(), *m = json_array();
			const char *pin = o->pins.v[j];
			for (size_t k = 0; k < n_pres; k++)
				if (strcmp(pres[k].origin, o->sec.name) == 0 &&
				    pin_matches(pin, pres[k].sha1,
				    pres[k].sha256, pres[k].spki))
					json_array_append_new(m, json_string(
					    pres[k].sha256));
			json_object_set_new(p, "origin", json_string(o->sec.name));
			json_object_set_new(p, "pin", json_string(pin));
			json_object_set_new(p, "kind", json_stringn(pin,
			    strcspn(pin, ":")));
			json_object_set_new(p, "line", json_integer(
			    o->pins.line[j]));
			json_object_set_new(p, "matches_presented", m);
			json_array_append_new(jpin, p);
		}
	}
	json_object_set_new(root, "served", js);
	json_object_set_new(root, "presented", jp);
	json_object_set_new(root, "pinned", jpin);
	dump(out, root);
}

/* --- /metrics: gauges and the admin listener's own counts --- */

static void
family(struct sbuf *out, const char *name, const char *type,
    const char *help)
{
	sbuf_addf(out, "# HELP %s %s.\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled sample. */
static void
scalar(struct sbuf *out, const char *name, const char *type,
    const char *help, long long value)
{
	family(out, name, type, help);
	sbuf_addf(out, "%s %lld\n", name, value);
}

void
admin_info_metrics(struct sbuf *out, const struct runtime *rt,
    const struct admin_stats *st)
{
	size_t n_pres;
	const struct events_cert *pres = events_certs(&n_pres);
	time_t first = 0;

	family(out, "edgesim_ssl_certificate_expiration_unix_time_seconds",
	    "gauge", "When a certificate expires: served by an edge, or "
	    "presented by an origin");
	for (size_t i = 0; i < n_served; i++) {
		char owner[600];
		snprintf(owner, sizeof(owner), "%s %s", served[i].edge,
		    served[i].host);
		sbuf_adds(out, "edgesim_ssl_certificate_expiration_unix_time_seconds");
		metrics_add_label(out, "role", "served", true);
		metrics_add_label(out, "owner", owner, false);
		metrics_add_label(out, "subject", served[i].ci.subject, false);
		metrics_add_label(out, "sha256", served[i].ci.sha256, false);
		sbuf_addf(out, "} %lld\n", (long long)served[i].ci.not_after);
		if (first == 0 || served[i].ci.not_after < first)
			first = served[i].ci.not_after;
	}
	for (size_t i = 0; i < n_pres; i++) {
		time_t na = parse_time(pres[i].not_after);
		if (na == 0)
			continue;
		sbuf_adds(out, "edgesim_ssl_certificate_expiration_unix_time_seconds");
		metrics_add_label(out, "role", "presented", true);
		metrics_add_label(out, "owner", pres[i].origin, false);
		metrics_add_label(out, "subject", pres[i].subject, false);
		metrics_add_label(out, "sha256", pres[i].sha256, false);
		sbuf_addf(out, "} %lld\n", (long long)na);
		if (first == 0 || na < first)
			first = na;
	}
	/* Envoy says days_until_first_cert_expiring; Prometheus wants base
	 * units (promtool's lint), so seconds. */
	scalar(out, "edgesim_server_seconds_until_first_cert_expiring", "gauge",
	    "Seconds until the first of those certificates expires (negative: "
	    "expired)",
	    first ? (long long)(first - time(NULL)) : 0LL);
	family(out, "edgesim_server_reloads_total", "counter",
	    "Reloads (SIGHUP) by result");
	sbuf_addf(out, "edgesim_server_reloads_total{result=\"ok\"} %llu\n",
	    (unsigned long long)st->reloads_ok);
	sbuf_addf(out, "edgesim_server_reloads_total{result=\"refused\"} %llu\n",
	    (unsigned long long)st->reloads_refused);
	scalar(out, "edgesim_server_config_generation", "gauge",
	    "The generation of the config being served (1 at start, one "
	    "more for each reload that took)",
	    (long long)(rt ? rt->generation : st->generation));
	family(out, "edgesim_build_info", "gauge",
	    "The version of edgesim and of the libraries it runs with");
	sbuf_adds(out, "edgesim_build_info");
	metrics_add_label(out, "version", EDGESIM_VERSION, true);
	metrics_add_label(out, "openssl", OpenSSL_version(OPENSSL_VERSION), false);
	sbuf_adds(out, "} 1\n");
	scalar(out, "edgesim_server_uptime_seconds", "gauge",
	    "Seconds since the admin listener started",
	    (long long)(time(NULL) - started));
	scalar(out, "edgesim_admin_requests_total", "counter",
	    "Requests to the admin listener",
	    (long long)st->requests);
	scalar(out, "edgesim_admin_unauthorized_total", "counter",
	    "Admin requests refused for a missing or wrong token",
	    (long long)st->unauthorized);
	scalar(out, "edgesim_admin_busy_total", "counter",
	    "Admin connections refused because admin_clients were open",
	    (long long)st->busy);
	scalar(out, "edgesim_admin_sse_streams", "gauge",
	    "Event streams (dashboards) connected now",
	    (long long)st->streams);
	scalar(out, "edgesim_admin_sse_streams_total", "counter",
	    "Event streams opened",
	    (long long)st->sse_total);
	scalar(out, "edgesim_admin_sse_dropped_total", "counter",
	    "Event streams closed because their reader fell behind",
	    (long long)st->sse_dropped);
	scalar(out, "edgesim_admin_events_total", "counter",
	    "Records copied from the workers to the admin thread",
	    (long long)st->events_total);
	scalar(out, "edgesim_admin_events_dropped_total", "counter",
	    "Records a worker did not copy because its ring was full "
	    "(counted in the counters all the same)",
	    (long long)st->events_dropped);
}

/* --- the dashboard's counters --- */

static void
hop_add(json_t *group, const char *name, const char *key, uint64_t n)
{
	json_t *o = json_object_get(group, name);

	if (o == NULL) {
		o = json_object();
		json_object_set_new(group, name, o);
	}
	json_t *v = json_object_get(o, key);
	json_int_t cur = v ? json_integer_value(v) : 0;
	json_object_set_new(o, key, json_integer(cur + (json_int_t)n));
}

void
admin_info_counters_json(struct sbuf *out)
{
	struct metrics_snapshot s;
	json_t *root = json_object(), *edges = json_object();
	json_t *hosts = json_object(), *origins = json_object();

	metrics_snapshot(&s);
	for (size_t i = 0; i < s.n; i++) {
		const struct metrics_series *m = &s.v[i];
		bool err;
		switch (m->fam) {
		case MF_RQ_TOTAL:
			err = strcmp(m->labels[3], "none") != 0;
			hop_add(edges, m->labels[0], "requests", m->count);
			hop_add(hosts, m->labels[1], "requests", m->count);
			if (err) {
				hop_add(edges, m->labels[0], "errors", m->count);
				hop_add(hosts, m->labels[1], "errors", m->count);
			}
			break;
		case MF_LISTENER_HANDSHAKE:
			hop_add(edges, m->labels[0], strcmp(m->labels[2], "ok") ==
			    0 ? "handshakes" : "handshake_errors", m->count);
			break;
		case MF_CX_TOTAL:
			hop_add(origins, m->labels[0], strcmp(m->labels[1],
			    "ok") == 0 ? "connections" : "connection_errors",
			    m->count);
			break;
		case MF_RQ_TIMEOUT:
			hop_add(origins, m->labels[0], "timeouts", m->count);
			break;
		default:
			break;
		}
	}
	metrics_snapshot_free(&s);
	json_object_set_new(root, "edges", edges);
	json_object_set_new(root, "hosts", hosts);
	json_object_set_new(root, "origins", origins);
	char *txt = json_dumps(root, JSON_COMPACT);
	if (txt) {
		sbuf_adds(out, txt);
		free(txt);
	}
	json_decref(root);
}
