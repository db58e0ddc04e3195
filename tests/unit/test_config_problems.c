/*
 * test_config_problems.c - unit tests of every problem a config can have
 * (proxy/config.c, proxy/config_keys.c): each is reported at the line to
 * fix, with the substance of its message, errors refuse the config and
 * warnings do not; then over-long lines and continuation lines.
 *
 * Configs are strings; "@ROOT@" stands for a directory that exists and
 * "@DIR@" for the mkdtemp directory of the test (config_fixture.h).
 */
#include "config_fixture.h"

/* ---- problems ---------------------------------------------------------------- */

struct prob_case {
	const char *name;
	const char *text;
	int line;
	bool warning;
	const char *want[3];            /* substrings of its message */
	int n_errors;                   /* in all: 0 means the config loads */
};

#define E false
#define W true

static const struct prob_case prob_cases[] = {
	/* sections */
	{ "unknown section", BASE_E "[egde x]\nfoo = 1\n", 8, E,
	  { "unknown section [egde]; did you mean [edge NAME]?" }, 1 },
	{ "unknown section, no hint", BASE_E "[frobnicate]\n", 8, E,
	  { "unknown section [frobnicate]; sections are [edgesim], [resolve], "
	    "[edge NAME], [host NAME] and [origin NAME]" }, 1 },
	{ "duplicate section", BASE_E "[origin o]\ntype = static\n", 8, E,
	  { "duplicate section [origin o] (first at line 4)" }, 1 },
	{ "duplicate host, other case", BASE_E "[host A.Example]\n", 8, E,
	  { "duplicate section [host a.example] (first at line 1)" }, 1 },
	{ "duplicate host, trailing dot", BASE_E "[host a.example.]\n", 8, E,
	  { "duplicate section [host a.example] (first at line 1)" }, 1 },
	{ "duplicate [edgesim]", "[edgesim]\n[edgesim]\nlog = x\n" BASE_E, 2, E,
	  { "duplicate section [edgesim] (first at line 1)" }, 1 },
	{ "[edge] without a name", BASE_E "[edge]\nlisten = 127.0.0.1:1\n", 8,
	  E, { "[edge] needs a name: [edge NAME]" }, 1 },
	{ "[edgesim] with a name", "[edgesim x]\n" BASE_E, 1, E,
	  { "[edgesim] takes no name (found 'x')" }, 1 },
	{ "bad edge name", BASE_E "[edge a/b]\n", 8, E,
	  { "[edge a/b]: names may use letters, digits, '-', '_' and '.'" }, 1 },
	{ "bad host name", BASE_E "[host a..b]\n", 8, E,
	  { "[host a..b]: not a valid host name" }, 1 },
	{ "header without ]", BASE_E "[edge x\nlisten = 1\n", 8, E,
	  { "section header without ']'" }, 1 },
	{ "text after ]", "[edgesim] junk\n" BASE_E, 1, E,
	  { "text after ']' in a section header" }, 1 },
	{ "key outside any section", "persona = akamai\n" BASE_E, 1, E,
	  { "'persona' is outside of any section" }, 1 },
	{ "line without =", BASE_E "just some words\n", 8, E,
	  { "expected 'key = value' or '[section]'" }, 1 },
	/* keys */
	{ "unknown key", BASE_E "persna = akamai\n", 8, E,
	  { "[edge akamai] unknown key 'persna'; did you mean 'persona'?" }, 1 },
	{ "keys are case-sensitive", BASE_E "Persona = akamai\n", 8, E,
	  { "unknown key 'Persona'; did you mean 'persona'?" }, 1 },
	{ "unknown global key", "[edgesim]\nlog_fromat = json\n" BASE_E, 2, E,
	  { "[edgesim] unknown key 'log_fromat'; did you mean 'log_format'?" },
	  1 },
	{ "key of an origin in a host", BASE_E HOST_B "pin = sha1:00\n", 11, E,
	  { "[host b.example] unknown key 'pin': it belongs in [origin NAME]" },
	  1 },
	{ "key of [edgesim] in an edge", BASE_E "nameserver = 127.0.0.1\n", 8,
	  E, { "unknown key 'nameserver': it belongs in [edgesim]" }, 1 },
	{ "unknown key, no hint", BASE_E "frobnicate = 1\n", 8, E,
	  { "[edge akamai] unknown key 'frobnicate'" }, 1 },
	{ "key set twice", BASE_E "persona = akamai\npersona = cloudfront\n",
	  9, E, { "[edge akamai] persona is set twice (first at line 8)" }, 1 },
	{ "address set twice", BASE_O "address = 127.0.0.1:9001\n", 8, E,
	  { "[origin o] address is set twice (first at line 7)" }, 1 },
	/* values */
	{ "bad bool", BASE_E "strict_aliases = maybe\n", 8, E,
	  { "[edge akamai] strict_aliases: 'maybe' is not a boolean: use yes "
	    "or no" }, 1 },
	{ "int out of bounds", "[edgesim]\nmax_connections = 0\n" BASE_E, 2, E,
	  { "[edgesim] max_connections: '0' is not a number in 1 .. 1000000" },
	  1 },
	{ "retries out of bounds", BASE_O "retries = 11\n", 8, E,
	  { "[origin o] retries: '11' is not a number in 0 .. 10" }, 1 },
	{ "bad duration", BASE_O "connect_timeout = 5 parsecs\n", 8, E,
	  { "[origin o] connect_timeout: '5 parsecs' is not a duration in "
	    "1ms .. 24h (e.g. 250ms, 5s, 2m)" }, 1 },
	{ "bad size", "[edgesim]\nmax_header_size = 1g\n" BASE_E, 2, E,
	  { "[edgesim] max_header_size: '1g' is not a size in 1024 .. 1048576 "
	    "bytes (suffixes k and m allowed)" }, 1 },
	{ "bad enum", BASE_E "persona = fastly\n", 8, E,
	  { "[edge akamai] persona: 'fastly' is not one of plain, akamai or "
	    "cloudfront" }, 1 },
	{ "bad verify", BASE_O "verify = strict\n", 8, E,
	  { "'strict' is not one of full, chain, pin or none" }, 1 },
	{ "bad TLS version", BASE_E "min_tls = 1.4\n", 8, E,
	  { "[edge akamai] min_tls: '1.4' is not a TLS version: use 1.0, 1.1, "
	    "1.2 or 1.3" }, 1 },
	{ "empty value", BASE_O "ca =\n", 8, E, { "[origin o] ca: needs a value" },
	  1 },
	/* required keys, at the section header */
	{ "edge without listen",
	  BASE_E "[edge f]\npersona = akamai\n[host b.example]\nedge = f\n"
	  "origin = o\n", 8, E, { "[edge f] is missing required key 'listen'" },
	  1 },
	{ "host without edge", BASE_E "[host b.example]\norigin = o\n", 8, E,
	  { "[host b.example] is missing required key 'edge'" }, 1 },
	{ "host without origin", BASE_E "[host b.example]\nedge = akamai\n", 8,
	  E, { "[host b.example] is missing required key 'origin'" }, 1 },
	/* references */
	{ "host on an undefined edge",
	  BASE_E "[host b.example]\nedge = akamia\norigin = o\n", 9, E,
	  { "[host b.example] edge 'akamia' is not defined; did you mean "
	    "'akamai'?" }, 1 },
	{ "host on an undefined edge, no hint",
	  BASE_E "[host b.example]\nedge = fastly\norigin = o\n", 9, E,
	  { "edge 'fastly' is not defined (no [edge fastly])" }, 1 },
	{ "host on an edge twice",
	  BASE_E "[host b.example]\nedge = akamai akamai\norigin = o\n", 9, E,
	  { "[host b.example] edge 'akamai' is listed twice" }, 1 },
	{ "host on no edge", BASE_E "[host b.example]\nedge =\norigin = o\n", 9,
	  E, { "[host b.example] edge: needs a value" }, 1 },
	{ "host to an undefined origin",
	  BASE_E "[host b.example]\nedge = akamai\norigin = nope\n", 10, E,
	  { "[host b.example] origin 'nope' is not defined (no [origin nope])" },
	  1 },
	{ "route to an undefined origin", BASE_H "route = /api/* nope\n", 8, E,
	  { "[host a.example] route /api/*: origin 'nope' is not defined (no "
	    "[origin nope])" }, 1 },
	{ "route without origin", BASE_H "route = /api/*\n", 8, E,
	  { "[host a.example] route: expected 'PATTERN ORIGIN', as in 'route = "
	    "/api/* api'" }, 1 },
	{ "route with three words", BASE_H "route = /api/* o extra\n", 8, E,
	  { "route: expected 'PATTERN ORIGIN'" }, 1 },
	{ "route pattern", BASE_H "route = o\nroute = api/* o\n", 9, E,
	  { "route: pattern 'api/*' must start with '/' or '*'" }, 2 },
	{ "empty route", BASE_H "route =\n", 8, E, { "route: needs a value" }, 1 },
	/* listeners */
	{ "listen used by another edge",
	  BASE_E "[edge f]\nlisten = 127.0.0.1:8443\n[host b.example]\nedge = f\n"
	  "origin = o\n", 9, E,
	  { "[edge f] listen: 127.0.0.1:8443 is already used by [edge akamai] "
	    "at line 7" }, 1 },
	{ "listen twice in one edge", BASE_E "listen = 127.0.0.1:8443\n", 8, E,
	  { "[edge akamai] listen: 127.0.0.1:8443 is already used by [edge "
	    "akamai] at line 7" }, 1 },
	{ "localhost is 127.0.0.1", BASE_E "listen = localhost:8443\n", 8, E,
	  { "localhost:8443 is already used by [edge akamai] at line 7" }, 1 },
	{ "listen on a name", BASE_E "listen = example.com:8443\n", 8, E,
	  { "listen: 'example.com' is not an IP address (use 127.0.0.1 or "
	    "[::1])" }, 1 },
	{ "listen without port", BASE_E "listen = 127.0.0.2\n", 8, E,
	  { "listen: '127.0.0.2': missing ':PORT'" }, 1 },
	{ "listen port", BASE_E "listen = 127.0.0.1:70000\n", 8, E,
	  { "port must be a number from 1 to 65535" }, 1 },
	/* names on an edge */
	{ "alias claimed twice",
	  BASE_E HOST_B "aliases = x.example\n[host c.example]\nedge = akamai\n"
	  "origin = o\naliases = y.example X.Example\n", 15, E,
	  { "[host c.example] 'x.example' is already claimed by [host "
	    "b.example] (line 8) on [edge akamai]" }, 1 },
	{ "alias claimed twice, once with a trailing dot",
	  BASE_E HOST_B "aliases = x.example\n[host c.example]\nedge = akamai\n"
	  "origin = o\naliases = X.example.\n", 15, E,
	  { "[host c.example] 'x.example' is already claimed by [host "
	    "b.example] (line 8)" }, 1 },
	{ "alias is another host's name", BASE_E HOST_B "aliases = a.example\n",
	  11, E, { "[host b.example] 'a.example' is already claimed by [host "
	  "a.example] (line 1)" }, 1 },
	{ "bad alias", BASE_H "aliases = ok.example bad..name\n", 8, E,
	  { "[host a.example] aliases: 'bad..name' is not a valid host name" },
	  1 },
	{ "edge without hosts",
	  "[edge lonely]\nlisten = 127.0.0.1:9999\n" BASE_E, 1, E,
	  { "[edge lonely] serves no host: add a [host NAME] with edge = "
	    "lonely" }, 1 },
	/* continuation lines */
	{ "continuation of a scalar", BASE_E "persona = akamai\n  cloudfront\n",
	  9, E, { "[edge akamai] persona takes one value per line; this "
	  "indented line continues it: remove the indentation" }, 1 },
	{ "continuation in [resolve]",
	  "[resolve]\nx.example = 127.0.0.1:1\n  127.0.0.2\n" BASE_E, 3, E,
	  { "[resolve] takes one address per name; remove the indentation" },
	  1 },
	/* strict_aliases */
	{ "strict_aliases, alias not covered",
	  "[edge cf]\nlisten = 127.0.0.1:9443\npersona = cloudfront\n"
	  "strict_aliases = yes\n[origin o]\ntype = echo\n"
	  "[host d111111abcdef8.cloudfront.net]\nedge = cf\n"
	  "cert = lab:*.cloudfront.net\norigin = o\n"
	  "aliases = www.example.com\n", 11, E,
	  { "[host d111111abcdef8.cloudfront.net] alias 'www.example.com' is "
	    "not covered by the host's certificate (SANs: cloudfront.net, "
	    "*.cloudfront.net)", "strict_aliases" }, 1 },
	{ "strict_aliases, wildcard alias",
	  STRICT "cert = lab:*.example.com\n"
	  "aliases = *.example.com\n  *.a.example.com\n", 11, E,
	  { "alias '*.a.example.com' is not covered", "(SANs: example.com, "
	    "*.example.com)" }, 1 },
	{ "strict_aliases, wildcard needs the wildcard",
	  STRICT "cert = lab:www.example.com\naliases = *.example.com\n", 10, E,
	  { "alias '*.example.com' is not covered", "(SANs: www.example.com)" },
	  1 },
	{ "strict_aliases, wrong-name", STRICT "cert = lab:wrong-name\n", 6, E,
	  { "'www.example.com' is not covered", "(SANs: other.example.net)" },
	  1 },
	{ "strict_aliases, certificate file",
	  "[edge e]\nlisten = 127.0.0.1:1\nstrict_aliases = on\n"
	  "[origin o]\ntype = echo\n[host www.example.com]\nedge = e\n"
	  "origin = o\ncert = @DIR@/pki/www.example.com.pem\n"
	  "key = @DIR@/pki/www.example.com.key\naliases = api.example.com\n",
	  11, E, { "alias 'api.example.com' is not covered", "(SANs: "
	  "www.example.com, example.com)" }, 1 },
	{ "strict_aliases, missing certificate file: one error",
	  STRICT "cert = @DIR@/none.pem\nkey = @DIR@/none.key\n", 9, E,
	  { "[host www.example.com] cert: cannot read certificate file" }, 1 },
	/* [resolve] */
	{ "resolve to a name", "[resolve]\nx.example = example.net:443\n" BASE_E,
	  2, E, { "[resolve] x.example: 'example.net' is not an IP address "
	  "([resolve] maps names to addresses)" }, 1 },
	{ "resolve twice",
	  "[resolve]\nx.example = 127.0.0.1:1\n[resolve]\nX.example = 127.0.0.2\n"
	  BASE_E, 4, E, { "X.example is mapped twice (first at line 2)" }, 1 },
	{ "resolve a bad name", "[resolve]\nbad!name = 127.0.0.1\n" BASE_E, 2,
	  E, { "[resolve] 'bad!name' is not a valid host name" }, 1 },
	{ "resolve port", "[resolve]\nx.example = 127.0.0.1:99999\n" BASE_E, 2,
	  E, { "port must be a number from 1 to 65535" }, 1 },
	/* origins */
	{ "proxy without address",
	  BASE_E HOST_B "[origin p]\ntls = off\n", 11, E,
	  { "[origin p] needs address = HOST:PORT (or type = echo | static)" },
	  1 },
	{ "address without port", BASE_E "[origin p]\naddress = example.com\n",
	  9, E, { "[origin p] address: 'example.com': missing ':PORT'" }, 1 },
	{ "static without root", BASE_E "[origin p]\ntype = static\n", 8, E,
	  { "[origin p] type = static needs root = DIR" }, 1 },
	{ "static with a missing root",
	  BASE_E "[origin p]\ntype = static\nroot = @DIR@/none\n", 10, E,
	  { "[origin p] root: '", "/none' is not a directory" }, 1 },
	{ "static with a file as root",
	  BASE_E "[origin p]\ntype = static\nroot = @DIR@/file\n", 10, E,
	  { "/file' is not a directory" }, 1 },
	{ "verify = pin without a pin", BASE_O "verify = pin\n", 8, E,
	  { "[origin o] verify = pin needs at least one pin (or pin_refresh "
	    "for a learned pin)" }, 1 },
	{ "verify = none", BASE_O "verify = none\n", 8, W,
	  { "[origin o] verify = none: any certificate is accepted" }, 0 },
	{ "origin min_tls above max_tls",
	  BASE_O "min_tls = 1.3\nmax_tls = 1.2\n", 8, E,
	  { "[origin o] min_tls 1.3 is above max_tls 1.2" }, 1 },
	{ "edge max_tls below the default min_tls", BASE_E "max_tls = 1.1\n",
	  8, E, { "[edge akamai] min_tls 1.2 is above max_tls 1.1" }, 1 },
	{ "bad sni", BASE_O "sni = *.example.com\n", 8, E,
	  { "[origin o] sni: '*.example.com' is not on, off, host or a host "
	    "name" }, 1 },
	{ "bad host_header", BASE_O "host_header = a b\n", 8, E,
	  { "host_header: 'a b' is not incoming, origin or a host name" }, 1 },
	{ "unreadable ca", BASE_O "ca = @DIR@/none.pem\n", 8, E,
	  { "[origin o] ca: cannot read '", "none.pem': No such file" }, 1 },
	{ "unreadable crl", BASE_O "crl = @DIR@/none.crl\n", 8, E,
	  { "[origin o] crl: cannot read '" }, 1 },
	{ "malformed pin", BASE_O "pin = sha1:AB:CD\npin = spki:x\n", 8, E,
	  { "[origin o] pin: 'sha1:AB:CD': a sha1 pin is 20 bytes" }, 2 },
	{ "client_cert variant", BASE_O "client_cert = lab:expired\n", 8, E,
	  { "[origin o] client_cert: use lab:client or a file" }, 1 },
	{ "bad names", BASE_O "names = ok.example *.*.bad\n", 8, E,
	  { "[origin o] names: '*.*.bad' is not a valid host name" }, 1 },
	{ "host cert lab:client", BASE_H "cert = lab:client\n", 8, E,
	  { "[host a.example] cert: lab:client is a client certificate" }, 1 },
	{ "host cert unknown lab", BASE_H "cert = lab:bogus\n", 8, E,
	  { "[host a.example] cert: 'lab:bogus': unknown lab certificate" }, 1 },
	{ "host cert file missing", BASE_H "cert = @DIR@/none.pem\n", 8, E,
	  { "cannot read certificate file '" }, 1 },
	{ "host key without a cert file", BASE_H "key = @DIR@/k.pem\n", 8, W,
	  { "[host a.example] key is ignored: cert is not a file" }, 0 },
	{ "default_cert not a lab name", BASE_E "default_cert = lab:expired\n",
	  8, E, { "[edge akamai] default_cert: 'lab:expired' is neither a host "
	  "of this edge nor a lab name" }, 1 },
	{ "default_cert and default_cert_file",
	  BASE_E "default_cert = a.example\n"
	  "default_cert_file = @DIR@/pki/www.example.com.pem\n"
	  "default_cert_key = @DIR@/pki/www.example.com.key\n", 8, E,
	  { "set default_cert or default_cert_file, not both" }, 1 },
	{ "unreadable client_ca", BASE_E "client_ca = @DIR@/none.pem\n", 8, E,
	  { "[edge akamai] client_ca: cannot read" }, 1 },
	{ "nameserver", "[edgesim]\nnameserver = dns.example\n" BASE_E, 2, E,
	  { "[edgesim] nameserver: 'dns.example' is not ADDR[:PORT] with an IP "
	    "address" }, 1 },
	/* admin (issue 13) */
	{ "admin not loopback, no token", "[edgesim]\nadmin = 0.0.0.0:9901\n"
	  BASE_E, 2, E, { "[edgesim] admin: 0.0.0.0:9901 is not a loopback "
	  "address" }, 1 },
	{ "admin on ::, no token", "[edgesim]\nadmin = [::]:9901\n" BASE_E, 2,
	  E, { "[edgesim] admin: [::]:9901 is not a loopback address" }, 1 },
	{ "admin not an address", "[edgesim]\nadmin = localhost:9901\n" BASE_E,
	  2, E, { "[edgesim] admin: 'localhost' is not an IP address" }, 1 },
	{ "admin without a port", "[edgesim]\nadmin = 127.0.0.1\n" BASE_E, 2,
	  E, { "[edgesim] admin: " }, 1 },
	{ "admin_token too short", "[edgesim]\nadmin = 10.0.0.1:9901\n"
	  "admin_token = abc\n" BASE_E, 3, E, { "[edgesim] admin_token: too "
	  "short (3 characters)" }, 1 },
	/* mode = tcp */
	{ "tcp to a built-in origin", BASE_E "mode = tcp\n", 3, E,
	  { "[host a.example] origin 'o' is a built-in HTTP responder; [edge "
	    "akamai] has mode = tcp and needs an address to pipe to" }, 1 },
	{ "tcp with routes",
	  "[edge akamai]\nlisten = 127.0.0.1:8443\nmode = tcp\n"
	  "[origin o]\naddress = 127.0.0.1:9000\n"
	  "[host a.example]\nedge = akamai\norigin = o\nroute = /x o\n", 9, W,
	  { "[host a.example] routes are ignored: [edge akamai] has mode = tcp" },
	  0 },
	/* warnings alone let the config load */
	{ "unused origin", BASE_E "[origin p]\ntype = echo\n", 8, W,
	  { "[origin p] is not used by any host" }, 0 },
	{ "built-in origin with an address",
	  BASE_E HOST_B "route = /x p\n[origin p]\ntype = echo\n"
	  "address = 127.0.0.1:1\n", 14, W,
	  { "[origin p] address is ignored: an echo origin is built in" }, 0 },
};

static bool
has_problem(const struct conf_problems *probs, const struct prob_case *c)
{
	for (size_t i = 0; i < probs->n; i++) {
		const struct conf_problem *p = &probs->v[i];
		size_t k;

		if (p->line != c->line || p->warning != c->warning)
			continue;
		for (k = 0; k < 3 && c->want[k]; k++)
			if (strstr(p->msg, c->want[k]) == NULL)
				break;
		if (k == 3 || c->want[k] == NULL)
			return true;
	}
	return false;
}

static void
test_problems(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ES_ARRAY_LEN(prob_cases); i++) {
		const struct prob_case *c = &prob_cases[i];
		struct conf_problems probs = { 0 };
		struct config *cfg = load(c->text, &probs);
		char *p = printed(&probs);

		if (!has_problem(&probs, c))
			fail_msg("%s: no %s at line %d with \"%s\"; found:\n%s",
			    c->name, c->warning ? "warning" : "error", c->line,
			    c->want[0], p);
		if ((int)probs.n_errors != c->n_errors)
			fail_msg("%s: %zu errors, want %d:\n%s", c->name,
			    probs.n_errors, c->n_errors, p);
		if ((cfg != NULL) != (c->n_errors == 0))
			fail_msg("%s: config_load_string returned %p", c->name,
			    (void *)cfg);
		free(p);
		config_free(cfg);
		config_problems_free(&probs);
	}
}

/* ---- long lines and continuation lines ---------------------------------------- */

/* "x" * n */
static void
fill(struct sbuf *b, char c, size_t n)
{
	while (n-- > 0)
		sbuf_addc(b, c);
}

/* A valid host name of exactly n bytes (n >= 10): labels of up to 60. */
static void
long_name(struct sbuf *b, size_t n)
{
	char c = 'a';

	n -= strlen(".example");
	while (n > 61) {
		fill(b, c++, 60);
		sbuf_addc(b, '.');
		n -= 61;
	}
	fill(b, c, n);
	sbuf_adds(b, ".example");
}

/* BASE_H, then line 8 as built by the caller, then "route = /x o" (9). */
static struct config *
load_line(const struct sbuf *line8, const char *eol,
    struct conf_problems *probs)
{
	struct sbuf b;
	struct config *cfg;

	sbuf_init(&b);
	sbuf_adds(&b, BASE_H);
	sbuf_adds(&b, line8->s);
	sbuf_adds(&b, eol);
	sbuf_adds(&b, "route = /x o\n");
	cfg = load(b.s, probs);
	sbuf_free(&b);
	return cfg;
}

static void
test_long_lines(void **state)
{
	struct conf_problems probs = { 0 };
	struct config *cfg;
	struct sbuf line, name;
	char *p;

	(void)state;
	/* 199 characters: a comment, then an alias line, with LF or CRLF */
	sbuf_init(&line);
	sbuf_adds(&line, "; ");
	fill(&line, 'c', 197);
	assert_int_equal(line.len, 199);
	cfg = load_line(&line, "\n", &probs);
	assert_non_null(cfg);
	assert_int_equal(probs.n, 0);
	config_free(cfg);
	sbuf_init(&name);
	long_name(&name, 189);
	sbuf_reset(&line);
	sbuf_addf(&line, "aliases = %s", name.s);
	assert_int_equal(line.len, 199);
	for (int crlf = 0; crlf < 2; crlf++) {
		cfg = load_line(&line, crlf ? "\r\n" : "\n", &probs);
		assert_non_null(cfg);
		assert_string_equal(config_find_host(cfg, "a.example")->aliases.v[0],
		    name.s);
		assert_int_equal(config_find_host(cfg, "a.example")->n_routes, 1);
		config_free(cfg);
	}
	assert_int_equal(probs.n, 0);

	/* 200 characters, and 5000: refused, and the next line still has
	 * its own number */
	for (size_t extra = 1; extra <= 4801; extra += 4800) {
		char want[128];

		fill(&line, 'x', extra);
		cfg = load_line(&line, "\n", &probs);
		assert_null(cfg);
		p = printed(&probs);
		snprintf(want, sizeof(want), "test.ini:8: line is %zu characters "
		    "long; the limit is 199 (continue a long list on indented "
		    "lines)\n", line.len);
		if (strcmp(p, want) != 0)
			fail_msg("printed \"%s\", want \"%s\"", p, want);
		free(p);
		config_problems_free(&probs);
	}

	/* An indented continuation line of 199 characters keeps every byte
	 * of its value. */
	sbuf_reset(&name);
	long_name(&name, 198);
	sbuf_reset(&line);
	sbuf_addf(&line, "aliases = first.example\n %s", name.s);
	cfg = load_line(&line, "\n", &probs);
	p = printed(&probs);
	if (cfg == NULL || probs.n != 0)
		fail_msg("problems:\n%s", p);
	free(p);
	assert_int_equal(config_find_host(cfg, "a.example")->aliases.n, 2);
	assert_string_equal(config_find_host(cfg, "a.example")->aliases.v[1],
	    name.s);
	assert_int_equal(config_find_host(cfg, "a.example")->aliases.line[1], 9);
	config_free(cfg);
	sbuf_free(&name);
	sbuf_free(&line);
}

static void
test_continuation(void **state)
{
	struct conf_problems probs = { 0 };
	struct config *cfg;
	const struct conf_host *h;
	static const char *const want[] = { "one.example", "two.example",
	    "three.example", "four.example", "five.example" };
	static const int lines[] = { 8, 8, 9, 10, 12 };

	(void)state;
	cfg = load(BASE_H
	    "aliases = ONE.example two.example ; a comment\n"   /* 8 */
	    "  three.example\n"                                 /* 9 */
	    "\tfour.example ; six.example\n"                    /* 10 */
	    "; a comment line between\n"                        /* 11 */
	    "    five.example   \n"                             /* 12 */
	    "route = /x o\n", &probs);                          /* 13 */
	assert_non_null(cfg);
	assert_int_equal(probs.n, 0);
	h = config_find_host(cfg, "a.example");
	assert_int_equal(h->aliases.n, ES_ARRAY_LEN(want));
	for (size_t i = 0; i < ES_ARRAY_LEN(want); i++) {
		assert_string_equal(h->aliases.v[i], want[i]);
		assert_int_equal(h->aliases.line[i], lines[i]);
	}
	assert_int_equal(h->routes[0].line, 13);
	config_free(cfg);

	/* An indented first key of a section is an ordinary key. */
	cfg = load(BASE_E "[host b.example]\n  aliases = x.example\n"
	    "edge = akamai\norigin = o\n", &probs);
	assert_non_null(cfg);
	assert_string_equal(config_find_host(cfg, "b.example")->aliases.v[0],
	    "x.example");
	config_free(cfg);
	/* A continuation of a repeatable scalar is refused too. */
	assert_null(load(BASE_H "route = /x o\n  /y o\n", &probs));
	assert_int_equal(probs.n, 1);
	assert_int_equal(probs.v[0].line, 9);
	assert_non_null(strstr(probs.v[0].msg, "route takes one value per line"));
	config_problems_free(&probs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_continuation),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
