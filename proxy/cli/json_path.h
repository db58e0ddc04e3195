/*
 * json_path.h - read the user's CDN JSON safely, one typed field at a time,
 * and say exactly where a field is wrong.
 *
 * Every reader takes the path of its parent ("DistributionConfig.Origins")
 * and reports a problem as "PATH.Key: what is wrong", with PATH written the
 * way jq spells it without the leading dot (`Origins.Items[2].DomainName`),
 * so a user can find the field in their own file.
 *
 * Documents are parsed with jansson: duplicate keys are refused
 * (JSON_REJECT_DUPLICATES), NUL in strings is refused (no JSON_ALLOW_NUL),
 * nesting is bounded by jansson's parser depth, and json_path_load refuses
 * files over JSON_PATH_MAX_BYTES before parsing them.
 */
#ifndef EDGESIM_JSON_PATH_H
#define EDGESIM_JSON_PATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* A CDN configuration is kilobytes; 8 MiB is far beyond any real one. */
#define JSON_PATH_MAX_BYTES (8u * 1024 * 1024)
#define JSON_PATH_MAX 512

/*
 * Read and parse path. Returns the document (the caller json_decref's it),
 * or NULL with err: "FILE: cannot read", "FILE: N bytes is over the 8 MiB
 * limit", "FILE:LINE:COLUMN: not JSON: what jansson said".
 */
json_t *json_path_load(const char *file, struct es_err *err);
/* The same from memory (tests); name is used in messages. */
json_t *json_path_loadb(const char *name, const char *buf, size_t len,
    struct es_err *err);

/* "a.b" (or "b" when a is empty) and "a[3]". */
void json_path_key(char *out, size_t len, const char *parent, const char *key);
void json_path_index(char *out, size_t len, const char *parent, size_t i);

/* The JSON type of v in words: "a string", "an object", "null"... */
const char *json_path_type(const json_t *v);

/*
 * Typed fields of the object obj (at path parent). Each returns 0 when the
 * field is there and of the right type, 1 when it is absent (or null) and
 * not required, -1 with err ("PATH.key: ...") otherwise. Strings are
 * borrowed from the document.
 */
int json_path_string(const json_t *obj, const char *parent, const char *key,
    bool required, const char **out, struct es_err *err);
int json_path_int(const json_t *obj, const char *parent, const char *key,
    bool required, int64_t min, int64_t max, int64_t *out,
    struct es_err *err);
int json_path_bool(const json_t *obj, const char *parent, const char *key,
    bool required, bool *out, struct es_err *err);
int json_path_object(const json_t *obj, const char *parent, const char *key,
    bool required, json_t **out, struct es_err *err);
int json_path_array(const json_t *obj, const char *parent, const char *key,
    bool required, json_t **out, struct es_err *err);
/*
 * A string that must be one of names[0..n); *out is its index. An unknown
 * value is an error that lists the known ones.
 */
int json_path_enum(const json_t *obj, const char *parent, const char *key,
    bool required, const char *const *names, size_t n, int *out,
    struct es_err *err);

/*
 * A CloudFront list, {"Quantity": N, "Items": [...]}: Items may be absent
 * when Quantity is 0, and Quantity must equal the number of Items.
 * *items is the array (NULL when empty); *n its length.
 */
int json_path_cf_list(const json_t *obj, const char *parent, const char *key,
    bool required, json_t **items, size_t *n, struct es_err *err);

/* Whether s is a host name a CDN would accept (letters, digits, '-', '.',
 * a leading "*." allowed), for the error "is not a host name". */
bool json_path_hostname_ok(const char *s);

#endif
