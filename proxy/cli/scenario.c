/*
 * scenario.c - the runner that proves the incidents of the catalogue.
 *
 * A scenario is a config, conf/scenarios/NAME.ini, holding the broken
 * state. Its header comments carry the story, the code it produces and the
 * fix, as overrides ("; fix: [origin cloudfront-dist] sni = on"): the fixed
 * state is the same file with those lines applied, never a copy. The steps
 * (what a viewer does, what it must see) are the catalogue's
 * (scenario_catalogue.c); running them, and printing what the viewer saw,
 * is scenario_steps.c's. This file is the runner.
 *
 * The runner copies the config to a temporary directory with every listen
 * port moved to a free one (and [resolve] entries with it), starts it as
 * child processes (`edgesim run`, optionally split so that the "origin
 * side" can be reloaded alone), has the steps drive the built-in client,
 * and sums up.
 */
#include "scenario.h"
#include "scenario_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenario_catalogue.h"
#include "config.h"
#include "util.h"

/* --- the scenario file --- */

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
int
scenario_apply_override(char **text, const char *override, struct es_err *err)
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

int
scenario_orig_port(const struct port_map *m, int port)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->to[i] == port)
			return m->from[i];
	return port;
}

/* --- processes --- */

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

int
scenario_proc_of(struct run *r, const char *edge)
{
	return r->n_procs > 1 && in_split(r->sc, edge) ? 1 : 0;
}

/* `scenario up` turns the admin listener (the dashboard) on, on a free
 * port, in the process viewers reach; 0: off (scenario run). */
static int up_admin_port;

/* Write the config for process i: the run's text with its own log. */
int
scenario_write_conf(struct run *r, int i)
{
	struct es_err err;
	char *t = xstrdup(r->text);
	char ov[4200];

	snprintf(ov, sizeof(ov), "[edgesim] log = %s", r->procs[i].log);
	if (scenario_apply_override(&t, ov, &err) < 0) {
		free(t);
		return -1;
	}
	if (i == 0 && up_admin_port > 0) {
		snprintf(ov, sizeof(ov), "[edgesim] admin = 127.0.0.1:%d",
		    up_admin_port);
		if (scenario_apply_override(&t, ov, &err) < 0) {
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

void
scenario_sleep_ms(int ms)
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
			if (r->n_procs > 1 && scenario_proc_of(r,
			    r->cfg->edges[e]->sec.name) == i) {
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
		scenario_sleep_ms(50);
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
			scenario_sleep_ms(50);
		}
		if (p->pid > 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
			p->pid = 0;
		}
	}
}

bool
scenario_log_has(const char *path, const char *needle)
{
	char *t = read_file(path);
	bool r = t && strstr(t, needle);

	free(t);
	return r;
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
	/* $TMPDIR when set, as mktemp(1) does; a path too long for it
	 * falls back to /tmp rather than being cut. */
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > sizeof(r->dir) - 32)
		tmp = "/tmp";
	snprintf(r->dir, sizeof(r->dir), "%s/edgesim-scenario.XXXXXX", tmp);
	if (mkdtemp(r->dir) == NULL) {
		fprintf(stderr, "edgesim: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	/* The fix first, then the ports: a fix may name a port of the file. */
	char *text = xstrdup(r->file.text);
	if (fixed)
		for (size_t i = 0; i < r->file.fixes.n; i++)
			if (scenario_apply_override(&text, r->file.fixes.v[i],
			    &err) < 0)
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
		if (scenario_write_conf(r, i) < 0)
			return -1;
	}
	r->cfg = config_load(r->procs[0].conf, &probs);
	config_problems_free(&probs);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A run's directory and what the edges wrote in it, removed by the
 * program itself: a shelled-out rm would depend on the caller's PATH
 * (a scenario run with a PATH of its own left its directory behind). */
static int
remove_tree(const char *dir)
{
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
run_cleanup(struct run *r, bool keep)
{
	procs_stop(r);
	if (!keep && r->dir[0] && remove_tree(r->dir) < 0)
		fprintf(stderr, "edgesim: could not remove %s: %s\n", r->dir,
		    strerror(errno));
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
		    scenario_orig_port(&r->ports, ed->listen[0].port));
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
		result = scenario_steps_run(&r, steps) ? 1 : 0;
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
