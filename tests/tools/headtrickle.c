/*
 * headtrickle.c - a request head (or body) sent in TLS records of a chosen
 * size, for the head-parsing row of scripts/bench and a functional test:
 *
 *   headtrickle [-n REQUESTS] [-b BYTES] [-r RECORD] [-p USEC] [--body]
 *               [--sni NAME] [--host NAME] [--path PATH] ADDR:PORT
 *
 * For each of REQUESTS (default 1) connections, one after another: TCP
 * connect to ADDR:PORT (IPv4, TCP_NODELAY), TLS handshake (SNI NAME, no
 * verification: loopback only), then a request whose head is BYTES bytes
 * long (default 65536: "GET PATH", Host, then 1,000-byte X-Pad lines, then
 * the empty line), written RECORD bytes (default 1) per SSL_write, that is per TLS
 * record, sleeping USEC microseconds between records (default 0), so that
 * the server may see them one read at a time. With --body the head is small
 * and sent at once, and BYTES are a POST body sent that way instead: the
 * same records, nothing for the server to parse: the floor the head is
 * compared with. Then the response is read to the end of the connection
 * (the request says Connection: close). Prints one line:
 *
 *   requests=N ok=K errors=E status=S seconds=F
 *
 * (status: of the last response). Exit 0 when every response was 200.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
write_all(SSL *ssl, const char *p, size_t n, size_t record, long usec)
{
	size_t off = 0;

	while (off < n) {
		size_t k = n - off < record ? n - off : record;
		if (SSL_write(ssl, p + off, (int)k) <= 0)
			return -1;
		off += k;
		if (usec > 0 && off < n)
			usleep((useconds_t)usec);
	}
	return 0;
}

/* One request; returns the response status, or -1. */
static int
one(const struct sockaddr_in *sa, SSL_CTX *ctx, const char *sni,
    const char *head, size_t head_len, const char *body, size_t body_len,
    size_t record, long usec)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one_ = 1, status = -1;
	SSL *ssl = NULL;
	char buf[16384];
	size_t got = 0;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one_, sizeof(one_));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		goto out;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, sni);
	if (SSL_connect(ssl) != 1)
		goto out;
	if (body_len == 0) {
		if (write_all(ssl, head, head_len, record, usec) < 0)
			goto out;
	} else {
		if (write_all(ssl, head, head_len, head_len, 0) < 0 ||
		    write_all(ssl, body, body_len, record, usec) < 0)
			goto out;
	}
	for (;;) {
		int r = SSL_read(ssl, buf + got, (int)(sizeof(buf) - 1 - got));
		if (r <= 0)
			break;
		if (got < 16)
			got += (size_t)r;
		else
			got = 16;       /* the status line is all we keep */
	}
	buf[got < sizeof(buf) ? got : sizeof(buf) - 1] = '\0';
	if (got >= 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = atoi(buf + 9);
out:
	if (ssl)
		SSL_free(ssl);
	close(fd);
	return status;
}

int
main(int argc, char **argv)
{
	long n = 1, bytes = 65536, record = 1, usec = 0;
	int body_mode = 0;
	const char *sni = "www.example.com", *host = NULL, *path = "/";
	const char *addr = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atol(argv[++i]);
		else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
			bytes = atol(argv[++i]);
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			record = atol(argv[++i]);
		else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
			usec = atol(argv[++i]);
		else if (strcmp(argv[i], "--body") == 0)
			body_mode = 1;
		else if (strcmp(argv[i], "--sni") == 0 && i + 1 < argc)
			sni = argv[++i];
		else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (argv[i][0] != '-' && addr == NULL)
			addr = argv[i];
		else {
			fprintf(stderr, "usage: headtrickle [-n N] [-b BYTES] "
			    "[-r RECORD] [-p USEC] [--body] [--sni NAME] "
			    "[--host NAME] [--path PATH] ADDR:PORT\n");
			return 2;
		}
	}
	if (addr == NULL || n < 1 || bytes < 64 || record < 1 || record > 16384) {
		fprintf(stderr, "headtrickle: bad arguments\n");
		return 2;
	}
	if (host == NULL)
		host = sni;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char ip[64];
	const char *colon = strrchr(addr, ':');
	if (colon == NULL || (size_t)(colon - addr) >= sizeof(ip))
		return 2;
	snprintf(ip, sizeof(ip), "%.*s", (int)(colon - addr), addr);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return 2;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));

	/* The head: BYTES long in head mode, small in body mode. */
	size_t cap = (size_t)bytes + 512;
	char *head = malloc(cap), *body = NULL;
	size_t hl;
	if (head == NULL)
		return 1;
	if (body_mode) {
		hl = (size_t)snprintf(head, cap, "POST %s HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Length: %ld\r\nConnection: close\r\n\r\n", path, host,
		    bytes);
		body = malloc((size_t)bytes);
		if (body == NULL)
			return 1;
		memset(body, 'x', (size_t)bytes);
	} else {
		hl = (size_t)snprintf(head, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "Connection: close\r\n", path, host);
		/* Lines of 1,000 bytes: a 64 KiB head stays under the
		 * proxies' 100 header fields. */
		while (hl + 2 < (size_t)bytes) {
			size_t room = (size_t)bytes - hl - 2;
			if (room >= 1000 + 12) {
				hl += (size_t)snprintf(head + hl, cap - hl,
				    "X-Pad: %0991d\r\n", 0);
			} else if (room >= 12) {
				hl += (size_t)snprintf(head + hl, cap - hl,
				    "X-P: %0*d\r\n", (int)(room - 7), 0);
			} else {
				break;
			}
		}
		hl += (size_t)snprintf(head + hl, cap - hl, "\r\n");
	}

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	long ok = 0, errors = 0;
	int status = 0;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		status = one(&sa, ctx, sni, head, hl, body, body_mode ?
		    (size_t)bytes : 0, (size_t)record, usec);
		if (status == 200)
			ok++;
		else
			errors++;
	}
	printf("requests=%ld ok=%ld errors=%ld status=%d head_bytes=%zu "
	    "seconds=%.3f\n", n, ok, errors, status, hl, now_s() - t0);
	SSL_CTX_free(ctx);
	free(head);
	free(body);
	return errors == 0 ? 0 : 1;
}
