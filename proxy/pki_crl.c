/*
 * pki_crl.c - the lab intermediate's CRL, DIR/crl.pem: it lists the serial
 * of every DIR/ *.revoked.pem leaf the intermediate issued, so a client
 * that checks revocation refuses exactly the lab:revoked variants.
 *
 * Like the certificates, it is re-made only when what is on disk is not
 * sound (another issuer, about to lapse, a different list), and its CRL
 * number only grows across re-makes.
 */
#include "pki_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY		(24L * 60 * 60)
#define CRL_RENEW	(7 * DAY)	/* re-make it this near nextUpdate */
#define CRL_LIFETIME	(30 * DAY)

/* Add the serial of every DIR/ *.revoked.pem the intermediate issued. */
static int
revoked_scan(const char *dir, X509 *inter, STACK_OF(ASN1_INTEGER) *serials,
    struct es_err *err)
{
	static const char suffix[] = ".revoked.pem";
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return es_errf(err, "cannot read the lab PKI directory %s: %s",
		    dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, suffix))
			continue;
		if (pki_path_join(path, dir, de->d_name, "", NULL) < 0)
			continue;
		STACK_OF(X509) *certs = pki_certs_load(path);
		X509 *leaf = certs ? sk_X509_value(certs, 0) : NULL;
		ASN1_INTEGER *s = leaf != NULL && pki_signed_by(leaf, inter) ?
		    ASN1_INTEGER_dup(X509_get0_serialNumber(leaf)) : NULL;
		if (s != NULL && !sk_ASN1_INTEGER_push(serials, s))
			ASN1_INTEGER_free(s);
		sk_X509_pop_free(certs, X509_free);
	}
	closedir(d);
	return 0;
}

/* Signed by the intermediate, not about to lapse, and listing exactly serials. */
static bool
crl_sound(X509_CRL *crl, const struct pki_ca *inter,
    STACK_OF(ASN1_INTEGER) *serials)
{
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
	X509_REVOKED *r;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(inter->cert)) != 0 ||
	    X509_CRL_verify(crl, X509_get0_pubkey(inter->cert)) != 1 ||
	    !pki_later_than(X509_CRL_get0_nextUpdate(crl), CRL_RENEW)) {
		ERR_clear_error();
		return false;
	}
	for (int i = 0; i < sk_ASN1_INTEGER_num(serials); i++)
		if (X509_CRL_get0_by_serial(crl, &r,
		    sk_ASN1_INTEGER_value(serials, i)) != 1)
			return false;
	/* An empty CRL has no list at all, which counts as -1. */
	return (revoked ? sk_X509_REVOKED_num(revoked) : 0) ==
	    sk_ASN1_INTEGER_num(serials);
}

static int
crl_make(const char *dir, const char *path, const struct pki_ca *inter,
    STACK_OF(ASN1_INTEGER) *serials, X509_CRL *old, struct es_err *err)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0);
	ASN1_TIME *next = X509_gmtime_adj(NULL, CRL_LIFETIME);
	ASN1_INTEGER *num = NULL;
	int64_t number = 0;
	X509_EXTENSION *aki = NULL;
	X509V3_CTX ctx;
	BIO *b = NULL;
	int rc = -1;

	/* Carry the CRL number on: RFC 5280 wants it to only grow. */
	if (old != NULL &&
	    (num = X509_CRL_get_ext_d2i(old, NID_crl_number, NULL, NULL)) != NULL &&
	    (!ASN1_INTEGER_get_int64(&number, num) || number < 0 ||
	    number == INT64_MAX))
		number = 0;
	ASN1_INTEGER_free(num);
	num = ASN1_INTEGER_new();
	ERR_clear_error();
	if (crl == NULL || now == NULL || next == NULL || num == NULL ||
	    !ASN1_INTEGER_set_int64(num, number + 1) ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(inter->cert)) ||
	    !X509_CRL_set1_lastUpdate(crl, now) ||
	    !X509_CRL_set1_nextUpdate(crl, next))
		goto ssl_fail;
	for (int i = 0; i < sk_ASN1_INTEGER_num(serials); i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		if (r == NULL || !X509_REVOKED_set_serialNumber(r,
		    sk_ASN1_INTEGER_value(serials, i)) ||
		    !X509_REVOKED_set_revocationDate(r, now) ||
		    !X509_CRL_add0_revoked(crl, r)) {
			X509_REVOKED_free(r);
			goto ssl_fail;
		}
	}
	X509V3_set_ctx(&ctx, inter->cert, NULL, NULL, crl, 0);
	if (!X509_CRL_sort(crl) ||
	    (aki = X509V3_EXT_nconf_nid(NULL, &ctx,
	    NID_authority_key_identifier, "keyid:always")) == NULL ||
	    !X509_CRL_add_ext(crl, aki, -1) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) ||
	    !X509_CRL_sign(crl, inter->key, EVP_sha256()) ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_CRL(b, crl))
		goto ssl_fail;
	rc = pki_write_atomic(dir, path, b, 0644, err);
	goto out;
ssl_fail:
	pki_ssl_errf(err, "cannot make the CRL %s", path);
out:
	BIO_free(b);
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return rc;
}

int
pki_crl_ensure(const char *dir, const struct pki_ca *inter, bool force,
    bool *changed, struct es_err *err)
{
	STACK_OF(ASN1_INTEGER) *serials = sk_ASN1_INTEGER_new_null();
	X509_CRL *crl = NULL;
	char path[PATH_MAX];
	int rc = -1;

	if (serials == NULL)
		return pki_ssl_errf(err, "cannot make the CRL in %s", dir);
	if (pki_path_join(path, dir, "crl", ".pem", err) < 0 ||
	    revoked_scan(dir, inter->cert, serials, err) < 0)
		goto out;
	crl = pki_crl_load(path);
	if (!force && crl != NULL && crl_sound(crl, inter, serials)) {
		rc = 0;
		goto out;
	}
	if ((rc = crl_make(dir, path, inter, serials, crl, err)) == 0)
		*changed = true;
out:
	X509_CRL_free(crl);
	sk_ASN1_INTEGER_pop_free(serials, ASN1_INTEGER_free);
	return rc;
}
