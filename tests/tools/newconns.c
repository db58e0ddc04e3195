/*
 * newconns.c - a new TLS connection, with a full handshake, for every
 * request: the connection-rate load of scripts/bench.
 *
 *   newconns [-c CONNS] [-d SECONDS] [-t THREADS] [--sni NAME]
 *            [--host HOST] [--path PATH] ADDR:PORT
 *
 * Keeps CONNS (default 50) connections busy for SECONDS (default 10), split
 * over THREADS threads (default 1), each with its own epoll loop. A
 * connection does: TCP connect to ADDR:PORT (IPv4), TLS handshake (SNI NAME,
 * a fresh SSL object, no session cache and no ticket: never a resumption),
 * one "GET PATH HTTP/1.1" with "Connection: close", reads the response
 * (Content-Length, else until the end), waits for the server to close, and
 * closes; then the slot starts again. wrk and h2load cannot do this: with
 * "Connection: close" both reconnect, but resume the TLS session (an
 * abbreviated handshake without the server's signature).
 *
 * Latency is from the connect() to the last byte of the response. Prints one
 * line of key=value pairs:
 *
 *   requests=N errors=E non2xx=X resumed=R seconds=S rps=F p50_ms=F p99_ms=F
 *
 * (resumed counts handshakes the server resumed: it must be 0). The server
 * is never verified: loopback benchmarking only. The certificate chain is
 * not even built (it would cost the client more CPU than the server spends
 * on its handshake, and the two share the machine); the server's signature
 * is still checked. NEWCONNS_VERIFY_CHAIN=1 in the environment builds and
 * checks the chain (without a trust anchor: the result is ignored).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum sstate { S_CONNECTING, S_HANDSHAKE, S_WRITE, S_READ, S_DRAIN };

struct slot {
	int fd;
	SSL *ssl;
	enum sstate st;
	double t_start;
	double t_drain;         /* when the response was complete */
	size_t sent;            /* request bytes written */
	char head[8192];        /* the response head, up to its end */
	size_t head_len;
	int head_done;
	long long body_left;    /* -1: until the end of the connection */
};

struct worker {
	pthread_t tid;
	int nslots;
	struct slot *slots;
	SSL_CTX *ctx;
	double end;
	/* results */
	long requests, errors, non2xx, resumed;
	uint32_t *lat_us;       /* one per request */
	size_t nlat, cap;
};

static struct sockaddr_in target;
static const char *sni = "www.example.com";
static char request[1024];
static size_t request_len;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: newconns [-c CONNS] [-d SECONDS] [-t THREADS] "
	    "[--sni NAME] [--host HOST] [--path PATH] ADDR:PORT\n");
	exit(2);
}

static void
slot_close(int ep, struct slot *s)
{
	if (s->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	if (s->ssl)
		SSL_free(s->ssl);
	s->fd = -1;
	s->ssl = NULL;
}

static int
slot_start(int ep, struct worker *w, struct slot *s)
{
	int one = 1;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->t_start = now_s();
	if (connect(s->fd, (struct sockaddr *)&target, sizeof(target)) < 0 &&
	    errno != EINPROGRESS) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	s->ssl = SSL_new(w->ctx);
	if (s->ssl == NULL) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	SSL_set_fd(s->ssl, s->fd);
	SSL_set_connect_state(s->ssl);
	SSL_set_tlsext_host_name(s->ssl, sni);
	s->st = S_CONNECTING;
	s->sent = 0;
	s->head_len = 0;
	s->head_done = 0;
	s->body_left = -1;
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = s };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &e) < 0) {
		slot_close(ep, s);
		return -1;
	}
	return 0;
}

static void
want(int ep, struct slot *s, int err)
{
	struct epoll_event e = { .data.ptr = s };

	e.events = err == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e);
}

static void
record(struct worker *w, double lat)
{
	if (w->nlat == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 65536;
		uint32_t *p = realloc(w->lat_us, cap * sizeof(*p));
		if (p == NULL)
			return;
		w->lat_us = p;
		w->cap = cap;
	}
	double us = lat * 1e6;
	w->lat_us[w->nlat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* Parse the response head once complete: status and Content-Length. */
static void
parse_head(struct worker *w, struct slot *s, size_t end)
{
	int status = 0;

	if (sscanf(s->head, "HTTP/1.%*d %d", &status) != 1 ||
	    status < 200 || status > 299)
		w->non2xx++;
	s->body_left = -1;
	for (size_t i = 0; i + 16 < end; i++) {
		if ((s->head[i] == '\n') &&
		    strncasecmp(s->head + i + 1, "content-length:", 15) == 0) {
			s->body_left = strtoll(s->head + i + 16, NULL, 10);
			break;
		}
	}
	/* Body bytes that came with the head. */
	if (s->body_left >= 0)
		s->body_left -= (long long)(s->head_len - end);
	s->head_done = 1;
}

/* Advance a slot; returns 1 when the slot is finished (closed). */
static int
step(int ep, struct worker *w, struct slot *s)
{
	char buf[16384];

	for (;;) {
		int r, err;
		switch (s->st) {
		case S_CONNECTING: {
			int soerr = 0;
			socklen_t len = sizeof(soerr);
			getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
			if (soerr != 0)
				goto fail;
			s->st = S_HANDSHAKE;
			break;
		}
		case S_HANDSHAKE:
			ERR_clear_error();
			r = SSL_do_handshake(s->ssl);
			if (r != 1) {
				err = SSL_get_error(s->ssl, r);
				if (err == SSL_ERROR_WANT_READ ||
				    err == SSL_ERROR_WANT_WRITE) {
					want(ep, s, err);
					return 0;
				}
				goto fail;
			}
			if (SSL_session_reused(s->ssl))
				w->resumed++;
			s->st = S_WRITE;
			break;
		case S_WRITE:
			ERR_clear_error();
			r = SSL_write(s->ssl, request + s->sent,
			    (int)(request_len - s->sent));
			if (r <= 0) {
				err = SSL_get_error(s->ssl, r);
				if (err == SSL_ERROR_WANT_READ ||
				    err == SSL_ERROR_WANT_WRITE) {
					want(ep, s, err);
					return 0;
				}
				goto fail;
			}
			s->sent += (size_t)r;
			if (s->sent == request_len)
				s->st = S_READ;
			break;
		case S_READ:
		case S_DRAIN:
			ERR_clear_error();
			r = SSL_read(s->ssl, buf, sizeof(buf));
			if (r <= 0) {
				err = SSL_get_error(s->ssl, r);
				if (err == SSL_ERROR_WANT_READ ||
				    err == SSL_ERROR_WANT_WRITE) {
					want(ep, s, err);
					return 0;
				}
				/* The end of the connection. */
				if (s->st == S_DRAIN) {
					slot_close(ep, s);
					return 1;
				}
				if (s->head_done && s->body_left < 0) {
					w->requests++;
					record(w, now_s() - s->t_start);
					slot_close(ep, s);
					return 1;
				}
				goto fail;
			}
			if (s->st == S_DRAIN)
				break;  /* bytes after the response: dropped */
			if (!s->head_done) {
				size_t room = sizeof(s->head) - 1 - s->head_len;
				size_t take = (size_t)r < room ? (size_t)r : room;
				memcpy(s->head + s->head_len, buf, take);
				s->head_len += take;
				s->head[s->head_len] = '\0';
				char *e = strstr(s->head, "\r\n\r\n");
				if (e == NULL) {
					if (s->head_len == sizeof(s->head) - 1)
						goto fail;
					break;
				}
				/* Bytes of buf past what fit in head count too. */
				parse_head(w, s, (size_t)(e + 4 - s->head));
				if (s->body_left >= 0)
					s->body_left -= (long long)((size_t)r - take);
			} else if (s->body_left >= 0) {
				s->body_left -= r;
			}
			if (s->body_left == 0) {
				w->requests++;
				record(w, now_s() - s->t_start);
				s->st = S_DRAIN;
				s->t_drain = now_s();
			}
			break;
		}
	}
fail:
	w->errors++;
	slot_close(ep, s);
	return 1;
}

static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[256];
	int ep = epoll_create1(0);

	if (ep < 0)
		return NULL;
	for (int i = 0; i < w->nslots; i++) {
		w->slots[i].fd = -1;
		if (slot_start(ep, w, &w->slots[i]) < 0)
			w->errors++;
	}
	for (;;) {
		double t = now_s();
		if (t >= w->end)
			break;
		int k = epoll_wait(ep, evs, 256, 50);
		for (int i = 0; i < k; i++) {
			struct slot *s = evs[i].data.ptr;
			if (step(ep, w, s) && now_s() < w->end &&
			    slot_start(ep, w, s) < 0) {
				w->errors++;
				usleep(1000);
			}
		}
		/* A server that does not close after its response, or slots
		 * that could not start: close and start again. */
		t = now_s();
		for (int i = 0; i < w->nslots && t < w->end; i++) {
			struct slot *s = &w->slots[i];
			if (s->fd < 0 || (s->st == S_DRAIN &&
			    t - s->t_drain > 2.0) || t - s->t_start > 30.0) {
				if (s->fd >= 0) {
					if (s->st != S_DRAIN)
						w->errors++;
					slot_close(ep, s);
				}
				if (slot_start(ep, w, s) < 0)
					w->errors++;
			}
		}
	}
	for (int i = 0; i < w->nslots; i++)
		slot_close(ep, &w->slots[i]);
	close(ep);
	return NULL;
}

/* Accept any certificate chain without building it: the client's
 * handshakes should cost as little as possible, so that the server is what
 * is measured (the CertificateVerify signature is still checked). */
static int
accept_chain(X509_STORE_CTX *x, void *arg)
{
	(void)x;
	(void)arg;
	return 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int conns = 50, threads = 1;
	double seconds = 10;
	const char *host = "www.example.com", *path = "/", *addr = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-c") == 0 && i + 1 < argc)
			conns = atoi(argv[++i]);
		else if (strcmp(a, "-d") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(a, "-t") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (strcmp(a, "--sni") == 0 && i + 1 < argc)
			sni = argv[++i];
		else if (strcmp(a, "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(a, "--path") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (a[0] != '-' && addr == NULL)
			addr = a;
		else
			usage();
	}
	if (addr == NULL || conns < 1 || threads < 1 || threads > conns ||
	    seconds <= 0)
		usage();
	char ip[64];
	const char *colon = strrchr(addr, ':');
	if (colon == NULL || (size_t)(colon - addr) >= sizeof(ip))
		usage();
	memcpy(ip, addr, (size_t)(colon - addr));
	ip[colon - addr] = '\0';
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, ip, &target.sin_addr) != 1)
		usage();
	int n = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\nUser-Agent: edgesim-bench-newconns\r\n"
	    "Connection: close\r\n\r\n", path, host);
	if (n < 0 || (size_t)n >= sizeof(request))
		usage();
	request_len = (size_t)n;

	signal(SIGPIPE, SIG_IGN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)conns + 64 && rl.rlim_max >= (rlim_t)conns + 64) {
		rl.rlim_cur = (rlim_t)conns + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return 1;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (getenv("NEWCONNS_VERIFY_CHAIN") == NULL)
		SSL_CTX_set_cert_verify_callback(ctx, accept_chain, NULL);

	struct worker *ws = calloc((size_t)threads, sizeof(*ws));
	if (ws == NULL)
		return 1;
	double t0 = now_s();
	for (int i = 0; i < threads; i++) {
		ws[i].nslots = conns / threads + (i < conns % threads);
		ws[i].slots = calloc((size_t)ws[i].nslots, sizeof(struct slot));
		ws[i].ctx = ctx;
		ws[i].end = t0 + seconds;
		if (ws[i].slots == NULL ||
		    pthread_create(&ws[i].tid, NULL, run_worker, &ws[i]) != 0)
			return 1;
	}
	long requests = 0, errors = 0, non2xx = 0, resumed = 0;
	size_t nlat = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(ws[i].tid, NULL);
		requests += ws[i].requests;
		errors += ws[i].errors;
		non2xx += ws[i].non2xx;
		resumed += ws[i].resumed;
		nlat += ws[i].nlat;
	}
	double elapsed = now_s() - t0;
	uint32_t *all = malloc((nlat ? nlat : 1) * sizeof(*all));
	if (all == NULL)
		return 1;
	size_t k = 0;
	for (int i = 0; i < threads; i++) {
		if (ws[i].nlat)
			memcpy(all + k, ws[i].lat_us, ws[i].nlat * sizeof(*all));
		k += ws[i].nlat;
		free(ws[i].lat_us);
		free(ws[i].slots);
	}
	qsort(all, nlat, sizeof(*all), cmp_u32);
	double p50 = nlat ? all[(nlat - 1) * 50 / 100] / 1000.0 : 0;
	double p99 = nlat ? all[(nlat - 1) * 99 / 100] / 1000.0 : 0;
	printf("requests=%ld errors=%ld non2xx=%ld resumed=%ld seconds=%.2f "
	    "rps=%.1f p50_ms=%.3f p99_ms=%.3f\n", requests, errors, non2xx,
	    resumed, elapsed, (double)requests / elapsed, p50, p99);
	free(all);
	free(ws);
	SSL_CTX_free(ctx);
	return requests > 0 ? 0 : 1;
}
