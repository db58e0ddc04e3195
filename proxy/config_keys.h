/*
 * config_keys.h - the one table of config keys.
 *
 * Every key of every section is a row: its section, name, type, bounds,
 * default, where it is stored, and its documentation. The INI handler, the
 * defaults, the "did you mean" hints and docs/config.md are all driven by
 * this table, so a key cannot exist in one of them and not the others.
 */
#ifndef EDGESIM_CONFIG_KEYS_H
#define EDGESIM_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

enum conf_type {
	CONF_T_STRING,          /* char *: one value */
	CONF_T_BOOL,            /* bool: yes|no|on|off|true|false */
	CONF_T_INT,             /* int64_t in [min, max] */
	CONF_T_SIZE,            /* int64_t bytes: 16384, 16k, 1m, in [min, max] */
	CONF_T_DURATION,        /* int64_t milliseconds: 250ms, 5s, 2m, in [min, max] */
	CONF_T_ENUM,            /* an enum, one of enum_names (index = value) */
	CONF_T_TLS_VERSION,     /* int64_t: 1.0 | 1.1 | 1.2 | 1.3 as OpenSSL constants */
	CONF_T_WORDS,           /* struct strlist: blank-separated words; may repeat
	                           and continue on indented lines */
	CONF_T_REPEAT,          /* struct strlist: one value per occurrence */
};

#define CONF_F_REQUIRED 0x1     /* the section is incomplete without it */

struct conf_key {
	enum conf_section_kind section;
	const char *name;
	enum conf_type type;
	size_t offset;                  /* into the section's struct */
	int64_t min, max;               /* INT, SIZE, DURATION */
	const char *const *enum_names;  /* ENUM: NULL-terminated */
	const char *def;                /* default, parsed like a value; NULL: none */
	unsigned flags;
	const char *doc;                /* one paragraph for docs/config.md */
};

extern const struct conf_key conf_keys[];
extern const size_t conf_n_keys;

/* The row for name in a section kind, or NULL. Names are case-sensitive. */
const struct conf_key *conf_key_find(enum conf_section_kind kind,
    const char *name);
/* Its index in conf_keys (the index into conf_sec.key_line). */
size_t conf_key_index(const struct conf_key *k);
/* The known key of kind closest to name, for "did you mean"; NULL if none
 * is close. */
const char *conf_key_suggest(enum conf_section_kind kind, const char *name);

/* Section kind names: "edgesim", "resolve", "edge", "host", "origin". */
const char *conf_section_name(enum conf_section_kind kind);
/* Whether a section of this kind carries a name ([edge NAME]). */
int conf_section_named(enum conf_section_kind kind);

/*
 * Store value into the section struct at base, as row k says. Repeated keys
 * and continuation lines append for WORDS and REPEAT. Returns -1 with err
 * on a bad value.
 */
int conf_key_set(const struct conf_key *k, void *base, const char *value,
    int line, struct es_err *err);
/* Apply every default of kind to a fresh section struct. */
void conf_keys_defaults(enum conf_section_kind kind, void *base);
/* Free every string and list the table stored in base. */
void conf_keys_free(enum conf_section_kind kind, void *base);

/* The text of docs/config.md. */
void conf_keys_doc(struct sbuf *out);

#endif
