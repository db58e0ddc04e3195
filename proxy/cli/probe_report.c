/*
 * probe_report.c - the report of `edgesim probe`: every handshake's facts
 * (result, chain with each certificate's names, dates and digests, the
 * verify, name and pin checks, the verdict as an edge logs it), then the
 * diagnosis (probe_diagnosis.c); as text for a terminal, or as one JSON
 * document whose fields docs/probe.md documents. What comes from the
 * server (certificate names, errors) is untrusted: the text cleans it of
 * control bytes, the JSON escapes it.
 */
#include "probe_private.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certinfo.h"
#include "errors.h"
#include "tls_common.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Text */

/* Control bytes of untrusted strings (certificate names) become \xNN. */
static void
clean(const char *s, struct sbuf *b)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			sbuf_addf(b, "\\x%02x", c);
		else
			sbuf_addc(b, (char)c);
	}
}

/* before, s cleaned, after. */
static void
put(FILE *out, const char *before, const char *s, const char *after)
{
	struct sbuf b;

	sbuf_init(&b);
	clean(s, &b);
	fprintf(out, "%s%s%s", before, b.s ? b.s : "", after);
	sbuf_free(&b);
}

/* Text wrapped at 76 columns under an indent, cleaned for a terminal. */
static void
wrap(FILE *out, const char *indent, const char *text)
{
	struct sbuf b;

	sbuf_init(&b);
	clean(text, &b);
	text_wrap(out, indent, b.s ? b.s : "", 76);
	sbuf_free(&b);
}

static void
text_cert(FILE *out, int i, const struct certinfo *c)
{
	struct sbuf sans;
	char when[48];

	sbuf_init(&sans);
	certinfo_sans_plain(c, &sans);
	fprintf(out, "    [%d] ", i);
	put(out, "", c->subject, "\n");
	put(out, "        SANs      ", sans.len ? sans.s : "none", "\n");
	put(out, "        issuer    ", c->issuer, "\n");
	probe_days_phrase(c->not_after, when, sizeof(when));
	fprintf(out, "        valid     %s to %s (%s %s)\n", c->not_before_str,
	    c->not_after_str, c->not_after < time(NULL) ? "expired" :
	    "expires", when);
	fprintf(out, "        key       %s\n", c->key_type);
	fprintf(out, "        SHA-1     %s\n", c->sha1);
	fprintf(out, "        SHA-256   %s\n", c->sha256);
	fprintf(out, "        SPKI      %s\n", c->spki_sha256);
	sbuf_free(&sans);
}

static void
text_handshake(FILE *out, const struct probe *p, const struct hs *h)
{
	const struct blocking_client_result *r = &h->r;

	if (h->sni)
		put(out, "\nWith SNI ", h->sni, "\n");
	else
		fprintf(out, "\nWithout SNI\n");
	if (!h->connected) {
		put(out, "  result    no connection: ", r->connect_error, "\n");
		return;
	}
	if (r->handshake_ok) {
		fprintf(out, "  result    ok: %s, %s, ALPN %s\n", r->tls_version,
		    r->cipher, r->alpn[0] ? r->alpn : "none");
	} else {
		fprintf(out, "  result    failed: ");
		if (r->not_tls)
			fprintf(out, "not a TLS server");
		else if (r->alert_received > 0)
			fprintf(out, "alert %d %s", r->alert_received,
			    tls_alert_name(r->alert_received));
		else
			put(out, "", r->tls_error, "");
		fprintf(out, ", %s\n", r->failed_after_handshake ? "after the "
		    "handshake (TLS 1.3: the verdict on the client certificate)" :
		    h->got_cert ? "after the certificate" :
		    "before any certificate");
	}
	if (!h->got_cert) {
		fprintf(out, "  chain     none: no certificate was sent\n");
	} else {
		fprintf(out, "  chain     %d certificate%s as sent, %s\n",
		    r->chain_len, r->chain_len == 1 ? "" : "s",
		    h->chain_complete ? "complete" : "incomplete (the "
		    "intermediate is missing)");
		for (int i = 0; i < r->chain_len; i++)
			text_cert(out, i, &r->chain[i]);
		if (h->chain_reason == ES_TLS_NONE)
			put(out, "  verify    ok against ", p->trust, "\n");
		else
			fprintf(out, "  verify    failed: %s (%s)\n",
			    r->verify_error,
			    errors_tls_reason_name(h->chain_reason));
		if (h->name_matched)
			put(out, "  names     ok: ", h->name_matched, "\n");
		else
			put(out, "  names     failed: ", p->names_text,
			    " not in the SANs\n");
		if (p->o->n_pins == 0)
			fprintf(out, "  pin       not checked (no --pin)\n");
		else if (h->pin_ok)
			fprintf(out, "  pin       ok: %s\n", h->pin_matched);
		else
			fprintf(out, "  pin       failed: presented %s\n",
			    h->pin_presented);
	}
	if (h->reason == ES_TLS_NONE)
		fprintf(out, "  verdict   ok\n");
	else
		put(out, "  verdict   ", h->verdict, "\n");
	if (h->detail.len)
		put(out, "            (as an edge logs it: ", h->detail.s, ")\n");
}

void
probe_report_text(FILE *out, const struct probe *p)
{
	const struct probe_opts *o = p->o;

	put(out, "edgesim probe ", o->host, "");
	fprintf(out, ":%d", o->port);
	if (p->hs[0].r.peer[0])
		fprintf(out, ", connected to %s", p->hs[0].r.peer);
	fprintf(out, "\n");
	put(out, "  trust: ", p->trust, "");
	put(out, "; names checked: ", p->names_text, "");
	fprintf(out, "; pins: %zu\n", o->n_pins);
	if (o->sni_mode == PROBE_SNI_BOTH && p->host_is_ip)
		put(out, "  ", o->host, " is an address: no SNI is sent (give "
		    "a name with --sni NAME)\n");
	for (int i = 0; i < p->n_hs; i++)
		text_handshake(out, p, &p->hs[i]);
	fprintf(out, "\nDiagnosis\n");
	for (size_t i = 0; i < p->diag.n; i++) {
		if (i)
			fputc('\n', out);
		wrap(out, "  ", p->diag.v[i]);
	}
}

/* ------------------------------------------------------------------ */
/* JSON: field names are documented in docs/probe.md, and stable. */

/* A key, with the comma a previous member needs. */
static void
jkey(struct sbuf *b, const char *k)
{
	char last = b->len ? b->s[b->len - 1] : '{';

	if (last != '{' && last != '[')
		sbuf_addc(b, ',');
	if (k)
		sbuf_addf(b, "\"%s\":", k);
}

static void
jstr(struct sbuf *b, const char *k, const char *v)
{
	jkey(b, k);
	if (v == NULL) {
		sbuf_adds(b, "null");
		return;
	}
	sbuf_addc(b, '"');
	sbuf_add_json_escaped(b, v, strlen(v));
	sbuf_addc(b, '"');
}

/* A key and a value written as is: a number, true, null, or "{" / "[". */
static void
jraw(struct sbuf *b, const char *k, const char *raw)
{
	jkey(b, k);
	sbuf_adds(b, raw);
}

static void
jbool(struct sbuf *b, const char *k, bool v)
{
	jraw(b, k, v ? "true" : "false");
}

static void
jlist(struct sbuf *b, const char *k, const struct strlist *l)
{
	jraw(b, k, "[");
	for (size_t i = 0; i < l->n; i++)
		jstr(b, NULL, l->v[i]);
	sbuf_addc(b, ']');
}

static void
json_cert(struct sbuf *b, const struct certinfo *c)
{
	char days[24];

	snprintf(days, sizeof(days), "%ld", probe_days_to(c->not_after));
	jraw(b, NULL, "{");
	jstr(b, "subject", c->subject);
	jlist(b, "sans", &c->sans);
	jstr(b, "issuer", c->issuer);
	jstr(b, "serial", c->serial);
	jstr(b, "not_before", c->not_before_str);
	jstr(b, "not_after", c->not_after_str);
	jraw(b, "days_left", days);
	jstr(b, "key", c->key_type);
	jstr(b, "sha1", c->sha1);
	jstr(b, "sha256", c->sha256);
	jstr(b, "spki", c->spki_sha256);
	jbool(b, "self_signed", c->self_signed);
	jbool(b, "is_ca", c->is_ca);
	sbuf_addc(b, '}');
}

static void
json_handshake(struct sbuf *b, const struct probe *p, const struct hs *h)
{
	const struct blocking_client_result *r = &h->r;
	bool failed = h->connected && !r->handshake_ok;

	jraw(b, NULL, "{");
	jstr(b, "sni", h->sni);
	jstr(b, "result", !h->connected ? "no_connection" : failed ? "failed" :
	    "ok");
	jstr(b, "error", !h->connected ? r->connect_error : failed ?
	    r->tls_error : NULL);
	jstr(b, "ended_by", !failed ? NULL : r->not_tls ? "not_tls" :
	    r->alert_received > 0 ? "alert" : r->reset_in_handshake ? "reset" :
	    r->eof_in_handshake ? "close" : "error");
	jkey(b, "alert");
	if (r->alert_received > 0) {
		sbuf_addf(b, "{\"code\":%d", r->alert_received);
		jstr(b, "name", tls_alert_name(r->alert_received));
		jstr(b, "when", r->failed_after_handshake ? "after_handshake" :
		    h->got_cert ? "after_certificate" : "before_certificate");
		sbuf_addc(b, '}');
	} else {
		sbuf_adds(b, "null");
	}
	jstr(b, "protocol", r->tls_version[0] ? r->tls_version : NULL);
	jstr(b, "cipher", r->cipher[0] ? r->cipher : NULL);
	jstr(b, "alpn", r->alpn[0] ? r->alpn : NULL);
	jbool(b, "client_cert_requested", r->cert_requested);
	jstr(b, "peer", r->peer[0] ? r->peer : NULL);
	jraw(b, "chain", "[");
	for (int i = 0; h->got_cert && i < r->chain_len; i++)
		json_cert(b, &r->chain[i]);
	sbuf_addc(b, ']');
	jbool(b, "chain_complete", h->chain_complete);
	jraw(b, "verify", "{");
	jbool(b, "ok", h->got_cert && h->chain_reason == ES_TLS_NONE);
	jstr(b, "error", !h->got_cert ? "no certificate was presented" :
	    h->chain_reason == ES_TLS_NONE ? NULL : r->verify_error);
	jstr(b, "reason", h->chain_reason == ES_TLS_NONE ? NULL :
	    errors_tls_reason_name(h->chain_reason));
	sbuf_addc(b, '}');
	jraw(b, "name_check", "{");
	jlist(b, "names", &p->names);
	jbool(b, "ok", h->name_matched != NULL);
	jstr(b, "matched", h->name_matched);
	sbuf_addc(b, '}');
	jraw(b, "pin_check", "{");
	jbool(b, "checked", p->o->n_pins > 0 && h->got_cert);
	jraw(b, "ok", p->o->n_pins == 0 || !h->got_cert ? "null" :
	    h->pin_ok ? "true" : "false");
	jlist(b, "pins", &p->pin_text);
	jstr(b, "matched", h->pin_matched);
	jstr(b, "presented", h->got_cert ? h->pin_presented : NULL);
	sbuf_addc(b, '}');
	jstr(b, "verdict", h->verdict);
	jstr(b, "detail", h->detail.len ? h->detail.s : NULL);
	sbuf_addc(b, '}');
}

void
probe_report_json(FILE *out, const struct probe *p)
{
	const struct probe_opts *o = p->o;
	struct sbuf b, t;
	char port[16];

	sbuf_init(&b);
	sbuf_init(&t);
	snprintf(port, sizeof(port), "%d", o->port);
	sbuf_adds(&b, "{\"target\":{");
	jstr(&b, "host", o->host);
	jraw(&b, "port", port);
	jstr(&b, "connect", p->connect);
	jstr(&b, "sni_mode", o->sni_mode == PROBE_SNI_BOTH ? "both" :
	    o->sni_mode == PROBE_SNI_NAME ? "name" : "none");
	jstr(&b, "trust", o->ca == PROBE_CA_LAB ? "lab" :
	    o->ca == PROBE_CA_FILE ? "file" : "system");
	jstr(&b, "ca_file", o->ca == PROBE_CA_SYSTEM ? NULL : p->ca_path);
	jlist(&b, "names", &p->names);
	jlist(&b, "pins", &p->pin_text);
	jstr(&b, "tls_version", o->tls_version == 12 ? "1.2" :
	    o->tls_version == 13 ? "1.3" : NULL);
	jstr(&b, "client_cert", o->client_cert);
	sbuf_adds(&b, "},\"handshakes\":[");
	for (int i = 0; i < p->n_hs; i++)
		json_handshake(&b, p, &p->hs[i]);
	sbuf_addc(&b, ']');
	jraw(&b, "comparison", p->n_hs == 2 ? "{" : "null");
	if (p->n_hs == 2) {
		jbool(&b, "sni_required", p->sni_required);
		jraw(&b, "same_certificate", p->same_cert < 0 ? "null" :
		    p->same_cert ? "true" : "false");
		sbuf_addc(&b, '}');
	}
	jstr(&b, "verdict", p->hs[0].verdict);
	probe_join(&p->diag, "\n", &t);
	jstr(&b, "diagnosis", t.s ? t.s : "");
	jbool(&b, "ok", p->hs[0].reason == ES_TLS_NONE);
	sbuf_adds(&b, "}\n");
	fputs(b.s, out);
	sbuf_free(&b);
	sbuf_free(&t);
}
