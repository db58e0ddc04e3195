/*
 * config_check.c - pass two of reading a config: the rules between keys
 * and sections. References (a host's edges, a route's origin) are resolved
 * into pointers; duplicates (listen addresses, names claimed twice) and
 * certificates that must cover names (strict_aliases) are checked; every
 * problem is recorded with its line, none stops the checking.
 */
#include "config_check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certinfo.h"
#include "config_keys.h"
#include "pin.h"
#include "sni.h"

/* The line to blame for min_tls > max_tls: min_tls where it was written,
 * else max_tls (a max_tls below the default min_tls), else the header. */
static int
tls_range_line(const struct conf_sec *sec)
{
	int line = conf_key_line(sec, "min_tls");

	return line != sec->line ? line : conf_key_line(sec, "max_tls");
}


static void
check_required(struct parse_state *st, struct conf_sec *sec)
{
	char label[CONF_NAME_MAX + 32];

	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (k->section == sec->kind && (k->flags & CONF_F_REQUIRED) &&
		    sec->key_line[i] == 0)
			ERR(st, sec->line, "%s is missing required key '%s'",
			    conf_sec_label(sec, label, sizeof(label)), k->name);
	}
}

static bool
file_readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/*
 * Parse a certificate spec: "lab", "lab:VARIANT", "lab:NAME", or a file.
 * bare_name_is_lab: a bare host name means "lab:NAME" (default_cert).
 */
static int
cert_spec_parse(const char *text, const char *key_file, int line,
    bool bare_name_is_lab, struct cert_spec *out, struct es_err *err)
{
	memset(out, 0, sizeof(*out));
	out->line = line;
	if (strcmp(text, "lab") == 0) {
		out->source = CERT_LAB;
		out->variant = PKI_LEAF;
		return 0;
	}
	if (str_has_prefix(text, "lab:")) {
		const char *rest = text + 4;
		out->source = CERT_LAB;
		if (pki_variant_parse(rest, &out->variant) == 0)
			return 0;
		if (strchr(rest, '.') && sni_name_valid(rest, strlen(rest))) {
			out->variant = PKI_LEAF;
			out->lab_name = str_lower(xstrdup(rest));
			return 0;
		}
		return es_errf(err, "'%s': unknown lab certificate; use lab, "
		    "lab:VARIANT (expired, not-yet-valid, wrong-name, "
		    "self-signed, untrusted, no-intermediate, rotated, revoked, "
		    "client) or lab:NAME", text);
	}
	if (bare_name_is_lab && !strchr(text, '/') &&
	    sni_name_valid(text, strlen(text))) {
		out->source = CERT_LAB;
		out->variant = PKI_LEAF;
		out->lab_name = str_lower(xstrdup(text));
		return 0;
	}
	out->source = CERT_FILE;
	out->cert_file = xstrdup(text);
	if (!file_readable(text))
		return es_errf(err, "cannot read certificate file '%s': %s",
		    text, strerror(errno));
	if (key_file == NULL)
		return es_errf(err, "certificate file '%s' needs its key file",
		    text);
	out->key_file = xstrdup(key_file);
	if (!file_readable(key_file))
		return es_errf(err, "cannot read key file '%s': %s", key_file,
		    strerror(errno));
	return 0;
}

void
conf_cert_spec_free(struct cert_spec *c)
{
	free(c->lab_name);
	free(c->cert_file);
	free(c->key_file);
	free(c->host_name);
	memset(c, 0, sizeof(*c));
}

void
config_cert_names(const struct conf_host *host, const struct cert_spec *spec,
    struct strlist *out)
{
	if (spec->lab_name) {
		strlist_add(out, spec->lab_name, spec->line);
		return;
	}
	if (host == NULL)
		return;
	strlist_add(out, host->sec.name, host->sec.line);
	for (size_t i = 0; i < host->aliases.n; i++)
		if (!strlist_contains_nocase(out, host->aliases.v[i]))
			strlist_add(out, host->aliases.v[i], host->aliases.line[i]);
}

/*
 * The SANs the host's certificate will carry, without issuing it: computed
 * for lab certificates, read from the file otherwise. -1 if unreadable.
 */
static int
cert_sans(const struct conf_host *host, struct strlist *out,
    struct es_err *err)
{
	const struct cert_spec *c = &host->cert;

	if (c->source == CERT_FILE) {
		struct certinfo info;
		if (certinfo_load_file(c->cert_file, &info, err) < 0)
			return -1;
		for (size_t i = 0; i < info.sans.n; i++)
			strlist_add(out, info.sans.v[i], 0);
		certinfo_free(&info);
		return 0;
	}
	if (c->variant == PKI_WRONG_NAME) {
		strlist_add(out, PKI_WRONG_NAME_SAN, 0);
		return 0;
	}
	struct strlist names = { 0 };
	config_cert_names(host, c, &names);
	for (size_t i = 0; i < names.n; i++) {
		/* The lab adds "D" before "*.D", as CloudFront's default. */
		if (str_has_prefix(names.v[i], "*."))
			strlist_add(out, names.v[i] + 2, 0);
		strlist_add(out, names.v[i], 0);
	}
	strlist_free(&names);
	return 0;
}

static bool
listen_host_ok(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/*
 * Whether a listen address is loopback only: 127.0.0.0/8, ::1, or
 * ::ffff:127.x.y.z. 0.0.0.0 and :: bind every interface; any other address
 * is reachable from some network.
 */
bool
config_listen_loopback(const char *host)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) != 1)
		return false;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const unsigned char one[16] = { [15] = 1 };
	return memcmp(a, one, 16) == 0 ||
	    (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

/* A listener others can reach is allowed (a lab on a LAN), but never
 * silently: `edgesim check` and the start of `run` say so. */
static void
warn_exposed(struct parse_state *st, const struct conf_listen *l,
    const char *label, const char *what)
{
	if (config_listen_loopback(l->host))
		return;
	bool any = strcmp(l->host, "0.0.0.0") == 0 || strcmp(l->host, "::") == 0;
	WARN(st, l->line, "%s listen: %s binds %s, not only loopback: anyone "
	    "who can reach this machine can use %s (listen = 127.0.0.1:%d "
	    "keeps it to this machine)", label, l->text, any ?
	    "every interface" : "an address other machines can reach", what,
	    l->port);
}

/* The admin listener: an address, loopback unless a token guards it. */
static void
check_admin(struct parse_state *st)
{
	struct conf_global *g = &st->cfg->global;
	struct es_err err;
	int line = conf_key_line(&g->sec, "admin");

	if (g->admin_token && strlen(g->admin_token) < 16)
		ERR(st, conf_key_line(&g->sec, "admin_token"), "[edgesim] "
		    "admin_token: too short (%zu characters): use at least 16, "
		    "e.g. the output of `openssl rand -hex 16`",
		    strlen(g->admin_token));
	if (g->admin == NULL)
		return;
	if (parse_hostport(g->admin, g->admin_host, sizeof(g->admin_host),
	    &g->admin_port, -1, &err) < 0) {
		ERR(st, line, "[edgesim] admin: %s", err.msg);
		return;
	}
	if (!listen_host_ok(g->admin_host)) {
		ERR(st, line, "[edgesim] admin: '%s' is not an IP address",
		    g->admin_host);
		return;
	}
	if (!config_listen_loopback(g->admin_host) && g->admin_token == NULL)
		ERR(st, line, "[edgesim] admin: %s is not a loopback address: "
		    "anyone who reaches it would see the config and every "
		    "request; set admin_token too, or use 127.0.0.1",
		    g->admin);
}

static void
check_global(struct parse_state *st)
{
	struct conf_global *g = &st->cfg->global;

	if (g->nameserver && strcmp(g->nameserver, "none") != 0) {
		char host[64];
		int port;
		struct es_err err;
		if (parse_hostport(g->nameserver, host, sizeof(host), &port, 53,
		    &err) < 0 || !listen_host_ok(host))
			ERR(st, conf_key_line(&g->sec, "nameserver"),
			    "[edgesim] nameserver: '%s' is not ADDR[:PORT] with an "
			    "IP address, or none", g->nameserver);
	}
	check_admin(st);
}

static void
check_edges(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	char label[CONF_NAME_MAX + 32];
	struct es_err err;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		struct conf_edge *e = cfg->edges[i];
		e->index = i;
		conf_sec_label(&e->sec, label, sizeof(label));
		check_required(st, &e->sec);

		e->listen = xcalloc(e->listen_text.n, sizeof(*e->listen));
		for (size_t j = 0; j < e->listen_text.n; j++) {
			struct conf_listen *l = &e->listen[e->n_listen];
			l->line = e->listen_text.line[j];
			l->text = e->listen_text.v[j];
			if (parse_hostport(l->text, l->host, sizeof(l->host),
			    &l->port, -1, &err) < 0) {
				ERR(st, l->line, "%s listen: %s", label, err.msg);
				continue;
			}
			if (strcmp(l->host, "localhost") == 0)
				snprintf(l->host, sizeof(l->host), "127.0.0.1");
			if (!listen_host_ok(l->host)) {
				ERR(st, l->line, "%s listen: '%s' is not an IP "
				    "address (use 127.0.0.1 or [::1])", label,
				    l->host);
				continue;
			}
			/* The same address twice, in any edge of the file. */
			for (size_t a = 0; a <= i; a++) {
				struct conf_edge *o = cfg->edges[a];
				size_t upto = a == i ? e->n_listen : o->n_listen;
				for (size_t b = 0; b < upto; b++) {
					if (o->listen[b].port == l->port &&
					    strcmp(o->listen[b].host, l->host) == 0)
						ERR(st, l->line, "%s listen: %s is "
						    "already used by [edge %s] at "
						    "line %d", label, l->text,
						    o->sec.name, o->listen[b].line);
				}
			}
			warn_exposed(st, l, label, "the edge");
			e->n_listen++;
		}
		if (e->min_tls > e->max_tls)
			ERR(st, tls_range_line(&e->sec), "%s min_tls %s is "
			    "above max_tls %s", label,
			    config_tls_version_name(e->min_tls),
			    config_tls_version_name(e->max_tls));
		if (e->client_ca && strcmp(e->client_ca, "lab") != 0 &&
		    !file_readable(e->client_ca))
			ERR(st, conf_key_line(&e->sec, "client_ca"), "%s client_ca: "
			    "cannot read '%s': %s", label, e->client_ca,
			    strerror(errno));
	}
}

static void
check_hosts(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	char label[CONF_NAME_MAX + 32];
	struct es_err err;

	for (size_t i = 0; i < cfg->n_hosts; i++) {
		struct conf_host *h = cfg->hosts[i];
		conf_sec_label(&h->sec, label, sizeof(label));
		check_required(st, &h->sec);
		/* "edge =" sets the key to an empty list: a host no edge
		 * serves, which check_required cannot see. */
		if (conf_key_line(&h->sec, "edge") != h->sec.line &&
		    h->edge_names.n == 0)
			ERR(st, conf_key_line(&h->sec, "edge"), "%s edge: needs a value",
			    label);

		/* A host may be served by several edges (edge nodes). */
		for (size_t k = 0; k < h->edge_names.n; k++) {
			const char *en = h->edge_names.v[k];
			int line = h->edge_names.line[k];
			struct conf_edge *e = config_find_edge(cfg, en);
			if (e == NULL) {
				const char *best = NULL;
				size_t best_d = SIZE_MAX;
				for (size_t j = 0; j < cfg->n_edges; j++) {
					size_t d = str_distance(en,
					    cfg->edges[j]->sec.name);
					if (d < best_d) {
						best_d = d;
						best = cfg->edges[j]->sec.name;
					}
				}
				if (best && best_d <= strlen(en) / 3 + 1)
					ERR(st, line, "%s edge '%s' is not defined; "
					    "did you mean '%s'?", label, en, best);
				else
					ERR(st, line, "%s edge '%s' is not defined (no "
					    "[edge %s])", label, en, en);
				continue;
			}
			bool dup = false;
			for (size_t j = 0; j < e->n_hosts; j++)
				dup = dup || e->hosts[j] == h;
			if (dup) {
				ERR(st, line, "%s edge '%s' is listed twice", label, en);
				continue;
			}
			e->hosts = xrealloc(e->hosts,
			    (e->n_hosts + 1) * sizeof(*e->hosts));
			e->hosts[e->n_hosts++] = h;
		}
		if (h->origin_name) {
			h->origin = config_find_origin(cfg, h->origin_name);
			if (h->origin == NULL)
				ERR(st, conf_key_line(&h->sec, "origin"), "%s origin '%s' "
				    "is not defined (no [origin %s])", label,
				    h->origin_name, h->origin_name);
		}
		for (size_t j = 0; j < h->aliases.n; j++) {
			/* Lowercase, without a root dot, as host names. */
			char *a = str_lower(h->aliases.v[j]);
			if (strlen(a) > 1 && a[strlen(a) - 1] == '.')
				a[strlen(a) - 1] = '\0';
			if (!sni_name_valid(h->aliases.v[j],
			    strlen(h->aliases.v[j])))
				ERR(st, h->aliases.line[j], "%s aliases: '%s' is not "
				    "a valid host name", label, h->aliases.v[j]);
		}

		h->routes = xcalloc(h->route_text.n, sizeof(*h->routes));
		for (size_t j = 0; j < h->route_text.n; j++) {
			struct strlist w = { 0 };
			int line = h->route_text.line[j];
			strlist_add_words(&w, h->route_text.v[j], line);
			if (w.n != 2) {
				ERR(st, line, "%s route: expected 'PATTERN ORIGIN', "
				    "as in 'route = /api/* api'", label);
			} else if (w.v[0][0] != '/' && w.v[0][0] != '*') {
				ERR(st, line, "%s route: pattern '%s' must start "
				    "with '/' or '*'", label, w.v[0]);
			} else {
				struct conf_route *r = &h->routes[h->n_routes++];
				r->pattern = xstrdup(w.v[0]);
				r->origin_name = xstrdup(w.v[1]);
				r->line = line;
				r->origin = config_find_origin(cfg, w.v[1]);
				if (r->origin == NULL)
					ERR(st, line, "%s route %s: origin '%s' is "
					    "not defined (no [origin %s])", label,
					    w.v[0], w.v[1], w.v[1]);
			}
			strlist_free(&w);
		}

		if (h->cert_text && cert_spec_parse(h->cert_text, h->key_file,
		    conf_key_line(&h->sec, "cert"), false, &h->cert, &err) < 0)
			ERR(st, conf_key_line(&h->sec, "cert"), "%s cert: %s", label,
			    err.msg);
		if (h->cert.source == CERT_LAB && h->cert.variant == PKI_CLIENT)
			ERR(st, conf_key_line(&h->sec, "cert"), "%s cert: lab:client is "
			    "a client certificate; a host needs a server one",
			    label);
		if (h->key_file && h->cert.source != CERT_FILE)
			WARN(st, conf_key_line(&h->sec, "key"), "%s key is ignored: "
			    "cert is not a file", label);
	}
}

/* A name or alias claimed by two hosts of one edge; strict_aliases. */
static void
check_edge_names(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	char label[CONF_NAME_MAX + 32];
	struct es_err err;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		struct conf_edge *e = cfg->edges[i];
		struct sni_table seen;
		sni_table_init(&seen);
		conf_sec_label(&e->sec, label, sizeof(label));

		if (e->n_hosts == 0 && e->sec.line)
			ERR(st, e->sec.line, "%s serves no host: add a [host NAME] "
			    "with edge = %s", label, e->sec.name);
		for (size_t j = 0; j < e->n_hosts; j++) {
			struct conf_host *h = e->hosts[j];
			struct strlist names = { 0 };
			strlist_add(&names, h->sec.name, h->sec.line);
			for (size_t a = 0; a < h->aliases.n; a++)
				strlist_add(&names, h->aliases.v[a],
				    h->aliases.line[a]);
			for (size_t a = 0; a < names.n; a++) {
				const char *nm = names.v[a];
				struct conf_host *owner =
				    sni_table_find_entry(&seen, nm);
				if (owner && owner != h)
					ERR(st, names.line[a], "[host %s] '%s' is "
					    "already claimed by [host %s] (line %d) on "
					    "[edge %s]; CloudFront allows an alternate "
					    "domain name on one distribution only",
					    h->sec.name, nm, owner->sec.name,
					    owner->sec.line, e->sec.name);
				else if (owner == NULL)
					sni_table_add(&seen, nm, a > 0, h);
			}
			/* An unreadable cert file was reported by check_hosts:
			 * there are no SANs to check, and no second error. */
			if (e->strict_aliases && h->cert.source != CERT_NONE &&
			    (h->cert.source != CERT_FILE ||
			    file_readable(h->cert.cert_file))) {
				struct strlist sans = { 0 };
				if (cert_sans(h, &sans, &err) < 0) {
					ERR(st, h->cert.line, "[host %s] cert: %s",
					    h->sec.name, err.msg);
				} else {
					for (size_t a = 0; a < names.n; a++) {
						bool ok = false;
						for (size_t s = 0; s < sans.n; s++)
							if (sni_cert_name_covers(
							    sans.v[s], names.v[a]))
								ok = true;
						if (ok)
							continue;
						struct sbuf list;
						sbuf_init(&list);
						for (size_t s = 0; s < sans.n; s++)
							sbuf_addf(&list, "%s%s",
							    s ? ", " : "", sans.v[s]);
						ERR(st, names.line[a], "[host %s] "
						    "alias '%s' is not covered by "
						    "the host's certificate (SANs: "
						    "%s): the certificate that is "
						    "attached to your distribution "
						    "doesn't cover the alternate "
						    "domain name (CNAME) that you're "
						    "trying to add (CloudFront's "
						    "rule since 2019; strict_aliases "
						    "= yes)",
						    h->sec.name, names.v[a],
						    list.s ? list.s : "none");
						sbuf_free(&list);
					}
				}
				strlist_free(&sans);
			}
			strlist_free(&names);
		}
		sni_table_free(&seen);

		/* The default certificate. */
		int line = conf_key_line(&e->sec, "default_cert");
		if (e->default_cert_file) {
			if (e->default_cert_text)
				ERR(st, line, "%s set default_cert or "
				    "default_cert_file, not both", label);
			if (cert_spec_parse(e->default_cert_file,
			    e->default_cert_key,
			    conf_key_line(&e->sec, "default_cert_file"), false,
			    &e->default_cert, &err) < 0)
				ERR(st, conf_key_line(&e->sec, "default_cert_file"),
				    "%s default_cert_file: %s", label, err.msg);
		} else if (e->default_cert_text) {
			const char *t = e->default_cert_text;
			bool is_host = false;
			for (size_t j = 0; j < e->n_hosts; j++)
				if (strcasecmp(e->hosts[j]->sec.name, t) == 0)
					is_host = true;
			if (is_host) {
				e->default_cert.source = CERT_HOST;
				e->default_cert.host_name = str_lower(xstrdup(t));
				e->default_cert.line = line;
			} else if (cert_spec_parse(t, NULL, line, true,
			    &e->default_cert, &err) < 0 ||
			    e->default_cert.source != CERT_LAB ||
			    e->default_cert.lab_name == NULL) {
				ERR(st, line, "%s default_cert: '%s' is neither a "
				    "host of this edge nor a lab name such as "
				    "*.cloudfront.net (for files, use "
				    "default_cert_file and default_cert_key)",
				    label, t);
			}
		} else if (e->persona == PERSONA_CLOUDFRONT) {
			e->default_cert.source = CERT_LAB;
			e->default_cert.lab_name = xstrdup("*.cloudfront.net");
			e->default_cert.line = e->sec.line;
		} else if (e->n_hosts > 0) {
			e->default_cert.source = CERT_HOST;
			e->default_cert.host_name = xstrdup(e->hosts[0]->sec.name);
			e->default_cert.line = e->sec.line;
		}
		/* http2: the persona's default (the real services offer h2). */
		e->http2 = e->persona != PERSONA_PLAIN;
		if (e->http2_text && parse_bool(e->http2_text, &e->http2) < 0)
			ERR(st, conf_key_line(&e->sec, "http2"), "%s http2: '%s' "
			    "is not a boolean: use on or off", label,
			    e->http2_text);
		if (e->mode == EDGE_MODE_TCP) {
			for (size_t j = 0; j < e->n_hosts; j++) {
				struct conf_host *h = e->hosts[j];
				if (h->n_routes > 0)
					WARN(st, h->routes[0].line, "[host %s] "
					    "routes are ignored: [edge %s] has mode "
					    "= tcp", h->sec.name, e->sec.name);
				if (h->origin && h->origin->type !=
				    ORIGIN_TYPE_PROXY)
					ERR(st, conf_key_line(&h->sec, "origin"),
					    "[host %s] origin '%s' is a built-in "
					    "HTTP responder; [edge %s] has mode = "
					    "tcp and needs an address to pipe to",
					    h->sec.name, h->origin->sec.name,
					    e->sec.name);
			}
		}
	}
}

static void
check_origins(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	char label[CONF_NAME_MAX + 32];
	struct es_err err;

	for (size_t i = 0; i < cfg->n_origins; i++) {
		struct conf_origin *o = cfg->origins[i];
		o->index = i;
		conf_sec_label(&o->sec, label, sizeof(label));

		if (o->type == ORIGIN_TYPE_PROXY) {
			if (o->address == NULL)
				ERR(st, o->sec.line, "%s needs address = HOST:PORT "
				    "(or type = echo | static)", label);
			else if (parse_hostport(o->address, o->addr_host,
			    sizeof(o->addr_host), &o->addr_port, -1, &err) < 0)
				ERR(st, conf_key_line(&o->sec, "address"), "%s address: "
				    "%s", label, err.msg);
		} else if (o->address) {
			WARN(st, conf_key_line(&o->sec, "address"), "%s address is "
			    "ignored: %s origin is built in", label,
			    o->type == ORIGIN_TYPE_ECHO ? "an echo" : "a static");
		}
		if (o->type == ORIGIN_TYPE_STATIC) {
			struct stat sb;
			if (o->root == NULL)
				ERR(st, o->sec.line, "%s type = static needs "
				    "root = DIR", label);
			else if (stat(o->root, &sb) < 0 || !S_ISDIR(sb.st_mode))
				ERR(st, conf_key_line(&o->sec, "root"), "%s root: '%s' "
				    "is not a directory", label, o->root);
		}

		/* sni = on | off | host | NAME */
		const char *s = o->sni_text;
		if (strcasecmp(s, "on") == 0 || strcasecmp(s, "yes") == 0)
			o->sni = ORIGIN_SNI_ON;
		else if (strcasecmp(s, "off") == 0 || strcasecmp(s, "no") == 0)
			o->sni = ORIGIN_SNI_OFF;
		else if (strcasecmp(s, "host") == 0)
			o->sni = ORIGIN_SNI_HOST;
		else if (sni_name_valid(s, strlen(s)) && s[0] != '*') {
			o->sni = ORIGIN_SNI_NAME;
			o->sni_name = str_lower(xstrdup(s));
		} else
			ERR(st, conf_key_line(&o->sec, "sni"), "%s sni: '%s' is not "
			    "on, off, host or a host name", label, s);

		/* host_header = incoming | origin | NAME */
		s = o->host_header_text;
		if (s == NULL)
			o->host_header = HOST_HEADER_PERSONA;
		else if (strcasecmp(s, "incoming") == 0)
			o->host_header = HOST_HEADER_INCOMING;
		else if (strcasecmp(s, "origin") == 0)
			o->host_header = HOST_HEADER_ORIGIN;
		else if (sni_name_valid(s, strlen(s)) && s[0] != '*') {
			o->host_header = HOST_HEADER_NAME;
			o->host_header_name = str_lower(xstrdup(s));
		} else
			ERR(st, conf_key_line(&o->sec, "host_header"), "%s host_header: "
			    "'%s' is not incoming, origin or a host name", label,
			    s);

		/* ca = lab | system | FILE */
		s = o->ca_text;
		if (strcasecmp(s, "lab") == 0)
			o->ca = CA_LAB;
		else if (strcasecmp(s, "system") == 0)
			o->ca = CA_SYSTEM;
		else {
			o->ca = CA_FILE;
			o->ca_file = xstrdup(s);
			if (!file_readable(s))
				ERR(st, conf_key_line(&o->sec, "ca"), "%s ca: cannot "
				    "read '%s': %s", label, s, strerror(errno));
		}

		if (o->client_cert_text) {
			if (cert_spec_parse(o->client_cert_text, o->client_key,
			    conf_key_line(&o->sec, "client_cert"), false,
			    &o->client_cert, &err) < 0)
				ERR(st, conf_key_line(&o->sec, "client_cert"),
				    "%s client_cert: %s", label, err.msg);
			else if (o->client_cert.source == CERT_LAB &&
			    o->client_cert.variant != PKI_CLIENT)
				ERR(st, conf_key_line(&o->sec, "client_cert"),
				    "%s client_cert: use lab:client or a file",
				    label);
		}
		if (o->crl && strcmp(o->crl, "lab") != 0 && !file_readable(o->crl))
			ERR(st, conf_key_line(&o->sec, "crl"), "%s crl: cannot read "
			    "'%s': %s", label, o->crl, strerror(errno));
		if (o->min_tls > o->max_tls)
			ERR(st, tls_range_line(&o->sec), "%s min_tls %s is "
			    "above max_tls %s", label,
			    config_tls_version_name(o->min_tls),
			    config_tls_version_name(o->max_tls));
		for (size_t j = 0; j < o->names.n; j++)
			if (!sni_name_valid(o->names.v[j], strlen(o->names.v[j])))
				ERR(st, o->names.line[j], "%s names: '%s' is not a "
				    "valid host name", label, o->names.v[j]);
		/* A pin tls_client_init would refuse at start-up is a config
		 * error, so that `edgesim check` reports it. */
		for (size_t j = 0; j < o->pins.n; j++) {
			struct pin pin;
			if (pin_parse(o->pins.v[j], &pin, &err) < 0)
				ERR(st, o->pins.line[j], "%s pin: %s", label,
				    err.msg);
		}
		if (o->type == ORIGIN_TYPE_PROXY && o->tls) {
			if (o->verify == VERIFY_PIN && o->pins.n == 0 &&
			    o->pin_refresh_ms == 0)
				ERR(st, conf_key_line(&o->sec, "verify"), "%s verify = pin "
				    "needs at least one pin (or pin_refresh for a "
				    "learned pin)", label);
			if (o->verify == VERIFY_NONE && o->pins.n == 0 &&
			    o->pin_refresh_ms == 0)
				WARN(st, conf_key_line(&o->sec, "verify"), "%s verify = "
				    "none: any certificate is accepted, even one "
				    "an attacker made", label);
		}

	}
}

/*
 * CloudFront always sends SNI to a custom origin (the name of the origin's
 * domain): a hop modelled as CloudFront with sni = off is no hop CloudFront
 * can make. A warning, not an error: the lab may want it on purpose.
 */
static void
warn_cloudfront_sni_off(struct parse_state *st, const struct conf_edge *e,
    const struct conf_origin *o)
{
	if (o == NULL || o->type != ORIGIN_TYPE_PROXY || !o->tls ||
	    o->sni != ORIGIN_SNI_OFF)
		return;
	WARN(st, conf_key_line(&o->sec, "sni"), "[origin %s] sni = off behind "
	    "[edge %s] (persona cloudfront): CloudFront always sends SNI to "
	    "custom origins, so the real distribution would not make this "
	    "hop", o->sec.name, e->sec.name);
}

static void
check_cloudfront_hops(struct parse_state *st)
{
	struct config *cfg = st->cfg;

	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		if (e->persona != PERSONA_CLOUDFRONT)
			continue;
		/* Each origin once per edge. */
		for (size_t k = 0; k < cfg->n_origins; k++) {
			const struct conf_origin *o = cfg->origins[k];
			bool used = false;
			for (size_t j = 0; j < e->n_hosts && !used; j++) {
				const struct conf_host *h = e->hosts[j];
				used = h->origin == o;
				for (size_t r = 0; r < h->n_routes && !used; r++)
					used = h->routes[r].origin == o;
			}
			if (used)
				warn_cloudfront_sni_off(st, e, o);
		}
	}
}

static void
check_unused_origins(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	char label[CONF_NAME_MAX + 32];

	for (size_t i = 0; i < cfg->n_origins; i++) {
		struct conf_origin *o = cfg->origins[i];
		bool used = false;
		for (size_t j = 0; j < cfg->n_hosts && !used; j++) {
			struct conf_host *h = cfg->hosts[j];
			if (h->origin == o)
				used = true;
			for (size_t r = 0; r < h->n_routes; r++)
				if (h->routes[r].origin == o)
					used = true;
		}
		if (!used)
			WARN(st, o->sec.line, "%s is not used by any host",
			    conf_sec_label(&o->sec, label, sizeof(label)));
	}
}

static void
check_forward_proxy(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	struct conf_forward_proxy *fp = &cfg->fproxy;
	struct conf_listen *l = &fp->listen;
	struct es_err err;

	if (!fp->present)
		return;
	int line = conf_key_line(&fp->sec, "listen");
	l->text = fp->listen_text;
	l->line = line;
	if (parse_hostport(fp->listen_text, l->host, sizeof(l->host), &l->port,
	    -1, &err) < 0)
		ERR(st, line, "[forward_proxy] listen: %s", err.msg);
	else if (!listen_host_ok(l->host))
		ERR(st, line, "[forward_proxy] listen: '%s' is not an IP address",
		    l->host);
	else
		warn_exposed(st, l, "[forward_proxy]", "the proxy, and through it "
		    "every name it allows");
	for (size_t i = 0; i < cfg->n_edges; i++)
		for (size_t j = 0; j < cfg->edges[i]->n_listen; j++) {
			const struct conf_listen *e = &cfg->edges[i]->listen[j];
			if (e->port == l->port && strcmp(e->host, l->host) == 0)
				ERR(st, line, "[forward_proxy] listen: %s is "
				    "already used by [edge %s] at line %d",
				    fp->listen_text, cfg->edges[i]->sec.name,
				    e->line);
		}
	/* Ports a client may name: as written, else 80, 443 and the
	 * edges'. */
	fp->allow_ports = xcalloc(fp->allow_ports_text.n + cfg->n_edges * 4 + 2,
	    sizeof(int));
	for (size_t i = 0; i < fp->allow_ports_text.n; i++) {
		int64_t v;
		if (parse_int(fp->allow_ports_text.v[i], 1, 65535, &v) < 0)
			ERR(st, fp->allow_ports_text.line[i], "[forward_proxy] "
			    "allow_ports: '%s' is not a port",
			    fp->allow_ports_text.v[i]);
		else
			fp->allow_ports[fp->n_allow_ports++] = (int)v;
	}
	if (fp->allow_ports_text.n == 0) {
		size_t cap = cfg->n_edges * 4 + 2;
		fp->allow_ports[fp->n_allow_ports++] = 80;
		fp->allow_ports[fp->n_allow_ports++] = 443;
		for (size_t i = 0; i < cfg->n_edges; i++)
			for (size_t j = 0; j < cfg->edges[i]->n_listen &&
			    fp->n_allow_ports < cap; j++)
				fp->allow_ports[fp->n_allow_ports++] =
				    cfg->edges[i]->listen[j].port;
	}
	for (size_t i = 0; i < fp->hosts.n; i++) {
		str_lower(fp->hosts.v[i]);
		if (!sni_name_valid(fp->hosts.v[i], strlen(fp->hosts.v[i])))
			ERR(st, fp->hosts.line[i], "[forward_proxy] hosts: '%s' is "
			    "not a valid host name", fp->hosts.v[i]);
	}
}

/* The admin address is nobody else's (edges parsed by now). */
static void
check_admin_addr(struct parse_state *st)
{
	const struct config *cfg = st->cfg;
	const struct conf_global *g = &cfg->global;
	const struct conf_listen *fl = &cfg->fproxy.listen;

	if (g->admin == NULL || g->admin_port <= 0)
		return;
	for (size_t i = 0; i < cfg->n_edges; i++)
		for (size_t j = 0; j < cfg->edges[i]->n_listen; j++) {
			const struct conf_listen *l = &cfg->edges[i]->listen[j];
			if (l->port == g->admin_port &&
			    strcmp(l->host, g->admin_host) == 0)
				ERR(st, conf_key_line(&g->sec, "admin"),
				    "[edgesim] admin: %s is already used by "
				    "[edge %s] at line %d", g->admin,
				    cfg->edges[i]->sec.name, l->line);
		}
	if (cfg->fproxy.present && fl->port == g->admin_port &&
	    strcmp(fl->host, g->admin_host) == 0)
		ERR(st, conf_key_line(&g->sec, "admin"), "[edgesim] admin: %s "
		    "is already used by [forward_proxy] at line %d", g->admin,
		    fl->line);
}

void
conf_validate(struct parse_state *st)
{
	check_global(st);
	check_origins(st);
	check_edges(st);
	check_hosts(st);
	check_edge_names(st);
	check_unused_origins(st);
	check_cloudfront_hops(st);
	check_forward_proxy(st);
	check_admin_addr(st);
}

