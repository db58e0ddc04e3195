/*
 * pin.c - parse, compute and compare certificate pins.
 */
#include "pin.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
parse_hex(const char *s, unsigned char *out, size_t want)
{
	size_t n = 0;

	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		int hi = hexval((unsigned char)s[0]);
		int lo = s[1] ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0 || n == want)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return n == want ? 0 : -1;
}

int
pin_parse(const char *text, struct pin *out, struct es_err *err)
{
	memset(out, 0, sizeof(*out));
	if (strncasecmp(text, "sha1:", 5) == 0) {
		out->kind = PIN_SHA1;
		out->len = 20;
		if (parse_hex(text + 5, out->digest, 20) < 0)
			return es_errf(err, "'%s': a sha1 pin is 20 bytes of hex "
			    "(40 digits, colons allowed)", text);
		return 0;
	}
	if (strncasecmp(text, "sha256:", 7) == 0) {
		out->kind = PIN_SHA256;
		out->len = 32;
		if (parse_hex(text + 7, out->digest, 32) < 0)
			return es_errf(err, "'%s': a sha256 pin is 32 bytes of hex "
			    "(64 digits, colons allowed)", text);
		return 0;
	}
	const char *b64 = NULL;
	if (strncasecmp(text, "spki:", 5) == 0)
		b64 = text + 5;
	else if (strncmp(text, "sha256//", 8) == 0)
		b64 = text + 8;         /* curl's --pinnedpubkey spelling */
	if (b64 == NULL)
		return es_errf(err, "'%s': a pin starts with sha1:, sha256: or "
		    "spki:", text);
	out->kind = PIN_SPKI;
	out->len = 32;
	size_t n = strlen(b64);
	unsigned char buf[48];
	char again[48];
	/* EVP_DecodeBlock takes '=' anywhere and "==" (31 bytes) as 33
	 * bytes: accept only the exact encoding of 32 bytes, which is also
	 * the only spelling curl compares equal. */
	if (n != 44 || b64[43] != '=' ||
	    EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n) != 33 ||
	    EVP_EncodeBlock((unsigned char *)again, buf, 32) != 44 ||
	    memcmp(again, b64, 44) != 0)
		return es_errf(err, "'%s': an spki pin is the base64 of a "
		    "SHA-256 digest (44 characters ending in '=')", text);
	memcpy(out->digest, buf, 32);
	return 0;
}

bool
pin_match(const struct pin *p, const struct cert_digests *d)
{
	const unsigned char *have;

	switch (p->kind) {
	case PIN_SHA1: have = d->sha1; break;
	case PIN_SHA256: have = d->sha256; break;
	default: have = d->spki; break;
	}
	return CRYPTO_memcmp(have, p->digest, p->len) == 0;
}

void
pin_format(const struct pin *p, char *out, size_t len)
{
	char buf[128];

	switch (p->kind) {
	case PIN_SHA1:
	case PIN_SHA256:
		hex_encode(p->digest, p->len, ':', buf, sizeof(buf));
		snprintf(out, len, "%s:%s", p->kind == PIN_SHA1 ? "sha1" :
		    "sha256", buf);
		break;
	default:
		EVP_EncodeBlock((unsigned char *)buf, p->digest, (int)p->len);
		snprintf(out, len, "spki:%s", buf);
	}
}

void
pin_from_digests(enum pin_kind kind, const struct cert_digests *d,
    struct pin *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	switch (kind) {
	case PIN_SHA1:
		out->len = 20;
		memcpy(out->digest, d->sha1, 20);
		break;
	case PIN_SHA256:
		out->len = 32;
		memcpy(out->digest, d->sha256, 32);
		break;
	default:
		out->len = 32;
		memcpy(out->digest, d->spki, 32);
	}
}
