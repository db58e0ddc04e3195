/*
 * import_cloudfront.c - a CloudFront distribution (the JSON of
 * `aws cloudfront get-distribution-config` or `get-distribution`) into the
 * import model: the CloudFront edge, its hosts (the distribution's domain
 * name and its alternate domain names), its origins and cache behaviours.
 *
 * What CloudFront does that matters here (AWS documentation): it chooses a
 * viewer certificate by SNI (sni-only), serves *.cloudfront.net for its own
 * domain name and for unknown names, answers 403 for a Host that is not an
 * alternate domain name, speaks HTTP/1.1 to origins, sends SNI and Host =
 * the origin's domain name unless the origin request policy forwards the
 * viewer's Host (then both are the Host), and checks the origin's
 * certificate against that name.
 */
#include "cli/import.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certinfo.h"
#include "cli/json_path.h"
#include "sni.h"

#define P JSON_PATH_MAX

/* Managed origin request policies (AWS documentation, "Use managed origin
 * request policies"): whether each forwards the viewer's Host. */
static const struct {
	const char *id, *name;
	bool host;
} managed_policies[] = {
	{ "216adef6-5c7f-47e4-b989-5492eafa07d3", "AllViewer", true },
	{ "33f36d7e-f396-46d9-90e0-52428a34d9dc",
	  "AllViewerAndCloudFrontHeaders-2022-06", true },
	{ "b689b0a8-53d0-40ab-baf2-68738e2966ac", "AllViewerExceptHostHeader",
	  false },
	{ "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "CORS-S3Origin", false },
	{ "59781a5b-3903-41f3-afcb-af62929ccde1", "CORS-CustomOrigin", false },
	{ "acba4595-bd28-49b8-b9fe-13317c0390fa", "UserAgentRefererHeaders",
	  false },
	{ "775133bc-15f2-49f9-abea-afb2e0bf67d2", "Elemental-MediaTailor-"
	  "PersonalizedManifests", false },
};

static const char *const protocol_policies[] = {
	"http-only", "match-viewer", "https-only",
};
static const char *const ssl_protocols[] = {
	"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2",
};
static const char *const support_methods[] = {
	"sni-only", "vip", "static-ip",
};
static const char *const min_versions[] = {
	"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018",
	"TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025",
};
static const char *const min_version_tls[] = {
	"1.0", "1.0", "1.0", "1.1", "1.2", "1.2", "1.2", "1.2", "1.3",
};
static const char *const viewer_policies[] = {
	"allow-all", "https-only", "redirect-to-https",
};
static const char *const header_behaviors[] = {
	"none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront",
	"allExcept",
};

/* One entry of Origins.Items, as read. */
struct cf_origin {
	char path[P];
	const char *id;
	const char *domain;
	bool s3;
	bool http_only;
	int64_t https_port;
	const char *min_tls, *max_tls;
	char ssl_path[P];
	int64_t read_timeout, keepalive, attempts, conn_timeout;
	bool mtls;
	char mtls_path[P];
	struct im_origin *by_fwd[2];    /* its [origin] per Host forwarding */
};

/* The origin request policy file, when given. */
struct policy {
	bool present;
	const char *id;                 /* NULL: applies to unknown ids */
	bool host;
	char path[P];
};

struct cf_state {
	struct im_model *m;
	const struct import_opts *o;
	const char *file;
	json_t *doc;
	char root[P];                   /* path of the DistributionConfig */
	struct cf_origin *origins;
	size_t n_origins;
	json_t *groups;                 /* OriginGroups.Items */
	char groups_path[P];
	struct policy policy;
};

static int
fail(struct cf_state *st, struct es_err *err, const struct es_err *e)
{
	return es_errf(err, "%s: %s", st->file, e->msg);
}

static const char *
kv_path(char *buf, const char *parent, const char *key)
{
	json_path_key(buf, P, parent, key);
	return buf;
}

/* An object's key that is present and not empty/zero/false: read, not
 * simulated. */
static void
ignore_if_set(struct cf_state *st, const json_t *obj, const char *parent,
    const char *key, const char *why)
{
	char p[P];
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (v == NULL || json_is_null(v) || json_is_false(v) ||
	    (json_is_string(v) && *json_string_value(v) == '\0') ||
	    (json_is_integer(v) && json_integer_value(v) == 0))
		return;
	if (json_is_object(v) && json_is_integer(json_object_get(v, "Quantity"))
	    && json_integer_value(json_object_get(v, "Quantity")) == 0)
		return;
	if (json_is_object(v) && json_is_false(json_object_get(v, "Enabled")))
		return;
	im_ignored(st->m, kv_path(p, parent, key), "%s", why);
}

/* --origin-request-policy FILE: get-origin-request-policy output, or the
 * bare OriginRequestPolicyConfig. */
static int
read_policy(struct cf_state *st, struct es_err *err)
{
	struct es_err e;
	const char *f = st->o->origin_request_policy;
	json_t *doc = json_path_load(f, err), *pol = NULL, *cfg = NULL, *hc;
	char p[P] = "";
	int hb;

	if (doc == NULL)
		return -1;
	int rc = -1;
	if (json_path_object(doc, "", "OriginRequestPolicy", false, &pol, &e) < 0)
		goto bad;
	if (pol) {
		snprintf(p, sizeof(p), "OriginRequestPolicy");
		if (json_path_string(pol, p, "Id", true, &st->policy.id, &e) < 0)
			goto bad;
		st->policy.id = xstrdup(st->policy.id);
	} else {
		pol = doc;
	}
	if (json_path_object(pol, p, "OriginRequestPolicyConfig", true, &cfg,
	    &e) < 0)
		goto bad;
	json_path_key(p, sizeof(p), p, "OriginRequestPolicyConfig");
	if (json_path_object(cfg, p, "HeadersConfig", true, &hc, &e) < 0)
		goto bad;
	json_path_key(p, sizeof(p), p, "HeadersConfig");
	if (json_path_enum(hc, p, "HeaderBehavior", true, header_behaviors,
	    ES_ARRAY_LEN(header_behaviors), &hb, &e) < 0)
		goto bad;
	json_t *items;
	size_t n;
	if (json_path_cf_list(hc, p, "Headers", false, &items, &n, &e) < 0)
		goto bad;
	bool listed = false;
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(items, i);
		char ip[P], hp[P];
		json_path_key(hp, sizeof(hp), p, "Headers.Items");
		json_path_index(ip, sizeof(ip), hp, i);
		if (!json_is_string(h)) {
			es_errf(&e, "%s: expected a string, found %s", ip,
			    json_path_type(h));
			goto bad;
		}
		listed = listed || strcasecmp(json_string_value(h), "host") == 0;
	}
	st->policy.present = true;
	st->policy.host = hb == 2 || hb == 3 || (hb == 1 && listed) ||
	    (hb == 4 && !listed);
	json_path_key(st->policy.path, sizeof(st->policy.path), p,
	    "HeaderBehavior");
	rc = 0;
	goto out;
bad:
	es_errf(err, "%s: %s", f, e.msg);
out:
	if (rc < 0 && st->policy.id) {
		free((char *)st->policy.id);
		st->policy.id = NULL;
	}
	json_decref(doc);
	return rc;
}

/* Does the behavior at bpath forward the viewer's Host? *why_path and
 * *label name the field that decided it. */
static int
behavior_forwards_host(struct cf_state *st, const json_t *b, const char *bpath,
    bool *fwd, char *why_path, const char **label, struct es_err *err)
{
	struct es_err e;
	const char *pid;
	json_t *fv;

	*fwd = false;
	*label = "CloudFront: Behaviors > Origin request policy";
	if (json_path_string(b, bpath, "OriginRequestPolicyId", false, &pid,
	    &e) < 0)
		return fail(st, err, &e);
	json_path_key(why_path, P, bpath, "OriginRequestPolicyId");
	if (pid && *pid) {
		for (size_t i = 0; i < ES_ARRAY_LEN(managed_policies); i++)
			if (strcmp(pid, managed_policies[i].id) == 0) {
				*fwd = managed_policies[i].host;
				return 0;
			}
		if (st->policy.present && (st->policy.id == NULL ||
		    strcmp(st->policy.id, pid) == 0)) {
			*fwd = st->policy.host;
			return 0;
		}
		im_assumed(st->m, "%s: origin request policy %s is not a managed "
		    "policy and no --origin-request-policy file describes it: "
		    "taken to not forward the viewer's Host (CloudFront then "
		    "sends the origin's domain name)", why_path, pid);
		return 0;
	}
	/* Legacy cache settings: ForwardedValues.Headers. */
	if (json_path_object(b, bpath, "ForwardedValues", false, &fv, &e) < 0)
		return fail(st, err, &e);
	if (fv == NULL)
		return 0;
	char fp[P], hp[P];
	json_path_key(fp, sizeof(fp), bpath, "ForwardedValues");
	json_t *items;
	size_t n;
	if (json_path_cf_list(fv, fp, "Headers", false, &items, &n, &e) < 0)
		return fail(st, err, &e);
	json_path_key(hp, sizeof(hp), fp, "Headers");
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(items, i);
		char ip[P];
		json_path_index(ip, sizeof(ip), hp, i);
		if (!json_is_string(h))
			return es_errf(err, "%s: %s: expected a string, found %s",
			    st->file, ip, json_path_type(h));
		const char *s = json_string_value(h);
		if (strcasecmp(s, "host") == 0 || strcmp(s, "*") == 0)
			*fwd = true;
	}
	json_path_key(why_path, P, hp, "Items");
	*label = "CloudFront: Behaviors > Legacy cache settings > Headers";
	return 0;
}

static int
read_origin(struct cf_state *st, json_t *it, const char *path,
    struct cf_origin *co, struct es_err *err)
{
	struct es_err e;
	json_t *s3, *cust;
	int pp;

	memset(co, 0, sizeof(*co));
	snprintf(co->path, sizeof(co->path), "%s", path);
	co->read_timeout = 30;
	co->keepalive = 5;
	co->attempts = 3;
	co->conn_timeout = 10;
	if (json_path_string(it, path, "Id", true, &co->id, &e) < 0 ||
	    json_path_string(it, path, "DomainName", true, &co->domain, &e) < 0)
		return fail(st, err, &e);
	if (!json_path_hostname_ok(co->domain)) {
		char p[P];
		return es_errf(err, "%s: %s: \"%.80s\" is not a host name",
		    st->file, kv_path(p, path, "DomainName"), co->domain);
	}
	for (size_t i = 0; i < (size_t)(co - st->origins); i++)
		if (strcmp(st->origins[i].id, co->id) == 0) {
			char p[P];
			return es_errf(err, "%s: %s: \"%.80s\" is already the Id of "
			    "%s", st->file, kv_path(p, path, "Id"), co->id,
			    st->origins[i].path);
		}
	if (json_path_int(it, path, "ConnectionAttempts", false, 1, 3,
	    &co->attempts, &e) < 0 ||
	    json_path_int(it, path, "ConnectionTimeout", false, 1, 10,
	    &co->conn_timeout, &e) < 0 ||
	    json_path_object(it, path, "S3OriginConfig", false, &s3, &e) < 0 ||
	    json_path_object(it, path, "CustomOriginConfig", false, &cust, &e) < 0)
		return fail(st, err, &e);
	ignore_if_set(st, it, path, "OriginPath", "the path prefix is not added: "
	    "edgesim forwards the viewer's path as it is");
	ignore_if_set(st, it, path, "CustomHeaders", "custom origin headers "
	    "are not sent (they do not change TLS or routing)");
	ignore_if_set(st, it, path, "OriginShield", "Origin Shield (an extra "
	    "caching layer) is not simulated");
	ignore_if_set(st, it, path, "OriginAccessControlId", "origin access "
	    "control signs S3 requests; not simulated");
	ignore_if_set(st, it, path, "VpcOriginConfig", "VPC origins are not "
	    "simulated: the lab stands in for the origin");
	json_t *mtls = json_object_get(it, "OriginMtlsConfig");
	if (mtls && !json_is_null(mtls)) {
		co->mtls = true;
		json_path_key(co->mtls_path, sizeof(co->mtls_path), path,
		    "OriginMtlsConfig");
	}
	if (cust == NULL) {
		if (s3 == NULL &&
		    strstr(co->domain, ".amazonaws.com") == NULL) {
			char p[P];
			return es_errf(err, "%s: %s: neither CustomOriginConfig nor "
			    "S3OriginConfig", st->file, kv_path(p, path, "Id"));
		}
		co->s3 = true;
		ignore_if_set(st, it, path, "S3OriginConfig", "S3 bucket access "
		    "(origin access identity) is not simulated: the lab answers "
		    "for the bucket with a built-in origin");
		return 0;
	}
	char cp[P];
	json_path_key(cp, sizeof(cp), path, "CustomOriginConfig");
	int64_t http_port;
	if (json_path_int(cust, cp, "HTTPPort", true, 1, 65535, &http_port,
	    &e) < 0 ||
	    json_path_int(cust, cp, "HTTPSPort", true, 1, 65535, &co->https_port,
	    &e) < 0 ||
	    json_path_enum(cust, cp, "OriginProtocolPolicy", true,
	    protocol_policies, ES_ARRAY_LEN(protocol_policies), &pp, &e) < 0 ||
	    json_path_int(cust, cp, "OriginReadTimeout", false, 1, 180,
	    &co->read_timeout, &e) < 0 ||
	    json_path_int(cust, cp, "OriginKeepaliveTimeout", false, 1, 180,
	    &co->keepalive, &e) < 0)
		return fail(st, err, &e);
	co->http_only = pp == 0;
	if (pp == 1)
		im_assumed(st->m, "%s.OriginProtocolPolicy: match-viewer: viewers "
		    "of the lab use HTTPS, so CloudFront uses HTTPS to the "
		    "origin", cp);
	json_t *items;
	size_t n;
	if (json_path_cf_list(cust, cp, "OriginSslProtocols", false, &items, &n,
	    &e) < 0)
		return fail(st, err, &e);
	json_path_key(co->ssl_path, sizeof(co->ssl_path), cp,
	    "OriginSslProtocols");
	int lo = 99, hi = -1;
	for (size_t i = 0; i < n; i++) {
		char lp[P], ip[P];
		json_path_key(lp, sizeof(lp), co->ssl_path, "Items");
		json_path_index(ip, sizeof(ip), lp, i);
		json_t *v = json_array_get(items, i);
		int k = -1;
		for (size_t j = 0; json_is_string(v) && j < 4; j++)
			if (strcmp(json_string_value(v), ssl_protocols[j]) == 0)
				k = (int)j;
		if (k < 0)
			return es_errf(err, "%s: %s: expected one of SSLv3, TLSv1, "
			    "TLSv1.1, TLSv1.2", st->file, ip);
		/* OpenSSL 3 has no SSLv3: the lowest it offers is TLS 1.0. */
		k = k == 0 ? 1 : k;
		lo = k < lo ? k : lo;
		hi = k > hi ? k : hi;
	}
	static const char *const ver[] = { "1.0", "1.0", "1.1", "1.2" };
	co->min_tls = hi >= 0 ? ver[lo] : NULL;
	co->max_tls = hi >= 0 ? ver[hi] : NULL;
	return 0;
}

static void
origin_keys(struct cf_state *st, struct cf_origin *co, struct im_origin *o,
    bool fwd, const char *why, const char *why_label)
{
	char p[P], v[32];

	o->hostname = str_lower(xstrdup(co->domain));
	im_from_set(&o->hostname_from, kv_path(p, co->path, "DomainName"),
	    "CloudFront: Origin domain", NULL);
	if (co->s3 || co->http_only) {
		o->target = IM_TARGET_BUILTIN;
		o->tls = false;
		o->builtin_why = xstrdup(co->s3 ? "an S3 bucket: CloudFront "
		    "reaches it with Amazon's certificate; the lab answers for it" :
		    "OriginProtocolPolicy http-only: no TLS to this origin, "
		    "nothing to simulate on that hop");
		return;
	}
	o->port = (int)co->https_port;
	im_keys_add(&o->keys, "sni", fwd ? "host" : "on", why, why_label, fwd ?
	    "the policy forwards the viewer's Host: CloudFront sends it as "
	    "SNI and checks the origin's certificate against it" :
	    "CloudFront sends the origin domain name as SNI and checks the "
	    "origin's certificate against it");
	im_keys_add(&o->keys, "host_header", fwd ? "incoming" : "origin", why,
	    why_label, fwd ? "the viewer's Host is forwarded" :
	    "Host = the origin domain name (the viewer's Host is not forwarded)");
	im_keys_add(&o->keys, "verify", "full", NULL, NULL, "CloudFront always "
	    "checks the origin's chain, dates and name");
	im_keys_add(&o->keys, "ca", "lab", NULL, NULL, "the lab CA stands in "
	    "for the public CAs CloudFront trusts");
	if (co->min_tls) {
		im_keys_add(&o->keys, "min_tls", co->min_tls, co->ssl_path,
		    "CloudFront: Minimum origin SSL protocol", NULL);
		im_keys_add(&o->keys, "max_tls", co->max_tls, co->ssl_path,
		    "CloudFront: Minimum origin SSL protocol",
		    "TLSv1.2 is the highest OriginSslProtocols can name");
	}
	snprintf(v, sizeof(v), "%llds", (long long)co->conn_timeout);
	im_keys_add(&o->keys, "connect_timeout", v,
	    kv_path(p, co->path, "ConnectionTimeout"),
	    "CloudFront: Connection timeout", NULL);
	snprintf(v, sizeof(v), "%lld", (long long)co->attempts - 1);
	im_keys_add(&o->keys, "retries", v,
	    kv_path(p, co->path, "ConnectionAttempts"),
	    "CloudFront: Connection attempts", "attempts - 1");
	snprintf(v, sizeof(v), "%llds", (long long)co->read_timeout);
	im_keys_add(&o->keys, "read_timeout", v,
	    kv_path(p, co->path, "CustomOriginConfig.OriginReadTimeout"),
	    "CloudFront: Response timeout", NULL);
	snprintf(v, sizeof(v), "%llds", (long long)co->keepalive);
	im_keys_add(&o->keys, "pool_idle", v,
	    kv_path(p, co->path, "CustomOriginConfig.OriginKeepaliveTimeout"),
	    "CloudFront: Keep-alive timeout", NULL);
	if (co->mtls)
		im_keys_add(&o->keys, "client_cert", "lab:client", co->mtls_path,
		    "CloudFront: Origin mutual TLS", "the lab's client "
		    "certificate stands in for the one the ARN names");
	(void)st;
}

/* The origin of a behavior: an Origin Id, or an OriginGroup Id (its
 * first member, the primary). */
static struct cf_origin *
find_origin(struct cf_state *st, const char *id, const char *tpath,
    struct es_err *err)
{
	for (size_t i = 0; i < st->n_origins; i++)
		if (strcmp(st->origins[i].id, id) == 0)
			return &st->origins[i];
	for (size_t g = 0; st->groups && g < json_array_size(st->groups); g++) {
		json_t *grp = json_array_get(st->groups, g);
		json_t *gid = json_object_get(grp, "Id");
		if (!json_is_string(gid) || strcmp(json_string_value(gid), id))
			continue;
		json_t *mem = json_object_get(json_object_get(grp, "Members"),
		    "Items");
		json_t *first = json_object_get(json_array_get(mem, 0),
		    "OriginId");
		if (json_is_string(first)) {
			char gp[P];
			json_path_index(gp, sizeof(gp), st->groups_path, g);
			im_ignored(st->m, gp, "origin group failover is not "
			    "simulated: requests go to its primary, %s",
			    json_string_value(first));
			for (size_t i = 0; i < st->n_origins; i++)
				if (strcmp(st->origins[i].id,
				    json_string_value(first)) == 0)
					return &st->origins[i];
		}
	}
	es_errf(err, "%s: %s: \"%.80s\" is neither the Id of an origin in "
	    "Origins.Items nor of an origin group", st->file, tpath, id);
	return NULL;
}

/* A cache behavior (the default one when pattern_path is NULL). */
static int
read_behavior(struct cf_state *st, json_t *b, const char *bpath,
    struct im_origin **out, const char **pattern, struct es_err *err)
{
	struct es_err e;
	const char *tid, *label;
	char tp[P], why[P];
	int vpp;
	bool fwd;

	if (json_path_string(b, bpath, "TargetOriginId", true, &tid, &e) < 0 ||
	    json_path_enum(b, bpath, "ViewerProtocolPolicy", false,
	    viewer_policies, ES_ARRAY_LEN(viewer_policies), &vpp, &e) < 0)
		return fail(st, err, &e);
	if (pattern && json_path_string(b, bpath, "PathPattern", true, pattern,
	    &e) < 0)
		return fail(st, err, &e);
	if (pattern) {
		for (const char *c = *pattern; *c; c++)
			if ((unsigned char)*c <= ' ' || *c == ';' || *c == '#' ||
			    (unsigned char)*c >= 0x7f)
				return es_errf(err, "%s: %s: \"%.80s\" is not a path "
				    "pattern (no blanks or control characters)",
				    st->file, kv_path(tp, bpath, "PathPattern"),
				    *pattern);
		if (**pattern == '\0')
			return es_errf(err, "%s: %s: empty", st->file,
			    kv_path(tp, bpath, "PathPattern"));
	}
	ignore_if_set(st, b, bpath, "LambdaFunctionAssociations", "Lambda@Edge "
	    "functions are not run");
	ignore_if_set(st, b, bpath, "FunctionAssociations", "CloudFront "
	    "Functions are not run");
	ignore_if_set(st, b, bpath, "CachePolicyId", "caching is not "
	    "simulated: every request goes to the origin");
	ignore_if_set(st, b, bpath, "ResponseHeadersPolicyId", "response "
	    "header policies are not applied");
	ignore_if_set(st, b, bpath, "ViewerProtocolPolicy", "edgesim edges "
	    "speak HTTPS only: there is no plain-HTTP viewer to redirect");
	if (behavior_forwards_host(st, b, bpath, &fwd, why, &label, err) < 0)
		return -1;
	struct cf_origin *co = find_origin(st, tid,
	    kv_path(tp, bpath, "TargetOriginId"), err);
	if (co == NULL)
		return -1;
	if (co->by_fwd[fwd] == NULL) {
		bool other = co->by_fwd[!fwd] != NULL;
		char hint[P];
		snprintf(hint, sizeof(hint), "%s%s", co->id, other && fwd ?
		    "-host" : "");
		struct im_origin *o = im_origin_new(st->m, IM_CLOUDFRONT, co->id,
		    hint, co->path);
		origin_keys(st, co, o, fwd, why, label);
		co->by_fwd[fwd] = o;
	}
	*out = co->by_fwd[fwd];
	return 0;
}

/* --cloudfront-cert: a PEM certificate, or `aws acm describe-certificate`. */
static int
read_viewer_cert(struct cf_state *st, struct es_err *err)
{
	const char *f = st->o->cloudfront_cert;
	struct im_model *m = st->m;
	FILE *fp = fopen(f, "r");
	char head[32] = "";

	if (fp == NULL)
		return es_errf(err, "%s: cannot read", f);
	size_t n = fread(head, 1, sizeof(head) - 1, fp);
	head[n] = '\0';
	fclose(fp);
	if (strstr(head, "-----BEGIN")) {
		struct certinfo ci;
		if (certinfo_load_file(f, &ci, err) < 0)
			return -1;
		for (size_t i = 0; i < ci.sans.n; i++)
			strlist_add(&m->cf_cert_names, ci.sans.v[i], 0);
		certinfo_free(&ci);
	} else {
		struct es_err e;
		json_t *doc = json_path_load(f, err), *c, *sans;
		const char *dn;
		if (doc == NULL)
			return -1;
		if (json_path_object(doc, "", "Certificate", true, &c, &e) < 0 ||
		    json_path_string(c, "Certificate", "DomainName", true, &dn,
		    &e) < 0 ||
		    json_path_array(c, "Certificate", "SubjectAlternativeNames",
		    false, &sans, &e) < 0) {
			json_decref(doc);
			return es_errf(err, "%s: %s", f, e.msg);
		}
		strlist_add(&m->cf_cert_names, dn, 0);
		for (size_t i = 0; sans && i < json_array_size(sans); i++) {
			json_t *s = json_array_get(sans, i);
			if (json_is_string(s) && !strlist_contains_nocase(
			    &m->cf_cert_names, json_string_value(s)))
				strlist_add(&m->cf_cert_names,
				    json_string_value(s), 0);
		}
		json_decref(doc);
	}
	if (m->cf_cert_names.n == 0)
		return es_errf(err, "%s: the certificate names no host", f);
	m->cf_cert_known = true;
	return 0;
}

static bool
cert_covers(const struct strlist *names, const char *alias)
{
	for (size_t i = 0; i < names->n; i++)
		if (sni_cert_name_covers(names->v[i], alias))
			return true;
	return false;
}

/* The edge and its hosts: the distribution's own name and its aliases. */
static int
read_viewer_side(struct cf_state *st, json_t *dc, struct es_err *err)
{
	struct im_model *m = st->m;
	struct im_edge *e = &m->cloudfront;
	struct es_err es;
	json_t *vc, *items;
	size_t n;
	char p[P], ap[P];
	int sm = 0, mv = -1;
	bool def = false;

	if (json_path_cf_list(dc, st->root, "Aliases", false, &items, &n,
	    &es) < 0)
		return fail(st, err, &es);
	json_path_key(ap, sizeof(ap), st->root, "Aliases.Items");
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(items, i);
		json_path_index(p, sizeof(p), ap, i);
		if (!json_is_string(a))
			return es_errf(err, "%s: %s: expected a string, found %s",
			    st->file, p, json_path_type(a));
		const char *s = json_string_value(a);
		if (!json_path_hostname_ok(s)) {
			struct sbuf esc;
			sbuf_init(&esc);
			sbuf_add_json_escaped(&esc, s, strlen(s) > 80 ? 80 :
			    strlen(s));
			es_errf(err, "%s: %s: \"%s\" is not a host name", st->file,
			    p, esc.s ? esc.s : "");
			sbuf_free(&esc);
			return -1;
		}
		if (!strlist_contains_nocase(&m->cf_aliases, s))
			strlist_add(&m->cf_aliases, s, 0);
	}
	for (size_t i = 0; i < m->cf_aliases.n; i++)
		str_lower(m->cf_aliases.v[i]);

	if (json_path_object(dc, st->root, "ViewerCertificate", false, &vc,
	    &es) < 0)
		return fail(st, err, &es);
	char vp[P];
	json_path_key(vp, sizeof(vp), st->root, "ViewerCertificate");
	if (vc && (json_path_bool(vc, vp, "CloudFrontDefaultCertificate", false,
	    &def, &es) < 0 ||
	    json_path_enum(vc, vp, "SSLSupportMethod", false, support_methods,
	    ES_ARRAY_LEN(support_methods), &sm, &es) < 0 ||
	    json_path_enum(vc, vp, "MinimumProtocolVersion", false, min_versions,
	    ES_ARRAY_LEN(min_versions), &mv, &es) < 0))
		return fail(st, err, &es);
	if (vc == NULL)
		def = true;
	const char *arn = NULL;
	if (vc && !def && json_path_string(vc, vp, "ACMCertificateArn", false,
	    &arn, &es) < 0)
		return fail(st, err, &es);
	if (vc && !def && arn == NULL && json_path_string(vc, vp,
	    "IAMCertificateId", false, &arn, &es) < 0)
		return fail(st, err, &es);
	if (!def && arn == NULL)
		return es_errf(err, "%s: %s: neither CloudFrontDefaultCertificate "
		    "nor ACMCertificateArn nor IAMCertificateId", st->file, vp);
	m->cf_default_cert = def;
	if (def)
		m->cf_cert_known = true;
	else if (st->o->cloudfront_cert && read_viewer_cert(st, err) < 0)
		return -1;

	e->present = true;
	e->cdn = IM_CLOUDFRONT;
	e->name = "cloudfront";
	im_keys_add(&e->keys, "persona", "cloudfront", NULL, NULL,
	    "a CloudFront distribution");
	bool dedicated = !def && sm != 0;
	im_keys_add(&e->keys, "no_sni", dedicated ? "default" : "reject",
	    kv_path(p, vp, def ? "CloudFrontDefaultCertificate" :
	    "SSLSupportMethod"), "CloudFront: Custom SSL client support",
	    dedicated ? "dedicated IP addresses serve the certificate to "
	    "clients without SNI" : "SNI only: a client without SNI gets no "
	    "certificate (seed 000)");
	im_keys_add(&e->keys, "unknown_sni", "default", NULL, NULL,
	    "an unknown SNI gets CloudFront's default *.cloudfront.net "
	    "certificate (seed 002)");
	im_keys_add(&e->keys, "default_cert", "*.cloudfront.net", NULL, NULL,
	    "CloudFront's default certificate");
	if (mv >= 0)
		im_keys_add(&e->keys, "min_tls", min_version_tls[mv],
		    kv_path(p, vp, "MinimumProtocolVersion"),
		    "CloudFront: Security policy", NULL);

	/* One host: the distribution's domain name and the aliases the
	 * certificate covers. (CloudFront serves *.cloudfront.net for its own
	 * name; a lab certificate for the name and the aliases gives every
	 * checker the same answer.) Aliases the certificate does not cover
	 * (known with --cloudfront-cert) go on a host of their own, under a
	 * name of the lab (.invalid) so that no Akamai host is named twice. */
	struct strlist cov = { 0 }, unc = { 0 };
	for (size_t i = 0; i < m->cf_aliases.n; i++) {
		const char *a = m->cf_aliases.v[i];
		if (strcasecmp(a, m->cf_domain) == 0)
			continue;
		bool ok = def || !m->cf_cert_known ||
		    cert_covers(&m->cf_cert_names, a);
		strlist_add(ok ? &cov : &unc, a, 0);
	}
	if (!def && !m->cf_cert_known && cov.n > 0)
		im_assumed(m, "%s.ACMCertificateArn: the certificate is taken to "
		    "cover every alternate domain name (CloudFront refuses one it "
		    "does not cover since 2019); pass --cloudfront-cert to check",
		    vp);
	struct im_host *h = im_host_new(e, m->cf_domain, m->cf_domain_from.path,
	    "CloudFront: Distribution domain name");
	for (size_t i = 0; i < cov.n; i++)
		strlist_add(&h->aliases, cov.v[i], 0);
	im_from_set(&h->aliases_from, ap,
	    "CloudFront: Alternate domain names (CNAMEs)", NULL);
	free(h->cert);
	if (def) {
		h->cert = xstrdup("lab:*.cloudfront.net");
		im_from_set(&h->cert_from, kv_path(p, vp,
		    "CloudFrontDefaultCertificate"), "CloudFront: Custom SSL "
		    "certificate", cov.n ? "the default *.cloudfront.net "
		    "certificate covers no alternate domain name" : NULL);
	} else {
		h->cert = xstrdup("lab");
		im_from_set(&h->cert_from, kv_path(p, vp, arn &&
		    str_has_prefix(arn, "arn:") ? "ACMCertificateArn" :
		    "IAMCertificateId"), "CloudFront: Custom SSL certificate",
		    "a lab certificate for the names the attached certificate "
		    "covers");
	}
	if (unc.n > 0) {
		char v[300];
		h = im_host_new(e, "cloudfront-uncovered.lab.invalid", NULL, NULL);
		for (size_t i = 0; i < unc.n; i++)
			strlist_add(&h->aliases, unc.v[i], 0);
		im_from_set(&h->aliases_from, ap,
		    "CloudFront: Alternate domain names (CNAMEs)", "names the "
		    "attached certificate (--cloudfront-cert) does not cover");
		snprintf(v, sizeof(v), "lab:%s", m->cf_cert_names.v[0]);
		free(h->cert);
		h->cert = xstrdup(v);
		im_from_set(&h->cert_from, kv_path(p, vp, "ACMCertificateArn"),
		    "CloudFront: Custom SSL certificate", "a certificate that "
		    "does not cover these names, as the attached one");
	}
	strlist_free(&cov);
	strlist_free(&unc);
	return 0;
}

static void
read_ignored_top(struct cf_state *st, json_t *dc)
{
	const char *r = st->root;

	ignore_if_set(st, dc, r, "Logging", "access logs are not written to S3");
	ignore_if_set(st, dc, r, "WebACLId", "AWS WAF rules are not applied");
	ignore_if_set(st, dc, r, "PriceClass", "edge locations are not "
	    "simulated: the lab has one edge");
	ignore_if_set(st, dc, r, "HttpVersion", "edgesim edges speak "
	    "HTTP/1.1 to viewers");
	ignore_if_set(st, dc, r, "IsIPV6Enabled", "the lab listens on "
	    "127.0.0.1");
	ignore_if_set(st, dc, r, "DefaultRootObject", "the built-in origin "
	    "answers every path");
	ignore_if_set(st, dc, r, "CustomErrorResponses", "custom error pages "
	    "are not served: edgesim shows CloudFront's own");
	ignore_if_set(st, dc, r, "ContinuousDeploymentPolicyId", "continuous "
	    "deployment (staging distributions) is not simulated");
	ignore_if_set(st, dc, r, "Staging", "a staging distribution is "
	    "simulated like any other");
	json_t *en = json_object_get(dc, "Enabled");
	if (json_is_false(en)) {
		char p[P];
		im_ignored(st->m, kv_path(p, r, "Enabled"), "false: the lab runs "
		    "the distribution anyway, to test it before enabling it");
	}
	json_t *rs = json_object_get(json_object_get(dc, "Restrictions"),
	    "GeoRestriction");
	json_t *rt = json_object_get(rs, "RestrictionType");
	if (json_is_string(rt) && strcmp(json_string_value(rt), "none") != 0) {
		char p[P];
		im_ignored(st->m, kv_path(p, r, "Restrictions.GeoRestriction"),
		    "geographic restrictions are not applied");
	}
}

int
import_cloudfront(struct im_model *m, const struct import_opts *o,
    struct es_err *err)
{
	struct cf_state st;
	struct es_err e;
	json_t *dc = NULL, *dist = NULL, *items, *b;
	size_t n;
	int rc = -1;

	memset(&st, 0, sizeof(st));
	st.m = m;
	st.o = o;
	st.file = o->cloudfront;
	if (o->origin_request_policy && read_policy(&st, err) < 0)
		return -1;
	st.doc = json_path_load(st.file, err);
	if (st.doc == NULL)
		goto out;
	/* get-distribution-config, get-distribution, or the bare config. */
	if (!json_is_object(st.doc)) {
		es_errf(err, "%s: (top level): expected an object, found %s",
		    st.file, json_path_type(st.doc));
		goto out;
	}
	if (json_path_object(st.doc, "", "Distribution", false, &dist, &e) < 0 ||
	    (dist && json_path_object(dist, "Distribution", "DistributionConfig",
	    true, &dc, &e) < 0) ||
	    (!dist && json_path_object(st.doc, "", "DistributionConfig", false,
	    &dc, &e) < 0)) {
		fail(&st, err, &e);
		goto out;
	}
	snprintf(st.root, sizeof(st.root), "%s", dist ?
	    "Distribution.DistributionConfig" : "DistributionConfig");
	if (dc == NULL && json_object_get(st.doc, "Origins")) {
		dc = st.doc;
		st.root[0] = '\0';
	}
	if (dc == NULL) {
		es_errf(err, "%s: (top level): not a CloudFront distribution: "
		    "expected {\"ETag\", \"DistributionConfig\"} (aws cloudfront "
		    "get-distribution-config) or {\"Distribution\": ...} (aws "
		    "cloudfront get-distribution)", st.file);
		goto out;
	}
	{
		char src[P + 64];
		snprintf(src, sizeof(src), "CloudFront distribution: %s", st.file);
		strlist_add(&m->sources, src, 0);
	}

	/* The distribution's domain name. */
	const char *dn = NULL;
	if (dist && json_path_string(dist, "Distribution", "DomainName", false,
	    &dn, &e) < 0) {
		fail(&st, err, &e);
		goto out;
	}
	if (dn && !json_path_hostname_ok(dn)) {
		es_errf(err, "%s: Distribution.DomainName: \"%.80s\" is not a "
		    "host name", st.file, dn);
		goto out;
	}
	if (dn) {
		m->cf_domain = str_lower(xstrdup(dn));
		im_from_set(&m->cf_domain_from, "Distribution.DomainName",
		    "CloudFront: Distribution domain name", NULL);
	} else {
		m->cf_domain = str_lower(xstrdup(o->cloudfront_domain ?
		    o->cloudfront_domain : "d111111abcdef8.cloudfront.net"));
		im_from_set(&m->cf_domain_from, NULL, NULL, o->cloudfront_domain ?
		    "--cloudfront-domain" : NULL);
		if (!o->cloudfront_domain)
			im_assumed(m, "the distribution's domain name is not in "
			    "get-distribution-config output: %s stands in for it "
			    "(--cloudfront-domain NAME, or use get-distribution)",
			    m->cf_domain);
	}

	/* Origins, then the origin groups behaviors may name. */
	char op[P], lp[P];
	if (json_path_cf_list(dc, st.root, "Origins", true, &items, &n, &e) < 0) {
		fail(&st, err, &e);
		goto out;
	}
	if (n == 0) {
		es_errf(err, "%s: %s: a distribution needs at least one origin",
		    st.file, kv_path(op, st.root, "Origins.Quantity"));
		goto out;
	}
	st.origins = xcalloc(n, sizeof(*st.origins));
	json_path_key(lp, sizeof(lp), st.root, "Origins.Items");
	for (size_t i = 0; i < n; i++) {
		json_path_index(op, sizeof(op), lp, i);
		json_t *it = json_array_get(items, i);
		if (!json_is_object(it)) {
			es_errf(err, "%s: %s: expected an object, found %s",
			    st.file, op, json_path_type(it));
			goto out;
		}
		if (read_origin(&st, it, op, &st.origins[i], err) < 0)
			goto out;
		st.n_origins++;
	}
	size_t ng;
	if (json_path_cf_list(dc, st.root, "OriginGroups", false, &st.groups,
	    &ng, &e) < 0) {
		fail(&st, err, &e);
		goto out;
	}
	json_path_key(st.groups_path, sizeof(st.groups_path), st.root,
	    "OriginGroups.Items");

	if (read_viewer_side(&st, dc, err) < 0)
		goto out;
	read_ignored_top(&st, dc);

	/* Behaviors: the default, then the path patterns in list order. */
	struct im_origin *def_origin;
	char bp[P];
	json_path_key(bp, sizeof(bp), st.root, "DefaultCacheBehavior");
	if (json_path_object(dc, st.root, "DefaultCacheBehavior", true, &b,
	    &e) < 0) {
		fail(&st, err, &e);
		goto out;
	}
	if (read_behavior(&st, b, bp, &def_origin, NULL, err) < 0)
		goto out;
	struct im_edge *edge = &m->cloudfront;
	for (size_t h = 0; h < edge->n_hosts; h++) {
		edge->hosts[h]->origin = def_origin;
		im_from_set(&edge->hosts[h]->origin_from, kv_path(op, bp,
		    "TargetOriginId"), "CloudFront: Default behavior > Origin",
		    NULL);
	}
	if (json_path_cf_list(dc, st.root, "CacheBehaviors", false, &items, &n,
	    &e) < 0) {
		fail(&st, err, &e);
		goto out;
	}
	json_path_key(lp, sizeof(lp), st.root, "CacheBehaviors.Items");
	for (size_t i = 0; i < n; i++) {
		const char *pat;
		struct im_origin *ro;
		json_path_index(bp, sizeof(bp), lp, i);
		json_t *it = json_array_get(items, i);
		if (!json_is_object(it)) {
			es_errf(err, "%s: %s: expected an object, found %s",
			    st.file, bp, json_path_type(it));
			goto out;
		}
		if (read_behavior(&st, it, bp, &ro, &pat, err) < 0)
			goto out;
		/* CloudFront reads a pattern without its leading slash as if it had one. */
		char norm[300];
		snprintf(norm, sizeof(norm), "%s%s", pat[0] == '/' ||
		    pat[0] == '*' ? "" : "/", pat);
		for (size_t h = 0; h < edge->n_hosts; h++)
			im_host_route(edge->hosts[h], norm, kv_path(op, bp,
			    "PathPattern"), "CloudFront: Behaviors > Path pattern",
			    ro);
	}
	rc = 0;
out:
	free(st.origins);
	free((char *)st.policy.id);
	json_decref(st.doc);
	return rc;
}
