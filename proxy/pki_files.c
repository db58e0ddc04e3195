/*
 * pki_files.c - the lab PKI on disk: the file names of leaves (labels),
 * the directory and its lock, whole-file writes by rename (keys 0600), and
 * the PEM readers of certificates, keys and CRLs.
 *
 * Nothing here decides what a certificate should be (pki.c does); this is
 * how it gets to and from the directory, so that two edgesim processes
 * sharing it never see half a file, and so that reading 10,000 leaves at
 * start does not cost a decoder per key.
 */
#include "pki_private.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/*
 * Fill err with the message and the first (deepest) reason on OpenSSL's
 * error queue, which is emptied so the next failure starts clean.
 */
int
pki_ssl_errf(struct es_err *err, const char *fmt, ...)
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

int
pki_path_join(char *out, const char *dir, const char *name, const char *ext,
    struct es_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s", dir, name, ext);

	if (n < 0 || n >= PATH_MAX)
		return es_errf(err, "%s/%s%s: path too long", dir, name, ext);
	return 0;
}

void
pki_label_of(const char *name, char *out, size_t len)
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

	pki_label_of(first_name, label, sizeof(label));
	n = snprintf(stem, sizeof(stem), "%s%s%s", label, *vn ? "." : "", vn);
	/* A cut path could name another file: hand out none rather than that. */
	if (n < 0 || n >= (int)sizeof(stem) ||
	    pki_path_join(out->cert, dir, stem, ".pem", NULL) < 0 ||
	    pki_path_join(out->key, dir, stem, ".key", NULL) < 0) {
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
int
pki_label_check(const char *name, const char *label, struct es_err *err)
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
		const char *vname = pki_variant_name((enum pki_variant)v);
		size_t ln = strlen(label), vn = strlen(vname);
		if (ln > vn + 1 && label[ln - vn - 1] == '.' &&
		    strcmp(label + ln - vn, vname) == 0)
			return es_errf(err, "'%s' cannot name a lab certificate: "
			    "its files would clash with the lab:%s variant of "
			    "'%.*s'", name, vname, (int)(ln - vn - 1), label);
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

	if (pki_path_join(path, dir, ".lock", "", err) < 0)
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

void
pki_dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

int
pki_dir_open(const char *dir, int *lockfd, struct es_err *err)
{
	if (dir == NULL || *dir == '\0')
		return es_errf(err, "no lab PKI directory given");
	if (mkdir_p(dir, err) < 0)
		return -1;
	return dir_lock(dir, lockfd, err);
}

/* Write data to path through a temporary file in dir and a rename. */
int
pki_write_atomic(const char *dir, const char *path, BIO *data, mode_t mode,
    struct es_err *err)
{
	char tmp[PATH_MAX];
	char *buf;
	long len = BIO_get_mem_data(data, &buf);
	int fd, e;

	if (pki_path_join(tmp, dir, ".tmp-XXXXXX", "", err) < 0)
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
int
pki_write_pem(const char *dir, const char *path, EVP_PKEY *key,
    X509 *const *certs, size_t n, struct es_err *err)
{
	BIO *b = BIO_new(key ? BIO_s_secmem() : BIO_s_mem());
	bool ok = b != NULL && (key == NULL ||
	    PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL));
	int rc = -1;

	for (size_t i = 0; ok && i < n; i++)
		ok = certs[i] == NULL || PEM_write_bio_X509(b, certs[i]);
	if (!ok)
		pki_ssl_errf(err, "cannot encode %s", path);
	else
		rc = pki_write_atomic(dir, path, b, key ? 0600 : 0644, err);
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
STACK_OF(X509) *
pki_certs_load(const char *path)
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

EVP_PKEY *
pki_key_load(const char *path)
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
