/*
 * config.h - the parsed configuration: what the INI file says, validated.
 *
 * A config is parsed into a fresh struct config and is only handed over when
 * every check passed, so a SIGHUP with a broken file never disturbs the
 * running one. The keys, their types, bounds, defaults and documentation
 * live in one table (config_keys.c); this file holds the result.
 *
 * Cross references (a host's edge, a route's origin) are resolved to
 * pointers in the second pass, so runtime code never looks names up.
 */
#ifndef EDGESIM_CONFIG_H
#define EDGESIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pki.h"
#include "util.h"

#define CONF_NAME_MAX 256
/* Upper bound of keys in the table; every section remembers each key's line. */
#define CONF_KEYS_MAX 96

enum conf_section_kind {
	CONF_SEC_GLOBAL,        /* [edgesim] */
	CONF_SEC_RESOLVE,       /* [resolve]: free-form NAME = ADDR[:PORT] */
	CONF_SEC_EDGE,          /* [edge NAME] */
	CONF_SEC_HOST,          /* [host NAME] */
	CONF_SEC_ORIGIN,        /* [origin NAME] */
	CONF_SEC_FORWARD_PROXY, /* [forward_proxy] */
	CONF_SEC_COUNT
};

enum persona {
	PERSONA_PLAIN,
	PERSONA_AKAMAI,
	PERSONA_CLOUDFRONT,
};

enum edge_mode {
	EDGE_MODE_HTTP,         /* HTTP/1.1 reverse proxy */
	EDGE_MODE_TCP,          /* bytes piped after TLS termination */
};

/* What a viewer that sent no SNI gets. */
enum no_sni_action {
	NO_SNI_DEFAULT,         /* the edge's default certificate */
	NO_SNI_REJECT,          /* fatal alert 40 (handshake_failure), no certificate */
	NO_SNI_CLOSE,           /* FIN, no alert */
	NO_SNI_RESET,           /* RST (SO_LINGER 0), no alert */
};

enum unknown_sni_action {
	UNKNOWN_SNI_DEFAULT,
	UNKNOWN_SNI_REJECT,
};

enum client_auth {
	CLIENT_AUTH_NONE,
	CLIENT_AUTH_OPTIONAL,
	CLIENT_AUTH_REQUIRE,
};

enum origin_type {
	ORIGIN_TYPE_PROXY,      /* a server at `address` */
	ORIGIN_TYPE_ECHO,       /* built in: answers with what arrived */
	ORIGIN_TYPE_STATIC,     /* built in: files under `root` */
};

enum origin_sni {
	ORIGIN_SNI_ON,          /* the host of `address` */
	ORIGIN_SNI_OFF,         /* no SNI extension at all */
	ORIGIN_SNI_HOST,        /* the Host the viewer sent */
	ORIGIN_SNI_NAME,        /* a fixed name (sni_name) */
};

enum verify_mode {
	VERIFY_FULL,            /* chain to a trust anchor, names and dates */
	VERIFY_CHAIN,           /* chain and dates, no name check */
	VERIFY_PIN,             /* the pin alone */
	VERIFY_NONE,
};

enum host_header_mode {
	HOST_HEADER_PERSONA,    /* the persona's default: akamai incoming, else origin */
	HOST_HEADER_INCOMING,   /* as the viewer sent it */
	HOST_HEADER_ORIGIN,     /* the host of the origin's address */
	HOST_HEADER_NAME,       /* a fixed name (host_header_name) */
};

/* The path an origin is sent: routes always match the normalised one. */
enum forward_path {
	FORWARD_PATH_RAW,       /* as the viewer sent it (CloudFront's way) */
	FORWARD_PATH_NORMALIZED,/* RFC 3986 normalised (path.h), query raw */
};

enum ca_source {
	CA_LAB,                 /* PKI/ca.pem */
	CA_SYSTEM,              /* OpenSSL's default paths */
	CA_FILE,                /* ca_file */
};

enum staging {
	STAGING_NONE,
	STAGING_AKAMAI,         /* go to the host's Akamai staging twin */
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/* Where a certificate and its key come from. */
enum cert_source {
	CERT_NONE,
	CERT_LAB,               /* issued by the lab PKI for names (variant) */
	CERT_FILE,              /* loaded as is from cert_file / key_file */
	CERT_HOST,              /* default_cert only: the certificate of a host */
};

struct cert_spec {
	enum cert_source source;
	enum pki_variant variant;
	char *lab_name;         /* CERT_LAB "lab:NAME": for NAME alone; NULL: the owner's names */
	char *cert_file;
	char *key_file;
	char *host_name;        /* CERT_HOST */
	int line;
};

/* Shared head of every section: its name and where each key was set. */
struct conf_sec {
	enum conf_section_kind kind;
	char *name;             /* "akamai" for [edge akamai]; NULL for [edgesim] */
	int line;               /* of the [section] header */
	int key_line[CONF_KEYS_MAX];    /* 0: not set in the file */
};

struct conf_global {
	struct conf_sec sec;
	char *pki;
	char *log;
	enum log_format log_format;
	enum pki_key_type key_type;
	int64_t workers;
	int64_t header_timeout_ms;
	int64_t idle_timeout_ms;
	int64_t shutdown_timeout_ms;
	int64_t max_header_size;
	int64_t max_connections;
	char *nameserver;
	char *admin;            /* ADDR:PORT of the admin listener; NULL: off */
	char *admin_token;      /* a secret: never logged nor shown */
	int64_t admin_clients;
	char admin_host[64];    /* admin, parsed (config_check.c) */
	int admin_port;
	/* HTTP/2 to viewers: limits per connection */
	int64_t http2_max_streams;      /* SETTINGS_MAX_CONCURRENT_STREAMS */
	int64_t http2_max_resets;       /* RST_STREAM per 10 s */
	int64_t http2_max_control;      /* SETTINGS and PING per 10 s */
	int64_t http2_max_continuations;/* CONTINUATION per header block */
	int64_t http2_stall_timeout_ms; /* response data, window shut */
};

struct conf_resolve {
	char *name;             /* lowercased */
	char *host;             /* an address literal */
	int port;               /* 0: keep the origin's port */
	int line;
};

struct conf_listen {
	char *text;             /* as written, for messages */
	char host[64];
	int port;
	int line;
};

struct conf_host;

struct conf_edge {
	struct conf_sec sec;
	size_t index;           /* in config.edges */
	bool disabled;          /* not run by this process (run --edge) */
	enum persona persona;
	struct strlist listen_text;
	struct conf_listen *listen;
	size_t n_listen;
	enum edge_mode mode;
	enum no_sni_action no_sni;
	enum unknown_sni_action unknown_sni;
	char *default_cert_text;
	char *default_cert_file;
	char *default_cert_key;
	struct cert_spec default_cert;
	bool strict_aliases;
	enum client_auth client_auth;
	char *client_ca;
	int64_t min_tls;        /* TLS1_VERSION .. TLS1_3_VERSION */
	int64_t max_tls;
	char *ciphers;
	char *ciphersuites;
	char *groups;
	char *http2_text;       /* on | off; NULL: the persona's default */
	bool http2;             /* ALPN offers h2 (mode = http only) */
	struct conf_host **hosts;       /* in file order */
	size_t n_hosts;
};

struct conf_origin;

struct conf_route {
	char *pattern;
	char *origin_name;
	struct conf_origin *origin;
	int line;
};

struct conf_host {
	struct conf_sec sec;    /* sec.name is the host name, lowercased */
	struct strlist edge_names;      /* the edges (nodes) that serve it */
	struct strlist aliases; /* lowercased */
	char *cert_text;
	char *key_file;
	struct cert_spec cert;
	char *origin_name;
	struct conf_origin *origin;
	struct strlist route_text;
	struct conf_route *routes;
	size_t n_routes;
	enum staging staging;   /* the forward proxy sends it to staging */
	bool forward_user_agent;        /* cloudfront: the viewer's User-Agent
	                                   goes to the origin */
};

/* [forward_proxy]: an HTTP proxy (CONNECT and absolute URIs) that sends
 * the config's hosts to their edges, without /etc/hosts. */
struct conf_forward_proxy {
	struct conf_sec sec;
	bool present;
	char *listen_text;
	struct conf_listen listen;
	bool allow_any;
	struct strlist allow_ports_text;
	int *allow_ports;
	size_t n_allow_ports;
	struct strlist hosts;   /* names it also serves (wildcards allowed) */
	enum staging staging;
	int64_t idle_timeout_ms;        /* tunnels, requests, between requests */
	int64_t read_timeout_ms;        /* a destination's silence, relaying */
};

struct conf_origin {
	struct conf_sec sec;
	size_t index;           /* in config.origins */
	enum origin_type type;
	char *address;
	char addr_host[CONF_NAME_MAX];
	int addr_port;
	bool tls;
	char *sni_text;
	enum origin_sni sni;
	char *sni_name;
	enum verify_mode verify;
	struct strlist names;
	char *ca_text;
	enum ca_source ca;
	char *ca_file;
	struct strlist pins;
	int64_t pin_refresh_ms;
	char *host_header_text;
	enum host_header_mode host_header;
	char *host_header_name;
	char *client_cert_text;
	char *client_key;
	struct cert_spec client_cert;
	int64_t min_tls;
	int64_t max_tls;
	char *ciphers;
	char *ciphersuites;
	char *groups;
	char *crl;
	int64_t connect_timeout_ms;
	int64_t read_timeout_ms;
	int64_t retries;
	int64_t pool_size;
	int64_t pool_idle_ms;
	char *root;
	int64_t delay_ms;       /* echo/static: answer this late */
	enum forward_path forward_path;
};

struct config {
	char *path;
	struct conf_global global;
	struct conf_resolve *resolve;
	size_t n_resolve;
	struct conf_edge **edges;
	size_t n_edges;
	struct conf_host **hosts;
	size_t n_hosts;
	struct conf_origin **origins;
	size_t n_origins;
	struct conf_forward_proxy fproxy;
};

/* One problem found in a config: FILE:LINE: message. */
struct conf_problem {
	int line;
	size_t seq;             /* order found, to keep equal lines stable */
	bool warning;           /* printed, but does not refuse the config */
	char *msg;
};

struct conf_problems {
	struct conf_problem *v;
	size_t n;
	size_t cap;
	size_t n_errors;
};

/*
 * Parse and validate path. Returns a config when it has no error (warnings
 * are allowed), else NULL; every problem is appended to probs either way.
 * Certificate files the config names are read to check them
 * (strict_aliases), lab certificates are not generated here.
 */
struct config *config_load(const char *path, struct conf_problems *probs);
/* The same from a string (tests); name is used in messages. */
struct config *config_load_string(const char *name, const char *text,
    struct conf_problems *probs);
/* The same from len bytes, not NUL-terminated (a NUL byte is an error on
 * its line, as in a file): what config_load does once it read the file. */
struct config *config_load_mem(const char *name, const char *text,
    size_t len, struct conf_problems *probs);
void config_free(struct config *cfg);

/* Print every problem as "FILE:LINE: message" (warnings as "FILE:LINE:
 * warning: message"), in line order. */
void config_problems_print(const struct conf_problems *probs,
    const char *path, void *stdio_file);
void config_problems_free(struct conf_problems *probs);

struct conf_edge *config_find_edge(const struct config *cfg, const char *name);
struct conf_host *config_find_host(const struct config *cfg, const char *name);
struct conf_origin *config_find_origin(const struct config *cfg,
    const char *name);
/* The [resolve] entry for name (case-insensitive), or NULL. */
const struct conf_resolve *config_find_resolve(const struct config *cfg,
    const char *name);

/* Names as written in the config and in messages. */
/*
 * Run only the named edges (`edgesim run --edge NAME`): the others are
 * marked disabled, so a topology in one file can be split over processes.
 * -1 with err when a name is not an edge of cfg.
 */
int config_select_edges(struct config *cfg, const struct strlist *names,
    struct es_err *err);

/* Whether a listen address (an IP literal) reaches loopback only:
 * 127.0.0.0/8, ::1, ::ffff:127.x.y.z. */
bool config_listen_loopback(const char *host);

const char *config_persona_name(enum persona p);
const char *config_verify_name(enum verify_mode v);
const char *config_tls_version_name(int64_t v);

/*
 * The names a host's lab certificate covers, in order: the host name, then
 * its aliases. For a cert_spec with lab_name, just that name.
 */
void config_cert_names(const struct conf_host *host,
    const struct cert_spec *spec, struct strlist *out);

#endif
