#include "gateway_stream.h"
#include "gateway.h"
#include "gateway_headers.h"

#include "cairn/dagpb.h"
#include "cairn/unixfs.h"
#include "http_util.h"
#include "peers.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_*, which keyvalq_struct.h needs */
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * A whole file fetched from peers and streamed to the client as its blocks
 * arrive, so the client does not wait for the fetch, and each block is
 * hashed once. The peer's CAR (dag-scope=entity, DFS order) is followed
 * with a stack of the CIDs the file needs next: the block on top is
 * emitted when it arrives, its links pushed; any other block is stored
 * but skipped (a duplicate the CAR leaves out, or a retry from another
 * peer starting over, is read from the store instead). Headers go out with
 * the first bytes (the root gives the size, the first bytes the type). If
 * the fetch fails after that, the connection is closed short of its
 * Content-Length: a client never takes a partial file for a whole one.
 */
struct gw_stream {
	struct http_req *req;
	node *n;
	peer_fetch *f;
	cairn_cid root;
	char root_text[CAIRN_CID_TEXT_MAX];
	char *raw_path;
	char *fname;        /* ?filename= */
	int download;       /* ?download=true */
	cairn_cid *stack;   /* what the file needs next, top last */
	size_t nstack, cap;
	int started;        /* headers sent */
	int not_file;       /* the root is not a UnixFS file: served the usual way */
	int broken;         /* a block did not decode: no more streaming */
	uint64_t size, sent;
	size_t buffered;    /* bytes queued, not yet written */
};

#define PEER_STREAM_BUFFER_MAX (16u << 20)

static void stream_free(struct gw_stream *g)
{
	free(g->stack);
	free(g->raw_path);
	free(g->fname);
	free(g);
}

static void stream_written(void *arg)
{
	struct gw_stream *g = arg;
	g->buffered = 0;
	if (g->f)
		peer_fetch_pause(g->f, 0);
}

/* evbuffer's hook for bytes it sent by reference: the block's last use
 * here. */
static void buf_release(const void *data, size_t len, void *buf)
{
	(void)data;
	(void)len;
	block_buf_unref(buf);
}

/* Bytes out: data lies in buf (sent by reference, no copy: a block is
 * copied once, from the peer's stream into buf) or, with buf NULL, in
 * memory the caller frees (copied). */
static void stream_emit(struct gw_stream *g, block_buf *buf, const uint8_t *data, size_t len)
{
	struct evkeyvalq *h = http_req_out(g->req);
	if (g->broken || g->sent + len > g->size) {
		g->broken = 1;
		return;
	}
	if (!g->started) {
		char etag[CAIRN_CID_TEXT_MAX + 4], clen[32];
		snprintf(etag, sizeof etag, "\"%s\"", g->root_text);
		evhttp_add_header(h, "Etag", etag);
		evhttp_add_header(h, "Cache-Control", GATEWAY_IMMUTABLE);
		evhttp_add_header(h, "X-Ipfs-Path", g->raw_path);
		evhttp_add_header(h, "X-Ipfs-Roots", g->root_text);
		evhttp_add_header(h, "Accept-Ranges", "bytes");
		if (g->fname || g->download)
			gateway_disposition(h, g->download ? "attachment" : "inline", g->fname ? g->fname : g->root_text);
		const char *type = gateway_type_by_name(g->fname);
		evhttp_add_header(h, "Content-Type", type ? type : gateway_sniff(data, len < 512 ? len : 512));
		snprintf(clen, sizeof clen, "%" PRIu64, g->size);
		evhttp_add_header(h, "Content-Length", clen);
		http_reply_start(g->req, 200, "OK");
		g->started = 1;
	}
	if (len == 0)
		return;
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		g->broken = 1;
		return;
	}
	if (buf ? evbuffer_add_reference(b, data, len, buf_release, block_buf_ref(buf))
	        : evbuffer_add(b, data, len)) {
		block_buf_unref(buf);
		evbuffer_free(b);
		g->broken = 1;
		return;
	}
	g->sent += len;
	g->buffered += len;
	/* a slow client: stop reading from the peer until this is written */
	http_reply_chunk(g->req, b, stream_written, g);
	evbuffer_free(b);
	if (g->buffered > PEER_STREAM_BUFFER_MAX && g->f)
		peer_fetch_pause(g->f, 1);
}

/* One block of the file, in order: its bytes out, its links pushed. */
static void stream_node(struct gw_stream *g, const cairn_cid *cid, block_buf *buf,
                        const uint8_t *data, size_t len, int is_root)
{
	if (cid->codec == CAIRN_CODEC_RAW) {
		if (is_root)
			g->size = len;
		stream_emit(g, buf, data, len);
		return;
	}
	cairn_pbnode pb;
	cairn_unixfs u;
	if (cid->codec != CAIRN_CODEC_DAG_PB || cairn_pbnode_decode(data, len, &pb) != 0 || !pb.has_data ||
	    cairn_unixfs_decode(pb.data, pb.data_len, &u) != 0) {
		if (is_root)
			g->not_file = 1;
		else
			g->broken = 1;
		return;
	}
	if (u.type != CAIRN_UNIXFS_FILE && u.type != CAIRN_UNIXFS_RAW) {
		if (is_root)
			g->not_file = 1;
		else
			g->broken = 1;
		return;
	}
	if (is_root)
		g->size = u.has_filesize ? u.filesize : u.data_len;
	if (u.data_len || (is_root && pb.nlinks == 0))
		stream_emit(g, buf, u.data, u.data_len);
	/* links, pushed last first so the first is on top */
	size_t at = g->nstack, cursor = 0;
	cairn_pblink l;
	if (g->nstack + pb.nlinks > g->cap) {
		size_t cap = (g->nstack + pb.nlinks) * 2;
		cairn_cid *st = realloc(g->stack, cap * sizeof *st);
		if (!st) {
			g->broken = 1;
			return;
		}
		g->stack = st;
		g->cap = cap;
	}
	for (size_t i = 0; i < pb.nlinks; i++) {
		if (cairn_pbnode_next_link(&pb, &cursor, &l) != 1 ||
		    cairn_cid_decode(l.hash, l.hash_len, &g->stack[at + pb.nlinks - 1 - i], NULL) != 0) {
			g->broken = 1;
			return;
		}
	}
	g->nstack += pb.nlinks;
}

/* Emit what the store already has on top of the stack (duplicates, or what
 * an earlier attempt brought). with_missing: stop quietly at a block the
 * store lacks. */
static void stream_from_store(struct gw_stream *g)
{
	char err[CAIRN_ERR_MAX];
	while (g->nstack && !g->broken && !g->not_file) {
		cairn_cid top = g->stack[g->nstack - 1];
		uint8_t *data;
		size_t len;
		if (top.mh.code == CAIRN_MH_IDENTITY) {
			g->nstack--;
			stream_node(g, &top, NULL, top.mh.digest, top.mh.len, 0);
			continue;
		}
		if (blockstore_get(&g->n->repo.bs, &top, &data, &len, err) != 0)
			return;
		g->nstack--;
		stream_node(g, &top, NULL, data, len, 0);
		free(data);
	}
}

static void stream_block(void *ctx, const cairn_cid *cid, block_buf *buf, const uint8_t *data,
                         size_t len)
{
	struct gw_stream *g = ctx;
	if (g->broken || g->not_file || !g->nstack || cairn_cid_compare(cid, &g->stack[g->nstack - 1]) != 0)
		return;
	g->nstack--;
	stream_node(g, cid, buf, data, len, !g->started && g->sent == 0 && cairn_cid_compare(cid, &g->root) == 0);
	stream_from_store(g);
}

static void stream_done(void *ctx, int outcome, const char *msg)
{
	struct gw_stream *g = ctx;
	g->f = NULL;
	if (outcome == FETCH_CANCELLED) {
		stream_free(g);
		return;
	}
	if (!g->started) {
		/* nothing sent yet: the usual way (a directory, a failure's reply:
		 * the peers' miss, not a fault of this node's) */
		if (outcome != FETCH_OK)
			http_req_mark_upstream(g->req);
		if (outcome == FETCH_OK)
			gateway_serve(g->req, g->n, 1);
		else
			http_reply_text(g->req, outcome == FETCH_TIMEOUT ? 504 : 502,
			                "could not get %s from peers: %.900s", g->root_text, msg);
		stream_free(g);
		return;
	}
	if (outcome == FETCH_OK)
		stream_from_store(g);
	if (outcome == FETCH_OK && !g->broken && g->nstack == 0 && g->sent == g->size) {
		http_reply_end(g->req);
	} else {
		/* short of Content-Length: close, so the client sees a broken transfer */
		char fault[CAIRN_ERR_MAX + 256];
		snprintf(fault, sizeof fault, "%s: streamed %" PRIu64 " of %" PRIu64 " bytes, then: %s",
		         g->root_text, g->sent, g->size, outcome == FETCH_OK ? "blocks missing" : msg);
		http_req_set_fault(g->req, fault);
		http_req_cut(g->req);
	}
	stream_free(g);
}

/* Stream /ipfs/{root} from the peers: 1 if started, 0 if not possible. */
int gateway_stream_from_peers(struct http_req *req, node *n, const cairn_cid *root,
                             const char *raw_path, struct evkeyvalq *q)
{
	const char *dl = evhttp_find_header(q, "download"), *fname = evhttp_find_header(q, "filename");
	struct gw_stream *g = calloc(1, sizeof *g);
	if (!g || !(g->raw_path = strdup(raw_path)) || (fname && !(g->fname = strdup(fname))) ||
	    !(g->stack = malloc(16 * sizeof *g->stack))) {
		if (g)
			stream_free(g);
		return 0;
	}
	g->req = req;
	g->n = n;
	g->root = *root;
	g->download = dl && strcmp(dl, "true") == 0;
	cairn_cid_to_string(root, g->root_text, sizeof g->root_text, NULL);
	g->cap = 16;
	g->stack[0] = *root;
	g->nstack = 1;
	if (!(g->f = peers_fetch(node_peers(n, req), req, root, "", FETCH_SCOPE_ENTITY, stream_done, g))) {
		stream_free(g);
		return 0;
	}
	peer_fetch_on_block(g->f, stream_block, g);
	return 1;
}

