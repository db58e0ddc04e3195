/*
 * test_config.c - unit tests of the config (proxy/config.c) and its key
 * table (proxy/config_keys.c): the demo config parsed to the values it
 * means, and from a file; every row and default of the table; each value
 * type, in bounds and out; configs that must load without a problem; and
 * the printed form of the problems. The problems themselves, line by line,
 * are in test_config_problems.c.
 *
 * Configs are strings; "@ROOT@" stands for a directory that exists and
 * "@DIR@" for the mkdtemp directory of the test (config_fixture.h).
 */
#include "config_fixture.h"

#include <unistd.h>

/* ---- the demo config ------------------------------------------------------ */

/* conf/demo.ini from its [edgesim] on, with root = a real directory and
 * two aliases in mixed case (they must come out lowercased). */
static const char demo[] =
    "; conf/demo.ini, with root pointing at a directory that exists\n"
    "[edgesim]\n"                                               /* 2 */
    "pki = certs/lab\n"
    "log = stderr\n"
    "log_format = text\n"
    "\n"
    "[resolve]\n"                                               /* 7 */
    "; What Route 53 would answer for the distribution's name.\n"
    "d111111abcdef8.cloudfront.net = 127.0.0.1:9443\n"          /* 9 */
    "\n"
    "[edge akamai]\n"                                           /* 11 */
    "persona = akamai\n"
    "listen = 127.0.0.1:8443\n"                                 /* 13 */
    "\n"
    "[host www.example.com]\n"                                  /* 15 */
    "edge = akamai\n"
    "aliases = example.com\n"
    "cert = lab\n"
    "origin = cloudfront-dist\n"
    "\n"
    "[origin cloudfront-dist]\n"                                /* 21 */
    "; Akamai's origin server: the CloudFront distribution, over TLS.\n"
    "address = d111111abcdef8.cloudfront.net:443\n"
    "tls = on\n"
    "sni = on              ; Akamai \"Use SNI TLS Extension\": off breaks "
    "this hop\n"
    "verify = full\n"
    "ca = lab\n"
    "\n"
    "[edge cloudfront]\n"                                       /* 29 */
    "persona = cloudfront\n"
    "listen = 127.0.0.1:9443\n"
    "no_sni = reject       ; CloudFront (SNI-only) sends no certificate "
    "without SNI\n"
    "default_cert = *.cloudfront.net\n"                         /* 33 */
    "\n"
    "[host d111111abcdef8.cloudfront.net]\n"                    /* 35 */
    "edge = cloudfront\n"
    "aliases = WWW.example.com api.Example.COM\n"               /* 37 */
    "cert = lab\n"
    "origin = site\n"
    "route = /api/* api\n"                                      /* 40 */
    "\n"
    "[origin api]\n"                                            /* 42 */
    "type = echo\n"
    "\n"
    "[origin site]\n"                                           /* 45 */
    "type = static\n"
    "root = @ROOT@\n";

static void
test_demo(void **state)
{
	struct conf_problems probs = { 0 };
	struct config *cfg = load(demo, &probs);
	struct conf_edge *ak, *cf;
	struct conf_host *www, *dist;
	struct conf_origin *cfd, *api, *st;
	struct strlist names = { 0 };
	char *p = printed(&probs);

	(void)state;
	if (cfg == NULL || probs.n != 0)
		fail_msg("the demo config has problems:\n%s", p ? p : "");
	free(p);

	/* [edgesim]: written values and the table's defaults */
	assert_string_equal(cfg->path, "test.ini");
	assert_string_equal(cfg->global.pki, "certs/lab");
	assert_string_equal(cfg->global.log, "stderr");
	assert_int_equal(cfg->global.log_format, LOG_FORMAT_TEXT);
	assert_int_equal(cfg->global.key_type, PKI_KEY_P256);
	assert_int_equal(cfg->global.header_timeout_ms, 10000);
	assert_int_equal(cfg->global.idle_timeout_ms, 60000);
	assert_int_equal(cfg->global.shutdown_timeout_ms, 10000);
	assert_int_equal(cfg->global.max_header_size, 16384);
	assert_int_equal(cfg->global.max_connections, 100000);
	assert_null(cfg->global.nameserver);
	assert_int_equal(cfg->global.sec.line, 2);

	/* [resolve] */
	assert_int_equal(cfg->n_resolve, 1);
	assert_string_equal(cfg->resolve[0].name, "d111111abcdef8.cloudfront.net");
	assert_string_equal(cfg->resolve[0].host, "127.0.0.1");
	assert_int_equal(cfg->resolve[0].port, 9443);
	assert_int_equal(cfg->resolve[0].line, 9);
	assert_ptr_equal(config_find_resolve(cfg, "D111111ABCDEF8.cloudfront.net"),
	    &cfg->resolve[0]);
	assert_null(config_find_resolve(cfg, "cloudfront.net"));

	/* edges */
	assert_int_equal(cfg->n_edges, 2);
	ak = config_find_edge(cfg, "akamai");
	cf = config_find_edge(cfg, "cloudfront");
	assert_ptr_equal(ak, cfg->edges[0]);
	assert_ptr_equal(cf, cfg->edges[1]);
	assert_null(config_find_edge(cfg, "Akamai"));
	assert_int_equal(ak->index, 0);
	assert_int_equal(cf->index, 1);
	assert_int_equal(ak->sec.line, 11);
	assert_int_equal(ak->persona, PERSONA_AKAMAI);
	assert_int_equal(cf->persona, PERSONA_CLOUDFRONT);
	assert_int_equal(ak->n_listen, 1);
	assert_string_equal(ak->listen[0].host, "127.0.0.1");
	assert_int_equal(ak->listen[0].port, 8443);
	assert_int_equal(ak->listen[0].line, 13);
	assert_string_equal(cf->listen[0].host, "127.0.0.1");
	assert_int_equal(cf->listen[0].port, 9443);
	assert_int_equal(ak->mode, EDGE_MODE_HTTP);
	assert_int_equal(ak->no_sni, NO_SNI_DEFAULT);
	assert_int_equal(cf->no_sni, NO_SNI_REJECT);
	assert_int_equal(ak->unknown_sni, UNKNOWN_SNI_DEFAULT);
	assert_false(ak->strict_aliases);
	assert_int_equal(ak->client_auth, CLIENT_AUTH_NONE);
	assert_string_equal(ak->client_ca, "lab");
	assert_int_equal(ak->min_tls, TLS1_2_VERSION);
	assert_int_equal(ak->max_tls, TLS1_3_VERSION);
	/* default certificates: akamai its first host's, cloudfront the lab's
	 * *.cloudfront.net */
	assert_int_equal(ak->default_cert.source, CERT_HOST);
	assert_string_equal(ak->default_cert.host_name, "www.example.com");
	assert_int_equal(cf->default_cert.source, CERT_LAB);
	assert_int_equal(cf->default_cert.variant, PKI_LEAF);
	assert_string_equal(cf->default_cert.lab_name, "*.cloudfront.net");
	assert_int_equal(cf->default_cert.line, 33);

	/* hosts, resolved to their edge and origins */
	assert_int_equal(cfg->n_hosts, 2);
	www = config_find_host(cfg, "WWW.EXAMPLE.COM");
	dist = config_find_host(cfg, "d111111abcdef8.cloudfront.net");
	assert_non_null(www);
	assert_non_null(dist);
	assert_int_equal(www->edge_names.n, 1);
	assert_string_equal(www->edge_names.v[0], "akamai");
	assert_string_equal(dist->edge_names.v[0], "cloudfront");
	assert_int_equal(ak->n_hosts, 1);
	assert_ptr_equal(ak->hosts[0], www);
	assert_ptr_equal(cf->hosts[0], dist);
	assert_int_equal(www->aliases.n, 1);
	assert_string_equal(www->aliases.v[0], "example.com");
	assert_int_equal(dist->aliases.n, 2);
	assert_string_equal(dist->aliases.v[0], "www.example.com");
	assert_string_equal(dist->aliases.v[1], "api.example.com");
	assert_int_equal(dist->aliases.line[1], 37);
	assert_int_equal(www->cert.source, CERT_LAB);
	assert_int_equal(www->cert.variant, PKI_LEAF);
	assert_null(www->cert.lab_name);
	cfd = config_find_origin(cfg, "cloudfront-dist");
	api = config_find_origin(cfg, "api");
	st = config_find_origin(cfg, "site");
	assert_ptr_equal(www->origin, cfd);
	assert_ptr_equal(dist->origin, st);
	assert_int_equal(dist->n_routes, 1);
	assert_string_equal(dist->routes[0].pattern, "/api/*");
	assert_string_equal(dist->routes[0].origin_name, "api");
	assert_ptr_equal(dist->routes[0].origin, api);
	assert_int_equal(dist->routes[0].line, 40);
	assert_int_equal(www->n_routes, 0);
	config_cert_names(dist, &dist->cert, &names);
	assert_int_equal(names.n, 3);
	assert_string_equal(names.v[0], "d111111abcdef8.cloudfront.net");
	assert_string_equal(names.v[2], "api.example.com");
	strlist_free(&names);

	/* origins, with the table's defaults */
	assert_int_equal(cfg->n_origins, 3);
	assert_int_equal(cfd->index, 0);
	assert_int_equal(st->index, 2);
	assert_int_equal(cfd->type, ORIGIN_TYPE_PROXY);
	assert_string_equal(cfd->addr_host, "d111111abcdef8.cloudfront.net");
	assert_int_equal(cfd->addr_port, 443);
	assert_true(cfd->tls);
	assert_int_equal(cfd->sni, ORIGIN_SNI_ON);
	assert_int_equal(cfd->verify, VERIFY_FULL);
	assert_int_equal(cfd->ca, CA_LAB);
	assert_int_equal(cfd->host_header, HOST_HEADER_PERSONA);
	assert_int_equal(cfd->pins.n, 0);
	assert_int_equal(cfd->pin_refresh_ms, 0);
	assert_int_equal(cfd->min_tls, TLS1_2_VERSION);
	assert_int_equal(cfd->max_tls, TLS1_3_VERSION);
	assert_int_equal(cfd->connect_timeout_ms, 5000);
	assert_int_equal(cfd->read_timeout_ms, 30000);
	assert_int_equal(cfd->retries, 0);
	assert_int_equal(cfd->pool_size, 64);
	assert_int_equal(cfd->pool_idle_ms, 30000);
	assert_int_equal(cfd->client_cert.source, CERT_NONE);
	assert_int_equal(api->type, ORIGIN_TYPE_ECHO);
	assert_int_equal(st->type, ORIGIN_TYPE_STATIC);
	assert_string_equal(st->root, site);
	assert_int_equal(st->sec.line, 45);
	config_free(cfg);
	config_problems_free(&probs);
}

/* The same file through config_load, and a file that is not there. */
static void
test_load_file(void **state)
{
	struct conf_problems probs = { 0 };
	char path[PATH_MAX + 16], *text = expand(demo);
	struct config *cfg;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/demo.ini", top);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	cfg = config_load(path, &probs);
	assert_non_null(cfg);
	assert_int_equal(probs.n, 0);
	assert_string_equal(cfg->path, path);
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/missing.ini", top);
	assert_null(config_load(path, &probs));
	assert_int_equal(probs.n_errors, 1);
	assert_int_equal(probs.v[0].line, 0);
	assert_non_null(strstr(probs.v[0].msg, "cannot open"));
	config_problems_free(&probs);
	config_free(NULL);

	/* A NUL byte in a line (only a file can hold one) */
	snprintf(path, sizeof(path), "%s/nul.ini", top);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(BASE_E, f);
	fwrite("persona = akamai\0 x\n", 1, 20, f);
	fclose(f);
	assert_null(config_load(path, &probs));
	assert_int_equal(probs.n, 1);
	assert_int_equal(probs.v[0].line, 8);
	assert_string_equal(probs.v[0].msg, "line contains a NUL byte");
	config_problems_free(&probs);

	/* 2 MiB of comments is a config (10,000 hosts make a few MiB) */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 2 * 1024 * 1024 / 8; i++)
		fputs(";;;;;;;\n", f);
	fclose(f);
	{
		struct config *big = config_load(path, &probs);
		assert_non_null(big);
		config_free(big);
	}
	config_problems_free(&probs);
	/* Over 64 MiB is not a config */
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 64 * 1024 * 1024 + 1), 0);
	fclose(f);
	assert_null(config_load(path, &probs));
	assert_int_equal(probs.n, 1);
	assert_non_null(strstr(probs.v[0].msg, "larger than 64 MiB"));
	config_problems_free(&probs);
}

/* ---- the key table --------------------------------------------------------- */

static size_t
kind_size(enum conf_section_kind kind)
{
	switch (kind) {
	case CONF_SEC_GLOBAL: return sizeof(struct conf_global);
	case CONF_SEC_EDGE: return sizeof(struct conf_edge);
	case CONF_SEC_HOST: return sizeof(struct conf_host);
	case CONF_SEC_ORIGIN: return sizeof(struct conf_origin);
	case CONF_SEC_FORWARD_PROXY: return sizeof(struct conf_forward_proxy);
	default: return 0;
	}
}

/* Every row is sound and every default parses, as conf_keys_defaults
 * would abort on one that does not. */
static void
test_key_table(void **state)
{
	struct sbuf doc;
	size_t i, k;
	int kind;

	(void)state;
	assert_true(conf_n_keys > 0 && conf_n_keys <= CONF_KEYS_MAX);
	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *key = &conf_keys[i];
		size_t size = kind_size(key->section);
		struct es_err err = { "" };
		void *base;

		assert_non_null(key->name);
		if (size == 0 || key->offset >= size)
			fail_msg("%s: bad section or offset", key->name);
		if (key->doc == NULL || strlen(key->doc) < 10)
			fail_msg("%s: no documentation", key->name);
		assert_ptr_equal(conf_key_find(key->section, key->name), key);
		assert_int_equal(conf_key_index(key), i);
		for (k = 0; k < i; k++)
			if (conf_keys[k].section == key->section &&
			    strcmp(conf_keys[k].name, key->name) == 0)
				fail_msg("%s: twice in one section", key->name);
		if ((key->type == CONF_T_ENUM) != (key->enum_names != NULL))
			fail_msg("%s: enum_names and type disagree", key->name);
		if ((key->flags & CONF_F_REQUIRED) && key->def != NULL)
			fail_msg("%s: required and a default", key->name);
		if (key->def == NULL)
			continue;
		base = xcalloc(1, size);
		if (conf_key_set(key, base, key->def, 0, &err) != 0)
			fail_msg("%s: default '%s' does not parse: %s", key->name,
			    key->def, err.msg);
		conf_keys_free(key->section, base);
		free(base);
	}
	for (kind = 0; kind < CONF_SEC_COUNT; kind++) {
		size_t size = kind_size((enum conf_section_kind)kind);
		void *base;

		if (size == 0)
			continue;
		base = xcalloc(1, size);
		conf_keys_defaults((enum conf_section_kind)kind, base);
		conf_keys_free((enum conf_section_kind)kind, base);
		free(base);
	}
	/* docs/config.md names every key */
	sbuf_init(&doc);
	conf_keys_doc(&doc);
	for (i = 0; i < conf_n_keys; i++) {
		char want[64];

		snprintf(want, sizeof(want), "| `%s` |", conf_keys[i].name);
		if (strstr(doc.s, want) == NULL)
			fail_msg("docs lack %s", want);
	}
	assert_non_null(strstr(doc.s, "## [origin NAME]"));
	sbuf_free(&doc);
	assert_null(conf_key_find(CONF_SEC_EDGE, "Persona"));
	assert_null(conf_key_find(CONF_SEC_RESOLVE, "persona"));
	assert_string_equal(conf_key_suggest(CONF_SEC_EDGE, "persna"), "persona");
	assert_string_equal(conf_key_suggest(CONF_SEC_EDGE, "LISTEN"), "listen");
	assert_null(conf_key_suggest(CONF_SEC_EDGE, "frobnicate"));
}

struct value_case {
	enum conf_section_kind kind;
	const char *key, *value;
	int64_t want;                   /* numbers, bools, enums; -1: error */
	const char *msg;                /* for errors: a substring */
};

#define BAD -1

static const struct value_case value_cases[] = {
	{ CONF_SEC_GLOBAL, "header_timeout", "250ms", 250, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "5s", 5000, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "10", 10000, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "2m", 120000, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "1h", 3600000, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "100ms", 100, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "24h", 86400000, NULL },
	{ CONF_SEC_GLOBAL, "header_timeout", "99ms", BAD,
	  "'99ms' is not a duration in 100ms .. 24h (e.g. 250ms, 5s, 2m)" },
	{ CONF_SEC_GLOBAL, "header_timeout", "25h", BAD, "in 100ms .. 24h" },
	{ CONF_SEC_GLOBAL, "header_timeout", "5 parsecs", BAD,
	  "'5 parsecs' is not a duration" },
	{ CONF_SEC_GLOBAL, "header_timeout", "1.5s", BAD, "not a duration" },
	{ CONF_SEC_GLOBAL, "header_timeout", "-1s", BAD, "not a duration" },
	{ CONF_SEC_GLOBAL, "header_timeout", "s", BAD, "not a duration" },
	{ CONF_SEC_GLOBAL, "shutdown_timeout", "0", 0, NULL },
	{ CONF_SEC_GLOBAL, "max_header_size", "16k", 16384, NULL },
	{ CONF_SEC_GLOBAL, "max_header_size", "16K", 16384, NULL },
	{ CONF_SEC_GLOBAL, "max_header_size", "1m", 1048576, NULL },
	{ CONF_SEC_GLOBAL, "max_header_size", "1024", 1024, NULL },
	{ CONF_SEC_GLOBAL, "max_header_size", "1023", BAD,
	  "'1023' is not a size in 1024 .. 1048576 bytes (suffixes k and m "
	  "allowed)" },
	{ CONF_SEC_GLOBAL, "max_header_size", "2m", BAD, "not a size" },
	{ CONF_SEC_GLOBAL, "max_header_size", "1g", BAD, "'1g' is not a size" },
	{ CONF_SEC_GLOBAL, "max_header_size", "k", BAD, "not a size" },
	{ CONF_SEC_GLOBAL, "max_header_size", "-1k", BAD, "not a size" },
	{ CONF_SEC_GLOBAL, "max_connections", "1", 1, NULL },
	{ CONF_SEC_GLOBAL, "max_connections", "1000000", 1000000, NULL },
	{ CONF_SEC_GLOBAL, "max_connections", "0", BAD,
	  "'0' is not a number in 1 .. 1000000" },
	{ CONF_SEC_GLOBAL, "max_connections", "1000001", BAD, "1 .. 1000000" },
	{ CONF_SEC_GLOBAL, "max_connections", "12abc", BAD, "not a number" },
	{ CONF_SEC_GLOBAL, "max_connections", "99999999999999999999", BAD,
	  "not a number" },
	{ CONF_SEC_GLOBAL, "key_type", "RSA2048", PKI_KEY_RSA2048, NULL },
	{ CONF_SEC_GLOBAL, "key_type", "ed25519", BAD,
	  "'ed25519' is not one of p256 or rsa2048" },
	{ CONF_SEC_GLOBAL, "log", "", BAD, "needs a value" },
	{ CONF_SEC_EDGE, "persona", "AKAMAI", PERSONA_AKAMAI, NULL },
	{ CONF_SEC_EDGE, "persona", "cloudfront", PERSONA_CLOUDFRONT, NULL },
	{ CONF_SEC_EDGE, "persona", "fastly", BAD,
	  "'fastly' is not one of plain, akamai or cloudfront" },
	{ CONF_SEC_EDGE, "no_sni", "reset", NO_SNI_RESET, NULL },
	{ CONF_SEC_EDGE, "strict_aliases", "yes", 1, NULL },
	{ CONF_SEC_EDGE, "strict_aliases", "ON", 1, NULL },
	{ CONF_SEC_EDGE, "strict_aliases", "true", 1, NULL },
	{ CONF_SEC_EDGE, "strict_aliases", "off", 0, NULL },
	{ CONF_SEC_EDGE, "strict_aliases", "No", 0, NULL },
	{ CONF_SEC_EDGE, "strict_aliases", "maybe", BAD,
	  "'maybe' is not a boolean: use yes or no" },
	{ CONF_SEC_EDGE, "strict_aliases", "", BAD, "not a boolean" },
	{ CONF_SEC_EDGE, "min_tls", "1.0", TLS1_VERSION, NULL },
	{ CONF_SEC_EDGE, "min_tls", "1.1", TLS1_1_VERSION, NULL },
	{ CONF_SEC_EDGE, "min_tls", "TLSv1.2", TLS1_2_VERSION, NULL },
	{ CONF_SEC_EDGE, "min_tls", "TLS1.3", TLS1_3_VERSION, NULL },
	{ CONF_SEC_EDGE, "min_tls", "1.4", BAD,
	  "'1.4' is not a TLS version: use 1.0, 1.1, 1.2 or 1.3" },
	{ CONF_SEC_EDGE, "min_tls", "TLSv1.4", BAD, "not a TLS version" },
	{ CONF_SEC_EDGE, "min_tls", "1", BAD, "not a TLS version" },
	{ CONF_SEC_EDGE, "min_tls", "TLS", BAD, "not a TLS version" },
	{ CONF_SEC_EDGE, "listen", "", BAD, "needs a value" },
	{ CONF_SEC_ORIGIN, "retries", "10", 10, NULL },
	{ CONF_SEC_ORIGIN, "retries", "11", BAD,
	  "'11' is not a number in 0 .. 10" },
	{ CONF_SEC_ORIGIN, "pin_refresh", "365d", 365LL * 86400000, NULL },
	{ CONF_SEC_ORIGIN, "pin_refresh", "366d", BAD, "not a duration" },
	{ CONF_SEC_ORIGIN, "connect_timeout", "0", BAD,
	  "'0' is not a duration in 1ms .. 24h" },
	{ CONF_SEC_ORIGIN, "verify", "strict", BAD,
	  "'strict' is not one of full, chain, pin or none" },
	{ CONF_SEC_ORIGIN, "type", "Static", ORIGIN_TYPE_STATIC, NULL },
};

static void
test_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(value_cases); i++) {
		const struct value_case *c = &value_cases[i];
		const struct conf_key *k = conf_key_find(c->kind, c->key);
		void *base = xcalloc(1, kind_size(c->kind));
		struct es_err err = { "" };
		int64_t got = 0;
		int r;

		assert_non_null(k);
		r = conf_key_set(k, base, c->value, 3, &err);
		if (c->want == BAD) {
			if (r != -1 || strstr(err.msg, c->msg) == NULL)
				fail_msg("%s = '%s': %d \"%s\", want an error with "
				    "\"%s\"", c->key, c->value, r, err.msg, c->msg);
		} else {
			char *field = (char *)base + k->offset;

			if (r != 0)
				fail_msg("%s = '%s': %s", c->key, c->value, err.msg);
			if (k->type == CONF_T_BOOL)
				got = *(bool *)field;
			else if (k->type == CONF_T_ENUM)
				got = *(int *)field;
			else
				got = *(int64_t *)field;
			if (got != c->want)
				fail_msg("%s = '%s': %lld, want %lld", c->key,
				    c->value, (long long)got, (long long)c->want);
		}
		conf_keys_free(c->kind, base);
		free(base);
	}
}

/* Words accumulate over repeats; strings are replaced, not leaked. */
static void
test_values_lists(void **state)
{
	struct conf_host h;
	struct conf_origin o;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(conf_key_set(conf_key_find(CONF_SEC_HOST, "aliases"), &h,
	    "a.example  b.example\tc.example", 4, NULL), 0);
	assert_int_equal(conf_key_set(conf_key_find(CONF_SEC_HOST, "aliases"), &h,
	    "d.example", 5, NULL), 0);
	assert_int_equal(h.aliases.n, 4);
	assert_string_equal(h.aliases.v[2], "c.example");
	assert_int_equal(h.aliases.line[2], 4);
	assert_int_equal(h.aliases.line[3], 5);
	assert_int_equal(conf_key_set(conf_key_find(CONF_SEC_HOST, "cert"), &h,
	    "lab", 6, NULL), 0);
	assert_int_equal(conf_key_set(conf_key_find(CONF_SEC_HOST, "cert"), &h,
	    "lab:expired", 7, NULL), 0);
	assert_string_equal(h.cert_text, "lab:expired");
	conf_keys_free(CONF_SEC_HOST, &h);
	assert_null(h.cert_text);
	assert_int_equal(h.aliases.n, 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(conf_key_set(conf_key_find(CONF_SEC_ORIGIN, "pin"), &o,
	    "sha1:00 with blanks", 8, NULL), 0);
	assert_int_equal(o.pins.n, 1);
	assert_string_equal(o.pins.v[0], "sha1:00 with blanks");
	conf_keys_free(CONF_SEC_ORIGIN, &o);
}

/* ---- configs that load without a single problem ------------------------------ */

struct accept_case {
	const char *name;
	const char *text;
	void (*check)(const struct config *cfg);
};

static void
check_resolve(const struct config *cfg)
{
	static const struct { const char *name, *host; int port; } want[] = {
		{ "a.example", "127.0.0.1", 9443 }, { "b.example", "127.0.0.2", 0 },
		{ "c.example", "::1", 8443 }, { "d.example", "::1", 0 },
	};

	assert_int_equal(cfg->n_resolve, ES_ARRAY_LEN(want));
	for (size_t i = 0; i < ES_ARRAY_LEN(want); i++) {
		assert_string_equal(cfg->resolve[i].name, want[i].name);
		assert_string_equal(cfg->resolve[i].host, want[i].host);
		assert_int_equal(cfg->resolve[i].port, want[i].port);
		assert_int_equal(cfg->resolve[i].line, (int)i + 2);
	}
}

static void
check_two_edges(const struct config *cfg)
{
	const struct conf_edge *ak = config_find_edge(cfg, "akamai");
	const struct conf_edge *f = config_find_edge(cfg, "f");
	const struct conf_host *b = config_find_host(cfg, "b.example");

	assert_int_equal(b->edge_names.n, 2);
	assert_int_equal(ak->n_hosts, 2);
	assert_ptr_equal(ak->hosts[1], b);
	assert_int_equal(f->n_hosts, 1);
	assert_ptr_equal(f->hosts[0], b);
	/* each edge has its default: its first host */
	assert_string_equal(f->default_cert.host_name, "b.example");
}

static void
check_cf_default(const struct config *cfg)
{
	const struct conf_edge *e = cfg->edges[0];

	assert_int_equal(e->default_cert.source, CERT_LAB);
	assert_string_equal(e->default_cert.lab_name, "*.cloudfront.net");
}

static void
check_default_host(const struct config *cfg)
{
	assert_int_equal(cfg->edges[0]->default_cert.source, CERT_HOST);
	assert_string_equal(cfg->edges[0]->default_cert.host_name, "a.example");
}

static void
check_default_lab(const struct config *cfg)
{
	assert_int_equal(cfg->edges[0]->default_cert.source, CERT_LAB);
	assert_string_equal(cfg->edges[0]->default_cert.lab_name,
	    "shared.example.net");
}

static void
check_listen6(const struct config *cfg)
{
	const struct conf_edge *e = config_find_edge(cfg, "akamai");

	assert_int_equal(e->n_listen, 2);
	assert_string_equal(e->listen[1].host, "::1");
	assert_int_equal(e->listen[1].port, 8443);
	assert_int_equal(e->listen[1].line, 8);
}

static void
check_bom_crlf(const struct config *cfg)
{
	const struct conf_host *h = config_find_host(cfg, "a.example");

	assert_int_equal(h->sec.line, 3);
	assert_string_equal(h->origin_name, "o");
	assert_int_equal(cfg->edges[0]->listen[0].port, 8443);
}

static void
check_origin_names(const struct config *cfg)
{
	const struct conf_origin *o = config_find_origin(cfg, "o");

	assert_int_equal(o->sni, ORIGIN_SNI_NAME);
	assert_string_equal(o->sni_name, "origin.example");
	assert_int_equal(o->host_header, HOST_HEADER_NAME);
	assert_string_equal(o->host_header_name, "other.example");
	assert_int_equal(o->ca, CA_FILE);
	assert_int_equal(o->pins.n, 2);
	assert_int_equal(o->verify, VERIFY_PIN);
	assert_string_equal(o->ciphers, "ECDHE+AESGCM");
	assert_string_equal(o->groups, "X25519;P-256");
}

static void
check_origin_modes(const struct config *cfg)
{
	assert_int_equal(config_find_origin(cfg, "o")->sni, ORIGIN_SNI_OFF);
	assert_int_equal(config_find_origin(cfg, "o")->host_header,
	    HOST_HEADER_INCOMING);
	assert_int_equal(config_find_origin(cfg, "p")->sni, ORIGIN_SNI_HOST);
	assert_int_equal(config_find_origin(cfg, "p")->host_header,
	    HOST_HEADER_ORIGIN);
	assert_int_equal(config_find_origin(cfg, "p")->verify, VERIFY_PIN);
}

#define PIN1 "sha1:00112233445566778899AABBCCDDEEFF00112233"
#define PIN2 "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static const struct accept_case accept_cases[] = {
	{ "strict_aliases with cert = lab",
	  STRICT "cert = lab\naliases = api.example.com *.example.com\n", NULL },
	{ "strict_aliases, the same wildcard",
	  STRICT "cert = lab:*.example.com\naliases = *.example.com\n", NULL },
	{ "one alias on two edges",
	  BASE_H "aliases = x.example\n"
	  "[edge f]\nlisten = 127.0.0.1:8444\n[host b.example]\nedge = f\n"
	  "origin = o\naliases = x.example\n", NULL },
	{ "a host on two edges",
	  BASE_E "[edge f]\nlisten = 127.0.0.1:8444\n"
	  "[host b.example]\nedge = akamai\n  f\norigin = o\n", check_two_edges },
	{ "[resolve] with and without ports",
	  "[resolve]\na.example = 127.0.0.1:9443\nB.example = 127.0.0.2\n"
	  "c.example = [::1]:8443\nd.example = [::1]\n" BASE_E, check_resolve },
	{ "cloudfront's default certificate",
	  "[edge cf]\npersona = cloudfront\nlisten = 127.0.0.1:9443\n"
	  "[origin o]\ntype = echo\n[host x.example]\nedge = cf\norigin = o\n",
	  check_cf_default },
	{ "default_cert naming a host", BASE_E "default_cert = A.Example\n",
	  check_default_host },
	{ "default_cert naming a lab certificate",
	  BASE_E "default_cert = Shared.Example.NET\n", check_default_lab },
	{ "listen twice, IPv6", BASE_E "listen = [::1]:8443\n", check_listen6 },
	{ "BOM and CRLF",
	  "\xef\xbb\xbf[edge akamai]\r\nlisten = 127.0.0.1:8443\r\n"
	  "[host a.example]\r\nedge = akamai\r\norigin = o\r\n"
	  "[origin o]\r\ntype = echo\r\n", check_bom_crlf },
	{ "origin names, pins and comments",
	  "# a comment\n; another\n" BASE_O "sni = Origin.Example\n"
	  "host_header = Other.Example\nca = @DIR@/pki/ca.pem\nverify = pin\n"
	  "pin = " PIN1 "\npin = " PIN2 " ; curl's spelling\n"
	  "ciphers = ECDHE+AESGCM ; inline comment\ngroups = X25519;P-256\n",
	  check_origin_names },
	{ "origin modes",
	  BASE_O "sni = off\nhost_header = incoming\n"
	  "[origin p]\naddress = 127.0.0.1:9001\nsni = host\nhost_header = origin\n"
	  "verify = pin\npin_refresh = 1h\n[host b.example]\nedge = akamai\n"
	  "origin = p\n", check_origin_modes },
};

static void
test_accepted(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(accept_cases); i++) {
		const struct accept_case *c = &accept_cases[i];
		struct conf_problems probs = { 0 };
		struct config *cfg = load(c->text, &probs);
		char *p = printed(&probs);

		if (cfg == NULL || probs.n != 0)
			fail_msg("%s: problems:\n%s", c->name, p);
		if (c->check)
			c->check(cfg);
		free(p);
		config_free(cfg);
		config_problems_free(&probs);
	}
}

/* ---- printing ------------------------------------------------------------------ */

static void
test_print(void **state)
{
	struct conf_problems probs = { 0 };
	struct config *cfg;
	char *p;

	(void)state;
	/* found in the order 8 (pass one), 5, 6 (pass two); printed by line */
	cfg = load("[edge akamai]\nlisten = 127.0.0.1:8443\n"
	    "[host a.example]\nedge = akamai\norigin = nope\n"
	    "[origin o]\ntype = echo\nfrobnicate = 1\n", &probs);
	assert_null(cfg);
	assert_int_equal(probs.n, 3);
	assert_int_equal(probs.n_errors, 2);
	assert_int_equal(probs.v[0].line, 8);
	p = printed(&probs);
	assert_string_equal(p,
	    "test.ini:5: [host a.example] origin 'nope' is not defined (no "
	    "[origin nope])\n"
	    "test.ini:6: warning: [origin o] is not used by any host\n"
	    "test.ini:8: [origin o] unknown key 'frobnicate'\n");
	free(p);
	/* printing does not reorder what was found */
	assert_int_equal(probs.v[0].line, 8);

	/* The same probs collect a second config's problems; only its own
	 * errors refuse it. One line, two problems: in the order found. */
	cfg = load(BASE_O "verify = none\n", &probs);
	assert_non_null(cfg);
	config_free(cfg);
	cfg = load("[edge e]\n", &probs);
	assert_null(cfg);
	p = printed(&probs);
	if (strstr(p, "test.ini:1: [edge e] is missing required key 'listen'\n"
	    "test.ini:1: [edge e] serves no host") == NULL ||
	    strstr(p, "test.ini:8: warning: [origin o] verify = none") == NULL)
		fail_msg("printed:\n%s", p);
	free(p);
	config_problems_free(&probs);
	assert_int_equal(probs.n, 0);

	/* nothing to print prints nothing */
	p = printed(&probs);
	assert_string_equal(p, "");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_values_lists),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
