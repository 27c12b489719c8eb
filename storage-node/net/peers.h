/*
 * Peers (cairn daemon --peer URL, repeatable; config "Peers": [URL, …]):
 * other cairn nodes or any IPFS trustless gateway, asked for what this node
 * lacks. Only the public trustless gateway protocol is used on the wire:
 *
 *   GET {url}/ipfs/{cid}[/path]?format=car&dag-scope={block|entity|all}
 *   Accept: application/vnd.ipld.car
 *
 * The CAR is parsed as it arrives and every block is re-hashed against its
 * CID before it is stored (car_io.h), so nothing a peer says is trusted:
 * a block that does not match its CID ends the transfer, and the peer is
 * dropped for PEER_BAD_SECS and counted. Fetched blocks are cached, not
 * pinned: GC may remove them.
 *
 * Peers are tried in order. One that cannot be reached, fails its TLS
 * checks, answers with an error or stalls for PEER_TIMEOUT_SECS is skipped
 * for a while (PEER_DOWN_SECS, doubling with each failure up to
 * PEER_DOWN_MAX_SECS). docs/peers.md.
 */
#ifndef CAIRN_PEERS_H
#define CAIRN_PEERS_H

#include "cairn/cid.h"
#include "repo.h"
#include "bs_writer.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

struct http_req;

#define PEERS_MAX 16
#define PEER_URL_MAX 256
/* A peer silent this long (connecting, or between two reads) has failed
 * (the default of --peer-timeout). */
#define PEER_TIMEOUT_SECS 10
#define PEER_DOWN_SECS 2
#define PEER_DOWN_MAX_SECS 60
/* Fetched blocks are made visible every this many bytes. */
#define PEER_COMMIT_BYTES (8u << 20)
/* Fetched blocks are written by a thread of their own (bs_writer.h), so
 * the loop streams on while the filesystem works. Past this many bytes
 * queued for it (on one loop), fetches stop reading from their peers
 * until the queue is down to PEER_WRITE_QUEUE_LOW: memory stays bounded
 * when the disk is slower than the network. */
#define PEER_WRITE_QUEUE_MAX (32u << 20)
#define PEER_WRITE_QUEUE_LOW (8u << 20)
/* A CAR is read from the peer's socket this much at a time: a block
 * (256 KiB by default) in one or two reads rather than sixteen. */
#define PEER_READ_BUFFER (256u << 10)
/* A peer caught sending a block that is not what its CID names. */
#define PEER_BAD_SECS 600

/* Outcomes of a fetch. */
#define FETCH_OK 0          /* blocks were fetched, verified and stored */
#define FETCH_NOT_FOUND 1   /* every peer asked said 404 */
#define FETCH_FAILED 2      /* no peer gave valid data (down, errors, lies) */
#define FETCH_TIMEOUT 3     /* as FETCH_FAILED, and a peer timed out */
#define FETCH_CANCELLED 4   /* the client went away: do not answer it */

/* What to ask for: the DAG scopes of the trustless gateway spec. */
#define FETCH_SCOPE_BLOCK 0
#define FETCH_SCOPE_ENTITY 1
#define FETCH_SCOPE_ALL 2

typedef struct peers peers;
typedef struct peer_fetch peer_fetch;

/* msg says what happened (for a reply body); valid during the call. */
typedef void (*peers_done_fn)(void *ctx, int outcome, const char *msg);

/* Peers at these URLs (http(s)://HOST[:PORT][/PREFIX]), reached through
 * the node's HTTP client (http/client.h: TLS checked, ca_file trusted
 * beside the system's CAs if not NULL, HTTP/2 where offered, connections
 * kept). NULL with err set for a bad URL or too many. The caller keeps
 * base and r. */
peers *peers_new(struct event_base *base, repo *r, const char *const *urls, size_t n,
                 unsigned timeout_secs, const char *ca_file, char *err);
/* Free p; fetches still under way are dropped without their done. May
 * be called from a fetch's done (it then takes effect when that returns). */
void peers_free(peers *p);

/* Peers with p's URLs, routers and timeout, for another event loop:
 * their own client on base. What a loop learns of a peer (failing, lying)
 * is kept in p, so every loop skips it; each counts its own fetches, and
 * peers_metrics sums the counts. p must outlive the copy. NULL with err
 * set. */
peers *peers_new_like(const peers *p, struct event_base *base, const char *ca_file, char *err);

/* Routers (routing v1 API servers, http(s)://HOST[:PORT][/PREFIX]): when no peer
 * gives the content, each is asked in turn for providers of the root
 * (GET /routing/v1/providers/{cid}); those reachable as trustless gateways
 * (an /ip4|ip6|dns…/tcp/PORT/http address), except self, are tried as
 * peers. 0, or -1 with err set. */
int peers_add_routers(peers *p, const char *const *urls, size_t n, const char *self, char *err);

/* The URL of an /ip4, /ip6 or /dns… …/tcp/PORT/http (or /https, or
 * /tls/http) multiaddr (what follows, such as /p2p/ID, is ignored). 0, or
 * -1 for any other address. */
int peers_multiaddr_url(const char *ma, char *out, size_t cap);

/* Fetch /ipfs/{root}{path} (path: "" or "/a/b", URI-escaped) in scope,
 * for the HTTP request req (or NULL): done runs exactly once, later; with
 * FETCH_CANCELLED if req's client went away meanwhile (req is gone then).
 * NULL when out of memory. */
peer_fetch *peers_fetch(peers *p, struct http_req *req, const cairn_cid *root,
                        const char *path, int scope, peers_done_fn done, void *ctx);

/* Times one request asks the peers for what it still lacks. Each fetch
 * brings what hangs below the first block missing; a DAG that one peer
 * has only in part, or a path whose directories come from one peer and
 * whose file from another, takes several. */
#define PEERS_FETCH_ROUNDS 8

/* What a request needs here before it can be answered (need): */
#define PEERS_NEED_BLOCK 0  /* the block root/path ends at */
#define PEERS_NEED_DAG 1    /* that block and every block below it */

/* Make what root/path names local: resolve path ("" or "/a/b", not
 * escaped) through the UnixFS directories here, find the first block
 * missing of what need asks for, fetch from it down (scope as
 * peers_fetch; with a path, the first fetch asks for root/path as written,
 * so a peer resolves it in one go), and look again, up to PEERS_FETCH_ROUNDS
 * fetches, for the HTTP request req (or NULL).
 * 0: nothing is missing (or it cannot be resolved here for another reason,
 * which the caller's own run reports); the caller goes on now.
 * 1: the request waits; done runs once, later: FETCH_OK when nothing is
 * missing any more or the rounds are spent (the caller looks again, and
 * answers for what is still missing), else the last fetch's outcome.
 * -1: out of memory; nothing waits. */
int peers_complete(peers *p, struct http_req *req, const cairn_cid *root, const char *path,
                   int scope, unsigned need, peers_done_fn done, void *ctx);

/* Hand each block of the fetch to fn as soon as it is verified (queued
 * for the store, not yet committed), in the order the peers send them; a
 * later attempt (another peer) sends its blocks again from the start.
 * data lies in buf, which fn may keep with block_buf_ref() (a reply that
 * sends it by reference). Set before the loop runs again after
 * peers_fetch. */
typedef void (*peer_block_fn)(void *ctx, const cairn_cid *cid, block_buf *buf, const uint8_t *data,
                              size_t len);
void peer_fetch_on_block(peer_fetch *f, peer_block_fn fn, void *ctx);

/* Stop (1) or resume (0) reading from the peer: backpressure from a slow
 * client of a streamed fetch. */
void peer_fetch_pause(peer_fetch *f, int paused);

/* Prometheus lines: per peer, fetches by outcome, blocks and bytes
 * fetched, bad blocks, and whether it is usable now; summed over list[0..n)
 * (the same peers on each loop, list[0] loop 0's), which may be counting
 * on their own loops meanwhile. */
void peers_metrics(const peers *const *list, size_t n, struct evbuffer *out);

#endif
