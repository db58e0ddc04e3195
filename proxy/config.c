/*
 * config.c - read an INI config with inih, then check it as a whole.
 *
 * Pass one: our own line reader feeds inih one line at a time, so every key
 * knows its line (Debian's inih has no line-number callback), sections are
 * recognised here (inih truncates section names at 50 bytes), over-long and
 * malformed lines are reported instead of silently split, and every key is
 * stored by the table in config_keys.c.
 * Pass two, in config_check.c: rules between keys and sections
 * (references, duplicates, certificates that must cover names), resolved
 * into pointers.
 *
 * Every problem is collected, none stops the parse, so `edgesim check`
 * shows them all at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_check.h"
#include "config_keys.h"
#include "sni.h"

/* A config of 10,000 hosts and their aliases is a few MiB; anything near
 * this is not a config. */
#define CONF_FILE_MAX (64 * 1024 * 1024)
/* inih's line buffer (INI_MAX_LINE) holds 199 bytes and the NUL. */
#define CONF_LINE_MAX 199


void
conf_problem_add(struct conf_problems *p, int line, bool warning, const char *fmt,
    ...)
{
	struct sbuf b;
	va_list ap;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	sbuf_init(&b);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	p->v[p->n].line = line;
	p->v[p->n].seq = p->n;
	p->v[p->n].warning = warning;
	p->v[p->n].msg = sbuf_detach(&b);
	p->n++;
	if (!warning)
		p->n_errors++;
}


/* "[edge akamai]" or "[edgesim]", for messages. */
const char *
conf_sec_label(const struct conf_sec *sec, char *buf, size_t len)
{
	if (sec->name)
		snprintf(buf, len, "[%s %s]", conf_section_name(sec->kind),
		    sec->name);
	else
		snprintf(buf, len, "[%s]", conf_section_name(sec->kind));
	return buf;
}

int
conf_key_line(const struct conf_sec *sec, const char *key)
{
	const struct conf_key *k = conf_key_find(sec->kind, key);

	if (k && sec->key_line[conf_key_index(k)])
		return sec->key_line[conf_key_index(k)];
	return sec->line;
}

/* --- pass one: sections --- */

static void *
section_new(struct parse_state *st, enum conf_section_kind kind,
    const char *name, int line)
{
	struct config *cfg = st->cfg;
	struct conf_sec *sec;
	void *base;

	switch (kind) {
	case CONF_SEC_EDGE: {
		struct conf_edge *e = xcalloc(1, sizeof(*e));
		cfg->edges = xrealloc(cfg->edges,
		    (cfg->n_edges + 1) * sizeof(*cfg->edges));
		cfg->edges[cfg->n_edges++] = e;
		sec = &e->sec;
		base = e;
		break;
	}
	case CONF_SEC_HOST: {
		struct conf_host *h = xcalloc(1, sizeof(*h));
		cfg->hosts = xrealloc(cfg->hosts,
		    (cfg->n_hosts + 1) * sizeof(*cfg->hosts));
		cfg->hosts[cfg->n_hosts++] = h;
		sec = &h->sec;
		base = h;
		break;
	}
	case CONF_SEC_ORIGIN: {
		struct conf_origin *o = xcalloc(1, sizeof(*o));
		cfg->origins = xrealloc(cfg->origins,
		    (cfg->n_origins + 1) * sizeof(*cfg->origins));
		cfg->origins[cfg->n_origins++] = o;
		sec = &o->sec;
		base = o;
		break;
	}
	default:
		return NULL;
	}
	sec->kind = kind;
	sec->name = xstrdup(name);
	if (kind == CONF_SEC_HOST)
		str_lower(sec->name);
	sec->line = line;
	conf_keys_defaults(kind, base);
	return sec;
}

static struct conf_sec *
section_find(struct config *cfg, enum conf_section_kind kind, const char *name)
{
	switch (kind) {
	case CONF_SEC_EDGE: {
		struct conf_edge *e = config_find_edge(cfg, name);
		return e ? &e->sec : NULL;
	}
	case CONF_SEC_HOST: {
		struct conf_host *h = config_find_host(cfg, name);
		return h ? &h->sec : NULL;
	}
	case CONF_SEC_ORIGIN: {
		struct conf_origin *o = config_find_origin(cfg, name);
		return o ? &o->sec : NULL;
	}
	default:
		return NULL;
	}
}

static bool
section_name_valid(enum conf_section_kind kind, const char *name)
{
	if (kind == CONF_SEC_HOST)
		return sni_name_valid(name, strlen(name));
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return false;
	return *name != '\0' && strlen(name) < CONF_NAME_MAX;
}

/* A "[...]" line: start the section it names, or report why not. */
static void
section_begin(struct parse_state *st, const char *hdr)
{
	char buf[CONF_LINE_MAX + 1];
	char label[CONF_NAME_MAX + 32];
	int kind = -1;

	snprintf(buf, sizeof(buf), "%s", hdr);
	char *text = str_trim(buf);
	char *sp = text + strcspn(text, " \t");
	char *name = NULL;
	if (*sp) {
		*sp = '\0';
		name = str_trim(sp + 1);
		if (*name == '\0')
			name = NULL;
	}
	for (int k = 0; k < CONF_SEC_COUNT; k++)
		if (strcmp(text, conf_section_name(k)) == 0)
			kind = k;

	st->cur = NULL;
	st->skip_section = true;
	if (kind < 0) {
		int best = -1;
		size_t best_d = SIZE_MAX;
		for (int k = 0; k < CONF_SEC_COUNT; k++) {
			size_t d = str_distance(text, conf_section_name(k));
			if (d < best_d) {
				best_d = d;
				best = k;
			}
		}
		if (best >= 0 && best_d <= strlen(text) / 3 + 1)
			ERR(st, st->line, "unknown section [%s]; did you mean "
			    "[%s%s]?", text, conf_section_name(best),
			    conf_section_named(best) ? " NAME" : "");
		else
			ERR(st, st->line, "unknown section [%s]; sections are "
			    "[edgesim], [resolve], [edge NAME], [host NAME] and "
			    "[origin NAME]", text);
		return;
	}
	if (conf_section_named(kind) && name == NULL) {
		ERR(st, st->line, "[%s] needs a name: [%s NAME]", text, text);
		return;
	}
	if (!conf_section_named(kind) && name != NULL) {
		ERR(st, st->line, "[%s] takes no name (found '%s')", text, name);
		return;
	}
	/* "a.example." is "a.example": without its root dot, a host name
	 * compares, issues and matches like the same name written without. */
	if (kind == CONF_SEC_HOST && name && strlen(name) > 1 &&
	    name[strlen(name) - 1] == '.')
		name[strlen(name) - 1] = '\0';
	if (name && !section_name_valid(kind, name)) {
		ERR(st, st->line, "[%s %s]: %s", text, name,
		    kind == CONF_SEC_HOST ? "not a valid host name" :
		    "names may use letters, digits, '-', '_' and '.'");
		return;
	}

	struct conf_sec *sec = NULL;
	if (kind == CONF_SEC_GLOBAL) {
		sec = &st->cfg->global.sec;
		if (sec->line) {
			ERR(st, st->line, "duplicate section [edgesim] (first at "
			    "line %d)", sec->line);
			return;
		}
		sec->line = st->line;
	} else if (kind == CONF_SEC_FORWARD_PROXY) {
		sec = &st->cfg->fproxy.sec;
		if (sec->line) {
			ERR(st, st->line, "duplicate section [forward_proxy] "
			    "(first at line %d)", sec->line);
			return;
		}
		sec->line = st->line;
		st->cfg->fproxy.present = true;
	} else if (kind == CONF_SEC_RESOLVE) {
		/* [resolve] may appear more than once: its entries simply
		 * accumulate. */
		sec = &st->resolve_sec;
		sec->kind = CONF_SEC_RESOLVE;
	} else {
		/* Hosts by an index: a config of 10,000 hosts would otherwise
		 * compare every header with every host before it. */
		struct conf_sec *prev = NULL;
		if (kind == CONF_SEC_HOST) {
			struct conf_host *h = sni_table_find_entry(
			    &st->hosts_seen, name);
			prev = h ? &h->sec : NULL;
		} else {
			prev = section_find(st->cfg, kind, name);
		}
		if (prev) {
			ERR(st, st->line, "duplicate section %s (first at line %d)",
			    conf_sec_label(prev, label, sizeof(label)), prev->line);
			return;
		}
		sec = section_new(st, kind, name, st->line);
		if (sec && kind == CONF_SEC_HOST)
			sni_table_add(&st->hosts_seen, name, false,
			    st->cfg->hosts[st->cfg->n_hosts - 1]);
	}
	st->cur = sec;
	st->skip_section = false;
}

/* --- pass one: lines --- */

/* Strip an inline " ;comment" the way inih does for key lines. */
static void
strip_inline_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == ';' && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/*
 * The ini_reader: hand inih the next line, after looking at it ourselves.
 * Lines we report as malformed are replaced by a blank line (or by a
 * harmless section header, so that inih forgets the previous key), so that
 * inih neither reports them again nor misreads what follows.
 */
static char *
reader(char *out, int num, void *stream)
{
	struct parse_state *st = stream;

	if (st->pos >= st->len)
		return NULL;
	const char *start = st->text + st->pos;
	const char *nl = memchr(start, '\n', st->len - st->pos);
	size_t n = nl ? (size_t)(nl - start) : st->len - st->pos;
	st->pos += n + (nl ? 1 : 0);
	st->line++;
	st->continuation = false;
	if (n > 0 && start[n - 1] == '\r')
		n--;

	char line[CONF_LINE_MAX + 2];
	size_t limit = (size_t)num - 1 < CONF_LINE_MAX ? (size_t)num - 1 :
	    CONF_LINE_MAX;
	if (n > limit) {
		ERR(st, st->line, "line is %zu characters long; the limit is %zu "
		    "(continue a long list on indented lines)", n, limit);
		snprintf(out, (size_t)num, "\n");
		return out;
	}
	if (memchr(start, '\0', n)) {
		ERR(st, st->line, "line contains a NUL byte");
		snprintf(out, (size_t)num, "\n");
		return out;
	}
	memcpy(line, start, n);
	line[n] = '\0';

	/* UTF-8 byte order mark on the first line: inih skips it too. */
	char *p = line;
	if (st->line == 1 && (unsigned char)p[0] == 0xEF &&
	    (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		p += 3;
	bool indented = isspace((unsigned char)*p);
	char *t = p;
	while (isspace((unsigned char)*t))
		t++;

	if (*t == '\0' || *t == ';' || *t == '#') {
		/* blank or comment */
	} else if (indented && st->have_key) {
		/* inih will pass it as a continuation of the previous key,
		 * without stripping an inline comment: strip it here. One
		 * blank is the indentation inih needs: the line had at least
		 * one, so the value (up to limit - 1 bytes) still fits in out
		 * (num bytes); two would cut the last byte of a long one. */
		st->continuation = true;
		strip_inline_comment(t);
		snprintf(out, (size_t)num, " %s\n", str_trim(t));
		return out;
	} else if (*t == '[') {
		char *close = strchr(t, ']');
		st->have_key = false;
		if (close == NULL) {
			ERR(st, st->line, "section header without ']'");
			st->cur = NULL;
			st->skip_section = true;
		} else {
			char *after = close + 1;
			while (isspace((unsigned char)*after))
				after++;
			if (*after && *after != ';' && *after != '#')
				ERR(st, st->line, "text after ']' in a section "
				    "header");
			*close = '\0';
			section_begin(st, t + 1);
		}
		/* inih only needs to know a section started. */
		snprintf(out, (size_t)num, "[s]\n");
		return out;
	} else if (strcspn(t, "=:") == strlen(t)) {
		ERR(st, st->line, "expected 'key = value' or '[section]'");
		snprintf(out, (size_t)num, "\n");
		return out;
	} else {
		st->have_key = true;
	}
	snprintf(out, (size_t)num, "%s\n", p);
	return out;
}

static void
resolve_add(struct parse_state *st, const char *name, const char *value)
{
	struct config *cfg = st->cfg;
	struct es_err err;
	char host[CONF_NAME_MAX];
	int port = 0;

	if (!sni_name_valid(name, strlen(name))) {
		ERR(st, st->line, "[resolve] '%s' is not a valid host name", name);
		return;
	}
	const struct conf_resolve *prev = config_find_resolve(cfg, name);
	if (prev) {
		ERR(st, st->line, "[resolve] %s is mapped twice (first at line %d)",
		    name, prev->line);
		return;
	}
	/* ADDR:PORT, or ADDR alone (port 0: keep the origin's). A default
	 * port of 0 would make parse_hostport require one, so parse with a
	 * placeholder: a value with a valid port passed the first call. */
	if (parse_hostport(value, host, sizeof(host), &port, -1, &err) < 0) {
		if (parse_hostport(value, host, sizeof(host), &port, 1,
		    &err) < 0) {
			ERR(st, st->line, "[resolve] %s: %s", name, err.msg);
			return;
		}
		port = 0;
	}
	unsigned char buf[16];
	if (inet_pton(AF_INET, host, buf) != 1 &&
	    inet_pton(AF_INET6, host, buf) != 1) {
		ERR(st, st->line, "[resolve] %s: '%s' is not an IP address "
		    "([resolve] maps names to addresses)", name, host);
		return;
	}
	cfg->resolve = xrealloc(cfg->resolve,
	    (cfg->n_resolve + 1) * sizeof(*cfg->resolve));
	struct conf_resolve *r = &cfg->resolve[cfg->n_resolve++];
	r->name = str_lower(xstrdup(name));
	r->host = xstrdup(host);
	r->port = port > 0 ? port : 0;
	r->line = st->line;
}

/* Which other section kinds know this key, for a better message. */
static const char *
key_home(enum conf_section_kind not_kind, const char *name)
{
	for (int k = 0; k < CONF_SEC_COUNT; k++)
		if (k != (int)not_kind && conf_key_find(k, name))
			return conf_section_name(k);
	return NULL;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	char label[CONF_NAME_MAX + 32];
	struct es_err err;

	(void)section;
	if (st->skip_section)
		return 1;
	if (st->cur == NULL) {
		ERR(st, st->line, "'%s' is outside of any section", name);
		return 1;
	}
	struct conf_sec *sec = st->cur;
	if (sec->kind == CONF_SEC_RESOLVE) {
		if (st->continuation)
			ERR(st, st->line, "[resolve] takes one address per name; "
			    "remove the indentation");
		else
			resolve_add(st, name, value);
		return 1;
	}
	conf_sec_label(sec, label, sizeof(label));

	const struct conf_key *k = conf_key_find(sec->kind, name);
	if (k == NULL) {
		const char *hint = conf_key_suggest(sec->kind, name);
		const char *home = key_home(sec->kind, name);
		if (hint)
			ERR(st, st->line, "%s unknown key '%s'; did you mean '%s'?",
			    label, name, hint);
		else if (home)
			ERR(st, st->line, "%s unknown key '%s': it belongs in "
			    "[%s%s]", label, name, home,
			    strcmp(home, "edgesim") ? " NAME" : "");
		else
			ERR(st, st->line, "%s unknown key '%s'", label, name);
		return 1;
	}
	size_t idx = conf_key_index(k);
	if (st->continuation && k->type != CONF_T_WORDS) {
		ERR(st, st->line, "%s %s takes one value per line; this "
		    "indented line continues it: remove the indentation", label,
		    name);
		return 1;
	}
	if (!st->continuation && sec->key_line[idx] &&
	    k->type != CONF_T_WORDS && k->type != CONF_T_REPEAT) {
		ERR(st, st->line, "%s %s is set twice (first at line %d)", label,
		    name, sec->key_line[idx]);
		return 1;
	}
	if (conf_key_set(k, sec, value, st->line, &err) < 0) {
		ERR(st, st->line, "%s %s: %s", label, name, err.msg);
		return 1;
	}
	if (sec->key_line[idx] == 0)
		sec->key_line[idx] = st->line;
	return 1;
}

static struct config *
config_parse(const char *name, const char *text, size_t len,
    struct conf_problems *probs)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct parse_state st;
	size_t errors_before = probs->n_errors;

	cfg->path = xstrdup(name);
	cfg->global.sec.kind = CONF_SEC_GLOBAL;
	conf_keys_defaults(CONF_SEC_GLOBAL, &cfg->global);
	cfg->fproxy.sec.kind = CONF_SEC_FORWARD_PROXY;
	conf_keys_defaults(CONF_SEC_FORWARD_PROXY, &cfg->fproxy);

	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.probs = probs;
	st.text = text;
	st.len = len;
	int rc = ini_parse_stream(reader, &st, handler, &st);
	if (rc < 0)
		conf_problem_add(probs, 0, false, "cannot parse (inih error %d)", rc);
	/* rc > 0 is a line inih found malformed: the reader reported it. */
	conf_validate(&st);
	sni_table_free(&st.hosts_seen);

	if (probs->n_errors > errors_before) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct config *
config_load_string(const char *name, const char *text,
    struct conf_problems *probs)
{
	return config_parse(name, text, strlen(text), probs);
}

struct config *
config_load_mem(const char *name, const char *text, size_t len,
    struct conf_problems *probs)
{
	return config_parse(name, text, len, probs);
}

struct config *
config_load(const char *path, struct conf_problems *probs)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		conf_problem_add(probs, 0, false, "cannot open: %s", strerror(errno));
		return NULL;
	}
	/* Read what is there (the size a stat gave may be a FIFO's 0), in
	 * growing steps, never past CONF_FILE_MAX. */
	size_t cap = 64 * 1024, n = 0;
	char *buf = xmalloc(cap + 1);
	bool failed = false;
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0 || n > CONF_FILE_MAX) {
			failed = ferror(f);
			break;
		}
		if (n == cap) {
			cap = cap * 2 > CONF_FILE_MAX + 1 ? CONF_FILE_MAX + 1 :
			    cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	fclose(f);
	if (failed || n > CONF_FILE_MAX) {
		conf_problem_add(probs, 0, false, failed ? "cannot read: %s" :
		    "larger than 64 MiB; is this a config file?",
		    failed ? strerror(errno) : "");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	struct config *cfg = config_parse(path, buf, n, probs);
	free(buf);
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	conf_keys_free(CONF_SEC_GLOBAL, &cfg->global);
	conf_keys_free(CONF_SEC_FORWARD_PROXY, &cfg->fproxy);
	free(cfg->fproxy.allow_ports);
	for (size_t i = 0; i < cfg->n_resolve; i++) {
		free(cfg->resolve[i].name);
		free(cfg->resolve[i].host);
	}
	free(cfg->resolve);
	for (size_t i = 0; i < cfg->n_edges; i++) {
		struct conf_edge *e = cfg->edges[i];
		conf_keys_free(CONF_SEC_EDGE, e);
		conf_cert_spec_free(&e->default_cert);
		free(e->listen);
		free(e->hosts);
		free(e->sec.name);
		free(e);
	}
	free(cfg->edges);
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		struct conf_host *h = cfg->hosts[i];
		conf_keys_free(CONF_SEC_HOST, h);
		conf_cert_spec_free(&h->cert);
		for (size_t j = 0; j < h->n_routes; j++) {
			free(h->routes[j].pattern);
			free(h->routes[j].origin_name);
		}
		free(h->routes);
		free(h->sec.name);
		free(h);
	}
	free(cfg->hosts);
	for (size_t i = 0; i < cfg->n_origins; i++) {
		struct conf_origin *o = cfg->origins[i];
		conf_keys_free(CONF_SEC_ORIGIN, o);
		conf_cert_spec_free(&o->client_cert);
		free(o->sni_name);
		free(o->host_header_name);
		free(o->ca_file);
		free(o->sec.name);
		free(o);
	}
	free(cfg->origins);
	free(cfg->path);
	free(cfg);
}

static int
problem_cmp(const void *a, const void *b)
{
	const struct conf_problem *x = a, *y = b;

	/* By line, then in the order found (qsort alone is not stable). */
	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void
config_problems_print(const struct conf_problems *probs, const char *path,
    void *stdio_file)
{
	FILE *f = stdio_file;

	if (probs->n == 0)
		return;
	struct conf_problem *sorted = xcalloc(probs->n, sizeof(*sorted));
	memcpy(sorted, probs->v, probs->n * sizeof(*sorted));
	qsort(sorted, probs->n, sizeof(*sorted), problem_cmp);
	for (size_t i = 0; i < probs->n; i++)
		fprintf(f, "%s:%d: %s%s\n", path, sorted[i].line,
		    sorted[i].warning ? "warning: " : "", sorted[i].msg);
	free(sorted);
}

void
config_problems_free(struct conf_problems *probs)
{
	for (size_t i = 0; i < probs->n; i++)
		free(probs->v[i].msg);
	free(probs->v);
	memset(probs, 0, sizeof(*probs));
}

struct conf_edge *
config_find_edge(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_edges; i++)
		if (strcmp(cfg->edges[i]->sec.name, name) == 0)
			return cfg->edges[i];
	return NULL;
}

struct conf_host *
config_find_host(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_hosts; i++)
		if (strcasecmp(cfg->hosts[i]->sec.name, name) == 0)
			return cfg->hosts[i];
	return NULL;
}

struct conf_origin *
config_find_origin(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_origins; i++)
		if (strcmp(cfg->origins[i]->sec.name, name) == 0)
			return cfg->origins[i];
	return NULL;
}

const struct conf_resolve *
config_find_resolve(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_resolve; i++)
		if (strcasecmp(cfg->resolve[i].name, name) == 0)
			return &cfg->resolve[i];
	return NULL;
}

int
config_select_edges(struct config *cfg, const struct strlist *names,
    struct es_err *err)
{
	if (names == NULL || names->n == 0)
		return 0;
	for (size_t i = 0; i < names->n; i++)
		if (config_find_edge(cfg, names->v[i]) == NULL)
			return es_errf(err, "--edge %s: no [edge %s] in %s",
			    names->v[i], names->v[i], cfg->path);
	for (size_t i = 0; i < cfg->n_edges; i++)
		cfg->edges[i]->disabled = !strlist_contains_nocase(names,
		    cfg->edges[i]->sec.name);
	return 0;
}

const char *
config_persona_name(enum persona p)
{
	switch (p) {
	case PERSONA_AKAMAI: return "akamai";
	case PERSONA_CLOUDFRONT: return "cloudfront";
	default: return "plain";
	}
}

const char *
config_verify_name(enum verify_mode v)
{
	switch (v) {
	case VERIFY_FULL: return "full";
	case VERIFY_CHAIN: return "chain";
	case VERIFY_PIN: return "pin";
	default: return "none";
	}
}

const char *
config_tls_version_name(int64_t v)
{
	switch (v) {
	case TLS1_VERSION: return "1.0";
	case TLS1_1_VERSION: return "1.1";
	case TLS1_2_VERSION: return "1.2";
	case TLS1_3_VERSION: return "1.3";
	default: return "?";
	}
}
