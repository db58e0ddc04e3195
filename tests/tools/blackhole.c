/*
 * blackhole.c - the network places where an origin lookup or connection
 * goes to fail, on 127.0.0.1, for the tests of edgesim's origin errors:
 *
 *   blackhole PORT dns [--seconds S]
 *       a DNS server on UDP 127.0.0.1:PORT that answers every query at
 *       once with NXDOMAIN (RCODE 3): a name DNS cannot resolve, quickly,
 *       without the internet or the system's resolver.
 *
 *   blackhole PORT syn [--seconds S]
 *       a TCP listener on 127.0.0.1:PORT with a backlog of 0 that never
 *       accepts; it fills its own accept queue with one connection, after
 *       which Linux drops every further SYN: a connect to it neither
 *       succeeds nor is refused, it times out (ERR_CONNECT_TIMEOUT).
 *
 * Prints "ready" on stdout once listening. Exits after --seconds S
 * (default 60) so that a forgotten one cannot linger.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* Answer one query with NXDOMAIN: the question echoed, no records. */
static void
dns_answer(int fd)
{
	unsigned char q[512];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
	    &flen);

	if (n < 12 || (q[2] & 0x80))
		return;         /* too short for a header, or not a query */
	/* Keep the header and the question section; drop anything after
	 * it (an EDNS OPT record in the additional section). */
	size_t end = 12;
	unsigned qdcount = (unsigned)q[4] << 8 | q[5];
	for (unsigned i = 0; i < qdcount && end < (size_t)n; i++) {
		while (end < (size_t)n && q[end] != 0) {
			if ((q[end] & 0xc0) == 0xc0) {
				end++;
				break;
			}
			end += (size_t)q[end] + 1;
		}
		end += 1 + 4;   /* the root label, QTYPE, QCLASS */
	}
	if (end > (size_t)n)
		return;
	q[2] = (unsigned char)(0x80 | (q[2] & 0x79) | 0x04); /* QR, AA; opcode, RD kept */
	q[3] = (unsigned char)(0x80 | 3);       /* RA, RCODE 3 NXDOMAIN */
	memset(q + 6, 0, 6);    /* no answer, authority or additional */
	sendto(fd, q, end, 0, (struct sockaddr *)&from, flen);
}

static int
run_dns(int port, time_t end)
{
	struct sockaddr_in sa = loopback(port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("blackhole: dns");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 500) > 0)
			dns_answer(fd);
	}
	return 0;
}

static int
run_syn(int port, time_t end)
{
	struct sockaddr_in sa = loopback(port);
	int one = 1;
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	if (ls < 0)
		return 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ls, 0) < 0) {
		perror("blackhole: syn");
		return 1;
	}
	/* Fill the accept queue (its length is backlog + 1 = 1): the
	 * kernel now drops SYNs to this port instead of answering them. */
	int filler = socket(AF_INET, SOCK_STREAM, 0);
	if (filler < 0 || connect(filler, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0) {
		perror("blackhole: syn: filling the queue");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (time(NULL) < end)
		usleep(200 * 1000);
	close(filler);
	close(ls);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3 || (argc > 3 && (argc != 5 ||
	    strcmp(argv[3], "--seconds") != 0))) {
		fprintf(stderr, "usage: blackhole PORT dns|syn [--seconds S]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	int seconds = argc == 5 ? atoi(argv[4]) : 60;
	time_t end = time(NULL) + (seconds > 0 ? seconds : 60);

	signal(SIGPIPE, SIG_IGN);
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "blackhole: bad port '%s'\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[2], "dns") == 0)
		return run_dns(port, end);
	if (strcmp(argv[2], "syn") == 0)
		return run_syn(port, end);
	fprintf(stderr, "blackhole: unknown mode '%s'\n", argv[2]);
	return 2;
}
