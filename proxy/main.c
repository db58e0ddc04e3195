/*
 * main.c - the command line: parse it and hand over to the module that
 * does the work. Exit codes: 0 success, 1 a check or test failed, 2 usage
 * or config error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certs.h"
#include "config.h"
#include "config_keys.h"
#include "explain.h"
#include "scenario.h"
#include "server.h"
#include "version.h"

#define DEFAULT_CONFIG "conf/demo.ini"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: edgesim COMMAND [options]\n"
	    "\n"
	    "  run      [-c FILE] [--edge NAME ...]\n"
	    "                                start every edge of the config (or "
	    "only those named)\n"
	    "  check    [-c FILE]            validate; print each problem as "
	    "FILE:LINE: message\n"
	    "  certs    [-c FILE] [--force]  create the lab PKI the config needs\n"
	    "  scenario list | run NAME [--fixed] | run --all\n"
	    "                                reproduce an incident, and its fix\n"
	    "  explain  REF [-c FILE | --log FILE]\n"
	    "                                the story behind an error reference\n"
	    "  version                       print the version\n"
	    "\n"
	    "FILE defaults to " DEFAULT_CONFIG ". Exit status: 0 success, 1 a "
	    "check failed, 2 usage or config error.\n");
}

/* Options shared by the config commands. */
struct opts {
	const char *config;
	bool force;
	struct strlist edges;           /* run --edge NAME */
};

static int
parse_opts(int argc, char **argv, struct opts *o, bool allow_force)
{
	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	for (int i = 0; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			o->config = argv[++i];
		} else if (allow_force && strcmp(argv[i], "--force") == 0) {
			o->force = true;
		} else if (strcmp(argv[i], "--edge") == 0 && i + 1 < argc) {
			strlist_add(&o->edges, argv[++i], 0);
		} else {
			fprintf(stderr, "edgesim: unexpected argument '%s'\n",
			    argv[i]);
			return -1;
		}
	}
	return 0;
}

static struct config *
load_or_report(const char *path)
{
	struct conf_problems probs = { 0 };
	struct config *cfg = config_load(path, &probs);

	config_problems_print(&probs, path, stderr);
	config_problems_free(&probs);
	return cfg;
}

static int
cmd_check(int argc, char **argv)
{
	struct opts o;

	if (parse_opts(argc, argv, &o, false) < 0)
		return 2;
	struct config *cfg = load_or_report(o.config);
	if (cfg == NULL)
		return 2;
	printf("%s: OK (%zu edges, %zu hosts, %zu origins)\n", o.config,
	    cfg->n_edges, cfg->n_hosts, cfg->n_origins);
	config_free(cfg);
	return 0;
}

static int
cmd_certs(int argc, char **argv)
{
	struct opts o;
	struct es_err err;

	if (parse_opts(argc, argv, &o, true) < 0)
		return 2;
	struct config *cfg = load_or_report(o.config);
	if (cfg == NULL)
		return 2;
	int rc = certs_ensure_all(cfg, o.force, stdout, &err);
	if (rc < 0)
		fprintf(stderr, "edgesim: %s\n", err.msg);
	else
		printf("viewers trust %s/ca.pem, e.g. curl --cacert "
		    "%s/ca.pem\n", cfg->global.pki, cfg->global.pki);
	config_free(cfg);
	return rc < 0 ? 1 : 0;
}

static int
cmd_run(int argc, char **argv)
{
	struct opts o;

	if (parse_opts(argc, argv, &o, false) < 0)
		return 2;
	int rc = server_run(o.config, &o.edges);
	strlist_free(&o.edges);
	return rc;
}

static int
cmd_explain(int argc, char **argv)
{
	const char *config = DEFAULT_CONFIG, *log = NULL, *ref = NULL;

	for (int i = 0; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)
		    && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			log = argv[++i];
		else if (ref == NULL && argv[i][0] != '-')
			ref = argv[i];
		else {
			fprintf(stderr, "edgesim: unexpected argument '%s'\n",
			    argv[i]);
			return 2;
		}
	}
	if (ref == NULL) {
		fprintf(stderr, "usage: edgesim explain REF [-c FILE | --log FILE]\n"
		    "REF is the X-Edgesim-Ref of an error response (for Akamai, "
		    "the Reference # of its page).\n");
		return 2;
	}
	/* Akamai pages write "#30.100007f..."; accept it as pasted. */
	if (ref[0] == '#')
		ref++;
	struct config *cfg = NULL;
	if (log == NULL) {
		cfg = load_or_report(config);
		if (cfg == NULL)
			return 2;
		log = cfg->global.log;
		if (strcmp(log, "stderr") == 0 || strcmp(log, "stdout") == 0) {
			fprintf(stderr, "edgesim: %s logs to %s; explain reads a "
			    "log file (set log = FILE, or pass --log FILE)\n",
			    config, log);
			config_free(cfg);
			return 2;
		}
	}
	int rc = explain_ref(log, ref, stdout);
	if (rc == 1)
		fprintf(stderr, "edgesim: no record with reference %s in %s\n",
		    ref, log);
	config_free(cfg);
	return rc;
}

static int
cmd_config_doc(void)
{
	struct sbuf b;

	sbuf_init(&b);
	conf_keys_doc(&b);
	fputs(b.s, stdout);
	sbuf_free(&b);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(cmd, "certs") == 0)
		return cmd_certs(argc - 2, argv + 2);
	if (strcmp(cmd, "scenario") == 0) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			snprintf(self, sizeof(self), "%s", argv[0]);
		else
			self[n] = '\0';
		return scenario_main(argc - 2, argv + 2, self);
	}
	if (strcmp(cmd, "explain") == 0)
		return cmd_explain(argc - 2, argv + 2);
	if (strcmp(cmd, "config-doc") == 0)
		return cmd_config_doc();
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("edgesim %s\n", EDGESIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "edgesim: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
