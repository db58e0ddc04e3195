/*
 * admin.c - the admin listener: a small HTTP/1.1 server on the main
 * thread's loop (admin.h says why there), its routes, its token, and the
 * Server-Sent Events streams of the dashboard.
 *
 * Each connection carries one request (GET or HEAD) and is closed after
 * the answer, so there is no keep-alive state to get wrong; an event
 * stream stays open until the client goes, falls behind by more than
 * ADMIN_SSE_BACKLOG bytes (it is closed: a slow reader is dropped, never
 * buffered without bound) or the process stops. A request head is read
 * whole, at most ADMIN_HEAD_MAX bytes, within ADMIN_HEAD_TIMEOUT_S.
 *
 * Every ADMIN_TICK_MS a timer drains the workers' rings (events.c) and
 * sends the new events, at most EVENTS_PER_TICK of them, errors first,
 * to every stream as one message; every ADMIN_COUNTERS_TICKS ticks the
 * message also carries the per-hop counters, summed from the workers'
 * counters (metrics.c). So a browser gets at most ten messages a second
 * whatever the traffic, and the dashboard's counters are exact even when
 * the list of events is sampled.
 */
#include "admin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "admin_info.h"
#include "dashboard_assets.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "observe.h"

#define ADMIN_HEAD_MAX 8192
#define ADMIN_HEAD_TIMEOUT_S 10
#define ADMIN_SSE_BACKLOG (1024 * 1024)
#define ADMIN_SSE_WRITE_TIMEOUT_S 30
#define ADMIN_TICK_MS 100
#define ADMIN_COUNTERS_TICKS 5
#define ADMIN_PING_TICKS 150            /* a comment line every 15 s */

enum aconn_state {
	ACONN_HEAD,             /* reading the request head */
	ACONN_ANSWER,           /* answer queued: close once written */
	ACONN_STREAM,           /* an event stream */
};

struct aconn {
	struct bufferevent *bev;
	enum aconn_state state;
	TAILQ_ENTRY(aconn) link;
};

TAILQ_HEAD(aconn_list, aconn);

static struct {
	struct event_base *base;
	struct evconnlistener *lev;
	struct event *tick;
	struct runtime *rt;             /* ref: the config shown */
	struct aconn_list conns;
	size_t n_conns, n_streams;
	int64_t max_conns;
	char *token;                    /* NULL: loopback, no token */
	struct admin_stats st;
	unsigned ticks;
	bool lev_resting;               /* out of descriptors: until the tick */
	bool on;
} adm;

static void
aconn_close(struct aconn *ac)
{
	if (ac->state == ACONN_STREAM)
		adm.n_streams--;
	TAILQ_REMOVE(&adm.conns, ac, link);
	adm.n_conns--;
	bufferevent_free(ac->bev);
	free(ac);
}

/* --- answers --- */

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

/* Queue a whole answer and close once it is written. */
static void
answer(struct aconn *ac, int status, const char *type, const char *extra,
    const char *body, size_t len, bool head_only)
{
	struct evbuffer *out = bufferevent_get_output(ac->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nServer: edgesim-admin\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "%sConnection: close\r\n\r\n", status, reason_phrase(status), type,
	    len, extra ? extra : "");
	if (!head_only)
		evbuffer_add(out, body, len);
	ac->state = ACONN_ANSWER;
	bufferevent_disable(ac->bev, EV_READ);
	bufferevent_enable(ac->bev, EV_WRITE);
}

static void
answer_text(struct aconn *ac, int status, const char *extra, const char *text,
    bool head_only)
{
	answer(ac, status, "text/plain; charset=utf-8", extra, text,
	    strlen(text), head_only);
}

static void
answer_sbuf(struct aconn *ac, const char *type, struct sbuf *b, bool head_only)
{
	answer(ac, 200, type, NULL, b->s ? b->s : "", b->len, head_only);
	sbuf_free(b);
}

/* --- event streams --- */

static void
stream_send(struct aconn *ac, const char *msg, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(ac->bev);

	if (evbuffer_get_length(out) + len > ADMIN_SSE_BACKLOG) {
		/* It does not keep up: drop it (it reconnects, and gets the
		 * history again), never hold more for it. */
		adm.st.sse_dropped++;
		aconn_close(ac);
		return;
	}
	evbuffer_add(out, msg, len);
}

static void
stream_start(struct aconn *ac, bool head_only)
{
	struct evbuffer *out = bufferevent_get_output(ac->bev);
	struct sbuf msg;

	if (head_only) {
		answer(ac, 200, "text/event-stream", NULL, "", 0, true);
		return;
	}
	evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nServer: edgesim-admin\r\n"
	    "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n");
	/* Whatever is already recorded first: a failure that happened
	 * before the page was opened is on it. */
	events_drain(NULL, NULL);
	sbuf_init(&msg);
	sbuf_adds(&msg, "retry: 2000\n\nevent: history\ndata: ");
	events_history_json(&msg);
	sbuf_adds(&msg, "\n\n");
	sbuf_adds(&msg, "event: counters\ndata: ");
	admin_info_counters_json(&msg);
	sbuf_adds(&msg, "\n\n");
	evbuffer_add(out, msg.s, msg.len);
	sbuf_free(&msg);
	ac->state = ACONN_STREAM;
	adm.n_streams++;
	adm.st.sse_total++;
	/* Reading stays on to see the client go; a client that stops
	 * reading is dropped by the backlog bound or the write timeout. */
	struct timeval wt = { ADMIN_SSE_WRITE_TIMEOUT_S, 0 };
	bufferevent_set_timeouts(ac->bev, NULL, &wt);
}

static void
streams_send(const char *msg, size_t len)
{
	struct aconn *ac, *next;

	for (ac = TAILQ_FIRST(&adm.conns); ac; ac = next) {
		next = TAILQ_NEXT(ac, link);
		if (ac->state == ACONN_STREAM)
			stream_send(ac, msg, len);
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbuf batch;
	uint64_t skipped = 0;

	(void)fd;
	(void)what;
	(void)arg;
	adm.ticks++;
	if (adm.lev_resting) {
		adm.lev_resting = false;
		evconnlistener_enable(adm.lev);
	}
	if (adm.n_streams == 0) {
		events_drain(NULL, NULL);
		return;
	}
	sbuf_init(&batch);
	sbuf_adds(&batch, "event: batch\ndata: {\"events\":[");
	size_t n = events_drain(&batch, &skipped);
	sbuf_addf(&batch, "],\"skipped\":%llu}\n\n", (unsigned long long)skipped);
	if (n > 0)
		streams_send(batch.s, batch.len);
	sbuf_reset(&batch);
	if (adm.ticks % ADMIN_COUNTERS_TICKS == 0) {
		sbuf_adds(&batch, "event: counters\ndata: ");
		admin_info_counters_json(&batch);
		sbuf_adds(&batch, "\n\n");
		streams_send(batch.s, batch.len);
	} else if (adm.ticks % ADMIN_PING_TICKS == 0) {
		streams_send(": ping\n\n", 8);
	}
	sbuf_free(&batch);
}

/* --- requests --- */

/* The value of header name in head (NUL-terminated, lines end CRLF), or
 * NULL; copied into buf. */
static const char *
header_value(const char *head, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		const char *v = p + nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		const char *e = strstr(v, "\r\n");
		size_t n = e ? (size_t)(e - v) : strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n >= len)
			n = len - 1;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

/* a and the token, in constant time for equal lengths (a length that
 * differs fails after a comparison of the same cost). */
static bool
token_equal(const char *a, size_t al)
{
	size_t tl = strlen(adm.token);

	if (al != tl) {
		(void)CRYPTO_memcmp(adm.token, adm.token, tl);
		return false;
	}
	return CRYPTO_memcmp(a, adm.token, tl) == 0;
}

/*
 * Authorization: Bearer TOKEN (scripts, Prometheus), or Basic with TOKEN
 * as the password (a browser asks for it once, then sends it with every
 * request of the page, its event stream included: EventSource cannot set
 * a header itself).
 */
static bool
token_ok(const char *head)
{
	char v[512];
	unsigned char dec[400];
	const char *a = header_value(head, "Authorization", v, sizeof(v));

	if (a == NULL)
		return false;
	if (strncasecmp(a, "Bearer ", 7) == 0)
		return token_equal(a + 7, strlen(a + 7));
	if (strncasecmp(a, "Basic ", 6) != 0)
		return false;
	size_t n = strlen(a + 6);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= sizeof(dec))
		return false;
	int dl = EVP_DecodeBlock(dec, (const unsigned char *)a + 6, (int)n);
	if (dl < 0)
		return false;
	while (n > 0 && a[6 + n - 1] == '=') {     /* padding decodes to 0s */
		n--;
		dl--;
	}
	dec[dl] = '\0';
	char *colon = memchr(dec, ':', (size_t)dl);
	if (colon == NULL)
		return false;
	return token_equal(colon + 1, (size_t)dl - (size_t)(colon + 1 -
	    (char *)dec));
}

/* Without a token, the listener is loopback only; a page on another site
 * could still reach it through a DNS name that resolves to 127.0.0.1
 * (DNS rebinding): the Host must be an address or localhost. */
static bool
host_ok(const char *head)
{
	char v[300], host[300];
	unsigned char buf[16];

	if (adm.token || header_value(head, "Host", v, sizeof(v)) == NULL)
		return true;
	snprintf(host, sizeof(host), "%s", v);
	if (host[0] == '[') {
		char *e = strchr(host, ']');
		if (e == NULL)
			return false;
		*e = '\0';
		return inet_pton(AF_INET6, host + 1, buf) == 1;
	}
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0';
	return strcasecmp(host, "localhost") == 0 ||
	    inet_pton(AF_INET, host, buf) == 1;
}

static bool
ref_ok(const char *ref)
{
	size_t n = strlen(ref);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((ref[i] >= '0' && ref[i] <= '9') ||
		    (ref[i] >= 'a' && ref[i] <= 'z') ||
		    (ref[i] >= 'A' && ref[i] <= 'Z') || ref[i] == '.' ||
		    ref[i] == '-' || ref[i] == ':' || ref[i] == '_' ||
		    ref[i] == '='))
			return false;
	return true;
}

static void
route(struct aconn *ac, const char *method, char *path, const char *head)
{
	bool head_only = strcmp(method, "HEAD") == 0;
	struct sbuf b;
	char *q = strchr(path, '?');

	if (q)
		*q = '\0';
	if (adm.token && !token_ok(head)) {
		adm.st.unauthorized++;
		answer_text(ac, 401, "WWW-Authenticate: Basic realm=\"edgesim "
		    "admin (the password is admin_token)\"\r\n"
		    "WWW-Authenticate: Bearer realm=\"edgesim\"\r\n",
		    "401 Unauthorized: this admin listener needs "
		    "Authorization: Bearer TOKEN (admin_token)\n", head_only);
		return;
	}
	if (!host_ok(head)) {
		answer_text(ac, 403, NULL, "403 Forbidden: the Host must be an "
		    "address or localhost\n", head_only);
		return;
	}
	if (strcmp(method, "GET") != 0 && !head_only) {
		answer_text(ac, 405, "Allow: GET, HEAD\r\n",
		    "405 Method Not Allowed: the admin listener only reads\n",
		    false);
		return;
	}
	const struct dashboard_asset *asset = dashboard_asset_find(path);
	if (asset) {
		answer(ac, 200, asset->type, "Content-Security-Policy: "
		    "default-src 'self'; img-src 'self' data:; "
		    "frame-ancestors 'none'\r\n", (const char *)asset->data,
		    asset->len, head_only);
		return;
	}
	sbuf_init(&b);
	if (strcmp(path, "/events") == 0) {
		stream_start(ac, head_only);
	} else if (strcmp(path, "/metrics") == 0) {
		struct metrics_snapshot snap;
		metrics_snapshot(&snap);
		metrics_render(&snap, &b);
		metrics_snapshot_free(&snap);
		adm.st.streams = adm.n_streams;
		adm.st.events_dropped = events_dropped();
		adm.st.events_total = events_total();
		admin_info_metrics(&b, adm.rt, &adm.st);
		answer_sbuf(ac, "text/plain; version=0.0.4; charset=utf-8", &b,
		    head_only);
	} else if (strcmp(path, "/certs") == 0) {
		admin_info_certs_json(&b, adm.rt);
		answer_sbuf(ac, "application/json", &b, head_only);
	} else if (strcmp(path, "/config") == 0) {
		admin_info_config_json(&b, adm.rt);
		answer_sbuf(ac, "application/json", &b, head_only);
	} else if (str_has_prefix(path, "/explain/") &&
	    ref_ok(path + strlen("/explain/"))) {
		events_drain(NULL, NULL);
		if (events_explain(path + strlen("/explain/"), &b) == 0) {
			answer_sbuf(ac, "text/plain; charset=utf-8", &b,
			    head_only);
		} else {
			sbuf_free(&b);
			answer_text(ac, 404, NULL, "404 Not Found: no record of "
			    "this reference in memory (the last few hundred "
			    "records are kept; `edgesim explain REF` reads the "
			    "log)\n", head_only);
		}
	} else {
		sbuf_free(&b);
		answer_text(ac, 404, NULL, "404 Not Found\n", head_only);
	}
}

/* The request head is whole in input: parse it and answer. */
static void
handle(struct aconn *ac, size_t head_len)
{
	struct evbuffer *in = bufferevent_get_input(ac->bev);
	char *head = xmalloc(head_len + 1);
	char method[16], path[ADMIN_HEAD_MAX];

	evbuffer_remove(in, head, head_len);
	head[head_len] = '\0';
	adm.st.requests++;
	/* METHOD SP TARGET SP HTTP/1.x */
	char *sp1 = strchr(head, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	char *eol = strstr(head, "\r\n");
	if (sp1 == NULL || sp2 == NULL || sp2 > eol ||
	    (size_t)(sp1 - head) >= sizeof(method) || sp1[1] != '/' ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		answer_text(ac, 400, NULL, "400 Bad Request\n", false);
		free(head);
		return;
	}
	memcpy(method, head, (size_t)(sp1 - head));
	method[sp1 - head] = '\0';
	memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	path[sp2 - sp1 - 1] = '\0';
	route(ac, method, path, head);
	free(head);
}

static void
aconn_read(struct bufferevent *bev, void *arg)
{
	struct aconn *ac = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (ac->state != ACONN_HEAD) {
		/* A stream's client has nothing more to say. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	struct evbuffer_ptr p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos >= 0 && (size_t)p.pos + 4 <= ADMIN_HEAD_MAX) {
		handle(ac, (size_t)p.pos + 4);
		return;
	}
	if (evbuffer_get_length(in) >= ADMIN_HEAD_MAX) {
		/* Too long: a request line without its end is a long URL. */
		struct evbuffer_ptr eol = evbuffer_search(in, "\r\n", 2, NULL);
		adm.st.requests++;
		evbuffer_drain(in, evbuffer_get_length(in));
		answer_text(ac, eol.pos < 0 ? 414 : 431, NULL, eol.pos < 0 ?
		    "414 URI Too Long\n" : "431 Request Header Fields Too "
		    "Large\n", false);
	}
}

static void
aconn_write(struct bufferevent *bev, void *arg)
{
	struct aconn *ac = arg;

	if (ac->state == ACONN_ANSWER &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		aconn_close(ac);
}

static void
aconn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	aconn_close(arg);       /* EOF, error or timeout: gone */
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)lev;
	(void)sa;
	(void)salen;
	(void)arg;
	struct bufferevent *bev = bufferevent_socket_new(adm.base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	struct aconn *ac = xcalloc(1, sizeof(*ac));
	ac->bev = bev;
	ac->state = ACONN_HEAD;
	TAILQ_INSERT_TAIL(&adm.conns, ac, link);
	adm.n_conns++;
	bufferevent_setcb(bev, aconn_read, aconn_write, aconn_event, ac);
	struct timeval tv = { ADMIN_HEAD_TIMEOUT_S, 0 };
	bufferevent_set_timeouts(bev, &tv, &tv);
	if ((int64_t)adm.n_conns > adm.max_conns) {
		adm.st.busy++;
		answer_text(ac, 503, "Retry-After: 1\r\n", "503 Service "
		    "Unavailable: too many admin connections (admin_clients)\n",
		    false);
		return;
	}
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	int e = EVUTIL_SOCKET_ERROR();

	adm.st.accept_errors++;
	if (e == EMFILE || e == ENFILE) {
		/* The workers' own accept pauses handle this for viewers;
		 * the admin listener just rests until the next tick. */
		evconnlistener_disable(adm.lev);
		adm.lev_resting = true;
	}
}

/* --- life --- */

static int
listen_on(const struct conf_global *g, struct es_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, g->admin_host,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)g->admin_port);
		len = sizeof(*s);
	} else if (inet_pton(AF_INET6, g->admin_host,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)g->admin_port);
		len = sizeof(*s);
	} else {
		return es_errf(err, "admin: '%s' is not an address",
		    g->admin_host);
	}
	adm.lev = evconnlistener_new_bind(adm.base, accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&ss, (int)len);
	if (adm.lev == NULL)
		return es_errf(err, "admin: cannot listen on %s: %s", g->admin,
		    strerror(errno));
	evconnlistener_set_error_cb(adm.lev, accept_error_cb);
	return 0;
}

int
admin_start(struct event_base *base, struct runtime *rt, struct es_err *err)
{
	const struct conf_global *g = &rt->cfg->global;

	if (g->admin == NULL)
		return 0;
	memset(&adm, 0, sizeof(adm));
	TAILQ_INIT(&adm.conns);
	adm.base = base;
	if (listen_on(g, err) < 0)
		return -1;
	adm.max_conns = g->admin_clients;
	adm.token = g->admin_token ? xstrdup(g->admin_token) : NULL;
	adm.rt = runtime_ref(rt);
	adm.st.generation = rt->generation;
	admin_info_runtime(rt);
	struct timeval tv = { 0, ADMIN_TICK_MS * 1000 };
	adm.tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(adm.tick, &tv);
	adm.on = true;
	observe_on = true;      /* before the workers start: they read it */
	log_info("admin: dashboard, /metrics, /certs, /config on http://%s%s%s:%d/%s",
	    strchr(g->admin_host, ':') ? "[" : "", g->admin_host,
	    strchr(g->admin_host, ':') ? "]" : "", g->admin_port,
	    adm.token ? " (Authorization: Bearer admin_token)" : "");
	return 0;
}

void
admin_reloaded(struct runtime *rt)
{
	if (!adm.on)
		return;
	if (rt == NULL) {
		adm.st.reloads_refused++;
		return;
	}
	adm.st.reloads_ok++;
	adm.st.generation = rt->generation;
	const struct conf_global *ng = &rt->cfg->global;
	const struct conf_global *og = &adm.rt->cfg->global;
	if (ng->admin == NULL || strcmp(ng->admin, og->admin) != 0 ||
	    (ng->admin_token == NULL) != (og->admin_token == NULL) ||
	    (ng->admin_token && strcmp(ng->admin_token, og->admin_token) != 0))
		log_warn("admin: a change of admin or admin_token takes effect "
		    "at the next start, not on reload");
	runtime_unref(adm.rt);
	adm.rt = runtime_ref(rt);
	admin_info_runtime(rt);
}

void
admin_stop(void)
{
	if (!adm.on)
		return;
	while (!TAILQ_EMPTY(&adm.conns))
		aconn_close(TAILQ_FIRST(&adm.conns));
	if (adm.lev)
		evconnlistener_free(adm.lev);
	adm.lev = NULL;
	if (adm.tick)
		event_free(adm.tick);
	adm.tick = NULL;
}

void
admin_free(void)
{
	if (!adm.on)
		return;
	admin_info_runtime(NULL);
	runtime_unref(adm.rt);
	adm.rt = NULL;
	free(adm.token);
	adm.token = NULL;
	events_free_all();
	metrics_free_all();
	adm.on = false;
	observe_on = false;
}
