/*
 * The config's API.HTTPHeaders, as Kubo's: headers added to every API
 * reply, and CORS for the API only when they name origins. The API is
 * authenticated, so no origin may call it unless the operator says so.
 *
 *   "API": {"HTTPHeaders": {"Access-Control-Allow-Origin": ["https://app.example"],
 *                           "Access-Control-Allow-Methods": ["POST"]}}
 *
 * Each value is a list of strings (or one string), sent joined by ", ".
 * Access-Control-Allow-Origin is matched against the request's Origin:
 * the one that matches is sent back (with Vary: Origin), or "*" if listed;
 * none if the Origin is not listed, as the Fetch standard allows one.
 */
#ifndef CAIRN_API_HEADERS_H
#define CAIRN_API_HEADERS_H

#include <jansson.h>
#include "node.h"
#include "server.h"

/* Check API.HTTPHeaders in config (names are HTTP tokens, values strings
 * without CR, LF or NUL): 0, or -1 with err saying which. */
int api_headers_check(const json_t *config, char *err);

/* Add the configured headers to req's reply. A CORS preflight (OPTIONS
 * with Access-Control-Request-Method) when origins are configured is
 * answered here, 204, before authentication (browsers send none): 1.
 * Otherwise 0. */
int api_headers(struct http_req *req, node *n);

#endif
