/*
 * pin.h - certificate pins: parse them, and check a leaf against them.
 *
 *   sha1:HEX     SHA-1 of the DER certificate (what Akamai compares)
 *   sha256:HEX   SHA-256 of the DER certificate
 *   spki:BASE64  SHA-256 of the DER SubjectPublicKeyInfo (i2d_PUBKEY), the
 *                value of curl's --pinnedpubkey sha256//BASE64; it survives a
 *                re-issue with the same key, a fingerprint does not.
 * HEX may use colons and either case. Comparisons run in constant time.
 */
#ifndef EDGESIM_PIN_H
#define EDGESIM_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "certinfo.h"
#include "util.h"

typedef struct x509_st X509;

enum pin_kind {
	PIN_SHA1,
	PIN_SHA256,
	PIN_SPKI,
};

struct pin {
	enum pin_kind kind;
	unsigned char digest[32];
	size_t len;                     /* 20 or 32 */
};

int pin_parse(const char *text, struct pin *out, struct es_err *err);
bool pin_match(const struct pin *p, const struct cert_digests *d);
/* Canonical text: "sha1:AB:CD:...", "sha256:...", "spki:BASE64". */
void pin_format(const struct pin *p, char *out, size_t len);
/* The pin of kind for digests d. */
void pin_from_digests(enum pin_kind kind, const struct cert_digests *d,
    struct pin *out);

#endif
