/*
 * The daemon: one event loop with the API and gateway listeners, the
 * services the options turn on, signals, the request log. The options are
 * parsed by the CLI (cli/cmd_daemon.c); everything here is what runs.
 */
#ifndef CAIRN_DAEMON_H
#define CAIRN_DAEMON_H

#include <stddef.h>

#include "anchorer.h"
#include "node.h"
#include "peers.h"
#include "replicator.h"
#include "witnesser.h"

typedef struct daemon_opts {
	const char *api_addr, *gw_addr; /* HOST:PORT; NULL: the config's, else the default */
	const char *peer_urls[PEERS_MAX];
	size_t npeers;                  /* 0: the config's Peers */
	const char *router_urls[PEERS_MAX];
	size_t nrouters;                /* 0: the config's Routers */
	unsigned peer_timeout;          /* seconds; 0: PEER_TIMEOUT_SECS */
	const char *replicate[REPLICATE_TARGETS_MAX]; /* "URL" or "URL,TOKEN" */
	size_t nreplicate;
	const char *pg_dsn;             /* the PostgreSQL mirror; NULL: none */
	anchor_opts anchor;             /* anchor.rpc NULL: no anchoring */
	const char *ca_file;            /* trusted beside the system's CAs for every
	                                 * https:// dialled; NULL: the config's TLS.CAFile */
	const char *witnesses[WITNESSER_MAX]; /* "URL,VKEY": witnesses to cosign checkpoints */
	size_t nwitnesses;
	unsigned witness_quorum;        /* 0: all of them */
} daemon_opts;

/* How daemon_run ends (the process's exit status). */
#define DAEMON_STOPPED 0     /* a signal stopped it */
#define DAEMON_FAILED 1      /* it could not start or run */
#define DAEMON_BAD_CONFIG 2  /* an option or the config is wrong */

/* Run the node on n (zeroed but for its repo, open and locked, and a
 * static API token if any: auth_set_static) until SIGINT or SIGTERM.
 * Closes the repo. Errors are printed as "cairn daemon: ..." on stderr. */
int daemon_run(node *n, const daemon_opts *o);

/* "HOST:PORT" with an IPv4 host or "localhost" (which becomes 127.0.0.1).
 * 0, or -1 if s is not that. */
int daemon_split_addr(const char *s, char *host, size_t cap, unsigned short *port);

#endif
