/*
 * lint.h - `edgesim lint`: predict, without sending a packet, the outcome
 * of every hop of a chain for every host and path, with the codes and
 * sub-reasons the running proxy produces (proxy/errors.h).
 *
 * The prediction runs over a loaded struct config, so it works on any
 * edgesim INI; an imported chain is written to INI and loaded the same
 * way (one engine). The comments `edgesim import` puts above each key
 * ("; from JSON.PATH", "; console: LABEL") let the report name the setting
 * to change in the user's words (lint_report.c).
 */
#ifndef EDGESIM_LINT_H
#define EDGESIM_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"

#define LINT_MAX_HOPS 8
#define LINT_MAX_FIX 2
#define LINT_MAX_WARN 4

enum lint_verdict {
	LINT_OK,
	LINT_FAIL,
	LINT_UNKNOWN,           /* outside what the config shows (DNS, a real server) */
	LINT_NOT_REACHED,       /* an earlier hop failed */
};

/* A setting to change: a key of a section (its line tells lint_report
 * which JSON field it came from), and the change in INI words. */
struct lint_fix {
	const struct conf_sec *sec;
	const char *key;
	char text[240];
};

struct lint_note {
	char text[400];
	struct lint_fix fix;
};

struct lint_hop {
	const struct conf_edge *from;   /* NULL: the viewer */
	const struct conf_origin *origin;       /* NULL for the viewer's hop */
	const struct conf_edge *to;     /* the edge reached, or NULL */
	char to_label[300];             /* "[edge cloudfront]", "echo", ... */
	const char *route;              /* the route pattern chosen, NULL: default */
	enum lint_verdict verdict;
	bool viewer_tls;                /* the viewer's TLS client fails (no code) */
	bool refused;                   /* CloudFront would refuse the config */
	enum es_code code;
	enum es_tls_reason reason;
	const struct conf_edge *code_edge;      /* whose persona answers */
	char why[600];
	struct lint_fix fix[LINT_MAX_FIX];
	size_t n_fix;
	struct lint_note warn[LINT_MAX_WARN];
	size_t n_warn;
};

/* One request a viewer can make: an edge, a name, a path. */
struct lint_request {
	const struct conf_edge *edge;
	char name[256];
	int port;
	char path[256];
	struct lint_hop hops[LINT_MAX_HOPS];
	size_t n_hops;
	/* What the viewer sees. */
	enum lint_verdict verdict;
	int status;                     /* HTTP status; 0: none (TLS failure) */
	char error[160];                /* X-Edgesim-Error value, "" when ok */
	char viewer_tls[64];            /* sub-reason of the viewer's TLS failure */
	char signature[1024];           /* origins chosen, to skip duplicates */
};

struct lint_result {
	struct lint_request *req;
	size_t n;
	size_t failures;
	size_t warnings;
};

/* Predict every request of cfg. */
void lint_run(const struct config *cfg, struct lint_result *out);
void lint_result_free(struct lint_result *r);

/* lint_report.c: print the result (text or JSON); text is the config file's
 * content, read for the "; from" comments (may be NULL). */
void lint_report_text(const struct lint_result *r, const char *name,
    const char *text, void *stdio_file);
void lint_report_json(const struct lint_result *r, const char *name,
    const char *text, void *stdio_file);

/* `edgesim lint`: exit 0 healthy, 1 a hop predicted to fail, 2 bad input. */
int lint_main(int argc, char **argv);

#endif
