/*
 * certinfo.h - what a certificate says, as plain strings: the facts that
 * logs, `edgesim probe`, config validation (strict_aliases) and error pages
 * quote. Extracted once from an X509; no OpenSSL types leak out.
 */
#ifndef EDGESIM_CERTINFO_H
#define EDGESIM_CERTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

typedef struct x509_st X509;
typedef struct x509_store_st X509_STORE;

struct certinfo {
	char subject[256];      /* RFC 2253 style: "CN=*.cloudfront.net,O=edgesim lab" */
	char issuer[256];
	char serial[80];        /* hex, colon separated */
	time_t not_before;
	time_t not_after;
	char not_before_str[32];        /* "2026-11-23T08:00:00Z" */
	char not_after_str[32];
	struct strlist sans;    /* DNS names and IP addresses, in certificate order */
	char key_type[32];      /* "ECDSA P-256", "RSA 2048" */
	char sha1[60];          /* uppercase hex, colon separated */
	char sha256[100];
	char spki_sha256[48];   /* base64 of SHA-256 over DER SubjectPublicKeyInfo */
	bool self_signed;       /* subject == issuer and the signature verifies */
	bool is_ca;
};

/*
 * The three digests of a certificate, raw: SHA-1 and SHA-256 over its DER,
 * and SHA-256 over its SubjectPublicKeyInfo as i2d_PUBKEY writes it (what
 * curl --pinnedpubkey takes; X509_pubkey_digest is not that and is not
 * used). Computed here and nowhere else: pins compare them, logs print
 * them.
 */
struct cert_digests {
	unsigned char sha1[20];
	unsigned char sha256[32];
	unsigned char spki[32];
};
void certinfo_digests(X509 *cert, struct cert_digests *d);

/* Fill info from cert; 0 on success. info must be freed with certinfo_free. */
int certinfo_from_x509(X509 *cert, struct certinfo *info);
/* The same, with the digests already computed (an origin handshake has
 * them from its verification: they are not computed twice). */
int certinfo_from_x509_digests(X509 *cert, const struct cert_digests *d,
    struct certinfo *info);
/* Load the first certificate of a PEM file. */
int certinfo_load_file(const char *path, struct certinfo *info,
    struct es_err *err);
void certinfo_free(struct certinfo *info);

/* Count the certificates of a PEM file, adding each to store (when not
 * NULL); -1 when the file cannot be read. */
int certinfo_load_certs(const char *path, X509_STORE *store);

/* "DNS:cloudfront.net, DNS:*.cloudfront.net" (the Node.js spelling). */
void certinfo_sans_typed(const struct certinfo *info, struct sbuf *out);
/* "cloudfront.net, *.cloudfront.net". */
void certinfo_sans_plain(const struct certinfo *info, struct sbuf *out);

/*
 * Digests as edgesim spells them in pins and logs. sha1/sha256: uppercase
 * hex with colons; spki: base64.
 */
void certinfo_format_digests(const struct cert_digests *d, char sha1[60],
    char sha256[100], char spki[48]);

#endif
