/*
 * An Ethereum JSON-RPC client for the daemon's event loop: one HTTP
 * connection to the node (http://HOST:PORT[/PATH]), calls answered through
 * callbacks, never blocking the loop.
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

/* NULL with err (256 bytes) set for a URL that is not http://HOST:PORT[/PATH]. */
chain *chain_new(struct event_base *base, const char *url, char *err);

/* Call method with params (taken over, a JSON array); cb runs once. */
void chain_call(chain *c, const char *method, json_t *params, chain_cb cb, void *ctx);

void chain_free(chain *c);

/* A JSON-RPC QUANTITY ("0x1a2b") as a number: the hex digits after an
 * optional 0x; 0 when s is NULL or holds none. */
uint64_t chain_quantity(const char *s);

#endif
