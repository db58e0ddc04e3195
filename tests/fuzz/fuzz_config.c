/*
 * fuzz_config.c - libFuzzer harness for the config reader, end to end:
 * config_load_mem (proxy/config.c) runs the line reader over inih, the key
 * table (config_keys.c) and the second-pass checks (config_check.c) on the
 * input as an INI file. Nothing is created: the reader only parses and
 * checks (it may stat or read a file the config names, never write one,
 * and the lab PKI is made by `run`, not here).
 *
 * Checked: a config comes back exactly when no problem is an error; every
 * problem has a message and a line of the input (0: the file as a whole);
 * the same text gives the same problems twice; in a config that passed,
 * every cross reference is resolved and names find what they name. A
 * broken property aborts; LeakSanitizer checks config_free.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"

#define INPUT_MAX (64 * 1024)

/*
 * Paths a fuzzed config could name that reading would hang on or that are
 * not files (a FIFO, /dev/zero, /proc): such inputs are skipped. A config
 * that names ordinary files is read as `edgesim check` would read it.
 */
static bool
names_special_files(const char *p, size_t n)
{
	static const char *const bad[] = { "dev/", "proc/", "sys/", "run/",
	    "fd/", "dev\n", "dev;", "dev " };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(p, n, bad[i], strlen(bad[i])))
			return true;
	return false;
}

static void
check_config(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_edges; i++) {
		const struct conf_edge *e = cfg->edges[i];
		check(e->index == i && e->sec.name != NULL);
		check(config_find_edge(cfg, e->sec.name) == e);
		check(e->min_tls <= e->max_tls);
		for (size_t l = 0; l < e->n_listen; l++)
			check(e->listen[l].port > 0 && e->listen[l].port <= 65535);
		for (size_t h = 0; h < e->n_hosts; h++)
			check(config_find_host(cfg, e->hosts[h]->sec.name) ==
			    e->hosts[h]);
	}
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct conf_host *h = cfg->hosts[i];
		check(h->sec.name != NULL);
		check(config_find_host(cfg, h->sec.name) == h);
		check(h->origin != NULL);
		check(config_find_origin(cfg, h->origin->sec.name) == h->origin);
		for (size_t r = 0; r < h->n_routes; r++)
			check(h->routes[r].origin != NULL);
		for (size_t e = 0; e < h->edge_names.n; e++)
			check(config_find_edge(cfg, h->edge_names.v[e]) != NULL);
	}
	for (size_t i = 0; i < cfg->n_origins; i++) {
		const struct conf_origin *o = cfg->origins[i];
		check(o->index == i && config_find_origin(cfg, o->sec.name) == o);
		check(o->min_tls <= o->max_tls);
	}
	for (size_t i = 0; i < cfg->n_resolve; i++)
		check(config_find_resolve(cfg, cfg->resolve[i].name) ==
		    &cfg->resolve[i]);
}

static struct config *
load(const char *text, size_t size, struct conf_problems *probs)
{
	memset(probs, 0, sizeof(*probs));
	return config_load_mem("fuzz.ini", text, size, probs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	const char *text = (const char *)data;
	struct conf_problems probs, again;
	size_t lines = 1, errors = 0;

	if (size > INPUT_MAX || names_special_files(text, size))
		return 0;
	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';

	struct config *cfg = load(text, size, &probs);
	check((cfg == NULL) == (probs.n_errors > 0));
	check(probs.n_errors <= probs.n);
	for (size_t i = 0; i < probs.n; i++) {
		check(probs.v[i].msg != NULL && probs.v[i].msg[0] != '\0');
		check(probs.v[i].line >= 0 && (size_t)probs.v[i].line <= lines);
		errors += !probs.v[i].warning;
	}
	check(errors == probs.n_errors);
	if (cfg)
		check_config(cfg);
	config_problems_print(&probs, "fuzz.ini", devnull);

	/* The same text, the same verdict. */
	struct config *cfg2 = load(text, size, &again);
	check((cfg2 == NULL) == (cfg == NULL) && again.n == probs.n);
	for (size_t i = 0; i < probs.n; i++)
		check(again.v[i].line == probs.v[i].line &&
		    strcmp(again.v[i].msg, probs.v[i].msg) == 0);

	config_free(cfg2);
	config_free(cfg);
	config_problems_free(&again);
	config_problems_free(&probs);
	return 0;
}
