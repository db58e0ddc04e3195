/*
 * config_check.h - between config.c (pass one: reading the file) and
 * config_check.c (pass two: rules between keys and sections). Not for
 * other modules: they use config.h.
 */
#ifndef EDGESIM_CONFIG_CHECK_H
#define EDGESIM_CONFIG_CHECK_H

#include "config.h"
#include "sni.h"

/* The state of one parse; pass two uses its cfg and probs. */
struct parse_state {
	struct config *cfg;
	struct conf_problems *probs;
	const char *text;
	size_t len;
	size_t pos;
	int line;               /* of the line last handed to inih */
	bool continuation;      /* that line continues the previous key */
	bool have_key;          /* a key was seen in this section (inih's prev_name) */
	struct conf_sec *cur;   /* NULL: outside any usable section */
	bool skip_section;      /* the header was bad: ignore its keys quietly */
	struct conf_sec resolve_sec;
	struct sni_table hosts_seen;    /* [host] sections so far, by name */
};

/* Record a problem of the config at line (0: the file as a whole). */
void conf_problem_add(struct conf_problems *p, int line, bool warning,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define ERR(st_, line_, ...) \
	conf_problem_add((st_)->probs, (line_), false, __VA_ARGS__)
#define WARN(st_, line_, ...) \
	conf_problem_add((st_)->probs, (line_), true, __VA_ARGS__)

/* "[edge akamai]" or "[edgesim]", for messages. */
const char *conf_sec_label(const struct conf_sec *sec, char *buf, size_t len);
/* The line where key was set in sec, else the section's header line. */
int conf_key_line(const struct conf_sec *sec, const char *key);

/* Pass two: every rule between keys and sections; references resolved
 * into pointers. */
void conf_validate(struct parse_state *st);
void conf_cert_spec_free(struct cert_spec *c);

#endif
