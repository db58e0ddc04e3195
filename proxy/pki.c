/*
 * pki.c - the lab PKI, made with the OpenSSL 3 API: a root, an intermediate
 * that issues every lab leaf, a second root that nothing trusts, the
 * intermediate's CRL, and the leaves with the variants scenarios ask for.
 *
 * Every call re-checks what is on disk and re-makes only what is not sound,
 * so `edgesim run` can call it on every start and a deleted or stale file
 * heals itself. The directory is changed only under flock(DIR/.lock) and
 * only by whole-file renames.
 */
#include "pki.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define DAY		(24L * 60 * 60)
#define CA_RENEW	(30 * DAY)	/* re-make a CA this close to notAfter */
#define LEAF_RENEW	(7 * DAY)
#define CRL_RENEW	(7 * DAY)
#define CRL_LIFETIME	(30 * DAY)
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

struct ca {
	X509 *cert;
	EVP_PKEY *key;
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

/*
 * Fill err with the message and the first (deepest) reason on OpenSSL's
 * error queue, which is emptied so the next failure starts clean.
 */
static int __attribute__((format(printf, 2, 3)))
ssl_errf(struct es_err *err, const char *fmt, ...)
{
	char msg[400], reason[256];
	unsigned long e, first = 0;
	va_list ap;

	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first != 0)
		ERR_error_string_n(first, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "no reason given by OpenSSL");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return es_errf(err, "%s (%s)", msg, reason);
}

static int
join(char *out, const char *dir, const char *name, const char *ext,
    struct es_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s", dir, name, ext);

	if (n < 0 || n >= PATH_MAX)
		return es_errf(err, "%s/%s%s: path too long", dir, name, ext);
	return 0;
}

static void
label_of(const char *name, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	if (name[0] == '*') {
		snprintf(out, len, "wildcard");
		o = strlen(out);
		name++;
	}
	for (; *name && o + 1 < len; name++) {
		char c = *name;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			c = '_';
		out[o++] = c;
	}
	out[o] = '\0';
}

void
pki_leaf_paths(const char *dir, const char *first_name, enum pki_variant v,
    struct pki_paths *out)
{
	char label[PATH_MAX], stem[PATH_MAX];
	const char *vn = pki_variant_name(v);
	int n;

	label_of(first_name, label, sizeof(label));
	n = snprintf(stem, sizeof(stem), "%s%s%s", label, *vn ? "." : "", vn);
	/* A cut path could name another file: hand out none rather than that. */
	if (n < 0 || n >= (int)sizeof(stem) ||
	    join(out->cert, dir, stem, ".pem", NULL) < 0 ||
	    join(out->key, dir, stem, ".key", NULL) < 0) {
		out->cert[0] = '\0';
		out->key[0] = '\0';
	}
}

/*
 * A label whose files would be those of the CAs or the CRL, or those of
 * another label's variant ("a.example.revoked" vs "a.example" revoked), is
 * refused: the two would re-issue each other forever, and the CRL is built
 * from the *.revoked.pem files.
 */
static int
label_check(const char *name, const char *label, struct es_err *err)
{
	static const char *const reserved[] = { "ca", "intermediate",
	    "untrusted-ca", "crl" };

	if (label[0] == '\0' || label[0] == '.')
		return es_errf(err, "'%s' cannot name a lab certificate: its "
		    "files would be hidden or nameless", name);
	for (size_t i = 0; i < ES_ARRAY_LEN(reserved); i++)
		if (strcmp(label, reserved[i]) == 0)
			return es_errf(err, "'%s' cannot name a lab certificate: "
			    "%s.pem is a file of the lab CAs", name, label);
	for (int v = 1; v < PKI_VARIANT_COUNT; v++) {
		size_t ln = strlen(label), vn = strlen(variants[v].name);
		if (ln > vn + 1 && label[ln - vn - 1] == '.' &&
		    strcmp(label + ln - vn, variants[v].name) == 0)
			return es_errf(err, "'%s' cannot name a lab certificate: "
			    "its files would clash with the lab:%s variant of "
			    "'%.*s'", name, variants[v].name,
			    (int)(ln - vn - 1), label);
	}
	return 0;
}

/* mkdir -p, with every directory it creates set to 0755 whatever the umask. */
static int
mkdir_p(const char *dir, struct es_err *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return es_errf(err, "lab PKI directory %s exists but is "
			    "not a directory", dir);
		return 0;
	}
	if (strlen(dir) >= sizeof(path))
		return es_errf(err, "%s: path too long", dir);
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0755) == 0) {
			if (chmod(path, 0755) < 0)
				return es_errf(err, "cannot set the mode of %s: "
				    "%s", path, strerror(errno));
		} else if (errno != EEXIST) {
			return es_errf(err, "cannot create the lab PKI "
			    "directory %s: %s", path, strerror(errno));
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/*
 * Take DIR/.lock. A directory we may not write to cannot be changed by us
 * either, so there is nothing to serialise: go on unlocked (*fd = -1) and
 * let a write, if one turns out to be needed, report the real problem.
 */
static int
dir_lock(const char *dir, int *fd, struct es_err *err)
{
	char path[PATH_MAX];

	if (join(path, dir, ".lock", "", err) < 0)
		return -1;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return 0;
	}
	if (*fd < 0)
		return es_errf(err, "cannot open the lock file %s: %s", path,
		    strerror(errno));
	/* Taken at start and reload only, on the main thread. */
	while (flock(*fd, LOCK_EX) < 0) {       /* blocking-ok: not a loop */
		if (errno != EINTR) {
			int e = errno;
			close(*fd);
			*fd = -1;
			return es_errf(err, "cannot lock %s: %s", path,
			    strerror(e));
		}
	}
	return 0;
}

static void
dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

/* Write data to path through a temporary file in dir and a rename. */
static int
write_atomic(const char *dir, const char *path, BIO *data, mode_t mode,
    struct es_err *err)
{
	char tmp[PATH_MAX];
	char *buf;
	long len = BIO_get_mem_data(data, &buf);
	int fd, e;

	if (join(tmp, dir, ".tmp-XXXXXX", "", err) < 0)
		return -1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return es_errf(err, "cannot write %s: cannot create a temporary "
		    "file in %s: %s", path, dir, strerror(errno));
	/* mkostemp made it 0600; fchmod sets the final mode, umask or not. */
	if (fchmod(fd, mode) < 0)
		goto fail;
	for (long off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, (size_t)(len - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += n;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return es_errf(err, "cannot write %s: %s", path, strerror(e));
}

/*
 * Write key (0600) or certs[0..n) (0644, NULL ones skipped) as PEM. A key
 * goes through a secmem BIO, whose buffer is wiped when it is freed.
 */
static int
write_pem(const char *dir, const char *path, EVP_PKEY *key,
    X509 *const *certs, size_t n, struct es_err *err)
{
	BIO *b = BIO_new(key ? BIO_s_secmem() : BIO_s_mem());
	bool ok = b != NULL && (key == NULL ||
	    PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL));
	int rc = -1;

	for (size_t i = 0; ok && i < n; i++)
		ok = certs[i] == NULL || PEM_write_bio_X509(b, certs[i]);
	if (!ok)
		ssl_errf(err, "cannot encode %s", path);
	else
		rc = write_atomic(dir, path, b, key ? 0600 : 0644, err);
	BIO_free(b);
	return rc;
}

/* Keys are never encrypted here; fail instead of prompting on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/*
 * Loading thousands of certificates and keys (a config of 10,000 hosts)
 * with OpenSSL 3.0's generic PEM readers costs about 0.7 ms per key and
 * 0.15 ms per certificate, most of it in building a decoder chain and
 * looking up providers, every time. So: a key decoder is built once and
 * reused (27 us a key), and a certificate block read before (the
 * intermediate that every lab leaf file carries) is taken again, by its
 * text, instead of parsed again. One lock: the lab PKI is used from the
 * main thread, but nothing here should depend on it.
 */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_DECODER_CTX *key_decoder;
static EVP_PKEY *key_decoded;           /* where key_decoder puts a key */
#define SEEN_CERTS 4
static struct { char *pem; size_t len; X509 *x; } seen[SEEN_CERTS];
static unsigned seen_next;

/* The whole file, NUL-terminated, up to 1 MiB; NULL when unreadable. */
static char *
file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 8192, n = 0;
	char *buf;

	if (f == NULL)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0 || n >= 1024 * 1024)
			break;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* One PEM certificate block, text[0..n): a copy of the one read before
 * with the same text, else parsed; remembered when keep (the chain
 * certificates after a leaf, which repeat). Caller owns the reference. */
static X509 *
cert_block(const char *text, size_t n, bool keep)
{
	X509 *x = NULL;

	pthread_mutex_lock(&load_lock);
	for (unsigned i = 0; i < SEEN_CERTS && x == NULL; i++)
		if (seen[i].x && seen[i].len == n &&
		    memcmp(seen[i].pem, text, n) == 0 && X509_up_ref(seen[i].x))
			x = seen[i].x;
	pthread_mutex_unlock(&load_lock);
	if (x)
		return x;
	BIO *b = BIO_new_mem_buf(text, (int)n);
	x = b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	if (x == NULL || !keep)
		return x;
	pthread_mutex_lock(&load_lock);
	unsigned k = seen_next++ % SEEN_CERTS;
	X509_free(seen[k].x);
	free(seen[k].pem);
	seen[k].pem = xstrndup(text, n);
	seen[k].len = n;
	seen[k].x = X509_up_ref(x) ? x : NULL;
	pthread_mutex_unlock(&load_lock);
	return x;
}

/* Every certificate of a PEM file; NULL when it has none or is unreadable. */
static STACK_OF(X509) *
certs_load(const char *path)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	STACK_OF(X509) *certs = sk_X509_new_null();
	size_t len;
	char *text = file_read(path, &len);
	const char *p = text;

	while (text && certs && (p = strstr(p, begin)) != NULL) {
		const char *e = strstr(p, end);
		if (e == NULL)
			break;
		e += sizeof(end) - 1;
		X509 *x = cert_block(p, (size_t)(e - p), sk_X509_num(certs) > 0);
		if (x == NULL || !sk_X509_push(certs, x)) {
			X509_free(x);
			break;
		}
		p = e;
	}
	free(text);
	ERR_clear_error();
	if (certs && sk_X509_num(certs) <= 0) {
		sk_X509_free(certs);
		return NULL;
	}
	return certs;
}

static EVP_PKEY *
key_load(const char *path)
{
	size_t len;
	char *text = file_read(path, &len);
	EVP_PKEY *key = NULL;

	if (text == NULL)
		return NULL;
	pthread_mutex_lock(&load_lock);
	if (key_decoder == NULL)
		key_decoder = OSSL_DECODER_CTX_new_for_pkey(&key_decoded, "PEM",
		    NULL, NULL, OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
	BIO *b = BIO_new_mem_buf(text, (int)len);
	key_decoded = NULL;
	if (key_decoder && b && OSSL_DECODER_from_bio(key_decoder, b))
		key = key_decoded;
	key_decoded = NULL;
	pthread_mutex_unlock(&load_lock);
	BIO_free(b);
	/* Not an unencrypted PEM key the decoder knows: the generic reader
	 * says what it is (and refuses a passphrase). */
	if (key == NULL && (b = BIO_new_mem_buf(text, (int)len)) != NULL) {
		key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
		BIO_free(b);
	}
	OPENSSL_cleanse(text, len);
	free(text);
	ERR_clear_error();
	return key;
}

STACK_OF(X509) *
pki_certs_load(const char *path)
{
	return certs_load(path);
}

EVP_PKEY *
pki_key_load(const char *path)
{
	return key_load(path);
}

X509_CRL *
pki_crl_load(const char *path)
{
	X509_CRL *crl = NULL;
	BIO *b;

	if ((b = BIO_new_file(path, "r")) != NULL) {
		crl = PEM_read_bio_X509_CRL(b, NULL, no_passphrase, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	return crl;
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
static bool
later_than(const ASN1_TIME *t, long off)
{
	time_t when = time(NULL) + off;

	return t != NULL && X509_cmp_time(t, &when) > 0;
}

/* x claims signer as its issuer, and signer's key made the signature. */
static bool
signed_by(X509 *x, X509 *signer)
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
	const struct ca *signer;	/* NULL: signed with its own key */
	X509 *chain;		/* follows the certificate in its file */
};

/*
 * A new key and certificate for job, written to keypath and certpath; on
 * success out (may be NULL) holds the two.
 */
static int
cert_make(const char *dir, const char *certpath, const char *keypath,
    enum pki_key_type kt, const struct cert_job *job, struct ca *out,
    struct es_err *err)
{
	EVP_PKEY *key = key_new(kt);
	X509 *x = X509_new(), *file[2];
	X509_NAME *subject = name_new(job->cn, job->org);
	int rc = -1;

	if (key == NULL) {
		ssl_errf(err, "cannot generate a %s key for %s",
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
		ssl_errf(err, "cannot make the certificate %s", certpath);
		goto out;
	}
	file[0] = x;
	file[1] = job->chain;
	if (write_pem(dir, keypath, key, NULL, 0, err) < 0 ||
	    write_pem(dir, certpath, NULL, file, 2, err) < 0)
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

	*certs = certs_load(certpath);
	*key = key_load(keypath);
	x = *certs ? sk_X509_value(*certs, 0) : NULL;
	ok = x != NULL && *key != NULL && X509_check_private_key(x, *key) == 1 &&
	    key_is(*key, kt) && subject_is(x, cn, org) &&
	    signed_by(x, signer ? signer : x);
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
cas_free(struct ca *cas)
{
	for (int i = 0; i < CA_COUNT; i++) {
		X509_free(cas[i].cert);
		EVP_PKEY_free(cas[i].key);
		cas[i].cert = NULL;
		cas[i].key = NULL;
	}
}

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
		if (join(path, dir, de->d_name, "", NULL) < 0)
			continue;
		STACK_OF(X509) *certs = certs_load(path);
		X509 *leaf = certs ? sk_X509_value(certs, 0) : NULL;
		ASN1_INTEGER *s = leaf != NULL && signed_by(leaf, inter) ?
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
crl_sound(X509_CRL *crl, const struct ca *inter,
    STACK_OF(ASN1_INTEGER) *serials)
{
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
	X509_REVOKED *r;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(inter->cert)) != 0 ||
	    X509_CRL_verify(crl, X509_get0_pubkey(inter->cert)) != 1 ||
	    !later_than(X509_CRL_get0_nextUpdate(crl), CRL_RENEW)) {
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
crl_make(const char *dir, const char *path, const struct ca *inter,
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
	rc = write_atomic(dir, path, b, 0644, err);
	goto out;
ssl_fail:
	ssl_errf(err, "cannot make the CRL %s", path);
out:
	BIO_free(b);
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return rc;
}

static int
crl_ensure(const char *dir, const struct ca *inter, bool force,
    bool *changed, struct es_err *err)
{
	STACK_OF(ASN1_INTEGER) *serials = sk_ASN1_INTEGER_new_null();
	X509_CRL *crl = NULL;
	char path[PATH_MAX];
	int rc = -1;

	if (serials == NULL)
		return ssl_errf(err, "cannot make the CRL in %s", dir);
	if (join(path, dir, "crl", ".pem", err) < 0 ||
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

/* The body of pki_ensure_roots, with DIR locked; fills cas on success. */
static int
roots_ensure(const char *dir, enum pki_key_type kt, bool force,
    bool *changed, struct ca *cas, struct es_err *err)
{
	char certpath[PATH_MAX], keypath[PATH_MAX];

	for (int i = 0; i < CA_COUNT; i++) {
		const struct ca_spec *spec = &ca_specs[i];
		const struct ca *parent = spec->parent < 0 ? NULL :
		    &cas[spec->parent];
		STACK_OF(X509) *certs;
		EVP_PKEY *key;

		if (join(certpath, dir, spec->file, ".pem", err) < 0 ||
		    join(keypath, dir, spec->file, ".key", err) < 0)
			goto fail;
		if (!force && pair_load(certpath, keypath, kt, spec->cn,
		    spec->org, parent ? parent->cert : NULL, &certs, &key)) {
			X509 *x = sk_X509_value(certs, 0);
			if ((X509_get_extension_flags(x) & EXFLAG_CA) != 0 &&
			    later_than(X509_get0_notAfter(x), CA_RENEW)) {
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
	if (crl_ensure(dir, &cas[CA_INTER], force, changed, err) < 0)
		goto fail;
	return 0;
fail:
	cas_free(cas);
	return -1;
}

static int
dir_open(const char *dir, int *lockfd, struct es_err *err)
{
	if (dir == NULL || *dir == '\0')
		return es_errf(err, "no lab PKI directory given");
	if (mkdir_p(dir, err) < 0)
		return -1;
	return dir_lock(dir, lockfd, err);
}

int
pki_ensure_roots(const char *dir, enum pki_key_type kt, bool force,
    bool *changed, struct es_err *err)
{
	struct ca cas[CA_COUNT] = { { NULL, NULL } };
	bool dummy;
	int lockfd, rc;

	if (changed == NULL)
		changed = &dummy;
	*changed = false;
	if ((unsigned)kt >= ES_ARRAY_LEN(key_type_names))
		return es_errf(err, "unknown lab key type %d", (int)kt);
	if (dir_open(dir, &lockfd, err) < 0)
		return -1;
	rc = roots_ensure(dir, kt, force, changed, cas, err);
	cas_free(cas);
	dir_unlock(lockfd);
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
		return !later_than(nb, 0) && later_than(na, LEAF_RENEW);
	case EXPIRED:
		return !later_than(na, 0);
	case FUTURE:
		/* Keep it a week away from turning valid. */
		return later_than(nb, LEAF_RENEW);
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
	STACK_OF(X509) *certs = certs_load(p->cert);
	EVP_PKEY *key = certs ? key_load(p->key) : NULL;
	X509 *x = certs ? sk_X509_value(certs, 0) : NULL;
	bool ok;

	ok = x != NULL && key != NULL && X509_check_private_key(x, key) == 1 &&
	    key_is(key, kt) && subject_is(x, cn, LAB_ORG) &&
	    (signer ? X509_check_issued(signer, x) == X509_V_OK :
	    signed_by(x, x)) &&
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
	struct ca cas[CA_COUNT];
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
	if (dir_open(dir, &b->lockfd, err) < 0) {
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
	dir_unlock(b->lockfd);
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
	label_of(names[0], label, label_size);
	return label_check(names[0], label, err);
}

int
pki_batch_leaf(struct pki_batch *b, const char *const *names, size_t n_names,
    enum pki_variant v, bool force, struct pki_paths *out, bool *issued,
    struct pki_loaded *loaded, struct es_err *err)
{
	const char *dir = b->dir;
	enum pki_key_type kt = b->kt;
	struct ca *cas = b->cas;
	char label[PATH_MAX];
	GENERAL_NAMES *sans = NULL;
	const struct variant_spec *vs;
	const struct ca *signer;
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
		return ssl_errf(err, "cannot build the names of %s", out->cert);

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
			loaded->certs = certs_load(out->cert);
			loaded->key = key_load(out->key);
		}
	}
	if (v == PKI_REVOKED &&
	    crl_ensure(dir, &cas[CA_INTER], false, issued, err) < 0)
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
