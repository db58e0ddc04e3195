/*
 * sni.c - name tables for SNI and Host lookups, and the wildcard rules that
 * both share with certificate name matching.
 */
#include "sni.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

void
sni_table_init(struct sni_table *t)
{
	memset(t, 0, sizeof(*t));
}

void
sni_table_free(struct sni_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t->exact);
	free(t->wild);
	sni_table_init(t);
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* FNV-1a over the lowercased bytes. */
static uint32_t
name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= lower((unsigned char)s[i]);
		h *= 16777619u;
	}
	return h;
}

/* The key an entry is indexed by: the name, or a wildcard's parent. */
static const char *
entry_key(const struct sni_entry *e, size_t *n)
{
	if (e->kind == SNI_WILDCARD) {
		*n = e->len - 2;
		return e->name + 2;
	}
	*n = e->len;
	return e->name;
}

/* The slot of index for key[0..n) (a match, or the empty one to fill). */
static uint32_t *
slot_for(const struct sni_table *t, uint32_t *index, const char *key,
    size_t n)
{
	size_t mask = t->slots - 1;
	size_t i = name_hash(key, n) & mask;

	for (;;) {
		uint32_t *s = &index[i];
		if (*s == 0)
			return s;
		const struct sni_entry *e = &t->v[*s - 1];
		size_t en;
		const char *ek = entry_key(e, &en);
		if (en == n && strncasecmp(ek, key, n) == 0)
			return s;
		i = (i + 1) & mask;
	}
}

/* Index entry i; a key already indexed keeps the better entry. */
static void
index_entry(struct sni_table *t, size_t i)
{
	const struct sni_entry *e = &t->v[i];
	size_t n;
	const char *key = entry_key(e, &n);
	uint32_t *s = slot_for(t, e->kind == SNI_WILDCARD ? t->wild : t->exact,
	    key, n);

	if (*s == 0 || (e->kind == SNI_EXACT_NAME &&
	    t->v[*s - 1].kind == SNI_EXACT_ALIAS))
		*s = (uint32_t)i + 1;
}

static void
rehash(struct sni_table *t, size_t slots)
{
	free(t->exact);
	free(t->wild);
	t->slots = slots;
	t->exact = xcalloc(slots, sizeof(*t->exact));
	t->wild = xcalloc(slots, sizeof(*t->wild));
	for (size_t i = 0; i < t->n; i++)
		index_entry(t, i);
}

void
sni_table_add(struct sni_table *t, const char *name, bool is_alias,
    void *host)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	struct sni_entry *e = &t->v[t->n++];
	size_t n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		n--;
	e->name = str_lower(xstrndup(name, n));
	e->len = n;
	e->host = host;
	if (str_has_prefix(e->name, "*."))
		e->kind = SNI_WILDCARD;
	else
		e->kind = is_alias ? SNI_EXACT_ALIAS : SNI_EXACT_NAME;
	/* At most half full: probe sequences stay short. */
	if (t->n * 2 > t->slots)
		rehash(t, t->slots ? t->slots * 2 : 16);
	else
		index_entry(t, t->n - 1);
}

static bool
name_eq(const char *entry, const char *name, size_t n)
{
	return strlen(entry) == n && strncasecmp(entry, name, n) == 0;
}

/* sni_name_match without the trailing-dot rule: name is already bare. */
static bool
name_match(const char *pattern, const char *name, size_t n)
{
	if (!str_has_prefix(pattern, "*."))
		return name_eq(pattern, name, n);
	/* "*.d" matches "x.d" where x is one non-empty label. */
	const char *dot = memchr(name, '.', n);
	if (dot == NULL || dot == name)
		return false;
	size_t rest = n - (size_t)(dot + 1 - name);
	return name_eq(pattern + 2, dot + 1, rest);
}

bool
sni_name_match(const char *pattern, const char *name, size_t n)
{
	if (n > 1 && name[n - 1] == '.')
		n--;
	return name_match(pattern, name, n);
}

void *
sni_table_lookup(const struct sni_table *t, const char *name, size_t n,
    enum sni_kind *kind)
{
	if (n > 1 && name[n - 1] == '.')
		n--;
	if (n == 0 || t->n == 0)
		return NULL;
	uint32_t s = *slot_for(t, t->exact, name, n);
	if (s == 0) {
		/* "*.d" matches "x.d" where x is one non-empty label. */
		const char *dot = memchr(name, '.', n);
		if (dot == NULL || dot == name || dot + 1 == name + n)
			return NULL;
		size_t rest = n - (size_t)(dot + 1 - name);
		s = *slot_for(t, t->wild, dot + 1, rest);
		if (s == 0)
			return NULL;
	}
	if (kind)
		*kind = t->v[s - 1].kind;
	return t->v[s - 1].host;
}

void *
sni_table_find_entry(const struct sni_table *t, const char *name)
{
	size_t n = strlen(name);
	bool wild = str_has_prefix(name, "*.");

	if (n > 1 && name[n - 1] == '.')
		n--;
	if (t->n == 0 || n == 0)
		return NULL;
	uint32_t s = wild ? *slot_for(t, t->wild, name + 2, n - 2) :
	    *slot_for(t, t->exact, name, n);
	return s ? t->v[s - 1].host : NULL;
}

bool
sni_cert_name_covers(const char *san, const char *name)
{
	if (str_has_prefix(name, "*."))
		return strcasecmp(san, name) == 0;
	return sni_name_match(san, name, strlen(name));
}

bool
sni_name_valid(const char *s, size_t n)
{
	size_t label = 0;

	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	if (n > 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

size_t
sni_host_from_header(const char *value, size_t n, const char **start)
{
	const char *end;

	if (n == 0)
		return 0;
	if (value[0] == '[') {
		const char *close = memchr(value, ']', n);
		if (close == NULL || close == value + 1)
			return 0;
		*start = value + 1;
		end = close;
		if (close + 1 < value + n && close[1] != ':')
			return 0;
	} else {
		const char *colon = memchr(value, ':', n);
		*start = value;
		end = colon ? colon : value + n;
		if (end == value)
			return 0;
	}
	const char *colon = (value[0] == '[') ? end + 1 : end;
	if (colon < value + n) {
		/* A port: digits only, 1..5 of them, at most 65535. */
		size_t digits = (size_t)(value + n - colon - 1);
		unsigned long port = 0;
		if (digits == 0 || digits > 5)
			return 0;
		for (const char *p = colon + 1; p < value + n; p++) {
			if (!isdigit((unsigned char)*p))
				return 0;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port > 65535)
			return 0;
	}
	return (size_t)(end - *start);
}

int
sni_parse_server_name(const unsigned char *p, size_t len,
    const unsigned char **name, size_t *name_len)
{
	*name = NULL;
	if (len < 2)
		return -1;
	size_t list = (size_t)p[0] << 8 | p[1];
	if (list + 2 != len)
		return -1;
	p += 2;
	while (list >= 3) {
		unsigned type = p[0];
		size_t n = (size_t)p[1] << 8 | p[2];
		if (n + 3 > list)
			return -1;
		if (type == 0 && *name == NULL) {
			*name = p + 3;
			*name_len = n;
		}
		p += 3 + n;
		list -= 3 + n;
	}
	return list == 0 ? 0 : -1;
}
