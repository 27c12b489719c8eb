/*
 * The subdomain gateway (IPFS Subdomain Gateway spec): what the request's
 * Host says. A gateway host serves subdomains when it is "localhost" (on
 * by default) or named in the config's Gateway.PublicGateways with
 * "UseSubdomains": true ({"localhost": {"UseSubdomains": false}} turns
 * localhost off):
 *   Host: {cid}.ipfs.{gateway host}  serves /ipfs/{cid}{path}; a CID not in
 *                                     its base32 CIDv1 form is redirected there
 *   Host: {gateway host}, /ipfs/{cid}{rest}   301 to {cidv1b32}.ipfs.{host}{rest},
 *                                     unless it asks for a block or a CAR
 *                                     (trustless: verifiable, served by path)
 *   Host: {name}.ipns.{gateway host}  501: no IPNS here
 * Any other Host (127.0.0.1, a name not listed) is a path gateway.
 */
#ifndef CAIRN_GATEWAY_HOST_H
#define CAIRN_GATEWAY_HOST_H

#include "node.h"

/* A DNS label holds at most this many characters (RFC 1035 section 2.3.4). */
#define GATEWAY_LABEL_MAX 63

enum gateway_host_kind {
	GATEWAY_HOST_PATH,      /* a path gateway request: serve it as it is */
	GATEWAY_HOST_SUBDOMAIN, /* *content_path is its /ipfs/{cid}{path} */
	GATEWAY_HOST_ANSWERED,  /* a redirect or an error was the reply */
};

/* What req's Host makes of it. For a subdomain request: *content_path is
 * the content path as sent ("/ipfs/{cid}" and the request's path, still
 * %-encoded; malloc'd, the caller frees it) and link_base (cap bytes)
 * "//{gateway host}[:port]", for links out of the origin. */
enum gateway_host_kind gateway_host(struct http_req *req, node *n, char **content_path, char *link_base,
                                    size_t cap);

#endif
