/*
 * idleconns.c - hold many idle TLS connections open against a server, for
 * the memory-per-connection load of scripts/bench:
 *
 *   idleconns [-n N] [-c INFLIGHT] [-s HOLD] [-T TIMEOUT] [--sni NAME] ADDR:PORT
 *
 * Opens N TCP connections to ADDR:PORT (an IPv4 address), at most INFLIGHT
 * (default 100) at a time still connecting or handshaking, completes a TLS
 * handshake on each (SNI NAME, no certificate verification, no session
 * resumption) and then sends nothing: the connections sit idle, as viewers
 * between requests do. Whatever the server sends (TLS 1.3 session tickets)
 * is read and dropped; a connection the server closes is counted.
 *
 * Once every connection is established or has failed (or TIMEOUT seconds,
 * default 120, have passed), prints one line on stdout and flushes it:
 *
 *   ready established=N failed=F seconds=S
 *
 * then holds the connections for HOLD seconds (default 30), or until
 * SIGTERM/SIGINT, and prints
 *
 *   done alive=A closed_by_peer=C
 *
 * RLIMIT_NOFILE is raised to what N needs (up to the hard limit; if that is
 * too low it says so and exits 2). Loopback benchmarking only: it never
 * verifies the server. Exit: 0 if every connection was established.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum cstate { C_FREE, C_CONNECTING, C_HANDSHAKE, C_IDLE, C_DEAD };

struct cn {
	int fd;
	SSL *ssl;
	enum cstate st;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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
	fprintf(stderr, "usage: idleconns [-n N] [-c INFLIGHT] [-s HOLD] "
	    "[-T TIMEOUT] [--sni NAME] ADDR:PORT\n");
	exit(2);
}

static int
raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if ((long)rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max < need) {
		fprintf(stderr, "idleconns: %ld connections need %ld file "
		    "descriptors, the hard limit is %ld (ulimit -Hn)\n",
		    need - 64, need, (long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = (rlim_t)need;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void
set_events(int ep, struct cn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void
kill_conn(int ep, struct cn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl)
		SSL_free(c->ssl);
	close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->st = C_DEAD;
}

/* Start one connection; returns 0, or -1 when it failed at once. */
static int
start_conn(int ep, SSL_CTX *ctx, const struct sockaddr_in *sa,
    const char *sni, struct cn *c)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL) {
		close(fd);
		return -1;
	}
	SSL_set_fd(c->ssl, fd);
	SSL_set_connect_state(c->ssl);
	if (sni[0])
		SSL_set_tlsext_host_name(c->ssl, sni);
	c->st = C_CONNECTING;
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		SSL_free(c->ssl);
		close(fd);
		return -1;
	}
	return 0;
}

/* Drive the handshake; 1 done, 0 in progress, -1 failed. */
static int
step_handshake(int ep, struct cn *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1)
		return 1;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		set_events(ep, c, EPOLLIN);
		return 0;
	case SSL_ERROR_WANT_WRITE:
		set_events(ep, c, EPOLLOUT);
		return 0;
	default:
		return -1;
	}
}

/* Read and drop what an idle connection receives; -1 when it is closed. */
static int
drain(struct cn *c)
{
	char buf[4096];

	for (;;) {
		ERR_clear_error();
		int r = SSL_read(c->ssl, buf, sizeof(buf));
		if (r > 0)
			continue;
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		return -1;
	}
}

int
main(int argc, char **argv)
{
	long n = 1000, inflight = 100;
	double hold = 30, timeout = 120;
	const char *sni = "", *target = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-n") == 0 && i + 1 < argc)
			n = atol(argv[++i]);
		else if (strcmp(a, "-c") == 0 && i + 1 < argc)
			inflight = atol(argv[++i]);
		else if (strcmp(a, "-s") == 0 && i + 1 < argc)
			hold = atof(argv[++i]);
		else if (strcmp(a, "-T") == 0 && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (strcmp(a, "--sni") == 0 && i + 1 < argc)
			sni = argv[++i];
		else if (a[0] != '-' && target == NULL)
			target = a;
		else
			usage();
	}
	if (target == NULL || n < 1 || n > 1000000 || inflight < 1)
		usage();

	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(target, ':');
	if (colon == NULL || (size_t)(colon - target) >= sizeof(host))
		usage();
	memcpy(host, target, (size_t)(colon - target));
	host[colon - target] = '\0';
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		usage();

	if (raise_nofile(n + 64) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return 1;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

	struct cn *conns = calloc((size_t)n, sizeof(*conns));
	struct epoll_event *evs = calloc(1024, sizeof(*evs));
	int ep = epoll_create1(0);
	if (conns == NULL || evs == NULL || ep < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		conns[i].fd = -1;
		conns[i].st = C_FREE;
	}

	long next = 0, pending = 0, established = 0, failed = 0, closed = 0;
	double t0 = now_s(), deadline = t0 + timeout;
	int ready = 0;
	double hold_end = 0;

	while (!stop) {
		while (!ready && next < n && pending < inflight) {
			struct cn *c = &conns[next++];
			if (start_conn(ep, ctx, &sa, sni, c) < 0) {
				c->st = C_DEAD;
				failed++;
			} else {
				pending++;
			}
		}
		double t = now_s();
		if (!ready && (established + failed >= n || t >= deadline)) {
			/* Whatever is still handshaking at the deadline failed. */
			for (long i = 0; i < next; i++) {
				if (conns[i].st == C_CONNECTING ||
				    conns[i].st == C_HANDSHAKE) {
					kill_conn(ep, &conns[i]);
					failed++;
				}
			}
			failed += n - next;
			next = n;
			pending = 0;
			printf("ready established=%ld failed=%ld seconds=%.2f\n",
			    established, failed, t - t0);
			fflush(stdout);
			ready = 1;
			hold_end = t + hold;
		}
		if (ready && t >= hold_end)
			break;
		int wait_ms = ready ? (int)((hold_end - t) * 1000) + 1 : 200;
		if (wait_ms > 200)
			wait_ms = 200;
		int k = epoll_wait(ep, evs, 1024, wait_ms);
		for (int i = 0; i < k; i++) {
			struct cn *c = evs[i].data.ptr;
			if (c->st == C_CONNECTING) {
				int err = 0;
				socklen_t len = sizeof(err);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err != 0) {
					kill_conn(ep, c);
					pending--;
					failed++;
					continue;
				}
				c->st = C_HANDSHAKE;
			}
			if (c->st == C_HANDSHAKE) {
				int r = step_handshake(ep, c);
				if (r < 0) {
					kill_conn(ep, c);
					pending--;
					failed++;
				} else if (r > 0) {
					c->st = C_IDLE;
					pending--;
					established++;
					set_events(ep, c, EPOLLIN | EPOLLRDHUP);
					if (drain(c) < 0) {
						kill_conn(ep, c);
						closed++;
					}
				}
			} else if (c->st == C_IDLE) {
				if (drain(c) < 0) {
					kill_conn(ep, c);
					closed++;
				}
			}
		}
	}
	long alive = 0;
	for (long i = 0; i < n; i++)
		if (conns[i].st == C_IDLE)
			alive++;
	printf("done alive=%ld closed_by_peer=%ld\n", alive, closed);
	fflush(stdout);
	for (long i = 0; i < n; i++)
		if (conns[i].fd >= 0)
			kill_conn(ep, &conns[i]);
	free(conns);
	free(evs);
	close(ep);
	SSL_CTX_free(ctx);
	return failed == 0 ? 0 : 1;
}
