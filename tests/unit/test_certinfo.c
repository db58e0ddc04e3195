/*
 * test_certinfo.c - the strings certinfo reads from a certificate, checked
 * against the certificates the lab PKI makes and, for the digests, against
 * what the openssl command line prints for the same file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "pki.h"

#define DAY (24L * 60 * 60)

static char top[PATH_MAX];
static struct pki_paths leaf, rsa, self, expired;
static char ca_pem[PATH_MAX], inter_pem[PATH_MAX];

static const char *const www[] = { "www.example.com", "example.com",
    "192.0.2.7" };

static int
make(const char *dir, enum pki_key_type kt, const char *const *names,
    size_t n, enum pki_variant v, struct pki_paths *p)
{
	struct es_err err = { "" };

	if (pki_ensure_leaf(dir, kt, names, n, v, false, p, NULL, &err) != 0) {
		fprintf(stderr, "pki_ensure_leaf: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
group_setup(void **state)
{
	static const char *const rsa_names[] = { "rsa.example" };
	char dir[PATH_MAX];

	(void)state;
	if (fixture_tmpdir(top, sizeof(top), "certinfo") < 0)
		return -1;
	if (snprintf(dir, sizeof(dir), "%s/p256", top) >= (int)sizeof(dir) ||
	    snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir) >=
	    (int)sizeof(ca_pem) ||
	    snprintf(inter_pem, sizeof(inter_pem), "%s/intermediate.pem",
	    dir) >= (int)sizeof(inter_pem))
		return -1;
	if (make(dir, PKI_KEY_P256, www, 3, PKI_LEAF, &leaf) < 0 ||
	    make(dir, PKI_KEY_P256, www, 3, PKI_SELF_SIGNED, &self) < 0 ||
	    make(dir, PKI_KEY_P256, www, 3, PKI_EXPIRED, &expired) < 0)
		return -1;
	if (snprintf(dir, sizeof(dir), "%s/rsa", top) >= (int)sizeof(dir) ||
	    make(dir, PKI_KEY_RSA2048, rsa_names, 1, PKI_LEAF, &rsa) < 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_rmtree(top);
	return 0;
}

static X509 *
cert_of(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	assert_non_null(b);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	return x;
}

static struct certinfo
info_of(const char *path)
{
	struct certinfo ci;
	struct es_err err = { "" };

	if (certinfo_load_file(path, &ci, &err) != 0)
		fail_msg("certinfo_load_file: %s", err.msg);
	return ci;
}

static void
path_of(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	assert_true(n > 0 && n < PATH_MAX);
}

/*
 * The first line that "pre PATH post" prints, without its newline; NULL
 * when it printed nothing. The paths are our mkdtemp ones: no quoting.
 */
static char *
run(const char *pre, const char *path, const char *post)
{
	char cmd[PATH_MAX * 2], line[512];
	FILE *p;
	char *out = NULL;

	snprintf(cmd, sizeof(cmd), "%s %s %s", pre, path, post);
	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	if (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		out = strdup(line);
	}
	pclose(p);
	return out;
}

static bool
have_openssl_cli(void)
{
	return system("openssl version >/dev/null 2>&1") == 0;
}

static void
test_fields(void **state)
{
	struct certinfo ci = info_of(leaf.cert);
	struct tm tm;
	char buf[32];

	(void)state;
	assert_string_equal(ci.subject, "CN=www.example.com,O=edgesim lab");
	assert_string_equal(ci.issuer,
	    "CN=edgesim lab intermediate CA,O=edgesim lab");
	assert_string_equal(ci.key_type, "ECDSA P-256");
	assert_false(ci.self_signed);
	assert_false(ci.is_ca);
	assert_int_equal(ci.sans.n, 3);
	assert_string_equal(ci.sans.v[0], "www.example.com");
	assert_string_equal(ci.sans.v[1], "example.com");
	assert_string_equal(ci.sans.v[2], "192.0.2.7");

	/* The window lab leaves get: an hour back, 397 days ahead. */
	assert_int_equal(ci.not_after - ci.not_before, 397 * DAY + 3600);
	assert_true(labs(ci.not_before - (time(NULL) - 3600)) < 300);
	/* The strings say the same instants as the numbers. */
	assert_int_equal(strlen(ci.not_before_str), 20);
	gmtime_r(&ci.not_before, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_string_equal(ci.not_before_str, buf);
	gmtime_r(&ci.not_after, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_string_equal(ci.not_after_str, buf);
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(ci.not_after_str, "%Y-%m-%dT%H:%M:%SZ", &tm));
	assert_int_equal(timegm(&tm), ci.not_after);

	/* Digests: uppercase, colon separated, full length. */
	assert_int_equal(strlen(ci.sha1), 59);
	assert_int_equal(strlen(ci.sha256), 95);
	assert_int_equal(strlen(ci.spki_sha256), 44);
	for (const char *s = ci.sha256; *s; s++)
		assert_true(*s == ':' || isdigit((unsigned char)*s) ||
		    (*s >= 'A' && *s <= 'F'));
	/* The serial: colon hex, up to 17 bytes for a 128-bit positive one. */
	assert_true(strlen(ci.serial) >= 2 && strlen(ci.serial) <= 50);
	assert_int_equal(strlen(ci.serial) % 3, 2);
	certinfo_free(&ci);
	assert_int_equal(ci.sans.n, 0);
	certinfo_free(&ci);	/* a second free is harmless */
}

static void
test_kinds(void **state)
{
	static const struct {
		const char *what;
		const char *path;
		bool self_signed, is_ca;
		const char *subject;
	} tab[] = {
		{ "root", ca_pem, true, true,
		    "CN=edgesim lab root CA,O=edgesim lab" },
		{ "intermediate", inter_pem, false, true,
		    "CN=edgesim lab intermediate CA,O=edgesim lab" },
		{ "self-signed leaf", self.cert, true, false,
		    "CN=www.example.com,O=edgesim lab" },
		{ "leaf", leaf.cert, false, false,
		    "CN=www.example.com,O=edgesim lab" },
	};

	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		struct certinfo ci = info_of(tab[i].path);
		print_message("%s\n", tab[i].what);
		assert_int_equal(ci.self_signed, tab[i].self_signed);
		assert_int_equal(ci.is_ca, tab[i].is_ca);
		assert_string_equal(ci.subject, tab[i].subject);
		if (tab[i].self_signed)
			assert_string_equal(ci.issuer, ci.subject);
		certinfo_free(&ci);
	}
	struct certinfo ci = info_of(expired.cert);
	assert_true(ci.not_after < time(NULL));
	certinfo_free(&ci);
}

/* An Ed25519 certificate, which the lab never makes, names its type. */
static void
test_key_types(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509 *x = X509_new();
	struct certinfo ci;

	(void)state;
	assert_non_null(k);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"ed", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), DAY);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, NULL) > 0);
	assert_int_equal(certinfo_from_x509(x, &ci), 0);
	assert_string_equal(ci.key_type, "ED25519");
	assert_string_equal(ci.serial, "07");
	assert_string_equal(ci.subject, "CN=ed");
	assert_true(ci.self_signed);
	assert_false(ci.is_ca);
	assert_int_equal(ci.sans.n, 0);
	certinfo_free(&ci);
	X509_free(x);
	EVP_PKEY_free(k);

	ci = info_of(rsa.cert);
	assert_string_equal(ci.key_type, "RSA 2048");
	certinfo_free(&ci);
	assert_int_equal(certinfo_from_x509(NULL, &ci), -1);
	certinfo_free(&ci);
}

static void
test_sans_format(void **state)
{
	static const struct {
		const char *names[4];
		size_t n;
		const char *typed, *plain;
	} tab[] = {
		{ { "*.cloudfront.net" }, 1,
		    "DNS:cloudfront.net, DNS:*.cloudfront.net",
		    "cloudfront.net, *.cloudfront.net" },
		{ { "www.example.com", "example.com", "192.0.2.7" }, 3,
		    "DNS:www.example.com, DNS:example.com, IP Address:192.0.2.7",
		    "www.example.com, example.com, 192.0.2.7" },
		/* Node.js spells IPv6 addresses out in full. */
		{ { "v6.example", "2001:db8::1", "::1" }, 3,
		    "DNS:v6.example, IP Address:2001:DB8:0:0:0:0:0:1, "
		    "IP Address:0:0:0:0:0:0:0:1",
		    "v6.example, 2001:db8::1, ::1" },
	};
	char dir[PATH_MAX];
	struct pki_paths p;
	struct sbuf b;

	(void)state;
	path_of(dir, top, "sans");
	for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++) {
		assert_int_equal(make(dir, PKI_KEY_P256, tab[i].names,
		    tab[i].n, PKI_LEAF, &p), 0);
		struct certinfo ci = info_of(p.cert);
		sbuf_init(&b);
		certinfo_sans_typed(&ci, &b);
		assert_string_equal(b.s, tab[i].typed);
		sbuf_reset(&b);
		certinfo_sans_plain(&ci, &b);
		assert_string_equal(b.s, tab[i].plain);
		sbuf_free(&b);
		certinfo_free(&ci);
	}
	/* No SANs at all: an empty string, not a crash. */
	struct certinfo ci = info_of(ca_pem);
	assert_int_equal(ci.sans.n, 0);
	sbuf_init(&b);
	certinfo_sans_typed(&ci, &b);
	assert_true(b.s == NULL || b.s[0] == '\0');
	sbuf_free(&b);
	certinfo_free(&ci);
}

static GENERAL_NAME *
gen(int type, const void *data, int len)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_STRING *str = ASN1_STRING_type_new(type == GEN_IPADD ?
	    V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);

	assert_true(ASN1_STRING_set(str, data, len));
	GENERAL_NAME_set0_value(gn, type, str);
	return gn;
}

/*
 * SANs a hostile certificate may carry: an embedded NUL must not cut the
 * name short, and entries that are neither DNS nor a 4/16-byte address
 * are left out rather than misread.
 */
static void
test_sans_hostile(void **state)
{
	static const char nul[] = "good.example\0.evil.example";
	static const unsigned char five[5] = { 10, 0, 0, 1, 9 };
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	struct certinfo ci;
	struct sbuf b;

	(void)state;
	sk_GENERAL_NAME_push(gens, gen(GEN_DNS, nul, sizeof(nul) - 1));
	sk_GENERAL_NAME_push(gens, gen(GEN_IPADD, five, sizeof(five)));
	sk_GENERAL_NAME_push(gens, gen(GEN_EMAIL, "a@b.example", -1));
	sk_GENERAL_NAME_push(gens, gen(GEN_DNS, "ok.example", -1));
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), DAY);
	X509_set_pubkey(x, k);
	assert_true(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0));
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	assert_int_equal(certinfo_from_x509(x, &ci), 0);
	sbuf_init(&b);
	certinfo_sans_typed(&ci, &b);
	assert_string_equal(b.s,
	    "DNS:good.example?.evil.example, DNS:ok.example");
	sbuf_free(&b);
	assert_string_equal(ci.subject, "");
	assert_true(ci.self_signed);
	certinfo_free(&ci);
	GENERAL_NAMES_free(gens);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* What the openssl CLI prints for the same file, for every key type. */
static void
test_digests_match_cli(void **state)
{
	static const char spki_cmd[] = "| openssl pkey -pubin -outform der "
	    "| openssl dgst -sha256 -binary | base64";
	const char *files[] = { leaf.cert, rsa.cert, ca_pem };

	(void)state;
	if (!have_openssl_cli())
		skip();
	for (size_t i = 0; i < ES_ARRAY_LEN(files); i++) {
		struct certinfo ci = info_of(files[i]);
		char *sha256 = run("openssl x509 -noout -fingerprint -sha256 "
		    "-in", files[i], "");
		char *sha1 = run("openssl x509 -noout -fingerprint -sha1 -in",
		    files[i], "");
		char *serial = run("openssl x509 -noout -serial -in", files[i],
		    "");
		char *spki = run("openssl x509 -pubkey -noout -in", files[i],
		    spki_cmd);
		char hex[80];
		size_t o = 0;

		print_message("%s\n", files[i]);
		assert_non_null(sha256);
		assert_non_null(sha1);
		assert_non_null(serial);
		assert_non_null(spki);
		assert_non_null(strchr(sha256, '='));
		assert_string_equal(ci.sha256, strchr(sha256, '=') + 1);
		assert_string_equal(ci.sha1, strchr(sha1, '=') + 1);
		assert_string_equal(ci.spki_sha256, spki);
		for (const char *s = ci.serial; *s && o + 1 < sizeof(hex); s++)
			if (*s != ':')
				hex[o++] = *s;
		hex[o] = '\0';
		assert_string_equal(hex, strchr(serial, '=') + 1);
		free(sha256);
		free(sha1);
		free(serial);
		free(spki);
		certinfo_free(&ci);
	}
}

/*
 * The SPKI pin is not X509_pubkey_digest (which hashes the key bits
 * only), and the three digest functions agree with certinfo_from_x509.
 */
static void
test_spki_is_not_pubkey_digest(void **state)
{
	X509 *x = cert_of(leaf.cert);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n;
	char b64[48], spki[48], sha1[60], sha256[100];
	struct cert_digests cd;
	struct certinfo ci;

	(void)state;
	assert_true(X509_pubkey_digest(x, EVP_sha256(), d, &n));
	EVP_EncodeBlock((unsigned char *)b64, d, (int)n);
	certinfo_digests(x, &cd);
	certinfo_format_digests(&cd, sha1, sha256, spki);
	assert_string_not_equal(spki, b64);
	assert_int_equal(certinfo_from_x509(x, &ci), 0);
	assert_string_equal(ci.spki_sha256, spki);
	assert_string_equal(ci.sha1, sha1);
	assert_string_equal(ci.sha256, sha256);
	certinfo_free(&ci);
	X509_free(x);
}

static void
test_load_errors(void **state)
{
	char path[PATH_MAX];
	struct certinfo ci;
	struct es_err err = { "" };
	FILE *f;

	(void)state;
	path_of(path, top, "missing.pem");
	assert_int_equal(certinfo_load_file(path, &ci, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(ci.sans.n, 0);
	certinfo_free(&ci);

	path_of(path, top, "junk.pem");
	assert_non_null(f = fopen(path, "w"));
	fputs("not a certificate\n", f);
	fclose(f);
	err.msg[0] = '\0';
	assert_int_equal(certinfo_load_file(path, &ci, &err), -1);
	assert_non_null(strstr(err.msg, path));
	certinfo_free(&ci);
	/* A key file is not a certificate either. */
	assert_int_equal(certinfo_load_file(leaf.key, &ci, &err), -1);
	assert_non_null(strstr(err.msg, leaf.key));
	certinfo_free(&ci);
	assert_int_equal(certinfo_load_file(leaf.key, &ci, NULL), -1);
	assert_int_equal(ERR_peek_error(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_sans_format),
		cmocka_unit_test(test_sans_hostile),
		cmocka_unit_test(test_digests_match_cli),
		cmocka_unit_test(test_spki_is_not_pubkey_digest),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
