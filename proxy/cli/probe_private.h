/*
 * probe_private.h - the insides of one `edgesim probe`, shared by its
 * three files only: probe.c (the handshakes, checked and classified, and
 * the command), probe_diagnosis.c (the verdicts, and the comparison with
 * and without SNI, in words) and probe_report.c (the whole as text for
 * people, or as the JSON document of docs/probe.md). Everyone else sees
 * probe.h.
 */
#ifndef EDGESIM_PROBE_PRIVATE_H
#define EDGESIM_PROBE_PRIVATE_H

#include <limits.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "blocking_client.h"
#include "errors.h"
#include "probe.h"
#include "util.h"

/* One handshake, and what the checks made of it. */
struct hs {
	const char *sni;                /* NULL: none sent */
	struct blocking_client_result r;
	bool connected;
	bool got_cert;
	const char *name_matched;       /* the name that matched, or NULL */
	bool pin_ok;                    /* with pins: one matched */
	const char *pin_matched;        /* its canonical text, or NULL */
	char pin_presented[120];        /* in the kind of the first pin */
	enum es_tls_reason chain_reason; /* ES_TLS_NONE: the chain verifies */
	bool chain_complete;
	enum es_tls_reason reason;      /* ES_TLS_NONE: every check passed */
	char verdict[64];               /* "ok", "cert_expired", "alert:NAME" */
	struct sbuf detail;             /* the classification's one line */
};

struct probe {
	const struct probe_opts *o;
	char ca_path[PATH_MAX];
	char trust[PATH_MAX + 40];      /* "the lab CA in certs/lab/ca.pem" */
	char connect[300];              /* "ADDR:PORT", "[V6]:PORT" */
	X509_STORE *known;              /* known intermediates, never trusted */
	struct strlist names;           /* the names checked */
	char *names_text;               /* the same, ", " separated */
	struct strlist pin_text;        /* the pins, canonical */
	bool host_is_ip;
	struct hs hs[2];                /* hs[0] decides the exit status */
	int n_hs;
	struct strlist diag;            /* paragraphs of the diagnosis */
	bool sni_required;              /* the comparison says so */
	int same_cert;                  /* -1 unknown, else 0 / 1 */
};

/* --- probe.c --- */

/* The items of l, sep between them, added to b. */
void probe_join(const struct strlist *l, const char *sep, struct sbuf *b);

/* The first of names that leaf covers, or NULL. */
const char *probe_matching_name(X509 *leaf, const struct strlist *names);

/* --- probe_diagnosis.c --- */

/* Whole days from now to t: negative in the past. */
long probe_days_to(time_t t);

/* "in 12 days", "today", "3 days ago" for a time t. */
void probe_days_phrase(time_t t, char *out, size_t len);

/* Fill p->diag with the paragraphs of the diagnosis, once every handshake
 * is made and analysed; sets p->sni_required and p->same_cert from the
 * comparison. */
void probe_diagnose(struct probe *p);

/* --- probe_report.c --- */

/* The report, once diagnosed: text for a terminal (untrusted strings
 * cleaned of control bytes), or the JSON document of docs/probe.md. */
void probe_report_text(FILE *out, const struct probe *p);
void probe_report_json(FILE *out, const struct probe *p);

#endif
