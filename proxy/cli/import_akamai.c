/*
 * import_akamai.c - an Akamai property (a PAPI rule tree, as
 * `GET /papi/v1/properties/{id}/versions/{v}/rules` returns it, or the
 * snippet/Terraform form with "_ruleFormat_") into the import model: the
 * Akamai edge, one host per property hostname, and the origins its rules
 * choose by hostname and path.
 *
 * Akamai applies every rule whose criteria match, top to bottom, children
 * after their parent; a later origin behavior overrides an earlier one.
 * edgesim routes take the first match. So, for each hostname, the rules
 * that can apply are flattened in order and read backwards: the last rule
 * without a path condition is the host's default origin, and the path
 * rules after it become routes, the latest first.
 */
#include "cli/import.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/json_path.h"
#include "pin.h"

#define P JSON_PATH_MAX

#define L_HOSTNAME "Property Manager: Origin Server > Origin Server Hostname"
#define L_SNI "Property Manager: Origin Server > Use SNI TLS Extension"
#define L_FHH "Property Manager: Origin Server > Forward Host Header"
#define L_VERIFY "Property Manager: Origin Server > Verification Settings"
#define L_CN "Property Manager: Origin Server > Match CN/SAN To"
#define L_TRUST "Property Manager: Origin Server > Trust"
#define L_PINS "Property Manager: Origin Server > Specific Certificates " \
    "(pinning)"

static const char *const origin_types[] = {
	"CUSTOMER", "NET_STORAGE", "MEDIA_SERVICE_LIVE",
	"EDGE_LOAD_BALANCING_ORIGIN_GROUP", "SAAS_DYNAMIC_ORIGIN",
	"APPLICATION_LOAD_BALANCER",
};
static const char *const fhh_values[] = {
	"REQUEST_HOST_HEADER", "ORIGIN_HOSTNAME", "CUSTOM",
};
static const char *const verify_modes[] = {
	"PLATFORM_SETTINGS", "CUSTOM", "THIRD_PARTY",
};
static const char *const honor_values[] = {
	"COMBO", "STANDARD_CERTIFICATE_AUTHORITIES",
	"CUSTOM_CERTIFICATE_AUTHORITIES", "CUSTOM_CERTIFICATES",
};
static const char *const tls_values[] = {
	"DYNAMIC", "TLSV1", "TLSV1_1", "TLSV1_2", "TLSV1_3",
};
static const char *const tls_ini[] = { NULL, "1.0", "1.1", "1.2", "1.3" };
static const char *const must_satisfy[] = { "all", "any" };
static const char *const host_ops[] = { "IS_ONE_OF", "IS_NOT_ONE_OF" };
static const char *const path_ops[] = {
	"MATCHES_ONE_OF", "DOES_NOT_MATCH_ONE_OF",
};

/* One criterion of a rule. */
struct ak_crit {
	bool is_path;
	bool negate;
	json_t *values;         /* array of strings */
	char path[P];
};

/* A rule's criteria. */
struct ak_clause {
	bool any;
	struct ak_crit *c;
	size_t n;
	char path[P];
};

/* A behavior that matters, with the criteria of the rule and its parents. */
struct ak_entry {
	enum { AK_ORIGIN, AK_TIMEOUT, AK_READ_TIMEOUT } kind;
	json_t *options;
	char path[P];           /* of the behavior */
	struct ak_clause **clauses;     /* outermost first; borrowed */
	size_t n_clauses;
};

struct ak_state {
	struct im_model *m;
	const struct import_opts *o;
	const char *file;
	json_t *doc;
	struct ak_clause **all_clauses;
	size_t n_all_clauses;
	struct ak_entry *e;
	size_t n;
	struct strlist hosts;
	struct strlist host_paths;
};

/* json_path_key, as an expression. */
static const char *
jp(char *buf, const char *parent, const char *key)
{
	json_path_key(buf, P, parent, key);
	return buf;
}

static int
fail(struct ak_state *st, struct es_err *err, const struct es_err *e)
{
	return es_errf(err, "%s: %s", st->file, e->msg);
}

static int
read_clause(struct ak_state *st, json_t *rule, const char *rpath,
    struct ak_clause **out, struct es_err *err)
{
	struct es_err e;
	json_t *crit;
	int ms = 0;

	*out = NULL;
	if (json_path_array(rule, rpath, "criteria", false, &crit, &e) < 0 ||
	    json_path_enum(rule, rpath, "criteriaMustSatisfy", false,
	    must_satisfy, 2, &ms, &e) < 0)
		return fail(st, err, &e);
	if (crit == NULL || json_array_size(crit) == 0)
		return 0;
	struct ak_clause *cl = xcalloc(1, sizeof(*cl));
	st->all_clauses = xrealloc(st->all_clauses,
	    (st->n_all_clauses + 1) * sizeof(*st->all_clauses));
	st->all_clauses[st->n_all_clauses++] = cl;
	cl->any = ms == 1;
	json_path_key(cl->path, sizeof(cl->path), rpath, "criteria");
	cl->c = xcalloc(json_array_size(crit), sizeof(*cl->c));
	for (size_t i = 0; i < json_array_size(crit); i++) {
		json_t *c = json_array_get(crit, i), *opts;
		char cp[P], op[P];
		const char *name;
		int oper;
		json_path_index(cp, sizeof(cp), cl->path, i);
		if (json_path_string(c, cp, "name", true, &name, &e) < 0 ||
		    json_path_object(c, cp, "options", true, &opts, &e) < 0)
			return fail(st, err, &e);
		json_path_key(op, sizeof(op), cp, "options");
		bool is_path = strcmp(name, "path") == 0;
		if (strcmp(name, "hostname") != 0 && !is_path) {
			im_ignored(st->m, cp, "criterion '%s' is not evaluated: "
			    "requests of the lab do not meet it, so the rule is "
			    "taken not to apply", name);
			struct ak_crit *k = &cl->c[cl->n++];
			k->values = NULL;       /* never matches */
			snprintf(k->path, sizeof(k->path), "%s", cp);
			continue;
		}
		if (json_path_enum(opts, op, "matchOperator", true, is_path ?
		    path_ops : host_ops, 2, &oper, &e) < 0)
			return fail(st, err, &e);
		struct ak_crit *k = &cl->c[cl->n++];
		k->is_path = is_path;
		k->negate = oper == 1;
		snprintf(k->path, sizeof(k->path), "%s.values", op);
		if (json_path_array(opts, op, "values", true, &k->values, &e) < 0)
			return fail(st, err, &e);
		for (size_t j = 0; j < json_array_size(k->values); j++) {
			json_t *v = json_array_get(k->values, j);
			char vp[P];
			json_path_index(vp, sizeof(vp), k->path, j);
			if (!json_is_string(v))
				return es_errf(err, "%s: %s: expected a string, "
				    "found %s", st->file, vp, json_path_type(v));
			const char *s = json_string_value(v);
			for (const char *q = s; *q; q++)
				if ((unsigned char)*q <= ' ' || *q == ';' ||
				    *q == '#')
					return es_errf(err, "%s: %s: \"%.80s\" has "
					    "blanks or control characters",
					    st->file, vp, s);
			if (is_path && s[0] != '/' && s[0] != '*')
				return es_errf(err, "%s: %s: \"%.80s\" is not a "
				    "path (it starts with '/')", st->file, vp, s);
			/* A positive hostname value names a property host. */
			if (!is_path && !k->negate && !strchr(s, '*') &&
			    json_path_hostname_ok(s) &&
			    !strlist_contains_nocase(&st->hosts, s)) {
				strlist_add(&st->hosts, s, 0);
				strlist_add(&st->host_paths, vp, 0);
			}
		}
		if (is_path && k->negate)
			im_ignored(st->m, op, "DOES_NOT_MATCH_ONE_OF path criteria "
			    "cannot be written as routes: the rule is taken not "
			    "to apply");
	}
	*out = cl;
	return 0;
}

static int
walk(struct ak_state *st, json_t *rule, const char *rpath,
    struct ak_clause **stack, size_t depth, struct es_err *err)
{
	struct es_err e;
	json_t *beh, *kids;
	struct ak_clause *cl;

	if (!json_is_object(rule))
		return es_errf(err, "%s: %s: expected a rule object, found %s",
		    st->file, rpath, json_path_type(rule));
	if (depth >= 64)
		return es_errf(err, "%s: %s: rules nested over 64 deep",
		    st->file, rpath);
	if (read_clause(st, rule, rpath, &cl, err) < 0)
		return -1;
	size_t nd = depth;
	if (cl)
		stack[nd++] = cl;
	if (json_path_array(rule, rpath, "behaviors", false, &beh, &e) < 0 ||
	    json_path_array(rule, rpath, "children", false, &kids, &e) < 0)
		return fail(st, err, &e);
	for (size_t i = 0; beh && i < json_array_size(beh); i++) {
		json_t *b = json_array_get(beh, i), *opts;
		char bp[P];
		const char *name;
		snprintf(bp, sizeof(bp), "%s.behaviors[%zu]", rpath, i);
		if (json_path_string(b, bp, "name", true, &name, &e) < 0)
			return fail(st, err, &e);
		int kind = strcmp(name, "origin") == 0 ? AK_ORIGIN :
		    strcmp(name, "timeout") == 0 ? AK_TIMEOUT :
		    strcmp(name, "readTimeout") == 0 ? AK_READ_TIMEOUT : -1;
		if (kind < 0) {
			if (!strcmp(name, "caching") || !strcmp(name, "cpCode") ||
			    !strcmp(name, "siteShield") || !strcmp(name,
			    "edgeWorker") || !strcmp(name, "sureRoute") ||
			    !strcmp(name, "http2") || !strcmp(name, "allowPost"))
				im_ignored(st->m, bp, "behavior '%s' is not "
				    "simulated", name);
			continue;
		}
		if (json_path_object(b, bp, "options", true, &opts, &e) < 0)
			return fail(st, err, &e);
		st->e = xrealloc(st->e, (st->n + 1) * sizeof(*st->e));
		struct ak_entry *en = &st->e[st->n++];
		memset(en, 0, sizeof(*en));
		en->kind = kind;
		en->options = opts;
		snprintf(en->path, sizeof(en->path), "%s", bp);
		en->clauses = xcalloc(nd ? nd : 1, sizeof(*en->clauses));
		memcpy(en->clauses, stack, nd * sizeof(*stack));
		en->n_clauses = nd;
	}
	for (size_t i = 0; kids && i < json_array_size(kids); i++) {
		char kp[P];
		snprintf(kp, sizeof(kp), "%s.children[%zu]", rpath, i);
		if (walk(st, json_array_get(kids, i), kp, stack, nd, err) < 0)
			return -1;
	}
	return 0;
}

static bool
host_match(const char *pat, const char *host)
{
	return fnmatch(pat, host, FNM_CASEFOLD) == 0;
}

/*
 * What an entry's criteria mean for host: 0 never, 1 always, 2 only for
 * the paths in *pats (borrowed array of strings), with *pats_path.
 */
static int
entry_applies(struct ak_state *st, const struct ak_entry *en, const char *host,
    json_t **pats, const char **pats_path)
{
	*pats = NULL;
	*pats_path = NULL;
	for (size_t i = 0; i < en->n_clauses; i++) {
		const struct ak_clause *cl = en->clauses[i];
		bool host_ok = !cl->any, any_host_hit = false;
		json_t *cp = NULL;
		const char *cpp = NULL;
		bool bad = false;
		for (size_t k = 0; k < cl->n; k++) {
			const struct ak_crit *c = &cl->c[k];
			if (c->values == NULL || (c->is_path && c->negate)) {
				bad = true;
				continue;
			}
			if (c->is_path) {
				cp = c->values;
				cpp = c->path;
				continue;
			}
			bool hit = false;
			for (size_t j = 0; j < json_array_size(c->values); j++)
				hit = hit || host_match(json_string_value(
				    json_array_get(c->values, j)), host);
			hit = c->negate ? !hit : hit;
			if (cl->any)
				any_host_hit = any_host_hit || hit;
			else
				host_ok = host_ok && hit;
		}
		if (cl->any) {
			if (any_host_hit)
				continue;       /* the clause holds for every path */
			if (cp == NULL)
				return 0;
		} else if (!host_ok || bad) {
			return 0;
		}
		if (cp) {
			if (*pats)
				im_ignored(st->m, cpp, "path criteria nested under "
				    "path criteria: only the innermost are used");
			*pats = cp;
			*pats_path = cpp;
		}
	}
	(void)st;
	return *pats ? 2 : 1;
}

static int
tls_key(struct ak_state *st, struct im_origin *o, json_t *opts,
    const char *op, const char *field, const char *key, struct es_err *err)
{
	struct es_err e;
	char p[P];
	int v = 0;

	if (json_path_enum(opts, op, field, false, tls_values,
	    ES_ARRAY_LEN(tls_values), &v, &e) < 0)
		return fail(st, err, &e);
	if (v > 0) {
		json_path_key(p, sizeof(p), op, field);
		im_keys_add(&o->keys, key, tls_ini[v], p, "Property Manager: "
		    "Origin Server > TLS version", NULL);
	}
	return 0;
}

/* The origin behavior en, for viewers of host. */
static int
make_origin(struct ak_state *st, const struct ak_entry *en, const char *host,
    bool one_host, struct im_origin **out, struct es_err *err)
{
	struct es_err e;
	json_t *opts = en->options, *cvv, *certs;
	char op[P], p[P], hint[600];
	const char *hostname = NULL, *custom = NULL;
	int otype = 0, fhh = 0, vm = 0, honor = 1;
	bool sni = true;
	int64_t https = 443;

	json_path_key(op, sizeof(op), en->path, "options");
	if (json_path_enum(opts, op, "originType", false, origin_types,
	    ES_ARRAY_LEN(origin_types), &otype, &e) < 0 ||
	    json_path_string(opts, op, "hostname", otype == 0, &hostname,
	    &e) < 0)
		return fail(st, err, &e);
	if (hostname && !json_path_hostname_ok(hostname))
		return es_errf(err, "%s: %s.hostname: \"%.80s\" is not a host "
		    "name", st->file, op, hostname);
	if (hostname == NULL)
		hostname = origin_types[otype];
	snprintf(hint, sizeof(hint), one_host ? "%s%s" : "%s-%s", one_host ?
	    "" : host, hostname);
	struct im_origin *o = im_origin_new(st->m, IM_AKAMAI, hostname, hint,
	    en->path);
	*out = o;
	o->hostname = str_lower(xstrdup(hostname));
	im_from_set(&o->hostname_from, jp(p, op, "hostname"), L_HOSTNAME, NULL);
	if (otype != 0) {
		o->target = IM_TARGET_BUILTIN;
		o->target_set = true;
		o->tls = false;
		snprintf(hint, sizeof(hint), "originType %s: an Akamai-hosted "
		    "origin the lab answers for", origin_types[otype]);
		o->builtin_why = xstrdup(hint);
		return 0;
	}
	if (json_path_int(opts, op, "httpsPort", false, 1, 65535, &https,
	    &e) < 0 ||
	    json_path_enum(opts, op, "forwardHostHeader", false, fhh_values, 3,
	    &fhh, &e) < 0 ||
	    json_path_bool(opts, op, "originSni", false, &sni, &e) < 0 ||
	    json_path_enum(opts, op, "verificationMode", false, verify_modes, 3,
	    &vm, &e) < 0 ||
	    json_path_enum(opts, op, "originCertsToHonor", false, honor_values,
	    4, &honor, &e) < 0 ||
	    json_path_array(opts, op, "customValidCnValues", false, &cvv,
	    &e) < 0 ||
	    json_path_array(opts, op, "customCertificates", false, &certs,
	    &e) < 0)
		return fail(st, err, &e);
	if (fhh == 2 && (json_path_string(opts, op, "customForwardHostHeader",
	    true, &custom, &e) < 0))
		return fail(st, err, &e);
	if (custom && !json_path_hostname_ok(custom))
		return es_errf(err, "%s: %s.customForwardHostHeader: \"%.80s\" is "
		    "not a host name", st->file, op, custom);
	o->port = (int)https;

	json_path_key(p, sizeof(p), op, "originSni");
	im_keys_add(&o->keys, "sni", sni ? "on" : "off", p, L_SNI, sni ? NULL :
	    "Akamai sends no SNI: an origin that serves several names "
	    "(CloudFront) has no certificate to present");
	const char *fhv = fhh == 0 ? host : fhh == 1 ? o->hostname : custom;
	json_path_key(p, sizeof(p), op, "forwardHostHeader");
	im_keys_add(&o->keys, "host_header", fhh == 0 ? "incoming" : fhh == 1 ?
	    "origin" : custom, p, L_FHH, NULL);
	im_keys_add(&o->keys, "ca", "lab", NULL, NULL, "the lab CA stands in for "
	    "the CAs Akamai trusts");

	/* Verification: which names, which trust. */
	json_path_key(p, sizeof(p), op, "verificationMode");
	if (vm == 1 && honor == 3) {
		im_keys_add(&o->keys, "verify", "pin",
		    jp(p, op, "originCertsToHonor"), L_TRUST, "Akamai's pinning "
		    "checks the pin only: no chain, name or date");
		o->pin_path = xstrdup(jp(p, op, "customCertificates"));
		o->pin_label = L_PINS;
		for (size_t i = 0; certs && i < json_array_size(certs); i++) {
			json_t *c = json_array_get(certs, i), *sans;
			char cp[P];
			const char *fp, *cn;
			int64_t na = 0;
			struct pin pin;
			json_path_index(cp, sizeof(cp), o->pin_path, i);
			if (json_path_string(c, cp, "sha1Fingerprint", true, &fp,
			    &e) < 0 ||
			    json_path_string(c, cp, "subjectCN", false, &cn, &e) < 0 ||
			    json_path_int(c, cp, "notAfter", false, 0, INT64_MAX / 2,
			    &na, &e) < 0 ||
			    json_path_array(c, cp, "subjectAlternativeNames", false,
			    &sans, &e) < 0)
				return fail(st, err, &e);
			char pt[200];
			snprintf(pt, sizeof(pt), "sha1:%.150s", fp);
			if (pin_parse(pt, &pin, &e) < 0 || pin.kind != PIN_SHA1)
				return es_errf(err, "%s: %s.sha1Fingerprint: \"%.80s\" "
				    "is not a SHA-1 fingerprint (40 hex digits)",
				    st->file, cp, fp);
			pin_format(&pin, pt, sizeof(pt));
			strlist_add(&o->pins, pt, 0);
			if (cn && *cn)
				strlist_add(&o->pin_names, cn, 0);
			for (size_t k = 0; sans && k < json_array_size(sans); k++)
				if (json_is_string(json_array_get(sans, k)))
					strlist_add(&o->pin_names, json_string_value(
					    json_array_get(sans, k)), 0);
			/* PAPI gives notAfter in milliseconds. */
			if (na > 100000000000LL)
				na /= 1000;
			if (na > o->pin_not_after)
				o->pin_not_after = na;
		}
		return 0;
	}
	im_keys_add(&o->keys, "verify", "full", p, L_VERIFY, vm == 0 ?
	    "Use Platform Settings: the chain to a trusted CA, and the name" :
	    NULL);
	if (vm == 1 && honor == 2)
		im_assumed(st->m, "%s.customCertificateAuthorities: taken to "
		    "include the CA that issued the origin's certificate (the lab "
		    "CA stands in for it)", op);
	if (vm == 1 && honor == 0 && certs && json_array_size(certs))
		im_ignored(st->m, o->pin_path ? o->pin_path : op, "with COMBO a "
		    "certificate from a trusted CA is accepted whatever the pins "
		    "say; edgesim checks the chain");
	struct sbuf names;
	sbuf_init(&names);
	json_path_key(p, sizeof(p), op, "customValidCnValues");
	if (vm == 1 && cvv) {
		for (size_t i = 0; i < json_array_size(cvv); i++) {
			json_t *v = json_array_get(cvv, i);
			char vp[P];
			json_path_index(vp, sizeof(vp), p, i);
			if (!json_is_string(v))
				return es_errf(err, "%s: %s: expected a string, found "
				    "%s", st->file, vp, json_path_type(v));
			const char *s = json_string_value(v);
			const char *n = strcmp(s, "{{Origin Hostname}}") == 0 ?
			    o->hostname : strcmp(s, "{{Forward Host Header}}") ==
			    0 ? fhv : s;
			if (!json_path_hostname_ok(n)) {
				im_ignored(st->m, vp, "\"%.80s\" is not a host name "
				    "a certificate can carry", s);
				continue;
			}
			sbuf_addf(&names, "%s%s", names.len ? " " : "", n);
		}
	} else {
		/* Platform settings: {{Origin Hostname}} and {{Forward Host
		 * Header}}. */
		sbuf_adds(&names, o->hostname);
		if (strcasecmp(fhv, o->hostname) != 0)
			sbuf_addf(&names, " %s", fhv);
	}
	if (names.len)
		im_keys_add(&o->keys, "names", names.s, vm == 1 && cvv ? p :
		    jp(hint, op, "verificationMode"),
		    L_CN, vm == 1 ? "the templates filled in for this host" :
		    "Platform settings match {{Origin Hostname}} and {{Forward "
		    "Host Header}}");
	sbuf_free(&names);
	if (tls_key(st, o, opts, op, "minTlsVersion", "min_tls", err) < 0 ||
	    tls_key(st, o, opts, op, "maxTlsVersion", "max_tls", err) < 0)
		return -1;
	/* A maximum under edgesim's default minimum (1.2), with no minimum
	 * of its own (DYNAMIC): Akamai offers the versions up to it. */
	const struct im_kv *mx = im_keys_get(&o->keys, "max_tls");
	if (mx && !im_keys_get(&o->keys, "min_tls") &&
	    strcmp(mx->value, "1.2") < 0)
		im_keys_add(&o->keys, "min_tls", "1.0", mx->from.path,
		    mx->from.label, "minTlsVersion DYNAMIC: up to the maximum");
	return 0;
}

/* The last timeout/readTimeout behavior that applies to host and the
 * origin's paths (opats, NULL: every path), as a key. */
static int
timeouts(struct ak_state *st, const char *host, const json_t *opats,
    struct im_origin *o, struct es_err *err)
{
	static const char *const keys[] = { NULL, "connect_timeout",
	    "read_timeout" };
	static const char *const labels[] = { NULL, "Property Manager: "
	    "Timeout", "Property Manager: Read Timeout" };

	for (int kind = AK_TIMEOUT; kind <= AK_READ_TIMEOUT; kind++) {
		for (size_t i = st->n; i-- > 0;) {
			const struct ak_entry *en = &st->e[i];
			json_t *pats;
			const char *pp;
			if ((int)en->kind != kind)
				continue;
			/* Everywhere, or on the origin's own paths (the same
			 * rule, or one with the same path criterion). */
			int a = entry_applies(st, en, host, &pats, &pp);
			if (a == 0 || (a == 2 && pats != opats))
				continue;
			struct es_err e;
			const char *v;
			char op[P], p[P];
			int64_t ms;
			json_path_key(op, sizeof(op), en->path, "options");
			if (json_path_string(en->options, op, "value", true, &v,
			    &e) < 0)
				return fail(st, err, &e);
			json_path_key(p, sizeof(p), op, "value");
			if (parse_duration_ms(v, &ms) < 0 || ms < 1 ||
			    ms > 24 * 3600 * 1000)
				return es_errf(err, "%s: %s: \"%.40s\" is not a "
				    "duration (\"2s\", \"120s\")", st->file, p, v);
			im_keys_add(&o->keys, keys[kind], v, p, labels[kind], NULL);
			break;
		}
	}
	return 0;
}

static int
read_hostnames(struct ak_state *st, struct es_err *err)
{
	const char *f = st->o->akamai_hostnames;
	struct es_err e;
	json_t *doc = json_path_load(f, err), *items = NULL, *hn;
	const char *base = "hostnames.items";
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (json_is_array(doc)) {
		items = doc;
		base = "";
	} else if (json_path_object(doc, "", "hostnames", true, &hn, &e) < 0 ||
	    json_path_array(hn, "hostnames", "items", true, &items, &e) < 0) {
		es_errf(err, "%s: %s", f, e.msg);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(items); i++) {
		char ip[P];
		const char *from;
		json_path_index(ip, sizeof(ip), base, i);
		if (json_path_string(json_array_get(items, i), ip, "cnameFrom",
		    true, &from, &e) < 0) {
			es_errf(err, "%s: %s", f, e.msg);
			goto out;
		}
		if (!json_path_hostname_ok(from)) {
			es_errf(err, "%s: %s.cnameFrom: \"%.80s\" is not a host name",
			    f, ip, from);
			goto out;
		}
		if (!strlist_contains_nocase(&st->hosts, from)) {
			char p[P];
			strlist_add(&st->hosts, from, 0);
			json_path_key(p, sizeof(p), ip, "cnameFrom");
			strlist_add(&st->host_paths, p, 0);
		}
		char p[P];
		json_path_key(p, sizeof(p), ip, "cnameTo");
		im_ignored(st->m, p, "the edge hostname is DNS: the lab serves the "
		    "property on 127.0.0.1");
	}
	if (st->hosts.n == 0) {
		es_errf(err, "%s: %s: no hostname", f, base[0] ? base : "(top "
		    "level)");
		goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int
import_akamai(struct im_model *m, const struct import_opts *o,
    struct es_err *err)
{
	struct ak_state st;
	struct es_err e;
	struct ak_clause *stack[64];
	json_t *rules;
	const char *fmt = NULL;
	int rc = -1;

	memset(&st, 0, sizeof(st));
	st.m = m;
	st.o = o;
	st.file = o->akamai;
	if (o->akamai_hostnames && read_hostnames(&st, err) < 0)
		goto out;
	bool from_file = st.hosts.n > 0;
	st.doc = json_path_load(st.file, err);
	if (st.doc == NULL)
		goto out;
	if (!json_is_object(st.doc)) {
		es_errf(err, "%s: (top level): expected an object, found %s",
		    st.file, json_path_type(st.doc));
		goto out;
	}
	if (json_path_object(st.doc, "", "rules", false, &rules, &e) < 0 ||
	    json_path_string(st.doc, "", "ruleFormat", false, &fmt, &e) < 0 ||
	    (fmt == NULL && json_path_string(st.doc, "", "_ruleFormat_", false,
	    &fmt, &e) < 0)) {
		fail(&st, err, &e);
		goto out;
	}
	if (rules == NULL) {
		es_errf(err, "%s: (top level): not an Akamai rule tree: expected "
		    "{\"rules\": {...}, \"ruleFormat\": ...} (PAPI GET .../rules) "
		    "or {\"_ruleFormat_\": ..., \"rules\": {...}}", st.file);
		goto out;
	}
	{
		char src[P + 64];
		snprintf(src, sizeof(src), "Akamai property rules: %s%s%s",
		    st.file, o->akamai_hostnames ? ", hostnames: " : "",
		    o->akamai_hostnames ? o->akamai_hostnames : "");
		strlist_add(&m->sources, src, 0);
	}
	if (walk(&st, rules, "rules", stack, 0, err) < 0)
		goto out;
	if (st.hosts.n == 0) {
		es_errf(err, "%s: rules: no property hostname: no hostname "
		    "criterion names one; pass --akamai-hostnames with the PAPI "
		    "hostnames JSON (GET .../hostnames)", st.file);
		goto out;
	}

	struct im_edge *edge = &m->akamai;
	edge->present = true;
	edge->cdn = IM_AKAMAI;
	edge->name = "akamai";
	im_keys_add(&edge->keys, "persona", "akamai", NULL, NULL, "an Akamai "
	    "property: AkamaiGHost pages, Host forwarded as received");
	for (size_t h = 0; h < st.hosts.n; h++) {
		const char *host = st.hosts.v[h];
		struct im_host *ih = im_host_new(edge, host, st.host_paths.v[h],
		    from_file ? "Property Manager: Property Hostnames" :
		    "Property Manager: Criteria > Hostname");
		im_from_set(&ih->cert_from, NULL, NULL, "the edge certificate "
		    "(Akamai CPS) is taken to cover every property hostname");
		/* Read the applicable origins backwards. */
		for (size_t i = st.n; i-- > 0 && ih->origin == NULL;) {
			const struct ak_entry *en = &st.e[i];
			json_t *pats;
			const char *pp;
			if (en->kind != AK_ORIGIN)
				continue;
			int a = entry_applies(&st, en, host, &pats, &pp);
			if (a == 0)
				continue;
			struct im_origin *io = NULL;
			if (make_origin(&st, en, host, st.hosts.n == 1, &io,
			    err) < 0 || timeouts(&st, host, a == 2 ? pats : NULL,
			    io, err) < 0)
				goto out;
			if (a == 1) {
				ih->origin = io;
				im_from_set(&ih->origin_from, en->path,
				    "Property Manager: Origin Server", NULL);
				continue;
			}
			for (size_t k = 0; k < json_array_size(pats); k++) {
				char vp[P];
				json_path_index(vp, sizeof(vp), pp, k);
				im_host_route(ih, json_string_value(
				    json_array_get(pats, k)), vp,
				    "Property Manager: Criteria > Path", io);
			}
		}
		if (ih->origin == NULL) {
			es_errf(err, "%s: rules: no origin behavior applies to %s "
			    "without conditions on the path (the default rule "
			    "needs an Origin Server behavior)", st.file, host);
			goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < st.n; i++)
		free(st.e[i].clauses);
	free(st.e);
	for (size_t i = 0; i < st.n_all_clauses; i++) {
		free(st.all_clauses[i]->c);
		free(st.all_clauses[i]);
	}
	free(st.all_clauses);
	strlist_free(&st.hosts);
	strlist_free(&st.host_paths);
	json_decref(st.doc);
	return rc;
}
