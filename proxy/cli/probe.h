/*
 * probe.h - `edgesim probe`: diagnose a TLS endpoint as a CDN would see it.
 *
 * One or two handshakes with the blocking client (blocking_client.h): with
 * SNI and without, by default, so that an SNI-only server (seed 000) shows
 * itself.
 * Each is checked the way an edge with verify = full checks its origin
 * (chain against a trust store, names, pins), its failure is classified
 * with the edge's own sub-reasons (tls_client_classify), and the whole is
 * told in plain words, or as one JSON document (docs/probe.md).
 */
#ifndef EDGESIM_PROBE_H
#define EDGESIM_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "pin.h"
#include "util.h"

enum probe_sni {
	PROBE_SNI_BOTH,                 /* with SNI = host, then without */
	PROBE_SNI_NAME,                 /* --sni NAME: one handshake */
	PROBE_SNI_NONE,                 /* --no-sni: one handshake */
};

enum probe_ca {
	PROBE_CA_SYSTEM,                /* OpenSSL's default store */
	PROBE_CA_LAB,                   /* PKI/ca.pem (PKI: -c's pki, else certs/lab) */
	PROBE_CA_FILE,
};

struct probe_opts {
	char host[256];                 /* HOST: the SNI and the name checked */
	int port;                       /* default 443 */
	char connect_host[256];         /* --connect, else host */
	int connect_port;
	enum probe_sni sni_mode;
	const char *sni;                /* with PROBE_SNI_NAME */
	enum probe_ca ca;
	const char *ca_file;            /* with PROBE_CA_FILE */
	const char *config;             /* -c: whose pki `--ca lab` means */
	struct strlist names;           /* --names; empty: host */
	struct pin *pins;               /* --pin, parsed */
	size_t n_pins;
	const char *client_cert;
	const char *client_key;         /* default: client_cert */
	int tls_version;                /* 0, or 12 / 13 (--tls1.2, --tls1.3) */
	bool json;
	int timeout_ms;                 /* per step; 0: 5000 */
};

/* Free what the options own (names, pins); main.c fills them. */
void probe_opts_free(struct probe_opts *o);

/*
 * Probe, and print the report (text, or JSON with o->json) to out. pki is
 * the lab directory `--ca lab` takes its root (and known intermediate)
 * from. Returns the exit status: 0 every check passed, 1 a check failed,
 * 2 the endpoint could not be reached, or the options cannot be used (the
 * reason goes to stderr).
 */
int probe_run(const struct probe_opts *o, const char *pki, FILE *out);

#endif
