/*
 * forward_proxy.c - the forward proxy: CONNECT tunnels and absolute-URI
 * requests to the config's hosts, Akamai staging twins, and the PAC file.
 *
 * Each client connection is a struct fpconn (forward_proxy_private.h). Each
 * request head on it is parsed with the edges' HTTP parser, given one
 * authority by the edges' rule (authority.c: an absolute URI's authority
 * wins, Host is replaced), and checked, host and port, before anything is
 * sent anywhere (fp_decide). A CONNECT then becomes a tunnel; an
 * absolute-URI request is relayed with its framing and its response
 * (forward_proxy_http.c), after which the next head on the connection goes
 * through the same door. Idle tunnels and requests end after idle_timeout;
 * a silent destination after read_timeout. An fpconn is freed in one place,
 * forward_proxy_close.
 */
#include "forward_proxy_private.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "persona.h"
#include "relay.h"
#include "resolve.h"
#include "worker.h"

static const char *const route_names[] = {
	[FP_DENY_HOST] = "denied_host", [FP_DENY_PORT] = "denied_port",
	[FP_EDGE] = "edge", [FP_RESOLVE] = "resolve", [FP_DNS] = "dns",
	[FP_STAGING] = "akamai_staging",
};

/* A plain reference ("es-..."): explain finds the proxy's record. */
static const struct persona_id proxy_id = { .persona = PERSONA_PLAIN,
    .edge_name = "forward_proxy" };

static void fp_connect(struct fpconn *f, const struct sockaddr *sa,
    socklen_t len);
static void read_head(struct fpconn *f);

static const struct conf_forward_proxy *
fp_conf(const struct fpconn *f)
{
	return &f->rt->cfg->fproxy;
}

static void
fp_arm(struct fpconn *f, int64_t ms)
{
	struct timeval tv;

	tv_from_ms(&tv, ms);
	evtimer_add(&f->timer, &tv);
}

void
fp_touch(struct fpconn *f)
{
	f->last_active = clock_mono_ms();
}

/* From now on the timer watches idleness: nothing moved either way for
 * [forward_proxy] idle_timeout ends the connection. */
void
fp_watch_idle(struct fpconn *f)
{
	f->timer_idle = true;
	fp_touch(f);
	fp_arm(f, fp_conf(f)->idle_timeout_ms);
}

/* One record per request (a tunnel is one), written when it ends. */
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

void
fp_note(struct fpconn *f, const char *what)
{
	if (f->detail[0] == '\0' && what)
		snprintf(f->detail, sizeof(f->detail), "%s", what);
}

/* A fresh id and reference, for the next request on the connection. */
static void
fp_new_request(struct fpconn *f)
{
	f->id = worker_next_id(f->w);
	persona_ref(&proxy_id, ES_OK, clock_wall_ms() / 1000, f->id, f->ref,
	    sizeof(f->ref));
	f->t_start = clock_mono_ms();
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
	relay_head_free(&f->head_in);
	relay_head_free(&f->resp_head_in);
	TAILQ_REMOVE(&f->w->fpconns, f, link);
	f->w->n_conns--;
	runtime_unref(f->rt);
	f->magic = 0;
	free(f);
}

void
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
	bufferevent_enable(f->bev, EV_WRITE);
	/* The destination, if any, has nothing more to say to this client. */
	if (f->up) {
		bufferevent_free(f->up);
		f->up = NULL;
	}
	if (!f->timer_idle)
		fp_watch_idle(f);       /* a client that never reads the answer */
}

void
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

void
fp_request_done(struct fpconn *f, bool keep_alive)
{
	if (!keep_alive || f->w->draining) {
		f->state = FP_FLUSH_CLOSE;
		bufferevent_disable(f->bev, EV_READ);
		if (f->up) {
			bufferevent_free(f->up);
			f->up = NULL;
		}
		if (evbuffer_get_length(bufferevent_get_output(f->bev)) == 0)
			forward_proxy_close(f, NULL);
		return;
	}
	/* The next request on the connection: logged, then forgotten, and
	 * the next head goes through read_head like the first. */
	fp_log(f);
	if (f->up) {
		bufferevent_free(f->up);
		f->up = NULL;
	}
	f->method[0] = f->target[0] = f->host[0] = f->via[0] = '\0';
	f->dest[0] = f->cname_at[0] = f->detail[0] = '\0';
	f->cname_hops = 0;
	f->code = ES_OK;
	f->status = 0;
	f->bytes_up = f->bytes_down = 0;
	f->route = FP_DENY_HOST;
	fp_new_request(f);
	f->state = FP_READ_HEAD;
	fp_watch_idle(f);
	bufferevent_enable(f->bev, EV_READ);
	/* A pipelined head may already be here: not in this call, though
	 * (the caller's callback is still on the stack). */
	if (evbuffer_get_length(bufferevent_get_input(f->bev)) > 0)
		bufferevent_trigger(f->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS |
		    BEV_TRIG_IGNORE_WATERMARKS);
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

/* A host of the config (by name, alias or wildcard): one look-up in the
 * runtime's table, whatever the size of the config. */
static const struct conf_host *
config_host(const struct fpconn *f)
{
	return sni_table_lookup(&f->rt->all_hosts, f->host, strlen(f->host),
	    NULL);
}

/*
 * Where f->host:f->port may go, if anywhere. The port asked for is checked
 * first, for every way in (CONNECT, absolute URI, each later request on the
 * connection): allow_ports says which ports a client may name, whatever
 * the name maps to.
 */
static enum fp_route
fp_decide(struct fpconn *f, char *addr, size_t alen, int *port)
{
	const struct config *cfg = f->rt->cfg;
	const struct conf_forward_proxy *fp = &cfg->fproxy;
	const struct conf_host *h = config_host(f);

	*port = f->port;
	if (!port_allowed(fp, f->port))
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
	const struct conf_resolve *r = sni_table_find_entry(
	    &f->rt->resolve_names, f->host);
	if (r) {
		snprintf(addr, alen, "%s", r->host);
		if (r->port)
			*port = r->port;
		snprintf(f->via, sizeof(f->via), "[resolve] %s", r->name);
		return FP_RESOLVE;
	}
	if (sni_table_lookup(&f->rt->fproxy_hosts, f->host, strlen(f->host),
	    NULL) || fp->allow_any)
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

	fp_touch(f);
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
			if (!f->is_connect) {
				fp_http_start(f);
				return;
			}
			f->state = FP_TUNNEL;
			f->status = 200;
			evbuffer_add_printf(bufferevent_get_output(f->bev),
			    "HTTP/1.1 200 Connection established\r\n"
			    "Via: 1.1 edgesim\r\n\r\n");
			bufferevent_enable(f->up, EV_READ | EV_WRITE);
			bufferevent_enable(f->bev, EV_READ);
			fp_watch_idle(f);
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

	f->route = fp_decide(f, addr, sizeof(addr), &port);
	switch (f->route) {
	case FP_DENY_PORT:
		fp_error(f, 403, ES_ERR_PROXY_DENIED, "%s to port %d is not "
		    "allowed ([forward_proxy] allow_ports)", f->is_connect ?
		    "CONNECT" : "a request", f->port);
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
		f->state = FP_RESOLVING;
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

static bool
is_pac_path(struct http_str path)
{
	return path.n == 10 && memcmp(path.p, "/proxy.pac", 10) == 0;
}

/* Edges speak HTTPS: send a browser that asked for http:// there. */
static void
redirect_to_https(struct fpconn *f, const struct authority *a)
{
	struct evbuffer *out = bufferevent_get_output(f->bev);

	evbuffer_add_printf(out, "HTTP/1.1 301 Moved Permanently\r\n"
	    "Location: https://%s%.*s%.*s\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", f->host, (int)a->path.n, a->path.p,
	    (int)a->query.n, a->query.p);
	f->route = FP_EDGE;
	f->status = 301;
	fp_note(f, "edges speak HTTPS: redirected");
	f->state = FP_FLUSH_CLOSE;
	bufferevent_disable(f->bev, EV_READ);
}

/*
 * A request head: parse it, give it one authority, check where it goes.
 * The same for the first head and for every later one on the connection:
 * nothing after a head is ever sent on unparsed, except inside a tunnel.
 */
static void
read_head(struct fpconn *f)
{
	struct evbuffer *in = bufferevent_get_input(f->bev);
	size_t max = (size_t)f->rt->cfg->global.max_header_size;
	size_t len = evbuffer_get_length(in), head_len = 0;
	struct http_request *req = &f->w->scratch_req;
	struct authority a;

	if (len == 0)
		return;
	if (f->timer_idle) {
		/* A later request began: its head must come within
		 * header_timeout, like the first one's. */
		f->timer_idle = false;
		fp_arm(f, f->rt->cfg->global.header_timeout_ms);
	}
	/* Collected and scanned as it arrives, parsed when worth it (not
	 * from byte 0 on every read: relay.h, struct relay_head). */
	const char *buf;
	size_t n;
	if (!relay_head_take(&f->head_in, in, max, &buf, &n))
		return;
	enum http_result pr = http_parse_request(buf, n, max, req, &head_len);
	if (pr == HTTP_INCOMPLETE) {
		relay_head_incomplete(&f->head_in, in, n);
		return;
	}
	evtimer_del(&f->timer);
	if (pr != HTTP_OK) {
		snprintf(f->target, sizeof(f->target), "%.*s",
		    (int)(n < 60 ? n : 60), buf);
		fp_error(f, http_result_status(pr), ES_ERR_BAD_REQUEST, "%s",
		    http_result_str(pr));
		return;
	}
	http_str_copy(f->method, sizeof(f->method), req->method);
	http_str_copy(f->target, sizeof(f->target), req->target);
	f->is_connect = http_str_ieq(req->method, "CONNECT");

	enum authority_result ar = authority_parse(req, &a);
	if (ar != AUTHORITY_OK) {
		fp_error(f, 400, ES_ERR_BAD_REQUEST, "%s", ar ==
		    AUTHORITY_ERR_MALFORMED && f->is_connect ?
		    "CONNECT needs host:port" : authority_result_str(ar));
		return;
	}
	if (a.form == AUTHORITY_ORIGIN_FORM || a.form == AUTHORITY_ASTERISK_FORM) {
		/* Origin form: only the PAC file is served by the proxy. */
		if (is_pac_path(a.path) && (http_str_ieq(req->method, "GET") ||
		    req->is_head))
			serve_pac(f);
		else
			fp_error(f, 400, ES_ERR_BAD_REQUEST, "this is a proxy: ask "
			    "for absolute URIs (http://host/path), CONNECT "
			    "host:port, or /proxy.pac");
		return;
	}
	/* The proxy speaks plain HTTP to destinations: an https:// URI is
	 * for CONNECT. */
	if (a.form == AUTHORITY_ABSOLUTE_FORM && !(req->target.n > 7 &&
	    strncasecmp(req->target.p, "http://", 7) == 0)) {
		fp_error(f, 400, ES_ERR_BAD_REQUEST, "an https:// URI goes "
		    "through CONNECT host:443, not as a plain request");
		return;
	}
	if (a.host.n > SNI_NAME_MAX) {
		fp_error(f, 400, ES_ERR_BAD_REQUEST, "malformed %s target",
		    f->is_connect ? "CONNECT" : "request");
		return;
	}
	snprintf(f->host, sizeof(f->host), "%.*s", (int)a.host.n, a.host.p);
	str_lower(f->host);
	size_t hn = strlen(f->host);
	if (hn > 1 && f->host[hn - 1] == '.')
		f->host[--hn] = '\0';
	/* One trailing dot is the root; "a.." or "." leave an empty label,
	 * which name matching would strip again (found by fuzzing). */
	if (hn == 0 || f->host[hn - 1] == '.' || f->host[0] == '.') {
		fp_error(f, 400, ES_ERR_BAD_REQUEST, "malformed %s target",
		    f->is_connect ? "CONNECT" : "request");
		return;
	}
	f->port = a.port ? a.port : 80;

	if (!f->is_connect) {
		/* The proxy's own PAC, asked for with an absolute URI. */
		if (is_pac_path(a.path) &&
		    f->port == fp_conf(f)->listen.port &&
		    strcmp(f->host, fp_conf(f)->listen.host) == 0) {
			serve_pac(f);
			return;
		}
		const struct conf_host *h = config_host(f);
		if (h && h->staging == STAGING_NONE && port_allowed(fp_conf(f),
		    f->port)) {
			redirect_to_https(f, &a);
			return;
		}
		/* Host becomes the authority (RFC 9112 3.2.2), as on the
		 * edges: the destination sees the name that was checked. */
		authority_apply(req, &a);
		fp_http_prepare(f, req, &a);
	}
	relay_head_done(&f->head_in, in, head_len);
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
	f->timer_idle = false;
	shutdown(f->fd, SHUT_WR);
	bufferevent_disable(f->bev, EV_WRITE);
	bufferevent_enable(f->bev, EV_READ);
	evtimer_add(&f->timer, &tv);
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	switch (f->state) {
	case FP_LINGER: {
		struct evbuffer *in = bufferevent_get_input(bev);
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	case FP_READ_HEAD:
		read_head(f);
		return;
	case FP_TUNNEL:
		if (f->up) {
			fp_touch(f);
			relay_pipe(bev, f->up, &f->bytes_up);
		}
		return;
	case FP_REQUEST:
		fp_http_client_read(f);
		return;
	default:
		return;
	}
}

static void
client_write(struct bufferevent *bev, void *arg)
{
	struct fpconn *f = arg;

	(void)bev;
	if (f->state == FP_FLUSH_CLOSE &&
	    evbuffer_get_length(bufferevent_get_output(f->bev)) == 0) {
		if (f->up == NULL && f->code != ES_OK)
			fp_linger(f);
		else
			forward_proxy_close(f, NULL);
		return;
	}
	if (f->state == FP_TUNNEL && f->up)
		bufferevent_enable(f->up, EV_READ);
	else if (f->state == FP_REQUEST)
		fp_http_client_write(f);
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
	    bufferevent_get_input(f->bev)) == 0 &&
	    !relay_head_started(&f->head_in)) || f->state == FP_LINGER) {
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
	if (f->timer_idle) {
		int64_t idle = fp_conf(f)->idle_timeout_ms;
		int64_t quiet = clock_mono_ms() - f->last_active;
		if (quiet < idle) {
			fp_arm(f, idle - quiet);        /* bytes moved since */
			return;
		}
		if (f->state == FP_READ_HEAD) {
			forward_proxy_close(f, NULL);   /* idle keep-alive */
			return;
		}
		/* A relayed request whose destination is the one being
		 * waited for: read_timeout is in charge of that (a 504). */
		if (f->state == FP_REQUEST && f->body_done && f->up &&
		    (bufferevent_get_enabled(f->up) & EV_READ)) {
			fp_arm(f, idle);
			f->last_active = clock_mono_ms();
			return;
		}
		forward_proxy_close(f, f->state == FP_TUNNEL ?
		    "tunnel idle for [forward_proxy] idle_timeout" :
		    "nothing moved for [forward_proxy] idle_timeout");
		return;
	}
	if (f->state == FP_READ_HEAD) {
		if (evbuffer_get_length(bufferevent_get_input(f->bev)) == 0 &&
		    !relay_head_started(&f->head_in)) {
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
	int one = 1;

	f->magic = FPCONN_MAGIC;
	f->w = w;
	f->rt = runtime_ref(w->rt);
	f->fd = fd;
	relay_head_init(&f->head_in);
	relay_head_init(&f->resp_head_in);
	fp_new_request(f);
	resolve_addr_text(sa, f->client, sizeof(f->client));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	TAILQ_INSERT_TAIL(&w->fpconns, f, link);
	w->n_conns++;
	evtimer_assign(&f->timer, w->base, fp_timeout, f);
	f->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (f->bev == NULL) {
		close(fd);
		forward_proxy_close(f, "cannot create a bufferevent");
		return;
	}
	bufferevent_setcb(f->bev, client_read, client_write, client_event, f);
	bufferevent_setwatermark(f->bev, EV_WRITE, RELAY_HIGH_WATER / 2, 0);
	/* A client that pipelines while a request is relayed waits in its
	 * socket once a head's worth and a relay's worth are buffered. */
	bufferevent_setwatermark(f->bev, EV_READ, 0,
	    (size_t)w->rt->cfg->global.max_header_size + RELAY_HIGH_WATER);
	bufferevent_enable(f->bev, EV_READ | EV_WRITE);
	fp_arm(f, w->rt->cfg->global.header_timeout_ms);
}
