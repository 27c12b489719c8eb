/*
 * What the Kubo RPC endpoints share: their signature, the arguments they
 * take from the query, their replies, and running once the peers gave
 * what a request lacks. Every endpoint ends in exactly one reply.
 */
#ifndef CAIRN_KUBO_UTIL_H
#define CAIRN_KUBO_UTIL_H

#include <event2/buffer.h>
#include <event2/http.h>
#include "server.h"
#include <jansson.h>

#include "node.h"
#include "peers.h" /* FETCH_SCOPE_* */

struct evkeyvalq;
/* An endpoint: q is the parsed query, valid during the call. */
typedef void (*kubo_fn)(struct http_req *req, node *n, struct evkeyvalq *q);

/* 200 with j as the body (taken over); 500 if j is NULL (out of memory). */
void kubo_reply(struct http_req *req, json_t *j);

/* 200 with b as newline-delimited JSON, as Kubo streams its results
 * (Content-Type application/json, X-Chunked-Output: 1). b stays the
 * caller's. */
void kubo_reply_lines(struct http_req *req, struct evbuffer *b);

/* Append j (taken over) to b as one line of newline-delimited JSON. 0, or
 * -1 if j is NULL or cannot be written (out of memory). */
int kubo_add_line(struct evbuffer *b, json_t *j);

/* The arg= CID (a leading /ipfs/ allowed). 0, or an error reply and -1. */
int kubo_arg_cid(struct http_req *req, struct evkeyvalq *q, cairn_cid *cid);

/* The arg= CID[/path] or /ipfs/CID[/path], not resolved: the CID into
 * *root, the path after it (into the query's storage) into *rest. what
 * names the argument in the error. 0, or a 400 reply and -1. */
int kubo_arg_root(struct http_req *req, struct evkeyvalq *q, const char *what, cairn_cid *root,
                  const char **rest);

/* The arg= path, CID[/path] or /ipfs/CID[/path], resolved through UnixFS
 * directories. 0, or an error reply and -1. */
int kubo_arg_path(struct http_req *req, node *n, struct evkeyvalq *q, cairn_cid *cid);

/* The error reply for a failed walk or resolution: rc from dag.h, where
 * the block concerned, err the message of an I/O error. */
void kubo_dag_error(struct http_req *req, int rc, const cairn_cid *where, const char *err);

/* Why a step of a request failed (a multipart part, a CAR, a tree being
 * written): the step records the kind and returns -1, and the endpoint
 * answers once with kubo_fail. Steps never pick HTTP statuses. */
enum kubo_fail_kind {
	KUBO_FAIL_NONE,      /* nothing failed */
	KUBO_FAIL_INPUT,     /* the request's content is wrong: 400 */
	KUBO_FAIL_TOO_LARGE, /* past a limit: 413 */
	KUBO_FAIL_STORAGE,   /* a write failed: 507 for a full disk, else 500 */
	KUBO_FAIL_INTERNAL,  /* out of memory, the index: 500 */
	KUBO_FAIL_BUSY,      /* the node holds too much for requests now: 503 */
};

/* Answer req for a failure of kind (with io_errno, for KUBO_FAIL_STORAGE)
 * and its message. 5xx answers are logged. */
void kubo_fail(struct http_req *req, enum kubo_fail_kind kind, int io_errno, const char *msg);

/* Answer req for a multipart body that failed: with the failure a step
 * recorded (kind, io_errno, msg), or, if none did (kind KUBO_FAIL_NONE),
 * as bad input with the parser's message parse_err. */
void kubo_fail_body(struct http_req *req, enum kubo_fail_kind kind, int io_errno, const char *msg,
                    const char *parse_err);

/* A boolean query flag: 1, 0, or dflt when absent; -1 if malformed. */
int kubo_flag(struct evkeyvalq *q, const char *name, int dflt);

/* Run body once what arg= names is here, fetched from the node's peers if
 * not (peers_complete): its path and the block it ends at, or with
 * FETCH_SCOPE_ALL its whole DAG. */
void kubo_with_fetch(struct http_req *req, node *n, struct evkeyvalq *q, int scope,
                     kubo_fn body);

/* The endpoints, one family per file. */
void kubo_add(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_cat(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_ls(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_refs(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_block_get(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_block_stat(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_block_put(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_block_rm(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_pin_add(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_pin_ls(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_pin_rm(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_pin_verify(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_dag_export(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_dag_import(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_dag_put(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_dag_get(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_dag_stat(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_repo_stat(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_repo_gc(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_repo_verify(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_config(struct http_req *req, node *n, struct evkeyvalq *q);
void kubo_config_show(struct http_req *req, node *n, struct evkeyvalq *q);

#endif
