/*
 * pki.c - the lab PKI, made with the OpenSSL 3 API: a root, an intermediate
 * that issues every lab leaf, a second root that nothing trusts, and the
 * leaves with the variants scenarios ask for. The intermediate's CRL is
 * pki_crl.c's; the files, their names and the directory's lock are
 * pki_files.c's.
 *
 * Every call re-checks what is on disk and re-makes only what is not sound,
 * so `edgesim run` can call it on every start and a deleted or stale file
 * heals itself. The directory is changed only under flock(DIR/.lock) and
 * only by whole-file renames.
 */
#include "pki_private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY		(24L * 60 * 60)
#define CA_RENEW	(30 * DAY)	/* re-make a CA this close to notAfter */
#define LEAF_RENEW	(7 * DAY)
#define CN_MAX		64		/* ub-common-name in RFC 5280 */
#define DNS_MAX		253
#define LAB_ORG		"edgesim lab"

enum { CA_ROOT, CA_INTER, CA_UNTRUSTED, CA_COUNT };

struct ca_spec {
	const char *file;	/* FILE.pem and FILE.key */
	const char *cn;
	const char *org;
	long lifetime;
	const char *basic;
	int parent;		/* index of the signer, -1 for a root */
};

static const struct ca_spec ca_specs[CA_COUNT] = {
	[CA_ROOT] = { "ca", "edgesim lab root CA", LAB_ORG, 3650 * DAY,
	    "critical,CA:TRUE", -1 },
	[CA_INTER] = { "intermediate", "edgesim lab intermediate CA", LAB_ORG,
	    1825 * DAY, "critical,CA:TRUE,pathlen:0", CA_ROOT },
	[CA_UNTRUSTED] = { "untrusted-ca", "edgesim untrusted root CA",
	    "edgesim untrusted", 3650 * DAY, "critical,CA:TRUE", -1 },
};

enum validity { VALID, EXPIRED, FUTURE };

/* Offsets from now, in seconds, of notBefore and notAfter. */
static const struct {
	long not_before;
	long not_after;
} windows[] = {
	[VALID] = { -3600, 397 * DAY },
	[EXPIRED] = { -400 * DAY, -DAY },
	[FUTURE] = { 30 * DAY, 400 * DAY },
};

enum signer { BY_INTER, BY_UNTRUSTED, BY_SELF };

struct variant_spec {
	const char *name;
	enum validity validity;
	enum signer signer;
	bool chain;		/* the intermediate follows the leaf in the file */
	bool client;		/* clientAuth rather than serverAuth */
};

/*
 * PKI_UNTRUSTED is served as the leaf alone, so a client stops at "unable to
 * get local issuer certificate" as it does for a private CA it was never
 * given; with the root sent along it would say "self-signed certificate in
 * certificate chain" instead.
 */
static const struct variant_spec variants[PKI_VARIANT_COUNT] = {
	[PKI_LEAF] =		{ "", VALID, BY_INTER, true, false },
	[PKI_EXPIRED] =		{ "expired", EXPIRED, BY_INTER, true, false },
	[PKI_NOT_YET_VALID] =	{ "not-yet-valid", FUTURE, BY_INTER, true, false },
	[PKI_WRONG_NAME] =	{ "wrong-name", VALID, BY_INTER, true, false },
	[PKI_SELF_SIGNED] =	{ "self-signed", VALID, BY_SELF, false, false },
	[PKI_UNTRUSTED] =	{ "untrusted", VALID, BY_UNTRUSTED, false, false },
	[PKI_NO_INTERMEDIATE] =	{ "no-intermediate", VALID, BY_INTER, false, false },
	[PKI_ROTATED] =		{ "rotated", VALID, BY_INTER, true, false },
	[PKI_REVOKED] =		{ "revoked", VALID, BY_INTER, true, false },
	[PKI_CLIENT] =		{ "client", VALID, BY_INTER, true, true },
};

static const char *const key_type_names[] = {
	[PKI_KEY_P256] = "p256",
	[PKI_KEY_RSA2048] = "rsa2048",
};

const char *
pki_variant_name(enum pki_variant v)
{
	if ((unsigned)v >= PKI_VARIANT_COUNT)
		return "?";
	return variants[v].name;
}

int
pki_variant_parse(const char *name, enum pki_variant *out)
{
	for (int v = 0; v < PKI_VARIANT_COUNT; v++) {
		if (strcmp(name, variants[v].name) == 0) {
			*out = (enum pki_variant)v;
			return 0;
		}
	}
	return -1;
}

const char *
pki_key_type_name(enum pki_key_type kt)
{
	if ((unsigned)kt >= ES_ARRAY_LEN(key_type_names))
		return "?";
	return key_type_names[kt];
}

int
pki_key_type_parse(const char *name, enum pki_key_type *out)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(key_type_names); i++) {
		if (strcmp(name, key_type_names[i]) == 0) {
			*out = (enum pki_key_type)i;
			return 0;
		}
	}
	return -1;
}

static bool
key_is(EVP_PKEY *key, enum pki_key_type kt)
{
	char group[80];
	int nid;

	switch (kt) {
	case PKI_KEY_P256:
		if (!EVP_PKEY_is_a(key, "EC") || !EVP_PKEY_get_group_name(key,
		    group, sizeof(group), NULL))
			return false;
		if ((nid = OBJ_sn2nid(group)) == NID_undef)
			nid = EC_curve_nist2nid(group);
		return nid == NID_X9_62_prime256v1;
	case PKI_KEY_RSA2048:
		return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 2048;
	}
	return false;
}

static EVP_PKEY *
key_new(enum pki_key_type kt)
{
	if (kt == PKI_KEY_RSA2048)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* true when t is later than now + off seconds. */
bool
pki_later_than(const ASN1_TIME *t, long off)
{
	time_t when = time(NULL) + off;

	return t != NULL && X509_cmp_time(t, &when) > 0;
}

/* x claims signer as its issuer, and signer's key made the signature. */
bool
pki_signed_by(X509 *x, X509 *signer)
{
	bool ok = X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(signer)) == 0 &&
	    X509_verify(x, X509_get0_pubkey(signer)) == 1;

	ERR_clear_error();
	return ok;
}

/* O first, so RFC 2253 (last RDN first) reads "CN=...,O=...". */
static X509_NAME *
name_new(const char *cn, const char *org)
{
	X509_NAME *n = X509_NAME_new();
	size_t cnlen = strlen(cn);

	if (cnlen > CN_MAX)
		cnlen = CN_MAX;
	if (n == NULL || !X509_NAME_add_entry_by_NID(n, NID_organizationName,
	    MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)cn, (int)cnlen, -1, 0)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static bool
subject_is(X509 *x, const char *cn, const char *org)
{
	X509_NAME *want = name_new(cn, org);
	bool ok = want != NULL &&
	    X509_NAME_cmp(X509_get_subject_name(x), want) == 0;

	X509_NAME_free(want);
	return ok;
}

/* A positive, non-zero 128-bit random serial. */
static bool
serial_set(X509 *x)
{
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *ai = NULL;
	bool ok;

	do {
		ok = bn != NULL && BN_rand(bn, 128, BN_RAND_TOP_ANY,
		    BN_RAND_BOTTOM_ANY);
	} while (ok && BN_is_zero(bn));
	ok = ok && (ai = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
	    X509_set_serialNumber(x, ai);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok;
}

/* issuer is the certificate whose SKI becomes x's AKI (x itself: a root). */
static int
ext_add(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* What goes in one certificate; cert_make does the rest. */
struct cert_job {
	const char *cn;
	const char *org;
	long not_before;	/* offsets from now, in seconds */
	long not_after;
	const char *basic;	/* extension values, in openssl.cnf syntax */
	const char *ku;
	const char *eku;	/* NULL: none, as for the CAs */
	bool aki;
	GENERAL_NAMES *sans;	/* NULL: none */
	const struct pki_ca *signer;	/* NULL: signed with its own key */
	X509 *chain;		/* follows the certificate in its file */
};

/*
 * A new key and certificate for job, written to keypath and certpath; on
 * success out (may be NULL) holds the two.
 */
static int
cert_make(const char *dir, const char *certpath, const char *keypath,
    enum pki_key_type kt, const struct cert_job *job, struct pki_ca *out,
    struct es_err *err)
{
	EVP_PKEY *key = key_new(kt);
	X509 *x = X509_new(), *file[2];
	X509_NAME *subject = name_new(job->cn, job->org);
	int rc = -1;

	if (key == NULL) {
		pki_ssl_errf(err, "cannot generate a %s key for %s",
		    pki_key_type_name(kt), keypath);
		goto out;
	}
	/* The SKI must come before the AKI, which copies the issuer's. */
	if (x == NULL || subject == NULL ||
	    !X509_set_version(x, X509_VERSION_3) || !serial_set(x) ||
	    !X509_set_subject_name(x, subject) ||
	    !X509_set_issuer_name(x, job->signer ?
	    X509_get_subject_name(job->signer->cert) : subject) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), job->not_before) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), job->not_after) ||
	    !X509_set_pubkey(x, key) ||
	    ext_add(x, x, NID_basic_constraints, job->basic) < 0 ||
	    ext_add(x, x, NID_key_usage, job->ku) < 0 ||
	    (job->eku && ext_add(x, x, NID_ext_key_usage, job->eku) < 0) ||
	    ext_add(x, x, NID_subject_key_identifier, "hash") < 0 ||
	    (job->aki && ext_add(x, job->signer ? job->signer->cert : x,
	    NID_authority_key_identifier, "keyid:always") < 0) ||
	    (job->sans && !X509_add1_ext_i2d(x, NID_subject_alt_name,
	    job->sans, 0, X509V3_ADD_DEFAULT)) ||
	    !X509_sign(x, job->signer ? job->signer->key : key,
	    EVP_sha256())) {
		pki_ssl_errf(err, "cannot make the certificate %s", certpath);
		goto out;
	}
	file[0] = x;
	file[1] = job->chain;
	if (pki_write_pem(dir, keypath, key, NULL, 0, err) < 0 ||
	    pki_write_pem(dir, certpath, NULL, file, 2, err) < 0)
		goto out;
	if (out != NULL) {
		out->cert = x;
		out->key = key;
		x = NULL;
		key = NULL;
	}
	rc = 0;
out:
	X509_NAME_free(subject);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/*
 * Load a certificate file and its key if they are what cert_make would
 * write now as far as they both go: they parse and match, the key is of
 * type kt, the subject is cn/org, and signer (NULL: the certificate
 * itself) signed it. The callers check what is particular to them.
 */
static bool
pair_load(const char *certpath, const char *keypath, enum pki_key_type kt,
    const char *cn, const char *org, X509 *signer, STACK_OF(X509) **certs,
    EVP_PKEY **key)
{
	X509 *x;
	bool ok;

	*certs = pki_certs_load(certpath);
	*key = pki_key_load(keypath);
	x = *certs ? sk_X509_value(*certs, 0) : NULL;
	ok = x != NULL && *key != NULL && X509_check_private_key(x, *key) == 1 &&
	    key_is(*key, kt) && subject_is(x, cn, org) &&
	    pki_signed_by(x, signer ? signer : x);
	ERR_clear_error();
	if (!ok) {
		sk_X509_pop_free(*certs, X509_free);
		EVP_PKEY_free(*key);
		*certs = NULL;
		*key = NULL;
	}
	return ok;
}

static void
cas_free(struct pki_ca *cas)
{
	for (int i = 0; i < CA_COUNT; i++) {
		X509_free(cas[i].cert);
		EVP_PKEY_free(cas[i].key);
		cas[i].cert = NULL;
		cas[i].key = NULL;
	}
}

/* The body of pki_ensure_roots, with DIR locked; fills cas on success. */
static int
roots_ensure(const char *dir, enum pki_key_type kt, bool force,
    bool *changed, struct pki_ca *cas, struct es_err *err)
{
	char certpath[PATH_MAX], keypath[PATH_MAX];

	for (int i = 0; i < CA_COUNT; i++) {
		const struct ca_spec *spec = &ca_specs[i];
		const struct pki_ca *parent = spec->parent < 0 ? NULL :
		    &cas[spec->parent];
		STACK_OF(X509) *certs;
		EVP_PKEY *key;

		if (pki_path_join(certpath, dir, spec->file, ".pem", err) < 0 ||
		    pki_path_join(keypath, dir, spec->file, ".key", err) < 0)
			goto fail;
		if (!force && pair_load(certpath, keypath, kt, spec->cn,
		    spec->org, parent ? parent->cert : NULL, &certs, &key)) {
			X509 *x = sk_X509_value(certs, 0);
			if ((X509_get_extension_flags(x) & EXFLAG_CA) != 0 &&
			    pki_later_than(X509_get0_notAfter(x), CA_RENEW)) {
				cas[i].cert = sk_X509_shift(certs);
				cas[i].key = key;
				key = NULL;
			}
			sk_X509_pop_free(certs, X509_free);
			EVP_PKEY_free(key);
			if (cas[i].cert != NULL)
				continue;
		}
		struct cert_job job = {
			.cn = spec->cn, .org = spec->org,
			.not_before = -3600, .not_after = spec->lifetime,
			.basic = spec->basic, .ku = "critical,keyCertSign,cRLSign",
			.aki = true, .signer = parent,
		};
		if (cert_make(dir, certpath, keypath, kt, &job, &cas[i],
		    err) < 0)
			goto fail;
		*changed = true;
	}
	if (pki_crl_ensure(dir, &cas[CA_INTER], force, changed, err) < 0)
		goto fail;
	return 0;
fail:
	cas_free(cas);
	return -1;
}

int
pki_ensure_roots(const char *dir, enum pki_key_type kt, bool force,
    bool *changed, struct es_err *err)
{
	struct pki_ca cas[CA_COUNT] = { { NULL, NULL } };
	bool dummy;
	int lockfd, rc;

	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if ((unsigned)kt >= ES_ARRAY_LEN(key_type_names))
		return es_errf(err, "unknown lab key type %d", (int)kt);
	if (pki_dir_open(dir, &lockfd, err) < 0)
		return -1;
	rc = roots_ensure(dir, kt, force, changed, cas, err);
	cas_free(cas);
	pki_dir_unlock(lockfd);
	return rc;
}

static int
san_add(GENERAL_NAMES *gens, const char *name)
{
	unsigned char ip[16];
	GENERAL_NAME *gn = GENERAL_NAME_new();
	int iplen = 0;

	if (gn == NULL)
		return -1;
	if (inet_pton(AF_INET, name, ip) == 1)
		iplen = 4;
	else if (inet_pton(AF_INET6, name, ip) == 1)
		iplen = 16;
	if (iplen > 0) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		if (os == NULL || !ASN1_OCTET_STRING_set(os, ip, iplen)) {
			ASN1_OCTET_STRING_free(os);
			goto fail;
		}
		GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
	} else {
		/* DNS names are caseless; one spelling makes duplicates equal. */
		char lower[DNS_MAX + 1];
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		snprintf(lower, sizeof(lower), "%s", name);
		str_lower(lower);
		if (s == NULL || !ASN1_STRING_set(s, lower, -1)) {
			ASN1_IA5STRING_free(s);
			goto fail;
		}
		GENERAL_NAME_set0_value(gn, GEN_DNS, s);
	}
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(gens, i), gn) == 0) {
			GENERAL_NAME_free(gn);
			return 0;
		}
	}
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto fail;
	return 0;
fail:
	GENERAL_NAME_free(gn);
	return -1;
}

static int
name_check(const char *name, struct es_err *err)
{
	size_t n;

	if (name == NULL || *name == '\0')
		return es_errf(err, "a lab certificate name is empty");
	if ((n = strlen(name)) > DNS_MAX)
		return es_errf(err, "'%.40s...': a lab certificate name has at "
		    "most %d characters", name, DNS_MAX);
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f)
			return es_errf(err, "'%s': a lab certificate name is a "
			    "host name or an IP address, without blanks or "
			    "non-ASCII characters", name);
	if (name[0] == '*' && (name[1] != '.' || name[2] == '\0'))
		return es_errf(err, "'%s': a wildcard name is written "
		    "*.example.com", name);
	return 0;
}

/* The subjectAltName list a leaf for names must carry, in order. */
static GENERAL_NAMES *
sans_new(const char *const *names, size_t n, enum pki_variant v)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	static const char *const wrong[] = { PKI_WRONG_NAME_SAN };

	if (v == PKI_WRONG_NAME) {
		names = wrong;
		n = 1;
	}
	for (size_t i = 0; gens != NULL && i < n; i++) {
		if ((names[i][0] == '*' && san_add(gens, names[i] + 2) < 0) ||
		    san_add(gens, names[i]) < 0) {
			GENERAL_NAMES_free(gens);
			gens = NULL;
		}
	}
	return gens;
}

static bool
sans_equal(X509 *x, GENERAL_NAMES *want)
{
	GENERAL_NAMES *have = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	bool eq = have != NULL &&
	    sk_GENERAL_NAME_num(have) == sk_GENERAL_NAME_num(want);

	for (int i = 0; eq && i < sk_GENERAL_NAME_num(want); i++)
		eq = GENERAL_NAME_cmp(sk_GENERAL_NAME_value(have, i),
		    sk_GENERAL_NAME_value(want, i)) == 0;
	GENERAL_NAMES_free(have);
	ERR_clear_error();
	return eq;
}

static bool
dates_sound(X509 *x, enum validity validity)
{
	const ASN1_TIME *nb = X509_get0_notBefore(x);
	const ASN1_TIME *na = X509_get0_notAfter(x);

	switch (validity) {
	case VALID:
		return !pki_later_than(nb, 0) && pki_later_than(na, LEAF_RENEW);
	case EXPIRED:
		return !pki_later_than(na, 0);
	case FUTURE:
		/* Keep it a week away from turning valid. */
		return pki_later_than(nb, LEAF_RENEW);
	}
	return false;
}

/*
 * The leaf on disk is exactly what would be issued now, bar key and serial.
 * Its issuer is checked by name and key identifier (X509_check_issued), not
 * by verifying the signature: what this must catch is a leaf of an older
 * intermediate, and a config of 10,000 hosts checks 10,000 leaves at every
 * start. When sound and loaded is not NULL, the parsed chain and key are
 * handed over (the edge serves them without reading the files again).
 */
static bool
leaf_sound(const struct pki_paths *p, enum pki_key_type kt,
    const struct variant_spec *vs, const char *cn, GENERAL_NAMES *sans,
    X509 *signer, X509 *chain, struct pki_loaded *loaded)
{
	uint32_t xku = vs->client ? XKU_SSL_CLIENT : XKU_SSL_SERVER;
	STACK_OF(X509) *certs = pki_certs_load(p->cert);
	EVP_PKEY *key = certs ? pki_key_load(p->key) : NULL;
	X509 *x = certs ? sk_X509_value(certs, 0) : NULL;
	bool ok;

	ok = x != NULL && key != NULL && X509_check_private_key(x, key) == 1 &&
	    key_is(key, kt) && subject_is(x, cn, LAB_ORG) &&
	    (signer ? X509_check_issued(signer, x) == X509_V_OK :
	    pki_signed_by(x, x)) &&
	    sk_X509_num(certs) == (chain ? 2 : 1) &&
	    (chain == NULL || X509_cmp(sk_X509_value(certs, 1), chain) == 0) &&
	    sans_equal(x, sans) &&
	    (X509_get_extension_flags(x) & EXFLAG_CA) == 0 &&
	    (X509_get_extended_key_usage(x) & xku) != 0 &&
	    dates_sound(x, vs->validity);
	if (ok && loaded) {
		loaded->certs = certs;
		loaded->key = key;
		certs = NULL;
		key = NULL;
	}
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return ok;
}

void
pki_loaded_free(struct pki_loaded *l)
{
	sk_X509_pop_free(l->certs, X509_free);
	EVP_PKEY_free(l->key);
	l->certs = NULL;
	l->key = NULL;
}

/* The lab PKI opened once (locked, roots loaded) for any number of leaves:
 * a config of 10,000 hosts checks its roots and scans the directory for
 * revoked leaves once, not once per host. */
struct pki_batch {
	char *dir;
	enum pki_key_type kt;
	int lockfd;
	struct pki_ca cas[CA_COUNT];
};

struct pki_batch *
pki_batch_open(const char *dir, enum pki_key_type kt, bool force,
    bool *changed, struct es_err *err)
{
	bool dummy;

	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if ((unsigned)kt >= ES_ARRAY_LEN(key_type_names)) {
		es_errf(err, "unknown lab key type %d", (int)kt);
		return NULL;
	}
	struct pki_batch *b = xcalloc(1, sizeof(*b));
	b->kt = kt;
	b->lockfd = -1;
	if (pki_dir_open(dir, &b->lockfd, err) < 0) {
		free(b);
		return NULL;
	}
	b->dir = xstrdup(dir);
	if (roots_ensure(dir, kt, force, changed, b->cas, err) < 0) {
		pki_batch_close(b);
		return NULL;
	}
	return b;
}

void
pki_batch_close(struct pki_batch *b)
{
	if (b == NULL)
		return;
	cas_free(b->cas);
	pki_dir_unlock(b->lockfd);
	free(b->dir);
	free(b);
}

/*
 * A request for a lab leaf, checked before anything is written: a known
 * variant, at least one name, each acceptable, and the label (the file
 * name) of the first. out is emptied.
 */
static int
leaf_request_check(const char *const *names, size_t n_names,
    enum pki_variant v, char *label, size_t label_size,
    struct pki_paths *out, struct es_err *err)
{
	out->cert[0] = out->key[0] = '\0';
	if ((unsigned)v >= PKI_VARIANT_COUNT)
		return es_errf(err, "unknown lab certificate variant %d", (int)v);
	if (names == NULL || n_names == 0)
		return es_errf(err, "a lab certificate needs at least one name");
	for (size_t i = 0; i < n_names; i++)
		if (name_check(names[i], err) < 0)
			return -1;
	pki_label_of(names[0], label, label_size);
	return pki_label_check(names[0], label, err);
}

int
pki_batch_leaf(struct pki_batch *b, const char *const *names, size_t n_names,
    enum pki_variant v, bool force, struct pki_paths *out, bool *issued,
    struct pki_loaded *loaded, struct es_err *err)
{
	const char *dir = b->dir;
	enum pki_key_type kt = b->kt;
	struct pki_ca *cas = b->cas;
	char label[PATH_MAX];
	GENERAL_NAMES *sans = NULL;
	const struct variant_spec *vs;
	const struct pki_ca *signer;
	X509 *chain;
	bool dummy;
	int rc = -1;

	if (issued == NULL)
		issued = &dummy;
	*issued = false;
	if (leaf_request_check(names, n_names, v, label, sizeof(label), out,
	    err) < 0)
		return -1;
	pki_leaf_paths(dir, names[0], v, out);
	if (out->cert[0] == '\0')
		return es_errf(err, "%s: the path of the lab certificate for "
		    "'%s' is too long", dir, names[0]);
	vs = &variants[v];
	if ((sans = sans_new(names, n_names, v)) == NULL)
		return pki_ssl_errf(err, "cannot build the names of %s",
		    out->cert);

	signer = vs->signer == BY_SELF ? NULL :
	    &cas[vs->signer == BY_UNTRUSTED ? CA_UNTRUSTED : CA_INTER];
	chain = vs->chain ? cas[CA_INTER].cert : NULL;
	if (loaded)
		loaded->certs = NULL, loaded->key = NULL;
	if (force || !leaf_sound(out, kt, vs, names[0], sans,
	    signer ? signer->cert : NULL, chain, loaded)) {
		struct cert_job job = {
			.cn = names[0], .org = LAB_ORG,
			.not_before = windows[vs->validity].not_before,
			.not_after = windows[vs->validity].not_after,
			.basic = "critical,CA:FALSE",
			.ku = kt == PKI_KEY_RSA2048 ?
			    "critical,digitalSignature,keyEncipherment" :
			    "critical,digitalSignature",
			.eku = vs->client ? "clientAuth" : "serverAuth",
			.aki = signer != NULL, .sans = sans, .signer = signer,
			.chain = chain,
		};
		if (cert_make(dir, out->cert, out->key, kt, &job, NULL,
		    err) < 0)
			goto out;
		*issued = true;
		if (loaded) {
			loaded->certs = pki_certs_load(out->cert);
			loaded->key = pki_key_load(out->key);
		}
	}
	if (v == PKI_REVOKED &&
	    pki_crl_ensure(dir, &cas[CA_INTER], false, issued, err) < 0)
		goto out;
	rc = 0;
out:
	GENERAL_NAMES_free(sans);
	return rc;
}

int
pki_ensure_leaf(const char *dir, enum pki_key_type kt,
    const char *const *names, size_t n_names, enum pki_variant v, bool force,
    struct pki_paths *out, bool *issued, struct es_err *err)
{
	bool roots_changed = false, leaf_issued = false;

	char label[PATH_MAX];

	if (issued)
		*issued = false;
	/* Refused names create nothing, not even the directory. */
	if (leaf_request_check(names, n_names, v, label, sizeof(label), out,
	    err) < 0)
		return -1;
	struct pki_batch *b = pki_batch_open(dir, kt, false, &roots_changed,
	    err);
	if (b == NULL)
		return -1;
	int rc = pki_batch_leaf(b, names, n_names, v, force, out, &leaf_issued,
	    NULL, err);
	pki_batch_close(b);
	if (issued)
		*issued = roots_changed || leaf_issued;
	return rc;
}
