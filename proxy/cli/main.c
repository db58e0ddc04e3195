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
#include "cli/import.h"
#include "cli/lint.h"
#include "config.h"
#include "config_keys.h"
#include "errors_doc.h"
#include "explain.h"
#include "probe.h"
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
	    "  probe    HOST[:PORT] [--connect ADDR:PORT] [--sni NAME | --no-sni]\n"
	    "           [--ca FILE|lab|system] [-c FILE] [--pin PIN ...] "
	    "[--names N1,N2]\n"
	    "           [--client-cert FILE [--client-key FILE]] "
	    "[--tls1.2|--tls1.3]\n"
	    "           [--timeout DURATION] [--json]\n"
	    "                                diagnose a TLS endpoint (with and "
	    "without SNI)\n"
	    "  scenario list | run NAME [--fixed] | run --all | up NAME [--fixed]\n"
	    "                                reproduce an incident, and its fix\n"
	    "  explain  REF [-c FILE | --log FILE]\n"
	    "                                the story behind an error reference\n"
	    "  import   [--akamai RULES.json [--akamai-hostnames H.json]]\n"
	    "           [--cloudfront DIST.json [--cloudfront-cert PEM|ACM.json]\n"
	    "           [--origin-request-policy P.json] [--cname NAME]]\n"
	    "           [--origin ID=HOST:PORT|ID=cloudfront] "
	    "[--origin-delay ID=DURATION]\n"
	    "           [--port-base N | --ports P1,P2,...] [--pki DIR] "
	    "[--log FILE] [-o FILE]\n"
	    "                                your CDN's JSON -> an edgesim chain "
	    "(docs/import.md)\n"
	    "  lint     [-c FILE | import options] [--json]\n"
	    "                                predict every hop's outcome; exit 1 "
	    "when one fails\n"
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
	int rc = certs_ensure_all(cfg, o.force, stdout, NULL, &err);
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

static const char *const probe_valued[] = {
	"--connect", "--sni", "--ca", "-c", "--config", "--pin", "--names",
	"--client-cert", "--client-key", "--timeout",
};

/* The options of `edgesim probe` (docs/probe.md). */
static int
probe_args(int argc, char **argv, struct probe_opts *o, struct es_err *err)
{
	const char *target = NULL, *connect = NULL;
	bool no_sni = false;
	struct es_err e2;

	memset(o, 0, sizeof(*o));
	o->ca = PROBE_CA_SYSTEM;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "--no-sni") == 0) {
			no_sni = true;
			continue;
		}
		if (strcmp(a, "--tls1.2") == 0 || strcmp(a, "--tls1.3") == 0) {
			int ver = a[7] == '2' ? 12 : 13;
			if (o->tls_version && o->tls_version != ver)
				return es_errf(err, "--tls1.2 and --tls1.3 exclude "
				    "each other");
			o->tls_version = ver;
			continue;
		}
		if (a[0] != '-') {
			if (target)
				return es_errf(err, "one HOST[:PORT] only ('%s' "
				    "and '%s')", target, a);
			target = a;
			continue;
		}
		for (size_t k = 0; k < ES_ARRAY_LEN(probe_valued); k++)
			if (strcmp(a, probe_valued[k]) == 0)
				v = argv[i + 1 < argc ? ++i : i];
		if (v == NULL)
			return es_errf(err, "unknown option '%s'", a);
		if (v == a)
			return es_errf(err, "%s needs a value", a);
		if (strcmp(a, "--connect") == 0) {
			connect = v;
		} else if (strcmp(a, "--sni") == 0) {
			if (*v == '\0' || strlen(v) > 255)
				return es_errf(err, "--sni: a host name of 1 to "
				    "255 characters");
			o->sni = v;
		} else if (strcmp(a, "--ca") == 0) {
			o->ca = strcmp(v, "lab") == 0 ? PROBE_CA_LAB :
			    strcmp(v, "system") == 0 ? PROBE_CA_SYSTEM :
			    PROBE_CA_FILE;
			o->ca_file = o->ca == PROBE_CA_FILE ? v : NULL;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			o->config = v;
		} else if (strcmp(a, "--pin") == 0) {
			o->pins = xrealloc(o->pins, (o->n_pins + 1) *
			    sizeof(*o->pins));
			if (pin_parse(v, &o->pins[o->n_pins], &e2) < 0)
				return es_errf(err, "--pin %s", e2.msg);
			o->n_pins++;
		} else if (strcmp(a, "--names") == 0) {
			char *copy = xstrdup(v), *save = NULL;
			for (char *n = strtok_r(copy, ", ", &save); n;
			    n = strtok_r(NULL, ", ", &save))
				strlist_add(&o->names, n, 0);
			free(copy);
		} else if (strcmp(a, "--client-cert") == 0) {
			o->client_cert = v;
		} else if (strcmp(a, "--client-key") == 0) {
			o->client_key = v;
		} else {
			int64_t ms;
			if (parse_duration_ms(v, &ms) < 0 || ms < 1 ||
			    ms > 600000)
				return es_errf(err, "--timeout '%s': a duration "
				    "(250ms, 5s) of at most 10m", v);
			o->timeout_ms = (int)ms;
		}
	}
	if (target == NULL)
		return es_errf(err, "which server? (edgesim probe HOST[:PORT])");
	if (parse_hostport(target, o->host, sizeof(o->host), &o->port, 443,
	    &e2) < 0)
		return es_errf(err, "%s", e2.msg);
	if (connect) {
		if (parse_hostport(connect, o->connect_host,
		    sizeof(o->connect_host), &o->connect_port, o->port, &e2) < 0)
			return es_errf(err, "--connect %s", e2.msg);
	} else {
		snprintf(o->connect_host, sizeof(o->connect_host), "%s", o->host);
		o->connect_port = o->port;
	}
	if (no_sni && o->sni)
		return es_errf(err, "--sni and --no-sni exclude each other");
	o->sni_mode = no_sni ? PROBE_SNI_NONE : o->sni ? PROBE_SNI_NAME :
	    PROBE_SNI_BOTH;
	if (o->client_key && o->client_cert == NULL)
		return es_errf(err, "--client-key needs --client-cert");
	if (o->client_cert && o->client_key == NULL)
		o->client_key = o->client_cert;
	return 0;
}

static int
cmd_probe(int argc, char **argv)
{
	struct probe_opts o;
	struct es_err err;
	char pki[PATH_MAX] = "certs/lab";
	int rc;

	if (probe_args(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "edgesim: probe: %s\nusage: edgesim probe "
		    "HOST[:PORT] [--connect ADDR:PORT] [--sni NAME | --no-sni] "
		    "[--ca FILE|lab|system] [-c FILE] [--pin PIN] [--names N1,N2] "
		    "[--client-cert FILE --client-key FILE] [--tls1.2|--tls1.3] "
		    "[--timeout DURATION] [--json]\n", err.msg);
		probe_opts_free(&o);
		return 2;
	}
	if (o.config) {
		struct config *cfg = load_or_report(o.config);
		if (cfg == NULL) {
			probe_opts_free(&o);
			return 2;
		}
		snprintf(pki, sizeof(pki), "%s", cfg->global.pki);
		config_free(cfg);
	}
	rc = probe_run(&o, pki, stdout);
	probe_opts_free(&o);
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
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(argc - 2, argv + 2);
	if (strcmp(cmd, "import") == 0)
		return import_main(argc - 2, argv + 2);
	if (strcmp(cmd, "lint") == 0)
		return lint_main(argc - 2, argv + 2);
	if (strcmp(cmd, "config-doc") == 0)
		return cmd_config_doc();
	if (strcmp(cmd, "errors-doc") == 0) {
		errors_doc(stdout);
		return 0;
	}
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
