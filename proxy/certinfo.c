/*
 * certinfo.c - the facts of a certificate as plain strings, read once from
 * an X509 so that logs, probe output and config checks need no OpenSSL.
 *
 * info->sans.line[i] does not hold a config line here: it holds the
 * GENERAL_NAME type of entry i (GEN_DNS or GEN_IPADD), which is what
 * certinfo_sans_typed needs to spell "DNS:" or "IP Address:" right even for
 * a DNS name that looks like an address.
 */
#include "certinfo.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* RFC 2253 with its escapes, so a hostile name cannot forge a log line. */
static void
name_str(const X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	/* An empty name leaves the BIO without even a buffer. */
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &data)) > 0 && data != NULL) {
		if ((size_t)n >= len)
			n = (long)len - 1;
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
}

static void
serial_str(const ASN1_INTEGER *serial, char *out, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	unsigned char buf[64];
	int n;

	out[0] = '\0';
	if (bn == NULL)
		return;
	n = BN_num_bytes(bn);
	if (n == 0) {
		snprintf(out, len, "00");
	} else if (n <= (int)sizeof(buf)) {
		size_t o = BN_is_negative(bn) && len > 1 ? 1 : 0;
		if (o)
			out[0] = '-';
		BN_bn2bin(bn, buf);
		hex_encode(buf, (size_t)n, ':', out + o, len - o);
	}
	BN_free(bn);
}

static void
time_str(const ASN1_TIME *t, time_t *when, char *out, size_t len)
{
	struct tm tm;

	*when = 0;
	out[0] = '\0';
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return;
	*when = timegm(&tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
sans_get(X509 *cert, struct strlist *sans)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name,
	    NULL, NULL);
	char buf[INET6_ADDRSTRLEN];

	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int len;

		if (gn->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(gn->d.dNSName);
			len = ASN1_STRING_length(gn->d.dNSName);
			if (d == NULL || len < 0)
				continue;
			char *s = xstrndup((const char *)d, (size_t)len);
			/*
			 * "good.example\0.evil.example" must not read as
			 * good.example, here or in a strict_aliases check.
			 */
			for (int j = 0; j < len; j++)
				if (s[j] == '\0')
					s[j] = '?';
			strlist_add(sans, s, GEN_DNS);
			free(s);
		} else if (gn->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(gn->d.iPAddress);
			len = ASN1_STRING_length(gn->d.iPAddress);
			if ((len == 4 && inet_ntop(AF_INET, d, buf,
			    sizeof(buf)) != NULL) || (len == 16 &&
			    inet_ntop(AF_INET6, d, buf, sizeof(buf)) != NULL))
				strlist_add(sans, buf, GEN_IPADD);
		}
	}
	GENERAL_NAMES_free(gens);
}

static void
key_type_str(EVP_PKEY *key, char *out, size_t len)
{
	char group[80];
	int nid;

	if (key == NULL) {
		snprintf(out, len, "unknown");
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		snprintf(out, len, "RSA %d", EVP_PKEY_get_bits(key));
	} else if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_group_name(key, group, sizeof(group), NULL)) {
		const char *nist = NULL;
		if ((nid = OBJ_sn2nid(group)) != NID_undef)
			nist = EC_curve_nid2nist(nid);
		snprintf(out, len, "ECDSA %.24s", nist ? nist : group);
	} else {
		const char *name = EVP_PKEY_get0_type_name(key);
		snprintf(out, len, "%s", name ? name : "unknown");
	}
}

int
certinfo_from_x509(X509 *cert, struct certinfo *info)
{
	struct cert_digests d;

	certinfo_digests(cert, &d);
	return certinfo_from_x509_digests(cert, &d, info);
}

int
certinfo_from_x509_digests(X509 *cert, const struct cert_digests *d,
    struct certinfo *info)
{
	EVP_PKEY *key;

	memset(info, 0, sizeof(*info));
	if (cert == NULL)
		return -1;
	key = X509_get0_pubkey(cert);
	name_str(X509_get_subject_name(cert), info->subject,
	    sizeof(info->subject));
	name_str(X509_get_issuer_name(cert), info->issuer,
	    sizeof(info->issuer));
	serial_str(X509_get0_serialNumber(cert), info->serial,
	    sizeof(info->serial));
	time_str(X509_get0_notBefore(cert), &info->not_before,
	    info->not_before_str, sizeof(info->not_before_str));
	time_str(X509_get0_notAfter(cert), &info->not_after,
	    info->not_after_str, sizeof(info->not_after_str));
	sans_get(cert, &info->sans);
	key_type_str(key, info->key_type, sizeof(info->key_type));
	certinfo_format_digests(d, info->sha1, info->sha256, info->spki_sha256);
	/*
	 * Not X509_check_issued(cert, cert): it also wants keyCertSign, which
	 * a self-signed leaf (lab:self-signed) does not carry.
	 */
	info->self_signed = key != NULL &&
	    X509_NAME_cmp(X509_get_subject_name(cert),
	    X509_get_issuer_name(cert)) == 0 &&
	    X509_verify(cert, key) == 1;
	info->is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
	ERR_clear_error();
	return 0;
}

int
certinfo_load_file(const char *path, struct certinfo *info,
    struct es_err *err)
{
	BIO *b;
	X509 *cert = NULL;
	unsigned long e;
	char reason[256];
	int rc;

	memset(info, 0, sizeof(*info));
	if ((b = BIO_new_file(path, "r")) != NULL) {
		cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (cert == NULL) {
		e = ERR_peek_error();
		if (e != 0)
			ERR_error_string_n(e, reason, sizeof(reason));
		ERR_clear_error();
		return es_errf(err, "cannot read a certificate from %s: %s",
		    path, e != 0 ? reason : "no PEM certificate found");
	}
	rc = certinfo_from_x509(cert, info);
	X509_free(cert);
	if (rc < 0)
		return es_errf(err, "%s: cannot read the certificate", path);
	return 0;
}

void
certinfo_free(struct certinfo *info)
{
	strlist_free(&info->sans);
}

/* Node.js writes IPv6 in full, uppercase, without zero compression. */
static void
sans_join(const struct certinfo *info, bool typed, struct sbuf *out)
{
	for (size_t i = 0; i < info->sans.n; i++) {
		const char *s = info->sans.v[i];
		unsigned char ip[16];

		if (i > 0)
			sbuf_adds(out, ", ");
		if (!typed) {
			sbuf_adds(out, s);
		} else if (info->sans.line[i] != GEN_IPADD) {
			sbuf_addf(out, "DNS:%s", s);
		} else if (inet_pton(AF_INET6, s, ip) == 1) {
			sbuf_adds(out, "IP Address:");
			for (int j = 0; j < 8; j++)
				sbuf_addf(out, j ? ":%X" : "%X",
				    (unsigned)(ip[2 * j] << 8 | ip[2 * j + 1]));
		} else {
			sbuf_addf(out, "IP Address:%s", s);
		}
	}
}

void
certinfo_sans_typed(const struct certinfo *info, struct sbuf *out)
{
	sans_join(info, true, out);
}

void
certinfo_sans_plain(const struct certinfo *info, struct sbuf *out)
{
	sans_join(info, false, out);
}

void
certinfo_digests(X509 *cert, struct cert_digests *d)
{
	unsigned char *der = NULL;
	unsigned int n;
	int len;

	memset(d, 0, sizeof(*d));
	if (cert == NULL)
		return;
	X509_digest(cert, EVP_sha1(), d->sha1, &n);
	X509_digest(cert, EVP_sha256(), d->sha256, &n);
	EVP_PKEY *key = X509_get0_pubkey(cert);
	if (key != NULL && (len = i2d_PUBKEY(key, &der)) > 0)
		EVP_Digest(der, (size_t)len, d->spki, &n, EVP_sha256(), NULL);
	OPENSSL_free(der);
	ERR_clear_error();
}

void
certinfo_format_digests(const struct cert_digests *d, char sha1[60],
    char sha256[100], char spki[48])
{
	hex_encode(d->sha1, sizeof(d->sha1), ':', sha1, 60);
	hex_encode(d->sha256, sizeof(d->sha256), ':', sha256, 100);
	EVP_EncodeBlock((unsigned char *)spki, d->spki, (int)sizeof(d->spki));
}

int
certinfo_load_certs(const char *path, X509_STORE *store)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (f == NULL)
		return -1;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (store)
			X509_STORE_add_cert(store, x);
		X509_free(x);
		n++;
	}
	ERR_clear_error();       /* the end of the file is not an error */
	fclose(f);
	return n;
}
