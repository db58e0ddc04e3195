/*
 * import.c - `edgesim import`: the options, the chain completed for the
 * lab, and the INI written atomically.
 *
 * After the importers have read the JSON into the model, this file decides
 * what stands behind each origin in the lab: the imported CloudFront edge
 * (an Akamai origin that is the distribution), a server the user names
 * (--origin ID=HOST:PORT), or a stand-in (a lab edge presenting a
 * certificate for the origin's name, answering with echo). It assigns the
 * ports, writes [resolve], decides whether Akamai's pinned certificates
 * match what the origin presents today, and checks the result with
 * config_load before anything is written: an import never leaves a config
 * edgesim would refuse, nor half a file.
 */
#include "cli/import.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sni.h"

#define DEFAULT_PORT_BASE 8443

static const char *const valued[] = {
	"--akamai", "--akamai-hostnames", "--cloudfront", "--cloudfront-cert",
	"--origin-request-policy", "--cloudfront-domain", "--origin",
	"--origin-delay", "--cname", "-o", "--output", "--pki", "--log",
	"--port-base", "--ports",
};

int
import_parse_opts(int argc, char **argv, struct import_opts *o,
    struct strlist *rest, struct es_err *err)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		bool known = false;
		for (size_t k = 0; k < ES_ARRAY_LEN(valued); k++)
			if (strcmp(a, valued[k]) == 0)
				known = true;
		if (!known) {
			if (rest == NULL)
				return es_errf(err, "unknown option '%s'", a);
			strlist_add(rest, a, 0);
			continue;
		}
		if (i + 1 >= argc)
			return es_errf(err, "%s needs a value", a);
		v = argv[++i];
		if (strcmp(a, "--akamai") == 0)
			o->akamai = v;
		else if (strcmp(a, "--akamai-hostnames") == 0)
			o->akamai_hostnames = v;
		else if (strcmp(a, "--cloudfront") == 0)
			o->cloudfront = v;
		else if (strcmp(a, "--cloudfront-cert") == 0)
			o->cloudfront_cert = v;
		else if (strcmp(a, "--origin-request-policy") == 0)
			o->origin_request_policy = v;
		else if (strcmp(a, "--cloudfront-domain") == 0) {
			if (!sni_name_valid(v, strlen(v)) || v[0] == '*')
				return es_errf(err, "--cloudfront-domain '%s' is not "
				    "a host name", v);
			o->cloudfront_domain = v;
		} else if (strcmp(a, "--origin") == 0) {
			if (strchr(v, '=') == NULL || v[0] == '=')
				return es_errf(err, "--origin %s: expected ID=HOST:PORT "
				    "or ID=cloudfront", v);
			strlist_add(&o->origins, v, 0);
		} else if (strcmp(a, "--origin-delay") == 0) {
			const char *eq = strchr(v, '=');
			int64_t ms;
			if (eq == NULL || eq == v ||
			    parse_duration_ms(eq + 1, &ms) < 0 || ms > 600000)
				return es_errf(err, "--origin-delay %s: expected "
				    "ID=DURATION (5s, 250ms) of at most 10m", v);
			strlist_add(&o->delays, v, 0);
		} else if (strcmp(a, "--cname") == 0) {
			if (!sni_name_valid(v, strlen(v)) || v[0] == '*')
				return es_errf(err, "--cname '%s' is not a host name",
				    v);
			strlist_add(&o->cnames, v, 0);
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			o->out = v;
		else if (strcmp(a, "--pki") == 0)
			o->pki = v;
		else if (strcmp(a, "--log") == 0)
			o->log = v;
		else if (strcmp(a, "--port-base") == 0) {
			int64_t n;
			if (parse_int(v, 1, 65000, &n) < 0)
				return es_errf(err, "--port-base '%s': a port number",
				    v);
			o->port_base = (int)n;
		} else if (strcmp(a, "--ports") == 0) {
			char *copy = xstrdup(v), *save = NULL;
			for (char *t = strtok_r(copy, ", ", &save); t;
			    t = strtok_r(NULL, ", ", &save)) {
				int64_t n;
				if (parse_int(t, 1, 65535, &n) < 0) {
					free(copy);
					return es_errf(err, "--ports: '%s' is not a "
					    "port", t);
				}
				strlist_add(&o->ports, t, 0);
			}
			free(copy);
		}
	}
	if (o->pki && strpbrk(o->pki, ";\n"))
		return es_errf(err, "--pki: a directory without ';'");
	if (o->log && strpbrk(o->log, ";\n"))
		return es_errf(err, "--log: a file name without ';'");
	return 0;
}

void
import_opts_free(struct import_opts *o)
{
	strlist_free(&o->origins);
	strlist_free(&o->delays);
	strlist_free(&o->cnames);
	strlist_free(&o->ports);
}

/* The origins an --origin/--origin-delay ID names: Id or host name. */
static size_t
origins_named(const struct im_model *m, const char *id, size_t idlen,
    struct im_origin **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_origins; i++) {
		struct im_origin *o = m->origins[i];
		bool hit = (strlen(o->id) == idlen &&
		    strncasecmp(o->id, id, idlen) == 0) ||
		    (o->hostname && strlen(o->hostname) == idlen &&
		    strncasecmp(o->hostname, id, idlen) == 0);
		if (hit && n < max)
			out[n++] = o;
	}
	return n;
}

static int
unknown_origin(const struct im_model *m, const char *opt, const char *spec,
    size_t idlen, struct es_err *err)
{
	struct sbuf b;

	sbuf_init(&b);
	for (size_t i = 0; i < m->n_origins; i++)
		if (!strstr(b.s ? b.s : "", m->origins[i]->id))
			sbuf_addf(&b, "%s%s", b.len ? ", " : "",
			    m->origins[i]->id);
	es_errf(err, "%s %s: no origin has the Id or host name '%.*s' (origins: "
	    "%s)", opt, spec, (int)idlen, spec, b.s ? b.s : "none");
	sbuf_free(&b);
	return -1;
}

static int
apply_origin_opts(struct im_model *m, const struct import_opts *o,
    struct es_err *err)
{
	struct im_origin *hit[64];

	for (size_t i = 0; i < o->origins.n; i++) {
		const char *spec = o->origins.v[i], *eq = strchr(spec, '=');
		size_t idlen = (size_t)(eq - spec);
		size_t n = origins_named(m, spec, idlen, hit, 64);
		if (n == 0)
			return unknown_origin(m, "--origin", spec, idlen, err);
		const char *v = eq + 1;
		char host[256];
		int port;
		struct es_err e;
		bool cf = strcasecmp(v, "cloudfront") == 0;
		if (cf && !m->cloudfront.present)
			return es_errf(err, "--origin %s: no --cloudfront "
			    "distribution was imported", spec);
		if (!cf && parse_hostport(v, host, sizeof(host), &port, -1,
		    &e) < 0)
			return es_errf(err, "--origin %s: %s", spec, e.msg);
		for (size_t k = 0; k < n; k++) {
			if (cf && hit[k]->cdn != IM_AKAMAI)
				return es_errf(err, "--origin %s: only an Akamai "
				    "origin can point at the distribution", spec);
			hit[k]->target_set = true;
			hit[k]->target = cf ? IM_TARGET_CLOUDFRONT :
			    IM_TARGET_REAL;
			free(hit[k]->real_addr);
			hit[k]->real_addr = cf ? NULL : xstrdup(v);
		}
	}
	for (size_t i = 0; i < o->delays.n; i++) {
		const char *spec = o->delays.v[i], *eq = strchr(spec, '=');
		size_t idlen = (size_t)(eq - spec);
		int64_t ms = 0;
		size_t n = origins_named(m, spec, idlen, hit, 64);
		if (n == 0)
			return unknown_origin(m, "--origin-delay", spec, idlen, err);
		parse_duration_ms(eq + 1, &ms);
		for (size_t k = 0; k < n; k++)
			hit[k]->delay_ms = ms;
	}
	return 0;
}

static bool
is_cf_name(const struct im_model *m, const char *h)
{
	return strcasecmp(h, m->cf_domain) == 0 ||
	    str_has_suffix(h, ".cloudfront.net") ||
	    strlist_contains_nocase(&m->cf_aliases, h) ||
	    strlist_contains_nocase(&m->cnames, h);
}

/* Akamai origins the user did not place: the distribution when the name
 * says so, or when it is the only place Akamai goes. */
static void
default_targets(struct im_model *m)
{
	struct strlist names = { 0 };

	if (!m->cloudfront.present)
		return;
	for (size_t i = 0; i < m->n_origins; i++) {
		struct im_origin *o = m->origins[i];
		if (o->cdn != IM_AKAMAI || o->target_set)
			continue;
		if (is_cf_name(m, o->hostname)) {
			o->target = IM_TARGET_CLOUDFRONT;
			o->target_set = true;
		} else if (!strlist_contains_nocase(&names, o->hostname)) {
			strlist_add(&names, o->hostname, 0);
		}
	}
	bool any_cf = false;
	for (size_t i = 0; i < m->n_origins; i++)
		any_cf = any_cf || m->origins[i]->target == IM_TARGET_CLOUDFRONT;
	if (names.n == 1 && !any_cf) {
		for (size_t i = 0; i < m->n_origins; i++) {
			struct im_origin *o = m->origins[i];
			if (o->cdn == IM_AKAMAI && !o->target_set) {
				o->target = IM_TARGET_CLOUDFRONT;
				o->target_set = true;
			}
		}
		im_assumed(m, "Akamai's only origin, %s, is taken to be the "
		    "CloudFront distribution (a DNS name of it, as a Route 53 "
		    "record); --origin %s=HOST:PORT says otherwise", names.v[0],
		    names.v[0]);
	}
	strlist_free(&names);
}

static const char *
key_value(const struct im_origin *o, const char *key)
{
	const struct im_kv *kv = im_keys_get(&o->keys, key);

	return kv ? kv->value : NULL;
}

/* A viewer host using origin o hands its Host (and maybe SNI) on. */
static void
forwarded_names(struct im_model *m)
{
	struct im_edge *edges[2] = { &m->akamai, &m->cloudfront };

	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < edges[k]->n_hosts; i++) {
			struct im_host *h = edges[k]->hosts[i];
			for (size_t r = 0; r <= h->n_routes; r++) {
				struct im_origin *o = r < h->n_routes ?
				    h->routes[r].origin : h->origin;
				const char *hh = o ? key_value(o, "host_header") :
				    NULL;
				const char *sni = o ? key_value(o, "sni") : NULL;
				if (o == NULL || !((hh && !strcmp(hh, "incoming")) ||
				    (sni && !strcmp(sni, "host"))))
					continue;
				if (!str_has_suffix(h->name, ".invalid") &&
				    !strlist_contains_nocase(&o->forwarded_names,
				    h->name))
					strlist_add(&o->forwarded_names, h->name, 0);
				for (size_t a = 0; a < h->aliases.n; a++)
					if (!strlist_contains_nocase(
					    &o->forwarded_names, h->aliases.v[a]))
						strlist_add(&o->forwarded_names,
						    h->aliases.v[a], 0);
			}
		}
	}
}

/* The main name of the certificate the target of o presents for the SNI
 * o sends; NULL when unknown (a real server). */
static const char *
presented_name(const struct im_model *m, const struct im_origin *o)
{
	const char *sni = key_value(o, "sni");
	const char *name = sni && strcmp(sni, "off") && strcmp(sni, "on") &&
	    strcmp(sni, "host") ? sni : o->hostname;

	switch (o->target) {
	case IM_TARGET_CLOUDFRONT:
		if (m->cf_default_cert || sni == NULL || !strcmp(sni, "off") ||
		    !strlist_contains_nocase(&m->cf_aliases, name))
			return "*.cloudfront.net";
		return name;
	case IM_TARGET_STANDIN:
		return o->hostname;
	default:
		return NULL;
	}
}

/*
 * Akamai "Specific certificates": does a pin match what the origin
 * presents today? Known not to when every pinned certificate has expired
 * (the origin must have replaced it) or was issued for other names. Then
 * the literal pins go into the lab, which never presents them
 * (pin_mismatch, as in production). Otherwise the pin is taken to match
 * today's certificate: the lab learns the certificate its stand-in
 * presents (pin_refresh), and lint warns about the next rotation.
 */
static void
decide_pins(struct im_model *m)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < m->n_origins; i++) {
		struct im_origin *o = m->origins[i];
		if (o->pins.n == 0 && o->pin_path == NULL)
			continue;
		const char *pres = presented_name(m, o);
		char why[400] = "";
		if (o->pin_not_after > 0 && o->pin_not_after < now) {
			struct tm tm;
			time_t t = (time_t)o->pin_not_after;
			gmtime_r(&t, &tm);
			snprintf(why, sizeof(why), "every pinned certificate "
			    "expired (latest notAfter %04d-%02d-%02d): the origin "
			    "presents another one now", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday);
		} else if (pres && o->pin_names.n > 0) {
			bool cov = false;
			for (size_t k = 0; k < o->pin_names.n; k++)
				cov = cov || strcasecmp(o->pin_names.v[k], pres) == 0
				    || sni_cert_name_covers(o->pin_names.v[k], pres);
			if (!cov)
				snprintf(why, sizeof(why), "the pinned certificates "
				    "are for %s, the origin presents one for %s",
				    o->pin_names.v[0], pres);
		}
		if (pres == NULL || why[0] || o->pins.n == 0) {
			for (size_t k = 0; k < o->pins.n; k++)
				im_keys_add(&o->keys, "pin", o->pins.v[k], o->pin_path,
				    o->pin_label, k == 0 && why[0] ? why : NULL);
			if (o->pins.n == 0)
				im_keys_add(&o->keys, "pin", "sha1:00:00:00:00:00:00:"
				    "00:00:00:00:00:00:00:00:00:00:00:00:00:00",
				    o->pin_path, o->pin_label, "no certificate is "
				    "pinned: nothing can match");
		} else {
			im_keys_add(&o->keys, "pin_refresh", "8760h", o->pin_path,
			    o->pin_label, "the pin is taken to match the "
			    "certificate the origin presents today: the lab pins "
			    "the certificate its origin presents at the first "
			    "handshake, as the real pin does until the next "
			    "rotation");
		}
	}
}

static struct im_standin *
standin_for(struct im_model *m, struct im_origin *o)
{
	for (size_t i = 0; i < m->n_standins; i++)
		if (strcasecmp(m->standins[i]->hostname, o->hostname) == 0)
			return m->standins[i];
	struct im_standin *s = xcalloc(1, sizeof(*s));
	s->hostname = xstrdup(o->hostname);
	s->edge = im_section_name(m, "lab", o->hostname);
	strlist_add(&s->names, o->hostname, 0);
	m->standins = xrealloc(m->standins,
	    (m->n_standins + 1) * sizeof(*m->standins));
	m->standins[m->n_standins++] = s;
	return s;
}

static int
resolve_add(struct im_model *m, const char *name, const char *addr,
    const char *why, struct es_err *err)
{
	for (size_t i = 0; i < m->n_resolves; i++) {
		if (strcasecmp(m->resolves[i].name, name) != 0)
			continue;
		if (strcmp(m->resolves[i].addr, addr) == 0)
			return 0;
		return es_errf(err, "%s is both %s (%s) and %s (%s): the lab "
		    "cannot send one name to two places; use --origin to place "
		    "one of them", name, m->resolves[i].addr, m->resolves[i].why,
		    addr, why);
	}
	m->resolves = xrealloc(m->resolves,
	    (m->n_resolves + 1) * sizeof(*m->resolves));
	struct im_resolve *r = &m->resolves[m->n_resolves++];
	r->name = str_lower(xstrdup(name));
	r->addr = xstrdup(addr);
	r->why = xstrdup(why);
	return 0;
}

static int
place(struct im_model *m, const struct import_opts *opt, struct es_err *err)
{
	char addr[300], why[400];
	size_t need = 0, next = 0;

	for (size_t i = 0; i < m->n_origins; i++) {
		struct im_origin *o = m->origins[i];
		if (o->target != IM_TARGET_STANDIN)
			continue;
		o->standin = standin_for(m, o);
		struct im_standin *s = o->standin;
		strlist_add(&s->used_by, o->section, 0);
		if (o->delay_ms > s->delay_ms)
			s->delay_ms = o->delay_ms;
		for (size_t k = 0; k < o->forwarded_names.n; k++)
			if (!strlist_contains_nocase(&s->names,
			    o->forwarded_names.v[k]))
				strlist_add(&s->names, o->forwarded_names.v[k], 0);
	}
	need = (m->akamai.present ? 1 : 0) + (m->cloudfront.present ? 1 : 0) +
	    m->n_standins;
	if (opt->ports.n > 0 && opt->ports.n < need)
		return es_errf(err, "--ports: this chain needs %zu ports (the "
		    "edges, then one per stand-in), %zu given", need,
		    opt->ports.n);
	int base = opt->port_base ? opt->port_base : DEFAULT_PORT_BASE;
#define NEXT_PORT() (opt->ports.n ? atoi(opt->ports.v[next++]) : \
	base + (int)next++)
	if (m->akamai.present)
		m->akamai.port = NEXT_PORT();
	if (m->cloudfront.present)
		m->cloudfront.port = NEXT_PORT();
	for (size_t i = 0; i < m->n_standins; i++)
		m->standins[i]->port = NEXT_PORT();
#undef NEXT_PORT

	if (m->cloudfront.present) {
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", m->cloudfront.port);
		if (m->akamai.present && resolve_add(m, m->cf_domain, addr,
		    "the distribution's domain name: the imported [edge "
		    "cloudfront]", err) < 0)
			return -1;
		for (size_t i = 0; i < m->cnames.n; i++)
			if (resolve_add(m, m->cnames.v[i], addr, "--cname: a DNS "
			    "name of the distribution", err) < 0)
				return -1;
	}
	for (size_t i = 0; i < m->n_origins; i++) {
		struct im_origin *o = m->origins[i];
		char host[256];
		int port;
		switch (o->target) {
		case IM_TARGET_CLOUDFRONT:
			snprintf(addr, sizeof(addr), "127.0.0.1:%d",
			    m->cloudfront.port);
			snprintf(why, sizeof(why), "Akamai's origin %s is the "
			    "CloudFront distribution: the imported [edge "
			    "cloudfront]", o->hostname);
			break;
		case IM_TARGET_STANDIN:
			snprintf(addr, sizeof(addr), "127.0.0.1:%d",
			    o->standin->port);
			snprintf(why, sizeof(why), "%s, which the lab cannot reach, "
			    "is the stand-in [edge %s]", o->hostname,
			    o->standin->edge);
			break;
		case IM_TARGET_REAL: {
			unsigned char ip[16];
			if (parse_hostport(o->real_addr, host, sizeof(host), &port,
			    -1, NULL) < 0 || (inet_pton(AF_INET, host, ip) != 1 &&
			    inet_pton(AF_INET6, host, ip) != 1))
				continue;       /* a name: written as the address */
			snprintf(addr, sizeof(addr), "%s", o->real_addr);
			snprintf(why, sizeof(why), "--origin: %s is the server at %s",
			    o->hostname, o->real_addr);
			break;
		}
		default:
			continue;
		}
		if (resolve_add(m, o->hostname, addr, why, err) < 0)
			return -1;
	}
	return 0;
}

/* The generated text must load as a config edgesim accepts. */
static int
validate(const char *text, struct es_err *err)
{
	struct conf_problems probs = { 0 };
	struct config *cfg = config_load_string("(imported chain)", text, &probs);
	int rc = 0;

	if (cfg == NULL) {
		char *s = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&s, &n);
		if (f) {
			config_problems_print(&probs, "(imported chain)", f);
			fclose(f);
		}
		rc = es_errf(err, "the chain written from this JSON is not a valid "
		    "edgesim config (a bug of edgesim import):\n%s", s ? s : "");
		free(s);
	}
	config_free(cfg);
	config_problems_free(&probs);
	return rc;
}

int
import_build(const struct import_opts *o, struct sbuf *out,
    struct es_err *err)
{
	struct im_model m;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	if (o->akamai == NULL && o->cloudfront == NULL) {
		es_errf(err, "nothing to import: give --akamai RULES.json and/or "
		    "--cloudfront DIST.json");
		return -1;
	}
	if (o->cloudfront == NULL && (o->cloudfront_cert ||
	    o->origin_request_policy || o->cnames.n || o->cloudfront_domain)) {
		es_errf(err, "--cloudfront-cert, --origin-request-policy, "
		    "--cname and --cloudfront-domain need --cloudfront");
		return -1;
	}
	if (o->akamai == NULL && o->akamai_hostnames) {
		es_errf(err, "--akamai-hostnames needs --akamai");
		return -1;
	}
	for (size_t i = 0; i < o->cnames.n; i++)
		strlist_add(&m.cnames, o->cnames.v[i], 0);
	if (o->cloudfront && import_cloudfront(&m, o, err) < 0)
		goto out;
	if (o->akamai && import_akamai(&m, o, err) < 0)
		goto out;
	if (apply_origin_opts(&m, o, err) < 0)
		goto out;
	default_targets(&m);
	forwarded_names(&m);
	decide_pins(&m);
	if (place(&m, o, err) < 0)
		goto out;
	import_ini_write(&m, o, out);
	rc = validate(out->s, err);
out:
	im_model_free(&m);
	return rc;
}

/* Write text to path through a temporary file in the same directory and a
 * rename: readers see the old file or the new one, never half of it. */
static int
write_atomic(const char *path, const char *text, struct es_err *err)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return es_errf(err, "%s: path too long", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return es_errf(err, "%s: cannot create: %s", path,
		    strerror(errno));
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			es_errf(err, "%s: write: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		es_errf(err, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		es_errf(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
import_main(int argc, char **argv)
{
	struct import_opts o;
	struct es_err err;
	struct sbuf out;
	int rc = 2;

	sbuf_init(&out);
	if (import_parse_opts(argc, argv, &o, NULL, &err) < 0) {
		fprintf(stderr, "edgesim: import: %s\nusage: edgesim import "
		    "[--akamai RULES.json [--akamai-hostnames H.json]] "
		    "[--cloudfront DIST.json [--cloudfront-cert PEM|ACM.json] "
		    "[--origin-request-policy P.json] [--cname NAME]] "
		    "[--origin ID=HOST:PORT|ID=cloudfront] [--origin-delay "
		    "ID=DURATION] [--port-base N | --ports P1,P2,...] [--pki DIR] "
		    "[--log FILE] [-o FILE]\n", err.msg);
		goto out;
	}
	if (import_build(&o, &out, &err) < 0) {
		fprintf(stderr, "edgesim: import: %s\n", err.msg);
		goto out;
	}
	if (o.out) {
		if (write_atomic(o.out, out.s, &err) < 0) {
			fprintf(stderr, "edgesim: import: %s\n", err.msg);
			goto out;
		}
		fprintf(stderr, "edgesim: wrote %s; next: edgesim lint -c %s\n",
		    o.out, o.out);
	} else {
		fputs(out.s, stdout);
	}
	rc = 0;
out:
	import_opts_free(&o);
	sbuf_free(&out);
	return rc;
}
