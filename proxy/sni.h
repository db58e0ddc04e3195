/*
 * sni.h - which host a name belongs to: the TLS server name a viewer sent,
 * or the Host header of its request.
 *
 * Matching order, as CDNs and hitch do it: the exact host name, then an
 * exact alias, then `*.` wildcards (names or aliases); case-insensitive; a
 * trailing dot ignored. A wildcard covers exactly one label, as certificate
 * name matching does (RFC 6125 6.4.3): "*.example.com" matches
 * "a.example.com", not "example.com" nor "a.b.example.com".
 */
#ifndef EDGESIM_SNI_H
#define EDGESIM_SNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNI_NAME_MAX 255

enum sni_kind {
	SNI_EXACT_NAME,         /* the host's own name */
	SNI_EXACT_ALIAS,
	SNI_WILDCARD,           /* a "*.domain" name or alias */
};

struct sni_entry {
	char *name;             /* lowercased; "*.d" kept whole for wildcards */
	size_t len;             /* strlen(name) */
	void *host;
	enum sni_kind kind;
};

/*
 * Entries in the order added, and two hash indexes over them, kept up to
 * date by every add: exact names and aliases by name, wildcards "*.d" by
 * their parent "d". A lookup is one probe sequence in each at most, so it
 * costs the same with one host or with 10,000 and their 50,000 aliases
 * (it used to scan every entry three times).
 */
struct sni_table {
	struct sni_entry *v;
	size_t n;
	size_t cap;
	uint32_t *exact;        /* slots: entry index + 1, 0 empty */
	uint32_t *wild;
	size_t slots;           /* power of two, >= 2 * n */
};

void sni_table_init(struct sni_table *t);
void sni_table_free(struct sni_table *t);
/* Add name (a host name when is_alias is false) for host. A name already
 * in the table keeps its first host, unless this one is a host name and
 * that one an alias (names before aliases, as the lookup order says). */
void sni_table_add(struct sni_table *t, const char *name, bool is_alias,
    void *host);
/*
 * The host for name[0..n) (not NUL-terminated), or NULL. name is compared
 * case-insensitively, without a trailing dot: an exact name or alias
 * first, then a wildcard of its parent. *kind (may be NULL) tells how it
 * matched. O(1): no scan of the table.
 */
void *sni_table_lookup(const struct sni_table *t, const char *name, size_t n,
    enum sni_kind *kind);
/*
 * The host of the entry written exactly as name ("*.d" finds the wildcard
 * entry "*.d" itself, never "a.d"), case-insensitively; NULL when none:
 * for checks that a name is claimed once.
 */
void *sni_table_find_entry(const struct sni_table *t, const char *name);

/* Whether pattern (a name or "*.domain") matches name; case-insensitive. */
bool sni_name_match(const char *pattern, const char *name, size_t n);

/*
 * Whether a certificate name (SAN) covers a configured name. A wildcard
 * configured name ("*.example.com") is covered only by the same wildcard,
 * as CloudFront requires for wildcard alternate domain names.
 */
bool sni_cert_name_covers(const char *san, const char *name);

/*
 * Whether s is a plausible host name: 1..253 bytes of letters, digits, '-',
 * '_' and '.', labels of 1..63 bytes, optionally a leading "*." label.
 */
bool sni_name_valid(const char *s, size_t n);

/*
 * The host part of a Host header value: "Example.COM:8443" -> "Example.COM",
 * "[::1]:443" -> "::1". Returns its length, with *start set; 0 when the
 * value is malformed (empty, bad port, unbalanced brackets).
 */
size_t sni_host_from_header(const char *value, size_t n, const char **start);

/*
 * The first host_name of a server_name extension's body (RFC 6066 3: a
 * 2-byte list length, then entries of a type byte and a 2-byte length),
 * as SSL_client_hello_get0_ext hands it over. Pure: no SSL needed.
 *   0   well formed; *name, *name_len: the first host_name entry (type 0),
 *       pointing into p; *name NULL when the list holds none
 *  -1   malformed: the list length is not len - 2, or an entry overruns it
 * The name is not checked: it may be empty or hold any byte.
 */
int sni_parse_server_name(const unsigned char *p, size_t len,
    const unsigned char **name, size_t *name_len);

#endif
