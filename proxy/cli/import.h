/*
 * import.h - `edgesim import`: the user's CloudFront distribution and Akamai
 * property (their own JSON) turned into an edgesim chain that runs as is.
 *
 * The JSON is read into a small neutral model (edges, hosts, origins,
 * routes), every value remembering the JSON path it came from and the
 * console label a user knows it by. The chain is then completed for the
 * lab (origins the user cannot reach become stand-ins, an Akamai origin
 * that is the distribution points at the imported CloudFront edge, ports
 * are assigned) and written as INI, each key under a comment naming its
 * source. `edgesim lint` loads that INI like any other.
 */
#ifndef EDGESIM_IMPORT_H
#define EDGESIM_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* Where a generated value came from. */
struct im_from {
	char *path;             /* JSON path; NULL: a default or the lab's plumbing */
	const char *label;      /* the console's name for it (static), or NULL */
	char *note;             /* why this value (a default, an assumption), or NULL */
};

/* One key of the generated INI, with its source. */
struct im_kv {
	char *key;
	char *value;
	struct im_from from;
};

struct im_keys {
	struct im_kv *v;
	size_t n;
};

enum im_cdn {
	IM_AKAMAI,
	IM_CLOUDFRONT,
};

/* What the lab puts behind an origin. */
enum im_target {
	IM_TARGET_STANDIN,      /* a lab edge with a certificate for its names + echo */
	IM_TARGET_CLOUDFRONT,   /* the imported CloudFront edge (Akamai -> CloudFront) */
	IM_TARGET_REAL,         /* --origin ID=HOST:PORT: a server the user runs */
	IM_TARGET_BUILTIN,      /* no TLS hop to simulate: a built-in echo origin */
};

struct im_standin;

struct im_origin {
	enum im_cdn cdn;        /* whose origin: the edge that connects to it */
	char *id;               /* CloudFront Origin Id, Akamai origin hostname */
	char *section;          /* [origin NAME] */
	char *src;              /* JSON path of the origin (object or behavior) */
	char *hostname;
	struct im_from hostname_from;
	int port;
	bool tls;
	struct im_keys keys;    /* sni, verify, names, pins, host_header, ... */
	enum im_target target;
	char *real_addr;        /* IM_TARGET_REAL */
	char *builtin_why;      /* IM_TARGET_BUILTIN */
	/* Names that may arrive as SNI and Host at the origin besides its
	 * hostname (a forwarded viewer Host): the stand-in serves them. */
	struct strlist forwarded_names;
	int64_t delay_ms;       /* --origin-delay: the stand-in answers this late */
	bool target_set;        /* by --origin, or by the importer */
	/* Akamai "Specific certificates": the pins, and what the pinned
	 * certificates say, for the driver to decide whether they match the
	 * certificate the origin presents today. */
	struct strlist pins;    /* "sha1:..." */
	struct strlist pin_names;       /* subject CNs and SANs of the pinned */
	int64_t pin_not_after;  /* latest notAfter, epoch seconds; 0 unknown */
	char *pin_path;
	const char *pin_label;
	struct im_standin *standin;
};

/* A lab edge that stands in for an origin the user cannot reach. */
struct im_standin {
	char *hostname;         /* the origin's name */
	char *edge;             /* [edge NAME]; its host is NAME.lab.invalid */
	int port;
	struct strlist names;   /* names it serves: hostname, forwarded Hosts */
	int64_t delay_ms;
	struct strlist used_by; /* origin sections, for the comment */
};

/* A [resolve] line, with why. */
struct im_resolve {
	char *name;
	char *addr;
	char *why;
};

struct im_route {
	char *pattern;
	struct im_from from;
	struct im_origin *origin;
};

struct im_host {
	char *name;
	struct im_from name_from;
	struct strlist aliases;
	struct im_from aliases_from;
	char *cert;             /* INI value of cert */
	struct im_from cert_from;
	struct im_origin *origin;
	struct im_from origin_from;
	struct im_route *routes;
	size_t n_routes;
};

struct im_edge {
	bool present;
	enum im_cdn cdn;
	const char *name;       /* "akamai", "cloudfront" */
	int port;
	struct im_keys keys;    /* no_sni, default_cert, min_tls, ... */
	struct im_host **hosts;
	size_t n_hosts;
};

struct im_model {
	struct im_edge akamai;
	struct im_edge cloudfront;
	char *cf_domain;        /* d111111abcdef8.cloudfront.net */
	struct im_from cf_domain_from;
	/* The distribution's viewer certificate, when known: its names. */
	bool cf_cert_known;
	bool cf_default_cert;   /* CloudFrontDefaultCertificate: *.cloudfront.net */
	struct strlist cf_cert_names;
	struct strlist cf_aliases;
	struct im_origin **origins;
	size_t n_origins;
	struct strlist ignored; /* "PATH: why" */
	struct strlist assumed; /* assumptions, in words */
	struct strlist cnames;  /* DNS names of the distribution (--cname) */
	struct strlist sources; /* "Akamai property rules: rules.json", ... */
	struct im_standin **standins;
	size_t n_standins;
	struct im_resolve *resolves;
	size_t n_resolves;
};

/* Options of `edgesim import` (and of `edgesim lint` without -c). */
struct import_opts {
	const char *akamai;
	const char *akamai_hostnames;
	const char *cloudfront;
	const char *cloudfront_cert;
	const char *origin_request_policy;
	const char *cloudfront_domain;
	struct strlist origins;         /* ID=HOST:PORT, ID=cloudfront */
	struct strlist delays;          /* ID=DURATION */
	struct strlist cnames;
	const char *out;                /* -o FILE */
	const char *pki;
	const char *log;
	int port_base;
	struct strlist ports;           /* --ports P1,P2,... */
};

/* --- import_model.c: building the model --- */
void im_from_set(struct im_from *f, const char *path, const char *label,
    const char *note);
void im_from_free(struct im_from *f);
void im_keys_add(struct im_keys *k, const char *key, const char *value,
    const char *path, const char *label, const char *note);
const struct im_kv *im_keys_get(const struct im_keys *k, const char *key);
struct im_origin *im_origin_new(struct im_model *m, enum im_cdn cdn,
    const char *id, const char *section_hint, const char *src);
struct im_host *im_host_new(struct im_edge *e, const char *name,
    const char *path, const char *label);
void im_host_route(struct im_host *h, const char *pattern, const char *path,
    const char *label, struct im_origin *o);
void im_ignored(struct im_model *m, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void im_assumed(struct im_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A section name made of the text: letters, digits, '-', '_', '.'. */
char *im_section_name(const struct im_model *m, const char *prefix,
    const char *text);
void im_model_free(struct im_model *m);

/* --- import_cloudfront.c, import_akamai.c: JSON -> model --- */
int import_cloudfront(struct im_model *m, const struct import_opts *o,
    struct es_err *err);
int import_akamai(struct im_model *m, const struct import_opts *o,
    struct es_err *err);

/* --- import_ini.c: model -> INI text --- */
void import_ini_write(const struct im_model *m, const struct import_opts *o,
    struct sbuf *out);

/* --- import.c: the whole command --- */
/*
 * Parse the import options of argv (those not recognised are left for the
 * caller when rest is not NULL: lint adds --json). -1 with err on a usage
 * error.
 */
int import_parse_opts(int argc, char **argv, struct import_opts *o,
    struct strlist *rest, struct es_err *err);
void import_opts_free(struct import_opts *o);
/* Read the JSON of o, complete the chain, write the INI into out. -1 with
 * err when the input is unreadable or invalid. */
int import_build(const struct import_opts *o, struct sbuf *out,
    struct es_err *err);
/* `edgesim import ...`: exit status 0, or 2 (nothing written). */
int import_main(int argc, char **argv);

#endif
