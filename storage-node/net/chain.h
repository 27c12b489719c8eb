/*
 * An Ethereum JSON-RPC client for the daemon's event loop: calls to one
 * node (http:// or https://, a hosted provider's URL with its key in the
 * path too) over the node's HTTP client (http/client.h: TLS checked, kept
 * connections), answered through callbacks, never blocking the loop. The
 * URL's path and query are never shown: messages name the host only.
 */
#ifndef CAIRN_CHAIN_H
#define CAIRN_CHAIN_H

#include <event2/event.h>
#include <jansson.h>
#include <stdint.h>

/* Per call: connect and answer within this long, or the call fails. */
#define CHAIN_TIMEOUT_SECS 10

typedef struct chain chain;

/* result is borrowed for the call (NULL on failure, when error says why). */
typedef void (*chain_cb)(void *ctx, json_t *result, const char *error);

/* Headers for providers that want one: "Name: value", at most this many. */
#define CHAIN_HEADERS_MAX 8

/* A client for url, sending headers (NULL-terminated "Name: value" lines,
 * or NULL) with every call, trusting ca_file (or NULL) beside the system's
 * CAs. NULL with err (CAIRN_ERR_MAX) set for a URL that is not http:// or
 * https://, or a CA file that cannot be read. */
chain *chain_new(struct event_base *base, const char *url, const char *const *headers,
                 const char *ca_file, char *err);

/* The URL as it may be shown (no path, no query, no credentials). */
const char *chain_url_shown(const chain *c);

/* Call method with params (taken over, a JSON array); cb runs once. */
void chain_call(chain *c, const char *method, json_t *params, chain_cb cb, void *ctx);

void chain_free(chain *c);

/* A JSON-RPC QUANTITY ("0x1a2b") as a number: the hex digits after an
 * optional 0x; 0 when s is NULL or holds none. */
uint64_t chain_quantity(const char *s);

#endif
