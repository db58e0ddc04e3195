/*
 * badorigin.c - an origin that misbehaves on purpose, for the tests of
 * edgesim's error handling. Listens on 127.0.0.1:PORT and, for every
 * connection, does what MODE says:
 *
 *   hang       accept, read, never answer
 *   close      accept, read the request, close without a byte (FIN)
 *   reset      accept, read the request, close with RST
 *   garbage    answer with bytes that are not HTTP
 *   partial    send half a response head, then close
 *   truncate   send a head promising 1000 bytes, send 10, close
 *   slowbody   send a head and a chunk, then hang
 *   ok         a well-formed answer: 200 with body "ok" (a plain HTTP server)
 *   badchunk   a chunked head and an invalid chunk size, in one write
 *   latechunk  a chunked head and a good chunk; 300 ms later an invalid
 *              chunk size
 *   excess     Content-Length: 2 and 7 body bytes, in one write
 *   interim    twenty "100 Continue" interim responses, then a 200
 *   switch     "101 Switching Protocols", never asked for
 *   bighead    a response head of 64 KiB
 *   trickle    a 100 Continue, then a 200 whose head carries a 1,500-byte
 *              field (X-Trickle) and whose body is "ok", one byte per
 *              write: a head that arrives in pieces, the body behind it
 *   raw        a 200 whose body is the exact bytes that arrived (read
 *              until 300 ms pass without more, at most 64 KiB): what an
 *              edge forwarded, byte for byte
 *
 * Plain TCP only (edgesim's origins with tls = off). Exits after
 * --seconds S (default 120) so that a forgotten one cannot linger.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void
serve(int fd, const char *mode)
{
	char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (strcmp(mode, "raw") == 0) {
		static char got[65536];
		size_t n = 0;
		char head[128];
		while (n < sizeof(got) && poll(&p, 1, n ? 300 : 2000) > 0) {
			ssize_t r = read(fd, got + n, sizeof(got) - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		int hn = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n", n);
		(void)!write(fd, head, (size_t)hn);
		(void)!write(fd, got, n);
		close(fd);
		return;
	}
	if (poll(&p, 1, 2000) > 0)
		(void)!read(fd, buf, sizeof(buf));
	if (strcmp(mode, "close") == 0) {
		close(fd);
	} else if (strcmp(mode, "reset") == 0) {
		struct linger lg = { 1, 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	} else if (strcmp(mode, "garbage") == 0) {
		static const char g[] = "\x16\x03\x01garbage that is not HTTP\r\n\r\n";
		(void)!write(fd, g, sizeof(g) - 1);
		close(fd);
	} else if (strcmp(mode, "partial") == 0) {
		static const char h[] = "HTTP/1.1 200 OK\r\nContent-Le";
		(void)!write(fd, h, sizeof(h) - 1);
		close(fd);
	} else if (strcmp(mode, "truncate") == 0) {
		static const char h[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000"
		    "\r\n\r\n0123456789";
		(void)!write(fd, h, sizeof(h) - 1);
		usleep(100 * 1000);
		close(fd);
	} else if (strcmp(mode, "ok") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		    "Connection: close\r\n\r\nok\n";
		(void)!write(fd, r, sizeof(r) - 1);
		close(fd);
	} else if (strcmp(mode, "slowbody") == 0) {
		static const char h[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n5\r\nhello\r\n";
		(void)!write(fd, h, sizeof(h) - 1);
		/* keep fd open: the caller's timeout must fire */
	} else if (strcmp(mode, "badchunk") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
		    "chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
		(void)!write(fd, r, sizeof(r) - 1);
		usleep(200 * 1000);
		close(fd);
	} else if (strcmp(mode, "latechunk") == 0) {
		static const char h[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n5\r\nhello\r\n";
		(void)!write(fd, h, sizeof(h) - 1);
		usleep(300 * 1000);
		(void)!write(fd, "zz\r\n", 4);
		usleep(200 * 1000);
		close(fd);
	} else if (strcmp(mode, "excess") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 2"
		    "\r\n\r\nokEXTRA";
		(void)!write(fd, r, sizeof(r) - 1);
		usleep(200 * 1000);
		close(fd);
	} else if (strcmp(mode, "interim") == 0) {
		char r[2048];
		size_t n = 0;
		for (int i = 0; i < 20; i++)
			n += (size_t)snprintf(r + n, sizeof(r) - n,
			    "HTTP/1.1 100 Continue\r\n\r\n");
		n += (size_t)snprintf(r + n, sizeof(r) - n, "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 2\r\n\r\nok");
		(void)!write(fd, r, n);
		usleep(200 * 1000);
		close(fd);
	} else if (strcmp(mode, "switch") == 0) {
		static const char r[] = "HTTP/1.1 101 Switching Protocols\r\n"
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
		(void)!write(fd, r, sizeof(r) - 1);
		usleep(200 * 1000);
		close(fd);
	} else if (strcmp(mode, "trickle") == 0) {
		static char r[2048];
		int one = 1;
		size_t n = (size_t)snprintf(r, sizeof(r), "HTTP/1.1 100 Continue"
		    "\r\n\r\nHTTP/1.1 200 OK\r\nX-Trickle: %01500d\r\n"
		    "Content-Length: 2\r\nConnection: close\r\n\r\nok", 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (size_t i = 0; i < n; i++) {
			if (write(fd, r + i, 1) != 1)
				break;
			usleep(100);
		}
		usleep(200 * 1000);
		close(fd);
	} else if (strcmp(mode, "bighead") == 0) {
		static char r[70000];
		size_t n = (size_t)snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\n");
		for (int i = 0; n + 1100 < 66000; i++)
			n += (size_t)snprintf(r + n, sizeof(r) - n, "X-Big-%d: %01000d\r\n",
			    i, 0);
		n += (size_t)snprintf(r + n, sizeof(r) - n, "Content-Length: 2\r\n\r\nok");
		(void)!write(fd, r, n);
		usleep(200 * 1000);
		close(fd);
	}
	/* hang: keep fd open, never answer */
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: badorigin PORT MODE [--seconds S]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	const char *mode = argv[2];
	int seconds = argc > 4 ? atoi(argv[4]) : 120;
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };

	signal(SIGPIPE, SIG_IGN);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ls, 64) < 0) {
		perror("badorigin");
		return 1;
	}
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		struct pollfd p = { .fd = ls, .events = POLLIN };
		if (poll(&p, 1, 500) <= 0)
			continue;
		int fd = accept(ls, NULL, NULL);
		if (fd >= 0)
			serve(fd, mode);
	}
	return 0;
}
