/*
 * lint_report.c - print lint's predictions: one line per hop per host and
 * path, with why and the setting to change, as text for people and as
 * JSON (jansson) for CI.
 *
 * The setting is named in the user's words when the config was written by
 * `edgesim import`: the comment block above the key's line holds
 * "; from JSON.PATH" and "; console: LABEL" (import_ini.c writes them).
 */
#include "cli/lint.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_check.h"

/* What the comments above line `line` of text say. */
struct vocab {
	char from[400];
	char console[300];
};

static void
vocab_of(const char *text, int line, struct vocab *v)
{
	memset(v, 0, sizeof(*v));
	if (text == NULL || line <= 1)
		return;
	/* Find the start of each line up to `line`. */
	const char **starts = xcalloc((size_t)line + 1, sizeof(*starts));
	int n = 1;
	starts[1] = text;
	for (const char *p = text; *p && n < line; p++)
		if (*p == '\n')
			starts[++n] = p + 1;
	char *cur = NULL;       /* the field a continuation line extends */
	size_t cap = 0;
	/* Read the comment block above, top-down. */
	int first = line - 1;
	while (first >= 1 && n >= first && starts[first][0] == ';')
		first--;
	for (int l = first + 1; l < line && l <= n; l++) {
		const char *s = starts[l];
		size_t len = strcspn(s, "\n");
		char buf[512];
		snprintf(buf, sizeof(buf), "%.*s", (int)(len < 500 ? len : 500),
		    s);
		if (str_has_prefix(buf, "; from ")) {
			snprintf(v->from, sizeof(v->from), "%s", buf + 7);
			cur = v->from;
			cap = sizeof(v->from);
		} else if (str_has_prefix(buf, "; console: ")) {
			snprintf(v->console, sizeof(v->console), "%s", buf + 11);
			cur = v->console;
			cap = sizeof(v->console);
		} else if (str_has_prefix(buf, ";   ") && cur) {
			size_t used = strlen(cur);
			snprintf(cur + used, cap - used, " %s", buf + 4);
		} else {
			cur = NULL;
		}
	}
	free(starts);
}

static int
fix_line(const struct lint_fix *f)
{
	return f->sec && f->key ? conf_key_line(f->sec, f->key) : 0;
}

static const char *
verdict_name(enum lint_verdict v)
{
	switch (v) {
	case LINT_OK: return "ok";
	case LINT_FAIL: return "fail";
	case LINT_UNKNOWN: return "unknown";
	case LINT_NOT_REACHED: return "not_reached";
	}
	return "?";
}

static void
outcome(const struct lint_hop *h, char *out, size_t len)
{
	if (h->verdict != LINT_FAIL)
		snprintf(out, len, "%s", h->verdict == LINT_NOT_REACHED ?
		    "not reached" : verdict_name(h->verdict));
	else if (h->viewer_tls)
		snprintf(out, len, "%sviewer TLS %s", h->refused ?
		    "refused by CloudFront; " : "",
		    errors_tls_reason_name(h->reason));
	else
		snprintf(out, len, "%s%s%s", errors_name(h->code),
		    h->reason ? " " : "", errors_tls_reason_name(h->reason));
}

static void
hop_name(const struct lint_hop *h, char *out, size_t len)
{
	if (h->from == NULL)
		snprintf(out, len, "viewer -> %s", h->to_label);
	else
		snprintf(out, len, "[edge %s] -> [origin %s] -> %s",
		    h->from->sec.name, h->origin->sec.name, h->to_label);
}

static void
print_fix(FILE *f, const char *text, const struct lint_fix *fx,
    const char *tag)
{
	struct vocab v;
	int line = fix_line(fx);

	vocab_of(text, line, &v);
	if (v.from[0])
		fprintf(f, "      %s %s%s%s%s\n", tag, v.from, v.console[0] ?
		    " (" : "", v.console, v.console[0] ? ")" : "");
	if (fx->text[0])
		fprintf(f, "      %s %s%s%d%s\n", v.from[0] ? "  in the lab:" : tag,
		    fx->text, line ? " (line " : "", line, line ? ")" : "");
}

void
lint_report_text(const struct lint_result *r, const char *name,
    const char *text, void *stdio_file)
{
	FILE *f = stdio_file;
	char hn[700], oc[200];

	fprintf(f, "edgesim lint %s: %zu requests, %zu predicted to fail, %zu "
	    "warnings\n", name, r->n, r->failures, r->warnings);
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_request *q = &r->req[i];
		fprintf(f, "\n%s %s (edge %s, port %d): ", q->name, q->path,
		    q->edge->sec.name, q->port);
		if (q->verdict == LINT_OK)
			fprintf(f, "200\n");
		else if (q->verdict == LINT_UNKNOWN)
			fprintf(f, "unknown\n");
		else if (q->status)
			fprintf(f, "%d X-Edgesim-Error: %s\n", q->status, q->error);
		else
			fprintf(f, "the viewer's TLS fails: %s\n", q->viewer_tls);
		for (size_t k = 0; k < q->n_hops; k++) {
			const struct lint_hop *h = &q->hops[k];
			hop_name(h, hn, sizeof(hn));
			outcome(h, oc, sizeof(oc));
			fprintf(f, "  %s %s%s%s: %s\n", q->name, q->path,
			    h->route ? " route " : "", h->route ? h->route : "",
			    hn);
			fprintf(f, "      => %s\n", oc);
			if (h->why[0] && h->verdict != LINT_NOT_REACHED)
				fprintf(f, "      why: %s\n", h->why);
			for (size_t x = 0; x < h->n_fix; x++)
				print_fix(f, text, &h->fix[x], "change:");
			for (size_t x = 0; x < h->n_warn; x++) {
				fprintf(f, "      warning: %s\n", h->warn[x].text);
				if (h->warn[x].fix.sec)
					print_fix(f, text, &h->warn[x].fix, "setting:");
			}
		}
	}
}

static json_t *
fix_json(const char *text, const struct lint_fix *fx)
{
	struct vocab v;
	int line = fix_line(fx);
	json_t *o = json_object();

	vocab_of(text, line, &v);
	if (v.from[0])
		json_object_set_new(o, "field", json_string(v.from));
	if (v.console[0])
		json_object_set_new(o, "console", json_string(v.console));
	if (fx->text[0])
		json_object_set_new(o, "lab", json_string(fx->text));
	if (line)
		json_object_set_new(o, "line", json_integer(line));
	return o;
}

void
lint_report_json(const struct lint_result *r, const char *name,
    const char *text, void *stdio_file)
{
	json_t *root = json_object(), *reqs = json_array();
	char hn[700];

	json_object_set_new(root, "config", json_string(name));
	json_object_set_new(root, "healthy", json_boolean(r->failures == 0));
	json_object_set_new(root, "failures", json_integer((json_int_t)
	    r->failures));
	json_object_set_new(root, "warnings", json_integer((json_int_t)
	    r->warnings));
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_request *q = &r->req[i];
		json_t *jq = json_object(), *hops = json_array();
		json_object_set_new(jq, "edge", json_string(q->edge->sec.name));
		json_object_set_new(jq, "port", json_integer(q->port));
		json_object_set_new(jq, "host", json_string(q->name));
		json_object_set_new(jq, "path", json_string(q->path));
		json_object_set_new(jq, "outcome", json_string(verdict_name(
		    q->verdict)));
		if (q->status)
			json_object_set_new(jq, "status", json_integer(q->status));
		if (q->error[0])
			json_object_set_new(jq, "error", json_string(q->error));
		if (q->viewer_tls[0])
			json_object_set_new(jq, "viewer_tls",
			    json_string(q->viewer_tls));
		for (size_t k = 0; k < q->n_hops; k++) {
			const struct lint_hop *h = &q->hops[k];
			json_t *jh = json_object(), *fixes = json_array(),
			    *warns = json_array();
			hop_name(h, hn, sizeof(hn));
			json_object_set_new(jh, "hop", json_string(hn));
			json_object_set_new(jh, "from", json_string(h->from ?
			    h->from->sec.name : "viewer"));
			if (h->origin)
				json_object_set_new(jh, "origin",
				    json_string(h->origin->sec.name));
			json_object_set_new(jh, "to", json_string(h->to_label));
			if (h->route)
				json_object_set_new(jh, "route", json_string(h->route));
			json_object_set_new(jh, "outcome", json_string(
			    verdict_name(h->verdict)));
			if (h->verdict == LINT_FAIL && !h->viewer_tls)
				json_object_set_new(jh, "code",
				    json_string(errors_name(h->code)));
			if (h->verdict == LINT_FAIL && h->reason)
				json_object_set_new(jh, "reason", json_string(
				    errors_tls_reason_name(h->reason)));
			if (h->viewer_tls)
				json_object_set_new(jh, "viewer_tls", json_true());
			if (h->refused)
				json_object_set_new(jh, "refused", json_true());
			if (h->why[0] && h->verdict != LINT_NOT_REACHED)
				json_object_set_new(jh, "why", json_string(h->why));
			for (size_t x = 0; x < h->n_fix; x++)
				json_array_append_new(fixes, fix_json(text, &h->fix[x]));
			for (size_t x = 0; x < h->n_warn; x++) {
				json_t *w = json_object();
				json_object_set_new(w, "text",
				    json_string(h->warn[x].text));
				if (h->warn[x].fix.sec)
					json_object_set_new(w, "setting", fix_json(text,
					    &h->warn[x].fix));
				json_array_append_new(warns, w);
			}
			json_object_set_new(jh, "fix", fixes);
			json_object_set_new(jh, "warnings", warns);
			json_array_append_new(hops, jh);
		}
		json_object_set_new(jq, "hops", hops);
		json_array_append_new(reqs, jq);
	}
	json_object_set_new(root, "requests", reqs);
	json_dumpf(root, stdio_file, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdio_file);
	json_decref(root);
}
