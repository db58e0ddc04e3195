/*
 * lint.c - the prediction engine of `edgesim lint`, and the command.
 *
 * For every edge a viewer can reach (CDN personas always; plain edges no
 * origin of the config points at), every name that reaches it (its hosts,
 * aliases, and [resolve] names mapped to its address) and every path class
 * (one sample per route pattern of the config, and "/"), the request is
 * walked hop by hop the way the proxy handles it: the certificate chosen
 * by SNI (tls_server.c), the host by Host (conn.c), the route (route.c),
 * then for a proxy origin the SNI sent (upstream_sni), the TLS versions,
 * the origin edge's no_sni / unknown_sni, its certificate's names and lab
 * variant against the verification mode (tls_client.c), pins, the Host
 * forwarded (forward.c) and the read timeouts against the delays behind.
 * Each hop gets the code and sub-reason the running proxy would log, and
 * the settings that would change it.
 */
#include "cli/lint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "certinfo.h"
#include "cli/import.h"
#include "pin.h"
#include "pki.h"
#include "route.h"
#include "sni.h"

/* --- what an edge presents --- */

static struct conf_host *
edge_host(const struct conf_edge *e, const char *name)
{
	struct sni_table t;
	struct conf_host *h;

	sni_table_init(&t);
	for (size_t i = 0; i < e->n_hosts; i++) {
		sni_table_add(&t, e->hosts[i]->sec.name, false, e->hosts[i]);
		for (size_t a = 0; a < e->hosts[i]->aliases.n; a++)
			sni_table_add(&t, e->hosts[i]->aliases.v[a], true,
			    e->hosts[i]);
	}
	h = name ? sni_table_lookup(&t, name, strlen(name), NULL) : NULL;
	sni_table_free(&t);
	return h;
}

/* The certificate an edge presents, as far as lint needs to know it. */
struct presented {
	struct strlist sans;
	enum pki_variant variant;
	bool file;              /* loaded from a file: trust not judged */
	char first[256];        /* the lab name of the leaf, for pins */
	const struct conf_host *owner;
	const char *key;        /* "cert" or "default_cert" */
	const struct conf_sec *sec;
};

static void
presented_of(const struct conf_edge *e, const struct conf_host *h,
    const struct cert_spec *spec, struct presented *p)
{
	memset(p, 0, sizeof(*p));
	p->owner = h;
	p->sec = h ? &h->sec : &e->sec;
	p->key = h ? "cert" : "default_cert";
	if (spec->source == CERT_HOST) {
		const struct conf_host *dh = edge_host(e, spec->host_name);
		if (dh) {
			presented_of(e, dh, &dh->cert, p);
			p->sec = &e->sec;
			p->key = "default_cert";
		}
		return;
	}
	if (spec->source == CERT_FILE) {
		struct certinfo ci;
		p->file = true;
		if (certinfo_load_file(spec->cert_file, &ci, NULL) == 0) {
			for (size_t i = 0; i < ci.sans.n; i++)
				strlist_add(&p->sans, ci.sans.v[i], 0);
			certinfo_free(&ci);
		}
		return;
	}
	if (spec->source != CERT_LAB)
		return;
	p->variant = spec->variant;
	struct strlist names = { 0 };
	config_cert_names(h, spec, &names);
	if (names.n)
		snprintf(p->first, sizeof(p->first), "%s", names.v[0]);
	if (spec->variant == PKI_WRONG_NAME) {
		strlist_add(&p->sans, PKI_WRONG_NAME_SAN, 0);
	} else {
		for (size_t i = 0; i < names.n; i++) {
			if (str_has_prefix(names.v[i], "*."))
				strlist_add(&p->sans, names.v[i] + 2, 0);
			strlist_add(&p->sans, names.v[i], 0);
		}
	}
	strlist_free(&names);
}

static bool
covers(const struct strlist *sans, const char *name)
{
	for (size_t i = 0; i < sans->n; i++)
		if (sni_cert_name_covers(sans->v[i], name))
			return true;
	return false;
}

static void
sans_text(const struct strlist *sans, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sans->n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? ", " :
		    "", sans->v[i]);
	if (sans->n == 0)
		snprintf(out, len, "no name");
}

/* --- hops --- */

static void
fix(struct lint_hop *h, const struct conf_sec *sec, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fix(struct lint_hop *h, const struct conf_sec *sec, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	if (h->n_fix >= LINT_MAX_FIX)
		return;
	struct lint_fix *f = &h->fix[h->n_fix++];
	f->sec = sec;
	f->key = key;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static void
warn(struct lint_hop *h, const struct conf_sec *sec, const char *key,
    const char *fix_text, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
warn(struct lint_hop *h, const struct conf_sec *sec, const char *key,
    const char *fix_text, const char *fmt, ...)
{
	va_list ap;

	if (h->n_warn >= LINT_MAX_WARN)
		return;
	struct lint_note *n = &h->warn[h->n_warn++];
	memset(n, 0, sizeof(*n));
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
	n->fix.sec = sec;
	n->fix.key = key;
	snprintf(n->fix.text, sizeof(n->fix.text), "%s", fix_text ? fix_text :
	    "");
}

static void
fail_tls(struct lint_hop *h, const struct conf_edge *from,
    enum es_tls_reason r)
{
	h->verdict = LINT_FAIL;
	h->code = ES_ERR_FWD_SSL_HANDSHAKE;
	h->reason = r;
	h->code_edge = from;
}

static void
fail_code(struct lint_hop *h, const struct conf_edge *at, enum es_code c)
{
	h->verdict = LINT_FAIL;
	h->code = c;
	h->reason = ES_TLS_NONE;
	h->code_edge = at;
}

static char *
label(const struct conf_sec *sec, char *buf, size_t len)
{
	snprintf(buf, len, "[%s %s]", sec->kind == CONF_SEC_EDGE ? "edge" :
	    sec->kind == CONF_SEC_HOST ? "host" : "origin", sec->name);
	return buf;
}

/* The edge of cfg listening on host:port. */
static const struct conf_edge *
edge_at(const struct config *cfg, const char *host, int port)
{
	for (size_t i = 0; i < cfg->n_edges; i++)
		for (size_t j = 0; j < cfg->edges[i]->n_listen; j++) {
			const struct conf_listen *l = &cfg->edges[i]->listen[j];
			if (l->port == port && (strcmp(l->host, host) == 0 ||
			    (strcmp(host, "localhost") == 0 &&
			    strcmp(l->host, "127.0.0.1") == 0)))
				return cfg->edges[i];
		}
	return NULL;
}

static bool
is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Does a lab leaf already on disk match one of the pins? (A lab leaf not
 * issued yet will have a fresh key: no pin written before it matches.) */
static bool
pins_match_lab(const struct config *cfg, const struct conf_origin *o,
    const struct presented *p)
{
	struct pki_paths paths;

	if (p->first[0] == '\0')
		return false;
	pki_leaf_paths(cfg->global.pki, p->first, p->variant, &paths);
	FILE *f = fopen(paths.cert, "r");
	if (f == NULL)
		return false;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return false;
	struct cert_digests d;
	certinfo_digests(x, &d);
	X509_free(x);
	for (size_t i = 0; i < o->pins.n; i++) {
		struct pin pin;
		if (pin_parse(o->pins.v[i], &pin, NULL) == 0 && pin_match(&pin, &d))
			return true;
	}
	return false;
}

/* Origins whose certificates are renewed by their operator on its own
 * schedule: a pinned leaf breaks at the next renewal. */
static bool
rotates(const struct conf_origin *o, const struct conf_edge *to)
{
	return (to && to->persona == PERSONA_CLOUDFRONT) ||
	    str_has_suffix(o->addr_host, ".cloudfront.net") ||
	    str_has_suffix(o->addr_host, ".amazonaws.com");
}

struct walk {
	const struct config *cfg;
	struct lint_request *rq;
	char path[256];
};

static int64_t forward(struct walk *w, const struct conf_edge *e,
    const struct conf_host *h, const char *host_hdr, int depth);

/*
 * The TLS handshake of origin o (from edge e) with edge t, for SNI sni
 * (NULL: none). Fills hop; returns true when it succeeds.
 */
static bool
handshake(struct walk *w, struct lint_hop *hop, const struct conf_edge *e,
    const struct conf_origin *o, const struct conf_edge *t, const char *sni)
{
	char ol[300], tl[300], s[600];
	const struct conf_sec *os = &o->sec;

	label(os, ol, sizeof(ol));
	label(&t->sec, tl, sizeof(tl));
	int64_t lo = o->min_tls > t->min_tls ? o->min_tls : t->min_tls;
	int64_t hi = o->max_tls < t->max_tls ? o->max_tls : t->max_tls;
	if (lo > hi) {
		fail_tls(hop, e, ES_TLS_PROTOCOL_VERSION);
		snprintf(hop->why, sizeof(hop->why), "%s offers TLS %s to %s, "
		    "%s accepts TLS %s to %s: no version in common",
		    ol, config_tls_version_name(o->min_tls),
		    config_tls_version_name(o->max_tls), tl,
		    config_tls_version_name(t->min_tls),
		    config_tls_version_name(t->max_tls));
		fix(hop, os, o->max_tls < t->min_tls ? "max_tls" : "min_tls",
		    "%s %s = %s", ol, o->max_tls < t->min_tls ? "max_tls" :
		    "min_tls", config_tls_version_name(o->max_tls < t->min_tls ?
		    t->min_tls : t->max_tls));
		fix(hop, &t->sec, "min_tls", "or %s accepts TLS %s", tl,
		    config_tls_version_name(o->max_tls));
		return false;
	}
	const struct conf_host *th = NULL;
	const struct cert_spec *spec = &t->default_cert;
	if (sni == NULL) {
		if (t->no_sni != NO_SNI_DEFAULT) {
			fail_tls(hop, e, ES_TLS_NO_CERTIFICATE);
			snprintf(hop->why, sizeof(hop->why), "%s sends no SNI (sni "
			    "= off) and %s has no_sni = %s: it ends the handshake "
			    "before any certificate (%s), as CloudFront does for a "
			    "client without SNI", ol, tl, t->no_sni == NO_SNI_REJECT ?
			    "reject" : t->no_sni == NO_SNI_CLOSE ? "close" : "reset",
			    t->no_sni == NO_SNI_REJECT ? "alert 40" :
			    t->no_sni == NO_SNI_CLOSE ? "FIN" : "RST");
			fix(hop, os, "sni", "%s sni = on", ol);
			return false;
		}
	} else {
		th = edge_host(t, sni);
		if (th)
			spec = &th->cert;
		else if (t->unknown_sni == UNKNOWN_SNI_REJECT) {
			fail_tls(hop, e, ES_TLS_NO_CERTIFICATE);
			snprintf(hop->why, sizeof(hop->why), "%s sends SNI %s, which "
			    "is no host of %s, and it has unknown_sni = reject "
			    "(alert 40 before any certificate)", ol, sni, tl);
			fix(hop, os, "sni", "%s sni = a name %s serves", ol, tl);
			return false;
		}
	}
	if (t->client_auth == CLIENT_AUTH_REQUIRE &&
	    o->client_cert.source == CERT_NONE) {
		fail_tls(hop, e, ES_TLS_CLIENT_CERT_REQUIRED);
		snprintf(hop->why, sizeof(hop->why), "%s requires a client "
		    "certificate and %s has none", tl, ol);
		fix(hop, os, "client_cert", "%s client_cert = lab:client", ol);
		return false;
	}
	struct presented p;
	presented_of(t, th, spec, &p);
	char st[400];
	sans_text(&p.sans, st, sizeof(st));
	bool ok = true;
	if (o->verify == VERIFY_FULL || o->verify == VERIFY_CHAIN) {
		enum es_tls_reason r = ES_TLS_NONE;
		const char *what = NULL;
		if (!p.file && o->ca != CA_LAB) {
			r = ES_TLS_UNTRUSTED_ISSUER;
			what = "is issued by the lab CA, which this origin's ca does "
			    "not hold";
		} else if (p.variant == PKI_UNTRUSTED) {
			r = ES_TLS_UNTRUSTED_ISSUER;
			what = "is issued by a CA no trust store holds";
		} else if (p.variant == PKI_SELF_SIGNED) {
			r = ES_TLS_SELF_SIGNED;
			what = "is self-signed";
		} else if (p.variant == PKI_NO_INTERMEDIATE) {
			r = ES_TLS_INCOMPLETE_CHAIN;
			what = "is sent without its intermediate";
		} else if (p.variant == PKI_EXPIRED) {
			r = ES_TLS_CERT_EXPIRED;
			what = "has expired";
		} else if (p.variant == PKI_NOT_YET_VALID) {
			r = ES_TLS_CERT_NOT_YET_VALID;
			what = "is not yet valid";
		} else if (p.variant == PKI_REVOKED && o->crl) {
			r = ES_TLS_REVOKED;
			what = "is on the CRL";
		}
		if (r != ES_TLS_NONE) {
			fail_tls(hop, e, r);
			snprintf(hop->why, sizeof(hop->why), "the certificate %s "
			    "presents (%s) %s", tl, st, what);
			fix(hop, p.sec, p.key, "%s %s = lab (a valid certificate)",
			    label(p.sec, s, sizeof(s)), p.key);
			return false;
		}
	}
	if (o->verify == VERIFY_FULL) {
		struct strlist want = { 0 };
		if (o->names.n)
			for (size_t i = 0; i < o->names.n; i++)
				strlist_add(&want, o->names.v[i], 0);
		else
			strlist_add(&want, sni ? sni : o->addr_host, 0);
		bool hit = false;
		for (size_t i = 0; i < want.n; i++)
			hit = hit || covers(&p.sans, want.v[i]);
		if (!hit) {
			char wt[400];
			sans_text(&want, wt, sizeof(wt));
			fail_tls(hop, e, ES_TLS_HOSTNAME_MISMATCH);
			snprintf(hop->why, sizeof(hop->why), "%s presents a "
			    "certificate for %s%s; %s checks it against %s",
			    tl, st, th == NULL && sni ? " (its default: the SNI "
			    "sent is none of its names)" : "", ol, wt);
			if (th == NULL && sni && t->persona == PERSONA_CLOUDFRONT &&
			    t->n_hosts) {
				fix(hop, &t->hosts[0]->sec, "aliases", "%s aliases += "
				    "%s (with a certificate that covers it)",
				    label(&t->hosts[0]->sec, s, sizeof(s)), sni);
			}
			fix(hop, os, o->names.n ? "names" : "sni", "%s %s", ol,
			    o->names.n ? "names = a name the certificate has" :
			    "sni = a name the origin serves");
			ok = false;
		}
		strlist_free(&want);
		if (!ok) {
			strlist_free(&p.sans);
			return false;
		}
	}
	if (o->pins.n > 0 && o->verify != VERIFY_NONE &&
	    !pins_match_lab(w->cfg, o, &p)) {
		fail_tls(hop, e, ES_TLS_PIN_MISMATCH);
		snprintf(hop->why, sizeof(hop->why), "%s pins %s%s, and %s "
		    "presents another certificate (%s)", ol, o->pins.v[0],
		    o->pins.n > 1 ? " and more" : "", tl, st);
		fix(hop, os, "pin", "%s pin = the SHA-1 of the certificate %s "
		    "presents now, or verify = full to trust its CA", ol, tl);
		strlist_free(&p.sans);
		return false;
	}
	if ((o->pins.n > 0 || o->pin_refresh_ms > 0) && rotates(o, t))
		warn(hop, os, o->pins.n ? "pin" : "pin_refresh", "verify = full "
		    "(trust the CA, not the leaf)", "%s pins a leaf of a rotating "
		    "origin (%s renews its certificates on its own schedule): "
		    "breaks at the next rotation", ol, t->persona ==
		    PERSONA_CLOUDFRONT ? "CloudFront" : o->addr_host);
	strlist_free(&p.sans);
	return true;
}

/* The hop from edge e through origin o. Returns the time the answer
 * takes (ms), for the read timeouts of the hops before. */
static int64_t
origin_hop(struct walk *w, const struct conf_edge *e,
    const struct conf_origin *o, const char *route, const char *host_hdr,
    int depth)
{
	struct lint_request *rq = w->rq;
	char ol[300], tl[300], s[300];

	if (rq->n_hops >= LINT_MAX_HOPS)
		return 0;
	struct lint_hop *hop = &rq->hops[rq->n_hops++];
	memset(hop, 0, sizeof(*hop));
	hop->from = e;
	hop->origin = o;
	hop->route = route;
	label(&o->sec, ol, sizeof(ol));
	if (o->type != ORIGIN_TYPE_PROXY) {
		snprintf(hop->to_label, sizeof(hop->to_label), "%s (built in)",
		    o->type == ORIGIN_TYPE_ECHO ? "echo" : "static");
		hop->verdict = LINT_OK;
		return o->delay_ms;
	}
	/* Where the address leads. */
	const struct conf_resolve *r = config_find_resolve(w->cfg, o->addr_host);
	char host[256];
	int port = o->addr_port;
	if (r) {
		snprintf(host, sizeof(host), "%s", r->host);
		port = r->port ? r->port : o->addr_port;
	} else if (is_ip(o->addr_host)) {
		snprintf(host, sizeof(host), "%s", o->addr_host);
	} else {
		hop->verdict = LINT_UNKNOWN;
		snprintf(hop->to_label, sizeof(hop->to_label), "%s (DNS)",
		    o->address);
		snprintf(hop->why, sizeof(hop->why), "%s is resolved by DNS when "
		    "the chain runs: lint cannot see that server", o->addr_host);
		return 0;
	}
	const struct conf_edge *t = edge_at(w->cfg, host, port);
	if (t == NULL) {
		hop->verdict = LINT_UNKNOWN;
		snprintf(hop->to_label, sizeof(hop->to_label), "%s:%d (outside "
		    "this config)", host, port);
		snprintf(hop->why, sizeof(hop->why), "no edge of this config "
		    "listens at %s:%d: a real server, or nothing (then "
		    "ERR_CONNECT_FAIL)", host, port);
		return 0;
	}
	hop->to = t;
	label(&t->sec, tl, sizeof(tl));
	snprintf(hop->to_label, sizeof(hop->to_label), "%s", tl);
	if (!o->tls) {
		hop->verdict = LINT_UNKNOWN;
		snprintf(hop->why, sizeof(hop->why), "%s has tls = off, and %s "
		    "speaks TLS only", ol, tl);
		return 0;
	}
	/* The SNI, as upstream_sni chooses it. */
	char sbuf[256];
	const char *sni = NULL;
	switch (o->sni) {
	case ORIGIN_SNI_ON:
		sni = o->addr_host;
		break;
	case ORIGIN_SNI_NAME:
		sni = o->sni_name;
		break;
	case ORIGIN_SNI_HOST: {
		const char *hs;
		size_t n = host_hdr ? sni_host_from_header(host_hdr,
		    strlen(host_hdr), &hs) : 0;
		if (n > 0 && n < sizeof(sbuf)) {
			memcpy(sbuf, hs, n);
			sbuf[n] = '\0';
			sni = sbuf;
		}
		break;
	}
	default:
		break;
	}
	if (sni && is_ip(sni))
		sni = NULL;
	if (!handshake(w, hop, e, o, t, sni))
		return 0;
	/* The Host forwarded, as forward.c builds it. */
	enum host_header_mode m = o->host_header;
	if (m == HOST_HEADER_PERSONA)
		m = e->persona == PERSONA_AKAMAI ? HOST_HEADER_INCOMING :
		    HOST_HEADER_ORIGIN;
	char hv[300];
	if (m == HOST_HEADER_INCOMING)
		snprintf(hv, sizeof(hv), "%s", host_hdr ? host_hdr : "");
	else if (m == HOST_HEADER_NAME)
		snprintf(hv, sizeof(hv), "%s", o->host_header_name);
	else if (o->addr_port == 443 || o->addr_port == 80)
		snprintf(hv, sizeof(hv), "%s", o->addr_host);
	else
		snprintf(hv, sizeof(hv), "%s:%d", o->addr_host, o->addr_port);
	const char *hs;
	size_t hn = sni_host_from_header(hv, strlen(hv), &hs);
	char hname[256];
	snprintf(hname, sizeof(hname), "%.*s", (int)hn, hs ? hs : "");
	const struct conf_host *th = hn ? edge_host(t, hname) : NULL;
	if (th == NULL) {
		fail_code(hop, t, ES_ERR_HOST_NOT_SERVED);
		snprintf(hop->why, sizeof(hop->why), "%s forwards Host %s, which "
		    "is not a host or alias of %s%s", ol, hv, tl,
		    t->persona == PERSONA_CLOUDFRONT ? " (CloudFront answers "
		    "403 for a Host that is not an alternate domain name)" : "");
		if (t->n_hosts)
			fix(hop, &t->hosts[0]->sec, "aliases", "%s aliases += %s",
			    label(&t->hosts[0]->sec, s, sizeof(s)), hname);
		fix(hop, &o->sec, "host_header", "or %s host_header = a name %s "
		    "serves", ol, tl);
		return 0;
	}
	hop->verdict = LINT_OK;
	int64_t t_in = forward(w, t, th, hv, depth + 1);
	/* The inner hops answer after t_in: too late for this one? */
	if (t_in >= o->read_timeout_ms) {
		char a[32], b[32];
		format_duration(o->read_timeout_ms, a, sizeof(a));
		format_duration(t_in, b, sizeof(b));
		for (size_t i = (size_t)(hop - rq->hops) + 1; i < rq->n_hops; i++)
			if (rq->hops[i].verdict == LINT_OK ||
			    rq->hops[i].verdict == LINT_FAIL)
				rq->hops[i].verdict = LINT_NOT_REACHED;
		fail_code(hop, e, ES_ERR_READ_TIMEOUT);
		snprintf(hop->why, sizeof(hop->why), "%s waits %s (read_timeout) "
		    "and the answer from behind %s takes %s", ol, a, tl, b);
		fix(hop, &o->sec, "read_timeout", "%s read_timeout = more than %s",
		    ol, b);
		return o->read_timeout_ms;
	}
	if (o->read_timeout_ms - t_in < 500 && t_in > 0)
		warn(hop, &o->sec, "read_timeout", NULL, "%s waits %lldms and the "
		    "answer takes %lldms: too close to call", ol,
		    (long long)o->read_timeout_ms, (long long)t_in);
	/* Timeouts out of order along the chain. */
	const struct conf_origin *inner = route_pick(th, w->path,
	    strlen(w->path), NULL);
	if (inner && inner->type == ORIGIN_TYPE_PROXY &&
	    inner->read_timeout_ms > o->read_timeout_ms) {
		char a[32], b[32];
		format_duration(o->read_timeout_ms, a, sizeof(a));
		format_duration(inner->read_timeout_ms, b, sizeof(b));
		warn(hop, &o->sec, "read_timeout", NULL, "%s gives up after %s, "
		    "while %s waits up to %s for its own origin: a slow answer "
		    "it still delivers reaches no viewer", ol, a, tl, b);
	}
	return t_in;
}

/* A request arriving at edge e for host h with Host host_hdr. */
static int64_t
forward(struct walk *w, const struct conf_edge *e, const struct conf_host *h,
    const char *host_hdr, int depth)
{
	const struct conf_route *route = NULL;

	if (depth > 6)
		return 0;
	const struct conf_origin *o = route_pick(h, w->path, strlen(w->path),
	    &route);
	if (o == NULL)
		return 0;
	size_t sl = strlen(w->rq->signature);
	snprintf(w->rq->signature + sl, sizeof(w->rq->signature) - sl, "%s/%s>",
	    e->sec.name, o->sec.name);
	return origin_hop(w, e, o, route ? route->pattern : NULL, host_hdr,
	    depth);
}

/* The viewer's request: TLS with SNI name, Host name, path. */
static void
request(const struct config *cfg, const struct conf_edge *e,
    const char *name, const char *path, struct lint_request *rq)
{
	struct walk w = { cfg, rq, "" };
	char el[300], s[300];

	memset(rq, 0, sizeof(*rq));
	rq->edge = e;
	snprintf(rq->name, sizeof(rq->name), "%s", name);
	snprintf(rq->path, sizeof(rq->path), "%s", path);
	snprintf(w.path, sizeof(w.path), "%s", path);
	rq->port = e->n_listen ? e->listen[0].port : 0;
	label(&e->sec, el, sizeof(el));

	struct lint_hop *hop = &rq->hops[rq->n_hops++];
	hop->to = e;
	snprintf(hop->to_label, sizeof(hop->to_label), "%s", el);
	const struct conf_host *h = edge_host(e, name);
	const struct cert_spec *spec = h ? &h->cert : &e->default_cert;
	if (h == NULL && e->unknown_sni == UNKNOWN_SNI_REJECT) {
		hop->verdict = LINT_FAIL;
		hop->viewer_tls = true;
		hop->reason = ES_TLS_NO_CERTIFICATE;
		snprintf(hop->why, sizeof(hop->why), "%s is no host of %s, which "
		    "has unknown_sni = reject", name, el);
	} else {
		struct presented p;
		char st[400];
		presented_of(e, h, spec, &p);
		sans_text(&p.sans, st, sizeof(st));
		if (!covers(&p.sans, name)) {
			hop->verdict = LINT_FAIL;
			hop->viewer_tls = true;
			hop->reason = ES_TLS_HOSTNAME_MISMATCH;
			bool cf = e->persona == PERSONA_CLOUDFRONT;
			if (h && cf) {
				hop->refused = true;
				snprintf(hop->why, sizeof(hop->why), "%s is an alias of "
				    "%s, but its certificate covers only %s: CloudFront "
				    "refuses such an alternate domain name (its 2019 "
				    "rule), and viewers get a certificate that does not "
				    "match", name, label(&h->sec, s, sizeof(s)), st);
				fix(hop, &h->sec, "cert", "%s cert = a certificate "
				    "that covers %s", label(&h->sec, s, sizeof(s)), name);
			} else {
				snprintf(hop->why, sizeof(hop->why), "%s is not a name "
				    "of %s: viewers get its default certificate (%s), "
				    "which does not match%s", name, el, st, cf ?
				    " (seed 002: \"Hostname/IP does not match "
				    "certificate's altnames\")" : "");
				if (e->n_hosts)
					fix(hop, &e->hosts[0]->sec, "aliases", "%s "
					    "aliases += %s (with a certificate that covers "
					    "it)", label(&e->hosts[0]->sec, s, sizeof(s)),
					    name);
			}
		} else if (h == NULL) {
			hop->verdict = LINT_FAIL;
			fail_code(hop, e, ES_ERR_HOST_NOT_SERVED);
			snprintf(hop->why, sizeof(hop->why), "Host %s is not a host or "
			    "alias of %s", name, el);
		} else {
			hop->verdict = LINT_OK;
		}
		strlist_free(&p.sans);
	}
	if (hop->verdict == LINT_OK)
		forward(&w, e, h, name, 0);

	/* What the viewer sees: the first failure, else 200 (or unknown). */
	rq->verdict = LINT_OK;
	rq->status = 200;
	for (size_t i = 0; i < rq->n_hops; i++) {
		struct lint_hop *x = &rq->hops[i];
		if (x->verdict == LINT_UNKNOWN && rq->verdict == LINT_OK) {
			rq->verdict = LINT_UNKNOWN;
			rq->status = 0;
		}
		if (x->verdict != LINT_FAIL)
			continue;
		rq->verdict = LINT_FAIL;
		if (x->viewer_tls) {
			rq->status = 0;
			snprintf(rq->viewer_tls, sizeof(rq->viewer_tls), "%s",
			    errors_tls_reason_name(x->reason));
		} else {
			rq->status = errors_status(x->code, x->code_edge->persona);
			snprintf(rq->error, sizeof(rq->error), "%s%s%s",
			    errors_name(x->code), x->reason ? "; " : "",
			    x->reason ? errors_tls_reason_name(x->reason) : "");
		}
		for (size_t j = i + 1; j < rq->n_hops; j++)
			rq->hops[j].verdict = LINT_NOT_REACHED;
		break;
	}
}

/* A path that the pattern matches: '*' and '?' filled in. */
static void
sample_path(const char *pattern, char *out, size_t len)
{
	size_t o = 0;

	if (pattern[0] != '/' && o + 1 < len)
		out[o++] = '/';
	for (const char *p = pattern; *p && o + 2 < len; p++)
		out[o++] = *p == '*' || *p == '?' ? 'x' : *p;
	out[o] = '\0';
}

static bool
entry_edge(const struct config *cfg, const struct conf_edge *e)
{
	if (e->disabled || e->n_listen == 0 || e->mode != EDGE_MODE_HTTP)
		return false;
	if (e->persona != PERSONA_PLAIN)
		return true;
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		if (o->type != ORIGIN_TYPE_PROXY)
			continue;
		const struct conf_resolve *r = config_find_resolve(cfg,
		    o->addr_host);
		const char *h = r ? r->host : o->addr_host;
		int port = r && r->port ? r->port : o->addr_port;
		if (edge_at(cfg, h, port) == e)
			return false;
	}
	return true;
}

static void
add_name(struct strlist *names, const char *n)
{
	char buf[300];

	if (str_has_suffix(n, ".invalid"))
		return;
	/* A wildcard: a name it covers. */
	if (str_has_prefix(n, "*.")) {
		snprintf(buf, sizeof(buf), "lint%s", n + 1);
		n = buf;
	}
	if (!strlist_contains_nocase(names, n))
		strlist_add(names, n, 0);
}

void
lint_run(const struct config *cfg, struct lint_result *out)
{
	struct strlist paths = { 0 };
	char sp[256];

	memset(out, 0, sizeof(*out));
	strlist_add(&paths, "/", 0);
	for (size_t i = 0; i < cfg->n_hosts; i++)
		for (size_t r = 0; r < cfg->hosts[i]->n_routes; r++) {
			sample_path(cfg->hosts[i]->routes[r].pattern, sp,
			    sizeof(sp));
			if (!strlist_contains_nocase(&paths, sp))
				strlist_add(&paths, sp, 0);
		}
	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		if (!entry_edge(cfg, e))
			continue;
		struct strlist names = { 0 };
		for (size_t h = 0; h < e->n_hosts; h++) {
			add_name(&names, e->hosts[h]->sec.name);
			for (size_t a = 0; a < e->hosts[h]->aliases.n; a++)
				add_name(&names, e->hosts[h]->aliases.v[a]);
		}
		for (size_t r = 0; r < cfg->n_resolve; r++) {
			const struct conf_resolve *rs = &cfg->resolve[r];
			if (rs->port && edge_at(cfg, rs->host, rs->port) == e)
				add_name(&names, rs->name);
		}
		for (size_t n = 0; n < names.n; n++) {
			size_t first = out->n;
			for (size_t p = 0; p < paths.n; p++) {
				out->req = xrealloc(out->req,
				    (out->n + 1) * sizeof(*out->req));
				struct lint_request *rq = &out->req[out->n];
				request(cfg, e, names.v[n], paths.v[p], rq);
				/* One request per distinct way through. */
				bool dup = false;
				for (size_t k = first; k < out->n; k++)
					dup = dup || strcmp(out->req[k].signature,
					    rq->signature) == 0;
				if (dup)
					continue;
				out->n++;
				if (rq->verdict == LINT_FAIL)
					out->failures++;
				for (size_t k = 0; k < rq->n_hops; k++)
					out->warnings += rq->hops[k].n_warn;
			}
		}
		strlist_free(&names);
	}
	strlist_free(&paths);
}

void
lint_result_free(struct lint_result *r)
{
	free(r->req);
	memset(r, 0, sizeof(*r));
}

/* --- the command --- */

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct sbuf b;
	char buf[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && b.len < (2u << 20))
		sbuf_add(&b, buf, n);
	fclose(f);
	return sbuf_detach(&b);
}

int
lint_main(int argc, char **argv)
{
	struct import_opts o;
	struct strlist rest = { 0 };
	struct es_err err;
	const char *config = NULL;
	bool json = false;
	char tmp[] = "/tmp/edgesim-lint-XXXXXX";
	int rc = 2, fd = -1;
	char *text = NULL;

	if (import_parse_opts(argc, argv, &o, &rest, &err) < 0) {
		fprintf(stderr, "edgesim: lint: %s\n", err.msg);
		goto out;
	}
	for (size_t i = 0; i < rest.n; i++) {
		if (strcmp(rest.v[i], "--json") == 0)
			json = true;
		else if ((strcmp(rest.v[i], "-c") == 0 ||
		    strcmp(rest.v[i], "--config") == 0) && i + 1 < rest.n)
			config = rest.v[++i];
		else {
			fprintf(stderr, "edgesim: lint: unknown option '%s'\n"
			    "usage: edgesim lint [-c FILE | import options] "
			    "[--json]\n", rest.v[i]);
			goto out;
		}
	}
	if ((config != NULL) == (o.akamai != NULL || o.cloudfront != NULL)) {
		fprintf(stderr, "edgesim: lint: give -c FILE, or --akamai and/or "
		    "--cloudfront (as edgesim import takes them)\n");
		goto out;
	}
	const char *name = config;
	if (config == NULL) {
		struct sbuf ini;
		sbuf_init(&ini);
		if (import_build(&o, &ini, &err) < 0) {
			fprintf(stderr, "edgesim: lint: %s\n", err.msg);
			sbuf_free(&ini);
			goto out;
		}
		fd = mkstemp(tmp);
		if (fd < 0 || write(fd, ini.s, ini.len) != (ssize_t)ini.len) {
			fprintf(stderr, "edgesim: lint: %s: %s\n", tmp,
			    strerror(errno));
			sbuf_free(&ini);
			goto out;
		}
		sbuf_free(&ini);
		config = tmp;
		name = "(imported chain)";
	}
	struct conf_problems probs = { 0 };
	struct config *cfg = config_load(config, &probs);
	if (cfg == NULL) {
		config_problems_print(&probs, name, stderr);
		config_problems_free(&probs);
		goto out;
	}
	config_problems_free(&probs);
	text = read_text(config);
	struct lint_result r;
	lint_run(cfg, &r);
	if (json)
		lint_report_json(&r, name, text, stdout);
	else
		lint_report_text(&r, name, text, stdout);
	rc = r.failures ? 1 : 0;
	lint_result_free(&r);
	config_free(cfg);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(text);
	strlist_free(&rest);
	import_opts_free(&o);
	return rc;
}
