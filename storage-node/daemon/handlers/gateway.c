/*
 * The read-only HTTP gateway: GET and HEAD /ipfs/{cid}[/path], per the IPFS
 * path gateway and trustless gateway specs.
 *   default            a file's bytes (Content-Type from the name's
 *                      extension, else sniffed; single Range); a directory:
 *                      301 to add the trailing slash, then its index.html,
 *                      else an HTML listing
 *   ?format=raw or     the exact bytes of the block the path ends at
 *   Accept: application/vnd.ipld.raw
 *   ?format=car or     a CARv1 (order=dfs, dups=n): the blocks the path went
 *   Accept: application/vnd.ipld.car  through, then the DAG at its end, with
 *                      dag-scope=all|entity|block and entity-bytes=from:to
 *   ?format=tar or     the UnixFS file or tree as a tar archive (tar.h)
 *   Accept: application/x-tar
 *   ?format=dag-json|dag-cbor|json|cbor (or their Accept types): the block
 *                      in that IPLD codec, converted where it is another
 *                      (IPIP-328); records (dag-cbor, dag-json, json) are
 *                      served in their own codec by default, and to a
 *                      browser (Accept: text/html) as a page
 * Paths go through basic and HAMT-sharded UnixFS directories (dir.h), and
 * through the maps, lists and links of records (ipld.h).
 * Immutable content: ETag is the CID, If-None-Match gives 304, and
 * Cache-Control says so for a year (29030400 s, as Kubo).
 */
#include "gateway.h"
#include "gateway_headers.h"
#include "gateway_host.h"
#include "gateway_stream.h"

#include "dag.h"
#include "dir.h"
#include "ipld.h"
#include "tar.h"
#include "cairn/error.h"
#include "stream.h"
#include "car_io.h"
#include "http_util.h"
#include "peers.h"
#include "routing.h"
#include "tlog.h"
#include "cairn/dagpb.h"
#include "cairn/unixfs.h"

#include <event2/buffer.h>
#include <sys/queue.h> /* TAILQ_INIT, which keyvalq_struct.h does not define */
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Generated listings may change with cairn's template: a week, as Kubo. */
#define LISTING_CACHE "public, max-age=604800"
/* A listing shows at most this many entries (a HAMT can hold millions). */
#define LISTING_MAX 10000

/* What a request resolved to. */
struct target {
	const char *raw_path;      /* the content path, /ipfs/{cid}[/path] (still %-encoded) */
	const char *link_base;     /* links to other content: "" (this host), or "//{gateway}" from a subdomain */
	cairn_cid root, cid;       /* the CID in the URL; the one the path ends at */
	char cid_text[CAIRN_CID_TEXT_MAX];
	const char *name;          /* last path segment (decoded), or NULL */
	dir_trail *trail;
};

/* ETag, Cache-Control, X-Ipfs-Path and X-Ipfs-Roots. */
static void common_headers(struct evkeyvalq *h, const struct target *t, const char *etag)
{
	struct evbuffer *roots = evbuffer_new();
	char text[CAIRN_CID_TEXT_MAX];
	for (size_t i = 0; roots && i < t->trail->nroots; i++) {
		cairn_cid_to_string(&t->trail->roots[i], text, sizeof text, NULL);
		evbuffer_add_printf(roots, "%s%s", i ? "," : "", text);
	}
	evhttp_add_header(h, "Etag", etag);
	evhttp_add_header(h, "Cache-Control", GATEWAY_IMMUTABLE);
	evhttp_add_header(h, "X-Ipfs-Path", t->raw_path);
	if (roots && evbuffer_add(roots, "", 1) == 0)
		evhttp_add_header(h, "X-Ipfs-Roots", (const char *)evbuffer_pullup(roots, -1));
	if (roots)
		evbuffer_free(roots);
}

static void free_block(const void *data, size_t len, void *extra)
{
	(void)len;
	(void)extra;
	free((void *)data);
}

/* The block the path ends at (the caller frees it): 0, or a reply (404,
 * 500) and -1. */
static int read_block(struct http_req *req, node *n, const struct target *t, uint8_t **data, size_t *len)
{
	char err[CAIRN_ERR_MAX] = "";
	int rc = blockstore_get(&n->repo.bs, &t->cid, data, len, err);
	if (rc == BS_NOT_FOUND || rc == BS_CORRUPT) {
		http_reply_text(req, 404, "block not found: %s", t->cid_text);
		return -1;
	}
	if (rc != 0) {
		http_req_set_fault(req, err);
		http_reply_text(req, node_store_status(req, n), "could not read the block");
		return -1;
	}
	return 0;
}

static void serve_raw(struct http_req *req, node *n, const struct target *t, int head)
{
	struct evkeyvalq *h = http_req_out(req);
	char etag[CAIRN_CID_TEXT_MAX + 8], len[32];
	uint8_t *data;
	size_t dlen;

	snprintf(etag, sizeof etag, "\"%s.raw\"", t->cid_text);
	if (read_block(req, n, t, &data, &dlen) != 0)
		return;
	common_headers(h, t, etag);
	gateway_binary_headers(h, "application/vnd.ipld.raw", t->cid_text, "bin");
	if (gateway_not_modified(req, etag)) {
		free(data);
		return;
	}
	struct evbuffer *b = evbuffer_new();
	snprintf(len, sizeof len, "%zu", dlen);
	evhttp_add_header(h, "Content-Length", len);
	/* the block's buffer goes out as it is, freed once written */
	if (!head && b && evbuffer_add_reference(b, data, dlen, free_block, NULL) == 0)
		data = NULL;
	http_reply(req, 200, "OK", b);
	if (b)
		evbuffer_free(b);
	free(data);
}

/* Serve a file; r (taken over) is its reader when the caller opened one
 * already, else NULL. */
static void serve_file(struct http_req *req, node *n, const struct target *t,
                       const cairn_cid *file, dag_reader *r, const char *name,
                       struct evkeyvalq *q, int head)
{
	struct evkeyvalq *in = http_req_in(req);
	struct evkeyvalq *h = http_req_out(req);
	char etag[CAIRN_CID_TEXT_MAX + 4], text[CAIRN_CID_TEXT_MAX], err[512] = "", crange[96];
	cairn_cid where;

	if (!r && !(r = http_open_file(req, &n->repo.bs, file, 0)))
		return;
	cairn_cid_to_string(file, text, sizeof text, NULL);
	snprintf(etag, sizeof etag, "\"%s\"", text);
	common_headers(h, t, etag);
	evhttp_add_header(h, "Accept-Ranges", "bytes");
	if (gateway_not_modified(req, etag)) {
		dag_reader_close(r);
		free(r);
		return;
	}
	/* ?filename= names the download (and its type); ?download=true makes
	 * it an attachment. */
	const char *fname = evhttp_find_header(q, "filename");
	const char *dl = evhttp_find_header(q, "download");
	if (fname || (dl && strcmp(dl, "true") == 0))
		gateway_disposition(h, dl && strcmp(dl, "true") == 0 ? "attachment" : "inline",
		            fname ? fname : name ? name : text);
	const char *type = gateway_type_by_name(fname ? fname : name);
	if (type) {
		evhttp_add_header(h, "Content-Type", type);
	} else if (r->st[0].own_len > 0 || r->size == 0) {
		/* The root block holds the first bytes (a raw block, a one-block
		 * file): sniff them where they are, without reading it again. */
		const struct dag_frame *f0 = &r->st[0];
		evhttp_add_header(h, "Content-Type", gateway_sniff(f0->own, f0->own_len < 512 ? f0->own_len : 512));
	} else {
		/* Sniff from the first bytes (a separate short reader: the main
		 * one may start mid-file for a Range). */
		dag_reader probe;
		const uint8_t *p = (const uint8_t *)"";
		size_t pn = 0;
		if (dag_reader_open(&probe, &n->repo.bs, file, &where, err) == 0) {
			dag_reader_range(&probe, 0, 512);
			if (dag_reader_next(&probe, &p, &pn, &where, err) != 0)
				pn = 0;
			evhttp_add_header(h, "Content-Type", gateway_sniff(p, pn));
			dag_reader_close(&probe);
		}
	}
	uint64_t off, len, size = r->size;
	int range = http_parse_range(evhttp_find_header(in, "Range"), size, &off, &len);
	if (range < 0) {
		snprintf(crange, sizeof crange, "bytes */%" PRIu64, size);
		dag_reader_close(r);
		free(r);
		evhttp_remove_header(h, "Content-Type");
		evhttp_add_header(h, "Content-Range", crange);
		http_reply_text(req, 416, "range not satisfiable: the file has %" PRIu64 " bytes", size);
		return;
	}
	if (range > 0) {
		dag_reader_range(r, off, len);
		snprintf(crange, sizeof crange, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off,
		         off + len - 1, size);
		evhttp_add_header(h, "Content-Range", crange);
	}
	stream_source *src = stream_file(r);
	if (!src) {
		dag_reader_close(r);
		free(r);
		http_reply_text(req, 500, "out of memory");
		return;
	}
	/* a block of a cached file that GC (or block/rm) took: ask again */
	http_stream(req, range > 0 ? 206 : 200, src, head ? 0 : STREAM_BODY, node_peers(n, req),
	            node_stream_loop(n, req));
}

struct listing {
	struct evbuffer *b;
	blockstore *bs;
	size_t count;
	const char *link_base; /* target's */
};

/* An entry's size as a reader means it: a file's bytes (a raw leaf's
 * link size is its length; a UnixFS file says its filesize), not the
 * link's cumulative DAG size. 1 with *size set; 0 for a directory or
 * what is not here to read (no size shown). */
static int entry_size(blockstore *bs, const cairn_cid *cid, uint64_t tsize, uint64_t *size)
{
	if (cid->codec == CAIRN_CODEC_RAW) {
		*size = cid->mh.code == CAIRN_MH_IDENTITY ? cid->mh.len : tsize;
		return 1;
	}
	uint8_t *data = NULL;
	size_t len = 0;
	char err[CAIRN_ERR_MAX];
	cairn_pbnode pb;
	cairn_unixfs u;
	int ok = 0;
	if (cid->mh.code == CAIRN_MH_IDENTITY) {
		data = (uint8_t *)cid->mh.digest;
		len = cid->mh.len;
	} else if (cid->codec != CAIRN_CODEC_DAG_PB || blockstore_get_scan(bs, cid, &data, &len, err) != 0) {
		return 0;
	}
	if (cairn_pbnode_decode(data, len, &pb) == 0 && pb.has_data &&
	    cairn_unixfs_decode(pb.data, pb.data_len, &u) == 0 &&
	    (u.type == CAIRN_UNIXFS_FILE || u.type == CAIRN_UNIXFS_RAW)) {
		*size = u.has_filesize ? u.filesize : u.data_len;
		ok = 1;
	}
	if (data != cid->mh.digest)
		free(data);
	return ok;
}

/* 10000000 as "9.5 MiB" (bytes below 1 KiB as they are). */
static void human_size(uint64_t n, char *out, size_t cap)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	if (n < 1024) {
		snprintf(out, cap, "%" PRIu64 " B", n);
		return;
	}
	double v = (double)n / 1024;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static int list_entry(void *ctx, const char *name, size_t len, const cairn_cid *cid, uint64_t tsize)
{
	struct listing *l = ctx;
	char text[CAIRN_CID_TEXT_MAX], human[32];
	uint64_t size;
	if (l->count++ >= LISTING_MAX)
		return 0; /* counted, not shown */
	char *href = evhttp_uriencode(name, (ev_ssize_t)len, 0);
	cairn_cid_to_string(cid, text, sizeof text, NULL);
	evbuffer_add_printf(l->b, "<tr><td><a href=\"./%s\">", href ? href : "");
	http_html_escape(l->b, name, len);
	evbuffer_add_printf(l->b, "</a></td><td><a class=\"cid\" href=\"%s/ipfs/%s?filename=%s\">%s</a></td>",
	                    l->link_base, text, href ? href : "", text);
	if (entry_size(l->bs, cid, tsize, &size)) {
		human_size(size, human, sizeof human);
		evbuffer_add_printf(l->b, "<td title=\"%" PRIu64 " bytes\">%s</td></tr>\n", size, human);
	} else {
		evbuffer_add_printf(l->b, "<td></td></tr>\n");
	}
	free(href);
	return 0;
}

/* Is the listing at the root of its content (/ipfs/CID/), where ".."
 * would lead out of it? */
static int at_content_root(const char *raw_path)
{
	const char *p = strncmp(raw_path, "/ipfs/", 6) == 0 ? raw_path + 6 : raw_path;
	const char *slash = strchr(p, '/');
	return !slash || slash[1] == '\0' || slash[1] == '?';
}

/* 200 with the generated HTML page in b (freed here); for HEAD, its
 * length without it. */
static void reply_page(struct http_req *req, struct evbuffer *b, int head)
{
	struct evkeyvalq *h = http_req_out(req);
	evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
	if (head) {
		char len[32];
		snprintf(len, sizeof len, "%zu", evbuffer_get_length(b));
		evhttp_add_header(h, "Content-Length", len);
		evbuffer_drain(b, evbuffer_get_length(b));
	}
	http_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* A directory: its index.html if it has one, else a listing. The request
 * path ends in '/' here (the caller redirected otherwise). */
static void serve_dir(struct http_req *req, node *n, const struct target *t,
                      struct evkeyvalq *q, int head)
{
	struct evkeyvalq *h = http_req_out(req);
	cairn_cid index, where;
	char err[CAIRN_ERR_MAX] = "", etag[CAIRN_CID_TEXT_MAX + 32], wtext[CAIRN_CID_TEXT_MAX];

	int rc = dir_resolve(&n->repo.bs, &t->cid, "index.html", &index, NULL, &where, err);
	if (rc == 0) {
		serve_file(req, n, t, &index, NULL, "index.html", q, head);
		return;
	}
	if (rc != DIR_NOT_FOUND) {
		cairn_cid_to_string(&where, wtext, sizeof wtext, NULL);
		http_reply_text(req, rc == DAG_MISSING ? 404 : rc == DAG_INVALID ? 422 : node_store_status(req, n),
		                "%s: %s", rc == DAG_MISSING ? "block not found" : "cannot read the directory",
		                rc > 0 ? wtext : err);
		return;
	}
	snprintf(etag, sizeof etag, "\"DirIndex-cairn1_CID-%s\"", t->cid_text);
	if (gateway_etag_matches(evhttp_find_header(http_req_in(req), "If-None-Match"), etag)) {
		common_headers(h, t, etag);
		http_reply(req, 304, "Not Modified", NULL);
		return;
	}
	struct listing l = {evbuffer_new(), &n->repo.bs, 0, t->link_base};
	if (!l.b) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	evbuffer_add_printf(l.b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	http_html_escape(l.b, t->raw_path, strlen(t->raw_path));
	evbuffer_add_printf(l.b, "</title><style>body{font-family:sans-serif;margin:2em}"
	                    "td{padding:.2em 1em .2em 0}.cid{font-family:monospace;font-size:.8em}"
	                    "</style></head><body>\n<h1>Index of ");
	http_html_escape(l.b, t->raw_path, strlen(t->raw_path));
	evbuffer_add_printf(l.b, "</h1>\n<p class=\"cid\">%s</p>\n<table>\n", t->cid_text);
	if (!at_content_root(t->raw_path)) /* at the root, ".." leads nowhere */
		evbuffer_add_printf(l.b, "<tr><td><a href=\"..\">..</a></td><td></td><td></td></tr>\n");
	rc = dir_list(&n->repo.bs, &t->cid, list_entry, &l, &where, err);
	if (rc != 0) {
		evbuffer_free(l.b);
		cairn_cid_to_string(&where, wtext, sizeof wtext, NULL);
		http_reply_text(req, rc == DAG_MISSING ? 404 : rc < 0 ? node_store_status(req, n) : 422, "%s: %s",
		                rc == DAG_MISSING ? "block not found" : "cannot list the directory",
		                rc > 0 ? wtext : err);
		return;
	}
	evbuffer_add_printf(l.b, "</table>\n");
	if (l.count > LISTING_MAX)
		evbuffer_add_printf(l.b, "<p>%zu more entries are not listed.</p>\n", l.count - LISTING_MAX);
	evbuffer_add_printf(l.b, "</body></html>\n");
	common_headers(h, t, etag);
	evhttp_remove_header(h, "Cache-Control");
	evhttp_add_header(h, "Cache-Control", LISTING_CACHE);
	reply_page(req, l.b, head);
}

/* entity-bytes=from:to (to inclusive, '*' for the end; negative values
 * count from the end). Returns 0 with [*from, *to) or -1 if malformed. */
static int parse_entity_bytes(const char *s, uint64_t size, uint64_t *from, uint64_t *to)
{
	char *end;
	long long a = strtoll(s, &end, 10);
	if (end == s || *end != ':')
		return -1;
	const char *t = end + 1;
	long long b;
	if (strcmp(t, "*") == 0) {
		b = (long long)size - 1;
	} else {
		b = strtoll(t, &end, 10);
		if (end == t || *end)
			return -1;
	}
	if (a < 0)
		a += (long long)size;
	if (b < 0)
		b += (long long)size;
	if (a < 0)
		a = 0;
	if (b < a)
		return -1;
	*from = (uint64_t)a;
	*to = (uint64_t)b + 1;
	return 0;
}

static void serve_car(struct http_req *req, node *n, const struct target *t,
                      struct evkeyvalq *q, int head)
{
	struct evkeyvalq *h = http_req_out(req);
	const char *scope_s = evhttp_find_header(q, "dag-scope");
	const char *range_s = evhttp_find_header(q, "entity-bytes");
	int scope = DAG_SCOPE_ALL;
	uint64_t from = 0, to = UINT64_MAX;
	char etag[CAIRN_CID_TEXT_MAX * 2 + 160], root_text[CAIRN_CID_TEXT_MAX];

	if (scope_s && strcmp(scope_s, "block") == 0)
		scope = DAG_SCOPE_BLOCK;
	else if (scope_s && strcmp(scope_s, "entity") == 0)
		scope = DAG_SCOPE_ENTITY;
	else if (scope_s && strcmp(scope_s, "all") != 0) {
		http_reply_text(req, 400, "unsupported dag-scope '%.40s' (use all, entity or block)", scope_s);
		return;
	}
	if (range_s) {
		/* entity-bytes implies dag-scope=entity */
		dag_reader r;
		cairn_cid where;
		char err[CAIRN_ERR_MAX];
		uint64_t size = 0;
		scope = DAG_SCOPE_ENTITY;
		if (dag_reader_open(&r, &n->repo.bs, &t->cid, &where, err) == 0) {
			size = r.size;
			dag_reader_close(&r);
		}
		if (parse_entity_bytes(range_s, size, &from, &to) != 0) {
			http_reply_text(req, 400, "invalid entity-bytes '%.40s' (use from:to)", range_s);
			return;
		}
	}
	cairn_cid_to_string(&t->root, root_text, sizeof root_text, NULL);
	/* The etag names the path's end, the path's start and the scope. */
	snprintf(etag, sizeof etag, "\"%s.car.%s.%s.%.40s\"", t->cid_text, root_text,
	         scope == DAG_SCOPE_BLOCK ? "block" : scope == DAG_SCOPE_ENTITY ? "entity" : "all",
	         range_s ? range_s : "-");
	if (gateway_etag_matches(evhttp_find_header(http_req_in(req), "If-None-Match"), etag)) {
		common_headers(h, t, etag);
		http_reply(req, 304, "Not Modified", NULL);
		return;
	}
	/* The path's end must exist before a 200 goes out. */
	int have = blockstore_has(&n->repo.bs, &t->cid);
	if (have != 1) {
		http_reply_text(req, have == 0 ? 404 : node_store_status(req, n),
		                have == 0 ? "block not found: %s" : "could not look up %s", t->cid_text);
		return;
	}
	stream_source *src = stream_car(&n->repo.bs, &t->root, t->trail->blocks, t->trail->nblocks,
	                                &t->cid, scope, from, to);
	if (!src) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	common_headers(h, t, etag);
	gateway_binary_headers(h, "application/vnd.ipld.car; version=1; order=dfs; dups=n", t->cid_text, "car");
	http_stream(req, 200, src, head ? 0 : STREAM_BODY, NULL, NULL);
}

/* Resolution failed: the status and a short text body. */
static void resolve_error(struct http_req *req, node *n, int rc, const cairn_cid *where,
                          const char *path, const char *err)
{
	char text[CAIRN_CID_TEXT_MAX] = "";
	if (rc > 0)
		cairn_cid_to_string(where, text, sizeof text, NULL);
	switch (rc) {
	case DIR_NOT_FOUND:
	case DIR_NOT_DIR:
		if (err && err[0]) { /* said by the walk through a record */
			http_reply_text(req, 404, "no such path: %.300s (%s)", path, err);
			break;
		}
		if (rc == DIR_NOT_FOUND) {
			http_reply_text(req, 404, "no such path: %.300s (not in directory %s)", path, text);
			break;
		}
		http_reply_text(req, 404, "no such path: %.300s (%s is not a directory)", path, text);
		break;
	case DAG_MISSING:
		http_reply_text(req, 404, "block not found: %s", text);
		break;
	case DAG_INVALID:
		http_reply_text(req, 422, "cannot follow the path: block %s does not decode (or the "
		                "path is too deep)", text);
		break;
	default:
		http_req_set_fault(req, err);
		http_reply_text(req, node_store_status(req, n), "could not resolve the path");
	}
}

/* A request waiting for its blocks to arrive from peers. */
struct gw_wait {
	struct http_req *req;
	node *n;
	int round;
	char what[CAIRN_CID_TEXT_MAX];
};


static void fetched(void *ctx, int outcome, const char *msg)
{
	struct gw_wait *w = ctx;
	if (outcome == FETCH_CANCELLED)
		; /* nobody to answer */
	else if (outcome == FETCH_OK)
		gateway_serve(w->req, w->n, w->round + 1);
	else {
		/* the peers' miss, not a fault of this node's (metrics.h) */
		http_req_mark_upstream(w->req);
		if (outcome == FETCH_NOT_FOUND)
			http_reply_text(w->req, 502, "no peer has %s: %.900s", w->what, msg);
		else
			http_reply_text(w->req, outcome == FETCH_TIMEOUT ? 504 : 502,
			                "could not get %s from peers: %.900s", w->what, msg);
	}
	free(w);
}

/* Missing content: ask the peers for it (what names the block, path is
 * URI-escaped below it), and answer once they did. 1 if the request now
 * waits; 0 if there is nobody to ask, or it was asked enough already, and
 * the caller answers. */
/* A request is served again after each fetch (the path, then a file's
 * missing part, …), up to PEERS_FETCH_ROUNDS times in all. */
static int fetch_missing(struct http_req *req, node *n, int round, const cairn_cid *what,
                         const char *path, int scope)
{
	if (!node_peers(n, req) || round >= PEERS_FETCH_ROUNDS || what->mh.code == CAIRN_MH_IDENTITY)
		return 0;
	struct gw_wait *w = calloc(1, sizeof *w);
	if (!w)
		return 0;
	w->req = req;
	w->n = n;
	w->round = round;
	cairn_cid_to_string(what, w->what, sizeof w->what, NULL);
	if (!peers_fetch(node_peers(n, req), req, what, path, scope, fetched, w)) {
		free(w);
		return 0;
	}
	return 1;
}

/* A DAG that must be whole before it is served (a CAR): completed from the
 * peers in one go (peers_complete spends the rounds), then served again
 * without asking further. 1 if the request now waits. */
static int complete_dag(struct http_req *req, node *n, const cairn_cid *root, int scope)
{
	struct gw_wait *w = calloc(1, sizeof *w);
	if (!w)
		return 0;
	*w = (struct gw_wait){.req = req, .n = n, .round = PEERS_FETCH_ROUNDS - 1};
	cairn_cid_to_string(root, w->what, sizeof w->what, NULL);
	if (peers_complete(node_peers(n, req), req, root, "", scope, PEERS_NEED_DAG, fetched, w) != 1) {
		free(w);
		return 0;
	}
	return 1;
}

void gateway_handle(struct http_req *req, void *arg)
{
	gateway_serve(req, arg, 0);
}

/* One request as it goes: what it asked for, and what it resolved to. */
struct gw_req {
	struct http_req *req;
	node *n;
	int round;              /* how many times peers were asked for it already */
	int head;
	struct evkeyvalq *q;
	const char *uri_path;   /* the content path, /ipfs/{cid}... (still %-encoded) */
	const char *req_path;   /* the path as sent: uri_path, or below the subdomain's root */
	const char *rest;       /* the decoded path below the CID: "" or "/a/b" */
	const char *raw_rest;   /* the same as sent, or NULL */
	struct target t;
};

/* ?format=raw|car (or their Accept types): the block, or a CAR of what
 * hangs below it, fetched from the peers first where it is missing. */
static void serve_verifiable(struct gw_req *g, int raw)
{
	struct http_req *req = g->req;
	node *n = g->n;
	const char *scope_q = evhttp_find_header(g->q, "dag-scope");
	char err[CAIRN_ERR_MAX] = "";
	cairn_cid where;
	if (g->t.cid.mh.code != CAIRN_MH_IDENTITY && !blockstore_has(&n->repo.bs, &g->t.cid) &&
	    fetch_missing(req, n, g->round, &g->t.cid, "",
	                  raw ? FETCH_SCOPE_BLOCK
	                  : scope_q && strcmp(scope_q, "all") == 0 ? FETCH_SCOPE_ALL
	                  : scope_q && strcmp(scope_q, "block") == 0 ? FETCH_SCOPE_BLOCK : FETCH_SCOPE_ENTITY))
		return;
	if (raw) {
		serve_raw(req, n, &g->t, g->head);
		return;
	}
	/* With peers, a CAR of a whole DAG (or of a file, its entity) must not
	 * stop at a block this node lacks: what is missing is fetched first. */
	if (node_peers(n, req) && g->round < PEERS_FETCH_ROUNDS) {
		int all = !(scope_q && strcmp(scope_q, "all") != 0);
		dag_reader fr0;
		int file = !all && !(scope_q && strcmp(scope_q, "block") == 0) &&
		           dag_reader_open(&fr0, &n->repo.bs, &g->t.cid, &where, err) == 0;
		if (file)
			dag_reader_close(&fr0);
		if ((all || file) && complete_dag(req, n, &g->t.cid, all ? FETCH_SCOPE_ALL : FETCH_SCOPE_ENTITY))
			return;
	}
	serve_car(req, n, &g->t, g->q, g->head);
}

/* A directory's pages need its path to end in '/' (relative links). */
static void redirect_to_slash(struct gw_req *g)
{
	const char *query = http_req_query(g->req);
	struct evbuffer *loc = evbuffer_new();
	if (!loc) {
		http_reply_text(g->req, 500, "out of memory");
		return;
	}
	evbuffer_add_printf(loc, "%s/%s%s", g->req_path, query ? "?" : "", query ? query : "");
	evbuffer_add(loc, "", 1);
	evhttp_add_header(http_req_out(g->req), "Location",
	                  (const char *)evbuffer_pullup(loc, -1));
	evbuffer_free(loc);
	http_reply_text(g->req, 301, "moved: a directory's path ends in '/'");
}

/* The default response: a file's bytes, a directory's index or listing. */
static void serve_unixfs(struct gw_req *g)
{
	struct http_req *req = g->req;
	node *n = g->n;
	struct target *t = &g->t;
	char err[CAIRN_ERR_MAX] = "";
	cairn_cid where;
	/* Most requests are for files: open the reader first, and look at what
	 * else the node is only if it is not one (each block read is hashed). */
	dag_reader *fr = malloc(sizeof *fr);
	if (!fr) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	int rc = dag_reader_open(fr, &n->repo.bs, &t->cid, &where, err);
	if (rc == 0) {
		serve_file(req, n, t, &t->cid, fr, t->name, g->q, g->head);
		return;
	}
	free(fr);
	dir_kind kind;
	/* The whole file is not here (its root is what is missing): streamed
	 * from the peers as it arrives, unless a Range or HEAD asks for less. */
	if (rc == DAG_MISSING && g->round == 0 && node_peers(n, req) && !g->raw_rest && !g->head &&
	    !evhttp_find_header(http_req_in(req), "Range") &&
	    cairn_cid_compare(&where, &t->root) == 0 && cairn_cid_compare(&t->cid, &t->root) == 0 &&
	    gateway_stream_from_peers(req, n, &t->root, g->uri_path, g->q))
		return;
	if (rc == DAG_MISSING && fetch_missing(req, n, g->round, &where, "", FETCH_SCOPE_ENTITY))
		return;
	if (rc != DAG_NOT_FILE || (rc = dir_kind_of(&n->repo.bs, &t->cid, &kind, &where, err)) != 0) {
		if (rc == DAG_MISSING && fetch_missing(req, n, g->round, &where, "", FETCH_SCOPE_ENTITY))
			return;
		resolve_error(req, g->n, rc, &where, g->rest, err);
		return;
	}
	if (kind != KIND_DIR && kind != KIND_HAMT) {
		http_reply_text(req, 501, "%s is not a UnixFS file or directory: fetch it with ?format=raw "
		                "or ?format=car", t->cid_text);
		return;
	}
	size_t pl = strlen(g->uri_path);
	if (pl == 0 || g->uri_path[pl - 1] != '/')
		redirect_to_slash(g);
	else
		serve_dir(req, n, t, g->q, g->head);
}

/* The block the path ends at, asked of the peers first if it is not
 * here: 0 with it (the caller frees it), or -1 when a reply was given or
 * the request now waits for the peers. */
static int fetch_and_read(struct gw_req *g, uint8_t **data, size_t *len)
{
	if (g->t.cid.mh.code != CAIRN_MH_IDENTITY && !blockstore_has(&g->n->repo.bs, &g->t.cid) &&
	    fetch_missing(g->req, g->n, g->round, &g->t.cid, "", FETCH_SCOPE_BLOCK))
		return -1;
	return read_block(g->req, g->n, &g->t, data, len);
}

/* ?format=tar (or Accept: application/x-tar): the UnixFS file or tree
 * the path ends at as a tar archive (tar.h), streamed; with peers, what is
 * missing is fetched first, so the archive never stops short. */
static void serve_tar(struct gw_req *g)
{
	struct http_req *req = g->req;
	struct target *t = &g->t;
	struct evkeyvalq *h = http_req_out(req);
	char etag[CAIRN_CID_TEXT_MAX + 16], fname[CAIRN_CID_TEXT_MAX + 8];
	if (node_peers(g->n, req) && g->round < PEERS_FETCH_ROUNDS &&
	    complete_dag(req, g->n, &t->cid, FETCH_SCOPE_ALL))
		return;
	int have = blockstore_has(&g->n->repo.bs, &t->cid);
	if (have != 1) {
		http_reply_text(req, have == 0 ? 404 : node_store_status(req, g->n),
		                have == 0 ? "block not found: %s" : "could not look up %s", t->cid_text);
		return;
	}
	/* the archive's top entry: the name the path ends in, else the CID */
	const char *name = t->name && strcmp(t->name, ".") != 0 && strcmp(t->name, "..") != 0 ? t->name
	                                                                                    : t->cid_text;
	snprintf(etag, sizeof etag, "\"%s.x-tar\"", t->cid_text);
	common_headers(h, t, etag);
	if (gateway_not_modified(req, etag))
		return;
	stream_source *src = stream_tar(&g->n->repo.bs, &t->cid, name);
	if (!src) {
		http_reply_text(req, 500, "out of memory");
		return;
	}
	snprintf(fname, sizeof fname, "%.*s.tar", CAIRN_CID_TEXT_MAX - 1, name);
	evhttp_add_header(h, "Content-Type", "application/x-tar");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Vary", "Accept");
	gateway_disposition(h, "attachment", fname);
	http_stream(req, 200, src, g->head ? 0 : STREAM_BODY, NULL, NULL);
}

/* The IPLD formats (IPIP-328): ?format= name, codec written, Content-Type,
 * file extension, and whether a browser shows it (inline) or saves it. */
static const struct codec_format {
	const char *name;
	uint64_t codec;
	const char *type, *ext;
	int inline_;
} codec_formats[] = {
	{"dag-json", CAIRN_CODEC_DAG_JSON, "application/vnd.ipld.dag-json", "json", 1},
	{"dag-cbor", CAIRN_CODEC_DAG_CBOR, "application/vnd.ipld.dag-cbor", "cbor", 0},
	{"json", CAIRN_CODEC_JSON, "application/json", "json", 1},
	/* DAG-CBOR is CBOR: what a CBOR client asks for, it reads */
	{"cbor", CAIRN_CODEC_DAG_CBOR, "application/cbor", "cbor", 0},
};

static const struct codec_format *codec_format_named(const char *name)
{
	for (size_t i = 0; name && i < sizeof codec_formats / sizeof codec_formats[0]; i++)
		if (strcmp(codec_formats[i].name, name) == 0)
			return &codec_formats[i];
	return NULL;
}

/* The format a record's own codec is served in when none is asked for. */
static const struct codec_format *codec_format_of(uint64_t codec)
{
	return codec == CAIRN_CODEC_DAG_JSON ? &codec_formats[0]
	     : codec == CAIRN_CODEC_DAG_CBOR ? &codec_formats[1]
	     : codec == CAIRN_CODEC_JSON     ? &codec_formats[2] : NULL;
}

/* The block the path ends at in an IPLD format: as stored when that is its
 * codec, else through the data model (dag-pb as {Data, Links}, raw as
 * bytes); 406 when the format cannot hold the value (links or bytes in
 * plain JSON). */
static void serve_codec(struct gw_req *g, const struct codec_format *f)
{
	struct http_req *req = g->req;
	struct target *t = &g->t;
	struct evkeyvalq *h = http_req_out(req);
	char etag[CAIRN_CID_TEXT_MAX + 16], err[CAIRN_ERR_MAX] = "", len[32], fname[CAIRN_CID_TEXT_MAX + 8];
	uint8_t *data = NULL, *out = NULL;
	size_t dlen, olen;
	if (fetch_and_read(g, &data, &dlen) != 0)
		return;
	if (t->cid.codec == f->codec) {
		out = data; /* as stored: its bytes are what the CID names */
		olen = dlen;
		data = NULL;
	} else {
		int rc = ipld_block_as(&t->cid, data, dlen, f->codec, &out, &olen, err);
		if (rc == DAG_BAD_INPUT || rc == DAG_INVALID) {
			http_reply_text(req, rc == DAG_INVALID ? 422 : 406, "%s as %s: %s", t->cid_text, f->name, err);
			goto done;
		}
		if (rc != 0) {
			http_req_set_fault(req, err);
			http_reply_text(req, 500, "could not convert the block");
			goto done;
		}
	}
	snprintf(etag, sizeof etag, "\"%s.%s\"", t->cid_text, f->name);
	snprintf(fname, sizeof fname, "%s.%s", t->cid_text, f->ext);
	common_headers(h, t, etag);
	evhttp_add_header(h, "Content-Type", f->type);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Vary", "Accept");
	gateway_disposition(h, f->inline_ ? "inline" : "attachment", fname);
	if (gateway_not_modified(req, etag))
		goto done;
	snprintf(len, sizeof len, "%zu", olen);
	evhttp_add_header(h, "Content-Length", len);
	struct evbuffer *b = evbuffer_new();
	if (!g->head && b && evbuffer_add_reference(b, out, olen, free_block, NULL) == 0)
		out = NULL;
	http_reply(req, 200, "OK", b);
	if (b)
		evbuffer_free(b);
done:
	free(data);
	free(out);
}

/* Canonical DAG-JSON (s, n bytes) as HTML for reading: indented two
 * spaces a level, escaped, each link {"/": CID} a link to that content. */
static void json_html(struct evbuffer *b, const char *s, size_t n, const char *link_base)
{
	int depth = 0;
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < n && s[j] != '"')
				j += s[j] == '\\' ? 2 : 1;
			j = j < n ? j + 1 : n;
			http_html_escape(b, s + i, j - i);
			i = j;
			continue;
		}
		if (c == '{' && n - i > 6 && memcmp(s + i, "{\"/\":\"", 6) == 0) {
			const char *q = memchr(s + i + 6, '"', n - i - 6);
			cairn_cid cid;
			if (q && (size_t)(q - s) + 1 < n && q[1] == '}' &&
			    cairn_cid_parse(s + i + 6, (size_t)(q - s - i - 6), &cid) == CAIRN_OK) {
				int len = (int)(q - s - i - 6);
				evbuffer_add_printf(b, "{\"/\": \"<a href=\"%s/ipfs/%.*s\">%.*s</a>\"}", link_base, len,
				                    s + i + 6, len, s + i + 6);
				i = (size_t)(q - s) + 2;
				continue;
			}
		}
		if ((c == '{' || c == '[') && i + 1 < n && (s[i + 1] == '}' || s[i + 1] == ']')) {
			evbuffer_add(b, s + i, 2); /* empty */
			i += 2;
			continue;
		}
		if (c == '{' || c == '[' || c == ',') {
			depth += c != ',';
			evbuffer_add_printf(b, "%c\n%*s", c, 2 * depth, "");
		} else if (c == '}' || c == ']') {
			depth -= depth > 0;
			evbuffer_add_printf(b, "\n%*s%c", 2 * depth, "", c);
		} else if (c == ':') {
			evbuffer_add(b, ": ", 2);
		} else {
			evbuffer_add(b, &c, 1);
		}
		i++;
	}
}

/* A record asked for by a browser (Accept: text/html, no format): a page
 * with its DAG-JSON, every link clickable, and the formats to fetch it in,
 * as Kubo's gateway shows records. */
static void serve_record_html(struct gw_req *g)
{
	struct http_req *req = g->req;
	struct target *t = &g->t;
	struct evkeyvalq *h = http_req_out(req);
	char etag[CAIRN_CID_TEXT_MAX + 40], err[CAIRN_ERR_MAX] = "";
	uint8_t *data = NULL, *json = NULL;
	size_t dlen, jlen;
	if (fetch_and_read(g, &data, &dlen) != 0)
		return;
	/* re-encoded even from dag-json: the page reads canonical text */
	int rc = ipld_block_as(&t->cid, data, dlen, CAIRN_CODEC_DAG_JSON, &json, &jlen, err);
	if (rc != 0) {
		if (rc < 0)
			http_req_set_fault(req, err);
		http_reply_text(req, rc < 0 ? 500 : 422, "%s: %s", t->cid_text, err);
		goto done;
	}
	snprintf(etag, sizeof etag, "\"DagIndex-cairn1_CID-%s\"", t->cid_text);
	common_headers(h, t, etag);
	evhttp_remove_header(h, "Cache-Control");
	evhttp_add_header(h, "Cache-Control", LISTING_CACHE); /* the page's template may change */
	evhttp_add_header(h, "Vary", "Accept");
	if (gateway_not_modified(req, etag))
		goto done;
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		http_reply_text(req, 500, "out of memory");
		goto done;
	}
	const char *codec = cairn_codec_name(t->cid.codec);
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title><style>"
	                    "body{font-family:sans-serif;margin:2em}pre{font-size:.9em;white-space:pre-wrap}"
	                    ".cid{font-family:monospace;font-size:.8em}</style></head><body>\n"
	                    "<h1>%s record</h1>\n<p class=\"cid\">%s</p>\n<p>%zu bytes. Download: "
	                    "<a href=\"?format=dag-json\">dag-json</a> <a href=\"?format=dag-cbor\">dag-cbor</a> "
	                    "<a href=\"?format=raw\">raw block</a> <a href=\"?format=car\">CAR</a></p>\n<pre>",
	                    t->cid_text, codec ? codec : "IPLD", t->cid_text, dlen);
	json_html(b, (const char *)json, jlen, t->link_base);
	evbuffer_add_printf(b, "</pre>\n</body></html>\n");
	reply_page(req, b, g->head);
done:
	free(data);
	free(json);
}

/* Resolve the path below the CID (asking the peers for what is missing on
 * the way), then serve it in the format asked. */
static void serve_path(struct gw_req *g)
{
	struct http_req *req = g->req;
	node *n = g->n;
	char err[CAIRN_ERR_MAX] = "";
	cairn_cid where;
	/* UnixFS names below dag-pb and raw roots; below a record, its maps,
	 * lists and links, then names again once in dag-pb (ipld.h) */
	where = g->t.root;
	int unixfs_root = g->t.root.codec == CAIRN_CODEC_DAG_PB || g->t.root.codec == CAIRN_CODEC_RAW;
	int rc = unixfs_root ? dir_resolve(&n->repo.bs, &g->t.root, g->rest, &g->t.cid, g->t.trail, &where, err)
	                     : ipld_resolve(&n->repo.bs, &g->t.root, g->rest, &g->t.cid, g->t.trail, &where, err);
	/* The first time, peers are asked for the whole path (they resolve it
	 * in one go); then for whatever block is still missing. */
	if (rc == DAG_MISSING &&
	    (g->round == 0
	         ? fetch_missing(req, n, g->round, &g->t.root, g->raw_rest ? g->raw_rest : "", FETCH_SCOPE_ENTITY)
	         : fetch_missing(req, n, g->round, &where, "", FETCH_SCOPE_ENTITY)))
		return;
	if (rc != 0) {
		resolve_error(req, g->n, rc, &where, g->rest, err);
		return;
	}
	cairn_cid_to_string(&g->t.cid, g->t.cid_text, sizeof g->t.cid_text, NULL);
	const char *last = strrchr(g->rest, '/');
	g->t.name = last && last[1] ? last + 1 : NULL;

	const char *format = evhttp_find_header(g->q, "format");
	const char *accept = evhttp_find_header(http_req_in(req), "Accept");
	int raw = (format && strcmp(format, "raw") == 0) ||
	          (!format && accept && strstr(accept, "application/vnd.ipld.raw"));
	int car = (format && strcmp(format, "car") == 0) ||
	          (!format && accept && strstr(accept, "application/vnd.ipld.car"));
	int tar = (format && strcmp(format, "tar") == 0) ||
	          (!format && accept && strstr(accept, "application/x-tar"));
	const struct codec_format *f = codec_format_named(format);
	int record = codec_format_of(g->t.cid.codec) != NULL;
	if (!format && accept && !raw && !car && !tar) {
		/* the explicit IPLD types always; application/json and
		 * application/cbor only for records (a UnixFS file may be a JSON
		 * document itself: it is served as the file, as Kubo does) */
		f = strstr(accept, "application/vnd.ipld.dag-json") ? codec_format_named("dag-json")
		  : strstr(accept, "application/vnd.ipld.dag-cbor") ? codec_format_named("dag-cbor")
		  : record && strstr(accept, "application/json") ? codec_format_named("json")
		  : record && strstr(accept, "application/cbor") ? codec_format_named("cbor") : NULL;
	}
	if (format && !raw && !car && !tar && !f)
		http_reply_text(req, 400, "unsupported format '%s' (use raw, car, tar, dag-json, dag-cbor, json or cbor)",
		                format);
	else if (tar)
		serve_tar(g);
	else if (raw || car)
		serve_verifiable(g, raw);
	else if (!f && record && accept && strstr(accept, "text/html"))
		serve_record_html(g);
	else if (f || record)
		serve_codec(g, f ? f : codec_format_of(g->t.cid.codec));
	else
		serve_unixfs(g);
}

/* CORS (Fetch standard): the gateway serves public, content-addressed
 * data to any origin, as Kubo's does, and lets scripts read the headers a
 * verifying client needs. The API has none of this: it is authenticated.
 * Every reply of the listener carries them, written by the server into
 * each head as one constant (gateway.h), not added per request. */
#define GATEWAY_CORS_METHODS "GET, HEAD, OPTIONS"
#define GATEWAY_CORS_MAX_AGE "86400"
const char gateway_fixed_headers[] =
	"Access-Control-Allow-Origin: *\r\n"
	"Access-Control-Allow-Methods: " GATEWAY_CORS_METHODS "\r\n"
	"Access-Control-Allow-Headers: Content-Type, Range, User-Agent, X-Requested-With\r\n"
	"Access-Control-Expose-Headers: Content-Length, Content-Range, Content-Disposition, ETag, "
	"Accept-Ranges, X-Ipfs-Path, X-Ipfs-Roots, X-Content-Type-Options, X-Chunked-Output, "
	"X-Stream-Output\r\n";

void gateway_serve(struct http_req *req, node *n, int round)
{
	enum http_method cmd = http_req_method(req);
	struct evkeyvalq q;
	const char *uri_path = http_req_path(req);
	char *content = NULL, link_base[310] = "", *path = NULL;
	size_t path_len = 0;
	struct gw_req g = {.req = req, .n = n, .round = round, .head = cmd == HTTP_METHOD_HEAD, .q = &q,
	                   .uri_path = uri_path, .req_path = uri_path, .t = {.raw_path = uri_path, .link_base = ""}};

	TAILQ_INIT(&q);
	if (cmd == HTTP_METHOD_OPTIONS) { /* a preflight, for the gateway and routing v1 */
		evhttp_add_header(http_req_out(req), "Access-Control-Max-Age", GATEWAY_CORS_MAX_AGE);
		evhttp_add_header(http_req_out(req), "Allow", GATEWAY_CORS_METHODS);
		http_reply(req, 204, "No Content", NULL);
		goto done;
	}
	switch (gateway_host(req, n, &content, link_base, sizeof link_base)) {
	case GATEWAY_HOST_ANSWERED:
		goto done;
	case GATEWAY_HOST_SUBDOMAIN: /* the content path the Host names */
		uri_path = g.uri_path = g.t.raw_path = content;
		g.t.link_base = link_base;
		break;
	case GATEWAY_HOST_PATH:
		break;
	}
	path = uri_path ? evhttp_uridecode(uri_path, 0, &path_len) : NULL;
	if (path && routing_handle(req, n, path))
		goto done;
	if (path && strlen(path) == path_len && tlog_handle(req, n, path))
		goto done;
	if (cmd != HTTP_METHOD_GET && cmd != HTTP_METHOD_HEAD) {
		evhttp_add_header(http_req_out(req), "Allow", GATEWAY_CORS_METHODS);
		http_reply_text(req, 405, "method not allowed: the gateway is read-only");
		goto done;
	}
	/* %00 would cut the decoded path short: refused with the malformed. */
	if (!path || strlen(path) != path_len || http_parse_query(req, &q) != 0) {
		http_reply_text(req, 400, "malformed request URI");
		goto done;
	}
	if (strncmp(path, "/ipns/", 6) == 0) {
		http_reply_text(req, 501, "IPNS is not supported by this gateway");
		goto done;
	}
	if (strncmp(path, "/ipfs/", 6) != 0) {
		http_reply_text(req, 404, "not found: paths start with /ipfs/{cid}");
		goto done;
	}
	const char *c = path + 6;
	const char *slash = strchr(c, '/');
	size_t clen = slash ? (size_t)(slash - c) : strlen(c);
	g.rest = slash ? slash : "";
	g.raw_rest = strchr(uri_path + 6, '/');
	int rc = cairn_cid_parse(c, clen, &g.t.root);
	if (rc != 0) {
		http_reply_text(req, 400, "invalid CID '%.*s': %s", (int)(clen > 200 ? 200 : clen), c,
		                cairn_strerror(rc));
		goto done;
	}
	/* The blockstore's cluster is known to be away: say so now rather
	 * than after a timeout (it is tried again within seconds). */
	if (!blockstore_available(&n->repo.bs)) {
		http_reply_text(req, node_store_status(req, n), "the blockstore is unreachable");
		goto done;
	}
	/* Cache-Control: only-if-cached asks whether the root is here at all. */
	const char *cc = evhttp_find_header(http_req_in(req), "Cache-Control");
	if (cc && strstr(cc, "only-if-cached") && g.t.root.mh.code != CAIRN_MH_IDENTITY &&
	    blockstore_has(&n->repo.bs, &g.t.root) != 1) {
		http_reply_text(req, 412, "not in this node's blockstore");
		goto done;
	}
	if (!(g.t.trail = malloc(sizeof *g.t.trail))) {
		http_reply_text(req, 500, "out of memory");
		goto done;
	}
	serve_path(&g);
done:
	evhttp_clear_headers(&q);
	free(g.t.trail);
	free(path);
	free(content);
}
