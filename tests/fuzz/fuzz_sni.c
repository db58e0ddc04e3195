/*
 * fuzz_sni.c - libFuzzer harness for what edgesim does with a ClientHello's
 * server name: sni_parse_server_name (the extension's bytes), then the name
 * table's lookup and its wildcard rules (proxy/sni.c).
 *
 * An input that starts like a TLS handshake record (0x16) is a whole
 * ClientHello: OpenSSL reads it from a memory BIO and a ClientHello
 * callback does what tls_server.c's does (take the extension, parse it,
 * look the name up). Any input is also taken as an extension body on its
 * own. Every name found, and the input itself as a name, is looked up in a
 * fixed table and the answer compared with a slow reference matcher
 * written from sni.h's rules; sni_name_valid and sni_cert_name_covers are
 * checked the same way. A broken property aborts.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fuzz.h"
#include "sni.h"
#include "util.h"

#define INPUT_MAX 8192

/* The table: names as a config could spell them, added in this order. */
static const struct {
	const char *name;
	bool is_alias;
} entries[] = {
	{ "*.example.com", false },
	{ "www.example.net", false },
	{ "api.example.com", true },
	{ "both.example.org", true },
	{ "both.example.org", false },
	{ "Mixed.Example.ORG.", false },
	{ "*.cdn.example.net", true },
	{ "x.cdn.example.net", true },
	{ "localhost", false },
	{ "a", true },
	{ "*.a", false },
	{ "xn--bcher-kva.example", false },
	{ "under_score.example", true },
};
#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static struct sni_table table;
static int hosts[N_ENTRIES];    /* entry i's host is &hosts[i] */
static SSL_CTX *ctx;

static unsigned char
lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* a[0..an) and b[0..bn) equal, ASCII case aside. */
static bool
ieq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return false;
	return true;
}

/* pattern (NUL-terminated, no trailing dot) covers name[0..n), which has
 * had its trailing dot removed: sni.h's rules, spelled out. */
static bool
ref_match(const char *pattern, const char *name, size_t n)
{
	size_t pn = strlen(pattern);

	if (pn >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* one non-empty label, then exactly the rest */
		size_t i;
		for (i = 0; i < n && name[i] != '.'; i++)
			;
		if (i == 0 || i == n)
			return false;
		return ieq(pattern + 2, pn - 2, name + i + 1, n - i - 1);
	}
	return ieq(pattern, pn, name, n);
}

/* The entry's name as the table stores it: without one trailing dot. */
static size_t
entry_len(size_t i)
{
	size_t n = strlen(entries[i].name);

	return n > 1 && entries[i].name[n - 1] == '.' ? n - 1 : n;
}

static void *
ref_lookup(const char *name, size_t n, enum sni_kind *kind)
{
	char pat[64];

	if (n > 1 && name[n - 1] == '.')
		n--;
	if (n == 0)
		return NULL;
	/* exact names, then exact aliases, then wildcards of either */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < N_ENTRIES; i++) {
			size_t en = entry_len(i);
			bool wild = en >= 2 && entries[i].name[0] == '*' &&
			    entries[i].name[1] == '.';
			int want = wild ? 2 : entries[i].is_alias ? 1 : 0;
			if (want != pass)
				continue;
			snprintf(pat, sizeof(pat), "%.*s", (int)en,
			    entries[i].name);
			if (ref_match(pat, name, n)) {
				*kind = pass == 0 ? SNI_EXACT_NAME :
				    pass == 1 ? SNI_EXACT_ALIAS : SNI_WILDCARD;
				return &hosts[i];
			}
		}
	}
	return NULL;
}

static bool
ref_valid(const char *s, size_t n)
{
	size_t label = 0;

	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	if (n > 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* Look name[0..n) up every way sni.c offers and compare. */
static void
fuzz_name(const char *name, size_t n)
{
	enum sni_kind kind = SNI_EXACT_NAME, rkind = SNI_EXACT_NAME;
	void *got = sni_table_lookup(&table, name, n, &kind);
	void *want = ref_lookup(name, n, &rkind);

	if (got != want) {
		fprintf(stderr, "lookup \"%.*s\": entry %td, reference %td\n",
		    (int)n, name, got ? (int *)got - hosts : -1,
		    want ? (int *)want - hosts : -1);
		abort();
	}
	check(got == NULL || kind == rkind);
	check(sni_table_lookup(&table, name, n, NULL) == got);
	check(sni_name_valid(name, n) == ref_valid(name, n));

	/* sni_name_match against each pattern, with its dot rule */
	size_t bare = n > 1 && name[n - 1] == '.' ? n - 1 : n;
	for (size_t i = 0; i < N_ENTRIES; i++) {
		char pat[64];
		snprintf(pat, sizeof(pat), "%.*s", (int)entry_len(i),
		    entries[i].name);
		check(sni_name_match(pat, name, n) == ref_match(pat, name, bare));
	}

	/* sni_cert_name_covers takes C strings: up to the first NUL */
	if (n > 300)
		return;
	char s[301];
	memcpy(s, name, n);
	s[n] = '\0';
	size_t sn = strlen(s), sbare = sn > 1 && s[sn - 1] == '.' ? sn - 1 : sn;
	bool wild = s[0] == '*' && s[1] == '.';
	for (size_t i = 0; i < N_ENTRIES; i++) {
		const char *san = entries[i].name;
		/* a wildcard name only by the same wildcard, else matching */
		check(sni_cert_name_covers(san, s) == (wild ?
		    ieq(san, strlen(san), s, sn) : ref_match(san, s, sbare)));
	}
}

/* Parse an extension body and check where the name points. */
static void
fuzz_extension(const unsigned char *p, size_t len, bool from_hello)
{
	const unsigned char *name = (const unsigned char *)"";
	size_t n = 99999;
	int rc = sni_parse_server_name(p, len, &name, &n);

	check(rc == 0 || rc == -1);
	if (rc < 0)
		return;
	check(len >= 2 && ((size_t)p[0] << 8 | p[1]) == len - 2);
	if (name == NULL)
		return;
	check(name >= p + 5 && n <= len && name + n <= p + len);
	check(name[-3] == 0);   /* a host_name entry */
	check(((size_t)name[-2] << 8 | name[-1]) == n);
	/* what client_hello_cb looks up */
	if (n > 0 && n <= SNI_NAME_MAX && !memchr(name, '\0', n))
		fuzz_name((const char *)name, n);
	else if (!from_hello && n > 0)
		fuzz_name((const char *)name, n);
}

/* tls_server.c's callback, minus the config: parse, look up, stop. */
static int
hello_cb(SSL *ssl, int *al, void *arg)
{
	const unsigned char *ext;
	size_t ext_len;

	(void)arg;
	*al = SSL_AD_DECODE_ERROR;
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext,
	    &ext_len))
		fuzz_extension(ext, ext_len, true);
	/* A certificate would be chosen now; nothing more to test here. */
	return SSL_CLIENT_HELLO_ERROR;
}

static void
setup(void)
{
	sni_table_init(&table);
	for (size_t i = 0; i < N_ENTRIES; i++)
		sni_table_add(&table, entries[i].name, entries[i].is_alias,
		    &hosts[i]);
	ctx = SSL_CTX_new(TLS_server_method());
	check(ctx != NULL);
	/* As lenient as an edge can be configured (min_tls = 1.0). */
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_client_hello_cb(ctx, hello_cb, NULL);
}

static void
fuzz_hello(const uint8_t *data, size_t size)
{
	SSL *ssl = SSL_new(ctx);
	BIO *rb = BIO_new_mem_buf(data, (int)size);
	BIO *wb = BIO_new(BIO_s_mem());

	check(ssl && rb && wb);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_accept_state(ssl);
	(void)SSL_do_handshake(ssl);
	SSL_free(ssl);
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (size > INPUT_MAX)
		return 0;
	if (!ready) {
		setup();
		ready = true;
	}
	if (size >= 5 && data[0] == 0x16)
		fuzz_hello(data, size);
	fuzz_extension(data, size, false);
	if (size > 0)
		fuzz_name((const char *)data, size);
	return 0;
}
