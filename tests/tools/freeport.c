/*
 * freeport.c - print N free TCP ports on 127.0.0.1, one per line, for
 * tests that must not collide. The ports are bound (all at once, so they
 * differ) and released just before printing; the kernel does not hand a
 * just-released ephemeral port out again at once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int fds[64];
	unsigned ports[64];

	if (n < 1 || n > 64)
		return 2;
	for (int i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t len = sizeof(sa);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa,
		    sizeof(sa)) < 0 || getsockname(fds[i],
		    (struct sockaddr *)&sa, &len) < 0) {
			perror("freeport");
			return 1;
		}
		ports[i] = ntohs(sa.sin_port);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < n; i++)
		printf("%u\n", ports[i]);
	return 0;
}
