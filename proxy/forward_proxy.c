/*
 * forward_proxy.c - the forward proxy: CONNECT tunnels and absolute-URI requests
 * to the config's hosts, Akamai staging twins, and the PAC file.
 *
 * Each client connection is a struct fpconn: its head is parsed with the
 * same HTTP parser as the edges, a destination is decided (fp_decide), then
 * bytes are piped both ways with relay_pipe. It is freed in one place,
 * forward_proxy_close.
 */
#include "forward_proxy.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "errors.h"
#include "http.h"
#include "log.h"
#include "persona.h"
#include "resolve.h"
#include "sni.h"
#include "relay.h"
#include "worker.h"

#define FPCONN_MAGIC 0x7e5e7e08u
#define FP_CONNECT_TIMEOUT_MS 10000

enum fp_state {
	FP_READ_HEAD,           /* waiting for the request head */
	FP_RESOLVING,           /* DNS (or the staging twin) */
	FP_CONNECTING,
	FP_TUNNEL,              /* piping bytes */
	FP_FLUSH_CLOSE,         /* an answer queued: close once written */
	FP_LINGER,              /* answer sent: reading the rest, then close */
};

/* Where a request goes. */
enum fp_route {
	FP_DENY_HOST,           /* not a host of the config: 403 */
	FP_DENY_PORT,           /* a port CONNECT may not use: 403 */
	FP_EDGE,                /* a host of the config: its edge's listener */
	FP_RESOLVE,             /* a [resolve] name: the mapped address */
	FP_DNS,                 /* an allowed name: DNS */
	FP_STAGING,             /* its Akamai staging twin */
};

static const char *const route_names[] = {
	[FP_DENY_HOST] = "denied_host", [FP_DENY_PORT] = "denied_port",
	[FP_EDGE] = "edge", [FP_RESOLVE] = "resolve", [FP_DNS] = "dns",
	[FP_STAGING] = "akamai_staging",
};

struct fpconn {
	unsigned magic;
	struct worker *w;
	struct runtime *rt;
	struct bufferevent *bev;        /* the client */
	struct bufferevent *up;         /* the destination */
	int fd;
	enum fp_state state;
	struct event timer;
	struct resolve_req *dns;
	bool is_connect;
	enum fp_route route;
	char client[80];
	char method[16];
	char target[300];
	char host[SNI_NAME_MAX + 1];
	int port;
	char via[SNI_NAME_MAX * 2 + 64];        /* how the address was found */
	char dest[80];
	char cname_at[SNI_NAME_MAX + 1];        /* staging: the chain so far */
	int cname_hops;
	struct evbuffer *head;          /* a GET's head, sent once connected */
	uint64_t id;                    /* in the log; the reference's tail */
	char ref[96];                   /* what explain takes */
	enum es_code code;              /* ES_OK, or why the proxy refused */
	int status;
	char detail[300];               /* how it ended, for the one record */
	int64_t t_start;
	int64_t bytes_up, bytes_down;
	TAILQ_ENTRY(fpconn) link;
};

static void fp_connect(struct fpconn *f, const struct sockaddr *sa,
    socklen_t len);

/* One record per client connection, written when it closes. */
static void
fp_log(struct fpconn *f)
{
	struct log_rec r;
	const char *result = f->status == 0 ? "closed" :
	    f->status < 400 ? "ok" : "refused";

	log_begin(&r, "proxy");
	log_str(&r, "ref", f->ref);
	log_hex(&r, "id", f->id);
	log_str(&r, "client", f->client);
	log_str(&r, "method", f->method[0] ? f->method : "-");
	log_str(&r, "target", f->target[0] ? f->target : "-");
	log_str(&r, "route", route_names[f->route]);
	if (f->via[0])
		log_str(&r, "via", f->via);
	if (f->dest[0])
		log_str(&r, "dest", f->dest);
	log_int(&r, "status", f->status);
	log_str(&r, "result", result);
	if (f->code != ES_OK) {
		char fix[256];
		log_str(&r, "code", errors_name(f->code));
		errors_fix(f->code, NULL, NULL, NULL, fix, sizeof(fix));
		if (f->detail[0])
			log_str(&r, "detail", f->detail);
		if (fix[0])
			log_str(&r, "fix", fix);
	} else if (f->detail[0]) {
		log_str(&r, "detail", f->detail);
	}
	log_int(&r, "bytes_up", f->bytes_up);
	log_int(&r, "bytes_down", f->bytes_down);
	log_int(&r, "ms", clock_mono_ms() - f->t_start);
	log_end(&r);
}

/* Say how it ended, unless an earlier step said it first. */
static void
fp_note(struct fpconn *f, const char *what)
{
	if (f->detail[0] == '\0' && what)
		snprintf(f->detail, sizeof(f->detail), "%s", what);
}

void
forward_proxy_close(struct fpconn *f, const char *why)
{
	if (f == NULL || f->magic != FPCONN_MAGIC)
		return;
	fp_note(f, why);
	/* A connection that never asked for anything leaves no record. */
	if (f->method[0] || f->status)
		fp_log(f);
	evtimer_del(&f->timer);
	if (f->dns)
		resolve_cancel(f->dns);
	if (f->up)
		bufferevent_free(f->up);
	if (f->bev)
		bufferevent_free(f->bev);
	if (f->head)
		evbuffer_free(f->head);
	TAILQ_REMOVE(&f->w->fpconns, f, link);
	f->w->n_conns--;
	runtime_unref(f->rt);
	f->magic = 0;
	free(f);
}

/* A short answer from the proxy itself, then close. code: ES_OK, or the
 * error (named in X-Edgesim-Error, with the reference explain takes). */
static void
fp_answer(struct fpconn *f, int status, enum es_code code, const char *ctype,
    const char *body, const char *detail)
{
	struct evbuffer *out = bufferevent_get_output(f->bev);
	char date[40];

	f->status = status;
	f->code = code;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nServer: edgesim\r\n"
	    "Date: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n", status, persona_reason_phrase(status),
	    persona_http_date(date), ctype, strlen(body));
	if (code != ES_OK)
		evbuffer_add_printf(out, "X-Edgesim-Error: %s\r\n"
		    "X-Edgesim-Ref: %s\r\n", errors_name(code), f->ref);
	evbuffer_add_printf(out, "\r\n%s", body);
	fp_note(f, detail);
	f->state = FP_FLUSH_CLOSE;
	bufferevent_disable(f->bev, EV_READ);
}

static void
fp_error(struct fpconn *f, int status, enum es_code code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
fp_error(struct fpconn *f, int status, enum es_code code, const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;

	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	fp_note(f, b.s);
	sbuf_addc(&b, '\n');
	fp_answer(f, status, code, "text/plain; charset=utf-8", b.s, NULL);
	sbuf_free(&b);
}

/* --- deciding --- */

static bool
port_allowed(const struct conf_forward_proxy *fp, int port)
{
	for (size_t i = 0; i < fp->n_allow_ports; i++)
		if (fp->allow_ports[i] == port)
			return true;
	return false;
}

/* A host of the config (by name, alias or wildcard) on an edge this
 * process runs. */
static const struct conf_host *
config_host(const struct config *cfg, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct conf_host *h = cfg->hosts[i];
		bool match = sni_name_match(h->sec.name, name, n);
		for (size_t a = 0; !match && a < h->aliases.n; a++)
			match = sni_name_match(h->aliases.v[a], name, n);
		if (match)
			return h;
	}
	return NULL;
}

static enum fp_route
fp_decide(struct fpconn *f, const struct config *cfg, char *addr, size_t alen,
    int *port)
{
	const struct conf_forward_proxy *fp = &cfg->fproxy;
	const struct conf_host *h = config_host(cfg, f->host);

	*port = f->port;
	if (f->is_connect && !port_allowed(fp, f->port))
		return FP_DENY_PORT;
	if (h && h->staging == STAGING_AKAMAI)
		return FP_STAGING;
	if (h) {
		for (size_t i = 0; i < h->edge_names.n; i++) {
			const struct conf_edge *e = config_find_edge(cfg,
			    h->edge_names.v[i]);
			if (e && !e->disabled && e->n_listen) {
				snprintf(addr, alen, "%s", e->listen[0].host);
				*port = e->listen[0].port;
				snprintf(f->via, sizeof(f->via), "[host %s] on "
				    "[edge %s]", h->sec.name, e->sec.name);
				return FP_EDGE;
			}
		}
	}
	const struct conf_resolve *r = config_find_resolve(cfg, f->host);
	if (r) {
		snprintf(addr, alen, "%s", r->host);
		if (r->port)
			*port = r->port;
		snprintf(f->via, sizeof(f->via), "[resolve] %s", r->name);
		return FP_RESOLVE;
	}
	bool listed = false;
	for (size_t i = 0; i < fp->hosts.n && !listed; i++)
		listed = sni_name_match(fp->hosts.v[i], f->host, strlen(f->host));
	if (listed || fp->allow_any)
		return fp->staging == STAGING_AKAMAI ? FP_STAGING : FP_DNS;
	return FP_DENY_HOST;
}

int
forward_proxy_staging_twin(const char *name, char *out, size_t len)
{
	static const struct { const char *prod, *staging; } zones[] = {
		{ ".akamaiedge.net", ".akamaiedge-staging.net" },
		{ ".edgekey.net", ".edgekey-staging.net" },
		{ ".edgesuite.net", ".edgesuite-staging.net" },
	};
	size_t n = strlen(name);

	if (n && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < ES_ARRAY_LEN(zones); i++) {
		size_t z = strlen(zones[i].prod);
		if (n > z && strncasecmp(name + n - z, zones[i].prod, z) == 0) {
			snprintf(out, len, "%.*s%s", (int)(n - z), name,
			    zones[i].staging);
			return 0;
		}
	}
	return -1;
}

/* --- connecting and piping --- */

static bool
fp_finished(struct fpconn *f, bool client_eof, bool up_eof)
{
	if (client_eof && evbuffer_get_length(bufferevent_get_output(f->up)) == 0)
		return true;
	if (up_eof && evbuffer_get_length(bufferevent_get_output(f->bev)) == 0)
		return true;
	return false;
}

static void
up_read(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	relay_pipe(bev, f->bev, &f->bytes_down);
}

static void
up_write(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	bufferevent_enable(f->bev, EV_READ);
}

static void
up_event(struct bufferevent *bev, short what, void *arg)
{
	struct fpconn *f = arg;
	char d[160];

	(void)bev;
	if (f->state == FP_CONNECTING) {
		if (what & BEV_EVENT_CONNECTED) {
			bufferevent_set_timeouts(f->up, NULL, NULL);
			f->state = FP_TUNNEL;
			f->status = 200;
			if (f->is_connect)
				evbuffer_add_printf(bufferevent_get_output(f->bev),
				    "HTTP/1.1 200 Connection established\r\n"
				    "Via: 1.1 edgesim\r\n\r\n");
			else
				evbuffer_add_buffer(bufferevent_get_output(f->up),
				    f->head);
			bufferevent_enable(f->up, EV_READ | EV_WRITE);
			bufferevent_enable(f->bev, EV_READ);
			/* Bytes the client sent early (TLS ClientHello). */
			relay_pipe(f->bev, f->up, &f->bytes_up);
			return;
		}
		snprintf(d, sizeof(d), "connect to %s: %s", f->dest,
		    (what & BEV_EVENT_TIMEOUT) ? "timed out" :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		fp_error(f, (what & BEV_EVENT_TIMEOUT) ? 504 : 502,
		    (what & BEV_EVENT_TIMEOUT) ? ES_ERR_CONNECT_TIMEOUT :
		    ES_ERR_CONNECT_FAIL, "%s", d);
		return;
	}
	fp_note(f, "the destination closed");
	if (fp_finished(f, false, true)) {
		forward_proxy_close(f, NULL);
		return;
	}
	/* Let the client read what is queued, then close. */
	f->state = FP_FLUSH_CLOSE;
	bufferevent_disable(f->bev, EV_READ);
	bufferevent_free(f->up);
	f->up = NULL;
}

static void
fp_connect(struct fpconn *f, const struct sockaddr *sa, socklen_t len)
{
	struct timeval tv = { FP_CONNECT_TIMEOUT_MS / 1000, 0 };

	resolve_addr_text(sa, f->dest, sizeof(f->dest));
	f->state = FP_CONNECTING;
	f->up = bufferevent_socket_new(f->w->base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(f->up, up_read, up_write, up_event, f);
	bufferevent_setwatermark(f->up, EV_WRITE, RELAY_HIGH_WATER / 2, 0);
	bufferevent_set_timeouts(f->up, NULL, &tv);
	if (bufferevent_socket_connect(f->up, (struct sockaddr *)sa,
	    (int)len) < 0) {
		fp_error(f, 502, ES_ERR_CONNECT_FAIL, "cannot connect to %s",
		    f->dest);
		return;
	}
	int one = 1;
	setsockopt(bufferevent_getfd(f->up), IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
}

static void
twin_resolved(void *arg, const char *err, const struct sockaddr *sa,
    socklen_t len, const char *cname)
{
	struct fpconn *f = arg;

	(void)cname;
	f->dns = NULL;
	if (err) {
		fp_error(f, 502, ES_ERR_DNS_FAIL, "cannot resolve the staging "
		    "host (%s): %s", f->via, err);
		return;
	}
	fp_connect(f, sa, len);
}

/*
 * One link of the host's CNAME chain resolved. evdns reports the first
 * CNAME target only, so the chain is followed link by link to its end;
 * the deepest Akamai name (e8921.dscx.akamaiedge.net rather than
 * www.example.com.edgekey.net) gives the staging twin.
 */
static void
staging_resolved(void *arg, const char *err, const struct sockaddr *sa,
    socklen_t len, const char *cname)
{
	struct fpconn *f = arg;
	char twin[SNI_NAME_MAX + 32], next[SNI_NAME_MAX + 1];
	struct sockaddr_storage ss;
	socklen_t sl;
	struct es_err e;

	(void)sa;
	(void)len;
	f->dns = NULL;
	if (err) {
		fp_error(f, 502, ES_ERR_DNS_FAIL, "cannot resolve %s: %s",
		    f->cname_at[0] ? f->cname_at : f->host, err);
		return;
	}
	const char *at = f->cname_at[0] ? f->cname_at : f->host;
	if (cname && strcasecmp(cname, at) != 0 && f->cname_hops < 8) {
		size_t vl = strlen(f->via);
		snprintf(f->via + vl, sizeof(f->via) - vl, "%s%s -> %s",
		    vl ? "" : "", vl ? "" : f->host, cname);
		snprintf(f->cname_at, sizeof(f->cname_at), "%s", cname);
		f->cname_hops++;
		int rc = resolve_dns(f->w->dns, f->cname_at, f->port, &ss, &sl, next,
		    sizeof(next), staging_resolved, f, &f->dns, &e);
		if (rc == 1)
			staging_resolved(f, NULL, (struct sockaddr *)&ss, sl,
			    next[0] ? next : NULL);
		else if (rc < 0)
			fp_error(f, 502, ES_ERR_DNS_FAIL, "cannot resolve %s: %s",
			    f->cname_at, e.msg);
		return;
	}
	if (forward_proxy_staging_twin(at, twin, sizeof(twin)) < 0) {
		fp_error(f, 502, ES_ERR_DNS_FAIL, "%s is not on Akamai: its CNAME "
		    "chain ends at %s, not at *.edgekey.net, *.edgesuite.net or "
		    "*.akamaiedge.net", f->host, at);
		return;
	}
	size_t vl = strlen(f->via);
	snprintf(f->via + vl, sizeof(f->via) - vl, "%s -> staging %s",
	    vl ? "" : f->host, twin);
	int rc = resolve_dns(f->w->dns, twin, f->port, &ss, &sl, NULL, 0,
	    twin_resolved, f, &f->dns, &e);
	if (rc == 1)
		fp_connect(f, (struct sockaddr *)&ss, sl);
	else if (rc < 0)
		fp_error(f, 502, ES_ERR_DNS_FAIL, "cannot resolve %s: %s", twin,
		    e.msg);
}

static void
dns_resolved(void *arg, const char *err, const struct sockaddr *sa,
    socklen_t len, const char *cname)
{
	struct fpconn *f = arg;

	(void)cname;
	f->dns = NULL;
	if (err) {
		fp_error(f, 502, ES_ERR_DNS_FAIL, "cannot resolve %s: %s", f->host,
		    err);
		return;
	}
	fp_connect(f, sa, len);
}

/* Find the address, then connect; every answer goes to the client. */
static void
fp_route(struct fpconn *f)
{
	char addr[64], cname[SNI_NAME_MAX + 1];
	struct sockaddr_storage ss;
	socklen_t sl;
	struct es_err e;
	int port, rc;

	f->route = fp_decide(f, f->rt->cfg, addr, sizeof(addr), &port);
	switch (f->route) {
	case FP_DENY_PORT:
		fp_error(f, 403, ES_ERR_PROXY_DENIED, "CONNECT to port %d is not "
		    "allowed ([forward_proxy] allow_ports)", f->port);
		return;
	case FP_DENY_HOST:
		fp_error(f, 403, ES_ERR_PROXY_DENIED, "%s is not a host of this "
		    "config: edgesim is not an open proxy ([forward_proxy] "
		    "hosts, or allow_any = yes)", f->host);
		return;
	case FP_EDGE:
	case FP_RESOLVE:
		rc = resolve_start(f->w->dns, f->rt->cfg, addr, port, &ss, &sl,
		    dns_resolved, f, &f->dns, &e);
		break;
	case FP_DNS:
		snprintf(f->via, sizeof(f->via), "DNS %s", f->host);
		rc = resolve_dns(f->w->dns, f->host, port, &ss, &sl, NULL, 0,
		    dns_resolved, f, &f->dns, &e);
		break;
	case FP_STAGING:
		/* Re-resolved for every tunnel, as Akamai asks of staging
		 * tests: the staging edge's address changes. */
		rc = resolve_dns(f->w->dns, f->host, port, &ss, &sl, cname,
		    sizeof(cname), staging_resolved, f, &f->dns, &e);
		if (rc == 1) {
			staging_resolved(f, NULL, (struct sockaddr *)&ss, sl,
			    cname[0] ? cname : NULL);
			return;
		}
		break;
	default:
		return;
	}
	f->state = FP_RESOLVING;
	if (rc == 1)
		fp_connect(f, (struct sockaddr *)&ss, sl);
	else if (rc < 0)
		fp_error(f, 502, ES_ERR_DNS_FAIL, "cannot resolve %s: %s", f->host,
		    e.msg);
}

/* --- the request --- */

enum forward_proxy_target_result
forward_proxy_parse_target(const char *p, size_t n, bool is_connect,
    struct forward_proxy_target *out)
{
	struct http_str target = { p, n }, authority = { NULL, 0 };

	memset(out, 0, sizeof(*out));
	out->path = http_target_path(target, &authority);
	/* What follows the path. An absolute URI's path starts where its
	 * authority ends, when there is one ("/" stands for it otherwise). */
	const char *after = p + n;
	if (n > 0 && p[0] == '/') {
		after = p + out->path.n;
	} else if (authority.p > p) {
		after = authority.p + authority.n;
		if (after < p + n && *after == '/')
			after += out->path.n;
	}
	out->rest.p = after;
	out->rest.n = is_connect ? 0 : (size_t)(p + n - after);
	/* Only CONNECT may name a bare "host:port" (authority-form, whose
	 * authority is the whole target); other methods need an absolute
	 * URI, whose authority comes after "scheme://". */
	if (is_connect)
		authority = target;
	else if (authority.n == 0 || authority.p == p)
		return FORWARD_PROXY_TARGET_ORIGIN_FORM;

	const char *h;
	size_t hn = sni_host_from_header(authority.p, authority.n, &h);
	/* No NUL either: a C string would end there (read_head's targets
	 * never hold one, but any bytes may come here). */
	if (hn == 0 || hn > SNI_NAME_MAX || memchr(h, '\0', hn))
		return FORWARD_PROXY_TARGET_BAD_HOST;
	snprintf(out->host, sizeof(out->host), "%.*s", (int)hn, h);
	str_lower(out->host);
	/* One trailing dot is the root; "a.." or "." leave an empty label. */
	if (out->host[hn - 1] == '.')
		out->host[--hn] = '\0';
	if (hn == 0 || out->host[hn - 1] == '.') {
		memset(out->host, 0, sizeof(out->host));
		return FORWARD_PROXY_TARGET_BAD_HOST;
	}

	/* sni_host_from_header checked the port: 1..5 digits to the end. */
	const char *end = authority.p + authority.n;
	const char *colon = memchr(h + hn, ':', (size_t)(end - (h + hn)));
	if (colon) {
		for (const char *d = colon + 1; d < end; d++)
			out->port = out->port * 10 + (*d - '0');
	} else {
		out->port = is_connect ? 0 : 80;
	}
	if (out->port <= 0 || out->port > 65535)
		return FORWARD_PROXY_TARGET_BAD_PORT;
	return FORWARD_PROXY_TARGET_OK;
}

static void
copy_hs(char *dst, size_t len, struct http_str s)
{
	snprintf(dst, len, "%.*s", (int)(s.n < len ? s.n : len - 1), s.p);
}

char *
forward_proxy_pac(const struct config *cfg)
{
	struct sbuf b;
	struct strlist names = { 0 };

	struct strlist all = { 0 };
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct conf_host *h = cfg->hosts[i];
		strlist_add(&all, h->sec.name, 0);
		for (size_t a = 0; a < h->aliases.n; a++)
			strlist_add(&all, h->aliases.v[a], 0);
	}
	for (size_t i = 0; i < cfg->n_resolve; i++)
		strlist_add(&all, cfg->resolve[i].name, 0);
	for (size_t i = 0; i < cfg->fproxy.hosts.n; i++)
		strlist_add(&all, cfg->fproxy.hosts.v[i], 0);
	for (size_t i = 0; i < all.n; i++)
		if (!strlist_contains_nocase(&names, all.v[i]))
			strlist_add(&names, all.v[i], 0);
	strlist_free(&all);

	sbuf_init(&b);
	sbuf_addf(&b, "// edgesim: the names of %s go through the proxy, the "
	    "rest DIRECT.\nfunction FindProxyForURL(url, host) {\n"
	    "\thost = host.toLowerCase();\n", cfg->path);
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		if (strchr(n, '*'))
			sbuf_addf(&b, "\tif (shExpMatch(host, \"%s\"))\n", n);
		else
			sbuf_addf(&b, "\tif (host == \"%s\")\n", n);
		sbuf_addf(&b, "\t\treturn \"PROXY %s\";\n",
		    cfg->fproxy.listen_text);
	}
	sbuf_adds(&b, "\treturn \"DIRECT\";\n}\n");
	strlist_free(&names);
	return sbuf_detach(&b);
}

static void
serve_pac(struct fpconn *f)
{
	char *pac = forward_proxy_pac(f->rt->cfg);

	f->route = FP_EDGE;
	snprintf(f->via, sizeof(f->via), "the PAC file");
	fp_answer(f, 200, ES_OK, "application/x-ns-proxy-autoconfig", pac, NULL);
	free(pac);
}

static void
read_head(struct fpconn *f)
{
	struct evbuffer *in = bufferevent_get_input(f->bev);
	size_t max = (size_t)f->rt->cfg->global.max_header_size;
	size_t len = evbuffer_get_length(in), head_len = 0;
	struct http_request *req = &f->w->scratch_req;

	if (len == 0)
		return;
	size_t n = len < max ? len : max;
	const char *buf = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
	enum http_result pr = http_parse_request(buf, n, max, req, &head_len);
	if (pr == HTTP_INCOMPLETE)
		return;
	evtimer_del(&f->timer);
	if (pr != HTTP_OK) {
		snprintf(f->target, sizeof(f->target), "%.*s",
		    (int)(n < 60 ? n : 60), buf);
		fp_error(f, http_result_status(pr), ES_ERR_BAD_REQUEST, "%s",
		    http_result_str(pr));
		return;
	}
	copy_hs(f->method, sizeof(f->method), req->method);
	copy_hs(f->target, sizeof(f->target), req->target);
	f->is_connect = http_str_ieq(req->method, "CONNECT");

	struct forward_proxy_target t;
	enum forward_proxy_target_result tr = forward_proxy_parse_target(req->target.p,
	    req->target.n, f->is_connect, &t);
	struct http_str path = t.path;
	if (tr == FORWARD_PROXY_TARGET_ORIGIN_FORM) {
		/* Origin form: only the PAC file is served by the proxy. */
		if (path.n == 10 && memcmp(path.p, "/proxy.pac", 10) == 0 &&
		    (http_str_ieq(req->method, "GET") || req->is_head))
			serve_pac(f);
		else
			fp_error(f, 400, ES_ERR_BAD_REQUEST, "this is a proxy: ask "
			    "for absolute URIs (http://host/path), CONNECT "
			    "host:port, or /proxy.pac");
		return;
	}
	if (tr == FORWARD_PROXY_TARGET_BAD_HOST) {
		fp_error(f, 400, ES_ERR_BAD_REQUEST, "malformed %s target",
		    f->is_connect ? "CONNECT" : "request");
		return;
	}
	snprintf(f->host, sizeof(f->host), "%s", t.host);
	f->port = t.port;
	if (tr == FORWARD_PROXY_TARGET_BAD_PORT) {
		fp_error(f, 400, ES_ERR_BAD_REQUEST, "CONNECT needs host:port");
		return;
	}
	if (!f->is_connect) {
		/* The proxy's own PAC, asked for with an absolute URI. */
		if (path.n == 10 && memcmp(path.p, "/proxy.pac", 10) == 0 &&
		    f->port == f->rt->cfg->fproxy.listen.port &&
		    strcmp(f->host, f->rt->cfg->fproxy.listen.host) == 0) {
			serve_pac(f);
			return;
		}
		/* Edges speak HTTPS: send the browser there. */
		if (config_host(f->rt->cfg, f->host) &&
		    config_host(f->rt->cfg, f->host)->staging == STAGING_NONE) {
			char body[SNI_NAME_MAX + 400];
			struct evbuffer *out = bufferevent_get_output(f->bev);
			snprintf(body, sizeof(body), "https://%s%.*s%.*s",
			    f->host, (int)path.n, path.p, (int)t.rest.n,
			    t.rest.p);
			evbuffer_add_printf(out, "HTTP/1.1 301 Moved Permanently\r\n"
			    "Location: %s\r\nContent-Length: 0\r\n"
			    "Connection: close\r\n\r\n", body);
			f->route = FP_EDGE;
			f->status = 301;
			fp_note(f, "edges speak HTTPS: redirected");
			f->state = FP_FLUSH_CLOSE;
			bufferevent_disable(f->bev, EV_READ);
			return;
		}
		/* One request, sent in origin form, then the bytes flow. */
		f->head = evbuffer_new();
		evbuffer_add(f->head, req->method.p, req->method.n);
		evbuffer_add_printf(f->head, " %.*s%.*s HTTP/1.1\r\n",
		    (int)path.n, path.p, (int)t.rest.n, t.rest.p);
		for (size_t i = 0; i < req->n_headers; i++) {
			const struct http_header *hd = &req->headers[i];
			if (http_header_is_hop_by_hop(req->headers,
			    req->n_headers, i))
				continue;
			evbuffer_add(f->head, hd->name.p, hd->name.n);
			evbuffer_add(f->head, ": ", 2);
			evbuffer_add(f->head, hd->value.p, hd->value.n);
			evbuffer_add(f->head, "\r\n", 2);
		}
		evbuffer_add_printf(f->head, "Via: 1.1 edgesim\r\n"
		    "Connection: close\r\n\r\n");
	}
	evbuffer_drain(in, head_len);
	bufferevent_disable(f->bev, EV_READ);
	fp_route(f);
}

/* --- the client side --- */

/*
 * After an answer to a request that was not read in full (431, 400), the
 * client may still be sending; closing now would make the kernel reset the
 * connection and destroy the answer in flight. So: stop writing, read and
 * drop what comes for a moment, then close (nginx's lingering close).
 */
static void
fp_linger(struct fpconn *f)
{
	struct timeval tv = { 1, 0 };

	f->state = FP_LINGER;
	shutdown(f->fd, SHUT_WR);
	bufferevent_disable(f->bev, EV_WRITE);
	bufferevent_enable(f->bev, EV_READ);
	evtimer_add(&f->timer, &tv);
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	if (f->state == FP_LINGER) {
		struct evbuffer *in = bufferevent_get_input(bev);
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (f->state == FP_READ_HEAD)
		read_head(f);
	else if (f->state == FP_TUNNEL && f->up)
		relay_pipe(bev, f->up, &f->bytes_up);
}

static void
client_write(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	if (f->state == FP_FLUSH_CLOSE &&
	    evbuffer_get_length(bufferevent_get_output(f->bev)) == 0) {
		if (f->up == NULL && f->status >= 400)
			fp_linger(f);
		else
			forward_proxy_close(f, NULL);
		return;
	}
	if (f->state == FP_TUNNEL && f->up)
		bufferevent_enable(f->up, EV_READ);
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	(void)what;
	if (f->state == FP_TUNNEL && f->up) {
		/* The client is done: flush what it sent, then close. */
		relay_pipe(f->bev, f->up, &f->bytes_up);
		fp_note(f, "the client closed");
		if (fp_finished(f, true, false)) {
			forward_proxy_close(f, NULL);
		} else {
			bufferevent_disable(f->bev, EV_READ);
			f->state = FP_FLUSH_CLOSE;
		}
		return;
	}
	if ((f->state == FP_READ_HEAD && evbuffer_get_length(
	    bufferevent_get_input(f->bev)) == 0) || f->state == FP_LINGER) {
		forward_proxy_close(f, NULL);  /* closed without asking anything */
		return;
	}
	forward_proxy_close(f, "the client closed");
}

static void
fp_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct fpconn *f = arg;

	(void)fd;
	(void)what;
	if (f->state == FP_LINGER) {
		forward_proxy_close(f, NULL);
		return;
	}
	if (f->state == FP_READ_HEAD) {
		if (evbuffer_get_length(bufferevent_get_input(f->bev)) == 0) {
			forward_proxy_close(f, NULL);
			return;
		}
		fp_error(f, 408, ES_ERR_REQUEST_TIMEOUT, "the request head did "
		    "not arrive within header_timeout");
	}
}

void
forward_proxy_accept(struct worker *w, int fd, const struct sockaddr *sa)
{
	struct fpconn *f = xcalloc(1, sizeof(*f));
	struct timeval tv;
	int64_t ms = w->rt->cfg->global.header_timeout_ms;
	int one = 1;

	f->magic = FPCONN_MAGIC;
	f->w = w;
	f->rt = runtime_ref(w->rt);
	f->fd = fd;
	f->t_start = clock_mono_ms();
	f->id = worker_next_id(w);
	/* A plain reference ("es-..."): explain finds the proxy's record. */
	static const struct persona_id proxy_id = { .persona = PERSONA_PLAIN,
	    .edge_name = "forward_proxy" };
	persona_ref(&proxy_id, ES_OK, clock_wall_ms() / 1000, f->id, f->ref,
	    sizeof(f->ref));
	resolve_addr_text(sa, f->client, sizeof(f->client));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	TAILQ_INSERT_TAIL(&w->fpconns, f, link);
	w->n_conns++;
	f->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (f->bev == NULL) {
		close(fd);
		forward_proxy_close(f, "cannot create a bufferevent");
		return;
	}
	bufferevent_setcb(f->bev, client_read, client_write, client_event, f);
	bufferevent_setwatermark(f->bev, EV_WRITE, RELAY_HIGH_WATER / 2, 0);
	bufferevent_enable(f->bev, EV_READ | EV_WRITE);
	evtimer_assign(&f->timer, w->base, fp_timeout, f);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(&f->timer, &tv);
}
