/*
 * pki_private.h - the insides of the lab PKI, shared by its own files only:
 * pki.c (the certificates: what each CA and leaf variant is, making and
 * checking them, the batch), pki_crl.c (the intermediate's CRL) and
 * pki_files.c (the directory: file names, the lock, atomic writes, the PEM
 * readers). Everyone else sees pki.h.
 *
 * pki.c uses pki_crl.c and pki_files.c; pki_crl.c uses pki_files.c and
 * two certificate checks of pki.c; pki_files.c uses only pki.c's variant
 * names (pki_variant_name, for the labels it refuses).
 */
#ifndef EDGESIM_PKI_PRIVATE_H
#define EDGESIM_PKI_PRIVATE_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki.h"
#include "util.h"

/* A CA of the lab: its certificate and the key that signs with it. */
struct pki_ca {
	X509 *cert;
	EVP_PKEY *key;
};

/* pki_files.c */

/*
 * Fill err with the message and the first (deepest) reason on OpenSSL's
 * error queue, which is emptied so the next failure starts clean. -1.
 */
int pki_ssl_errf(struct es_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* out (PATH_MAX bytes) = DIR/NAME EXT; -1 with err (may be NULL) when it
 * would not fit. */
int pki_path_join(char *out, const char *dir, const char *name,
    const char *ext, struct es_err *err);

/* The file label of a name: lowercased, a leading "*" spelled "wildcard",
 * any byte outside [a-z0-9._-] made '_'. */
void pki_label_of(const char *name, char *out, size_t len);

/* -1 with err when label (of name) would name the files of the CAs, the
 * CRL or another label's variant. */
int pki_label_check(const char *name, const char *label, struct es_err *err);

/*
 * Create DIR (0755, with its parents) when missing and take DIR/.lock;
 * *lockfd is -1 when DIR cannot be written (there is then nothing to
 * serialise). Release with pki_dir_unlock.
 */
int pki_dir_open(const char *dir, int *lockfd, struct es_err *err);
void pki_dir_unlock(int lockfd);

/* Write data (a memory BIO) to path, with mode, through a temporary file
 * in dir and a rename: a reader sees the old file or the new, never half. */
int pki_write_atomic(const char *dir, const char *path, BIO *data,
    mode_t mode, struct es_err *err);

/* Write key (0600) or certs[0..n) (0644, NULL ones skipped) as PEM, with
 * pki_write_atomic. */
int pki_write_pem(const char *dir, const char *path, EVP_PKEY *key,
    X509 *const *certs, size_t n, struct es_err *err);

/* pki.c */

/* true when t is later than now + off seconds. */
bool pki_later_than(const ASN1_TIME *t, long off);

/* x claims signer as its issuer, and signer's key made the signature. */
bool pki_signed_by(X509 *x, X509 *signer);

/* pki_crl.c */

/*
 * Make sure DIR/crl.pem is signed by inter, is not about to lapse, and
 * lists exactly the serials of the DIR/ *.revoked.pem leaves inter issued;
 * re-make it otherwise, or with force, and then set *changed.
 */
int pki_crl_ensure(const char *dir, const struct pki_ca *inter, bool force,
    bool *changed, struct es_err *err);

#endif
