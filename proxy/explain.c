/*
 * explain.c - read log records back and tell the story of one request.
 *
 * The log is the only record of what happened on the wire, so explain
 * works from it alone: it finds the record carrying the reference, gathers
 * every record of the same request id (the request, its origin handshake
 * or failure), and prints what happened, what the origin presented, why it
 * fails, and the config line that fixes it.
 */
#include "explain.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct why {
	const char *code;
	const char *sub;        /* NULL: any */
	const char *text;
};

static const struct why whys[] = {
	{ "ERR_DNS_FAIL", NULL,
	  "The edge could not turn the origin's host name into an address: "
	  "the name is in neither [resolve] nor DNS. In production: a typo in "
	  "the origin host name, a deleted DNS record, or a private zone the "
	  "CDN cannot see." },
	{ "ERR_CONNECT_FAIL", NULL,
	  "The origin refused the TCP connection (nothing listens on that "
	  "port) or is unreachable. In production: the origin is down, a "
	  "firewall or security group drops the CDN's addresses, or the "
	  "origin port is wrong." },
	{ "ERR_CONNECT_TIMEOUT", NULL,
	  "The TCP connection did not complete within connect_timeout: "
	  "packets are dropped on the way (a firewall that drops instead of "
	  "refusing) or the origin is overloaded." },
	{ "ERR_FWD_SSL_HANDSHAKE", "no_certificate",
	  "The origin ended the TLS handshake before sending any certificate. "
	  "A server that hosts many names (CloudFront, or any SNI-based "
	  "virtual hosting) chooses its certificate from the SNI the client "
	  "sends; without SNI, or with a name it does not serve, it has "
	  "nothing to present and aborts: with an alert (40 "
	  "handshake_failure, or 112 unrecognized_name as nginx's "
	  "ssl_reject_handshake sends), a close or a reset. Akamai reports "
	  "this as ERR_FWD_SSL_HANDSHAKE when \"Use SNI TLS Extension\" is "
	  "off; `openssl s_client` without -servername prints \"no peer "
	  "certificate available\"." },
	{ "ERR_FWD_SSL_HANDSHAKE", "protocol_version",
	  "The edge and the origin have no TLS version in common: the origin "
	  "accepts only versions the edge does not offer (min_tls / max_tls), "
	  "or the reverse." },
	{ "ERR_FWD_SSL_HANDSHAKE", "cert_expired",
	  "The origin's certificate is past its notAfter date. A renewal was "
	  "missed, or the renewed certificate was never loaded by the server." },
	{ "ERR_FWD_SSL_HANDSHAKE", "cert_not_yet_valid",
	  "The origin's certificate is not valid yet (notBefore is in the "
	  "future): issued with a wrong clock or deployed too early, or the "
	  "edge's clock is wrong." },
	{ "ERR_FWD_SSL_HANDSHAKE", "untrusted_issuer",
	  "The origin's certificate chains to a CA the edge does not trust: a "
	  "private CA (like the keytool self-CA of seed 003) that was never "
	  "added to the edge's trust store. CDNs trust public CAs unless told "
	  "otherwise." },
	{ "ERR_FWD_SSL_HANDSHAKE", "self_signed",
	  "The origin presents a self-signed certificate: no CA vouches for "
	  "it. Akamai accepts one only with pinning (\"Specific "
	  "certificates\", verify = pin)." },
	{ "ERR_FWD_SSL_HANDSHAKE", "incomplete_chain",
	  "The origin sent its certificate without the intermediate CA "
	  "certificate that links it to a trusted root. Browsers often hide "
	  "this (they cache intermediates or fetch them); CDNs and API clients "
	  "do not, and fail." },
	{ "ERR_FWD_SSL_HANDSHAKE", "hostname_mismatch",
	  "The origin's certificate does not cover the name the edge expects "
	  "(the SNI it sent, or Akamai's Match CN/SAN names). Often the origin "
	  "served its default certificate because the name is not configured "
	  "on it: CloudFront serves *.cloudfront.net for a name that is not "
	  "one of the distribution's alternate domain names." },
	{ "ERR_FWD_SSL_HANDSHAKE", "pin_mismatch",
	  "The origin's certificate is not the pinned one. A pin names the "
	  "leaf itself (Akamai compares its SHA-1), so any renewal or "
	  "rotation on the origin breaks it, even to a perfectly valid "
	  "certificate; CloudFront rotates its certificates without notice "
	  "(seed 003)." },
	{ "ERR_FWD_SSL_HANDSHAKE", "revoked",
	  "The origin's certificate is on its CA's revocation list: it was "
	  "revoked, after a key compromise or a re-issue." },
	{ "ERR_FWD_SSL_HANDSHAKE", "client_cert_required",
	  "The origin requires a client certificate (mutual TLS) and the edge "
	  "presented none, so it refused the handshake (alert 116 "
	  "certificate_required in TLS 1.3, 40 or 42 in TLS 1.2)." },
	{ "ERR_FWD_SSL_HANDSHAKE", NULL,
	  "The TLS handshake with the origin failed; the detail says how." },
	{ "ERR_READ_TIMEOUT", NULL,
	  "The origin accepted the connection but did not answer within "
	  "read_timeout." },
	{ "ERR_READ_ERROR", NULL,
	  "The connection to the origin broke (reset or closed) before the "
	  "response was complete." },
	{ "ERR_ZERO_SIZE_OBJECT", NULL,
	  "The origin closed the connection without sending any response." },
	{ "ERR_BAD_RESPONSE", NULL,
	  "The origin's response was not valid HTTP/1.1." },
	{ "ERR_HOST_NOT_SERVED", NULL,
	  "The request's Host is not a host or alias of this edge. CloudFront "
	  "answers 403 for a Host that is not one of the distribution's "
	  "alternate domain names; Akamai answers 400 Invalid URL." },
	{ "ERR_BAD_REQUEST", NULL,
	  "The viewer's request was malformed (the detail says how) and was "
	  "refused before reaching any origin." },
	{ "ERR_REQUEST_TIMEOUT", NULL,
	  "The viewer did not send a complete request head within "
	  "header_timeout." },
	{ "ERR_LOOP_DETECTED", NULL,
	  "The request had already passed through too many proxies: the "
	  "chain routes back into itself." },
};

const char *
explain_why(const char *code, const char *sub)
{
	if (sub && strncmp(sub, "alert:", 6) == 0)
		return "The origin sent a TLS alert after its certificate: it "
		    "refused something the edge did (a cipher, a client "
		    "certificate, a parameter).";
	for (size_t i = 0; i < ES_ARRAY_LEN(whys); i++) {
		if (strcmp(whys[i].code, code) != 0)
			continue;
		if (whys[i].sub == NULL || (sub && (strcmp(whys[i].sub, sub) == 0)))
			return whys[i].text;
	}
	return NULL;
}

static void
fields_add(struct log_fields *f, const char *k, size_t kn, const char *v,
    size_t vn)
{
	f->keys = xrealloc(f->keys, (f->n + 1) * sizeof(*f->keys));
	f->vals = xrealloc(f->vals, (f->n + 1) * sizeof(*f->vals));
	f->keys[f->n] = xstrndup(k, kn);
	f->vals[f->n] = xstrndup(v, vn);
	f->n++;
}

/* Decode a JSON string starting after its opening quote; returns the
 * position after the closing quote, or NULL. */
static const char *
json_string(const char *p, struct sbuf *out)
{
	while (*p && *p != '"') {
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': sbuf_addc(out, '\n'); break;
			case 'r': sbuf_addc(out, '\r'); break;
			case 't': sbuf_addc(out, '\t'); break;
			case 'u': {
				char hex[5] = { 0 };
				for (int i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)p[1 + i]))
						return NULL;
					hex[i] = p[1 + i];
				}
				long c = strtol(hex, NULL, 16);
				sbuf_addc(out, (char)(c < 0x80 ? c : '?'));
				p += 4;
				break;
			}
			case '\0': return NULL;
			default: sbuf_addc(out, *p);
			}
			p++;
		} else {
			sbuf_addc(out, *p++);
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static int
parse_json(const char *p, struct log_fields *f)
{
	struct sbuf k, v;

	p++;
	sbuf_init(&k);
	sbuf_init(&v);
	while (*p && *p != '}') {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p != '"')
			break;
		sbuf_reset(&k);
		sbuf_reset(&v);
		if ((p = json_string(p + 1, &k)) == NULL || *p != ':')
			break;
		p++;
		if (*p == '"') {
			if ((p = json_string(p + 1, &v)) == NULL)
				break;
		} else {
			const char *s = p;
			while (*p && *p != ',' && *p != '}')
				p++;
			sbuf_add(&v, s, (size_t)(p - s));
		}
		/* A repeated event or ts: the last one counts, as before,
		 * without leaking the first. */
		if (k.s && strcmp(k.s, "event") == 0) {
			free(f->event);
			f->event = xstrdup(v.s ? v.s : "");
		} else if (k.s && strcmp(k.s, "ts") == 0) {
			free(f->ts);
			f->ts = xstrdup(v.s ? v.s : "");
		} else {
			fields_add(f, k.s ? k.s : "", k.len, v.s ? v.s : "", v.len);
		}
	}
	sbuf_free(&k);
	sbuf_free(&v);
	if (f->event == NULL) {
		/* Not a record: callers free nothing, so keep nothing. */
		explain_fields_free(f);
		return -1;
	}
	return 0;
}

int
explain_parse_line(const char *line, struct log_fields *f)
{
	memset(f, 0, sizeof(*f));
	if (line[0] == '{')
		return parse_json(line, f);

	/* TIMESTAMP EVENT key=value key="quoted value" ... */
	const char *p = line, *s;
	s = p;
	while (*p && *p != ' ')
		p++;
	if (*p != ' ')
		return -1;
	f->ts = xstrndup(s, (size_t)(p - s));
	s = ++p;
	while (*p && *p != ' ' && *p != '\n')
		p++;
	f->event = xstrndup(s, (size_t)(p - s));
	struct sbuf v;
	sbuf_init(&v);
	while (*p == ' ') {
		p++;
		const char *k = p;
		while (*p && *p != '=' && *p != ' ' && *p != '\n')
			p++;
		if (*p != '=')
			break;
		size_t kn = (size_t)(p - k);
		p++;
		sbuf_reset(&v);
		if (*p == '"') {
			if ((p = json_string(p + 1, &v)) == NULL)
				break;
		} else {
			s = p;
			while (*p && *p != ' ' && *p != '\n')
				p++;
			sbuf_add(&v, s, (size_t)(p - s));
		}
		fields_add(f, k, kn, v.s ? v.s : "", v.len);
	}
	sbuf_free(&v);
	return 0;
}

void
explain_fields_free(struct log_fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	free(f->keys);
	free(f->vals);
	free(f->event);
	free(f->ts);
	memset(f, 0, sizeof(*f));
}

const char *
explain_get(const struct log_fields *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	return NULL;
}

static const char *
get_or(const struct log_fields *f, const char *key, const char *dflt)
{
	const char *v = explain_get(f, key);

	return v && *v ? v : dflt;
}


static void
print_story(FILE *out, const char *ref, const struct log_fields *req,
    const struct log_fields *origin)
{
	const struct log_fields *main = req ? req : origin;
	const char *code = get_or(main, "code", NULL);
	const char *sub = get_or(main, "sub", NULL);
	if (code == NULL && origin) {
		/* A tunnel's record has no code; its origin hop does. */
		code = get_or(origin, "code", NULL);
		sub = get_or(origin, "sub", NULL);
	}
	struct sbuf b;

	sbuf_init(&b);
	fprintf(out, "Reference %s\n", ref);
	if (req && strcmp(req->event, "tunnel") == 0) {
		fprintf(out, "  %s  a TCP tunnel (mode = tcp) through edge %s\n",
		    req->ts ? req->ts : "", get_or(req, "edge", "?"));
		fprintf(out, "  viewer %s, SNI %s, host %s, origin %s\n",
		    get_or(req, "client", "?"), get_or(req, "sni", "-"),
		    get_or(req, "host", "-"), get_or(req, "origin", "-"));
		fprintf(out, "  result %s: %s bytes up, %s bytes down\n",
		    get_or(req, "result", "?"), get_or(req, "bytes_up", "0"),
		    get_or(req, "bytes_down", "0"));
	} else if (req) {
		fprintf(out, "  %s  %s %s  Host %s\n", req->ts ? req->ts : "",
		    get_or(req, "method", "?"), get_or(req, "path", "?"),
		    get_or(req, "host", "-"));
		fprintf(out, "  viewer %s, SNI %s, edge %s\n",
		    get_or(req, "client", "?"), get_or(req, "sni", "-"),
		    get_or(req, "edge", "?"));
		fprintf(out, "  answered %s%s%s%s%s\n", get_or(req, "status", "?"),
		    code ? ": " : "", code ? code : "", sub ? "; " : "",
		    sub ? sub : "");
	}
	if (origin) {
		fprintf(out, "\nThe origin hop\n");
		fprintf(out, "  %s, address %s (at %s)\n",
		    get_or(origin, "hop", "?"), get_or(origin, "address", "?"),
		    get_or(origin, "connect", "-"));
		if (strcmp(get_or(origin, "tls", "no"), "yes") == 0 &&
		    explain_get(origin, "sni_sent")) {
			const char *sni = get_or(origin, "sni_sent", "-");
			fprintf(out, "  TLS, SNI sent: %s, verify = %s\n",
			    strcmp(sni, "-") == 0 ? "none (SNI off)" : sni,
			    get_or(origin, "verify", "?"));
			if (explain_get(origin, "alert_received"))
				fprintf(out, "  alert received from the origin: %s\n",
				    explain_get(origin, "alert_received"));
			const char *subj = get_or(origin, "cert_subject", "-");
			if (strcmp(subj, "-") == 0) {
				fprintf(out, "  the origin presented no certificate\n");
			} else {
				fprintf(out, "  the origin presented:\n");
				fprintf(out, "    subject   %s\n", subj);
				fprintf(out, "    SANs      %s\n",
				    get_or(origin, "cert_sans", "-"));
				fprintf(out, "    issuer    %s\n",
				    get_or(origin, "cert_issuer", "-"));
				fprintf(out, "    valid     %s .. %s\n",
				    get_or(origin, "cert_not_before", "?"),
				    get_or(origin, "cert_not_after", "?"));
				fprintf(out, "    SHA-1     %s\n",
				    get_or(origin, "cert_sha1", "-"));
				fprintf(out, "    SHA-256   %s\n",
				    get_or(origin, "cert_sha256", "-"));
				fprintf(out, "    SPKI      %s\n",
				    get_or(origin, "cert_spki", "-"));
				fprintf(out, "    verification: %s\n",
				    get_or(origin, "verify_result", "-"));
			}
		}
	}
	const char *detail = get_or(origin && explain_get(origin, "detail") ?
	    origin : main, "detail", NULL);
	if (detail) {
		fprintf(out, "\nWhat failed\n");
		text_wrap(out, "  ", detail, 76);
	}
	const char *why = code ? explain_why(code, sub) : NULL;
	if (why) {
		fprintf(out, "\nWhy\n");
		text_wrap(out, "  ", why, 76);
	}
	const char *fix = origin ? explain_get(origin, "fix") : NULL;
	if (fix) {
		fprintf(out, "\nFix\n");
		text_wrap(out, "  ", fix, 76);
	}
	int status = atoi(get_or(main, "status", "0"));
	if (code == NULL && status >= 400)
		fprintf(out, "\nThis edge passed on an error answer (%d) from its "
		    "origin, unchanged, as CDNs do. In a chain, the answer's "
		    "X-Edgesim-Ref names the edge that made it: explain that "
		    "reference with that edge's log.\n", status);
	else if (code == NULL && strcmp(get_or(main, "result", "ok"), "ok") == 0)
		fprintf(out, "\nNo error: the request succeeded.\n");
	sbuf_free(&b);
}

int
explain_ref(const char *log_path, const char *ref, FILE *out)
{
	FILE *f = fopen(log_path, "r");
	char *line = NULL;
	size_t cap = 0;
	char *id = NULL;
	struct log_fields req = { 0 }, origin = { 0 };
	bool have_req = false, have_origin = false;

	if (f == NULL) {
		fprintf(stderr, "edgesim: cannot read the log %s: %s\n", log_path,
		    strerror(errno));
		return 2;
	}
	/* First pass: the id of the record that carries ref. */
	while (getline(&line, &cap, f) > 0 && id == NULL) {
		struct log_fields lf;
		if (strstr(line, ref) == NULL ||
		    explain_parse_line(line, &lf) < 0)
			continue;
		const char *r = explain_get(&lf, "ref");
		const char *i = explain_get(&lf, "id");
		if (r && i && strcmp(r, ref) == 0)
			id = xstrdup(i);
		explain_fields_free(&lf);
	}
	if (id == NULL) {
		fclose(f);
		free(line);
		return 1;
	}
	/* Second pass: every record of that request (the last of each). */
	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		struct log_fields lf;
		if (strstr(line, id) == NULL || explain_parse_line(line, &lf) < 0)
			continue;
		const char *i = explain_get(&lf, "id");
		if (i == NULL || strcmp(i, id) != 0) {
			explain_fields_free(&lf);
		} else if (strcmp(lf.event, "request") == 0 ||
		    strcmp(lf.event, "tunnel") == 0) {
			explain_fields_free(&req);
			req = lf;
			have_req = true;
		} else if (strcmp(lf.event, "origin") == 0) {
			explain_fields_free(&origin);
			origin = lf;
			have_origin = true;
		} else {
			explain_fields_free(&lf);
		}
	}
	fclose(f);
	free(line);
	free(id);
	if (!have_req && !have_origin)
		return 1;
	print_story(out, ref, have_req ? &req : NULL,
	    have_origin ? &origin : NULL);
	explain_fields_free(&req);
	explain_fields_free(&origin);
	return 0;
}
