/*
 * upstream.c - origin connections: set-up, classification of failures,
 * the origin log record, and the per-worker pool of idle connections.
 *
 * The TCP connect is done by hand (a non-blocking socket and one event)
 * rather than through a bufferevent, so that connect failures and timeouts
 * are told apart from TLS failures without guessing; the TLS handshake then
 * runs in a bufferevent_openssl that owns the socket and the SSL.
 */
#include "upstream.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certinfo.h"
#include "log.h"
#include "observe.h"
#include "resolve.h"
#include "tls_common.h"
#include "worker.h"

static void upstream_connect(struct upstream *up);

/*
 * The config line that would fix f, for the log and `edgesim explain`:
 * the error table's template (errors.c), with this origin's names, and the
 * variant of the fix that what the handshake showed calls for.
 */
static void
suggest_fix(struct upstream *up, struct upstream_failure *f)
{
	const struct conf_origin *o = up->origin->conf;
	const char *variant = NULL;
	char pin[128] = "";
	struct errors_fix_vars v = {
		.origin = o->sec.name,
		.address = o->addr_host,
		.connect = up->addr_text[0] ? up->addr_text : o->address,
		.sni = up->sni_on ? up->sni : NULL,
		.name = up->obs.names.n ? up->obs.names.v[0] : o->addr_host,
		.pin = pin,
	};

	if (f->code == ES_ERR_FWD_SSL_HANDSHAKE) {
		switch (f->reason) {
		case ES_TLS_NO_CERTIFICATE:
			if (up->obs.not_tls)
				variant = "not_tls";
			else if (!up->sni_on && o->sni != ORIGIN_SNI_OFF)
				variant = "ip_address";
			else if (!up->sni_on)
				variant = "sni_off";
			break;
		case ES_TLS_PIN_MISMATCH: {
			struct pin p;
			pin_from_digests(PIN_SHA1, &up->obs.digests, &p);
			pin_format(&p, pin, sizeof(pin));
			break;
		}
		case ES_TLS_ALERT:
			if (up->obs.cert_requested)
				variant = "cert_requested";
			break;
		default:
			break;
		}
	}
	errors_fix(f->code, f->sub, variant, &v, f->fix, sizeof(f->fix));
}

static void
log_origin_record(struct upstream *up, const struct upstream_failure *f)
{
	struct log_rec r;
	SSL *ssl = up->bev && up->origin->has_tls ?
	    bufferevent_openssl_get_ssl(up->bev) : NULL;
	char hop[160], ref[96];

	/* The same reference the viewer gets: the code is part of it. */
	persona_ref(up->tag.pid, f ? f->code : ES_OK, up->tag.epoch,
	    up->tag.req_id, ref, sizeof(ref));
	log_begin(&r, "origin");
	log_str(&r, "ref", ref);
	log_hex(&r, "id", up->tag.req_id);
	snprintf(hop, sizeof(hop), "%s -> %s", up->tag.hop_from,
	    up->origin->conf->sec.name);
	log_str(&r, "hop", hop);
	log_str(&r, "address", up->origin->conf->address);
	log_str(&r, "connect", up->addr_text[0] ? up->addr_text : "-");
	log_bool(&r, "tls", up->origin->has_tls);
	if (up->origin->has_tls && (up->state >= UP_HANDSHAKE || up->bev)) {
		log_str(&r, "sni_sent", up->sni_on ? up->sni : "-");
		log_str(&r, "verify", config_verify_name(up->origin->conf->verify));
	}
	if (ssl && f == NULL) {
		log_str(&r, "tls_version", SSL_get_version(ssl));
		log_str(&r, "cipher", SSL_get_cipher_name(ssl));
		log_bool(&r, "resumed", SSL_session_reused(ssl));
	}
	if (up->obs.leaf) {
		struct certinfo ci;
		struct sbuf sans;
		/* The digests of the verification, not computed again. */
		if (certinfo_from_x509_digests(up->obs.leaf, &up->obs.digests,
		    &ci) == 0) {
			sbuf_init(&sans);
			certinfo_sans_plain(&ci, &sans);
			log_str(&r, "cert_subject", ci.subject);
			log_str(&r, "cert_sans", sans.s ? sans.s : "");
			log_str(&r, "cert_issuer", ci.issuer);
			log_str(&r, "cert_not_before", ci.not_before_str);
			log_str(&r, "cert_not_after", ci.not_after_str);
			log_str(&r, "cert_sha1", ci.sha1);
			log_str(&r, "cert_sha256", ci.sha256);
			log_str(&r, "cert_spki", ci.spki_sha256);
			log_int(&r, "chain_len", up->obs.chain_len);
			sbuf_free(&sans);
			certinfo_free(&ci);
		}
		log_str(&r, "verify_result", up->obs.verify_err == X509_V_OK ?
		    "ok" : X509_verify_cert_error_string(up->obs.verify_err));
		if (up->obs.pin != TLS_PIN_UNCHECKED)
			log_str(&r, "pin", up->obs.pin == TLS_PIN_OK ? "ok" :
			    up->obs.pin == TLS_PIN_LEARNED ? "learned" : "mismatch");
	} else if (up->origin->has_tls && up->state >= UP_HANDSHAKE) {
		log_str(&r, "cert_subject", "-");
	}
	if (up->obs.alert_received >= 0)
		log_str(&r, "alert_received",
		    tls_alert_name(up->obs.alert_received));
	if (up->obs.alert_sent >= 0)
		log_str(&r, "alert_sent", tls_alert_name(up->obs.alert_sent));
	if (f) {
		log_str(&r, "result", "error");
		log_str(&r, "code", errors_name(f->code));
		if (f->sub[0])
			log_str(&r, "sub", f->sub);
		log_str(&r, "detail", f->detail);
		if (f->fix[0])
			log_str(&r, "fix", f->fix);
	} else {
		log_str(&r, "result", "ok");
	}
	log_int(&r, "attempts", up->attempts);
	log_int(&r, "ms", clock_mono_ms() - up->t_start);
	observe_origin(&r, up, f);
	log_end(&r);
}

void
upstream_log_failure(struct upstream *up, struct upstream_failure *f)
{
	if (f->fix[0] == '\0')
		suggest_fix(up, f);
	log_origin_record(up, f);
}

static void
fail(struct upstream *up, struct upstream_failure *f)
{
	if (f->fix[0] == '\0')
		suggest_fix(up, f);
	log_origin_record(up, f);
	up->failed(up->arg, up, f);
	/* The owner frees the upstream in its callback. */
}

/*
 * A failure found while setting up (no socket, a connect refused at once,
 * an SSL that cannot be made, a name that cannot resolve) is reported from
 * the event loop, never from the call that found it: that call may be
 * upstream_get itself, inside the owner's own code, which must not be
 * re-entered (upstream.h). Only one failure can be pending: the set-up
 * stops at the first.
 */
static void
deferred_fail(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;

	(void)fd;
	(void)what;
	up->defer_armed = false;
	fail(up, &up->pending);
}

static void
fail_later(struct upstream *up, enum es_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_later(struct upstream *up, enum es_code code, const char *fmt, ...)
{
	va_list ap;

	memset(&up->pending, 0, sizeof(up->pending));
	up->pending.code = code;
	va_start(ap, fmt);
	vsnprintf(up->pending.detail, sizeof(up->pending.detail), fmt, ap);
	va_end(ap);
	evtimer_assign(&up->defer_ev, up->w->base, deferred_fail, up);
	event_active(&up->defer_ev, EV_TIMEOUT, 1);
	up->defer_armed = true;
}

static void
fail_code(struct upstream *up, enum es_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail_code(struct upstream *up, enum es_code code, const char *fmt, ...)
{
	struct upstream_failure f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.code = code;
	va_start(ap, fmt);
	vsnprintf(f.detail, sizeof(f.detail), fmt, ap);
	va_end(ap);
	fail(up, &f);
}

static void
resolved(void *arg, const char *err, const struct sockaddr *sa, socklen_t len,
    const char *cname)
{
	struct upstream *up = arg;

	(void)cname;
	up->dns = NULL;
	if (err) {
		fail_code(up, ES_ERR_DNS_FAIL, "cannot resolve %s: %s",
		    up->origin->conf->addr_host, err);
		return;
	}
	memcpy(&up->addr, sa, len);
	up->addr_len = len;
	resolve_addr_text(sa, up->addr_text, sizeof(up->addr_text));
	upstream_connect(up);
}

static void
handshake_event(struct bufferevent *bev, short what, void *arg)
{
	struct upstream *up = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		up->state = UP_BUSY;
		bufferevent_set_timeouts(up->bev, NULL, NULL);
		/* From now on, an origin that closes without close_notify has
		 * still closed (its body may run until close). During the
		 * handshake this stays off, so a reset is told from a FIN. */
		bufferevent_openssl_set_allow_dirty_shutdown(up->bev, 1);
		log_origin_record(up, NULL);
		up->ready(up->arg, up);
		return;
	}
	struct upstream_failure f;
	struct sbuf d;
	memset(&f, 0, sizeof(f));
	if (what & BEV_EVENT_TIMEOUT) {
		f.code = ES_ERR_READ_TIMEOUT;
		snprintf(f.detail, sizeof(f.detail), "the origin did not complete "
		    "the TLS handshake within read_timeout");
		fail(up, &f);
		return;
	}
	int sock_err = EVUTIL_SOCKET_ERROR();
	unsigned long ssl_err = bufferevent_get_openssl_error(up->bev);
	unsigned long e;
	while ((e = bufferevent_get_openssl_error(up->bev)) != 0)
		;       /* drained: the first error is the cause */
	ERR_clear_error();
	SSL *ssl = bufferevent_openssl_get_ssl(up->bev);
	BIO *rbio = ssl ? SSL_get_rbio(ssl) : NULL;
	if (!up->obs.got_handshake_msg && rbio && BIO_number_read(rbio) > 0)
		up->obs.not_tls = true;
	sbuf_init(&d);
	f.code = ES_ERR_FWD_SSL_HANDSHAKE;
	f.reason = tls_client_classify(&up->obs, ssl_err,
	    (what & BEV_EVENT_EOF) ? 0 : sock_err, (what & BEV_EVENT_EOF) != 0,
	    &d);
	if (f.reason == ES_TLS_ALERT)
		snprintf(f.sub, sizeof(f.sub), "alert:%s",
		    tls_alert_name(up->obs.alert_received));
	else
		snprintf(f.sub, sizeof(f.sub), "%s",
		    errors_tls_reason_name(f.reason));
	snprintf(f.detail, sizeof(f.detail), "%s", d.s ? d.s : "");
	if (f.reason == ES_TLS_NO_CERTIFICATE && !up->sni_on &&
	    !up->obs.not_tls)
		snprintf(f.detail + strlen(f.detail), sizeof(f.detail) -
		    strlen(f.detail), "; no SNI was sent: an origin that "
		    "serves several names (CloudFront does) needs SNI to choose "
		    "a certificate, and without it sends none");
	sbuf_free(&d);
	fail(up, &f);
}

static void
tls_start(struct upstream *up)
{
	struct timeval tv;
	SSL *ssl = tls_client_ssl_new(&up->origin->tls, &up->obs,
	    up->sni_on ? up->sni : NULL, up->tag.hop_from);

	if (ssl == NULL) {
		close(up->fd);
		up->fd = -1;
		fail_later(up, ES_ERR_FWD_SSL_HANDSHAKE, "cannot create an SSL");
		return;
	}
	up->state = UP_HANDSHAKE;
	up->bev = bufferevent_openssl_socket_new(up->w->base, up->fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (up->bev == NULL) {
		SSL_free(ssl);
		close(up->fd);
		up->fd = -1;
		fail_later(up, ES_ERR_FWD_SSL_HANDSHAKE, "cannot create a TLS "
		    "bufferevent");
		return;
	}
	up->fd = -1;    /* the bufferevent owns it now */
	tv_from_ms(&tv, up->origin->conf->read_timeout_ms);
	bufferevent_set_timeouts(up->bev, &tv, &tv);
	bufferevent_setcb(up->bev, NULL, NULL, handshake_event, up);
	bufferevent_enable(up->bev, EV_READ | EV_WRITE);
}

static void
connect_done(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	event_free(up->connect_ev);
	up->connect_ev = NULL;
	if (what & EV_TIMEOUT)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		close(up->fd);
		up->fd = -1;
		if (up->attempts <= up->origin->conf->retries) {
			upstream_connect(up);
			return;
		}
		if (err == ETIMEDOUT) {
			char d[32];
			format_duration(up->origin->conf->connect_timeout_ms, d,
			    sizeof(d));
			fail_code(up, ES_ERR_CONNECT_TIMEOUT, "TCP connect to %s "
			    "did not finish within connect_timeout (%s)",
			    up->addr_text, d);
		} else {
			fail_code(up, ES_ERR_CONNECT_FAIL, "TCP connect to %s "
			    "failed: %s", up->addr_text, strerror(err));
		}
		return;
	}
	if (up->origin->has_tls) {
		tls_start(up);
		return;
	}
	up->bev = bufferevent_socket_new(up->w->base, up->fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (up->bev == NULL) {
		fail_code(up, ES_ERR_CONNECT_FAIL, "cannot create a bufferevent");
		return;
	}
	up->fd = -1;
	up->state = UP_BUSY;
	log_origin_record(up, NULL);
	up->ready(up->arg, up);
}

static void
upstream_connect(struct upstream *up)
{
	struct timeval tv;
	int one = 1;

	up->attempts++;
	up->state = UP_CONNECTING;
	up->fd = socket(up->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (up->fd < 0) {
		fail_later(up, ES_ERR_CONNECT_FAIL, "cannot open a socket to "
		    "%s: %s", up->addr_text, strerror(errno));
		return;
	}
	setsockopt(up->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sockaddr *sa = (struct sockaddr *)&up->addr;
	int rc = connect(up->fd, sa, up->addr_len); /* blocking-ok: NONBLOCK */
	if (rc < 0 && errno != EINPROGRESS) {
		int err = errno;
		close(up->fd);
		up->fd = -1;
		if (up->attempts <= up->origin->conf->retries) {
			upstream_connect(up);
			return;
		}
		fail_later(up, ES_ERR_CONNECT_FAIL, "TCP connect to %s failed "
		    "at once: %s", up->addr_text, strerror(err));
		return;
	}
	/* Even a connect that finished at once is reported through the
	 * event, so that callbacks never run inside upstream_get. */
	up->connect_ev = event_new(up->w->base, up->fd, EV_WRITE, connect_done,
	    up);
	tv_from_ms(&tv, up->origin->conf->connect_timeout_ms);
	event_add(up->connect_ev, &tv);
}

const char *
upstream_sni(const struct origin_rt *origin, const char *host, char *buf,
    size_t len)
{
	const struct conf_origin *o = origin->conf;
	const char *name = NULL;
	unsigned char ip[16];

	if (!origin->has_tls)
		return NULL;
	switch (o->sni) {
	case ORIGIN_SNI_OFF:
		return NULL;
	case ORIGIN_SNI_NAME:
		return o->sni_name;
	case ORIGIN_SNI_HOST: {
		const char *h;
		size_t n = host ? sni_host_from_header(host, strlen(host), &h) : 0;
		if (n == 0 || n >= len)
			return NULL;
		memcpy(buf, h, n);
		buf[n] = '\0';
		name = buf;
		break;
	}
	default:
		name = o->addr_host;
	}
	if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1)
		return NULL;
	return name;
}

/* --- the pool --- */

/*
 * A worker's idle keep-alive connections, per origin of one runtime. A
 * connection of another runtime (an older generation) is never pooled:
 * its origin's settings may have changed.
 */
TAILQ_HEAD(upstream_list, upstream);

struct upstream_pool {
	struct runtime *rt;             /* ref */
	size_t n;                       /* origins of rt */
	struct upstream_list *idle;     /* per origin */
	size_t *n_idle;
};

struct upstream_pool *
upstream_pool_new(struct runtime *rt)
{
	struct upstream_pool *p = xcalloc(1, sizeof(*p));

	p->rt = runtime_ref(rt);
	p->n = rt->cfg->n_origins;
	p->idle = xcalloc(p->n ? p->n : 1, sizeof(*p->idle));
	p->n_idle = xcalloc(p->n ? p->n : 1, sizeof(*p->n_idle));
	for (size_t i = 0; i < p->n; i++)
		TAILQ_INIT(&p->idle[i]);
	return p;
}

void
upstream_pool_flush(struct upstream_pool *p)
{
	for (size_t i = 0; p && i < p->n; i++)
		while (!TAILQ_EMPTY(&p->idle[i]))
			upstream_free(TAILQ_FIRST(&p->idle[i]));
}

void
upstream_pool_free(struct upstream_pool *p)
{
	if (p == NULL)
		return;
	upstream_pool_flush(p);
	free(p->idle);
	free(p->n_idle);
	runtime_unref(p->rt);
	free(p);
}

/* The list up belongs in when idle, or NULL (another generation). */
static struct upstream_list *
pool_list(struct upstream_pool *p, const struct upstream *up, size_t **count)
{
	size_t i = up->origin->conf->index;

	if (p == NULL || p->rt != up->rt || i >= p->n)
		return NULL;
	*count = &p->n_idle[i];
	return &p->idle[i];
}

static void
idle_event(struct bufferevent *bev, short what, void *arg)
{
	struct upstream *up = arg;

	(void)bev;
	(void)what;
	upstream_free(up);      /* closed, reset or idle too long */
}

static void
idle_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	/* An idle origin has nothing to say; if it does, the connection's
	 * framing is lost and it cannot be reused. */
	upstream_free(arg);
}

void
upstream_release(struct upstream *up, bool reusable)
{
	size_t *count = NULL;
	struct upstream_list *l = reusable ? pool_list(up->w->pool, up, &count) :
	    NULL;
	struct timeval tv;

	if (l == NULL || up->bev == NULL || (int64_t)*count >=
	    up->origin->conf->pool_size || up->w->draining ||
	    evbuffer_get_length(bufferevent_get_input(up->bev)) > 0) {
		upstream_free(up);
		return;
	}
	up->state = UP_IDLE;
	up->arg = NULL;
	bufferevent_setcb(up->bev, idle_read, NULL, idle_event, up);
	tv_from_ms(&tv, up->origin->conf->pool_idle_ms);
	bufferevent_set_timeouts(up->bev, &tv, NULL);
	bufferevent_enable(up->bev, EV_READ);
	TAILQ_INSERT_HEAD(l, up, link);
	(*count)++;
}

int
upstream_get(struct worker *w, struct runtime *rt, struct origin_rt *origin,
    const char *sni, bool fresh, const struct upstream_tag *tag,
    upstream_ready_cb ready, upstream_failed_cb failed, void *arg,
    struct upstream **out)
{
	struct upstream *up;
	size_t i = origin->conf->index;
	struct upstream_pool *p = w->pool;

	if (!fresh && p && p->rt == rt && i < p->n) {
		TAILQ_FOREACH(up, &p->idle[i], link) {
			/* Edge nodes never share connections: each has its
			 * own, as each has its own pins. */
			if (up->tag.node != tag->node ||
			    up->sni_on != (sni != NULL) ||
			    (sni && strcmp(up->sni, sni) != 0))
				continue;
			TAILQ_REMOVE(&p->idle[i], up, link);
			p->n_idle[i]--;
			/*
			 * Events of its idle life may already be active in
			 * this loop pass (the pool's idle timeout, the origin
			 * closing): disabling deletes them from libevent's
			 * active queue, so that none reaches the request as
			 * its own (a "read timeout" 0 ms into it). The request
			 * enables reading again; what is really there (an EOF)
			 * is seen then, and a dead pooled connection is
			 * retried as before.
			 */
			bufferevent_disable(up->bev, EV_READ | EV_WRITE);
			up->state = UP_BUSY;
			up->reused = true;
			up->tag = *tag;
			up->arg = arg;
			up->ready = ready;
			up->failed = failed;
			bufferevent_set_timeouts(up->bev, NULL, NULL);
			*out = up;
			return 1;
		}
	}

	up = xcalloc(1, sizeof(*up));
	up->magic = UPSTREAM_MAGIC;
	up->w = w;
	up->rt = runtime_ref(rt);
	up->origin = origin;
	up->tag = *tag;
	up->fd = -1;
	up->t_start = clock_mono_ms();
	up->ready = ready;
	up->failed = failed;
	up->arg = arg;
	up->obs.alert_received = -1;
	up->obs.alert_sent = -1;
	if (sni) {
		up->sni_on = true;
		snprintf(up->sni, sizeof(up->sni), "%s", sni);
	}
	*out = up;

	struct es_err err;
	const struct conf_origin *o = origin->conf;
	up->state = UP_RESOLVING;
	int rc = resolve_start(w->dns, rt->cfg, o->addr_host, o->addr_port,
	    &up->addr, &up->addr_len, resolved, up, &up->dns, &err);
	if (rc == 1) {
		resolve_addr_text((struct sockaddr *)&up->addr, up->addr_text,
		    sizeof(up->addr_text));
		upstream_connect(up);
	} else if (rc < 0) {
		fail_later(up, ES_ERR_DNS_FAIL, "%s", err.msg);
	}
	return 0;
}

void
upstream_free(struct upstream *up)
{
	if (up == NULL)
		return;
	assert(up->magic == UPSTREAM_MAGIC);
	if (up->state == UP_IDLE) {
		size_t *count;
		struct upstream_list *l = pool_list(up->w->pool, up, &count);
		if (l) {
			TAILQ_REMOVE(l, up, link);
			(*count)--;
		}
	}
	if (up->dns)
		resolve_cancel(up->dns);
	if (up->defer_armed)
		event_del(&up->defer_ev);
	if (up->connect_ev)
		event_free(up->connect_ev);
	if (up->fd >= 0)
		close(up->fd);
	if (up->bev)
		bufferevent_free(up->bev);
	tls_client_obs_free(&up->obs);
	runtime_unref(up->rt);
	up->magic = 0;
	free(up);
}

void
upstream_classify_broken(struct upstream *up, short what, bool got_bytes,
    struct upstream_failure *f)
{
	const struct conf_origin *o = up->origin->conf;
	bool has_client_cert = o->client_cert.source != CERT_NONE;

	memset(f, 0, sizeof(*f));
	if (what & BEV_EVENT_TIMEOUT) {
		char d[32];
		format_duration(o->read_timeout_ms, d, sizeof(d));
		f->code = ES_ERR_READ_TIMEOUT;
		snprintf(f->detail, sizeof(f->detail), "the origin sent no "
		    "response within read_timeout (%s)", d);
	} else if (up->origin->has_tls && up->obs.cert_requested &&
	    !has_client_cert && up->obs.alert_received > 0) {
		/* TLS 1.3: the origin checks the client certificate after
		 * the client's handshake is over, so its refusal arrives as
		 * the first thing read. It is still a handshake failure. */
		f->code = ES_ERR_FWD_SSL_HANDSHAKE;
		f->reason = ES_TLS_CLIENT_CERT_REQUIRED;
		snprintf(f->sub, sizeof(f->sub), "client_cert_required");
		snprintf(f->detail, sizeof(f->detail), "the origin asked for a "
		    "client certificate and the edge has none (alert %d %s)",
		    up->obs.alert_received,
		    tls_alert_name(up->obs.alert_received));
	} else if (up->origin->has_tls && up->obs.alert_received > 0 &&
	    !got_bytes) {
		f->code = ES_ERR_FWD_SSL_HANDSHAKE;
		f->reason = ES_TLS_ALERT;
		snprintf(f->sub, sizeof(f->sub), "alert:%s",
		    tls_alert_name(up->obs.alert_received));
		snprintf(f->detail, sizeof(f->detail), "the origin sent alert %d "
		    "%s after the handshake", up->obs.alert_received,
		    tls_alert_name(up->obs.alert_received));
	} else if (!got_bytes && (what & BEV_EVENT_EOF)) {
		f->code = ES_ERR_ZERO_SIZE_OBJECT;
		snprintf(f->detail, sizeof(f->detail), "the origin closed the "
		    "connection without sending a response%s",
		    up->reused ? " (on a reused keep-alive connection)" : "");
	} else {
		int e = EVUTIL_SOCKET_ERROR();
		f->code = ES_ERR_READ_ERROR;
		snprintf(f->detail, sizeof(f->detail), "the connection to the "
		    "origin broke before the response head was complete%s%s",
		    (what & BEV_EVENT_ERROR) && e ? ": " : "",
		    (what & BEV_EVENT_ERROR) && e ? strerror(e) : "");
	}
	suggest_fix(up, f);
	log_origin_record(up, f);
}
