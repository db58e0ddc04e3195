/*
 * pki.h - the lab PKI: a private CA hierarchy, made with the OpenSSL API,
 * that issues every certificate a simulated edge or origin serves.
 *
 * Layout of the directory (default certs/lab/):
 *   ca.pem / ca.key                 the lab root: the viewers' trust anchor
 *   intermediate.pem / .key         issues every lab leaf
 *   untrusted-ca.pem / .key         a second root that no trust store holds
 *   crl.pem                         the intermediate's CRL (lab:revoked leaves)
 *   LABEL[.VARIANT].pem / .key      leaves: the leaf, then the chain it is
 *                                   served with (none for self-signed and
 *                                   no-intermediate)
 * LABEL is the first name of the leaf, lowercased, with a leading "*" spelled
 * "wildcard" ("*.cloudfront.net" -> "wildcard.cloudfront.net").
 *
 * Keys are written 0600, every file atomically (temporary file + rename),
 * and the directory is locked (flock on DIR/.lock) while it is changed, so
 * two edgesim processes sharing a directory never see half a certificate.
 */
#ifndef EDGESIM_PKI_H
#define EDGESIM_PKI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util.h"

enum pki_key_type {
	PKI_KEY_P256,           /* ECDSA P-256, the default */
	PKI_KEY_RSA2048,
};

/* The certificates a scenario may ask for, named by what they produce. */
enum pki_variant {
	PKI_LEAF,               /* issued by the intermediate, valid, covers the names */
	PKI_EXPIRED,            /* notAfter in the past */
	PKI_NOT_YET_VALID,      /* notBefore in the future */
	PKI_WRONG_NAME,         /* a valid chain for other names (PKI_WRONG_NAME_SAN) */
	PKI_SELF_SIGNED,        /* its own issuer */
	PKI_UNTRUSTED,          /* issued by untrusted-ca, which no store trusts */
	PKI_NO_INTERMEDIATE,    /* served without the intermediate */
	PKI_ROTATED,            /* same names, a new key and serial */
	PKI_REVOKED,            /* valid, but its serial is on crl.pem */
	PKI_CLIENT,             /* a client certificate (extendedKeyUsage clientAuth) */
	PKI_VARIANT_COUNT
};

#define PKI_WRONG_NAME_SAN "other.example.net"

/* "expired", "not-yet-valid", ...; "" for PKI_LEAF, "client" for PKI_CLIENT. */
const char *pki_variant_name(enum pki_variant v);
/* The inverse; -1 for an unknown name. */
int pki_variant_parse(const char *name, enum pki_variant *out);
/* "p256" or "rsa2048" <-> the enum; parse returns -1 when unknown. */
const char *pki_key_type_name(enum pki_key_type kt);
int pki_key_type_parse(const char *name, enum pki_key_type *out);

struct pki_paths {
	char cert[PATH_MAX];    /* leaf + the chain it is served with */
	char key[PATH_MAX];
};

/*
 * Make sure DIR holds the roots, the intermediate and a current CRL; create
 * DIR (0755) when missing. Existing files are kept when they are sound (parse,
 * key matches, right key type, not expiring within 30 days, the intermediate
 * signed by the current root); otherwise, or with force, they are re-made.
 * *changed (may be NULL) is set when anything was written.
 */
int pki_ensure_roots(const char *dir, enum pki_key_type kt, bool force,
    bool *changed, struct es_err *err);

/*
 * Make sure DIR holds the leaf for names[0..n_names) in variant v, and return
 * its paths. names[0] is the subject CN and the file LABEL; every name goes in
 * subjectAltName (as an IP address when it parses as one, else DNS). A name
 * "*.D" also adds "D" first, as CloudFront's default certificate carries
 * "cloudfront.net, *.cloudfront.net". An existing leaf is kept when its SANs
 * are exactly the ones wanted, its issuer is the current issuing CA, its key
 * matches and is of type kt, and (for variants meant to be valid) it does not
 * expire within 7 days; otherwise, or with force, it is re-issued.
 * PKI_REVOKED also (re)writes crl.pem with the leaf's serial.
 * Calls pki_ensure_roots first. *issued (may be NULL) tells if it wrote.
 */
int pki_ensure_leaf(const char *dir, enum pki_key_type kt,
    const char *const *names, size_t n_names, enum pki_variant v, bool force,
    struct pki_paths *out, bool *issued, struct es_err *err);

/* The first CRL of a PEM file, or NULL (unreadable, or not a CRL). The
 * one CRL reader: the lab's own and an origin's `crl` both use it. */
typedef struct X509_crl_st X509_CRL;
X509_CRL *pki_crl_load(const char *path);

/*
 * The same for many leaves: the directory is locked and the roots are
 * made sure of (pki_ensure_roots, with force) once, at open; each leaf is
 * then what pki_ensure_leaf would do, without checking the roots again.
 * NULL with err on failure.
 */
struct pki_batch;
/* A leaf as it was checked (or made): its chain (leaf first) and its key,
 * for a caller that serves it without reading the files again. */
struct pki_loaded {
	STACK_OF(X509) *certs;
	EVP_PKEY *key;
};
struct pki_batch *pki_batch_open(const char *dir, enum pki_key_type kt,
    bool force, bool *changed, struct es_err *err);
/* loaded (may be NULL) gets the leaf's objects on success (the caller
 * frees them, pki_loaded_free); both NULL when they could not be read. */
int pki_batch_leaf(struct pki_batch *b, const char *const *names,
    size_t n_names, enum pki_variant v, bool force, struct pki_paths *out,
    bool *issued, struct pki_loaded *loaded, struct es_err *err);
void pki_batch_close(struct pki_batch *b);
void pki_loaded_free(struct pki_loaded *l);

/*
 * Certificates (every one of a PEM file, leaf first) and private keys
 * (unencrypted PEM), read fast: OpenSSL 3.0's generic readers rebuild a
 * decoder per call, which costs 0.7 ms a key; these keep one, and reuse a
 * chain certificate read before. NULL when unreadable.
 */
STACK_OF(X509) *pki_certs_load(const char *path);
EVP_PKEY *pki_key_load(const char *path);

/* The paths a leaf has (or would have), without touching the disk. */
void pki_leaf_paths(const char *dir, const char *first_name,
    enum pki_variant v, struct pki_paths *out);

#endif
