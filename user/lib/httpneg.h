/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an HTTP client said it accepts, for the exporter: libmicrohttpd
 * parses the request, these read the values of its headers. Pure, unit
 * tested.
 */
#ifndef MEMQOS_HTTPNEG_H
#define MEMQOS_HTTPNEG_H

#include <stdbool.h>

/*
 * Whether an Accept-Encoding value (RFC 9110 12.5.3) allows gzip: named
 * with a q above 0, or not named and "*" allowed. NULL (no header) and
 * "" mean identity only: compressing for a client that did not ask is
 * never right.
 */
bool mq_http_accepts_gzip(const char *accept_encoding);

#endif /* MEMQOS_HTTPNEG_H */
