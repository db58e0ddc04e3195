/*
 * certs.c - resolve certificate specs to files, issuing lab certificates.
 */
#include "certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A chain and key the lab checked, by certificate path. */
struct loaded_entry {
	char *path;
	struct pki_loaded objs;
	struct loaded_entry *next;
};

#define LOADED_BUCKETS 4096

struct certs_loaded {
	struct loaded_entry *buckets[LOADED_BUCKETS];
};

struct certs_loaded *
certs_loaded_new(void)
{
	return xcalloc(1, sizeof(struct certs_loaded));
}

void
certs_loaded_free(struct certs_loaded *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < LOADED_BUCKETS; i++) {
		while (l->buckets[i]) {
			struct loaded_entry *e = l->buckets[i];
			l->buckets[i] = e->next;
			pki_loaded_free(&e->objs);
			free(e->path);
			free(e);
		}
	}
	free(l);
}

const struct pki_loaded *
certs_loaded_find(const struct certs_loaded *l, const char *cert_path)
{
	if (l == NULL)
		return NULL;
	for (struct loaded_entry *e = l->buckets[str_hash(cert_path) %
	    LOADED_BUCKETS]; e; e = e->next)
		if (strcmp(e->path, cert_path) == 0)
			return &e->objs;
	return NULL;
}

/* Keep objs for path (taking them), unless path is there already. */
static void
loaded_put(struct certs_loaded *l, const char *path, struct pki_loaded *objs)
{
	if (objs->certs == NULL || objs->key == NULL ||
	    certs_loaded_find(l, path) != NULL) {
		pki_loaded_free(objs);
		return;
	}
	struct loaded_entry *e = xcalloc(1, sizeof(*e));
	struct loaded_entry **b = &l->buckets[str_hash(path) % LOADED_BUCKETS];
	e->path = xstrdup(path);
	e->objs = *objs;
	objs->certs = NULL;
	objs->key = NULL;
	e->next = *b;
	*b = e;
}

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
ensure_one(struct pki_batch *b, const struct conf_host *host,
    const struct cert_spec *spec, bool force, FILE *out, const char *what,
    struct certs_loaded *loaded, struct es_err *err)
{
	struct pki_paths paths;
	struct pki_loaded objs = { NULL, NULL };
	bool issued = false;

	if (spec->source != CERT_LAB)
		return 0;
	struct strlist names = { 0 };
	if (spec->variant == PKI_CLIENT)
		strlist_add(&names, "edgesim-lab-client", spec->line);
	else
		config_cert_names(host, spec, &names);
	int rc = pki_batch_leaf(b, (const char *const *)names.v, names.n,
	    spec->variant, force, &paths, &issued, loaded ? &objs : NULL, err);
	strlist_free(&names);
	if (rc == 0 && loaded)
		loaded_put(loaded, paths.cert, &objs);
	if (rc == 0 && out)
		fprintf(out, "  %-9s %-40s %s\n", issued ? "issued" : "kept",
		    paths.cert, what);
	return rc;
}

int
certs_ensure_all(const struct config *cfg, bool force, void *stdio_out,
    struct certs_loaded *loaded, struct es_err *err)
{
	FILE *out = stdio_out;
	bool changed = false;
	char what[CONF_NAME_MAX + 64];
	int rc = -1;

	/* One opening of the PKI for every leaf of the config. */
	struct pki_batch *b = pki_batch_open(cfg->global.pki,
	    cfg->global.key_type, force, &changed, err);
	if (b == NULL)
		return -1;
	if (out)
		fprintf(out, "lab PKI in %s (%s): root CA %s/ca.pem %s\n",
		    cfg->global.pki, pki_key_type_name(cfg->global.key_type),
		    cfg->global.pki, changed ? "(new)" : "(kept)");
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct conf_host *h = cfg->hosts[i];
		snprintf(what, sizeof(what), "[host %s]", h->sec.name);
		if (ensure_one(b, h, &h->cert, force, out, what, loaded,
		    err) < 0)
			goto out;
	}
	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		snprintf(what, sizeof(what), "[edge %s] default", e->sec.name);
		if (ensure_one(b, NULL, &e->default_cert, force, out, what,
		    loaded, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		snprintf(what, sizeof(what), "[origin %s] client", o->sec.name);
		if (ensure_one(b, NULL, &o->client_cert, force, out, what,
		    NULL, err) < 0)
			goto out;
	}
	rc = 0;
out:
	pki_batch_close(b);
	return rc;
}
