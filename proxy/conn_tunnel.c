/*
 * conn_tunnel.c - a viewer connection in mode = tcp: after the viewer's TLS
 * handshake, bytes are piped to the host's origin (over TLS when the origin
 * has tls = on) and back, with backpressure both ways, until one side
 * closes. This is an ELB's TLS listener in front of, say, a JDBC server
 * (seed 003).
 */
#include "conn_private.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "relay.h"
#include "worker.h"


static void
tunnel_log(struct conn *c, const char *result, const char *detail)
{
	struct log_rec r;

	log_begin(&r, "tunnel");
	log_str(&r, "ref", c->req->ref);
	log_hex(&r, "id", c->req->id);
	log_str(&r, "edge", c->edge->conf->sec.name);
	log_str(&r, "client", c->peer);
	log_str(&r, "sni", conn_sni(c) ? conn_sni(c) : "-");
	if (c->req->host)
		log_str(&r, "host", c->req->host->sec.name);
	if (c->req->origin)
		log_str(&r, "origin", c->req->origin->conf->sec.name);
	log_str(&r, "result", result);
	if (detail)
		log_str(&r, "detail", detail);
	log_int(&r, "bytes_up", c->tun_up_bytes);
	log_int(&r, "bytes_down", c->tun_down_bytes);
	log_int(&r, "ms", clock_mono_ms() - c->t_accept);
	log_end(&r);
}

static void
tunnel_end(struct conn *c, const char *result, const char *detail)
{
	tunnel_log(c, result, detail);
	conn_close(c, NULL);
}

/* Once one side closed and the other has written all it got, finish. */
static bool
finished(struct conn *c)
{
	if (c->tun_viewer_eof && (c->req->up == NULL || evbuffer_get_length(
	    bufferevent_get_output(c->req->up->bev)) == 0))
		return true;
	if (c->tun_origin_eof &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		return true;
	return false;
}

static void
kick(struct conn *c)
{
	conn_kick_read(c->bev);
	if (c->req->up)
		conn_kick_read(c->req->up->bev);
}

static void
viewer_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->req->up)
		relay_pipe(bev, c->req->up->bev, &c->tun_up_bytes);
	kick(c);
}

static void
viewer_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (finished(c)) {
		tunnel_end(c, "ok", NULL);
		return;
	}
	if (c->req->up && !c->tun_origin_eof)
		bufferevent_enable(c->req->up->bev, EV_READ);
	kick(c);
}

static void
viewer_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		tunnel_end(c, "idle", "no bytes either way within idle_timeout");
		return;
	}
	c->tun_viewer_eof = true;
	if (c->req->up == NULL || finished(c)) {
		tunnel_end(c, "ok", "viewer closed");
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
}

static void
origin_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	relay_pipe(bev, c->bev, &c->tun_down_bytes);
	kick(c);
}

static void
origin_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (finished(c)) {
		tunnel_end(c, "ok", NULL);
		return;
	}
	if (!c->tun_viewer_eof)
		bufferevent_enable(c->bev, EV_READ);
	kick(c);
}

static void
origin_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		tunnel_end(c, "idle", "no bytes either way within idle_timeout");
		return;
	}
	c->tun_origin_eof = true;
	if (finished(c)) {
		tunnel_end(c, "ok", "origin closed");
		return;
	}
	bufferevent_disable(c->req->up->bev, EV_READ);
}

static void
tunnel_ready(void *arg, struct upstream *up)
{
	struct conn *c = arg;
	struct timeval tv;
	int64_t ms = c->rt->cfg->global.idle_timeout_ms;

	c->req->up_pending = NULL;
	c->req->up = up;
	tv_from_ms(&tv, ms);
	bufferevent_setwatermark(up->bev, EV_WRITE, RELAY_HIGH_WATER / 2, 0);
	/* Large reads, hence whole TLS records out (see conn.c). */
	bufferevent_setwatermark(up->bev, EV_READ, 0, RELAY_HIGH_WATER);
	bufferevent_setwatermark(c->bev, EV_READ, 0, RELAY_HIGH_WATER);
	bufferevent_setcb(up->bev, origin_read, origin_write, origin_event, c);
	bufferevent_set_timeouts(up->bev, &tv, NULL);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(up->bev, EV_READ | EV_WRITE);
	bufferevent_enable(c->bev, EV_READ);
	/* Bytes the viewer sent while the origin was being reached. */
	relay_pipe(c->bev, up->bev, &c->tun_up_bytes);
	kick(c);
}

static void
tunnel_failed(void *arg, struct upstream *up, const struct upstream_failure *f)
{
	struct conn *c = arg;
	char detail[700];

	snprintf(detail, sizeof(detail), "%s%s%s: %s", errors_name(f->code),
	    f->sub[0] ? " " : "", f->sub, f->detail);
	c->req->up_pending = NULL;
	upstream_free(up);
	tunnel_end(c, "error", detail);
}

void
conn_tunnel_start(struct conn *c)
{
	const struct conf_edge *e = c->edge->conf;
	const struct conf_host *host = c->hello.host;
	struct upstream *up = NULL;

	if (host == NULL) {
		/* The default certificate's host, else the first one. */
		const struct cert_spec *d = &e->default_cert;
		if (d->source == CERT_HOST)
			host = config_find_host(c->rt->cfg, d->host_name);
		if (host == NULL)
			host = e->hosts[0];
	}
	c->state = CONN_TUNNEL;
	c->req = conn_req_get(c->w);          /* the tunnel is one "request" */
	c->req->id = worker_next_id(c->w);
	c->req->host = host;
	c->req->origin = runtime_origin(c->rt, host->origin);
	c->req->epoch = clock_wall_ms() / 1000;
	persona_ref(&c->edge->id, ES_OK, c->req->epoch, c->req->id,
	    c->req->ref, sizeof(c->req->ref));
	conn_clear_timer(c);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	bufferevent_setcb(c->bev, viewer_read, viewer_write, viewer_event, c);

	char sni_buf[SNI_NAME_MAX + 1];
	const char *sni = upstream_sni(c->req->origin, conn_sni(c), sni_buf, sizeof(sni_buf));
	struct upstream_tag tag = { e->sec.name, e->index, &c->edge->id,
	    c->req->id, c->req->epoch };
	/* c owns the upstream from here: closing c cancels its set-up. */
	if (upstream_get(c->w, c->rt, c->req->origin, sni, false, &tag,
	    tunnel_ready, tunnel_failed, c, &up) == 1)
		tunnel_ready(c, up);
	else
		c->req->up_pending = up;
}
