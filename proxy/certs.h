/*
 * certs.h - from a certificate spec of the config to files on disk.
 *
 * A spec names a lab certificate (issued on demand by the lab PKI) or files
 * loaded as they are. Everything that serves or presents a certificate
 * (edges, origins' client certificates, `edgesim certs`) goes through here,
 * so the lab is issued in one place and with one set of rules.
 */
#ifndef EDGESIM_CERTS_H
#define EDGESIM_CERTS_H

#include <stdbool.h>

#include "config.h"
#include "pki.h"
#include "util.h"

/*
 * The files of spec (owned by host, which may be NULL for edge defaults and
 * client certificates). With issue, lab certificates are created or renewed
 * as needed; without, only their paths are computed.
 */
int certs_resolve(const struct config *cfg, const struct conf_host *host,
    const struct cert_spec *spec, bool issue, struct pki_paths *out,
    struct es_err *err);

/* The lab's trust anchor and CRL. */
void certs_lab_ca(const struct config *cfg, char *out, size_t len);
void certs_lab_crl(const struct config *cfg, char *out, size_t len);

/*
 * The lab certificates a start checked, kept parsed, by certificate path:
 * the edges serve them without reading and parsing the files a second
 * time (a config of 10,000 hosts starts in seconds, not a minute).
 */
struct certs_loaded;
struct certs_loaded *certs_loaded_new(void);
void certs_loaded_free(struct certs_loaded *l);
/* The chain and key kept for cert_path, or NULL (the table keeps them:
 * take references). */
const struct pki_loaded *certs_loaded_find(const struct certs_loaded *l,
    const char *cert_path);

/*
 * Issue every lab certificate cfg needs (roots, one leaf per host, edge
 * defaults, client certificates), re-issuing all with force. Prints one line
 * per certificate to out when it is not NULL. The PKI is opened once for
 * all. loaded (may be NULL) keeps what was checked of the hosts' and edge
 * defaults' leaves. Returns -1 on the first error.
 */
int certs_ensure_all(const struct config *cfg, bool force, void *stdio_out,
    struct certs_loaded *loaded, struct es_err *err);

#endif
