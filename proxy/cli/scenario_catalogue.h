/*
 * scenario_catalogue.h - the incidents `edgesim scenario` reproduces: for
 * each, the steps a viewer takes against the broken config and against
 * the fixed one, and what it must see. Data only; scenario.c and
 * scenario_steps.c run it.
 */
#ifndef EDGESIM_SCENARIO_CATALOGUE_H
#define EDGESIM_SCENARIO_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

enum step_kind {
	STEP_HTTP,      /* a viewer's GET through an edge */
	STEP_TLS,       /* a viewer's handshake only */
	STEP_RAW,       /* TLS, then raw bytes (mode = tcp) */
	STEP_CHECK,     /* `edgesim check` on the config */
	STEP_RELOAD,    /* change the config of a running edge, SIGHUP it */
	STEP_WAIT,      /* let time pass */
};

struct step {
	enum step_kind kind;
	const char *edge;       /* whose listener the viewer uses (or reloads) */
	const char *host;       /* SNI and Host; NULL: no SNI */
	const char *path;
	int status;             /* HTTP/RAW: the status a viewer must get */
	const char *expect;     /* HTTP: X-Edgesim-Error, or "tls:name_mismatch";
	                           TLS: "no_certificate" or "cert:NAME";
	                           CHECK: "OK" or text of the refusal */
	const char *change;     /* RELOAD: "[section] key = value" */
	int ms;                 /* WAIT */
	bool key;               /* the one step the summary table shows */
	const char *says;       /* what this step shows, in a few words */
};

#define STEPS_MAX 8

struct scenario {
	const char *name;
	const char *split;      /* edges run in a second process, or NULL */
	struct step broken[STEPS_MAX];
	struct step fixed[STEPS_MAX];
};

extern const struct scenario scenario_catalogue[];
extern const size_t scenario_catalogue_len;

/* The scenario called name, or NULL. */
const struct scenario *scenario_find(const char *name);

#endif
