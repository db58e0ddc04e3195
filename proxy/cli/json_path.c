/*
 * json_path.c - load a JSON document with hard limits, and read typed
 * fields from it with errors that name the JSON path of the field.
 */
#include "cli/json_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sni.h"

json_t *
json_path_loadb(const char *name, const char *buf, size_t len,
    struct es_err *err)
{
	json_error_t je;

	if (len > JSON_PATH_MAX_BYTES) {
		es_errf(err, "%s: %zu bytes is over the limit of %u MiB for a "
		    "CDN configuration", name, len, JSON_PATH_MAX_BYTES >> 20);
		return NULL;
	}
	/* Duplicate keys would let two tools read two different configs from
	 * one file; NUL in a string would cut it short in C. */
	json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		es_errf(err, "%s:%d:%d: not valid JSON: %s", name, je.line,
		    je.column, je.text);
		return NULL;
	}
	return doc;
}

json_t *
json_path_load(const char *file, struct es_err *err)
{
	FILE *f = fopen(file, "rb");
	struct stat sb;

	if (f == NULL) {
		es_errf(err, "%s: cannot read: %s", file, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (uint64_t)sb.st_size > JSON_PATH_MAX_BYTES) {
		es_errf(err, "%s: %lld bytes is over the limit of %u MiB for a "
		    "CDN configuration", file, (long long)sb.st_size,
		    JSON_PATH_MAX_BYTES >> 20);
		fclose(f);
		return NULL;
	}
	/* Read at most one byte over the limit: a pipe has no size. */
	size_t cap = 64 * 1024, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > JSON_PATH_MAX_BYTES)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		es_errf(err, "%s: read error", file);
		free(buf);
		return NULL;
	}
	json_t *doc = json_path_loadb(file, buf, n, err);
	free(buf);
	return doc;
}

void
json_path_key(char *out, size_t len, const char *parent, const char *key)
{
	if (parent == NULL || *parent == '\0')
		snprintf(out, len, "%s", key);
	else
		snprintf(out, len, "%s.%s", parent, key);
}

void
json_path_index(char *out, size_t len, const char *parent, size_t i)
{
	snprintf(out, len, "%s[%zu]", parent ? parent : "", i);
}

const char *
json_path_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* The field, or NULL; 1 absent and optional, -1 absent and required. */
static int
field(const json_t *obj, const char *parent, const char *key, bool required,
    json_t **v, struct es_err *err)
{
	char p[JSON_PATH_MAX];

	*v = NULL;
	if (!json_is_object(obj)) {
		return es_errf(err, "%s: expected an object, found %s",
		    parent && *parent ? parent : "(top level)",
		    json_path_type(obj));
	}
	*v = json_object_get(obj, key);
	if (*v == NULL || json_is_null(*v)) {
		*v = NULL;
		if (!required)
			return 1;
		json_path_key(p, sizeof(p), parent, key);
		return es_errf(err, "%s: missing (required)", p);
	}
	return 0;
}

static int
wrong_type(const char *parent, const char *key, const char *want,
    const json_t *v, struct es_err *err)
{
	char p[JSON_PATH_MAX];

	json_path_key(p, sizeof(p), parent, key);
	return es_errf(err, "%s: expected %s, found %s", p, want,
	    json_path_type(v));
}

int
json_path_string(const json_t *obj, const char *parent, const char *key,
    bool required, const char **out, struct es_err *err)
{
	json_t *v;
	int rc = field(obj, parent, key, required, &v, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	if (!json_is_string(v))
		return wrong_type(parent, key, "a string", v, err);
	*out = json_string_value(v);
	return 0;
}

int
json_path_int(const json_t *obj, const char *parent, const char *key,
    bool required, int64_t min, int64_t max, int64_t *out,
    struct es_err *err)
{
	char p[JSON_PATH_MAX];
	json_t *v;
	int rc = field(obj, parent, key, required, &v, err);

	if (rc != 0)
		return rc;
	if (!json_is_integer(v))
		return wrong_type(parent, key, "an integer", v, err);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max) {
		json_path_key(p, sizeof(p), parent, key);
		return es_errf(err, "%s: %lld is out of range (%lld .. %lld)", p,
		    (long long)i, (long long)min, (long long)max);
	}
	*out = i;
	return 0;
}

int
json_path_bool(const json_t *obj, const char *parent, const char *key,
    bool required, bool *out, struct es_err *err)
{
	json_t *v;
	int rc = field(obj, parent, key, required, &v, err);

	if (rc != 0)
		return rc;
	if (!json_is_boolean(v))
		return wrong_type(parent, key, "true or false", v, err);
	*out = json_is_true(v);
	return 0;
}

int
json_path_object(const json_t *obj, const char *parent, const char *key,
    bool required, json_t **out, struct es_err *err)
{
	int rc = field(obj, parent, key, required, out, err);

	if (rc != 0)
		return rc;
	if (!json_is_object(*out))
		return wrong_type(parent, key, "an object", *out, err);
	return 0;
}

int
json_path_array(const json_t *obj, const char *parent, const char *key,
    bool required, json_t **out, struct es_err *err)
{
	int rc = field(obj, parent, key, required, out, err);

	if (rc != 0)
		return rc;
	if (!json_is_array(*out))
		return wrong_type(parent, key, "an array", *out, err);
	return 0;
}

int
json_path_enum(const json_t *obj, const char *parent, const char *key,
    bool required, const char *const *names, size_t n, int *out,
    struct es_err *err)
{
	char p[JSON_PATH_MAX];
	const char *s;
	int rc = json_path_string(obj, parent, key, required, &s, err);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < n; i++)
		sbuf_addf(&b, "%s%s", i ? ", " : "", names[i]);
	json_path_key(p, sizeof(p), parent, key);
	struct sbuf v;
	sbuf_init(&v);
	sbuf_add_json_escaped(&v, s, strlen(s) > 80 ? 80 : strlen(s));
	es_errf(err, "%s: unknown value \"%s\" (known: %s)", p, v.s ? v.s : "",
	    b.s);
	sbuf_free(&v);
	sbuf_free(&b);
	return -1;
}

int
json_path_cf_list(const json_t *obj, const char *parent, const char *key,
    bool required, json_t **items, size_t *n, struct es_err *err)
{
	char p[JSON_PATH_MAX];
	json_t *list;
	int64_t q;

	*items = NULL;
	*n = 0;
	int rc = json_path_object(obj, parent, key, required, &list, err);
	if (rc != 0)
		return rc;
	json_path_key(p, sizeof(p), parent, key);
	if (json_path_int(list, p, "Quantity", true, 0, 100000, &q, err) < 0)
		return -1;
	rc = json_path_array(list, p, "Items", q > 0, items, err);
	if (rc < 0)
		return -1;
	*n = *items ? json_array_size(*items) : 0;
	if ((int64_t)*n != q)
		return es_errf(err, "%s.Quantity: %lld, but Items has %zu "
		    "entries", p, (long long)q, *n);
	if (*n == 0)
		*items = NULL;
	return 0;
}

bool
json_path_hostname_ok(const char *s)
{
	return s && *s && sni_name_valid(s, strlen(s)) &&
	    strchr(s, '_') == NULL;
}
