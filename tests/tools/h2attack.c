/*
 * h2attack - an HTTP/2 client that misbehaves on purpose, for the tests of
 * edgesim's HTTP/2 limits (tests/integration/41-h2-attacks.sh). It speaks
 * TLS with ALPN h2 to 127.0.0.1:PORT, sends the frames of one attack
 * (hand-built, header blocks by nghttp2's HPACK encoder or by hand), then
 * reads what comes back until the connection ends or -t seconds pass, and
 * prints one line per frame of interest and a summary:
 *
 *   goaway last=1 error=ENHANCE_YOUR_CALM debug="rapid_reset: ..."
 *   rst stream=3 error=REFUSED_STREAM
 *   headers stream=1 status=200
 *   summary goaway=ENHANCE_YOUR_CALM rst=0 headers=1 data=1024 ping_acks=0 eof=1
 *
 * usage: h2attack [-t SECONDS] [-e] [-n SNI] [-a AUTHORITY] PORT MODE [N] [PATH]
 * -e: stop once every stream it opened has ended (and 500 ms more, for a
 *     GOAWAY that would follow), rather than waiting for the server to
 *     close or for -t: a test of what a connection that stays open gets
 *     need not sit out its timeout.
 * modes:  ok                    one GET of PATH (default /)
 *         rapid-reset N         N streams, each HEADERS then RST_STREAM
 *         continuation N        HEADERS without END_HEADERS, then N empty
 *                               CONTINUATION frames
 *         hpack-bomb N          a 4,000-byte field in the HPACK table, then
 *                               one request that refers to it N times
 *         big-headers N         one request with N bytes of header field
 *                               (literal, not indexed)
 *         ping-flood N          N PING frames
 *         settings-flood N      N SETTINGS frames
 *         streams N             N requests of PATH at once, after both
 *                               SETTINGS were acknowledged
 *         zero-window N         SETTINGS_INITIAL_WINDOW_SIZE = 0, a GET of
 *                               PATH, and no WINDOW_UPDATE ever (N unused)
 *         slow-read N           a GET of PATH with a 16 KiB window, opened
 *                               by 16 KiB every N ms
 * Only for tests on the loopback: no certificate is verified.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static SSL *ssl;
static nghttp2_hd_deflater *deflater;
static const char *authority = "www.example.com";
static const char *path = "/";
static int n_rst, n_headers, n_ping_acks, n_settings_acks;
static long long data_bytes;
static char goaway_error[64] = "none";
static int eof_seen;
static int n_ended;             /* streams ended by END_STREAM or RST */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
send_all(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		int w = SSL_write(ssl, b, (int)(n > 16384 ? 16384 : n));
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
frame(uint8_t type, uint8_t flags, uint32_t stream, const void *payload,
    size_t len)
{
	unsigned char hd[9];

	hd[0] = (unsigned char)(len >> 16);
	hd[1] = (unsigned char)(len >> 8);
	hd[2] = (unsigned char)len;
	hd[3] = type;
	hd[4] = flags;
	hd[5] = (unsigned char)(stream >> 24 & 0x7f);
	hd[6] = (unsigned char)(stream >> 16);
	hd[7] = (unsigned char)(stream >> 8);
	hd[8] = (unsigned char)stream;
	if (send_all(hd, 9) < 0)
		return -1;
	return len ? send_all(payload, len) : 0;
}

static int
settings(const nghttp2_settings_entry *iv, size_t n)
{
	unsigned char p[6 * 8];

	for (size_t i = 0; i < n; i++) {
		p[i * 6] = (unsigned char)(iv[i].settings_id >> 8);
		p[i * 6 + 1] = (unsigned char)iv[i].settings_id;
		p[i * 6 + 2] = (unsigned char)(iv[i].value >> 24);
		p[i * 6 + 3] = (unsigned char)(iv[i].value >> 16);
		p[i * 6 + 4] = (unsigned char)(iv[i].value >> 8);
		p[i * 6 + 5] = (unsigned char)iv[i].value;
	}
	return frame(NGHTTP2_SETTINGS, 0, 0, p, n * 6);
}

/* A request's header block, by nghttp2's encoder, into buf. */
static size_t
request_block(uint8_t *buf, size_t len, const char *method, const char *p)
{
	nghttp2_nv nv[] = {
		{ (uint8_t *)":method", (uint8_t *)method, 7, strlen(method), 0 },
		{ (uint8_t *)":scheme", (uint8_t *)"https", 7, 5, 0 },
		{ (uint8_t *)":authority", (uint8_t *)authority, 10,
		  strlen(authority), 0 },
		{ (uint8_t *)":path", (uint8_t *)p, 5, strlen(p), 0 },
		{ (uint8_t *)"user-agent", (uint8_t *)"h2attack", 10, 8, 0 },
	};
	ssize_t n = nghttp2_hd_deflate_hd(deflater, buf, len, nv, 5);

	if (n < 0) {
		fprintf(stderr, "h2attack: deflate: %s\n", nghttp2_strerror((int)n));
		exit(2);
	}
	return (size_t)n;
}

static int
get(uint32_t stream, const char *p)
{
	uint8_t b[512];
	size_t n = request_block(b, sizeof(b), "GET", p);

	return frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS |
	    NGHTTP2_FLAG_END_STREAM, stream, b, n);
}

/* An HPACK integer with an n-bit prefix (RFC 7541 5.1). */
static size_t
hpack_int(uint8_t *out, uint8_t first, int nbits, size_t v)
{
	size_t max = (1u << nbits) - 1, i = 0;

	if (v < max) {
		out[i++] = (uint8_t)(first | v);
		return i;
	}
	out[i++] = (uint8_t)(first | max);
	v -= max;
	while (v >= 128) {
		out[i++] = (uint8_t)(v % 128 + 128);
		v /= 128;
	}
	out[i++] = (uint8_t)v;
	return i;
}

/* Pseudo-headers by hand (static table; :authority a literal that is
 * not indexed), so that a hand-made block keeps the table in step. */
static size_t
hand_pseudo(uint8_t *b)
{
	size_t i = 0, n = strlen(authority);

	b[i++] = 0x82;                  /* :method GET */
	b[i++] = 0x87;                  /* :scheme https */
	b[i++] = 0x84;                  /* :path / */
	i += hpack_int(b + i, 0x00, 4, 1);      /* literal, name :authority */
	i += hpack_int(b + i, 0x00, 7, n);
	memcpy(b + i, authority, n);
	return i + n;
}

static const char *
errname(uint32_t code)
{
	static char buf[32];
	const char *s = nghttp2_http2_strerror(code);

	if (s == NULL || strcmp(s, "unknown") == 0) {
		snprintf(buf, sizeof(buf), "0x%x", code);
		return buf;
	}
	return s;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
read_all(void *p, size_t n)
{
	unsigned char *b = p;

	while (n > 0) {
		int r = SSL_read(ssl, b, (int)n);
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static nghttp2_hd_inflater *inflater;

/* Read one frame and print what matters; -1 at the end of the
 * connection or on a timeout. */
static int
read_frame(void)
{
	unsigned char hd[9];
	static unsigned char payload[1 << 20];

	if (read_all(hd, 9) < 0)
		return -1;
	size_t len = (size_t)hd[0] << 16 | (size_t)hd[1] << 8 | hd[2];
	uint8_t type = hd[3], flags = hd[4];
	uint32_t stream = get32(hd + 5) & 0x7fffffff;
	if (len > sizeof(payload) || read_all(payload, len) < 0)
		return -1;
	switch (type) {
	case NGHTTP2_GOAWAY:
		snprintf(goaway_error, sizeof(goaway_error), "%s",
		    errname(get32(payload + 4)));
		printf("goaway last=%u error=%s debug=\"%.*s\"\n",
		    get32(payload) & 0x7fffffff, goaway_error,
		    (int)(len - 8), (const char *)payload + 8);
		break;
	case NGHTTP2_RST_STREAM:
		n_rst++;
		n_ended++;
		printf("rst stream=%u error=%s\n", stream,
		    errname(get32(payload)));
		break;
	case NGHTTP2_HEADERS: {
		uint8_t *in = payload;
		size_t inlen = len;
		if (flags & NGHTTP2_FLAG_PADDED) {
			inlen -= 1 + in[0];
			in++;
		}
		if (flags & NGHTTP2_FLAG_PRIORITY) {
			in += 5;
			inlen -= 5;
		}
		for (;;) {
			nghttp2_nv nv;
			int fl = 0;
			ssize_t r = nghttp2_hd_inflate_hd2(inflater, &nv, &fl, in,
			    inlen, 1);
			if (r < 0)
				break;
			in += r;
			inlen -= (size_t)r;
			if (fl & NGHTTP2_HD_INFLATE_EMIT) {
				if (nv.namelen == 7 &&
				    memcmp(nv.name, ":status", 7) == 0) {
					n_headers++;
					if (flags & NGHTTP2_FLAG_END_STREAM)
						n_ended++;
					printf("headers stream=%u status=%.*s%s\n",
					    stream, (int)nv.valuelen, nv.value,
					    flags & NGHTTP2_FLAG_END_STREAM ?
					    " end" : "");
				} else if (getenv("H2ATTACK_FIELDS")) {
					printf("field %.*s: %.*s\n",
					    (int)nv.namelen, nv.name,
					    (int)nv.valuelen, nv.value);
				}
			}
			if (fl & NGHTTP2_HD_INFLATE_FINAL) {
				nghttp2_hd_inflate_end_headers(inflater);
				break;
			}
			if (r == 0 && inlen == 0)
				break;
		}
		break;
	}
	case NGHTTP2_DATA:
		data_bytes += (long long)len;
		if (flags & NGHTTP2_FLAG_END_STREAM)
			n_ended++;
		if (flags & NGHTTP2_FLAG_END_STREAM)
			printf("data stream=%u end total=%lld\n", stream,
			    data_bytes);
		break;
	case NGHTTP2_PING:
		if (flags & NGHTTP2_FLAG_ACK)
			n_ping_acks++;
		break;
	case NGHTTP2_SETTINGS:
		if (flags & NGHTTP2_FLAG_ACK)
			n_settings_acks++;
		else
			frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, NULL, 0);
		break;
	default:
		break;
	}
	return type;
}

static int
connect_tls(int port, const char *sni)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	static const unsigned char alpn[] = "\x02h2";

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("h2attack: connect");
		exit(2);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
	ssl = SSL_new(ctx);
	SSL_set_tlsext_host_name(ssl, sni);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		fprintf(stderr, "h2attack: TLS handshake failed\n");
		ERR_print_errors_fp(stderr);
		exit(2);
	}
	const unsigned char *sel;
	unsigned sel_len;
	SSL_get0_alpn_selected(ssl, &sel, &sel_len);
	if (sel_len != 2 || memcmp(sel, "h2", 2) != 0) {
		fprintf(stderr, "h2attack: the server did not choose h2\n");
		exit(2);
	}
	return fd;
}

static void
set_timeout(int fd, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (ms <= 0)
		tv.tv_usec = 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int
main(int argc, char **argv)
{
	const char *sni = "www.example.com";
	double secs = 10;
	bool until_ended = false;
	int opt;

	while ((opt = getopt(argc, argv, "t:en:a:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'e': until_ended = true; break;
		case 'n': sni = optarg; break;
		case 'a': authority = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: h2attack [-t S] [-e] [-n SNI] [-a AUTHORITY] "
		    "PORT MODE [N] [PATH]\n");
		return 2;
	}
	int port = atoi(argv[optind]);
	const char *mode = argv[optind + 1];
	long n = argc - optind > 2 ? atol(argv[optind + 2]) : 1;
	if (argc - optind > 3)
		path = argv[optind + 3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = connect_tls(port, sni);
	nghttp2_hd_deflate_new(&deflater, 4096);
	nghttp2_hd_inflate_new(&inflater);
	int64_t end = now_ms() + (int64_t)(secs * 1000);

	if (send_all(NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN) < 0)
		return 2;
	nghttp2_settings_entry iv[2] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535 },
	};
	if (strcmp(mode, "zero-window") == 0)
		iv[1].value = 0;
	else if (strcmp(mode, "slow-read") == 0)
		iv[1].value = 16384;
	settings(iv, 2);

	uint8_t b[70000];
	int rc = 0;
	if (strcmp(mode, "ok") == 0 || strcmp(mode, "zero-window") == 0 ||
	    strcmp(mode, "slow-read") == 0) {
		get(1, path);
	} else if (strcmp(mode, "rapid-reset") == 0) {
		unsigned char cancel[4] = { 0, 0, 0, NGHTTP2_CANCEL };
		for (long i = 0; i < n && rc == 0; i++) {
			uint32_t id = (uint32_t)(2 * i + 1);
			rc = get(id, path);
			if (rc == 0)
				rc = frame(NGHTTP2_RST_STREAM, 0, id, cancel, 4);
		}
	} else if (strcmp(mode, "continuation") == 0) {
		size_t len = request_block(b, sizeof(b), "GET", path);
		rc = frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1, b, 1);
		for (long i = 0; i < n && rc == 0; i++)
			rc = frame(NGHTTP2_CONTINUATION, 0, 1, NULL, 0);
		if (rc == 0)
			rc = frame(NGHTTP2_CONTINUATION, NGHTTP2_FLAG_END_HEADERS,
			    1, b + 1, len - 1);
	} else if (strcmp(mode, "hpack-bomb") == 0) {
		size_t i = hand_pseudo(b);
		b[i++] = 0x40;                  /* literal, incremental indexing */
		i += hpack_int(b + i, 0x00, 7, 6);
		memcpy(b + i, "x-bomb", 6);
		i += 6;
		i += hpack_int(b + i, 0x00, 7, 4000);
		memset(b + i, 'b', 4000);
		i += 4000;
		for (long k = 0; k < n && i < 16000; k++)
			b[i++] = 0x80 | 62;     /* indexed: the x-bomb entry */
		rc = frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS |
		    NGHTTP2_FLAG_END_STREAM, 1, b, i);
	} else if (strcmp(mode, "big-headers") == 0) {
		size_t i = hand_pseudo(b), v = (size_t)n;
		if (v > sizeof(b) - 100)
			v = sizeof(b) - 100;
		b[i++] = 0x00;                  /* literal, not indexed */
		i += hpack_int(b + i, 0x00, 7, 5);
		memcpy(b + i, "x-big", 5);
		i += 5;
		i += hpack_int(b + i, 0x00, 7, v);
		memset(b + i, 'x', v);
		i += v;
		/* In frames of at most 16 KiB (SETTINGS_MAX_FRAME_SIZE). */
		size_t off = 0, chunk = i < 16384 ? i : 16384;
		rc = frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM |
		    (chunk == i ? NGHTTP2_FLAG_END_HEADERS : 0), 1, b, chunk);
		for (off = chunk; off < i && rc == 0; off += chunk) {
			chunk = i - off < 16384 ? i - off : 16384;
			rc = frame(NGHTTP2_CONTINUATION, off + chunk == i ?
			    NGHTTP2_FLAG_END_HEADERS : 0, 1, b + off, chunk);
		}
	} else if (strcmp(mode, "ping-flood") == 0) {
		unsigned char opaque[8] = "h2attack";
		for (long i = 0; i < n && rc == 0; i++)
			rc = frame(NGHTTP2_PING, 0, 0, opaque, 8);
	} else if (strcmp(mode, "settings-flood") == 0) {
		nghttp2_settings_entry one = { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 };
		for (long i = 0; i < n && rc == 0; i++)
			rc = settings(&one, 1);
	} else if (strcmp(mode, "streams") == 0) {
		/* The limit applies once the viewer acknowledged it. */
		set_timeout(fd, 3000);
		while (n_settings_acks == 0 && read_frame() >= 0)
			;
		for (long i = 0; i < n && rc == 0; i++)
			rc = get((uint32_t)(2 * i + 1), path);
	} else {
		fprintf(stderr, "h2attack: unknown mode %s\n", mode);
		return 2;
	}
	if (rc != 0)
		printf("write failed (the server closed the connection)\n");

	/* The streams this mode opened, for -e. */
	long opened = strcmp(mode, "streams") == 0 ? n : 1;
	int64_t next_window = now_ms(), linger_end = 0;
	for (;;) {
		if (until_ended && linger_end == 0 && n_ended >= opened)
			linger_end = now_ms() + 500;
		if (linger_end && now_ms() >= linger_end) {
			printf("ended\n");
			break;
		}
		int64_t left = (linger_end ? linger_end : end) - now_ms();
		if (left <= 0) {
			printf("timeout\n");
			break;
		}
		if (strcmp(mode, "slow-read") == 0) {
			if (now_ms() >= next_window) {
				unsigned char inc[4] = { 0, 0, 0x40, 0 };
				frame(NGHTTP2_WINDOW_UPDATE, 0, 1, inc, 4);
				frame(NGHTTP2_WINDOW_UPDATE, 0, 0, inc, 4);
				next_window = now_ms() + n;
			}
			if (next_window - now_ms() < left)
				left = next_window - now_ms();
		}
		set_timeout(fd, left);
		errno = 0;
		if (read_frame() < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (strcmp(mode, "slow-read") == 0 || linger_end)
					continue;
				printf("timeout\n");
			} else {
				eof_seen = 1;
				printf("eof\n");
			}
			break;
		}
	}
	printf("summary goaway=%s rst=%d headers=%d data=%lld ping_acks=%d eof=%d\n",
	    goaway_error, n_rst, n_headers, data_bytes, n_ping_acks, eof_seen);
	nghttp2_hd_deflate_del(deflater);
	nghttp2_hd_inflate_del(inflater);
	return 0;
}
