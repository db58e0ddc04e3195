/*
 * config_keys.c - the table of every config key, and the code that stores a
 * value, applies defaults, frees, suggests and documents by walking it.
 *
 * Adding a key is adding a row here (and a field in config.h); parsing,
 * defaults, "did you mean" and docs/config.md follow from the row.
 * Rules that involve more than one key live in config.c's second pass.
 */
#include "config_keys.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define G(f) offsetof(struct conf_global, f)
#define E(f) offsetof(struct conf_edge, f)
#define H(f) offsetof(struct conf_host, f)
#define O(f) offsetof(struct conf_origin, f)
#define F(f) offsetof(struct conf_forward_proxy, f)

#define MS_DAY (86400LL * 1000)

static const char *const log_formats[] = { "text", "json", NULL };
static const char *const key_types[] = { "p256", "rsa2048", NULL };
static const char *const personas[] = { "plain", "akamai", "cloudfront", NULL };
static const char *const modes[] = { "http", "tcp", NULL };
static const char *const no_snis[] = { "default", "reject", "close", "reset",
    NULL };
static const char *const unknown_snis[] = { "default", "reject", NULL };
static const char *const client_auths[] = { "none", "optional", "require",
    NULL };
static const char *const origin_types[] = { "proxy", "echo", "static", NULL };
static const char *const verifies[] = { "full", "chain", "pin", "none", NULL };
static const char *const stagings[] = { "none", "akamai", NULL };
static const char *const forward_paths[] = { "raw", "normalized", NULL };

const struct conf_key conf_keys[] = {
	/* [edgesim] */
	{ CONF_SEC_GLOBAL, "pki", CONF_T_STRING, G(pki), 0, 0, NULL,
	  "certs/lab", 0,
	  "Directory of the lab PKI (root CA, intermediate, every lab "
	  "certificate). Created by `edgesim certs`, and by `edgesim run` "
	  "when something is missing. Relative paths are relative to the "
	  "working directory." },
	{ CONF_SEC_GLOBAL, "log", CONF_T_STRING, G(log), 0, 0, NULL,
	  "stderr", 0,
	  "Where log records go: `stderr`, `stdout`, or a file (appended to, "
	  "created 0644). `edgesim explain` reads this file." },
	{ CONF_SEC_GLOBAL, "log_format", CONF_T_ENUM, G(log_format), 0, 0,
	  log_formats, "text", 0,
	  "`text`: one `key=value` line per record; `json`: one JSON object "
	  "per line. Both carry the same fields." },
	{ CONF_SEC_GLOBAL, "key_type", CONF_T_ENUM, G(key_type), 0, 0,
	  key_types, "p256", 0,
	  "Key type of lab certificates: `p256` (ECDSA P-256) or `rsa2048`. "
	  "Changing it re-issues the lab PKI." },
	{ CONF_SEC_GLOBAL, "workers", CONF_T_INT, G(workers), 1, 64, NULL, "1",
	  0,
	  "Event loops (threads). Each accepts on every listener "
	  "(SO_REUSEPORT, the kernel spreads new connections) and keeps its "
	  "own origin connection pools." },
	{ CONF_SEC_GLOBAL, "header_timeout", CONF_T_DURATION,
	  G(header_timeout_ms), 100, MS_DAY, NULL, "10s", 0,
	  "A viewer must finish its TLS handshake and send a complete request "
	  "head within this time (slow clients get 408 and are closed)." },
	{ CONF_SEC_GLOBAL, "idle_timeout", CONF_T_DURATION, G(idle_timeout_ms),
	  100, MS_DAY, NULL, "60s", 0,
	  "How long a keep-alive viewer connection may sit idle between "
	  "requests." },
	{ CONF_SEC_GLOBAL, "shutdown_timeout", CONF_T_DURATION,
	  G(shutdown_timeout_ms), 0, MS_DAY, NULL, "10s", 0,
	  "On SIGTERM/SIGINT, how long requests in flight may take to finish "
	  "before the process exits anyway." },
	{ CONF_SEC_GLOBAL, "max_header_size", CONF_T_SIZE, G(max_header_size),
	  1024, 1024 * 1024, NULL, "16k", 0,
	  "Largest request or response head (request line and headers). A "
	  "larger request gets 431. For HTTP/2 viewers, the largest decoded "
	  "header list (SETTINGS_MAX_HEADER_LIST_SIZE, counted as RFC 9113 "
	  "does: name, value and 32 bytes per field); one that decodes to "
	  "more than 16 times its size on the wire (an HPACK bomb) gets "
	  "GOAWAY ENHANCE_YOUR_CALM." },
	{ CONF_SEC_GLOBAL, "max_connections", CONF_T_INT, G(max_connections),
	  1, 1000000, NULL, "100000", 0,
	  "Viewer connections held at once; past it, new connections are "
	  "closed at accept and logged." },
	{ CONF_SEC_GLOBAL, "nameserver", CONF_T_STRING, G(nameserver), 0, 0,
	  NULL, NULL, 0,
	  "`ADDR[:PORT]` of the DNS server for origin names that are not in "
	  "[resolve]. Default: the system's (/etc/resolv.conf). `none`: no "
	  "DNS at all, so a name outside [resolve] fails at once with "
	  "ERR_DNS_FAIL (a lab that must never leave the machine). Lookups "
	  "never block the event loop." },
	{ CONF_SEC_GLOBAL, "admin", CONF_T_STRING, G(admin), 0, 0, NULL, NULL,
	  0,
	  "`ADDR:PORT` of the admin listener (`127.0.0.1:9901`): the live "
	  "dashboard at `/`, Server-Sent Events at `/events`, Prometheus "
	  "metrics at `/metrics`, `/certs`, `/config` and `/explain/REF` "
	  "(docs/dashboard.md). Off unless set. A loopback address only, "
	  "unless `admin_token` is set. Served by the main thread's event "
	  "loop, never by a worker's. Read at start: a reload does not move "
	  "it." },
	{ CONF_SEC_GLOBAL, "admin_token", CONF_T_STRING, G(admin_token), 0, 0,
	  NULL, NULL, 0,
	  "A secret of at least 16 characters: every admin request must then "
	  "carry `Authorization: Bearer TOKEN` (compared in constant time), "
	  "else 401. Required for an `admin` address that is not loopback. "
	  "Never logged, never shown by `/config`." },
	{ CONF_SEC_GLOBAL, "admin_clients", CONF_T_INT, G(admin_clients), 1,
	  10000, NULL, "64", 0,
	  "Admin connections at once (dashboards' event streams included); "
	  "past it a new one gets 503. An event stream whose reader falls "
	  "behind by more than 1 MiB is closed, never buffered without "
	  "bound." },
	{ CONF_SEC_GLOBAL, "http2_max_streams", CONF_T_INT,
	  G(http2_max_streams), 1, 10000, NULL, "100", 0,
	  "HTTP/2 viewers: requests open at once on one connection "
	  "(SETTINGS_MAX_CONCURRENT_STREAMS; RFC 9113 recommends no fewer "
	  "than 100). A viewer that opens more "
	  "after acknowledging the setting gets GOAWAY PROTOCOL_ERROR." },
	{ CONF_SEC_GLOBAL, "http2_max_resets", CONF_T_INT, G(http2_max_resets),
	  1, 1000000, NULL, "200", 0,
	  "HTTP/2 viewers: RST_STREAM frames a connection may send in 10 "
	  "seconds; past it, GOAWAY ENHANCE_YOUR_CALM (the rapid reset "
	  "attack, CVE-2023-44487)." },
	{ CONF_SEC_GLOBAL, "http2_max_control", CONF_T_INT, G(http2_max_control),
	  1, 1000000, NULL, "1000", 0,
	  "HTTP/2 viewers: SETTINGS and PING frames a connection may send in "
	  "10 seconds; past it, GOAWAY ENHANCE_YOUR_CALM (SETTINGS and PING "
	  "floods, CVE-2019-9512 and -9515). A viewer that floods without "
	  "reading the answers is refused sooner, when 1,000 answers wait." },
	{ CONF_SEC_GLOBAL, "http2_max_continuations", CONF_T_INT,
	  G(http2_max_continuations), 1, 1000, NULL, "8", 0,
	  "HTTP/2 viewers: CONTINUATION frames after one HEADERS frame; past "
	  "it, GOAWAY ENHANCE_YOUR_CALM (the CONTINUATION flood, "
	  "CVE-2024-27316)." },
	{ CONF_SEC_GLOBAL, "http2_stall_timeout", CONF_T_DURATION,
	  G(http2_stall_timeout_ms), 100, MS_DAY, NULL, "30s", 0,
	  "HTTP/2 viewers: how long response data may wait for a viewer "
	  "whose flow-control window stays shut (a zero window forever "
	  "holds origin connections); then GOAWAY ENHANCE_YOUR_CALM." },

	/* [edge NAME] */
	{ CONF_SEC_EDGE, "persona", CONF_T_ENUM, E(persona), 0, 0, personas,
	  "plain", 0,
	  "Whose behaviour the edge copies: `akamai` (AkamaiGHost error pages "
	  "with a Reference #, Host forwarded as received), `cloudfront` "
	  "(CloudFront's error pages and headers, Host = origin name, default "
	  "certificate *.cloudfront.net) or `plain`." },
	{ CONF_SEC_EDGE, "listen", CONF_T_REPEAT, E(listen_text), 0, 0, NULL,
	  NULL, CONF_F_REQUIRED,
	  "`ADDR:PORT` to accept TLS on (`127.0.0.1:8443`, `[::1]:8443`). "
	  "Repeatable. No two listeners of a config may share an address." },
	{ CONF_SEC_EDGE, "mode", CONF_T_ENUM, E(mode), 0, 0, modes, "http", 0,
	  "`http`: an HTTP/1.1 reverse proxy (host by Host header, route by "
	  "path). `tcp`: after the TLS handshake, bytes are piped to the "
	  "host's origin (re-encrypted when the origin has `tls = on`)." },
	{ CONF_SEC_EDGE, "no_sni", CONF_T_ENUM, E(no_sni), 0, 0, no_snis,
	  "default", 0,
	  "What a viewer that sends no SNI gets: `default` (the default "
	  "certificate), `reject` (fatal alert 40 handshake_failure before "
	  "any certificate: `openssl s_client` prints \"no peer certificate "
	  "available\"), `close` (FIN) or `reset` (RST)." },
	{ CONF_SEC_EDGE, "unknown_sni", CONF_T_ENUM, E(unknown_sni), 0, 0,
	  unknown_snis, "default", 0,
	  "What a viewer whose SNI matches no host gets: `default` (the "
	  "default certificate, as CloudFront serves *.cloudfront.net) or "
	  "`reject` (fatal alert 40)." },
	{ CONF_SEC_EDGE, "default_cert", CONF_T_STRING, E(default_cert_text),
	  0, 0, NULL, NULL, 0,
	  "The certificate for viewers without a matching SNI: a host of this "
	  "edge (its certificate), `lab:NAME` or a bare `NAME` (a lab "
	  "certificate for NAME; `*.cloudfront.net` covers cloudfront.net and "
	  "*.cloudfront.net). Default: `*.cloudfront.net` for the cloudfront "
	  "persona, else the first host's certificate." },
	{ CONF_SEC_EDGE, "default_cert_file", CONF_T_STRING,
	  E(default_cert_file), 0, 0, NULL, NULL, 0,
	  "A PEM file (certificate, then its chain) to use as the default "
	  "certificate, with `default_cert_key`." },
	{ CONF_SEC_EDGE, "default_cert_key", CONF_T_STRING,
	  E(default_cert_key), 0, 0, NULL, NULL, 0,
	  "The PEM private key of `default_cert_file`." },
	{ CONF_SEC_EDGE, "strict_aliases", CONF_T_BOOL, E(strict_aliases), 0,
	  0, NULL, "no", 0,
	  "`yes`: every host name and alias must be covered by the host's "
	  "certificate, or the config is refused (CloudFront's rule since "
	  "2019 for alternate domain names)." },
	{ CONF_SEC_EDGE, "client_auth", CONF_T_ENUM, E(client_auth), 0, 0,
	  client_auths, "none", 0,
	  "Ask viewers for a certificate: `none`, `optional` (ask, accept "
	  "none) or `require` (refuse the handshake without one). Verified "
	  "against `client_ca`." },
	{ CONF_SEC_EDGE, "client_ca", CONF_T_STRING, E(client_ca), 0, 0, NULL,
	  "lab", 0,
	  "Trust anchors for viewer certificates: `lab` (the lab root) or a "
	  "PEM file." },
	{ CONF_SEC_EDGE, "min_tls", CONF_T_TLS_VERSION, E(min_tls), 0, 0, NULL,
	  "1.2", 0, "Lowest TLS version viewers may use: 1.0, 1.1, 1.2, 1.3." },
	{ CONF_SEC_EDGE, "max_tls", CONF_T_TLS_VERSION, E(max_tls), 0, 0, NULL,
	  "1.3", 0, "Highest TLS version viewers may use." },
	{ CONF_SEC_EDGE, "ciphers", CONF_T_STRING, E(ciphers), 0, 0, NULL,
	  NULL, 0,
	  "OpenSSL cipher list for TLS 1.2 and below (`SSL_CTX_set_cipher_list`)." },
	{ CONF_SEC_EDGE, "ciphersuites", CONF_T_STRING, E(ciphersuites), 0, 0,
	  NULL, NULL, 0,
	  "OpenSSL TLS 1.3 cipher suites (`SSL_CTX_set_ciphersuites`)." },
	{ CONF_SEC_EDGE, "groups", CONF_T_STRING, E(groups), 0, 0, NULL, NULL,
	  0, "Key exchange groups, colon separated (`X25519:P-256`)." },
	{ CONF_SEC_EDGE, "http2", CONF_T_STRING, E(http2_text), 0, 0, NULL,
	  NULL, 0,
	  "`on`: ALPN offers `h2` before `http/1.1` (mode = http), and "
	  "viewers that choose it speak HTTP/2 to the edge; `off`: HTTP/1.1 "
	  "only. Default: `on` for the akamai and cloudfront personas (both "
	  "services enable HTTP/2 for viewers by default), `off` for plain. "
	  "Origins are always spoken to in HTTP/1.1, as both services do." },

	/* [host NAME] */
	{ CONF_SEC_HOST, "edge", CONF_T_WORDS, H(edge_names), 0, 0, NULL, NULL,
	  CONF_F_REQUIRED,
	  "The edge that serves this host, or several (blank separated): "
	  "edge nodes of one CDN serving the same site." },
	{ CONF_SEC_HOST, "aliases", CONF_T_WORDS, H(aliases), 0, 0, NULL, NULL,
	  0,
	  "Other names of the host (CloudFront's alternate domain names), "
	  "blank separated; `*.example.com` wildcards allowed; continue on "
	  "indented lines. A name may belong to one host per edge." },
	{ CONF_SEC_HOST, "cert", CONF_T_STRING, H(cert_text), 0, 0, NULL, "lab",
	  0,
	  "`lab`: a lab certificate for the host name and aliases; "
	  "`lab:VARIANT`: the same names with a defect (expired, "
	  "not-yet-valid, wrong-name, self-signed, untrusted, no-intermediate, "
	  "rotated, revoked); `lab:NAME`: a lab certificate for NAME only "
	  "(e.g. `lab:*.cloudfront.net`); or a PEM file (with `key`) loaded "
	  "as is." },
	{ CONF_SEC_HOST, "key", CONF_T_STRING, H(key_file), 0, 0, NULL, NULL, 0,
	  "The PEM private key when `cert` is a file." },
	{ CONF_SEC_HOST, "origin", CONF_T_STRING, H(origin_name), 0, 0, NULL,
	  NULL, CONF_F_REQUIRED,
	  "The default origin: requests no route matches go there (in `tcp` "
	  "mode, every connection)." },
	{ CONF_SEC_HOST, "route", CONF_T_REPEAT, H(route_text), 0, 0, NULL,
	  NULL, 0,
	  "`PATTERN ORIGIN`: requests whose path matches PATTERN go to ORIGIN, "
	  "as CloudFront cache behaviours: `*` matches any run of characters "
	  "(including `/`), `?` one character, case-sensitive, the query "
	  "string ignored. Repeatable; the first match in file order wins." },

	{ CONF_SEC_HOST, "staging", CONF_T_ENUM, H(staging), 0, 0, stagings,
	  "none", 0,
	  "`akamai`: the forward proxy sends this host to its Akamai staging "
	  "network (the `-staging` twin of its edge host name, found by DNS) "
	  "instead of to the local edge." },

	{ CONF_SEC_HOST, "forward_user_agent", CONF_T_BOOL,
	  H(forward_user_agent), 0, 0, NULL, "no", 0,
	  "Behind a cloudfront edge: `yes` forwards the viewer's User-Agent "
	  "to the origin (a cache behaviour or origin request policy that "
	  "includes the header); `no`, as CloudFront does by default, sends "
	  "`User-Agent: Amazon CloudFront` instead. Other personas always "
	  "forward it." },

	/* [origin NAME] */
	{ CONF_SEC_ORIGIN, "type", CONF_T_ENUM, O(type), 0, 0, origin_types,
	  "proxy", 0,
	  "`proxy`: a server at `address`; `echo`: a built-in responder that "
	  "answers with what arrived (method, path, headers, the SNI, TLS "
	  "version and client certificate the edge saw) as JSON; `static`: "
	  "files under `root`." },
	{ CONF_SEC_ORIGIN, "address", CONF_T_STRING, O(address), 0, 0, NULL,
	  NULL, 0,
	  "`HOST:PORT` of a proxy origin. HOST is looked up in [resolve], "
	  "else in DNS (asynchronously), unless it is an address." },
	{ CONF_SEC_ORIGIN, "tls", CONF_T_BOOL, O(tls), 0, 0, NULL, "on", 0,
	  "Speak TLS to the origin." },
	{ CONF_SEC_ORIGIN, "sni", CONF_T_STRING, O(sni_text), 0, 0, NULL, "on",
	  0,
	  "The SNI sent to the origin: `on` (the host of `address`), `off` "
	  "(none: Akamai with \"Use SNI TLS Extension\" off), `host` (the Host "
	  "the viewer sent) or a fixed NAME." },
	{ CONF_SEC_ORIGIN, "verify", CONF_T_ENUM, O(verify), 0, 0, verifies,
	  "full", 0,
	  "How the origin's certificate is checked: `full` (chain to `ca`, "
	  "validity dates, and `names`), `chain` (chain and dates, no name), "
	  "`pin` (the `pin` alone, as Akamai's \"Specific certificates\"), "
	  "`none`." },
	{ CONF_SEC_ORIGIN, "names", CONF_T_WORDS, O(names), 0, 0, NULL, NULL, 0,
	  "Names the origin's certificate must match for `verify = full` "
	  "(Akamai's \"Match CN/SAN\"), wildcards allowed. Default: the SNI "
	  "sent, else the host of `address`." },
	{ CONF_SEC_ORIGIN, "ca", CONF_T_STRING, O(ca_text), 0, 0, NULL, "lab", 0,
	  "Trust anchors for the origin: `lab` (the lab root), `system` "
	  "(OpenSSL's default store) or a PEM file." },
	{ CONF_SEC_ORIGIN, "pin", CONF_T_REPEAT, O(pins), 0, 0, NULL, NULL, 0,
	  "A pin of the origin's leaf: `sha1:HEX`, `sha256:HEX` (fingerprints, "
	  "colons optional) or `spki:BASE64` (SHA-256 of the public key, as "
	  "`curl --pinnedpubkey sha256//...`). Repeatable; any one matching "
	  "accepts." },
	{ CONF_SEC_ORIGIN, "pin_refresh", CONF_T_DURATION, O(pin_refresh_ms), 0,
	  365 * MS_DAY, NULL, "0", 0,
	  "Learned pinning: when > 0, each edge's first handshake records the "
	  "leaf's SHA-1 and later ones must match it until this long has "
	  "passed, when it is learned again (each edge, like each CDN node, "
	  "keeps its own)." },
	{ CONF_SEC_ORIGIN, "host_header", CONF_T_STRING, O(host_header_text), 0,
	  0, NULL, NULL, 0,
	  "The Host sent to the origin: `incoming` (as the viewer sent it), "
	  "`origin` (the host of `address`) or a fixed NAME. Default: "
	  "`incoming` behind an akamai edge, `origin` otherwise." },
	{ CONF_SEC_ORIGIN, "client_cert", CONF_T_STRING, O(client_cert_text), 0,
	  0, NULL, NULL, 0,
	  "A client certificate for mutual TLS to the origin: `lab:client` or "
	  "a PEM file (with `client_key`)." },
	{ CONF_SEC_ORIGIN, "client_key", CONF_T_STRING, O(client_key), 0, 0,
	  NULL, NULL, 0, "The PEM private key of a `client_cert` file." },
	{ CONF_SEC_ORIGIN, "min_tls", CONF_T_TLS_VERSION, O(min_tls), 0, 0, NULL,
	  "1.2", 0, "Lowest TLS version offered to the origin." },
	{ CONF_SEC_ORIGIN, "max_tls", CONF_T_TLS_VERSION, O(max_tls), 0, 0, NULL,
	  "1.3", 0, "Highest TLS version offered to the origin." },
	{ CONF_SEC_ORIGIN, "ciphers", CONF_T_STRING, O(ciphers), 0, 0, NULL,
	  NULL, 0, "OpenSSL cipher list for TLS 1.2 and below." },
	{ CONF_SEC_ORIGIN, "ciphersuites", CONF_T_STRING, O(ciphersuites), 0, 0,
	  NULL, NULL, 0, "OpenSSL TLS 1.3 cipher suites." },
	{ CONF_SEC_ORIGIN, "groups", CONF_T_STRING, O(groups), 0, 0, NULL, NULL,
	  0, "Key exchange groups offered to the origin, colon separated." },
	{ CONF_SEC_ORIGIN, "crl", CONF_T_STRING, O(crl), 0, 0, NULL, NULL, 0,
	  "A PEM CRL (`lab` for the lab's crl.pem): a leaf it lists fails as "
	  "revoked." },
	{ CONF_SEC_ORIGIN, "connect_timeout", CONF_T_DURATION,
	  O(connect_timeout_ms), 1, MS_DAY, NULL, "5s", 0,
	  "How long the TCP connect may take (ERR_CONNECT_TIMEOUT)." },
	{ CONF_SEC_ORIGIN, "read_timeout", CONF_T_DURATION, O(read_timeout_ms),
	  1, MS_DAY, NULL, "30s", 0,
	  "How long the origin may be silent: for the TLS handshake, for the "
	  "response head, and between body bytes (ERR_READ_TIMEOUT)." },
	{ CONF_SEC_ORIGIN, "retries", CONF_T_INT, O(retries), 0, 10, NULL, "0",
	  0,
	  "Further connect attempts after a failed TCP connect. Never retried "
	  "once a byte of the request was sent." },
	{ CONF_SEC_ORIGIN, "pool_size", CONF_T_INT, O(pool_size), 0, 100000,
	  NULL, "64", 0,
	  "Idle keep-alive connections kept to this origin (0: a new "
	  "connection per request)." },
	{ CONF_SEC_ORIGIN, "pool_idle", CONF_T_DURATION, O(pool_idle_ms), 1,
	  MS_DAY, NULL, "30s", 0,
	  "How long an idle pooled origin connection is kept." },
	{ CONF_SEC_ORIGIN, "delay", CONF_T_DURATION, O(delay_ms), 0, MS_DAY,
	  NULL, "0", 0,
	  "Built-in origins only: wait this long before answering, to play a "
	  "slow origin (ERR_READ_TIMEOUT at an edge with a shorter "
	  "read_timeout)." },
	{ CONF_SEC_ORIGIN, "forward_path", CONF_T_ENUM, O(forward_path), 0, 0,
	  forward_paths, "raw", 0,
	  "The path this origin is sent. Routes always match the path "
	  "normalised as RFC 3986 section 6 says (unreserved escapes "
	  "decoded, `.` and `..` segments removed: `/%61pi/../x` is `/x`), "
	  "as CloudFront and nginx do. `raw`: the origin gets the path as the "
	  "viewer sent it (CloudFront's behaviour); `normalized`: the "
	  "normalised path, with the query string as sent." },
	{ CONF_SEC_ORIGIN, "root", CONF_T_STRING, O(root), 0, 0, NULL, NULL, 0,
	  "Directory a `static` origin serves. Requests cannot leave it "
	  "(`..`, encoded or not, and symlinks out of it are refused)." },

	/* [forward_proxy] */
	{ CONF_SEC_FORWARD_PROXY, "listen", CONF_T_STRING, F(listen_text), 0,
	  0, NULL, "127.0.0.1:3128", 0,
	  "`ADDR:PORT` of the HTTP proxy (plain HTTP: `curl -x "
	  "http://127.0.0.1:3128`, or a browser's proxy setting)." },
	{ CONF_SEC_FORWARD_PROXY, "allow_any", CONF_T_BOOL, F(allow_any), 0, 0,
	  NULL, "no", 0,
	  "`yes`: tunnel to any host (resolved by DNS). By default only the "
	  "config's hosts, [resolve] names and `hosts` are allowed: edgesim "
	  "is never an open proxy unless told so." },
	{ CONF_SEC_FORWARD_PROXY, "allow_ports", CONF_T_WORDS,
	  F(allow_ports_text), 0, 0, NULL, NULL, 0,
	  "Ports a client may ask for, on every way in: CONNECT, an "
	  "absolute URI (`http://name:PORT/`, port 80 when none is written), "
	  "and every later request on the same connection. Default: 80, 443 "
	  "and the ports of the config's edges." },
	{ CONF_SEC_FORWARD_PROXY, "idle_timeout", CONF_T_DURATION,
	  F(idle_timeout_ms), 100, MS_DAY, NULL, "2m", 0,
	  "A CONNECT tunnel, or a relayed request, in which no byte moved "
	  "either way for this long is closed; also how long a client "
	  "connection may wait between requests." },
	{ CONF_SEC_FORWARD_PROXY, "read_timeout", CONF_T_DURATION,
	  F(read_timeout_ms), 100, MS_DAY, NULL, "30s", 0,
	  "How long the destination of a relayed (absolute-URI) request may "
	  "be silent: for the response head once the request is sent (504 "
	  "ERR_READ_TIMEOUT), and between bytes of the response." },
	{ CONF_SEC_FORWARD_PROXY, "hosts", CONF_T_WORDS, F(hosts), 0, 0, NULL,
	  NULL, 0,
	  "More names the proxy serves (`*.example.com` allowed), resolved by "
	  "DNS, or through Akamai staging with `staging = akamai`; they also "
	  "go into the PAC file." },
	{ CONF_SEC_FORWARD_PROXY, "staging", CONF_T_ENUM, F(staging), 0, 0,
	  stagings, "none", 0,
	  "`akamai`: names that no local edge serves go to their Akamai "
	  "staging twin (CNAME chain to *.edgekey.net, *.edgesuite.net or "
	  "*.akamaiedge.net, rewritten to the -staging host), re-resolved for "
	  "every tunnel." },
};

const size_t conf_n_keys = ES_ARRAY_LEN(conf_keys);

_Static_assert(ES_ARRAY_LEN(conf_keys) <= CONF_KEYS_MAX,
    "raise CONF_KEYS_MAX");

static const char *const section_names[CONF_SEC_COUNT] = {
	[CONF_SEC_GLOBAL] = "edgesim",
	[CONF_SEC_RESOLVE] = "resolve",
	[CONF_SEC_EDGE] = "edge",
	[CONF_SEC_HOST] = "host",
	[CONF_SEC_ORIGIN] = "origin",
	[CONF_SEC_FORWARD_PROXY] = "forward_proxy",
};

const char *
conf_section_name(enum conf_section_kind kind)
{
	return section_names[kind];
}

int
conf_section_named(enum conf_section_kind kind)
{
	return kind == CONF_SEC_EDGE || kind == CONF_SEC_HOST ||
	    kind == CONF_SEC_ORIGIN;
}

const struct conf_key *
conf_key_find(enum conf_section_kind kind, const char *name)
{
	for (size_t i = 0; i < conf_n_keys; i++)
		if (conf_keys[i].section == kind &&
		    strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

size_t
conf_key_index(const struct conf_key *k)
{
	return (size_t)(k - conf_keys);
}

const char *
conf_key_suggest(enum conf_section_kind kind, const char *name)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < conf_n_keys; i++) {
		if (conf_keys[i].section != kind)
			continue;
		size_t d = str_distance(name, conf_keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = conf_keys[i].name;
		}
	}
	/* A hint that needs more edits than a third of the word is noise. */
	size_t limit = strlen(name) / 3 + 1;
	return best_d <= limit ? best : NULL;
}

static int
parse_size(const char *s, int64_t *out)
{
	char buf[32];
	size_t n = strlen(s);
	int64_t mult = 1;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k': case 'K': mult = 1024; buf[n - 1] = '\0'; break;
	case 'm': case 'M': mult = 1024 * 1024; buf[n - 1] = '\0'; break;
	}
	int64_t v;
	if (parse_int(buf, 0, INT64_MAX / (1024 * 1024), &v) < 0)
		return -1;
	*out = v * mult;
	return 0;
}

static int
parse_tls_version(const char *s, int64_t *out)
{
	static const struct { const char *name; int64_t v; } versions[] = {
		{ "1.0", TLS1_VERSION }, { "1.1", TLS1_1_VERSION },
		{ "1.2", TLS1_2_VERSION }, { "1.3", TLS1_3_VERSION },
	};

	for (size_t i = 0; i < ES_ARRAY_LEN(versions); i++) {
		if (strcmp(s, versions[i].name) == 0 ||
		    (str_has_prefix(s, "TLS") &&
		    strcmp(s + (s[3] == 'v' ? 4 : 3), versions[i].name) == 0)) {
			*out = versions[i].v;
			return 0;
		}
	}
	return -1;
}

static void
enum_choices(const char *const *names, char *buf, size_t len)
{
	struct sbuf b;

	sbuf_init(&b);
	for (size_t i = 0; names[i]; i++)
		sbuf_addf(&b, "%s%s", i ? (names[i + 1] ? ", " : " or ") : "",
		    names[i]);
	snprintf(buf, len, "%s", b.s ? b.s : "");
	sbuf_free(&b);
}

static void
bounds_text(const struct conf_key *k, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (k->type == CONF_T_DURATION) {
		format_duration(k->min, lo, sizeof(lo));
		format_duration(k->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%lld", (long long)k->min);
		snprintf(hi, sizeof(hi), "%lld", (long long)k->max);
	}
	snprintf(buf, len, "%s .. %s", lo, hi);
}

int
conf_key_set(const struct conf_key *k, void *base, const char *value,
    int line, struct es_err *err)
{
	char *field = (char *)base + k->offset;
	char range[80];
	int64_t v;
	bool b;

	switch (k->type) {
	case CONF_T_STRING:
		if (*value == '\0')
			return es_errf(err, "needs a value");
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case CONF_T_BOOL:
		if (parse_bool(value, &b) < 0)
			return es_errf(err, "'%s' is not a boolean: use yes or no",
			    value);
		*(bool *)field = b;
		return 0;
	case CONF_T_INT:
		if (parse_int(value, k->min, k->max, &v) < 0) {
			bounds_text(k, range, sizeof(range));
			return es_errf(err, "'%s' is not a number in %s", value,
			    range);
		}
		*(int64_t *)field = v;
		return 0;
	case CONF_T_SIZE:
		if (parse_size(value, &v) < 0 || v < k->min || v > k->max) {
			bounds_text(k, range, sizeof(range));
			return es_errf(err, "'%s' is not a size in %s bytes "
			    "(suffixes k and m allowed)", value, range);
		}
		*(int64_t *)field = v;
		return 0;
	case CONF_T_DURATION:
		if (parse_duration_ms(value, &v) < 0 || v < k->min ||
		    v > k->max) {
			bounds_text(k, range, sizeof(range));
			return es_errf(err, "'%s' is not a duration in %s "
			    "(e.g. 250ms, 5s, 2m)", value, range);
		}
		*(int64_t *)field = v;
		return 0;
	case CONF_T_ENUM:
		for (int i = 0; k->enum_names[i]; i++) {
			if (strcasecmp(value, k->enum_names[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		enum_choices(k->enum_names, range, sizeof(range));
		return es_errf(err, "'%s' is not one of %s", value, range);
	case CONF_T_TLS_VERSION:
		if (parse_tls_version(value, &v) < 0)
			return es_errf(err, "'%s' is not a TLS version: use 1.0, "
			    "1.1, 1.2 or 1.3", value);
		*(int64_t *)field = v;
		return 0;
	case CONF_T_WORDS:
		strlist_add_words((struct strlist *)field, value, line);
		return 0;
	case CONF_T_REPEAT:
		if (*value == '\0')
			return es_errf(err, "needs a value");
		strlist_add((struct strlist *)field, value, line);
		return 0;
	}
	return es_errf(err, "internal error: unknown key type");
}

void
conf_keys_defaults(enum conf_section_kind kind, void *base)
{
	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		struct es_err err;

		if (k->section != kind || k->def == NULL)
			continue;
		/* Defaults are written in the table as a user would write
		 * them; one that does not parse is a bug caught by the unit
		 * tests, never by a user. */
		if (conf_key_set(k, base, k->def, 0, &err) < 0)
			abort();
	}
}

void
conf_keys_free(enum conf_section_kind kind, void *base)
{
	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		char *field = (char *)base + k->offset;

		if (k->section != kind)
			continue;
		if (k->type == CONF_T_STRING) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (k->type == CONF_T_WORDS || k->type == CONF_T_REPEAT) {
			strlist_free((struct strlist *)field);
		}
	}
}

static const char *
type_text(const struct conf_key *k, char *buf, size_t len)
{
	char range[80];

	switch (k->type) {
	case CONF_T_STRING: return "text";
	case CONF_T_BOOL: return "boolean";
	case CONF_T_INT:
		bounds_text(k, range, sizeof(range));
		snprintf(buf, len, "number, %s", range);
		return buf;
	case CONF_T_SIZE:
		bounds_text(k, range, sizeof(range));
		snprintf(buf, len, "size in bytes, %s", range);
		return buf;
	case CONF_T_DURATION:
		bounds_text(k, range, sizeof(range));
		snprintf(buf, len, "duration, %s", range);
		return buf;
	case CONF_T_ENUM:
		enum_choices(k->enum_names, range, sizeof(range));
		snprintf(buf, len, "one of %s", range);
		return buf;
	case CONF_T_TLS_VERSION: return "TLS version";
	case CONF_T_WORDS: return "list of words";
	case CONF_T_REPEAT: return "repeatable";
	}
	return "";
}

void
conf_keys_doc(struct sbuf *out)
{
	static const char *const intro[CONF_SEC_COUNT] = {
		[CONF_SEC_GLOBAL] = "Settings of the whole process.",
		[CONF_SEC_RESOLVE] =
		    "Names origins use, mapped to addresses without DNS or "
		    "/etc/hosts: `NAME = ADDR[:PORT]`. With a port, a "
		    "connection to NAME on any port goes to ADDR:PORT; without, "
		    "the origin's port is kept.",
		[CONF_SEC_EDGE] = "A TLS listener that simulates one CDN edge.",
		[CONF_SEC_HOST] =
		    "A site an edge serves: its names, certificate and origins. "
		    "NAME is the host name (`*.example.com` allowed).",
		[CONF_SEC_ORIGIN] =
		    "Where requests go: a server reached over TCP or TLS, or a "
		    "built-in responder.",
		[CONF_SEC_FORWARD_PROXY] =
		    "An HTTP proxy for testing without /etc/hosts: `CONNECT` "
		    "to a host of the config is tunnelled to its edge, and "
		    "`/proxy.pac` sends exactly those hosts through it (see "
		    "docs/staging.md).",
	};
	char tbuf[160];

	sbuf_adds(out,
	    "# edgesim configuration reference\n\n"
	    "<!-- Generated by `make docs` (edgesim config-doc) from the key "
	    "table in proxy/config_keys.c; do not edit by hand. -->\n\n"
	    "An edgesim config is an INI file read with inih. Sections: "
	    "`[edgesim]`, `[resolve]`, `[edge NAME]`, `[host NAME]`, "
	    "`[origin NAME]`. Comments start with `;` or `#` at the start of "
	    "a line, or with ` ;` after a value. Lines are at most 199 "
	    "characters: continue a list on indented lines instead.\n\n"
	    "Durations take `ms`, `s`, `m`, `h` suffixes (a bare number is "
	    "seconds); sizes `k` and `m`; booleans `yes|no|on|off|true|false`."
	    "\n\n`edgesim check -c FILE` prints every problem as "
	    "`FILE:LINE: message` and exits 2; `edgesim run` refuses to "
	    "start on the same problems.\n");
	for (int s = 0; s < CONF_SEC_COUNT; s++) {
		sbuf_addf(out, "\n## [%s%s]\n\n%s\n", section_names[s],
		    conf_section_named(s) ? " NAME" : "", intro[s]);
		if (s == CONF_SEC_RESOLVE)
			continue;
		sbuf_adds(out, "\n| key | type | default | meaning |\n"
		    "|---|---|---|---|\n");
		for (size_t i = 0; i < conf_n_keys; i++) {
			const struct conf_key *k = &conf_keys[i];
			if ((int)k->section != s)
				continue;
			sbuf_addf(out, "| `%s` | %s | ", k->name,
			    type_text(k, tbuf, sizeof(tbuf)));
			if (k->flags & CONF_F_REQUIRED)
				sbuf_adds(out, "required");
			else if (k->def)
				sbuf_addf(out, "`%s`", k->def);
			else
				sbuf_adds(out, "-");
			sbuf_addf(out, " | %s |\n", k->doc);
		}
	}
}
