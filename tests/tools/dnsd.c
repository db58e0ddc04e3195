/*
 * dnsd.c - a tiny authoritative DNS server for tests: A and CNAME records
 * given on the command line, everything else NXDOMAIN. For the forward
 * proxy's Akamai staging tests (CNAME chains to *.akamaiedge.net), so that
 * no test ever asks the internet.
 *
 *   dnsd PORT [--seconds S] NAME=A:1.2.3.4 NAME=CNAME:TARGET ...
 *
 * Answers queries for A (following CNAMEs, each link in the answer) and
 * AAAA (the CNAME links, no address). UDP on 127.0.0.1 only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct rr {
	char name[256];
	int type;               /* 1 A, 5 CNAME */
	char value[256];
};

static struct rr rrs[64];
static int n_rrs;

/* Read a query name (no compression in questions) into out, lowercased. */
static int
read_name(const unsigned char *p, size_t len, size_t *off, char *out,
    size_t outlen)
{
	size_t o = 0;

	while (*off < len) {
		unsigned n = p[(*off)++];
		if (n == 0) {
			out[o ? o - 1 : 0] = '\0';
			return 0;
		}
		if (n > 63 || *off + n > len || o + n + 1 >= outlen)
			return -1;
		for (unsigned i = 0; i < n; i++)
			out[o++] = (char)tolower(p[(*off)++]);
		out[o++] = '.';
	}
	return -1;
}

static size_t
write_name(unsigned char *p, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		p[o++] = (unsigned char)n;
		memcpy(p + o, name, n);
		o += n;
		name += n + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return o;
}

static const struct rr *
lookup(const char *name, int type)
{
	for (int i = 0; i < n_rrs; i++)
		if (strcasecmp(rrs[i].name, name) == 0 &&
		    (type == 0 || rrs[i].type == type))
			return &rrs[i];
	return NULL;
}

static size_t
answer(const unsigned char *q, size_t qlen, unsigned char *out)
{
	char name[256];
	size_t off = 12;

	if (qlen < 12 || read_name(q, qlen, &off, name, sizeof(name)) < 0 ||
	    off + 4 > qlen)
		return 0;
	int qtype = q[off] << 8 | q[off + 1];
	size_t qend = off + 4;
	memcpy(out, q, qend);
	out[2] = 0x84 | (q[2] & 0x01);  /* response, authoritative, RD copied */
	out[3] = 0x80;                  /* RA */
	out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
	size_t o = qend;
	int ancount = 0;
	char cur[256];
	snprintf(cur, sizeof(cur), "%s", name);
	if (lookup(cur, 0) == NULL) {
		out[3] |= 3;            /* NXDOMAIN */
		return o;
	}
	for (int hops = 0; hops < 10; hops++) {
		const struct rr *c = lookup(cur, 5);
		const struct rr *a = lookup(cur, 1);
		const struct rr *r = c ? c : a;
		if (r == NULL || (r == a && qtype != 1))
			break;
		o += write_name(out + o, cur);
		out[o++] = 0;
		out[o++] = (unsigned char)r->type;
		out[o++] = 0;
		out[o++] = 1;                           /* IN */
		out[o++] = 0; out[o++] = 0; out[o++] = 0; out[o++] = 30;
		if (r->type == 1) {
			struct in_addr ia;
			inet_pton(AF_INET, r->value, &ia);
			out[o++] = 0;
			out[o++] = 4;
			memcpy(out + o, &ia, 4);
			o += 4;
			ancount++;
			break;
		}
		size_t lenpos = o;
		o += 2;
		size_t n = write_name(out + o, r->value);
		out[lenpos] = (unsigned char)(n >> 8);
		out[lenpos + 1] = (unsigned char)n;
		o += n;
		ancount++;
		snprintf(cur, sizeof(cur), "%s", r->value);
	}
	out[6] = (unsigned char)(ancount >> 8);
	out[7] = (unsigned char)ancount;
	return o;
}

int
main(int argc, char **argv)
{
	int seconds = 60;

	if (argc < 2) {
		fprintf(stderr, "usage: dnsd PORT [--seconds S] NAME=A:ADDR "
		    "NAME=CNAME:TARGET ...\n");
		return 2;
	}
	int port = atoi(argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = atoi(argv[++i]);
			continue;
		}
		char *eq = strchr(argv[i], '='), *colon = eq ? strchr(eq, ':') : NULL;
		if (eq == NULL || colon == NULL || n_rrs == 64) {
			fprintf(stderr, "dnsd: bad record '%s'\n", argv[i]);
			return 2;
		}
		struct rr *r = &rrs[n_rrs++];
		snprintf(r->name, sizeof(r->name), "%.*s", (int)(eq - argv[i]),
		    argv[i]);
		r->type = strncasecmp(eq + 1, "CNAME", 5) == 0 ? 5 : 1;
		snprintf(r->value, sizeof(r->value), "%s", colon + 1);
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dnsd: bind");
		return 1;
	}
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned char q[512], out[1024];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		if (poll(&p, 1, 500) <= 0)
			continue;
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &fl);
		if (n <= 0)
			continue;
		size_t an = answer(q, (size_t)n, out);
		if (an)
			sendto(fd, out, an, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}
