/*
 * The gateway's response headers: content types (by name, by the first
 * bytes), caching (ETag, If-None-Match) and downloads (Content-Disposition).
 */
#ifndef CAIRN_GATEWAY_HEADERS_H
#define CAIRN_GATEWAY_HEADERS_H

#include <event2/http.h>
#include "server.h"
#include <stddef.h>
#include <stdint.h>

/* Content named by a CID never changes: cached for a year (29030400 s, as
 * Kubo). */
#define GATEWAY_IMMUTABLE "public, max-age=29030400, immutable"

struct evkeyvalq;

/* Content-Type from the first n bytes at p, like Go's
 * http.DetectContentType for the common cases; else octet-stream. A static
 * string. */
const char *gateway_sniff(const uint8_t *p, size_t n);

/* Content-Type from a file name's extension (lower-cased), as Kubo does
 * before sniffing: a static string, or NULL if the extension is unknown. */
const char *gateway_type_by_name(const char *name);

/* Does If-None-Match inm (may be NULL) match etag? "*" or a list of
 * entity tags, weak or strong. 1 or 0. */
int gateway_etag_matches(const char *inm, const char *etag);

/* If req's If-None-Match matches etag, reply 304 and return 1; else 0. */
int gateway_not_modified(struct http_req *req, const char *etag);

/* Content-Disposition: kind ("inline", "attachment") with a file name,
 * ASCII-safe (RFC 6266): other names go in filename* as UTF-8. */
void gateway_disposition(struct evkeyvalq *h, const char *kind, const char *name);

/* Headers of the verifiable (raw and CAR) responses: the type, nosniff,
 * Vary: Accept, and an attachment named <cid_text>.<ext>. */
void gateway_binary_headers(struct evkeyvalq *h, const char *type, const char *cid_text,
                            const char *ext);

#endif
