/*
 * resolve.c - [resolve], literals and evdns.
 */
#include "resolve.h"

#include <arpa/inet.h>
#include <event2/dns.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct resolve_req {
	struct evdns_getaddrinfo_request *dns;
	resolve_cb cb;
	void *arg;
	int port;
	bool in_start;                  /* evdns answered before returning */
	bool sync_done;
	const char *sync_err;
	struct sockaddr_storage sync_sa;
	socklen_t sync_len;
	char cname[256];
};

static int
literal(const char *host, int port, struct sockaddr_storage *sa,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 1;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 1;
	}
	return 0;
}

static void
dns_done(int result, struct evutil_addrinfo *res, void *arg)
{
	struct resolve_req *r = arg;
	struct sockaddr_storage ss;
	const char *why = NULL;
	socklen_t len = 0;

	if (result == EVUTIL_EAI_CANCEL) {
		if (res)
			evutil_freeaddrinfo(res);
		free(r);
		return;
	}
	memset(&ss, 0, sizeof(ss));
	if (result != 0 || res == NULL) {
		why = result == EVUTIL_EAI_NONAME ? "NXDOMAIN" :
		    evutil_gai_strerror(result);
	} else {
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		len = (socklen_t)res->ai_addrlen;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port =
			    htons((uint16_t)r->port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons((uint16_t)r->port);
	}
	if (res && res->ai_canonname)
		snprintf(r->cname, sizeof(r->cname), "%s", res->ai_canonname);
	if (res)
		evutil_freeaddrinfo(res);
	if (r->in_start) {
		/* resolve_start reports it; calling back now would re-enter
		 * the caller before it knows a lookup exists. */
		r->sync_done = true;
		r->sync_err = why;
		r->sync_sa = ss;
		r->sync_len = len;
		return;
	}
	r->cb(r->arg, why, why ? NULL : (struct sockaddr *)&ss, len,
	    r->cname[0] ? r->cname : NULL);
	free(r);
}

int
resolve_start(struct evdns_base *dns, const struct config *cfg, const char *name,
    int port, struct sockaddr_storage *sa, socklen_t *len, resolve_cb cb,
    void *arg, struct resolve_req **req, struct es_err *err)
{
	const struct conf_resolve *m = config_find_resolve(cfg, name);

	*req = NULL;
	if (m) {
		if (literal(m->host, m->port ? m->port : port, sa, len))
			return 1;
		return es_errf(err, "[resolve] %s maps to '%s', not an address",
		    name, m->host);
	}
	if (literal(name, port, sa, len))
		return 1;
	return resolve_dns(dns, name, port, sa, len, NULL, 0, cb, arg, req, err);
}

int
resolve_dns(struct evdns_base *dns, const char *name, int port,
    struct sockaddr_storage *sa, socklen_t *len, char *cname,
    size_t cname_len, resolve_cb cb, void *arg, struct resolve_req **req,
    struct es_err *err)
{
	*req = NULL;
	/* Without a nameserver evdns would hold the lookup forever. */
	if (dns == NULL || evdns_base_count_nameservers(dns) == 0)
		return es_errf(err, "%s is not in [resolve] and no DNS "
		    "nameserver is configured ([edgesim] nameserver)", name);

	struct resolve_req *r = xcalloc(1, sizeof(*r));
	struct evutil_addrinfo hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG |
	    (cname ? EVUTIL_AI_CANONNAME : 0);
	r->cb = cb;
	r->arg = arg;
	r->port = port;
	/* evdns may answer before returning (and then returns NULL): its
	 * callback only records the answer then, returned from here. */
	r->in_start = true;
	r->dns = evdns_getaddrinfo(dns, name, NULL, &hints, dns_done, r);
	r->in_start = false;
	if (r->sync_done) {
		int rc = r->sync_err ? es_errf(err, "%s", r->sync_err) : 1;
		if (rc == 1) {
			*sa = r->sync_sa;
			*len = r->sync_len;
			if (cname)
				snprintf(cname, cname_len, "%s", r->cname);
		}
		free(r);
		return rc;
	}
	if (r->dns == NULL) {
		free(r);
		return es_errf(err, "cannot start a DNS lookup for %s", name);
	}
	*req = r;
	return 0;
}

void
resolve_cancel(struct resolve_req *req)
{
	if (req && req->dns)
		evdns_getaddrinfo_cancel(req->dns);
}

void
resolve_addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, ntohs(s->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, ntohs(s->sin6_port));
	} else {
		snprintf(out, len, "?");
	}
}
