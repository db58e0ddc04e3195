/*
 * test_pki.c - the lab PKI: what each file holds, what each variant breaks,
 * and that a second run changes nothing unless something is wrong.
 *
 * Everything is generated under a mkdtemp directory in /tmp that is removed
 * at the end; nothing here depends on the clock beyond "now".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "pki.h"

#define DAY (24L * 60 * 60)

static char top[PATH_MAX];	/* the mkdtemp directory */
static char lab[PATH_MAX];	/* a lab shared by the variant tests */

static const char *const www[] = { "www.example.com", "example.com" };

static void
path_of(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	assert_true(n > 0 && n < PATH_MAX);
}

/* A fresh directory under top for one test (not created: pki does that). */
static void
subdir(char *out, const char *name)
{
	path_of(out, top, name);
}

static STACK_OF(X509) *
certs_of(const char *path)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	assert_non_null(b);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(certs, x);
	BIO_free(b);
	ERR_clear_error();
	return certs;
}

static X509 *
cert_of(const char *path)
{
	STACK_OF(X509) *certs = certs_of(path);
	X509 *x;

	assert_true(sk_X509_num(certs) >= 1);
	x = sk_X509_shift(certs);
	sk_X509_pop_free(certs, X509_free);
	return x;
}

static EVP_PKEY *
key_of(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *k;

	assert_non_null(b);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(k);
	return k;
}

static X509_CRL *
crl_of(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509_CRL *crl;

	assert_non_null(b);
	crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(crl);
	return crl;
}

static time_t
time_of(const ASN1_TIME *t)
{
	struct tm tm;

	assert_true(ASN1_TIME_to_tm(t, &tm));
	return timegm(&tm);
}

/* The serial as hex, to compare issues. */
static char *
serial_of(const char *path)
{
	X509 *x = cert_of(path);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = BN_bn2hex(bn);
	char *s = strdup(hex);

	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	return s;
}

/*
 * Verify the first certificate of leaf_file as a client would: trust only
 * trust_file, with the rest of leaf_file (and extra, if any) as the chain
 * the server sent. Returns the X509_V_ERR_* code.
 */
static int
verify(const char *leaf_file, const char *trust_file, const char *extra,
    const char *crl_file, unsigned long flags)
{
	STACK_OF(X509) *chain = certs_of(leaf_file);
	X509 *leaf = sk_X509_shift(chain);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int code;

	assert_non_null(leaf);
	assert_true(X509_STORE_load_file(store, trust_file));
	if (extra != NULL) {
		STACK_OF(X509) *more = certs_of(extra);
		X509 *x;
		while ((x = sk_X509_shift(more)) != NULL)
			sk_X509_push(chain, x);
		sk_X509_free(more);
	}
	if (crl_file != NULL) {
		X509_CRL *crl = crl_of(crl_file);
		assert_true(X509_STORE_add_crl(store, crl));
		X509_CRL_free(crl);
	}
	assert_true(X509_STORE_CTX_init(ctx, store, leaf, chain));
	X509_STORE_CTX_set_flags(ctx, flags);
	if (X509_verify_cert(ctx) == 1)
		code = X509_V_OK;
	else
		code = X509_STORE_CTX_get_error(ctx);
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return code;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static bool
ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	assert_true(i >= 0);
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

static bool
has_ext(X509 *x, int nid)
{
	return X509_get_ext_by_NID(x, nid, -1) >= 0;
}

/* pki_ensure_leaf that must succeed. */
static bool
ensure(const char *dir, enum pki_key_type kt, const char *const *names,
    size_t n, enum pki_variant v, bool force, struct pki_paths *p)
{
	struct es_err err = { "" };
	bool issued = false;
	int rc = pki_ensure_leaf(dir, kt, names, n, v, force, p, &issued, &err);

	if (rc != 0)
		fail_msg("pki_ensure_leaf: %s", err.msg);
	return issued;
}

/* name, inode and mtime of every file in dir, as one string. */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
snapshot(const char *dir)
{
	struct strlist l = { 0 };
	struct sbuf b;
	struct dirent *de;
	char path[PATH_MAX], line[PATH_MAX + 64];
	DIR *d = opendir(dir);

	assert_non_null(d);
	sbuf_init(&b);
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".lock") != 0)
			continue;
		path_of(path, dir, de->d_name);
		assert_int_equal(stat(path, &st), 0);
		snprintf(line, sizeof(line), "%s %lu %ld.%09ld", de->d_name,
		    (unsigned long)st.st_ino, (long)st.st_mtim.tv_sec,
		    st.st_mtim.tv_nsec);
		strlist_add(&l, line, 0);
	}
	closedir(d);
	qsort(l.v, l.n, sizeof(*l.v), cmpstr);
	for (size_t i = 0; i < l.n; i++)
		sbuf_addf(&b, "%s\n", l.v[i]);
	strlist_free(&l);
	return sbuf_detach(&b);
}

static int
group_setup(void **state)
{
	struct es_err err = { "" };

	(void)state;
	if (fixture_tmpdir(top, sizeof(top), "pki") < 0)
		return -1;
	if (snprintf(lab, sizeof(lab), "%s/lab", top) >= (int)sizeof(lab))
		return -1;
	if (pki_ensure_roots(lab, PKI_KEY_P256, false, NULL, &err) != 0) {
		fprintf(stderr, "pki_ensure_roots: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_rmtree(top);
	return 0;
}

static void
test_names(void **state)
{
	static const struct {
		enum pki_variant v;
		const char *name;
	} tab[] = {
		{ PKI_LEAF, "" },
		{ PKI_EXPIRED, "expired" },
		{ PKI_NOT_YET_VALID, "not-yet-valid" },
		{ PKI_WRONG_NAME, "wrong-name" },
		{ PKI_SELF_SIGNED, "self-signed" },
		{ PKI_UNTRUSTED, "untrusted" },
		{ PKI_NO_INTERMEDIATE, "no-intermediate" },
		{ PKI_ROTATED, "rotated" },
		{ PKI_REVOKED, "revoked" },
		{ PKI_CLIENT, "client" },
	};
	enum pki_variant v;
	enum pki_key_type kt;

	(void)state;
	assert_int_equal(ES_ARRAY_LEN(tab), PKI_VARIANT_COUNT);
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		assert_string_equal(pki_variant_name(tab[i].v), tab[i].name);
		assert_int_equal(pki_variant_parse(tab[i].name, &v), 0);
		assert_int_equal(v, tab[i].v);
	}
	assert_int_equal(pki_variant_parse("expird", &v), -1);
	assert_int_equal(pki_variant_parse("Expired", &v), -1);
	assert_int_equal(pki_key_type_parse("p256", &kt), 0);
	assert_int_equal(kt, PKI_KEY_P256);
	assert_int_equal(pki_key_type_parse("rsa2048", &kt), 0);
	assert_int_equal(kt, PKI_KEY_RSA2048);
	assert_int_equal(pki_key_type_parse("rsa4096", &kt), -1);
	assert_string_equal(pki_key_type_name(PKI_KEY_P256), "p256");
	assert_string_equal(pki_key_type_name(PKI_KEY_RSA2048), "rsa2048");
}

static void
test_leaf_paths(void **state)
{
	static const struct {
		const char *name;
		enum pki_variant v;
		const char *cert, *key;
	} tab[] = {
		{ "www.example.com", PKI_LEAF,
		    "d/www.example.com.pem", "d/www.example.com.key" },
		{ "*.CloudFront.net", PKI_LEAF,
		    "d/wildcard.cloudfront.net.pem",
		    "d/wildcard.cloudfront.net.key" },
		{ "WWW.Example.com", PKI_EXPIRED,
		    "d/www.example.com.expired.pem",
		    "d/www.example.com.expired.key" },
		{ "a.example", PKI_NOT_YET_VALID,
		    "d/a.example.not-yet-valid.pem",
		    "d/a.example.not-yet-valid.key" },
		{ "a.example", PKI_CLIENT,
		    "d/a.example.client.pem", "d/a.example.client.key" },
		{ "../../etc/x y*", PKI_ROTATED,
		    "d/.._.._etc_x_y_.rotated.pem",
		    "d/.._.._etc_x_y_.rotated.key" },
		{ "::1", PKI_LEAF, "d/__1.pem", "d/__1.key" },
		{ "a_b-c.example", PKI_SELF_SIGNED,
		    "d/a_b-c.example.self-signed.pem",
		    "d/a_b-c.example.self-signed.key" },
	};
	struct pki_paths p;

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		pki_leaf_paths("d", tab[i].name, tab[i].v, &p);
		assert_string_equal(p.cert, tab[i].cert);
		assert_string_equal(p.key, tab[i].key);
	}
}

static void
check_ca(const char *dir, const char *file, const char *subject,
    const char *issuer_file, int pathlen, long lifetime)
{
	char path[PATH_MAX], ipath[PATH_MAX];
	struct certinfo ci;
	struct es_err err;
	X509 *x, *issuer;
	time_t now = time(NULL);

	snprintf(ipath, sizeof(ipath), "%s/%s.pem", dir, issuer_file);
	snprintf(path, sizeof(path), "%s/%s.pem", dir, file);
	x = cert_of(path);
	issuer = cert_of(ipath);
	assert_int_equal(certinfo_load_file(path, &ci, &err), 0);
	assert_string_equal(ci.subject, subject);
	assert_true(ci.is_ca);
	assert_string_equal(ci.key_type, "ECDSA P-256");
	certinfo_free(&ci);
	assert_true(ext_critical(x, NID_basic_constraints));
	assert_true(ext_critical(x, NID_key_usage));
	assert_int_equal(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_int_equal(X509_get_pathlen(x), pathlen);
	assert_true(has_ext(x, NID_subject_key_identifier));
	assert_true(has_ext(x, NID_authority_key_identifier));
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
	    X509_get0_subject_key_id(issuer)), 0);
	assert_int_equal(X509_verify(x, X509_get0_pubkey(issuer)), 1);
	assert_true(labs(time_of(X509_get0_notBefore(x)) - (now - 3600)) < 300);
	assert_true(labs(time_of(X509_get0_notAfter(x)) - (now + lifetime)) <
	    300);
	X509_free(x);
	X509_free(issuer);
	snprintf(path, sizeof(path), "%s/%s.key", dir, file);
	assert_int_equal(mode_of(path), 0600);
}

static void
test_roots(void **state)
{
	static const char *const keys[] = { "ca.key", "intermediate.key",
	    "untrusted-ca.key" };
	static const char *const pems[] = { "ca.pem", "intermediate.pem",
	    "untrusted-ca.pem", "crl.pem" };
	char dir[PATH_MAX], path[PATH_MAX], buf[64];
	struct es_err err = { "" };
	bool changed = false;
	mode_t old;
	FILE *f;

	(void)state;
	/* Parents too, and modes that do not depend on the umask. */
	subdir(dir, "roots/deep/er");
	old = umask(077);
	assert_int_equal(pki_ensure_roots(dir, PKI_KEY_P256, false, &changed,
	    &err), 0);
	umask(old);
	assert_true(changed);
	assert_int_equal(mode_of(dir), 0755);
	subdir(path, "roots/deep");
	assert_int_equal(mode_of(path), 0755);
	for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++) {
		path_of(path, dir, keys[i]);
		assert_int_equal(mode_of(path), 0600);
		/* unencrypted PKCS#8 */
		assert_non_null(f = fopen(path, "r"));
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, "-----BEGIN PRIVATE KEY-----\n");
	}
	for (size_t i = 0; i < ES_ARRAY_LEN(pems); i++) {
		path_of(path, dir, pems[i]);
		assert_int_equal(mode_of(path), 0644);
	}
	check_ca(dir, "ca", "CN=edgesim lab root CA,O=edgesim lab", "ca", -1,
	    3650 * DAY);
	check_ca(dir, "intermediate",
	    "CN=edgesim lab intermediate CA,O=edgesim lab", "ca", 0,
	    1825 * DAY);
	check_ca(dir, "untrusted-ca",
	    "CN=edgesim untrusted root CA,O=edgesim untrusted",
	    "untrusted-ca", -1, 3650 * DAY);

	/* The CRL: v2, from the intermediate, AKI and number, 30 days. */
	path_of(path, dir, "crl.pem");
	X509_CRL *crl = crl_of(path);
	path_of(path, dir, "intermediate.pem");
	X509 *inter = cert_of(path);
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(inter)), 0);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(inter)), 1);
	assert_true(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier,
	    -1) >= 0);
	assert_true(X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1) >= 0);
	assert_null(X509_CRL_get_REVOKED(crl));
	time_t now = time(NULL);
	assert_true(labs(time_of(X509_CRL_get0_lastUpdate(crl)) - now) < 300);
	assert_true(labs(time_of(X509_CRL_get0_nextUpdate(crl)) -
	    (now + 30 * DAY)) < 300);
	X509_CRL_free(crl);
	X509_free(inter);

	/* Sound files are kept: nothing is written the second time. */
	char *before = snapshot(dir);
	assert_int_equal(pki_ensure_roots(dir, PKI_KEY_P256, false, &changed,
	    &err), 0);
	assert_false(changed);
	char *after = snapshot(dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

struct variant_case {
	enum pki_variant v;
	int ncerts;		/* certificates in the .pem */
	int code;		/* verifying it against ca.pem alone */
};

static void
check_leaf_common(X509 *x, enum pki_variant v)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char subject[256];
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	assert_false(BN_is_negative(bn));
	assert_true(BN_num_bits(bn) > 96 && BN_num_bits(bn) <= 128);
	BN_free(bn);
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	n = BIO_get_mem_data(b, &data);
	snprintf(subject, sizeof(subject), "%.*s", (int)n, data);
	BIO_free(b);
	assert_string_equal(subject, "CN=www.example.com,O=edgesim lab");
	assert_true(ext_critical(x, NID_basic_constraints));
	assert_false(X509_get_extension_flags(x) & EXFLAG_CA);
	assert_true(ext_critical(x, NID_key_usage));
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	assert_true(has_ext(x, NID_subject_key_identifier));
	assert_int_equal(has_ext(x, NID_authority_key_identifier),
	    v != PKI_SELF_SIGNED);
	assert_int_equal(X509_get_extended_key_usage(x),
	    v == PKI_CLIENT ? XKU_SSL_CLIENT : XKU_SSL_SERVER);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
}

static void
test_variants(void **state)
{
	static const struct variant_case tab[] = {
		{ PKI_LEAF, 2, X509_V_OK },
		{ PKI_EXPIRED, 2, X509_V_ERR_CERT_HAS_EXPIRED },
		{ PKI_NOT_YET_VALID, 2, X509_V_ERR_CERT_NOT_YET_VALID },
		{ PKI_WRONG_NAME, 2, X509_V_OK },
		{ PKI_SELF_SIGNED, 1, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT },
		{ PKI_UNTRUSTED, 1, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY },
		{ PKI_NO_INTERMEDIATE, 1,
		    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY },
		{ PKI_ROTATED, 2, X509_V_OK },
		{ PKI_REVOKED, 2, X509_V_OK },
		{ PKI_CLIENT, 2, X509_V_OK },
	};
	struct pki_paths p[PKI_VARIANT_COUNT];
	char ca[PATH_MAX], inter[PATH_MAX], untrusted[PATH_MAX], crl[PATH_MAX];
	time_t now = time(NULL);
	X509 *ix;

	(void)state;
	path_of(ca, lab, "ca.pem");
	path_of(inter, lab, "intermediate.pem");
	path_of(untrusted, lab, "untrusted-ca.pem");
	path_of(crl, lab, "crl.pem");
	ix = cert_of(inter);
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		enum pki_variant v = tab[i].v;
		ensure(lab, PKI_KEY_P256, www, 2, v, false, &p[v]);
		STACK_OF(X509) *certs = certs_of(p[v].cert);
		X509 *x = sk_X509_value(certs, 0);
		EVP_PKEY *key = key_of(p[v].key);
		print_message("variant %s\n", pki_variant_name(v));
		assert_int_equal(sk_X509_num(certs), tab[i].ncerts);
		if (tab[i].ncerts == 2)
			assert_int_equal(X509_cmp(sk_X509_value(certs, 1),
			    ix), 0);
		assert_int_equal(X509_check_private_key(x, key), 1);
		assert_int_equal(mode_of(p[v].key), 0600);
		assert_int_equal(mode_of(p[v].cert), 0644);
		check_leaf_common(x, v);
		assert_int_equal(verify(p[v].cert, ca, NULL, NULL, 0),
		    tab[i].code);
		if (v == PKI_LEAF || v == PKI_ROTATED || v == PKI_REVOKED ||
		    v == PKI_CLIENT || v == PKI_WRONG_NAME)
			assert_true(labs(time_of(X509_get0_notAfter(x)) -
			    (now + 397 * DAY)) < 300 &&
			    labs(time_of(X509_get0_notBefore(x)) -
			    (now - 3600)) < 300);
		EVP_PKEY_free(key);
		sk_X509_pop_free(certs, X509_free);
	}

	/* What defines each variant, beyond the verify code. */
	X509 *leaf = cert_of(p[PKI_LEAF].cert);
	assert_int_equal(X509_check_host(leaf, "www.example.com", 0, 0, NULL),
	    1);
	assert_int_equal(X509_check_host(leaf, "example.com", 0, 0, NULL), 1);
	assert_int_equal(verify(p[PKI_LEAF].cert, ca, NULL, NULL,
	    X509_V_FLAG_X509_STRICT), X509_V_OK);

	X509 *wrong = cert_of(p[PKI_WRONG_NAME].cert);
	assert_int_not_equal(X509_check_host(wrong, "www.example.com", 0, 0,
	    NULL), 1);
	assert_int_equal(X509_check_host(wrong, PKI_WRONG_NAME_SAN, 0, 0,
	    NULL), 1);
	X509_free(wrong);

	X509 *self = cert_of(p[PKI_SELF_SIGNED].cert);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(self),
	    X509_get_issuer_name(self)), 0);
	assert_int_equal(X509_verify(self, X509_get0_pubkey(self)), 1);
	X509_free(self);

	/* untrusted-ca really issued it: trusting that root makes it pass. */
	assert_int_equal(verify(p[PKI_UNTRUSTED].cert, untrusted, NULL, NULL,
	    0), X509_V_OK);
	assert_int_equal(verify(p[PKI_UNTRUSTED].cert, ca, inter, NULL, 0),
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	/* The intermediate issued it: with it supplied, the chain is good. */
	assert_int_equal(verify(p[PKI_NO_INTERMEDIATE].cert, ca, inter, NULL,
	    0), X509_V_OK);

	X509 *rot = cert_of(p[PKI_ROTATED].cert);
	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(rot),
	    X509_get0_serialNumber(leaf)), 0);
	assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(rot),
	    X509_get0_pubkey(leaf)), 1);
	assert_int_equal(X509_check_host(rot, "example.com", 0, 0, NULL), 1);
	X509_free(rot);

	assert_int_equal(verify(p[PKI_REVOKED].cert, ca, NULL, crl,
	    X509_V_FLAG_CRL_CHECK), X509_V_ERR_CERT_REVOKED);
	assert_int_equal(verify(p[PKI_LEAF].cert, ca, NULL, crl,
	    X509_V_FLAG_CRL_CHECK), X509_V_OK);

	X509 *client = cert_of(p[PKI_CLIENT].cert);
	assert_int_equal(X509_check_purpose(client, X509_PURPOSE_SSL_CLIENT, 0),
	    1);
	assert_int_not_equal(X509_check_purpose(client,
	    X509_PURPOSE_SSL_SERVER, 0), 1);
	assert_int_not_equal(X509_check_purpose(leaf, X509_PURPOSE_SSL_CLIENT,
	    0), 1);
	X509_free(client);
	X509_free(leaf);
	X509_free(ix);

	/* All ten exist side by side, and all ten stay put on a second run. */
	char *before = snapshot(lab);
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++)
		assert_false(ensure(lab, PKI_KEY_P256, www, 2, tab[i].v, false,
		    &p[0]));
	char *after = snapshot(lab);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_sans(void **state)
{
	static const struct {
		const char *names[4];
		size_t n;
		const char *plain;
		bool issued;	/* false: the same SANs as the row before */
	} tab[] = {
		{ { "*.cloudfront.net" }, 1, "cloudfront.net, *.cloudfront.net",
		    true },
		{ { "*.cloudfront.net", "cloudfront.net" }, 2,
		    "cloudfront.net, *.cloudfront.net", false },
		{ { "x.example", "*.x.example", "X.EXAMPLE" }, 3,
		    "x.example, *.x.example", true },
		{ { "api.example", "127.0.0.1", "::1", "127.0.0.1" }, 4,
		    "api.example, 127.0.0.1, ::1", true },
		{ { "10.0.0.1" }, 1, "10.0.0.1", true },
		/* Not an address (trailing junk): a DNS name. */
		{ { "1.2.3.4x" }, 1, "1.2.3.4x", true },
	};
	char dir[PATH_MAX];
	struct pki_paths p;
	struct certinfo ci;
	struct es_err err;
	struct sbuf b;

	(void)state;
	subdir(dir, "sans");
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		assert_int_equal(ensure(dir, PKI_KEY_P256, tab[i].names,
		    tab[i].n, PKI_LEAF, false, &p), tab[i].issued);
		assert_int_equal(certinfo_load_file(p.cert, &ci, &err), 0);
		sbuf_init(&b);
		certinfo_sans_plain(&ci, &b);
		assert_string_equal(b.s, tab[i].plain);
		sbuf_free(&b);
		certinfo_free(&ci);
	}
	/* The CloudFront default certificate, as Node.js would print it. */
	pki_leaf_paths(dir, "*.cloudfront.net", PKI_LEAF, &p);
	assert_non_null(strstr(p.cert, "/wildcard.cloudfront.net.pem"));
	assert_int_equal(certinfo_load_file(p.cert, &ci, &err), 0);
	assert_string_equal(ci.subject, "CN=*.cloudfront.net,O=edgesim lab");
	sbuf_init(&b);
	certinfo_sans_typed(&ci, &b);
	assert_string_equal(b.s, "DNS:cloudfront.net, DNS:*.cloudfront.net");
	sbuf_free(&b);
	certinfo_free(&ci);
	X509 *x = cert_of(p.cert);
	assert_int_equal(X509_check_host(x, "d111.cloudfront.net", 0, 0, NULL),
	    1);
	assert_int_equal(X509_check_host(x, "cloudfront.net", 0, 0, NULL), 1);
	X509_free(x);
	/* An address first: the CN and the label are the address. */
	static const char *const ip[] = { "127.0.0.1" };
	ensure(dir, PKI_KEY_P256, ip, 1, PKI_LEAF, false, &p);
	x = cert_of(p.cert);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	X509_free(x);
	assert_int_equal(certinfo_load_file(p.cert, &ci, &err), 0);
	assert_string_equal(ci.subject, "CN=127.0.0.1,O=edgesim lab");
	sbuf_init(&b);
	certinfo_sans_typed(&ci, &b);
	assert_string_equal(b.s, "IP Address:127.0.0.1");
	sbuf_free(&b);
	certinfo_free(&ci);
}

static void
test_cn_truncated(void **state)
{
	char name[128], dir[PATH_MAX], want[128];
	const char *names[1] = { name };
	struct pki_paths p;
	struct certinfo ci;
	struct es_err err;

	(void)state;
	subdir(dir, "long");
	memset(name, 'a', 40);
	memcpy(name + 40, ".", 1);
	memset(name + 41, 'b', 40);
	snprintf(name + 81, sizeof(name) - 81, ".example");
	ensure(dir, PKI_KEY_P256, names, 1, PKI_LEAF, false, &p);
	assert_int_equal(certinfo_load_file(p.cert, &ci, &err), 0);
	snprintf(want, sizeof(want), "CN=%.64s,O=edgesim lab", name);
	assert_string_equal(ci.subject, want);
	assert_int_equal(ci.sans.n, 1);
	assert_string_equal(ci.sans.v[0], name);
	certinfo_free(&ci);
	/* The long CN is not a reason to re-issue. */
	assert_false(ensure(dir, PKI_KEY_P256, names, 1, PKI_LEAF, false, &p));
}

static void
test_idempotent(void **state)
{
	static const char *const one[] = { "a.example" };
	static const char *const two[] = { "a.example", "b.example" };
	char dir[PATH_MAX], *s1, *s2, *s3, *before, *after;
	struct pki_paths p;
	struct es_err err;
	struct certinfo ci;

	(void)state;
	subdir(dir, "idem");
	assert_true(ensure(dir, PKI_KEY_P256, one, 1, PKI_LEAF, false, &p));
	s1 = serial_of(p.cert);
	before = snapshot(dir);
	assert_false(ensure(dir, PKI_KEY_P256, one, 1, PKI_LEAF, false, &p));
	after = snapshot(dir);
	assert_string_equal(before, after);
	s2 = serial_of(p.cert);
	assert_string_equal(s1, s2);
	free(s2);
	free(before);
	free(after);

	/* Other names: re-issued, then kept again. */
	assert_true(ensure(dir, PKI_KEY_P256, two, 2, PKI_LEAF, false, &p));
	s2 = serial_of(p.cert);
	assert_string_not_equal(s1, s2);
	assert_int_equal(certinfo_load_file(p.cert, &ci, &err), 0);
	assert_int_equal(ci.sans.n, 2);
	assert_string_equal(ci.sans.v[1], "b.example");
	certinfo_free(&ci);
	assert_false(ensure(dir, PKI_KEY_P256, two, 2, PKI_LEAF, false, &p));
	/* Fewer names is a change too. */
	assert_true(ensure(dir, PKI_KEY_P256, one, 1, PKI_LEAF, false, &p));

	/* force: a new serial even though the leaf was sound. */
	s3 = serial_of(p.cert);
	assert_true(ensure(dir, PKI_KEY_P256, one, 1, PKI_LEAF, true, &p));
	free(s1);
	s1 = serial_of(p.cert);
	assert_string_not_equal(s1, s3);
	free(s1);
	free(s2);
	free(s3);
}

static void
test_force_roots(void **state)
{
	static const char *const one[] = { "f.example" };
	char dir[PATH_MAX], ca[PATH_MAX], *root1, *root2, *leaf1, *leaf2;
	struct pki_paths p;
	struct es_err err;
	bool changed = false;

	(void)state;
	subdir(dir, "force");
	ensure(dir, PKI_KEY_P256, one, 1, PKI_LEAF, false, &p);
	path_of(ca, dir, "ca.pem");
	root1 = serial_of(ca);
	leaf1 = serial_of(p.cert);
	assert_int_equal(pki_ensure_roots(dir, PKI_KEY_P256, true, &changed,
	    &err), 0);
	assert_true(changed);
	root2 = serial_of(ca);
	assert_string_not_equal(root1, root2);
	/* The old leaf no longer chains to ca.pem ... */
	assert_int_not_equal(verify(p.cert, ca, NULL, NULL, 0), X509_V_OK);
	/* ... so the next ensure notices and re-issues it. */
	assert_true(ensure(dir, PKI_KEY_P256, one, 1, PKI_LEAF, false, &p));
	leaf2 = serial_of(p.cert);
	assert_string_not_equal(leaf1, leaf2);
	assert_int_equal(verify(p.cert, ca, NULL, NULL, 0), X509_V_OK);
	free(root1);
	free(root2);
	free(leaf1);
	free(leaf2);
}

/* Ways a lab directory goes wrong; each must heal on the next ensure. */
static void
put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	path_of(path, dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
drop(const char *dir, const char *name)
{
	char path[PATH_MAX];

	path_of(path, dir, name);
	assert_int_equal(unlink(path), 0);
}

static void
copy(const char *dir, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX], buf[8192];
	FILE *in, *out;
	size_t n;

	path_of(a, dir, from);
	path_of(b, dir, to);
	assert_non_null(in = fopen(a, "r"));
	assert_non_null(out = fopen(b, "w"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

static void t_no_key(const char *d) { drop(d, "t.example.key"); }
static void t_no_cert(const char *d) { drop(d, "t.example.pem"); }
static void t_garbage(const char *d) { put(d, "t.example.pem", "junk\n"); }
static void t_other_key(const char *d)
{
	copy(d, "other.example.key", "t.example.key");
}
static void t_no_chain(const char *d)
{
	char path[PATH_MAX];
	X509 *x;
	FILE *f;

	path_of(path, d, "t.example.pem");
	x = cert_of(path);
	assert_non_null(f = fopen(path, "w"));
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
}
static void t_other_issuer(const char *d)
{
	copy(d, "t.example.untrusted.pem", "t.example.pem");
	copy(d, "t.example.untrusted.key", "t.example.key");
}
static void t_no_root_key(const char *d) { drop(d, "ca.key"); }
static void t_no_inter(const char *d) { drop(d, "intermediate.pem"); }

static void
test_heal(void **state)
{
	static const struct {
		const char *what;
		void (*tamper)(const char *dir);
		bool roots;	/* the CAs are re-made too */
	} tab[] = {
		{ "key deleted", t_no_key, false },
		{ "cert deleted", t_no_cert, false },
		{ "cert garbage", t_garbage, false },
		{ "key of another leaf", t_other_key, false },
		{ "chain missing", t_no_chain, false },
		{ "issued by untrusted-ca", t_other_issuer, false },
		{ "root key deleted", t_no_root_key, true },
		{ "intermediate deleted", t_no_inter, true },
	};
	static const char *const t[] = { "t.example" };
	static const char *const other[] = { "other.example" };
	char dir[PATH_MAX], ca[PATH_MAX], inter[PATH_MAX], *s1, *s2, *i1, *i2;
	struct pki_paths p, q;

	(void)state;
	subdir(dir, "heal");
	path_of(ca, dir, "ca.pem");
	path_of(inter, dir, "intermediate.pem");
	ensure(dir, PKI_KEY_P256, other, 1, PKI_LEAF, false, &q);
	ensure(dir, PKI_KEY_P256, t, 1, PKI_UNTRUSTED, false, &q);
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		print_message("tamper: %s\n", tab[i].what);
		ensure(dir, PKI_KEY_P256, t, 1, PKI_LEAF, false, &p);
		s1 = serial_of(p.cert);
		i1 = serial_of(inter);
		tab[i].tamper(dir);
		assert_true(ensure(dir, PKI_KEY_P256, t, 1, PKI_LEAF, false,
		    &p));
		s2 = serial_of(p.cert);
		i2 = serial_of(inter);
		assert_string_not_equal(s1, s2);
		if (tab[i].roots)
			assert_string_not_equal(i1, i2);
		else
			assert_string_equal(i1, i2);
		assert_int_equal(verify(p.cert, ca, NULL, NULL, 0), X509_V_OK);
		assert_false(ensure(dir, PKI_KEY_P256, t, 1, PKI_LEAF, false,
		    &p));
		free(s1);
		free(s2);
		free(i1);
		free(i2);
	}
}

/* A CRL signed by the intermediate with the given lifetime and serials. */
static void
crl_write(const char *dir, long lifetime, ASN1_INTEGER *serial)
{
	char path[PATH_MAX];
	X509_CRL *crl = X509_CRL_new();
	X509 *inter;
	EVP_PKEY *key;
	FILE *f;

	path_of(path, dir, "intermediate.pem");
	inter = cert_of(path);
	path_of(path, dir, "intermediate.key");
	key = key_of(path);
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(inter));
	ASN1_TIME *t = X509_gmtime_adj(NULL, 0);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, lifetime);
	X509_CRL_set1_nextUpdate(crl, t);
	if (serial != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();
		X509_REVOKED_set_serialNumber(r, serial);
		X509_gmtime_adj(t, 0);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
	}
	ASN1_TIME_free(t);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()));
	path_of(path, dir, "crl.pem");
	assert_non_null(f = fopen(path, "w"));
	PEM_write_X509_CRL(f, crl);
	fclose(f);
	X509_CRL_free(crl);
	EVP_PKEY_free(key);
	X509_free(inter);
}

static X509 *revoked_leaf;

static void c_soon(const char *d)
{
	ASN1_INTEGER *s = ASN1_INTEGER_dup(X509_get0_serialNumber(revoked_leaf));

	crl_write(d, 2 * DAY, s);
	ASN1_INTEGER_free(s);
}
static void c_empty(const char *d) { crl_write(d, 30 * DAY, NULL); }
static void c_garbage(const char *d) { put(d, "crl.pem", "junk\n"); }
static void c_missing(const char *d) { drop(d, "crl.pem"); }

static void
test_crl_heal(void **state)
{
	static const struct {
		const char *what;
		void (*tamper)(const char *dir);
	} tab[] = {
		{ "next update in 2 days", c_soon },
		{ "revoked serial missing", c_empty },
		{ "unparsable", c_garbage },
		{ "deleted", c_missing },
	};
	static const char *const r[] = { "r.example" };
	char dir[PATH_MAX], ca[PATH_MAX], crl[PATH_MAX];
	struct pki_paths p;
	struct es_err err;
	bool changed;

	(void)state;
	subdir(dir, "crl");
	path_of(ca, dir, "ca.pem");
	path_of(crl, dir, "crl.pem");
	ensure(dir, PKI_KEY_P256, r, 1, PKI_REVOKED, false, &p);
	revoked_leaf = cert_of(p.cert);
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		print_message("crl: %s\n", tab[i].what);
		tab[i].tamper(dir);
		changed = false;
		assert_int_equal(pki_ensure_roots(dir, PKI_KEY_P256, false,
		    &changed, &err), 0);
		assert_true(changed);
		X509_CRL *c = crl_of(crl);
		assert_true(time_of(X509_CRL_get0_nextUpdate(c)) >
		    time(NULL) + 29 * DAY);
		X509_CRL_free(c);
		assert_int_equal(verify(p.cert, ca, NULL, crl,
		    X509_V_FLAG_CRL_CHECK), X509_V_ERR_CERT_REVOKED);
		assert_int_equal(pki_ensure_roots(dir, PKI_KEY_P256, false,
		    &changed, &err), 0);
		assert_false(changed);
	}

	/* A forced re-issue revokes the new serial; the CRL number grows. */
	X509_CRL *c1 = crl_of(crl);
	ASN1_INTEGER *n1 = X509_CRL_get_ext_d2i(c1, NID_crl_number, NULL, NULL);
	assert_true(ensure(dir, PKI_KEY_P256, r, 1, PKI_REVOKED, true, &p));
	X509_CRL *c2 = crl_of(crl);
	ASN1_INTEGER *n2 = X509_CRL_get_ext_d2i(c2, NID_crl_number, NULL, NULL);
	assert_int_equal(ASN1_INTEGER_get(n2), ASN1_INTEGER_get(n1) + 1);
	assert_int_equal(verify(p.cert, ca, NULL, crl, X509_V_FLAG_CRL_CHECK),
	    X509_V_ERR_CERT_REVOKED);
	X509 *x = cert_of(p.cert);
	X509_REVOKED *rev;
	assert_int_equal(X509_CRL_get0_by_serial(c2, &rev,
	    X509_get0_serialNumber(x)), 1);
	X509_free(x);
	ASN1_INTEGER_free(n1);
	ASN1_INTEGER_free(n2);
	X509_CRL_free(c1);
	X509_CRL_free(c2);
	X509_free(revoked_leaf);
	revoked_leaf = NULL;
}

static void
test_rsa2048(void **state)
{
	static const char *const names[] = { "rsa.example" };
	static const char *const cas[] = { "ca.key", "intermediate.key",
	    "untrusted-ca.key" };
	char dir[PATH_MAX], ca[PATH_MAX], path[PATH_MAX];
	struct pki_paths p;
	struct certinfo ci;
	struct es_err err;

	(void)state;
	subdir(dir, "rsa");
	assert_true(ensure(dir, PKI_KEY_RSA2048, names, 1, PKI_LEAF, false,
	    &p));
	path_of(ca, dir, "ca.pem");
	assert_int_equal(verify(p.cert, ca, NULL, NULL,
	    X509_V_FLAG_X509_STRICT), X509_V_OK);
	assert_int_equal(certinfo_load_file(p.cert, &ci, &err), 0);
	assert_string_equal(ci.key_type, "RSA 2048");
	certinfo_free(&ci);
	for (size_t i = 0; i < ES_ARRAY_LEN(cas); i++) {
		path_of(path, dir, cas[i]);
		EVP_PKEY *k = key_of(path);
		assert_true(EVP_PKEY_is_a(k, "RSA"));
		assert_int_equal(EVP_PKEY_get_bits(k), 2048);
		EVP_PKEY_free(k);
	}
	X509 *x = cert_of(p.cert);
	assert_int_equal(X509_get_key_usage(x),
	    KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	X509_free(x);
	assert_false(ensure(dir, PKI_KEY_RSA2048, names, 1, PKI_LEAF, false,
	    &p));
	/* Asking for P-256 where RSA is: everything is re-made. */
	assert_true(ensure(dir, PKI_KEY_P256, names, 1, PKI_LEAF, false, &p));
	path_of(path, dir, "ca.key");
	EVP_PKEY *k = key_of(path);
	assert_true(EVP_PKEY_is_a(k, "EC"));
	EVP_PKEY_free(k);
	assert_int_equal(verify(p.cert, ca, NULL, NULL, 0), X509_V_OK);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *names[2];
		size_t n;
		const char *says;	/* part of the message */
	} tab[] = {
		{ { NULL }, 0, "at least one name" },
		{ { "" }, 1, "empty" },
		{ { "a.example", "" }, 2, "empty" },
		{ { "ca" }, 1, "ca.pem is a file of the lab CAs" },
		{ { "Intermediate" }, 1, "intermediate.pem" },
		{ { "crl" }, 1, "crl.pem" },
		{ { "a.example.revoked" }, 1, "lab:revoked" },
		{ { "a.example.client" }, 1, "lab:client" },
		{ { "bad name" }, 1, "blanks" },
		{ { "*" }, 1, "wildcard" },
		{ { "*example.com" }, 1, "wildcard" },
		{ { ".hidden" }, 1, "hidden" },
	};
	char dir[PATH_MAX], file[PATH_MAX], bad[PATH_MAX];
	struct pki_paths p;
	struct es_err err;
	bool issued = true;
	FILE *f;

	(void)state;
	subdir(dir, "errors");
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		err.msg[0] = '\0';
		assert_int_equal(pki_ensure_leaf(dir, PKI_KEY_P256,
		    tab[i].names, tab[i].n, PKI_LEAF, false, &p, &issued,
		    &err), -1);
		print_message("%s\n", err.msg);
		assert_non_null(strstr(err.msg, tab[i].says));
		assert_false(issued);
	}
	/* Nothing was created for refused names. */
	assert_int_not_equal(access(dir, F_OK), 0);

	/* A directory that cannot be made: the message names the path. */
	subdir(file, "errors-file");
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	path_of(bad, file, "sub");
	assert_int_equal(pki_ensure_roots(bad, PKI_KEY_P256, false, NULL,
	    &err), -1);
	print_message("%s\n", err.msg);
	assert_non_null(strstr(err.msg, bad));
	assert_int_equal(pki_ensure_roots(file, PKI_KEY_P256, false, NULL,
	    &err), -1);
	assert_non_null(strstr(err.msg, "not a directory"));
	/* err may be NULL. */
	assert_int_equal(pki_ensure_roots(bad, PKI_KEY_P256, false, NULL,
	    NULL), -1);
}

/* A file that cannot be replaced: the error names it, no temp file stays. */
static void
test_write_errors(void **state)
{
	static const char *const blocked[] = { "ca.pem", "intermediate.key",
	    "untrusted-ca.pem", "crl.pem", "w.example.key", "w.example.pem" };
	static const char *const names[] = { "w.example" };
	char dir[PATH_MAX], path[PATH_MAX], sub[64];
	struct pki_paths p;
	struct es_err err;
	struct dirent *de;
	DIR *d;

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(blocked); i++) {
		snprintf(sub, sizeof(sub), "blocked-%zu", i);
		subdir(dir, sub);
		assert_int_equal(mkdir(dir, 0755), 0);
		path_of(path, dir, blocked[i]);
		assert_int_equal(mkdir(path, 0755), 0);
		err.msg[0] = '\0';
		assert_int_equal(pki_ensure_leaf(dir, PKI_KEY_P256, names, 1,
		    PKI_LEAF, false, &p, NULL, &err), -1);
		print_message("%s\n", err.msg);
		assert_non_null(strstr(err.msg, path));
		assert_non_null(strstr(err.msg, "Is a directory"));
		assert_non_null(d = opendir(dir));
		while ((de = readdir(d)) != NULL)
			assert_false(str_has_prefix(de->d_name, ".tmp-"));
		closedir(d);
	}
}

/*
 * Several processes ensuring the same leaf in an empty directory at once:
 * the lock makes exactly one of them write, and the others find its work.
 */
static void
test_concurrent(void **state)
{
	static const char *const names[] = { "c.example" };
	enum { N = 4 };
	char dir[PATH_MAX], ca[PATH_MAX];
	struct pki_paths p;
	pid_t pids[N];
	int go[2], issued = 0;

	(void)state;
	subdir(dir, "concurrent");
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < N; i++) {
		assert_true((pids[i] = fork()) >= 0);
		if (pids[i] == 0) {
			char c;
			bool did = false;
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			if (pki_ensure_leaf(dir, PKI_KEY_P256, names, 1,
			    PKI_LEAF, false, &p, &did, NULL) != 0)
				_exit(1);
			_exit(did ? 10 : 0);
		}
	}
	close(go[0]);
	close(go[1]);	/* every child's read returns now */
	for (int i = 0; i < N; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_true(WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 10);
		issued += WEXITSTATUS(st) == 10;
	}
	assert_int_equal(issued, 1);
	pki_leaf_paths(dir, names[0], PKI_LEAF, &p);
	path_of(ca, dir, "ca.pem");
	assert_int_equal(verify(p.cert, ca, NULL, NULL, 0), X509_V_OK);
	assert_false(ensure(dir, PKI_KEY_P256, names, 1, PKI_LEAF, false, &p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_leaf_paths),
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_sans),
		cmocka_unit_test(test_cn_truncated),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_force_roots),
		cmocka_unit_test(test_heal),
		cmocka_unit_test(test_crl_heal),
		cmocka_unit_test(test_rsa2048),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
