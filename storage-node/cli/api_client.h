/*
 * The CLI's side of the Kubo RPC API: when a daemon holds the repo, CLI
 * commands are sent to it over HTTP instead (as `ipfs` does with a running
 * Kubo). A small blocking HTTP/1.1 client: one request per connection,
 * bodies sent from memory or a file, responses read with Content-Length or
 * chunked framing.
 */
#ifndef CAIRN_API_CLIENT_H
#define CAIRN_API_CLIENT_H

#include <stddef.h>
#include <stdio.h>

typedef struct api_client {
	char host[256];
	unsigned short port;
	char token[300]; /* sent as "Authorization: Bearer <token>" unless "" */
} api_client;

/* The API address of the daemon that holds the repo: the repo's api file
 * (written by the daemon while it runs), else the config's
 * Addresses.API; and the token from $CAIRN_API_TOKEN. *from says which
 * ("the api file", "the config"). 0, or -1 with a message in err. */
int api_client_from_repo(api_client *c, const char *repo_path, const char **from, char *err,
                         size_t errcap);

/* An address given by the user (--api, $CAIRN_API): HOST:PORT,
 * http://HOST:PORT, or a multiaddr /ip4/HOST/tcp/PORT[/http]; IPv4 or
 * localhost. The token from $CAIRN_API_TOKEN. 0, or -1 with err set. */
int api_client_from_addr(api_client *c, const char *addr, char *err, size_t errcap);

/* One multipart part (field "file") of an upload. */
typedef struct api_part {
	const char *path;     /* the file to send, "-" for standard input; NULL
	                       * for a directory (application/x-directory) */
	const char *filename; /* the part's name: a path inside a tree, "dir/f" */
	const char *symlink;  /* not NULL: a symlink to this target instead */
	const void *data;     /* not NULL: these len bytes instead of a file */
	size_t len;
} api_part;

/* What to upload: parts in order. The body goes out with chunked
 * transfer coding, so sizes need not be known first (standard input). */
typedef struct api_upload {
	const api_part *parts;
	size_t nparts;
} api_upload;

/* POST /api/v0/<cmd>?<query> (query already URL-encoded, may be NULL).
 * A 2xx response body is written to out, any other to err_body (so an
 * error never lands in a streamed output); *status receives the status.
 * Returns 0, or -1 with err set (connection or protocol failure). */
int api_client_post(const api_client *c, const char *cmd, const char *query,
                    const api_upload *upload, FILE *out, FILE *err_body, int *status,
                    char *err, size_t errcap);

/* POST a JSON body to path (a JSON-RPC call); the response body goes to
 * out whatever the status. 0, or -1 with err set. */
int api_client_post_json(const api_client *c, const char *path, const char *json, FILE *out,
                         int *status, char *err, size_t errcap);


/* %-encode s (all but A-Z a-z 0-9 - _ . ~) into out, cap bytes. 0, or -1
 * if it does not fit: never a value cut short without a word. */
int api_client_escape(const char *s, char *out, size_t cap);

#endif
