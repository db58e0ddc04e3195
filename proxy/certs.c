/*
 * certs.c - resolve certificate specs to files, issuing lab certificates.
 */
#include "certs.h"

#include <stdio.h>
#include <string.h>

void
certs_lab_ca(const struct config *cfg, char *out, size_t len)
{
	snprintf(out, len, "%s/ca.pem", cfg->global.pki);
}

void
certs_lab_crl(const struct config *cfg, char *out, size_t len)
{
	snprintf(out, len, "%s/crl.pem", cfg->global.pki);
}

int
certs_resolve(const struct config *cfg, const struct conf_host *host,
    const struct cert_spec *spec, bool issue, struct pki_paths *out,
    struct es_err *err)
{
	const struct cert_spec *s = spec;

	if (s->source == CERT_HOST) {
		host = config_find_host(cfg, s->host_name);
		if (host == NULL)
			return es_errf(err, "no host '%s' for the default "
			    "certificate", s->host_name);
		s = &host->cert;
	}
	switch (s->source) {
	case CERT_FILE:
		snprintf(out->cert, sizeof(out->cert), "%s", s->cert_file);
		snprintf(out->key, sizeof(out->key), "%s", s->key_file);
		return 0;
	case CERT_LAB: {
		struct strlist names = { 0 };
		if (s->variant == PKI_CLIENT)
			strlist_add(&names, "edgesim-lab-client", s->line);
		else
			config_cert_names(host, s, &names);
		if (names.n == 0) {
			strlist_free(&names);
			return es_errf(err, "a lab certificate needs a name");
		}
		int rc = 0;
		if (issue)
			rc = pki_ensure_leaf(cfg->global.pki, cfg->global.key_type,
			    (const char *const *)names.v, names.n, s->variant,
			    false, out, NULL, err);
		else
			pki_leaf_paths(cfg->global.pki, names.v[0], s->variant,
			    out);
		strlist_free(&names);
		return rc;
	}
	default:
		return es_errf(err, "no certificate configured");
	}
}

static int
ensure_one(const struct config *cfg, const struct conf_host *host,
    const struct cert_spec *spec, bool force, FILE *out, const char *what,
    struct es_err *err)
{
	struct pki_paths paths;
	bool issued = false;

	if (spec->source != CERT_LAB)
		return 0;
	struct strlist names = { 0 };
	if (spec->variant == PKI_CLIENT)
		strlist_add(&names, "edgesim-lab-client", spec->line);
	else
		config_cert_names(host, spec, &names);
	int rc = pki_ensure_leaf(cfg->global.pki, cfg->global.key_type,
	    (const char *const *)names.v, names.n, spec->variant, force, &paths,
	    &issued, err);
	strlist_free(&names);
	if (rc == 0 && out)
		fprintf(out, "  %-9s %-40s %s\n", issued ? "issued" : "kept",
		    paths.cert, what);
	return rc;
}

int
certs_ensure_all(const struct config *cfg, bool force, void *stdio_out,
    struct es_err *err)
{
	FILE *out = stdio_out;
	bool changed = false;
	char what[CONF_NAME_MAX + 64];

	if (pki_ensure_roots(cfg->global.pki, cfg->global.key_type, force,
	    &changed, err) < 0)
		return -1;
	if (out)
		fprintf(out, "lab PKI in %s (%s): root CA %s/ca.pem %s\n",
		    cfg->global.pki, pki_key_type_name(cfg->global.key_type),
		    cfg->global.pki, changed ? "(new)" : "(kept)");
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct conf_host *h = cfg->hosts[i];
		snprintf(what, sizeof(what), "[host %s]", h->sec.name);
		if (ensure_one(cfg, h, &h->cert, force, out, what, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		snprintf(what, sizeof(what), "[edge %s] default", e->sec.name);
		if (ensure_one(cfg, NULL, &e->default_cert, force, out, what,
		    err) < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		snprintf(what, sizeof(what), "[origin %s] client", o->sec.name);
		if (ensure_one(cfg, NULL, &o->client_cert, force, out, what,
		    err) < 0)
			return -1;
	}
	return 0;
}
