/*
 * scenario.c - the runner that proves the incidents of the catalogue.
 *
 * A scenario is a config, conf/scenarios/NAME.ini, holding the broken
 * state. Its header comments carry the story, the code it produces and the
 * fix, as overrides ("; fix: [origin cloudfront-dist] sni = on"): the fixed
 * state is the same file with those lines applied, never a copy. The steps
 * (what a viewer does, what it must see) are the catalogue's
 * (scenario_catalogue.c); this file is the runner.
 *
 * The runner copies the config to a temporary directory with every listen
 * port moved to a free one (and [resolve] entries with it), starts it as
 * child processes (`edgesim run`, optionally split so that the "origin
 * side" can be reloaded alone), drives the built-in client, and compares.
 */
#include "scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blocking_client.h"
#include "scenario_catalogue.h"
#include "config.h"
#include "explain.h"
#include "util.h"

/* --- the scenario file --- */

struct scen_file {
	char *path;
	char *text;
	char *story;
	char *code;
	struct strlist fixes;           /* "[section] key = value" */
	struct strlist fix_notes;       /* console terms */
};

static void
scen_file_free(struct scen_file *f)
{
	free(f->path);
	free(f->text);
	free(f->story);
	free(f->code);
	strlist_free(&f->fixes);
	strlist_free(&f->fix_notes);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct sbuf b;
	char buf[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&b, buf, n);
	fclose(f);
	return sbuf_detach(&b);
}

static int
scen_file_load(const char *dir, const char *name, struct scen_file *f)
{
	char path[4096];

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s.ini", dir, name);
	f->path = xstrdup(path);
	f->text = read_file(path);
	if (f->text == NULL)
		return -1;
	for (char *line = f->text; *line; ) {
		char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		char *l = xstrndup(line, n);
		char *v;
		if ((v = strstr(l, "; story:")) == l)
			f->story = xstrdup(str_trim(l + 8));
		else if ((v = strstr(l, "; code:")) == l)
			f->code = xstrdup(str_trim(l + 7));
		else if ((v = strstr(l, "; fix:")) == l)
			strlist_add(&f->fixes, str_trim(l + 6), 0);
		else if ((v = strstr(l, "; console:")) == l)
			strlist_add(&f->fix_notes, str_trim(l + 10), 0);
		free(l);
		line += n + (eol ? 1 : 0);
	}
	return 0;
}

/* Apply "[section] key = value" to an INI text: replace the key in that
 * section, or add it right after the section header. */
static int
apply_override(char **text, const char *override, struct es_err *err)
{
	const char *close = strchr(override, ']');

	if (override[0] != '[' || close == NULL)
		return es_errf(err, "override '%s' is not '[section] key = value'",
		    override);
	char *section = xstrndup(override, (size_t)(close - override + 1));
	char *kv = xstrdup(close + 1);
	char *line_kv = str_trim(kv);
	char *eq = strchr(line_kv, '=');
	if (eq == NULL) {
		free(section);
		free(kv);
		return es_errf(err, "override '%s' has no '='", override);
	}
	char *key = xstrndup(line_kv, (size_t)(eq - line_kv));
	str_trim(key);

	struct sbuf out;
	sbuf_init(&out);
	bool in_section = false, done = false;
	for (char *p = *text; *p; ) {
		char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);
		char *l = xstrndup(p, n);
		char *copy = xstrdup(l);
		char *t = str_trim(copy);
		if (t[0] == '[') {
			if (in_section && !done) {
				sbuf_addf(&out, "%s\n", line_kv);
				done = true;
			}
			in_section = strcmp(t, section) == 0;
			sbuf_adds(&out, l);
			if (l[n - 1] != '\n')
				sbuf_addc(&out, '\n');
		} else if (in_section && !done && strncmp(t, key, strlen(key)) == 0 &&
		    (t[strlen(key)] == ' ' || t[strlen(key)] == '=')) {
			sbuf_addf(&out, "%s\n", line_kv);
			done = true;
		} else {
			sbuf_adds(&out, l);
		}
		free(copy);
		free(l);
		p += n;
	}
	if (in_section && !done) {
		sbuf_addf(&out, "\n%s\n", line_kv);
		done = true;
	}
	free(section);
	free(kv);
	free(key);
	if (!done) {
		sbuf_free(&out);
		return es_errf(err, "override '%s': no such section", override);
	}
	free(*text);
	*text = sbuf_detach(&out);
	return 0;
}

/* --- ports --- */

struct port_map {
	int from[16];
	int to[16];
	size_t n;
};

static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Every "127.0.0.1:PORT" of a listen line gets a free port, and the same
 * text elsewhere ([resolve]) follows it. */
static char *
remap_ports(const char *text, struct port_map *m)
{
	m->n = 0;
	for (const char *p = text; (p = strstr(p, "listen")) != NULL; p++) {
		const char *a = strstr(p, "127.0.0.1:");
		const char *eol = strchr(p, '\n');
		if (a == NULL || (eol && a > eol) || m->n == 16)
			continue;
		int port = atoi(a + 10);
		bool seen = false;
		for (size_t i = 0; i < m->n; i++)
			if (m->from[i] == port)
				seen = true;
		if (!seen && port > 0) {
			/* The kernel may hand the same free port out twice
			 * (each is released before the next is asked for):
			 * two edges must never get one. */
			int to = -1;
			for (int tries = 0; tries < 20; tries++) {
				bool taken = false;
				to = free_port();
				for (size_t i = 0; i < m->n; i++)
					if (m->to[i] == to)
						taken = true;
				if (!taken)
					break;
			}
			m->from[m->n] = port;
			m->to[m->n] = to;
			m->n++;
		}
	}
	struct sbuf out;
	sbuf_init(&out);
	for (const char *p = text; *p; ) {
		const char *a = strstr(p, "127.0.0.1:");
		if (a == NULL) {
			sbuf_adds(&out, p);
			break;
		}
		sbuf_add(&out, p, (size_t)(a - p) + 10);
		char *end;
		long port = strtol(a + 10, &end, 10);
		for (size_t i = 0; i < m->n; i++) {
			if (m->from[i] == port) {
				port = m->to[i];
				break;  /* a new port may equal a later old one */
			}
		}
		sbuf_addf(&out, "%ld", port);
		p = end;
	}
	return sbuf_detach(&out);
}

static int
orig_port(const struct port_map *m, int port)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->to[i] == port)
			return m->from[i];
	return port;
}

/* --- processes --- */

struct proc {
	pid_t pid;
	char conf[4096];
	char log[4096];
	int generation;
};

struct run {
	const struct scenario *sc;
	struct scen_file file;
	bool fixed;
	bool verbose;
	const char *self;
	char dir[256];
	char *text;                     /* the config as run */
	struct config *cfg;             /* parsed, for addresses */
	struct port_map ports;
	struct proc procs[2];
	int n_procs;
	char key_expected[200];
	char key_observed[300];
};

static bool
in_split(const struct scenario *sc, const char *edge)
{
	if (sc->split == NULL)
		return false;
	struct strlist l = { 0 };
	strlist_add_words(&l, sc->split, 0);
	bool r = strlist_contains_nocase(&l, edge);
	strlist_free(&l);
	return r;
}

static int
proc_of(struct run *r, const char *edge)
{
	return r->n_procs > 1 && in_split(r->sc, edge) ? 1 : 0;
}

/* Write the config for process i: the run's text with its own log. */
/* `scenario up` turns the admin listener (the dashboard) on, on a free
 * port, in the process viewers reach; 0: off (scenario run). */
static int up_admin_port;

static int
write_conf(struct run *r, int i)
{
	struct es_err err;
	char *t = xstrdup(r->text);
	char ov[4200];

	snprintf(ov, sizeof(ov), "[edgesim] log = %s", r->procs[i].log);
	if (apply_override(&t, ov, &err) < 0) {
		free(t);
		return -1;
	}
	if (i == 0 && up_admin_port > 0) {
		snprintf(ov, sizeof(ov), "[edgesim] admin = 127.0.0.1:%d",
		    up_admin_port);
		if (apply_override(&t, ov, &err) < 0) {
			free(t);
			return -1;
		}
	}
	FILE *f = fopen(r->procs[i].conf, "w");
	if (f == NULL) {
		free(t);
		return -1;
	}
	fputs(t, f);
	fclose(f);
	free(t);
	return 0;
}

static bool
port_open(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa,
	    sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
procs_start(struct run *r)
{
	for (int i = 0; i < r->n_procs; i++) {
		struct proc *p = &r->procs[i];
		char *argv[40];
		int a = 0;
		argv[a++] = (char *)"edgesim";
		argv[a++] = (char *)"run";
		argv[a++] = (char *)"-c";
		argv[a++] = p->conf;
		for (size_t e = 0; e < r->cfg->n_edges && a < 36; e++) {
			if (r->n_procs > 1 && proc_of(r, r->cfg->edges[e]->sec.name)
			    == i) {
				argv[a++] = (char *)"--edge";
				argv[a++] = r->cfg->edges[e]->sec.name;
			}
		}
		argv[a] = NULL;
		fflush(stdout);         /* or the child writes it again */
		fflush(stderr);
		p->pid = fork();
		if (p->pid < 0)
			return -1;
		if (p->pid == 0) {
			/* `scenario up` blocks signals to sigwait them; the
			 * child must get them (exec keeps the mask). */
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			FILE *devnull = freopen("/dev/null", "w", stdout);
			(void)devnull;
			devnull = freopen(p->log, "a", stderr);
			execv(r->self, argv);
			_exit(127);
		}
		p->generation = 1;
	}
	/* Ready when every edge accepts connections: within 30 s, which a
	 * loaded machine (or a sanitizer build) may need. */
	for (int tries = 0; tries < 600; tries++) {
		bool all = true;
		for (size_t e = 0; e < r->cfg->n_edges && all; e++) {
			const struct conf_edge *ed = r->cfg->edges[e];
			for (size_t j = 0; j < ed->n_listen && all; j++)
				all = port_open(ed->listen[j].host,
				    ed->listen[j].port);
		}
		if (all)
			return 0;
		sleep_ms(50);
	}
	return -1;
}

static void
procs_stop(struct run *r)
{
	for (int i = 0; i < r->n_procs; i++)
		if (r->procs[i].pid > 0)
			kill(r->procs[i].pid, SIGTERM);
	for (int i = 0; i < r->n_procs; i++) {
		struct proc *p = &r->procs[i];
		for (int t = 0; p->pid > 0 && t < 100; t++) {
			if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
				p->pid = 0;
				break;
			}
			sleep_ms(50);
		}
		if (p->pid > 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
			p->pid = 0;
		}
	}
}

static bool
log_has(const char *path, const char *needle)
{
	char *t = read_file(path);
	bool r = t && strstr(t, needle);

	free(t);
	return r;
}

/* --- steps --- */

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
	const struct proc *p = &r->procs[proc_of(r, edge)];
	char *tmp = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&tmp, &len);

	/* The record is written as the response goes out: give it a moment. */
	for (int t = 0; t < 20 && !log_has(p->log, ref); t++)
		sleep_ms(25);
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
	int port = orig_port(&r->ports, l->port);
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
		    "</dev/null\n", orig_port(&r->ports, l->port),
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
		    orig_port(&r->ports, l->port), s->host, ca);
	if (r->verbose)
		printf("         viewer saw: %s\n", back ? "an answer from the "
		    "origin, through the tunnel" : "the tunnel closed without a "
		    "byte");
	blocking_client_result_free(&cr);
	bool ok = back == (s->status != 0);
	if (ok && s->expect) {
		/* What the tunnel's log record says about the origin hop. */
		const struct proc *p = &r->procs[proc_of(r, s->edge)];
		for (int t = 0; t < 40 && !log_has(p->log, s->expect); t++)
			sleep_ms(25);
		ok = log_has(p->log, s->expect);
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
	int i = proc_of(r, s->edge);
	struct proc *p = &r->procs[i];
	char want[64];

	if (apply_override(&r->text, s->change, &err) < 0 ||
	    write_conf(r, i) < 0) {
		snprintf(obs, olen, "cannot apply %s", s->change);
		return false;
	}
	if (r->verbose)
		printf("         change:  %s, then kill -HUP\n", s->change);
	kill(p->pid, SIGHUP);
	p->generation++;
	snprintf(want, sizeof(want), "generation %d", p->generation);
	for (int t = 0; t < 100; t++) {
		if (log_has(p->log, want)) {
			/* Let the other side notice closed connections. */
			sleep_ms(150);
			snprintf(obs, olen, "reloaded");
			return true;
		}
		sleep_ms(50);
	}
	snprintf(obs, olen, "the reload did not happen");
	return false;
}

static bool
run_steps(struct run *r, const struct step *steps)
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
			sleep_ms(s->ms);
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

/* Load a scenario, apply the fix when asked, move its ports, write the
 * configs of its processes into a fresh temporary directory. */
static int
run_prepare(struct run *r, const char *dir, const struct scenario *sc,
    bool fixed, bool verbose, const char *self)
{
	struct conf_problems probs = { 0 };
	struct es_err err;

	memset(r, 0, sizeof(*r));
	r->sc = sc;
	r->fixed = fixed;
	r->verbose = verbose;
	r->self = self;
	if (scen_file_load(dir, sc->name, &r->file) < 0) {
		fprintf(stderr, "edgesim: cannot read %s/%s.ini\n", dir, sc->name);
		return -1;
	}
	snprintf(r->dir, sizeof(r->dir), "/tmp/edgesim-scenario.XXXXXX");
	if (mkdtemp(r->dir) == NULL) {
		fprintf(stderr, "edgesim: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	/* The fix first, then the ports: a fix may name a port of the file. */
	char *text = xstrdup(r->file.text);
	if (fixed)
		for (size_t i = 0; i < r->file.fixes.n; i++)
			if (apply_override(&text, r->file.fixes.v[i], &err) < 0)
				fprintf(stderr, "edgesim: %s: %s\n", r->file.path,
				    err.msg);
	r->text = remap_ports(text, &r->ports);
	free(text);
	r->n_procs = sc->split ? 2 : 1;
	for (int i = 0; i < r->n_procs; i++) {
		snprintf(r->procs[i].conf, sizeof(r->procs[i].conf),
		    "%s/%s%s.ini", r->dir, sc->name, i ? "-origin" : "");
		snprintf(r->procs[i].log, sizeof(r->procs[i].log), "%s/%s%s.log",
		    r->dir, sc->name, i ? "-origin" : "");
		if (write_conf(r, i) < 0)
			return -1;
	}
	r->cfg = config_load(r->procs[0].conf, &probs);
	config_problems_free(&probs);
	return 0;
}

static void
run_cleanup(struct run *r, bool keep)
{
	procs_stop(r);
	if (!keep && r->dir[0]) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "edgesim: could not remove %s\n", r->dir);
	}
	config_free(r->cfg);
	free(r->text);
	scen_file_free(&r->file);
	memset(r, 0, sizeof(*r));
}

static void
print_running(const struct run *r)
{
	for (size_t e = 0; e < r->cfg->n_edges; e++) {
		const struct conf_edge *ed = r->cfg->edges[e];
		printf("edge %s 127.0.0.1:%d (port %d in the file)\n",
		    ed->sec.name, ed->listen[0].port,
		    orig_port(&r->ports, ed->listen[0].port));
	}
}

/* Run one state of one scenario. Returns 1 when it behaved as claimed. */
static int
run_one(const char *dir, const struct scenario *sc, bool fixed, bool verbose,
    const char *self, char *exp, char *obs, size_t len)
{
	struct run r;
	int result = 0;

	exp[0] = obs[0] = '\0';
	if (run_prepare(&r, dir, sc, fixed, verbose, self) < 0) {
		snprintf(obs, len, "cannot prepare %s", sc->name);
		run_cleanup(&r, false);
		return 0;
	}
	if (verbose) {
		printf("== %s%s: %s\n", sc->name, fixed ? " (fixed)" : "",
		    r.file.story ? r.file.story : "");
		printf("   config %s%s\n", r.file.path, fixed ?
		    ", with the fix applied:" : " (the broken state)");
		for (size_t i = 0; fixed && i < r.file.fixes.n; i++)
			printf("     %s\n", r.file.fixes.v[i]);
	}
	const struct step *steps = fixed ? sc->fixed : sc->broken;
	bool needs_run = false;
	for (int i = 0; i < STEPS_MAX && steps[i].says; i++)
		if (steps[i].kind != STEP_CHECK && steps[i].kind != STEP_WAIT)
			needs_run = true;
	if (needs_run && r.cfg == NULL) {
		snprintf(obs, len, "the config does not load");
	} else if (needs_run && procs_start(&r) < 0) {
		snprintf(obs, len, "the edges did not start (see %s)", r.dir);
	} else {
		if (verbose && needs_run) {
			printf("   running:\n");
			print_running(&r);
		}
		result = run_steps(&r, steps) ? 1 : 0;
		snprintf(obs, len, "%s", r.key_observed);
	}
	snprintf(exp, len, "%s", r.key_expected);
	procs_stop(&r);
	if (verbose) {
		if (!fixed && r.file.fixes.n) {
			printf("\n  The fix:\n");
			for (size_t i = 0; i < r.file.fixes.n; i++)
				printf("     %s\n", r.file.fixes.v[i]);
			for (size_t i = 0; i < r.file.fix_notes.n; i++)
				printf("     (%s)\n", r.file.fix_notes.v[i]);
			printf("  See it work: edgesim scenario run %s --fixed\n",
			    sc->name);
		}
		printf("\n%s: %s\n", result ? "PASS" : "FAIL", result ?
		    "observed what the scenario claims" :
		    "observed something else");
		if (!result)
			printf("(configs and logs kept in %s)\n", r.dir);
	}
	run_cleanup(&r, !result);
	return result;
}

/* Start a scenario's topology on free ports and keep it up until a signal:
 * for poking it by hand, and for tests that use external clients. */
static int
cmd_up(const char *dir, const struct scenario *sc, bool fixed,
    const char *self)
{
	struct run r;
	sigset_t set;
	int sig;

	up_admin_port = free_port();
	if (run_prepare(&r, dir, sc, fixed, false, self) < 0 || r.cfg == NULL) {
		fprintf(stderr, "edgesim: %s: the config does not load\n",
		    sc->name);
		run_cleanup(&r, false);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (procs_start(&r) < 0) {
		fprintf(stderr, "edgesim: %s: the edges did not start\n", sc->name);
		run_cleanup(&r, true);
		return 1;
	}
	print_running(&r);
	if (up_admin_port > 0)
		printf("dashboard http://127.0.0.1:%d/ (also /metrics /certs "
		    "/config)\n", up_admin_port);
	for (int i = 0; i < r.n_procs; i++)
		printf("log %s\nconfig %s\n", r.procs[i].log, r.procs[i].conf);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	run_cleanup(&r, false);
	return 0;
}

static int
cmd_list(const char *dir)
{
	for (size_t i = 0; i < scenario_catalogue_len; i++) {
		struct scen_file f;
		if (scen_file_load(dir, scenario_catalogue[i].name, &f) < 0) {
			printf("%-18s (missing: %s)\n", scenario_catalogue[i].name, f.path);
			scen_file_free(&f);
			continue;
		}
		printf("%-18s %s\n%-18s   -> %s\n", scenario_catalogue[i].name,
		    f.story ? f.story : "", "", f.code ? f.code : "");
		scen_file_free(&f);
	}
	return 0;
}

static int
cmd_all(const char *dir, const char *self)
{
	int passed = 0, failed = 0;
	char be[300], bo[300], fe[300], fo[300];

	printf("%-18s %-62s %-28s %s\n", "scenario",
	    "broken: expected / observed", "fixed: expected / observed",
	    "result");
	for (size_t i = 0; i < scenario_catalogue_len; i++) {
		const struct scenario *sc = &scenario_catalogue[i];
		int b = run_one(dir, sc, false, false, self, be, bo, sizeof(be));
		int f = run_one(dir, sc, true, false, self, fe, fo, sizeof(fe));
		char broken[700], fixed[700];
		snprintf(broken, sizeof(broken), "%s / %s", be, b ? "same" : bo);
		snprintf(fixed, sizeof(fixed), "%s / %s", fe, f ? "same" : fo);
		bool ok = b && f;
		printf("%-18s %-62s %-28s %s\n", sc->name, broken, fixed,
		    ok ? "PASS" : "FAIL");
		fflush(stdout);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int
scenario_main(int argc, char **argv, const char *self)
{
	const char *dir = getenv("EDGESIM_SCENARIOS");
	const char *name = NULL;
	bool fixed = false, all = false;

	if (dir == NULL)
		dir = "conf/scenarios";
	if (argc < 1) {
		fprintf(stderr, "usage: edgesim scenario list | run NAME [--fixed] "
		    "| run --all | up NAME [--fixed]   [--dir DIR]\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fixed") == 0)
			fixed = true;
		else if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			fprintf(stderr, "edgesim: unexpected argument '%s'\n",
			    argv[i]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[0], "list") == 0)
		return cmd_list(dir);
	bool up = strcmp(argv[0], "up") == 0;
	if (strcmp(argv[0], "run") != 0 && !up) {
		fprintf(stderr, "edgesim: scenario %s: use list, run or up\n",
		    argv[0]);
		return 2;
	}
	if (all && !up)
		return cmd_all(dir, self);
	const struct scenario *sc = name ? scenario_find(name) : NULL;
	if (sc == NULL) {
		fprintf(stderr, "edgesim: %s: no such scenario (edgesim scenario "
		    "list shows them)\n", name ? name : "(none given)");
		return 2;
	}
	if (up)
		return cmd_up(dir, sc, fixed, self);
	char exp[300], obs[300];
	return run_one(dir, sc, fixed, true, self, exp, obs, sizeof(exp)) ? 0 : 1;
}
