/*
 * test_pin.c - unit tests of certificate pins (proxy/pin.c): every spelling
 * of a pin that parses, the malformed ones that must not, pin_match against
 * the right and the wrong certificate, pin_format round trips, and the
 * digests checked against what the openssl command line computes for the
 * same file (the SPKI pin being curl's --pinnedpubkey value).
 *
 * Certificates come from the lab PKI, made under a mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <ctype.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certinfo.h"
#include "pin.h"
#include "pki.h"
#include "util.h"

static char top[PATH_MAX];

/* The certificates: a P-256 leaf, its rotated twin (same names, new key),
 * and an RSA leaf. */
enum { C_P256, C_ROTATED, C_RSA, C_COUNT };

static struct cert {
	struct pki_paths paths;
	X509 *x509;
	struct cert_digests d;
} certs[C_COUNT];

static int
make(const char *sub, enum pki_key_type kt, const char *name,
    enum pki_variant v, struct cert *c)
{
	const char *const names[] = { name };
	char dir[PATH_MAX];
	struct es_err err = { "" };
	BIO *b;

	snprintf(dir, sizeof(dir), "%s/%s", top, sub);
	if (pki_ensure_leaf(dir, kt, names, 1, v, false, &c->paths, NULL,
	    &err) != 0) {
		fprintf(stderr, "pki_ensure_leaf: %s\n", err.msg);
		return -1;
	}
	if ((b = BIO_new_file(c->paths.cert, "r")) == NULL)
		return -1;
	c->x509 = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (c->x509 == NULL)
		return -1;
	certinfo_digests(c->x509, &c->d);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	if (fixture_tmpdir(top, sizeof(top), "pin") < 0)
		return -1;
	if (make("p256", PKI_KEY_P256, "pin.example", PKI_LEAF,
	    &certs[C_P256]) < 0 ||
	    make("p256", PKI_KEY_P256, "pin.example", PKI_ROTATED,
	    &certs[C_ROTATED]) < 0 ||
	    make("rsa", PKI_KEY_RSA2048, "rsa.example", PKI_LEAF,
	    &certs[C_RSA]) < 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < C_COUNT; i++)
		X509_free(certs[i].x509);
	fixture_rmtree(top);
	return 0;
}

/* ---- the digests, against the openssl command line ----------------------- */

/* The first line a shell command prints, without its newline. */
static void
run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	out[0] = '\0';
	if (fgets(out, (int)len, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	assert_int_equal(pclose(p), 0);
	if (out[0] == '\0')
		fail_msg("no output from: %s", cmd);
}

static void
test_digests_match_openssl(void **state)
{
	char cmd[PATH_MAX * 2], line[512], text[256];
	struct pin p;
	size_t i;

	(void)state;
	for (i = 0; i < C_COUNT; i++) {
		const struct cert *c = &certs[i];

		/* spki: the pipeline of DESIGN.md (curl's own recipe) */
		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -pubkey "
		    "-noout | openssl pkey -pubin -outform der | openssl dgst "
		    "-sha256 -binary | base64", c->paths.cert);
		run(cmd, line, sizeof(line));
		pin_from_digests(PIN_SPKI, &c->d, &p);
		pin_format(&p, text, sizeof(text));
		if (strncmp(text, "spki:", 5) != 0 || strcmp(text + 5, line) != 0)
			fail_msg("cert %zu: %s, openssl says %s", i, text, line);
		/* and the same as certinfo says */
		{
			char sha1[60], sha256[100], ci[48];

			certinfo_format_digests(&c->d, sha1, sha256, ci);
			assert_string_equal(ci, text + 5);
		}

		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout "
		    "-fingerprint -sha1", c->paths.cert);
		run(cmd, line, sizeof(line));
		pin_from_digests(PIN_SHA1, &c->d, &p);
		pin_format(&p, text, sizeof(text));
		/* "SHA1 Fingerprint=AB:CD:..." */
		if (strchr(line, '=') == NULL ||
		    strcmp(strchr(line, '=') + 1, text + 5) != 0)
			fail_msg("cert %zu: %s, openssl says %s", i, text, line);

		snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout "
		    "-fingerprint -sha256", c->paths.cert);
		run(cmd, line, sizeof(line));
		pin_from_digests(PIN_SHA256, &c->d, &p);
		pin_format(&p, text, sizeof(text));
		if (strchr(line, '=') == NULL ||
		    strcmp(strchr(line, '=') + 1, text + 7) != 0)
			fail_msg("cert %zu: %s, openssl says %s", i, text, line);
	}
	/* a rotated certificate: every digest differs, the SPKI too */
	assert_memory_not_equal(certs[C_P256].d.sha1, certs[C_ROTATED].d.sha1,
	    20);
	assert_memory_not_equal(certs[C_P256].d.spki, certs[C_ROTATED].d.spki,
	    32);
}

/* ---- parsing every spelling ----------------------------------------------- */

struct spelling {
	const char *what;
	enum pin_kind kind;
	const char *prefix;
	char sep;                       /* between hex bytes; 0: none */
	bool lower;
};

static const struct spelling spellings[] = {
	{ "sha1, colons, upper", PIN_SHA1, "sha1:", ':', false },
	{ "sha1, colons, lower", PIN_SHA1, "sha1:", ':', true },
	{ "sha1, bare, upper", PIN_SHA1, "sha1:", 0, false },
	{ "sha1, bare, lower", PIN_SHA1, "sha1:", 0, true },
	{ "SHA1 prefix", PIN_SHA1, "SHA1:", ':', false },
	{ "sha256, colons, upper", PIN_SHA256, "sha256:", ':', false },
	{ "sha256, bare, lower", PIN_SHA256, "sha256:", 0, true },
	{ "Sha256 prefix", PIN_SHA256, "Sha256:", 0, false },
	{ "spki", PIN_SPKI, "spki:", 0, false },
	{ "SPKI prefix", PIN_SPKI, "SPKI:", 0, false },
	{ "curl's sha256//", PIN_SPKI, "sha256//", 0, false },
};

static void
spell(const struct spelling *s, const struct cert_digests *d, char *out,
    size_t len)
{
	struct pin p;
	char buf[200];
	size_t i;

	pin_from_digests(s->kind, d, &p);
	if (s->kind == PIN_SPKI) {
		EVP_EncodeBlock((unsigned char *)buf, p.digest, (int)p.len);
	} else {
		hex_encode(p.digest, p.len, s->sep, buf, sizeof(buf));
		for (i = 0; buf[i]; i++)
			if (s->lower)
				buf[i] = (char)tolower((unsigned char)buf[i]);
	}
	snprintf(out, len, "%s%s", s->prefix, buf);
}

static void
test_parse_spellings(void **state)
{
	char text[256], again[256];
	struct es_err err;
	struct pin p, q;
	size_t i, c, other;

	(void)state;
	for (c = 0; c < C_COUNT; c++) {
		for (i = 0; i < ES_ARRAY_LEN(spellings); i++) {
			const struct spelling *s = &spellings[i];

			spell(s, &certs[c].d, text, sizeof(text));
			memset(&err, 0, sizeof(err));
			if (pin_parse(text, &p, &err) != 0)
				fail_msg("%s: \"%s\" refused: %s", s->what, text,
				    err.msg);
			assert_int_equal(p.kind, s->kind);
			assert_int_equal(p.len, s->kind == PIN_SHA1 ? 20 : 32);
			if (!pin_match(&p, &certs[c].d))
				fail_msg("%s: \"%s\" does not match its own "
				    "certificate", s->what, text);
			for (other = 0; other < C_COUNT; other++)
				if (other != c && pin_match(&p, &certs[other].d))
					fail_msg("%s: \"%s\" matches certificate "
					    "%zu too", s->what, text, other);
			/* the canonical text parses back to the same pin */
			pin_format(&p, again, sizeof(again));
			assert_int_equal(pin_parse(again, &q, NULL), 0);
			assert_int_equal(q.kind, p.kind);
			assert_int_equal(q.len, p.len);
			assert_memory_equal(q.digest, p.digest, p.len);
		}
	}
}

/* pin_format's canonical spellings. */
static void
test_format(void **state)
{
	struct pin p;
	char text[256];
	size_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.kind = PIN_SHA1;
	p.len = 20;
	for (i = 0; i < 20; i++)
		p.digest[i] = (unsigned char)(0xa0 + i);
	pin_format(&p, text, sizeof(text));
	assert_string_equal(text, "sha1:A0:A1:A2:A3:A4:A5:A6:A7:A8:A9:AA:AB:"
	    "AC:AD:AE:AF:B0:B1:B2:B3");
	p.kind = PIN_SPKI;
	p.len = 32;
	memset(p.digest, 0, 32);
	pin_format(&p, text, sizeof(text));
	assert_string_equal(text, "spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	p.kind = PIN_SHA256;
	memset(p.digest, 0xff, 32);
	pin_format(&p, text, sizeof(text));
	assert_int_equal(strlen(text), 7 + 32 * 3 - 1);
	assert_true(str_has_prefix(text, "sha256:FF:FF:"));
	/* a short buffer is cut, not overrun */
	pin_format(&p, text, 12);
	assert_string_equal(text, "sha256:FF:F");
}

/* A pin differing from the leaf's in one byte does not match. */
static void
test_match_one_byte(void **state)
{
	static const enum pin_kind kinds[] = { PIN_SHA1, PIN_SHA256, PIN_SPKI };
	struct pin p;
	size_t k, b;

	(void)state;
	for (k = 0; k < ES_ARRAY_LEN(kinds); k++) {
		pin_from_digests(kinds[k], &certs[C_P256].d, &p);
		assert_true(pin_match(&p, &certs[C_P256].d));
		for (b = 0; b < p.len; b++) {
			p.digest[b] ^= 0x01;
			if (pin_match(&p, &certs[C_P256].d))
				fail_msg("kind %d: byte %zu flipped still matches",
				    kinds[k], b);
			p.digest[b] ^= 0x01;
		}
	}
	/* a sha1 pin of the sha256 bytes is not a match: kinds do not mix */
	pin_from_digests(PIN_SHA256, &certs[C_P256].d, &p);
	p.kind = PIN_SPKI;
	assert_false(pin_match(&p, &certs[C_P256].d));
}

/* ---- malformed pins -------------------------------------------------------- */

#define H10 "0123456789"
#define H40 H10 H10 H10 H10
#define B43 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const char *const bad_pins[] = {
	"",
	"0123456789abcdef",
	H40,                                    /* no prefix */
	"md5:" H40,
	"sha:" H40,
	"sha1" H40,
	"sha1=" H40,
	"sha512:" H40 H40 H40,
	/* sha1: 20 bytes */
	"sha1:",
	"sha1:" H40 "00",                       /* 21 bytes */
	"sha1:" H10 H10 H10 "01234567",         /* 19 bytes */
	"sha1:" H40 "0",                        /* an odd digit */
	"sha1:" H10 H10 H10 "012345678g",       /* not hex */
	"sha1:" H10 H10 " " H10 H10,
	"sha1: " H40,
	"sha1:0:123456789" H10 H10 H10,         /* a colon inside a byte */
	"sha1:" H40 "\n",
	/* sha256: 32 bytes */
	"sha256:" H40,                          /* a sha1's length */
	"sha256:" H40 H40 "0000",               /* 34 bytes */
	"sha256:" H40 H10 H10 "0123456x",
	/* spki: base64 of 32 bytes, 44 characters */
	"spki:",
	"spki:" B43,                            /* no padding */
	"spki:" B43 "A",                        /* 33 bytes */
	"spki:" B43 "==",
	"spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 31 bytes */
	"spki:AAAAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAAAAAAAAA=", /* '=' inside */
	"spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=", /* not base64 */
	"spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_=", /* base64url */
	"spki:AAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* a blank */
	"spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", /* not canonical */
	"spki:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	"sha256/" B43 "=",
	"sha256///" B43 "=",
	"sha256//" B43,
	"spki:" H40,
};

static void
test_parse_malformed(void **state)
{
	struct es_err err;
	struct pin p;
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(bad_pins); i++) {
		memset(&err, 0, sizeof(err));
		if (pin_parse(bad_pins[i], &p, &err) != -1)
			fail_msg("pin %zu \"%s\" accepted", i, bad_pins[i]);
		/* the message quotes the pin and says what a pin looks like */
		if (strstr(err.msg, bad_pins[i]) == NULL ||
		    (strstr(err.msg, "sha1") == NULL &&
		    strstr(err.msg, "SHA-256") == NULL &&
		    strstr(err.msg, "sha256") == NULL))
			fail_msg("pin %zu: message \"%s\"", i, err.msg);
	}
	/* err may be NULL */
	assert_int_equal(pin_parse("md5:00", &p, NULL), -1);
	/* the valid neighbours of the spki cases above */
	assert_int_equal(pin_parse("spki:" B43 "=", &p, NULL), 0);
	assert_int_equal(pin_parse("sha256//" B43 "=", &p, NULL), 0);
	assert_int_equal(pin_parse("sha1:" H40, &p, NULL), 0);
	assert_int_equal(pin_parse("sha1:" H10 ":" H10 ":" H10 ":" H10, &p,
	    NULL), 0);
	assert_int_equal(p.digest[0], 0x01);
	assert_int_equal(p.digest[19], 0x89);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digests_match_openssl),
		cmocka_unit_test(test_parse_spellings),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_match_one_byte),
		cmocka_unit_test(test_parse_malformed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
