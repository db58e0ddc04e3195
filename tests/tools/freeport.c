/*
 * freeport.c - print N free TCP ports on 127.0.0.1, one per line, for
 * tests that must not collide.
 *
 * The ports come from outside the kernel's ephemeral range
 * (net.ipv4.ip_local_port_range): the kernel hands ports of that range to
 * every outgoing connection on the machine, so a port found free there can
 * be taken by anyone's connect() before the test binds it (a loaded
 * machine running other suites, wrk reconnecting thousands of times). Below
 * the range only an explicit bind takes a port. Candidates are picked at
 * random, so that suites running side by side rarely pick the same one;
 * each is bound (all at once, so they differ) and released just before
 * printing. When no such range is usable, the kernel's choice is taken.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOW_PORT 10000          /* below: well-known and registered services */
#define TRIES 1000

/* Bind a socket to 127.0.0.1:port (0: the kernel's choice); returns the
 * socket and sets *got, or -1. */
static int
bind_port(unsigned port, unsigned *got)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*got = ntohs(sa.sin_port);
	return fd;
}

/* The ports a test may use: [*lo, *hi), below the ephemeral range, or
 * above it; 0 when neither has room. */
static int
usable_range(unsigned *lo, unsigned *hi)
{
	unsigned eph_lo = 32768, eph_hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f != NULL) {
		if (fscanf(f, "%u %u", &eph_lo, &eph_hi) != 2)
			eph_lo = 32768, eph_hi = 60999;
		fclose(f);
	}
	if (eph_lo > LOW_PORT + 1000) {
		*lo = LOW_PORT;
		*hi = eph_lo;
		return 1;
	}
	if (eph_hi < 65535 - 1000) {
		*lo = eph_hi + 1;
		*hi = 65536;
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int fds[64];
	unsigned ports[64];
	unsigned lo, hi;
	int ranged = usable_range(&lo, &hi);

	if (n < 1 || n > 64)
		return 2;
	srand((unsigned)time(NULL) ^ ((unsigned)getpid() << 8));
	for (int i = 0; i < n; i++) {
		fds[i] = -1;
		for (int t = 0; ranged && t < TRIES && fds[i] < 0; t++)
			fds[i] = bind_port(lo + (unsigned)rand() % (hi - lo),
			    &ports[i]);
		if (fds[i] < 0)
			fds[i] = bind_port(0, &ports[i]);
		if (fds[i] < 0) {
			perror("freeport");
			return 1;
		}
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < n; i++)
		printf("%u\n", ports[i]);
	return 0;
}
