/*
 * scenario_steps.c - a scenario's steps, run against its topology: a
 * viewer's GET (step_http), a handshake only (step_tls), TLS then raw
 * bytes through a mode = tcp edge (step_raw), `edgesim check` on the
 * config (step_check), a change and a SIGHUP (step_reload), and time
 * passing. Each fills what it expected and what it observed, and says
 * whether they match.
 *
 * Run verbose (`scenario run NAME`), a step also shows what the viewer
 * saw: the command to try it by hand, the certificate or status, the
 * error page, the story the log tells for the reference
 * (`edgesim explain`), and, for a certificate failure, what real clients
 * (curl, node, openssl s_client) print when they are installed. The
 * topology itself (ports, processes, configs) is the runner's
 * (scenario.c).
 */
#include "scenario_private.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocking_client.h"
#include "config.h"
#include "explain.h"
#include "util.h"

/* --- the edge a step uses --- */

static const struct conf_listen *
edge_listen(struct run *r, const char *edge)
{
	const struct conf_edge *e = config_find_edge(r->cfg, edge);

	return e && e->n_listen ? &e->listen[0] : NULL;
}

/* --- the viewers' own words: real clients, run when installed --- */

static bool
on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p; ) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		p = colon ? colon + 1 : NULL;
	}
	return false;
}

/*
 * Run argv (a real client: curl, node, openssl) for at most 10 s, its
 * stdin empty, and print the first line of what it printed that contains
 * want (any line when want is NULL), as "NAME: line". A client that is not
 * installed is said to be so: nothing is made up in its name.
 */
static void
print_client(const char *name, const char *const argv[], const char *want)
{
	int fds[2];
	char out[16384];
	size_t n = 0;

	if (!on_path(argv[0])) {
		printf("           %s not found: not run\n", argv[0]);
		return;
	}
	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		alarm(10);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r = read(fds[0], out + n, sizeof(out) - 1 - n);
		if (r <= 0 || (n += (size_t)r) >= sizeof(out) - 1)
			break;
	}
	close(fds[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	out[n] = '\0';
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line && (want == NULL || strstr(line, want))) {
			/* curl names itself ("curl: (60) ..."). */
			if (strncmp(line, name, strlen(name)) == 0)
				printf("           %s\n", line);
			else
				printf("           %s: %s\n", name, line);
			return;
		}
	}
	printf("           %s: (printed nothing%s%s)\n", name,
	    want ? " about " : "", want ? want : "");
}

/* What curl and Node print when they fetch https://host:port/path. */
static void
print_real_viewers(const char *host, int port, const char *path,
    const char *ca)
{
	char url[600], resolve[400], js[2048];

	snprintf(url, sizeof(url), "https://%s:%d%s", host, port, path);
	snprintf(resolve, sizeof(resolve), "%s:%d:127.0.0.1", host, port);
	const char *curl[] = { "curl", "-sS", "-o", "/dev/null", "--max-time", "8",
	    "-w", "HTTP %{http_code} (%{http_version})\n", "--cacert",
	    ca, "--resolve", resolve, url, NULL };
	print_client("curl", curl, NULL);
	snprintf(js, sizeof(js), "const https = require('https'), fs = "
	    "require('fs'); https.get({ host: '127.0.0.1', port: %d, "
	    "servername: '%s', path: '%s', headers: { host: '%s' }, ca: "
	    "fs.readFileSync('%s') }, r => { console.log('HTTP ' + "
	    "r.statusCode); r.resume(); }).on('error', e => "
	    "console.log(e.message));", port, host, path, host, ca);
	const char *node[] = { "node", "-e", js, NULL };
	print_client("node", node, NULL);
}

static void
print_body_hint(const struct blocking_client_result *cr)
{
	const char *b = cr->body.s ? cr->body.s : "";
	const char *ref = strstr(b, "Reference&#32;&#35;");
	const char *cf = strstr(b, "<H2>");
	const char *title = strstr(b, "<TITLE>");

	if (ref) {
		const char *e = strchr(ref, '\n');
		const char *te = title ? strstr(title, "</TITLE>") : NULL;
		printf("           page: \"%.*s\" ... \"%.*s\"\n",
		    te ? (int)(te - title - 7) : 5, te ? title + 7 : "Error",
		    (int)(e ? e - ref : 60), ref);
	} else if (cf) {
		const char *e = strstr(cf, "<BR");
		printf("           page: \"%.*s\"\n", (int)(e ? e - cf : 80), cf);
	}
}

static void
print_story(struct run *r, const char *edge, const char *ref)
{
	const struct proc *p = &r->procs[scenario_proc_of(r, edge)];
	char *tmp = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&tmp, &len);

	/* The record is written as the response goes out: give it a moment. */
	for (int t = 0; t < 20 && !scenario_log_has(p->log, ref); t++)
		scenario_sleep_ms(25);
	if (explain_ref(p->log, ref, m) != 0) {
		fclose(m);
		free(tmp);
		return;
	}
	fclose(m);
	printf("         the log's story (edgesim explain %s):\n", ref);
	for (char *l = tmp; l && *l; ) {
		char *e = strchr(l, '\n');
		printf("           | %.*s\n", (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : NULL;
	}
	free(tmp);
}

/* Run one step; fill obs with what happened; returns whether it matched. */
static bool
step_http(struct run *r, const struct step *s, char *obs, size_t olen,
    char *exp, size_t elen)
{
	const struct conf_listen *l = edge_listen(r, s->edge);
	struct blocking_client_opts o;
	struct blocking_client_result cr;
	char ca[4200], v[200], ref[200];
	bool ok;

	snprintf(ca, sizeof(ca), "%s/ca.pem", r->cfg->global.pki);
	memset(&o, 0, sizeof(o));
	o.connect_host = l->host;
	o.port = l->port;
	o.sni = s->host;
	o.verify_name = s->host;
	o.ca_file = ca;
	o.path = s->path;
	o.strict = true;
	o.timeout_ms = 8000;
	blocking_client_result_init(&cr);
	blocking_client_run(&o, &cr);
	int port = scenario_orig_port(&r->ports, l->port);
	if (r->verbose && !r->fixed)
		printf("         try it:  curl --cacert %s --resolve %s:%d:127.0.0.1 "
		    "https://%s:%d%s\n", ca, s->host, port, s->host, port, s->path);

	if (s->status)
		snprintf(exp, elen, "%d%s%s", s->status, s->expect ? " " : "",
		    s->expect ? s->expect : "");
	else
		snprintf(exp, elen, "%s", s->expect ? s->expect : "?");
	if (cr.connect_error[0]) {
		snprintf(obs, olen, "no connection: %s", cr.connect_error);
		ok = false;
	} else if (!cr.handshake_ok) {
		snprintf(obs, olen, "TLS handshake failed: %s", cr.tls_error);
		ok = false;
	} else if (!cr.name_ok || cr.verify_result != 0) {
		struct sbuf sans;
		sbuf_init(&sans);
		if (cr.chain_len)
			certinfo_sans_typed(&cr.chain[0], &sans);
		snprintf(obs, olen, "tls:%s", !cr.name_ok ? "name_mismatch" :
		    cr.verify_error);
		ok = s->expect && strcmp(obs, s->expect) == 0;
		if (r->verbose) {
			printf("         viewer saw: certificate %s\n",
			    cr.chain_len ? cr.chain[0].subject : "(none)");
			if (cr.name_ok)
				printf("           verification: %s\n",
				    cr.verify_error);
			/* What real clients say, in their own words. */
			print_real_viewers(s->host, l->port, s->path, ca);
		}
		sbuf_free(&sans);
	} else if (cr.status == 0) {
		snprintf(obs, olen, "no response: %s", cr.http_error);
		ok = false;
	} else {
		bool has = blocking_client_header(&cr, "X-Edgesim-Error", v, sizeof(v));
		snprintf(obs, olen, "%d%s%s", cr.status, has ? " " : "",
		    has ? v : "");
		ok = cr.status == s->status && (s->expect ? has &&
		    strcmp(v, s->expect) == 0 : !has);
		if (r->verbose) {
			char server[80] = "";
			blocking_client_header(&cr, "Server", server, sizeof(server));
			printf("         viewer saw: HTTP %d%s%s%s%s\n", cr.status,
			    server[0] ? ", Server: " : "", server,
			    has ? ", X-Edgesim-Error: " : "", has ? v : "");
			print_body_hint(&cr);
			if (has && blocking_client_header(&cr, "X-Edgesim-Ref", ref,
			    sizeof(ref)))
				print_story(r, s->edge, ref);
		}
	}
	blocking_client_result_free(&cr);
	return ok;
}

static bool
step_tls(struct run *r, const struct step *s, char *obs, size_t olen,
    char *exp, size_t elen)
{
	const struct conf_listen *l = edge_listen(r, s->edge);
	struct blocking_client_opts o;
	struct blocking_client_result cr;
	bool ok;

	memset(&o, 0, sizeof(o));
	o.connect_host = l->host;
	o.port = l->port;
	o.sni = s->host;
	o.timeout_ms = 5000;
	blocking_client_result_init(&cr);
	blocking_client_run(&o, &cr);
	snprintf(exp, elen, "%s", s->expect);
	if (r->verbose && !r->fixed)
		printf("         try it:  openssl s_client -connect 127.0.0.1:%d%s%s "
		    "</dev/null\n", scenario_orig_port(&r->ports, l->port),
		    s->host ? " -servername " : "", s->host ? s->host : "");
	if (!cr.handshake_ok && cr.chain_len == 0) {
		if (cr.alert_received > 0)
			snprintf(obs, olen, "no_certificate (alert %d)",
			    cr.alert_received);
		else
			snprintf(obs, olen, "no_certificate (%s)", cr.tls_error);
		ok = strcmp(s->expect, "no_certificate") == 0;
		if (r->verbose) {
			char connect[80];
			snprintf(connect, sizeof(connect), "127.0.0.1:%d", l->port);
			const char *ossl[] = { "openssl", "s_client", "-connect",
			    connect, s->host ? "-servername" : NULL, s->host, NULL };
			printf("         viewer saw: no certificate, %s\n", obs + 15);
			print_client("openssl s_client", ossl,
			    "no peer certificate available");
		}
	} else if (cr.chain_len > 0) {
		struct sbuf sans;
		sbuf_init(&sans);
		certinfo_sans_plain(&cr.chain[0], &sans);
		snprintf(obs, olen, "cert:%s", sans.s ? sans.s : "");
		ok = strncmp(s->expect, "cert:", 5) == 0 && sans.s &&
		    strstr(sans.s, s->expect + 5) != NULL;
		if (r->verbose)
			printf("         viewer saw: certificate %s (SANs %s)\n",
			    cr.chain[0].subject, sans.s ? sans.s : "");
		sbuf_free(&sans);
	} else {
		snprintf(obs, olen, "%s", cr.connect_error[0] ? cr.connect_error :
		    cr.tls_error);
		ok = false;
	}
	blocking_client_result_free(&cr);
	return ok;
}

/* mode = tcp: TLS to the edge, an HTTP request as raw bytes, read back. */
static bool
step_raw(struct run *r, const struct step *s, char *obs, size_t olen,
    char *exp, size_t elen)
{
	const struct conf_listen *l = edge_listen(r, s->edge);
	struct blocking_client_opts o;
	struct blocking_client_result cr;
	char ca[4200];

	snprintf(ca, sizeof(ca), "%s/ca.pem", r->cfg->global.pki);
	memset(&o, 0, sizeof(o));
	o.connect_host = l->host;
	o.port = l->port;
	o.sni = s->host;
	o.verify_name = s->host;
	o.ca_file = ca;
	o.path = "/query?sql=select+1";
	o.host_header = "emr-master.internal";
	o.timeout_ms = 5000;
	blocking_client_result_init(&cr);
	blocking_client_run(&o, &cr);
	snprintf(exp, elen, "%s", s->status ? "bytes both ways" :
	    "closed, no bytes back");
	bool back = cr.status != 0;
	snprintf(obs, olen, "%s", back ? "bytes both ways" :
	    "closed, no bytes back");
	if (r->verbose && !r->fixed)
		printf("         try it:  openssl s_client -quiet -connect "
		    "127.0.0.1:%d -servername %s -CAfile %s\n",
		    scenario_orig_port(&r->ports, l->port), s->host, ca);
	if (r->verbose)
		printf("         viewer saw: %s\n", back ? "an answer from the "
		    "origin, through the tunnel" : "the tunnel closed without a "
		    "byte");
	blocking_client_result_free(&cr);
	bool ok = back == (s->status != 0);
	if (ok && s->expect) {
		/* What the tunnel's log record says about the origin hop. */
		const struct proc *p = &r->procs[scenario_proc_of(r, s->edge)];
		for (int t = 0; t < 40 && !scenario_log_has(p->log, s->expect);
		    t++)
			scenario_sleep_ms(25);
		ok = scenario_log_has(p->log, s->expect);
		if (r->verbose)
			printf("         the log says: %s%s\n", s->expect, ok ? "" :
			    " (NOT found)");
	}
	return ok;
}

static bool
step_check(struct run *r, const struct step *s, char *obs, size_t olen,
    char *exp, size_t elen)
{
	struct conf_problems probs = { 0 };
	char *tmp = NULL;
	size_t len = 0;
	struct config *cfg = config_load(r->procs[0].conf, &probs);
	FILE *m = open_memstream(&tmp, &len);

	config_problems_print(&probs, r->file.path, m);
	fclose(m);
	snprintf(exp, elen, "%s", strcmp(s->expect, "OK") == 0 ? "accepted" :
	    "refused");
	bool ok;
	if (cfg) {
		snprintf(obs, olen, "accepted");
		ok = strcmp(s->expect, "OK") == 0;
	} else {
		snprintf(obs, olen, "refused");
		ok = strstr(tmp ? tmp : "", s->expect) != NULL;
	}
	if (r->verbose) {
		printf("         try it:  edgesim check -c %s\n", r->fixed ?
		    r->procs[0].conf : r->file.path);
		if (tmp && *tmp)
			for (char *l = tmp; l && *l; ) {
				char *e = strchr(l, '\n');
				printf("           | %.*s\n",
				    (int)(e ? e - l : (long)strlen(l)), l);
				l = e ? e + 1 : NULL;
			}
		else
			printf("           | %s: OK\n", r->file.path);
	}
	config_free(cfg);
	config_problems_free(&probs);
	free(tmp);
	return ok;
}

static bool
step_reload(struct run *r, const struct step *s, char *obs, size_t olen)
{
	struct es_err err;
	int i = scenario_proc_of(r, s->edge);
	struct proc *p = &r->procs[i];
	char want[64];

	if (scenario_apply_override(&r->text, s->change, &err) < 0 ||
	    scenario_write_conf(r, i) < 0) {
		snprintf(obs, olen, "cannot apply %s", s->change);
		return false;
	}
	if (r->verbose)
		printf("         change:  %s, then kill -HUP\n", s->change);
	kill(p->pid, SIGHUP);
	p->generation++;
	snprintf(want, sizeof(want), "generation %d", p->generation);
	for (int t = 0; t < 100; t++) {
		if (scenario_log_has(p->log, want)) {
			/* Let the other side notice closed connections. */
			scenario_sleep_ms(150);
			snprintf(obs, olen, "reloaded");
			return true;
		}
		scenario_sleep_ms(50);
	}
	snprintf(obs, olen, "the reload did not happen");
	return false;
}

bool
scenario_steps_run(struct run *r, const struct step *steps)
{
	bool all = true;

	for (int i = 0; i < STEPS_MAX && steps[i].says; i++) {
		const struct step *s = &steps[i];
		char obs[300] = "", exp[200] = "";
		bool ok = true;
		if (r->verbose)
			printf("\n  %d. %s\n", i + 1, s->says);
		switch (s->kind) {
		case STEP_HTTP:
			ok = step_http(r, s, obs, sizeof(obs), exp, sizeof(exp));
			break;
		case STEP_TLS:
			ok = step_tls(r, s, obs, sizeof(obs), exp, sizeof(exp));
			break;
		case STEP_RAW:
			ok = step_raw(r, s, obs, sizeof(obs), exp, sizeof(exp));
			break;
		case STEP_CHECK:
			ok = step_check(r, s, obs, sizeof(obs), exp, sizeof(exp));
			break;
		case STEP_RELOAD:
			ok = step_reload(r, s, obs, sizeof(obs));
			break;
		case STEP_WAIT:
			scenario_sleep_ms(s->ms);
			continue;
		}
		if (r->verbose && exp[0])
			printf("         expected %s, observed %s: %s\n", exp, obs,
			    ok ? "as claimed" : "NOT as claimed");
		else if (!ok && r->verbose)
			printf("         %s\n", obs);
		if (s->key) {
			snprintf(r->key_expected, sizeof(r->key_expected), "%s", exp);
			snprintf(r->key_observed, sizeof(r->key_observed), "%s", obs);
		}
		all = all && ok;
	}
	return all;
}
