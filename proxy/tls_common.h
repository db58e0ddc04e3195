/*
 * tls_common.h - what both sides of TLS share: an edge facing its viewers
 * (tls_server.c) and an edge facing its origins (tls_client.c), and the
 * one-shot commands that speak TLS (probe, scenario).
 */
#ifndef EDGESIM_TLS_COMMON_H
#define EDGESIM_TLS_COMMON_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "util.h"

/* Set OpenSSL version bounds, ciphers and groups from config values. */
int tls_ctx_apply_params(SSL_CTX *ctx, int64_t min_tls, int64_t max_tls,
    const char *ciphers, const char *ciphersuites, const char *groups,
    struct es_err *err);

/* Append OpenSSL's queued errors to err's message (and drain the queue);
 * returns -1. */
int tls_err_openssl(struct es_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The RFC name of a TLS alert ("handshake_failure"), or "unknown". */
const char *tls_alert_name(int desc);

#endif
